/* test_call.c: the call core with a fake card type: routing, answer, forking, causes, DTMF,
 * hangup from either side, the maximum call duration, transfer (blind and attended), and the
 * media session the call owns (through fake media operations). */
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
static bool placed_media;   /* legs placed from now on describe a media endpoint */

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

/* a leg with a B-channel: its descriptor is made up from slot and channel */
static int fake_media_ep(struct sb_leg *leg, struct sb_media_ep *ep)
{
	ep->kind = SB_MEDIA_TDM;
	snprintf(ep->codec, sizeof ep->codec, "PCMA");
	ep->fd = leg->slot * 100 + (int)leg->channel;
	return 0;
}

static const struct sb_leg_ops fake_media_ops = {
	.alert = fake_alert,
	.answer = fake_answer,
	.hangup = fake_hangup,
	.dtmf = fake_dtmf,
	.media_ep = fake_media_ep,
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
	f->leg.ops = placed_media ? &fake_media_ops : &fake_ops;
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

/* ---- transfer ------------------------------------------------------------------------------ */

static int xfer_result;
static unsigned xfer_calls;

static void xfer_cb(void *arg, int q850)
{
	assert_ptr_equal(arg, &xfer_result);
	xfer_result = q850;
	xfer_calls++;
}

/* a calls 100, placed[0] answers: the call of every transfer test */
static struct sb_call *answered_call(struct fake_leg *a)
{
	int cause = 0;

	caller(a, "4930");
	assert_int_equal(call_to(a, "100", &cause), 0);
	sb_leg_answered(&placed[nplaced - 1].leg);
	xfer_result = -1;
	xfer_calls = 0;
	return a->leg.call;
}

static void test_transfer_b_side_to_group(void **state)
{
	struct fake_leg a;
	struct sb_call *c = answered_call(&a);
	struct fake_leg *b = &placed[0];
	int q = 0;

	assert_int_equal(sb_call_transfer(c, &b->leg, "200", xfer_cb, &xfer_result, &q), 0);
	assert_int_equal(nplaced, 4); /* the group's three members ring */
	assert_ptr_equal(sb_call_transferor(c), &b->leg);
	assert_int_equal(sb_call_transfer(c, &b->leg, "100", xfer_cb, &xfer_result, &q), -EBUSY);
	sb_leg_alerting(&placed[2].leg);
	assert_ptr_equal(sb_leg_peer(&a.leg), &b->leg); /* still talking meanwhile */
	sb_leg_answered(&placed[2].leg);
	assert_int_equal(xfer_calls, 1);
	assert_int_equal(xfer_result, 0);
	assert_true(b->hung);
	assert_int_equal(b->cause, 16);
	assert_true(placed[1].hung && placed[3].hung);
	assert_int_equal(placed[1].cause, 26);
	assert_false(a.hung);
	assert_ptr_equal(sb_leg_peer(&a.leg), &placed[2].leg);
	assert_ptr_equal(sb_leg_peer(&placed[2].leg), &a.leg);
	assert_null(sb_call_transferor(c));
	assert_int_equal(sb_call_count(), 1);
	sb_leg_hungup(&a.leg, 16);
	assert_true(placed[2].hung);
}

static void test_transfer_a_side(void **state)
{
	struct fake_leg a;
	struct sb_call *c = answered_call(&a);
	struct fake_leg *b = &placed[0];
	int q = 0;

	/* refused: not a leg of the call's answered pair, no such number, nothing to ring */
	assert_int_equal(sb_call_transfer(c, &placed[5].leg, "100", xfer_cb, &xfer_result, &q),
			 -EINVAL);
	assert_int_equal(sb_call_transfer(c, &a.leg, "999", xfer_cb, &xfer_result, &q), -ENOENT);
	assert_int_equal(q, 1);
	originate_error = -EBUSY;
	assert_int_equal(sb_call_transfer(c, &a.leg, "100", xfer_cb, &xfer_result, &q),
			 -EHOSTUNREACH);
	assert_int_equal(q, 34);
	assert_null(sb_call_transferor(c));

	/* the new leg is busy: the call goes on as it was */
	assert_int_equal(sb_call_transfer(c, &a.leg, "100", xfer_cb, &xfer_result, &q), 0);
	sb_leg_hungup(&placed[1].leg, 17);
	assert_int_equal(xfer_result, 17);
	assert_false(a.hung || b->hung);
	assert_ptr_equal(sb_leg_peer(&a.leg), &b->leg);

	/* again, answered: it becomes the call's a side */
	assert_int_equal(sb_call_transfer(c, &a.leg, "100", xfer_cb, &xfer_result, &q), 0);
	sb_leg_answered(&placed[2].leg);
	assert_int_equal(xfer_result, 0);
	assert_true(a.hung);
	assert_int_equal(a.cause, 16);
	assert_ptr_equal(sb_call_leg(c, 0), &placed[2].leg);
	assert_ptr_equal(sb_leg_peer(&b->leg), &placed[2].leg);
	assert_false(b->hung);
	sb_leg_hungup(&b->leg, 16);
	assert_true(placed[2].hung);
}

static void test_transferor_leaves_first(void **state)
{
	struct fake_leg a;
	struct sb_call *c = answered_call(&a);
	struct fake_leg *b = &placed[0];
	int q = 0;

	assert_int_equal(sb_call_transfer(c, &b->leg, "100", xfer_cb, &xfer_result, &q), 0);
	sb_leg_hungup(&b->leg, 16); /* RFC 5589: the transferor may hang up after the 202 */
	assert_false(a.hung);
	assert_int_equal(sb_call_count(), 1);
	/* the new leg fails: nobody is left to tell, the call ends */
	sb_leg_hungup(&placed[1].leg, 18);
	assert_int_equal(xfer_calls, 0);
	assert_true(a.hung);
	assert_int_equal(a.cause, 18);
}

static void test_join(void **state)
{
	struct fake_leg a1, a2;
	struct sb_call *c1 = answered_call(&a1), *c2 = answered_call(&a2);
	struct fake_leg *b1 = &placed[0], *b2 = &placed[1];

	assert_int_equal(sb_call_join(c1, &a1.leg, c1, &a1.leg), -EINVAL);
	assert_int_equal(sb_call_join(c1, &a1.leg, c2, &a2.leg), 0);
	assert_true(a1.hung && a2.hung);
	assert_int_equal(a1.cause, 16);
	assert_false(b1->hung || b2->hung);
	assert_int_equal(sb_call_count(), 1);
	assert_ptr_equal(sb_call_leg(c1, 0), &b2->leg);
	assert_ptr_equal(sb_leg_peer(&b1->leg), &b2->leg);
	assert_ptr_equal(b2->leg.call, c1);
	sb_leg_hungup(&b2->leg, 16);
	assert_true(b1->hung);
}

/* ---- call events ---------------------------------------------------------------------------- */

static char events[256]; /* one letter per event, the leg's side after it: "B0R1A1..." */
static unsigned ev_calls;

static void record_cb(const struct sb_call_event *ev, void *arg)
{
	static const char letter[] = { 'B', 'R', 'A', 'L', 'T', 'D', 'E' };
	size_t n = strlen(events);

	assert_ptr_equal(arg, &ev_calls);
	assert_non_null(ev->call);
	if (ev->leg) /* the leg named still belongs to the call while observers look at it */
		assert_ptr_equal(ev->leg->call, ev->call);
	if (ev->type == SB_CALL_EV_END) {
		assert_non_null(ev->reason);
		snprintf(events + n, sizeof events - n, "E:%s;", ev->reason);
		return;
	}
	snprintf(events + n, sizeof events - n, "%c%u%s", letter[ev->type], ev->side,
		 ev->type == SB_CALL_EV_DIGIT ? (char[]){ ev->digit, 0 } : "");
	ev_calls++;
}

static const struct sb_call_observer recorder = {
	.name = "test",
	.event_cb = record_cb,
	.arg = &ev_calls,
};

/* What an observer sees of a call, in order: begin, ring, answer, a digit, the called side
 * leaving, the end with its reason; once unregistered, nothing; a call routing refused, nothing. */
static void test_events(void **state)
{
	struct fake_leg a;
	int cause = 0;

	events[0] = '\0';
	assert_int_equal(sb_call_observer_register(&recorder), 0);
	assert_int_equal(sb_call_observer_register(&recorder), -EEXIST);
	caller(&a, "4930");
	a.leg.kind = SB_LEG_KIND_TRUNK;
	assert_int_equal(call_to(&a, "100", &cause), 0);
	struct fake_leg *b = &placed[0];
	sb_leg_alerting(&b->leg);
	sb_leg_answered(&b->leg);
	sb_leg_dtmf(&a.leg, '7');
	sb_leg_hungup(&b->leg, 16);
	assert_string_equal(events, "B0R1A1D07L1E:normal;");

	events[0] = '\0';
	caller(&a, "4930");
	assert_int_equal(call_to(&a, "300", &cause), -ENOENT); /* nothing rings: no call began */
	assert_string_equal(events, "");

	caller(&a, "4930");
	assert_int_equal(call_to(&a, "100", &cause), 0);
	sb_leg_hungup(&a.leg, 16); /* the caller gives up while it rings */
	assert_string_equal(events, "B0L0E:cancelled;");

	sb_call_observer_unregister(&recorder);
	events[0] = '\0';
	caller(&a, "4930");
	assert_int_equal(call_to(&a, "100", &cause), 0);
	sb_leg_hungup(&a.leg, 16);
	assert_string_equal(events, "");
	assert_string_equal(sb_leg_kind_name(SB_LEG_KIND_TRUNK), "trunk");
}

/* ---- the call owns its media: sessions through the registered media operations ---------- */

static struct {
	unsigned opens, updates, closes;
	int fd[2];         /* the descriptors of the last open (or update of a side) */
	unsigned last_side;
	int session;       /* what a session handle points to */
} fm;

static int fm_open(void **msp, const struct sb_media_ep ep[2], uint64_t call_id)
{
	assert_int_equal(ep[0].kind, SB_MEDIA_TDM);
	fm.opens++;
	fm.fd[0] = ep[0].fd;
	fm.fd[1] = ep[1].fd;
	*msp = &fm.session;
	return 0;
}

static int fm_update(void *ms, unsigned side, const struct sb_media_ep *ep)
{
	assert_ptr_equal(ms, &fm.session);
	fm.updates++;
	fm.last_side = side;
	fm.fd[side] = ep->fd;
	return 0;
}

static int fm_info(void *ms, unsigned side, struct sb_leg_media *mi)
{
	memset(mi, 0, sizeof *mi);
	snprintf(mi->codec, sizeof mi->codec, "PCMA");
	mi->rx_packets = 10 + side;
	return 0;
}

static void fm_close(void *ms)
{
	assert_ptr_equal(ms, &fm.session);
	fm.closes++;
}

static const struct sb_media_ops fm_ops = {
	.name = "fake-media", .open = fm_open, .update = fm_update, .info = fm_info, .close = fm_close
};
static const struct sb_media_ops fm_other = { .name = "other" };

static void test_media_owned_by_call(void **state)
{
	struct fake_leg a, plain;
	struct sb_leg_media mi;
	int q = 0;

	memset(&fm, 0, sizeof fm);
	assert_int_equal(sb_media_register(&fm_ops), 0);
	assert_int_equal(sb_media_register(&fm_other), -EEXIST);
	placed_media = true;
	caller(&a, "4930");
	a.leg.ops = &fake_media_ops;
	assert_int_equal(call_to(&a, "100", &q), 0);
	struct sb_call *c = a.leg.call;
	assert_int_equal(fm.opens, 0); /* ringing: no session yet */
	sb_leg_answered(&placed[0].leg);
	/* one session between the a leg (side 0) and the leg that answered (side 1) */
	assert_int_equal(fm.opens, 1);
	assert_int_equal(fm.fd[0], 501);
	assert_int_equal(fm.fd[1], 201);
	assert_int_equal(sb_leg_media_info(&placed[0].leg, &mi), 0);
	assert_int_equal(mi.rx_packets, 11);
	assert_string_equal(mi.codec, "PCMA");
	/* a B-channel that connects again: the session takes the new descriptor */
	placed[0].leg.channel = 7;
	sb_leg_media_changed(&placed[0].leg);
	assert_int_equal(fm.updates, 1);
	assert_int_equal(fm.last_side, 1);
	assert_int_equal(fm.fd[1], 207);
	/* a transfer of the a side: the new leg takes side 0 of the same session */
	assert_int_equal(sb_call_transfer(c, &a.leg, "100", xfer_cb, &xfer_result, &q), 0);
	sb_leg_answered(&placed[1].leg);
	assert_true(a.hung);
	assert_int_equal(fm.opens, 1);
	assert_int_equal(fm.updates, 2);
	assert_int_equal(fm.last_side, 0);
	assert_int_equal(fm.fd[0], 202);
	assert_int_equal(fm.closes, 0);
	/* a leg of the session leaves: the session ends with the call */
	sb_leg_hungup(&placed[0].leg, 16);
	assert_int_equal(fm.closes, 1);
	assert_true(placed[1].hung);
	assert_int_equal(sb_call_count(), 0);

	/* a leg that describes no endpoint (its owner carries the media, as SIP does): no session */
	caller(&plain, "4931");
	assert_int_equal(call_to(&plain, "100", &q), 0);
	sb_leg_answered(&placed[2].leg);
	assert_int_equal(fm.opens, 1);
	assert_int_equal(sb_leg_media_info(&plain.leg, &mi), -ENOENT);
	sb_leg_hungup(&plain.leg, 16);
	placed_media = false;
	sb_media_unregister(&fm_other); /* not the registered one: nothing changes */
	sb_media_unregister(&fm_ops);
	assert_int_equal(sb_media_register(&fm_other), 0);
	sb_media_unregister(&fm_other);
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
		cmocka_unit_test_setup_teardown(test_transfer_b_side_to_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transfer_a_side, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transferor_leaves_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_join, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_media_owned_by_call, setup, teardown),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
