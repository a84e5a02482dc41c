/* lic_node.c: the engine's bookkeeping: nodes, the license sets installed on them, and the
 * allocation table (kind, owner) -> holders; the rules themselves are in lic_rules.c. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lic_node.h"

const char *const lic_mode_names[] = { "single", "master", "central", "decentral", NULL };
const char *const lic_owner_names[] = { "user",    "trunk",    "group", "queue", "card",
					"session", "bchannel", "node",  NULL };

/* ---- the allocation table: (kind, owner type, owner id) -> allocation --- */

uint32_t lic__owner_hash(enum lic_kind k, enum lic_owner_type t, const char *id)
{
	uint32_t h = 2166136261u ^ ((uint32_t)k * 131u + (uint32_t)t);
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

struct lic_alloc *lic__alloc_find(const struct lic_node *n, enum lic_kind k, enum lic_owner_type t,
				  const char *id, uint32_t h)
{
	for (struct lic_alloc *a = n->tab[h & (n->tabsize - 1)]; a; a = a->next)
		if (a->hash == h && a->kind == k && a->otype == t && strcmp(a->oid, id) == 0)
			return a;
	return NULL;
}

static int tab_grow(struct lic_node *n)
{
	size_t size = n->tabsize * 2;
	struct lic_alloc **tab = calloc(size, sizeof *tab);

	if (!tab)
		return -ENOMEM;
	for (size_t i = 0; i < n->tabsize; i++)
		for (struct lic_alloc *a = n->tab[i], *next; a; a = next) {
			next = a->next;
			a->next = tab[a->hash & (size - 1)];
			tab[a->hash & (size - 1)] = a;
		}
	free(n->tab);
	n->tab = tab;
	n->tabsize = size;
	return 0;
}

void lic__alloc_unlink(struct lic_node *n, struct lic_alloc *a)
{
	struct lic_alloc **pp = &n->tab[a->hash & (n->tabsize - 1)];

	while (*pp != a)
		pp = &(*pp)->next;
	*pp = a->next;
	n->nalloc--;
	n->gen++;
	for (size_t i = 0; i < a->nholders; i++)
		free(a->holders[i]);
	free(a->holders);
	free(a->oid);
	free(a);
}

int lic__holder_index(const struct lic_alloc *a, const char *holder)
{
	for (size_t i = 0; i < a->nholders; i++)
		if (strcmp(a->holders[i], holder) == 0)
			return (int)i;
	return -1;
}

int lic__holder_add(struct lic_alloc *a, const char *holder)
{
	if (a->nholders == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 2;
		char **v = realloc(a->holders, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		a->holders = v;
		a->cap = cap;
	}
	if (!(a->holders[a->nholders] = strdup(holder)))
		return -ENOMEM;
	a->nholders++;
	return 0;
}

/* a new allocation of (kind, owner) with its first holder, in the table */
struct lic_alloc *lic__alloc_new(struct lic_node *n, enum lic_kind k, enum lic_owner_type t,
				 const char *id, const char *holder, uint32_t h)
{
	struct lic_alloc *a;

	if (n->nalloc + 1 > n->tabsize && tab_grow(n) < 0)
		return NULL;
	if (!(a = calloc(1, sizeof *a)) || !(a->oid = strdup(id)) ||
	    lic__holder_add(a, holder) < 0) {
		if (a) {
			free(a->oid);
			free(a->holders);
		}
		free(a);
		return NULL;
	}
	a->kind = k;
	a->otype = t;
	a->hash = h;
	a->next = n->tab[h & (n->tabsize - 1)];
	n->tab[h & (n->tabsize - 1)] = a;
	n->nalloc++;
	n->gen++;
	return a;
}

/* ---- nodes ------------------------------------------------------------- */

int lic_node_alloc(struct lic_node **np, const struct lic_node_conf *conf)
{
	struct lic_node *n = calloc(1, sizeof *n);

	if (!n)
		return -ENOMEM;
	n->name = strdup(conf->name ? conf->name : "node");
	n->machine_id = strdup(conf->machine_id ? conf->machine_id : "");
	n->tabsize = 64;
	n->tab = calloc(n->tabsize, sizeof *n->tab);
	if (!n->name || !n->machine_id || !n->tab) {
		lic_node_free(n);
		return -ENOMEM;
	}
	n->mode = conf->mode;
	n->sw = conf->sw;
	n->va = conf->virtual_appliance;
	n->master = conf->master;
	n->master_reachable = true;
	n->master_cache = conf->master_cache;
	*np = n;
	return 0;
}

void lic_node_free(struct lic_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; n->tab && i < n->tabsize; i++)
		while (n->tab[i])
			lic__alloc_unlink(n, n->tab[i]);
	while (n->sets) {
		struct lic_set *s = n->sets;
		n->sets = s->next;
		free(s->id);
		free(s->items);
		free(s);
	}
	free(n->tab);
	free(n->name);
	free(n->machine_id);
	free(n->ipva_binding);
	free(n);
}

void lic_node_set_master_reachable(struct lic_node *n, bool reachable)
{
	n->master_reachable = reachable;
}

static void recount(struct lic_node *n)
{
	memset(n->inst, 0, sizeof n->inst);
	memset(n->minver, 0, sizeof n->minver);
	memset(n->items, 0, sizeof n->items);
	for (const struct lic_set *s = n->sets; s; s = s->next)
		for (size_t i = 0; i < s->n; i++) {
			const struct lic_item *it = &s->items[i];
			unsigned add = it->kind == LIC_SMB_PORT ? it->count * it->tier : it->count;
			n->inst[it->kind] += add;
			n->items[it->kind] += it->count;
			if (it->version &&
			    (!n->minver[it->kind] || it->version < n->minver[it->kind]))
				n->minver[it->kind] = it->version;
		}
}

int lic_node_install(struct lic_node *n, const char *set_id, const struct lic_item *items,
		     size_t nitems)
{
	struct lic_set *s;

	for (s = n->sets; s; s = s->next)
		if (strcmp(s->id, set_id) == 0)
			return -EEXIST;
	for (size_t i = 0; i < nitems; i++)
		if ((unsigned)items[i].kind >= LIC_KIND_MAX ||
		    (lic_kind_info(items[i].kind)->flags & LIC_KF_NOLICENSE))
			return -EINVAL;
	if (!(s = calloc(1, sizeof *s)) || !(s->id = strdup(set_id)) ||
	    (nitems && !(s->items = malloc(nitems * sizeof *items)))) {
		if (s)
			free(s->id);
		free(s);
		return -ENOMEM;
	}
	if (nitems)
		memcpy(s->items, items, nitems * sizeof *items);
	s->n = nitems;
	/* keep install order: show lists files as they came */
	struct lic_set **pp = &n->sets;
	while (*pp)
		pp = &(*pp)->next;
	*pp = s;
	recount(n);
	return 0;
}

int lic_node_remove(struct lic_node *n, const char *set_id)
{
	for (struct lic_set **pp = &n->sets; *pp; pp = &(*pp)->next) {
		struct lic_set *s = *pp;
		if (strcmp(s->id, set_id) != 0)
			continue;
		/* rule 4: IPVA licenses, once bound to this machine, can never be released */
		for (size_t i = 0; i < s->n; i++)
			if (s->items[i].kind == LIC_IPVA && n->ipva_binding)
				return -EPERM;
		*pp = s->next;
		free(s->id);
		free(s->items);
		free(s);
		recount(n);
		return 0;
	}
	return -ENOENT;
}

void lic_node_set_ipva_binding(struct lic_node *n, const char *machine_id)
{
	free(n->ipva_binding);
	n->ipva_binding = machine_id ? strdup(machine_id) : NULL;
}

const char *lic_node_ipva_binding(const struct lic_node *n)
{
	return n->ipva_binding;
}

int lic_foreach(const struct lic_node *n, lic_each_cb cb, void *arg)
{
	for (size_t i = 0; i < n->tabsize; i++)
		for (const struct lic_alloc *a = n->tab[i]; a; a = a->next) {
			struct lic_owner o = { .type = a->otype, .id = a->oid };
			int rc = cb(arg, &o, a->kind, (unsigned)a->nholders);
			if (rc)
				return rc;
		}
	return 0;
}

/* What installing items would make unusable, without keeping them: every kind that is usable
 * now with licenses installed or in use, and would not be after (SMB Ports beside Ports, an old
 * version gating a kind, ...). cb(arg, kind, status after) for each; returns how many. */
int lic_node_preview(struct lic_node *n, const struct lic_item *items, size_t nitems,
		     lic_preview_cb cb, void *arg)
{
	static const char preview_id[] = "\001preview";
	bool before[LIC_KIND_MAX];
	struct lic_status st;
	int rc, lost = 0;

	for (int k = 0; k < LIC_KIND_MAX; k++)
		before[k] = lic_status(n, (enum lic_kind)k, &st) == 0 && st.usable &&
			    (st.installed || st.in_use) &&
			    !(lic_kind_info((enum lic_kind)k)->flags & LIC_KF_NOLICENSE);
	if ((rc = lic_node_install(n, preview_id, items, nitems)) < 0)
		return rc;
	for (int k = 0; k < LIC_KIND_MAX; k++)
		if (before[k] && lic_status(n, (enum lic_kind)k, &st) == 0 && !st.usable) {
			lost++;
			if (cb)
				cb(arg, (enum lic_kind)k, &st);
		}
	/* the preview set goes whatever it holds (lic_node_remove keeps bound IPVA sets) */
	for (struct lic_set **pp = &n->sets; *pp; pp = &(*pp)->next)
		if (strcmp((*pp)->id, preview_id) == 0) {
			struct lic_set *s = *pp;
			*pp = s->next;
			free(s->id);
			free(s->items);
			free(s);
			break;
		}
	recount(n);
	return lost;
}
