/* test_route_pick.c: the routing decision with mesh fallback (src/route_pick.c). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "symbridge.h"

static void test_cloud_up(void **state)
{
	const char *g;

	/* the link up: a cloud target rings the cloud, whatever the fallback */
	assert_string_equal(sb_route_pick("cloud:a", NULL, "station:door", true, false, &g),
			    "cloud:a");
	assert_null(g);
	/* local targets never depend on the cloud */
	assert_string_equal(sb_route_pick("station:door", NULL, NULL, false, false, &g),
			    "station:door");
	assert_null(sb_route_pick(NULL, "lobby", NULL, false, false, &g));
	assert_string_equal(g, "lobby");
}

static void test_cloud_down(void **state)
{
	const char *g;

	assert_string_equal(sb_route_pick("cloud:a", NULL, "station:door", false, false, &g),
			    "station:door");
	assert_null(g);
	assert_null(sb_route_pick("cloud:a", NULL, "lobby", false, false, &g));
	assert_string_equal(g, "lobby");
	/* no fallback: the cloud is tried anyway (and fails with network out of order) */
	assert_string_equal(sb_route_pick("cloud:a", NULL, NULL, false, false, &g), "cloud:a");
}

static void test_from_cloud(void **state)
{
	const char *g;

	/* a call from the cloud to a channel whose target is the cloud rings the fallback */
	assert_string_equal(sb_route_pick("cloud:a", NULL, "card:3/200", true, true, &g),
			    "card:3/200");
	assert_null(sb_route_pick("cloud:a", NULL, "lobby", true, true, &g));
	assert_string_equal(g, "lobby");
	/* and nothing without one (no loop back to the cloud) */
	assert_null(sb_route_pick("cloud:a", NULL, NULL, true, true, &g));
	assert_null(g);
	/* a ring group is rung as it is (route.c skips its cloud members) */
	assert_null(sb_route_pick(NULL, "lobby", "station:door", true, true, &g));
	assert_string_equal(g, "lobby");
	assert_true(sb_target_is_cloud("cloud:x"));
	assert_false(sb_target_is_cloud("station:cloud"));
	assert_false(sb_target_is_cloud(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cloud_up),
		cmocka_unit_test(test_cloud_down),
		cmocka_unit_test(test_from_cloud),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
