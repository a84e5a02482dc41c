/* sip_call.c: SIP calls (B2BUA): one leg of the call core per dialog on either stack (local side,
 * cloud), the media session of a call whose a leg is SIP, and the nua events of those dialogs. */
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

static struct sip_leg *live; /* every leg not yet freed: nua magic is checked against it */
static struct sip_bridge *bridges;
static const struct sb_leg_ops sip_leg_ops;

/* ---- legs ---------------------------------------------------------------------------------- */

struct sip_leg *sip_leg_new(bool cloud, bool incoming)
{
	struct sip_leg *sl = calloc(1, sizeof *sl);

	if (!sl)
		return NULL;
	sl->cloud = cloud;
	sl->incoming = incoming;
	sl->leg.owner = "sip";
	sl->leg.kind = cloud ? SB_LEG_KIND_CLOUD : SB_LEG_KIND_NONE; /* the caller says which */
	sl->leg.ops = &sip_leg_ops;
	sl->leg.priv = sl;
	sl->sdp_ver = 1;
	sl->remote_ver = -1;
	sl->midx = incoming ? 0 : 1;
	sl->next = live;
	if (live)
		live->prev = sl;
	live = sl;
	return sl;
}

static bool leg_live(const void *p)
{
	for (struct sip_leg *sl = live; p && sl; sl = sl->next)
		if (sl == p)
			return true;
	return false;
}

static void bridge_add(struct sip_bridge *br, const struct sb_leg *a)
{
	br->a = a;
	br->next = bridges;
	bridges = br;
}

static void bridge_unref(struct sip_bridge *br)
{
	if (--br->refs)
		return;
	for (struct sip_bridge **p = &bridges; *p; p = &(*p)->next)
		if (*p == br) {
			*p = br->next;
			break;
		}
	if (br->ms)
		media_session_destroy(br->ms);
	free(br);
}

/* The leg lets go of the call's media; the last one ends the session. */
static void bridge_end(struct sip_leg *sl)
{
	if (!sl->br)
		return;
	bridge_unref(sl->br);
	sl->br = NULL;
}

void sip_leg_free(struct sip_leg *sl)
{
	if (!sl)
		return;
	bridge_end(sl);
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
	bridge_end(sl);
}

struct media_sdp_media *sip_leg_local_sdp(struct sip_leg *sl)
{
	return sl->incoming ? &sl->br->answer : &sl->offer;
}

unsigned sip_leg_media_index(const struct sip_leg *sl)
{
	return sl->midx;
}

/* The dialog of an answered leg is over for a reason of its own (a session timer): BYE on it,
 * and the core ends the rest of the call with the cause. */
void sip_leg_end(struct sip_leg *sl, int q850)
{
	if (sl->answered && !sl->ended && !sl->bye_sent && sl->nh)
		nua_bye(sl->nh, TAG_END());
	leg_gone(sl, q850);
}

/* The media of a call: the bridge made for its a leg. */
struct sip_bridge *sip_call_bridge(const struct sb_call *c)
{
	struct sb_leg *a = c ? sb_call_leg(c, 0) : NULL;

	for (struct sip_bridge *br = bridges; a && br; br = br->next)
		if (br->a == a)
			return br;
	return NULL;
}

/* ---- the media of a call with a SIP a leg ------------------------------------------------- */

static void session_event_cb(struct media_session *s, const struct media_event *ev, void *arg)
{
	/* Both legs of the session are SIP: the engine relays digits inside the session (RFC 4733
	 * to RFC 4733 or in-band), so the core does not forward it again (each digit once); its
	 * observers are told (sb_leg_dtmf_relayed). */
	if (ev->type != MEDIA_EV_DTMF)
		return;
	/* logged with how it went out; by SIP INFO where the other side wants that (a link with
	 * dtmf = "info") */
	sip_dtmf_session_digit(arg, ev->leg, ev->digit);
}

/* An INVITE with an offer becomes a session: leg 0 answers the offer now, leg 1 waits for the
 * b side's answer (its port is in every b leg's offer). */
