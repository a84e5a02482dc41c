/* lic_rules.c: the license rule engine: pure C, no store, no loop; license.c glues it in. */
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

static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* The kind's accounting kind: SMB Ports count as Ports, Recording users as Recording. */
static enum lic_kind counted(enum lic_kind k)
{
	if (k == LIC_SMB_PORT)
		return LIC_PORT;
	if (k == LIC_RECORDING_USER)
		return LIC_RECORDING;
	return k;
}

/* Where a node's licenses of a kind come from (rule 10), or NULL with a reason. */
static struct lic_node *source(const struct lic_node *n, enum lic_kind k, bool new_take,
			       const char **reason, char *detail, size_t dlen)
{
	const struct lic_kind_info *ki = lic_kind_info(k);
	struct lic_node *self = (struct lic_node *)n;

	/* rule 8: hardware licenses are bound to this hardware; bridge licenses and IPVA belong
	 * to the machine too */
	if (ki->flags & (LIC_KF_HARDWARE | LIC_KF_VERSIONLESS) || k == LIC_IPVA)
		return self;
	switch (n->mode) {
	case LIC_MODE_SINGLE:
	case LIC_MODE_MASTER: return self;
	case LIC_MODE_SLAVE_DECENTRAL:
		/* rule 3: Standby is installed on the master even when slaves use it */
		if (k != LIC_STANDBY)
			return self;
		/* fall through */
	case LIC_MODE_SLAVE_CENTRAL:
		if (!n->master) {
			*reason = LIC_R_NO_MASTER;
			say(detail, dlen, "%s draws licenses from a master, and none is set",
			    n->name);
			return NULL;
		}
		if (new_take && !n->master_reachable) {
			*reason = LIC_R_MASTER_UNREACHABLE;
			say(detail, dlen,
			    "master %s is unreachable: %s keeps what it drew, takes "
			    "nothing new",
			    n->master->name, n->name);
			return NULL;
		}
		return n->master;
	}
	return self;
}

/* Port capacity at a pool, with the SMB rules (rule 5). */
static const char *port_state(const struct lic_node *p, const struct lic_node *n, unsigned *cap,
			      unsigned *minver, char *detail, size_t dlen)
{
	unsigned ports = p->inst[LIC_PORT], smb = p->inst[LIC_SMB_PORT];
	bool upgrade = p->inst[LIC_SMB_UPGRADE] > 0;

	*cap = ports;
	*minver = p->minver[LIC_PORT];
	if (!smb)
		return NULL;
	if (p->items[LIC_SMB_PORT] > 1 && !upgrade) {
		say(detail, dlen,
		    "%u SMB Port licenses installed: an SMB size (20, 30, 50) is "
		    "not extensible; install one, or add the upgrade Port$$",
		    p->items[LIC_SMB_PORT]);
		return LIC_R_SMB_NOT_EXTENSIBLE;
	}
	if (ports && !upgrade) {
		say(detail, dlen,
		    "SMB Ports cannot be combined with PBX-Port licenses (without "
		    "the upgrade Port$$)");
		return LIC_R_SMB_EXCLUSIVE;
	}
	if (!upgrade && (n->mode != LIC_MODE_SINGLE || p->mode != LIC_MODE_SINGLE)) {
		say(detail, dlen, "SMB Ports are not for master-slave installations");
		return LIC_R_SMB_EXCLUSIVE;
	}
	*cap = ports + smb;
	unsigned v = p->minver[LIC_SMB_PORT];
	if (upgrade && p->minver[LIC_SMB_UPGRADE] < v)
		v = p->minver[LIC_SMB_UPGRADE];
	if (!*minver || v < *minver)
		*minver = v;
	return NULL;
}

/* Is kind k usable from pool p by node n, and how many are there? Returns the reason it is not
 * (NULL: usable). */
