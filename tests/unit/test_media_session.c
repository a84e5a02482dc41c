/* test_media_session.c: sessions on worker threads with real UDP sockets on 127.0.0.1: transcoding
 * with SRTP both ways, pass-through, wrong keys and replays, latching, updates, DTMF, ports. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <spandsp.h>
#include <uv.h>

#include "media.h"
#include "media_audio.h"

static uv_loop_t loop;
static struct media_engine *eng;
static int port_lo;

/* ---- a peer: a plain UDP socket on 127.0.0.1 ---- */

struct peer {
	int fd;
	struct sockaddr_in addr;
	struct media_srtp *tx, *rx;
	uint16_t seq;
	uint32_t ts, ssrc;
};

static void peer_open(struct peer *p)
{
	socklen_t sl = sizeof p->addr;

	memset(p, 0, sizeof *p);
	p->fd = socket(AF_INET, SOCK_DGRAM, 0);
	p->addr.sin_family = AF_INET;
	p->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(p->fd, (struct sockaddr *)&p->addr, sizeof p->addr), 0);
	getsockname(p->fd, (struct sockaddr *)&p->addr, &sl);
	p->ssrc = 0x1000u + (unsigned)p->fd;
	p->seq = 1000;
}

static void peer_close(struct peer *p)
{
	close(p->fd);
	media_srtp_free(p->tx);
	media_srtp_free(p->rx);
}

static void to_engine(struct peer *p, uint16_t port, const uint8_t *pkt, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(sendto(p->fd, pkt, len, 0, (struct sockaddr *)&to, sizeof to),
			 (ssize_t)len);
}

/* send one RTP packet with payload; returns the bytes sent (after SRTP) and leaves them in out */
static size_t peer_send(struct peer *p, uint16_t port, uint8_t pt, const uint8_t *pay, size_t n,
			uint32_t ts_step, uint8_t *out)
{
	uint8_t buf[1600];
	size_t len = 12 + n;

	buf[0] = 0x80;
	buf[1] = pt;
	buf[2] = (uint8_t)(p->seq >> 8);
	buf[3] = (uint8_t)p->seq;
	for (int i = 0; i < 4; i++) {
		buf[4 + i] = (uint8_t)(p->ts >> (24 - 8 * i));
		buf[8 + i] = (uint8_t)(p->ssrc >> (24 - 8 * i));
	}
	memcpy(buf + 12, pay, n);
	p->seq++;
	p->ts += ts_step;
	if (p->tx)
		assert_int_equal(media_srtp_protect(p->tx, buf, &len, sizeof buf, false), 0);
	to_engine(p, port, buf, len);
	if (out)
		memcpy(out, buf, len);
	return len;
}

/* the next datagram within timeout_ms, while the main loop runs for events; 0 if none */
static size_t peer_recv(struct peer *p, uint8_t *buf, size_t cap, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 5) {
		struct pollfd pf = { .fd = p->fd, .events = POLLIN };
		uv_run(&loop, UV_RUN_NOWAIT);
		if (poll(&pf, 1, 5) == 1) {
			ssize_t n = recv(p->fd, buf, cap, 0);
			assert_true(n > 0);
			return (size_t)n;
		}
	}
	return 0;
}

static uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void leg_to(struct media_leg_conf *c, enum media_codec codec, uint8_t pt,
		   const struct peer *p)
{
	memset(c, 0, sizeof *c);
	c->codec = codec;
	c->pt = pt;
	c->dtmf_pt = -1;
	c->ptime = 20;
	memcpy(&c->remote, &p->addr, sizeof p->addr);
}

/* SRTP between leg and peer: the leg sends with key_tx, the peer with key_rx */
static void leg_srtp(struct media_leg_conf *c, struct peer *p)
{
	c->srtp = true;
	assert_int_equal(media_srtp_key_new(&c->key_tx, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80), 0);
	assert_int_equal(media_srtp_key_new(&c->key_rx, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32), 0);
	assert_int_equal(media_srtp_alloc(&p->tx, &c->key_rx, true), 0);
	assert_int_equal(media_srtp_alloc(&p->rx, &c->key_tx, false), 0);
}

/* wait until a condition on the main loop's view holds (bounded) */
#define WAIT_FOR(cond)                                                                             \
	do {                                                                                       \
		for (int w_ = 0; w_ < 400 && !(cond); w_++) {                                      \
			uv_run(&loop, UV_RUN_NOWAIT);                                              \
			usleep(5000);                                                              \
		}                                                                                  \
		assert_true(cond);                                                                 \
	} while (0)

static unsigned ports_in_use(void)
{
	struct media_engine_status st;
	media_engine_status(eng, &st);
	return st.ports_in_use;
}

/* every test runs twice: with the engine's default packet I/O (io_uring where the build and
 * kernel allow it) and with the uv_poll fallback forced */
static enum media_io io_mode;

static int setup(void **state)
{
	struct media_engine_conf c = {
		.workers = 2, .io = io_mode, .bind_ip = "127.0.0.1", .rtcp_interval_ms = 100
	};

	/* a port range of our own, away from other tests running at the same time */
	port_lo = 40000 + (getpid() % 1000) * 20;
	c.port_lo = port_lo;
	c.port_hi = port_lo + 19;
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(media_engine_alloc(&eng, &loop, &c), 0);
	struct media_engine_status st;
	media_engine_status(eng, &st);
	if (io_mode == MEDIA_IO_POLL)
		assert_string_equal(st.io, "poll");
#ifdef HAVE_LIBURING
	else if (strcmp(st.io, "io_uring") != 0)
		print_message("# io_uring refused by this kernel: the default run used uv_poll\n");
#endif
	return 0;
}

static int setup_poll(void **state)
{
	io_mode = MEDIA_IO_POLL;
	return setup(state);
}

static int setup_auto(void **state)
{
	io_mode = MEDIA_IO_AUTO;
	return setup(state);
}

#define BOTH_IO(f)                                                                                 \
	{ #f, f, setup_auto, teardown, NULL },                                                     \
	{                                                                                          \
#f " (uv_poll)", f, setup_poll, teardown, NULL                                     \
	}

static int teardown(void **state)
{
	media_engine_free(eng);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0); /* no handle left behind */
	return 0;
}

