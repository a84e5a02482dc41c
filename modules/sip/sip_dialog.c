/* sip_dialog.c: re-INVITE and UPDATE on established SIP legs: hold and resume passed to the
 * other leg of the call as a re-INVITE there, codec or address changes given to the call core as
 * the leg's new endpoint (its session takes them: the streams go on), offerless re-INVITEs answered with
 * an offer, and glare (491) retried as RFC 3261 section 14.1 says. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_wait.h>

#define SB_MODULE "sip"
#include "sip_call.h"
#include "sip_priv.h"

static unsigned long long cid(const struct sip_leg *sl)
{
	return sl->leg.call ? (unsigned long long)sb_call_id(sl->leg.call) : 0ULL;
}

/* The other leg of an answered call when it is a SIP leg of ours. */
static struct sip_leg *peer_of(struct sip_leg *sl)
{
	struct sb_leg *p = sl->leg.call ? sb_leg_peer(&sl->leg) : NULL;

	return p && strcmp(p->owner, "sip") == 0 ? p->priv : NULL;
}

static bool sends(enum sip_dir d)
{
	return d == SIP_DIR_SENDRECV || d == SIP_DIR_SENDONLY;
}

static bool receives(enum sip_dir d)
{
	return d == SIP_DIR_SENDRECV || d == SIP_DIR_RECVONLY;
}

/* What both allow: we send only where both directions let us, and receive likewise. */
static enum sip_dir dir_meet(enum sip_dir a, enum sip_dir b)
{
	bool s = sends(a) && sends(b), r = receives(a) && receives(b);

	return s && r ? SIP_DIR_SENDRECV
	       : s    ? SIP_DIR_SENDONLY
	       : r    ? SIP_DIR_RECVONLY
		      : SIP_DIR_INACTIVE;
}

static const char *body_of(const sip_t *m, size_t *len)
{
	if (!m || !m->sip_payload || !m->sip_payload->pl_len) {
		*len = 0;
		return NULL;
	}
	*len = m->sip_payload->pl_len;
	return m->sip_payload->pl_data;
}

/* Our current key on the leg stays when the peer still offers its suite: a hold or a codec
 * change need not rekey the stream (RFC 4568 allows either). */
static void keep_key(const struct media_leg_conf *old, struct media_leg_conf *lc,
		     struct media_sdp_media *ans)
{
	if (old->srtp && lc->srtp && old->key_tx.suite == lc->key_tx.suite) {
		lc->key_tx = old->key_tx;
		if (ans && ans->ncrypto)
			ans->crypto[0].key = old->key_tx;
	}
}

static void set_codec(struct sip_leg *sl, const struct media_leg_conf *lc)
{
	snprintf(sl->leg.codec, sizeof sl->leg.codec, "%s", media_codec_info(lc->codec)->name);
}

/* Media leg conf lc (from an offer or an answer of sl's peer) is the leg's endpoint now: the
 * call core gives it to the call's session. */
static int apply(struct sip_leg *sl, struct media_leg_conf *lc, bool null_addr)
{
	if (null_addr) /* RFC 2543 hold: 0.0.0.0 is no address; the stream keeps its peer */
		lc->remote = sl->lc.remote;
	sip_dtmf_sdp(sl, NULL, lc);
	lc->rsv = sl->port;
	if (lc->codec != sl->lc.codec)
		log_info("call %llu: %s now uses %s (was %s)", cid(sl), sl->leg.party.number,
			 media_codec_info(lc->codec)->name, media_codec_info(sl->lc.codec)->name);
	sl->lc = *lc;
	set_codec(sl, lc);
	sb_leg_media_changed(&sl->leg);
	return 0;
}

static void reinvite(struct sip_leg *sl);

/* The other leg hears of a change of sl's hold state by a re-INVITE. */
static void propagate(struct sip_leg *sl)
{
	struct sip_leg *p = peer_of(sl);

	if (!p) {
		if (sl->dir_peer != SIP_DIR_SENDRECV)
			log_info("call %llu: %s holds the call; the other side is not SIP and is "
				 "not told",
				 cid(sl), sl->leg.party.number);
		return;
	}
	p->dir_want = sl->dir_peer;
	reinvite(p);
}

static void retry_cb(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
	struct sip_leg *sl = (struct sip_leg *)arg;

	(void)magic;
	(void)t;
	reinvite(sl);
}

/* Offer the leg our SDP with the direction it should have now, unless one is in flight (it is
 * sent again when that one ends) or a retry after 491 is waiting. */
static void reinvite(struct sip_leg *sl)
{
	char body[2048];

	if (sl->reinvite_pending || (sl->retry && su_timer_is_set(sl->retry)) || !sl->answered ||
	    sl->ended || sl->released || !sl->has_media || !sl->nh ||
	    (sl->dir_want == sl->dir_sent && !sl->reoffer))
		return;
	if (sip_sdp_body_dir(sip_leg_local_sdp(sl), 1, sl->sdp_ver + 1, sl->dir_want, body,
			     sizeof body) < 0)
		return;
	sl->sdp_ver++;
	sl->dir_offer = sl->dir_want;
	sl->reinvite_pending = true;
	sl->reoffer = false;
	nua_invite(sl->nh, TAG_IF(sl->contact[0], SIPTAG_CONTACT_STR(sl->contact)),
		   SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(body), TAG_END());
	log_info("call %llu: re-INVITE to %s (%s)", cid(sl), sl->leg.party.number,
		 sip_sdp_dir_name(sl->dir_offer));
}

