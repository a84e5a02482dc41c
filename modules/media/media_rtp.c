/* media_rtp.c: the worker side of sessions: sockets, RTP in, SRTP, pass-through or transcoding,
 * RTP out. Runs on a worker's loop only; the packet path neither locks nor allocates. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SB_MODULE "media"
#include "symbridge.h"

#include "media_priv.h"

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return false;
	if (b->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (b->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
	}
	return false;
}

static void set_remote(struct media_leg_rt *l, const struct sockaddr *sa)
{
	size_t n = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					     : sizeof(struct sockaddr_in);
	memset(&l->remote, 0, sizeof l->remote);
	memcpy(&l->remote, sa, n);
	l->remote_rtcp = l->remote;
	if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 *r = (void *)&l->remote_rtcp;
		r->sin6_port = htons((uint16_t)(ntohs(r->sin6_port) + 1));
	} else {
		struct sockaddr_in *r = (void *)&l->remote_rtcp;
		r->sin_port = htons((uint16_t)(ntohs(r->sin_port) + 1));
	}
	l->remote_known = true;
}

/* the event ring toward the main loop: single producer, never blocks */
void media__ev_post(struct media_session *s, const struct media_event *ev)
{
	struct media_worker *w = s->w;
	unsigned tail = atomic_load_explicit(&w->ring_tail, memory_order_relaxed);
	unsigned head = atomic_load_explicit(&w->ring_head, memory_order_acquire);

	if (tail - head >= MEDIA_EV_RING) {
		STAT_ADD(w, ring_lost, 1);
		return;
	}
	w->ring[tail % MEDIA_EV_RING].s = s;
	w->ring[tail % MEDIA_EV_RING].ev = *ev;
	atomic_store_explicit(&w->ring_tail, tail + 1, memory_order_release);
	media__wake(&w->eng->wake);
}

/* protect (if the leg is SRTP) and send one RTP or RTCP packet on leg l */
static void leg_send(struct media_leg_rt *l, uint8_t *pkt, size_t len, bool rtcp)
{
	struct media_pipe *p = l->s->pipe;
	ssize_t rc;

	if (p->conf[l->idx].tdm) { /* a B-channel: the frame, written by this worker */
		if (rtcp)
			return;
		if ((rc = media__tdm_send(l, pkt, len)) < 0) {
			STAT_ADD(&l->c, tx_failed, 1);
			return;
		}
		STAT_ADD(&l->c, tx_packets, 1);
		STAT_ADD(&l->c, tx_bytes, (uint64_t)rc);
		return;
	}
	if (!l->remote_known)
		return;
	if (p->tx[l->idx] && media_srtp_protect(p->tx[l->idx], pkt, &len, MEDIA_BUF, rtcp) < 0) {
		STAT_ADD(&l->c, tx_failed, 1);
		return;
	}
	const struct sockaddr_storage *to = rtcp ? &l->remote_rtcp : &l->remote;
	if (l->s->w->uring)
		rc = media__uring_send(l, rtcp ? l->fd_rtcp : l->fd_rtp, pkt, len, to);
	else
		rc = sendto(rtcp ? l->fd_rtcp : l->fd_rtp, pkt, len, MSG_DONTWAIT,
			    (const struct sockaddr *)to,
			    to->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						      : sizeof(struct sockaddr_in));
	if (rc < 0) {
		STAT_ADD(&l->c, tx_failed, 1);
		return;
	}
	if (!rtcp) {
		STAT_ADD(&l->c, tx_packets, 1);
		STAT_ADD(&l->c, tx_bytes, len);
		l->tx_count++;
		l->tx_octets += (uint32_t)(len > 12 ? len - 12 : 0);
	}
}

static void rtp_header(uint8_t *b, bool marker, uint8_t pt, uint16_t seq, uint32_t ts,
		       uint32_t ssrc)
{
	b[0] = 0x80;
	b[1] = (uint8_t)((marker ? 0x80 : 0) | pt);
	wr16(b + 2, seq);
	wr32(b + 4, ts);
	wr32(b + 8, ssrc);
}

static const char dtmf_digits[] = "0123456789*#ABCD";

/* tones from spandsp over n samples of PCM at rate toward leg idx, while digits are queued:
 * generated at 8 kHz, brought up to the encoder's rate where that is 16 kHz */
