/* lic_held.c: the grants a central slave holds from its master: cached in LMDB (a restart
 * keeps them, and says so in its next hello), and counted as the installed licenses of the
 * mirror node, the master as seen from here, which the engine draws on synchronously. */
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

#define DB_CACHE  "license.cache" /* "KIND\0ID" -> "" */
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
			items[n++] = (struct lic_item){ .kind = (enum lic_kind)k,
							.version = lic_st.sw / 10000,
							.count = cnt };
	}
	if (n && lic_node_install(lic_st.mirror, GRANT_SET, items, n) < 0)
		log_err("granted licenses could not be counted");
}

static void cache_put(const struct lic_grant *g, bool on)
{
	char key[64];
	int kl = snprintf(key, sizeof key, "%s%c%s", lic_kind_info(g->kind)->name, 0, g->id);
	int rc = on ? sb_store_put(sb_daemon_store(), DB_CACHE, key, (size_t)kl, "", 0)
		    : sb_store_del(sb_daemon_store(), DB_CACHE, key, (size_t)kl);
	if (rc < 0 && !(rc == -ENOENT && !on))
		log_err("granted license %s not %s in the store: %s", g->id,
			on ? "cached" : "removed", strerror(-rc));
}

void lic_held_add(const struct lic_grant *g)
{
	if (lic_held.n == LIC_HELD_MAX)
		return;
	lic_held.g[lic_held.n++] = *g;
	unsigned n;
	if (sscanf(g->id, "%*[^-]-%u", &n) == 1 && n >= lic_held.next_id)
		lic_held.next_id = n + 1;
	cache_put(g, true);
}

void lic_held_del(enum lic_kind k, const char *id)
{
	for (size_t i = 0; i < lic_held.n; i++)
		if (lic_held.g[i].kind == k && strcmp(lic_held.g[i].id, id) == 0) {
			cache_put(&lic_held.g[i], false);
			lic_held.g[i] = lic_held.g[--lic_held.n];
			return;
		}
}

static int cache_cb(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	const char *k = key, *nul = memchr(k, 0, klen);
	struct lic_grant g;

	if (!nul || (size_t)(k + klen - nul - 1) >= sizeof g.id || lic_kind_find(k, &g.kind) < 0)
		return 0;
	memcpy(g.id, nul + 1, (size_t)(k + klen - nul - 1));
	g.id[k + klen - nul - 1] = '\0';
	if (lic_held.n < LIC_HELD_MAX)
		lic_held.g[lic_held.n++] = g;
	unsigned n;
	if (sscanf(g.id, "%*[^-]-%u", &n) == 1 && n >= lic_held.next_id)
		lic_held.next_id = n + 1;
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
	rc = sb_store_foreach(sb_daemon_store(), DB_CACHE, cache_cb, NULL);
	return rc == -ENOENT ? 0 : rc;
}
