/* media-load.c: N concurrent transcoded SRTP calls through real engine sessions on loopback.
 *
 * Each call is A-law (plain RTP) on one leg and G.722 with SRTP on the other. A sender thread
 * plays both peers: every 20 ms it sends one A-law packet to each call's legacy leg and one
 * SRTP G.722 packet to its cloud leg; calls are spread over the 20 ms in 1 ms slots, as
 * independent phones would be, and each slot leaves in one sendmmsg per peer. A receiver thread takes what the engine sends back and measures, per packet, the time
 * from the peer's send to the other peer's receive (loopback and the engine: "added latency").
 * The engine's CPU is what its worker threads used (each thread's CPU clock, user + system,
 * read through media_engine_status); the driver threads and the idle main loop are not charged
 * to it, and the process total minus the driver threads is printed next to it as a check. The
 * kernel's delivery of a datagram over loopback runs in the sender's context, so the driver
 * pays for delivering into the engine's sockets and the engine for delivering its own sends.
 * The ratio compares the engine's calls per core with media-limit measured in the same run.
 *
 * usage: media-load [CALLS [SECONDS [WORKERS [wake] [poll] [plain] [nss]]]]   (defaults 100, 5, one per core)
 * "plain" sets the io_uring up without IORING_SETUP_COOP_TASKRUN | TASKRUN_FLAG, for an A/B.
 * "nss" runs both the limit and the engine on libsrtp2's built-in (Debian: NSS) AES and HMAC
 * kernels instead of OpenSSL's, for an A/B.
 * last line: media-load: <N> calls, <cpu%> cpu, <ratio> of limit, p99 <us> us, loss <pct>% */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "media.h"

double media_limit_calls_per_core(void);
double media_limit_many_calls_per_core(bool loopback);
int media_limit_srtp_builtin(void);

#define PTIME_NS 20000000LL
#define HIST     4096 /* send times kept per call and direction, by packet number */

struct call {
	struct media_session *s;
	uint16_t port[2];
	uint32_t base_ts[2]; /* first timestamp the receiver saw, per direction */
	bool seen[2];
	uint64_t received[2];
	int64_t sent_ns[2][HIST];
};

static struct call *calls;
static int ncalls, seconds;
static int fd_a, fd_b; /* the legacy peer and the cloud peer */
static uint16_t port_a, port_b;
static struct media_srtp *peer_tx;
/* the cloud peer's SRTP packets, protected before the run: [tick][call], so the driver does no
 * SRTP while the engine is measured (NSS's shared locks would be contended by a third thread
 * that a real peer, on another machine, never adds) */
#define PRE_STRIDE 192
static uint8_t *pre_pkts;
static uint16_t *pre_len;
static uint8_t g722_pay[160], alaw_pay[160];
static _Atomic bool sending_done;
static int64_t *lat; /* latencies in ns */
static _Atomic size_t nlat;
static size_t lat_cap;
static uint16_t port_to_call_base;
static int *port_to_call; /* engine port -> call index */
static double sender_cpu, receiver_cpu;
static long sender_csw, receiver_csw; /* context switches of the driver threads */
static bool wake_receiver;            /* the receiver sleeps in poll() and is woken per packet */
static bool srtp_builtin;    /* libsrtp2's own AES/HMAC kernels (NSS), not the engine's OpenSSL */
static int64_t realtime_off; /* CLOCK_REALTIME - CLOCK_MONOTONIC, for SO_TIMESTAMPNS */

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static double thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* voluntary + involuntary context switches: a worker sleeping in epoll_wait and woken again is
 * one voluntary switch */
static long csw(int who)
{
	struct rusage ru;
	return getrusage(who, &ru) == 0 ? ru.ru_nvcsw + ru.ru_nivcsw : 0;
}

static long thread_csw(void)
{
	return csw(RUSAGE_THREAD);
}

static double process_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int udp_socket(uint16_t *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sin;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), big = 4 << 20;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
	int on = 1;
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0)
		return -1;
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	*port = ntohs(sin.sin_port);
	return fd;
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

#define SLOTS 20 /* the 20 ms are cut in 1 ms slots; a call sends in its own slot */
#define BATCH 512

