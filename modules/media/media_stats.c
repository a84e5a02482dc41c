/* media_stats.c: what the packet path measures of a received stream (RFC 3550 A.1, A.3, A.8) and
 * the call quality estimate from it (ITU-T G.107 E-model); pure: no clock, no allocation. */
#include "config.h"

#include <string.h>

#include "media.h"

#define SEQ_MOD (1u << 16)

/* A.1 init_seq: the numbering starts (again) at seq */
static void init_seq(struct media_rx_seq *s, uint16_t seq)
{
	s->base_seq = seq;
	s->max_seq = seq;
	s->bad_seq = SEQ_MOD + 1; /* so seq == bad_seq is false */
	s->cycles = 0;
	s->received = 0;
	s->received_prior = 0;
	s->expected_prior = 0;
}

uint32_t media_rx_seq_ext_max(const struct media_rx_seq *s)
{
	return s->cycles + s->max_seq;
}

uint32_t media_rx_seq_expected(const struct media_rx_seq *s)
{
	if (!s->started || s->probation)
		return 0;
	return media_rx_seq_ext_max(s) - s->base_seq + 1;
}

uint32_t media_rx_seq_lost(const struct media_rx_seq *s)
{
	uint32_t expected = media_rx_seq_expected(s);
	/* duplicates can make received exceed expected: loss is then 0, never negative */
	return s->lost_before + (expected > s->received ? expected - s->received : 0);
}

/* A.1 update_seq: 1 for a packet that counts, 0 for one that does not (yet) */
static int update_seq(struct media_rx_seq *s, uint16_t seq)
{
	uint16_t udelta = (uint16_t)(seq - s->max_seq);

	if (s->probation) {
		/* packets must come in sequence before the source is valid */
		if (seq == (uint16_t)(s->max_seq + 1)) {
			s->probation--;
			s->max_seq = seq;
			if (s->probation == 0) {
				init_seq(s, seq);
				s->received++;
				return 1;
			}
		} else {
			s->probation = MEDIA_SEQ_MIN_SEQUENTIAL - 1;
			s->max_seq = seq;
		}
		return 0;
	}
	if (udelta < MEDIA_SEQ_MAX_DROPOUT) {
		/* in order, with a permissible gap */
		if (seq < s->max_seq)
			s->cycles += SEQ_MOD; /* the sequence number wrapped */
		s->max_seq = seq;
	} else if (udelta <= SEQ_MOD - MEDIA_SEQ_MAX_MISORDER) {
		/* a very large jump: only a second packet in sequence after it makes it a restart of
		 * the numbering (the other side restarted without telling us); one alone is ignored,
		 * so a forged packet cannot make thousands of packets "lost" */
		if (seq != s->bad_seq) {
			s->bad_seq = (seq + 1) & (SEQ_MOD - 1);
			return 0;
		}
		s->lost_before = media_rx_seq_lost(s);
		init_seq(s, seq);
	}
	/* else: a duplicate or a packet out of order, within MAX_MISORDER: it counts */
	s->received++;
	return 1;
}

/* A.8: J += (|D(i-1,i)| - J) / 16, D from the transit times of consecutive packets */
static void update_jitter(struct media_rx_seq *s, uint32_t ts, int64_t arrival, unsigned clock)
{
	int64_t transit = arrival - (int64_t)ts, d;

	if (!s->transit_known) {
		s->transit_known = true;
		s->transit = transit;
		return;
	}
	d = transit - s->transit;
	s->transit = transit;
	if (d < 0)
		d = -d;
	/* a timestamp jump of 10 s or more is a new source's clock (a transfer), not jitter */
	if (d >= (int64_t)clock * 10)
		return;
	s->jitter += ((double)d - s->jitter) / 16.0;
	s->jitter_sum += s->jitter;
	s->jitter_n++;
	if (s->jitter > s->jitter_max)
		s->jitter_max = s->jitter;
}

int media_rx_seq_update(struct media_rx_seq *s, uint16_t seq, uint32_t ts, int64_t arrival,
			unsigned clock)
{
	if (!s->started) {
		memset(s, 0, sizeof *s);
		s->started = true;
		init_seq(s, seq);
		s->max_seq = (uint16_t)(seq - 1);
		s->probation = MEDIA_SEQ_MIN_SEQUENTIAL;
	}
	if (!update_seq(s, seq))
		return 0;
	update_jitter(s, ts, arrival, clock);
	return 1;
}

/* ---- E-model ------------------------------------------------------------------------------- */

/* A codec's place on the E-model's scales (modules/cdr/README.md has the table and sources).
 * Narrow band (G.107): Ro - Is = 93.2, Ie and Bpl from G.113 Appendix I, G.711 with packet loss
 * concealment: Ie 0, Bpl 25.1 (Tables I.1, I.3). Wide band (G.107.1): Ro,WB = 129 and
 * G.113 Appendix IV's Ie,WB for G.722 at 64 kbit/s, 13. G.113 gives no wideband Bpl for the
 * G.722 concealment this engine runs nor any Opus value: both keep G.711's Bpl 25.1, and Opus
 * (wideband, 24 kbit/s here) is rated as G.722; README says so. */
struct emodel_codec {
	bool wideband;
	double ro; /* Ro - Is with every other parameter at its default */
	double ie, bpl;
};

static const struct emodel_codec *emodel_codec(enum media_codec c)
{
	static const struct emodel_codec nb = { false, 93.2, 0, 25.1 };
	static const struct emodel_codec wb = { true, 129, 13, 25.1 };

	return c == MEDIA_G722 || c == MEDIA_OPUS ? &wb : &nb;
}

bool media_emodel_wideband(enum media_codec c)
{
	return emodel_codec(c)->wideband;
}

double media_emodel_r(enum media_codec c, double loss_pct, double delay_ms)
{
	const struct emodel_codec *e = emodel_codec(c);
	double scale = e->wideband ? MEDIA_EMODEL_WB_SCALE : 1.0, ie_eff, id, r;

	if (loss_pct < 0)
		loss_pct = 0;
	if (loss_pct > 100)
		loss_pct = 100;
	/* G.107 (7-29) / G.107.1: Ie,eff = Ie + (Ro_max - Ie) Ppl / (Ppl + Bpl), random loss
	 * (BurstR = 1); Ro_max is 95 on the narrow-band scale, 129 on the wide one */
	ie_eff = e->ie + ((e->wideband ? 129 : 95) - e->ie) * loss_pct / (loss_pct + e->bpl);
	/* Id from the one-way delay, G.107's curve for an echo-free path as approximated by Cole
	 * and Rosenbluth (2001): 0.024 d, plus 0.11 (d - 177.3) above 177.3 ms; on the wide scale
	 * times 1.29, so a delay costs the same MOS whatever the band */
	id = (0.024 * delay_ms + (delay_ms > 177.3 ? 0.11 * (delay_ms - 177.3) : 0)) * scale;
	r = e->ro - id - ie_eff;
	return r < 0 ? 0 : r > 100 * scale ? 100 * scale : r;
}

double media_r_to_mos(double r)
{
	if (r <= 0)
		return 1.0;
	if (r >= 100)
		return 4.5;
	return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

double media_emodel_mos(enum media_codec c, double r)
{
	/* G.107.1 Annex A: a wideband R is brought to the narrow-band scale (R / 1.29) and then
	 * takes G.107 Annex B's formula */
	return media_r_to_mos(emodel_codec(c)->wideband ? r / MEDIA_EMODEL_WB_SCALE : r);
}