static int bridge_new(struct sip_leg *sl, const sip_t *m, int *status, char *why, size_t wl)
{
	struct media_engine *e = media_daemon_engine();
	struct sip_bridge *br;
	const char *body = m->sip_payload ? m->sip_payload->pl_data : NULL;
	size_t blen = m->sip_payload ? m->sip_payload->pl_len : 0;
	int rc;

	if (!e) {
		snprintf(why, wl, "no media engine");
		*status = 503;
		return -ENOTSUP;
	}
	if (!(br = calloc(1, sizeof *br))) {
		*status = 503;
		return -ENOMEM;
	}
	/* the peer: where its Contact is, else where its Via says it sent from */
	const char *peer =
		m->sip_contact && m->sip_contact->m_url->url_host ? m->sip_contact->m_url->url_host
		: m->sip_via
			? (m->sip_via->v_received ? m->sip_via->v_received : m->sip_via->v_host)
			: NULL;
	rc = sip_sdp_answer(body, blen, sl->cloud, sip_media_addr(sl->cloud, peer), 0, &br->lc[0],
			    &br->answer, why, wl);
	if (rc < 0) {
		free(br);
		*status = 488;
		return rc;
	}
	sip_dtmf_sdp(sl, &br->answer, &br->lc[0]);
	/* kept: the answer's codec may still become the b side's (bridge_match_a) */
	if (media_sdp_parse(body, blen, &br->a_offer) < 0)
		br->a_offer.ncodecs = 0;
	br->lc[1] = (struct media_leg_conf){
		.codec = MEDIA_G722, .pt = 9, .dtmf_pt = -1, .latch = true
	};
	if ((rc = media_session_alloc(&br->ms, e, br->lc, session_event_cb, br)) < 0) {
		snprintf(why, wl, "no media session: %s", strerror(-rc));
		free(br);
		*status = 503;
		return rc;
	}
	br->answer.port = media_session_port(br->ms, 0);
	br->sdp_version = 1;
	sl->remote_ver = sip_sdp_version(body, blen);
	sl->dir_peer = sip_sdp_dir(body, blen);
	br->refs = 1;
	bridge_add(br, &sl->leg);
	sl->br = br;
	snprintf(sl->leg.codec, sizeof sl->leg.codec, "%s",
		 media_codec_info(br->lc[0].codec)->name);
	return 0;
}

/* A leg of another module (an ISDN B-channel) as a media leg of the session: the endpoint its
 * owner describes, which the session's worker then reads and writes itself. */
static int foreign_conf(struct sb_leg *leg, struct media_leg_conf *lc)
{
	struct sb_media_ep ep = { .fd = -1 };
	int rc;

	if (!leg->ops->media_ep)
		return -ENOTSUP;
	if ((rc = leg->ops->media_ep(leg, &ep)) < 0)
		return rc;
	return media_conf_from_ep(lc, &ep);
}

/* A call from another module's leg (an ISDN SETUP) to a SIP target: the session is ours, with
 * the caller's RTP endpoint as leg 0. */
static struct sip_bridge *bridge_foreign_a(struct sb_call *call)
{
	struct sb_leg *a = sb_call_leg(call, 0);
	struct media_engine *e = media_daemon_engine();
	struct sip_bridge *br;
	int rc;

	if (!a || !e || !(br = calloc(1, sizeof *br)))
		return NULL;
	if ((rc = foreign_conf(a, &br->lc[0])) < 0) {
		log_warn("call %llu: the caller's %s leg cannot carry media in a SIP call: %s",
			 (unsigned long long)sb_call_id(call), a->owner, strerror(-rc));
		free(br);
		return NULL;
	}
	br->lc[1] = (struct media_leg_conf){
		.codec = MEDIA_G722, .pt = 9, .dtmf_pt = -1, .latch = true
	};
	if ((rc = media_session_alloc(&br->ms, e, br->lc, session_event_cb, br)) < 0) {
		log_warn("call %llu: no media session: %s", (unsigned long long)sb_call_id(call),
			 strerror(-rc));
		free(br);
		return NULL;
	}
	media_session_set_call(br->ms, sb_call_id(call));
	br->foreign[0] = a;
	bridge_add(br, a);
	return br;
}

