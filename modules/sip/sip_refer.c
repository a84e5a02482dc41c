/* sip_refer.c: call transfer by REFER (RFC 3515, RFC 5589): a REFER in an answered call asks the
 * call core to put a new leg toward the Refer-To in the transferor's place, and its progress
 * goes back to the transferor as NOTIFYs with message/sipfrag bodies. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>

#define SB_MODULE "sip"
#include "sip_call.h"
#include "sip_priv.h"
#include "sip_refer.h"

/* %XX decoding of a URI header value (RFC 3261 section 19.1.1): -EINVAL on a bad escape. */
static int unescape(const char *s, size_t n, char *out, size_t outl)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) ||
			    !isxdigit((unsigned char)s[i + 2]))
				return -EINVAL;
			char hex[3] = { s[i + 1], s[i + 2], 0 };
			c = (int)strtol(hex, NULL, 16);
			i += 2;
		}
		if (c == 0 || o + 1 >= outl)
			return -EINVAL;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/* A tag parameter of a Replaces value ("to-tag=..."), copied into out. */
static int replaces_param(const char *v, const char *name, char *out, size_t outl)
{
	size_t nl = strlen(name);

	for (const char *p = strchr(v, ';'); p; p = strchr(p + 1, ';')) {
		const char *q = p + 1;
		while (*q == ' ')
			q++;
		if (strncasecmp(q, name, nl) != 0 || q[nl] != '=')
			continue;
		q += nl + 1;
		size_t l = strcspn(q, ";");
		if (l == 0 || l >= outl)
			return -EINVAL;
		memcpy(out, q, l);
		out[l] = '\0';
		return 0;
	}
	return -EINVAL;
}

int sip_refer_parse(const char *user, const char *headers, struct sip_refer *r)
{
	size_t n;

	memset(r, 0, sizeof *r);
	if (!user || !*user)
		return -EINVAL;
	/* the user part must be a number the routing knows: digits, and * # + as dialled */
	n = strlen(user);
	if (n > SB_NUMBER_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)user[i]) && !strchr("*#+", user[i]))
			return -EINVAL;
	memcpy(r->number, user, n + 1);
	if (!headers || !*headers)
		return 0;
	/* ?Replaces=CALLID%3Bto-tag%3DX%3Bfrom-tag%3DY&other=... (RFC 3891 section 6.1) */
	for (const char *h = headers; h && *h; h = strchr(h, '&') ? strchr(h, '&') + 1 : NULL) {
		size_t l = strcspn(h, "&");
		if (l < 9 || strncasecmp(h, "Replaces=", 9) != 0)
			continue;
		char v[512];
		if (unescape(h + 9, l - 9, v, sizeof v) < 0)
			return -EINVAL;
		size_t cl = strcspn(v, ";");
		if (cl == 0 || cl >= sizeof r->call_id)
			return -EINVAL;
		memcpy(r->call_id, v, cl);
		r->call_id[cl] = '\0';
		if (replaces_param(v, "to-tag", r->to_tag, sizeof r->to_tag) < 0 ||
		    replaces_param(v, "from-tag", r->from_tag, sizeof r->from_tag) < 0)
			return -EINVAL;
		r->replaces = true;
	}
	return 0;
}

/* ---- the transferee's side: what the REFER sets going --------------------------------------- */

static unsigned long long cid(const struct sip_leg *sl)
{
	return sl->leg.call ? (unsigned long long)sb_call_id(sl->leg.call) : 0ULL;
}

static void notify(struct sip_leg *sl, int status, const char *phrase, bool final)
{
	char frag[96];

	if (!sl->nh || sl->ended)
		return;
	snprintf(frag, sizeof frag, "SIP/2.0 %d %s\r\n", status, phrase);
	nua_notify(sl->nh, SIPTAG_EVENT_STR(sl->xfer_event),
		   SIPTAG_CONTENT_TYPE_STR("message/sipfrag;version=2.0"),
		   NUTAG_SUBSTATE(final ? nua_substate_terminated : nua_substate_active),
		   TAG_IF(final, SIPTAG_SUBSCRIPTION_STATE_STR("terminated;reason=noresource")),
		   SIPTAG_PAYLOAD_STR(frag), TAG_END());
}

/* The call core says how the transfer went: the final NOTIFY. On success the core hangs the
 * transferor's leg up right after (BYE), as RFC 5589 section 6.1 lets the transferee do. */
static void transfer_cb(void *arg, int q850)
{
	struct sip_leg *sl = arg;
	int status = q850 ? sb_q850_to_sip(q850) : 200;

	if (status == 0)
		status = 480;
	sl->xfer = false;
	log_info("call %llu: transfer asked by %s %s (NOTIFY %d)", cid(sl), sl->leg.party.number,
		 q850 ? "failed" : "succeeded", status);
	notify(sl, status, sip_status_phrase(status), true);
}

static void refer_event(struct sip_leg *sl, tagi_t tags[])
{
	sip_event_t const *ev = NULL;

	tl_gets(tags, NUTAG_REFER_EVENT_REF(ev), TAG_END());
	if (ev && ev->o_type)
		snprintf(sl->xfer_event, sizeof sl->xfer_event, "%s%s%s", ev->o_type,
			 ev->o_id ? ";id=" : "", ev->o_id ? ev->o_id : "");
	else
		snprintf(sl->xfer_event, sizeof sl->xfer_event, "refer");
}