static void test_transcode_srtp_both_ways(void **state)
{
	struct peer a, b;
	struct media_leg_conf legs[2];
	struct media_session *s;
	struct media_enc *ea, *eb;
	struct media_dec *da, *db;
	uint8_t pay[400], buf[1600];
	int16_t pcm[320], got_b[16000], got_a[8000];
	size_t nb = 0, na = 0;

	peer_open(&a);
	peer_open(&b);
	leg_to(&legs[0], MEDIA_PCMA, 8, &a);
	leg_to(&legs[1], MEDIA_G722, 9, &b);
	leg_srtp(&legs[1], &b);
	assert_int_equal(media_session_alloc(&s, eng, legs, NULL, NULL), 0);
	assert_int_equal(ports_in_use(), 4);

	/* legacy -> cloud: A-law 1 kHz in, SRTP G.722 out that a 16 kHz decoder plays */
	assert_int_equal(media_enc_alloc(&ea, MEDIA_PCMA, 8000), 0);
	assert_int_equal(media_dec_alloc(&db, MEDIA_G722, 16000), 0);
	uint32_t first_ts = 0, ssrc = 0;
	uint16_t last_seq = 0;
	for (int i = 0; i < 50; i++) {
		ta_tone(pcm, 160, 1000.0, 8000, TA_AMP);
		for (int k = 0; k < 160; k++) /* phase-continuous across packets */
			pcm[k] = (int16_t)lrint(TA_AMP *
						sin(2 * M_PI * 1000.0 * (i * 160 + k) / 8000));
		int l = media_enc_encode(ea, pcm, 160, pay, sizeof pay);
		peer_send(&a, media_session_port(s, 0), 8, pay, (size_t)l, 160, NULL);
		size_t n = peer_recv(&b, buf, sizeof buf, 1000);
		assert_true(n > 12);
		assert_int_equal(media_srtp_unprotect(b.rx, buf, &n, false), 0);
		assert_int_equal(buf[1] & 0x7f, 9);
		assert_int_equal(n, 12 + 160); /* 20 ms of G.722 */
		if (i == 0) {
			first_ts = rd32(buf + 4);
			ssrc = rd32(buf + 8);
		} else {
			/* G.722's RTP clock is 8000: 160 per 20 ms */
			assert_int_equal(rd32(buf + 4) - first_ts, 160u * (unsigned)i);
			assert_int_equal(rd16(buf + 2), (uint16_t)(last_seq + 1));
			assert_int_equal(rd32(buf + 8), ssrc);
		}
		last_seq = rd16(buf + 2);
		nb += (size_t)media_dec_decode(db, buf + 12, n - 12, got_b + nb, 16000 - nb);
	}
	double f = ta_zero_cross_freq(got_b + 1600, nb - 1600, 16000);
	print_message("# A-law -> G.722/SRTP through the engine: %.1f Hz\n", f);
	assert_true(f > 990 && f < 1010);

	/* cloud -> legacy: SRTP G.722 440 Hz in, A-law out */
	assert_int_equal(media_enc_alloc(&eb, MEDIA_G722, 16000), 0);
	assert_int_equal(media_dec_alloc(&da, MEDIA_PCMA, 8000), 0);
	uint8_t kept[1600];
	size_t kept_len = 0;
	for (int i = 0; i < 40; i++) {
		for (int k = 0; k < 320; k++)
			pcm[k] = (int16_t)lrint(TA_AMP *
						sin(2 * M_PI * 440.0 * (i * 320 + k) / 16000));
		int l = media_enc_encode(eb, pcm, 320, pay, sizeof pay);
		kept_len = peer_send(&b, media_session_port(s, 1), 9, pay, (size_t)l, 160, kept);
		size_t n = peer_recv(&a, buf, sizeof buf, 1000);
		assert_int_equal(n, 12 + 160);
		assert_int_equal(buf[1] & 0x7f, 8);
		na += (size_t)media_dec_decode(da, buf + 12, n - 12, got_a + na, 8000 - na);
	}
	f = ta_zero_cross_freq(got_a + 800, na - 800, 8000);
	print_message("# G.722/SRTP -> A-law through the engine: %.1f Hz\n", f);
	assert_true(f > 435 && f < 445);

	/* a replayed packet is dropped, and so is one protected with another key */
	to_engine(&b, media_session_port(s, 1), kept, kept_len);
	struct media_srtp_key wrong;
	struct media_srtp *wtx;
	assert_int_equal(media_srtp_key_new(&wrong, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32), 0);
	assert_int_equal(media_srtp_alloc(&wtx, &wrong, true), 0);
	struct media_srtp *good = b.tx;
	b.tx = wtx;
	peer_send(&b, media_session_port(s, 1), 9, pay, 160, 160, NULL);
	b.tx = good;
	media_srtp_free(wtx);
	assert_int_equal(peer_recv(&a, buf, sizeof buf, 200), 0); /* nothing came through */
	struct media_leg_stats st;
	assert_int_equal(media_session_stats(s, 1, &st), 0);
	assert_int_equal(st.srtp_replay, 1);
	assert_int_equal(st.srtp_auth_fail, 1);
	assert_int_equal(st.rx_packets, 40);
	assert_true(st.transcoding);
	assert_int_equal(media_session_stats(s, 0, &st), 0);
	assert_int_equal(st.rx_packets, 50);
	assert_int_equal(st.lost, 0);
	assert_true(st.mos > 4.0);
	print_message("# leg 0: jitter %.3f ms, MOS %.2f\n", st.jitter_ms, st.mos);
	/* the engine's totals, as show media gives them */
	struct media_engine_status es;
	media_engine_status(eng, &es);
	assert_int_equal(es.sessions, 1);
	assert_int_equal(es.rx_packets, 90);
	assert_int_equal(es.tx_packets, 90);
	assert_int_equal(es.srtp_auth_fail, 1);
	assert_int_equal(es.srtp_replay, 1);

	media_session_destroy(s);
	WAIT_FOR(ports_in_use() == 0);
	media_enc_free(ea);
	media_enc_free(eb);
	media_dec_free(da);
	media_dec_free(db);
	peer_close(&a);
	peer_close(&b);
}

static void test_passthrough_reprotects(void **state)
{
	struct peer a, b;
	struct media_leg_conf legs[2];
	struct media_session *s;
	uint8_t pay[160], buf[1600];

	peer_open(&a);
	peer_open(&b);
	leg_to(&legs[0], MEDIA_G722, 9, &a);
	leg_to(&legs[1], MEDIA_G722, 9, &b);
	leg_srtp(&legs[1], &b);
	assert_int_equal(media_session_alloc(&s, eng, legs, NULL, NULL), 0);
	uint16_t prev = 0;
	for (int i = 0; i < 20; i++) {
		for (int k = 0; k < 160; k++)
			pay[k] = (uint8_t)(i + k);
		peer_send(&a, media_session_port(s, 0), 9, pay, 160, 160, NULL);
		size_t n = peer_recv(&b, buf, sizeof buf, 1000);
		assert_true(n > 0);
		assert_int_equal(media_srtp_unprotect(b.rx, buf, &n, false), 0);
		assert_int_equal(n, 172);
		assert_memory_equal(buf + 12, pay, 160);     /* not decoded: the same bytes */
		assert_int_not_equal(rd32(buf + 8), a.ssrc); /* our SSRC */
		if (i)
			assert_int_equal(rd16(buf + 2), (uint16_t)(prev + 1));
		prev = rd16(buf + 2);
	}
	/* a gap in the source's numbering stays a gap (the receiver must see the loss) */
	a.seq += 2;
	peer_send(&a, media_session_port(s, 0), 9, pay, 160, 160, NULL);
	size_t n = peer_recv(&b, buf, sizeof buf, 1000);
	assert_int_equal(media_srtp_unprotect(b.rx, buf, &n, false), 0);
	assert_int_equal(rd16(buf + 2), (uint16_t)(prev + 3));
	struct media_leg_stats st;
	media_session_stats(s, 0, &st);
	assert_false(st.transcoding);
	assert_int_equal(st.lost, 2);
	media_session_destroy(s);
	WAIT_FOR(ports_in_use() == 0);
	peer_close(&a);
	peer_close(&b);
}

