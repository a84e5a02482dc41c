/* sip_call.c: SIP calls (B2BUA): one leg of the call core per dialog on either stack (local side,
 * cloud), each describing its RTP endpoint to the core (which owns the call's media session), and
 * the nua events of those dialogs. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>

#define SB_MODULE "sip"
#include "sip_call.h"
#include "sip_priv.h"
#include "sip_ptrset.h"

static struct sip_leg *live;        /* every leg not yet freed, in a list for the shutdown */
static struct sip_ptrset live_set; /* and in a set: each nua event's magic is checked in it */
static const struct sb_leg_ops sip_leg_ops;

/* ---- legs ---------------------------------------------------------------------------------- */

struct sip_leg *sip_leg_new(bool cloud, bool incoming)
{
	struct sip_leg *sl = calloc(1, sizeof *sl);

	if (!sl)
		return NULL;
	if (sip_ptrset_add(&live_set, sl) < 0) {
		free(sl);
		return NULL;
	}
	sl->cloud = cloud;
	sl->incoming = incoming;
	sl->leg.owner = "sip";
	sl->leg.kind = cloud ? SB_LEG_KIND_CLOUD : SB_LEG_KIND_NONE; /* the caller says which */
	sl->leg.ops = &sip_leg_ops;
	sl->leg.priv = sl;
	sl->sdp_ver = 1;
	sl->remote_ver = -1;
	sl->next = live;
	if (live)
		live->prev = sl;
	live = sl;
	return sl;
}

/* Whether a nua handle's magic is one of our legs (it may be another kind, or NULL): constant
 * time, since it runs for every nua event and the walk of the list grew with the calls up. */
static bool leg_live(const void *p)
{
	return sip_ptrset_has(&live_set, p);
}

void sip_leg_free(struct sip_leg *sl)
{
	if (!sl)
		return;
	media_port_release(sl->port); /* a session on it keeps it until it ends */
	sl->port = NULL;
	sip_dialog_free(sl);
	if (sl->nh) {
		nua_handle_bind(sl->nh, NULL);
		nua_handle_destroy(sl->nh);
	}
	if (sl->prev)
		sl->prev->next = sl->next;
	else
		live = sl->next;
	if (sl->next)
		sl->next->prev = sl->prev;
	sip_ptrset_del(&live_set, sl);
	free(sl);
}

/* Freed once both sides are done with it: the core (released) and the dialog (ended). */
static void leg_check(struct sip_leg *sl)
{
	if (sl->released && sl->ended)
		sip_leg_free(sl);
}

/* The core lets go of the leg because its own side ended it. */
static void leg_gone(struct sip_leg *sl, int q850)
{
	if (sl->released)
		return;
	sl->released = true;
	/* the core's observers take the leg's last media figures first; then, for an a leg, the
	 * call's media goes with it */
	sb_leg_hungup(&sl->leg, q850);
}

struct media_sdp_media *sip_leg_local_sdp(struct sip_leg *sl)
{
	return sl->incoming ? &sl->answer : &sl->offer;
}

/* The dialog of an answered leg is over for a reason of its own (a session timer): BYE on it,
 * and the core ends the rest of the call with the cause. */
void sip_leg_end(struct sip_leg *sl, int q850)
{
	if (sl->answered && !sl->ended && !sl->bye_sent && sl->nh)
		nua_bye(sl->nh, TAG_END());
	leg_gone(sl, q850);
}

/* ---- the leg's media: its RTP endpoint, which the core joins to the call's other side ---- */

/* The leg's RTP endpoint for the call core, once offer/answer agreed it: the core makes the
 * call's one session from it and the other side's (an ISDN B-channel, another SIP leg). */
static int op_media_ep(struct sb_leg *leg, struct sb_media_ep *ep)
{
	struct sip_leg *sl = leg->priv;

	if (!sl->port)
		return -ENOTSUP;
	if (!sl->has_media)
		return -EAGAIN; /* sb_leg_media_changed once the answer comes */
	sl->lc.rsv = sl->port;
	return media_ep_from_conf(ep, &sl->lc);
}

