/* isdn_call.c: Q.931 calls on a span mapped to legs of the call core: SETUP, CALL PROCEEDING,
 * ALERTING, CONNECT, DISCONNECT, RELEASE both ways, overlap receiving, keypad digits, glare. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SB_MODULE "isdn"
#include "isdn_int.h"

static const struct sb_leg_ops isdn_leg_ops;

static struct isdn_call *call_find(struct isdn_span *s, q931_call *q)
{
	for (struct isdn_call *ic = s->calls; ic && q; ic = ic->next)
		if (ic->q == q)
			return ic;
	return NULL;
}

/* The call takes the B-channel, and the Relay-Channels license that goes with it; without
 * one, -EACCES with the call record's reason in rec. */
static int bc_take(struct isdn_call *ic, struct isdn_bchan *bc, char *rec, size_t rlen)
{
	char why[256];
	int rc = isdn_license_channel(ic->span, bc->index, true, rec, rlen, why, sizeof why);

	if (rc < 0) {
		log_warn("span %d: B-channel %u: no Relay-Channels license: %s", ic->span->slot,
			 bc->index, why);
		return rc;
	}
	ic->bc = bc;
	bc->call = ic;
	bc->state = ISDN_BC_BUSY;
	ic->leg.channel = bc->index;
	return 0;
}

static void bc_release(struct isdn_call *ic)
{
	char rec[32], why[64];

	if (ic->bc && ic->bc->call == ic) {
		ic->bc->call = NULL;
		ic->bc->state = ISDN_BC_IDLE;
		isdn_license_channel(ic->span, ic->bc->index, false, rec, sizeof rec, why,
				     sizeof why);
	}
	ic->bc = NULL;
}

/* A free B-channel: the network side takes them from the top, the user side from the bottom,
 * so two-way trunks rarely pick the same one at the same moment (glare avoidance). */
static struct isdn_bchan *bc_free(struct isdn_span *s, bool top)
{
	for (unsigned i = 0; i < s->nbc; i++) {
		struct isdn_bchan *bc = &s->bc[top ? s->nbc - 1 - i : i];
		if (bc->state == ISDN_BC_IDLE && !bc->blocked)
			return bc;
	}
	return NULL;
}

static struct isdn_call *call_new(struct isdn_span *s, q931_call *q, bool outgoing)
{
	struct isdn_call *ic = calloc(1, sizeof *ic);

	if (!ic)
		return NULL;
	ic->span = s;
	ic->q = q;
	ic->outgoing = outgoing;
	ic->leg.owner = "isdn";
	ic->leg.kind = SB_LEG_KIND_TRUNK;
	ic->leg.ops = &isdn_leg_ops;
	ic->leg.priv = ic;
	ic->leg.slot = s->slot;
	snprintf(ic->leg.codec, sizeof ic->leg.codec, "%s", s->ulaw ? "PCMU" : "PCMA");
	snprintf(ic->leg.card, sizeof ic->leg.card, "%s", s->name);
	ic->next = s->calls;
	s->calls = ic;
	return ic;
}

static void digit_timer_stop(struct isdn_call *ic)
{
	isdn_handle_close((uv_handle_t *)ic->digit_timer);
	ic->digit_timer = NULL;
}

/* Our state of the call goes; libpri's goes by its own rules. */
static void call_free(struct isdn_call *ic)
{
	struct isdn_call **pp = &ic->span->calls;

	while (*pp && *pp != ic)
		pp = &(*pp)->next;
	if (*pp)
		*pp = ic->next;
	digit_timer_stop(ic);
	bc_release(ic);
	free(ic);
}

/* The far end or the link ended the call: tell the core (once). */
static void leg_gone(struct isdn_call *ic, int cause)
{
	ic->routed = false;
	if (ic->leg.call)
		sb_leg_hungup(&ic->leg, cause);
}

static void q_hangup(struct isdn_call *ic, int cause)
{
	if (!ic->hung && ic->q) {
		ic->hung = true;
		pri_hangup(ic->span->pri, ic->q, cause);
	}
}

static int ts_of(const struct isdn_call *ic)
{
	return ic->bc ? ic->bc->ts : 0;
}

/* ---- incoming calls ------------------------------------------------------------------------ */