struct ev_log {
	int latched, dtmf;
	char digits[16];
	struct sockaddr_in addr;
};

static void ev_cb(struct media_session *s, const struct media_event *ev, void *arg)
{
	struct ev_log *log = arg;

	if (ev->type == MEDIA_EV_LATCHED) {
		log->latched++;
		memcpy(&log->addr, &ev->addr, sizeof log->addr);
	} else if (ev->type == MEDIA_EV_DTMF && log->dtmf < 15) {
		log->digits[log->dtmf++] = ev->digit;
	}
}

static void test_latching_and_source_check(void **state)
{
	struct peer a, b, stranger;
	struct media_leg_conf legs[2];
	struct media_session *s;
	struct ev_log log = { 0 };
	uint8_t pay[160] = { 0 }, buf[1600];

	peer_open(&a);
	peer_open(&b);
	peer_open(&stranger);
	leg_to(&legs[0], MEDIA_PCMU, 0, &a);
	memset(&legs[0].remote, 0, sizeof legs[0].remote); /* behind NAT: unknown until it sends */
	legs[0].latch = true;
	leg_to(&legs[1], MEDIA_PCMU, 0, &b);
	assert_int_equal(media_session_alloc(&s, eng, legs, ev_cb, &log), 0);
	/* nothing can go toward leg 0 before it latched */
	peer_send(&b, media_session_port(s, 1), 0, pay, 160, 160, NULL);
	assert_int_equal(peer_recv(&a, buf, sizeof buf, 100), 0);
	peer_send(&a, media_session_port(s, 0), 0, pay, 160, 160, NULL);
	assert_true(peer_recv(&b, buf, sizeof buf, 1000) > 0);
	WAIT_FOR(log.latched == 1);
	assert_int_equal(log.addr.sin_port, a.addr.sin_port);
	peer_send(&b, media_session_port(s, 1), 0, pay, 160, 160, NULL);
	assert_true(peer_recv(&a, buf, sizeof buf, 1000) > 0);
	/* leg 1 does not latch: a stranger's packets are dropped */
	peer_send(&stranger, media_session_port(s, 1), 0, pay, 160, 160, NULL);
	assert_int_equal(peer_recv(&a, buf, sizeof buf, 100), 0);
	struct media_leg_stats st;
	media_session_stats(s, 1, &st);
	assert_int_equal(st.rx_dropped, 1);
	media_session_destroy(s);
	WAIT_FOR(ports_in_use() == 0);
	peer_close(&a);
	peer_close(&b);
	peer_close(&stranger);
}

static void test_update_changes_codec(void **state)
{
	struct peer a, b;
	struct media_leg_conf legs[2], c;
	struct media_session *s;
	uint8_t pay[160] = { 0xd5 }, buf[1600];

	peer_open(&a);
	peer_open(&b);
	leg_to(&legs[0], MEDIA_PCMA, 8, &a);
	leg_to(&legs[1], MEDIA_G722, 9, &b);
	assert_int_equal(media_session_alloc(&s, eng, legs, NULL, NULL), 0);
	memset(pay, 0xd5, sizeof pay);
	peer_send(&a, media_session_port(s, 0), 8, pay, 160, 160, NULL);
	size_t n = peer_recv(&b, buf, sizeof buf, 1000);
	assert_int_equal(buf[1] & 0x7f, 9);
	uint32_t ssrc = rd32(buf + 8);
	uint16_t seq = rd16(buf + 2);
	/* a re-INVITE: the cloud leg moves to µ-law, 30 ms */
	leg_to(&c, MEDIA_PCMU, 0, &b);
	c.ptime = 30;
	assert_int_equal(media_session_update(s, 1, &c), 0);
	struct media_leg_stats st;
	for (int i = 0; i < 10; i++) {
		media_session_stats(s, 0, &st);
		peer_send(&a, media_session_port(s, 0), 8, pay, 160, 160, NULL);
		n = peer_recv(&b, buf, sizeof buf, 200);
		if (n && (buf[1] & 0x7f) == 0)
			break;
	}
	assert_int_equal(buf[1] & 0x7f, 0);
	assert_int_equal(n, 12 + 240);         /* 30 ms of µ-law */
	assert_int_equal(rd32(buf + 8), ssrc); /* the same stream goes on */
	assert_true((uint16_t)(rd16(buf + 2) - seq) < 20);
	/* a bad update changes nothing */
	c.ptime = 25;
	assert_int_equal(media_session_update(s, 1, &c), -EINVAL);
	media_session_destroy(s);
	WAIT_FOR(ports_in_use() == 0);
	peer_close(&a);
	peer_close(&b);
}

static void test_rfc4733_relayed(void **state)
{
	struct peer a, b;
	struct media_leg_conf legs[2];
	struct media_session *s;
	struct ev_log log = { 0 };
	uint8_t ev[4], buf[1600];

	peer_open(&a);
	peer_open(&b);
	leg_to(&legs[0], MEDIA_PCMA, 8, &a);
	legs[0].dtmf_pt = 101;
	leg_to(&legs[1], MEDIA_G722, 9, &b);
	legs[1].dtmf_pt = 96;
	leg_srtp(&legs[1], &b);
	assert_int_equal(media_session_alloc(&s, eng, legs, ev_cb, &log), 0);
	/* digit 5: three packets of one event (same timestamp), the last with the end bit */
	for (int i = 0; i < 3; i++) {
		ev[0] = 5;
		ev[1] = (uint8_t)((i == 2 ? 0x80 : 0) | 10);
		ev[2] = 0;
		ev[3] = (uint8_t)(160 * (i + 1));
		peer_send(&b, media_session_port(s, 1), 96, ev, 4, 0, NULL);
		size_t n = peer_recv(&a, buf, sizeof buf, 1000);
		assert_int_equal(n, 16);
		assert_int_equal(buf[1] & 0x7f, 101);
		assert_int_equal(buf[12], 5);
		assert_int_equal(buf[13] & 0x80, i == 2 ? 0x80 : 0);
	}
	WAIT_FOR(log.dtmf == 1);
	assert_int_equal(log.digits[0], '5');
	media_session_destroy(s);
	WAIT_FOR(ports_in_use() == 0);
	peer_close(&a);
	peer_close(&b);
}

