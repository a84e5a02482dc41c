/* test_render.c: unit tests of symbridgectl's reply rendering, word splitting and completion. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/render.h"

/* What one render wrote to stdout and stderr, captured in memory. */
struct capture {
	char *out, *err;
	size_t outlen, errlen;
	FILE *fout, *ferr;
	bool ok;
};

static void capture_begin(struct capture *c)
{
	memset(c, 0, sizeof *c);
	c->fout = open_memstream(&c->out, &c->outlen);
	c->ferr = open_memstream(&c->err, &c->errlen);
	assert_non_null(c->fout);
	assert_non_null(c->ferr);
}

static void capture_end(struct capture *c)
{
	assert_int_equal(fclose(c->fout), 0);
	assert_int_equal(fclose(c->ferr), 0);
}

static void capture_free(struct capture *c)
{
	free(c->out);
	free(c->err);
}

/* Parse text as a reply and render it; the JSON text keeps the tests readable. */
static void render_json(struct capture *c, const char *text)
{
	json_error_t jerr;
	json_t *reply = json_loads(text, JSON_DECODE_ANY, &jerr);

	if (!reply)
		fail_msg("bad test JSON: %s", jerr.text);
	capture_begin(c);
	c->ok = ctl_render_reply(c->fout, c->ferr, reply);
	capture_end(c);
	json_decref(reply);
}

static void test_table_mixed_values(void **state)
{
	struct capture c;

	render_json(&c, "{\"ok\":true,"
			"\"columns\":[\"slot\",\"type\",\"up\",\"peers\",\"note\",\"load\"],"
			"\"rows\":["
			"{\"slot\":1,\"type\":\"pri\",\"up\":true,\"peers\":[\"a\",\"b\"],"
			"\"note\":null,\"load\":0.5},"
			"{\"slot\":12,\"type\":\"sym_bridge\",\"up\":false,\"peers\":[],\"load\":2},"
			"{\"type\":\"\",\"note\":\"x\",\"up\":\"maybe\",\"load\":-3}]}");
	assert_true(c.ok);
	assert_string_equal(c.out, "SLOT  TYPE        UP     PEERS  NOTE  LOAD\n"
				   "1     pri         yes    a,b    -     0.5\n"
				   "12    sym_bridge  no     -      -     2\n"
				   "-     -           maybe  -      x     -3\n");
	assert_string_equal(c.err, "");
	capture_free(&c);
}

static void test_table_empty(void **state)
{
	struct capture c;

	render_json(&c, "{\"ok\":true,\"columns\":[\"slot\",\"state\"],\"rows\":[]}");
	assert_true(c.ok);
	assert_string_equal(c.out, "SLOT  STATE\n(none)\n");
	capture_free(&c);

	/* A reply that forgets "rows" is an empty table too. */
	render_json(&c, "{\"ok\":true,\"columns\":[\"slot\"]}");
	assert_string_equal(c.out, "SLOT\n(none)\n");
	capture_free(&c);
}

static void test_table_no_trailing_spaces(void **state)
{
	struct capture c;

	/* An empty column name must not leave padding at the end of the line. */
	render_json(&c, "{\"ok\":true,\"columns\":[\"a\",\"\"],\"rows\":[{\"a\":\"long value\"}]}");
	assert_string_equal(c.out, "A\nlong value  -\n");
	capture_free(&c);
}

static void test_table_without_columns(void **state)
{
	struct capture c;

	/* A daemon bug that leaves "columns" out still shows the data, keys in order of appearance. */
	render_json(&c, "{\"ok\":true,\"rows\":[{\"id\":7,\"to\":\"100\"},42,{\"from\":\"200\"}]}");
	assert_true(c.ok);
	assert_string_equal(c.out, "ID  TO   FROM\n"
				   "7   100  -\n"
				   "-   -    200\n");
	capture_free(&c);
}

