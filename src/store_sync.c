/* store_sync.c: the store's syncer thread: commits reach the page cache on the loop, one
 * fdatasync per interval makes them durable here, off the signalling thread. */
#include "config.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <uv.h>

#include "core.h"

struct sb__syncer {
	MDB_env *env;
	uint64_t interval_ns;
	uv_thread_t thread;
	uv_mutex_t mu;
	uv_cond_t cv;
	/* under mu */
	bool pending; /* a commit is not yet synced */
	bool stop;
	unsigned long long syncs;
	int err; /* the last failed sync as an LMDB/errno code, 0 none; taken by the loop */
};

/* Wait for a commit, then out the interval so that every commit made meanwhile shares the one
 * sync: the window a power loss can cost is the interval plus one fdatasync. */
static void syncer_run(void *arg)
{
	struct sb__syncer *y = arg;
	uint64_t deadline, now;
	int rc;

	uv_mutex_lock(&y->mu);
	for (;;) {
		while (!y->pending && !y->stop)
			uv_cond_wait(&y->cv, &y->mu);
		if (!y->pending)
			break;
		deadline = uv_hrtime() + y->interval_ns;
		while (!y->stop && (now = uv_hrtime()) < deadline)
			uv_cond_timedwait(&y->cv, &y->mu, deadline - now);
		y->pending = false;
		uv_mutex_unlock(&y->mu);
		rc = mdb_env_sync(y->env, 1);
		uv_mutex_lock(&y->mu);
		y->syncs++;
		if (rc != MDB_SUCCESS)
			y->err = rc;
	}
	uv_mutex_unlock(&y->mu);
}

int sb__syncer_start(struct sb__syncer **yp, MDB_env *env, unsigned interval_ms)
{
	struct sb__syncer *y;
	int rc;

	if (!yp || !env || interval_ms == 0)
		return -EINVAL;
	if (!(y = calloc(1, sizeof *y)))
		return -ENOMEM;
	y->env = env;
	y->interval_ns = (uint64_t)interval_ms * 1000000;
	if ((rc = uv_mutex_init(&y->mu)) < 0)
		goto out_free;
	if ((rc = uv_cond_init(&y->cv)) < 0)
		goto out_mutex;
	if ((rc = uv_thread_create(&y->thread, syncer_run, y)) < 0)
		goto out_cond;
	*yp = y;
	return 0;
out_cond:
	uv_cond_destroy(&y->cv);
out_mutex:
	uv_mutex_destroy(&y->mu);
out_free:
	free(y);
	return rc;
}

/* After each commit that was not synced: wake the thread only if it sleeps. */
void sb__syncer_commit(struct sb__syncer *y)
{
	uv_mutex_lock(&y->mu);
	if (!y->pending) {
		y->pending = true;
		uv_cond_signal(&y->cv);
	}
	uv_mutex_unlock(&y->mu);
}

/* The last failed sync since the previous call (an LMDB/errno code), 0 if none. */
int sb__syncer_take_err(struct sb__syncer *y)
{
	int err;

	uv_mutex_lock(&y->mu);
	err = y->err;
	y->err = 0;
	uv_mutex_unlock(&y->mu);
	return err;
}

unsigned long long sb__syncer_syncs(struct sb__syncer *y)
{
	unsigned long long n;

	uv_mutex_lock(&y->mu);
	n = y->syncs;
	uv_mutex_unlock(&y->mu);
	return n;
}

/* Stop at once: a pending commit is synced before the thread ends, so nothing waits longer.
 * Returns how many syncs the thread made in all. */
unsigned long long sb__syncer_stop(struct sb__syncer *y)
{
	unsigned long long n;

	if (!y)
		return 0;
	uv_mutex_lock(&y->mu);
	y->stop = true;
	uv_cond_signal(&y->cv);
	uv_mutex_unlock(&y->mu);
	uv_thread_join(&y->thread);
	n = y->syncs;
	uv_cond_destroy(&y->cv);
	uv_mutex_destroy(&y->mu);
	free(y);
	return n;
}