static void tone_overlay(struct media_pipe *p, unsigned idx, int16_t *pcm, size_t n, unsigned rate)
{
	int16_t tone[MEDIA_MAX_SAMPLES], up[MEDIA_MAX_SAMPLES];
	size_t n8 = rate == 8000 ? n : n * 8000 / rate;
	int k;

	if (!p->dtx[idx] || n8 > MEDIA_MAX_SAMPLES)
		return;
	if ((k = dtmf_tx(p->dtx[idx], tone, (int)n8)) <= 0)
		return;
	if (rate == 8000) {
		memcpy(pcm, tone, (size_t)k * sizeof *tone);
		return;
	}
	if (!p->tone_rs[idx])
		return;
	memset(tone + k, 0, (n8 - (size_t)k) * sizeof *tone);
	int m = media_resample(p->tone_rs[idx], tone, n8, up, MEDIA_MAX_SAMPLES);
	size_t cover = (size_t)k * rate / 8000;
	if (m > 0)
		memcpy(pcm, up, (cover < (size_t)m ? cover : (size_t)m) * sizeof *up);
}

/* Packets passed through toward leg o in a codec other than G.711 (G.722, Opus): while a tone
 * plays, the packet's payload is replaced by the tone, encoded for o (same length of time, so
 * the stream's timestamps stay). Our encoder is not the one the peer's decoder followed so far:
 * G.722's ADPCM needs about 40 ms to agree again, so two packets of our silence go first and
 * the tone starts clean. false when no tone plays. */
#define TONE_LEAD_PACKETS 2
static bool tone_packet(struct media_leg_rt *o, unsigned ptime, uint8_t *p, size_t hdr, size_t *len)
{
	struct media_pipe *pipe = o->s->pipe;
	int16_t tone[MEDIA_MAX_SAMPLES];
	size_t n8 = 8 * (size_t)ptime;
	int k = 0, n;

	if (!pipe->tone_enc[o->idx] || !pipe->dtx[o->idx] || n8 > MEDIA_MAX_SAMPLES)
		return false;
	if (o->tone_lead)
		o->tone_lead--;
	else if ((k = dtmf_tx(pipe->dtx[o->idx], tone, (int)n8)) <= 0)
		return o->tone_busy = false;
	o->tone_busy = k == (int)n8;
	memset(tone + k, 0, (n8 - (size_t)k) * sizeof *tone);
	n = media_enc_encode(pipe->tone_enc[o->idx], tone, n8, p + hdr,
			     MEDIA_BUF - hdr - MEDIA_SRTP_OVERHEAD);
	if (n <= 0)
		return false;
	*len = hdr + (size_t)n;
	return true;
}

/* a digit toward leg o as tones (a leg without telephone-event) */
static void tone_put(struct media_leg_rt *o, char digit)
{
	struct media_pipe *pipe = o->s->pipe;

	if (!pipe->dtx[o->idx])
		return;
	if (pipe->tone_enc[o->idx] && !o->tone_busy) {
		o->tone_lead = TONE_LEAD_PACKETS;
		o->tone_busy = true;
	}
	dtmf_tx_put(pipe->dtx[o->idx], &digit, 1);
}

/* queue an RFC 4733 digit toward leg l; the session timer sends it */
static void dtmf_queue(struct media_leg_rt *l, char digit, unsigned dur_ms)
{
	struct media_dtmf_out *d = &l->dtmf;
	const char *at = strchr(dtmf_digits, digit);

	if (!at || !digit || d->qt - d->qh >= MEDIA_DTMF_QUEUE)
		return;
	d->queue[d->qt % MEDIA_DTMF_QUEUE] = (char)(at - dtmf_digits);
	d->dur_ms[d->qt % MEDIA_DTMF_QUEUE] = dur_ms;
	d->qt++;
	if (!uv_is_active((uv_handle_t *)&l->s->dtmf_timer))
		uv_timer_start(&l->s->dtmf_timer, media__dtmf_timer_cb, 0, 20);
}

