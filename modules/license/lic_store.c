/* lic_store.c: what must survive a restart, in LMDB: installed license files (as signed), the
 * per-user assignments and the IPVA binding; each change is one write transaction. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SB_MODULE "license"
#include "symbridge.h"

#include "lic_glue.h"

#define DB_FILES  "license.files"  /* id -> the file's bytes */
#define DB_ASSIGN "license.assign" /* "KIND\0user" -> "" */
#define DB_IPVA   "license.ipva"   /* "binding" -> MAC address */

void lic_loaded_free(struct lic_loaded *l)
{
	while (l) {
		struct lic_loaded *next = l->next;
		free(l->file);
		free(l);
		l = next;
	}
}

void lic_loaded_judge(struct lic_loaded *l, const char *buf)
{
	if (!lic_st.pubkey) {
		l->state = "no-public-key";
		snprintf(l->why, sizeof l->why,
			 "no vendor public key configured "
			 "(license.public_key)");
		return;
	}
	lic_file_verify(l->file, buf, lic_st.pubkey, lic_st.hwid, time(NULL), &l->state, l->why,
			sizeof l->why);
}

static void loaded_append(struct lic_loaded *l)
{
	struct lic_loaded **pp = &lic_st.files;
	while (*pp)
		pp = &(*pp)->next;
	*pp = l;
}

/* one stored file: parse, judge, and hand to the engine when it is good */
static int load_file_cb(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct lic_loaded *l = calloc(1, sizeof *l);
	char *buf = malloc(vlen + 1);
	char why[256];

	if (!l || !buf || !(l->file = calloc(1, sizeof *l->file))) {
		free(buf);
		free(l);
		return -ENOMEM;
	}
	memcpy(buf, val, vlen);
	buf[vlen] = '\0';
	if (lic_file_parse(buf, vlen, true, l->file, why, sizeof why) < 0) {
		/* a stored file was accepted once: keep it in the store for the admin to remove */
		l->state = LIC_F_MALFORMED;
		snprintf(l->why, sizeof l->why, "%s", why);
		snprintf(l->file->id, sizeof l->file->id, "%.*s", (int)(klen < 64 ? klen : 64),
			 (const char *)key);
	} else {
		lic_loaded_judge(l, buf);
	}
	if (strcmp(l->state, "ok") == 0 &&
	    lic_node_install(lic_st.node, l->file->id, l->file->items, l->file->nitems) < 0) {
		l->state = "duplicate";
		snprintf(l->why, sizeof l->why, "installed twice");
	}
	if (strcmp(l->state, "ok") != 0)
		log_warn("stored license %s is not used: %s: %s", l->file->id, l->state, l->why);
	loaded_append(l);
	free(buf);
	return 0;
}

static int load_ipva_cb(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	char mac[64];

	if (klen == 7 && memcmp(key, "binding", 7) == 0 && vlen < sizeof mac) {
		memcpy(mac, val, vlen);
		mac[vlen] = '\0';
		lic_node_set_ipva_binding(lic_st.node, mac);
	}
	return 0;
}

static int load_assign_cb(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	const char *k = key, *nul = memchr(k, '\0', klen);
	char user[256];
	enum lic_kind kind;
	struct lic_decision d;

	const int *pass = arg;

	if (!nul || (size_t)(k + klen - nul - 1) >= sizeof user || lic_kind_find(k, &kind) < 0)
		return 0;
	/* the Phone App (or UC) first, what needs it in the second pass */
	bool dependent = kind == LIC_APP_SOFTPHONE || kind == LIC_VIDEO || kind == LIC_APPSHARING ||
			 kind == LIC_RCC;
	if (dependent != (*pass == 1))
		return 0;
	memcpy(user, nul + 1, (size_t)(k + klen - nul - 1));
	user[k + klen - nul - 1] = '\0';
	struct lic_owner o = { .type = LIC_OWN_USER, .id = user };
	if (lic_acquire(lic_st.node, &o, kind, 0, &d) < 0)
		return -ENOMEM;
	if (!d.ok) {
		char what[96];
		snprintf(what, sizeof what, "user %.80s", user);
		lic_refusal_add(what, kind, &d);
		log_warn("user %s keeps its %s assignment, unlicensed: %s: %s", user,
			 lic_kind_info(kind)->name, d.reason, d.detail);
	}
	return 0;
}

