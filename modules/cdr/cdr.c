/* cdr.c: the cdr module: its setting, life cycle, status, and the timers that keep the running
 * calls' last known figures and delete records past the retention period. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#define SB_MODULE "cdr"
#include "cdr_cli.h"
#include "cdr_int.h"

#define HEARTBEAT_MS   (10 * 1000)   /* how stale "interrupted at" can be after a kill */
#define SWEEP_EVERY_MS (3600 * 1000) /* retention is in days: hourly is exact enough */
#define SWEEP_BATCH    1000          /* records deleted per write transaction */

struct cdr_conf {
	struct sb_conf_src src;
	int retention_days;
	int sync_interval_ms;
};

static const struct sb_conf_key cdr_keys[] = {
	{ .name = "retention_days",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct cdr_conf, retention_days),
	  .def = "180",
	  .min = 1,
	  .max = 3650,
	  .help = "days a call record is kept; older ones are deleted automatically" },
	{ .name = "sync_interval_ms",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct cdr_conf, sync_interval_ms),
	  .def = "100",
	  .min = 0,
	  .max = 10000,
	  .help = "how long a commit to the store (call records, licence grants) may wait for its "
		  "sync to disk, done off the signalling thread; 0: each commit is synced at once" },
	SB_CONF_END
};

static const struct sb_conf_section cdr_section = {
	.name = "cdr",
	.keys = cdr_keys,
	.size = sizeof(struct cdr_conf),
	.src_offset = offsetof(struct cdr_conf, src),
};

static struct {
	bool running;
	int retention_days;
	uv_timer_t heartbeat, sweep;
	unsigned long long swept; /* deleted by the sweep running now */
} cdr;

int64_t cdr_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int cdr_retention_days(void)
{
	return cdr.retention_days;
}

/* ---- timers ------------------------------------------------------------------------------- */

/* Only while calls run (an idle appliance writes nothing): every running call's record takes
 * its legs' figures as they are now, which also notes the last time the daemon was alive, so a
 * crash leaves records closed as interrupted with their VoIP report up to that moment. */
static void heartbeat_cb(uv_timer_t *t)
{
	if (cdr_q_open())
		cdr_calls_refresh();
}

/* One bounded batch per turn of the loop, so calls and the CLI never wait behind a long
 * delete, until nothing is older than the retention period. */
static void sweep_cb(uv_timer_t *t)
{
	int64_t cutoff = cdr_now_us() - (int64_t)cdr.retention_days * 86400 * 1000000;
	unsigned deleted = 0;
	bool more = false;
	int rc = cdr_db_sweep(sb_daemon_store(), cutoff, SWEEP_BATCH, &deleted, &more);

	if (rc < 0) {
		log_err("cannot delete call records older than %d days: %s (next try in an hour)",
			cdr.retention_days, strerror(-rc));
		more = false;
	}
	cdr.swept += deleted;
	if (more) {
		uv_timer_start(&cdr.sweep, sweep_cb, 1, 0);
		return;
	}
	if (cdr.swept)
		log_info("deleted %llu call record(s) older than %d days", cdr.swept,
			 cdr.retention_days);
	cdr.swept = 0;
	uv_timer_start(&cdr.sweep, sweep_cb, SWEEP_EVERY_MS, 0);
}

/* ---- life cycle --------------------------------------------------------------------------- */

static int cdr_init(const struct sb_conf *conf)
{
	const struct cdr_conf *cc = sb_module_conf(conf, &cdr_module);
	unsigned closed = 0;
	int rc;

	cdr.retention_days = cc->retention_days;
	/* a failed switch keeps every commit synced: slower, never less safe */
	sb_store_set_sync_interval(sb_daemon_store(), (unsigned)cc->sync_interval_ms);
	/* calls that were running when the daemon died end here, at the last time known */
	if ((rc = cdr_db_recover(sb_daemon_store(), &closed)) < 0) {
		log_err("cannot close the call records left open by the last run: %s",
			strerror(-rc));
		return rc;
	}
	if (closed)
		log_notice("closed %u call record(s) of calls that were running when the daemon "
			   "stopped, as interrupted",
			   closed);
	if ((rc = cdr_calls_start()) < 0) {
		log_err("cannot observe calls: %s", strerror(-rc));
		return rc;
	}
	cdr_q_start();
	uv_timer_init(sb_daemon_loop(), &cdr.heartbeat);
	uv_timer_init(sb_daemon_loop(), &cdr.sweep);
	uv_timer_start(&cdr.heartbeat, heartbeat_cb, HEARTBEAT_MS, HEARTBEAT_MS);
	uv_timer_start(&cdr.sweep, sweep_cb, 0, 0); /* at start, then hourly */
	cdr.running = true;
	return 0;
}

static void cdr_reload(const struct sb_conf *conf, const struct sb_conf *old)
{
	const struct cdr_conf *cc = sb_module_conf(conf, &cdr_module);
	const struct cdr_conf *cco = sb_module_conf(old, &cdr_module);

	if (cc->retention_days != cdr.retention_days) {
		log_info("call records are now kept %d days (were %d)", cc->retention_days,
			 cdr.retention_days);
		cdr.retention_days = cc->retention_days;
		uv_timer_start(&cdr.sweep, sweep_cb, 0, 0);
	}
	if (cc->sync_interval_ms != cco->sync_interval_ms &&
	    sb_store_set_sync_interval(sb_daemon_store(), (unsigned)cc->sync_interval_ms) == 0)
		log_info("store commits now reach the disk within %d ms (was %d)",
			 cc->sync_interval_ms, cco->sync_interval_ms);
}

static void cdr_status(struct sb_reply *r)
{
	struct sb_store_stats st;

	cdr_q_status(r);
	sb_store_get_stats(sb_daemon_store(), &st);
	sb_reply_int(r, "store_sync_interval_ms", st.sync_interval_ms);
	sb_reply_int(r, "store_commits", (long long)st.commits);
	sb_reply_int(r, "store_syncs", (long long)st.syncs);
}

static void cdr_close(void)
{
	if (!cdr.running)
		return;
	cdr.running = false;
	cdr_calls_stop();
	cdr_q_stop();
	uv_close((uv_handle_t *)&cdr.heartbeat, NULL);
	uv_close((uv_handle_t *)&cdr.sweep, NULL);
}

const struct sb_module cdr_module = {
	.name = "cdr",
	.conf = &cdr_section,
	.cmds = cdr_cli_cmds,
	.init = cdr_init,
	.reload = cdr_reload,
	.close = cdr_close,
	.status = cdr_status,
	.metrics = cdr_q_metrics,
};
