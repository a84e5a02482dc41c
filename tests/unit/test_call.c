/* test_call.c: the call core with a fake card type: routing, answer, forking, causes, DTMF,
 * hangup from either side and the maximum call duration. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include <cmocka.h>

#include "core.h"

/* ---- a fake leg owner ------------------------------------------------------------------------ */

struct fake_leg {
	struct sb_leg leg;
	bool alerted, answered, hung;
	int cause;
	char digits[16];
};

static struct fake_leg placed[8];
static unsigned nplaced;
static int originate_error; /* what the next originate returns */

static void fake_alert(struct sb_leg *leg)
{
	((struct fake_leg *)leg)->alerted = true;
}

static void fake_answer(struct sb_leg *leg)
{
	((struct fake_leg *)leg)->answered = true;
}

static void fake_hangup(struct sb_leg *leg, int q850)
{
	struct fake_leg *f = (struct fake_leg *)leg;
	assert_false(f->hung);
	assert_null(leg->call); /* the core let go first */
	f->hung = true;
	f->cause = q850;
}

static void fake_dtmf(struct sb_leg *leg, char d)
{
	struct fake_leg *f = (struct fake_leg *)leg;
	f->digits[strlen(f->digits)] = d;
}

static const struct sb_leg_ops fake_ops = {
	.alert = fake_alert,
	.answer = fake_answer,
	.hangup = fake_hangup,
	.dtmf = fake_dtmf,
};

static int fake_originate(const struct sb_card *card, const char *number, struct sb_call *call,
			  struct sb_leg **legp)
{
	if (originate_error) {
		int rc = originate_error;
		originate_error = 0;
		return rc;
	}
	struct fake_leg *f = &placed[nplaced++];
	memset(f, 0, sizeof *f);
	f->leg.owner = "fake";
	f->leg.ops = &fake_ops;
	f->leg.slot = card->slot;
	f->leg.channel = nplaced;
	snprintf(f->leg.party.number, sizeof f->leg.party.number, "%s", number);
	*legp = &f->leg;
	return 0;
}

static const struct sb_card_type fake_type = { .name = "fake", .originate = fake_originate };
static const struct sb_card_type quiet_type = { .name = "quiet" }; /* no originate hook */

/* ---- a model built by hand: numbers 100 (one target), 200 (a group of 3), 300 (no call path) */

static struct sb_channel bridge_ch[3] = {
	{ .index = 1, .number = "100", .target = "card:2/555" },
	{ .index = 2, .number = "200", .ring_group = "g" },
	{ .index = 3, .number = "300", .target = "card:3/1" },
};
static struct sb_card cards[3] = {
	{ .type = &quiet_type, .slot = 1, .name = "bridge", .channels = bridge_ch, .nchannels = 3 },
	{ .type = &fake_type, .slot = 2, .name = "trunk" },
	{ .type = &quiet_type, .slot = 3, .name = "other" },
};
static struct sb_model model = { .cards = cards, .ncards = 3 };
static char *members[] = { "card:2/1", "card:2/2", "card:2/3" };
static struct sb_ring_group_conf group = { .name = "g", .members = { .v = members, .n = 3 } };
static struct sb_conf conf;
static uv_loop_t loop;

static int setup(void **state)
{
	conf.model = &model;
	conf.ring_groups.v = &group;
	conf.ring_groups.n = 1;
	conf.system.max_call_seconds = 600;
	sb__d.conf = &conf;
	uv_loop_init(&loop);
	sb__d.loop = &loop;
	nplaced = 0;
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(sb_call_count(), 0);
	uv_run(&loop, UV_RUN_DEFAULT); /* closes the calls' timers */
	assert_int_equal(uv_loop_close(&loop), 0);
	return 0;
}

static void caller(struct fake_leg *a, const char *number)
{
	memset(a, 0, sizeof *a);
	a->leg.owner = "fake";
	a->leg.ops = &fake_ops;
	a->leg.slot = 5;
	a->leg.channel = 1;
	snprintf(a->leg.party.number, sizeof a->leg.party.number, "%s", number);
}

