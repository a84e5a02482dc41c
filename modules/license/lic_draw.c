/* lic_draw.c: what a central slave draws from its license master: one grant per owner of what
 * its engine took from the mirror (a station's Port, a link's, a sym-bridge card's bridge
 * license), spare Ports ahead of use that the next owner takes over, and the bridge licenses its
 * configured cards need; after every turn of the loop, so the call paths never wait. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#define SB_MODULE "license"
#include "symbridge.h"

#include "lic_glue.h"
#include "lic_net.h"
#include "lic_node.h"

#define SPARE_OWNER LIC_OWN_TRUNK /* a spare Port is drawn for the slave, not for an owner */
#define MAX_PEND    64
#define REFUSED_MS  5000 /* a refused take is asked again after this long */

struct pend {
	uint64_t seq;
	bool take, move;
	struct lic_grant g;    /* what is taken or given */
	struct lic_grant from; /* move: the grant it takes over */
	lic_draw_cb done_cb;   /* lic_draw_ask: told of the answer (NULL: nobody waits) */
	void *arg;
	bool forgotten; /* asked by lic_draw_ask for someone who stopped waiting */
};

static struct {
	bool on, dirty;
	uv_check_t check;
	unsigned long gen;
	uint64_t seq, refused_until, last_ms;
	struct pend pend[MAX_PEND];
	size_t npend;
	bool matched[LIC_HELD_MAX]; /* per turn: the held grant an allocation uses */
} dr;

static bool same(const struct lic_grant *a, const struct lic_grant *b)
{
	return a->kind == b->kind && a->owner == b->owner && strcmp(a->id, b->id) == 0;
}

/* is g in flight: asked for, given back, or being taken over */
static bool pending(const struct lic_grant *g)
{
	for (size_t i = 0; i < dr.npend; i++)
		if (same(&dr.pend[i].g, g) || (dr.pend[i].move && same(&dr.pend[i].from, g)))
			return true;
	return false;
}

static int request_cb(bool take, const struct lic_grant *g, const struct lic_grant *from,
		      lic_draw_cb done_cb, void *arg)
{
	struct lic_msg m = { .type = take ? LIC_MSG_TAKE : LIC_MSG_GIVE,
			     .version = LIC_PROTO_VERSION,
			     .seq = ++dr.seq,
			     .kind = g->kind,
			     .owner = g->owner };
	int rc;

	if (dr.npend == MAX_PEND)
		return -EBUSY;
	snprintf(m.id, sizeof m.id, "%s", g->id);
	if (from) {
		m.from = true;
		m.from_owner = from->owner;
		snprintf(m.from_id, sizeof m.from_id, "%s", from->id);
	}
	if ((rc = lic_slave_send(&m)) < 0)
		return rc;
	dr.pend[dr.npend++] = (struct pend){
		.seq = m.seq,
		.take = take,
		.move = from != NULL,
		.g = *g,
		.from = from ? *from : *g,
		.done_cb = done_cb,
		.arg = arg,
	};
	return 0;
}

static int request(bool take, const struct lic_grant *g, const struct lic_grant *from)
{
	return request_cb(take, g, from, NULL, NULL);
}

int lic_draw_ask(const struct lic_grant *g, lic_draw_cb done_cb, void *arg)
{
	if (!dr.on)
		return -ENOTSUP;
	if (pending(g))
		return -EALREADY;
	return request_cb(true, g, NULL, done_cb, arg);
}

void lic_draw_forget(void *arg)
{
	for (size_t i = 0; i < dr.npend; i++)
		if (dr.pend[i].done_cb && dr.pend[i].arg == arg) {
			dr.pend[i].done_cb = NULL;
			dr.pend[i].forgotten = true;
		}
}

/* a free held grant of kind k (not used by an allocation, not in flight): an owner's that
 * went away first, else a spare; -1 when none */
