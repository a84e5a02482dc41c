/* lic_serve.c: the license master's side of the protocol in the daemon: the TLS listener, the
 * answers to its slaves (hello, take, give, ping, report), their grants in LMDB, and the standby
 * master that serves only after its master is gone and its Standby licenses cover the Ports. */
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
#include "lic_master.h"
#include "lic_net.h"

struct sess {
	struct lic_tls *c;
	int slave; /* index into lic_known.v once it said hello, else -1 */
	uint64_t last_ms;
	struct sess *next;
};

static struct {
	bool on, serving, master_up, refused_logged;
	bool pair_active; /* the active node of a cluster pair: keepalived says the peer failed */
	uv_tcp_t tcp;
	uv_timer_t tick;
	SSL_CTX *ctx;
	struct sess *list;
	uint64_t lost_ms; /* standby: since when its master is gone */
	time_t took_over;
	char why[256]; /* standby: why it serves or does not */
} sv;

static int grants_seen_cb(void *arg, const char *slave, const struct lic_msg_item *it)
{
	lic_known_get(slave);
	return 0;
}

static void sess_end(struct sess *s, const char *reason, const char *detail)
{
	if (reason)
		lic_send_answer(s->c, LIC_MSG_ERROR, 0, false, reason, detail);
	lic_tls_close(s->c);
}

static void drop_cb(void *arg, const struct lic_msg_item *it, const struct lic_decision *d)
{
	struct sess *s = arg;
	struct lic_known *sl = &lic_known.v[s->slave];
	struct lic_msg m = { .type = LIC_MSG_GIVE,
			     .version = LIC_PROTO_VERSION,
			     .kind = it->kind,
			     .owner = it->owner };

	snprintf(m.id, sizeof m.id, "%s", it->id);
	log_warn("slave %s: its grant %s %s is withdrawn: %s: %s", sl->name,
		 lic_kind_info(it->kind)->name, it->id, d->reason, d->detail);
	lic_send(s->c, &m);
}

static void on_hello(struct sess *s, struct lic_msg *m)
{
	struct lic_known *sl;
	int dropped;

	if (m->mode != LIC_MODE_SLAVE_CENTRAL && m->mode != LIC_MODE_SLAVE_DECENTRAL)
		return sess_end(s, "bad-mode", "a slave is central or decentral");
	if (!lic_master_slave_name_ok(m->node) || !(sl = lic_known_get(m->node)))
		return sess_end(s, "bad-name", "a slave name is 1 to 64 characters without '|'");
	if (sl->connected)
		return sess_end(s, "duplicate", "a slave of this name is connected already");
	s->slave = (int)(sl - lic_known.v);
	sl->connected = true;
	sl->last = time(NULL); /* the hello is a contact: line_cb could not know the slave yet */
	sl->mode = m->mode;
	sl->sw = m->sw;
	snprintf(sl->cert, sizeof sl->cert, "%s", lic_tls_peer(s->c));
	dropped = lic_master_reconcile(lic_st.node, sl->name, m->items, m->nitems, drop_cb, s);
	if (dropped < 0)
		log_err("slave %s: reconciliation failed: %s", sl->name, strerror(-dropped));
	lic_grants_rewrite(sl->name);
	struct lic_msg w = { .type = LIC_MSG_WELCOME,
			     .version = LIC_PROTO_VERSION,
			     .standby = lic_net.standby };
	snprintf(w.node, sizeof w.node, "%s", sb_daemon_conf()->system.name);
	lic_send(s->c, &w);
	log_notice("license slave %s (%s, certificate %s) connected: holds %zu grants, %d "
		   "withdrawn",
		   sl->name, lic_mode_names[sl->mode], sl->cert, m->nitems,
		   dropped < 0 ? 0 : dropped);
}

static void on_take_give(struct sess *s, struct lic_msg *m)
{
	struct lic_known *sl = &lic_known.v[s->slave];
	struct lic_msg_item it = { .kind = m->kind, .owner = m->owner };
	struct lic_decision d = { .ok = false };
	bool take = m->type == LIC_MSG_TAKE, move = take && m->from;
	int rc = move   ? lic_master_move(lic_st.node, sl->name, m->kind, m->from_owner, m->from_id,
					  m->owner, m->id, &d)
		 : take ? lic_master_take(lic_st.node, sl->name, m->kind, m->owner, m->id, &d)
			: lic_master_give(lic_st.node, sl->name, m->kind, m->owner, m->id, &d);

	if (rc < 0) {
		lic_send_answer(s->c, LIC_MSG_GRANT, m->seq, false, LIC_R_WRONG_OWNER,
				"not a grant this master can record");
		return;
	}
	snprintf(it.id, sizeof it.id, "%s", m->id);
	if (d.ok && move) {
		struct lic_msg_item old = { .kind = m->kind, .owner = m->from_owner };
		snprintf(old.id, sizeof old.id, "%s", m->from_id);
		lic_grants_record(sl->name, &old, false);
	}
	if (d.ok)
		lic_grants_record(sl->name, &it, take);
	if (take && !d.ok)
		log_notice("slave %s: %s %s refused: %s: %s", sl->name,
			   lic_kind_info(m->kind)->name, m->id, d.reason, d.detail);
	lic_send_answer(s->c, LIC_MSG_GRANT, m->seq, d.ok, d.reason, d.detail);
}

