/* lic_rules.c: the rule engine's decisions: acquire, check, use and release, for every owner;
 * lic_pool.c says where licenses come from, lic_user.c the per-user rules. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lic_node.h"

#define SAME(a, b) (strcmp((a), (b)) == 0)

/* ---- the rules --------------------------------------------------------- */

/* Which owners may hold a kind (bit per enum lic_owner_type). */
static unsigned owners_of(enum lic_kind k)
{
	const struct lic_kind_info *ki = lic_kind_info(k);

	if (ki->flags & LIC_KF_PER_USER)
		return 1u << LIC_OWN_USER;
	switch (k) {
	case LIC_PORT:
	case LIC_SMB_PORT:
		return 1u << LIC_OWN_USER | 1u << LIC_OWN_TRUNK | 1u << LIC_OWN_GROUP |
		       1u << LIC_OWN_QUEUE;
	case LIC_STANDBY: return 1u << LIC_OWN_NODE;
	case LIC_OPERATOR: return 1u << LIC_OWN_SESSION;
	case LIC_QUEUE_MONITOR: return 1u << LIC_OWN_QUEUE;
	case LIC_RELAY_BRIS:
	case LIC_RELAY_PRIS:
	case LIC_SYM_BRIDGE: return 1u << LIC_OWN_CARD;
	case LIC_RELAY_CHANNELS: return 1u << LIC_OWN_BCHANNEL;
	default: return 0; /* IPVA, SIS, SMB upgrade: never acquired on their own */
	}
}

static void decide(struct lic_decision *d, bool ok, const char *reason, enum lic_kind k)
{
	d->ok = ok;
	d->reason = reason;
	d->kind = k;
}

/* A central slave whose master is away draws on its cached grants only: beyond them the
 * refusal is master-unreachable, not the cache's own exhaustion. */
static bool beyond_cache(const struct lic_node *n, const struct lic_node *p, enum lic_kind ck,
			 struct lic_decision *d)
{
	if (p != n->master || !n->master_cache || n->master_reachable)
		return false;
	decide(d, false, LIC_R_MASTER_UNREACHABLE, ck);
	if (p->inst[ck])
		lic__say(d->detail, sizeof d->detail,
			 "master %s is unreachable: %s uses the %u %s granted before, all in use, "
			 "and takes nothing new",
			 p->name, n->name, p->inst[ck], lic_kind_info(ck)->name);
	else
		lic__say(d->detail, sizeof d->detail,
			 "master %s is unreachable: %s holds no usable %s grant (none cached, or "
			 "the grace period is over) and takes nothing new",
			 p->name, n->name, lic_kind_info(ck)->name);
	return true;
}

/* The common path of acquire and check: everything but the taking. need: licenses of the kind
 * the owner would take; *srcp: where from; *ipvap: IPVA taken along. */
static int evaluate(struct lic_node *n, const struct lic_owner *o, enum lic_kind k, unsigned count,
		    unsigned flags, struct lic_node **srcp, unsigned *needp, unsigned *ipvap,
		    struct lic_decision *d)
{
	const struct lic_kind_info *ki = lic_kind_info(k);
	enum lic_kind ck = lic__counted(k);
	const char *r;
	unsigned cap, minver;
	bool included = false;