/* send the packets of one slot with one sendmmsg per peer socket */
static void flush(int fd, struct mmsghdr *m, int n)
{
	for (int at = 0; at < n;) {
		int k = sendmmsg(fd, m + at, (unsigned)(n - at), 0);
		if (k <= 0)
			break;
		at += k;
	}
}

static void *sender(void *arg)
{
	int ticks = seconds * 50;
	int64_t t0 = now_ns() + 10000000;
	static uint8_t bufs[2][BATCH][256];
	static struct iovec iov[2][BATCH];
	static struct sockaddr_in to[2][BATCH];
	static struct mmsghdr msgs[2][BATCH];

	for (int k = 0; k < ticks; k++) {
		for (int slot = 0; slot < SLOTS; slot++) {
			int64_t at = t0 + k * PTIME_NS + slot * (PTIME_NS / SLOTS);
			struct timespec ts = { at / 1000000000LL, at % 1000000000LL };
			if (now_ns() < at)
				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			int n = 0;
			int64_t t = now_ns();
			for (int i = slot; i < ncalls; i += SLOTS) {
				struct call *c = &calls[i];
				if (n == BATCH) {
					flush(fd_a, msgs[0], n);
					flush(fd_b, msgs[1], n);
					n = 0;
				}
				/* legacy -> engine leg 0 */
				uint8_t *b = bufs[0][n];
				header(b, 8, (uint16_t)k, (uint32_t)k * 160,
				       0xa0000000u + (uint32_t)i);
				memcpy(b + 12, alaw_pay, 160);
				to[0][n] = (struct sockaddr_in){ .sin_family = AF_INET,
								 .sin_port = htons(c->port[0]),
								 .sin_addr.s_addr =
									 htonl(INADDR_LOOPBACK) };
				iov[0][n] = (struct iovec){ b, 172 };
				/* cloud -> engine leg 1, SRTP */
				size_t pi = (size_t)k * (size_t)ncalls + (size_t)i;
				b = bufs[1][n];
				size_t len = pre_len[pi];
				memcpy(b, pre_pkts + pi * PRE_STRIDE, len);
				to[1][n] = (struct sockaddr_in){ .sin_family = AF_INET,
								 .sin_port = htons(c->port[1]),
								 .sin_addr.s_addr =
									 htonl(INADDR_LOOPBACK) };
				iov[1][n] = (struct iovec){ b, len };
				for (int d = 0; d < 2; d++) {
					msgs[d][n].msg_hdr =
						(struct msghdr){ .msg_name = &to[d][n],
								 .msg_namelen = sizeof to[d][n],
								 .msg_iov = &iov[d][n],
								 .msg_iovlen = 1 };
					c->sent_ns[d][k % HIST] = t;
				}
				n++;
			}
			flush(fd_a, msgs[0], n);
			flush(fd_b, msgs[1], n);
		}
	}
	sender_cpu = thread_cpu();
	sender_csw = thread_csw();
	atomic_store(&sending_done, true);
	return NULL;
}

/* dir 0: legacy -> cloud, arriving at the cloud peer (fd_b); dir 1: the reverse, at fd_a.
 * A packet's latency ends when the kernel queued it on the peer's socket (SO_TIMESTAMPNS), so
 * it does not depend on when the receiver thread gets to read it. Returns the packets read. */
static int take(int fd, int dir)
{
	struct mmsghdr msgs[64];
	struct iovec iov[64];
	uint8_t bufs[64][256];
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
	int n = recvmmsg(fd, msgs, 64, MSG_DONTWAIT, NULL);
	int64_t t_read = now_ns();
	for (int i = 0; i < n; i++) {
		int port = ntohs(from[i].sin_port) - port_to_call_base;
		if (port < 0 || port >= 65536 || port_to_call[port] < 0 || msgs[i].msg_len < 12)
			continue;
		struct call *c = &calls[port_to_call[port]];
		const uint8_t *b = bufs[i];
		uint32_t ts =
			(uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
		if (!c->seen[dir]) {
			c->seen[dir] = true;
			c->base_ts[dir] = ts;
		}
		uint32_t k = (ts - c->base_ts[dir]) / 160;
		c->received[dir]++;
		int64_t t = t_read;
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msgs[i].msg_hdr);
		if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec kts;
			memcpy(&kts, CMSG_DATA(cm), sizeof kts);
			t = (int64_t)kts.tv_sec * 1000000000LL + kts.tv_nsec - realtime_off;
		}
		size_t at = atomic_fetch_add(&nlat, 1);
		if (at < lat_cap)
			lat[at] = t - c->sent_ns[dir][k % HIST];
	}
	return n > 0 ? n : 0;
}

