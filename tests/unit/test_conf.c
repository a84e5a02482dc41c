/* test_conf.c: the config parser and validator: typed values, defaults, paths, errors in one pass. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core.h"

static char dir[] = "/tmp/test_conf.XXXXXX";

static const char *write_file(const char *name, const char *text)
{
	static char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static int load(const char *text, struct sb_conf **confp, struct sb_msgs *errs)
{
	struct sb_msgs warns = { 0 };
	int rc = sb__conf_load(write_file("t.conf", text), confp, errs, &warns);
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

static void test_defaults(void **state)
{
	struct sb_conf *conf = NULL;
	struct sb_msgs errs = { 0 };

	assert_int_equal(load("", &conf, &errs), 0);
	assert_string_equal(conf->system.name, "symbridge");
	assert_string_equal(conf->system.state_dir, "/var/lib/symbridge");
	assert_string_equal(conf->system.control_socket, "/run/symbridge/ctl.sock");
	assert_int_equal(conf->system.log_level, SB_LOG_INFO);
	assert_int_equal(conf->system.rtp_ports.lo, 20000);
	assert_int_equal(conf->system.rtp_ports.hi, 29999);
	assert_int_equal(conf->system.max_call_seconds, 600);
	assert_false(conf->cloud.enabled);
	assert_true(conf->cloud.tls.verify_host);
	assert_int_equal(conf->cloud.tls.min_version, SB_TLS_1_2);
	assert_int_equal(conf->cards.n, 0);
	assert_int_equal(conf->model->ncards, 0);
	sb__conf_free(conf);
}

static void test_typed_values_and_model(void **state)
{
	struct sb_conf *conf = NULL;
	struct sb_msgs errs = { 0 };
	char expect[600];

	int rc = load("system: { state_dir = \"var/st\"; rtp_ports = [ 4000, 4999 ];\n"
		      "  control_socket = \"./x/../../run//c.sock\"; };\n"
		      "cards = (\n"
		      " { slot = 7; type = \"sym-bridge\"; channels = (\n"
		      "   { number = \"100\"; target = \"station:door\"; },\n"
		      "   { number = \"101\"; ring_group = \"g\"; } ); },\n"
		      " { slot = 2; type = \"pri\"; side = \"net\"; framing = \"t1\"; dchannel = \"dahdi:3\"; },\n"
		      " { slot = 3; type = \"bri\"; side = \"cpe\"; dchannel = \"socket:/x\"; name = \"s0\"; }\n"
		      ");\n"
		      "ring_groups = ( { name = \"g\"; members = \"card:2/555\"; } );\n"
		      "stations = ( { user = \"door\"; password = \"secret-pw\"; } );\n",
		      &conf, &errs);
	for (size_t i = 0; i < errs.n; i++)
		print_message("%s\n", errs.v[i]);
	assert_int_equal(rc, 0);
	snprintf(expect, sizeof expect, "%s/var/st", dir);
	assert_string_equal(conf->system.state_dir, expect); /* relative to the file's folder */
	snprintf(expect, sizeof expect, "%s", dir);
	*strrchr(expect, '/') = '\0';
	strcat(expect, "/run/c.sock");
	assert_string_equal(conf->system.control_socket, expect); /* tidied, not resolved */
	assert_int_equal(conf->system.rtp_ports.lo, 4000);

	const struct sb_model *m = conf->model;
	assert_int_equal(m->ncards, 3);
	const struct sb_card *c = sb_model_card(m, 7);
	assert_non_null(c);
	assert_string_equal(c->name, "sym-bridge-7"); /* default name TYPE-SLOT */
	assert_int_equal(c->nchannels, 2);
	assert_string_equal(c->channels[0].target, "station:door");
	assert_null(c->channels[0].ring_group);
	assert_string_equal(c->channels[1].ring_group, "g");
	assert_int_equal(c->channels[1].src->line, 6);
	assert_int_equal(sb_model_card(m, 2)->nchannels, 23); /* T1 */
	assert_int_equal(sb_model_card(m, 3)->nchannels, 2);
	assert_string_equal(sb_model_card(m, 3)->name, "s0");
	assert_ptr_equal(sb_model_number(m, "101"), &c->channels[1]);
	assert_null(sb_model_number(m, "999"));
	/* a single string is a one-member list */
	const struct sb_ring_group_conf *g = conf->ring_groups.v;
	assert_int_equal(g->members.n, 1);
	sb__conf_free(conf);
}