/* libpri answers a hangup before the answer with RELEASE COMPLETE for the causes Q.931 names for
 * it (1, 17, 34, 44, 81, 82) and forgets the call at once: so do we. */
static bool released_at_once(const struct isdn_call *ic, int cause)
{
	if (ic->leg.state == SB_LEG_UP)
		return false;
	switch (cause) {
	case 1:
	case 17:
	case 34:
	case 44:
	case 81:
	case 82: return true;
	default: return false;
	}
}

/* End the call from our side; the call may be gone when this returns. */
static void q_release(struct isdn_call *ic, int cause)
{
	bool gone = !ic->hung && ic->q && released_at_once(ic, cause);

	q_hangup(ic, cause);
	if (gone) {
		ic->q = NULL;
		leg_gone(ic, cause);
		call_free(ic);
	}
}

/* Refuse a SETUP we have not answered yet: RELEASE COMPLETE where Q.931 allows it, else CALL
 * PROCEEDING then DISCONNECT with the cause (the call lives until the release completes). */
static void reject(struct isdn_call *ic, int cause)
{
	log_info("span %d: call from %s to %s refused with cause %d (%s)", ic->span->slot,
		 ic->leg.party.number, ic->collected, cause, pri_cause2str(cause));
	if (!released_at_once(ic, cause) && ic->leg.state == SB_LEG_SETUP) {
		ic->leg.state = SB_LEG_PROCEEDING;
		pri_proceeding(ic->span->pri, ic->q, ts_of(ic), 0);
	}
	q_release(ic, cause);
}

static void route(struct isdn_call *ic)
{
	struct sb_party called = { .ton = SB_TON_UNKNOWN };
	int cause = 0;

	digit_timer_stop(ic);
	if (!ic->collected[0]) {
		reject(ic, 28); /* invalid number format (address incomplete) */
		return;
	}
	snprintf(called.number, sizeof called.number, "%s", ic->collected);
	if (sb_call_incoming(&ic->leg, &called, &cause) < 0) {
		reject(ic, cause);
		return;
	}
	ic->routed = true;
	ic->leg.state = SB_LEG_PROCEEDING;
	if (ic->leg.call) {
		unsigned long long prev = sb_log_call_set(ic->call_id = sb_call_id(ic->leg.call));
		log_info("span %d: SETUP from %s (ton %d, %s) to %s on B-channel %u: routed",
			 ic->span->slot, ic->leg.party.number, ic->leg.party.ton,
			 ic->leg.party.pres == SB_PRES_ALLOWED ? "presentation allowed"
							       : "restricted",
			 called.number, ic->bc ? ic->bc->index : 0);
		sb_log_call_set(prev);
	}
	pri_proceeding(ic->span->pri, ic->q, ts_of(ic), 0);
}

static void digit_timeout_cb(uv_timer_t *t)
{
	struct isdn_call *ic = t->data;

	log_info("span %d: no more digits after %s: routing it", ic->span->slot, ic->collected);
	route(ic);
	isdn_span_sched(ic->span);
}

/* Overlap receiving: route once the number is complete, refuse it once it cannot become one,
 * wait for more digits otherwise (with a timeout). */
static void digits_check(struct isdn_call *ic, bool complete)
{
	enum sb_route_match m = sb_route_lookup(ic->collected);

	if (complete || m == SB_ROUTE_EXACT || !ic->span->conf.overlap) {
		route(ic);
		return;
	}
	if (m == SB_ROUTE_NONE) {
		reject(ic, 1);
		return;
	}
	if (ic->leg.state == SB_LEG_SETUP) {
		ic->leg.state = SB_LEG_PROCEEDING;
		pri_need_more_info(ic->span->pri, ic->q, ts_of(ic), 0); /* SETUP ACKNOWLEDGE */
	}
	if (!ic->digit_timer && (ic->digit_timer = malloc(sizeof *ic->digit_timer))) {
		uv_timer_init(sb_daemon_loop(), ic->digit_timer);
		ic->digit_timer->data = ic;
	}
	if (ic->digit_timer)
		uv_timer_start(ic->digit_timer, digit_timeout_cb,
			       (uint64_t)ic->span->conf.digit_timeout_ms, 0);
}

