/* lic_master.c: a license master's record of its slaves' grants, kept as allocations of its own
 * engine node (owner "SLAVE|ID"), and the reconciliation when a slave comes back. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lic_master.h"

bool lic_master_slave_name_ok(const char *slave)
{
	size_t n = slave ? strlen(slave) : 0;
	return n >= 1 && n <= 64 && !strchr(slave, LIC_MASTER_SEP);
}

/* "SLAVE|ID" into buf; -EINVAL when it does not fit or the names are bad */
static int owner_id(const char *slave, const char *id, char *buf, size_t len)
{
	if (!lic_master_slave_name_ok(slave) || !id || !*id || strlen(id) > LIC_PROTO_ID_MAX)
		return -EINVAL;
	if ((size_t)snprintf(buf, len, "%s%c%s", slave, LIC_MASTER_SEP, id) >= len)
		return -EINVAL;
	return 0;
}

int lic_master_take(struct lic_node *m, const char *slave, enum lic_kind k, enum lic_owner_type t,
		    const char *id, struct lic_decision *d)
{
	char oid[64 + 1 + LIC_PROTO_ID_MAX + 1];
	struct lic_owner o = { .type = t, .id = oid };

	if (owner_id(slave, id, oid, sizeof oid) < 0)
		return -EINVAL;
	return lic_acquire(m, &o, k, LIC_ACQ_GRANT, d);
}

int lic_master_give(struct lic_node *m, const char *slave, enum lic_kind k, enum lic_owner_type t,
		    const char *id, struct lic_decision *d)
{
	char oid[64 + 1 + LIC_PROTO_ID_MAX + 1];
	struct lic_owner o = { .type = t, .id = oid };

	if (owner_id(slave, id, oid, sizeof oid) < 0)
		return -EINVAL;
	return lic_release(m, &o, k, d);
}

int lic_master_move(struct lic_node *m, const char *slave, enum lic_kind k,
		    enum lic_owner_type from_t, const char *from_id, enum lic_owner_type t,
		    const char *id, struct lic_decision *d)
{
	struct lic_decision back;
	int rc;

	if ((rc = lic_master_give(m, slave, k, from_t, from_id, d)) < 0 || !d->ok)
		return rc;
	if ((rc = lic_master_take(m, slave, k, t, id, d)) < 0 || !d->ok) {
		/* what was just given back is free: taking it again cannot be refused */
		lic_master_take(m, slave, k, from_t, from_id, &back);
		if (rc < 0)
			return rc;
	}
	return 0;
}

struct each {
	const char *slave;
	lic_master_each_cb cb;
	void *arg;
};

static int each_cb(void *arg, const struct lic_owner *o, enum lic_kind k, unsigned holders)
{
	struct each *e = arg;
	const char *sep = strchr(o->id, LIC_MASTER_SEP);
	struct lic_msg_item it = { .kind = k, .owner = o->type };
	char slave[65];
	size_t sl;

	if (!sep || (sl = (size_t)(sep - o->id)) == 0 || sl >= sizeof slave)
		return 0; /* the master's own owner */
	memcpy(slave, o->id, sl);
	slave[sl] = '\0';
	if (e->slave && strcmp(e->slave, slave) != 0)
		return 0;
	snprintf(it.id, sizeof it.id, "%s", sep + 1);
	return e->cb(e->arg, slave, &it);
}

int lic_master_grants(const struct lic_node *m, const char *slave, lic_master_each_cb cb, void *arg)
{
	struct each e = { .slave = slave, .cb = cb, .arg = arg };
	return lic_foreach(m, each_cb, &e);
}

struct list {
	struct lic_msg_item *v;
	size_t n, cap;
};

static int list_cb(void *arg, const char *slave, const struct lic_msg_item *it)
{
	struct list *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct lic_msg_item *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *it;
	return 0;
}

static bool same(const struct lic_msg_item *a, const struct lic_msg_item *b)
{
	return a->kind == b->kind && a->owner == b->owner && strcmp(a->id, b->id) == 0;
}

int lic_master_reconcile(struct lic_node *m, const char *slave, const struct lic_msg_item *held,
			 size_t n, lic_master_drop_cb drop_cb, void *arg)
{
	struct list rec = { .n = 0 };
	struct lic_decision d;
	int rc, dropped = 0;

	if (!lic_master_slave_name_ok(slave))
		return -EINVAL;
	if ((rc = lic_master_grants(m, slave, list_cb, &rec)) < 0)
		goto out;
	/* recorded, no longer held: the slave let go while the link was down */
	for (size_t i = 0; i < rec.n; i++) {
		size_t j = 0;
		while (j < n && !same(&rec.v[i], &held[j]))
			j++;
		if (j == n && (rc = lic_master_give(m, slave, rec.v[i].kind, rec.v[i].owner,
						    rec.v[i].id, &d)) < 0)
			goto out;
	}
	/* held, not recorded: granted before the master lost its record; take it again, or tell
	 * the slave it is gone */
	for (size_t j = 0; j < n; j++) {
		size_t i = 0;
		while (i < rec.n && !same(&rec.v[i], &held[j]))
			i++;
		if (i < rec.n)
			continue;
		rc = lic_master_take(m, slave, held[j].kind, held[j].owner, held[j].id, &d);
		if (rc == -EINVAL) {
			d.ok = false;
			d.reason = LIC_R_WRONG_OWNER;
			snprintf(d.detail, sizeof d.detail, "not a grant this master can record");
		} else if (rc < 0) {
			goto out;
		}
		if (!d.ok) {
			dropped++;
			if (drop_cb)
				drop_cb(arg, &held[j], &d);
		}
	}
	rc = dropped;
out:
	free(rec.v);
	return rc;
}
