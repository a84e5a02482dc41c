/* media-limit.c: the raw library cost of one full-duplex transcoded call, printed as calls per core.
 *
 * One call: every 20 ms, legacy -> cloud takes an A-law packet, decodes it, codes G.722 (through
 * the 8 kHz mode the engine uses for G.711 legs, or resampled to 16 kHz), adds the RTP header and
 * SRTP-protects it; cloud -> legacy SRTP-unprotects a G.722 packet, decodes, codes A-law. That is
 * 50 packets per second each way. The cost is thread CPU time, median of several rounds; the last
 * line is `media-limit: <calls> calls/core` for the path the engine runs. No sockets here:
 * tests/bench/media-load measures the real sessions. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <srtp2/auth.h>
#include <srtp2/cipher.h>
#include <srtp2/srtp.h>

#include "media.h"

#define PTIME  20
#define N8     (8 * PTIME)
#define PKTS   3000 /* one minute of audio each round */
#define ROUNDS 5

static double now_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return v[n / 2];
}

static void rtp_header(uint8_t *b, int pt, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
	b[0] = 0x80;
	b[1] = (uint8_t)pt;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	for (int i = 0; i < 4; i++) {
		b[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
		b[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	}
}

static void tone(int16_t *x, size_t n, size_t off, double f, unsigned rate)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (int16_t)lrint(10000.0 * sin(2 * M_PI * f * (double)(off + i) / rate));
}

/* one call's state, both directions */
struct call {
	struct media_dec *dec_a; /* A-law from legacy */
	struct media_enc *enc_c; /* cloud codec toward cloud */
	struct media_dec *dec_c; /* cloud codec from cloud */
	struct media_enc *enc_a; /* A-law toward legacy */
	struct media_resampler *up, *down;
	struct media_srtp *tx, *rx;
	enum media_codec cloud;
	unsigned rate;
};

/* what the cloud sends: protected packets made before timing starts */
static uint8_t (*cloud_pkts)[MEDIA_MAX_PAYLOAD];
static size_t cloud_len[PKTS];
static uint8_t alaw_pkts[PKTS][N8];

static struct media_srtp_key key_us, key_peer;

static void call_open(struct call *c, enum media_codec cloud, bool wideband)
{
	memset(c, 0, sizeof *c); /* no resamplers unless wideband */
	c->cloud = cloud;
	c->rate = wideband ? 16000 : 8000;
	if (media_dec_alloc(&c->dec_a, MEDIA_PCMA, 8000) ||
	    media_enc_alloc(&c->enc_a, MEDIA_PCMA, 8000) ||
	    media_enc_alloc(&c->enc_c, cloud, c->rate) ||
	    media_dec_alloc(&c->dec_c, cloud, c->rate) || media_srtp_alloc(&c->tx, &key_us, true) ||
	    media_srtp_alloc(&c->rx, &key_peer, false)) {
		fprintf(stderr, "media-limit: cannot set up a call\n");
		exit(1);
	}
	if (wideband && (media_resampler_alloc(&c->up, 8000, 16000) ||
			 media_resampler_alloc(&c->down, 16000, 8000)))
		exit(1);
}

static void call_close(struct call *c)
{
	media_dec_free(c->dec_a);
	media_enc_free(c->enc_a);
	media_enc_free(c->enc_c);
	media_dec_free(c->dec_c);
	media_resampler_free(c->up);
	media_resampler_free(c->down);
	media_srtp_free(c->tx);
	media_srtp_free(c->rx);
	memset(c, 0, sizeof *c);
}

/* the cloud's stream for one round, protected with the peer's key */
static void make_cloud_stream(enum media_codec cloud)
{
	struct media_enc *e;
	struct media_srtp *tx;
	unsigned rate = media_codec_info(cloud)->sample_rate;
	int16_t pcm[MEDIA_MAX_SAMPLES];
	size_t n = rate / 1000 * PTIME;

	media_enc_alloc(&e, cloud, rate);
	media_srtp_alloc(&tx, &key_peer, true);
	for (size_t i = 0; i < PKTS; i++) {
		tone(pcm, n, i * n, 440.0, rate);
		rtp_header(cloud_pkts[i], 9, (uint16_t)i,
			   (uint32_t)(i * media_codec_rtp_ts(cloud, PTIME)), 0xc10d);
		int l = media_enc_encode(e, pcm, n, cloud_pkts[i] + 12,
					 MEDIA_MAX_PAYLOAD - 12 - MEDIA_SRTP_OVERHEAD);
		cloud_len[i] = 12 + (size_t)l;
		media_srtp_protect(tx, cloud_pkts[i], &cloud_len[i], MEDIA_MAX_PAYLOAD, false);
	}
	media_enc_free(e);
	media_srtp_free(tx);
}

/* With udp_on, each packet a call sends also goes through a loopback socket pair (sendto, then
 * recv on the other socket): the same kernel work a worker is charged for per packet time, two
 * sends with their delivery and two receives, interleaved with the codec and SRTP work. */
static bool udp_on;
static int udp_tx = -1, udp_rx = -1;
static struct sockaddr_in udp_to;

static int udp_setup(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof udp_to;

	if (udp_tx >= 0)
		return 0;
	udp_tx = socket(AF_INET, SOCK_DGRAM, 0);
	udp_rx = socket(AF_INET, SOCK_DGRAM, 0);
	if (udp_tx < 0 || udp_rx < 0 || bind(udp_rx, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(udp_rx, (struct sockaddr *)&udp_to, &l) < 0)
		return -1;
	return 0;
}

static void udp_hop(const uint8_t *p, size_t len)
{
	uint8_t b[MEDIA_MAX_PAYLOAD];

	if (!udp_on)
		return;
	if (sendto(udp_tx, p, len, 0, (struct sockaddr *)&udp_to, sizeof udp_to) < 0 ||
	    recv(udp_rx, b, sizeof b, 0) < 0) {
		fprintf(stderr, "media-limit: loopback UDP failed\n");
		exit(1);
	}
}

/* one packet time of the call, both ways; returns nonzero on any failure */
static int call_tick(struct call *c, size_t i)
{
	int16_t pcm8[MEDIA_MAX_SAMPLES], pcm16[MEDIA_MAX_SAMPLES];
	uint8_t out[MEDIA_MAX_PAYLOAD], in[MEDIA_MAX_PAYLOAD];
	size_t len;
	int n, l;

	/* legacy -> cloud */
	n = media_dec_decode(c->dec_a, alaw_pkts[i], N8, pcm8, MEDIA_MAX_SAMPLES);
	const int16_t *src = pcm8;
	if (c->up) {
		n = media_resample(c->up, pcm8, (size_t)n, pcm16, MEDIA_MAX_SAMPLES);
		src = pcm16;
	}
	rtp_header(out, 9, (uint16_t)i, (uint32_t)(i * media_codec_rtp_ts(c->cloud, PTIME)), 0x5b);
	l = media_enc_encode(c->enc_c, src, (size_t)n, out + 12,
			     sizeof out - 12 - MEDIA_SRTP_OVERHEAD);
	if (l <= 0)
		return 1;
	len = 12 + (size_t)l;
	if (media_srtp_protect(c->tx, out, &len, sizeof out, false))
		return 1;
	udp_hop(out, len);

	/* cloud -> legacy */
	len = cloud_len[i];
	memcpy(in, cloud_pkts[i], len);
	if (media_srtp_unprotect(c->rx, in, &len, false))
		return 1;
	n = media_dec_decode(c->dec_c, in + 12, len - 12, c->down ? pcm16 : pcm8,
			     MEDIA_MAX_SAMPLES);
	if (n <= 0)
		return 1;
	if (c->down)
		n = media_resample(c->down, pcm16, (size_t)n, pcm8, MEDIA_MAX_SAMPLES);
	rtp_header(out, 8, (uint16_t)i, (uint32_t)(i * N8), 0x5c);
	l = media_enc_encode(c->enc_a, pcm8, (size_t)n, out + 12, sizeof out - 12);
	udp_hop(out, 12 + (size_t)N8);
	return l == N8 ? 0 : 1;
}

/* CPU seconds per packet time of one call (both ways), median of ROUNDS */
static double measure(enum media_codec cloud, bool wideband)
{
	double t[ROUNDS];

	make_cloud_stream(cloud);
	for (int r = 0; r < ROUNDS; r++) {
		struct call c;
		call_open(&c, cloud, wideband);
		double t0 = now_cpu();
		for (size_t i = 0; i < PKTS; i++)
			if (call_tick(&c, i)) {
				fprintf(stderr, "media-limit: packet %zu failed\n", i);
				exit(1);
			}
		t[r] = (now_cpu() - t0) / PKTS;
		call_close(&c);
	}
	return median(t, ROUNDS);
}

/* the same work for k calls at once, each packet time visiting every call in turn as a worker
 * does: per call and packet time, so the cost of a working set beyond the caches shows */
static double measure_many(unsigned k)
{
	struct call *cs = calloc(k, sizeof *cs);
	double t[ROUNDS];

	if (!cs)
		return 0;
	make_cloud_stream(MEDIA_G722);
	for (int r = 0; r < ROUNDS; r++) {
		for (unsigned j = 0; j < k; j++)
			call_open(&cs[j], MEDIA_G722, false);
		double t0 = now_cpu();
		size_t ticks = PKTS / 10;
		for (size_t i = 0; i < ticks; i++)
			for (unsigned j = 0; j < k; j++)
				if (call_tick(&cs[j], i)) {
					fprintf(stderr, "media-limit: packet %zu failed\n", i);
					exit(1);
				}
		t[r] = (now_cpu() - t0) / (double)(ticks * k);
		for (unsigned j = 0; j < k; j++)
			call_close(&cs[j]);
	}
	free(cs);
	return median(t, ROUNDS);
}

#ifndef MEDIA_LIMIT_LIB

/* cost of single steps, per 20 ms packet, to say where the time goes */
static double step_cost(int what)
{
	int16_t pcm[MEDIA_MAX_SAMPLES], out[MEDIA_MAX_SAMPLES];
	uint8_t pay[MEDIA_MAX_PAYLOAD];
	struct media_enc *e = NULL;
	struct media_dec *d = NULL;
	struct media_resampler *r = NULL;
	double t[ROUNDS];
	volatile int sink = 0;

	tone(pcm, 320, 0, 440.0, 16000);
	for (int k = 0; k < ROUNDS; k++) {
		switch (what) {
		case 0: media_enc_alloc(&e, MEDIA_G722, 16000); break;
		case 1: media_enc_alloc(&e, MEDIA_G722, 8000); break;
		case 2:
			media_dec_alloc(&d, MEDIA_G722, 16000);
			media_enc_alloc(&e, MEDIA_G722, 16000);
			break;
		case 3: media_resampler_alloc(&r, 8000, 16000); break;
		case 4: media_resampler_alloc(&r, 16000, 8000); break;
		}
		int l = e ? media_enc_encode(e, pcm, what == 1 ? 160 : 320, pay, sizeof pay) : 0;
		double t0 = now_cpu();
		for (int i = 0; i < PKTS; i++) {
			switch (what) {
			case 0: sink += media_enc_encode(e, pcm, 320, pay, sizeof pay); break;
			case 1: sink += media_enc_encode(e, pcm, 160, pay, sizeof pay); break;
			case 2:
				sink += media_dec_decode(d, pay, (size_t)l, out, MEDIA_MAX_SAMPLES);
				break;
			case 3: sink += media_resample(r, pcm, 160, out, MEDIA_MAX_SAMPLES); break;
			case 4: sink += media_resample(r, pcm, 320, out, MEDIA_MAX_SAMPLES); break;
			}
		}
		t[k] = (now_cpu() - t0) / PKTS;
		media_enc_free(e);
		media_dec_free(d);
		media_resampler_free(r);
		e = NULL;
		d = NULL;
		r = NULL;
	}
	return median(t, ROUNDS);
}

/* libsrtp2 protect+unprotect of one 172-byte packet, against OpenSSL's raw AES-128-CTR +
 * HMAC-SHA1 over the same bytes (what an OpenSSL-built libsrtp would roughly cost) */
static void srtp_cost(double *srtp, double *raw)
{
	struct media_srtp *tx, *rx;
	static uint8_t pkts[PKTS][256];
	size_t len[PKTS];
	double t[ROUNDS], u[ROUNDS];

	for (int k = 0; k < ROUNDS; k++) {
		media_srtp_alloc(&tx, &key_us, true);
		media_srtp_alloc(&rx, &key_us, false);
		for (int i = 0; i < PKTS; i++) {
			rtp_header(pkts[i], 9, (uint16_t)i, (uint32_t)i * 160, 1);
			memset(pkts[i] + 12, 0x55, 160);
			len[i] = 172;
		}
		double t0 = now_cpu();
		for (int i = 0; i < PKTS; i++) {
			media_srtp_protect(tx, pkts[i], &len[i], sizeof pkts[i], false);
			media_srtp_unprotect(rx, pkts[i], &len[i], false);
		}
		t[k] = (now_cpu() - t0) / PKTS;
		media_srtp_free(tx);
		media_srtp_free(rx);

		/* raw: encrypt + MAC, then MAC + decrypt */
		EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
		EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
		EVP_MAC_CTX *mcx = EVP_MAC_CTX_new(mac);
		OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string("digest", "SHA1", 0),
					OSSL_PARAM_construct_end() };
		uint8_t iv[16] = { 0 }, tag[20], buf[256];
		int ol;
		size_t tl;
		t0 = now_cpu();
		for (int i = 0; i < PKTS; i++) {
			for (int dir = 0; dir < 2; dir++) {
				iv[15] = (uint8_t)i;
				EVP_EncryptInit_ex(cx, EVP_aes_128_ctr(), NULL, key_us.key, iv);
				EVP_EncryptUpdate(cx, buf, &ol, pkts[i] + 12, 160);
				EVP_MAC_init(mcx, key_us.key, 20, params);
				EVP_MAC_update(mcx, pkts[i], 172);
				EVP_MAC_final(mcx, tag, &tl, sizeof tag);
			}
		}
		u[k] = (now_cpu() - t0) / PKTS;
		EVP_MAC_CTX_free(mcx);
		EVP_MAC_free(mac);
		EVP_CIPHER_CTX_free(cx);
	}
	*srtp = median(t, ROUNDS);
	*raw = median(u, ROUNDS);
}

/* what the kernel charges for one relayed packet on loopback: a sendto of 172 bytes to a
 * socket and the recvfrom that takes it (the engine does two of each per call and 20 ms) */
static double udp_cost(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	int tx = socket(AF_INET, SOCK_DGRAM, 0), rx = socket(AF_INET, SOCK_DGRAM, 0);
	uint8_t buf[256] = { 0x80 };
	double t[ROUNDS];

	if (tx < 0 || rx < 0 || bind(rx, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(rx, (struct sockaddr *)&a, &al) < 0)
		return 0;
	for (int k = 0; k < ROUNDS; k++) {
		double t0 = now_cpu();
		for (int i = 0; i < PKTS; i++) {
			if (sendto(tx, buf, 172, 0, (struct sockaddr *)&a, sizeof a) != 172 ||
			    recv(rx, buf, sizeof buf, 0) != 172)
				return 0;
		}
		t[k] = (now_cpu() - t0) / PKTS;
	}
	close(tx);
	close(rx);
	return median(t, ROUNDS);
}
#endif

static int limit_setup(void)
{
	int16_t pcm[N8];
	struct media_enc *e;

	if (media_srtp_init() < 0 ||
	    media_srtp_key_new(&key_us, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80) < 0 ||
	    media_srtp_key_new(&key_peer, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80) < 0)
		return -1;
	if (!cloud_pkts)
		cloud_pkts = calloc(PKTS, sizeof *cloud_pkts);
	if (!cloud_pkts || media_enc_alloc(&e, MEDIA_PCMA, 8000) < 0)
		return -1;
	for (size_t i = 0; i < PKTS; i++) {
		tone(pcm, N8, i * N8, 1000.0, 8000);
		media_enc_encode(e, pcm, N8, alaw_pkts[i], N8);
	}
	media_enc_free(e);
	return 0;
}

/* For an A/B against the engine's OpenSSL kernels (media_srtp_ossl.c): put back the AES-ICM and
 * HMAC-SHA1 kernels libsrtp2 was built with (Debian: NSS). These two are libsrtp2's own exported
 * tables, not in its installed headers; only the benches use them. Streams allocated after the
 * call use them. */
extern const srtp_cipher_type_t srtp_aes_icm_128;
extern const srtp_auth_type_t srtp_hmac;
int media_limit_srtp_builtin(void);
int media_limit_srtp_builtin(void)
{
	if (media_srtp_init() < 0 ||
	    srtp_replace_cipher_type(&srtp_aes_icm_128, SRTP_AES_ICM_128) != srtp_err_status_ok ||
	    srtp_replace_auth_type(&srtp_hmac, SRTP_HMAC_SHA1) != srtp_err_status_ok)
		return -1;
	return 0;
}

/* The loopback ceiling: the same library work for 100 calls in turn, each packet a call sends
 * also going through sendto + recv on a loopback socket pair, which is the kernel work a worker
 * is charged for per call (two sends with their delivery, two receives), with no event loop.
 * No engine on loopback can do better than this; media-load prints it next to its ratio. */
double media_limit_many_calls_per_core(bool loopback);
double media_limit_many_calls_per_core(bool loopback)
{
	double t;

	if (limit_setup() < 0 || (loopback && udp_setup() < 0))
		return 0;
	udp_on = loopback;
	t = measure_many(100);
	udp_on = false;
	return t > 0 ? 1.0 / (t * 50) : 0;
}

/* the figure media-load compares itself with: calls per core of the engine's A-law <-> G.722
 * path (8 kHz mode) with SRTP on the G.722 side */
double media_limit_calls_per_core(void);
double media_limit_calls_per_core(void)
{
	if (limit_setup() < 0)
		return 0;
	return 1.0 / (measure(MEDIA_G722, false) * 50);
}

#ifndef MEDIA_LIMIT_LIB
int main(void)
{
	if (limit_setup() < 0)
		return 1;

	printf("one call = %d ms packets, 50 per second each way, %d-packet rounds, "
	       "median of %d\n",
	       PTIME, PKTS, ROUNDS);
	double g722_8k = measure(MEDIA_G722, false);
	double g722_16k = measure(MEDIA_G722, true);
	double opus = measure(MEDIA_OPUS, true);
	printf("  A-law <-> G.722 (8 kHz mode)   %7.2f us per packet time, %6.0f calls/core\n",
	       g722_8k * 1e6, 1.0 / (g722_8k * 50));
	for (unsigned k = 10; k <= 200; k *= 10) {
		double many = measure_many(k);
		printf("  A-law <-> G.722 (8 kHz), %3u calls in turn %5.2f us per packet time, "
		       "%6.0f "
		       "calls/core\n",
		       k, many * 1e6, 1.0 / (many * 50));
		if (k == 100)
			k = 20; /* then 200 */
	}
	double ceiling = media_limit_many_calls_per_core(true);
	if (ceiling > 0)
		printf("  the same, 100 calls, each sent packet also through loopback UDP (sendto "
		       "+ recv): %.2f us per packet time, %.0f calls/core: the loopback ceiling\n",
		       1e6 / (ceiling * 50), ceiling);
	printf("  A-law <-> G.722 (16 kHz, FIR)  %7.2f us per packet time, %6.0f calls/core\n",
	       g722_16k * 1e6, 1.0 / (g722_16k * 50));
	printf("  A-law <-> Opus 16k (cplx %d)    %7.2f us per packet time, %6.0f calls/core\n", 3,
	       opus * 1e6, 1.0 / (opus * 50));
	printf("  steps per 20 ms packet: G.722 encode 16 kHz %.2f us, 8 kHz mode %.2f us, "
	       "decode 16 kHz %.2f us; resample up %.2f us, down %.2f us\n",
	       step_cost(0) * 1e6, step_cost(1) * 1e6, step_cost(2) * 1e6, step_cost(3) * 1e6,
	       step_cost(4) * 1e6);
	for (int cx = 0; cx <= 10; cx += cx < 4 ? 1 : 2) {
		struct media_enc *oe;
		int16_t p16[320];
		uint8_t pay[MEDIA_MAX_PAYLOAD];
		double t[ROUNDS];
		media_enc_alloc(&oe, MEDIA_OPUS, 16000);
		media_enc_set_complexity(oe, cx);
		for (int k = 0; k < ROUNDS; k++) {
			double t0 = now_cpu();
			for (size_t i = 0; i < PKTS / 3; i++) {
				tone(p16, 320, i * 320, 440.0 + (double)(i % 50) * 40.0, 16000);
				media_enc_encode(oe, p16, 320, pay, sizeof pay);
			}
			t[k] = (now_cpu() - t0) / (PKTS / 3);
		}
		media_enc_free(oe);
		printf("%s%d: %.1f us", cx ? ", " : "  Opus 16 kHz encode per 20 ms by complexity ",
		       cx, median(t, ROUNDS) * 1e6);
	}
	printf("\n");
	double s, raw, s_nss = 0, raw2, g722_nss = 0;
	srtp_cost(&s, &raw);
	/* the same with the library's own kernels, last: nothing after this uses SRTP */
	if (media_limit_srtp_builtin() == 0) {
		srtp_cost(&s_nss, &raw2);
		g722_nss = measure(MEDIA_G722, false);
	}
	printf("  SRTP protect+unprotect (172 B): libsrtp2 on %s %.2f us, on its built-in kernels "
	       "(Debian: NSS) %.2f us, raw OpenSSL AES-CTR+HMAC-SHA1 re-keyed per packet %.2f us\n",
	       media_srtp_kernel(), s * 1e6, s_nss * 1e6, raw * 1e6);
	printf("  A-law <-> G.722 (8 kHz mode) with libsrtp2's built-in kernels %.2f us per packet "
	       "time, %.0f calls/core\n",
	       g722_nss * 1e6, g722_nss > 0 ? 1.0 / (g722_nss * 50) : 0);
	double u = udp_cost();
	printf("  loopback UDP sendto+recv (172 B), same thread: %.2f us per packet; a call relays "
	       "4 "
	       "per 20 ms: %.2f us\n",
	       u * 1e6, 4 * u * 1e6);
	free(cloud_pkts);
	printf("media-limit: %.0f calls/core\n", 1.0 / (g722_8k * 50));
	return 0;
}
#endif
