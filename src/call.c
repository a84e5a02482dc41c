/* call.c: calls: their legs, the events legs report, the call events observers see, and the
 * maximum duration. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "core.h"

struct sb_call {
	uint64_t id;
	struct sb_call *prev, *next;
	struct sb_leg *a;
	struct sb_leg *b[SB_CALL_FORK_MAX];
	unsigned nb;
	struct sb_leg *winner; /* the b leg that answered */
	struct sb_party caller, called;
	int64_t start_us, answer_us;
	int fail_cause;     /* the cause to give a when every b leg failed */
	bool alerted;       /* a was told it rings */
	unsigned busy;      /* nesting of entry points: the call is freed only at depth 0 */
	bool begun;         /* observers were told it began */
	bool ended;         /* ... and that it ended */
	const char *reason; /* set by whoever ended the call on purpose */
	char refusal[32 + 1]; /* why a leg could not be placed (sb_call_refusal) */
	uv_timer_t *max_timer;
	/* a transfer (sb_call_transfer): the legs it places are the b legs other than the winner */
	struct sb_leg *xfer_from; /* the transferor's leg, until the transfer ends */
	bool xfer_gone;           /* ... which hung up while the transfer went on */
	sb_call_transfer_cb *xfer_cb;
	void *xfer_arg;
	struct sb__call_media media; /* the session between a and winner (call_media.c) */
};

static struct {
	struct sb_call *head, *tail;
	uint64_t next_id;
	unsigned count;
} calls = { .next_id = 1 };

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *sb_leg_state_name(enum sb_leg_state s)
{
	static const char *const names[] = { "setup", "proceeding", "alerting", "up", "released" };
	return (unsigned)s < sizeof names / sizeof *names ? names[s] : "?";
}

/* ---- call events ------------------------------------------------------------------------ */

static struct {
	const struct sb_call_observer *v[SB_CALL_OBSERVERS_MAX];
	unsigned n;
} observers;

int sb_call_observer_register(const struct sb_call_observer *o)
{
	for (unsigned i = 0; i < observers.n; i++)
		if (observers.v[i] == o)
			return -EEXIST;
	if (observers.n == SB_CALL_OBSERVERS_MAX)
		return -ENOSPC;
	observers.v[observers.n++] = o;
	return 0;
}

void sb_call_observer_unregister(const struct sb_call_observer *o)
{
	for (unsigned i = 0; i < observers.n; i++)
		if (observers.v[i] == o) {
			memmove(&observers.v[i], &observers.v[i + 1],
				(observers.n - i - 1) * sizeof *observers.v);
			observers.n--;
			return;
		}
}

/* Events of a call nobody was told about (routing found nothing) are not published. */
static void publish(struct sb_call *c, enum sb_call_ev_type type, struct sb_leg *leg,
		    unsigned side, int q850, char digit)
{
	struct sb_call_event ev = {
		.type = type,
		.call = c,
		.leg = leg,
		.side = side,
		.q850 = q850,
		.reason = c->reason,
		.digit = digit,
	};

	if (!c->begun)
		return;
	c->busy++;
	for (unsigned i = 0; i < observers.n; i++)
		observers.v[i]->event_cb(&ev, observers.v[i]->arg);
	c->busy--;
}

static unsigned side_of(const struct sb_call *c, const struct sb_leg *leg)
{
	return leg == c->a ? 0 : 1;
}

const char *sb_leg_kind_name(enum sb_leg_kind k)
{
	static const char *const names[] = { "-", "station", "link", "trunk", "cloud" };
	return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}

/* The reason word of the outcome, from how the call went. */
static const char *end_reason(const struct sb_call *c, int q850)
{
	if (c->reason)
		return c->reason;
	if (c->answer_us) /* a network failure cut the call short */
		return q850 == 16 || q850 == 31 || q850 == 0 ? "normal" : "failed";
	switch (q850) {
	case 17: return "busy";
	case 18:
	case 19: return "no-answer";
	case 1:
	case 3:
	case 28: return "unallocated";
	case 21: return "rejected";
	case 16:
	case 31: return "cancelled";
	default: return "failed";
	}
}

/* ---- the list of calls -------------------------------------------------------------------- */

