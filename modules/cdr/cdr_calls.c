/* cdr_calls.c: the cdr module's observer of call events: it builds each call's record, with the
 * VoIP report of both legs taken from their media sessions, and hands it to the writer. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SB_MODULE "cdr"
#include "cdr_int.h"

static uint8_t leg_kind(enum sb_leg_kind k)
{
	switch (k) {
	case SB_LEG_KIND_STATION: return CDR_LEG_STATION;
	case SB_LEG_KIND_LINK: return CDR_LEG_LINK;
	case SB_LEG_KIND_TRUNK: return CDR_LEG_TRUNK;
	case SB_LEG_KIND_CLOUD: return CDR_LEG_CLOUD;
	default: return CDR_LEG_NONE;
	}
}

static uint32_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Side i of the record now describes leg: who it is, and what its media session measured. A
 * leg without a session any more keeps the figures last taken of it. */
static void take_leg(struct cdr_entry *e, unsigned i, const struct sb_leg *leg)
{
	struct cdr_leg *cl = &e->rec.leg[i];
	struct sb_leg_media mi;

	if (!leg)
		return;
	if (e->at[i] != leg) { /* another leg takes this side: nothing of the old one carries */
		memset(cl, 0, sizeof *cl);
		e->at[i] = leg;
	}
	cl->kind = leg_kind(leg->kind);
	cl->slot = (uint16_t)leg->slot;
	cl->channel = (uint16_t)leg->channel;
	/* a station is named by its user (the number it calls from and is called at) */
	snprintf(cl->name, sizeof cl->name, "%s",
		 leg->kind == SB_LEG_KIND_STATION ? leg->party.number : leg->card);
	snprintf(cl->number, sizeof cl->number, "%s", leg->party.number);
	if (leg->codec[0])
		snprintf(cl->codec, sizeof cl->codec, "%s", leg->codec);
	cl->q850 = (uint8_t)leg->q850;
	if (sb_leg_media_info(leg, &mi) < 0)
		return;
	if (mi.codec[0])
		snprintf(cl->codec, sizeof cl->codec, "%s", mi.codec);
	cl->srtp = mi.srtp;
	/* once converted, the call was transcoded: a side whose peer left first cannot tell (before
	 * the answer the session joins nothing yet: what it says then does not count) */
	if (!leg->call || sb_call_answer_us(leg->call))
		cl->transcoded = cl->transcoded || mi.transcoding;
	cl->q.packets_sent = clamp32(mi.tx_packets);
	cl->q.packets_received = clamp32(mi.rx_packets);
	cl->q.packets_lost = clamp32(mi.lost);
	cl->q.jitter_us = mi.jitter_us;
	cl->q.jitter_max_us = mi.jitter_max_us;
	cl->q.rtt_us = mi.rtt_us;
	cl->q.mos_x100 = mi.mos_x100;
}

/* to-cloud when the called side is the cloud, from-cloud when the caller is, else local */
static void take_direction(struct cdr_entry *e)
{
	if (e->rec.leg[0].kind == CDR_LEG_CLOUD)
		e->rec.direction = CDR_DIR_FROM_CLOUD;
	else if (e->rec.leg[1].kind == CDR_LEG_CLOUD)
		e->rec.direction = CDR_DIR_TO_CLOUD;
	else
		e->rec.direction = CDR_DIR_LOCAL;
}

static void take_call(struct cdr_entry *e, struct sb_call *c)
{
	take_leg(e, 0, sb_call_leg(c, 0));
	take_leg(e, 1, sb_call_b(c));
	take_direction(e);
	e->rec.answer_us = sb_call_answer_us(c);
}

static void on_begin(const struct sb_call_event *ev)
{
	struct cdr_entry *e = cdr_q_new(ev->call);

	if (!e) {
		log_err("call %llu from %s to %s: no memory for its call record",
			(unsigned long long)sb_call_id(ev->call), sb_call_caller(ev->call)->number,
			sb_call_called(ev->call)->number);
		return;
	}
	snprintf(e->rec.caller, sizeof e->rec.caller, "%s", sb_call_caller(ev->call)->number);
	snprintf(e->rec.called, sizeof e->rec.called, "%s", sb_call_called(ev->call)->number);
	e->rec.start_us = sb_call_start_us(ev->call);
	take_call(e, ev->call);
	cdr_q_changed(e);
}

static void event_cb(const struct sb_call_event *ev, void *arg)
{
	struct cdr_entry *e;

	if (ev->type == SB_CALL_EV_BEGIN) {
		on_begin(ev);
		return;
	}
	if (!(e = cdr_q_find(ev->call)))
		return;
	switch (ev->type) {
	case SB_CALL_EV_ANSWER:
		e->answered = true;
		take_leg(e, 1, ev->leg);
		take_call(e, ev->call);
		cdr_q_changed(e);
		break;
	case SB_CALL_EV_LEG:
		/* a leg leaves (or joins): its last figures, if it is the one the record names */
		if (ev->side == 0 && (!e->at[0] || e->at[0] == ev->leg))
			take_leg(e, 0, ev->leg);
		else if (ev->side == 1 && (!e->answered || e->at[1] == ev->leg))
			take_leg(e, 1, ev->leg);
		/* the other side too, while it can still be read: the leaving leg's session may be
		 * the one that measures it (an ISDN leg in a SIP leg's session) */
		if (ev->side == 0 || ev->side == 1) {
			const struct sb_leg *o = ev->side ? sb_call_leg(ev->call, 0) : sb_call_b(ev->call);
			if (o && o != ev->leg && e->at[1 - ev->side] == o)
				take_leg(e, 1 - ev->side, o);
		}
		take_direction(e);
		break;
	case SB_CALL_EV_TRANSFER:
		take_leg(e, ev->side, ev->leg);
		take_call(e, ev->call);
		cdr_q_changed(e);
		break;
	case SB_CALL_EV_END:
		take_call(e, ev->call);
		snprintf(e->rec.reason, sizeof e->rec.reason, "%s", ev->reason ? ev->reason : "");
		e->rec.end_us = cdr_now_us();
		e->ended = true;
		e->call = NULL;
		cdr_q_changed(e);
		break;
	default: /* ring, digits: nothing a record keeps */
		break;
	}
}

static const struct sb_call_observer cdr_observer = {
	.name = "cdr",
	.event_cb = event_cb,
};

void cdr_calls_refresh(void)
{
	for (struct cdr_entry *e = cdr_q_first(); e; e = e->next)
		if (e->call) {
			take_call(e, e->call);
			cdr_q_mark(e);
		}
	cdr_q_flush(); /* one commit for all of them */
}

int cdr_calls_start(void)
{
	return sb_call_observer_register(&cdr_observer);
}

void cdr_calls_stop(void)
{
	sb_call_observer_unregister(&cdr_observer);
}
