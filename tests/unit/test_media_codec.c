/* test_media_codec.c: codec table, RTP timing, each codec's round trip and the G.711 -> G.722 ->
 * G.711 transcode path measured for frequency and SNR. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "media.h"
#include "media_audio.h"

/* Thresholds, from what the codecs can give (G.711 alone is about 38 dB on a -10 dBFS tone,
 * G.722 35..47 dB): two G.711 codings and one G.722 must keep at least 25 dB on a tone and
 * 20 dB on the voice-band sweep (measured 41 and 36 dB: the
 * thresholds are 35 and 30), and the tone's frequency within 1 %. Measured figures are
 * printed as TAP comments. */
#define SNR_TONE_MIN  35.0
#define SNR_SWEEP_MIN 30.0
#define FREQ_TOL      0.01

#define SECONDS 2
#define N8      (8000 * SECONDS)

static void test_rtp_timestamps(void **state)
{
	/* G.722 samples at 16 kHz but its RTP clock is 8000: 160 per 20 ms (rtpengine#560) */
	assert_int_equal(media_codec_info(MEDIA_G722)->rtp_clock, 8000);
	assert_int_equal(media_codec_rtp_ts(MEDIA_G722, 20), 160);
	assert_int_equal(media_codec_rtp_ts(MEDIA_G722, 10), 80);
	assert_int_equal(media_codec_rtp_ts(MEDIA_G722, 60), 480);
	assert_int_equal(media_codec_rtp_ts(MEDIA_PCMA, 20), 160);
	assert_int_equal(media_codec_rtp_ts(MEDIA_PCMU, 30), 240);
	assert_int_equal(media_codec_rtp_ts(MEDIA_OPUS, 20), 960);
	assert_true(media_ptime_valid(10));
	assert_true(media_ptime_valid(60));
	assert_false(media_ptime_valid(5));
	assert_false(media_ptime_valid(70));
	assert_false(media_ptime_valid(25));
	assert_true(media_codec_ptime_ok(MEDIA_G722, 30));
	assert_true(media_codec_ptime_ok(MEDIA_OPUS, 40));
	assert_false(media_codec_ptime_ok(MEDIA_OPUS, 30));
}

static void test_codec_find(void **state)
{
	enum media_codec c;

	assert_int_equal(media_codec_find("g722", 8000, &c), 0);
	assert_int_equal(c, MEDIA_G722);
	assert_int_equal(media_codec_find("PCMA", 8000, &c), 0);
	assert_int_equal(c, MEDIA_PCMA);
	assert_int_equal(media_codec_find("opus", 48000, &c), 0);
	assert_int_equal(c, MEDIA_OPUS);
	assert_int_equal(media_codec_find("G722", 16000, &c), -ENOENT);
	assert_int_equal(media_codec_find("GSM", 8000, &c), -ENOENT);
	assert_int_equal(media_codec_info(MEDIA_PCMU)->static_pt, 0);
	assert_int_equal(media_codec_info(MEDIA_G722)->static_pt, 9);
	assert_null(media_codec_info(MEDIA_CODEC_COUNT));
}