static const char *kind_state(const struct lic_node *p, const struct lic_node *n, enum lic_kind k,
			      unsigned *capp, unsigned *minverp, char *detail, size_t dlen)
{
	const struct lic_kind_info *ki = lic_kind_info(k);
	unsigned cap = p->inst[k], minver = p->minver[k], major = n->sw / 10000;
	const char *r = NULL;
	char have[16], need[16];

	*capp = 0;
	*minverp = 0;
	if (ki->min_sw && n->sw < ki->min_sw) {
		lic_sw_format(n->sw, have, sizeof have);
		lic_sw_format(ki->min_sw, need, sizeof need);
		say(detail, dlen, "%s needs software %s or later; this is %s", ki->name, need,
		    have);
		return LIC_R_SOFTWARE_TOO_OLD;
	}
	if (k == LIC_PORT || k == LIC_SMB_PORT) {
		if ((r = port_state(p, n, &cap, &minver, detail, dlen)))
			return r;
	} else if (k == LIC_RECORDING || k == LIC_RECORDING_USER) {
		/* rule 6: the base includes one recorded user, each Recording%1 adds one */
		if (!p->inst[LIC_RECORDING]) {
			say(detail, dlen,
			    "recording needs the Recording base license (one per "
			    "system)");
			return p->inst[LIC_RECORDING_USER] ? LIC_R_REQUIRES_RECORDING_BASE
							   : LIC_R_NOT_INSTALLED;
		}
		cap = p->inst[LIC_RECORDING] + p->inst[LIC_RECORDING_USER];
		if (p->minver[LIC_RECORDING_USER] && p->minver[LIC_RECORDING_USER] < minver)
			minver = p->minver[LIC_RECORDING_USER];
	}
	if (!cap) {
		say(detail, dlen, "no %s license is installed%s%s", ki->name,
		    p != n ? " on master " : "", p != n ? p->name : "");
		return LIC_R_NOT_INSTALLED;
	}
	/* rule 1: the lowest installed version governs the whole kind */
	if (!(ki->flags & (LIC_KF_HARDWARE | LIC_KF_VERSIONLESS)) && minver < major) {
		lic_sw_format(n->sw, have, sizeof have);
		say(detail, dlen,
		    "a %s license of version %u is installed, older than the software "
		    "(%s): the whole kind is unusable until the old ones are removed",
		    ki->name, minver, have);
		return LIC_R_VERSION_GATED;
	}
	/* rule 3: Standby covers every installed Port; never with SMB */
	if (k == LIC_STANDBY) {
		unsigned pc, pv;
		char pd[8];
		if (p->inst[LIC_SMB_PORT] && !p->inst[LIC_SMB_UPGRADE]) {
			say(detail, dlen, "Standby is never used together with SMB Ports");
			return LIC_R_SMB_EXCLUSIVE;
		}
		port_state(p, n, &pc, &pv, pd, sizeof pd);
		if (cap < pc) {
			say(detail, dlen, "%u Standby installed, fewer than the %u Ports installed",
			    cap, pc);
			return LIC_R_STANDBY_SHORT;
		}
	}
	*capp = cap;
	*minverp = minver;
	return NULL;
}

static bool holds(const struct lic_node *n, const struct lic_owner *o, enum lic_kind k)
{
	const struct lic_alloc *a =
		lic__alloc_find(n, k, o->type, o->id, lic__owner_hash(k, o->type, o->id));
	return a && a->nholders > 0;
}

/* Rule 6 prerequisites and inclusions for a user's feature. Returns a refusal reason, or sets
 * *included when the user's UC already covers it. */
static const char *user_feature(const struct lic_node *n, const struct lic_owner *o,
				enum lic_kind k, bool *included, char *detail, size_t dlen)
{
	bool uc = holds(n, o, LIC_UC);

	*included = false;
	switch (k) {
	case LIC_APP_SOFTPHONE:
	case LIC_VIDEO:
	case LIC_APPSHARING:
	case LIC_RCC:
		if (!uc && !holds(n, o, LIC_APP_PHONE)) {
			say(detail, dlen, "%s for %s needs the Phone App (or UC) assigned first",
			    lic_kind_info(k)->name, o->id);
			return LIC_R_REQUIRES_PHONE_APP;
		}
		break;
	default: break;
	}
	switch (k) {
	case LIC_APP_PHONE:
	case LIC_APP_SOFTPHONE:
	case LIC_APPSHARING:
	case LIC_VIDEO:
	case LIC_VOICEMAIL:
	case LIC_MOBILITY:
	case LIC_FAX: *included = uc; break;
	case LIC_RCC:
		*included = true; /* no license of its own */
		break;
	default: break;
	}
	return NULL;
}