/* one 20 ms step of the events sent on leg l; returns whether it still has work */
static bool dtmf_step(struct media_leg_rt *l)
{
	struct media_dtmf_out *d = &l->dtmf;
	const struct media_leg_conf *c = &l->s->pipe->conf[l->idx];
	unsigned per_ms = media_codec_info(c->codec)->rtp_clock / 1000;
	bool first = false;

	if (!d->active) {
		if (d->qh == d->qt)
			return false;
		d->code = (uint8_t)d->queue[d->qh % MEDIA_DTMF_QUEUE];
		d->length_ms = d->dur_ms[d->qh % MEDIA_DTMF_QUEUE];
		d->qh++;
		d->active = true;
		d->ts = l->tx_ts;
		d->elapsed_ms = 0;
		d->end_sent = 0;
		first = true;
	}
	if (c->dtmf_pt < 0) { /* the leg's configuration changed under us */
		d->active = false;
		return d->qh != d->qt;
	}
	d->elapsed_ms += 20;
	bool end = d->elapsed_ms >= d->length_ms;
	unsigned dur = (end ? d->length_ms : d->elapsed_ms) * per_ms;
	uint8_t *b = l->txbuf;
	rtp_header(b, first, (uint8_t)c->dtmf_pt, l->tx_seq++, d->ts, l->tx_ssrc);
	b[12] = d->code;
	b[13] = (uint8_t)((end ? 0x80 : 0) | 10); /* volume -10 dBm0 */
	b[14] = (uint8_t)(dur >> 8);
	b[15] = (uint8_t)dur;
	l->pt_resync_seq = true;
	leg_send(l, b, 16, false);
	/* the end packet goes three times (RFC 4733 2.5.1.4), then the next digit may start */
	if (end && ++d->end_sent >= 3)
		d->active = false;
	return d->active || d->qh != d->qt;
}

void media__rtcp_timer_cb(uv_timer_t *t)
{
	struct media_session *s = t->data;

	for (int i = 0; i < 2; i++) {
		struct media_leg_rt *l = &s->leg[i];
		uint8_t buf[256];
		size_t n;
		if (!l->remote_known || (!l->tx_count && !l->rxs.started))
			continue;
		if ((n = media__rtcp_report(l, buf, sizeof buf - MEDIA_SRTP_OVERHEAD)) > 0)
			leg_send(l, buf, n, true);
	}
	/* RFC 3550 6.3.1: randomised between 0.5 and 1.5 of the interval */
	unsigned iv = s->eng->rtcp_interval_ms;
	uv_timer_start(t, media__rtcp_timer_cb, iv / 2 + (unsigned)(uv_hrtime() % (iv + 1)), 0);
}

void media__dtmf_timer_cb(uv_timer_t *t)
{
	struct media_session *s = t->data;
	bool busy = false;

	for (int i = 0; i < 2; i++)
		busy |= dtmf_step(&s->leg[i]);
	if (!busy)
		uv_timer_stop(t);
}

/* spandsp found digits in the audio of a leg without telephone-event: report them, and send them as events where
 * the other leg takes them */
void media__dtmf_detected(void *leg_rt, const char *digits, int len)
{
	struct media_leg_rt *l = leg_rt;
	struct media_session *s = l->s;
	struct media_leg_rt *o = &s->leg[1 - l->idx];

	for (int i = 0; i < len; i++) {
		struct media_event ev = { .type = MEDIA_EV_DTMF,
					  .leg = l->idx,
					  .digit = digits[i] };
		media__ev_post(s, &ev);
		if (s->pipe->conf[o->idx].dtmf_pt >= 0 && !s->pipe->conf[o->idx].dtmf_by_signalling)
			dtmf_queue(o, digits[i], 100);
	}
}

/* PCM queued toward leg o goes out in whole frames of its ptime */
static void drain_fifo(struct media_leg_rt *o, const struct media_path *path,
		       const struct media_leg_conf *oc)
{
	size_t at = 0;

	while (o->fifo_n - at >= path->frame_out) {
		tone_overlay(o->s->pipe, o->idx, o->fifo + at, path->frame_out, path->enc_rate);
		int n = media_enc_encode(path->enc, o->fifo + at, path->frame_out, o->txbuf + 12,
					 MEDIA_BUF - 12 - MEDIA_SRTP_OVERHEAD);
		at += path->frame_out;
		if (n <= 0) {
			STAT_ADD(&o->c, tx_failed, 1);
			continue;
		}
		rtp_header(o->txbuf, false, oc->pt, o->tx_seq++, o->tx_ts, o->tx_ssrc);
		o->tx_ts += path->ts_out;
		leg_send(o, o->txbuf, 12 + (size_t)n, false);
	}
	if (at) {
		memmove(o->fifo, o->fifo + at, (o->fifo_n - at) * sizeof *o->fifo);
		o->fifo_n -= at;
	}
}

static void fifo_put(struct media_leg_rt *o, const struct media_path *path, const int16_t *pcm,
		     size_t n)
{
	int16_t rs[MEDIA_MAX_SAMPLES];

	if (path->rs) {
		int k = media_resample(path->rs, pcm, n, rs, MEDIA_MAX_SAMPLES);
		if (k < 0)
			return;
		pcm = rs;
		n = (size_t)k;
	}
	if (n >
	    MEDIA_FIFO_MAX - o->fifo_n) /* a peer sending more than it should: keep the newest */
		o->fifo_n = 0;
	if (n > MEDIA_FIFO_MAX)
		return;
	memcpy(o->fifo + o->fifo_n, pcm, n * sizeof *pcm);
	o->fifo_n += n;
}

