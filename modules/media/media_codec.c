/* media_codec.c: G.711, G.722 and Opus encoders and decoders through spandsp and libopus. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include <opus.h>
#include <spandsp.h>

#include "media.h"

static const struct media_codec_info codecs[MEDIA_CODEC_COUNT] = {
	[MEDIA_PCMU] = { MEDIA_PCMU, "PCMU", 8000, 8000, 0, 0, 1 },
	[MEDIA_PCMA] = { MEDIA_PCMA, "PCMA", 8000, 8000, 8, 0, 1 },
	[MEDIA_G722] = { MEDIA_G722, "G722", 8000, 16000, 9, 0, 2 },
	[MEDIA_OPUS] = { MEDIA_OPUS, "opus", 48000, 16000, -1, 2, 3 },
};

const struct media_codec_info *media_codec_info(enum media_codec c)
{
	return (unsigned)c < MEDIA_CODEC_COUNT ? &codecs[c] : NULL;
}

int media_codec_find(const char *name, unsigned rtp_clock, enum media_codec *cp)
{
	for (int i = 0; i < MEDIA_CODEC_COUNT; i++)
		if (strcasecmp(name, codecs[i].name) == 0 && rtp_clock == codecs[i].rtp_clock) {
			*cp = (enum media_codec)i;
			return 0;
		}
	return -ENOENT;
}

unsigned media_codec_rtp_ts(enum media_codec c, unsigned ptime_ms)
{
	const struct media_codec_info *ci = media_codec_info(c);
	/* the RTP clock, not the audio rate: G.722 advances 160 per 20 ms (RFC 3551 4.5.2) */
	return ci ? ci->rtp_clock / 1000 * ptime_ms : 0;
}

bool media_ptime_valid(unsigned ptime_ms)
{
	return ptime_ms >= MEDIA_PTIME_MIN && ptime_ms <= MEDIA_PTIME_MAX && ptime_ms % 10 == 0;
}

bool media_codec_ptime_ok(enum media_codec c, unsigned ptime_ms)
{
	/* an Opus packet of 30 or 50 ms would need 10 ms frames of one TOC joined (RFC 6716
	 * code 3), which the encoder does not guarantee while it settles its bandwidth */
	if (c == MEDIA_OPUS)
		return ptime_ms == 10 || ptime_ms == 20 || ptime_ms == 40 || ptime_ms == 60;
	return media_ptime_valid(ptime_ms);
}

/* Opus: complexity 3 costs about a fifth of the default 10 at 16 kHz mono speech and still
 * scores well above G.722 (measured in tests/bench/media-limit, see README). */
#define MEDIA_OPUS_COMPLEXITY 3
#define MEDIA_OPUS_BITRATE    24000
#define MEDIA_OPUS_LOSS_PERC  10

struct media_enc {
	enum media_codec codec;
	unsigned rate;
	g722_encode_state_t *g722;
	OpusEncoder *opus;
};

struct media_dec {
	enum media_codec codec;
	unsigned rate;
	g722_decode_state_t *g722;
	OpusDecoder *opus;
	plc_state_t *plc; /* G.711 and G.722: spandsp's pitch-repeating concealment */
};

static bool rate_ok(unsigned r)
{
	return r == 8000 || r == 16000;
}

