/* test_license_proto.c: the license master protocol's messages: every type round-trips, the
 * version is checked, and what a type needs is required with its type and bounds. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lic_proto.h"

static int parse(const char *line, struct lic_msg *m, char *why)
{
	return lic_msg_parse(line, strlen(line), m, why, 200);
}

/* parse, format, parse again: the same line both times */
static void round_trip(const char *line)
{
	struct lic_msg m, m2;
	char why[200], *out, *out2;
	size_t len, len2;

	if (parse(line, &m, why) < 0)
		fail_msg("%s: %s", line, why);
	assert_int_equal(lic_msg_format(&m, &out, &len), 0);
	assert_int_equal(out[len - 1], '\n');
	assert_int_equal(lic_msg_parse(out, len - 1, &m2, why, sizeof why), 0);
	assert_int_equal(lic_msg_format(&m2, &out2, &len2), 0);
	assert_string_equal(out, out2);
	free(out);
	free(out2);
	lic_msg_clear(&m);
	lic_msg_clear(&m2);
}

static void test_every_type_round_trips(void **state_)
{
	round_trip("{\"v\":1,\"type\":\"hello\",\"node\":\"pbx-2\",\"mode\":\"central\",\"sw\":"
		   "\"13.0\","
		   "\"grants\":[{\"kind\":\"PBX-Port\",\"owner\":\"user\",\"id\":\"alice\"},"
		   "{\"kind\":\"PBX-Port\",\"owner\":\"trunk\",\"id\":\"link-1\"}]}");
	round_trip("{\"v\":1,\"type\":\"welcome\",\"node\":\"master\",\"standby\":true}");
	round_trip("{\"v\":1,\"type\":\"take\",\"seq\":7,\"kind\":\"PBX-Port\",\"owner\":\"user\","
		   "\"id\":\"bob\"}");
	/* a take that moves a grant the slave holds (a spare, or another owner's) to a new owner */
	round_trip("{\"v\":1,\"type\":\"take\",\"seq\":9,\"kind\":\"L-SYM-BRIDGE\","
		   "\"owner\":\"card\",\"id\":\"3\",\"from\":{\"owner\":\"card\",\"id\":"
		   "\"spare/1\"}}");
	round_trip("{\"v\":1,\"type\":\"give\",\"seq\":8,\"kind\":\"PBX-UC\",\"owner\":\"user\","
		   "\"id\":\"bob\"}");
	round_trip("{\"v\":1,\"type\":\"grant\",\"seq\":7,\"ok\":false,\"reason\":\"exhausted\","
		   "\"detail\":\"4 of 4 PBX-Port in use\"}");
	round_trip("{\"v\":1,\"type\":\"report\",\"counts\":[{\"kind\":\"PBX-Port\","
		   "\"installed\":10,\"in_use\":3}]}");
	round_trip("{\"v\":1,\"type\":\"ping\",\"seq\":1}");
	round_trip("{\"v\":1,\"type\":\"pong\",\"seq\":1}");
	round_trip("{\"v\":1,\"type\":\"error\",\"reason\":\"version\"}");
}

static void test_fields_parsed(void **state_)
{
	struct lic_msg m;
	char why[200];

	assert_int_equal(parse("{\"type\":\"take\",\"v\":1,\"seq\":42,\"kind\":\"Relay-Channels\","
			       "\"owner\":\"bchannel\",\"id\":\"2/5\",\"later\":[1]}",
			       &m, why),
			 0);
	assert_int_equal(m.type, LIC_MSG_TAKE);
	assert_int_equal(m.seq, 42);
	assert_int_equal(m.kind, LIC_RELAY_CHANNELS);
	assert_int_equal(m.owner, LIC_OWN_BCHANNEL);
	assert_string_equal(m.id, "2/5");
	assert_false(m.from);
	assert_int_equal(parse("{\"type\":\"take\",\"v\":1,\"seq\":43,\"kind\":\"PBX-Port\","
			       "\"owner\":\"user\",\"id\":\"door\",\"from\":{\"owner\":\"trunk\","
			       "\"id\":\"spare/4\"}}",
			       &m, why),
			 0);
	assert_true(m.from);
	assert_int_equal(m.from_owner, LIC_OWN_TRUNK);
	assert_string_equal(m.from_id, "spare/4");
	assert_int_equal(parse("{\"type\":\"take\",\"v\":1,\"seq\":44,\"kind\":\"PBX-Port\","
			       "\"owner\":\"user\",\"id\":\"door\",\"from\":\"spare/4\"}",
			       &m, why),
			 -EBADMSG);
	assert_int_equal(parse("{\"type\":\"take\",\"v\":1,\"seq\":45,\"kind\":\"PBX-Port\","
			       "\"owner\":\"user\",\"id\":\"door\",\"from\":{\"owner\":\"nobody\","
			       "\"id\":\"x\"}}",
			       &m, why),
			 -EBADMSG);
	assert_int_equal(parse("{\"v\":1,\"type\":\"hello\",\"node\":\"s\",\"mode\":\"decentral\","
			       "\"sw\":\"11.1.6\",\"grants\":[]}",
			       &m, why),
			 0);
	assert_int_equal(m.mode, LIC_MODE_SLAVE_DECENTRAL);
	assert_int_equal(m.sw, LIC_SW(11, 1, 6));
	assert_int_equal(m.nitems, 0);
	lic_msg_clear(&m);
}