static uint8_t pres_of(int pripres)
{
	switch (pripres & PRI_PRES_RESTRICTION) {
	case PRI_PRES_RESTRICTED: return SB_PRES_RESTRICTED;
	case PRI_PRES_UNAVAILABLE: return SB_PRES_UNAVAILABLE;
	default: return SB_PRES_ALLOWED;
	}
}

/* The B-channel of an incoming SETUP, with glare resolved: when the far end asks for a channel
 * our own SETUP has just taken, the network side wins (Q.931 5.7.2 / ETSI 300 102): as CPE we
 * give way and place ours again on another channel; as the network we keep it and refuse or
 * move theirs. */
static struct isdn_bchan *incoming_bc(struct isdn_span *s, int channel, bool exclusive, int *cause)
{
	int ts = channel < 0 ? 0 : channel & 0xff;
	struct isdn_bchan *bc;

	if (!ts || ts == 0xff) {
		if (!(bc = bc_free(s, s->conf.net)))
			*cause = 34; /* no circuit/channel available */
		return bc;
	}
	if (!(bc = isdn_bchan_by_ts(s, ts))) {
		*cause = 82; /* identified channel does not exist */
		return NULL;
	}
	if (bc->state == ISDN_BC_IDLE && !bc->blocked)
		return bc;
	struct isdn_call *mine = bc->call;
	if (!s->conf.net && mine && mine->outgoing && mine->leg.state == SB_LEG_SETUP) {
		log_notice("span %d: glare on B-channel %u: the network's call takes it, ours "
			   "tries another channel",
			   s->slot, bc->index);
		mine->glare_lost = true;
		bc_release(mine);
		return bc;
	}
	if (mine && mine->outgoing && mine->leg.state == SB_LEG_SETUP)
		log_notice("span %d: glare on B-channel %u: as the network side our call keeps it",
			   s->slot, bc->index);
	if (!exclusive && (bc = bc_free(s, s->conf.net)))
		return bc;
	*cause = exclusive ? 44 : 34; /* requested channel not available / no channel */
	return NULL;
}

/* A SETUP refused for a license: cause 47 (resource unavailable), the license's reason in the
 * log and in a call record. */
static void reject_license(struct isdn_call *ic, const char *rec, const char *why)
{
	struct sb_party called = { .ton = SB_TON_UNKNOWN };

	snprintf(called.number, sizeof called.number, "%s", ic->collected);
	log_warn("span %d: call from %s to %s refused (cause 47): %s", ic->span->slot,
		 ic->leg.party.number, ic->collected, why);
	sb_call_refused(&ic->leg, &called, 47, rec);
	reject(ic, 47);
}

static void ev_ring(struct isdn_span *s, pri_event *e)
{
	struct isdn_call *ic = call_new(s, e->ring.call, false);
	char rec[32], why[256];
	int cause = 0;

	if (!ic) {
		pri_hangup(s->pri, e->ring.call, 47);
		return;
	}
	s->calls_in++;
	snprintf(ic->leg.party.number, sizeof ic->leg.party.number, "%.32s", e->ring.callingnum);
	ic->leg.party.ton = (uint8_t)((e->ring.callingplan >> 4) & 7);
	ic->leg.party.pres = pres_of(e->ring.callingpres);
	snprintf(ic->collected, sizeof ic->collected, "%.32s", e->ring.callednum);
	/* at debug: no call exists yet to name; route() logs the call's line at info */
	log_debug("span %d: SETUP from %s (ton %d, %s) to %s%s on channel %d", s->slot,
		 e->ring.callingnum, ic->leg.party.ton,
		 ic->leg.party.pres == SB_PRES_ALLOWED ? "presentation allowed" : "restricted",
		 e->ring.callednum, e->ring.complete ? " (complete)" : "",
		 e->ring.channel < 0 ? -1 : e->ring.channel & 0xff);
	if (isdn_license_call(s, rec, sizeof rec, why, sizeof why) < 0) {
		reject_license(ic, rec, why);
		return;
	}
	struct isdn_bchan *bc = incoming_bc(s, e->ring.channel, !e->ring.flexible, &cause);
	if (!bc) {
		reject(ic, cause);
		return;
	}
	if (bc_take(ic, bc, rec, sizeof rec) < 0) {
		snprintf(why, sizeof why, "no Relay-Channels license for B-channel %u", bc->index);
		reject_license(ic, rec, why);
		return;
	}
	digits_check(ic, e->ring.complete);
}