/* The codec the other side of the call carries now (its endpoint), else dflt: what an offer of
 * ours puts first, so the engine can pass packets through where this side has it too. */
static enum media_codec other_codec(struct sb_leg *other, enum media_codec dflt)
{
	struct sb_media_ep ep = { .fd = -1 };
	enum media_codec c;

	if (!other || !other->ops->media_ep || other->ops->media_ep(other, &ep) < 0 ||
	    media_codec_find(ep.codec, ep.clock ? ep.clock : 8000, &c) < 0)
		return dflt;
	return c;
}

enum media_codec sip_leg_peer_codec(struct sip_leg *sl, enum media_codec dflt)
{
	return other_codec(sl->leg.call ? sb_leg_peer(&sl->leg) : NULL, dflt);
}

/* An INVITE with an offer: our port is reserved and the answer made now (sent with the 183 or
 * 200 later); the call's session is made by the core once the other side is there. */
static int media_answer(struct sip_leg *sl, const sip_t *m, int *status, char *why, size_t wl)
{
	struct media_engine *e = media_daemon_engine();
	const char *body = m->sip_payload ? m->sip_payload->pl_data : NULL;
	size_t blen = m->sip_payload ? m->sip_payload->pl_len : 0;
	int rc;

	if (!e) {
		snprintf(why, wl, "no media engine");
		*status = 503;
		return -ENOTSUP;
	}
	if ((rc = media_port_reserve(e, &sl->port)) < 0) {
		snprintf(why, wl, "no RTP port: %s", strerror(-rc));
		*status = 503;
		return rc;
	}
	/* the peer: where its Contact is, else where its Via says it sent from */
	const char *peer =
		m->sip_contact && m->sip_contact->m_url->url_host ? m->sip_contact->m_url->url_host
		: m->sip_via
			? (m->sip_via->v_received ? m->sip_via->v_received : m->sip_via->v_host)
			: NULL;
	rc = sip_sdp_answer(body, blen, sl->cloud, sip_media_addr(sl->cloud, peer),
			    media_port_number(sl->port), &sl->lc, &sl->answer, why, wl);
	if (rc < 0) {
		*status = 488;
		return rc;
	}
	sip_dtmf_sdp(sl, &sl->answer, &sl->lc);
	sl->lc.rsv = sl->port;
	/* kept: the answer's codec may still become the b side's (match_a) */
	if (media_sdp_parse(body, blen, &sl->a_offer) < 0)
		sl->a_offer.ncodecs = 0;
	sl->has_media = true;
	sl->remote_ver = sip_sdp_version(body, blen);
	sl->dir_peer = sip_sdp_dir(body, blen);
	snprintf(sl->leg.codec, sizeof sl->leg.codec, "%s", media_codec_info(sl->lc.codec)->name);
	return 0;
}

/* The call's a leg when it is ours and its answer is not sent yet, NULL otherwise. */
static struct sip_leg *a_unanswered(const struct sb_call *call)
{
	struct sb_leg *a = call ? sb_call_leg(call, 0) : NULL;
	struct sip_leg *sa = a && strcmp(a->owner, "sip") == 0 ? a->priv : NULL;

	if (!sa || !sa->incoming || sa->early || sa->answered || !sa->has_media ||
	    !sa->a_offer.ncodecs)
		return NULL;
	return sa;
}

/* The b side answered with codec c: when the a leg offered c too and has not been answered yet,
 * it is answered with c, and the engine passes the packets through instead of transcoding. */
