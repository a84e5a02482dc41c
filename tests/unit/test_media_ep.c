/* test_media_ep.c: RTP endpoints as the call core describes them: ports reserved before their
 * session, sessions made from endpoints, and an endpoint's SDP written and read back. */
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
#include <uv.h>

#include "media.h"
#include "symbridge.h"

static uv_loop_t loop;
static struct media_engine *eng;

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

static int setup(void **state)
{
	/* 4 pairs of our own, away from test_media_session's ranges (40000 up) */
	int lo = 20000 + (getpid() % 2000) * 8;
	struct media_engine_conf c = {
		.workers = 1, .bind_ip = "127.0.0.1", .port_lo = lo, .port_hi = lo + 7
	};

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(media_engine_alloc(&eng, &loop, &c), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	media_engine_free(eng);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	return 0;
}

static int udp_peer(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof a;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	getsockname(fd, (struct sockaddr *)&a, &sl);
	*port = ntohs(a.sin_port);
	return fd;
}

static void rtp_ep(struct sb_media_ep *ep, struct sb_media_port *p, uint16_t peer_port)
{
	memset(ep, 0, sizeof *ep);
	ep->kind = SB_MEDIA_RTP;
	ep->fd = -1;
	snprintf(ep->codec, sizeof ep->codec, "PCMA");
	ep->clock = 8000;
	ep->pt = 8;
	ep->dtmf_pt = -1;
	ep->ptime = 20;
	ep->port = p;
	snprintf(ep->remote_addr, sizeof ep->remote_addr, "127.0.0.1");
	ep->remote_port = peer_port;
}

/* a reserved pair is bound at once and returns to the table when released unused */
static void test_reserve_release(void **state)
{
	struct sb_media_port *p[5];
	int n = 0, rc = 0;

	(void)state;
	while (n < 5 && (rc = media_port_reserve(eng, &p[n])) == 0)
		n++;
	/* 4 pairs, or fewer when another process holds some of them */
	assert_true(n >= 1 && n <= 4);
	assert_true(rc == -ENOSPC || rc == -EADDRINUSE);
	assert_int_equal(ports_in_use(), 2 * (unsigned)n);
	for (int i = 0; i < n; i++) {
		uint16_t port = media_port_number(p[i]);
		assert_true(port % 2 == 0);
		/* bound: nobody else can take it */
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), -1);
		close(fd);
		media_port_release(p[i]);
	}
	assert_int_equal(ports_in_use(), 0);
}

/* a session made from two RTP endpoints uses their reserved ports; the pairs stay bound while
 * the session runs after their owners released them, and come back once it is gone */