/* RFC 3550 A.1/A.3/A.8 on what this leg receives (media_stats.c); the figures main reads */
static void rx_track(struct media_leg_rt *l, uint16_t seq, uint32_t ts, unsigned clock)
{
	struct media_rx_seq *r = &l->rxs;
	int64_t arrival = (int64_t)(uv_hrtime() / 1000) * clock / 1000000; /* in RTP units */

	if (!media_rx_seq_update(r, seq, ts, arrival, clock))
		return;
	atomic_store_explicit(&l->c.jitter_us, (uint32_t)(r->jitter * 1e6 / clock),
			      memory_order_relaxed);
	if (r->jitter_n)
		atomic_store_explicit(&l->c.jitter_mean_us,
				      (uint32_t)(r->jitter_sum / (double)r->jitter_n * 1e6 / clock),
				      memory_order_relaxed);
	atomic_store_explicit(&l->c.jitter_max_us, (uint32_t)(r->jitter_max * 1e6 / clock),
			      memory_order_relaxed);
	atomic_store_explicit(&l->c.lost, media_rx_seq_lost(r), memory_order_relaxed);
}

static void forward_passthrough(struct media_leg_rt *in, struct media_leg_rt *o, uint8_t *p,
				size_t len, uint8_t out_pt)
{
	uint16_t seq = rd16(p + 2);
	uint32_t ts = rd32(p + 4), ssrc = rd32(p + 8);

	/* a new source (or the first packet): continue our numbering from where it stands */
	if (!o->pt_sync || o->pt_ssrc != ssrc) {
		o->pt_sync = true;
		o->pt_ssrc = ssrc;
		o->seq_off = (uint16_t)(o->tx_seq - seq);
		o->ts_off = o->tx_ts - ts;
	} else if (o->pt_resync_seq) {
		o->seq_off = (uint16_t)(o->tx_seq - seq);
	}
	o->pt_resync_seq = false;
	uint16_t oseq = (uint16_t)(seq + o->seq_off);
	uint32_t ots = ts + o->ts_off;
	p[1] = (uint8_t)((p[1] & 0x80) | out_pt);
	wr16(p + 2, oseq);
	wr32(p + 4, ots);
	wr32(p + 8, o->tx_ssrc);
	if ((uint16_t)(oseq - o->tx_seq) < 0x8000) {
		o->tx_seq = (uint16_t)(oseq + 1);
		o->tx_ts = ots;
	}
	leg_send(o, p, len, false);
}

/* an RFC 4733 event from leg in: report a new digit, relay it where the other leg takes events */
static void dtmf_in(struct media_leg_rt *in, struct media_leg_rt *o, uint8_t *p, size_t hdr,
		    size_t len)
{
	struct media_pipe *pipe = in->s->pipe;
	const struct media_leg_conf *oc = &pipe->conf[o->idx];
	uint32_t ts = rd32(p + 4);

	if (len < hdr + 4)
		return;
	if (!in->dtmf_in_seen || ts != in->dtmf_in_ts) {
		in->dtmf_in_seen = true;
		in->dtmf_in_ts = ts;
		if (p[hdr] < 16) {
			struct media_event ev = { .type = MEDIA_EV_DTMF,
						  .leg = in->idx,
						  .digit = dtmf_digits[p[hdr]] };
			media__ev_post(in->s, &ev);
			/* toward a G.711 leg without events the digit becomes tones */
			if (oc->dtmf_pt < 0 && pipe->dtx[o->idx] && !oc->dtmf_by_signalling)
				tone_put(o, dtmf_digits[p[hdr]]);
		}
	}
	if (oc->dtmf_pt < 0 || oc->dtmf_by_signalling)
		return;
	if (pipe->path[in->idx].passthrough) {
		forward_passthrough(in, o, p, len, (uint8_t)oc->dtmf_pt);
		return;
	}
	/* transcoding: the event starts at our current timestamp and keeps it to its end */
	if (ts != o->dtmf_src_ts || !o->dtmf_out_ts) {
		o->dtmf_src_ts = ts;
		o->dtmf_out_ts = o->tx_ts ? o->tx_ts : 1;
	}
	memmove(o->txbuf + 12, p + hdr, len - hdr);
	rtp_header(o->txbuf, (p[1] & 0x80) != 0, (uint8_t)oc->dtmf_pt, o->tx_seq++, o->dtmf_out_ts,
		   o->tx_ssrc);
	leg_send(o, o->txbuf, 12 + (len - hdr), false);
}

