/* lic_grants.c: a license master's record of its slaves' grants in LMDB, one key per grant, so
 * a restart keeps them: recorded on every take and give, rewritten after a reconciliation, put
 * back into the engine at start. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SB_MODULE "license"
#include "symbridge.h"

#include "lic_glue.h"
#include "lic_master.h"
#include "lic_net.h"

#define DB_GRANTS "license.grants" /* "SLAVE\0KIND\0OWNER\0ID" -> "" */

static int find_owner(const char *name, enum lic_owner_type *tp)
{
	for (int i = 0; lic_owner_names[i]; i++)
		if (strcmp(lic_owner_names[i], name) == 0) {
			*tp = (enum lic_owner_type)i;
			return 0;
		}
	return -ENOENT;
}

static size_t grant_key(char *buf, size_t len, const char *slave, const struct lic_msg_item *it)
{
	int n = snprintf(buf, len, "%s%c%s%c%s%c%s", slave, 0, lic_kind_info(it->kind)->name, 0,
			 lic_owner_names[it->owner], 0, it->id);
	return n < 0 || (size_t)n >= len ? 0 : (size_t)n;
}

void lic_grants_record(const char *slave, const struct lic_msg_item *it, bool on)
{
	char key[512];
	size_t kl = grant_key(key, sizeof key, slave, it);
	int rc = !kl  ? -EINVAL
		 : on ? sb_store_put(sb_daemon_store(), DB_GRANTS, key, kl, "", 0)
		      : sb_store_del(sb_daemon_store(), DB_GRANTS, key, kl);
	if (rc < 0 && !(rc == -ENOENT && !on))
		log_err("license grant %s %s for slave %s not %s in the store: %s",
			lic_kind_info(it->kind)->name, it->id, slave, on ? "recorded" : "removed",
			strerror(-rc));
}

/* a stored grant back into the engine (start, rebuild); one that no longer fits is dropped
 * from the store: the slave hears of it when it says hello */
static int load_cb(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	const char *f[4], *k = key, *end = k + klen;
	struct lic_msg_item it = { .kind = LIC_KIND_MAX };
	struct lic_decision d;
	size_t n = 0;

	f[n++] = k;
	for (const char *p = k; p < end && n < 4; p++)
		if (!*p)
			f[n++] = p + 1;
	if (n != 4 || memchr(f[3], 0, (size_t)(end - f[3])) ||
	    (size_t)(end - f[3]) > LIC_PROTO_ID_MAX || lic_kind_find(f[1], &it.kind) < 0 ||
	    find_owner(f[2], &it.owner) < 0)
		return 0;
	memcpy(it.id, f[3], (size_t)(end - f[3]));
	it.id[end - f[3]] = '\0';
	if (lic_master_take(lic_st.node, f[0], it.kind, it.owner, it.id, &d) < 0 || !d.ok)
		log_warn("stored grant %s %s of slave %s no longer fits: %s", f[1], it.id, f[0],
			 d.reason ? d.reason : "invalid");
	return 0;
}

void lic_grants_load(void)
{
	int rc = sb_store_foreach(sb_daemon_store(), DB_GRANTS, load_cb, NULL);
	if (rc < 0 && rc != -ENOENT)
		log_err("license grants could not be read from the store: %s", strerror(-rc));
}

/* the store follows the engine's record of one slave (after a reconciliation) */
struct keys {
	char **v;
	size_t *len, n, cap;
	const char *slave;
};

static int key_cb(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct keys *ks = arg;
	size_t sl = strlen(ks->slave);
	if (klen <= sl || memcmp(key, ks->slave, sl) || ((const char *)key)[sl])
		return 0;
	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 16;
		char **v = realloc(ks->v, cap * sizeof *v);
		size_t *len = v ? realloc(ks->len, cap * sizeof *len) : NULL;
		if (v)
			ks->v = v;
		if (!len)
			return -ENOMEM;
		ks->len = len;
		ks->cap = cap;
	}
	if (!(ks->v[ks->n] = malloc(klen)))
		return -ENOMEM;
	memcpy(ks->v[ks->n], key, klen);
	ks->len[ks->n++] = klen;
	return 0;
}

static int put_cb(void *arg, const char *slave, const struct lic_msg_item *it)
{
	lic_grants_record(slave, it, true);
	return 0;
}

void lic_grants_rewrite(const char *slave)
{
	struct keys ks = { .slave = slave };

	sb_store_foreach(sb_daemon_store(), DB_GRANTS, key_cb, &ks);
	for (size_t i = 0; i < ks.n; i++) {
		sb_store_del(sb_daemon_store(), DB_GRANTS, ks.v[i], ks.len[i]);
		free(ks.v[i]);
	}
	free(ks.v);
	free(ks.len);
	lic_master_grants(lic_st.node, slave, put_cb, NULL);
}