static void test_table_utf8_and_control(void **state)
{
	struct capture c;

	/* Widths count characters, not bytes; control characters cannot break the line. */
	render_json(&c, "{\"ok\":true,\"columns\":[\"name\",\"n\"],"
			"\"rows\":[{\"name\":\"K\\u00f6ln\",\"n\":1},{\"name\":\"a\\nb\\u001b\",\"n\":2}]}");
	assert_string_equal(c.out, "NAME      N\n"
				   "K\xc3\xb6ln" "      1\n"
				   "a\\nb\\x1b  2\n");
	capture_free(&c);
}

static void test_item(void **state)
{
	struct capture c;

	render_json(&c, "{\"ok\":true,\"item\":{\"slot\":3,\"description\":\"first trunk\","
			"\"up\":true,\"codecs\":[\"pcma\",\"opus\"],\"peer\":null,"
			"\"limits\":{\"calls\":30}}}");
	assert_true(c.ok);
	assert_string_equal(c.out, "slot:        3\n"
				   "description: first trunk\n"
				   "up:          yes\n"
				   "codecs:      pcma,opus\n"
				   "peer:        -\n"
				   "limits:      {\"calls\":30}\n");
	capture_free(&c);
}

static void test_item_and_table(void **state)
{
	struct capture c;

	render_json(&c, "{\"ok\":true,\"message\":\"card 1\",\"item\":{\"slot\":1},"
			"\"columns\":[\"chan\"],\"rows\":[{\"chan\":1}]}");
	assert_string_equal(c.out, "card 1\nslot: 1\n\nCHAN\n1\n");
	capture_free(&c);
}

static void test_message_with_details(void **state)
{
	struct capture c;

	render_json(&c, "{\"ok\":true,\"message\":\"configuration reloaded\","
			"\"details\":[\"a.conf:3: sip.port: deprecated\",\"second\"]}");
	assert_true(c.ok);
	assert_string_equal(c.out, "configuration reloaded\n"
				   "a.conf:3: sip.port: deprecated\n"
				   "second\n");
	assert_string_equal(c.err, "");
	capture_free(&c);

	/* ok alone prints nothing. */
	render_json(&c, "{\"ok\":true}");
	assert_true(c.ok);
	assert_string_equal(c.out, "");
	capture_free(&c);
}

static void test_error(void **state)
{
	struct capture c;

	render_json(&c, "{\"ok\":false,\"error\":\"configuration refused, old one kept\","
			"\"details\":[\"a.conf:3: sip.port: not a number\","
			"\"a.conf:9: card.type: unknown (pri, bri)\"]}");
	assert_false(c.ok);
	assert_string_equal(c.out, "");
	assert_string_equal(c.err, "symbridgectl: configuration refused, old one kept\n"
				   "  a.conf:3: sip.port: not a number\n"
				   "  a.conf:9: card.type: unknown (pri, bri)\n");
	capture_free(&c);

	/* Without an error text the failure is still said. */
	render_json(&c, "{\"ok\":false,\"error\":7,\"columns\":[\"a\"],\"rows\":[]}");
	assert_false(c.ok);
	assert_string_equal(c.out, "");
	assert_string_equal(c.err, "symbridgectl: command failed\n");
	capture_free(&c);
}

static void test_missing_ok(void **state)
{
	struct capture c;

	render_json(&c, "{\"message\":\"configuration reloaded\"}");
	assert_false(c.ok);
	assert_string_equal(c.out, "");
	assert_string_equal(c.err, "symbridgectl: malformed reply from symbridged: "
				   "\"ok\" is missing or not true/false\n"
				   "  configuration reloaded\n");
	capture_free(&c);

	render_json(&c, "{\"ok\":\"yes\",\"error\":\"boom\"}");
	assert_false(c.ok);
	assert_string_equal(c.err, "symbridgectl: malformed reply from symbridged: "
				   "\"ok\" is missing or not true/false\n"
				   "  boom\n");
	capture_free(&c);

	render_json(&c, "[1,2]");
	assert_false(c.ok);
	assert_string_equal(c.err, "symbridgectl: malformed reply from symbridged: not a JSON object\n");
	capture_free(&c);
}

