/* media-vs-rtpengine.c: calls per core of symbridge's media engine against rtpengine's, fed the
 * same streams by the same driver, in one run (issue 20).
 *
 * Each engine runs on one core: our engine with one worker thread, created while the main
 * thread was pinned to that core (the worker keeps the affinity); rtpengine from Debian in
 * userspace (table -1, no kernel module), num-threads 1, started with `taskset -c CORE`, its
 * own config, pid file and ng port under a temp dir, driven over its ng protocol (bencode
 * over UDP) and stopped at the end. The driver (sender and receiver threads, the main thread)
 * runs on the other cores.
 * Workloads: g722-srtp (A-law RTP <-> G.722 SRTP), relay (G.722 RTP <-> G.722 SRTP), opus
 * (A-law RTP <-> Opus RTP). Peer A sends identical bytes to both engines, and so does peer B
 * (SRTP packets protected with the key peer B gave in its SDP, before the step). Neither
 * engine is asked to detect in-band DTMF (our legs say telephone-event, rtpengine's SDP has
 * none; no event is sent).
 * A step: N calls set up, 10 packets each way to warm up, a 150 ms pause, then SECS s of
 * packets counted; loss = packets that did not come out of the engine within 200 ms. For each
 * workload and engine the call count doubles from START until a step loses >= 0.1 % (or CAP),
 * then two steps halve the gap: "held" is the highest count with < 0.1 % loss. A step that
 * loses is run again and fails only if it loses twice. Reps interleave the engines (the order
 * alternates) and the ratio of each rep is ours over rtpengine's.
 *
 * Everything runs at nice -15 (MVR_NICE), both engines alike, so that other processes on a
 * shared machine take little of the engines' core.
 * usage: media-vs-rtpengine [REPS]   env: MVR_START (25), MVR_CAP (1600), MVR_SECS (3),
 *        MVR_CORE (the last CPU), MVR_WORK (g722-srtp,relay,opus), RTPENGINE (/usr/bin/rtpengine)
 * Needs rtpengine (`apt-get install rtpengine-daemon`); without it: exit 77, said on stderr.
 * last line: media-vs-rtpengine: g722-srtp <r>x, relay <r>x, opus <r>x, loss <pct>%
 */
#include "config.h"

#include "mvr.h"
#include "mvr-drive.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "media.h"

static const char *const work_name[] = { "g722-srtp", "relay", "opus" };

/* ---- our engine --------------------------------------------------------------- */

static uv_loop_t loop;
static struct media_engine *eng;
static struct media_session **sess;
static struct media_srtp_key k_ours;

static int ours_setup(enum mvr_work w, int i, struct mvr_call *c)
{
	static const enum media_codec ca[] = { MEDIA_PCMA, MEDIA_G722, MEDIA_PCMA };
	static const enum media_codec cb[] = { MEDIA_G722, MEDIA_G722, MEDIA_OPUS };
	struct media_leg_conf legs[2] = { 0 };
	for (int l = 0; l < 2; l++) {
		struct sockaddr_in *a = (void *)&legs[l].remote;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->sin_port = htons(mvr_peer_port(l));
		legs[l].dtmf_pt = 101;
	}
	legs[0].codec = ca[w];
	legs[0].pt = ca[w] == MEDIA_PCMA ? 8 : 9;
	legs[1].codec = cb[w];
	legs[1].pt = cb[w] == MEDIA_OPUS ? 96 : 9;
	if (w != MVR_OPUS) {
		legs[1].srtp = true;
		legs[1].key_tx = k_ours;
		legs[1].key_rx = mvr_peer_key;
	}
	int rc = media_session_alloc(&sess[i], eng, legs, NULL, NULL);
	if (rc < 0)
		return rc;
	c->port[0] = media_session_port(sess[i], 0);
	c->port[1] = media_session_port(sess[i], 1);
	c->pt_b = legs[1].pt;
	return 0;
}