static void ev_info(struct isdn_span *s, pri_event *e)
{
	struct isdn_call *ic = call_find(s, e->ring.call);

	if (!ic || ic->outgoing)
		return;
	if (!ic->routed && !ic->hung) {
		size_t n = strlen(ic->collected);
		snprintf(ic->collected + n, sizeof ic->collected - n, "%s", e->ring.callednum);
		digits_check(ic, e->ring.complete);
		return;
	}
	/* digits after the number was complete: the caller keys them in (door openers) */
	for (const char *d = e->ring.callednum; *d; d++)
		sb_leg_dtmf(&ic->leg, *d);
}

/* ---- outgoing calls ---------------------------------------------------------------------- */

static int place(struct isdn_call *ic, char *rec, size_t rlen)
{
	struct isdn_span *s = ic->span;
	const struct sb_call *call = ic->leg.call;
	struct isdn_bchan *bc = bc_free(s, s->conf.net);
	struct pri_sr *sr;
	q931_call *q;
	int rc = 0;

	if (!bc)
		return -EBUSY;
	if ((rc = bc_take(ic, bc, rec, rlen)) < 0)
		return rc;
	if (!(q = pri_new_call(s->pri)) || !(sr = pri_sr_new())) {
		bc_release(ic);
		return -ENOMEM;
	}
	const struct sb_party *caller = call ? sb_call_caller(call) : NULL;
	int pres = !caller                               ? PRES_NUMBER_NOT_AVAILABLE
		   : caller->pres == SB_PRES_RESTRICTED  ? PRES_PROHIB_USER_NUMBER_NOT_SCREENED
		   : caller->pres == SB_PRES_UNAVAILABLE ? PRES_NUMBER_NOT_AVAILABLE
							 : PRES_ALLOWED_USER_NUMBER_NOT_SCREENED;
	int plan = caller && caller->ton ? (caller->ton << 4) | 1 : PRI_UNKNOWN;
	pri_sr_set_channel(sr, bc->ts, 1, 0);
	pri_sr_set_bearer(sr, PRI_TRANS_CAP_SPEECH, s->ulaw ? PRI_LAYER_1_ULAW : PRI_LAYER_1_ALAW);
	pri_sr_set_called(sr, ic->leg.party.number, PRI_UNKNOWN, 1);
	pri_sr_set_caller(sr, caller && caller->number[0] ? (char *)caller->number : NULL, NULL,
			  plan, pres);
	if (pri_setup(s->pri, q, sr) < 0)
		rc = -EIO;
	pri_sr_free(sr);
	if (rc < 0) {
		bc_release(ic);
		return rc;
	}
	ic->q = q;
	ic->hung = false;
	ic->glare_lost = false;
	log_info("span %d: SETUP to %s on B-channel %u", s->slot, ic->leg.party.number, bc->index);
	return 0;
}

int isdn_originate(const struct sb_card *card, const char *number, struct sb_call *call,
		   struct sb_leg **legp)
{
	struct isdn_span *s = isdn_span_find(card->slot);
	struct isdn_call *ic;
	int rc;

	char rec[32], why[256];

	if (!s || !isdn_span_up(s))
		return -ENETDOWN;
	if (isdn_license_call(s, rec, sizeof rec, why, sizeof why) < 0) {
		log_warn("call %llu to %s on span %d refused (cause 47): %s",
			 (unsigned long long)sb_call_id(call), number, s->slot, why);
		sb_call_refusal(call, rec);
		return -EACCES;
	}
	if (!bc_free(s, s->conf.net))
		return -EBUSY;
	if (!(ic = call_new(s, NULL, true)))
		return -ENOMEM;
	snprintf(ic->leg.party.number, sizeof ic->leg.party.number, "%s", number);
	ic->call_id = sb_call_id(call);
	ic->leg.call = call; /* for the caller's number; the core attaches the leg */
	rc = place(ic, rec, sizeof rec);
	ic->leg.call = NULL;
	if (rc < 0) {
		if (rc == -EACCES)
			sb_call_refusal(call, rec);
		call_free(ic);
		return rc;
	}
	s->calls_out++;
	ic->routed = true;
	*legp = &ic->leg;
	isdn_span_sched(s);
	return 0;
}