/* By default the receiver reads every 1 ms without sleeping in poll(), as a NIC takes packets
 * without a thread to wake: otherwise every engine sendto() would also pay for waking this
 * driver thread (try_to_wake_up from sock_def_readable), which perf showed as 7 % of the
 * workers' time. "wake" as the 4th argument restores the poll() receiver. */
static void *receiver(void *arg)
{
	int64_t quiet_since = 0;

	for (;;) {
		int got = 0;
		if (wake_receiver) {
			struct pollfd pf[2] = { { fd_b, POLLIN, 0 }, { fd_a, POLLIN, 0 } };
			if (poll(pf, 2, 20) > 0) {
				if (pf[0].revents & POLLIN)
					got += take(fd_b, 0);
				if (pf[1].revents & POLLIN)
					got += take(fd_a, 1);
			}
		} else {
			struct timespec ms = { 0, 1000000 };
			clock_nanosleep(CLOCK_MONOTONIC, 0, &ms, NULL);
			for (int k; (k = take(fd_b, 0) + take(fd_a, 1)) > 0;)
				got += k;
		}
		if (got > 0) {
			quiet_since = 0;
		} else if (atomic_load(&sending_done)) {
			/* once the senders stopped, 200 ms of silence ends the run */
			if (!quiet_since)
				quiet_since = now_ns();
			else if (now_ns() - quiet_since > 200000000LL)
				break;
		}
	}
	receiver_cpu = thread_cpu();
	receiver_csw = thread_csw();
	return NULL;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static long rss_kb(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv)
{
	struct media_engine_conf ec = { .bind_ip = "127.0.0.1" };
	struct media_srtp_key k_engine, k_peer;
	struct media_engine *eng;
	uv_loop_t loop;
	pthread_t st, rt;

	ncalls = argc > 1 ? atoi(argv[1]) : 100;
	seconds = argc > 2 ? atoi(argv[2]) : 5;
	ec.workers = argc > 3 ? (unsigned)atoi(argv[3]) : 0;
	for (int a = 4; a < argc; a++) {
		if (strcmp(argv[a], "wake") == 0)
			wake_receiver = true;
		else if (strcmp(argv[a], "poll") == 0)
			ec.io = MEDIA_IO_POLL;
		else if (strcmp(argv[a], "plain") == 0)
			ec.uring_plain = true;
		else if (strcmp(argv[a], "nss") == 0 && media_limit_srtp_builtin() < 0)
			return 1;
		else if (strcmp(argv[a], "nss") == 0)
			srtp_builtin = true;
	}
	struct timespec rts, mts;
	clock_gettime(CLOCK_REALTIME, &rts);
	clock_gettime(CLOCK_MONOTONIC, &mts);
	realtime_off =
		((int64_t)rts.tv_sec - mts.tv_sec) * 1000000000LL + (rts.tv_nsec - mts.tv_nsec);
	if (ncalls < 1 || seconds < 1) {
		fprintf(stderr,
			"usage: media-load [CALLS [SECONDS [WORKERS [wake] [poll] [plain] [nss]]]]\n");
		return 2;
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	/* the limit as the issue defines it, then the same work for 100 calls in turn without and
	 * with the kernel's loopback work for each call's 4 datagrams: their quotient bounds the
	 * ratio any engine can reach over loopback on this machine */
	double limit = media_limit_calls_per_core();
	double many = media_limit_many_calls_per_core(false);
	double ceiling = media_limit_many_calls_per_core(true);
	double ceiling_ratio = many > 0 ? ceiling / many : 0;
	printf("media-limit in this run: %.0f calls/core; 100 calls in turn %.0f, the same with "
	       "each call's 4 datagrams through loopback UDP %.0f: the ceiling of any engine on "
	       "loopback is %.2f of the limit\n",
	       limit, many, ceiling, ceiling_ratio);

	/* the engine's ports: a range of our own, 4 per call */
	ec.port_lo = 30000 + (getpid() % 8) * 4000;
	ec.port_hi = ec.port_lo + 4 * ncalls + 64;
	if (ec.port_hi > 65535 || (fd_a = udp_socket(&port_a)) < 0 ||
	    (fd_b = udp_socket(&port_b)) < 0) {
		fprintf(stderr, "media-load: too many calls or no sockets\n");
		return 1;
	}
	/* this thread is the engine's main loop; it needs to run only at the end, when the
	 * sessions are destroyed (no events are asked for) */
	uv_loop_init(&loop);
	if (media_engine_alloc(&eng, &loop, &ec) < 0)
		return 1;

	media_srtp_key_new(&k_engine, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80);
	media_srtp_key_new(&k_peer, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80);
	media_srtp_alloc(&peer_tx, &k_peer, true);
	memset(alaw_pay, 0xd5, sizeof alaw_pay);
	for (int i = 0; i < 160; i++) {
		alaw_pay[i] = (uint8_t)(0x55 ^ (uint8_t)lrint(40 * sin(i * 0.785)));
		g722_pay[i] = (uint8_t)(i * 37);
	}

	calls = calloc((size_t)ncalls, sizeof *calls);
	size_t npre = (size_t)seconds * 50 * (size_t)ncalls;
	pre_pkts = malloc(npre * PRE_STRIDE);
	pre_len = malloc(npre * sizeof *pre_len);
	if (!calls || !pre_pkts || !pre_len) {
		fprintf(stderr, "media-load: out of memory\n");
		return 1;
	}
	for (int k = 0; k < seconds * 50; k++)
		for (int i = 0; i < ncalls; i++) {
			size_t at = (size_t)k * (size_t)ncalls + (size_t)i, len = 172;
			uint8_t *b = pre_pkts + at * PRE_STRIDE;
			header(b, 9, (uint16_t)k, (uint32_t)k * 160, 0xb0000000u + (uint32_t)i);
			memcpy(b + 12, g722_pay, 160);
			media_srtp_protect(peer_tx, b, &len, PRE_STRIDE, false);
			pre_len[at] = (uint16_t)len;
		}
	port_to_call_base = (uint16_t)ec.port_lo;
	port_to_call = malloc(65536 * sizeof *port_to_call);
	memset(port_to_call, 0xff, 65536 * sizeof *port_to_call);
	lat_cap = (size_t)ncalls * (size_t)seconds * 100 + 1024;
	lat = calloc(lat_cap, sizeof *lat);
	long rss0 = rss_kb();
	for (int i = 0; i < ncalls; i++) {
		struct media_leg_conf legs[2] = { 0 };
		struct sockaddr_in *a = (void *)&legs[0].remote, *b = (void *)&legs[1].remote;
		legs[0].codec = MEDIA_PCMA;
		legs[0].pt = 8;
		legs[0].dtmf_pt = -1;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->sin_port = htons(port_a);
		legs[1].codec = MEDIA_G722;
		legs[1].pt = 9;
		legs[1].dtmf_pt = -1;
		b->sin_family = AF_INET;
		b->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		b->sin_port = htons(port_b);
		legs[1].srtp = true;
		legs[1].key_tx = k_engine;
		legs[1].key_rx = k_peer;
		int rc = media_session_alloc(&calls[i].s, eng, legs, NULL, NULL);
		if (rc < 0) {
			fprintf(stderr, "media-load: session %d: %s\n", i, strerror(-rc));
			return 1;
		}
		for (int l = 0; l < 2; l++) {
			calls[i].port[l] = media_session_port(calls[i].s, (unsigned)l);
			port_to_call[calls[i].port[l] - port_to_call_base] = i;
		}
	}
	usleep(100000); /* let the workers open the sockets (CREATE messages) before traffic */
	long rss1 = rss_kb();

	struct media_engine_status es0, es1;
	double load0[1] = { 0 }, load1[1] = { 0 };
	getloadavg(load0, 1);
	media_engine_status(eng, &es0);
	double cpu0 = process_cpu();
	long csw0 = csw(RUSAGE_SELF), main_csw0 = thread_csw();
	int64_t w0 = now_ns();
	pthread_create(&rt, NULL, receiver, NULL);
	pthread_create(&st, NULL, sender, NULL);
	pthread_join(st, NULL);
	int64_t w1 = now_ns();
	pthread_join(rt, NULL);
	double cpu1 = process_cpu();
	long engine_csw =
		csw(RUSAGE_SELF) - csw0 - (thread_csw() - main_csw0) - sender_csw - receiver_csw;
	media_engine_status(eng, &es1);
	getloadavg(load1, 1);
	double wall = (double)(w1 - w0) * 1e-9;

	/* what the engine used: its worker threads' CPU over the run (the tail after the last
	 * send, while the receiver waits for silence, is idle for the workers) */
	double engine_cpu = (double)(es1.worker_cpu_ns - es0.worker_cpu_ns) * 1e-9;
	double rest_cpu = (cpu1 - cpu0) - sender_cpu - receiver_cpu;
	double cpu_pct = 100.0 * engine_cpu / wall;
	double per_call = engine_cpu / wall / ncalls; /* cores per call */
	double engine_calls_per_core = per_call > 0 ? 1.0 / per_call : 0;
	double ratio = limit > 0 ? engine_calls_per_core / limit : 0;

	size_t n = atomic_load(&nlat);
	if (n > lat_cap)
		n = lat_cap;
	qsort(lat, n, sizeof *lat, cmp64);
	double p50 = n ? (double)lat[n / 2] / 1000.0 : 0,
	       p99 = n ? (double)lat[n * 99 / 100] / 1000.0 : 0;
	uint64_t expected = (uint64_t)ncalls * (uint64_t)seconds * 50 * 2, got = 0;
	for (int i = 0; i < ncalls; i++)
		got += calls[i].received[0] + calls[i].received[1];
	double loss =
		expected ? 100.0 * (double)(expected - (got < expected ? got : expected)) / expected
			 : 0;

	struct media_engine_status es;
	media_engine_status(eng, &es);
	printf("calls %d, %u workers (packet I/O: %s%s), %d s, %.0f packets/s each way in total; "
	       "SRTP kernels: %s\n",
	       ncalls, es.workers, es.io,
	       strcmp(es.io, "io_uring") ? "" : ec.uring_plain ? ", plain" : ", coop task run",
	       seconds, ncalls * 50.0,
	       srtp_builtin ? "libsrtp2 built-in (NSS)" : media_srtp_kernel());
	printf("engine cpu %.1f%% (%.1f us per call per 20 ms): worker threads' own CPU clocks\n",
	       cpu_pct, per_call * 0.02 * 1e6);
	printf("  check: process minus driver threads %.1f%%; driver threads (sender + receiver, "
	       "not charged) %.1f%%; load average %.2f before, %.2f after\n",
	       100.0 * rest_cpu / wall, 100.0 * (sender_cpu + receiver_cpu) / wall, load0[0],
	       load1[0]);
	printf("engine calls/core %.0f, media-limit %.0f: ratio %.2f (loopback ceiling %.2f)\n",
	       engine_calls_per_core, limit, ratio, ceiling_ratio);
	printf("sends by plain sendto (no free io_uring slot): %llu\n",
	       (unsigned long long)es.sends_direct);
	printf("worker context switches %.0f/s, %.2f per packet received (wake-ups)\n",
	       (double)engine_csw / wall, (double)engine_csw / (ncalls * 100.0 * wall));
	printf("receiver: %s\n", wake_receiver ? "sleeps in poll(), woken by each engine send"
					       : "reads every 1 ms, never woken by the engine");
	printf("latency per packet (peer send -> kernel queues it at the other peer): p50 %.0f us, "
	       "p99 %.0f us, max %.0f "
	       "us\n",
	       p50, p99, n ? (double)lat[n - 1] / 1000.0 : 0);
	printf("packets %llu of %llu, memory per session %.1f kB (RSS)\n", (unsigned long long)got,
	       (unsigned long long)expected, (double)(rss1 - rss0) / ncalls);

	for (int i = 0; i < ncalls; i++)
		media_session_destroy(calls[i].s);
	media_engine_free(eng);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	media_srtp_free(peer_tx);
	free(pre_pkts);
	free(pre_len);
	printf("media-load: %d calls, %.1f%% cpu, %.2f of limit, p99 %.0f us, loss %.3f%%\n",
	       ncalls, cpu_pct, ratio, p99, loss);
	return 0;
}
