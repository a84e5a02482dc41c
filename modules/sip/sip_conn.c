/* sip_conn.c: caps on the SIP side's TCP/TLS connections (in total and per source), the open-files
 * limit, and the sip.limits settings; sofia-sip has no cap, so its accept() and close() pass here. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <uv.h>

#define SB_MODULE "sip"
#include "sip_priv.h"

#define FD_RESERVE 256 /* files kept for the store, logs, the control socket and the cloud */
#define NBUCKETS   4096

static const struct sb_conf_key limits_keys[] = {
	{ .name = "max_connections",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct sip_limits_conf, max_connections),
	  .def = "1024",
	  .min = 1,
	  .max = 65536,
	  .help = "TCP and TLS connections the local side accepts at once, from everyone; more "
		  "are closed as they arrive" },
	{ .name = "max_connections_per_source",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct sip_limits_conf, per_source),
	  .def = "32",
	  .min = 1,
	  .max = 65536,
	  .help = "TCP and TLS connections accepted at once from one address (an IPv6 /64)" },
	{ .name = "connection_rate_per_source",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct sip_limits_conf, rate_per_source),
	  .def = "30",
	  .min = 1,
	  .max = 100000,
	  .help = "new TCP and TLS connections accepted per minute from one address (a burst of "
		  "as many, then one every 60/N s); each accepted TLS connection costs memory "
		  "that Debian's sofia-sip never returns" },
	{ .name = "message_timeout",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct sip_limits_conf, message_timeout),
	  .def = "10",
	  .min = 1,
	  .max = 3600,
	  .flags = SB_CK_RESTART,
	  .help = "seconds a TCP connection may leave a message incomplete before it is closed" },
	{ .name = "idle_timeout",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct sip_limits_conf, idle_timeout),
	  .def = "300",
	  .min = 1,
	  .max = 86400,
	  .flags = SB_CK_RESTART,
	  .help = "seconds a TCP or TLS connection with no traffic and no transaction is kept open" },
	SB_CONF_END
};

const struct sb_conf_section sip_limits_section = {
	.name = "sip.limits",
	.keys = limits_keys,
	.size = sizeof(struct sip_limits_conf),
	.src_offset = offsetof(struct sip_limits_conf, src),
};

/* One entry per file descriptor sofia-sip accepted; entries of one bucket (a hash of the
 * source) are chained, so counting a source's connections walks at most its own and a few
 * others. Only the main thread accepts and closes sofia's sockets, and an fd is tracked only
 * while sofia holds it, so another thread's close() of its own fd never meets a tracked entry. */
struct conn {
	struct in6_addr src; /* IPv4 as v4-mapped; IPv6 cut to its /64 */
	int next, prev;      /* fds in the same bucket, -1 at the ends */
	unsigned bucket;
	int live_idx; /* in live[] */
	bool used;
};

static struct conn *conns; /* allocated once, kept: other threads' close() reads it */
static int nconns_max;     /* size of conns: the open-files limit */
static bool enabled;
static int buckets[NBUCKETS];
static uint32_t seed;
static int total, max_total = 1024, max_per_source = 32;
static int reserve_fd = -1;
static uint64_t refused, idled, last_log_ms;
static int *live; /* the tracked fds, dense, for the idle sweep */
static int rate_per_min = 30;

/* New connections per source: a token bucket per address in a table of fixed size; a source
 * not seen for a while gives its slot to a new one (the oldest of the probed slots). */
#define RATE_SLOTS 4096
#define RATE_PROBE 8
struct rate {
	struct in6_addr src;
	double tokens;
	uint64_t last_ms;
	bool used;
};
static struct rate *rates;
static unsigned idle_ms;
static uv_timer_t sweep_timer;
static bool sweeping;

static void sweep_cb(uv_timer_t *t);

static unsigned hash_src(const struct in6_addr *a)
{
	uint32_t h = seed;

	for (int i = 0; i < 16; i++)
		h = (h ^ a->s6_addr[i]) * 16777619u;
	return h % NBUCKETS;
}

