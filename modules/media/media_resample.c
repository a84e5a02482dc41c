/* media_resample.c: 8 kHz <-> 16 kHz conversion with a polyphase windowed-sinc (Kaiser) FIR. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "media.h"

/* One linear-phase low-pass at 16 kHz serves both directions: cutoff 3.8 kHz, 96 taps, Kaiser
 * beta 7 (about 70 dB stop band). Its transition band (~3.45..4.15 kHz) keeps the whole telephone
 * band (300..3400 Hz) flat and removes the images above 4 kHz that zero-stuffing creates, and the
 * aliases a 16 kHz signal would fold below 4 kHz. Cost: 48 multiply-adds per 16 kHz sample up,
 * 96 per 8 kHz sample down; delay 47.5 samples at 16 kHz (3 ms) each way. See README.md. */
#define RS_TAPS   96
#define RS_PHASE  (RS_TAPS / 2)
#define RS_CUTOFF 3800.0
#define RS_RATE   16000.0
#define RS_BETA   7.0

static float rs_h[RS_TAPS];      /* the prototype, DC gain 1 */
static float rs_up[2][RS_PHASE]; /* polyphase branches of 2*h, reversed for a forward dot product */
static float rs_down[RS_TAPS];   /* h reversed */
static bool rs_ready;

struct media_resampler {
	bool up;
	/* input history followed by room for one frame, so the filter reads one flat array */
	float buf[RS_TAPS + MEDIA_MAX_SAMPLES];
};

/* zeroth-order modified Bessel function of the first kind, for the Kaiser window */
static double bessel_i0(double x)
{
	double sum = 1.0, term = 1.0;

	for (int k = 1; k < 50; k++) {
		term *= (x / (2.0 * k)) * (x / (2.0 * k));
		sum += term;
		if (term < 1e-12 * sum)
			break;
	}
	return sum;
}

static void rs_design(void)
{
	double sum = 0.0, fc = RS_CUTOFF / RS_RATE, mid = (RS_TAPS - 1) / 2.0;

	if (rs_ready)
		return;
	for (int k = 0; k < RS_TAPS; k++) {
		double t = k - mid, r = t / mid;
		double sinc = 2.0 * fc *
			      (t == 0.0 ? 1.0 : sin(2.0 * M_PI * fc * t) / (2.0 * M_PI * fc * t));
		double w = bessel_i0(RS_BETA * sqrt(1.0 - r * r)) / bessel_i0(RS_BETA);
		rs_h[k] = (float)(sinc * w);
		sum += rs_h[k];
	}
	for (int k = 0; k < RS_TAPS; k++)
		rs_h[k] = (float)(rs_h[k] / sum);
	for (int j = 0; j < RS_PHASE; j++) {
		rs_up[0][RS_PHASE - 1 - j] = 2.0f * rs_h[2 * j];
		rs_up[1][RS_PHASE - 1 - j] = 2.0f * rs_h[2 * j + 1];
	}
	for (int k = 0; k < RS_TAPS; k++)
		rs_down[RS_TAPS - 1 - k] = rs_h[k];
	rs_ready = true;
}

int media_resampler_alloc(struct media_resampler **rp, unsigned from, unsigned to)
{
	struct media_resampler *r;

	if (!((from == 8000 && to == 16000) || (from == 16000 && to == 8000)))
		return -EINVAL;
	rs_design();
	if (!(r = calloc(1, sizeof *r)))
		return -ENOMEM;
	r->up = to > from;
	*rp = r;
	return 0;
}

void media_resampler_free(struct media_resampler *r)
{
	free(r);
}

static inline int16_t clip16(float v)
{
	v = v >= 0.0f ? v + 0.5f : v - 0.5f;
	if (v > 32767.0f)
		return 32767;
	if (v < -32768.0f)
		return -32768;
	return (int16_t)v;
}

static inline float dot(const float *a, const float *b, int n)
{
	float s = 0.0f;

	for (int i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

int media_resample(struct media_resampler *r, const int16_t *in, size_t n, int16_t *out,
		   size_t outmax)
{
	/* the history is the last RS_PHASE (up) or RS_TAPS (down) input samples */
	size_t hist = r->up ? RS_PHASE : RS_TAPS, start = RS_TAPS - hist;
	float *x = r->buf + start;

	if (n > MEDIA_MAX_SAMPLES || (r->up ? 2 * n : n / 2) > outmax || (!r->up && n % 2))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		x[hist + i] = in[i];
	if (r->up) {
		/* output 2m+p sums x[m-j] * 2h[2j+p]: x[m - RS_PHASE + 1 .. m] against a reversed branch */
		for (size_t m = 0; m < n; m++) {
			const float *w = x + m + 1;
			out[2 * m] = clip16(dot(w, rs_up[0], RS_PHASE));
			out[2 * m + 1] = clip16(dot(w, rs_up[1], RS_PHASE));
		}
	} else {
		for (size_t m = 0; m < n / 2; m++)
			out[m] = clip16(dot(x + 2 * m + 2, rs_down, RS_TAPS));
	}
	memmove(x, x + n, hist * sizeof *x);
	return (int)(r->up ? 2 * n : n / 2);
}

/* the filter's delay at the output rate, for tests that align input and output */
unsigned media_resample_delay(unsigned out_rate)
{
	/* (RS_TAPS - 1) / 2 samples at 16 kHz */
	return out_rate == 16000 ? (RS_TAPS - 1) / 2 : (RS_TAPS - 1) / 4;
}
