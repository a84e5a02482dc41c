/* lic_held.c: the grants a central slave holds from its master, one per owner (or spare):
 * cached in LMDB (a restart keeps them, and says so in its next hello), and counted as the
 * installed licenses of the mirror node, the master as seen from here, which the engine draws
 * on synchronously. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SB_MODULE "license"
#include "symbridge.h"

#include "lic_glue.h"
#include "lic_net.h"
#include "lic_node.h"

#define DB_CACHE  "license.cache" /* "KIND\0OWNER\0ID" -> "" */
#define GRANT_SET "granted"       /* the installed set of the mirror node */

struct lic_held lic_held;

void lic_held_mirror(const char *master, bool usable)
{
	struct lic_item items[LIC_KIND_MAX];
	size_t n = 0;

	if (!lic_st.mirror)
		return;
	if (strcmp(lic_st.mirror->name, master) != 0) {
		char *name = strdup(master);
		if (name) {
			free(lic_st.mirror->name);
			lic_st.mirror->name = name;
		}
	}
	lic_node_remove(lic_st.mirror, GRANT_SET);
	for (int k = 0; k < LIC_KIND_MAX && usable; k++) {
		unsigned cnt = 0;
		for (size_t i = 0; i < lic_held.n; i++)
			cnt += lic_held.g[i].kind == (enum lic_kind)k;
		if (cnt)
			items[n++] =
				(struct lic_item){ .kind = (enum lic_kind)k,
						   .version =
							   lic_kind_info((enum lic_kind)k)->flags &
									   LIC_KF_VERSIONLESS
								   ? 0
								   : lic_st.sw / 10000,
						   .count = cnt };
	}
	/* a bridge license granted means the master has the L-SIS it needs (rule 9): the master
	 * checked it before granting */
	if (n && n < LIC_KIND_MAX && lic_held_count(LIC_SYM_BRIDGE) && usable)
		items[n++] = (struct lic_item){ .kind = LIC_SIS, .count = 1 };
	if (n && lic_node_install(lic_st.mirror, GRANT_SET, items, n) < 0)
		log_err("granted licenses could not be counted");
}

/* "KIND\0OWNER\0ID"; a cache from before grants had owners ("KIND\0ID") reads as trunk */
static void cache_put(const struct lic_grant *g, bool on)
{
	char key[256];
	int kl = snprintf(key, sizeof key, "%s%c%s%c%s", lic_kind_info(g->kind)->name, 0,
			  lic_owner_names[g->owner], 0, g->id);
	int rc = kl < 0 || (size_t)kl >= sizeof key ? -EINVAL
		 : on ? sb_store_put(sb_daemon_store(), DB_CACHE, key, (size_t)kl, "", 0)
		      : sb_store_del(sb_daemon_store(), DB_CACHE, key, (size_t)kl);
	if (rc < 0 && !(rc == -ENOENT && !on))
		log_err("granted license %s %s not %s in the store: %s", lic_owner_names[g->owner],
			g->id, on ? "cached" : "removed", strerror(-rc));
}

bool lic_held_spare(const struct lic_grant *g)
{
	return strncmp(g->id, LIC_SPARE_PFX, strlen(LIC_SPARE_PFX)) == 0;
}

static void next_id(const struct lic_grant *g)
{
	unsigned n;
	if (lic_held_spare(g) && sscanf(g->id + strlen(LIC_SPARE_PFX), "%u", &n) == 1 &&
	    n >= lic_held.next_id)
		lic_held.next_id = n + 1;
}

int lic_held_find(const struct lic_grant *g)
{
	for (size_t i = 0; i < lic_held.n; i++)
		if (lic_held.g[i].kind == g->kind && lic_held.g[i].owner == g->owner &&
		    strcmp(lic_held.g[i].id, g->id) == 0)
			return (int)i;
	return -1;
}

void lic_held_add(const struct lic_grant *g)
{
	if (lic_held.n == LIC_HELD_MAX || lic_held_find(g) >= 0)
		return;
	lic_held.g[lic_held.n++] = *g;
	next_id(g);
	cache_put(g, true);
}

void lic_held_del(const struct lic_grant *g)
{
	int i = lic_held_find(g);
	if (i < 0)
		return;
	cache_put(&lic_held.g[i], false);
	lic_held.g[i] = lic_held.g[--lic_held.n];
}

static int cache_cb(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	const char *f[3], *k = key, *end = k + klen;
	struct lic_grant g = { .owner = LIC_OWN_TRUNK };
	size_t n = 0, idl;

	f[n++] = k;
	for (const char *p = k; p < end && n < 3; p++)
		if (!*p)
			f[n++] = p + 1;
	if (lic_kind_find(f[0], &g.kind) < 0 || n < 2)
		return 0;
	if (n == 3) {
		int t;
		for (t = 0; t < LIC_OWN_MAX && strcmp(lic_owner_names[t], f[1]) != 0; t++)
			;
		if (t == LIC_OWN_MAX)
			return 0;
		g.owner = (enum lic_owner_type)t;
	}
	idl = (size_t)(end - f[n - 1]);
	if (idl == 0 || idl >= sizeof g.id || memchr(f[n - 1], 0, idl))
		return 0;
	memcpy(g.id, f[n - 1], idl);
	g.id[idl] = '\0';
	if (lic_held.n < LIC_HELD_MAX && lic_held_find(&g) < 0)
		lic_held.g[lic_held.n++] = g;
	next_id(&g);
	return 0;
}

unsigned lic_held_count(enum lic_kind k)
{
	unsigned n = 0;
	for (size_t i = 0; i < lic_held.n; i++)
		n += lic_held.g[i].kind == k;
	return n;
}

int lic_held_load(void)
{
	int rc;

	memset(&lic_held, 0, sizeof lic_held);
	lic_held.next_id = 1;
	lic_held.loaded = true;
	rc = sb_store_foreach(sb_daemon_store(), DB_CACHE, cache_cb, NULL);
	return rc == -ENOENT ? 0 : rc;
}