static void match_a(const struct sb_call *call, enum media_codec c)
{
	struct sip_leg *sa = a_unanswered(call);
	struct media_leg_conf lc;
	struct media_sdp_media ans;

	if (!sa)
		return;
	lc = sa->lc;
	ans = sa->answer;
	if (sip_sdp_rematch(&sa->a_offer, sa->cloud, c, &lc, &ans) <= 0)
		return;
	sip_dtmf_sdp(sa, &ans, &lc);
	lc.rsv = sa->port;
	log_info("call %llu: %s is answered with %s, the other side's codec (no transcoding)",
		 (unsigned long long)sb_call_id(call), sa->leg.party.number,
		 media_codec_info(c)->name);
	sa->lc = lc;
	sa->answer = ans;
	snprintf(sa->leg.codec, sizeof sa->leg.codec, "%s", media_codec_info(c)->name);
	sb_leg_media_changed(&sa->leg);
}

/* A b leg's answer (183 or 200): its endpoint is agreed (or changed) */
static int take_answer(struct sip_leg *b, const sip_t *m)
{
	struct media_leg_conf lc;
	char why[256];
	int rc;

	if (!b->port)
		return -ENOENT;
	rc = sip_sdp_answered(&b->offer, m->sip_payload ? m->sip_payload->pl_data : NULL,
			      m->sip_payload ? m->sip_payload->pl_len : 0, &lc, why, sizeof why);
	if (rc < 0) {
		log_warn("call %llu: the answer of %s is refused: %s",
			 (unsigned long long)sb_call_id(b->leg.call), b->leg.party.number, why);
		return rc;
	}
	sip_dtmf_sdp(b, NULL, &lc);
	lc.rsv = b->port;
	b->lc = lc;
	b->has_media = true;
	snprintf(b->leg.codec, sizeof b->leg.codec, "%s", media_codec_info(lc.codec)->name);
	/* a leg placed for the called side (not one taking the caller's place in a transfer) */
	if (b->leg.call && sb_call_transferor(b->leg.call) != sb_call_leg(b->leg.call, 0))
		match_a(b->leg.call, lc.codec);
	b->remote_ver = sip_sdp_version(m->sip_payload->pl_data, m->sip_payload->pl_len);
	b->dir_peer = sip_sdp_dir(m->sip_payload->pl_data, m->sip_payload->pl_len);
	sb_leg_media_changed(&b->leg); /* a session that has it already takes the change */
	return 0;
}

static void respond_sdp(struct sip_leg *a, int status, const char *phrase)
{
	char body[2048];

	if (!a->has_media || sip_sdp_body(&a->answer, a->sdp_ver, body, sizeof body) < 0) {
		nua_respond(a->nh, status, phrase, TAG_END());
		return;
	}
	nua_respond(a->nh, status, phrase, TAG_IF(a->contact[0], SIPTAG_CONTACT_STR(a->contact)),
		    SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(body),
		    TAG_END());
}

/* ---- calls in: an INVITE on either stack ------------------------------------------------- */

void sip_call_refuse_license(struct sip_leg *sl, nua_handle_t *nh, const sip_t *m,
			     const char *caller, const char *called, const char *rec,
			     const char *why)
{
	struct sb_party to = { 0 };

	sl->nh = nh;
	nua_handle_bind(nh, sl);
	if (m->sip_call_id && m->sip_call_id->i_id)
		snprintf(sl->call_id, sizeof sl->call_id, "%s", m->sip_call_id->i_id);
	snprintf(sl->leg.party.number, sizeof sl->leg.party.number, "%s", caller ? caller : "");
	snprintf(to.number, sizeof to.number, "%s", called ? called : "");
	log_warn("call from %s to %s refused (cause 47): %s", sl->leg.party.number, to.number, why);
	sb_call_refused(&sl->leg, &to, 47, rec);
	sl->released = true;
	nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, TAG_END());
	/* the handle stays until nua says the dialog ended (nua_i_state) */
}

