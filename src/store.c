/* store.c: the daemon's persistent state (call records, licenses, ...) in named LMDB databases. */
#include "config.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <uv.h>

#define SB_MODULE "store"
#include "core.h"

#define STORE_MAXDBS 32
#define STORE_MAXREADERS 126
/* Address space, not disk: the file grows with use. Call records of 180 days need room. */
#define STORE_DEFAULT_MAP ((size_t)8 << 30)

struct store_dbi {
	char *name;
	MDB_dbi dbi;
};

struct sb_store {
	MDB_env *env;
	/* Handles whose opening transaction committed; only those stay valid in LMDB. */
	struct store_dbi dbs[STORE_MAXDBS];
	size_t ndbs;
	/* A write transaction is open: LMDB's writer lock is not recursive. */
	bool writing;
	int commit_err; /* the last commit's failure, said once until it changes: 0 none */
	unsigned sync_ms;          /* 0: LMDB syncs each commit; else the syncer does */
	struct sb__syncer *syncer; /* while sync_ms > 0 */
	unsigned long long commits, syncs; /* syncs: made inline or by stopped syncers */
	int sync_err; /* the syncer's last failure, said once until it changes: 0 none */
};

/* One transaction and the handles it opened, which join the cache only if it commits. */
struct sb_store_txn {
	struct sb_store *s;
	MDB_txn *txn;
	bool write;
	struct store_dbi fresh[STORE_MAXDBS];
	size_t nfresh;
	int err; /* the first failed change: the transaction must not commit after it */
};

static int store_errno(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_MAP_FULL:
		return -ENOSPC;
	case MDB_DBS_FULL:
		return -EMFILE;
	case MDB_READERS_FULL:
		return -EAGAIN;
	}
	return rc > 0 ? -rc : -EIO;
}

/* Map an LMDB failure that should not happen in normal operation, and say so once, here. */
static int store_fail(int rc, const char *what, const char *db)
{
	log_err("%s failed on db %s: %s", what, db ? db : "-", mdb_strerror(rc));
	return store_errno(rc);
}

static int check_args(struct sb_store *s, const char *db, const void *key, size_t klen)
{
	if (!s || !db || !*db || !key || klen == 0)
		return -EINVAL;
	if (klen > (size_t)mdb_env_get_maxkeysize(s->env))
		return -EINVAL;
	return 0;
}

static bool find_dbi(const struct store_dbi *v, size_t n, const char *db, MDB_dbi *dbip)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].name, db) == 0) {
			*dbip = v[i].dbi;
			return true;
		}
	}
	return false;
}

/* Open (and with create, make) db inside t; a missing db is -ENOENT without a log line. */
static int txn_dbi(struct sb_store_txn *t, const char *db, bool create, MDB_dbi *dbip)
{
	struct sb_store *s = t->s;
	MDB_dbi dbi;
	char *name;
	int rc;

	if (find_dbi(s->dbs, s->ndbs, db, dbip) || find_dbi(t->fresh, t->nfresh, db, dbip))
		return 0;
	if (t->nfresh == STORE_MAXDBS)
		return -EMFILE;
	name = strdup(db);
	if (!name)
		return -ENOMEM;
	rc = mdb_dbi_open(t->txn, db, create ? MDB_CREATE : 0, &dbi);
	if (rc != MDB_SUCCESS) {
		free(name);
		return rc == MDB_NOTFOUND ? -ENOENT : store_fail(rc, "mdb_dbi_open", db);
	}
	t->fresh[t->nfresh++] = (struct store_dbi){ .name = name, .dbi = dbi };
	*dbip = dbi;
	return 0;
}

static int txn_begin(struct sb_store *s, struct sb_store_txn *t, bool write)
{
	int rc;

	if (write && s->writing)
		return -EBUSY;
	memset(t, 0, sizeof *t);
	t->s = s;
	t->write = write;
	rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
	if (rc != MDB_SUCCESS)
		return store_fail(rc, "mdb_txn_begin", NULL);
	if (write)
		s->writing = true;
	return 0;
}

/* Hand the commit to the syncer, and say once what it could not sync (the commits since are
 * in the kernel's cache and reach the disk when a later sync works). */
static void syncer_note(struct sb_store *s)
{
	int err = sb__syncer_take_err(s->syncer);

	sb__syncer_commit(s->syncer);
	if (err && err != s->sync_err)
		log_err("syncing the store to disk failed: %s (commits since wait for the next sync)",
			mdb_strerror(err));
	if (err)
		s->sync_err = err;
}

/* A commit that fails for want of room (the disk or the map is full) is what its callers queue
 * and retry: they say so; here it is logged once until it changes. LMDB reports a write cut
 * short by a full disk as EIO: with no free block left on the store's file system it is
 * ENOSPC, which tells an admin what to do. */
