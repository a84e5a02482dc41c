/* sip_sdp.c: offer/answer of SIP calls with the media engine: what we offer each side, what we
 * answer, and the media leg settings (codec, keys, peer address) both turn into. Pure: no SIP
 * stack, no session; tested in tests/unit/test_sip_sdp.c. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_sdp.h"

/* telephone-event payload types: one per RTP clock of the codecs offered (RFC 4733 2.1) */
#define DTMF_PT_8000  101
#define DTMF_PT_48000 102

/* Toward the cloud: cloud.codecs in its order (default G.722, then A-law: the data sheet's
 * bridge devices use G.722). Toward local parties: every codec the engine has, by audio
 * bandwidth. */
static enum media_codec cloud_codecs[MEDIA_CODEC_COUNT] = { MEDIA_G722, MEDIA_PCMA };
static size_t ncloud = 2;
static const enum media_codec local_codecs[] = { MEDIA_OPUS, MEDIA_G722, MEDIA_PCMA, MEDIA_PCMU };

void sip_sdp_cloud_codecs(const enum media_codec *cs, size_t n)
{
	ncloud = 0;
	for (size_t i = 0; i < n && ncloud < MEDIA_CODEC_COUNT; i++)
		if (cs[i] < MEDIA_CODEC_COUNT)
			cloud_codecs[ncloud++] = cs[i];
}

static const enum media_codec *codecs_for(bool cloud, size_t *n)
{
	*n = cloud ? ncloud : sizeof local_codecs / sizeof *local_codecs;
	return cloud ? cloud_codecs : local_codecs;
}

/* one telephone-event per clock among the codecs of m */
static void dtmf_for(struct media_sdp_media *m)
{
	m->ndtmf = 0;
	for (size_t i = 0; i < m->ncodecs; i++) {
		unsigned clock = media_codec_info(m->codecs[i].codec)->rtp_clock;
		bool have = false;
		for (size_t k = 0; k < m->ndtmf; k++)
			have |= m->dtmf[k].clock == clock;
		if (!have && m->ndtmf < MEDIA_SDP_MAX_DTMF)
			m->dtmf[m->ndtmf++] = (struct media_sdp_dtmf){
				.pt = clock == 48000 ? DTMF_PT_48000 : DTMF_PT_8000, .clock = clock
			};
	}
}
static const enum media_srtp_suite suites[] = { MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80,
						MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32 };

static uint8_t codec_pt(enum media_codec c)
{
	const struct media_codec_info *ci = media_codec_info(c);
	return ci->static_pt >= 0 ? (uint8_t)ci->static_pt : 111; /* Opus: dynamic */
}

