/* mvr-rtpengine.c: media-vs-rtpengine's rtpengine: the process, its ng control protocol
 * (bencode over UDP) and the SDP of the calls it carries. */
#include "config.h"

#include "mvr.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- bencode: the few shapes the ng protocol needs ---------------------------- */

struct bbuf {
	char b[8192];
	size_t n;
	bool over;
};

static void bput(struct bbuf *o, const char *s, size_t len)
{
	if (o->n + len >= sizeof o->b) {
		o->over = true;
		return;
	}
	memcpy(o->b + o->n, s, len);
	o->n += len;
}

static void bstr(struct bbuf *o, const char *s)
{
	char h[24];
	int k = snprintf(h, sizeof h, "%zu:", strlen(s));
	bput(o, h, (size_t)k);
	bput(o, s, strlen(s));
}

static void bkv(struct bbuf *o, const char *k, const char *v)
{
	bstr(o, k);
	bstr(o, v);
}

/* skips one value at *p; returns false on malformed input */
static bool bskip(const char **p, const char *end)
{
	const char *s = *p;
	if (s >= end)
		return false;
	if (*s == 'i') {
		const char *e = memchr(s, 'e', (size_t)(end - s));
		if (!e)
			return false;
		*p = e + 1;
		return true;
	}
	if (*s == 'l' || *s == 'd') {
		s++;
		while (s < end && *s != 'e')
			if (!bskip(&s, end))
				return false;
		if (s >= end)
			return false;
		*p = s + 1;
		return true;
	}
	char *colon;
	unsigned long len = strtoul(s, &colon, 10);
	if (colon >= end || *colon != ':' || len > (size_t)(end - colon - 1))
		return false;
	*p = colon + 1 + len;
	return true;
}

/* the string value of key in the top-level dictionary, copied into out (NUL-terminated) */
static bool bget(const char *msg, size_t len, const char *key, char *out, size_t outlen)
{
	const char *p = msg, *end = msg + len;
	if (p >= end || *p++ != 'd')
		return false;
	while (p < end && *p != 'e') {
		char *colon;
		unsigned long kl = strtoul(p, &colon, 10);
		if (colon >= end || *colon != ':' || kl > (size_t)(end - colon - 1))
			return false;
		const char *k = colon + 1;
		p = k + kl;
		if (kl == strlen(key) && memcmp(k, key, kl) == 0 && p < end && *p >= '0' &&
		    *p <= '9') {
			unsigned long vl = strtoul(p, &colon, 10);
			if (colon >= end || vl > (size_t)(end - colon - 1) || vl >= outlen)
				return false;
			memcpy(out, colon + 1, vl);
			out[vl] = 0;
			return true;
		}
		if (!bskip(&p, end))
			return false;
	}
	return false;
}

/* one ng request and its reply (matched by cookie); result must be "ok" (or "pong") */
static int ng(struct mvr_rtpengine *r, struct bbuf *req, char *sdp, size_t sdplen)
{
	char cookie[32], msg[sizeof req->b + 40], reply[16384], res[64];
	int cl = snprintf(cookie, sizeof cookie, "%u_%u ", (unsigned)getpid(), ++r->seq);
	if (req->over)
		return -E2BIG;
	memcpy(msg, cookie, (size_t)cl);
	memcpy(msg + cl, req->b, req->n);
	for (int attempt = 0; attempt < 3; attempt++) {
		if (send(r->ng_fd, msg, (size_t)cl + req->n, 0) < 0)
			return -errno;
		struct pollfd pf = { r->ng_fd, POLLIN, 0 };
		while (poll(&pf, 1, 2000) > 0) {
			ssize_t n = recv(r->ng_fd, reply, sizeof reply - 1, 0);
			if (n < cl || memcmp(reply, cookie, (size_t)cl) != 0)
				continue; /* an earlier attempt's reply */
			if (!bget(reply + cl, (size_t)n - (size_t)cl, "result", res, sizeof res))
				return -EPROTO;
			if (strcmp(res, "ok") && strcmp(res, "pong")) {
				char why[256] = "";
				bget(reply + cl, (size_t)n - (size_t)cl, "error-reason", why,
				     sizeof why);
				fprintf(stderr, "media-vs-rtpengine: rtpengine says %s: %s\n", res,
					why);
				return -EPROTO;
			}
			if (sdp && !bget(reply + cl, (size_t)n - (size_t)cl, "sdp", sdp, sdplen))
				return -EPROTO;
			return 0;
		}
	}
	return -ETIMEDOUT;
}

/* ---- the process -------------------------------------------------------------- */