/* RFC 3261 section 14.1: the owner of the Call-ID (we are for the legs we placed) waits 2.1 to
 * 4 s, the other side 0 to 2 s, so that the two retries do not collide again. */
static void glare(struct sip_leg *sl)
{
	unsigned r = 0, ms;

	if (RAND_bytes((unsigned char *)&r, sizeof r) != 1)
		r = (unsigned)sip_now_ms();
	ms = sl->incoming ? r % 2000 : 2100 + r % 1900;
	if (!sl->retry)
		sl->retry = su_timer_create(su_root_task(sip_loop_root()), 0);
	if (!sl->retry ||
	    su_timer_set_interval(sl->retry, retry_cb, (su_timer_arg_t *)sl, ms) < 0) {
		log_warn("call %llu: re-INVITE to %s met 491 and cannot be retried", cid(sl),
			 sl->leg.party.number);
		return;
	}
	log_info("call %llu: re-INVITE to %s met 491 (glare): again in %u ms", cid(sl),
		 sl->leg.party.number, ms);
}

/* The answer to our re-INVITE. */
static void reinvite_answered(struct sip_leg *sl, int status, const char *phrase, const sip_t *m)
{
	struct media_leg_conf lc;
	char why[256];
	size_t len;
	const char *body = body_of(m, &len);

	if (status < 200)
		return;
	sl->reinvite_pending = false;
	if (sl->refreshing && !sip_timer_refreshed(sl, "re-INVITE", status, phrase, m))
		return;
	if (status == 491) {
		glare(sl);
		return;
	}
	if (status >= 300) {
		/* RFC 3261 section 14.1: the session stays as it was */
		log_warn("call %llu: %s refused the re-INVITE: %d %s", cid(sl),
			 sl->leg.party.number, status, phrase);
		return;
	}
	if (sl->has_media && body) {
		/* the keys are those of our offer (sip_sdp_answered takes them from it) */
		if (sip_sdp_answered(sip_leg_local_sdp(sl), body, len, &lc, why, sizeof why) < 0) {
			log_warn("call %llu: the answer of %s to our re-INVITE is refused: %s",
				 cid(sl), sl->leg.party.number, why);
		} else {
			apply(sl, &lc, sip_sdp_null_addr(body, len));
			sl->remote_ver = sip_sdp_version(body, len);
		}
	}
	sl->dir_sent = sl->dir_offer;
	reinvite(sl); /* the other side changed again meanwhile */
}

/* The address our SDP gave this leg so far: a new offer or answer keeps it. */
static const char *our_addr(struct sip_leg *sl)
{
	const struct media_sdp_media *m = sip_leg_local_sdp(sl);
	return m && m->addr[0] ? m->addr : sip_media_addr(sl->cloud, NULL);
}

/* An offer from sl's peer (re-INVITE or UPDATE with SDP): the answer's body in out. 0, or a SIP
 * status to refuse with. */
static int offer_in(struct sip_leg *sl, const char *body, size_t len, char *out, size_t outlen)
{
	long long v = sip_sdp_version(body, len);
	enum sip_dir d = sip_sdp_dir(body, len);
	struct media_leg_conf lc;
	struct media_sdp_media ans;
	char why[256];
	int rc;

	if (v < 0 || v != sl->remote_ver) {
		rc = sip_sdp_answer(body, len, sl->cloud, our_addr(sl),
				    media_port_number(sl->port), &lc, &ans, why, sizeof why);
		if (rc < 0) {
			/* RFC 3261 section 14.2: 488, and the session stays as it was */
			log_warn("call %llu: the new offer of %s is refused: %s", cid(sl),
				 sl->leg.party.number, why);
			return 488;
		}
		keep_key(&sl->lc, &lc, &ans);
		sip_dtmf_sdp(sl, &ans, &lc);
		if (apply(sl, &lc, sip_sdp_null_addr(body, len)) < 0)
			return 500;
		*sip_leg_local_sdp(sl) = ans;
		sl->sdp_ver++;
		sl->remote_ver = v;
	}
	enum sip_dir ad = dir_meet(sip_sdp_dir_answer(d), sl->dir_want);
	if (sip_sdp_body_dir(sip_leg_local_sdp(sl), 1, sl->sdp_ver, ad, out, outlen) < 0)
		return 500;
	sl->dir_sent = ad;
	if (d != sl->dir_peer) {
		log_info("call %llu: %s says %s%s", cid(sl), sl->leg.party.number,
			 sip_sdp_dir_name(d), d == SIP_DIR_SENDRECV ? " (resumed)" : " (on hold)");
		sl->dir_peer = d;
		propagate(sl);
	}
	return 0;
}