/* Attended transfer (RFC 5589 section 7): the transferor holds this call and another one through
 * us, whose dialog the Replaces names; the two other parties are joined and both of the
 * transferor's dialogs end. */
static void attended(struct sip_leg *sl, nua_handle_t *nh, const struct sip_refer *r, tagi_t tags[])
{
	nua_t *nua = sl->cloud ? sip.cloud : sip.local;
	struct sip_leg *t2 = sip_leg_by_call_id(r->call_id);
	struct sb_leg *r1 = sb_leg_peer(&sl->leg), *r2 = t2 ? sb_leg_peer(&t2->leg) : NULL;
	const char *why = NULL;
	int rc;

	if (!t2 || t2 == sl || !t2->leg.call || t2->leg.call == sl->leg.call)
		why = "no other call of ours has that dialog";
	else if (!r1 || !r2)
		why = "a call is not answered";
	else if (sb_call_transferor(sl->leg.call) || sb_call_transferor(t2->leg.call))
		why = "a transfer is already on";
	else if (strcmp(r2->owner, "sip") != 0 || ((struct sip_leg *)r2->priv)->incoming)
		why = "the other party's leg cannot move (only calls we placed over SIP can)";
	if (why) {
		log_warn("call %llu: REFER from %s replacing call-id %s refused (403): %s", cid(sl),
			 sl->leg.party.number, r->call_id, why);
		nua_respond(nh, SIP_403_FORBIDDEN, NUTAG_WITH_CURRENT(nua), TAG_END());
		return;
	}
	refer_event(sl, tags);
	nua_respond(nh, SIP_202_ACCEPTED, NUTAG_WITH_CURRENT(nua), TAG_END());
	notify(sl, SIP_100_TRYING, false);
	if ((rc = sip_call_move_media(r2->priv, sl)) < 0) {
		log_warn(
			"call %llu: attended transfer from %s failed: the media of %s cannot move: "
			"%s",
			cid(sl), sl->leg.party.number, r2->party.number, strerror(-rc));
		notify(sl, SIP_500_INTERNAL_SERVER_ERROR, true);
		return;
	}
	log_info("call %llu: %s joins %s with %s of call %llu (attended transfer)", cid(sl),
		 sl->leg.party.number, r1->party.number, r2->party.number, cid(t2));
	notify(sl, SIP_200_OK, true);
	sb_call_join(sl->leg.call, &sl->leg, t2->leg.call, &t2->leg);
}

static void refer_in(struct sip_leg *sl, nua_handle_t *nh, const sip_t *m, tagi_t tags[])
{
	nua_t *nua = sl->cloud ? sip.cloud : sip.local;
	const sip_refer_to_t *rt = m ? m->sip_refer_to : NULL;
	struct sip_refer r;
	int q850 = 0, rc, status;

	if (!sl->answered || sl->released || sl->ended || !sl->leg.call) {
		nua_respond(nh, SIP_481_NO_TRANSACTION, NUTAG_WITH_CURRENT(nua), TAG_END());
		return;
	}
	if (!rt || !rt->r_url->url_user ||
	    sip_refer_parse(rt->r_url->url_user, rt->r_url->url_headers, &r) < 0) {
		log_warn("call %llu: REFER from %s with a Refer-To we cannot read: 400", cid(sl),
			 sl->leg.party.number);
		nua_respond(nh, SIP_400_BAD_REQUEST, NUTAG_WITH_CURRENT(nua), TAG_END());
		return;
	}
	if (r.replaces) {
		attended(sl, nh, &r, tags);
		return;
	}
	rc = sb_call_transfer(sl->leg.call, &sl->leg, r.number, transfer_cb, sl, &q850);
	if (rc < 0) {
		status = rc == -EBUSY ? 491 : 403;
		log_warn("call %llu: REFER from %s to %s refused (%d): %s (cause %d)", cid(sl),
			 sl->leg.party.number, r.number, status,
			 rc == -ENOENT  ? "no channel has that number"
			 : rc == -EBUSY ? "a transfer is already on"
					: "nothing could be rung there",
			 q850);
		nua_respond(nh, status, sip_status_phrase(status), NUTAG_WITH_CURRENT(nua),
			    TAG_END());
		return;
	}
	refer_event(sl, tags);
	sl->xfer = true;
	nua_respond(nh, SIP_202_ACCEPTED, NUTAG_WITH_CURRENT(nua), TAG_END());
	notify(sl, SIP_100_TRYING, false);
}

bool sip_refer_event(struct sip_leg *sl, nua_event_t ev, int status, nua_handle_t *nh,
		     const sip_t *m, tagi_t tags[])
{
	switch (ev) {
	case nua_i_refer: refer_in(sl, nh, m, tags); return true;
	case nua_r_notify:
		if (status >= 300)
			log_info("call %llu: NOTIFY to %s answered %d", cid(sl),
				 sl->leg.party.number, status);
		return true;
	default: return false;
	}
}