static uint16_t free_udp_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sin;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	uint16_t port = 0;
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == 0)
		port = ntohs(sin.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

int mvr_rtpengine_start(struct mvr_rtpengine *r, int core, uint16_t port_lo, uint16_t port_hi)
{
	const char *bin = getenv("RTPENGINE") ? getenv("RTPENGINE") : "/usr/bin/rtpengine";
	char conf[128], log[128], pidf[128], corestr[16];
	uint16_t ngp = free_udp_port();

	memset(r, 0, sizeof *r);
	r->ng_fd = -1;
	if (access(bin, X_OK) != 0)
		return -ENOENT;
	snprintf(r->dir, sizeof r->dir, "/tmp/mvr-rtpengine.XXXXXX");
	if (!mkdtemp(r->dir) || !ngp)
		return -errno;
	r->port_lo = port_lo;
	r->port_hi = port_hi;
	snprintf(conf, sizeof conf, "%s/rtpengine.conf", r->dir);
	snprintf(log, sizeof log, "%s/rtpengine.log", r->dir);
	snprintf(pidf, sizeof pidf, "%s/rtpengine.pid", r->dir);
	FILE *f = fopen(conf, "w");
	if (!f)
		return -errno;
	/* table = -1: no kernel module, every packet in userspace; one worker thread; no HTTP,
	 * CLI or recording; ports of our own; calls go away at once when deleted */
	fprintf(f,
		"[rtpengine]\ntable = -1\ninterface = 127.0.0.1\nlisten-ng = 127.0.0.1:%u\n"
		"num-threads = 1\nmedia-num-threads = 1\nport-min = %u\nport-max = %u\n"
		"timeout = 120\ndelete-delay = 0\nlog-level = 4\nforeground = true\n"
		"log-stderr = true\npidfile = %s\n",
		ngp, port_lo, port_hi, pidf);
	fclose(f);
	snprintf(corestr, sizeof corestr, "%d", core);
	r->pid = fork();
	if (r->pid < 0)
		return -errno;
	if (r->pid == 0) {
		FILE *lf = freopen(log, "w", stderr);
		(void)lf;
		dup2(2, 1);
		char cf[160];
		snprintf(cf, sizeof cf, "--config-file=%s", conf);
		execlp("taskset", "taskset", "-c", corestr, bin, cf, (char *)NULL);
		_exit(127);
	}
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(ngp),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	r->ng_fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (r->ng_fd < 0 || connect(r->ng_fd, (struct sockaddr *)&to, sizeof to) < 0)
		return -errno;
	/* ready when it answers a ping (at most 10 s: it makes a DTLS certificate first) */
	for (int i = 0; i < 50; i++) {
		struct bbuf q = { 0 };
		bput(&q, "d", 1);
		bkv(&q, "command", "ping");
		bput(&q, "e", 1);
		if (ng(r, &q, NULL, 0) == 0)
			return 0;
		if (waitpid(r->pid, NULL, WNOHANG) == r->pid) {
			r->pid = 0;
			fprintf(stderr, "media-vs-rtpengine: rtpengine exited; its log: %s\n", log);
			return -ECHILD;
		}
	}
	fprintf(stderr, "media-vs-rtpengine: rtpengine did not answer a ping; its log: %s\n", log);
	return -ETIMEDOUT;
}

void mvr_rtpengine_stop(struct mvr_rtpengine *r)
{
	if (r->pid > 0) {
		kill(r->pid, SIGTERM);
		for (int i = 0; i < 100 && waitpid(r->pid, NULL, WNOHANG) == 0; i++)
			usleep(50000);
		if (kill(r->pid, 0) == 0) {
			kill(r->pid, SIGKILL);
			waitpid(r->pid, NULL, 0);
		}
		r->pid = 0;
	}
	if (r->ng_fd >= 0)
		close(r->ng_fd);
	r->ng_fd = -1;
	if (r->dir[0] && !getenv("MVR_KEEP")) {
		static const char *const files[] = { "rtpengine.conf", "rtpengine.log",
						     "rtpengine.pid" };
		char p[160];
		for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
			snprintf(p, sizeof p, "%s/%s", r->dir, files[i]);
			unlink(p);
		}
		rmdir(r->dir);
	}
}

uint64_t mvr_rtpengine_cpu_ns(const struct mvr_rtpengine *r)
{
	char p[64];
	uint64_t sum = 0;
	snprintf(p, sizeof p, "/proc/%d/task", (int)r->pid);
	DIR *d = opendir(p);
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char sp[384];
		unsigned long long ns = 0;
		snprintf(sp, sizeof sp, "%s/%s/schedstat", p, e->d_name);
		FILE *f = fopen(sp, "r");
		if (f) {
			if (fscanf(f, "%llu", &ns) == 1)
				sum += ns;
			fclose(f);
		}
	}
	closedir(d);
	return sum;
}

