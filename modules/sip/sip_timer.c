/* sip_timer.c: session refresh (RFC 4028) of call legs: UPDATE only toward a peer whose Allow lists
 * it, else re-INVITE (ours, with our SDP); a refresh refused with anything but 408 or 481 keeps
 * the call (section 10), and 408/481 end it with cause 102. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_wait.h>

#define SB_MODULE "sip"
#include "sip_call.h"
#include "sip_priv.h"

static unsigned long long cid(const struct sip_leg *sl)
{
	return sl->leg.call ? (unsigned long long)sb_call_id(sl->leg.call) : 0ULL;
}

/* What the peer's request or answer says: whether it takes UPDATE, the interval, and whether we
 * are the refresher. */
static void peer_says(struct sip_leg *sl, const sip_t *m, bool response)
{
	const sip_session_expires_t *x = m ? m->sip_session_expires : NULL;
	unsigned ours = sip.sc ? (unsigned)sip.sc->session_interval : 1800;

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

/* The answer to a session refresh, nua's (UPDATE or re-INVITE) or ours (re-INVITE). true when
 * the call goes on. */
bool sip_timer_refreshed(struct sip_leg *sl, const char *how, int status, const char *phrase)
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