static void test_session_from_endpoints(void **state)
{
	struct sb_media_port *p[2];
	struct sb_media_ep ep[2];
	struct media_leg_conf lc[2];
	struct media_session *s;
	uint16_t peer_port[2];
	int peer[2];
	uint8_t pkt[172] = { 0x80, 8, 0, 1, 0, 0, 0, 160, 1, 2, 3, 4 }, buf[400];

	(void)state;
	for (int i = 0; i < 2; i++) {
		peer[i] = udp_peer(&peer_port[i]);
		assert_int_equal(media_port_reserve(eng, &p[i]), 0);
		rtp_ep(&ep[i], p[i], peer_port[i]);
		assert_int_equal(media_conf_from_ep(&lc[i], &ep[i]), 0);
	}
	assert_int_equal(media_session_alloc(&s, eng, lc, NULL, NULL), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(media_session_port(s, (unsigned)i), media_port_number(p[i]));
	/* an update cannot bring another reserved pair: the worker keeps its sockets */
	struct media_leg_conf other = lc[0];
	other.rsv = p[1];
	assert_int_equal(media_session_update(s, 0, &other), -ENOTSUP);
	media_port_release(p[0]);
	media_port_release(p[1]);
	assert_int_equal(ports_in_use(), 4);
	/* a packet from peer 0 to its leg's port comes out of leg 1 toward peer 1 */
	memset(pkt + 12, 0xd5, 160);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(media_session_port(s, 0)),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	ssize_t got = 0;
	for (int tries = 0; tries < 200 && got <= 0; tries++) {
		struct pollfd pf = { .fd = peer[1], .events = POLLIN };
		pkt[3] = (uint8_t)(tries + 1);
		assert_int_equal(sendto(peer[0], pkt, sizeof pkt, 0, (struct sockaddr *)&to,
					sizeof to),
				 (ssize_t)sizeof pkt);
		uv_run(&loop, UV_RUN_NOWAIT);
		if (poll(&pf, 1, 20) == 1)
			got = recv(peer[1], buf, sizeof buf, 0);
	}
	assert_int_equal(got, (ssize_t)sizeof pkt);
	assert_int_equal(buf[1] & 0x7f, 8);
	assert_memory_equal(buf + 12, pkt + 12, 160);
	media_session_destroy(s);
	WAIT_FOR(ports_in_use() == 0);
	close(peer[0]);
	close(peer[1]);
}

/* a reservation its owner still holds outlives the session on it */
static void test_owner_outlives_session(void **state)
{
	struct sb_media_port *p;
	struct sb_media_ep ep[2];
	struct media_leg_conf lc[2];
	struct media_session *s;
	uint16_t pp;
	int peer = udp_peer(&pp);

	(void)state;
	assert_int_equal(media_port_reserve(eng, &p), 0);
	rtp_ep(&ep[0], p, pp);
	rtp_ep(&ep[1], NULL, pp); /* no reservation: the session binds a pair itself */
	assert_int_equal(media_conf_from_ep(&lc[0], &ep[0]), 0);
	assert_int_equal(media_conf_from_ep(&lc[1], &ep[1]), 0);
	assert_int_equal(media_session_alloc(&s, eng, lc, NULL, NULL), 0);
	assert_int_equal(ports_in_use(), 4);
	media_session_destroy(s);
	WAIT_FOR(ports_in_use() == 2);
	assert_int_equal(media_port_number(p) % 2, 0);
	media_port_release(p);
	assert_int_equal(ports_in_use(), 0);
	close(peer);
}

/* what an endpoint's SDP says is what the peer's side reads back, keys crossed */
static void test_sdp_write_read(void **state)
{
	struct sb_media_port *p;
	struct sb_media_ep ours, theirs;
	struct media_srtp_key k;
	char sdp[1024];
	int n;

	(void)state;
	assert_int_equal(media_port_reserve(eng, &p), 0);
	rtp_ep(&ours, p, 4000);
	snprintf(ours.codec, sizeof ours.codec, "G722");
	ours.pt = 9;
	ours.dtmf_pt = 101;
	ours.ptime = 40;
	snprintf(ours.srtp_suite, sizeof ours.srtp_suite, "AES_CM_128_HMAC_SHA1_80");
	assert_int_equal(media_srtp_key_new(&k, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80), 0);
	memcpy(ours.key_tx, k.key, sizeof ours.key_tx);
	n = media_ep_sdp_write(&ours, "127.0.0.1", 3, sdp, sizeof sdp);
	assert_true(n > 0);
	assert_non_null(strstr(sdp, "RTP/SAVP"));
	assert_non_null(strstr(sdp, "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:"));

	memset(&theirs, 0, sizeof theirs);
	theirs.fd = -1;
	assert_int_equal(media_ep_sdp_read(&theirs, sdp, (size_t)n), 0);
	assert_int_equal(theirs.kind, SB_MEDIA_RTP);
	assert_string_equal(theirs.remote_addr, "127.0.0.1");
	assert_int_equal(theirs.remote_port, media_port_number(p));
	assert_string_equal(theirs.codec, "G722");
	assert_int_equal(theirs.clock, 8000);
	assert_int_equal(theirs.pt, 9);
	assert_int_equal(theirs.dtmf_pt, 101);
	assert_int_equal(theirs.ptime, 40);
	assert_string_equal(theirs.srtp_suite, "AES_CM_128_HMAC_SHA1_80");
	assert_memory_equal(theirs.key_rx, ours.key_tx, SB_MEDIA_KEY_LEN);

	/* an endpoint through a session's configuration and back is the same endpoint */
	struct media_leg_conf lc;
	struct sb_media_ep back;
	memcpy(ours.key_rx, k.key, sizeof ours.key_rx);
	assert_int_equal(media_conf_from_ep(&lc, &ours), 0);
	assert_int_equal(media_ep_from_conf(&back, &lc), 0);
	assert_memory_equal(&back, &ours, sizeof back);

	/* no reserved port: nothing to write */
	ours.port = NULL;
	assert_int_equal(media_ep_sdp_write(&ours, "127.0.0.1", 1, sdp, sizeof sdp), -EINVAL);
	/* a suite we do not take */
	snprintf(ours.srtp_suite, sizeof ours.srtp_suite, "F8_128_HMAC_SHA1_80");
	assert_int_equal(media_conf_from_ep(&lc, &ours), -ENOTSUP);
	/* RTP/SAVP whose only key we refuse */
	const char *bad = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/SAVP 8\r\n"
			  "a=crypto:1 F8_128_HMAC_SHA1_80 inline:"
			  "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";
	assert_int_equal(media_ep_sdp_read(&theirs, bad, strlen(bad)), -ENOTSUP);
	media_port_release(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reserve_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_from_endpoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_outlives_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sdp_write_read, setup, teardown),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