static int free_grant(enum lic_kind k)
{
	int spare = -1;
	for (size_t i = 0; i < lic_held.n; i++) {
		const struct lic_grant *g = &lic_held.g[i];
		if (g->kind != k || dr.matched[i] || pending(g))
			continue;
		if (!lic_held_spare(g))
			return (int)i;
		spare = (int)i;
	}
	return spare;
}

/* an allocation the engine made from the mirror: its grant is held, or asked for now */
static void need(const struct lic_alloc *a)
{
	struct lic_grant g = { .kind = a->kind, .owner = a->otype };
	int i;

	if (snprintf(g.id, sizeof g.id, "%s", a->oid) >= (int)sizeof g.id)
		return;
	if ((i = lic_held_find(&g)) >= 0) {
		dr.matched[i] = true;
		return;
	}
	if (pending(&g))
		return;
	if ((i = free_grant(g.kind)) >= 0) {
		struct lic_grant from = lic_held.g[i];
		if (request(true, &g, &from) == 0)
			dr.matched[i] = true;
	} else if (uv_now(sb_daemon_loop()) >= dr.refused_until) {
		request(true, &g, NULL);
	}
}

/* configured sym-bridge cards that hold no bridge license: ask the master for theirs (the
 * cards take it when it arrives, lic_sync_cards) */
static void cards(void)
{
	const struct sb_model *m = sb_daemon_conf()->model;

	for (size_t i = 0; i < m->ncards; i++) {
		const struct sb_card *c = &m->cards[i];
		struct lic_grant g = { .kind = LIC_SYM_BRIDGE, .owner = LIC_OWN_CARD };
		if (strcmp(c->type->name, "sym-bridge") != 0)
			continue;
		snprintf(g.id, sizeof g.id, "%d", c->slot);
		if (lic__alloc_find(lic_st.node, g.kind, g.owner, g.id,
				    lic__owner_hash(g.kind, g.owner, g.id)) ||
		    lic_held_find(&g) >= 0 || pending(&g) ||
		    uv_now(sb_daemon_loop()) < dr.refused_until)
			continue;
		request(true, &g, NULL);
	}
}

/* held grants no allocation uses: a Port becomes a spare while spares are short, the rest go
 * back; then spares are kept at license.prefetch (at most twice that) */
static void spares(void)
{
	unsigned want = (unsigned)lic_net.prefetch, have = 0, coming = 0;

	for (size_t i = 0; i < dr.npend; i++)
		coming += dr.pend[i].take && lic_held_spare(&dr.pend[i].g);
	for (size_t i = 0; i < lic_held.n; i++)
		have += lic_held.g[i].kind == LIC_PORT && lic_held_spare(&lic_held.g[i]) &&
			!dr.matched[i] && !pending(&lic_held.g[i]);
	for (size_t i = 0; i < lic_held.n; i++) {
		struct lic_grant g = lic_held.g[i];
		if (dr.matched[i] || lic_held_spare(&g) || pending(&g))
			continue;
		if (g.kind == LIC_PORT && have + coming < want) {
			struct lic_grant s = { .kind = LIC_PORT, .owner = SPARE_OWNER };
			snprintf(s.id, sizeof s.id, LIC_SPARE_PFX "%u", lic_held.next_id++);
			coming += request(true, &s, &g) == 0;
		} else {
			request(false, &g, NULL);
		}
	}
	if (have + coming < want && lic_held.n + dr.npend < LIC_HELD_MAX &&
	    uv_now(sb_daemon_loop()) >= dr.refused_until) {
		struct lic_grant s = { .kind = LIC_PORT, .owner = SPARE_OWNER };
		snprintf(s.id, sizeof s.id, LIC_SPARE_PFX "%u", lic_held.next_id++);
		request(true, &s, NULL);
	} else if (have > 2 * want && !dr.npend) {
		for (size_t i = lic_held.n; i-- > 0;)
			if (lic_held.g[i].kind == LIC_PORT && lic_held_spare(&lic_held.g[i]) &&
			    !dr.matched[i]) {
				request(false, &lic_held.g[i], NULL);
				break;
			}
	}
}

