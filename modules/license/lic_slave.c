/* lic_slave.c: a slave's side of the license master protocol in the daemon: the connection to
 * its masters (tried in order, reconnect with backoff), the grants it holds (cached in LMDB,
 * drawn a few ahead of use so the call paths answer at once), the grace period without a
 * master, a decentral node's reports; and a standby master watching its master. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#define SB_MODULE "license"
#include "symbridge.h"

#include "lic_glue.h"
#include "lic_net.h"
#include "lic_node.h"

#define MAX_GRANTS LIC_HELD_MAX

static struct {
	bool on, watch, up, welcomed, grace_over, standby;
	SSL_CTX *ctx;
	struct lic_tls *c;
	uv_timer_t retry, tick;
	size_t idx; /* the master in license.master being tried */
	unsigned backoff;
	uint64_t last_ms, lost_ms, seq, ping_ms;
	char master[65]; /* the name of the master that serves (or served) this node */
} sl;

static void schedule(void);

static uint64_t now_ms(void)
{
	return uv_now(sb_daemon_loop());
}

/* what the engine may draw on: the grants, until the grace period is over */
static void mirror_sync(void)
{
	lic_held_mirror(sl.master, !sl.grace_over);
}

void lic_slave_mirror_sync(void)
{
	mirror_sync();
}

bool lic_slave_welcomed(void)
{
	return sl.on && sl.welcomed;
}

int lic_slave_send(const struct lic_msg *m)
{
	if (!sl.welcomed || !sl.c)
		return -ENOTCONN;
	return lic_send(sl.c, m);
}

static void report(void)
{
	struct lic_msg m = { .type = LIC_MSG_REPORT, .version = LIC_PROTO_VERSION };
	struct lic_msg_item items[LIC_KIND_MAX];

	m.items = items;
	for (int k = 0; k < LIC_KIND_MAX; k++) {
		struct lic_status st;
		if (lic_status(lic_st.node, (enum lic_kind)k, &st) < 0 ||
		    (!st.installed && !st.in_use))
			continue;
		items[m.nitems++] = (struct lic_msg_item){ .kind = (enum lic_kind)k,
							   .installed = st.installed,
							   .in_use = st.in_use };
	}
	lic_send(sl.c, &m);
}

static void hello(void)
{
	struct lic_msg m = { .type = LIC_MSG_HELLO, .version = LIC_PROTO_VERSION, .sw = lic_st.sw };
	struct lic_msg_item items[MAX_GRANTS];

	m.mode = sl.watch ? LIC_MODE_SLAVE_CENTRAL : (enum lic_mode)lic_net.mode;
	snprintf(m.node, sizeof m.node, "%s", sb_daemon_conf()->system.name);
	for (size_t i = 0; i < lic_held.n; i++) {
		items[i] = (struct lic_msg_item){ .kind = lic_held.g[i].kind,
						  .owner = lic_held.g[i].owner };
		snprintf(items[i].id, sizeof items[i].id, "%s", lic_held.g[i].id);
	}
	m.items = items;
	m.nitems = lic_held.n;
	lic_send(sl.c, &m);
}

static void up_cb(struct lic_tls *c)
{
	sl.up = true;
	sl.last_ms = now_ms();
	hello();
}

static void line_cb(struct lic_tls *c, const char *line, size_t len)
{
	struct lic_msg m;
	char why[200];

	sl.last_ms = now_ms();
	if (lic_msg_parse(line, len, &m, why, sizeof why) < 0) {
		log_warn("license master %s: message refused: %s", lic_tls_peer(c), why);
		lic_tls_close(c);
		return;
	}
	switch (m.type) {
	case LIC_MSG_WELCOME:
		sl.welcomed = true;
		sl.grace_over = false;
		sl.standby = m.standby;
		sl.backoff = LIC_BACKOFF_MIN_MS;
		sl.lost_ms = 0;
		snprintf(sl.master, sizeof sl.master, "%s", m.node);
		mirror_sync();
		log_notice("license %s %s at %s serves this node: %zu grants held",
			   m.standby ? "standby master" : "master", m.node, lic_net.masters[sl.idx],
			   lic_held.n);
		if (sl.watch)
			lic_serve_master_seen(true);
		else if (lic_net.mode == LIC_MODE_SLAVE_DECENTRAL)
			report();
		break;
	case LIC_MSG_GRANT: lic_draw_answer(&m); break;
	case LIC_MSG_GIVE: {
		/* the master withdraws a grant it can no longer record (reconciliation) */
		struct lic_grant g = { .kind = m.kind, .owner = m.owner };
		snprintf(g.id, sizeof g.id, "%s", m.id);
		log_warn("license master %s withdraws %s of %s %s", sl.master,
			 lic_kind_info(m.kind)->name, lic_owner_names[m.owner], m.id);
		lic_held_del(&g);
		mirror_sync();
		break;
	}
	case LIC_MSG_ERROR:
		log_notice("license master at %s: %s: %s", lic_net.masters[sl.idx], m.reason,
			   m.detail);
		lic_tls_close(c);
		break;
	default: break;
	}
	lic_msg_clear(&m);
}