static void line_cb(struct lic_tls *c, const char *line, size_t len)
{
	struct sess *s = lic_tls_data(c);
	struct lic_msg m;
	char why[200];
	int rc;

	s->last_ms = uv_now(sb_daemon_loop());
	if (s->slave >= 0)
		lic_known.v[s->slave].last = time(NULL);
	if ((rc = lic_msg_parse(line, len, &m, why, sizeof why)) < 0) {
		log_warn("license slave %s: message refused: %s", lic_tls_peer(c), why);
		return sess_end(s, rc == -EPROTONOSUPPORT ? "version" : "bad-message", why);
	}
	if (!sv.serving) {
		log_info("license slave %s turned away: %s", lic_tls_peer(c), sv.why);
		sess_end(s, "standby", sv.why);
	} else if (m.type == LIC_MSG_HELLO && s->slave < 0) {
		on_hello(s, &m);
	} else if (s->slave < 0) {
		sess_end(s, "no-hello", "a slave says hello first");
	} else if (m.type == LIC_MSG_TAKE || m.type == LIC_MSG_GIVE) {
		on_take_give(s, &m);
	} else if (m.type == LIC_MSG_PING) {
		struct lic_msg p = { .type = LIC_MSG_PONG,
				     .version = LIC_PROTO_VERSION,
				     .seq = m.seq };
		lic_send(c, &p);
	} else if (m.type == LIC_MSG_REPORT) {
		struct lic_known *sl = &lic_known.v[s->slave];
		free(sl->report);
		sl->report = m.items;
		sl->nreport = m.nitems;
		m.items = NULL;
		m.nitems = 0;
	} else if (m.type != LIC_MSG_PONG) {
		sess_end(s, "unexpected", "a master answers hello, take, give, ping and report");
	}
	lic_msg_clear(&m);
}

static void up_cb(struct lic_tls *c)
{
	log_info("license slave connection from certificate %s", lic_tls_peer(c));
}

