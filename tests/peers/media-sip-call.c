/* media-sip-call.c: one call between the media engine and a SIP user agent (baresip in the
 * interop test): a minimal UAC over UDP offers G.722 with SDES SRTP, the answer updates the
 * session, an A-law peer plays a 440 Hz tone into the other leg for SECONDS and records what
 * comes back; then BYE. Prints KEY=VALUE lines for the test to check.
 *
 * usage: media-sip-call UAS_PORT PORT_LO SECONDS */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "media.h"

static int sip_fd, peer_fd;
static struct sockaddr_in uas;
static uint16_t sip_port;
static char call_id[64], from_tag[32], to_tag[64], contact[256];

static int udp(uint16_t *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sin;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0)
		return -1;
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	*port = ntohs(sin.sin_port);
	return fd;
}

static void sip_send(const char *msg)
{
	sendto(sip_fd, msg, strlen(msg), 0, (struct sockaddr *)&uas, sizeof uas);
}

/* a SIP response to our request within ms; returns its status, the text in buf */
static int sip_wait(char *buf, size_t cap, int ms, const char *method)
{
	for (int waited = 0; waited < ms; waited += 10) {
		struct pollfd pf = { sip_fd, POLLIN, 0 };
		if (poll(&pf, 1, 10) != 1)
			continue;
		ssize_t n = recv(sip_fd, buf, cap - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		int status;
		char cseq[64];
		if (sscanf(buf, "SIP/2.0 %d", &status) != 1)
			continue; /* a request (e.g. the UAS's BYE): not expected here */
		const char *c = strcasestr(buf, "\nCSeq:");
		if (!c || sscanf(c + 6, " %*d %63s", cseq) != 1 || strcmp(cseq, method) != 0)
			continue;
		if (status >= 200)
			return status;
	}
	return -ETIMEDOUT;
}

static void header_value(const char *msg, const char *name, char *out, size_t cap)
{
	char key[64];
	snprintf(key, sizeof key, "\n%s:", name);
	const char *p = strcasestr(msg, key);
	out[0] = '\0';
	if (!p)
		return;
	p += strlen(key);
	while (*p == ' ')
		p++;
	size_t n = strcspn(p, "\r\n");
	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

static double tone_ratio(const int16_t *x, size_t n, double f, double rate)
{
	double c = 2.0 * cos(2.0 * M_PI * f / rate), s1 = 0, s2 = 0, e = 0;

	for (size_t i = 0; i < n; i++) {
		double s0 = x[i] + c * s1 - s2;
		s2 = s1;
		s1 = s0;
		e += (double)x[i] * x[i];
	}
	double p = 2.0 * (s1 * s1 + s2 * s2 - c * s1 * s2) / (double)n; /* = A^2 n / 2 */
	return e > 0 ? p / e : 0;
}

int main(int argc, char **argv)
{
	struct media_engine_conf ec = { .workers = 1, .bind_ip = "127.0.0.1" };
	struct media_engine *eng;
	struct media_session *s;
	struct media_leg_conf legs[2];
	struct media_sdp_media offer = { .addr = "127.0.0.1",
					 .srtp = true,
					 .ptime = 20,
					 .ncodecs = 1,
					 .ncrypto = 2 };
	uv_loop_t loop;
	char sdp[1024], msg[4096], buf[8192], branch[32];
	uint16_t peer_port;
	int seconds, rc;

	if (argc != 4) {
		fprintf(stderr, "usage: media-sip-call UAS_PORT PORT_LO SECONDS\n");
		return 2;
	}
	seconds = atoi(argv[3]);
	ec.port_lo = atoi(argv[2]);
	ec.port_hi = ec.port_lo + 7;
	uas = (struct sockaddr_in){ .sin_family = AF_INET,
				    .sin_port = htons((uint16_t)atoi(argv[1])),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	uv_loop_init(&loop);
	if ((sip_fd = udp(&sip_port)) < 0 || (peer_fd = udp(&peer_port)) < 0 ||
	    media_engine_alloc(&eng, &loop, &ec) < 0)
		return 1;

	/* leg 0: the A-law peer here; leg 1: the UAS, known once it answers */
	memset(legs, 0, sizeof legs);
	legs[0].codec = MEDIA_PCMA;
	legs[0].pt = 8;
	legs[0].dtmf_pt = -1;
	struct sockaddr_in *pa = (void *)&legs[0].remote;
	*pa = (struct sockaddr_in){ .sin_family = AF_INET,
				    .sin_port = htons(peer_port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	legs[1].codec = MEDIA_G722;
	legs[1].pt = 9;
	legs[1].dtmf_pt = -1;
	legs[1].srtp = true;
	media_srtp_key_new(&legs[1].key_tx, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80);
	media_srtp_key_new(&legs[1].key_rx,
			   MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80); /* until answered */
	if ((rc = media_session_alloc(&s, eng, legs, NULL, NULL)) < 0) {
		printf("error=session %s\n", strerror(-rc));
		return 1;
	}

	/* the offer: G.722, our key for both suites */
	offer.port = media_session_port(s, 1);
	offer.codecs[0] = (struct media_sdp_codec){ MEDIA_G722, 9 };
	offer.crypto[0].tag = 1;
	offer.crypto[0].key = legs[1].key_tx;
	offer.crypto[1].tag = 2;
	offer.crypto[1].key = legs[1].key_tx;
	offer.crypto[1].key.suite = MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32;
	int sl = snprintf(sdp, sizeof sdp, "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
	sl += media_sdp_write(&offer, sdp + sl, sizeof sdp - (size_t)sl);
	snprintf(call_id, sizeof call_id, "%u-%d@127.0.0.1", (unsigned)time(NULL), getpid());
	snprintf(from_tag, sizeof from_tag, "t%d", getpid());
	snprintf(branch, sizeof branch, "z9hG4bK-i%d", getpid());
	snprintf(msg, sizeof msg,
		 "INVITE sip:uas@127.0.0.1:%s SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=%s;rport\r\n"
		 "Max-Forwards: 70\r\n"
		 "From: <sip:engine@127.0.0.1>;tag=%s\r\n"
		 "To: <sip:uas@127.0.0.1>\r\n"
		 "Call-ID: %s\r\n"
		 "CSeq: 1 INVITE\r\n"
		 "Contact: <sip:engine@127.0.0.1:%u>\r\n"
		 "Content-Type: application/sdp\r\n"
		 "Content-Length: %d\r\n\r\n%s",
		 argv[1], sip_port, branch, from_tag, call_id, sip_port, sl, sdp);
	sip_send(msg);
	int status = sip_wait(buf, sizeof buf, 10000, "INVITE");
	printf("invite_status=%d\n", status);
	if (status != 200)
		return 1;

	/* the answer: its address, port and key update leg 1 */
	char to[256];
	header_value(buf, "To", to, sizeof to);
	const char *tg = strstr(to, "tag=");
	snprintf(to_tag, sizeof to_tag, "%.*s", tg ? (int)strcspn(tg + 4, ";>") : 0,
		 tg ? tg + 4 : "");
	header_value(buf, "Contact", contact, sizeof contact);
	char *lt = strchr(contact, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	if (lt && gt) {
		memmove(contact, lt + 1, (size_t)(gt - lt - 1));
		contact[gt - lt - 1] = '\0';
	}
	const char *body = strstr(buf, "\r\n\r\n");
	struct media_sdp_media ans;
	struct media_sdp_crypto cr;
	char err[256] = "";
	if (!body || media_sdp_parse(body + 4, strlen(body + 4), &ans) < 0 ||
	    media_sdp_pick_crypto(&ans,
				  (enum media_srtp_suite[]){ MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80,
							     MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32 },
				  2, &cr, err, sizeof err) < 0) {
		printf("error=answer not usable %s\n", err);
		return 1;
	}
	printf("answer=%s:%u %s codec=%s suite=%s\n", ans.addr, ans.port,
	       ans.srtp ? "RTP/SAVP" : "RTP/AVP", media_codec_info(ans.codecs[0].codec)->name,
	       media_srtp_suite_name(cr.key.suite));
	legs[1].key_rx = cr.key;
	legs[1].key_tx.suite = cr.key.suite; /* the answer's suite is the one both use */
	legs[1].pt = ans.codecs[0].pt;
	struct sockaddr_in *pb = (void *)&legs[1].remote;
	*pb = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(ans.port) };
	inet_pton(AF_INET, ans.addr, &pb->sin_addr);
	media_session_update(s, 1, &legs[1]);

	snprintf(msg, sizeof msg,
		 "ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-a%d;rport\r\n"
		 "Max-Forwards: 70\r\nFrom: <sip:engine@127.0.0.1>;tag=%s\r\n"
		 "To: <sip:uas@127.0.0.1>;tag=%s\r\nCall-ID: %s\r\nCSeq: 1 ACK\r\n"
		 "Content-Length: 0\r\n\r\n",
		 contact, sip_port, getpid(), from_tag, to_tag, call_id);
	sip_send(msg);

	/* media: 440 Hz A-law into leg 0 every 20 ms, what comes back decoded */
	struct media_enc *ea;
	struct media_dec *da;
	media_enc_alloc(&ea, MEDIA_PCMA, 8000);
	media_dec_alloc(&da, MEDIA_PCMA, 8000);
	size_t cap = (size_t)seconds * 8000 + 8000, got = 0;
	int16_t *heard = calloc(cap, sizeof *heard), pcm[160];
	uint8_t pkt[200], in[1600];
	struct sockaddr_in to_a = { .sin_family = AF_INET,
				    .sin_port = htons(media_session_port(s, 0)),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int k = 0; k < seconds * 50; k++) {
		for (int i = 0; i < 160; i++)
			pcm[i] =
				(int16_t)lrint(8000 * sin(2 * M_PI * 440.0 * (k * 160 + i) / 8000));
		pkt[0] = 0x80;
		pkt[1] = 8;
		pkt[2] = (uint8_t)(k >> 8);
		pkt[3] = (uint8_t)k;
		uint32_t ts = (uint32_t)k * 160;
		memcpy(pkt + 4,
		       (uint8_t[]){ (uint8_t)(ts >> 24), (uint8_t)(ts >> 16), (uint8_t)(ts >> 8),
				    (uint8_t)ts, 0x12, 0x34, 0x56, 0x78 },
		       8);
		media_enc_encode(ea, pcm, 160, pkt + 12, 160);
		sendto(peer_fd, pkt, 172, 0, (struct sockaddr *)&to_a, sizeof to_a);
		/* until the next packet is due, take what the engine relays from the UAS */
		struct timespec due = t0;
		long long ns = (long long)t0.tv_nsec + (long long)(k + 1) * 20000000LL;
		due.tv_sec += ns / 1000000000LL;
		due.tv_nsec = ns % 1000000000LL;
		for (;;) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			long long left = (due.tv_sec - now.tv_sec) * 1000LL +
					 (due.tv_nsec - now.tv_nsec) / 1000000LL;
			if (left <= 0)
				break;
			struct pollfd pf = { peer_fd, POLLIN, 0 };
			if (poll(&pf, 1, (int)left) == 1) {
				ssize_t n = recv(peer_fd, in, sizeof in, 0);
				if (n > 12 && got + 160 <= cap)
					got += (size_t)media_dec_decode(da, in + 12, (size_t)n - 12,
									heard + got, cap - got);
			}
		}
	}

	snprintf(msg, sizeof msg,
		 "BYE %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-b%d;rport\r\n"
		 "Max-Forwards: 70\r\nFrom: <sip:engine@127.0.0.1>;tag=%s\r\n"
		 "To: <sip:uas@127.0.0.1>;tag=%s\r\nCall-ID: %s\r\nCSeq: 2 BYE\r\n"
		 "Content-Length: 0\r\n\r\n",
		 contact, sip_port, getpid(), from_tag, to_tag, call_id);
	sip_send(msg);
	printf("bye_status=%d\n", sip_wait(buf, sizeof buf, 5000, "BYE"));

	struct media_leg_stats st;
	media_session_stats(s, 1, &st);
	printf("uas_rx_packets=%llu auth_fail=%llu replay=%llu tx_packets=%llu\n",
	       (unsigned long long)st.rx_packets, (unsigned long long)st.srtp_auth_fail,
	       (unsigned long long)st.srtp_replay, (unsigned long long)st.tx_packets);
	/* the UAS's tone, as the A-law side heard it (after its first 0.5 s) */
	size_t skip = got > 4000 ? 4000 : 0;
	printf("heard_samples=%zu\n", got);
	printf("heard_1000hz_ratio=%.3f\n",
	       got > skip ? tone_ratio(heard + skip, got - skip, 1000.0, 8000) : 0);
	media_session_destroy(s);
	media_engine_free(eng);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	media_enc_free(ea);
	media_dec_free(da);
	free(heard);
	return 0;
}