static struct sb_call *call_new(struct sb_leg *a, const struct sb_party *called)
{
	struct sb_call *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->id = calls.next_id++;
	c->a = a;
	c->caller = a->party;
	c->called = *called;
	c->start_us = now_us();
	c->fail_cause = 0;
	a->call = c;
	c->prev = calls.tail;
	if (calls.tail)
		calls.tail->next = c;
	else
		calls.head = c;
	calls.tail = c;
	calls.count++;
	return c;
}

static void timer_free_cb(uv_handle_t *h)
{
	free(h);
}

static void call_free(struct sb_call *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		calls.head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		calls.tail = c->prev;
	calls.count--;
	if (c->max_timer)
		uv_close((uv_handle_t *)c->max_timer, timer_free_cb);
	sb__media_close(&c->media);
	free(c);
}

/* The outcome is known (a is gone, or the call failed): observers hear it once, while the legs
 * left are still attached and their media still measurable. */
static void call_end(struct sb_call *c, int q850)
{
	if (c->ended)
		return;
	c->ended = true;
	c->reason = end_reason(c, q850);
	log_info("call %llu from %s to %s ended: %s (cause %d)", (unsigned long long)c->id,
		 c->caller.number, c->called.number, c->reason, q850);
	publish(c, SB_CALL_EV_END, NULL, 0, q850, 0);
}

static void call_check(struct sb_call *c)
{
	if (c->busy == 0 && !c->a && c->nb == 0)
		call_free(c);
}

/* The session joins the call's a leg and the leg that answered, whichever they are now. */
static void media_sync(struct sb_call *c)
{
	sb__media_sync(&c->media, c->id, c->a, c->winner);
}

/* A leg of the session leaves: the session ends (a leg taking its place makes a new one). */
static void media_leg_gone(struct sb_call *c, const struct sb_leg *leg)
{
	if (leg == c->media.leg[0] || leg == c->media.leg[1])
		sb__media_close(&c->media);
}

/* Let go of a leg and tell its owner to end it. */
static void leg_release(struct sb_leg *leg, int q850)
{
	struct sb_call *c = leg->call;

	leg->state = SB_LEG_RELEASED;
	leg->q850 = q850;
	if (c && !c->ended)
		publish(c, SB_CALL_EV_LEG, leg, side_of(c, leg), q850, 0);
	if (c)
		media_leg_gone(c, leg);
	leg->call = NULL;
	leg->ops->hangup(leg, q850);
}

static void b_remove(struct sb_call *c, unsigned i)
{
	c->b[i] = c->b[--c->nb];
	c->b[c->nb] = NULL;
}

static void call_hangup_all(struct sb_call *c, int q850)
{
	struct sb_leg *a = c->a;

	c->busy++;
	if (c->winner || c->nb) {
		struct sb_leg *last = c->winner ? c->winner : c->b[c->nb - 1];
		last->q850 = q850;
	}
	if (a)
		a->q850 = q850;
	call_end(c, q850);
	sb__media_close(&c->media);
	c->a = NULL;
	if (a)
		leg_release(a, q850);
	while (c->nb) {
		struct sb_leg *b = c->b[0];
		b_remove(c, 0);
		leg_release(b, q850);
	}
	c->winner = NULL;
	c->busy--;
	call_check(c);
}

/* ---- transfer: a new leg takes the place of one leg of an answered call ---------------- */

static void xfer_done(struct sb_call *c, int q850)
{
	sb_call_transfer_cb *cb = c->xfer_cb;
	void *arg = c->xfer_arg;

	c->xfer_from = NULL;
	c->xfer_cb = NULL;
	c->xfer_arg = NULL;
	if (cb)
		cb(arg, q850);
}

static bool xfer_leg(const struct sb_call *c, const struct sb_leg *leg)
{
	return leg != c->a && leg != c->winner;
}

/* The new leg answered: it replaces the transferor's, whose owner is told after the transferor
 * heard how it went (RFC 5589: the final NOTIFY comes before the BYE). */