static void closed_cb(struct lic_tls *c, int status, const char *why)
{
	struct sess *s = lic_tls_data(c);

	for (struct sess **pp = &sv.list; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	if (s->slave >= 0) {
		lic_known.v[s->slave].connected = false;
		log_notice("license slave %s disconnected: %s", lic_known.v[s->slave].name,
			   status ? why : "closed");
	} else if (status) {
		log_warn("license slave connection refused: %s", why);
	}
	free(s);
}

static const struct lic_tls_ops ops = { up_cb, line_cb, closed_cb };

static void accept_cb(uv_stream_t *server, int status)
{
	struct sess *s = calloc(1, sizeof *s);
	int rc;

	if (status < 0 || !s) {
		free(s);
		return;
	}
	s->slave = -1;
	s->last_ms = uv_now(sb_daemon_loop());
	if ((rc = lic_tls_accept(&s->c, server, sv.ctx, &ops, s)) < 0) {
		log_warn("license slave connection not accepted: %s", strerror(-rc));
		free(s);
		return;
	}
	s->next = sv.list;
	sv.list = s;
}

/* the standby's rule: serve only after takeover_seconds without the master (at once on the
 * active node of a cluster pair: keepalived already decided that its peer failed), and only
 * with Standby >= Port */
static void standby_check(uint64_t now)
{
	char why[200];
	uint64_t after = sv.pair_active ? 0 : (uint64_t)lic_net.takeover_seconds * 1000;

	if (sv.serving || sv.master_up || now - sv.lost_ms < after)
		return;
	if (!lic_standby_covers(why, sizeof why)) {
		if (!sv.refused_logged)
			log_warn("standby does not take over from its master, gone for %llu s: %s",
				 (unsigned long long)((now - sv.lost_ms) / 1000), why);
		sv.refused_logged = true;
		snprintf(sv.why, sizeof sv.why, "standby refuses to take over: %s", why);
		return;
	}
	sv.serving = true;
	sv.took_over = time(NULL);
	sv.refused_logged = false;
	snprintf(sv.why, sizeof sv.why, "standby took over: %s", why);
	log_notice("standby takes over as license master after %llu s without its master%s: %s",
		   (unsigned long long)((now - sv.lost_ms) / 1000),
		   sv.pair_active ? " (the active node of the cluster pair)" : "", why);
}

/* the node became the active (or standby) node of its cluster pair: an active standby master
 * takes over as soon as its master is gone, without waiting for takeover_seconds */
void lic_serve_cluster_role(bool active)
{
	if (!sv.on || !lic_net.standby || sv.pair_active == active)
		return;
	sv.pair_active = active;
	if (!sv.master_up && !sv.serving)
		snprintf(sv.why, sizeof sv.why, "standby, not serving: its master is gone, %s",
			 active ? "takeover now (the active node of the cluster pair)"
				: "takeover after license.takeover_seconds");
	if (active)
		standby_check(uv_now(sb_daemon_loop()));
}

static void tick_cb(uv_timer_t *t)
{
	uint64_t now = uv_now(sb_daemon_loop());

	for (struct sess *s = sv.list; s; s = s->next)
		if (now - s->last_ms > LIC_DEAD_AFTER_MS)
			lic_tls_close(s->c);
	if (lic_net.standby)
		standby_check(now);
}

void lic_serve_master_seen(bool up)
{
	if (!sv.on || up == sv.master_up)
		return;
	sv.master_up = up;
	if (!up) {
		sv.lost_ms = uv_now(sb_daemon_loop());
		if (sv.pair_active)
			snprintf(sv.why, sizeof sv.why, "standby, not serving: its master is gone, "
				 "takeover now (the active node of the cluster pair)");
		else
			snprintf(sv.why, sizeof sv.why,
				 "standby, not serving: its master is gone, takeover after %d s",
				 lic_net.takeover_seconds);
		standby_check(sv.lost_ms);
		return;
	}
	snprintf(sv.why, sizeof sv.why, "standby, not serving: its master is up");
	sv.refused_logged = false;
	if (!sv.serving)
		return;
	/* the master is back: the slaves go back to it, what they hold goes with them */
	sv.serving = false;
	log_notice("its master is back: the standby stops serving, its slaves go back");
	for (struct sess *s = sv.list; s; s = s->next)
		sess_end(s, "standby", "the master is back");
	for (size_t i = 0; i < lic_known.n; i++) {
		struct lic_msg_item *v = NULL;
		lic_master_reconcile(lic_st.node, lic_known.v[i].name, v, 0, NULL, NULL);
		lic_grants_rewrite(lic_known.v[i].name);
	}
}

int lic_serve_start(void)
{
	struct sockaddr_storage ss;
	int rc;

	memset(&sv, 0, sizeof sv);
	lic_known_clear();
	if (lic_addr_parse(lic_net.listen, &ss) < 0 || !(sv.ctx = lic_net_ctx(true)))
		return -EINVAL;
	lic_grants_load();
	lic_master_grants(lic_st.node, NULL, grants_seen_cb, NULL);
	sv.serving = !lic_net.standby;
	sv.lost_ms = 0;
	/* role "active" starts active: no cluster_role call comes for it */
	sv.pair_active = sb_daemon_conf()->cluster.role && sb_cluster_active();
	snprintf(sv.why, sizeof sv.why, "%s",
		 sv.serving ? "master" : "standby, not serving: its master was not seen yet");
	if ((rc = uv_tcp_init(sb_daemon_loop(), &sv.tcp)) < 0)
		goto bad;
	sv.on = true;
	if ((rc = uv_tcp_bind(&sv.tcp, (struct sockaddr *)&ss, 0)) < 0 ||
	    (rc = uv_listen((uv_stream_t *)&sv.tcp, 16, accept_cb)) < 0) {
		log_err("license master cannot listen on %s: %s", lic_net.listen, uv_strerror(rc));
		uv_close((uv_handle_t *)&sv.tcp, NULL);
		sv.on = false;
		goto bad;
	}
	uv_timer_init(sb_daemon_loop(), &sv.tick);
	uv_timer_start(&sv.tick, tick_cb, 1000, 1000);
	log_notice("license %s listens on %s", lic_net.standby ? "standby master" : "master",
		   lic_net.listen);
	return 0;
bad:
	lic_tls_ctx_free(sv.ctx);
	sv.ctx = NULL;
	return rc < 0 ? rc : -EINVAL;
}

void lic_serve_stop(void)
{
	if (!sv.on)
		return;
	sv.on = false;
	for (struct sess *s = sv.list; s; s = s->next)
		lic_tls_close(s->c);
	uv_close((uv_handle_t *)&sv.tcp, NULL);
	uv_close((uv_handle_t *)&sv.tick, NULL);
	lic_known_clear();
	/* the connections close on the loop after this (each SSL holds its context) */
	lic_tls_ctx_free(sv.ctx);
	sv.ctx = NULL;
}

void lic_serve_rebuilt(void)
{
	if (sv.on)
		lic_grants_load();
}

bool lic_serve_serving(void)
{
	return sv.on && sv.serving;
}

void lic_serve_show(struct sb_reply *r)
{
	sb_reply_message(r, "license %s %s: %s", lic_net.standby ? "standby master" : "master",
			 sb_daemon_conf()->system.name, sv.why);
	sb_reply_bool(r, "serving", sv.serving);
	lic_known_show(r);
}