static void test_mistyped_members(void **state)
{
	struct capture c;

	/* Members of the wrong type are left out rather than trusted. */
	render_json(&c, "{\"ok\":true,\"message\":5,\"details\":[\"a\",3,null,[\"x\"]],"
			"\"item\":[1],\"columns\":[\"a\",4],\"rows\":[{\"a\":{}},\"row\",null]}");
	assert_true(c.ok);
	assert_string_equal(c.out, "a\n3\n-\n[\"x\"]\nA\n{}\n");
	capture_free(&c);

	render_json(&c, "{\"ok\":true,\"details\":\"one line\",\"columns\":{},\"rows\":7}");
	assert_string_equal(c.out, "one line\n");
	capture_free(&c);
}

static void test_value_text(void **state)
{
	static const struct {
		const char *json, *text;
	} cases[] = {
		{ "\"pri\"", "pri" },   { "\"\"", "-" },	    { "42", "42" },
		{ "-7", "-7" },		{ "true", "yes" },	    { "false", "no" },
		{ "null", "-" },	{ "[]", "-" },		    { "[\"a\",\"b\",\"c\"]", "a,b,c" },
		{ "[1,true]", "1,yes" }, { "[[1]]", "[1]" },	    { "{\"a\":1}", "{\"a\":1}" },
		{ "\"a\\tb\"", "a\\tb" }, { "\"\\u0085\"", "\\u0085" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *v = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
		char *t;

		assert_non_null(v);
		t = ctl_value_text(v);
		assert_string_equal(t, cases[i].text);
		free(t);
		json_decref(v);
	}
	char *t = ctl_value_text(NULL);

	assert_string_equal(t, "-");
	free(t);
}

/* Split line and compare with the expected words (a NULL-terminated list). */
static void check_split(const char *line, ...)
{
	char **words;
	size_t n, i = 0;
	va_list ap;
	const char *want;

	assert_int_equal(ctl_split_words(line, &words, &n), 0);
	va_start(ap, line);
	while ((want = va_arg(ap, const char *))) {
		assert_true(i < n);
		assert_string_equal(words[i], want);
		i++;
	}
	va_end(ap);
	assert_int_equal(n, i);
	assert_null(words[n]);
	ctl_words_free(words);
}

static void test_split_words(void **state)
{
	char **words = (char **)1;
	size_t n = 99;

	check_split("show channels 1", "show", "channels", "1", NULL);
	check_split("  \tshow   cards \n", "show", "cards", NULL);
	check_split("", NULL);
	check_split("   ", NULL);
	check_split("route add \"main office\" 100", "route", "add", "main office", "100", NULL);
	check_split("a\"b c\"d", "ab cd", NULL);
	check_split("say \"\"", "say", "", NULL);
	check_split("x \"q\\\"uote\\\\\"", "x", "q\"uote\\", NULL);
	check_split("path C:\\dir", "path", "C:\\dir", NULL);

	assert_int_equal(ctl_split_words("say \"unterminated", &words, &n), -EINVAL);
	assert_int_equal(ctl_split_words("say \"ends in escape\\\"", &words, &n), -EINVAL);
	/* Out-parameters stay untouched on failure. */
	assert_ptr_equal(words, (char **)1);
	assert_int_equal(n, 99);
}

static const char *const patterns[] = {
	"show cards",	      "show card <SLOT>", "show channels [SLOT]",
	"show cloud",	      "show calls",	  "cdr show <ID>",
	"cdr last [N]",	      "reload",		  "help",
	"debug on|off",	      "channel <ID> hangup", "report [from <DATE>] summary",
};

/* Complete prefix after typed (space separated) and compare with want (space separated). */
static void check_complete(const char *typed, const char *prefix, const char *want)
{
	char **tw, **cands;
	size_t ntw, n;
	char *got = NULL;
	size_t gotlen = 0;
	FILE *f = open_memstream(&got, &gotlen);

	assert_int_equal(ctl_split_words(typed, &tw, &ntw), 0);
	assert_int_equal(ctl_complete((char *const *)patterns, sizeof patterns / sizeof patterns[0],
				      tw, ntw, prefix, &cands, &n),
			 0);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? " " : "", cands[i]);
	assert_null(cands[n]);
	fclose(f);
	assert_string_equal(got, want);
	free(got);
	ctl_words_free(cands);
	ctl_words_free(tw);
}