static void xfer_answered(struct sb_call *c, struct sb_leg *leg)
{
	struct sb_leg *from = c->xfer_gone ? NULL : c->xfer_from;
	bool was_a = c->xfer_from == c->a || (c->xfer_gone && !c->a);

	c->busy++;
	leg->state = SB_LEG_UP;
	for (unsigned i = 0; i < c->nb;) { /* the other members of a ring group stop ringing */
		struct sb_leg *b = c->b[i];
		if (b == leg || b == c->winner) {
			i++;
			continue;
		}
		b_remove(c, i);
		leg_release(b, 26);
	}
	log_notice("call %llu: transferred: %s now talks to %s (was %s)", (unsigned long long)c->id,
		   was_a ? (c->winner ? c->winner->party.number : "?") : c->a->party.number,
		   leg->party.number, from ? from->party.number : "gone");
	xfer_done(c, 0);
	if (was_a) {
		for (unsigned i = 0; i < c->nb; i++)
			if (c->b[i] == leg) {
				b_remove(c, i);
				break;
			}
		c->a = leg;
		leg->call = c;
	} else {
		for (unsigned i = 0; i < c->nb; i++)
			if (c->b[i] == c->winner) {
				b_remove(c, i);
				break;
			}
		c->winner = leg;
	}
	if (!c->reason)
		c->reason = "transferred";
	media_sync(c); /* the new leg takes the side of the one it replaces */
	publish(c, SB_CALL_EV_TRANSFER, leg, was_a ? 0 : 1, 0, 0);
	if (from)
		leg_release(from, 16);
	c->busy--;
	call_check(c);
}

/* A leg of a call in transfer hung up: true when that was handled here. */
static bool xfer_hungup(struct sb_call *c, struct sb_leg *leg, int q850)
{
	if (leg == c->xfer_from) {
		/* the transferor let go (RFC 5589 allows it after the 202): the transfer goes on,
		 * and nobody is left to tell how it went */
		c->xfer_gone = true;
		c->xfer_cb = NULL;
		if (leg == c->a)
			c->a = NULL;
		else {
			for (unsigned i = 0; i < c->nb; i++)
				if (c->b[i] == leg) {
					b_remove(c, i);
					break;
				}
			c->winner = NULL;
		}
		return true;
	}
	if (!xfer_leg(c, leg))
		return false; /* the transferee: the call ends, and the transfer with it */
	c->busy++;
	for (unsigned i = 0; i < c->nb; i++)
		if (c->b[i] == leg) {
			b_remove(c, i);
			break;
		}
	bool more = false;
	for (unsigned i = 0; i < c->nb; i++)
		more |= xfer_leg(c, c->b[i]);
	if (!more) {
		bool gone = c->xfer_gone;
		log_info("call %llu: the transfer to %s failed (cause %d)%s",
			 (unsigned long long)c->id, leg->party.number, q850,
			 gone ? ": the transferor is gone, the call ends" : ": the call goes on");
		c->xfer_gone = false;
		xfer_done(c, q850 ? q850 : 41);
		if (gone)
			call_hangup_all(c, q850);
	}
	c->busy--;
	call_check(c);
	return true;
}

int sb_call_transfer(struct sb_call *c, struct sb_leg *from, const char *number,
		     sb_call_transfer_cb *cb, void *arg, int *q850)
{
	struct sb_leg *stays;
	unsigned nb = c->nb;
	int rc;

	if (!c->winner || !c->a || (from != c->a && from != c->winner))
		return -EINVAL;
	if (c->xfer_from)
		return -EBUSY;
	stays = from == c->a ? c->winner : c->a;
	c->xfer_from = from;
	/* the cloud's side is not rung again for a transfer it asked for, as for a call from it */
	rc = sb__route_transfer(c, number, (stays->flags | from->flags) & SB_LEG_FROM_CLOUD, q850);
	if (rc < 0 || c->nb == nb) {
		c->xfer_from = NULL;
		return rc < 0 ? rc : -EHOSTUNREACH;
	}
	c->xfer_cb = cb;
	c->xfer_arg = arg;
	log_info("call %llu: %s transfers %s to %s", (unsigned long long)c->id, from->party.number,
		 stays->party.number, number);
	return 0;
}