int sip_call_incoming(struct sip_leg *sl, nua_handle_t *nh, const sip_t *m, const char *caller,
		      const char *called)
{
	struct sb_party to = { 0 };
	char why[256] = "";
	int status = 500, q850, rc;

	sl->nh = nh;
	nua_handle_bind(nh, sl);
	if (m->sip_call_id && m->sip_call_id->i_id)
		snprintf(sl->call_id, sizeof sl->call_id, "%s", m->sip_call_id->i_id);
	snprintf(sl->leg.party.number, sizeof sl->leg.party.number, "%s", caller ? caller : "");
	snprintf(to.number, sizeof to.number, "%s", called ? called : "");
	sip_timer_request(sl, m);
	if ((rc = media_answer(sl, m, &status, why, sizeof why)) < 0) {
		log_warn("call from %s to %s refused (%d): %s", sl->leg.party.number, to.number,
			 status, why);
		goto refuse;
	}
	if (sb_call_incoming(&sl->leg, &to, &q850) < 0) {
		status = sb_q850_to_sip(q850);
		if (!status)
			status = 480;
		goto refuse;
	}
	return 0;
refuse:
	sl->released = true;
	nua_respond(nh, status, sip_status_phrase(status), TAG_END());
	/* the handle stays until nua says the dialog ended (nua_i_state) */
	return -1;
}

/* ---- calls out: an INVITE for a b leg ---------------------------------------------------- */

int sip_call_place(struct sip_leg *sl, struct sb_call *call, nua_t *nua, const char *ruri,
		   const char *from, const char *to)
{
	struct media_engine *e = media_daemon_engine();
	char body[2048];
	int rc;

	if (!e)
		return -ENOTSUP;
	if (!sl->port && (rc = media_port_reserve(e, &sl->port)) < 0)
		return rc;
	/* the other side's codec first: pass-through wherever this side has it too (a transfer
	 * of the a side: the new leg takes the a side, across from the called one); while the a
	 * leg's answer is not sent, toward the cloud the first of cloud.codecs the a leg offered
	 * (the a leg then takes the cloud's answer: match_a) */
	bool a_side = sb_call_transferor(call) && sb_call_transferor(call) == sb_call_leg(call, 0);
	enum media_codec first =
		other_codec(a_side ? sb_call_b(call) : sb_call_leg(call, 0), MEDIA_G722);
	struct sip_leg *sa = a_side ? NULL : a_unanswered(call);
	if (sa)
		first = sip_sdp_first(&sa->a_offer, sl->cloud, first);
	if ((rc = sip_sdp_offer(sl->cloud, first, sip_media_addr(sl->cloud, ruri),
				media_port_number(sl->port), &sl->offer)) < 0)
		return rc;
	sip_dtmf_sdp(sl, &sl->offer, NULL);
	if ((rc = sip_sdp_body(&sl->offer, 1, body, sizeof body)) < 0)
		return rc;
	sl->nh = nua_handle(nua, sl, SIPTAG_TO_STR(to), SIPTAG_FROM_STR(from), TAG_END());
	if (!sl->nh)
		return -ENOMEM;
	nua_invite(sl->nh, NUTAG_URL(ruri), TAG_IF(sl->contact[0], SIPTAG_CONTACT_STR(sl->contact)),
		   SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(body), TAG_END());
	log_info("call %llu: INVITE %s (from %s)", (unsigned long long)sb_call_id(call), ruri,
		 from);
	return 0;
}

/* ---- attended transfer ------------------------------------------------------------------- */

struct sip_leg *sip_leg_by_call_id(const char *call_id)
{
	for (struct sip_leg *sl = live; sl; sl = sl->next)
		if (!sl->released && !sl->ended && strcmp(sl->call_id, call_id) == 0)
			return sl;
	return NULL;
}

