/* lic_node.h: inside the rule engine only: nodes, installed sets and the allocation table that
 * lic_node.c keeps and lic_rules.c decides on. */
#ifndef LIC_NODE_H
#define LIC_NODE_H

#include "lic_rules.h"

/* One license file's worth of items, as installed. */
struct lic_set {
	char *id;
	struct lic_item *items;
	size_t n;
	struct lic_set *next;
};

/* What one owner holds of one kind: the holders (devices) and what that took. */
struct lic_alloc {
	enum lic_kind kind;
	enum lic_owner_type otype;
	char *oid;
	char **holders;
	size_t nholders, cap;
	unsigned taken;       /* licenses taken from src's pool */
	unsigned ipva;        /* IPVA taken along (virtual appliance) */
	bool included;        /* a user's app covered by the user's UC: took nothing */
	bool grant;           /* a slave's grant (LIC_ACQ_GRANT): counted, no per-user rules */
	struct lic_node *src; /* whose pool supplied it */
	uint32_t hash;
	struct lic_alloc *next;
};

struct lic_node {
	char *name;
	enum lic_mode mode;
	unsigned sw;
	bool va;
	char *machine_id;
	char *ipva_binding;
	struct lic_node *master;
	bool master_reachable;
	bool master_cache; /* master holds what was granted to this node (lic_node_conf) */
	struct lic_set *sets;
	/* from the sets, recomputed at install/remove */
	unsigned inst[LIC_KIND_MAX];   /* counted licenses (SMB: Ports) */
	unsigned minver[LIC_KIND_MAX]; /* lowest version installed, 0: none */
	unsigned items[LIC_KIND_MAX];  /* license items (an SMB license is one item) */
	/* in use from this node's pool, by this node and by its slaves */
	unsigned used[LIC_KIND_MAX];
	struct lic_alloc **tab;
	size_t tabsize, nalloc;
	unsigned long gen; /* bumped when an allocation comes or goes (a slave's grants follow) */
};

uint32_t lic__owner_hash(enum lic_kind k, enum lic_owner_type t, const char *id);
struct lic_alloc *lic__alloc_find(const struct lic_node *n, enum lic_kind k, enum lic_owner_type t,
				  const char *id, uint32_t h);
struct lic_alloc *lic__alloc_new(struct lic_node *n, enum lic_kind k, enum lic_owner_type t,
				 const char *id, const char *holder, uint32_t h);
void lic__alloc_unlink(struct lic_node *n, struct lic_alloc *a);
int lic__holder_index(const struct lic_alloc *a, const char *holder);
int lic__holder_add(struct lic_alloc *a, const char *holder);

/* shared by the engine's files: lic_pool.c (where licenses come from, what a pool supplies) */
void lic__say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
enum lic_kind lic__counted(enum lic_kind k);
struct lic_node *lic__source(const struct lic_node *n, enum lic_kind k, bool new_take,
			     const char **reason, char *detail, size_t dlen);
const char *lic__port_state(const struct lic_node *p, const struct lic_node *n, unsigned *cap,
			    unsigned *minver, char *detail, size_t dlen);
const char *lic__kind_state(const struct lic_node *p, const struct lic_node *n, enum lic_kind k,
			    unsigned *capp, unsigned *minverp, char *detail, size_t dlen);
/* lic_user.c: rule 6 */
bool lic__holds(const struct lic_node *n, const struct lic_owner *o, enum lic_kind k);
const char *lic__user_feature(const struct lic_node *n, const struct lic_owner *o, enum lic_kind k,
			      bool *included, char *detail, size_t dlen);
const char *lic__still_needed(const struct lic_node *n, const struct lic_owner *o, enum lic_kind k,
			      char *detail, size_t dlen);

#endif