	memset(d, 0, sizeof *d);
	*needp = *ipvap = 0;
	*srcp = NULL;
	if (!ki)
		return -EINVAL;
	decide(d, true, LIC_R_OK, k);
	if (o) {
		if (!o->id || (unsigned)o->type >= LIC_OWN_MAX)
			return -EINVAL;
		if (!(owners_of(k) & 1u << o->type)) {
			decide(d, false, LIC_R_WRONG_OWNER, k);
			lic__say(d->detail, sizeof d->detail, "a %s does not take %s",
				 lic_owner_names[o->type], ki->name);
			return 0;
		}
		/* rule 2: group numbers and waiting queues take no Port */
		if (ck == LIC_PORT && (o->type == LIC_OWN_GROUP || o->type == LIC_OWN_QUEUE)) {
			decide(d, true, LIC_R_NOT_NEEDED, k);
			lic__say(d->detail, sizeof d->detail, "a %s takes no Port",
				 lic_owner_names[o->type]);
			return 0;
		}
		if (lic__holds(n, o, ck)) {
			lic__say(d->detail, sizeof d->detail, "%s %s already holds %s",
				 lic_owner_names[o->type], o->id, ki->name);
			return 0;
		}
		if ((ki->flags & LIC_KF_PER_USER) && !(flags & LIC_ACQ_GRANT)) {
			if ((r = lic__user_feature(n, o, k, &included, d->detail,
						   sizeof d->detail))) {
				decide(d, false, r, k);
				return 0;
			}
			if (included) {
				if (k != LIC_RCC)
					lic__say(d->detail, sizeof d->detail,
						 "%s is included in the UC license of %s", ki->name,
						 o->id);
				return 0;
			}
		}
	}
	if (ki->flags & LIC_KF_NOLICENSE)
		return 0;
	/* registrations caused by failover take no license (innovaphone's lesson) */
	if (flags & LIC_ACQ_FAILOVER) {
		decide(d, true, LIC_R_FAILOVER, k);
		lic__say(d->detail, sizeof d->detail, "failover registration: no license taken");
		return 0;
	}
	struct lic_node *p = lic__source(n, ck, true, &r, d->detail, sizeof d->detail);
	if (!p) {
		decide(d, false, r, k);
		return 0;
	}
	if ((r = lic__kind_state(p, n, ck, &cap, &minver, d->detail, sizeof d->detail))) {
		/* rule 10: a decentralised node uses only its own licenses */
		if (SAME(r, LIC_R_NOT_INSTALLED) && p == n && n->mode == LIC_MODE_SLAVE_DECENTRAL &&
		    n->master && n->master->inst[ck]) {
			lic__say(d->detail, sizeof d->detail,
				 "decentralised node %s has no %s of its own "
				 "and can use none of master %s's",
				 n->name, ki->name, n->master->name);
			r = LIC_R_DECENTRAL_OWN_ONLY;
		}
		if (SAME(r, LIC_R_NOT_INSTALLED) && beyond_cache(n, p, ck, d))
			return 0;
		decide(d, false, r, ck == LIC_PORT ? LIC_PORT : k);
		return 0;
	}
	unsigned used = p->used[ck], avail = cap > used ? cap - used : 0;
	d->free = avail;
	if (avail < count && beyond_cache(n, p, ck, d))
		return 0;
	if (avail < count) {
		decide(d, false, LIC_R_EXHAUSTED, k);
		lic__say(d->detail, sizeof d->detail, "%u of %u %s in use, %u more asked", used,
			 cap, lic_kind_info(ck)->name, count);
		return 0;
	}
	/* rule 9: the bridge also needs one of L-SIS-11 / L-SIS32-11 */
	if (ck == LIC_SYM_BRIDGE && !p->inst[LIC_SIS] && !p->inst[LIC_SIS32]) {
		decide(d, false, LIC_R_REQUIRES_SIS, k);
		lic__say(d->detail, sizeof d->detail,
			 "the bridge needs L-SIS-11 or L-SIS32-11 besides "
			 "L-SYM-BRIDGE");
		return 0;
	}
	/* rule 4: on a virtual appliance every Port in use also takes an IPVA */
	if (ck == LIC_PORT && n->va) {
		unsigned icap, iv;
		if (n->ipva_binding && strcmp(n->ipva_binding, n->machine_id) != 0) {
			decide(d, false, LIC_R_IPVA_BOUND, LIC_IPVA);
			lic__say(d->detail, sizeof d->detail,
				 "the IPVA licenses are bound to %s, this "
				 "machine is %s",
				 n->ipva_binding, n->machine_id);
			return 0;
		}
		if ((r = lic__kind_state(n, n, LIC_IPVA, &icap, &iv, d->detail,
					 sizeof d->detail))) {
			decide(d, false, SAME(r, LIC_R_NOT_INSTALLED) ? LIC_R_IPVA_SHORT : r,
			       LIC_IPVA);
			return 0;
		}
		if (icap - (icap > n->used[LIC_IPVA] ? n->used[LIC_IPVA] : icap) < count) {
			decide(d, false, LIC_R_IPVA_SHORT, LIC_IPVA);
			lic__say(d->detail, sizeof d->detail,
				 "virtual appliance: %u of %u IPVA in use, "
				 "each Port in use needs one",
				 n->used[LIC_IPVA], icap);
			return 0;
		}
		*ipvap = count;
	}
	*srcp = p;
	*needp = count;
	d->free = avail - count;
	return 0;
}

int lic_check(struct lic_node *n, const struct lic_owner *o, enum lic_kind k, unsigned count,
	      struct lic_decision *d)
{
	struct lic_node *src;
	unsigned need, ipva;
	int rc = evaluate(n, o, k, count ? count : 1, 0, &src, &need, &ipva, d);

	if (rc == 0 && d->ok && need)
		lic__say(d->detail, sizeof d->detail, "%u %s would be taken, %u left", need,
			 lic_kind_info(lic__counted(k))->name, d->free);
	return rc;
}

int lic_acquire(struct lic_node *n, const struct lic_owner *o, enum lic_kind k, unsigned flags,
		struct lic_decision *d)
{
	struct lic_node *src;
	unsigned need, ipva;
	enum lic_kind ck = lic__counted(k);
	int rc;

	if (!o)
		return -EINVAL;
	if ((rc = evaluate(n, o, k, 1, flags, &src, &need, &ipva, d)) < 0 || !d->ok ||
	    SAME(d->reason, LIC_R_NOT_NEEDED))
		return rc;
	const char *holder = o->holder ? o->holder : "";
	uint32_t h = lic__owner_hash(ck, o->type, o->id);
	struct lic_alloc *a = lic__alloc_find(n, ck, o->type, o->id, h);
	if (a) {
		/* rule 2: a second device of the same user takes nothing more */
		if (lic__holder_index(a, holder) < 0 && lic__holder_add(a, holder) < 0)
			return -ENOMEM;
		d->taken = 0;
		return 0;
	}
	if (!(a = lic__alloc_new(n, ck, o->type, o->id, holder, h)))
		return -ENOMEM;
	a->taken = need;
	a->ipva = ipva;
	a->src = src;
	a->included = (lic_kind_info(k)->flags & LIC_KF_PER_USER) && k != LIC_RCC && !need &&
		      SAME(d->reason, LIC_R_OK);
	a->grant = (flags & LIC_ACQ_GRANT) != 0;
	if (src)
		src->used[ck] += need;
	n->used[LIC_IPVA] += ipva;
	if (ipva && !n->ipva_binding)
		lic_node_set_ipva_binding(n, n->machine_id);
	d->taken = need;
	return 0;
}