int sip_call_move_media(struct sip_leg *b, struct sip_leg *t)
{
	/* a leg we answered has its answer as its SDP: only legs we placed move */
	if (!b->has_media || !t->port || b->incoming)
		return -ENOTSUP;
	/* b takes t's port (t's dialog is about to end): the session of t's call goes on on the
	 * same socket, and b's peer is offered it by re-INVITE; b's own port goes when the
	 * session of its old call ends */
	media_port_release(b->port);
	b->port = t->port;
	t->port = NULL;
	t->has_media = false;
	b->lc.rsv = b->port;
	b->offer.port = media_port_number(b->port);
	sip_dialog_reoffer(b);
	return 0;
}

/* ---- what the core asks of our legs ----------------------------------------------------- */

static void op_alert(struct sb_leg *leg)
{
	struct sip_leg *sl = leg->priv;

	if (sl->incoming && !sl->early && !sl->answered && sl->nh)
		nua_respond(sl->nh, SIP_180_RINGING, TAG_END());
}

static void op_answer(struct sb_leg *leg)
{
	struct sip_leg *sl = leg->priv;

	if (!sl->incoming || sl->answered || !sl->nh)
		return;
	sl->answered = true;
	respond_sdp(sl, SIP_200_OK);
	sip_timer_arm(sl);
}

static void op_hangup(struct sb_leg *leg, int q850)
{
	struct sip_leg *sl = leg->priv;

	sl->released = true;
	if (sl->ended || !sl->nh) {
		leg_check(sl);
		return;
	}
	if (sl->answered) {
		nua_bye(sl->nh, TAG_END());
	} else if (sl->incoming) {
		int status = sb_q850_to_sip(q850);
		if (!status)
			status = 480;
		nua_respond(sl->nh, status, sip_status_phrase(status), TAG_END());
	} else {
		/* a ring-group member that lost (cause 26): RFC 3326, so that it logs no missed call */
		nua_cancel(sl->nh,
			   TAG_IF(q850 == 26,
				  SIPTAG_REASON_STR(
					  "SIP;cause=200;text=\"Call completed elsewhere\"")),
			   TAG_END());
	}
}

static void op_dtmf(struct sb_leg *leg, char digit)
{
	struct sip_leg *sl = leg->priv;

	if (sl->has_media)
		sip_dtmf_log_out(sl, &sl->lc, digit);
	if (sip_dtmf_info_out(sl, digit))
		return; /* a link with dtmf = "info" */
	/* a digit from outside the session (ISDN keypad, SIP INFO): toward this leg's side */
	int rc = sb_leg_media_dtmf(leg, digit);
	if (rc < 0)
		log_warn("call %llu: digit %c cannot be sent toward %s: %s",
			 leg->call ? (unsigned long long)sb_call_id(leg->call) : 0ULL, digit,
			 leg->party.number, strerror(-rc));
}

static const struct sb_leg_ops sip_leg_ops = {
	.alert = op_alert,
	.answer = op_answer,
	.hangup = op_hangup,
	.dtmf = op_dtmf,
	.media_ep = op_media_ep,
};

/* ---- nua events of our dialogs ---------------------------------------------------------- */

static void b_response(struct sip_leg *sl, int status, const char *phrase, const sip_t *m)
{
	if (sl->released) {
		/* lost the race (another fork member won) or hung up meanwhile */
		if (status >= 200 && status < 300 && !sl->ended)
			nua_bye(sl->nh, TAG_END());
		return;
	}
	if (status < 200) {
		if (status == 183 && m && m->sip_payload && take_answer(sl, m) == 0) {
			/* early media: the caller hears the b side from now on */
			sb_leg_early_media(&sl->leg);
			struct sb_leg *a = sb_call_leg(sl->leg.call, 0);
			struct sip_leg *sa = a && strcmp(a->owner, "sip") == 0 ? a->priv : NULL;
			if (sa && !sa->early && !sa->answered) {
				sa->early = true;
				respond_sdp(sa, SIP_183_SESSION_PROGRESS);
			}
			sb_leg_proceeding(&sl->leg);
		} else if (status == 180 || status == 183) {
			sb_leg_alerting(&sl->leg);
		} else if (status > 100) {
			sb_leg_proceeding(&sl->leg);
		}
		return;
	}
	if (status < 300) {
		sl->answered = true;
		if (take_answer(sl, m) < 0) {
			/* e.g. the cloud answered without SRTP: the call ends */
			log_warn(
				"call %llu: %s answered with media we refuse: ending it (cause 65)",
				(unsigned long long)sb_call_id(sl->leg.call), sl->leg.party.number);
			nua_bye(sl->nh, TAG_END());
			leg_gone(sl, 65);
			return;
		}
		sip_timer_answered(sl, m);
		sb_leg_answered(&sl->leg);
		return;
	}
	log_info("call %llu: %s answered %d %s", (unsigned long long)sb_call_id(sl->leg.call),
		 sl->leg.party.number, status, phrase);
	leg_gone(sl, sb_sip_to_q850(status));
}

