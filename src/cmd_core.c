/* cmd_core.c: the core's control commands: version, help, status, reload. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core.h"

static int cmd_version(const struct sb_ctl_req *req, struct sb_reply *r)
{
	sb_reply_str(r, "name", "symbridged");
	sb_reply_str(r, "version", PACKAGE_VERSION);
	return 0;
}

static int cmd_help(const struct sb_ctl_req *req, struct sb_reply *r)
{
	sb__ctl_help(r);
	return 0;
}

static size_t channels_total(const struct sb_model *m)
{
	size_t n = 0;
	for (size_t i = 0; i < m->ncards; i++)
		n += m->cards[i].nchannels;
	return n;
}

static int cmd_status(const struct sb_ctl_req *req, struct sb_reply *r)
{
	const struct sb_conf *conf = sb__d.conf;
	long long now = (long long)time(NULL);

	sb_reply_str(r, "name", conf->system.name);
	sb_reply_str(r, "version", PACKAGE_VERSION);
	sb__drain_status(r);
	sb_reply_int(r, "pid", (long long)getpid());
	sb_reply_int(r, "uptime_seconds", now - sb__d.started);
	sb_reply_int(r, "starts", (long long)sb__d.starts);
	sb_reply_str(r, "config", sb__d.conf_path);
	sb_reply_str(r, "config_pushed", sb__d.conf->overlay); /* sb_conf_push's, merged */
	sb_reply_int(r, "config_age_seconds", now - sb__d.loaded);
	sb_reply_int(r, "reloads", sb__d.reloads_ok);
	sb_reply_int(r, "reloads_refused", sb__d.reloads_failed);
	sb_reply_str(r, "state_dir", sb__d.state_dir);
	sb_reply_str(r, "control_socket", sb__d.ctl_path);
	sb_reply_int(r, "cards", (long long)conf->model->ncards);
	sb_reply_int(r, "channels", (long long)channels_total(conf->model));
	sb__modules_status(r);
	return 0;
}

static void reload_fill(struct sb_reply *r, int rc, const struct sb_msgs *errs,
			const struct sb_msgs *warns)
{
	if (rc < 0) {
		sb_reply_error(r, "reload refused: %zu error%s in %s; the running configuration is "
				  "unchanged",
			       errs->n, errs->n == 1 ? "" : "s", sb__d.conf_path);
		for (size_t i = 0; i < errs->n; i++)
			sb_reply_detail(r, "%s", errs->v[i]);
	} else {
		sb_reply_message(r, "configuration reloaded from %s: %zu cards, %zu channels",
				 sb__d.conf_path, sb__d.conf->model->ncards,
				 channels_total(sb__d.conf->model));
		for (size_t i = 0; i < warns->n; i++)
			sb_reply_detail(r, "warning: %s", warns->v[i]);
	}
}

static void reload_done(void *arg, int rc, const struct sb_msgs *errs,
			const struct sb_msgs *warns)
{
	reload_fill(arg, rc, errs, warns);
	sb__ctl_finish(arg);
}

/* The file is read and checked off the loop; the reply goes out when that is done. Without a
 * loop (tests that drive the commands alone) it is read here. */
static int cmd_reload(const struct sb_ctl_req *req, struct sb_reply *r)
{
	struct sb_msgs errs = { 0 }, warns = { 0 };

	if (sb__daemon_reload_async(reload_done, r) == 0) {
		sb__reply_defer(r);
		return 0;
	}
	int rc = sb__daemon_reload(&errs, &warns);
	reload_fill(r, rc, &errs, &warns);
	sb__msgs_free(&errs);
	sb__msgs_free(&warns);
	return 0;
}

static const struct sb_ctl_cmd core_cmds[] = {
	{ "version", cmd_version, "print the daemon's version", 0 },
	{ "help", cmd_help, "list the commands", 0 },
	{ "show status", cmd_status, "the daemon: uptime, configuration, counts", 0 },
	{ "reload", cmd_reload, "reload the configuration file (all or nothing)", SB_CTL_PRIV },
	{ NULL, NULL, NULL, 0 },
};

int sb__cmd_register(void)
{
	extern const struct sb_ctl_cmd sb__model_cmds[], sb__call_cmds[], sb__log_cmds[],
		sb__drain_cmds[], sb__cluster_cmds[];
	int rc = sb_ctl_register(core_cmds);
	if (rc == 0)
		rc = sb_ctl_register(sb__drain_cmds);
	if (rc == 0)
		rc = sb_ctl_register(sb__log_cmds);
	if (rc == 0)
		rc = sb_ctl_register(sb__model_cmds);
	if (rc == 0)
		rc = sb_ctl_register(sb__call_cmds);
	if (rc == 0)
		rc = sb_ctl_register(sb__cluster_cmds);
	return rc < 0 ? rc : sb__modules_register_cmds();
}
