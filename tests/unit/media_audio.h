/* media_audio.h: test signals and measurements shared by the media tests (tones, sweeps, Goertzel, SNR). */
#ifndef MEDIA_AUDIO_H
#define MEDIA_AUDIO_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* amplitude of test signals: -10 dBFS, a loud talker on a phone line */
#define TA_AMP (32767.0 * 0.316)

static inline void ta_tone(int16_t *x, size_t n, double f, double rate, double amp)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (int16_t)lrint(amp * sin(2.0 * M_PI * f * (double)i / rate));
}

/* a linear chirp from f0 to f1 over n samples: a speech-like sweep through the voice band */
static inline void ta_sweep(int16_t *x, size_t n, double f0, double f1, double rate, double amp)
{
	double T = (double)n / rate;

	for (size_t i = 0; i < n; i++) {
		double t = (double)i / rate;
		x[i] = (int16_t)lrint(amp *
				      sin(2.0 * M_PI * (f0 * t + (f1 - f0) * t * t / (2.0 * T))));
	}
}

/* power of frequency f in x (Goertzel), normalised so a full sine of amplitude A gives A^2/2 */
static inline double ta_goertzel(const int16_t *x, size_t n, double f, double rate)
{
	double c = 2.0 * cos(2.0 * M_PI * f / rate), s1 = 0, s2 = 0;

	for (size_t i = 0; i < n; i++) {
		double s0 = x[i] + c * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	return 2.0 * (s1 * s1 + s2 * s2 - c * s1 * s2) / ((double)n * (double)n);
}

static inline double ta_power(const int16_t *x, size_t n)
{
	double p = 0;

	for (size_t i = 0; i < n; i++)
		p += (double)x[i] * x[i];
	return p / (double)n;
}

/* the frequency of a single tone from its zero crossings */
static inline double ta_zero_cross_freq(const int16_t *x, size_t n, double rate)
{
	size_t first = 0, last = 0, count = 0;

	for (size_t i = 1; i < n; i++)
		if (x[i - 1] < 0 && x[i] >= 0) {
			if (!count)
				first = i;
			last = i;
			count++;
		}
	return count > 1 ? (double)(count - 1) * rate / (double)(last - first) : 0.0;
}

/* SNR of out against ref (n samples each) at the lag in [0, maxlag] and the gain that fit best */
static inline double ta_snr(const int16_t *ref, const int16_t *out, size_t n, size_t maxlag,
			    size_t *lagp)
{
	double best = -1e9;

	for (size_t lag = 0; lag <= maxlag && lag < n; lag++) {
		double rr = 0, ro = 0, oo = 0;
		size_t m = n - lag;
		for (size_t i = 0; i < m; i++) {
			rr += (double)ref[i] * ref[i];
			ro += (double)ref[i] * out[i + lag];
			oo += (double)out[i + lag] * out[i + lag];
		}
		if (oo <= 0)
			continue;
		double g = ro / oo; /* least-squares gain of out toward ref */
		double err = rr - 2 * g * ro + g * g * oo;
		double snr = 10.0 * log10(rr / (err > 1e-9 ? err : 1e-9));
		if (snr > best) {
			best = snr;
			if (lagp)
				*lagp = lag;
		}
	}
	return best;
}

#endif