/* both peers stream 20 ms packets for iters rounds: A sends A-law (with tones while its
 * dtmf_tx has digits), B sends silent G.722 over SRTP. What arrives is decoded: A's audio goes
 * through a DTMF detector, B's telephone-events are collected. */
struct dtmf_run {
	dtmf_tx_state_t *a_tones; /* digits A presses in-band */
	char a_heard[16];         /* digits detected in the audio A receives */
	int na_heard;
	char b_events[16]; /* RFC 4733 events B receives (one per event) */
	int nb_events, b_end_bits;
	uint32_t b_last_ev_ts;
};

static void a_heard_cb(void *user, const char *digits, int len)
{
	struct dtmf_run *r = user;
	for (int i = 0; i < len && r->na_heard < 15; i++)
		r->a_heard[r->na_heard++] = digits[i];
}

static void stream_both(struct media_session *s, struct peer *a, struct peer *b, int iters,
			struct dtmf_run *r)
{
	struct media_enc *ea, *eb;
	struct media_dec *da;
	dtmf_rx_state_t *rx = dtmf_rx_init(NULL, a_heard_cb, r);
	uint8_t pay[400], buf[1600];
	int16_t pcm[320];

	assert_int_equal(media_enc_alloc(&ea, MEDIA_PCMA, 8000), 0);
	assert_int_equal(media_enc_alloc(&eb, MEDIA_G722, 16000), 0);
	assert_int_equal(media_dec_alloc(&da, MEDIA_PCMA, 8000), 0);
	for (int i = 0; i < iters; i++) {
		memset(pcm, 0, sizeof pcm);
		if (r->a_tones)
			dtmf_tx(r->a_tones, pcm, 160);
		int l = media_enc_encode(ea, pcm, 160, pay, sizeof pay);
		peer_send(a, media_session_port(s, 0), 8, pay, (size_t)l, 160, NULL);
		memset(pcm, 0, sizeof pcm);
		l = media_enc_encode(eb, pcm, 320, pay, sizeof pay);
		peer_send(b, media_session_port(s, 1), 9, pay, (size_t)l, 160, NULL);
		/* the phones' 20 ms: take what arrives on either side until the next packet is due */
		uint64_t due = uv_hrtime() + 20000000ULL;
		for (;;) {
			uint64_t now = uv_hrtime();
			struct pollfd pf[2] = { { a->fd, POLLIN, 0 }, { b->fd, POLLIN, 0 } };
			uv_run(&loop, UV_RUN_NOWAIT);
			if (now >= due)
				break;
			if (poll(pf, 2, (int)((due - now) / 1000000) + 1) <= 0)
				continue;
			size_t n;
			if (pf[0].revents & POLLIN) {
				n = (size_t)recv(a->fd, buf, sizeof buf, 0);
				if ((buf[1] & 0x7f) == 8) {
					int k = media_dec_decode(da, buf + 12, n - 12, pcm, 320);
					dtmf_rx(rx, pcm, k);
				}
			}
			if (pf[1].revents & POLLIN) {
				n = (size_t)recv(b->fd, buf, sizeof buf, 0);
				assert_int_equal(media_srtp_unprotect(b->rx, buf, &n, false), 0);
				if ((buf[1] & 0x7f) == 101 && n >= 16) {
					uint32_t ts = rd32(buf + 4);
					if (!r->nb_events || ts != r->b_last_ev_ts) {
						r->b_events[r->nb_events++ % 15] =
							"0123456789*#ABCD"[buf[12] & 15];
						r->b_last_ev_ts = ts;
					}
					if (buf[13] & 0x80)
						r->b_end_bits++;
				}
			}
		}
	}
	dtmf_rx_free(rx);
	media_enc_free(ea);
	media_enc_free(eb);
	media_dec_free(da);
}

static void test_dtmf_every_path(void **state)
{
	struct peer a, b;
	struct media_leg_conf legs[2];
	struct media_session *s;
	struct ev_log log = { 0 };
	struct dtmf_run r;

	peer_open(&a);
	peer_open(&b);
	leg_to(&legs[0], MEDIA_PCMA, 8, &a); /* legacy: no telephone-event, tones only */
	leg_to(&legs[1], MEDIA_G722, 9, &b);
	legs[1].dtmf_pt = 101;
	leg_srtp(&legs[1], &b);
	assert_int_equal(media_session_alloc(&s, eng, legs, ev_cb, &log), 0);

	/* 1. a digit pressed on the legacy phone (tones) arrives in the cloud as an event */
	memset(&r, 0, sizeof r);
	r.a_tones = dtmf_tx_init(NULL);
	dtmf_tx_put(r.a_tones, "9", 1);
	stream_both(s, &a, &b, 25, &r);
	dtmf_tx_free(r.a_tones);
	print_message("# in-band 9 from A-law: events at the cloud \"%.*s\", %d end bits\n",
		      r.nb_events, r.b_events, r.b_end_bits);
	assert_int_equal(r.nb_events, 1);
	assert_int_equal(r.b_events[0], '9');
	assert_int_equal(r.b_end_bits, 3);
	WAIT_FOR(log.dtmf == 1);
	assert_int_equal(log.digits[0], '9');

	/* 2. an event from the cloud reaches the legacy phone as tones */
	memset(&r, 0, sizeof r);
	uint8_t ev[4] = { 4, 10, 0, 0 };
	for (int i = 0; i < 5; i++) {
		ev[1] = (uint8_t)((i >= 3 ? 0x80 : 0) | 10);
		ev[3] = (uint8_t)(160 * (i < 3 ? i + 1 : 3));
		uint32_t keep = b.ts;
		peer_send(&b, media_session_port(s, 1), 101, ev, 4, 0, NULL);
		b.ts = keep;
	}
	stream_both(s, &a, &b, 20, &r);
	print_message("# event 4 from the cloud: heard at the legacy phone \"%.*s\"\n", r.na_heard,
		      r.a_heard);
	assert_int_equal(r.na_heard, 1);
	assert_int_equal(r.a_heard[0], '4');
	WAIT_FOR(log.dtmf == 2);
	assert_int_equal(log.digits[1], '4');

	/* 3. digits sent by the call core: as events toward the cloud, as tones toward legacy */
	memset(&r, 0, sizeof r);
	assert_int_equal(media_session_dtmf(s, 1, '3', 100), 0);
	assert_int_equal(media_session_dtmf(s, 0, '#', 100), 0);
	stream_both(s, &a, &b, 25, &r);
	print_message("# sent: events at the cloud \"%.*s\", heard at legacy \"%.*s\"\n",
		      r.nb_events, r.b_events, r.na_heard, r.a_heard);
	assert_int_equal(r.nb_events, 1);
	assert_int_equal(r.b_events[0], '3');
	assert_int_equal(r.na_heard, 1);
	assert_int_equal(r.a_heard[0], '#');
	assert_int_equal(media_session_dtmf(s, 0, 'x', 100), -EINVAL);

	media_session_destroy(s);
	WAIT_FOR(ports_in_use() == 0);
	peer_close(&a);
	peer_close(&b);
}

