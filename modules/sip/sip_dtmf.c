/* sip_dtmf.c: digits carried by SIP INFO and the `dtmf` setting of link cards. A link with
 * dtmf = "info" gets the other side's digits as INFO (application/dtmf-relay, Signal= and
 * Duration=) instead of in its stream; "inband" gets no telephone-event, so the engine plays
 * them as tones. An INFO digit from a link or a station becomes a digit of its leg for the core,
 * which sends it to the other side (RFC 4733 where that side takes events). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>

#define SB_MODULE "sip"
#include "cards.h"
#include "sip_call.h"
#include "sip_priv.h"

#define INFO_DURATION_MS 100

static const char digits[] = "0123456789*#ABCD";

void sip_dtmf_sdp(const struct sip_leg *sl, struct media_sdp_media *sdp, struct media_leg_conf *lc)
{
	if (sl->dtmf == CARD_LINK_DTMF_INBAND) {
		if (sdp)
			sdp->ndtmf = 0;
		if (lc)
			lc->dtmf_pt = -1;
	}
	if (lc)
		lc->dtmf_by_signalling = sl->dtmf == CARD_LINK_DTMF_INFO;
}

bool sip_dtmf_info_out(struct sip_leg *sl, char digit)
{
	char body[64];

	if (sl->dtmf != CARD_LINK_DTMF_INFO)
		return false;
	if (!sl->nh || sl->ended || sl->released || !sl->answered) {
		log_warn("digit %c for %s dropped: its dialog is not up", digit,
			 sl->leg.party.number);
		return true;
	}
	snprintf(body, sizeof body, "Signal=%c\r\nDuration=%d\r\n", digit, INFO_DURATION_MS);
	nua_info(sl->nh, SIPTAG_CONTENT_TYPE_STR("application/dtmf-relay"),
		 SIPTAG_PAYLOAD_STR(body), TAG_END());
	log_debug("call %llu: digit %c sent to %s as SIP INFO",
		  sl->leg.call ? (unsigned long long)sb_call_id(sl->leg.call) : 0ULL, digit,
		  sl->leg.party.number);
	return true;
}

static const char *party(const struct sb_leg *l)
{
	return l ? (l->party.number[0] ? l->party.number : l->owner) : "?";
}

void sip_dtmf_log_out(const struct sip_leg *sl, const struct media_leg_conf *lc, char digit)
{
	char h[96];

	log_info("call %llu: digit %c from outside the media to %s %s",
		 sl->leg.call ? (unsigned long long)sb_call_id(sl->leg.call) : 0ULL, digit,
		 party(&sl->leg), media_leg_dtmf_how(lc, h, sizeof h));
}

int sip_dtmf_parse(const char *ctype, const char *body, size_t len, char *digit)
{
	char buf[256];
	const char *p;

	if (!ctype || !body || !len || len >= sizeof buf)
		return -EINVAL;
	memcpy(buf, body, len);
	buf[len] = '\0';
	if (strcasecmp(ctype, "application/dtmf-relay") == 0) {
		/* RFC-less but universal: "Signal=5\r\nDuration=160\r\n" */
		for (p = buf; (p = strcasestr(p, "signal")); p++) {
			if (p != buf && p[-1] != '\n')
				continue;
			p += 6;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p++ != '=')
				return -EINVAL;
			while (*p == ' ' || *p == '\t')
				p++;
			break;
		}
		if (!p)
			return -EINVAL;
	} else if (strcasecmp(ctype, "application/dtmf") == 0) {
		for (p = buf; *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'; p++)
			;
	} else {
		return -ENOTSUP;
	}
	char c = (char)toupper((unsigned char)*p);
	if (!c || !strchr(digits, c))
		return -EINVAL;
	/* the digit must stand alone on its line */
	if (p[1] && p[1] != '\r' && p[1] != '\n' && p[1] != ' ' && p[1] != '\t')
		return -EINVAL;
	*digit = c;
	return 0;
}

bool sip_dtmf_event(struct sip_leg *sl, nua_event_t ev, nua_handle_t *nh, const sip_t *m)
{
	char digit;
	int rc;

	if (ev == nua_r_info) {
		if (sl && nh && m && m->sip_status && m->sip_status->st_status >= 300)
			log_warn("call %llu: %s refused our INFO digit: %d",
				 sl->leg.call ? (unsigned long long)sb_call_id(sl->leg.call) : 0ULL,
				 sl->leg.party.number, m->sip_status->st_status);
		return true;
	}
	if (ev != nua_i_info)
		return false;
	/* INFO is an application method: nua waits for our answer, which names its request */
	nua_t *nua = sl && sl->cloud ? sip.cloud : sip.local;
	rc = sip_dtmf_parse(m && m->sip_content_type ? m->sip_content_type->c_type : NULL,
			    m && m->sip_payload ? m->sip_payload->pl_data : NULL,
			    m && m->sip_payload ? m->sip_payload->pl_len : 0, &digit);
	if (rc == -ENOTSUP) {
		nua_respond(nh, SIP_415_UNSUPPORTED_MEDIA, NUTAG_WITH_CURRENT(nua),
			    SIPTAG_ACCEPT_STR("application/dtmf-relay, application/dtmf"),
			    TAG_END());
		return true;
	}
	if (rc < 0) {
		nua_respond(nh, SIP_400_BAD_REQUEST, NUTAG_WITH_CURRENT(nua), TAG_END());
		return true;
	}
	nua_respond(nh, SIP_200_OK, NUTAG_WITH_CURRENT(nua), TAG_END());
	if (sl->released || !sl->leg.call || !sl->answered) {
		log_info("digit %c by INFO from %s outside an answered call: ignored", digit,
			 sl->leg.party.number);
		return true;
	}
	log_info("call %llu: digit %c by SIP INFO from %s",
		 (unsigned long long)sb_call_id(sl->leg.call), digit, sl->leg.party.number);
	sb_leg_dtmf(&sl->leg, digit);
	return true;
}
