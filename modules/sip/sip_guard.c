/* sip_guard.c: per-source protection of the local side: request rate and failed authentications per source and per user, bans (the sip.security settings). */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#define SB_MODULE "sip"
#include "sip_priv.h"

#define PROBES 8 /* slots looked at for one key */

/* ---- settings ------------------------------------------------------------------------------ */

static const struct sb_conf_key security_keys[] = {
	{ .name = "digest_algorithms",
	  .type = SB_CT_STRLIST,
	  .offset = offsetof(struct sip_security_conf, digest_algorithms),
	  .def = "[ \"MD5\", \"SHA-256\" ]",
	  .min = 1,
	  .max = 2,
	  .check = sb_conf_check_digest_algorithms,
	  .help = "digest algorithms offered to stations, one challenge each, in this order (MD5 "
		  "first by default: many stations answer only the first challenge and know only MD5)" },
	{ .name = "request_limit",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct sip_security_conf, request_limit),
	  .def = "200",
	  .min = 0,
	  .max = 1000000,
	  .help = "requests one address may send in request_window seconds before it is banned "
		  "(0: no limit; link peers are never limited)" },
	{ .name = "request_window",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct sip_security_conf, request_window),
	  .def = "2",
	  .min = 1,
	  .max = 3600,
	  .help = "seconds over which request_limit counts" },
	{ .name = "auth_fail_limit",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct sip_security_conf, auth_fail_limit),
	  .def = "10",
	  .min = 0,
	  .max = 100000,
	  .help = "failed authentications from one address in auth_window seconds before it is "
		  "banned (0: no limit)" },
	{ .name = "user_fail_limit",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct sip_security_conf, user_fail_limit),
	  .def = "30",
	  .min = 0,
	  .max = 100000,
	  .help = "failed authentications as one user name, from any address, in auth_window "
		  "seconds before that user name is locked (0: no limit)" },
	{ .name = "auth_window",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct sip_security_conf, auth_window),
	  .def = "600",
	  .min = 1,
	  .max = 86400,
	  .help = "seconds over which failed authentications count" },
	{ .name = "ban_time",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct sip_security_conf, ban_time),
	  .def = "600",
	  .min = 1,
	  .max = 604800,
	  .help = "seconds a ban or a user lock lasts" },
	{ .name = "max_tracked",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct sip_security_conf, max_tracked),
	  .def = "4096",
	  .min = 64,
	  .max = 1048576,
	  .flags = SB_CK_RESTART,
	  .help = "addresses and user names remembered at once (the oldest make way)" },
	SB_CONF_END
};

const struct sb_conf_section sip_security_section = {
	.name = "sip.security",
	.keys = security_keys,
	.size = sizeof(struct sip_security_conf),
	.src_offset = offsetof(struct sip_security_conf, src),
};

/* ---- the table ----------------------------------------------------------------------------- */

enum { KIND_FREE, KIND_ADDR, KIND_USER };

struct entry {
	char key[66]; /* an address, or a user name */
	unsigned char kind;
	uint64_t last;                  /* last request or failure */
	uint64_t win_start, fail_start; /* the current windows */
	unsigned requests, failures;
	uint64_t banned_until;
	unsigned long long dropped; /* requests refused while banned */
	char why[96];
};

static struct {
	const struct sip_security_conf *c;
	struct entry *e;
	size_t n; /* slots */
	unsigned long long bans;
	void (*changed_cb)(void); /* the set of banned addresses changed */
} g;