static int commit_result(struct sb_store *s, int rc)
{
	struct statvfs vfs;
	mdb_filehandle_t fd;
	int err;

	if (rc == MDB_SUCCESS) {
		if (s->commit_err)
			log_info("the store commits again");
		s->commit_err = 0;
		s->commits++;
		if (s->syncer)
			syncer_note(s);
		else
			s->syncs++;
		return 0;
	}
	err = store_errno(rc);
	if (err == -EIO && mdb_env_get_fd(s->env, &fd) == 0 && fstatvfs(fd, &vfs) == 0 &&
	    vfs.f_bavail == 0)
		err = -ENOSPC;
	if (err != s->commit_err)
		log_err("mdb_txn_commit failed: %s", rc == MDB_MAP_FULL ? mdb_strerror(rc)
									  : strerror(-err));
	s->commit_err = err;
	return err;
}

/* Commit when ok is 0, else abort; either way t is finished. Returns ok or the commit error. */
static int txn_end(struct sb_store_txn *t, int ok)
{
	struct sb_store *s = t->s;
	int rc;

	if (ok == 0)
		ok = t->err;
	if (t->write)
		s->writing = false;
	if (ok == 0) {
		rc = mdb_txn_commit(t->txn);
		ok = commit_result(s, rc);
	} else {
		mdb_txn_abort(t->txn);
	}
	for (size_t i = 0; i < t->nfresh; i++) {
		if (ok == 0 && s->ndbs < STORE_MAXDBS)
			s->dbs[s->ndbs++] = t->fresh[i];
		else
			free(t->fresh[i].name);
	}
	return ok;
}

/* Find db for reading. An uncached handle is opened in a transaction of its own and committed
 * at once, because LMDB forbids opening handles in two transactions at the same time. */
static int read_dbi(struct sb_store *s, const char *db, MDB_dbi *dbip)
{
	struct sb_store_txn t;
	int ret;

	if (find_dbi(s->dbs, s->ndbs, db, dbip))
		return 0;
	/* The open write transaction may hold fresh handles of its own. */
	if (s->writing)
		return -EBUSY;
	ret = txn_begin(s, &t, false);
	if (ret < 0)
		return ret;
	ret = txn_dbi(&t, db, false, dbip);
	return txn_end(&t, ret);
}

int sb_store_open(struct sb_store **sp, const char *dir, size_t map_size)
{
	struct sb_store *s;
	int dead = 0;
	int ret, rc;

	if (!sp || !dir || !*dir)
		return -EINVAL;
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		ret = -errno;
		log_err("cannot create store folder %s: %s", dir, strerror(errno));
		return ret;
	}
	s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	if ((rc = mdb_env_create(&s->env)) != MDB_SUCCESS) {
		s->env = NULL;
		ret = store_fail(rc, "mdb_env_create", NULL);
		goto out;
	}
	rc = mdb_env_set_mapsize(s->env, map_size ? map_size : STORE_DEFAULT_MAP);
	if (rc == MDB_SUCCESS)
		rc = mdb_env_set_maxdbs(s->env, STORE_MAXDBS);
	if (rc == MDB_SUCCESS)
		rc = mdb_env_set_maxreaders(s->env, STORE_MAXREADERS);
	/* No MDB_NOSYNC-like flags: every commit is on disk. MDB_NOTLS lets a foreach callback
	 * read or write while its own read transaction is open in the same thread. */
	if (rc == MDB_SUCCESS)
		rc = mdb_env_open(s->env, dir, MDB_NOTLS, 0640);
	if (rc != MDB_SUCCESS) {
		log_err("cannot open store %s: %s", dir, mdb_strerror(rc));
		ret = store_errno(rc);
		goto out;
	}
	/* A process killed inside a read transaction leaves its reader slot taken. */
	rc = mdb_reader_check(s->env, &dead);
	if (rc != MDB_SUCCESS)
		log_warn("cannot check store %s for stale readers: %s", dir, mdb_strerror(rc));
	else if (dead > 0)
		log_info("cleared %d stale reader slot(s) in store %s", dead, dir);
	*sp = s;
	return 0;
out:
	if (s->env)
		mdb_env_close(s->env);
	free(s);
	return ret;
}

void sb_store_close(struct sb_store *s)
{
	if (!s)
		return;
	sb__syncer_stop(s->syncer);
	sb_store_sync(s);
	mdb_env_close(s->env);
	for (size_t i = 0; i < s->ndbs; i++)
		free(s->dbs[i].name);
	free(s);
}

int sb_store_sync(struct sb_store *s)
{
	int rc;

	if (!s)
		return -EINVAL;
	rc = mdb_env_sync(s->env, 1);
	return rc == MDB_SUCCESS ? 0 : store_fail(rc, "mdb_env_sync", NULL);
}

