/* media_rtcp.c: RTCP sender and receiver reports (RFC 3550 6.4) with SDES CNAME, and the round
 * trip time from the peer's reports; runs on the worker, no allocation. */
#include "config.h"

#include <string.h>
#include <time.h>

#include "media_priv.h"

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* NTP time as 32.32 fixed point */
static uint64_t ntp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec + 2208988800ULL) << 32 |
	       (uint64_t)(((uint64_t)ts.tv_nsec << 32) / 1000000000ULL);
}

/* SR (if we sent on this leg) or RR, one report block on the stream we receive, and SDES */
size_t media__rtcp_report(struct media_leg_rt *l, uint8_t *b, size_t cap)
{
	bool sr = l->tx_count > 0;
	size_t at = 0;

	if (cap < 28 + 24 + 24)
		return 0;
	const struct media_rx_seq *r = &l->rxs;
	bool rb = r->started && !r->probation;

	b[0] = (uint8_t)(0x80 | (rb ? 1 : 0));
	b[1] = sr ? 200 : 201;
	wr32(b + 4, l->tx_ssrc);
	at = 8;
	if (sr) {
		uint64_t ntp = ntp_now();
		wr32(b + 8, (uint32_t)(ntp >> 32));
		wr32(b + 12, (uint32_t)ntp);
		wr32(b + 16, l->tx_ts);
		wr32(b + 20, l->tx_count);
		wr32(b + 24, l->tx_octets);
		at = 28;
	}
	if (rb) { /* RFC 3550 A.3: cumulative and fraction lost */
		uint32_t expected = media_rx_seq_expected(r);
		uint32_t lost = media_rx_seq_lost(r);
		uint32_t exp_int = expected - r->expected_prior;
		uint32_t rec_int = r->received - r->received_prior;
		uint8_t fraction = 0;
		l->rxs.expected_prior = expected;
		l->rxs.received_prior = r->received;
		if (exp_int > rec_int && exp_int)
			fraction = (uint8_t)(((exp_int - rec_int) << 8) / exp_int);
		wr32(b + at, l->rx_ssrc);
		wr32(b + at + 4, (uint32_t)fraction << 24 | (lost > 0x7fffff ? 0x7fffff : lost));
		wr32(b + at + 8, media_rx_seq_ext_max(r));
		wr32(b + at + 12, (uint32_t)r->jitter);
		uint32_t dlsr = 0;
		if (l->rtcp_lsr_at)
			dlsr = (uint32_t)((uv_hrtime() - l->rtcp_lsr_at) * 65536 / 1000000000ULL);
		wr32(b + at + 16, l->rtcp_lsr);
		wr32(b + at + 20, l->rtcp_lsr ? dlsr : 0);
		at += 24;
	}
	b[2] = (uint8_t)(((at / 4) - 1) >> 8);
	b[3] = (uint8_t)((at / 4) - 1);
	/* SDES with a CNAME, which every compound packet carries */
	static const char cname[] = "symbridge";
	size_t sd = at;
	b[sd] = 0x81;
	b[sd + 1] = 202;
	wr32(b + sd + 4, l->tx_ssrc);
	b[sd + 8] = 1; /* CNAME */
	b[sd + 9] = (uint8_t)(sizeof cname - 1);
	memcpy(b + sd + 10, cname, sizeof cname - 1);
	size_t end = sd + 10 + sizeof cname - 1;
	b[end++] = 0; /* end of items, then pad to 32 bits */
	while ((end - sd) % 4)
		b[end++] = 0;
	b[sd + 2] = (uint8_t)((((end - sd) / 4) - 1) >> 8);
	b[sd + 3] = (uint8_t)(((end - sd) / 4) - 1);
	return end;
}

/* a report block about our stream gives the round trip: now - LSR - DLSR (RFC 3550 6.4.1) */
static void report_block(struct media_leg_rt *l, const uint8_t *rb)
{
	uint32_t lsr = rd32(rb + 16), dlsr = rd32(rb + 20);

	if (rd32(rb) != l->tx_ssrc || !lsr)
		return;
	uint32_t now = (uint32_t)(ntp_now() >> 16);
	uint32_t rtt = now - lsr - dlsr; /* 1/65536 s */
	if (rtt < 65536u * 10)           /* over 10 s is a clock step or garbage */
		atomic_store_explicit(&l->c.rtt_us, (uint32_t)((uint64_t)rtt * 1000000 / 65536),
				      memory_order_relaxed);
}

void media__rtcp_in(struct media_leg_rt *l, const uint8_t *p, size_t len)
{
	while (len >= 8) {
		size_t plen = ((size_t)(p[2] << 8 | p[3]) + 1) * 4;
		unsigned rc = p[0] & 0x1f;
		if ((p[0] >> 6) != 2 || plen > len)
			return;
		if (p[1] == 200 && plen >= 28) {
			/* the peer's SR: remembered for the LSR/DLSR of our next report */
			l->rtcp_lsr = (uint32_t)(rd32(p + 8) << 16 | rd32(p + 12) >> 16);
			l->rtcp_lsr_at = uv_hrtime();
			for (unsigned i = 0; i < rc && 28 + 24 * (i + 1) <= plen; i++)
				report_block(l, p + 28 + 24 * i);
		} else if (p[1] == 201) {
			for (unsigned i = 0; i < rc && 8 + 24 * (i + 1) <= plen; i++)
				report_block(l, p + 8 + 24 * i);
		}
		p += plen;
		len -= plen;
	}
}
