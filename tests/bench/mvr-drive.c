/* mvr-drive.c: media-vs-rtpengine's driver: peers A and B on loopback, their 20 ms streams into
 * whichever engine a step measures, what comes out counted and timed. */
#include "config.h"

#include "mvr-drive.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PTIME_NS 20000000LL
#define WARM     10  /* packets each way before the counted part */
#define PAUSE_NS 150000000LL
#define SLOTS    20  /* calls spread over the 20 ms in 1 ms slots */
#define BATCH    512
#define STRIDE   208 /* room for one peer-B packet: header, Opus or G.722, SRTP tag */
#define HIST     256 /* send times kept per call and direction */
#define FRAMES   50  /* 1 s of each payload, repeated */
/* a packet delivered later than this after it was sent counts as lost: a phone's jitter buffer
 * would not play it, and an engine that falls behind would otherwise lose nothing for as long
 * as its socket buffers hold a step (3 s of 50 packets fit in the default 212 kB). 200 ms, not
 * less: rtpengine's transcoding delays packets by 3-25 ms on average with a tail near 100 ms
 * even at 25 calls on a tenth of its core, which is its design, not its limit. */
#define LATE_NS  200000000LL

struct media_srtp_key mvr_peer_key;

struct dcall {
	struct mvr_call mc;
	uint64_t received[2];
	uint64_t late[2]; /* ... of which later than LATE_NS, or of unknown send time */
	int64_t sent_ns[2][HIST];
};

static int fd[2], sink[2]; /* peer A, peer B; their RTCP ports (never read) */
static uint16_t port[2];
static struct dcall *calls;
static int maxc, ticks, counted; /* counted = ticks - WARM */
static uint8_t *bpkts;           /* peer B's packets of a step: [tick][call] */
static uint16_t *blen;
static uint8_t alaw[FRAMES][160], g722[FRAMES][160], opus[FRAMES][128];
static int opus_len[FRAMES];
static int *port_call; /* engine port -> call */
static int64_t *lat;
static size_t lat_cap;
static _Atomic size_t nlat;
static _Atomic bool counting, sending_done;
static int64_t realtime_off, late_ns;
static int64_t lat_dir[2][2]; /* per direction: sum of latencies (ns) and their number */

/* the step being run */
static const struct mvr_engine *cur;
static enum mvr_work cur_w;
static int cur_n;
static uint64_t cpu0, cpu1;
static int64_t wall0, wall1;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

uint16_t mvr_peer_port(int leg)
{
	return port[leg];
}

int mvr_port_range(int count, uint16_t *lo)
{
	char cmd[512];
	unsigned v = 0;
	snprintf(cmd, sizeof cmd, "python3 %s/tests/lib/portrange.py %d %d",
		 getenv("top_srcdir") ? getenv("top_srcdir") : MVR_SRCDIR, count, (int)getpid());
	FILE *p = popen(cmd, "r");
	if (!p)
		return -errno;
	int ok = fscanf(p, "%u", &v) == 1;
	if (pclose(p) != 0 || !ok || v == 0 || v + (unsigned)count > 65535)
		return -ENOSPC;
	*lo = (uint16_t)v;
	return 0;
}