/* decode one payload from leg in toward the other leg (or conceal one when pay is NULL; next
 * is the following payload, whose Opus FEC can rebuild the lost one) */
static void play(struct media_leg_rt *in, const uint8_t *pay, size_t len, const uint8_t *next,
		 size_t nextlen)
{
	struct media_pipe *pipe = in->s->pipe;
	const struct media_path *path = &pipe->path[in->idx];
	struct media_leg_rt *o = &in->s->leg[1 - in->idx];
	int16_t pcm[MEDIA_MAX_SAMPLES];
	int n;

	if (pay) {
		n = media_dec_decode(path->dec, pay, len, pcm, MEDIA_MAX_SAMPLES);
	} else {
		size_t f = path->frame_in <= MEDIA_MAX_SAMPLES ? path->frame_in : MEDIA_MAX_SAMPLES;
		n = media_dec_conceal(path->dec, next, nextlen, pcm, f);
		if (n > 0)
			STAT_ADD(&in->c, concealed, 1);
	}
	if (n <= 0)
		return;
	if (pipe->drx[in->idx] && pipe->det_rs[in->idx]) {
		/* the detector runs at 8 kHz: 16 kHz audio (G.722, Opus) is brought down */
		int16_t d8[MEDIA_MAX_SAMPLES];
		int m = media_resample(pipe->det_rs[in->idx], pcm, (size_t)n, d8, MEDIA_MAX_SAMPLES);
		if (m > 0)
			dtmf_rx(pipe->drx[in->idx], d8, m);
	} else if (pipe->drx[in->idx]) {
		dtmf_rx(pipe->drx[in->idx], pcm, n);
	}
	fifo_put(o, path, pcm, (size_t)n);
	drain_fifo(o, path, &pipe->conf[o->idx]);
}

/* play what is held from jb->next on, in order */
static void jb_flush(struct media_leg_rt *in)
{
	struct media_jb *jb = &in->jb;

	for (;;) {
		struct media_jb_slot *sl = &jb->slot[jb->next % MEDIA_JB_SLOTS];
		if (!sl->used || sl->seq != jb->next)
			break;
		sl->used = false;
		jb->held--;
		play(in, sl->data, sl->len, NULL, 0);
		jb->next++;
	}
}

/* the wait is over: conceal up to the first held packet, play on, wait again if holes remain */
static void jb_timeout_cb(uv_timer_t *t)
{
	struct media_leg_rt *in = t->data;
	struct media_jb *jb = &in->jb;

	while (jb->held) {
		struct media_jb_slot *sl = &jb->slot[jb->next % MEDIA_JB_SLOTS];
		if (sl->used && sl->seq == jb->next) {
			jb_flush(in);
			continue;
		}
		/* the packet after the missing one, for Opus FEC */
		struct media_jb_slot *nx = &jb->slot[(uint16_t)(jb->next + 1) % MEDIA_JB_SLOTS];
		bool have_next = nx->used && nx->seq == (uint16_t)(jb->next + 1);
		play(in, NULL, 0, have_next ? nx->data : NULL, have_next ? nx->len : 0);
		jb->next++;
	}
}

static unsigned jb_wait_ms(const struct media_leg_rt *in)
{
	unsigned clock = media_codec_info(in->s->pipe->conf[in->idx].codec)->rtp_clock;
	unsigned w = (unsigned)(2.0 * in->rxs.jitter * 1000.0 / clock) + MEDIA_JB_WAIT_MIN;
	return w > MEDIA_JB_WAIT_MAX ? MEDIA_JB_WAIT_MAX : w;
}

static void jb_in(struct media_leg_rt *in, uint16_t seq, const uint8_t *pay, size_t len)
{
	struct media_jb *jb = &in->jb;
	int16_t d = (int16_t)(seq - jb->next);

	if (!jb->started || d >= MEDIA_JB_SLOTS || d <= -MEDIA_JB_SLOTS * 4) {
		/* the first packet, or the source jumped: start over from here */
		for (unsigned i = 0; i < MEDIA_JB_SLOTS; i++)
			jb->slot[i].used = false;
		jb->held = 0;
		jb->started = true;
		jb->next = seq;
		d = 0;
		uv_timer_stop(&in->jb_timer);
	}
	if (d < 0)
		return; /* late: it was concealed already (or a duplicate) */
	if (d == 0) {
		play(in, pay, len, NULL, 0);
		jb->next++;
		jb_flush(in);
		if (!jb->held)
			uv_timer_stop(&in->jb_timer);
		return;
	}
	struct media_jb_slot *sl = &jb->slot[seq % MEDIA_JB_SLOTS];
	if (sl->used && sl->seq == seq)
		return; /* a duplicate */
	if (!sl->used)
		jb->held++;
	sl->used = true;
	sl->seq = seq;
	sl->len = (uint16_t)len;
	memcpy(sl->data, pay, len);
	if (!uv_is_active((uv_handle_t *)&in->jb_timer))
		uv_timer_start(&in->jb_timer, jb_timeout_cb, jb_wait_ms(in), 0);
}

