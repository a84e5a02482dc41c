/* media_ep.c: a leg's media endpoint as the call core knows it (struct sb_media_ep: a B-channel,
 * or RTP with a reserved local port) as one side of a session, and the SDP of an RTP endpoint
 * for its signalling owner: the local stream to write, the peer's to read. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#define SB_MODULE "media"
#include "symbridge.h"

#include "media.h"

static int tdm_conf(struct media_leg_conf *lc, const struct sb_media_ep *ep)
{
	enum media_codec codec;

	if (media_codec_find(ep->codec, 8000, &codec) < 0 ||
	    (codec != MEDIA_PCMA && codec != MEDIA_PCMU))
		return -ENOTSUP;
	lc->codec = codec;
	lc->pt = (uint8_t)media_codec_info(codec)->static_pt;
	lc->dtmf_pt = -1; /* digits travel in band (and as keypad digits on the D-channel) */
	lc->ptime = 20;
	lc->tdm = true;
	lc->tdm_fd = ep->fd;
	lc->tdm_event = ep->fd_event;
	return 0;
}

static int addr_parse(const char *text, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (!text[0])
		return 0; /* not known yet: latching learns it */
	if (strchr(text, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		return inet_pton(AF_INET6, text, &s6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	return inet_pton(AF_INET, text, &s4->sin_addr) == 1 ? 0 : -EINVAL;
}

static int rtp_conf(struct media_leg_conf *lc, const struct sb_media_ep *ep)
{
	enum media_codec codec;
	int rc;

	if (media_codec_find(ep->codec, ep->clock, &codec) < 0)
		return -ENOTSUP;
	lc->codec = codec;
	lc->pt = ep->pt;
	lc->dtmf_pt = ep->dtmf_pt >= 0 && ep->dtmf_pt < 128 ? ep->dtmf_pt : -1;
	lc->ptime = ep->ptime ? ep->ptime : MEDIA_PTIME_DEFAULT;
	if (!media_codec_ptime_ok(codec, lc->ptime))
		return -EINVAL;
	if ((rc = addr_parse(ep->remote_addr, ep->remote_port, &lc->remote)) < 0)
		return rc;
	lc->latch = ep->latch;
	lc->dtmf_by_signalling = ep->dtmf_by_signalling;
	lc->rsv = ep->port;
	if (ep->srtp_suite[0]) {
		enum media_srtp_suite s;
		if (media_srtp_suite_find(ep->srtp_suite, strlen(ep->srtp_suite), &s) < 0)
			return -ENOTSUP;
		lc->srtp = true;
		lc->key_tx.suite = lc->key_rx.suite = s;
		memcpy(lc->key_tx.key, ep->key_tx, MEDIA_SRTP_KEY_LEN);
		memcpy(lc->key_rx.key, ep->key_rx, MEDIA_SRTP_KEY_LEN);
	}
	return 0;
}

int media_conf_from_ep(struct media_leg_conf *lc, const struct sb_media_ep *ep)
{
	memset(lc, 0, sizeof *lc);
	lc->tdm_fd = -1;
	switch (ep->kind) {
	case SB_MEDIA_TDM: return tdm_conf(lc, ep);
	case SB_MEDIA_RTP: return rtp_conf(lc, ep);
	default: return -ENOTSUP;
	}
}

int media_ep_from_conf(struct sb_media_ep *ep, const struct media_leg_conf *lc)
{
	const struct media_codec_info *ci = media_codec_info(lc->codec);

	memset(ep, 0, sizeof *ep);
	ep->fd = -1;
	if (lc->tdm) {
		ep->kind = SB_MEDIA_TDM;
		snprintf(ep->codec, sizeof ep->codec, "%s", ci->name);
		ep->fd = lc->tdm_fd;
		ep->fd_event = lc->tdm_event;
		return 0;
	}
	ep->kind = SB_MEDIA_RTP;
	snprintf(ep->codec, sizeof ep->codec, "%s", ci->name);
	ep->clock = ci->rtp_clock;
	ep->pt = lc->pt;
	ep->dtmf_pt = lc->dtmf_pt;
	ep->ptime = lc->ptime;
	ep->latch = lc->latch;
	ep->dtmf_by_signalling = lc->dtmf_by_signalling;
	ep->port = lc->rsv;
	if (lc->remote.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&lc->remote;
		inet_ntop(AF_INET, &s4->sin_addr, ep->remote_addr, sizeof ep->remote_addr);
		ep->remote_port = ntohs(s4->sin_port);
	} else if (lc->remote.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&lc->remote;
		inet_ntop(AF_INET6, &s6->sin6_addr, ep->remote_addr, sizeof ep->remote_addr);
		ep->remote_port = ntohs(s6->sin6_port);
	}
	if (lc->srtp) {
		const char *n = media_srtp_suite_name(lc->key_tx.suite);
		if (!n || lc->key_rx.suite != lc->key_tx.suite)
			return -ENOTSUP; /* SDES: one suite both ways */
		snprintf(ep->srtp_suite, sizeof ep->srtp_suite, "%s", n);
		memcpy(ep->key_tx, lc->key_tx.key, MEDIA_SRTP_KEY_LEN);
		memcpy(ep->key_rx, lc->key_rx.key, MEDIA_SRTP_KEY_LEN);
	}
	return 0;
}

/* ---- the SDP of an RTP endpoint ---- */

int media_ep_sdp_write(const struct sb_media_ep *ep, const char *addr, unsigned crypto_tag,
		       char *buf, size_t len)
{
	struct media_leg_conf lc;
	struct media_sdp_media m = { 0 };
	int rc;

	if (ep->kind != SB_MEDIA_RTP || !media_port_number(ep->port))
		return -EINVAL;
	if ((rc = rtp_conf(&lc, ep)) < 0)
		return rc;
	snprintf(m.addr, sizeof m.addr, "%s", addr);
	m.port = media_port_number(ep->port);
	m.codecs[0] = (struct media_sdp_codec){ .codec = lc.codec, .pt = lc.pt };
	m.ncodecs = 1;
	if (lc.dtmf_pt >= 0) {
		m.dtmf[0] = (struct media_sdp_dtmf){ .pt = (uint8_t)lc.dtmf_pt, .clock = ep->clock };
		m.ndtmf = 1;
	}
	m.ptime = lc.ptime;
	if (lc.srtp) {
		m.srtp = true;
		m.crypto[0] = (struct media_sdp_crypto){ .tag = crypto_tag ? crypto_tag : 1,
							 .key = lc.key_tx };
		m.ncrypto = 1;
	}
	return media_sdp_write(&m, buf, len);
}

int media_ep_sdp_read(struct sb_media_ep *ep, const char *sdp, size_t len)
{
	struct media_sdp_media m;
	int rc, dpt;

	if ((rc = media_sdp_parse(sdp, len, &m)) < 0)
		return rc;
	const struct media_codec_info *ci = media_codec_info(m.codecs[0].codec);
	ep->kind = SB_MEDIA_RTP;
	snprintf(ep->remote_addr, sizeof ep->remote_addr, "%s", m.addr);
	ep->remote_port = m.port;
	snprintf(ep->codec, sizeof ep->codec, "%s", ci->name);
	ep->clock = ci->rtp_clock;
	ep->pt = m.codecs[0].pt;
	dpt = media_sdp_dtmf_pt(&m, m.codecs[0].codec);
	ep->dtmf_pt = dpt;
	ep->ptime = m.ptime;
	ep->srtp_suite[0] = '\0';
	if (!m.srtp)
		return 0;
	if (!m.ncrypto)
		return -ENOTSUP; /* RTP/SAVP without a key we take */
	snprintf(ep->srtp_suite, sizeof ep->srtp_suite, "%s",
		 media_srtp_suite_name(m.crypto[0].key.suite));
	memcpy(ep->key_rx, m.crypto[0].key.key, MEDIA_SRTP_KEY_LEN);
	return 0;
}
