/* test_media_resample.c: the 8 <-> 16 kHz filter passes the voice band and removes images and aliases. */
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

/* run a whole signal through in frames of 160 input samples */
static size_t run(struct media_resampler *r, const int16_t *in, size_t n, int16_t *out, size_t max)
{
	size_t got = 0;

	for (size_t off = 0; off + 160 <= n; off += 160) {
		int k = media_resample(r, in + off, 160, out + got, max - got);
		assert_true(k > 0);
		got += (size_t)k;
	}
	return got;
}

static void test_up_passband_and_images(void **state)
{
	struct media_resampler *r;
	int16_t in[8000], out[16000];

	assert_int_equal(media_resampler_alloc(&r, 8000, 16000), 0);
	for (double f = 300; f <= 3400; f += 300) {
		ta_tone(in, 8000, f, 8000, TA_AMP);
		assert_int_equal(run(r, in, 8000, out, 16000), 16000);
		double p = ta_goertzel(out + 1600, 14400, f, 16000);
		double image = ta_goertzel(out + 1600, 14400, 8000 - f, 16000);
		double db = 10 * log10(p / (TA_AMP * TA_AMP / 2));
		double img_db = 10 * log10(image / p + 1e-30);
		print_message("# up %.0f Hz: gain %.2f dB, image at %.0f Hz %.1f dB\n", f, db,
			      8000 - f, img_db);
		assert_true(fabs(db) < 0.5); /* flat voice band */
		assert_true(img_db < -60.0); /* zero-stuffing images removed */
	}
	media_resampler_free(r);
}

static void test_down_passband_and_aliases(void **state)
{
	struct media_resampler *r;
	int16_t in[16000], out[8000];

	assert_int_equal(media_resampler_alloc(&r, 16000, 8000), 0);
	for (double f = 300; f <= 3400; f += 300) {
		ta_tone(in, 16000, f, 16000, TA_AMP);
		assert_int_equal(run(r, in, 16000, out, 8000), 8000);
		double db =
			10 * log10(ta_goertzel(out + 800, 7200, f, 8000) / (TA_AMP * TA_AMP / 2));
		assert_true(fabs(db) < 0.5);
	}
	/* above 4.2 kHz nothing may fold back into the band */
	for (double f = 4200; f <= 7800; f += 400) {
		ta_tone(in, 16000, f, 16000, TA_AMP);
		run(r, in, 16000, out, 8000);
		double db = 10 * log10(ta_power(out + 800, 7200) / (TA_AMP * TA_AMP / 2) + 1e-30);
		print_message("# down %.0f Hz: residue %.1f dB\n", f, db);
		assert_true(db < -60.0);
	}
	media_resampler_free(r);
}

static void test_round_trip_delay(void **state)
{
	struct media_resampler *up, *down;
	int16_t in[8000], mid[16000], out[8000];
	size_t lag;

	assert_int_equal(media_resampler_alloc(&up, 8000, 16000), 0);
	assert_int_equal(media_resampler_alloc(&down, 16000, 8000), 0);
	ta_sweep(in, 8000, 300, 3400, 8000, TA_AMP);
	run(up, in, 8000, mid, 16000);
	run(down, mid, 16000, out, 8000);
	double snr = ta_snr(in + 400, out + 400, 7000, 100, &lag);
	print_message("# up+down sweep: SNR %.1f dB, delay %zu samples at 8 kHz\n", snr, lag);
	assert_true(snr > 40.0);
	/* each direction delays by 47.5 samples at 16 kHz */
	assert_in_range(lag, 2 * media_resample_delay(8000), 2 * media_resample_delay(8000) + 1);
	media_resampler_free(up);
	media_resampler_free(down);
}

static void test_bad_args(void **state)
{
	struct media_resampler *r;
	int16_t buf[4000];

	assert_int_equal(media_resampler_alloc(&r, 8000, 48000), -EINVAL);
	assert_int_equal(media_resampler_alloc(&r, 16000, 8000), 0);
	assert_int_equal(media_resample(r, buf, 161, buf, 4000), -EINVAL); /* odd */
	assert_int_equal(media_resample(r, buf, MEDIA_MAX_SAMPLES + 2, buf, 4000), -EINVAL);
	assert_int_equal(media_resample(r, buf, 160, buf, 10), -EINVAL); /* no room */
	media_resampler_free(r);
	media_resampler_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_up_passband_and_images),
		cmocka_unit_test(test_down_passband_and_aliases),
		cmocka_unit_test(test_round_trip_delay),
		cmocka_unit_test(test_bad_args),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