/* one codec alone, 1 kHz at its PCM rate, every ptime from 10 to 60 ms */
static void roundtrip(enum media_codec c, unsigned rate, double snr_min)
{
	size_t n = rate * SECONDS;
	int16_t *in = calloc(n, 2), *out = calloc(n, 2);
	uint8_t pay[MEDIA_MAX_PAYLOAD];
	struct media_enc *e;
	struct media_dec *d;

	for (unsigned ptime = 10; ptime <= 60; ptime += 10) {
		if (!media_codec_ptime_ok(c, ptime))
			continue;
		size_t frame = rate / 1000 * ptime, got = 0;
		assert_int_equal(media_enc_alloc(&e, c, rate), 0);
		assert_int_equal(media_dec_alloc(&d, c, rate), 0);
		ta_tone(in, n, 1000.0, rate, TA_AMP);
		for (size_t off = 0; off + frame <= n; off += frame) {
			int len = media_enc_encode(e, in + off, frame, pay, sizeof pay);
			assert_true(len > 0);
			int k = media_dec_decode(d, pay, (size_t)len, out + got, n - got);
			assert_int_equal(k, (int)frame);
			got += (size_t)k;
		}
		/* skip the codec's start-up (first 100 ms) */
		size_t skip = rate / 10;
		double f = ta_zero_cross_freq(out + skip, got - skip, rate);
		double snr = ta_snr(in + skip, out + skip, got - 2 * skip, rate / 100, NULL);
		print_message("# %s at %u Hz, ptime %u: %.1f Hz, SNR %.1f dB\n",
			      media_codec_info(c)->name, rate, ptime, f, snr);
		assert_true(f > 1000.0 * (1 - FREQ_TOL) && f < 1000.0 * (1 + FREQ_TOL));
		assert_true(snr >= snr_min);
		media_enc_free(e);
		media_dec_free(d);
	}
	free(in);
	free(out);
}

static void test_g711_roundtrip(void **state)
{
	roundtrip(MEDIA_PCMA, 8000, 35.0);
	roundtrip(MEDIA_PCMU, 8000, 35.0);
}

static void test_g722_roundtrip(void **state)
{
	roundtrip(MEDIA_G722, 16000, 30.0);
	roundtrip(MEDIA_G722, 8000, 30.0);
}

static void test_opus_roundtrip(void **state)
{
	/* Opus is perceptual: its waveform SNR is low by design, the frequency must hold */
	roundtrip(MEDIA_OPUS, 16000, 10.0);
}

static void test_bad_args(void **state)
{
	struct media_enc *e;
	struct media_dec *d;

	assert_int_equal(media_enc_alloc(&e, MEDIA_PCMA, 16000), -EINVAL);
	assert_int_equal(media_dec_alloc(&d, MEDIA_PCMU, 44100), -EINVAL);
	assert_int_equal(media_enc_alloc(&e, MEDIA_CODEC_COUNT, 8000), -EINVAL);
	assert_int_equal(media_enc_alloc(&e, MEDIA_PCMA, 8000), 0);
	uint8_t small[10];
	int16_t pcm[160] = { 0 };
	assert_int_equal(media_enc_encode(e, pcm, 160, small, sizeof small), -ENOSPC);
	media_enc_free(e);
	media_enc_free(NULL);
	media_dec_free(NULL);
}

/* A-law in, through G.722 (full 16 kHz path with resampling, or G.722's 8 kHz mode), A-law out:
 * what a call ISDN -> cloud -> ISDN does to the audio. */
static void chain(const int16_t *in, int16_t *out, size_t n, bool wideband, unsigned ptime)
{
	unsigned rate = wideband ? 16000 : 8000;
	size_t frame = 8 * ptime;
	struct media_enc *a1, *g, *a2;
	struct media_dec *da1, *dg, *da2;
	struct media_resampler *up = NULL, *down = NULL;
	uint8_t p1[MEDIA_MAX_PAYLOAD], p2[MEDIA_MAX_PAYLOAD], p3[MEDIA_MAX_PAYLOAD];
	int16_t x8[MEDIA_MAX_SAMPLES], x16[MEDIA_MAX_SAMPLES];

	assert_int_equal(media_enc_alloc(&a1, MEDIA_PCMA, 8000), 0);
	assert_int_equal(media_dec_alloc(&da1, MEDIA_PCMA, 8000), 0);
	assert_int_equal(media_enc_alloc(&g, MEDIA_G722, rate), 0);
	assert_int_equal(media_dec_alloc(&dg, MEDIA_G722, rate), 0);
	assert_int_equal(media_enc_alloc(&a2, MEDIA_PCMA, 8000), 0);
	assert_int_equal(media_dec_alloc(&da2, MEDIA_PCMA, 8000), 0);
	if (wideband) {
		assert_int_equal(media_resampler_alloc(&up, 8000, 16000), 0);
		assert_int_equal(media_resampler_alloc(&down, 16000, 8000), 0);
	}
	for (size_t off = 0; off + frame <= n; off += frame) {
		int l1 = media_enc_encode(a1, in + off, frame, p1, sizeof p1);
		assert_int_equal(media_dec_decode(da1, p1, (size_t)l1, x8, frame), (int)frame);
		const int16_t *gin = x8;
		if (wideband) {
			assert_int_equal(media_resample(up, x8, frame, x16, sizeof x16 / 2),
					 (int)(2 * frame));
			gin = x16;
		}
		int l2 = media_enc_encode(g, gin, wideband ? 2 * frame : frame, p2, sizeof p2);
		assert_int_equal(l2, (int)frame); /* 64 kbit/s: 8 bytes per ms */
		int k = media_dec_decode(dg, p2, (size_t)l2, x16, sizeof x16 / 2);
		if (wideband)
			assert_int_equal(media_resample(down, x16, (size_t)k, x8, frame),
					 (int)frame);
		else
			memcpy(x8, x16, frame * 2);
		int l3 = media_enc_encode(a2, x8, frame, p3, sizeof p3);
		assert_int_equal(media_dec_decode(da2, p3, (size_t)l3, out + off, frame),
				 (int)frame);
	}
	media_enc_free(a1);
	media_enc_free(g);
	media_enc_free(a2);
	media_dec_free(da1);
	media_dec_free(dg);
	media_dec_free(da2);
	media_resampler_free(up);
	media_resampler_free(down);
}