static bool call_event(nua_event_t ev, int status, const char *phrase, nua_handle_t *nh,
		       struct sip_leg *sl, const sip_t *m, tagi_t tags[])
{
	int cs = -1;

	if (!sl->call_id[0] && m && m->sip_call_id && m->sip_call_id->i_id)
		snprintf(sl->call_id, sizeof sl->call_id, "%s", m->sip_call_id->i_id);
	if (sip_dtmf_event(sl, ev, nh, m))
		return true;
	if (sip_refer_event(sl, ev, status, nh, m, tags))
		return true;
	if (sip_dialog_event(sl, ev, status, phrase, nh, m, tags))
		return true;
	switch (ev) {
	case nua_r_invite: b_response(sl, status, phrase, m); break;
	case nua_i_cancel: leg_gone(sl, 16); break; /* nua answers 487 */
	case nua_i_bye: leg_gone(sl, 16); break;    /* nua answers 200 */
	case nua_i_state:
		tl_gets(tags, NUTAG_CALLSTATE_REF(cs), TAG_END());
		if (cs != nua_callstate_terminated)
			break;
		sl->ended = true;
		if (!sl->released && sl->answered && status < 300) {
			/* neither a BYE from the peer nor our hangup: nua ended the dialog
			 * itself, because its session timer expired (RFC 4028 section 10) */
			log_warn("call %llu: the session with %s expired (not refreshed): "
				 "ending the call (cause 102)",
				 (unsigned long long)sb_call_id(sl->leg.call),
				 sl->leg.party.number);
			leg_gone(sl, 102);
		}
		leg_gone(sl, status >= 300 ? sb_sip_to_q850(status) : 16);
		leg_check(sl);
		break;
	default: break;
	}
	return true;
}

/* At shutdown the core has hung every call up; what nua still holds goes with its stack. */
void sip_call_close(void)
{
	while (live) {
		struct sip_leg *sl = live;
		sl->nh = NULL; /* nua_shutdown/nua_destroy free the handles */
		if (!sl->released) {
			sl->released = true;
			sb_leg_hungup(&sl->leg, 41);
		}
		sip_leg_free(sl);
	}
	sip_ptrset_free(&live_set);
}

/* Every line logged while an event of a leg is handled (here, in the call core and in the media
 * calls it makes) names the leg's call. */
bool sip_call_event(nua_event_t ev, int status, const char *phrase, nua_handle_t *nh,
		    nua_hmagic_t *hm, const sip_t *m, tagi_t tags[])
{
	struct sip_leg *sl = (struct sip_leg *)hm;

	if (sip_timer_bye_event(ev, status, nh, hm))
		return true;
	if (!leg_live(sl))
		return false;
	unsigned long long prev = sb_log_call_set(sl->leg.call ? sb_call_id(sl->leg.call) : 0);
	bool done = call_event(ev, status, phrase, nh, sl, m, tags);
	sb_log_call_set(prev);
	return done;
}
