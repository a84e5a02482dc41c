/* test_ctl.c: the control protocol: command matching by prefix, arguments, errors, reply JSON. */
#include "config.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core.h"

static const char *called;
static int called_argc;
static const char *called_arg0;

static int h_cards(const struct sb_ctl_req *req, struct sb_reply *r)
{
	static const char *const cols[] = { "slot", "name", NULL };
	called = "show cards";
	sb_reply_table(r, cols);
	sb_reply_row(r);
	sb_reply_int(r, "slot", 1);
	sb_reply_str(r, "name", "b1");
	sb_reply_row(r);
	sb_reply_int(r, "slot", 2);
	sb_reply_str(r, "name", NULL);
	return 0;
}

static int h_channels(const struct sb_ctl_req *req, struct sb_reply *r)
{
	called = "show channels";
	called_argc = req->argc;
	called_arg0 = req->argc ? req->argv[0] : NULL;
	sb_reply_message(r, "ok");
	return 0;
}

static int h_cloud(const struct sb_ctl_req *req, struct sb_reply *r)
{
	called = "show cloud";
	sb_reply_str(r, "state", "down");
	sb_reply_bool(r, "enabled", false);
	return 0;
}

static int h_hangup(const struct sb_ctl_req *req, struct sb_reply *r)
{
	called = "hangup";
	called_argc = req->argc;
	called_arg0 = req->argv[0];
	return 0;
}

static int h_reload(const struct sb_ctl_req *req, struct sb_reply *r)
{
	called = "reload";
	sb_reply_error(r, "refused");
	sb_reply_detail(r, "a.conf:1: x: bad");
	sb_reply_detail(r, "a.conf:2: y: bad");
	return 0;
}

static int h_list(const struct sb_ctl_req *req, struct sb_reply *r)
{
	called = "cdr list";
	called_argc = req->argc;
	called_arg0 = req->argc ? req->argv[0] : NULL;
	return 0;
}

static const struct sb_ctl_cmd cmds[] = {
	{ "show cards", h_cards, "cards", 0 },
	{ "show channels [SLOT]", h_channels, "channels", 0 },
	{ "show cloud", h_cloud, "cloud", 0 },
	{ "hangup <CALL>", h_hangup, "hang up", 0 },
	{ "reload", h_reload, "reload", SB_CTL_PRIV },
	{ "cdr list [OPTION...]", h_list, "records", 0 },
	{ NULL, NULL, NULL, 0 },
};

/* run words through dispatch; return the reply as parsed JSON */
static json_t *run(unsigned uid, int argc, ...)
{
	const char *argv[16];
	struct sb_reply *r;
	va_list ap;
	size_t len;

	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, const char *);
	va_end(ap);
	called = NULL;
	called_argc = -1;
	assert_int_equal(sb__reply_new(&r), 0);
	sb__ctl_dispatch(argc, argv, uid, r);
	char *line = sb__reply_dump(r, &len);
	assert_non_null(line);
	assert_int_equal(line[len - 1], '\n');
	assert_null(memchr(line, '\n', len - 1)); /* one line */
	json_t *j = json_loads(line, 0, NULL);
	assert_non_null(j);
	free(line);
	sb__reply_free(r);
	return j;
}

static const char *err(json_t *j)
{
	assert_true(json_is_false(json_object_get(j, "ok")));
	return json_string_value(json_object_get(j, "error"));
}

static void test_exact_and_prefix(void **state)
{
	json_t *j = run(0, 2, "show", "cards");
	assert_string_equal(called, "show cards");
	assert_true(json_is_true(json_object_get(j, "ok")));
	json_decref(j);
	j = run(0, 2, "sh", "ca");
	assert_string_equal(called, "show cards");
	json_decref(j);
	j = run(0, 2, "s", "cl");
	assert_string_equal(called, "show cloud");
	json_decref(j);
}

static void test_optional_and_required_args(void **state)
{
	json_t *j = run(0, 2, "show", "channels");
	assert_string_equal(called, "show channels");
	assert_int_equal(called_argc, 0);
	json_decref(j);
	j = run(0, 3, "show", "ch", "4");
	assert_int_equal(called_argc, 1);
	assert_string_equal(called_arg0, "4");
	json_decref(j);
	j = run(0, 2, "hangup", "c-17");
	assert_string_equal(called, "hangup");
	assert_string_equal(called_arg0, "c-17");
	json_decref(j);
	j = run(0, 1, "hangup");
	assert_null(called);
	assert_non_null(strstr(err(j), "incomplete command (possibilities are: hangup <CALL>)"));
	json_decref(j);
}

/* "[NAME...]" as the last token takes any number of words, including none */
static void test_variadic_words(void **state)
{
	json_t *j = run(0, 2, "cdr", "list");
	assert_string_equal(called, "cdr list");
	assert_int_equal(called_argc, 0);
	json_decref(j);
	j = run(0, 7, "cdr", "l", "--since", "2026-11-01", "--limit", "5", "--number");
	assert_string_equal(called, "cdr list");
	assert_int_equal(called_argc, 5);
	assert_string_equal(called_arg0, "--since");
	json_decref(j);
	/* a fixed pattern still refuses extra words */
	j = run(0, 3, "show", "cloud", "x");
	assert_null(called);
	assert_non_null(strstr(err(j), "too many words"));
	json_decref(j);
}

static int chunks_left;
static int frees;

static int more_cb(void *arg, FILE *out)
{
	fprintf(out, "%s%d\n", (const char *)arg, chunks_left);
	return --chunks_left > 0;
}