/* An a leg of ours answered by another module's leg (a station calls an ISDN number): that leg
 * becomes media leg 1. */
static void bridge_foreign_b(struct sip_leg *a, struct sb_leg *b)
{
	struct sip_bridge *br = a->br;
	struct media_leg_conf lc;
	int rc;

	if (br && a->leg.call) /* the session was made before the call existed */
		media_session_set_call(br->ms, sb_call_id(a->leg.call));
	if (!br || (rc = foreign_conf(b, &lc)) < 0 ||
	    (rc = media_session_update(br->ms, 1, &lc)) < 0) {
		log_warn("call %llu: no media toward the %s leg",
			 (unsigned long long)sb_call_id(a->leg.call), b->owner);
		return;
	}
	br->lc[1] = lc;
	br->foreign[1] = b;
}

/* The session's media leg of another module's leg of the call, -1: none. */
static int foreign_index(const struct sip_bridge *br, const struct sb_leg *other)
{
	for (int i = 0; br && i < 2; i++)
		if (br->foreign[i] == other && br->lc[i].tdm)
			return i;
	return -1;
}

/* Another module's leg in our session got a new endpoint (its B-channel connected again), or
 * took the place of the other side of our leg (a transfer to an ISDN target answered). */
static void op_peer_media(struct sb_leg *leg, struct sb_leg *other)
{
	struct sip_leg *sl = leg->priv;
	struct sip_bridge *br = sl->br;
	int i = foreign_index(br, other), rc;
	struct media_leg_conf lc;

	if (br && i < 0 && sl->answered && sb_leg_peer(leg) == other)
		i = 1 - (int)sl->midx;
	if (i < 0 || (rc = foreign_conf(other, &lc)) < 0 ||
	    (rc = media_session_update(br->ms, (unsigned)i, &lc)) < 0)
		return;
	br->lc[i] = lc;
	if (br->foreign[i] != other) {
		log_info("call %llu: the media of %s now goes to the %s leg of %s",
			 leg->call ? (unsigned long long)sb_call_id(leg->call) : 0ULL,
			 leg->party.number, other->owner, other->party.number);
		br->foreign[i] = other;
		if (i == 0)
			br->a = other; /* the call's a side: the session is found by it */
	}
}

/* What another module's leg in our session carries (show calls, call records). */
static int op_peer_media_info(const struct sb_leg *leg, const struct sb_leg *other,
			      struct sb_leg_media *mi)
{
	const struct sip_leg *sl = leg->priv;
	int i = foreign_index(sl->br, other);

	if (i < 0)
		return -ENOENT;
	media_session_leg_media(sl->br->ms, (unsigned)i, &sl->br->lc[i], mi);
	return 0;
}

/* The call's a leg when it is ours and its answer is not sent yet, NULL otherwise. */
static struct sip_leg *a_unanswered(const struct sip_bridge *br)
{
	const struct sb_leg *a = br->a;
	struct sip_leg *sa = a && strcmp(a->owner, "sip") == 0 ? a->priv : NULL;

	if (!sa || !sa->incoming || sa->early || sa->answered || sa->br != br ||
	    !br->a_offer.ncodecs)
		return NULL;
	return sa;
}

/* The b side answered with codec c: when the a leg offered c too and has not been answered yet,
 * it is answered with c, and the engine passes the packets through instead of transcoding. */