/* an even port for RTP with the odd one above bound too, as RTCP's sink */
static int peer_socket(int leg)
{
	for (int tries = 0; tries < 200; tries++) {
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t sl = sizeof sin;
		int f = socket(AF_INET, SOCK_DGRAM, 0), g = socket(AF_INET, SOCK_DGRAM, 0);
		int big = 8 << 20, on = 1;
		setsockopt(f, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
		setsockopt(f, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
		setsockopt(f, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
		if (f >= 0 && g >= 0 && bind(f, (struct sockaddr *)&sin, sizeof sin) == 0 &&
		    getsockname(f, (struct sockaddr *)&sin, &sl) == 0 &&
		    ntohs(sin.sin_port) % 2 == 0) {
			sin.sin_port = htons((uint16_t)(ntohs(sin.sin_port) + 1));
			if (bind(g, (struct sockaddr *)&sin, sizeof sin) == 0) {
				fd[leg] = f;
				sink[leg] = g;
				port[leg] = (uint16_t)(ntohs(sin.sin_port) - 1);
				return 0;
			}
		}
		close(f);
		close(g);
	}
	return -EADDRINUSE;
}

static void header(uint8_t *b, uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
	b[0] = 0x80;
	b[1] = pt;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	for (int i = 0; i < 4; i++) {
		b[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
		b[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	}
}

/* 1 s of a 440 Hz tone as A-law, G.722 and Opus frames */
static int payloads(void)
{
	struct media_enc *ea, *eg, *eo;
	int16_t pcm8[160], pcm16[320];
	if (media_enc_alloc(&ea, MEDIA_PCMA, 8000) < 0 || media_enc_alloc(&eg, MEDIA_G722, 16000) < 0 ||
	    media_enc_alloc(&eo, MEDIA_OPUS, 16000) < 0)
		return -ENOMEM;
	for (int f = 0; f < FRAMES; f++) {
		for (int i = 0; i < 320; i++) {
			double t = (f * 320 + i) / 16000.0;
			pcm16[i] = (int16_t)lrint(8000 * sin(2 * M_PI * 440 * t));
			if (i % 2 == 0)
				pcm8[i / 2] = pcm16[i];
		}
		if (media_enc_encode(ea, pcm8, 160, alaw[f], 160) != 160 ||
		    media_enc_encode(eg, pcm16, 320, g722[f], 160) != 160 ||
		    (opus_len[f] = media_enc_encode(eo, pcm16, 320, opus[f], sizeof opus[f])) <= 0)
			return -EIO;
	}
	media_enc_free(ea);
	media_enc_free(eg);
	media_enc_free(eo);
	return 0;
}

int mvr_drive_init(int max_calls, int secs)
{
	struct timespec rts, mts;
	clock_gettime(CLOCK_REALTIME, &rts);
	clock_gettime(CLOCK_MONOTONIC, &mts);
	realtime_off =
		((int64_t)rts.tv_sec - mts.tv_sec) * 1000000000LL + (rts.tv_nsec - mts.tv_nsec);
	maxc = max_calls;
	counted = secs * 50;
	ticks = WARM + counted;
	if (media_srtp_init() < 0 || peer_socket(0) < 0 || peer_socket(1) < 0 || payloads() < 0 ||
	    media_srtp_key_new(&mvr_peer_key, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80) < 0)
		return -EIO;
	calls = calloc((size_t)maxc, sizeof *calls);
	bpkts = malloc((size_t)ticks * (size_t)maxc * STRIDE);
	blen = malloc((size_t)ticks * (size_t)maxc * sizeof *blen);
	port_call = malloc(65536 * sizeof *port_call);
	lat_cap = (size_t)maxc * (size_t)counted * 2 + 1024;
	lat = malloc(lat_cap * sizeof *lat);
	if (!calls || !bpkts || !blen || !port_call || !lat)
		return -ENOMEM;
	memset(port_call, 0xff, 65536 * sizeof *port_call);
	return 0;
}

void mvr_drive_free(void)
{
	for (int l = 0; l < 2; l++) {
		close(fd[l]);
		close(sink[l]);
	}
	free(calls);
	free(bpkts);
	free(blen);
	free(port_call);
	free(lat);
}

/* peer B's packets for the step: Opus in the clear, or G.722 protected with peer B's key */
static int build_b(void)
{
	struct media_srtp *tx = NULL;
	if (cur_w != MVR_OPUS && media_srtp_alloc(&tx, &mvr_peer_key, true) < 0)
		return -EIO;
	/* SRTP's index follows each SSRC's sequence, so protect call by call in order */
	for (int i = 0; i < cur_n; i++)
		for (int k = 0; k < ticks; k++) {
			size_t at = (size_t)k * (size_t)cur_n + (size_t)i, len;
			uint8_t *b = bpkts + at * STRIDE;
			if (cur_w == MVR_OPUS) {
				header(b, calls[i].mc.pt_b, (uint16_t)k, (uint32_t)k * 960,
				       0xb0000000u + (uint32_t)i);
				memcpy(b + 12, opus[k % FRAMES], (size_t)opus_len[k % FRAMES]);
				len = 12 + (size_t)opus_len[k % FRAMES];
			} else {
				header(b, calls[i].mc.pt_b, (uint16_t)k, (uint32_t)k * 160,
				       0xb0000000u + (uint32_t)i);
				memcpy(b + 12, g722[k % FRAMES], 160);
				len = 172;
				if (media_srtp_protect(tx, b, &len, STRIDE, false) < 0)
					return -EIO;
			}
			blen[at] = (uint16_t)len;
		}
	media_srtp_free(tx);
	return 0;
}

static void flush(int f, struct mmsghdr *m, int n)
{
	for (int at = 0; at < n;) {
		int k = sendmmsg(f, m + at, (unsigned)(n - at), 0);
		if (k <= 0)
			break;
		at += k;
	}
}

static void *sender(void *arg)
{
	static uint8_t abuf[BATCH][172];
	static struct iovec iov[2][BATCH];
	static struct sockaddr_in to[2][BATCH];
	static struct mmsghdr msgs[2][BATCH];
	uint8_t apt = cur_w == MVR_RELAY ? 9 : 8;
	int64_t t0 = now_ns() + 5000000;
	(void)arg;

	for (int k = 0; k < ticks; k++) {
		if (k == WARM) {
			/* the warm-up's packets are all out before counting starts */
			struct timespec p = { 0, PAUSE_NS };
			clock_nanosleep(CLOCK_MONOTONIC, 0, &p, NULL);
			t0 = now_ns() - k * PTIME_NS;
			cpu0 = cur->cpu_ns();
			wall0 = now_ns();
			atomic_store(&counting, true);
		}
		for (int slot = 0; slot < SLOTS; slot++) {
			int64_t at = t0 + k * PTIME_NS + slot * (PTIME_NS / SLOTS);
			struct timespec ts = { at / 1000000000LL, at % 1000000000LL };
			if (now_ns() < at)
				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			int64_t t = now_ns();
			if (k >= WARM && t - at > late_ns)
				late_ns = t - at;
			int n = 0;
			for (int i = slot; i < cur_n; i += SLOTS) {
				struct dcall *c = &calls[i];
				if (n == BATCH) {
					flush(fd[0], msgs[0], n);
					flush(fd[1], msgs[1], n);
					n = 0;
				}
				header(abuf[n], apt, (uint16_t)k, (uint32_t)k * 160,
				       0xa0000000u + (uint32_t)i);
				memcpy(abuf[n] + 12, apt == 8 ? alaw[k % FRAMES] : g722[k % FRAMES],
				       160);
				iov[0][n] = (struct iovec){ abuf[n], 172 };
				size_t pi = (size_t)k * (size_t)cur_n + (size_t)i;
				iov[1][n] = (struct iovec){ bpkts + pi * STRIDE, blen[pi] };
				for (int d = 0; d < 2; d++) {
					to[d][n] = (struct sockaddr_in){
						.sin_family = AF_INET,
						.sin_port = htons(c->mc.port[d]),
						.sin_addr.s_addr = htonl(INADDR_LOOPBACK)
					};
					msgs[d][n].msg_hdr =
						(struct msghdr){ .msg_name = &to[d][n],
								 .msg_namelen = sizeof to[d][n],
								 .msg_iov = &iov[d][n],
								 .msg_iovlen = 1 };
					c->sent_ns[d][k % HIST] = t;
				}
				n++;
			}
			flush(fd[0], msgs[0], n);
			flush(fd[1], msgs[1], n);
		}
	}
	wall1 = now_ns();
	atomic_store(&sending_done, true);
	return NULL;
}

/* what came out toward peer B (dir 0) or peer A (dir 1); returns the packets read */
static int take(int dir)
{
	struct mmsghdr msgs[64];
	struct iovec iov[64];
	static __thread uint8_t bufs[64][256];
	struct sockaddr_in from[64];
	union {
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct timespec))];
	} ctl[64];
	for (int i = 0; i < 64; i++) {
		iov[i] = (struct iovec){ bufs[i], sizeof bufs[i] };
		msgs[i].msg_hdr = (struct msghdr){ .msg_name = &from[i],
						   .msg_namelen = sizeof from[i],
						   .msg_iov = &iov[i],
						   .msg_iovlen = 1,
						   .msg_control = ctl[i].b,
						   .msg_controllen = sizeof ctl[i].b };
	}
	int n = recvmmsg(fd[1 - dir], msgs, 64, MSG_DONTWAIT, NULL);
	bool on = atomic_load(&counting);
	for (int i = 0; i < n && on; i++) {
		int ci = port_call[ntohs(from[i].sin_port)];
		const uint8_t *b = bufs[i];
		if (ci < 0 || msgs[i].msg_len < 12 || (b[1] >= 200 && b[1] <= 204))
			continue;
		struct dcall *c = &calls[ci];
		/* the j-th packet out of a stream is taken for the answer to the j-th one sent
		 * in the counted part: a transcoder renumbers and retimes, so neither the
		 * sequence number nor the timestamp says which packet went in (a packet lost
		 * before it makes the ones after it look 20 ms later each) */
		uint64_t k = WARM + c->received[dir]++;
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msgs[i].msg_hdr);
		if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec kts;
			memcpy(&kts, CMSG_DATA(cm), sizeof kts);
			int64_t t = (int64_t)kts.tv_sec * 1000000000LL + kts.tv_nsec - realtime_off;
			int64_t sent = c->sent_ns[dir][k % HIST];
			/* a packet whose number the timestamps do not tell (an engine that fell
			 * more than the pause behind) gives no latency, and counts as late */
			size_t at = sent && t >= sent ? atomic_fetch_add(&nlat, 1) : lat_cap;
			if (at < lat_cap) {
				lat[at] = t - sent;
				lat_dir[dir][0] += t - sent;
				lat_dir[dir][1]++;
			}
			if (!sent || t < sent || t - sent > LATE_NS)
				c->late[dir]++;
		}
	}
	return n > 0 ? n : 0;
}