/* After every turn of the loop: the engine may take new licenses from the mirror only while a
 * master answers (its rule says master-unreachable beyond the cached grants otherwise); what
 * the engine took or gave since the last turn is matched with the grants. */
static void check_cb(uv_check_t *h)
{
	struct lic_node *n = lic_st.node;

	if (!n)
		return;
	lic_node_set_master_reachable(n, lic_slave_welcomed());
	if (!lic_slave_welcomed())
		return;
	/* the whole match when the engine's allocations or the grants changed, else once a
	 * second (a refused take is asked again, spares are topped up) */
	uint64_t now = uv_now(sb_daemon_loop());
	if (!dr.dirty && n->gen == dr.gen && now - dr.last_ms < 1000)
		return;
	dr.last_ms = now;
	dr.dirty = false;
	dr.gen = n->gen;
	memset(dr.matched, 0, sizeof dr.matched);
	for (size_t i = 0; i < n->tabsize; i++)
		for (const struct lic_alloc *a = n->tab[i]; a; a = a->next)
			if (a->src == lic_st.mirror && lic_st.mirror && a->taken)
				need(a);
	cards();
	spares();
}

void lic_draw_answer(const struct lic_msg *m)
{
	for (size_t i = 0; i < dr.npend; i++) {
		if (dr.pend[i].seq != m->seq)
			continue;
		struct pend p = dr.pend[i];
		dr.pend[i] = dr.pend[--dr.npend];
		dr.dirty = true;
		if (p.take && m->ok) {
			if (p.move)
				lic_held_del(&p.from);
			lic_held_add(&p.g);
			/* no allocation uses it: the next turn gives it back */
			if (p.forgotten)
				log_notice("license master %s granted %s for %s %s after the "
					   "asker stopped waiting: it goes back",
					   lic_slave_master(), lic_kind_info(p.g.kind)->name,
					   lic_owner_names[p.g.owner], p.g.id);
		} else if (p.take) {
			/* refused: ask again later, not on every turn of the loop (an admin's
			 * assignment, refused, is not asked again: the admin heard why) */
			if (!p.done_cb && !p.forgotten)
				dr.refused_until = uv_now(sb_daemon_loop()) + REFUSED_MS;
			log_notice("license master %s grants no %s for %s %s: %s: %s",
				   lic_slave_master(), lic_kind_info(p.g.kind)->name,
				   lic_owner_names[p.g.owner], p.g.id, m->reason, m->detail);
		} else {
			lic_held_del(&p.g); /* given back, or the master held none */
		}
		lic_slave_mirror_sync();
		/* a card's bridge license arrived: the cards take theirs now */
		if (p.take && m->ok && p.g.kind == LIC_SYM_BRIDGE && !p.move)
			lic_sync_cards(sb_daemon_conf());
		if (p.done_cb)
			p.done_cb(p.arg, m);
		return;
	}
}

void lic_draw_lost(void)
{
	struct pend lost[MAX_PEND];
	size_t n = dr.npend;

	memcpy(lost, dr.pend, n * sizeof *lost);
	dr.npend = 0;
	dr.dirty = true;
	for (size_t i = 0; i < n; i++)
		if (lost[i].done_cb)
			lost[i].done_cb(lost[i].arg, NULL);
}

void lic_draw_start(void)
{
	memset(&dr, 0, sizeof dr);
	dr.dirty = true;
	uv_check_init(sb_daemon_loop(), &dr.check);
	uv_check_start(&dr.check, check_cb);
	dr.on = true;
}

void lic_draw_stop(void)
{
	if (!dr.on)
		return;
	dr.on = false;
	uv_close((uv_handle_t *)&dr.check, NULL);
}