/* Digits toward a leg without telephone-event whose codec is not G.711: tones in its codec.
 * Peer a sends silence in ca (pt_a, with events at 101), peer b silence in cb; what b receives
 * is decoded at 8 kHz and listened to for tones. */
static void inband_run(struct media_session *s, struct peer *a, struct peer *b, enum media_codec ca,
		       uint8_t pt_a, enum media_codec cb, uint8_t pt_b, char event,
		       struct dtmf_run *r)
{
	struct media_enc *ea, *eb;
	struct media_dec *db;
	dtmf_rx_state_t *rx = dtmf_rx_init(NULL, a_heard_cb, r);
	uint8_t pay[400], buf[1600];
	int16_t pcm[960];
	unsigned ra = media_codec_info(ca)->sample_rate, rb = media_codec_info(cb)->sample_rate;
	unsigned tsa = media_codec_rtp_ts(ca, 20), tsb = media_codec_rtp_ts(cb, 20);

	assert_int_equal(media_enc_alloc(&ea, ca, ra), 0);
	assert_int_equal(media_enc_alloc(&eb, cb, rb), 0);
	assert_int_equal(media_dec_alloc(&db, cb, 8000), 0);
	for (int i = 0; i < 30; i++) {
		memset(pcm, 0, sizeof pcm);
		int l = media_enc_encode(ea, pcm, ra / 50, pay, sizeof pay);
		peer_send(a, media_session_port(s, 0), pt_a, pay, (size_t)l, tsa, NULL);
		if (event && i >= 2 && i < 7) { /* an RFC 4733 event of 100 ms, end sent 3 times */
			uint8_t ev[4] = { (uint8_t)(strchr("0123456789*#", event) - "0123456789*#"),
					  (uint8_t)((i >= 4 ? 0x80 : 0) | 10), 0,
					  (uint8_t)(tsa * (i < 4 ? i - 1 : 3) / 4) };
			uint32_t keep = a->ts;
			a->ts -= tsa * (uint32_t)(i - 1);
			peer_send(a, media_session_port(s, 0), 101, ev, 4, 0, NULL);
			a->ts = keep;
		}
		l = media_enc_encode(eb, pcm, rb / 50, pay, sizeof pay);
		peer_send(b, media_session_port(s, 1), pt_b, pay, (size_t)l, tsb, NULL);
		uint64_t due = uv_hrtime() + 20000000ULL;
		for (uint64_t now; (now = uv_hrtime()) < due;) {
			struct pollfd pf = { b->fd, POLLIN, 0 };
			uv_run(&loop, UV_RUN_NOWAIT);
			if (poll(&pf, 1, (int)((due - now) / 1000000) + 1) <= 0)
				continue;
			ssize_t n = recv(b->fd, buf, sizeof buf, 0);
			if (n > 12 && (buf[1] & 0x7f) == pt_b) {
				int k = media_dec_decode(db, buf + 12, (size_t)n - 12, pcm, 960);
				if (k > 0)
					dtmf_rx(rx, pcm, k);
			}
		}
	}
	dtmf_rx_free(rx);
	media_enc_free(ea);
	media_enc_free(eb);
	media_dec_free(db);
}

static void test_inband_any_codec(void **state)
{
	static const struct {
		enum media_codec ca, cb;
		uint8_t pa, pb;
		const char *what;
	} runs[] = {
		{ MEDIA_G722, MEDIA_G722, 9, 9, "G.722 pass-through" },
		{ MEDIA_OPUS, MEDIA_G722, 111, 9, "Opus to G.722 (16 kHz)" },
		{ MEDIA_PCMA, MEDIA_G722, 8, 9, "A-law to G.722 (8 kHz mode)" },
		{ MEDIA_OPUS, MEDIA_PCMA, 111, 8, "Opus to A-law (Opus at 8 kHz)" },
		{ MEDIA_PCMU, MEDIA_OPUS, 0, 111, "mu-law to Opus (Opus at 8 kHz)" },
		{ MEDIA_OPUS, MEDIA_OPUS, 111, 111, "Opus pass-through" },
	};

	for (size_t k = 0; k < sizeof runs / sizeof *runs; k++) {
		struct peer a, b;
		struct media_leg_conf legs[2];
		struct media_session *s;
		struct ev_log log = { 0 };
		struct dtmf_run r;

		peer_open(&a);
		peer_open(&b);
		leg_to(&legs[0], runs[k].ca, runs[k].pa, &a);
		legs[0].dtmf_pt = 101;
		leg_to(&legs[1], runs[k].cb, runs[k].pb, &b); /* no telephone-event */
		assert_int_equal(media_session_alloc(&s, eng, legs, ev_cb, &log), 0);
		/* an event from leg 0, then a digit from the call core */
		memset(&r, 0, sizeof r);
		inband_run(s, &a, &b, runs[k].ca, runs[k].pa, runs[k].cb, runs[k].pb, '5', &r);
		assert_int_equal(media_session_dtmf(s, 1, '7', 100), 0);
		inband_run(s, &a, &b, runs[k].ca, runs[k].pa, runs[k].cb, runs[k].pb, 0, &r);
		print_message("# %s: heard \"%.*s\"\n", runs[k].what, r.na_heard, r.a_heard);
		assert_int_equal(r.na_heard, 2);
		assert_int_equal(r.a_heard[0], '5');
		assert_int_equal(r.a_heard[1], '7');
		media_session_destroy(s);
		WAIT_FOR(ports_in_use() == 0);
		peer_close(&a);
		peer_close(&b);
	}
}

/* In-band digits from a leg without telephone-event, whatever its codec: peer a presses 1 as
 * tones in ca (two 100 ms tones, 1 then 5), peer b takes events (pt 101) in cb. Each digit must be
 * reported once (MEDIA_EV_DTMF) and reach b as one RFC 4733 event. */