/* addr is the sender, or NULL for a frame of the leg's own B-channel (media_tdm.c) */
void media__rtp_in(struct media_leg_rt *in, ssize_t nread, const struct sockaddr *addr)
{
	struct media_session *s = in->s;
	struct media_pipe *pipe = s->pipe;
	const struct media_leg_conf *ic = &pipe->conf[in->idx];
	struct media_leg_rt *o = &s->leg[1 - in->idx];
	const struct media_path *path = &pipe->path[in->idx];
	uint8_t *p = in->rxbuf;
	size_t len = (size_t)nread, hdr;
	int rc;

	if (len < 12 || (p[0] >> 6) != 2)
		goto drop;
	/* a leg that became a B-channel takes nothing from its old port */
	if (ic->tdm && addr)
		goto drop;
	/* without latching, only the peer we were told about may send */
	if (addr && !ic->latch && in->remote_known && !same_addr(&in->remote, addr))
		goto drop;
	if (pipe->rx[in->idx] &&
	    (rc = media_srtp_unprotect(pipe->rx[in->idx], p, &len, false)) < 0) {
		if (rc == -EALREADY)
			STAT_ADD(&in->c, srtp_replay, 1);
		else
			STAT_ADD(&in->c, srtp_auth_fail, 1);
		return;
	}
	hdr = 12 + 4 * (size_t)(p[0] & 0x0f);
	if ((p[0] & 0x10) && len >= hdr + 4)
		hdr += 4 + 4 * (size_t)rd16(p + hdr + 2);
	if ((p[0] & 0x20) && len > hdr)
		len -= p[len - 1] < len - hdr ? p[len - 1] : 0;
	if (len < hdr)
		goto drop;
	uint8_t pt = p[1] & 0x7f;
	if (pt != ic->pt && (int)pt != ic->dtmf_pt)
		goto drop;
	/* a valid packet: symmetric RTP learns (or follows) the peer from it */
	if (addr && ic->latch && (!in->remote_known || !same_addr(&in->remote, addr))) {
		set_remote(in, addr);
		struct media_event ev = { .type = MEDIA_EV_LATCHED, .leg = in->idx };
		memcpy(&ev.addr, &in->remote, sizeof ev.addr);
		media__ev_post(s, &ev);
	}
	STAT_ADD(&in->c, rx_packets, 1);
	STAT_ADD(&in->c, rx_bytes, (uint64_t)nread);
	in->rx_ssrc = rd32(p + 8);
	rx_track(in, rd16(p + 2), rd32(p + 4), media_codec_info(ic->codec)->rtp_clock);
	if ((int)pt == ic->dtmf_pt) {
		dtmf_in(in, o, p, hdr, len);
		return;
	}
	if (path->passthrough) {
		/* G.722 or Opus passed through from a leg without events: its audio decoded at
		 * 8 kHz for the detector only (the packet goes on untouched) */
		if (pipe->det_dec[in->idx] && pipe->drx[in->idx]) {
			int16_t d8[MEDIA_MAX_SAMPLES];
			int m = media_dec_decode(pipe->det_dec[in->idx], p + hdr, len - hdr, d8,
						 MEDIA_MAX_SAMPLES);
			if (m > 0)
				dtmf_rx(pipe->drx[in->idx], d8, m);
		}
		/* same G.711 both ways: tones are looked for, and inserted, on the bytes */
		if ((ic->codec == MEDIA_PCMA || ic->codec == MEDIA_PCMU) &&
		    (pipe->drx[in->idx] || pipe->dtx[o->idx])) {
			int16_t lin[MEDIA_MAX_SAMPLES];
			size_t n = len - hdr < MEDIA_MAX_SAMPLES ? len - hdr : MEDIA_MAX_SAMPLES;
			bool alaw = ic->codec == MEDIA_PCMA;
			for (size_t i = 0; i < n; i++)
				lin[i] = alaw ? alaw_to_linear(p[hdr + i])
					      : ulaw_to_linear(p[hdr + i]);
			if (pipe->drx[in->idx])
				dtmf_rx(pipe->drx[in->idx], lin, (int)n);
			if (pipe->dtx[o->idx]) {
				int k = dtmf_tx(pipe->dtx[o->idx], lin, (int)n);
				for (int i = 0; i < k; i++)
					p[hdr + (size_t)i] = alaw ? linear_to_alaw(lin[i])
								  : linear_to_ulaw(lin[i]);
			}
		}
		/* G.722 or Opus toward a leg without events: tones replace the packet */
		if (!pipe->conf[o->idx].dtmf_by_signalling)
			tone_packet(o, ic->ptime, p, hdr, &len);
		forward_passthrough(in, o, p, len, pipe->conf[o->idx].pt);
		return;
	}
	if (len - hdr > MEDIA_JB_BYTES)
		goto drop;
	jb_in(in, rd16(p + 2), p + hdr, len - hdr);
	return;
drop:
	STAT_ADD(&in->c, rx_dropped, 1);
}

