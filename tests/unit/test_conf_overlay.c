/* test_conf_overlay.c: the pushed configuration merged over the file: what it replaces, adds and refuses. */
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

static char dir[] = "/tmp/test_conf_overlay.XXXXXX";

static const char *file(const char *name, const char *text)
{
	static char path[2][512];
	static int i;
	char *p = path[i++ % 2];

	snprintf(p, sizeof path[0], "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

/* the file: a pri card in slot 2, a sym-bridge card in slot 1 with channel 100, ring group g */
static const char base[] =
	"stations = ( { user = \"door\"; password = \"door-secret\"; } );\n"
	"cards = ( { slot = 1; type = \"sym-bridge\"; name = \"bridge\";\n"
	"            channels = ( { number = \"100\"; target = \"station:door\"; } ); },\n"
	"          { slot = 2; type = \"pri\"; side = \"net\"; dchannel = \"socket:/tmp/x\"; } );\n"
	"ring_groups = ( { name = \"g\"; members = [ \"station:door\" ]; } );\n";

static int load(const char *overlay_text, struct sb_conf **confp, struct sb_msgs *errs)
{
	struct sb_msgs warns = { 0 };
	const char *conf = file("t.conf", base);
	char conf_path[512];
	int rc;

	snprintf(conf_path, sizeof conf_path, "%s", conf);
	rc = sb__conf_load_with(conf_path, dir, overlay_text ? file("o.conf", overlay_text) : NULL,
				confp, errs, &warns);
	sb__msgs_free(&warns);
	return rc;
}

static bool has_error(const struct sb_msgs *errs, const char *needle)
{
	for (size_t i = 0; i < errs->n; i++)
		if (strstr(errs->v[i], needle))
			return true;
	return false;
}

static const struct sb_ring_group_conf *group(const struct sb_conf *c, size_t i)
{
	return &((const struct sb_ring_group_conf *)c->ring_groups.v)[i];
}

static void test_replaces_and_adds(void **state)
{
	struct sb_conf *conf = NULL;
	struct sb_msgs errs = { 0 };

	assert_int_equal(load("cards = ( { slot = 1; type = \"sym-bridge\"; name = \"bridge\";\n"
			      "  channels = ( { number = \"100\"; target = \"station:door\"; },\n"
			      "               { number = \"300\"; ring_group = \"h\"; } ); } );\n"
			      "ring_groups = ( { name = \"g\"; members = [ \"cloud:a\", \"cloud:b\" ]; },\n"
			      "                { name = \"h\"; members = [ \"cloud:c\" ]; } );\n",
			      &conf, &errs),
			 0);
	assert_int_equal(errs.n, 0);
	assert_non_null(conf->overlay);
	assert_int_equal(conf->model->ncards, 2);
	assert_non_null(sb_model_number(conf->model, "300"));
	assert_int_equal(sb_model_number(conf->model, "300")->card->slot, 1);
	assert_int_equal(sb_model_card(conf->model, 2)->type, sb_card_type_find("pri"));
	/* g replaced (2 members now), h added */
	assert_int_equal(conf->ring_groups.n, 2);
	assert_string_equal(group(conf, 0)->name, "g");
	assert_int_equal(group(conf, 0)->members.n, 2);
	assert_string_equal(group(conf, 1)->name, "h");
	sb__conf_free(conf);
}

static void test_refused(void **state)
{
	struct sb_conf *conf = NULL;
	struct sb_msgs errs = { 0 };

	/* a trunk, a slot of the file's pri card, a section it may not carry: all in one pass */
	assert_int_equal(load("system = { name = \"x\"; };\n"
			      "cards = ( { slot = 3; type = \"bri\"; },\n"
			      "          { slot = 2; type = \"sym-bridge\";\n"
			      "            channels = ( { number = \"200\"; target = \"cloud:x\"; } ); } );\n",
			      &conf, &errs),
			 -EINVAL);
	assert_null(conf);
	assert_true(has_error(&errs, "o.conf:1: system: not allowed in a pushed configuration"));
	assert_true(has_error(&errs, "o.conf:2: cards[0].type: a bri card cannot be pushed"));
	assert_true(has_error(&errs, "o.conf:3: cards[1].slot: slot 2 holds the pri card of"));
	sb__msgs_free(&errs);

	/* no file of the machine read through the network's text */
	assert_int_equal(load("@include \"/etc/passwd\"\n", &conf, &errs), -EINVAL);
	assert_true(has_error(&errs, "o.conf:1: @include: not allowed"));
	sb__msgs_free(&errs);

	/* the checks across sections see the merged whole: 100 is the file's channel */
	assert_int_equal(load("cards = ( { slot = 4; type = \"sym-bridge\";\n"
			      "  channels = ( { number = \"100\"; target = \"cloud:x\"; } ); } );\n",
			      &conf, &errs),
			 -EINVAL);
	assert_true(has_error(&errs, "o.conf:2: cards[2].channels[0]: number \"100\" is already used"));
	sb__msgs_free(&errs);

	assert_int_equal(load("cards = ( { slot = 1; type = \"sym-bridge\"; ", &conf, &errs),
			 -EINVAL);
	assert_true(has_error(&errs, "o.conf:1: syntax error (the pushed configuration"));
	sb__msgs_free(&errs);
}

/* "": the one kept in the state dir, when there is one */
static void test_kept_in_state_dir(void **state)
{
	struct sb_conf *conf = NULL;
	struct sb_msgs errs = { 0 }, warns = { 0 };
	char conf_path[512];

	snprintf(conf_path, sizeof conf_path, "%s", file("t.conf", base));
	assert_int_equal(sb__conf_load_with(conf_path, dir, "", &conf, &errs, &warns), 0);
	assert_null(conf->overlay);
	sb__conf_free(conf);
	file(SB_OVERLAY_NAME, "ring_groups = ( { name = \"k\"; members = [ \"cloud:k\" ]; } );\n");
	assert_int_equal(sb__conf_load_with(conf_path, dir, "", &conf, &errs, &warns), 0);
	assert_non_null(conf->overlay);
	assert_int_equal(conf->ring_groups.n, 2);
	sb__conf_free(conf);
	/* an empty one (a push of nothing) merges nothing */
	file(SB_OVERLAY_NAME, "");
	assert_int_equal(sb__conf_load_with(conf_path, dir, "", &conf, &errs, &warns), 0);
	assert_int_equal(conf->ring_groups.n, 1);
	assert_int_equal(conf->model->ncards, 2);
	sb__conf_free(conf);
	sb__msgs_free(&warns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replaces_and_adds),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_kept_in_state_dir),
	};
	char cmd[600];

	assert_non_null(mkdtemp(dir));
	cmocka_set_message_output(CM_OUTPUT_TAP);
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