int media_enc_alloc(struct media_enc **ep, enum media_codec c, unsigned pcm_rate)
{
	struct media_enc *e;
	int err = 0;

	if ((unsigned)c >= MEDIA_CODEC_COUNT || !rate_ok(pcm_rate))
		return -EINVAL;
	/* G.711 is 8 kHz only: the caller resamples */
	if ((c == MEDIA_PCMA || c == MEDIA_PCMU) && pcm_rate != 8000)
		return -EINVAL;
	if (!(e = calloc(1, sizeof *e)))
		return -ENOMEM;
	e->codec = c;
	e->rate = pcm_rate;
	switch (c) {
	case MEDIA_G722:
		e->g722 =
			g722_encode_init(NULL, 64000, pcm_rate == 8000 ? G722_SAMPLE_RATE_8000 : 0);
		if (!e->g722)
			err = -ENOMEM;
		break;
	case MEDIA_OPUS:
		e->opus = opus_encoder_create((opus_int32)pcm_rate, 1, OPUS_APPLICATION_VOIP, &err);
		if (err != OPUS_OK || !e->opus) {
			err = -ENOMEM;
			break;
		}
		opus_encoder_ctl(e->opus, OPUS_SET_COMPLEXITY(MEDIA_OPUS_COMPLEXITY));
		opus_encoder_ctl(e->opus, OPUS_SET_BITRATE(MEDIA_OPUS_BITRATE));
		opus_encoder_ctl(e->opus, OPUS_SET_INBAND_FEC(1));
		opus_encoder_ctl(e->opus, OPUS_SET_PACKET_LOSS_PERC(MEDIA_OPUS_LOSS_PERC));
		opus_encoder_ctl(e->opus, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
		opus_encoder_ctl(e->opus, OPUS_SET_MAX_BANDWIDTH(
						  pcm_rate == 16000 ? OPUS_BANDWIDTH_WIDEBAND
								    : OPUS_BANDWIDTH_NARROWBAND));
		err = 0;
		break;
	default: break;
	}
	if (err) {
		media_enc_free(e);
		return err;
	}
	*ep = e;
	return 0;
}

int media_enc_set_complexity(struct media_enc *e, int complexity)
{
	if (!e->opus || complexity < 0 || complexity > 10)
		return -EINVAL;
	return opus_encoder_ctl(e->opus, OPUS_SET_COMPLEXITY(complexity)) == OPUS_OK ? 0 : -EINVAL;
}

void media_enc_free(struct media_enc *e)
{
	if (!e)
		return;
	if (e->g722)
		g722_encode_free(e->g722);
	if (e->opus)
		opus_encoder_destroy(e->opus);
	free(e);
}

int media_enc_encode(struct media_enc *e, const int16_t *pcm, size_t n, uint8_t *out, size_t outmax)
{
	switch (e->codec) {
	case MEDIA_PCMA:
		if (n > outmax)
			return -ENOSPC;
		for (size_t i = 0; i < n; i++)
			out[i] = linear_to_alaw(pcm[i]);
		return (int)n;
	case MEDIA_PCMU:
		if (n > outmax)
			return -ENOSPC;
		for (size_t i = 0; i < n; i++)
			out[i] = linear_to_ulaw(pcm[i]);
		return (int)n;
	case MEDIA_G722:
		/* 64 kbit/s: one byte per two 16 kHz samples, one per 8 kHz sample in 8 kHz mode */
		if ((e->rate == 16000 ? n / 2 : n) > outmax)
			return -ENOSPC;
		return g722_encode(e->g722, out, pcm, (int)n);
	case MEDIA_OPUS:
		/* Opus frames are 10, 20, 40 or 60 ms (media_codec_ptime_ok) */
		n = (size_t)opus_encode(e->opus, pcm, (int)n, out, (opus_int32)outmax);
		return (int)n < 0 ? -EINVAL : (int)n;
	default: return -EINVAL;
	}
}

int media_dec_alloc(struct media_dec **dp, enum media_codec c, unsigned pcm_rate)
{
	struct media_dec *d;
	int err = 0;

	if ((unsigned)c >= MEDIA_CODEC_COUNT || !rate_ok(pcm_rate))
		return -EINVAL;
	if ((c == MEDIA_PCMA || c == MEDIA_PCMU) && pcm_rate != 8000)
		return -EINVAL;
	if (!(d = calloc(1, sizeof *d)))
		return -ENOMEM;
	d->codec = c;
	d->rate = pcm_rate;
	switch (c) {
	case MEDIA_G722:
		d->g722 =
			g722_decode_init(NULL, 64000, pcm_rate == 8000 ? G722_SAMPLE_RATE_8000 : 0);
		if (!d->g722)
			err = -ENOMEM;
		break;
	case MEDIA_OPUS:
		d->opus = opus_decoder_create((opus_int32)pcm_rate, 1, &err);
		err = err != OPUS_OK || !d->opus ? -ENOMEM : 0;
		break;
	default: break;
	}
	if (!err && c != MEDIA_OPUS && !(d->plc = plc_init(NULL)))
		err = -ENOMEM;
	if (err) {
		media_dec_free(d);
		return err;
	}
	*dp = d;
	return 0;
}

void media_dec_free(struct media_dec *d)
{
	if (!d)
		return;
	if (d->g722)
		g722_decode_free(d->g722);
	if (d->opus)
		opus_decoder_destroy(d->opus);
	if (d->plc)
		plc_free(d->plc);
	free(d);
}

int media_dec_decode(struct media_dec *d, const uint8_t *in, size_t len, int16_t *pcm,
		     size_t pcmmax)
{
	int n;

	switch (d->codec) {
	case MEDIA_PCMA:
	case MEDIA_PCMU:
		if (len > pcmmax)
			return -ENOSPC;
		for (size_t i = 0; i < len; i++)
			pcm[i] = d->codec == MEDIA_PCMA ? alaw_to_linear(in[i])
							: ulaw_to_linear(in[i]);
		n = (int)len;
		break;
	case MEDIA_G722:
		if ((d->rate == 16000 ? len * 2 : len) > pcmmax)
			return -ENOSPC;
		n = g722_decode(d->g722, pcm, in, (int)len);
		break;
	case MEDIA_OPUS:
		n = opus_decode(d->opus, in, (opus_int32)len, pcm, (int)pcmmax, 0);
		return n < 0 ? -EINVAL : n;
	default: return -EINVAL;
	}
	/* the concealer keeps a pitch history of what was received */
	plc_rx(d->plc, pcm, n);
	return n;
}

int media_dec_conceal(struct media_dec *d, const uint8_t *next, size_t nextlen, int16_t *pcm,
		      size_t n)
{
	int rc;

	if (d->codec == MEDIA_OPUS) {
		/* with the next packet at hand, its in-band FEC rebuilds the lost one */
		rc = opus_decode(d->opus, next, next ? (opus_int32)nextlen : 0, pcm, (int)n,
				 next ? 1 : 0);
		return rc < 0 ? -EINVAL : rc;
	}
	return plc_fillin(d->plc, pcm, (int)n);
}