int sb_call_join(struct sb_call *c1, struct sb_leg *t1, struct sb_call *c2, struct sb_leg *t2)
{
	struct sb_leg *r2;

	if (c1 == c2 || !c1->winner || !c1->a || !c2->winner || !c2->a ||
	    (t1 != c1->a && t1 != c1->winner) || (t2 != c2->a && t2 != c2->winner))
		return -EINVAL;
	if (c1->xfer_from || c2->xfer_from)
		return -EBUSY;
	c1->busy++;
	c2->busy++;
	r2 = t2 == c2->a ? c2->winner : c2->a;
	/* r2 leaves call 2 ... */
	if (r2 == c2->a) {
		c2->a = NULL;
	} else {
		for (unsigned i = 0; i < c2->nb; i++)
			if (c2->b[i] == r2) {
				b_remove(c2, i);
				break;
			}
		c2->winner = NULL;
	}
	/* ... and takes t1's place in call 1 */
	if (t1 == c1->a) {
		c1->a = r2;
	} else {
		for (unsigned i = 0; i < c1->nb; i++)
			if (c1->b[i] == t1)
				c1->b[i] = r2;
		c1->winner = r2;
	}
	r2->call = c1;
	log_notice("call %llu: joined with call %llu: %s now talks to %s (%s left both)",
		   (unsigned long long)c1->id, (unsigned long long)c2->id,
		   (t1 == c1->a ? c1->winner : c1->a)->party.number, r2->party.number,
		   t1->party.number);
	if (!c1->reason)
		c1->reason = "transferred";
	if (!c2->reason)
		c2->reason = "transferred";
	media_leg_gone(c2, r2); /* r2 leaves call 2's session for call 1's */
	media_sync(c1);
	publish(c1, SB_CALL_EV_TRANSFER, r2, side_of(c1, r2), 0, 0);
	leg_release(t1, 16);
	call_hangup_all(c2, 16);
	c2->busy--;
	call_check(c2);
	c1->busy--;
	call_check(c1);
	return 0;
}

struct sb_leg *sb_call_transferor(const struct sb_call *c)
{
	return c->xfer_from;
}

/* ---- the events legs report ------------------------------------------------------------------ */

int sb__call_attach_b(struct sb_call *c, struct sb_leg *b)
{
	if (c->nb == SB_CALL_FORK_MAX)
		return -ENOSPC;
	b->call = c;
	b->state = SB_LEG_SETUP;
	b->q850 = 0;
	c->b[c->nb++] = b;
	publish(c, SB_CALL_EV_LEG, b, 1, 0, 0); /* a leg placed for a transfer */
	return 0;
}

/* Routing placed what it could: with nothing placed, the call fails at once (with a record
 * only when a leg was refused for a reason worth one). */
int sb__call_placed(struct sb_call *c, int q850, int *q850p)
{
	if (c->nb) {
		if (!c->begun) {
			c->begun = true;
			publish(c, SB_CALL_EV_BEGIN, c->a, 0, 0, 0);
		}
		return 0;
	}
	if (c->refusal[0]) { /* observers hear of it: a call that began and ended at once */
		c->reason = c->refusal;
		c->a->q850 = q850;
		c->begun = true;
		publish(c, SB_CALL_EV_BEGIN, c->a, 0, 0, 0);
		call_end(c, q850);
	}
	/* a stays with its owner, who rejects it with the cause */
	c->a->call = NULL;
	c->a = NULL;
	*q850p = q850;
	call_free(c);
	return -ENOENT;
}

struct sb_call *sb__call_new(struct sb_leg *a, const struct sb_party *called)
{
	return call_new(a, called);
}

void sb_leg_proceeding(struct sb_leg *leg)
{
	if (leg->call && leg->state == SB_LEG_SETUP)
		leg->state = SB_LEG_PROCEEDING;
}

void sb_leg_alerting(struct sb_leg *leg)
{
	struct sb_call *c = leg->call;

	if (!c || leg == c->a || leg->state >= SB_LEG_ALERTING)
		return;
	leg->state = SB_LEG_ALERTING;
	publish(c, SB_CALL_EV_RING, leg, 1, 0, 0);
	if (c->alerted || c->winner)
		return;
	c->alerted = true;
	c->busy++;
	if (c->a && c->a->ops->alert)
		c->a->ops->alert(c->a);
	c->busy--;
	call_check(c);
}

static void max_cb(uv_timer_t *t)
{
	struct sb_call *c = t->data;

	log_notice("call %llu from %s to %s reached the maximum duration of %d s: ending it",
		   (unsigned long long)c->id, c->caller.number, c->called.number,
		   sb_daemon_conf()->system.max_call_seconds);
	c->reason = "max-duration";
	call_hangup_all(c, 16);
}

