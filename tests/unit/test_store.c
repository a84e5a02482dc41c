/* test_store.c: unit tests of src/store.c, the LMDB storage layer, including a SIGKILL crash. */
#include "config.h"

#include <errno.h>
#include <dirent.h>
#include <lmdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "symbridge.h"

/* Each test's own temporary folder and, inside it, the store folder that open must create. */
struct fixture {
	char tmp[256];
	char dir[300];
};

static int setup(void **state)
{
	const char *base = getenv("TMPDIR");
	struct fixture *f = calloc(1, sizeof *f);

	if (!f)
		return -1;
	snprintf(f->tmp, sizeof f->tmp, "%s/sbstore.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(f->tmp)) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof f->dir, "%s/store", f->tmp);
	*state = f;
	return 0;
}

/* The store folder holds only LMDB's files, so one level of removal is enough. */
static int teardown(void **state)
{
	struct fixture *f = *state;
	DIR *d = opendir(f->dir);
	struct dirent *e;
	char path[600];
	int ret = 0;

	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", f->dir, e->d_name);
		ret |= unlink(path);
	}
	if (d) {
		closedir(d);
		ret |= rmdir(f->dir);
	}
	ret |= rmdir(f->tmp);
	free(f);
	return ret;
}

static struct sb_store *open_store(const char *dir, size_t map_size)
{
	struct sb_store *s = NULL;

	assert_int_equal(sb_store_open(&s, dir, map_size), 0);
	assert_non_null(s);
	return s;
}

static void put_str(struct sb_store *s, const char *db, const char *k, const char *v)
{
	assert_int_equal(sb_store_put(s, db, k, strlen(k), v, strlen(v)), 0);
}

/* Assert that db holds k with exactly the value v of length vlen. */
static void expect_val(struct sb_store *s, const char *db, const char *k, const void *v,
		       size_t vlen)
{
	void *got = NULL;
	size_t glen = 0;

	assert_int_equal(sb_store_get(s, db, k, strlen(k), &got, &glen), 0);
	assert_int_equal(glen, vlen);
	assert_memory_equal(got, v, vlen);
	free(got);
}

static void expect_missing(struct sb_store *s, const char *db, const char *k)
{
	void *got = (void *)&got;
	size_t glen = 12345;

	assert_int_equal(sb_store_get(s, db, k, strlen(k), &got, &glen), -ENOENT);
	/* Out-parameters are left alone on failure. */
	assert_ptr_equal(got, (void *)&got);
	assert_int_equal(glen, 12345);
}

/* Whether LMDB's main database lists a named db, looked at behind the store's back. */
static bool db_exists(const char *dir, const char *db)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi main;
	MDB_val k = { .mv_size = strlen(db), .mv_data = (void *)db }, v;
	int rc;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
	assert_int_equal(mdb_env_open(env, dir, MDB_RDONLY, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, NULL, 0, &main), 0);
	rc = mdb_get(txn, main, &k, &v);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	assert_true(rc == 0 || rc == MDB_NOTFOUND);
	return rc == 0;
}