/* An INVITE without SDP: we offer in the 200, every codec we have for this side, with the
 * current key; the answer comes in the ACK. */
static int offer_out(struct sip_leg *sl, char *out, size_t outlen)
{
	struct media_sdp_media o;

	if (sip_sdp_offer(sl->cloud, sip_leg_peer_codec(sl, sl->lc.codec), our_addr(sl),
			  media_port_number(sl->port), &o) < 0)
		return 500;
	sip_dtmf_sdp(sl, &o, NULL);
	for (size_t k = 0; k < o.ncrypto; k++)
		if (sl->lc.srtp && o.crypto[k].key.suite == sl->lc.key_tx.suite)
			o.crypto[k].key = sl->lc.key_tx;
	if (sip_sdp_body_dir(&o, 1, sl->sdp_ver + 1, sl->dir_want, out, outlen) < 0)
		return 500;
	*sip_leg_local_sdp(sl) = o;
	sl->sdp_ver++;
	sl->dir_sent = sl->dir_want;
	sl->answer_in_ack = true;
	return 0;
}

static void ack_in(struct sip_leg *sl, const sip_t *m)
{
	struct media_leg_conf lc;
	char why[256];
	size_t len;
	const char *body = body_of(m, &len);

	if (!sl->answer_in_ack)
		return;
	sl->answer_in_ack = false;
	if (!body) {
		log_warn("call %llu: %s sent no answer in its ACK to our offer; media unchanged",
			 cid(sl), sl->leg.party.number);
		return;
	}
	if (sip_sdp_answered(sip_leg_local_sdp(sl), body, len, &lc, why, sizeof why) < 0) {
		log_warn("call %llu: the answer of %s in its ACK is refused: %s", cid(sl),
			 sl->leg.party.number, why);
		return;
	}
	apply(sl, &lc, sip_sdp_null_addr(body, len));
	sl->remote_ver = sip_sdp_version(body, len);
}

/* A re-INVITE or UPDATE from the leg's peer. */
static void request_in(struct sip_leg *sl, nua_event_t ev, nua_handle_t *nh, const sip_t *m)
{
	char out[2048];
	size_t len;
	const char *body = body_of(m, &len);
	int status;
	/* UPDATE is an application method (we answer it): the response names its request */
	nua_t *stack = sl->cloud ? sip.cloud : sip.local;

	if (!sl->has_media) {
		nua_respond(nh, SIP_488_NOT_ACCEPTABLE, NUTAG_WITH_CURRENT(stack), TAG_END());
		return;
	}
	if (body)
		status = offer_in(sl, body, len, out, sizeof out);
	else if (ev == nua_i_update)
		status = -1; /* an UPDATE without SDP only refreshes the session */
	else
		status = offer_out(sl, out, sizeof out);
	if (status > 0) {
		nua_respond(nh, status, sip_status_phrase(status), NUTAG_WITH_CURRENT(stack),
			    TAG_END());
		return;
	}
	if (status < 0) {
		nua_respond(nh, SIP_200_OK, NUTAG_WITH_CURRENT(stack),
			    TAG_IF(sl->contact[0], SIPTAG_CONTACT_STR(sl->contact)), TAG_END());
		return;
	}
	nua_respond(nh, SIP_200_OK, NUTAG_WITH_CURRENT(stack),
		    TAG_IF(sl->contact[0], SIPTAG_CONTACT_STR(sl->contact)),
		    SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(out), TAG_END());
}

bool sip_dialog_event(struct sip_leg *sl, nua_event_t ev, int status, const char *phrase,
		      nua_handle_t *nh, const sip_t *m, tagi_t tags[])
{
	(void)tags;
	switch (ev) {
	case nua_i_invite: /* the first INVITE never reaches a leg: this is a re-INVITE */
	case nua_i_update:
		if (sl->released || sl->ended) {
			nua_respond(nh, SIP_481_NO_TRANSACTION,
				    NUTAG_WITH_CURRENT(sl->cloud ? sip.cloud : sip.local),
				    TAG_END());
			return true;
		}
		request_in(sl, ev, nh, m);
		return true;
	case nua_i_ack: ack_in(sl, m); return true;
	case nua_r_invite:
		if (sl->reinvite_pending) {
			reinvite_answered(sl, status, phrase, m);
			return true;
		}
		if (!sl->answered)
			return false; /* the answer to the first INVITE: sip_call.c */
		sip_timer_refreshed(sl, "re-INVITE", status, phrase, m);
		return true;
	case nua_r_update: sip_timer_refreshed(sl, "UPDATE", status, phrase, m); return true;
	default: return false;
	}
}

void sip_dialog_reoffer(struct sip_leg *sl)
{
	sl->reoffer = true;
	reinvite(sl);
}

void sip_dialog_free(struct sip_leg *sl)
{
	sip_timer_free(sl);
	if (sl->retry) {
		su_timer_destroy(sl->retry);
		sl->retry = NULL;
	}
}