static void closed_cb(struct lic_tls *c, int status, const char *why)
{
	bool was = sl.welcomed;

	sl.c = NULL;
	sl.up = sl.welcomed = false;
	lic_draw_lost(); /* unanswered: the next hello reconciles them */
	if (!sl.on)
		return;
	if (was) {
		sl.lost_ms = now_ms();
		log_warn("license master %s at %s lost%s%s: granted licenses kept for %d hours, "
			 "new ones beyond them refused (master-unreachable)",
			 sl.master, lic_net.masters[sl.idx], status ? ": " : "", status ? why : "",
			 lic_net.grace_hours);
		if (sl.watch)
			lic_serve_master_seen(false);
		sl.idx = 0; /* the first master first again */
	} else {
		if (status)
			log_info("license master at %s not reached: %s", lic_net.masters[sl.idx],
				 why);
		sl.idx = (sl.idx + 1) % lic_net.nmasters;
	}
	schedule();
}

static const struct lic_tls_ops ops = { up_cb, line_cb, closed_cb };

static void retry_cb(uv_timer_t *t)
{
	struct sockaddr_storage ss;
	const char *addr = lic_net.masters[sl.idx];
	int rc;

	if (lic_addr_parse(addr, &ss) < 0 ||
	    (rc = lic_tls_connect(&sl.c, sb_daemon_loop(), sl.ctx, (struct sockaddr *)&ss, &ops,
				  NULL)) < 0) {
		sl.c = NULL;
		sl.idx = (sl.idx + 1) % lic_net.nmasters;
		schedule();
		return;
	}
	sl.last_ms = now_ms();
}

static void schedule(void)
{
	uv_timer_start(&sl.retry, retry_cb, sl.backoff, 0);
	sl.backoff = sl.backoff * 2 > LIC_BACKOFF_MAX_MS ? LIC_BACKOFF_MAX_MS : sl.backoff * 2;
}

static void tick_cb(uv_timer_t *t)
{
	uint64_t now = now_ms();

	if (sl.c && now - sl.last_ms > LIC_DEAD_AFTER_MS) {
		lic_tls_close(sl.c);
		return;
	}
	if (sl.welcomed && now - sl.ping_ms >= LIC_PING_EVERY_MS) {
		struct lic_msg m = { .type = LIC_MSG_PING,
				     .version = LIC_PROTO_VERSION,
				     .seq = ++sl.seq };
		sl.ping_ms = now;
		lic_send(sl.c, &m);
		if (!sl.watch && lic_net.mode == LIC_MODE_SLAVE_DECENTRAL)
			report();
	}
	if (!sl.welcomed && !sl.grace_over && !sl.watch &&
	    now - sl.lost_ms >= (uint64_t)lic_net.grace_hours * 3600 * 1000) {
		sl.grace_over = true;
		mirror_sync();
		log_warn("no license master for %d hours (license.grace_hours): the %zu granted "
			 "licenses are no longer usable",
			 lic_net.grace_hours, lic_held.n);
	}
}