static void test_open_creates_folder(void **state)
{
	struct fixture *f = *state;
	struct sb_store *s = NULL;
	char missing[400];
	struct stat st;

	assert_int_equal(stat(f->dir, &st), -1);
	s = open_store(f->dir, 0);
	assert_int_equal(stat(f->dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(sb_store_sync(s), 0);
	sb_store_close(s);
	sb_store_close(NULL);

	/* Only the last component is created. */
	snprintf(missing, sizeof missing, "%s/no/store", f->tmp);
	s = NULL;
	assert_int_equal(sb_store_open(&s, missing, 0), -ENOENT);
	assert_null(s);
}

static void test_put_get_binary(void **state)
{
	struct fixture *f = *state;
	struct sb_store *s = open_store(f->dir, 0);
	const unsigned char key[] = { 0x00, 0xff, 0x00, 0x01 };
	unsigned char val[300];
	void *got = NULL;
	size_t glen = 0;

	for (size_t i = 0; i < sizeof val; i++)
		val[i] = (unsigned char)(i * 7);
	assert_int_equal(sb_store_put(s, "cdr", key, sizeof key, val, sizeof val), 0);
	assert_int_equal(sb_store_get(s, "cdr", key, sizeof key, &got, &glen), 0);
	assert_int_equal(glen, sizeof val);
	assert_memory_equal(got, val, sizeof val);
	free(got);

	/* Overwrite, then an empty value. */
	put_str(s, "cdr", "a", "first");
	put_str(s, "cdr", "a", "second");
	expect_val(s, "cdr", "a", "second", 6);
	assert_int_equal(sb_store_put(s, "cdr", "e", 1, NULL, 0), 0);
	expect_val(s, "cdr", "e", "", 0);
	sb_store_close(s);
}

static void test_get_missing(void **state)
{
	struct fixture *f = *state;
	struct sb_store *s = open_store(f->dir, 0);

	put_str(s, "cdr", "k", "v");
	expect_missing(s, "cdr", "nokey");
	expect_missing(s, "nosuch", "k");
	assert_int_equal(sb_store_del(s, "nosuch", "k", 1), -ENOENT);
	sb_store_close(s);

	/* Reading and deleting did not create the db; writing did. */
	assert_false(db_exists(f->dir, "nosuch"));
	assert_true(db_exists(f->dir, "cdr"));
}

static void test_del(void **state)
{
	struct fixture *f = *state;
	struct sb_store *s = open_store(f->dir, 0);

	put_str(s, "licenses", "a", "1");
	put_str(s, "licenses", "b", "2");
	assert_int_equal(sb_store_del(s, "licenses", "a", 1), 0);
	expect_missing(s, "licenses", "a");
	expect_val(s, "licenses", "b", "2", 1);
	assert_int_equal(sb_store_del(s, "licenses", "a", 1), -ENOENT);
	sb_store_close(s);
}

struct collect {
	char keys[8][8];
	int n;
	int stop_after; /* 0: never */
};

static int collect_cb(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct collect *c = arg;

	assert_true(klen < sizeof c->keys[0] && c->n < 8);
	memcpy(c->keys[c->n], key, klen);
	c->keys[c->n][klen] = '\0';
	assert_int_equal(vlen, 1);
	assert_int_equal(*(const char *)val, c->keys[c->n][0]);
	c->n++;
	return c->n == c->stop_after ? 7 : 0;
}

static void test_foreach(void **state)
{
	struct fixture *f = *state;
	struct sb_store *s = open_store(f->dir, 0);
	const char *order[] = { "b1", "c", "a", "b", "ab" };
	const char *sorted[] = { "a", "ab", "b", "b1", "c" };
	struct collect c = { .n = 0 };

	for (size_t i = 0; i < 5; i++)
		assert_int_equal(sb_store_put(s, "cdr", order[i], strlen(order[i]), order[i], 1), 0);
	put_str(s, "other", "z", "z");

	assert_int_equal(sb_store_foreach(s, "cdr", collect_cb, &c), 0);
	assert_int_equal(c.n, 5);
	for (int i = 0; i < 5; i++)
		assert_string_equal(c.keys[i], sorted[i]);

	memset(&c, 0, sizeof c);
	c.stop_after = 2;
	assert_int_equal(sb_store_foreach(s, "cdr", collect_cb, &c), 7);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.keys[1], "ab");

	memset(&c, 0, sizeof c);
	assert_int_equal(sb_store_foreach(s, "nosuch", collect_cb, &c), 0);
	assert_int_equal(c.n, 0);
	sb_store_close(s);
	assert_false(db_exists(f->dir, "nosuch"));
}

/* foreach_from starts at the first key >= start: the way to page through time-ordered keys */
static void test_foreach_from(void **state)
{
	struct fixture *f = *state;
	struct sb_store *s = open_store(f->dir, 0);
	const char *keys[] = { "t1", "t3", "t5", "t7" };
	struct collect c = { .n = 0 };

	for (size_t i = 0; i < 4; i++)
		assert_int_equal(sb_store_put(s, "cdr", keys[i], 2, keys[i], 1), 0); /* value: first byte of the key */
	assert_int_equal(sb_store_foreach_from(s, "cdr", "t4", 2, collect_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.keys[0], "t5");
	assert_string_equal(c.keys[1], "t7");
	memset(&c, 0, sizeof c);
	assert_int_equal(sb_store_foreach_from(s, "cdr", "t3", 2, collect_cb, &c), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.keys[0], "t3");
	memset(&c, 0, sizeof c);
	assert_int_equal(sb_store_foreach_from(s, "cdr", "u", 1, collect_cb, &c), 0);
	assert_int_equal(c.n, 0);
	memset(&c, 0, sizeof c);
	assert_int_equal(sb_store_foreach_from(s, "cdr", NULL, 0, collect_cb, &c), 0);
	assert_int_equal(c.n, 4);
	sb_store_close(s);
}

/* foreach_back walks newest first from the last key <= start: how `cdr list` shows recent calls */
static void test_foreach_back(void **state)
{
	struct fixture *f = *state;
	struct sb_store *s = open_store(f->dir, 0);
	const char *keys[] = { "t1", "t3", "t5", "t7" };
	struct collect c = { .n = 0 };

	for (size_t i = 0; i < 4; i++)
		assert_int_equal(sb_store_put(s, "cdr", keys[i], 2, keys[i], 1), 0);
	assert_int_equal(sb_store_foreach_back(s, "cdr", "t4", 2, collect_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.keys[0], "t3");
	assert_string_equal(c.keys[1], "t1");
	memset(&c, 0, sizeof c);
	assert_int_equal(sb_store_foreach_back(s, "cdr", "t5", 2, collect_cb, &c), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.keys[0], "t5");
	memset(&c, 0, sizeof c);
	assert_int_equal(sb_store_foreach_back(s, "cdr", "u", 1, collect_cb, &c), 0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.keys[0], "t7");
	memset(&c, 0, sizeof c);
	assert_int_equal(sb_store_foreach_back(s, "cdr", "a", 1, collect_cb, &c), 0);
	assert_int_equal(c.n, 0);
	memset(&c, 0, sizeof c);
	assert_int_equal(sb_store_foreach_back(s, "cdr", NULL, 0, collect_cb, &c), 0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.keys[3], "t1");
	sb_store_close(s);
}

/* a counter incremented twice in one transaction: the second read sees the first write */
static int incr_twice_cb(struct sb_store_txn *txn, void *arg)
{
	for (int i = 0; i < 2; i++) {
		unsigned n = 0;
		void *v;
		size_t len;
		int rc = sb_store_txn_get(txn, "lic", "used", 4, &v, &len);
		if (rc == 0) {
			assert_int_equal(len, sizeof n);
			memcpy(&n, v, sizeof n);
			free(v);
		} else {
			assert_int_equal(rc, -ENOENT);
		}
		n++;
		assert_int_equal(sb_store_txn_put(txn, "lic", "used", 4, &n, sizeof n), 0);
	}
	return *(int *)arg;
}

static void test_txn_get_read_modify_write(void **state)
{
	struct fixture *f = *state;
	struct sb_store *s = open_store(f->dir, 0);
	unsigned n;
	void *v;
	size_t len;
	int ok = 0, fail = -EINVAL;

	assert_int_equal(sb_store_write(s, incr_twice_cb, &ok), 0);
	assert_int_equal(sb_store_write(s, incr_twice_cb, &fail), -EINVAL); /* aborted: no change */
	assert_int_equal(sb_store_write(s, incr_twice_cb, &ok), 0);
	assert_int_equal(sb_store_get(s, "lic", "used", 4, &v, &len), 0);
	memcpy(&n, v, sizeof n);
	free(v);
	assert_int_equal(n, 4);
	sb_store_close(s);
}

struct write_arg {
	struct sb_store *s;
	int fail;
};

static int write_cb(struct sb_store_txn *txn, void *arg)
{
	struct write_arg *w = arg;
	void *got;
	size_t glen;

	assert_int_equal(sb_store_txn_put(txn, "cdr", "c1", 2, "x", 1), 0);
	assert_int_equal(sb_store_txn_put(txn, "cdr", "c2", 2, "y", 1), 0);
	assert_int_equal(sb_store_txn_put(txn, "lic", "l1", 2, "z", 1), 0);
	assert_int_equal(sb_store_txn_del(txn, "cdr", "old", 3), 0);
	assert_int_equal(sb_store_txn_del(txn, "cdr", "none", 4), -ENOENT);
	/* Readers see nothing before the commit; nested writes would deadlock in LMDB. */
	assert_int_equal(sb_store_get(w->s, "cdr", "c1", 2, &got, &glen), -ENOENT);
	assert_int_equal(sb_store_put(w->s, "cdr", "n", 1, "n", 1), -EBUSY);
	return w->fail;
}

static void test_write_commits(void **state)
{
	struct fixture *f = *state;
	struct sb_store *s = open_store(f->dir, 0);
	struct write_arg w = { .s = s, .fail = 0 };

	put_str(s, "cdr", "old", "o");
	assert_int_equal(sb_store_write(s, write_cb, &w), 0);
	expect_val(s, "cdr", "c1", "x", 1);
	expect_val(s, "cdr", "c2", "y", 1);
	expect_val(s, "lic", "l1", "z", 1);
	expect_missing(s, "cdr", "old");
	expect_missing(s, "cdr", "n");
	sb_store_close(s);
}

static void test_write_aborts(void **state)
{
	struct fixture *f = *state;
	struct sb_store *s = open_store(f->dir, 0);
	struct write_arg w = { .s = s, .fail = -EINVAL };

	put_str(s, "cdr", "old", "o");
	assert_int_equal(sb_store_write(s, write_cb, &w), -EINVAL);
	expect_missing(s, "cdr", "c1");
	expect_missing(s, "cdr", "c2");
	expect_missing(s, "lic", "l1");
	expect_val(s, "cdr", "old", "o", 1);

	/* The db handle opened by the aborted transaction is gone; a new one must work. */
	put_str(s, "lic", "l2", "w");
	expect_val(s, "lic", "l2", "w", 1);
	assert_int_equal(sb_store_write(s, write_cb, &(struct write_arg){ .s = s }), 0);
	expect_val(s, "lic", "l1", "z", 1);
	sb_store_close(s);
}

static void test_bad_keys(void **state)
{
	struct fixture *f = *state;
	struct sb_store *s = open_store(f->dir, 0);
	char key[512];
	void *got;
	size_t glen;

	memset(key, 'k', sizeof key);
	assert_int_equal(sb_store_put(s, "cdr", key, 512, "v", 1), -EINVAL);
	assert_int_equal(sb_store_put(s, "cdr", key, 0, "v", 1), -EINVAL);
	assert_int_equal(sb_store_put(s, "cdr", key, 511, "v", 1), 0);
	assert_int_equal(sb_store_get(s, "cdr", key, 512, &got, &glen), -EINVAL);
	assert_int_equal(sb_store_get(s, "cdr", key, 0, &got, &glen), -EINVAL);
	assert_int_equal(sb_store_del(s, "cdr", key, 512), -EINVAL);
	assert_int_equal(sb_store_del(s, "cdr", key, 0), -EINVAL);
	assert_int_equal(sb_store_put(s, NULL, key, 1, "v", 1), -EINVAL);
	assert_int_equal(sb_store_put(s, "", key, 1, "v", 1), -EINVAL);
	assert_int_equal(sb_store_get(s, "", key, 1, &got, &glen), -EINVAL);
	assert_int_equal(sb_store_foreach(s, NULL, collect_cb, NULL), -EINVAL);
	assert_int_equal(sb_store_del(s, NULL, key, 1), -EINVAL);
	assert_int_equal(sb_store_del(s, "cdr", key, 511), 0);
	sb_store_close(s);
}

static void test_reopen(void **state)
{
	struct fixture *f = *state;
	struct sb_store *s = open_store(f->dir, 0);

	put_str(s, "meta", "version", "1");
	put_str(s, "cdr", "call-1", "record");
	sb_store_close(s);

	s = open_store(f->dir, 0);
	expect_val(s, "meta", "version", "1", 1);
	expect_val(s, "cdr", "call-1", "record", 6);
	sb_store_close(s);
}

#define CRASH_MIN_WRITES 20

/* The child: count up for ever, one committed key and then the counter, one byte per round. */
static unsigned crash_sync_ms; /* the child's sync interval: 0, each commit synced */

static void __attribute__((noreturn)) crash_child(const char *dir, int fd)
{
	struct sb_store *s;

	if (sb_store_open(&s, dir, 0) < 0)
		_exit(2);
	if (crash_sync_ms && sb_store_set_sync_interval(s, crash_sync_ms) < 0)
		_exit(2);
	for (uint32_t i = 0;; i++) {
		uint32_t next = i + 1;

		if (sb_store_put(s, "data", &i, sizeof i, &i, sizeof i) < 0)
			_exit(3);
		if (sb_store_put(s, "meta", "last", 4, &next, sizeof next) < 0)
			_exit(3);
		if (write(fd, "+", 1) != 1)
			_exit(4);
	}
}

static void test_crash_sigkill(void **state)
{
	struct fixture *f = *state;
	struct sb_store *s;
	int fds[2], status, seen = 0;
	uint32_t *last;
	size_t len;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		crash_child(f->dir, fds[1]);
	}
	close(fds[1]);

	/* Wait, with a bound, until the child has committed enough; then kill it mid-write. */
	for (int tries = 0; seen < CRASH_MIN_WRITES && tries < 100; tries++) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		char buf[64];
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(fds[0], buf, sizeof buf);
		if (n <= 0)
			break;
		seen += (int)n;
	}
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(fds[0]);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_true(seen >= CRASH_MIN_WRITES);

	s = open_store(f->dir, 0);
	assert_int_equal(sb_store_get(s, "meta", "last", 4, (void **)&last, &len), 0);
	assert_int_equal(len, sizeof *last);
	assert_true(*last >= (uint32_t)seen);
	for (uint32_t i = 0; i < *last; i++) {
		uint32_t *v;
		size_t vlen;

		assert_int_equal(sb_store_get(s, "data", &i, sizeof i, (void **)&v, &vlen), 0);
		assert_int_equal(vlen, sizeof i);
		assert_int_equal(*v, i);
		free(v);
	}
	free(last);
	/* The store takes writes again. */
	put_str(s, "meta", "after", "crash");
	sb_store_close(s);
}

static int fill_cb(struct sb_store_txn *txn, void *arg)
{
	static const char big[2048];

	/* The callback ignores the failure; the store must not commit anyway. */
	for (int i = 0; i < 100; i++) {
		char key[16];

		snprintf(key, sizeof key, "big-%d", i);
		sb_store_txn_put(txn, "cdr", key, strlen(key), big, sizeof big);
	}
	return 0;
}

/* With a syncer whose window (10 s) the kill falls into, nothing the child committed is lost:
 * commits are in the kernel's page cache before sb_store_put returns. */
static void test_crash_sigkill_syncer(void **state)
{
	crash_sync_ms = 10000;
	test_crash_sigkill(state);
	crash_sync_ms = 0;
}

/* Many commits, few syncs; back to 0, every commit is synced again. */
static void test_sync_interval_stats(void **state)
{
	struct fixture *f = *state;
	struct sb_store *s = open_store(f->dir, 0);
	struct sb_store_stats st;
	char k[16];

	assert_int_equal(sb_store_set_sync_interval(s, 10000), 0);
	for (int i = 0; i < 50; i++) {
		snprintf(k, sizeof k, "k%d", i);
		put_str(s, "data", k, "v");
	}
	sb_store_get_stats(s, &st);
	assert_int_equal(st.sync_interval_ms, 10000);
	assert_int_equal(st.commits, 50);
	assert_true(st.syncs <= 1); /* the window is still open, or one sync took them all */
	assert_int_equal(sb_store_set_sync_interval(s, 0), 0);
	sb_store_get_stats(s, &st);
	assert_int_equal(st.syncs, 1); /* stopping the syncer synced what waited, once */
	put_str(s, "data", "after", "v");
	sb_store_get_stats(s, &st);
	assert_int_equal(st.commits, 51);
	assert_int_equal(st.syncs, 2);
	expect_val(s, "data", "k49", "v", 1);
	sb_store_close(s);
}

static void test_map_full(void **state)
{
	struct fixture *f = *state;
	struct sb_store *s = open_store(f->dir, 64 * 1024);
	static const char val[1024];
	int i, ret = 0;

	put_str(s, "cdr", "first", "1");
	/* 64 KiB hold well under 100 values of 1 KiB. */
	for (i = 0; i < 100; i++) {
		char key[16];

		snprintf(key, sizeof key, "k%03d", i);
		ret = sb_store_put(s, "cdr", key, strlen(key), val, sizeof val);
		if (ret < 0)
			break;
	}
	assert_int_equal(ret, -ENOSPC);
	assert_true(i > 0 && i < 100);

	/* A full map still reads and deletes, and then takes writes again. */
	expect_val(s, "cdr", "first", "1", 1);
	assert_int_equal(sb_store_del(s, "cdr", "k000", 4), 0);
	put_str(s, "cdr", "small", "s");

	/* A failed put spoils its transaction even if the callback ignores the error. */
	assert_int_equal(sb_store_write(s, fill_cb, NULL), -ENOSPC);
	expect_missing(s, "cdr", "big-0");
	sb_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_folder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_get_binary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_del, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreach_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreach_from, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_get_read_modify_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_commits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_aborts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_sigkill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_sigkill_syncer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_interval_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_full, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