/* LMDB's MDB_NOSYNC: a commit is written to the file (the kernel's page cache) before it
 * returns, so a killed daemon loses nothing committed; only the fdatasync moves to the syncer.
 * Switching first stops the running syncer, whose pending commit it syncs. */
int sb_store_set_sync_interval(struct sb_store *s, unsigned interval_ms)
{
	struct sb__syncer *y = NULL;
	int rc;

	if (!s)
		return -EINVAL;
	if (interval_ms == s->sync_ms)
		return 0;
	if (interval_ms && (rc = sb__syncer_start(&y, s->env, interval_ms)) < 0) {
		log_err("cannot start the store's syncer thread: %s (each commit stays synced)",
			uv_strerror(rc));
		return rc;
	}
	s->syncs += sb__syncer_stop(s->syncer); /* which syncs what it had pending */
	s->syncer = y;
	s->sync_ms = interval_ms;
	rc = mdb_env_set_flags(s->env, MDB_NOSYNC, interval_ms ? 1 : 0);
	if (rc != MDB_SUCCESS)
		return store_fail(rc, "mdb_env_set_flags", NULL);
	if (!interval_ms)
		return sb_store_sync(s);
	return 0;
}

void sb_store_get_stats(struct sb_store *s, struct sb_store_stats *st)
{
	memset(st, 0, sizeof *st);
	if (!s)
		return;
	st->sync_interval_ms = s->sync_ms;
	st->commits = s->commits;
	st->syncs = s->syncs + (s->syncer ? sb__syncer_syncs(s->syncer) : 0);
}

int sb_store_txn_put(struct sb_store_txn *t, const char *db, const void *key, size_t klen,
		     const void *val, size_t vlen)
{
	MDB_val k = { .mv_size = klen, .mv_data = (void *)key };
	MDB_val v = { .mv_size = vlen, .mv_data = (void *)val };
	MDB_dbi dbi;
	int ret, rc;

	if (!t || (!val && vlen))
		return -EINVAL;
	if ((ret = check_args(t->s, db, key, klen)) < 0)
		return ret;
	/* LMDB refuses every change after a failed one; say it once, not on each call. */
	if (t->err)
		return t->err;
	if ((ret = txn_dbi(t, db, true, &dbi)) < 0)
		goto out;
	rc = mdb_put(t->txn, dbi, &k, &v, 0);
	if (rc != MDB_SUCCESS)
		ret = store_fail(rc, "mdb_put", db);
out:
	if (ret < 0 && !t->err)
		t->err = ret;
	return ret;
}

int sb_store_txn_del(struct sb_store_txn *t, const char *db, const void *key, size_t klen)
{
	MDB_val k = { .mv_size = klen, .mv_data = (void *)key };
	MDB_dbi dbi;
	int ret, rc;

	if (!t)
		return -EINVAL;
	if ((ret = check_args(t->s, db, key, klen)) < 0)
		return ret;
	if (t->err)
		return t->err;
	/* Deleting from a db that does not exist must not create it. */
	if ((ret = txn_dbi(t, db, false, &dbi)) < 0)
		goto out;
	rc = mdb_del(t->txn, dbi, &k, NULL);
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	if (rc != MDB_SUCCESS)
		ret = store_fail(rc, "mdb_del", db);
out:
	/* A missing key or db leaves the transaction usable; anything else spoils it. */
	if (ret < 0 && ret != -ENOENT && !t->err)
		t->err = ret;
	return ret;
}

/* A read inside a write transaction sees the transaction's own changes: read-modify-write. */
int sb_store_txn_get(struct sb_store_txn *t, const char *db, const void *key, size_t klen,
		     void **valp, size_t *vlenp)
{
	MDB_val k = { .mv_size = klen, .mv_data = (void *)key }, v;
	MDB_dbi dbi;
	void *copy;
	int ret, rc;

	if (!t || !valp || !vlenp)
		return -EINVAL;
	if ((ret = check_args(t->s, db, key, klen)) < 0)
		return ret;
	if (t->err)
		return t->err;
	if ((ret = txn_dbi(t, db, false, &dbi)) < 0)
		return ret;
	rc = mdb_get(t->txn, dbi, &k, &v);
	if (rc != MDB_SUCCESS)
		return rc == MDB_NOTFOUND ? -ENOENT : store_fail(rc, "mdb_get", db);
	if (!(copy = malloc(v.mv_size ? v.mv_size : 1)))
		return -ENOMEM;
	memcpy(copy, v.mv_data, v.mv_size);
	*valp = copy;
	*vlenp = v.mv_size;
	return 0;
}

int sb_store_write(struct sb_store *s, sb_store_write_cb cb, void *arg)
{
	struct sb_store_txn t;
	int ret;

	if (!s || !cb)
		return -EINVAL;
	if ((ret = txn_begin(s, &t, true)) < 0)
		return ret;
	return txn_end(&t, cb(&t, arg));
}