/* Our SETUP lost its channel to the far end's and was refused: place it again, once. */
static bool glare_retry(struct isdn_call *ic, int cause)
{
	if (!ic->glare_lost || !ic->leg.call || ic->leg.state != SB_LEG_SETUP)
		return false;
	q931_call *old = ic->q;
	ic->hung = true;
	ic->q = NULL;
	pri_hangup(ic->span->pri, old, cause);
	char rec[32];
	if (place(ic, rec, sizeof rec) < 0)
		return false;
	log_info("span %d: call to %s placed again after glare", ic->span->slot,
		 ic->leg.party.number);
	return true;
}

/* ---- release --------------------------------------------------------------------------------- */

/* The cause of a DISCONNECT or RELEASE: libpri gives -1 when the message carried none (a RELEASE
 * may leave it out) and passes any value the far end wrote; the core and the other leg take a
 * Q.850 cause, 1..127, so anything else is normal clearing. */
static int event_cause(const pri_event *e)
{
	return e->hangup.cause >= 1 && e->hangup.cause <= 127 ? e->hangup.cause : 16;
}

static void ev_hangup_req(struct isdn_span *s, pri_event *e)
{
	struct isdn_call *ic = call_find(s, e->hangup.call);
	int cause = event_cause(e);

	if (!ic) {
		pri_hangup(s->pri, e->hangup.call, cause);
		return;
	}
	log_info("span %d: DISCONNECT for %s, cause %d (%s)", s->slot, ic->leg.party.number, cause,
		 pri_cause2str(cause));
	if (glare_retry(ic, cause))
		return;
	leg_gone(ic, cause);
	q_hangup(ic, cause);
}

static void ev_hangup(struct isdn_span *s, pri_event *e)
{
	struct isdn_call *ic = call_find(s, e->hangup.call);
	int cause = event_cause(e);

	/* libpri frees the call once we hang it up after this event */
	pri_hangup(s->pri, e->hangup.call, cause);
	if (!ic)
		return;
	log_info("span %d: RELEASE for %s, cause %d (%s)", s->slot, ic->leg.party.number, cause,
		 pri_cause2str(cause));
	ic->hung = true;
	ic->q = NULL;
	if (glare_retry(ic, cause))
		return;
	leg_gone(ic, cause);
	call_free(ic);
}

static void ev_hangup_ack(struct isdn_span *s, pri_event *e)
{
	struct isdn_call *ic = call_find(s, e->hangup.call);

	if (!ic)
		return;
	ic->q = NULL;
	leg_gone(ic, event_cause(e));
	call_free(ic);
}

/* The D-channel is gone: every call ends now, every B-channel is idle again. */
void isdn_calls_drop(struct isdn_span *s, int q850)
{
	struct isdn_call *ic;

	while ((ic = s->calls)) {
		s->calls = ic->next;
		ic->next = NULL;
		if (ic->q && !ic->hung)
			pri_destroycall(s->pri, ic->q);
		ic->q = NULL;
		ic->hung = true;
		bc_release(ic);
		leg_gone(ic, q850);
		digit_timer_stop(ic);
		free(ic);
	}
}

void isdn_call_set_conf(struct isdn_span *s)
{
	pri_set_overlapdial(s->pri, s->conf.overlap);
}

static void call_event(struct isdn_span *s, pri_event *e)
{
	struct isdn_call *ic;

	switch (e->e) {
	case PRI_EVENT_RING: ev_ring(s, e); break;
	case PRI_EVENT_INFO_RECEIVED: ev_info(s, e); break;
	case PRI_EVENT_KEYPAD_DIGIT:
		if ((ic = call_find(s, e->digit.call)))
			for (const char *d = e->digit.digits; *d; d++)
				sb_leg_dtmf(&ic->leg, *d);
		break;
	case PRI_EVENT_SETUP_ACK:
	case PRI_EVENT_PROCEEDING:
		if ((ic = call_find(s, e->proceeding.call)))
			sb_leg_proceeding(&ic->leg);
		break;
	case PRI_EVENT_RINGING:
		if ((ic = call_find(s, e->ringing.call)))
			sb_leg_alerting(&ic->leg);
		break;
	case PRI_EVENT_ANSWER:
		if ((ic = call_find(s, e->answer.call)))
			sb_leg_answered(&ic->leg);
		break;
	case PRI_EVENT_HANGUP_REQ: ev_hangup_req(s, e); break;
	case PRI_EVENT_HANGUP: ev_hangup(s, e); break;
	case PRI_EVENT_HANGUP_ACK: ev_hangup_ack(s, e); break;
	case PRI_EVENT_RESTART:
		log_info("span %d: RESTART of channel %d", s->slot, e->restart.channel);
		break;
	default: log_debug("span %d: libpri event %s", s->slot, pri_event2str(e->e)); break;
	}
}

