/* lic_pool.c: the rule engine's pools: where a node's licenses of a kind come from (rule 10)
 * and whether that pool can supply them (versions, SMB, Standby, Recording), and lic_status(). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lic_node.h"

#define SAME(a, b) (strcmp((a), (b)) == 0)

void lic__say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* The kind's accounting kind: SMB Ports count as Ports, Recording users as Recording. */
enum lic_kind lic__counted(enum lic_kind k)
{
	if (k == LIC_SMB_PORT)
		return LIC_PORT;
	if (k == LIC_RECORDING_USER)
		return LIC_RECORDING;
	return k;
}

/* Where a node's licenses of a kind come from (rule 10), or NULL with a reason. */
struct lic_node *lic__source(const struct lic_node *n, enum lic_kind k, bool new_take,
			     const char **reason, char *detail, size_t dlen)
{
	const struct lic_kind_info *ki = lic_kind_info(k);
	struct lic_node *self = (struct lic_node *)n;

	/* rule 8: hardware licenses are bound to this hardware, IPVA to the machine; the bridge
	 * licenses (versionless) are a node's own unless it draws everything from a master */
	if (ki->flags & LIC_KF_HARDWARE || k == LIC_IPVA ||
	    (ki->flags & LIC_KF_VERSIONLESS && n->mode != LIC_MODE_SLAVE_CENTRAL))
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
			lic__say(detail, dlen, "%s draws licenses from a master, and none is set",
				 n->name);
			return NULL;
		}
		/* a master that is a cache of the grants (the daemon's mirror) still supplies
		 * what was granted and is free; the caller says master-unreachable beyond it */
		if (new_take && !n->master_reachable && !n->master_cache) {
			*reason = LIC_R_MASTER_UNREACHABLE;
			lic__say(detail, dlen,
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
const char *lic__port_state(const struct lic_node *p, const struct lic_node *n, unsigned *cap,
			    unsigned *minver, char *detail, size_t dlen)
{
	unsigned ports = p->inst[LIC_PORT], smb = p->inst[LIC_SMB_PORT];
	bool upgrade = p->inst[LIC_SMB_UPGRADE] > 0;

	*cap = ports;
	*minver = p->minver[LIC_PORT];
	if (!smb)
		return NULL;
	if (p->items[LIC_SMB_PORT] > 1 && !upgrade) {
		lic__say(detail, dlen,
			 "%u SMB Port licenses installed: an SMB size (20, 30, 50) is "
			 "not extensible; install one, or add the upgrade Port$$",
			 p->items[LIC_SMB_PORT]);
		return LIC_R_SMB_NOT_EXTENSIBLE;
	}
	if (ports && !upgrade) {
		lic__say(detail, dlen,
			 "SMB Ports cannot be combined with PBX-Port licenses (without "
			 "the upgrade Port$$)");
		return LIC_R_SMB_EXCLUSIVE;
	}
	if (!upgrade && (n->mode != LIC_MODE_SINGLE || p->mode != LIC_MODE_SINGLE)) {
		lic__say(detail, dlen, "SMB Ports are not for master-slave installations");
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
const char *lic__kind_state(const struct lic_node *p, const struct lic_node *n, enum lic_kind k,
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
		lic__say(detail, dlen, "%s needs software %s or later; this is %s", ki->name, need,
			 have);
		return LIC_R_SOFTWARE_TOO_OLD;
	}
	if (k == LIC_PORT || k == LIC_SMB_PORT) {
		if ((r = lic__port_state(p, n, &cap, &minver, detail, dlen)))
			return r;
	} else if (k == LIC_RECORDING || k == LIC_RECORDING_USER) {
		/* rule 6: the base includes one recorded user, each Recording%1 adds one */
		if (!p->inst[LIC_RECORDING]) {
			lic__say(detail, dlen,
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
		lic__say(detail, dlen, "no %s license is installed%s%s", ki->name,
			 p != n ? " on master " : "", p != n ? p->name : "");
		return LIC_R_NOT_INSTALLED;
	}
	/* rule 1: the lowest installed version governs the whole kind */
	if (!(ki->flags & (LIC_KF_HARDWARE | LIC_KF_VERSIONLESS)) && minver < major) {
		lic_sw_format(n->sw, have, sizeof have);
		lic__say(detail, dlen,
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
			lic__say(detail, dlen, "Standby is never used together with SMB Ports");
			return LIC_R_SMB_EXCLUSIVE;
		}
		lic__port_state(p, n, &pc, &pv, pd, sizeof pd);
		if (cap < pc) {
			lic__say(detail, dlen,
				 "%u Standby installed, fewer than the %u Ports installed", cap,
				 pc);
			return LIC_R_STANDBY_SHORT;
		}
	}
	*capp = cap;
	*minverp = minver;
	return NULL;
}

int lic_status(const struct lic_node *n, enum lic_kind k, struct lic_status *st)
{
	const struct lic_kind_info *ki = lic_kind_info(k);
	enum lic_kind ck = lic__counted(k);
	const char *r;
	unsigned cap, minver;

	if (!ki)
		return -EINVAL;
	memset(st, 0, sizeof *st);
	st->kind = k;
	st->reason = LIC_R_OK;
	const struct lic_node *p = lic__source(n, ck, false, &r, st->detail, sizeof st->detail);
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
		lic__port_state(p, n, &pcap, &pv, pd, sizeof pd);
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
	r = lic__kind_state(p, n, ck, &cap, &minver, st->detail, sizeof st->detail);
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