int lic_slave_start(bool watch_only)
{
	int rc;

	memset(&sl, 0, sizeof sl);
	sl.watch = watch_only;
	sl.backoff = LIC_BACKOFF_MIN_MS;
	if (!(sl.ctx = lic_net_ctx(false)))
		return -EINVAL;
	if (!watch_only) {
		/* read at the first rebuild already (lic_slave_rebuilt), unless no mirror */
		if (!lic_held.loaded && (rc = lic_held_load()) < 0)
			log_err("cached grants could not be read: %s", strerror(-rc));
		snprintf(sl.master, sizeof sl.master, "%s", lic_net.masters[0]);
		mirror_sync();
		/* the grace period runs from the start until a master answers */
		sl.lost_ms = now_ms();
	}
	uv_timer_init(sb_daemon_loop(), &sl.retry);
	uv_timer_init(sb_daemon_loop(), &sl.tick);
	sl.on = true;
	uv_timer_start(&sl.retry, retry_cb, 0, 0);
	uv_timer_start(&sl.tick, tick_cb, 500, 500);
	if (!watch_only && lic_net.mode == LIC_MODE_SLAVE_CENTRAL)
		lic_draw_start();
	log_notice("license %s: master%s %s%s, %zu cached grants",
		   watch_only ? "standby watches its master" : lic_mode_names[lic_net.mode],
		   lic_net.nmasters > 1 ? "s" : "", lic_net.masters[0],
		   lic_net.nmasters > 1 ? " then the others" : "", lic_held.n);
	return 0;
}

void lic_slave_stop(void)
{
	if (!sl.on)
		return;
	sl.on = false;
	if (sl.c)
		lic_tls_close(sl.c);
	uv_close((uv_handle_t *)&sl.retry, NULL);
	uv_close((uv_handle_t *)&sl.tick, NULL);
	lic_draw_stop();
	lic_held.loaded = false; /* a new start reads the cache again */
	lic_tls_ctx_free(sl.ctx);
	sl.ctx = NULL;
}

/* The engine node was (re)built: the mirror holds the grants before the stored assignments
 * and the cards take from it. At the first start that is before the connection starts: the
 * cached grants are read here, so a restarted central slave's users and cards take what they
 * held at once (kept until the grace period ends without a master). */
void lic_slave_rebuilt(void)
{
	int rc;

	if (sl.on) {
		mirror_sync();
		return;
	}
	if (!lic_st.mirror || lic_held.loaded)
		return;
	if ((rc = lic_held_load()) < 0)
		log_err("cached grants could not be read: %s", strerror(-rc));
	lic_held_mirror(lic_net.masters[0], true);
}

const char *lic_slave_master(void)
{
	return sl.on && !sl.watch ? sl.master : NULL;
}

void lic_slave_show(struct sb_reply *r)
{
	static const char *const cols[] = { "node",   "role", "state", "address",
					    "grants", "held", "for",   NULL };
	struct lic_msg_item items[MAX_GRANTS];
	unsigned counts[LIC_KIND_MAX] = { 0 };
	char buf[1024];
	size_t off = 0;

	sb_reply_message(r, "license %s %s: master %s %s", lic_mode_names[lic_net.mode],
			 sb_daemon_conf()->system.name, sl.master,
			 sl.welcomed     ? "connected"
			 : sl.grace_over ? "unreachable, grace period over"
					 : "unreachable, in the grace period");
	sb_reply_table(r, cols);
	sb_reply_row(r);
	sb_reply_str(r, "node", sl.master);
	sb_reply_str(r, "role", sl.standby ? "standby master" : "master");
	sb_reply_str(r, "state", sl.welcomed ? "connected" : "unreachable");
	sb_reply_str(r, "address", lic_net.masters[sl.idx]);
	for (size_t i = 0; i < lic_held.n; i++) {
		items[i] = (struct lic_msg_item){ .kind = lic_held.g[i].kind,
						  .owner = lic_held.g[i].owner };
		snprintf(items[i].id, sizeof items[i].id, "%s", lic_held.g[i].id);
		counts[lic_held.g[i].kind]++;
	}
	buf[0] = '\0';
	for (int k = 0; k < LIC_KIND_MAX && off < sizeof buf; k++)
		if (counts[k])
			off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s %u",
						off ? ", " : "",
						lic_kind_info((enum lic_kind)k)->name, counts[k]);
	sb_reply_str(r, "grants", lic_held.n ? buf : "none");
	sb_reply_int(r, "held", (long long)lic_held.n);
	lic_grants_for(buf, sizeof buf, items, lic_held.n);
	sb_reply_str(r, "for", lic_held.n ? buf : "none");
}