static void on_rtcp(struct media_leg_rt *in, ssize_t nread, const struct sockaddr *addr)
{
	struct media_pipe *pipe = in->s->pipe;
	size_t len = (size_t)nread;

	if (len < 8 || (in->rtcpbuf[0] >> 6) != 2)
		return;
	if (pipe->rx[in->idx] &&
	    media_srtp_unprotect(pipe->rx[in->idx], in->rtcpbuf, &len, true) < 0) {
		STAT_ADD(&in->c, srtp_auth_fail, 1);
		return;
	}
	media__rtcp_in(in, in->rtcpbuf, len);
}

/* one datagram per readable event: if more wait, epoll reports the socket again */
static void poll_cb(uv_poll_t *h, int status, int events)
{
	struct media_leg_rt *l = h->data;
	bool rtcp = h == &l->rtcp;
	uint8_t *buf = rtcp ? l->rtcpbuf : l->rxbuf;
	struct sockaddr_storage from;
	socklen_t fl = sizeof from;

	if (status < 0)
		return;
	/* room is left behind the datagram for the SRTP tag added when relaying it */
	ssize_t n = recvfrom(rtcp ? l->fd_rtcp : l->fd_rtp, buf, MEDIA_BUF - MEDIA_SRTP_OVERHEAD,
			     MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&from, &fl);
	media__rx(l, rtcp, n, (struct sockaddr *)&from);
}

/* a datagram of n bytes (as MSG_TRUNC reports it) is in the leg's RTP or RTCP buffer */
void media__rx(struct media_leg_rt *l, bool rtcp, ssize_t n, const struct sockaddr *from)
{
	if (n <= 0)
		return;
	if (n > MEDIA_BUF - MEDIA_SRTP_OVERHEAD) { /* truncated: not a media packet */
		STAT_ADD(&l->c, rx_dropped, 1);
		return;
	}
	if (rtcp)
		on_rtcp(l, n, from);
	else
		media__rtp_in(l, n, from);
}

/* ---- control messages ---- */

static void leg_apply_conf(struct media_leg_rt *l, const struct media_leg_conf *c)
{
	if (c->remote.ss_family)
		set_remote(l, (const struct sockaddr *)&c->remote);
}

static void session_start(struct media_session *s)
{
	uv_loop_t *loop = &s->w->loop;

	uv_timer_init(loop, &s->dtmf_timer);
	s->dtmf_timer.data = s;
	uv_timer_init(loop, &s->rtcp_timer);
	s->rtcp_timer.data = s;
	for (int i = 0; i < 2; i++) {
		uv_timer_init(loop, &s->leg[i].jb_timer);
		s->leg[i].jb_timer.data = &s->leg[i];
	}
	uv_timer_start(&s->rtcp_timer, media__rtcp_timer_cb, s->eng->rtcp_interval_ms, 0);
	media__tdm_adopt(s, s->pipe);
	for (int i = 0; i < 2; i++) {
		struct media_leg_rt *l = &s->leg[i];
		l->fd_rtp = s->fd[i][0];
		l->fd_rtcp = s->fd[i][1];
		leg_apply_conf(l, &s->pipe->conf[i]);
		if (l->fd_rtp < 0)
			continue; /* a B-channel leg: no sockets */
		if (s->w->uring) {
			media__uring_start_leg(l);
			continue;
		}
		uv_poll_init(loop, &l->rtp, l->fd_rtp);
		uv_poll_init(loop, &l->rtcp, l->fd_rtcp);
		l->rtp.data = l->rtcp.data = l;
		uv_poll_start(&l->rtp, UV_READABLE, poll_cb);
		uv_poll_start(&l->rtcp, UV_READABLE, poll_cb);
	}
}

