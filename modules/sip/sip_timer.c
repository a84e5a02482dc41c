/* sip_timer.c: session refresh (RFC 4028) of call legs: UPDATE only toward a peer whose Allow lists
 * it, else re-INVITE (ours, with our SDP); a refresh refused with anything but 408 or 481 keeps
 * the call (section 10), and 408/481 end it with cause 102 and a BYE. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_wait.h>
#include <sofia-sip/url.h>

#define SB_MODULE "sip"
#include "sip_call.h"
#include "sip_priv.h"

static unsigned long long cid(const struct sip_leg *sl)
{
	return sl->leg.call ? (unsigned long long)sb_call_id(sl->leg.call) : 0ULL;
}

/* Where a BYE of our own would go: the peer's Contact and the route set (RFC 3261 12.1: the
 * Record-Route of the INVITE in order, of the 2xx reversed), as Route header values. */
static void remember_route(struct sip_leg *sl, const sip_t *m, bool response)
{
	const sip_record_route_t *rr[16];
	size_t n = 0, off = 0;
	char u[256];

	sl->target[0] = sl->route[0] = '\0';
	if (m && m->sip_contact)
		url_e(sl->target, sizeof sl->target, m->sip_contact->m_url);
	for (const sip_record_route_t *r = m ? m->sip_record_route : NULL; r && n < 16;
	     r = r->r_next)
		rr[n++] = r;
	for (size_t i = 0; i < n; i++) {
		const sip_record_route_t *r = rr[response ? n - 1 - i : i];
		if (url_e(u, sizeof u, r->r_url) < 0)
			continue;
		int w = snprintf(sl->route + off, sizeof sl->route - off, "%s<%s>", off ? "," : "",
				 u);
		if (w < 0 || (size_t)w >= sizeof sl->route - off) {
			sl->route[off] = '\0';
			break;
		}
		off += (size_t)w;
	}
}

/* What the peer's request or answer says: whether it takes UPDATE, the interval, and whether we
 * are the refresher. */
static void peer_says(struct sip_leg *sl, const sip_t *m, bool response)
{
	const sip_session_expires_t *x = m ? m->sip_session_expires : NULL;
	unsigned ours = sip.sc ? (unsigned)sip.sc->session_interval : 1800;

	remember_route(sl, m, response);
	sl->peer_update =
		m && m->sip_allow && sip_is_allowed(m->sip_allow, sip_method_update, NULL);
	sl->refresh_s = x && x->x_delta && x->x_delta < ours ? (unsigned)x->x_delta : ours;
	if (response) {
		/* a 2xx without Session-Expires: the peer has no timer, nua refreshes (as UAC) */
		sl->refresher = !x || !x->x_refresher || strcasecmp(x->x_refresher, "uac") == 0;
	} else {
		/* an INVITE: we refresh when it asks us to, or when its sender cannot */
		bool timer = m && sip_has_supported(m->sip_supported, "timer");
		sl->refresher =
			(x && x->x_refresher && strcasecmp(x->x_refresher, "uas") == 0) || !timer;
	}
	/* nua refreshes on its own at half the interval: by re-INVITE where UPDATE is not allowed */
	if (sl->nh && !sl->peer_update)
		nua_set_hparams(sl->nh, NUTAG_UPDATE_REFRESH(0), TAG_END());
}

static void refresh_cb(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
	struct sip_leg *sl = (struct sip_leg *)arg;

	(void)magic;
	(void)t;
	if (sl->ended || sl->released || !sl->answered)
		return;
	log_debug("call %llu: session refresh (re-INVITE) toward %s", cid(sl),
		  sl->leg.party.number);
	sl->refreshing = true;
	sip_dialog_reoffer(sl);
	sip_timer_arm(sl);
}

/* Our own re-INVITE a third of the interval after the last one: before nua's (at half), whose
 * re-INVITE would carry no SDP on a dialog we did not start. */
void sip_timer_arm(struct sip_leg *sl)
{
	if (!sl->refresher || sl->peer_update || !sl->refresh_s || sl->ended || sl->released)
		return;
	if (!sl->refresh)
		sl->refresh = su_timer_create(su_root_task(sip_loop_root()), 0);
	if (!sl->refresh || su_timer_set_interval(sl->refresh, refresh_cb, (su_timer_arg_t *)sl,
						  sl->refresh_s * 1000 / 3) < 0)
		log_warn("call %llu: no session refresh toward %s can be scheduled", cid(sl),
			 sl->leg.party.number);
}

void sip_timer_request(struct sip_leg *sl, const sip_t *m)
{
	peer_says(sl, m, false);
}