void sb_leg_answered(struct sb_leg *leg)
{
	struct sb_call *c = leg->call;

	if (c && c->xfer_from && leg != c->a && leg != c->winner) {
		xfer_answered(c, leg);
		return;
	}
	if (!c || leg == c->a || c->winner)
		return;
	c->busy++;
	leg->state = SB_LEG_UP;
	c->winner = leg;
	c->answer_us = now_us();
	/* the first to answer wins: the others stop ringing */
	for (unsigned i = 0; i < c->nb;) {
		struct sb_leg *b = c->b[i];
		if (b == leg) {
			i++;
			continue;
		}
		b_remove(c, i);
		leg_release(b, 26);
	}
	publish(c, SB_CALL_EV_ANSWER, leg, 1, 0, 0);
	if (c->a) {
		c->a->state = SB_LEG_UP;
		if (c->a->ops->answer)
			c->a->ops->answer(c->a);
	}
	media_sync(c);
	const struct sb_conf *conf = sb_daemon_conf();
	uv_loop_t *loop = sb_daemon_loop();
	if (conf && loop && c->a && (c->max_timer = malloc(sizeof *c->max_timer))) {
		uv_timer_init(loop, c->max_timer);
		c->max_timer->data = c;
		uv_timer_start(c->max_timer, max_cb, (uint64_t)conf->system.max_call_seconds * 1000,
			       0);
	}
	c->busy--;
	call_check(c);
}

void sb_leg_dtmf(struct sb_leg *leg, char digit)
{
	struct sb_leg *peer = sb_leg_peer(leg);

	if (leg->call)
		publish(leg->call, SB_CALL_EV_DIGIT, leg, side_of(leg->call, leg), 0, digit);
	if (peer && peer->ops->dtmf)
		peer->ops->dtmf(peer, digit);
}

void sb_leg_dtmf_relayed(struct sb_leg *leg, char digit)
{
	if (leg->call)
		publish(leg->call, SB_CALL_EV_DIGIT, leg, side_of(leg->call, leg), 0, digit);
}

void sb_leg_hungup(struct sb_leg *leg, int q850)
{
	struct sb_call *c = leg->call;

	if (!c)
		return;
	leg->q850 = q850;
	leg->state = SB_LEG_RELEASED;
	/* observers take the leg's last figures while it is still theirs to read */
	publish(c, SB_CALL_EV_LEG, leg, side_of(c, leg), q850, 0);
	leg->call = NULL;
	/* the transferor left: its side of the session waits for the leg the transfer places
	 * (the call's end closes the session otherwise, after the record is written) */
	if (leg == c->xfer_from || (!c->winner && leg != c->a))
		media_leg_gone(c, leg); /* ... and a ringing leg with early media */
	if (c->xfer_from && xfer_hungup(c, leg, q850))
		return;
	if (leg == c->a) {
		c->a = NULL;
		/* the caller gave up: the called side hears the same cause */
		call_hangup_all(c, q850);
		return;
	}
	c->busy++;
	for (unsigned i = 0; i < c->nb; i++)
		if (c->b[i] == leg) {
			b_remove(c, i);
			break;
		}
	if (leg == c->winner) {
		c->winner = NULL;
		call_hangup_all(c, q850);
	} else {
		/* a failed fork member: busy is the most telling cause (RFC 3398 section 7.2.3.3
		 * prefers 486 among forked answers) */
		if (c->fail_cause != 17)
			c->fail_cause = q850;
		if (c->nb == 0 && !c->winner)
			call_hangup_all(c, c->fail_cause);
	}
	c->busy--;
	call_check(c);
}

struct sb_leg *sb_leg_peer(const struct sb_leg *leg)
{
	const struct sb_call *c = leg->call;

	if (!c || !c->winner || !c->a)
		return NULL;
	if (leg == c->a)
		return c->winner;
	return leg == c->winner ? c->a : NULL;
}

void sb_leg_media_changed(struct sb_leg *leg)
{
	struct sb_call *c = leg->call;

	if (c)
		sb__media_changed(&c->media, c->id, leg);
}

void sb_leg_early_media(struct sb_leg *leg)
{
	struct sb_call *c = leg->call;

	/* until a leg answers, the session follows the last one with early media */
	if (c && !c->winner && c->a && leg != c->a && leg->state != SB_LEG_RELEASED)
		sb__media_sync(&c->media, c->id, c->a, leg);
}