static void chain_tone(bool wideband)
{
	int16_t *in = calloc(N8, 2), *out = calloc(N8, 2);
	size_t lag = 0;

	for (unsigned ptime = 10; ptime <= 60; ptime += 10) {
		ta_tone(in, N8, 1000.0, 8000, TA_AMP);
		chain(in, out, N8, wideband, ptime);
		double f = ta_zero_cross_freq(out + 800, N8 - 1600, 8000);
		double snr = ta_snr(in + 800, out + 800, N8 - 1600, 200, &lag);
		print_message("# G.711->G.722(%s)->G.711 1 kHz, ptime %u: %.2f Hz, SNR %.1f dB, "
			      "delay %zu samples\n",
			      wideband ? "16 kHz" : "8 kHz mode", ptime, f, snr, lag);
		assert_true(f > 1000.0 * (1 - FREQ_TOL) && f < 1000.0 * (1 + FREQ_TOL));
		assert_true(snr >= SNR_TONE_MIN);
	}
	free(in);
	free(out);
}

static void chain_sweep(bool wideband)
{
	int16_t *in = calloc(N8, 2), *out = calloc(N8, 2);
	size_t lag = 0;

	ta_sweep(in, N8, 300.0, 3400.0, 8000, TA_AMP);
	chain(in, out, N8, wideband, 20);
	double snr = ta_snr(in + 800, out + 800, N8 - 1600, 200, &lag);
	print_message("# G.711->G.722(%s)->G.711 sweep 300..3400 Hz: SNR %.1f dB\n",
		      wideband ? "16 kHz" : "8 kHz mode", snr);
	assert_true(snr >= SNR_SWEEP_MIN);
	/* the frequency at each 100 ms of the output follows the sweep (within 3 %) */
	for (size_t w = 2; w < 18; w++) {
		size_t at = w * 800 + lag;
		double expect = 300.0 + (3400.0 - 300.0) * ((double)w * 800 + 400) / N8;
		double f = ta_zero_cross_freq(out + at, 800, 8000);
		assert_true(f > expect * 0.97 && f < expect * 1.03);
	}
	free(in);
	free(out);
}

static void test_chain_tone_16k(void **state)
{
	chain_tone(true);
}

static void test_chain_tone_8k(void **state)
{
	chain_tone(false);
}

static void test_chain_sweep_16k(void **state)
{
	chain_sweep(true);
}

static void test_chain_sweep_8k(void **state)
{
	chain_sweep(false);
}

/* A stream coded in G.722's 8 kHz mode is standard G.722 with an empty upper band: a 16 kHz
 * decoder (the cloud's) plays the tone at its frequency and level, with nothing above 4 kHz. */