/* every error of a file is reported in one pass, not just the first */
static void test_all_errors_in_one_pass(void **state)
{
	struct sb_conf *conf = NULL;
	struct sb_msgs errs = { 0 };

	assert_int_equal(load("system: {\n"
			      "  log_level = \"loud\";\n"
			      "  rtp_ports = [ 5, 4 ];\n"
			      "  colour = \"blue\";\n"
			      "};\n"
			      "cards = ( { slot = 1; type = \"pri\"; dchannel = \"x\"; } );\n",
			      &conf, &errs),
			 -EINVAL);
	assert_null(conf);
	assert_true(has_error(&errs, "t.conf:2: system.log_level: \"loud\" is not allowed"));
	assert_true(has_error(&errs, "t.conf:3: system.rtp_ports:"));
	assert_true(has_error(&errs, "t.conf:4: system.colour: unknown setting"));
	assert_true(has_error(&errs, "t.conf:6: cards[0].side: missing required setting"));
	assert_true(has_error(&errs, "t.conf:6: cards[0].dchannel: \"x\" is not a D-channel"));
	assert_int_equal(errs.n, 5);
	sb__msgs_free(&errs);
}

/* an unknown card type says so once, without calling each of its settings unknown */
static void test_unknown_type_no_noise(void **state)
{
	struct sb_conf *conf = NULL;
	struct sb_msgs errs = { 0 };

	assert_int_equal(load("cards = ( { slot = 1; type = \"fxo\"; lines = 4; } );\n", &conf,
			      &errs),
			 -EINVAL);
	assert_int_equal(errs.n, 1);
	assert_true(has_error(&errs, "cards[0].type: \"fxo\" is not a card type"));
	sb__msgs_free(&errs);
}

static void test_include_names_its_file(void **state)
{
	struct sb_conf *conf = NULL;
	struct sb_msgs errs = { 0 };

	write_file("cards.inc", "\n\ncards = ( { slot = 1; type = \"link\"; protocol = \"x\"; "
				"peer = \"h:1\"; } );\n");
	assert_int_equal(load("# main\n@include \"cards.inc\"\n", &conf, &errs), -EINVAL);
	assert_true(has_error(&errs, "cards.inc:3: cards[0].protocol: \"x\" is not allowed"));
	sb__msgs_free(&errs);
}

static void test_missing_file(void **state)
{
	struct sb_conf *conf = NULL;
	struct sb_msgs errs = { 0 };

	assert_int_equal(sb__conf_load("/nonexistent/symbridge.conf", &conf, &errs, &errs), -ENOENT);
	assert_true(has_error(&errs, "/nonexistent/symbridge.conf: cannot read the configuration"));
	sb__msgs_free(&errs);
}

/* the device key must not be readable by other users; the secret never enters a message */
static void test_cloud_key_permissions(void **state)
{
	struct sb_conf *conf = NULL;
	struct sb_msgs errs = { 0 };
	const char *cloud = "cloud: { enabled = true; registrar = \"sips:c.example:5061\";\n"
			    "  tls: { ca_file = \"ca.pem\"; cert_file = \"dev.pem\";\n"
			    "         key_file = \"dev.key\"; bearer_token = \"tok-SECRET\"; }; };\n";

	write_file("ca.pem", "x");
	write_file("dev.pem", "x");
	char key[512];
	snprintf(key, sizeof key, "%s", write_file("dev.key", "x"));
	chmod(key, 0644);
	assert_int_equal(load(cloud, &conf, &errs), -EINVAL);
	assert_true(has_error(&errs, "cloud.tls.key_file:"));
	assert_true(has_error(&errs, "accessible by other users (mode 0644): run chmod o-rwx"));
	assert_false(has_error(&errs, "tok-SECRET"));
	sb__msgs_free(&errs);

	chmod(key, 0600);
	int rc = load(cloud, &conf, &errs);
	for (size_t i = 0; i < errs.n; i++)
		print_message("%s\n", errs.v[i]);
	assert_int_equal(rc, 0);
	assert_true(conf->cloud.enabled);
	assert_string_equal(conf->cloud.tls.bearer_token, "tok-SECRET");
	sb__conf_free(conf);
}

static void test_hostport(void **state)
{
	assert_true(sb_conf_is_hostport("a.example:5061", true));
	assert_true(sb_conf_is_hostport("[::1]:5060", true));
	assert_true(sb_conf_is_hostport("a.example", false));
	assert_false(sb_conf_is_hostport("a.example", true));
	assert_false(sb_conf_is_hostport("a:0", true));
	assert_false(sb_conf_is_hostport("a:65536", true));
	assert_false(sb_conf_is_hostport("a:", true));
	assert_false(sb_conf_is_hostport("[::1", false));
	assert_false(sb_conf_is_hostport("a b:1", true));
	assert_true(sb_conf_is_number("+49*7#"));
	assert_false(sb_conf_is_number(""));
	assert_false(sb_conf_is_number("+"));
	assert_false(sb_conf_is_number("123456789012345678901234567890123"));
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
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_typed_values_and_model),
		cmocka_unit_test(test_all_errors_in_one_pass),
		cmocka_unit_test(test_unknown_type_no_noise),
		cmocka_unit_test(test_include_names_its_file),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_cloud_key_permissions),
		cmocka_unit_test(test_hostport),
	};

	if (!mkdtemp(dir))
		return 1;
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, teardown);
}