static void ours_teardown(int n)
{
	struct media_engine_status st;
	for (int i = 0; i < n; i++)
		media_session_destroy(sess[i]);
	/* the ports come back once the worker closed the sockets (messages on this loop) */
	for (int k = 0; k < 2000; k++) {
		uv_run(&loop, UV_RUN_NOWAIT);
		media_engine_status(eng, &st);
		if (st.ports_in_use == 0)
			break;
		usleep(1000);
	}
}

static uint64_t ours_cpu(void)
{
	struct media_engine_status st;
	media_engine_status(eng, &st);
	return st.worker_cpu_ns;
}

/* ---- rtpengine ------------------------------------------------------------------ */

static struct mvr_rtpengine rtpe;
static char peer_key_b64[48];

static int rtpe_setup(enum mvr_work w, int i, struct mvr_call *c)
{
	return mvr_rtpengine_call(&rtpe, w, i, mvr_peer_port(0), mvr_peer_port(1), peer_key_b64,
				  c);
}

static void rtpe_teardown(int n)
{
	for (int i = 0; i < n; i++)
		mvr_rtpengine_delete(&rtpe, i);
}

static uint64_t rtpe_cpu(void)
{
	return mvr_rtpengine_cpu_ns(&rtpe);
}

/* stopped by a signal: rtpengine goes with us */
static void on_signal(int sig)
{
	if (rtpe.pid > 0)
		kill(rtpe.pid, SIGTERM);
	_exit(128 + sig);
}

static const struct mvr_engine engines[2] = {
	{ "symbridge", ours_setup, ours_teardown, ours_cpu },
	{ "rtpengine", rtpe_setup, rtpe_teardown, rtpe_cpu },
};

/* ---- the search and the report ------------------------------------------------ */

static int start, cap;

struct held {
	int calls;
	double loss;     /* % at that count */
	double us_call;  /* engine CPU per call per 20 ms at that count */
	double p99_us;
	bool capped; /* held at the cap: the knee is higher */
};

static int one(enum mvr_work w, int e, int n, struct mvr_result *r)
{
	int rc = mvr_step(&engines[e], w, n, r);
	double ld[1] = { 0 };
	getloadavg(ld, 1);
	if (rc < 0) {
		fprintf(stderr, "media-vs-rtpengine: %s %s %d calls: %s\n", work_name[w],
			engines[e].name, n, strerror(-rc));
		return rc;
	}
	printf("  %-9s %-9s %5d calls: loss %.3f%% (late %.3f%%), cpu %.1f%% of its core (%.1f us per call "
	       "per 20 ms), p50/p99 %.0f/%.0f us (mean to B %.0f, to A %.0f), driver late %.1f ms, "
	       "load %.2f\n",
	       work_name[w], engines[e].name, n, r->loss, r->late, r->cpu_pct, r->us_call, r->p50_us,
	       r->p99_us, r->mean_us[0], r->mean_us[1], r->late_ms, ld[0]);
	fflush(stdout);
	return 0;
}

/* a step that loses is run once more, and fails only if it loses again: either engine (and
 * the machine) now and then stalls for tens of milliseconds at a load it otherwise holds */
static int step(enum mvr_work w, int e, int n, struct mvr_result *r)
{
	if (one(w, e, n, r) < 0)
		return -1;
	if (r->loss >= 0.1 && one(w, e, n, r) < 0)
		return -1;
	return 0;
}