static int call_to(struct fake_leg *a, const char *called, int *cause)
{
	struct sb_party p = { .ton = SB_TON_UNKNOWN };
	snprintf(p.number, sizeof p.number, "%s", called);
	return sb_call_incoming(&a->leg, &p, cause);
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_lookup(void **state)
{
	assert_int_equal(sb_route_lookup("100"), SB_ROUTE_EXACT);
	assert_int_equal(sb_route_lookup("1"), SB_ROUTE_PREFIX);
	assert_int_equal(sb_route_lookup(""), SB_ROUTE_PREFIX);
	assert_int_equal(sb_route_lookup("1000"), SB_ROUTE_NONE);
	assert_int_equal(sb_route_lookup("9"), SB_ROUTE_NONE);
}

static void test_unknown_number(void **state)
{
	struct fake_leg a;
	int cause = 0;

	caller(&a, "4930");
	assert_int_equal(call_to(&a, "999", &cause), -ENOENT);
	assert_int_equal(cause, 1);
	assert_null(a.leg.call);
	assert_false(a.hung);
	assert_int_equal(nplaced, 0);
}

static void test_no_call_path(void **state)
{
	struct fake_leg a;
	int cause = 0;

	caller(&a, "4930");
	assert_int_equal(call_to(&a, "300", &cause), -ENOENT);
	assert_int_equal(cause, 3); /* no route to destination */
	assert_null(a.leg.call);
}

static void test_no_channel(void **state)
{
	struct fake_leg a;
	int cause = 0;

	caller(&a, "4930");
	originate_error = -EBUSY;
	assert_int_equal(call_to(&a, "100", &cause), -ENOENT);
	assert_int_equal(cause, 34);
	originate_error = -ENETDOWN;
	assert_int_equal(call_to(&a, "100", &cause), -ENOENT);
	assert_int_equal(cause, 38);
}

static void test_answer_then_called_hangs_up(void **state)
{
	struct fake_leg a;
	int cause = 0;

	caller(&a, "4930");
	assert_int_equal(call_to(&a, "100", &cause), 0);
	assert_int_equal(nplaced, 1);
	struct fake_leg *b = &placed[0];
	assert_string_equal(b->leg.party.number, "555");
	assert_ptr_equal(b->leg.call, a.leg.call);
	assert_string_equal(sb_call_caller(a.leg.call)->number, "4930");
	assert_int_equal(sb_call_count(), 1);

	sb_leg_proceeding(&b->leg);
	assert_int_equal(b->leg.state, SB_LEG_PROCEEDING);
	sb_leg_alerting(&b->leg);
	assert_true(a.alerted);
	assert_null(sb_leg_peer(&a.leg));
	sb_leg_answered(&b->leg);
	assert_true(a.answered);
	assert_int_equal(a.leg.state, SB_LEG_UP);
	assert_ptr_equal(sb_leg_peer(&a.leg), &b->leg);
	assert_ptr_equal(sb_leg_peer(&b->leg), &a.leg);

	sb_leg_dtmf(&a.leg, '5');
	sb_leg_dtmf(&b->leg, '#');
	assert_string_equal(b->digits, "5");
	assert_string_equal(a.digits, "#");

	sb_leg_hungup(&b->leg, 16);
	assert_true(a.hung);
	assert_int_equal(a.cause, 16);
	assert_false(b->hung); /* it ended itself: not told again */
	assert_int_equal(sb_call_count(), 0);
}

static void test_caller_gives_up(void **state)
{
	struct fake_leg a;
	int cause = 0;

	caller(&a, "4930");
	assert_int_equal(call_to(&a, "100", &cause), 0);
	sb_leg_alerting(&placed[0].leg);
	sb_leg_hungup(&a.leg, 16);
	assert_true(placed[0].hung);
	assert_int_equal(placed[0].cause, 16);
	assert_false(a.hung);
	assert_int_equal(sb_call_count(), 0);
}

static void test_called_busy(void **state)
{
	struct fake_leg a;
	int cause = 0;

	caller(&a, "4930");
	assert_int_equal(call_to(&a, "100", &cause), 0);
	sb_leg_hungup(&placed[0].leg, 17);
	assert_true(a.hung);
	assert_int_equal(a.cause, 17);
}

static void test_group_first_answer_wins(void **state)
{
	struct fake_leg a;
	int cause = 0;

	caller(&a, "4930");
	assert_int_equal(call_to(&a, "200", &cause), 0);
	assert_int_equal(nplaced, 3);
	assert_non_null(sb_call_leg(a.leg.call, 3));
	sb_leg_alerting(&placed[0].leg);
	sb_leg_alerting(&placed[2].leg);
	sb_leg_answered(&placed[1].leg);
	assert_true(a.answered);
	assert_true(placed[0].hung);
	assert_int_equal(placed[0].cause, 26); /* non-selected user clearing */
	assert_true(placed[2].hung);
	assert_int_equal(placed[2].cause, 26);
	assert_false(placed[1].hung);
	assert_null(sb_call_leg(a.leg.call, 2));
	sb_call_hangup(a.leg.call, 16, "admin-hangup");
	assert_true(a.hung);
	assert_true(placed[1].hung);
	assert_int_equal(placed[1].cause, 16);
}

static void test_group_all_fail_busy_wins(void **state)
{
	struct fake_leg a;
	int cause = 0;

	caller(&a, "4930");
	assert_int_equal(call_to(&a, "200", &cause), 0);
	sb_leg_hungup(&placed[0].leg, 18);
	assert_false(a.hung);
	sb_leg_hungup(&placed[1].leg, 17);
	assert_false(a.hung);
	sb_leg_hungup(&placed[2].leg, 19);
	assert_true(a.hung);
	assert_int_equal(a.cause, 17);
}

static void test_max_duration(void **state)
{
	struct fake_leg a;
	int cause = 0;

	conf.system.max_call_seconds = 1;
	caller(&a, "4930");
	assert_int_equal(call_to(&a, "100", &cause), 0);
	sb_leg_answered(&placed[0].leg);
	uint64_t t0 = uv_now(&loop);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_update_time(&loop);
	assert_true(uv_now(&loop) - t0 >= 999);
	assert_true(a.hung);
	assert_int_equal(a.cause, 16);
	assert_true(placed[0].hung);
	assert_int_equal(placed[0].cause, 16);
	conf.system.max_call_seconds = 600;
}

static void test_show_and_stop(void **state)
{
	struct fake_leg a1, a2;
	int cause = 0;

	caller(&a1, "1");
	caller(&a2, "2");
	assert_int_equal(call_to(&a1, "100", &cause), 0);
	assert_int_equal(call_to(&a2, "100", &cause), 0);
	uint64_t id2 = sb_call_id(a2.leg.call);
	assert_ptr_equal(sb_call_find(id2), a2.leg.call);
	assert_true(id2 > sb_call_id(a1.leg.call));
	assert_int_equal(sb_call_count(), 2);
	sb__calls_stop();
	assert_int_equal(sb_call_count(), 0);
	assert_int_equal(a1.cause, 41);
	assert_int_equal(placed[1].cause, 41);
	assert_null(sb_call_find(id2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_number, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_call_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_channel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_then_called_hangs_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caller_gives_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_called_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_first_answer_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_all_fail_busy_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_duration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_and_stop, setup, teardown),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