static void free_cb(void *arg)
{
	frees++;
}

/* a streamed reply says so in its first line and hands its producer over exactly once */
static void test_stream_reply(void **state)
{
	struct sb_reply *r;
	struct sb__stream st;
	size_t len;
	char *line;
	FILE *out;
	char *text = NULL;
	size_t tlen = 0;

	frees = 0;
	assert_int_equal(sb__reply_new(&r), 0);
	sb_reply_stream(r, more_cb, free_cb, "row");
	line = sb__reply_dump(r, &len);
	assert_non_null(strstr(line, "\"stream\":true"));
	free(line);
	assert_true(sb__reply_take_stream(r, &st));
	sb__reply_free(r);
	assert_int_equal(frees, 0); /* the taker owns it now */
	chunks_left = 2;
	out = open_memstream(&text, &tlen);
	assert_int_equal(st.more_cb(st.arg, out), 1);
	assert_int_equal(st.more_cb(st.arg, out), 0);
	fclose(out);
	assert_string_equal(text, "row2\nrow1\n");
	free(text);
	sb__stream_free(&st);
	assert_int_equal(frees, 1);

	/* a reply that is never sent, or that failed, releases its stream */
	assert_int_equal(sb__reply_new(&r), 0);
	sb_reply_stream(r, more_cb, free_cb, "x");
	sb__reply_free(r);
	assert_int_equal(frees, 2);
	assert_int_equal(sb__reply_new(&r), 0);
	sb_reply_stream(r, more_cb, free_cb, "x");
	sb_reply_error(r, "no such record");
	assert_false(sb__reply_take_stream(r, &st));
	assert_int_equal(frees, 3);
	line = sb__reply_dump(r, &len);
	assert_null(strstr(line, "stream"));
	free(line);
	sb__reply_free(r);
	assert_int_equal(frees, 3);
}

static void test_errors_name_possibilities(void **state)
{
	json_t *j = run(0, 2, "show", "c");
	assert_null(called);
	assert_string_equal(err(j), "ambiguous command word \"c\" (possibilities are: cards, "
				    "channels, cloud)");
	json_decref(j);
	j = run(0, 2, "show", "trunks");
	assert_string_equal(err(j), "unknown command word \"trunks\" (possibilities are: cards, "
				    "channels, cloud)");
	json_decref(j);
	j = run(0, 1, "frobnicate");
	assert_string_equal(err(j), "unknown command word \"frobnicate\" (possibilities are: show, "
				    "hangup, reload, cdr)");
	json_decref(j);
	j = run(0, 3, "show", "cards", "extra");
	assert_null(called);
	assert_non_null(strstr(err(j), "\"extra\" is not expected"));
	json_decref(j);
	j = run(0, 1, "show");
	assert_non_null(strstr(err(j), "incomplete command"));
	json_decref(j);
	j = run(0, 0);
	assert_non_null(strstr(err(j), "no command given"));
	json_decref(j);
}

static void test_privileged_commands_check_uid(void **state)
{
	unsigned other = getuid() == 0 ? 4242 : 0;
	json_t *j;

	if (getuid() == 0) {
		j = run(other, 1, "reload");
		assert_null(called);
		assert_non_null(strstr(err(j), "permission denied"));
		json_decref(j);
	}
	j = run(getuid(), 1, "reload");
	assert_string_equal(called, "reload");
	json_decref(j);
	j = run(other, 2, "show", "cards"); /* reading is for everyone who can reach the socket */
	assert_string_equal(called, "show cards");
	json_decref(j);
}

static void test_reply_shapes(void **state)
{
	json_t *j = run(0, 2, "show", "cards");
	json_t *cols = json_object_get(j, "columns"), *rows = json_object_get(j, "rows");
	assert_int_equal(json_array_size(cols), 2);
	assert_string_equal(json_string_value(json_array_get(cols, 0)), "slot");
	assert_int_equal(json_array_size(rows), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 0), "slot")), 1);
	assert_true(json_is_null(json_object_get(json_array_get(rows, 1), "name")));
	json_decref(j);

	j = run(0, 2, "show", "cloud");
	json_t *item = json_object_get(j, "item");
	assert_string_equal(json_string_value(json_object_get(item, "state")), "down");
	assert_true(json_is_false(json_object_get(item, "enabled")));
	json_decref(j);

	j = run(0, 1, "reload");
	assert_string_equal(err(j), "refused");
	assert_int_equal(json_array_size(json_object_get(j, "details")), 2);
	json_decref(j);
}

static void test_help_lists_every_pattern(void **state)
{
	struct sb_reply *r;
	size_t len;

	assert_int_equal(sb__reply_new(&r), 0);
	sb__ctl_help(r);
	char *line = sb__reply_dump(r, &len);
	json_t *j = json_loads(line, 0, NULL);
	json_t *rows = json_object_get(j, "rows");
	assert_int_equal(json_array_size(rows), 6);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 1), "command")),
			    "show channels [SLOT]");
	json_decref(j);
	free(line);
	sb__reply_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_and_prefix),
		cmocka_unit_test(test_optional_and_required_args),
		cmocka_unit_test(test_errors_name_possibilities),
		cmocka_unit_test(test_privileged_commands_check_uid),
		cmocka_unit_test(test_reply_shapes),
		cmocka_unit_test(test_help_lists_every_pattern),
		cmocka_unit_test(test_variadic_words),
		cmocka_unit_test(test_stream_reply),
	};

	sb_ctl_register(cmds);
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