int sb_leg_media_dtmf(struct sb_leg *leg, char digit)
{
	return leg->call ? sb__media_dtmf(&leg->call->media, leg, digit) : -ENOENT;
}

void sb_call_media_digit(uint64_t call_id, unsigned side, char digit, const char *how)
{
	struct sb_call *c = sb_call_find(call_id);
	struct sb_leg *from, *to;

	if (!c || side > 1 || !(from = c->media.leg[side]))
		return;
	to = c->media.leg[1 - side];
	log_info("call %llu: digit %c from %s to %s %s", (unsigned long long)call_id, digit,
		 from->party.number[0] ? from->party.number : from->owner,
		 to ? (to->party.number[0] ? to->party.number : to->owner) : "?", how);
	/* an other side that wants digits by signalling (SIP INFO) gets it from its owner */
	if (to && c->media.by_signalling[1 - side] && to->ops->dtmf)
		to->ops->dtmf(to, digit);
	if (from->call == c)
		publish(c, SB_CALL_EV_DIGIT, from, side_of(c, from), 0, digit);
}

int sb_leg_media_info(const struct sb_leg *leg, struct sb_leg_media *mi)
{
	if (leg->call && sb__media_info(&leg->call->media, leg, mi) == 0)
		return 0;
	if (leg->ops->media_info)
		return leg->ops->media_info(leg, mi);
	return -ENOENT;
}

/* ---- the rest of the API --------------------------------------------------------------------- */

const struct sb_party *sb_call_caller(const struct sb_call *c)
{
	return &c->caller;
}

const struct sb_party *sb_call_called(const struct sb_call *c)
{
	return &c->called;
}

uint64_t sb_call_id(const struct sb_call *c)
{
	return c->id;
}

struct sb_leg *sb_call_b(const struct sb_call *c)
{
	if (c->winner)
		return c->winner;
	return c->nb ? c->b[c->nb - 1] : NULL;
}

void sb_call_refusal(struct sb_call *c, const char *reason)
{
	if (!c->refusal[0])
		snprintf(c->refusal, sizeof c->refusal, "%s", reason);
}

void sb_call_refused(const struct sb_leg *a, const struct sb_party *called, int q850,
		     const char *reason)
{
	struct sb_call *c = calloc(1, sizeof *c);
	struct sb_leg leg = *a;

	if (!c) {
		log_warn("call from %s to %s refused (%s) has no call record", a->party.number,
			 called->number, reason);
		return;
	}
	leg.q850 = q850;
	sb__route_attempts++;
	c->id = calls.next_id++;
	c->a = &leg;
	c->caller = a->party;
	c->called = *called;
	c->start_us = now_us();
	snprintf(c->refusal, sizeof c->refusal, "%s", reason);
	c->reason = c->refusal;
	c->begun = true;
	publish(c, SB_CALL_EV_BEGIN, c->a, 0, 0, 0);
	call_end(c, q850);
	free(c);
}

void sb_call_hangup(struct sb_call *c, int q850, const char *reason)
{
	if (!c->reason)
		c->reason = reason;
	call_hangup_all(c, q850);
}

struct sb_call *sb_call_find(uint64_t id)
{
	for (struct sb_call *c = calls.head; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

int sb_call_foreach(int (*cb)(void *arg, struct sb_call *c), void *arg)
{
	for (struct sb_call *c = calls.head, *next; c; c = next) {
		next = c->next;
		int rc = cb(arg, c);
		if (rc)
			return rc;
	}
	return 0;
}

unsigned sb_call_count(void)
{
	return calls.count;
}

struct sb_leg *sb_call_leg(const struct sb_call *c, unsigned i)
{
	if (i == 0)
		return c->a;
	return i - 1 < c->nb ? c->b[i - 1] : NULL;
}

int64_t sb_call_start_us(const struct sb_call *c)
{
	return c->start_us;
}

int64_t sb_call_answer_us(const struct sb_call *c)
{
	return c->answer_us;
}

/* At shutdown every call ends; its record says so. */
void sb__calls_stop(void)
{
	while (calls.head) {
		struct sb_call *c = calls.head;
		c->reason = "shutdown";
		call_hangup_all(c, 41);
		if (calls.head == c) /* held by an entry point further up: cannot happen at stop */
			break;
	}
}