static void test_detect_any_codec(void **state)
{
	static const struct {
		enum media_codec ca, cb;
		uint8_t pa, pb;
		const char *what;
	} runs[] = {
		{ MEDIA_G722, MEDIA_G722, 9, 9, "G.722 passed through" },
		{ MEDIA_OPUS, MEDIA_G722, 111, 9, "Opus transcoded to G.722 (16 kHz)" },
		{ MEDIA_G722, MEDIA_PCMA, 9, 8, "G.722 transcoded to A-law (8 kHz mode)" },
		{ MEDIA_OPUS, MEDIA_PCMA, 111, 8, "Opus transcoded to A-law (Opus at 8 kHz)" },
		{ MEDIA_PCMA, MEDIA_OPUS, 8, 111, "A-law transcoded to Opus (Opus at 8 kHz)" },
		{ MEDIA_OPUS, MEDIA_OPUS, 111, 111, "Opus passed through" },
	};
	static const double lo[] = { 697, 770 }, hi[] = { 1209, 1336 }; /* 1, 5 */

	(void)state;
	for (size_t k = 0; k < sizeof runs / sizeof *runs; k++) {
		struct peer a, b;
		struct media_leg_conf legs[2];
		struct media_session *s;
		struct ev_log log = { 0 };
		struct media_enc *ea;
		uint8_t pay[400], buf[1600];
		int16_t pcm[960];
		char events[16];
		int nev = 0;
		uint32_t last_ts = 0;
		unsigned ra = media_codec_info(runs[k].ca)->sample_rate;
		unsigned tsa = media_codec_rtp_ts(runs[k].ca, 20);

		peer_open(&a);
		peer_open(&b);
		leg_to(&legs[0], runs[k].ca, runs[k].pa, &a); /* no telephone-event */
		leg_to(&legs[1], runs[k].cb, runs[k].pb, &b);
		legs[1].dtmf_pt = 101;
		assert_int_equal(media_session_alloc(&s, eng, legs, ev_cb, &log), 0);
		assert_int_equal(media_enc_alloc(&ea, runs[k].ca, ra), 0);
		for (int i = 0; i < 40; i++) {
			size_t n = ra / 50;
			memset(pcm, 0, sizeof pcm);
			/* 1 in frames 3-7, 5 in frames 15-19 (100 ms each, -10 dBm0 a tone) */
			int d = i >= 3 && i < 8 ? 0 : i >= 15 && i < 20 ? 1 : -1;
			for (size_t j = 0; d >= 0 && j < n; j++) {
				double t = (double)((size_t)i * n + j) / ra; /* phase runs on */
				pcm[j] = (int16_t)lrint(5000 * sin(2 * M_PI * lo[d] * t) +
							5000 * sin(2 * M_PI * hi[d] * t));
			}
			int l = media_enc_encode(ea, pcm, n, pay, sizeof pay);
			peer_send(&a, media_session_port(s, 0), runs[k].pa, pay, (size_t)l, tsa, NULL);
			uint64_t due = uv_hrtime() + 20000000ULL;
			for (uint64_t now; (now = uv_hrtime()) < due;) {
				struct pollfd pf = { b.fd, POLLIN, 0 };
				uv_run(&loop, UV_RUN_NOWAIT);
				if (poll(&pf, 1, (int)((due - now) / 1000000) + 1) <= 0)
					continue;
				ssize_t r = recv(b.fd, buf, sizeof buf, 0);
				if (r >= 16 && (buf[1] & 0x7f) == 101 &&
				    (!nev || rd32(buf + 4) != last_ts) && nev < 15) {
					events[nev++] = "0123456789*#ABCD"[buf[12] & 15];
					last_ts = rd32(buf + 4);
				}
			}
		}
		for (int i = 0; i < 50 && log.dtmf < 2; i++)
			uv_run(&loop, UV_RUN_NOWAIT), usleep(10000);
		print_message("# %s: reported \"%.*s\", events at the other leg \"%.*s\"\n",
			      runs[k].what, log.dtmf, log.digits, nev, events);
		assert_int_equal(log.dtmf, 2);
		assert_int_equal(log.digits[0], '1');
		assert_int_equal(log.digits[1], '5');
		assert_int_equal(nev, 2);
		assert_int_equal(events[0], '1');
		assert_int_equal(events[1], '5');
		media_enc_free(ea);
		media_session_destroy(s);
		WAIT_FOR(ports_in_use() == 0);
		peer_close(&a);
		peer_close(&b);
	}
}

/* a peer with an RTCP socket on the odd port above its RTP port */
static int peer_open_pair(struct peer *p)
{
	for (int tries = 0; tries < 100; tries++) {
		peer_open(p);
		uint16_t port = ntohs(p->addr.sin_port);
		if (port % 2 == 0 && port < 65535) {
			struct sockaddr_in r = p->addr;
			int fd = socket(AF_INET, SOCK_DGRAM, 0);
			r.sin_port = htons((uint16_t)(port + 1));
			if (bind(fd, (struct sockaddr *)&r, sizeof r) == 0)
				return fd;
			close(fd);
		}
		close(p->fd);
	}
	fail_msg("no even/odd port pair on 127.0.0.1");
	return -1;
}

static void test_rtcp_reports_and_rtt(void **state)
{
	struct peer a, b;
	struct media_leg_conf legs[2];
	struct media_session *s;
	uint8_t pay[160], buf[1600];
	uint32_t engine_ssrc = 0;
	int b_rtcp, got_rtp = 0;

	peer_open(&a);
	b_rtcp = peer_open_pair(&b);
	leg_to(&legs[0], MEDIA_PCMA, 8, &a);
	leg_to(&legs[1], MEDIA_G722, 9, &b);
	leg_srtp(&legs[1], &b);
	assert_int_equal(media_session_alloc(&s, eng, legs, NULL, NULL), 0);
	memset(pay, 0xd5, sizeof pay);
	for (int i = 0; i < 30; i++) {
		peer_send(&a, media_session_port(s, 0), 8, pay, 160, 160, NULL);
		size_t n = peer_recv(&b, buf, sizeof buf, 1000);
		assert_true(n > 12);
		engine_ssrc = rd32(buf + 8);
		got_rtp++;
	}
	/* B sends 20 packets with two missing */
	for (int i = 0; i < 20; i++) {
		if (i == 10)
			b.seq += 2;
		peer_send(&b, media_session_port(s, 1), 9, pay, 160, 160, NULL);
		peer_recv(&a, buf, sizeof buf, 1000);
	}
	/* the engine's sender report reaches B's RTCP port, protected (SRTCP) */
	struct peer br = b;
	br.fd = b_rtcp;
	size_t n = 0;
	for (int k = 0; k < 20; k++) {
		n = peer_recv(&br, buf, sizeof buf, 500);
		assert_true(n > 0);
		assert_int_equal(media_srtp_unprotect(b.rx, buf, &n, true), 0);
		/* an SR with a report block on all of B's stream (a report may go out while B's
		 * packets are still arriving on a slow machine: the next one has them all) */
		if (buf[1] == 200 && (buf[0] & 0x1f) == 1 &&
		    (rd32(buf + 36) & 0xffff) == (uint16_t)(b.seq - 1))
			break;
	}
	assert_int_equal(buf[1], 200);
	assert_int_equal(rd32(buf + 4), engine_ssrc);
	assert_int_equal(rd32(buf + 20), (uint32_t)got_rtp); /* packets sent to B */
	assert_int_equal(rd32(buf + 28), b.ssrc);            /* report block on B's stream */
	assert_int_equal(rd32(buf + 32) & 0xffffff, 2);      /* cumulative lost */
	assert_int_equal(rd32(buf + 36) & 0xffff, (uint16_t)(b.seq - 1)); /* highest seq */
	assert_true(n >= 28 + 24 + 8 && buf[28 + 24 + 1] == 202);         /* SDES follows */
	uint32_t lsr = rd32(buf + 8) << 16 | rd32(buf + 12) >> 16;

	/* B answers at once with a receiver report: LSR of that SR, DLSR 0 */
	uint8_t rr[64] = { 0x81, 201, 0, 7 };
	size_t rl = 32;
	for (int i = 0; i < 4; i++)
		rr[4 + i] = (uint8_t)(b.ssrc >> (24 - 8 * i));
	uint32_t blk[6] = { engine_ssrc, 0, 0, 0, lsr, 0 };
	for (int w = 0; w < 6; w++)
		for (int i = 0; i < 4; i++)
			rr[8 + 4 * w + i] = (uint8_t)(blk[w] >> (24 - 8 * i));
	assert_int_equal(media_srtp_protect(b.tx, rr, &rl, sizeof rr, true), 0);
	to_engine(&b, (uint16_t)(media_session_port(s, 1) + 1), rr, rl);
	struct media_leg_stats st;
	WAIT_FOR((media_session_stats(s, 1, &st), st.rtt_ms > 0));
	print_message("# RTT from RTCP: %.2f ms, lost %llu, jitter %.2f ms, MOS %.2f\n", st.rtt_ms,
		      (unsigned long long)st.lost, st.jitter_ms, st.mos);
	assert_true(st.rtt_ms < 1000);
	assert_int_equal(st.lost, 2);
	media_session_destroy(s);
	WAIT_FOR(ports_in_use() == 0);
	close(b_rtcp);
	peer_close(&a);
	peer_close(&b);
}