int sb_store_put(struct sb_store *s, const char *db, const void *key, size_t klen,
		 const void *val, size_t vlen)
{
	struct sb_store_txn t;
	int ret;

	if ((ret = check_args(s, db, key, klen)) < 0)
		return ret;
	if ((ret = txn_begin(s, &t, true)) < 0)
		return ret;
	return txn_end(&t, sb_store_txn_put(&t, db, key, klen, val, vlen));
}

int sb_store_del(struct sb_store *s, const char *db, const void *key, size_t klen)
{
	struct sb_store_txn t;
	int ret;

	if ((ret = check_args(s, db, key, klen)) < 0)
		return ret;
	if ((ret = txn_begin(s, &t, true)) < 0)
		return ret;
	return txn_end(&t, sb_store_txn_del(&t, db, key, klen));
}

int sb_store_get(struct sb_store *s, const char *db, const void *key, size_t klen, void **valp,
		 size_t *vlenp)
{
	MDB_val k = { .mv_size = klen, .mv_data = (void *)key };
	struct sb_store_txn t;
	MDB_val v;
	MDB_dbi dbi;
	void *copy;
	int ret, rc;

	if (!valp || !vlenp)
		return -EINVAL;
	if ((ret = check_args(s, db, key, klen)) < 0)
		return ret;
	if ((ret = read_dbi(s, db, &dbi)) < 0)
		return ret;
	if ((ret = txn_begin(s, &t, false)) < 0)
		return ret;
	rc = mdb_get(t.txn, dbi, &k, &v);
	if (rc != MDB_SUCCESS) {
		ret = rc == MDB_NOTFOUND ? -ENOENT : store_fail(rc, "mdb_get", db);
		goto out;
	}
	/* The value lives in the map only while the transaction is open. */
	copy = malloc(v.mv_size ? v.mv_size : 1);
	if (!copy) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(copy, v.mv_data, v.mv_size);
	*valp = copy;
	*vlenp = v.mv_size;
out:
	mdb_txn_abort(t.txn);
	return ret;
}

int sb_store_foreach(struct sb_store *s, const char *db, sb_store_each_cb cb, void *arg)
{
	return sb_store_foreach_from(s, db, NULL, 0, cb, arg);
}

/* Walk db in key order (or in reverse) from start: the first key >= start going forward, the
 * last key <= start going back; from the first or last key when start is NULL. */
static int store_walk(struct sb_store *s, const char *db, const void *start, size_t slen,
		      bool reverse, sb_store_each_cb cb, void *arg)
{
	struct sb_store_txn t;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	MDB_dbi dbi;
	MDB_cursor_op step = reverse ? MDB_PREV : MDB_NEXT;
	int ret, rc;

	if (!s || !db || !*db || !cb || (start && slen > (size_t)mdb_env_get_maxkeysize(s->env)))
		return -EINVAL;
	ret = read_dbi(s, db, &dbi);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	if ((ret = txn_begin(s, &t, false)) < 0)
		return ret;
	rc = mdb_cursor_open(t.txn, dbi, &cur);
	if (rc != MDB_SUCCESS) {
		ret = store_fail(rc, "mdb_cursor_open", db);
		goto out;
	}
	k = (MDB_val){ .mv_size = slen, .mv_data = (void *)start };
	if (!start || !slen) {
		rc = mdb_cursor_get(cur, &k, &v, reverse ? MDB_LAST : MDB_FIRST);
	} else {
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (reverse && rc == MDB_NOTFOUND)
			rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
		else if (reverse && rc == MDB_SUCCESS &&
			 (k.mv_size != slen || memcmp(k.mv_data, start, slen) != 0))
			rc = mdb_cursor_get(cur, &k, &v, MDB_PREV); /* landed past start */
	}
	for (; rc == MDB_SUCCESS; rc = mdb_cursor_get(cur, &k, &v, step)) {
		ret = cb(arg, k.mv_data, k.mv_size, v.mv_data, v.mv_size);
		if (ret != 0)
			goto out;
	}
	if (rc != MDB_NOTFOUND)
		ret = store_fail(rc, "mdb_cursor_get", db);
out:
	if (cur)
		mdb_cursor_close(cur);
	mdb_txn_abort(t.txn);
	return ret;
}

int sb_store_foreach_from(struct sb_store *s, const char *db, const void *start, size_t slen,
			  sb_store_each_cb cb, void *arg)
{
	return store_walk(s, db, start, slen, false, cb, arg);
}

int sb_store_foreach_back(struct sb_store *s, const char *db, const void *start, size_t slen,
			  sb_store_each_cb cb, void *arg)
{
	return store_walk(s, db, start, slen, true, cb, arg);
}