int sip_sdp_remote(const struct media_sdp_media *m, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (strchr(m->addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(m->port);
		return inet_pton(AF_INET6, m->addr, &s6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(m->port);
	return inet_pton(AF_INET, m->addr, &s4->sin_addr) == 1 ? 0 : -EINVAL;
}

int sip_sdp_body(const struct media_sdp_media *m, uint64_t version, char *buf, size_t len)
{
	int n = snprintf(buf, len,
			 "v=0\r\no=symbridge %llu %llu IN %s %s\r\ns=symbridge\r\nt=0 0\r\n",
			 (unsigned long long)version, (unsigned long long)version,
			 strchr(m->addr, ':') ? "IP6" : "IP4", m->addr);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	int w = media_sdp_write(m, buf + n, len - (size_t)n);
	return w < 0 ? w : n + w;
}

int sip_sdp_offer(bool cloud, enum media_codec first, const char *addr, uint16_t port,
		  struct media_sdp_media *offer)
{
	size_t n;
	const enum media_codec *cs = codecs_for(cloud, &n);
	int rc;

	memset(offer, 0, sizeof *offer);
	snprintf(offer->addr, sizeof offer->addr, "%s", addr);
	offer->port = port;
	/* the other leg's codec first, when this side may have it: pass-through wins (RFC 3264
	 * 5.1: the answerer should use the first codec it supports) */
	for (size_t i = 0; i < n; i++)
		if (cs[i] == first)
			offer->codecs[offer->ncodecs++] =
				(struct media_sdp_codec){ .codec = first, .pt = codec_pt(first) };
	for (size_t i = 0; i < n; i++)
		if (cs[i] != first)
			offer->codecs[offer->ncodecs++] =
				(struct media_sdp_codec){ .codec = cs[i], .pt = codec_pt(cs[i]) };
	dtmf_for(offer);
	offer->ptime = 20;
	if (!cloud)
		return 0;
	/* the cloud always gets SRTP: both suites, a key of its own each (RFC 4568) */
	offer->srtp = true;
	for (size_t i = 0; i < sizeof suites / sizeof *suites; i++) {
		offer->crypto[i].tag = (unsigned)i + 1;
		if ((rc = media_srtp_key_new(&offer->crypto[i].key, suites[i])) < 0)
			return rc;
		offer->ncrypto++;
	}
	return 0;
}

/* The telephone-event of m to use with codec c: the one at c's clock; else, when m has events at
 * another clock only (some Opus peers list telephone-event/8000 alone), that one, so that digits
 * still go as events the peer said it takes. -1: none. */
static int dtmf_with(const struct media_sdp_media *m, enum media_codec c, unsigned *clock)
{
	int pt = media_sdp_dtmf_pt(m, c);

	*clock = media_codec_info(c)->rtp_clock;
	if (pt >= 0 || !m->ndtmf)
		return pt;
	*clock = m->dtmf[0].clock;
	return m->dtmf[0].pt;
}

/* The offer's codec we answer with: toward the cloud the first of cloud.codecs it has, toward
 * local parties the best by audio bandwidth. */
static int pick_codec(const struct media_sdp_media *offer, bool cloud, struct media_sdp_codec *out)
{
	size_t n;
	const enum media_codec *cs = codecs_for(cloud, &n);

	if (!cloud)
		return media_sdp_pick_codec(offer, cs, n, out);
	for (size_t j = 0; j < n; j++)
		for (size_t i = 0; i < offer->ncodecs; i++)
			if (offer->codecs[i].codec == cs[j]) {
				*out = offer->codecs[i];
				return 0;
			}
	return -ENOENT;
}

int sip_sdp_answer(const char *sdp, size_t len, bool cloud, const char *addr, uint16_t port,
		   struct media_leg_conf *lc, struct media_sdp_media *answer, char *why, size_t wl)
{
	struct media_sdp_media offer;
	struct media_sdp_codec pick;
	unsigned dclock;
	int rc;

	if (!sdp || !len) {
		snprintf(why, wl, "no SDP offer");
		return -EINVAL;
	}
	if ((rc = media_sdp_parse(sdp, len, &offer)) < 0) {
		snprintf(why, wl, "%s",
			 rc == -ENOENT ? "no audio codec in common" : "malformed SDP");
		return rc;
	}
	if (cloud && !offer.srtp) {
		snprintf(why, wl,
			 "the cloud offered plain RTP (SRTP is required toward the cloud)");
		return -EPROTO;
	}
	if (pick_codec(&offer, cloud, &pick) < 0) {
		snprintf(why, wl, "no audio codec in common");
		return -ENOENT;
	}
	memset(lc, 0, sizeof *lc);
	memset(answer, 0, sizeof *answer);
	lc->codec = pick.codec;
	lc->pt = pick.pt;
	lc->dtmf_pt = dtmf_with(&offer, pick.codec, &dclock);
	lc->ptime = offer.ptime && media_codec_ptime_ok(pick.codec, offer.ptime) ? offer.ptime : 20;
	lc->latch = true;
	if (sip_sdp_remote(&offer, &lc->remote) < 0) {
		snprintf(why, wl, "the offer's address %s is not an IP address", offer.addr);
		return -EINVAL;
	}
	snprintf(answer->addr, sizeof answer->addr, "%s", addr);
	answer->port = port;
	answer->codecs[0] = pick;
	answer->ncodecs = 1;
	if (lc->dtmf_pt >= 0) {
		answer->dtmf[0] =
			(struct media_sdp_dtmf){ .pt = (uint8_t)lc->dtmf_pt, .clock = dclock };
		answer->ndtmf = 1;
	}
	answer->ptime = lc->ptime;
	if (offer.srtp) {
		struct media_sdp_crypto c;
		if ((rc = media_sdp_pick_crypto(&offer, suites, sizeof suites / sizeof *suites, &c,
						why, wl)) < 0)
			return rc;
		lc->srtp = answer->srtp = true;
		lc->key_rx = c.key;
		if ((rc = media_srtp_key_new(&lc->key_tx, c.key.suite)) < 0)
			return rc;
		answer->crypto[0] = (struct media_sdp_crypto){ .tag = c.tag, .key = lc->key_tx };
		answer->ncrypto = 1;
	}
	return 0;
}

enum media_codec sip_sdp_first(const struct media_sdp_media *a_offer, bool cloud,
			       enum media_codec current)
{
	size_t n;
	const enum media_codec *cs = codecs_for(cloud, &n);

	if (!cloud || !a_offer)
		return current;
	for (size_t j = 0; j < n; j++)
		for (size_t i = 0; i < a_offer->ncodecs; i++)
			if (a_offer->codecs[i].codec == cs[j])
				return cs[j];
	return current;
}

int sip_sdp_rematch(const struct media_sdp_media *offer, bool cloud, enum media_codec c,
		    struct media_leg_conf *lc, struct media_sdp_media *answer)
{
	size_t n;
	const enum media_codec *cs = codecs_for(cloud, &n);
	const struct media_sdp_codec *pick = NULL;
	bool allowed = false;
	unsigned dclock;

	if (c == lc->codec)
		return 0;
	for (size_t j = 0; j < n; j++)
		allowed |= cs[j] == c;
	for (size_t i = 0; i < offer->ncodecs && !pick; i++)
		if (offer->codecs[i].codec == c)
			pick = &offer->codecs[i];
	if (!allowed || !pick)
		return -ENOENT;
	lc->codec = c;
	lc->pt = pick->pt;
	lc->dtmf_pt = dtmf_with(offer, c, &dclock);
	lc->ptime = offer->ptime && media_codec_ptime_ok(c, offer->ptime) ? offer->ptime : 20;
	answer->codecs[0] = *pick;
	answer->ncodecs = 1;
	answer->ndtmf = 0;
	if (lc->dtmf_pt >= 0) {
		answer->dtmf[0] =
			(struct media_sdp_dtmf){ .pt = (uint8_t)lc->dtmf_pt, .clock = dclock };
		answer->ndtmf = 1;
	}
	answer->ptime = lc->ptime;
	return 1;
}

int sip_sdp_answered(const struct media_sdp_media *offer, const char *sdp, size_t len,
		     struct media_leg_conf *lc, char *why, size_t wl)
{
	struct media_sdp_media ans;
	int rc;

	if (!sdp || !len) {
		snprintf(why, wl, "the answer has no SDP");
		return -EINVAL;
	}
	if ((rc = media_sdp_parse(sdp, len, &ans)) < 0) {
		snprintf(why, wl, "%s",
			 rc == -ENOENT ? "no audio codec we know in the answer"
				       : "malformed SDP in the answer");
		return rc;
	}
	if (offer->srtp && !ans.srtp) {
		snprintf(why, wl, "the answer has plain RTP where SRTP was offered (refused)");
		return -EPROTO;
	}
	memset(lc, 0, sizeof *lc);
	/* the answer's first codec that we offered */
	bool found = false;
	for (size_t i = 0; i < ans.ncodecs && !found; i++)
		for (size_t j = 0; j < offer->ncodecs && !found; j++)
			if (ans.codecs[i].codec == offer->codecs[j].codec) {
				lc->codec = ans.codecs[i].codec;
				lc->pt = ans.codecs[i].pt;
				found = true;
			}
	if (!found) {
		snprintf(why, wl, "the answer's codecs are none of those offered");
		return -ENOENT;
	}
	/* events only at a clock we offered them at */
	unsigned dclock;
	lc->dtmf_pt = dtmf_with(&ans, lc->codec, &dclock);
	bool offered = false;
	for (size_t i = 0; i < offer->ndtmf; i++)
		offered |= offer->dtmf[i].clock == dclock;
	if (!offered)
		lc->dtmf_pt = -1;
	lc->ptime = ans.ptime && media_codec_ptime_ok(lc->codec, ans.ptime) ? ans.ptime : 20;
	lc->latch = true;
	if (sip_sdp_remote(&ans, &lc->remote) < 0) {
		snprintf(why, wl, "the answer's address %s is not an IP address", ans.addr);
		return -EINVAL;
	}
	if (!offer->srtp)
		return 0;
	for (size_t i = 0; i < ans.ncrypto; i++)
		for (size_t j = 0; j < offer->ncrypto; j++)
			if (ans.crypto[i].tag == offer->crypto[j].tag &&
			    ans.crypto[i].key.suite == offer->crypto[j].key.suite) {
				lc->srtp = true;
				lc->key_tx = offer->crypto[j].key;
				lc->key_rx = ans.crypto[i].key;
				return 0;
			}
	snprintf(why, wl, "the answer's a=crypto matches none of the suites offered%s%s",
		 ans.ncrypto_refused ? ": " : "", ans.refused);
	return -ENOTSUP;
}