static void *receiver(void *arg)
{
	int64_t quiet_since = 0;
	(void)arg;
	for (;;) {
		struct timespec ms = { 0, 1000000 };
		clock_nanosleep(CLOCK_MONOTONIC, 0, &ms, NULL);
		int got = 0;
		for (int k; (k = take(0) + take(1)) > 0;)
			got += k;
		if (got > 0 || !atomic_load(&sending_done)) {
			quiet_since = 0;
		} else if (!quiet_since) {
			quiet_since = now_ns();
		} else if (now_ns() - quiet_since > 200000000LL) {
			break; /* 200 ms of silence after the last send */
		}
	}
	return NULL;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int mvr_step(const struct mvr_engine *e, enum mvr_work w, int n, struct mvr_result *r)
{
	int rc = 0, up = 0;
	pthread_t st, rt;
	if (n > maxc)
		return -E2BIG;
	cur = e;
	cur_w = w;
	cur_n = n;
	memset(calls, 0, (size_t)n * sizeof *calls);
	for (; up < n; up++) {
		if ((rc = e->setup(w, up, &calls[up].mc)) < 0)
			goto out;
		port_call[calls[up].mc.port[0]] = up;
		port_call[calls[up].mc.port[1]] = up;
	}
	if ((rc = build_b()) < 0)
		goto out;
	atomic_store(&counting, false);
	atomic_store(&sending_done, false);
	atomic_store(&nlat, 0);
	memset(lat_dir, 0, sizeof lat_dir);
	late_ns = 0;
	pthread_create(&rt, NULL, receiver, NULL);
	pthread_create(&st, NULL, sender, NULL);
	pthread_join(st, NULL);
	pthread_join(rt, NULL);
	/* after the receiver's 200 ms of silence: the engine has handled every counted packet */
	cpu1 = e->cpu_ns();

	uint64_t expected = (uint64_t)n * (uint64_t)counted * 2, got = 0, late = 0;
	for (int i = 0; i < n; i++)
		for (int d = 0; d < 2; d++) {
			uint64_t in_time = calls[i].received[d] - calls[i].late[d];
			got += in_time < (uint64_t)counted ? in_time : (uint64_t)counted;
			late += calls[i].late[d];
		}
	double wall = (double)(wall1 - wall0) * 1e-9;
	size_t nl = atomic_load(&nlat) < lat_cap ? atomic_load(&nlat) : lat_cap;
	qsort(lat, nl, sizeof *lat, cmp64);
	*r = (struct mvr_result){
		.loss = 100.0 * (double)(expected - got) / (double)expected,
		.late = 100.0 * (double)late / (double)expected,
		/* the engine's CPU for the counted packets (the drain after the last send
		 * included) over the time they took to send */
		.cpu_pct = 100.0 * (double)(cpu1 - cpu0) * 1e-9 / wall,
		.us_call = (double)(cpu1 - cpu0) * 1e-3 / ((double)n * counted),
		.p50_us = nl ? (double)lat[nl / 2] / 1000.0 : 0,
		.p99_us = nl ? (double)lat[nl * 99 / 100] / 1000.0 : 0,
		.late_ms = (double)late_ns / 1e6,
		.mean_us = { lat_dir[0][1] ? (double)lat_dir[0][0] / lat_dir[0][1] / 1e3 : 0,
			     lat_dir[1][1] ? (double)lat_dir[1][0] / lat_dir[1][1] / 1e3 : 0 },
	};
out:
	e->teardown(up);
	for (int i = 0; i < up; i++) {
		port_call[calls[i].mc.port[0]] = -1;
		port_call[calls[i].mc.port[1]] = -1;
	}
	return rc;
}