void media__one_closed(struct media_session *s)
{
	if (--s->closing == 0) {
		struct media_msg *m = s->destroy_msg_back;
		m->type = MEDIA_MSG_DESTROYED;
		media__queue_push(&s->eng->replies, m);
		media__wake(&s->eng->wake);
	}
}

/* the socket is no longer watched (uv_poll closed, or its io_uring receive ended): close it;
 * the port is free again once closed */
void media__socket_closed(struct media_leg_rt *l, bool rtcp)
{
	close(rtcp ? l->fd_rtcp : l->fd_rtp);
	media__one_closed(l->s);
}

static void closed_cb(uv_handle_t *h)
{
	struct media_leg_rt *l = h->data;

	media__socket_closed(l, h == (uv_handle_t *)&l->rtcp);
}

static void timer_closed_cb(uv_handle_t *h)
{
	media__one_closed(h->data);
}

static void jb_timer_closed_cb(uv_handle_t *h)
{
	struct media_leg_rt *l = h->data;
	media__one_closed(l->s);
}

static void worker_msg(struct media_worker *w, struct media_msg *m);

/* the worker's lines about a session name its call (sb_log_call_set is per thread) */
void media__worker_msg(struct media_worker *w, struct media_msg *m)
{
	unsigned long long prev = sb_log_call_set(
		m->s ? atomic_load_explicit(&m->s->call_id, memory_order_relaxed) : 0);

	worker_msg(w, m);
	sb_log_call_set(prev);
}

static void worker_msg(struct media_worker *w, struct media_msg *m)
{
	struct media_session *s = m->s;
	struct media_pipe *old;

	switch (m->type) {
	case MEDIA_MSG_CREATE:
		session_start(s);
		free(m);
		break;
	case MEDIA_MSG_UPDATE:
		old = s->pipe;
		s->pipe = m->pipe;
		media__tdm_adopt(s, s->pipe);
		leg_apply_conf(&s->leg[m->leg], &s->pipe->conf[m->leg]);
		/* PCM queued at the old rate or frame size is dropped, and so are packets held for
		 * a decoder that is gone */
		for (int i = 0; i < 2; i++) {
			s->leg[i].fifo_n = 0;
			s->leg[i].jb.started = false;
			uv_timer_stop(&s->leg[i].jb_timer);
		}
		m->type = MEDIA_MSG_OLD_PIPE;
		m->pipe = old;
		media__queue_push(&w->eng->replies, m);
		media__wake(&w->eng->wake);
		break;
	case MEDIA_MSG_DESTROY:
		/* four timers, the sockets of RTP legs, the B-channels of TDM legs */
		s->closing = 4;
		for (int i = 0; i < 2; i++)
			s->closing += (s->leg[i].fd_rtp >= 0 ? 2 : 0) + (s->leg[i].tdm ? 1 : 0);
		s->destroy_msg_back = m;
		uv_close((uv_handle_t *)&s->leg[0].jb_timer, jb_timer_closed_cb);
		uv_close((uv_handle_t *)&s->leg[1].jb_timer, jb_timer_closed_cb);
		uv_close((uv_handle_t *)&s->dtmf_timer, timer_closed_cb);
		uv_close((uv_handle_t *)&s->rtcp_timer, timer_closed_cb);
		s->w_closing = true;
		for (int i = 0; i < 2; i++) {
			if (s->leg[i].tdm) {
				media__tdm_close(s->leg[i].tdm, true);
				s->leg[i].tdm = NULL;
			}
			if (s->leg[i].fd_rtp < 0)
				continue;
			if (w->uring) {
				media__uring_close_leg(&s->leg[i]);
				continue;
			}
			uv_close((uv_handle_t *)&s->leg[i].rtp, closed_cb);
			uv_close((uv_handle_t *)&s->leg[i].rtcp, closed_cb);
		}
		break;
	case MEDIA_MSG_DTMF:
		if (s->pipe->conf[m->leg].dtmf_pt >= 0)
			dtmf_queue(&s->leg[m->leg], m->digit, m->duration_ms);
		else if (s->pipe->dtx[m->leg])
			tone_put(&s->leg[m->leg], m->digit);
		free(m);
		break;
	case MEDIA_MSG_STOP:
		media__wake_close(&w->wake, NULL);
		if (w->uring)
			media__uring_stop(w);
		free(m);
		break;
	default: free(m);
	}
}