/* Everything from the store into the (new) engine node: files, then the IPVA binding, then the
 * assignments (what needs the Phone App after the Phone App). */
int lic_store_load(void)
{
	struct sb_store *s = sb_daemon_store();
	int rc;

	if ((rc = sb_store_foreach(s, DB_FILES, load_file_cb, NULL)) < 0 ||
	    (rc = sb_store_foreach(s, DB_IPVA, load_ipva_cb, NULL)) < 0)
		return rc;
	for (int pass = 0; pass < 2 && rc == 0; pass++)
		rc = sb_store_foreach(s, DB_ASSIGN, load_assign_cb, &pass);
	return rc;
}

struct install_txn {
	const char *id, *buf;
	size_t len;
	const char *bind; /* IPVA binding to record, or NULL */
};

static int install_cb(struct sb_store_txn *txn, void *arg)
{
	struct install_txn *it = arg;
	void *old;
	size_t olen;
	int rc = sb_store_txn_get(txn, DB_FILES, it->id, strlen(it->id), &old, &olen);

	if (rc == 0) {
		free(old);
		return -EEXIST;
	}
	if (rc != -ENOENT)
		return rc;
	if ((rc = sb_store_txn_put(txn, DB_FILES, it->id, strlen(it->id), it->buf, it->len)) < 0)
		return rc;
	if (it->bind)
		rc = sb_store_txn_put(txn, DB_IPVA, "binding", 7, it->bind, strlen(it->bind));
	return rc;
}

/* f verified already; into the engine and the store, or into neither */
int lic_store_install(const char *buf, size_t len, struct lic_file *f)
{
	struct install_txn it = { .id = f->id, .buf = buf, .len = len };
	bool ipva = false;
	int rc;

	for (size_t i = 0; i < f->nitems; i++)
		ipva |= f->items[i].kind == LIC_IPVA;
	/* rule 4: IPVA licenses bind to this machine's MAC when they arrive on a virtual
	 * appliance, for good */
	if (ipva && lic_st.conf->virtual_appliance && !lic_node_ipva_binding(lic_st.node))
		it.bind = lic_st.mac;
	if ((rc = lic_node_install(lic_st.node, f->id, f->items, f->nitems)) < 0)
		return rc;
	if ((rc = sb_store_write(sb_daemon_store(), install_cb, &it)) < 0) {
		lic_node_remove(lic_st.node, f->id);
		return rc;
	}
	if (it.bind)
		lic_node_set_ipva_binding(lic_st.node, it.bind);
	return 0;
}

static int remove_cb(struct sb_store_txn *txn, void *arg)
{
	const char *id = arg;
	return sb_store_txn_del(txn, DB_FILES, id, strlen(id));
}

int lic_store_remove(const char *id)
{
	int rc = sb_store_write(sb_daemon_store(), remove_cb, (void *)id);
	return rc == -ENOENT ? 0 : rc;
}

struct assign_txn {
	char key[320];
	size_t klen;
	bool on;
};

static int assign_cb(struct sb_store_txn *txn, void *arg)
{
	struct assign_txn *a = arg;
	if (a->on)
		return sb_store_txn_put(txn, DB_ASSIGN, a->key, a->klen, "", 0);
	int rc = sb_store_txn_del(txn, DB_ASSIGN, a->key, a->klen);
	return rc == -ENOENT ? 0 : rc;
}

int lic_store_assign(const char *user, enum lic_kind k, bool on)
{
	struct assign_txn a = { .on = on };
	const char *kn = lic_kind_info(k)->name;
	size_t kl = strlen(kn), ul = strlen(user);

	if (kl + 1 + ul > sizeof a.key)
		return -ENAMETOOLONG;
	memcpy(a.key, kn, kl + 1);
	memcpy(a.key + kl + 1, user, ul);
	a.klen = kl + 1 + ul;
	return sb_store_write(sb_daemon_store(), assign_cb, &a);
}