/* A central slave asks its master for its users' per-user licenses in protocol version 1:
 * every per-user kind travels in take, give and hello with owner user, by its display name. */
static void test_per_user_kinds(void **state_)
{
	for (int k = 0; k < LIC_KIND_MAX; k++) {
		const struct lic_kind_info *ki = lic_kind_info((enum lic_kind)k);
		struct lic_msg m = { .type = LIC_MSG_TAKE,
				     .version = LIC_PROTO_VERSION,
				     .seq = 3,
				     .kind = (enum lic_kind)k,
				     .owner = LIC_OWN_USER };
		struct lic_msg back;
		char why[200], *line;
		size_t len;

		if (!(ki->flags & LIC_KF_PER_USER))
			continue;
		snprintf(m.id, sizeof m.id, "alice");
		assert_int_equal(lic_msg_format(&m, &line, &len), 0);
		if (lic_msg_parse(line, len - 1, &back, why, sizeof why) < 0)
			fail_msg("%s: %s", ki->name, why);
		assert_int_equal(back.type, LIC_MSG_TAKE);
		assert_int_equal(back.version, 1);
		assert_int_equal(back.kind, k);
		assert_int_equal(back.owner, LIC_OWN_USER);
		assert_string_equal(back.id, "alice");
		assert_non_null(strstr(line, ki->name));
		free(line);
		lic_msg_clear(&back);
	}
	round_trip("{\"v\":1,\"type\":\"hello\",\"node\":\"branch\",\"mode\":\"central\",\"sw\":"
		   "\"13.0\",\"grants\":[{\"kind\":\"PBX-UC\",\"owner\":\"user\",\"id\":\"alice\"},"
		   "{\"kind\":\"App(phone)\",\"owner\":\"user\",\"id\":\"bob\"},"
		   "{\"kind\":\"Recording\",\"owner\":\"user\",\"id\":\"carol\"}]}");
}

static void test_refusals(void **state_)
{
	static const struct {
		const char *line, *why;
		int rc;
	} bad[] = {
		{ "{\"v\":2,\"type\":\"ping\",\"seq\":1}", "protocol version 2, this node speaks 1",
		  -EPROTONOSUPPORT },
		{ "{\"type\":\"ping\",\"seq\":1}", "\"v\": a whole number", -EBADMSG },
		{ "{\"v\":1,\"type\":\"steal\"}", "no message \"steal\"", -EBADMSG },
		{ "{\"v\":1,\"type\":\"take\",\"seq\":1,\"kind\":\"PBX-Gold\",\"owner\":\"user\","
		  "\"id\":\"x\"}",
		  "no license kind \"PBX-Gold\"", -EBADMSG },
		{ "{\"v\":1,\"type\":\"take\",\"seq\":1,\"kind\":\"PBX-Port\",\"owner\":\"user\"}",
		  "\"id\": a string is needed", -EBADMSG },
		{ "{\"v\":1,\"type\":\"take\",\"seq\":-1,\"kind\":\"PBX-Port\",\"owner\":\"user\","
		  "\"id\":\"x\"}",
		  "\"seq\": a whole number", -EBADMSG },
		{ "{\"v\":1,\"type\":\"grant\",\"seq\":1,\"ok\":\"yes\",\"reason\":\"ok\"}",
		  "\"ok\": true or false", -EBADMSG },
		{ "{\"v\":1,\"type\":\"hello\",\"node\":\"s\",\"mode\":\"master\",\"sw\":\"13\","
		  "\"grants\":[]}",
		  "central or decentral", -EBADMSG },
		{ "{\"v\":1,\"type\":\"ping\",\"seq\":1,\"seq\":2}", "not JSON", -EBADMSG },
		{ "[1]", "not a JSON object", -EBADMSG },
		{ "{\"v\":1,\"type\":\"take\",\"seq\":1,\"kind\":\"PBX-Port\",\"owner\":\"user\","
		  "\"id\":\"a\\u0000b\"}",
		  "not JSON", -EBADMSG },
	};
	struct lic_msg m;
	char why[200];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = parse(bad[i].line, &m, why);
		if (rc != bad[i].rc || !strstr(why, bad[i].why))
			fail_msg("%s: %d %s", bad[i].line, rc, why);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_type_round_trips),
		cmocka_unit_test(test_fields_parsed),
		cmocka_unit_test(test_per_user_kinds),
		cmocka_unit_test(test_refusals),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
