/* media_ops.c: the media operations the module registers with the call core: a session for the
 * legs a call joins, made from the endpoints they describe (struct sb_media_ep), and what a leg's
 * media looks like now (struct sb_leg_media, for show calls and call records). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SB_MODULE "media"
#include "symbridge.h"

#include "media.h"

void media_session_leg_media(const struct media_session *s, unsigned leg,
			     const struct media_leg_conf *lc, struct sb_leg_media *mi)
{
	struct media_leg_stats st;

	memset(mi, 0, sizeof *mi);
	snprintf(mi->codec, sizeof mi->codec, "%s", media_codec_info(lc->codec)->name);
	mi->srtp = lc->srtp;
	if (media_session_stats(s, leg, &st) == 0) {
		mi->transcoding = st.transcoding;
		mi->rx_packets = st.rx_packets;
		mi->tx_packets = st.tx_packets;
		if (lc->tdm) /* B-channel frames: no sequence numbers, nothing lost or late */
			return;
		/* the VoIP report (modules/cdr/README.md): RFC 3550 counters and the E-model */
		mi->lost = st.lost;
		mi->jitter_us = (uint32_t)(st.jitter_mean_ms * 1000);
		mi->jitter_max_us = (uint32_t)(st.jitter_max_ms * 1000);
		mi->rtt_us = (uint32_t)(st.rtt_ms * 1000);
		mi->mos_x100 = st.rx_packets ? (uint16_t)(st.mos * 100 + 0.5) : 0;
	}
}

/* ---- the operations ---- */

const char *media_leg_dtmf_how(const struct media_leg_conf *lc, char *buf, size_t n)
{
	const struct media_codec_info *ci = media_codec_info(lc->codec);

	if (lc->dtmf_by_signalling)
		snprintf(buf, n, "as SIP INFO");
	else if (lc->dtmf_pt >= 0)
		snprintf(buf, n, "as RFC 4733 (payload type %d, %s at %u Hz)", lc->dtmf_pt,
			 ci->name, ci->rtp_clock);
	else
		snprintf(buf, n, "in band (tones in %s)", ci->name);
	return buf;
}

/* A digit the session heard on one leg: the engine relayed it to the other leg itself (events,
 * tones, or nothing where that leg takes digits by signalling); the core tells the rest. */
static void session_event_cb(struct media_session *s, const struct media_event *ev, void *arg)
{
	struct media_leg_conf other;
	char how[96];

	if (ev->type != MEDIA_EV_DTMF || ev->leg > 1 || media_session_conf(s, 1 - ev->leg, &other) < 0)
		return;
	sb_call_media_digit((uint64_t)(uintptr_t)arg, ev->leg, ev->digit,
			    media_leg_dtmf_how(&other, how, sizeof how));
}

/* The session of a call from its legs' endpoints (B-channels, RTP on reserved ports). */
static int op_open(void **msp, const struct sb_media_ep ep[2], uint64_t call_id)
{
	struct media_engine *e = media_daemon_engine();
	struct media_leg_conf lc[2];
	struct media_session *s;
	int rc;

	if (!e)
		return -ENOTSUP;
	for (int i = 0; i < 2; i++)
		if ((rc = media_conf_from_ep(&lc[i], &ep[i])) < 0)
			return rc;
	rc = media_session_alloc(&s, e, lc, session_event_cb, (void *)(uintptr_t)call_id);
	if (rc < 0)
		return rc;
	media_session_set_call(s, call_id);
	log_debug("call %llu: media session %s <-> %s", (unsigned long long)call_id, ep[0].codec,
		  ep[1].codec);
	*msp = s;
	return 0;
}

static int op_dtmf(void *ms, unsigned side, char digit)
{
	return media_session_dtmf(ms, side, digit, 100);
}

static int op_update(void *ms, unsigned side, const struct sb_media_ep *ep)
{
	struct media_leg_conf lc;
	int rc;

	if ((rc = media_conf_from_ep(&lc, ep)) < 0)
		return rc;
	return media_session_update(ms, side, &lc);
}

static int op_info(void *ms, unsigned side, struct sb_leg_media *mi)
{
	struct media_leg_conf lc;

	if (media_session_conf(ms, side, &lc) < 0)
		return -ENOENT;
	media_session_leg_media(ms, side, &lc, mi);
	return 0;
}

static void op_close(void *ms)
{
	media_session_destroy(ms);
}

const struct sb_media_ops media_call_ops = {
	.name = "media",
	.open = op_open,
	.update = op_update,
	.info = op_info,
	.dtmf = op_dtmf,
	.close = op_close,
};