/* send A-law packet number k (its own sequence number), with a tone whose level tells them apart */
static void send_numbered(struct peer *a, struct media_session *s, struct media_enc *ea, int k)
{
	uint8_t pay[160];
	int16_t pcm[160];

	ta_tone(pcm, 160, 1000.0, 8000, 1000.0 * (k + 1));
	int l = media_enc_encode(ea, pcm, 160, pay, sizeof pay);
	uint16_t keep = a->seq;
	a->seq = (uint16_t)(5000 + k);
	peer_send(a, media_session_port(s, 0), 8, pay, (size_t)l, 160, NULL);
	a->seq = keep;
}

static void test_jitter_buffer_reorder_and_loss(void **state)
{
	struct peer a, b;
	struct media_leg_conf legs[2];
	struct media_session *s;
	struct media_enc *ea;
	struct media_leg_stats st;
	uint8_t buf[1600];
	int got = 0;

	peer_open(&a);
	peer_open(&b);
	leg_to(&legs[0], MEDIA_PCMA, 8, &a);
	leg_to(&legs[1], MEDIA_PCMU, 0, &b); /* transcoded, so the decode path's buffer is in use */
	assert_int_equal(media_session_alloc(&s, eng, legs, NULL, NULL), 0);
	assert_int_equal(media_enc_alloc(&ea, MEDIA_PCMA, 8000), 0);
	/* 0 1 3 2 4: packet 3 waits for 2, then both go out in order; nothing is concealed */
	static const int order[] = { 0, 1, 3, 2, 4 };
	double level[5];
	for (int i = 0; i < 5; i++) {
		send_numbered(&a, s, ea, order[i]);
		size_t n;
		while ((n = peer_recv(&b, buf, sizeof buf, order[i] == 3 ? 5 : 500)) > 0) {
			int16_t pcm[160];
			for (int k = 0; k < 160; k++)
				pcm[k] = ulaw_to_linear(buf[12 + k]);
			level[got++] = sqrt(2 * ta_power(pcm, 160));
			if (got == 5 || order[i] != 2 || got == 4)
				break;
		}
	}
	assert_int_equal(got, 5);
	for (int i = 0; i < 5; i++) /* levels 1000, 2000, ... in order */
		assert_true(fabs(level[i] - 1000.0 * (i + 1)) < 150.0 * (i + 1));
	media_session_stats(s, 0, &st);
	assert_int_equal(st.concealed, 0);
	/* 5 6 8 and nothing more: 7 is concealed once the wait is over, then 8 plays */
	send_numbered(&a, s, ea, 5);
	send_numbered(&a, s, ea, 6);
	send_numbered(&a, s, ea, 8);
	got = 0;
	while (got < 4 && peer_recv(&b, buf, sizeof buf, 500) > 0)
		got++;
	assert_int_equal(got, 4);
	media_session_stats(s, 0, &st);
	assert_int_equal(st.concealed, 1);
	assert_int_equal(st.lost, 1);
	/* a late 7 is not played twice */
	send_numbered(&a, s, ea, 7);
	assert_int_equal(peer_recv(&b, buf, sizeof buf, 100), 0);
	media_enc_free(ea);
	media_session_destroy(s);
	WAIT_FOR(ports_in_use() == 0);
	peer_close(&a);
	peer_close(&b);
}

static void test_ports_full_and_released(void **state)
{
	struct peer a;
	struct media_leg_conf legs[2];
	struct media_session *s[6];
	int n = 0, rc = 0;

	peer_open(&a);
	leg_to(&legs[0], MEDIA_PCMA, 8, &a);
	leg_to(&legs[1], MEDIA_PCMA, 8, &a);
	/* 20 ports = 10 pairs = 5 sessions */
	while (n < 6 && (rc = media_session_alloc(&s[n], eng, legs, NULL, NULL)) == 0)
		n++;
	assert_int_equal(n, 5);
	assert_true(rc == -ENOSPC || rc == -EADDRINUSE);
	assert_int_equal(ports_in_use(), 20);
	for (int i = 0; i < n; i++) {
		assert_true(media_session_port(s[i], 0) >= port_lo);
		assert_true(media_session_port(s[i], 0) % 2 == 0);
		media_session_destroy(s[i]);
	}
	WAIT_FOR(ports_in_use() == 0);
	/* all of them can be had again */
	for (int i = 0; i < 5; i++)
		assert_int_equal(media_session_alloc(&s[i], eng, legs, NULL, NULL), 0);
	for (int i = 0; i < 5; i++)
		media_session_destroy(s[i]);
	WAIT_FOR(ports_in_use() == 0);
	/* bad legs are refused before any port is taken */
	legs[1].ptime = 7;
	assert_int_equal(media_session_alloc(&s[0], eng, legs, NULL, NULL), -EINVAL);
	assert_int_equal(ports_in_use(), 0);
	peer_close(&a);
}