static void test_complete(void **state)
{
	check_complete("", "sh", "show");
	check_complete("", "", "cdr channel debug help reload report show");
	check_complete("", "x", "");
	check_complete("show", "c", "calls card cards channels cloud");
	check_complete("show", "ca", "calls card cards");
	check_complete("show", "", "calls card cards channels cloud");
	/* A unique prefix stands for its word; an ambiguous one matches nothing literal. */
	check_complete("sh", "cl", "cloud");
	check_complete("c", "", "");
	check_complete("cd", "", "last show");
	/* Arguments take any word, literals after them still complete. */
	check_complete("show card", "", "");
	check_complete("show card 1", "", "");
	check_complete("channel 17", "", "hangup");
	check_complete("channel 17", "x", "");
	check_complete("report", "", "");
	check_complete("report 2024-01-01", "", "summary");
	/* Alternatives in a literal word complete one by one. */
	check_complete("debug", "", "off on");
	check_complete("debug", "of", "off");
	check_complete("debug on", "", "");
	check_complete("reload", "", "");
}

static void test_complete_no_patterns(void **state)
{
	char **cands;
	size_t n = 5;

	assert_int_equal(ctl_complete(NULL, 0, NULL, 0, "sh", &cands, &n), 0);
	assert_int_equal(n, 0);
	assert_null(cands[0]);
	ctl_words_free(cands);
}

static void test_help_patterns(void **state)
{
	json_t *reply = json_loads("{\"ok\":true,\"columns\":[\"command\",\"help\"],\"rows\":["
				   "{\"command\":\"show cards\",\"help\":\"list cards\"},"
				   "{\"command\":5},\"junk\",{\"help\":\"no command\"},"
				   "{\"command\":\"cdr show <ID>\",\"help\":\"one record\"}]}",
				   0, NULL);
	char **pats;
	size_t n;

	assert_non_null(reply);
	assert_int_equal(ctl_help_patterns(reply, &pats, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(pats[0], "show cards");
	assert_string_equal(pats[1], "cdr show <ID>");
	assert_null(pats[2]);
	ctl_words_free(pats);
	json_decref(reply);

	reply = json_loads("{\"ok\":false,\"error\":\"no\"}", 0, NULL);
	assert_int_equal(ctl_help_patterns(reply, &pats, &n), -EINVAL);
	json_decref(reply);
	reply = json_loads("{\"ok\":true,\"rows\":[]}", 0, NULL);
	assert_int_equal(ctl_help_patterns(reply, &pats, &n), -EINVAL);
	json_decref(reply);
	assert_int_equal(ctl_help_patterns(NULL, &pats, &n), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_mixed_values),
		cmocka_unit_test(test_table_empty),
		cmocka_unit_test(test_table_no_trailing_spaces),
		cmocka_unit_test(test_table_without_columns),
		cmocka_unit_test(test_table_utf8_and_control),
		cmocka_unit_test(test_item),
		cmocka_unit_test(test_item_and_table),
		cmocka_unit_test(test_message_with_details),
		cmocka_unit_test(test_error),
		cmocka_unit_test(test_missing_ok),
		cmocka_unit_test(test_mistyped_members),
		cmocka_unit_test(test_value_text),
		cmocka_unit_test(test_split_words),
		cmocka_unit_test(test_complete),
		cmocka_unit_test(test_complete_no_patterns),
		cmocka_unit_test(test_help_patterns),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