/* The moment of use (a call on a card, a span, a link, a station): what an owner holds must still
 * be usable where it came from, and that pool must not hold more than is installed. A file
 * removed or expired since the owner took its license shows here: what runs goes on, new use is
 * refused. An owner that holds nothing takes its license now, as lic_acquire (a user only
 * asks, as lic_check: its devices take its Port when they register). */
int lic_use(struct lic_node *n, const struct lic_owner *o, enum lic_kind k, struct lic_decision *d)
{
	enum lic_kind ck = lic__counted(k);
	const char *r;
	unsigned cap, minver;
	struct lic_alloc *a;

	if (!o || !o->id || (unsigned)k >= LIC_KIND_MAX || (unsigned)o->type >= LIC_OWN_MAX)
		return -EINVAL;
	a = lic__alloc_find(n, ck, o->type, o->id, lic__owner_hash(ck, o->type, o->id));
	/* a user's Port is taken by its devices (registrations), not by a call: a call from a
	 * user without one only asks whether one could be had */
	if (!a && o->type == LIC_OWN_USER)
		return lic_check(n, o, k, 1, d);
	if (!a)
		return lic_acquire(n, o, k, 0, d);
	memset(d, 0, sizeof *d);
	decide(d, true, LIC_R_OK, k);
	if (!a->src || !a->taken) /* included in a UC, a failover registration: nothing to check */
		return 0;
	const struct lic_node *p = a->src;
	if ((r = lic__kind_state(p, n, ck, &cap, &minver, d->detail, sizeof d->detail))) {
		/* a central slave's grant that is no longer usable while its master is away (the
		 * grace period is over): the master's absence is the reason, not the cache's */
		if (SAME(r, LIC_R_NOT_INSTALLED) && beyond_cache(n, p, ck, d))
			return 0;
		decide(d, false, r, k);
		return 0;
	}
	if (p->used[ck] > cap) {
		decide(d, false, LIC_R_EXHAUSTED, k);
		lic__say(d->detail, sizeof d->detail,
			 "%u %s in use, only %u installed (a license was removed or expired): new "
			 "use "
			 "waits until fewer are in use",
			 p->used[ck], lic_kind_info(ck)->name, cap);
		return 0;
	}
	if (ck == LIC_SYM_BRIDGE && !p->inst[LIC_SIS] && !p->inst[LIC_SIS32]) {
		decide(d, false, LIC_R_REQUIRES_SIS, k);
		lic__say(d->detail, sizeof d->detail,
			 "the bridge needs L-SIS-11 or L-SIS32-11 besides L-SYM-BRIDGE");
		return 0;
	}
	d->free = cap - p->used[ck];
	lic__say(d->detail, sizeof d->detail, "%s %s holds %s", lic_owner_names[o->type], o->id,
		 lic_kind_info(k)->name);
	return 0;
}

int lic_release(struct lic_node *n, const struct lic_owner *o, enum lic_kind k,
		struct lic_decision *d)
{
	const char *r;
	enum lic_kind ck = lic__counted(k);
	const char *holder;
	struct lic_alloc *a;
	int i;

	memset(d, 0, sizeof *d);
	if (!o || !o->id || (unsigned)k >= LIC_KIND_MAX || (unsigned)o->type >= LIC_OWN_MAX)
		return -EINVAL;
	decide(d, true, LIC_R_OK, k);
	holder = o->holder ? o->holder : "";
	a = lic__alloc_find(n, ck, o->type, o->id, lic__owner_hash(ck, o->type, o->id));
	if (!a || (i = lic__holder_index(a, holder)) < 0) {
		decide(d, false, LIC_R_NOT_HELD, k);
		lic__say(d->detail, sizeof d->detail, "%s %s%s%s holds no %s",
			 lic_owner_names[o->type], o->id, *holder ? " via " : "", holder,
			 lic_kind_info(k)->name);
		return 0;
	}
	if (a->nholders == 1 && o->type == LIC_OWN_USER && !a->grant &&
	    (r = lic__still_needed(n, o, ck, d->detail, sizeof d->detail))) {
		decide(d, false, r, k);
		return 0;
	}
	free(a->holders[i]);
	a->holders[i] = a->holders[--a->nholders];
	if (a->nholders)
		return 0;
	/* rule 2: released when the last device goes */
	if (a->src)
		a->src->used[ck] -= a->taken;
	n->used[LIC_IPVA] -= a->ipva;
	d->taken = a->taken; /* given back */
	lic__alloc_unlink(n, a);
	return 0;
}