static void test_engine_free_with_sessions(void **state)
{
	struct peer a;
	struct media_leg_conf legs[2];
	struct media_session *s;

	/* sessions still open when the engine stops are closed with it (teardown checks the loop) */
	peer_open(&a);
	leg_to(&legs[0], MEDIA_PCMA, 8, &a);
	leg_to(&legs[1], MEDIA_G722, 9, &a);
	assert_int_equal(media_session_alloc(&s, eng, legs, NULL, NULL), 0);
	assert_int_equal(media_session_alloc(&s, eng, legs, NULL, NULL), 0);
	peer_close(&a);
}

/* ---- TDM legs: a B-channel descriptor read and written by the worker ---- */

static void leg_tdm(struct media_leg_conf *c, enum media_codec codec, int fd)
{
	memset(c, 0, sizeof *c);
	c->codec = codec;
	c->pt = codec == MEDIA_PCMU ? 0 : 8;
	c->dtmf_pt = -1;
	c->ptime = 20;
	c->tdm = true;
	c->tdm_fd = fd;
}

/* the next frame on the line's end of a B-channel socket pair within timeout_ms, 0 if none */
static size_t line_recv(int fd, uint8_t *buf, size_t cap, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 5) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		uv_run(&loop, UV_RUN_NOWAIT);
		if (poll(&pf, 1, 5) == 1) {
			ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT);
			return n > 0 ? (size_t)n : 0;
		}
	}
	return 0;
}

static void test_tdm_legs(void **state)
{
	struct peer b;
	struct media_leg_conf legs[2];
	struct media_session *s;
	int line[2], line2[2], t1[2];
	uint8_t frame[160], buf[1600];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, line), 0);
	peer_open(&b);
	leg_tdm(&legs[0], MEDIA_PCMA, line[1]);
	leg_to(&legs[1], MEDIA_PCMA, 8, &b);
	assert_int_equal(media_session_alloc(&s, eng, legs, NULL, NULL), 0);
	assert_int_equal(media_session_port(s, 0), 0);
	assert_int_equal(ports_in_use(), 2); /* the B-channel leg binds no port */
	close(line[1]);                      /* the session has its own copy */

	/* frames from the line go out as RTP, the same bytes, numbered in order */
	uint16_t prev = 0;
	for (int i = 0; i < 10; i++) {
		memset(frame, 0x10 + i, sizeof frame);
		assert_int_equal(send(line[0], frame, sizeof frame, 0), 160);
		size_t n = peer_recv(&b, buf, sizeof buf, 1000);
		assert_int_equal(n, 172);
		assert_int_equal(buf[1] & 0x7f, 8);
		assert_memory_equal(buf + 12, frame, 160);
		if (i)
			assert_int_equal(rd16(buf + 2), (uint16_t)(prev + 1));
		prev = rd16(buf + 2);
	}
	/* RTP from the peer is written to the line as bare frames */
	for (int i = 0; i < 5; i++) {
		memset(frame, 0x60 + i, sizeof frame);
		peer_send(&b, media_session_port(s, 1), 8, frame, 160, 160, NULL);
		assert_int_equal(line_recv(line[0], buf, sizeof buf, 1000), 160);
		assert_memory_equal(buf, frame, 160);
	}
	struct media_leg_stats st;
	/* the counter moves just after the write the line saw */
	WAIT_FOR(media_session_stats(s, 0, &st) == 0 && st.tx_packets == 5);
	assert_int_equal(st.rx_packets, 10);
	assert_false(st.transcoding);

	/* a new connection of the B-channel: the session reads the new one only */
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, line2), 0);
	leg_tdm(&legs[0], MEDIA_PCMA, line2[1]);
	assert_int_equal(media_session_update(s, 0, &legs[0]), 0);
	close(line2[1]);
	/* the old descriptor is closed by the worker: its line end sees the end */
	WAIT_FOR(recv(line[0], buf, sizeof buf, MSG_DONTWAIT) == 0);
	memset(frame, 0x33, sizeof frame);
	assert_int_equal(send(line2[0], frame, sizeof frame, 0), 160);
	assert_int_equal(peer_recv(&b, buf, sizeof buf, 1000), 172);
	assert_memory_equal(buf + 12, frame, 160);
	/* a leg made for a B-channel has no port to become RTP on */
	leg_to(&legs[0], MEDIA_PCMA, 8, &b);
	assert_int_equal(media_session_update(s, 0, &legs[0]), -ENOTSUP);
	media_session_destroy(s);
	WAIT_FOR(ports_in_use() == 0);
	WAIT_FOR(recv(line2[0], buf, sizeof buf, MSG_DONTWAIT) == 0);
	close(line[0]);
	close(line2[0]);

	/* E1 (A-law) to T1 (mu-law): both legs B-channels, transcoded on the worker */
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, line), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, t1), 0);
	leg_tdm(&legs[0], MEDIA_PCMA, line[1]);
	leg_tdm(&legs[1], MEDIA_PCMU, t1[1]);
	assert_int_equal(media_session_alloc(&s, eng, legs, NULL, NULL), 0);
	assert_int_equal(ports_in_use(), 0);
	close(line[1]);
	close(t1[1]);
	for (int i = 0; i < 5; i++) {
		for (int k = 0; k < 160; k++)
			frame[k] = linear_to_alaw((int16_t)(4000 * sin(2 * M_PI * 1000.0 *
								  (i * 160 + k) / 8000)));
		assert_int_equal(send(line[0], frame, sizeof frame, 0), 160);
		assert_int_equal(line_recv(t1[0], buf, sizeof buf, 1000), 160);
		for (int k = 0; k < 160; k++)
			assert_int_equal(buf[k], linear_to_ulaw(alaw_to_linear(frame[k])));
	}
	WAIT_FOR(media_session_stats(s, 1, &st) == 0 && st.tx_packets == 5);
	assert_true(st.transcoding);
	media_session_destroy(s);
	WAIT_FOR(recv(t1[0], buf, sizeof buf, MSG_DONTWAIT) == 0);
	close(line[0]);
	close(t1[0]);
	peer_close(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH_IO(test_transcode_srtp_both_ways),
		BOTH_IO(test_passthrough_reprotects),
		BOTH_IO(test_latching_and_source_check),
		BOTH_IO(test_update_changes_codec),
		BOTH_IO(test_rfc4733_relayed),
		BOTH_IO(test_dtmf_every_path),
		BOTH_IO(test_inband_any_codec),
		BOTH_IO(test_detect_any_codec),
		BOTH_IO(test_rtcp_reports_and_rtt),
		BOTH_IO(test_jitter_buffer_reorder_and_loss),
		BOTH_IO(test_ports_full_and_released),
		BOTH_IO(test_engine_free_with_sessions),
		BOTH_IO(test_tdm_legs),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
