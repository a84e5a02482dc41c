/* cmd_log.c: log levels at run time, per subsystem: show log, log level [SUBSYSTEM] LEVEL. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core.h"
#include "loglevels.h"

static int level_index(const char *name)
{
	for (int i = 0; sb__log_level_names[i]; i++)
		if (strcmp(sb__log_level_names[i], name) == 0)
			return i;
	return -1;
}

static int cmd_show_log(const struct sb_ctl_req *req, struct sb_reply *r)
{
	static const char *const cols[] = { "subsystem", "level", "source", NULL };

	sb_reply_table(r, cols);
	for (int i = 0; i < SB_LOG_NSUB; i++) {
		bool own;
		int lvl = sb__log_sub_level(i, &own);
		sb_reply_row(r);
		sb_reply_str(r, "subsystem", sb__log_subsystem_names[i]);
		sb_reply_str(r, "level", sb__log_level_names[lvl]);
		sb_reply_str(r, "source", own ? "run-time" : "system.log_level");
	}
	return 0;
}

/* log level LEVEL: every subsystem (their own levels dropped, as a reload of system.log_level
 * would set them); log level SUBSYSTEM LEVEL: that one, until a restart; LEVEL "default" gives
 * a subsystem back to system.log_level */
static int cmd_log_level(const struct sb_ctl_req *req, struct sb_reply *r)
{
	const char *sub_name = req->argc == 2 ? req->argv[0] : NULL;
	const char *lvl_name = req->argv[req->argc - 1];
	int sub = -1, lvl = level_index(lvl_name);

	if (sub_name && (sub = sb__log_subsystem(sub_name)) < 0) {
		sb_reply_error(r,
			       "no subsystem \"%s\" (subsystems: core, sip, media, isdn, license, "
			       "cdr)",
			       sub_name);
		return -1;
	}
	if (lvl < 0 && !(sub_name && strcmp(lvl_name, "default") == 0)) {
		sb_reply_error(r, "no level \"%s\" (levels: error, warn, notice, info, debug%s)",
			       lvl_name, sub_name ? ", default" : "");
		return -1;
	}
	if (!sub_name) {
		for (int i = 0; i < SB_LOG_NSUB; i++)
			sb__log_set_sub_level(i, lvl);
		log_notice("log level of every subsystem set to %s (uid %u)", lvl_name, req->uid);
		sb_reply_message(r,
				 "every subsystem logs at %s until a restart (system.log_level "
				 "is %s)",
				 lvl_name, sb__log_level_names[sb__d.conf->system.log_level]);
		return 0;
	}
	sb__log_set_sub_level(sub, lvl);
	log_notice("log level of %s set to %s (uid %u)", sub_name, lvl_name, req->uid);
	if (lvl < 0)
		sb_reply_message(r, "%s logs at system.log_level (%s) again", sub_name,
				 sb__log_level_names[sb__d.conf->system.log_level]);
	else
		sb_reply_message(r, "%s logs at %s until a restart", sub_name, lvl_name);
	return 0;
}

const struct sb_ctl_cmd sb__log_cmds[] = {
	{ "show log", cmd_show_log, "the log level of each subsystem", 0 },
	{ "log level <LEVEL> [LEVEL]", cmd_log_level,
	  "set the log level of every subsystem, or of one: log level [SUBSYSTEM] LEVEL",
	  SB_CTL_PRIV },
	{ NULL, NULL, NULL, 0 },
};
