/* drain.c: drain (no new calls, running calls go on) and the restart once the last call ended. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <uv.h>

#include "core.h"

/* A drained node asks callers to come back after this long when no restart is pending (the
 * admin ends a drain with `undrain`; nothing ends it by itself). */
#define DRAIN_RETRY_AFTER_S 600
/* how often a pending restart looks whether the last call has ended */
#define DRAIN_POLL_MS 200

static struct {
	bool on;
	bool restart;         /* exit once idle (or at the deadline) */
	bool timer_init;
	long long since;      /* unix time the drain began */
	uint64_t deadline_ms; /* uv_now at which a pending restart goes ahead anyway; 0: never */
	uv_timer_t timer;
} dr;

bool sb_draining(void)
{
	return dr.on;
}

int sb_drain_retry_after(void)
{
	if (dr.restart && dr.deadline_ms && sb__d.loop) {
		uint64_t now = uv_now(sb__d.loop);
		uint64_t left = dr.deadline_ms > now ? (dr.deadline_ms - now + 999) / 1000 : 0;
		/* the new daemon takes calls a moment after the old one went */
		return (int)(left < DRAIN_RETRY_AFTER_S ? left + 5 : DRAIN_RETRY_AFTER_S);
	}
	return DRAIN_RETRY_AFTER_S;
}

void sb__drain_info(struct sb__drain_info *di)
{
	di->on = dr.on;
	di->restart = dr.restart;
	di->since = dr.since;
	di->calls = sb_call_count();
	di->restart_in_s = -1;
	if (dr.restart && dr.deadline_ms && sb__d.loop) {
		uint64_t now = uv_now(sb__d.loop);
		di->restart_in_s = dr.deadline_ms > now ? (long long)(dr.deadline_ms - now + 999) / 1000
							: 0;
	}
}

static void drain_exit(const char *why)
{
	log_notice("restart when idle: %s: exiting with status %d so the service manager starts "
		   "the daemon again",
		   why, SB_EXIT_RESTART);
	sb__d.exit_status = SB_EXIT_RESTART;
	if (sb__d.stop)
		sb__d.stop();
}

static void poll_cb(uv_timer_t *t)
{
	unsigned n = sb_call_count();

	if (!dr.restart || sb__d.stopping)
		return;
	if (n == 0) {
		drain_exit("the last call ended");
	} else if (dr.deadline_ms && uv_now(sb__d.loop) >= dr.deadline_ms) {
		log_warn("restart when idle: the maximum wait passed with %u call%s up: they end "
			 "now",
			 n, n == 1 ? "" : "s");
		drain_exit("the maximum wait passed");
	}
}

int sb__drain_start(void)
{
	if (dr.on)
		return -EALREADY;
	dr.on = true;
	dr.since = (long long)time(NULL);
	log_notice("draining: new calls are refused (sip 503, isdn cause 41); %u call%s up",
		   sb_call_count(), sb_call_count() == 1 ? "" : "s");
	return 0;
}

int sb__drain_stop(void)
{
	if (!dr.on)
		return -EALREADY;
	if (dr.restart && dr.timer_init)
		uv_timer_stop(&dr.timer);
	dr.on = dr.restart = false;
	dr.deadline_ms = 0;
	log_notice("drain ended: new calls are taken again");
	return 0;
}

/* Drain, then exit with SB_EXIT_RESTART when no call is left, or after max_wait_s seconds
 * (0: no maximum) with the calls still up ended as at a stop. */
int sb__drain_restart(unsigned max_wait_s)
{
	if (!sb__d.loop)
		return -EINVAL;
	if (!dr.timer_init) {
		int rc = uv_timer_init(sb__d.loop, &dr.timer);
		if (rc < 0)
			return rc;
		dr.timer_init = true;
	}
	if (!dr.on)
		sb__drain_start();
	dr.restart = true;
	dr.deadline_ms = max_wait_s ? uv_now(sb__d.loop) + (uint64_t)max_wait_s * 1000 : 0;
	if (max_wait_s)
		log_notice("restart when idle: waiting for %u call%s to end, at most %u s",
			   sb_call_count(), sb_call_count() == 1 ? "" : "s", max_wait_s);
	else
		log_notice("restart when idle: waiting for %u call%s to end", sb_call_count(),
			   sb_call_count() == 1 ? "" : "s");
	return uv_timer_start(&dr.timer, poll_cb, 0, DRAIN_POLL_MS);
}

void sb__drain_close(void)
{
	if (dr.timer_init) {
		uv_timer_stop(&dr.timer);
		uv_close((uv_handle_t *)&dr.timer, NULL);
		dr.timer_init = false;
	}
}