void sip_timer_answered(struct sip_leg *sl, const sip_t *m)
{
	peer_says(sl, m, true);
	sip_timer_arm(sl);
	log_debug("call %llu: %s %s UPDATE; session refresh every %u s by %s", cid(sl),
		  sl->leg.party.number, sl->peer_update ? "allows" : "does not allow",
		  sl->refresh_s,
		  !sl->refresher    ? "the peer"
		  : sl->peer_update ? "UPDATE"
				    : "re-INVITE");
}

/* The handles of our own BYEs carry this as their magic: their answer only frees them. */
static char bye_magic;

bool sip_timer_bye_event(nua_event_t ev, int status, nua_handle_t *nh, nua_hmagic_t *hm)
{
	if (hm != (nua_hmagic_t *)&bye_magic)
		return false;
	if (ev == nua_r_method && status >= 200) {
		log_debug("the BYE after a failed session refresh was answered %d", status);
		nua_handle_destroy(nh);
	}
	return true;
}

/* A 408 or 481 to an in-dialog request makes sofia-sip 1.12 end the dialog at once (RFC 5057's
 * "terminate usage", sip_response_terminates_dialog), with no BYE, and nua_bye() then has no
 * dialog to send it in. RFC 4028 section 10 asks for one: sent here on a handle of our own, with
 * the dialog's Call-ID, tags and a CSeq above the refused request's, to the peer's Contact along
 * the route set. Without an answer from the peer (nua's own 408 for a transaction that timed
 * out) there are no headers to build it from, and the peer did not answer anyway. */
static void bye_after(struct sip_leg *sl, const sip_t *m, int status)
{
	nua_t *nua = sl->cloud ? sip.cloud : sip.local;
	nua_handle_t *nh;
	char cseq[32], reason[80];

	if (!sl->answered || sl->ended || !nua || !sl->target[0] || !m || !m->sip_call_id ||
	    !m->sip_from || !m->sip_to || !m->sip_to->a_tag || !m->sip_cseq) {
		log_info("call %llu: no BYE to %s after the refresh's %d (no answer of the peer "
			 "to build it from)",
			 cid(sl), sl->leg.party.number, status);
		return;
	}
	if (!(nh = nua_handle(nua, (nua_hmagic_t *)&bye_magic, TAG_END())))
		return;
	snprintf(cseq, sizeof cseq, "%u BYE", (unsigned)(m->sip_cseq->cs_seq + 1));
	snprintf(reason, sizeof reason, "SIP;cause=%d;text=\"Session refresh failed\"", status);
	nua_method(nh, NUTAG_METHOD("BYE"), NUTAG_URL(sl->target),
		   SIPTAG_CALL_ID(m->sip_call_id), SIPTAG_FROM(m->sip_from), SIPTAG_TO(m->sip_to),
		   SIPTAG_CSEQ_STR(cseq), TAG_IF(sl->route[0], SIPTAG_ROUTE_STR(sl->route)),
		   SIPTAG_REASON_STR(reason), TAG_END());
	sl->bye_sent = true;
	log_info("call %llu: BYE sent to %s after the session refresh's %d", cid(sl),
		 sl->leg.party.number, status);
}

/* The answer to a session refresh, nua's (UPDATE or re-INVITE) or ours (re-INVITE). true when
 * the call goes on. */
bool sip_timer_refreshed(struct sip_leg *sl, const char *how, int status, const char *phrase,
			 const sip_t *m)
{
	sl->refreshing = false;
	if (status < 300) {
		log_debug("call %llu: session refreshed toward %s (%s)", cid(sl),
			  sl->leg.party.number, how);
		return true;
	}
	if (status == 491 || status == 422)
		return true; /* tried again (491) or with the larger Min-SE (422) */
	if (sl->released || sl->ended)
		return true;
	if (status == 408 || status == 481) {
		/* RFC 4028 section 10: the session is gone (481) or unreachable (408) */
		log_warn("call %llu: session refresh (%s) toward %s failed: %d %s; ending the call "
			 "(cause 102)",
			 cid(sl), how, sl->leg.party.number, status, phrase);
		bye_after(sl, m, status);
		sip_leg_end(sl, 102);
		return false;
	}
	if (strcmp(how, "UPDATE") == 0 && (status == 501 || status == 405) && sl->peer_update) {
		/* it listed UPDATE but refuses it: re-INVITE from now on */
		sl->peer_update = false;
		nua_set_hparams(sl->nh, NUTAG_UPDATE_REFRESH(0), TAG_END());
		sip_timer_arm(sl);
	}
	log_notice("call %llu: session refresh (%s) toward %s refused: %d %s; the call goes on "
		   "(RFC 4028: only 408 or 481 end it)",
		   cid(sl), how, sl->leg.party.number, status, phrase);
	return true;
}

void sip_timer_free(struct sip_leg *sl)
{
	if (sl->refresh) {
		su_timer_destroy(sl->refresh);
		sl->refresh = NULL;
	}
}
