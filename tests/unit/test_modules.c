/* test_modules.c: a module brings its own config section, checks, commands and life cycle. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core.h"

struct demo_conf {
	struct sb_conf_src src;
	int retention_days;
	char *label;
};

static const struct sb_conf_key demo_keys[] = {
	{ .name = "retention_days", .type = SB_CT_INT, .offset = offsetof(struct demo_conf, retention_days),
	  .def = "180", .min = 1, .max = 3650, .help = "days" },
	{ .name = "label", .type = SB_CT_STRING, .offset = offsetof(struct demo_conf, label), .min = 1,
	  .max = 16, .flags = SB_CK_OPTIONAL, .help = "a label" },
	SB_CONF_END
};

static const struct sb_conf_section demo_section = {
	.name = "demo",
	.keys = demo_keys,
	.size = sizeof(struct demo_conf),
	.src_offset = offsetof(struct demo_conf, src),
};

static char trace[256];
static const struct sb_module demo;

/* a check that needs the whole file: the label must not name a card's slot */
static void demo_check(struct sb_conf_ctx *cx, const struct sb_conf *conf)
{
	const struct demo_conf *dc = sb_module_conf(conf, &demo);
	if (dc->label && conf->model->ncards && strcmp(dc->label, conf->model->cards[0].name) == 0)
		sb_conf_error(cx, &dc->src, "demo.label", "\"%s\" is a card's name", dc->label);
}

static int demo_init(const struct sb_conf *conf)
{
	strcat(trace, "init;");
	return 0;
}

static void demo_reload(const struct sb_conf *conf, const struct sb_conf *old)
{
	char buf[64];
	snprintf(buf, sizeof buf, "reload %d->%d;",
		 ((const struct demo_conf *)sb_module_conf(old, &demo))->retention_days,
		 ((const struct demo_conf *)sb_module_conf(conf, &demo))->retention_days);
	strcat(trace, buf);
}

static void demo_close(void)
{
	strcat(trace, "close;");
}

static int later_init(const struct sb_conf *conf)
{
	strcat(trace, "later-fails;");
	return -EIO;
}

static void later_close(void)
{
	strcat(trace, "later-close;");
}

static const struct sb_module demo = {
	.name = "demo",
	.conf = &demo_section,
	.check = demo_check,
	.init = demo_init,
	.reload = demo_reload,
	.close = demo_close,
};

static const struct sb_module later = { .name = "later", .init = later_init, .close = later_close };

/* the test's own module table: the library's module_table.o is not linked */
const struct sb_module *const sb_modules[] = { &demo, &later, NULL };

static char dir[] = "/tmp/test_modules.XXXXXX";

static int load(const char *text, struct sb_conf **confp, struct sb_msgs *errs)
{
	char path[600];
	struct sb_msgs warns = { 0 };
	snprintf(path, sizeof path, "%s/m.conf", dir);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	int rc = sb__conf_load(path, confp, errs, &warns);
	sb__msgs_free(&warns);
	return rc;
}

static bool has(const struct sb_msgs *m, const char *needle)
{
	for (size_t i = 0; i < m->n; i++)
		if (strstr(m->v[i], needle))
			return true;
	return false;
}

static void test_section_parsed_and_defaulted(void **state)
{
	struct sb_conf *conf;
	struct sb_msgs errs = { 0 };

	assert_int_equal(load("demo: { retention_days = 30; label = \"x\"; };\n", &conf, &errs), 0);
	const struct demo_conf *dc = sb_module_conf(conf, &demo);
	assert_int_equal(dc->retention_days, 30);
	assert_string_equal(dc->label, "x");
	assert_null(sb_module_conf(conf, &later)); /* no section */
	sb__conf_free(conf);

	assert_int_equal(load("", &conf, &errs), 0);
	assert_int_equal(((const struct demo_conf *)sb_module_conf(conf, &demo))->retention_days, 180);
	sb__conf_free(conf);
}

static void test_section_errors(void **state)
{
	struct sb_conf *conf = NULL;
	struct sb_msgs errs = { 0 };

	assert_int_equal(load("demo: {\n retention_day = 3;\n};\nlater: { };\n", &conf, &errs), -EINVAL);
	assert_true(has(&errs, "m.conf:2: demo.retention_day: unknown setting (did you mean \"retention_days\"?"));
	/* the root's allowed list names the modules' sections too */
	assert_true(has(&errs, "m.conf:4: later: unknown setting (allowed: system, cloud, cluster, cards, "
			       "ring_groups, stations, demo)"));
	sb__msgs_free(&errs);

	assert_int_equal(load("demo: { retention_days = 0; };\n", &conf, &errs), -EINVAL);
	assert_true(has(&errs, "demo.retention_days: 0 is out of range (allowed: 1..3650)"));
	sb__msgs_free(&errs);
}

static void test_whole_config_check(void **state)
{
	struct sb_conf *conf = NULL;
	struct sb_msgs errs = { 0 };

	assert_int_equal(load("cards = ( { slot = 1; type = \"link\"; name = \"lnk\"; protocol = \"net\";"
			      " peer = \"h:1\"; } );\ndemo: { label = \"lnk\"; };\n",
			      &conf, &errs),
			 -EINVAL);
	assert_true(has(&errs, "m.conf:2: demo.label: \"lnk\" is a card's name"));
	sb__msgs_free(&errs);
}

static void test_life_cycle(void **state)
{
	struct sb_conf *a, *b;
	struct sb_msgs errs = { 0 };

	assert_int_equal(load("demo: { retention_days = 7; };\n", &a, &errs), 0);
	assert_int_equal(load("demo: { retention_days = 9; };\n", &b, &errs), 0);
	trace[0] = '\0';
	/* a failing init stops the start; the modules started before it are closed, it is not */
	assert_int_equal(sb__modules_init(a), -EIO);
	sb__modules_reload(b, a);
	sb__modules_close();
	assert_string_equal(trace, "init;later-fails;reload 7->9;close;");
	sb__conf_free(a);
	sb__conf_free(b);
}

static int teardown(void **state)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_section_parsed_and_defaulted),
		cmocka_unit_test(test_section_errors),
		cmocka_unit_test(test_whole_config_check),
		cmocka_unit_test(test_life_cycle),
	};
	if (!mkdtemp(dir))
		return 1;
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, teardown);
}
