/* test_mgmt_outbox.c: the cloud outbox in a real LMDB store: order, acknowledgement, what a
 * restart keeps, the bounds by size and age with their drop counters, and two channels'
 * outboxes kept apart. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core.h"
#include "mgmt_int.h"

#define HOUR (3600 * 1000000LL)
#define OB   (&mgmt_mqtt_outbox)

static char tmp[256];

static int setup(void **state)
{
	const char *base = getenv("TMPDIR");
	char dir[300];

	snprintf(tmp, sizeof tmp, "%s/sbmgmt.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmp))
		return -1;
	snprintf(dir, sizeof dir, "%s/store", tmp);
	if (sb_store_open(&sb__d.store, dir, 0) < 0)
		return -1;
	if (mgmt_outbox_open(&mgmt_https_outbox, 1 << 20, HOUR) < 0)
		return -1;
	return mgmt_outbox_open(OB, 1 << 20, HOUR);
}

static int teardown(void **state)
{
	char cmd[300];

	mgmt_outbox_close(OB);
	mgmt_outbox_close(&mgmt_https_outbox);
	sb_store_close(sb__d.store);
	sb__d.store = NULL;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static void add(const char *payload)
{
	assert_int_equal(mgmt_outbox_add(OB, "p/d/report", payload, strlen(payload)), 0);
}

static void expect_next(uint64_t after, const char *payload, uint64_t *seq)
{
	struct mgmt_msg m;

	assert_int_equal(mgmt_outbox_next(OB, after, &m), 0);
	assert_string_equal(m.topic, "p/d/report");
	assert_int_equal(m.len, strlen(payload));
	assert_memory_equal(m.payload, payload, m.len);
	*seq = m.seq;
}

static void test_order_and_ack(void **state)
{
	struct mgmt_outbox_stats st;
	struct mgmt_msg m;
	uint64_t s1, s2, s3;

	add("one");
	add("two");
	add("three");
	expect_next(0, "one", &s1);
	expect_next(s1, "two", &s2);
	expect_next(s2, "three", &s3);
	assert_true(s1 < s2 && s2 < s3);
	assert_int_equal(mgmt_outbox_next(OB, s3, &m), -ENOENT);
	mgmt_outbox_ack(OB, s2); /* acknowledged out of order: the others stay, in order */
	mgmt_outbox_stats(OB, &st);
	assert_int_equal(st.depth, 2);
	expect_next(s1, "three", &s3);
	mgmt_outbox_ack(OB, s1);
	mgmt_outbox_ack(OB, s3);
	mgmt_outbox_ack(OB, s3); /* twice: nothing more */
	mgmt_outbox_stats(OB, &st);
	assert_int_equal(st.depth, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(mgmt_outbox_next(OB, 0, &m), -ENOENT);
}

static void test_restart_keeps(void **state)
{
	struct mgmt_outbox_stats st;
	uint64_t s1, s2, s3;

	add("kept-1");
	add("kept-2");
	mgmt_outbox_close(OB);
	assert_int_equal(mgmt_outbox_open(OB, 1 << 20, HOUR), 0);
	mgmt_outbox_stats(OB, &st);
	assert_int_equal(st.depth, 2);
	add("after");
	expect_next(0, "kept-1", &s1);
	expect_next(s1, "kept-2", &s2);
	expect_next(s2, "after", &s3); /* numbering goes on after the kept ones */
	assert_true(s3 > s2);
}

static void test_full_drops_oldest(void **state)
{
	struct mgmt_outbox_stats st;
	char p[64];
	uint64_t s;

	add("0123456789"); /* one message: 12 + 11 + 10 bytes */
	mgmt_outbox_stats(OB, &st);
	mgmt_outbox_limits(OB, st.bytes * 3, HOUR);
	for (int i = 1; i <= 4; i++) {
		snprintf(p, sizeof p, "012345678%d", i);
		add(p);
	}
	mgmt_outbox_stats(OB, &st);
	assert_int_equal(st.depth, 3);
	assert_int_equal(st.dropped_full, 2);
	expect_next(0, "0123456782", &s); /* the oldest went */
	/* a message larger than the whole outbox is refused, and counted */
	char big[200];
	memset(big, 'x', sizeof big);
	assert_int_equal(mgmt_outbox_add(OB, "p/d/report", big, sizeof big), -EMSGSIZE);
	mgmt_outbox_stats(OB, &st);
	assert_int_equal(st.dropped_full, 3);
	assert_int_equal(st.depth, 3);
}

static void test_age_drops(void **state)
{
	struct mgmt_outbox_stats st;
	struct mgmt_msg m;

	add("old-1");
	add("old-2");
	usleep(2000);
	mgmt_outbox_limits(OB, 1 << 20, 1000); /* 1 ms */
	mgmt_outbox_expire(OB);
	mgmt_outbox_stats(OB, &st);
	assert_int_equal(st.depth, 0);
	assert_int_equal(st.dropped_age, 2);
	assert_int_equal(mgmt_outbox_next(OB, 0, &m), -ENOENT);
}

/* each channel's outbox is its own: what one acknowledges stays in the other */
static void test_two_channels(void **state)
{
	struct mgmt_outbox *hb = &mgmt_https_outbox;
	struct mgmt_outbox_stats st;
	struct mgmt_msg m;
	uint64_t s1;

	add("both");
	assert_int_equal(mgmt_outbox_add(hb, "report", "both", 4), 0);
	assert_int_equal(mgmt_outbox_add(hb, "log", "only-https", 10), 0);
	expect_next(0, "both", &s1);
	mgmt_outbox_ack(OB, s1);
	mgmt_outbox_stats(OB, &st);
	assert_int_equal(st.depth, 0);
	mgmt_outbox_stats(hb, &st);
	assert_int_equal(st.depth, 2);
	assert_int_equal(mgmt_outbox_next(hb, 0, &m), 0);
	assert_string_equal(m.topic, "report");
	assert_memory_equal(m.payload, "both", 4);
	assert_int_equal(mgmt_outbox_next(hb, m.seq, &m), 0);
	assert_string_equal(m.topic, "log");
	mgmt_outbox_close(hb); /* a restart keeps what the receiver has not acknowledged */
	assert_int_equal(mgmt_outbox_open(hb, 1 << 20, HOUR), 0);
	mgmt_outbox_stats(hb, &st);
	assert_int_equal(st.depth, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_and_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_keeps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_drops_oldest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_age_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_channels, setup, teardown),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