static void decide(struct lic_decision *d, bool ok, const char *reason, enum lic_kind k)
{
	d->ok = ok;
	d->reason = reason;
	d->kind = k;
}

/* The common path of acquire and check: everything but the taking. need: licenses of the kind
 * the owner would take; *srcp: where from; *ipvap: IPVA taken along. */
static int evaluate(struct lic_node *n, const struct lic_owner *o, enum lic_kind k, unsigned count,
		    unsigned flags, struct lic_node **srcp, unsigned *needp, unsigned *ipvap,
		    struct lic_decision *d)
{
	const struct lic_kind_info *ki = lic_kind_info(k);
	enum lic_kind ck = counted(k);
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
			say(d->detail, sizeof d->detail, "a %s does not take %s",
			    lic_owner_names[o->type], ki->name);
			return 0;
		}
		/* rule 2: group numbers and waiting queues take no Port */
		if (ck == LIC_PORT && (o->type == LIC_OWN_GROUP || o->type == LIC_OWN_QUEUE)) {
			decide(d, true, LIC_R_NOT_NEEDED, k);
			say(d->detail, sizeof d->detail, "a %s takes no Port",
			    lic_owner_names[o->type]);
			return 0;
		}
		if (holds(n, o, ck)) {
			say(d->detail, sizeof d->detail, "%s %s already holds %s",
			    lic_owner_names[o->type], o->id, ki->name);
			return 0;
		}
		if (ki->flags & LIC_KF_PER_USER) {
			if ((r = user_feature(n, o, k, &included, d->detail, sizeof d->detail))) {
				decide(d, false, r, k);
				return 0;
			}
			if (included) {
				if (k != LIC_RCC)
					say(d->detail, sizeof d->detail,
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
		say(d->detail, sizeof d->detail, "failover registration: no license taken");
		return 0;
	}
	struct lic_node *p = source(n, ck, true, &r, d->detail, sizeof d->detail);
	if (!p) {
		decide(d, false, r, k);
		return 0;
	}
	if ((r = kind_state(p, n, ck, &cap, &minver, d->detail, sizeof d->detail))) {
		/* rule 10: a decentralised node uses only its own licenses */
		if (SAME(r, LIC_R_NOT_INSTALLED) && p == n && n->mode == LIC_MODE_SLAVE_DECENTRAL &&
		    n->master && n->master->inst[ck]) {
			say(d->detail, sizeof d->detail,
			    "decentralised node %s has no %s of its own "
			    "and can use none of master %s's",
			    n->name, ki->name, n->master->name);
			r = LIC_R_DECENTRAL_OWN_ONLY;
		}
		decide(d, false, r, ck == LIC_PORT ? LIC_PORT : k);
		return 0;
	}
	unsigned used = p->used[ck], avail = cap > used ? cap - used : 0;
	d->free = avail;
	if (avail < count) {
		decide(d, false, LIC_R_EXHAUSTED, k);
		say(d->detail, sizeof d->detail, "%u of %u %s in use, %u more asked", used, cap,
		    lic_kind_info(ck)->name, count);
		return 0;
	}
	/* rule 9: the bridge also needs one of L-SIS-11 / L-SIS32-11 */
	if (ck == LIC_SYM_BRIDGE && !p->inst[LIC_SIS] && !p->inst[LIC_SIS32]) {
		decide(d, false, LIC_R_REQUIRES_SIS, k);
		say(d->detail, sizeof d->detail,
		    "the bridge needs L-SIS-11 or L-SIS32-11 besides "
		    "L-SYM-BRIDGE");
		return 0;
	}
	/* rule 4: on a virtual appliance every Port in use also takes an IPVA */
	if (ck == LIC_PORT && n->va) {
		unsigned icap, iv;
		if (n->ipva_binding && strcmp(n->ipva_binding, n->machine_id) != 0) {
			decide(d, false, LIC_R_IPVA_BOUND, LIC_IPVA);
			say(d->detail, sizeof d->detail,
			    "the IPVA licenses are bound to %s, this "
			    "machine is %s",
			    n->ipva_binding, n->machine_id);
			return 0;
		}
		if ((r = kind_state(n, n, LIC_IPVA, &icap, &iv, d->detail, sizeof d->detail))) {
			decide(d, false, SAME(r, LIC_R_NOT_INSTALLED) ? LIC_R_IPVA_SHORT : r,
			       LIC_IPVA);
			return 0;
		}
		if (icap - (icap > n->used[LIC_IPVA] ? n->used[LIC_IPVA] : icap) < count) {
			decide(d, false, LIC_R_IPVA_SHORT, LIC_IPVA);
			say(d->detail, sizeof d->detail,
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
		say(d->detail, sizeof d->detail, "%u %s would be taken, %u left", need,
		    lic_kind_info(counted(k))->name, d->free);
	return rc;
}

int lic_acquire(struct lic_node *n, const struct lic_owner *o, enum lic_kind k, unsigned flags,
		struct lic_decision *d)
{
	struct lic_node *src;
	unsigned need, ipva;
	enum lic_kind ck = counted(k);
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
	enum lic_kind ck = counted(k);
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
	if ((r = kind_state(p, n, ck, &cap, &minver, d->detail, sizeof d->detail))) {
		decide(d, false, r, k);
		return 0;
	}
	if (p->used[ck] > cap) {
		decide(d, false, LIC_R_EXHAUSTED, k);
		say(d->detail, sizeof d->detail,
		    "%u %s in use, only %u installed (a license was removed or expired): new use "
		    "waits until fewer are in use",
		    p->used[ck], lic_kind_info(ck)->name, cap);
		return 0;
	}
	if (ck == LIC_SYM_BRIDGE && !p->inst[LIC_SIS] && !p->inst[LIC_SIS32]) {
		decide(d, false, LIC_R_REQUIRES_SIS, k);
		say(d->detail, sizeof d->detail,
		    "the bridge needs L-SIS-11 or L-SIS32-11 besides L-SYM-BRIDGE");
		return 0;
	}
	d->free = cap - p->used[ck];
	say(d->detail, sizeof d->detail, "%s %s holds %s", lic_owner_names[o->type], o->id,
	    lic_kind_info(k)->name);
	return 0;
}

/* Rule 6 the other way round: a user's UC cannot go while apps it covers stay assigned, nor
 * the Phone App (without UC) while what needs it stays. */
static const char *still_needed(const struct lic_node *n, const struct lic_owner *o,
				enum lic_kind k, char *detail, size_t dlen)
{
	static const enum lic_kind needs_phone[] = { LIC_APP_SOFTPHONE, LIC_VIDEO, LIC_APPSHARING,
						     LIC_RCC };
	static const enum lic_kind in_uc[] = { LIC_APP_PHONE, LIC_APP_SOFTPHONE, LIC_APPSHARING,
					       LIC_VIDEO,     LIC_VOICEMAIL,     LIC_MOBILITY,
					       LIC_FAX };
	bool uc = k != LIC_UC && holds(n, o, LIC_UC);
	bool phone = k != LIC_APP_PHONE && holds(n, o, LIC_APP_PHONE);

	if (k == LIC_UC)
		for (size_t i = 0; i < sizeof in_uc / sizeof in_uc[0]; i++) {
			const struct lic_alloc *a =
				lic__alloc_find(n, in_uc[i], o->type, o->id,
						lic__owner_hash(in_uc[i], o->type, o->id));
			if (a && a->included) {
				say(detail, dlen,
				    "%s of %s is covered by the UC: unassign it first",
				    lic_kind_info(in_uc[i])->name, o->id);
				return LIC_R_UC_IN_USE;
			}
		}
	if ((k == LIC_UC || k == LIC_APP_PHONE) && !uc && !phone)
		for (size_t i = 0; i < sizeof needs_phone / sizeof needs_phone[0]; i++)
			if (holds(n, o, needs_phone[i])) {
				say(detail, dlen,
				    "%s of %s needs the Phone App (or UC): unassign it "
				    "first",
				    lic_kind_info(needs_phone[i])->name, o->id);
				return k == LIC_UC ? LIC_R_UC_IN_USE : LIC_R_PHONE_APP_IN_USE;
			}
	return NULL;
}

int lic_release(struct lic_node *n, const struct lic_owner *o, enum lic_kind k,
		struct lic_decision *d)
{
	const char *r;
	enum lic_kind ck = counted(k);
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
		say(d->detail, sizeof d->detail, "%s %s%s%s holds no %s", lic_owner_names[o->type],
		    o->id, *holder ? " via " : "", holder, lic_kind_info(k)->name);
		return 0;
	}
	if (a->nholders == 1 && o->type == LIC_OWN_USER &&
	    (r = still_needed(n, o, ck, d->detail, sizeof d->detail))) {
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

int lic_status(const struct lic_node *n, enum lic_kind k, struct lic_status *st)
{
	const struct lic_kind_info *ki = lic_kind_info(k);
	enum lic_kind ck = counted(k);
	const char *r;
	unsigned cap, minver;

	if (!ki)
		return -EINVAL;
	memset(st, 0, sizeof *st);
	st->kind = k;
	st->reason = LIC_R_OK;
	const struct lic_node *p = source(n, ck, false, &r, st->detail, sizeof st->detail);
	if (!p) {
		st->reason = r;
		return 0;
	}
	st->installed = p->inst[k];
	st->version = p->minver[k];
	st->in_use = k == LIC_IPVA ? n->used[LIC_IPVA] : p->used[ck];
	if (k == LIC_SMB_PORT || k == LIC_SMB_UPGRADE || k == LIC_SIS || k == LIC_SIS32) {
		/* SMB Ports show what they supply of the Port count; SIS is a requirement */
		unsigned pcap, pv;
		char pd[8];
		port_state(p, n, &pcap, &pv, pd, sizeof pd);
		st->in_use = k == LIC_SMB_PORT && p->inst[LIC_SMB_PORT]
				     ? (p->used[LIC_PORT] > p->inst[LIC_PORT]
						? p->used[LIC_PORT] - p->inst[LIC_PORT]
						: 0)
				     : 0;
		if (k == LIC_SIS || k == LIC_SIS32)
			st->in_use = st->installed && p->used[LIC_SYM_BRIDGE] ? 1 : 0;
	} else if (k == LIC_RECORDING) {
		st->in_use = p->used[LIC_RECORDING] < p->inst[LIC_RECORDING]
				     ? p->used[LIC_RECORDING]
				     : p->inst[LIC_RECORDING];
	} else if (k == LIC_RECORDING_USER) {
		st->in_use = p->used[LIC_RECORDING] > p->inst[LIC_RECORDING]
				     ? p->used[LIC_RECORDING] - p->inst[LIC_RECORDING]
				     : 0;
	}
	if (ki->flags & LIC_KF_NOLICENSE)
		return 0;
	if (k == LIC_SMB_UPGRADE || k == LIC_SIS || k == LIC_SIS32) {
		st->usable = st->installed > 0;
		if (!st->usable)
			st->reason = LIC_R_NOT_INSTALLED;
		return 0;
	}
	r = kind_state(p, n, ck, &cap, &minver, st->detail, sizeof st->detail);
	if (!r && k == LIC_IPVA && n->ipva_binding && strcmp(n->ipva_binding, n->machine_id)) {
		r = LIC_R_IPVA_BOUND;
		snprintf(st->detail, sizeof st->detail, "bound to %s, this machine is %s",
			 n->ipva_binding, n->machine_id);
	}
	if (r) {
		st->reason = r;
		return 0;
	}
	st->usable = true;
	if (k == LIC_PORT || k == LIC_RECORDING)
		st->installed = cap; /* SMB Ports and Recording users add to the kind */
	if (k == LIC_SMB_PORT || k == LIC_RECORDING_USER || k == LIC_RECORDING)
		st->free = st->installed > st->in_use ? st->installed - st->in_use : 0;
	else
		st->free = cap > st->in_use ? cap - st->in_use : 0;
	if (k == LIC_RECORDING) {
		/* the base row: only its own included users */
		st->installed = p->inst[LIC_RECORDING];
		st->free = st->installed > st->in_use ? st->installed - st->in_use : 0;
	}
	return 0;
}