static size_t hash(unsigned char kind, const char *key)
{
	size_t h = 1469598103934665603ULL ^ kind;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

static bool idle(const struct entry *e, uint64_t now)
{
	const struct sip_security_conf *c = g.c;

	return e->kind == KIND_FREE ||
	       (e->banned_until <= now && now - e->last >= (uint64_t)c->auth_window * 1000 &&
		now - e->last >= (uint64_t)c->request_window * 1000);
}

/* The entry of key, made when missing (an idle or the least recently used slot gives way). */
static struct entry *entry_get(unsigned char kind, const char *key, uint64_t now, bool make)
{
	size_t h = hash(kind, key), best = SIZE_MAX;

	if (!g.e)
		return NULL;
	for (size_t i = 0; i < PROBES; i++) {
		struct entry *e = &g.e[(h + i) % g.n];
		if (e->kind == kind && strcmp(e->key, key) == 0)
			return e;
	}
	if (!make)
		return NULL;
	for (size_t i = 0; i < PROBES; i++) {
		size_t k = (h + i) % g.n;
		if (idle(&g.e[k], now)) {
			best = k;
			break;
		}
		if (best == SIZE_MAX || g.e[k].last < g.e[best].last)
			best = k;
	}
	struct entry *e = &g.e[best];
	bool was_banned = e->kind == KIND_ADDR && e->banned_until > now;
	memset(e, 0, sizeof *e);
	e->kind = kind;
	snprintf(e->key, sizeof e->key, "%s", key);
	e->win_start = e->fail_start = e->last = now;
	if (was_banned && g.changed_cb)
		g.changed_cb();
	return e;
}

static void ban(struct entry *e, uint64_t now, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void ban(struct entry *e, uint64_t now, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->why, sizeof e->why, fmt, ap);
	va_end(ap);
	e->banned_until = now + (uint64_t)g.c->ban_time * 1000;
	e->dropped = 0;
	g.bans++;
	if (e->kind == KIND_ADDR) {
		log_warn("ban %s for %d s: %s", e->key, g.c->ban_time, e->why);
		if (g.changed_cb)
			g.changed_cb();
	} else {
		log_warn("lock user \"%s\" for %d s: %s", e->key, g.c->ban_time, e->why);
	}
}

/* A user name as it may appear in a log line: printable, no quotes, bounded. */
static void printable(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)(in ? in : ""); *p && o + 1 < len; p++)
		out[o++] = isprint(*p) && *p != '"' && *p != '\\' ? (char)*p : '?';
	out[o] = '\0';
}

/* ---- decisions ----------------------------------------------------------------------------- */

bool sip_guard_request(const char *ip, uint64_t now)
{
	struct entry *e;

	if (!g.c || !ip)
		return true;
	e = entry_get(KIND_ADDR, ip, now, false);
	if (e && e->banned_until > now) {
		e->dropped++;
		return false;
	}
	if (g.c->request_limit == 0 || sip_link_peer_ip(ip))
		return true;
	if (!e && !(e = entry_get(KIND_ADDR, ip, now, true)))
		return true;
	e->last = now;
	if (now - e->win_start >= (uint64_t)g.c->request_window * 1000) {
		e->win_start = now;
		e->requests = 0;
	}
	if (++e->requests > (unsigned)g.c->request_limit) {
		ban(e, now, "more than %d requests in %d s", g.c->request_limit,
		    g.c->request_window);
		e->dropped = 1;
		return false;
	}
	return true;
}

void sip_guard_auth_failed(const char *ip, const char *user, const char *method, const char *what,
			   uint64_t now)
{
	char u[65];
	struct entry *e;

	printable(user, u, sizeof u);
	/* the one line per failure that fail2ban's filter (packaging/fail2ban) matches */
	log_warn("auth failure from %s: %s as \"%s\": %s", ip ? ip : "?", method, u, what);
	if (!g.c)
		return;
	if (ip && g.c->auth_fail_limit && (e = entry_get(KIND_ADDR, ip, now, true)) &&
	    e->banned_until <= now) {
		e->last = now;
		if (now - e->fail_start >= (uint64_t)g.c->auth_window * 1000) {
			e->fail_start = now;
			e->failures = 0;
		}
		if (++e->failures >= (unsigned)g.c->auth_fail_limit)
			ban(e, now, "%u failed authentications in %d s", e->failures,
			    g.c->auth_window);
	}
	if (u[0] && g.c->user_fail_limit && (e = entry_get(KIND_USER, u, now, true)) &&
	    e->banned_until <= now) {
		e->last = now;
		if (now - e->fail_start >= (uint64_t)g.c->auth_window * 1000) {
			e->fail_start = now;
			e->failures = 0;
		}
		if (++e->failures >= (unsigned)g.c->user_fail_limit)
			ban(e, now, "%u failed authentications in %d s", e->failures,
			    g.c->auth_window);
	}
}