static void source_of(const struct sockaddr_storage *ss, struct in6_addr *a)
{
	memset(a, 0, sizeof *a);
	if (ss->ss_family == AF_INET) {
		a->s6_addr[10] = a->s6_addr[11] = 0xff;
		memcpy(&a->s6_addr[12], &((const struct sockaddr_in *)ss)->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		*a = ((const struct sockaddr_in6 *)ss)->sin6_addr;
		if (!IN6_IS_ADDR_V4MAPPED(a))
			memset(&a->s6_addr[8], 0, 8); /* one /64 is one source */
	}
}

static int count_source(const struct in6_addr *a, unsigned b)
{
	int n = 0;

	for (int fd = buckets[b]; fd >= 0; fd = conns[fd].next)
		if (memcmp(&conns[fd].src, a, sizeof *a) == 0)
			n++;
	return n;
}

static void track(int fd, const struct in6_addr *a, unsigned b)
{
	struct conn *c = &conns[fd];

	c->src = *a;
	c->bucket = b;
	c->prev = -1;
	c->next = buckets[b];
	if (c->next >= 0)
		conns[c->next].prev = fd;
	buckets[b] = fd;
	c->used = true;
	c->live_idx = total;
	live[total++] = fd;
	if (sweeping && !uv_is_active((uv_handle_t *)&sweep_timer))
		uv_timer_again(&sweep_timer);
}

static void untrack(int fd)
{
	struct conn *c = &conns[fd];

	if (c->prev >= 0)
		conns[c->prev].next = c->next;
	else
		buckets[c->bucket] = c->next;
	if (c->next >= 0)
		conns[c->next].prev = c->prev;
	c->used = false;
	live[c->live_idx] = live[--total];
	conns[live[c->live_idx]].live_idx = c->live_idx;
}

/* sofia-sip closes a connection idle for TPTAG_IDLE only once it has seen traffic on it (its
 * timer is set by a read or a write, not by accept()), and a TLS connection that stops halfway
 * through a message never: the kernel knows when each connection last carried data either way
 * (TCP_INFO), so connections silent for idle_timeout both ways are shut down here and sofia,
 * seeing the end of the stream, closes them itself. */
static void sweep_cb(uv_timer_t *t)
{
	struct tcp_info ti;
	socklen_t len;

	for (int i = 0; i < total; i++) {
		len = sizeof ti;
		if (getsockopt(live[i], IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
			continue;
		if (ti.tcpi_last_data_recv >= idle_ms && ti.tcpi_last_data_sent >= idle_ms &&
		    shutdown(live[i], SHUT_RDWR) == 0) {
			idled++;
			log_debug("sip connection (fd %d) silent for %u ms: closed", live[i],
				  ti.tcpi_last_data_recv);
		}
	}
	if (total == 0)
		uv_timer_stop(t); /* started again by the next connection */
}

static void log_refusal(const struct sockaddr_storage *ss, const char *why)
{
	char host[INET6_ADDRSTRLEN] = "?";
	uint64_t now = uv_hrtime() / 1000000;

	refused++;
	if (now - last_log_ms < 1000)
		return; /* one line a second: a flood must not flood the log too */
	last_log_ms = now;
	if (ss->ss_family == AF_INET)
		uv_ip4_name((const struct sockaddr_in *)ss, host, sizeof host);
	else if (ss->ss_family == AF_INET6)
		uv_ip6_name((const struct sockaddr_in6 *)ss, host, sizeof host);
	log_warn("sip connection from %s refused: %s (%llu refused so far)", host, why,
		 (unsigned long long)refused);
}

static bool rate_take(const struct in6_addr *a, unsigned b)
{
	uint64_t now = uv_hrtime() / 1000000;
	struct rate *r, *oldest = NULL;
	unsigned h = b * (RATE_SLOTS / NBUCKETS);

	for (unsigned i = 0; i < RATE_PROBE; i++) {
		r = &rates[(h + i) % RATE_SLOTS];
		if (r->used && memcmp(&r->src, a, sizeof *a) == 0)
			goto found;
		if (!oldest || !r->used || (oldest->used && r->last_ms < oldest->last_ms))
			oldest = r;
	}
	r = oldest;
	r->used = true;
	r->src = *a;
	r->tokens = rate_per_min;
	r->last_ms = now;
found:
	r->tokens += (double)(now - r->last_ms) * rate_per_min / 60000.0;
	if (r->tokens > rate_per_min)
		r->tokens = rate_per_min;
	r->last_ms = now;
	if (r->tokens < 1)
		return false;
	r->tokens -= 1;
	return true;
}

/* sofia-sip's tport_accept() calls accept(); the executable's definition comes first. */
int accept(int s, struct sockaddr *sa, socklen_t *salen)
{
	static int (*real)(int, struct sockaddr *, socklen_t *);
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	struct in6_addr a;
	int fd;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "accept");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	fd = real(s, (struct sockaddr *)&ss, &len);
	if (fd < 0 && (errno == EMFILE || errno == ENFILE) && reserve_fd >= 0) {
		/* out of files: take the connection off the queue with the spare descriptor and
		 * close it, or the listener stays readable and the loop spins */
		close(reserve_fd);
		fd = real(s, (struct sockaddr *)&ss, &len);
		if (fd >= 0) {
			close(fd);
			log_refusal(&ss, "this process has no file descriptor left");
		}
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		errno = EAGAIN;
		return -1;
	}
	if (fd < 0)
		return -1;
	if (!enabled || fd >= nconns_max || (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
		goto pass; /* not set up (tests without the module), or not a network connection */
	source_of(&ss, &a);
	unsigned b = hash_src(&a);
	const char *why = NULL;
	if (total >= max_total)
		why = "sip.limits.max_connections reached";
	else if (count_source(&a, b) >= max_per_source)
		why = "sip.limits.max_connections_per_source reached";
	else if (!rate_take(&a, b))
		why = "sip.limits.connection_rate_per_source exceeded";
	if (why) {
		close(fd);
		log_refusal(&ss, why);
		errno = EAGAIN;
		return -1;
	}
	track(fd, &a, b);
pass:
	if (sa && salen) {
		memcpy(sa, &ss, len < *salen ? len : *salen);
		*salen = len;
	}
	return fd;
}

int close(int fd)
{
	static int (*real)(int);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "close");
	if (enabled && fd >= 0 && fd < nconns_max && conns[fd].used)
		untrack(fd);
	return real ? real(fd) : (errno = ENOSYS, -1);
}

/* Raise the open-files limit to what the settings need: two descriptors per RTP port (the leg's
 * reservation and the session's copy of it), every SIP connection, and a reserve; the soft
 * limit goes up to the hard one at most. */
static void raise_nofile(const struct sb_conf *conf, const struct sip_limits_conf *lc)
{
	struct rlimit rl;
	const struct sb_port_range *rp = &conf->system.rtp_ports;
	rlim_t need = 2 * (rlim_t)(rp->hi - rp->lo + 1) + (rlim_t)lc->max_connections + FD_RESERVE;
	rlim_t was;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		log_warn("cannot read the open-files limit: %s", strerror(errno));
		return;
	}
	was = rl.rlim_cur;
	if (rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_warn("cannot raise the open-files limit: %s", strerror(errno));
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	log_info("open files: limit %llu (was %llu; %llu needed for %d rtp ports (two each), %d sip "
		 "connections and %d in reserve)",
		 (unsigned long long)rl.rlim_cur, (unsigned long long)was,
		 (unsigned long long)need, rp->hi - rp->lo + 1, lc->max_connections, FD_RESERVE);
	if (rl.rlim_cur < need)
		log_warn("the open-files limit %llu is below the %llu the settings need: raise "
			 "LimitNOFILE (systemd) or the hard limit, or lower sip.limits.max_connections",
			 (unsigned long long)rl.rlim_cur, (unsigned long long)need);
}

static void apply_caps(const struct sip_limits_conf *lc)
{
	max_total = lc->max_connections;
	max_per_source = lc->per_source;
	rate_per_min = lc->rate_per_source;
	/* whatever the settings say, SIP connections leave the reserve to everything else */
	if (nconns_max > FD_RESERVE && max_total > nconns_max - FD_RESERVE)
		max_total = nconns_max - FD_RESERVE;
}

int sip_conn_open(const struct sb_conf *conf, const struct sip_limits_conf *lc)
{
	struct rlimit rl;
	unsigned period;

	raise_nofile(conf, lc);
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	if (!conns) {
		nconns_max = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1u << 20)
				     ? 1 << 20
				     : (int)rl.rlim_cur;
		conns = calloc((size_t)nconns_max, sizeof *conns);
		live = calloc((size_t)nconns_max, sizeof *live);
		rates = calloc(RATE_SLOTS, sizeof *rates);
		if (!conns || !live || !rates)
			return -ENOMEM;
	}
	memset(conns, 0, (size_t)nconns_max * sizeof *conns);
	memset(rates, 0, RATE_SLOTS * sizeof *rates);
	for (int i = 0; i < NBUCKETS; i++)
		buckets[i] = -1;
	seed = (uint32_t)uv_hrtime() ^ (uint32_t)getpid() * 2654435761u;
	total = 0;
	refused = idled = 0;
	reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	apply_caps(lc);
	idle_ms = (unsigned)lc->idle_timeout * 1000;
	period = idle_ms / 4 < 1000 ? 1000 : idle_ms / 4 > 30000 ? 30000 : idle_ms / 4;
	uv_timer_init(sb_daemon_loop(), &sweep_timer);
	uv_timer_start(&sweep_timer, sweep_cb, period, period);
	sweeping = true;
	enabled = true;
	if (max_total < lc->max_connections)
		log_warn("sip connections capped at %d, below sip.limits.max_connections (%d): the "
			 "open-files limit is %d",
			 max_total, lc->max_connections, nconns_max);
	return 0;
}

void sip_conn_reload(const struct sip_limits_conf *lc)
{
	if (enabled)
		apply_caps(lc);
}

int sip_conn_count(uint64_t *refusedp, uint64_t *idledp)
{
	if (refusedp)
		*refusedp = refused;
	if (idledp)
		*idledp = idled;
	return total;
}

/* After sofia-sip closed every socket (the stacks are destroyed). */
void sip_conn_close(void)
{
	if (reserve_fd >= 0)
		close(reserve_fd);
	reserve_fd = -1;
	if (sweeping)
		uv_close((uv_handle_t *)&sweep_timer, NULL);
	sweeping = false;
	enabled = false;
	total = 0;
}
