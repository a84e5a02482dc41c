/* cmd_drain.c: the control commands drain, undrain and restart --when-idle. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

/* restart --when-idle waits this long for the last call unless told otherwise (4 hours) */
#define RESTART_MAX_WAIT_DEFAULT 14400
#define RESTART_MAX_WAIT_MAX     604800 /* a week */

static const char *plural(unsigned n)
{
	return n == 1 ? "" : "s";
}

/* "N calls remain", "1 call remains" */
static const char *remain(unsigned n)
{
	return n == 1 ? "call remains" : "calls remain";
}

static int cmd_drain(const struct sb_ctl_req *req, struct sb_reply *r)
{
	struct sb__drain_info di;
	int rc = sb__drain_start();

	sb__drain_info(&di);
	log_notice("drain asked by uid %u", req->uid);
	sb_reply_message(r, "%s: new calls are refused (sip 503, isdn cause 41); %u %s",
			 rc == -EALREADY ? "already draining" : "draining", di.calls,
			 remain(di.calls));
	return 0;
}

static int cmd_undrain(const struct sb_ctl_req *req, struct sb_reply *r)
{
	struct sb__drain_info di;

	sb__drain_info(&di);
	if (sb__drain_stop() == -EALREADY) {
		sb_reply_message(r, "not draining: new calls are taken");
		return 0;
	}
	log_notice("drain ended by uid %u", req->uid);
	sb_reply_message(r, "drain ended%s: new calls are taken again",
			 di.restart ? " and the restart when idle cancelled" : "");
	return 0;
}

/* restart --when-idle [--max-wait SECONDS]: the words after --when-idle come as arguments */
static int cmd_restart(const struct sb_ctl_req *req, struct sb_reply *r)
{
	long max_wait = RESTART_MAX_WAIT_DEFAULT;
	struct sb__drain_info di;
	char *end;

	if (req->argc > 0) {
		if (strcmp(req->argv[0], "--max-wait") != 0) {
			sb_reply_error(r, "restart --when-idle: unknown option \"%s\" (allowed: "
					  "--max-wait SECONDS)",
				       req->argv[0]);
			return 0;
		}
		errno = 0;
		max_wait = req->argc > 1 ? strtol(req->argv[1], &end, 10) : -1;
		if (req->argc < 2 || errno || *end || end == req->argv[1] || max_wait < 0 ||
		    max_wait > RESTART_MAX_WAIT_MAX) {
			sb_reply_error(r, "restart --when-idle --max-wait: \"%s\" is not a number of "
					  "seconds (allowed: 0 for no maximum, up to %d)",
				       req->argc > 1 ? req->argv[1] : "", RESTART_MAX_WAIT_MAX);
			return 0;
		}
	}
	int rc = sb__drain_restart((unsigned)max_wait);
	if (rc < 0) {
		sb_reply_error(r, "restart --when-idle cannot start: %s", strerror(-rc));
		return 0;
	}
	log_notice("restart when idle asked by uid %u", req->uid);
	sb__drain_info(&di);
	if (max_wait)
		sb_reply_message(r, "draining: the daemon exits with status %d for a restart when "
				    "the last of %u call%s ends, at the latest in %ld s",
				 SB_EXIT_RESTART, di.calls, plural(di.calls), max_wait);
	else
		sb_reply_message(r, "draining: the daemon exits with status %d for a restart when "
				    "the last of %u call%s ends",
				 SB_EXIT_RESTART, di.calls, plural(di.calls));
	return 0;
}

/* show status's line about drain: "running", "draining (N calls remain)" */
void sb__drain_status(struct sb_reply *r)
{
	struct sb__drain_info di;
	char state[128];

	sb__drain_info(&di);
	if (!di.on)
		snprintf(state, sizeof state, "running");
	else if (di.restart && di.restart_in_s >= 0)
		snprintf(state, sizeof state, "draining (%u %s), restart when idle or in %lld s",
			 di.calls, remain(di.calls), di.restart_in_s);
	else if (di.restart)
		snprintf(state, sizeof state, "draining (%u %s), restart when idle", di.calls,
			 remain(di.calls));
	else
		snprintf(state, sizeof state, "draining (%u %s)", di.calls, remain(di.calls));
	sb_reply_str(r, "state", state);
	sb_reply_int(r, "calls", di.calls);
}

const struct sb_ctl_cmd sb__drain_cmds[] = {
	{ "drain", cmd_drain, "take no new calls; calls up go on (show status counts them)",
	  SB_CTL_PRIV },
	{ "drain off", cmd_undrain, "end a drain: take new calls again", SB_CTL_PRIV },
	{ "undrain", cmd_undrain, "end a drain: take new calls again (as drain off)", SB_CTL_PRIV },
	{ "restart --when-idle [--max-wait] [SECONDS]", cmd_restart,
	  "drain, then exit with status 75 for a restart once no call is up (at most "
	  "--max-wait SECONDS, default 14400)",
	  SB_CTL_PRIV },
	{ NULL, NULL, NULL, 0 },
};