static void bridge_match_a(struct sip_bridge *br, enum media_codec c)
{
	struct sip_leg *sa = a_unanswered(br);
	struct media_leg_conf lc = br->lc[0];
	struct media_sdp_media ans = br->answer;
	int rc;

	if (!sa || sip_sdp_rematch(&br->a_offer, sa->cloud, c, &lc, &ans) <= 0)
		return;
	sip_dtmf_sdp(sa, &ans, &lc);
	if ((rc = media_session_update(br->ms, 0, &lc)) < 0) {
		log_warn("call %llu: %s stays on %s: %s", (unsigned long long)sb_call_id(sa->leg.call),
			 sa->leg.party.number, media_codec_info(br->lc[0].codec)->name,
			 strerror(-rc));
		return;
	}
	log_info("call %llu: %s is answered with %s, the other side's codec (no transcoding)",
		 (unsigned long long)sb_call_id(sa->leg.call), sa->leg.party.number,
		 media_codec_info(c)->name);
	br->lc[0] = lc;
	br->answer = ans;
	snprintf(sa->leg.codec, sizeof sa->leg.codec, "%s", media_codec_info(c)->name);
}

/* A b leg's answer (183 or 200) takes leg 1 of the session. */
static int bridge_take(struct sip_leg *b, const sip_t *m)
{
	struct sip_bridge *br = b->br;
	struct media_leg_conf lc;
	char why[256];
	int rc;

	if (!br)
		return -ENOENT;
	rc = sip_sdp_answered(&b->offer, m->sip_payload ? m->sip_payload->pl_data : NULL,
			      m->sip_payload ? m->sip_payload->pl_len : 0, &lc, why, sizeof why);
	if (rc < 0) {
		log_warn("call %llu: the answer of %s is refused: %s",
			 (unsigned long long)sb_call_id(b->leg.call), b->leg.party.number, why);
		return rc;
	}
	sip_dtmf_sdp(b, NULL, &lc);
	if (b->leg.call) /* the session was made before the call existed */
		media_session_set_call(br->ms, sb_call_id(b->leg.call));
	if ((rc = media_session_update(br->ms, b->midx, &lc)) < 0) {
		log_warn("call %llu: cannot apply the answer of %s: %s",
			 (unsigned long long)sb_call_id(b->leg.call), b->leg.party.number,
			 strerror(-rc));
		return rc;
	}
	br->lc[b->midx] = lc;
	snprintf(b->leg.codec, sizeof b->leg.codec, "%s", media_codec_info(lc.codec)->name);
	if (b->midx == 1)
		bridge_match_a(br, lc.codec);
	b->remote_ver = sip_sdp_version(m->sip_payload->pl_data, m->sip_payload->pl_len);
	b->dir_peer = sip_sdp_dir(m->sip_payload->pl_data, m->sip_payload->pl_len);
	return 0;
}