/* the Q.931 call an event is about (NULL: none, or a new one) */
static q931_call *event_q931(const pri_event *e)
{
	switch (e->e) {
	case PRI_EVENT_KEYPAD_DIGIT: return e->digit.call;
	case PRI_EVENT_SETUP_ACK:
	case PRI_EVENT_PROCEEDING: return e->proceeding.call;
	case PRI_EVENT_RINGING: return e->ringing.call;
	case PRI_EVENT_ANSWER: return e->answer.call;
	case PRI_EVENT_INFO_RECEIVED: return e->ring.call;
	case PRI_EVENT_HANGUP_REQ:
	case PRI_EVENT_HANGUP:
	case PRI_EVENT_HANGUP_ACK: return e->hangup.call;
	default: return NULL;
	}
}

/* Every line logged while an event of a call is handled (here, in the call core, in the other
 * leg's module) names the call. */
void isdn_call_event(struct isdn_span *s, pri_event *e)
{
	q931_call *q = event_q931(e);
	struct isdn_call *ic = q ? call_find(s, q) : NULL;
	unsigned long long prev =
		sb_log_call_set(ic && ic->leg.call ? sb_call_id(ic->leg.call) : ic ? ic->call_id : 0);

	call_event(s, e);
	sb_log_call_set(prev);
}

/* ---- what the core asks of our legs ----------------------------------------------------------- */

static void op_alert(struct sb_leg *leg)
{
	struct isdn_call *ic = leg->priv;

	if (!ic->outgoing && ic->q && !ic->hung) {
		leg->state = SB_LEG_ALERTING;
		pri_acknowledge(ic->span->pri, ic->q, ts_of(ic), 1); /* ALERTING */
		isdn_span_sched(ic->span);
	}
}

static void op_answer(struct sb_leg *leg)
{
	struct isdn_call *ic = leg->priv;

	if (!ic->outgoing && ic->q && !ic->hung) {
		pri_answer(ic->span->pri, ic->q, ts_of(ic), 1); /* CONNECT */
		isdn_span_sched(ic->span);
	}
}

static void op_hangup(struct sb_leg *leg, int q850)
{
	struct isdn_call *ic = leg->priv;

	ic->routed = false;
	digit_timer_stop(ic);
	if (!ic->q) { /* nothing left on the line */
		call_free(ic);
		return;
	}
	struct isdn_span *s = ic->span;
	q_release(ic, q850 ? q850 : 16); /* DISCONNECT, or RELEASE COMPLETE before any answer */
	isdn_span_sched(s);
}

static void op_dtmf(struct sb_leg *leg, char digit)
{
	struct isdn_call *ic = leg->priv;
	char d[2] = { digit, '\0' };

	if (ic->q && !ic->hung) {
		pri_keypad_facility(ic->span->pri, ic->q, d);
		isdn_span_sched(ic->span);
	}
}

/* The call's media session reads and writes the B-channel from now on. */
static int op_media_ep(struct sb_leg *leg, struct sb_media_ep *ep)
{
	struct isdn_call *ic = leg->priv;

	if (!ic->bc)
		return -ENOTCONN; /* our SETUP lost its channel to glare and waits for another */
	return isdn_audio_ep(ic->bc, ep);
}

static const struct sb_leg_ops isdn_leg_ops = {
	.alert = op_alert,
	.answer = op_answer,
	.hangup = op_hangup,
	.dtmf = op_dtmf,
	.media_ep = op_media_ep,
};