bool sip_guard_user_locked(const char *user, const char *ip, uint64_t now)
{
	char u[65];
	struct entry *e;

	printable(user, u, sizeof u);
	if (!u[0] || !(e = entry_get(KIND_USER, u, now, false)) || e->banned_until <= now)
		return false;
	e->dropped++;
	log_warn("auth failure from %s: user \"%s\" is locked for %llu s more", ip ? ip : "?", u,
		 (unsigned long long)((e->banned_until - now + 999) / 1000));
	return true;
}

/* The banned addresses now, for the kernel filter: up to max, returns how many there are. */
size_t sip_guard_banned(uint64_t now, const char **out, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; g.e && i < g.n; i++)
		if (g.e[i].kind == KIND_ADDR && g.e[i].banned_until > now) {
			if (k < max)
				out[k] = g.e[i].key;
			k++;
		}
	return k;
}

/* When the first live ban of an address ends (sip_now_ms() time), or 0 when none is live. */
uint64_t sip_guard_next_end(uint64_t now)
{
	uint64_t next = 0;

	for (size_t i = 0; g.e && i < g.n; i++)
		if (g.e[i].kind == KIND_ADDR && g.e[i].banned_until > now &&
		    (!next || g.e[i].banned_until < next))
			next = g.e[i].banned_until;
	return next;
}

/* ---- commands ------------------------------------------------------------------------------ */

void sip_guard_show(struct sb_reply *r, uint64_t now)
{
	static const char *const cols[] = { "address", "user", "expires_in", "dropped", "reason",
					    NULL };

	sb_reply_table(r, cols);
	for (size_t i = 0; g.e && i < g.n; i++) {
		const struct entry *e = &g.e[i];
		if (e->kind == KIND_FREE || e->banned_until <= now)
			continue;
		sb_reply_row(r);
		sb_reply_str(r, "address", e->kind == KIND_ADDR ? e->key : NULL);
		sb_reply_str(r, "user", e->kind == KIND_USER ? e->key : NULL);
		sb_reply_int(r, "expires_in", (long long)((e->banned_until - now + 999) / 1000));
		sb_reply_int(r, "dropped", (long long)e->dropped);
		sb_reply_str(r, "reason", e->why);
	}
}

/* Lift the ban of an address, or the lock of a user name: 0, or -ENOENT when there is none. */
int sip_guard_unban(const char *key, uint64_t now)
{
	int found = -ENOENT;
	struct in6_addr a6;
	char canon[INET6_ADDRSTRLEN];

	/* an IPv6 address as the table holds it (inet_ntop's form: "::1", not "0:0::1") */
	if (inet_pton(AF_INET6, key, &a6) == 1 && inet_ntop(AF_INET6, &a6, canon, sizeof canon))
		key = canon;

	for (unsigned char kind = KIND_ADDR; kind <= KIND_USER; kind++) {
		struct entry *e = entry_get(kind, key, now, false);
		if (!e || e->banned_until <= now)
			continue;
		e->banned_until = 0;
		e->failures = e->requests = 0;
		e->win_start = e->fail_start = now;
		found = 0;
		log_notice("%s %s lifted by symbridgectl", kind == KIND_ADDR ? "ban of" : "lock of user",
			   e->key);
		if (kind == KIND_ADDR && g.changed_cb)
			g.changed_cb();
	}
	return found;
}

int sip_guard_open(const struct sip_security_conf *c, void (*changed_cb)(void))
{
	size_t n = (size_t)c->max_tracked;

	g.c = c;
	g.changed_cb = changed_cb;
	if (!(g.e = calloc(n, sizeof *g.e)))
		return -ENOMEM;
	g.n = n;
	return 0;
}

/* The limits change with a reload; the table (and its bans) stays. */
void sip_guard_reload(const struct sip_security_conf *c)
{
	g.c = c;
}

void sip_guard_close(void)
{
	free(g.e);
	memset(&g, 0, sizeof g);
}