static void respond_sdp(struct sip_leg *a, int status, const char *phrase)
{
	char body[2048];
	struct sip_bridge *br = a->br;

	if (!br || sip_sdp_body(&br->answer, br->sdp_version, body, sizeof body) < 0) {
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
	if ((rc = bridge_new(sl, m, &status, why, sizeof why)) < 0) {
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
	struct sip_bridge *br = sip_call_bridge(call);
	char body[2048];
	int rc;

	/* a call from another module's leg (ISDN): the session is made now */
	if (!br && !(br = bridge_foreign_a(call)))
		return -ENOTSUP;
	/* a transfer of the a side: the new leg takes the a side's media leg (sb_call_transfer) */
	if (sb_call_transferor(call) && sb_call_transferor(call) == sb_call_leg(call, 0))
		sl->midx = 0;
	/* the other side's codec first: pass-through wherever this side has it too; while the a
	 * leg's answer is not sent, toward the cloud the first of cloud.codecs the a leg offered
	 * (the a leg then takes the cloud's answer: bridge_match_a) */
	enum media_codec first = br->lc[1 - sl->midx].codec;
	if (sl->midx == 1 && a_unanswered(br))
		first = sip_sdp_first(&br->a_offer, sl->cloud, first);
	if ((rc = sip_sdp_offer(sl->cloud, first,
				sip_media_addr(sl->cloud, ruri),
				media_session_port(br->ms, sl->midx), &sl->offer)) < 0)
		return rc;
	sip_dtmf_sdp(sl, &sl->offer, NULL);
	if ((rc = sip_sdp_body(&sl->offer, 1, body, sizeof body)) < 0)
		return rc;
	sl->nh = nua_handle(nua, sl, SIPTAG_TO_STR(to), SIPTAG_FROM_STR(from), TAG_END());
	if (!sl->nh)
		return -ENOMEM;
	nua_invite(sl->nh, NUTAG_URL(ruri), TAG_IF(sl->contact[0], SIPTAG_CONTACT_STR(sl->contact)),
		   SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(body), TAG_END());
	sl->br = br;
	br->refs++;
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
	struct sip_bridge *from = b->br, *to = t->br;
	struct media_leg_conf lc;
	int rc;

	/* a leg we answered has the session's answer as its SDP: only legs we placed move */
	if (!from || !to || b->incoming)
		return -ENOTSUP;
	lc = from->lc[b->midx];
	if ((rc = media_session_update(to->ms, t->midx, &lc)) < 0)
		return rc;
	to->lc[t->midx] = lc;
	b->offer.port = media_session_port(to->ms, t->midx);
	b->midx = t->midx;
	if (to->a == &t->leg)
		to->a = &b->leg;
	to->refs++;
	b->br = to;
	bridge_unref(from);
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
	struct sb_leg *peer = sb_leg_peer(leg);
	if (peer && strcmp(peer->owner, "sip") != 0)
		bridge_foreign_b(sl, peer);
	respond_sdp(sl, SIP_200_OK);
	sip_timer_arm(sl);
}

static void op_hangup(struct sb_leg *leg, int q850)
{
	struct sip_leg *sl = leg->priv;

	sl->released = true;
	bridge_end(sl);
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
	struct sip_bridge *br = sl->br;

	if (br)
		sip_dtmf_log_out(sl, &br->lc[sl->midx], digit);
	if (sip_dtmf_info_out(sl, digit))
		return; /* a link with dtmf = "info" */
	/* a digit from outside the session (ISDN keypad, SIP INFO): toward this leg's side */
	int rc = br ? media_session_dtmf(br->ms, sl->midx, digit, 100) : -ENOENT;
	if (rc < 0)
		log_warn("call %llu: digit %c cannot be sent toward %s: %s",
			 leg->call ? (unsigned long long)sb_call_id(leg->call) : 0ULL, digit,
			 leg->party.number, strerror(-rc));
}

static int op_media_info(const struct sb_leg *leg, struct sb_leg_media *mi)
{
	const struct sip_leg *sl = leg->priv;
	struct sip_bridge *br = sl->br;
	unsigned i = sl->midx;

	/* a leg we placed measures the call's media once it won (ring group members share it
	 * before), or took the caller's place in a transfer; it still does while its call ends,
	 * after the other side went */
	if (!br || (!sl->incoming && (!leg->call || (sb_call_leg(leg->call, 0) != leg &&
						     (!sb_call_answer_us(leg->call) ||
						      sb_call_b(leg->call) != leg)))))
		return -ENOENT;
	media_session_leg_media(br->ms, i, &br->lc[i], mi);
	return 0;
}

static const struct sb_leg_ops sip_leg_ops = {
	.alert = op_alert,
	.answer = op_answer,
	.hangup = op_hangup,
	.dtmf = op_dtmf,
	.media_info = op_media_info,
	.peer_media = op_peer_media,
	.peer_media_info = op_peer_media_info,
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
		if (status == 183 && m && m->sip_payload && bridge_take(sl, m) == 0) {
			/* early media: the caller hears the b side from now on */
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
		if (bridge_take(sl, m) < 0) {
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
		/* a transfer made it the call's a side: the session is found by it now */
		if (sl->leg.call && sb_call_leg(sl->leg.call, 0) == &sl->leg && sl->br)
			sl->br->a = &sl->leg;
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