int mvr_rtpengine_threads(const struct mvr_rtpengine *r)
{
	char p[64];
	int n = 0;
	snprintf(p, sizeof p, "/proc/%d/task", (int)r->pid);
	DIR *d = opendir(p);
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* ---- calls -------------------------------------------------------------------- */

/* from an SDP rtpengine wrote: the m=audio port, the payload type of codec (by encoding
 * name) and the tag of its AES_CM_128_HMAC_SHA1_80 crypto line (0 if none) */
static int sdp_read(const char *sdp, const char *codec, uint16_t *port, int *pt, unsigned *tag)
{
	const char *m = strstr(sdp, "m=audio ");
	*pt = -1;
	*tag = 0;
	if (!m)
		return -EPROTO;
	*port = (uint16_t)atoi(m + 8);
	for (const char *l = m; (l = strstr(l, "a=rtpmap:")); l++) {
		char name[32];
		int p;
		if (sscanf(l, "a=rtpmap:%d %31[^/]", &p, name) == 2 && !strcasecmp(name, codec)) {
			*pt = p;
			break;
		}
	}
	for (const char *l = m; (l = strstr(l, "a=crypto:")); l++) {
		unsigned t;
		char suite[48];
		if (sscanf(l, "a=crypto:%u %47s", &t, suite) == 2 &&
		    !strcmp(suite, "AES_CM_128_HMAC_SHA1_80")) {
			*tag = t;
			break;
		}
	}
	return *port && *pt >= 0 ? 0 : -EPROTO;
}

int mvr_rtpengine_call(struct mvr_rtpengine *r, enum mvr_work w, int i, uint16_t port_a,
		       uint16_t port_b, const char *b_key_b64, struct mvr_call *c)
{
	static const char *const a_codec[] = { "PCMA", "G722", "PCMA" };
	static const char *const a_map[] = { "8 PCMA/8000", "9 G722/8000", "8 PCMA/8000" };
	static const char *const b_codec[] = { "G722", "G722", "opus" };
	bool srtp = w != MVR_OPUS;
	char callid[32], sdp[8192], out[8192];
	struct bbuf q = { 0 };
	int pt_a = atoi(a_map[w]), pt_b;
	unsigned tag;

	snprintf(callid, sizeof callid, "mvr-%d-%d", (int)getpid(), i);
	snprintf(sdp, sizeof sdp,
		 "v=0\r\no=- %d 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		 "m=audio %u RTP/AVP %d\r\na=rtpmap:%s\r\na=ptime:20\r\na=sendrecv\r\n",
		 i + 1, port_a, pt_a, a_map[w]);
	/* keys in sorted order, as bencode wants */
	bput(&q, "d", 1);
	bkv(&q, "call-id", callid);
	if (w != MVR_RELAY) {
		/* offer only the other codec toward B: rtpengine transcodes */
		bstr(&q, "codec");
		bput(&q, "d", 1);
		bstr(&q, "mask");
		bput(&q, "l", 1);
		bstr(&q, "all");
		bput(&q, "e", 1);
		bstr(&q, "transcode");
		bput(&q, "l", 1);
		bstr(&q, b_codec[w]);
		bput(&q, "ee", 2);
	}
	bkv(&q, "command", "offer");
	bkv(&q, "from-tag", "a");
	bkv(&q, "sdp", sdp);
	if (srtp)
		bkv(&q, "transport-protocol", "RTP/SAVP");
	bput(&q, "e", 1);
	int rc = ng(r, &q, out, sizeof out);
	if (rc < 0)
		return rc;
	if ((rc = sdp_read(out, b_codec[w], &c->port[1], &pt_b, &tag)) < 0 || (srtp && !tag)) {
		fprintf(stderr, "media-vs-rtpengine: rtpengine's offer lacks %s%s:\n%s\n",
			b_codec[w], srtp ? " or AES_CM_128_HMAC_SHA1_80" : "", out);
		return -EPROTO;
	}
	c->pt_b = (uint8_t)pt_b;
	char crypto[128] = "";
	if (srtp)
		snprintf(crypto, sizeof crypto,
			 "a=crypto:%u AES_CM_128_HMAC_SHA1_80 inline:%s\r\n", tag, b_key_b64);
	snprintf(sdp, sizeof sdp,
		 "v=0\r\no=- %d 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		 "m=audio %u %s %d\r\na=rtpmap:%d %s\r\n%sa=ptime:20\r\na=sendrecv\r\n",
		 i + 1, port_b, srtp ? "RTP/SAVP" : "RTP/AVP", pt_b, pt_b,
		 w == MVR_OPUS ? "opus/48000/2" : "G722/8000", crypto);
	q = (struct bbuf){ 0 };
	bput(&q, "d", 1);
	bkv(&q, "call-id", callid);
	bkv(&q, "command", "answer");
	bkv(&q, "from-tag", "a");
	bkv(&q, "sdp", sdp);
	bkv(&q, "to-tag", "b");
	bput(&q, "e", 1);
	if ((rc = ng(r, &q, out, sizeof out)) < 0)
		return rc;
	if (sdp_read(out, a_codec[w], &c->port[0], &pt_a, &tag) < 0) {
		fprintf(stderr, "media-vs-rtpengine: rtpengine's answer lacks %s:\n%s\n",
			a_codec[w], out);
		return -EPROTO;
	}
	return 0;
}

int mvr_rtpengine_delete(struct mvr_rtpengine *r, int i)
{
	char callid[32];
	struct bbuf q = { 0 };
	snprintf(callid, sizeof callid, "mvr-%d-%d", (int)getpid(), i);
	bput(&q, "d", 1);
	bkv(&q, "call-id", callid);
	bkv(&q, "command", "delete");
	bput(&q, "e", 1);
	return ng(r, &q, NULL, 0);
}