static int search(enum mvr_work w, int e, struct held *h)
{
	struct mvr_result r;
	int lo = 0, hi = 0;
	*h = (struct held){ 0 };
	for (int n = start; n <= cap; n = n < cap && n * 2 > cap ? cap : n * 2) {
		if (step(w, e, n, &r) < 0)
			return -1;
		if (r.loss >= 0.1) {
			hi = n;
			break;
		}
		lo = n;
		*h = (struct held){ n, r.loss, r.us_call, r.p99_us, false };
		if (n == cap) {
			h->capped = true;
			break;
		}
	}
	for (int k = 0; k < 2 && lo && hi && hi - lo > 2; k++) {
		int n = (lo + hi) / 2;
		if (step(w, e, n, &r) < 0)
			return -1;
		if (r.loss < 0.1) {
			lo = n;
			*h = (struct held){ n, r.loss, r.us_call, r.p99_us, false };
		} else {
			hi = n;
		}
	}
	return 0;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 3;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int core = getenv("MVR_CORE") ? atoi(getenv("MVR_CORE")) : (int)ncpu - 1;
	bool want[MVR_WORK_COUNT] = { true, true, true };
	start = getenv("MVR_START") ? atoi(getenv("MVR_START")) : 25;
	cap = getenv("MVR_CAP") ? atoi(getenv("MVR_CAP")) : 1600;
	int secs = getenv("MVR_SECS") ? atoi(getenv("MVR_SECS")) : 3;
	if (getenv("MVR_WORK"))
		for (int w = 0; w < MVR_WORK_COUNT; w++)
			want[w] = strstr(getenv("MVR_WORK"), work_name[w]) != NULL;
	if (reps < 1 || start < 1 || cap < start || secs < 1 || core < 0 || core >= ncpu) {
		fprintf(stderr, "usage: media-vs-rtpengine [REPS]  (env MVR_START, MVR_CAP, "
				"MVR_SECS, MVR_CORE, MVR_WORK)\n");
		return 2;
	}

	/* On a shared machine, other processes on the engines' core took most of it: an engine
	 * using a quarter of the core fell behind. Everything the bench starts from here on (our
	 * worker, the driver threads, rtpengine's threads) inherits this nice value, so both
	 * engines get nearly the whole core against ordinary processes, alike. With the
	 * kernel's autogroups (sched_autogroup_enabled) nice only ranks threads of one session,
	 * and sessions share the CPU evenly: the bench takes a session of its own and gives its
	 * group the same nice value. */
	int nice_v = getenv("MVR_NICE") ? atoi(getenv("MVR_NICE")) : -15;
	bool group = false;
	if (setsid() >= 0 || getsid(0) == getpid()) {
		FILE *ag = fopen("/proc/self/autogroup", "w");
		if (ag) {
			group = fprintf(ag, "%d", nice_v) > 0;
			group = fclose(ag) == 0 && group;
		}
	}
	if (setpriority(PRIO_PROCESS, 0, nice_v) < 0)
		nice_v = getpriority(PRIO_PROCESS, 0);

	/* port ranges of our own for both engines (tests/lib/portrange.py), 4 ports a call */
	uint16_t ours_lo, rtpe_lo;
	int span = 4 * cap + 64;
	if (mvr_port_range(span, &ours_lo) < 0 || mvr_port_range(span, &rtpe_lo) < 0) {
		fprintf(stderr, "media-vs-rtpengine: no free port range of %d ports\n", span);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	int rc = mvr_rtpengine_start(&rtpe, core, rtpe_lo, (uint16_t)(rtpe_lo + span - 1));
	if (rc == -ENOENT) {
		fprintf(stderr, "media-vs-rtpengine: SKIP: rtpengine is not installed "
				"(apt-get install rtpengine-daemon)\n");
		return 77;
	}
	if (rc < 0) {
		mvr_rtpengine_stop(&rtpe);
		return 1;
	}

	/* our engine: one worker, created while this thread is on the engine's core */
	cpu_set_t on, off;
	CPU_ZERO(&on);
	CPU_ZERO(&off);
	CPU_SET(core, &on);
	for (int c = 0; c < ncpu; c++)
		if (c != core || ncpu == 1)
			CPU_SET(c, &off);
	struct media_engine_conf ec = { .bind_ip = "127.0.0.1", .workers = 1 };
	ec.port_lo = ours_lo;
	ec.port_hi = ours_lo + span - 1;
	uv_loop_init(&loop);
	sched_setaffinity(0, sizeof on, &on);
	rc = media_engine_alloc(&eng, &loop, &ec);
	sched_setaffinity(0, sizeof off, &off); /* the driver threads inherit this */
	sess = calloc((size_t)cap + 1, sizeof *sess);
	if (rc < 0 || !sess || mvr_drive_init(cap, secs) < 0) {
		fprintf(stderr, "media-vs-rtpengine: cannot start: %s\n", strerror(-rc));
		mvr_rtpengine_stop(&rtpe);
		return 1;
	}
	media_srtp_key_new(&k_ours, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80);
	media_srtp_key_encode(&mvr_peer_key, peer_key_b64, sizeof peer_key_b64);

	struct media_engine_status es;
	media_engine_status(eng, &es);
	double ld[3] = { 0 };
	getloadavg(ld, 3);
	printf("engines on core %d of %ld: symbridge 1 worker (packet I/O %s, SRTP %s); "
	       "rtpengine pid %d, %d threads, userspace; driver on the other cores\n",
	       core, ncpu, es.io, media_srtp_kernel(), (int)rtpe.pid,
	       mvr_rtpengine_threads(&rtpe));
	printf("steps of %d s from %d calls (doubling, then two halvings) up to %d; held: < 0.1 %% "
	       "loss (later than 200 ms is lost); %d reps, engines interleaved; nice %d%s; load "
	       "average %.2f %.2f %.2f\n",
	       secs, start, cap, reps, nice_v, group ? " (its own autogroup too)" : "", ld[0],
	       ld[1], ld[2]);

	double ratio[MVR_WORK_COUNT][64], worst_loss = 0;
	int nr[MVR_WORK_COUNT] = { 0 };
	for (int rep = 0; rep < reps && rep < 64; rep++) {
		for (int w = 0; w < MVR_WORK_COUNT; w++) {
			if (!want[w])
				continue;
			struct held h[2];
			for (int k = 0; k < 2; k++) {
				int e = (rep + w + k) % 2;
				if (search((enum mvr_work)w, e, &h[e]) < 0)
					goto out;
			}
			double r = h[1].calls ? (double)h[0].calls / h[1].calls : 0;
			ratio[w][nr[w]++] = r;
			if (h[0].loss > worst_loss)
				worst_loss = h[0].loss;
			getloadavg(ld, 1);
			printf("rep %d %-9s: symbridge holds %d%s calls (%.1f us/call, p99 %.0f us), "
			       "rtpengine %d%s (%.1f us/call, p99 %.0f us): %.2fx; by CPU per call "
			       "%.2fx; load %.2f\n",
			       rep + 1, work_name[w], h[0].calls, h[0].capped ? " (the cap)" : "",
			       h[0].us_call, h[0].p99_us, h[1].calls, h[1].capped ? " (the cap)" : "",
			       h[1].us_call, h[1].p99_us, r,
			       h[0].us_call > 0 ? h[1].us_call / h[0].us_call : 0, ld[0]);
			fflush(stdout);
		}
	}
out:
	mvr_rtpengine_stop(&rtpe);
	media_engine_free(eng);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	mvr_drive_free();
	char part[MVR_WORK_COUNT][48];
	bool all = true;
	for (int w = 0; w < MVR_WORK_COUNT; w++) {
		if (!nr[w]) {
			snprintf(part[w], sizeof part[w], "-");
			all = all && !want[w];
			continue;
		}
		qsort(ratio[w], (size_t)nr[w], sizeof ratio[w][0], cmpd);
		printf("%s: ratio min %.2f, median %.2f, max %.2f over %d reps\n", work_name[w],
		       ratio[w][0], ratio[w][nr[w] / 2], ratio[w][nr[w] - 1], nr[w]);
		snprintf(part[w], sizeof part[w], "%.2f", ratio[w][nr[w] / 2]);
	}
	printf("media-vs-rtpengine: g722-srtp %sx, relay %sx, opus %sx, loss %.3f%%\n", part[0],
	       part[1], part[2], worst_loss);
	return all ? 0 : 1;
}