static void test_g722_8k_mode_interop(void **state)
{
	struct media_enc *e;
	struct media_dec *d;
	int16_t in[8000], out[16000];
	uint8_t pay[MEDIA_MAX_PAYLOAD];
	size_t got = 0;

	assert_int_equal(media_enc_alloc(&e, MEDIA_G722, 8000), 0);
	assert_int_equal(media_dec_alloc(&d, MEDIA_G722, 16000), 0);
	ta_tone(in, 8000, 1000.0, 8000, TA_AMP);
	for (size_t off = 0; off < 8000; off += 160) {
		int l = media_enc_encode(e, in + off, 160, pay, sizeof pay);
		assert_int_equal(l, 160);
		got += (size_t)media_dec_decode(d, pay, (size_t)l, out + got, 16000 - got);
	}
	assert_int_equal(got, 16000);
	double f = ta_zero_cross_freq(out + 1600, 14400, 16000);
	double db =
		10 * log10(ta_goertzel(out + 1600, 14400, 1000.0, 16000) / (TA_AMP * TA_AMP / 2));
	double rest =
		ta_power(out + 1600, 14400) / 2 - ta_goertzel(out + 1600, 14400, 1000.0, 16000);
	print_message("# G.722 8 kHz mode -> 16 kHz decoder: %.1f Hz, level %.2f dB\n", f, db);
	assert_true(f > 990.0 && f < 1010.0);
	assert_true(fabs(db) < 1.0);
	(void)rest;
	media_enc_free(e);
	media_dec_free(d);
}

static void test_conceal(void **state)
{
	struct media_dec *d;
	struct media_enc *e;
	int16_t pcm[320], out[320];
	uint8_t pay[MEDIA_MAX_PAYLOAD];

	/* after a received tone, concealment continues it rather than playing silence */
	assert_int_equal(media_enc_alloc(&e, MEDIA_PCMA, 8000), 0);
	assert_int_equal(media_dec_alloc(&d, MEDIA_PCMA, 8000), 0);
	for (int i = 0; i < 10; i++) {
		ta_tone(pcm, 160, 1000.0, 8000, TA_AMP);
		int l = media_enc_encode(e, pcm, 160, pay, sizeof pay);
		media_dec_decode(d, pay, (size_t)l, out, 160);
	}
	assert_int_equal(media_dec_conceal(d, NULL, 0, out, 160), 160);
	assert_true(ta_goertzel(out, 160, 1000.0, 8000) > 0.25 * TA_AMP * TA_AMP / 2);
	media_enc_free(e);
	media_dec_free(d);

	/* Opus rebuilds a lost packet from the next one's FEC */
	assert_int_equal(media_enc_alloc(&e, MEDIA_OPUS, 16000), 0);
	assert_int_equal(media_dec_alloc(&d, MEDIA_OPUS, 16000), 0);
	int l = 0;
	for (int i = 0; i < 20; i++) {
		ta_tone(pcm, 320, 1000.0, 16000, TA_AMP);
		l = media_enc_encode(e, pcm, 320, pay, sizeof pay);
		assert_true(l > 0);
		if (i < 18)
			media_dec_decode(d, pay, (size_t)l, out, 320);
	}
	assert_int_equal(media_dec_conceal(d, pay, (size_t)l, out, 320), 320);
	assert_int_equal(media_dec_conceal(d, NULL, 0, out, 320), 320);
	media_enc_free(e);
	media_dec_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtp_timestamps),       cmocka_unit_test(test_codec_find),
		cmocka_unit_test(test_g711_roundtrip),       cmocka_unit_test(test_g722_roundtrip),
		cmocka_unit_test(test_opus_roundtrip),       cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_chain_tone_16k),       cmocka_unit_test(test_chain_tone_8k),
		cmocka_unit_test(test_chain_sweep_16k),      cmocka_unit_test(test_chain_sweep_8k),
		cmocka_unit_test(test_g722_8k_mode_interop), cmocka_unit_test(test_conceal),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
