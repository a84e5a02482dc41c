/* daemon.c: the running daemon's configuration: load with overrides, and all-or-nothing reload. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "core.h"

struct sb__daemon sb__d;

const struct sb_conf *sb_daemon_conf(void)
{
	return sb__d.conf;
}

struct uv_loop_s *sb_daemon_loop(void)
{
	return sb__d.loop;
}

struct sb_store *sb_daemon_store(void)
{
	return sb__d.store;
}

/* Load a file and apply the command line's overrides, which win over the file. */
int sb__daemon_load(const char *path, struct sb_conf **confp, struct sb_msgs *errs,
		    struct sb_msgs *warns)
{
	struct sb_conf *conf;
	int rc = sb__conf_load(path, &conf, errs, warns);

	if (rc < 0)
		return rc;
	if (sb__d.opt_state_dir)
		conf->system.state_dir = sb__arena_strdup(conf->arena, sb__d.opt_state_dir);
	if (sb__d.opt_ctl)
		conf->system.control_socket = sb__arena_strdup(conf->arena, sb__d.opt_ctl);
	*confp = conf;
	return 0;
}

/* Build the whole new configuration first; only a valid one replaces the running one. */
int sb__daemon_reload(struct sb_msgs *errs, struct sb_msgs *warns)
{
	struct sb_conf *conf;
	int rc = sb__daemon_load(sb__d.conf_path, &conf, errs, warns);

	if (rc < 0) {
		sb__d.reloads_failed++;
		log_err("reload of %s refused, the running configuration stays: %zu error%s",
			sb__d.conf_path, errs->n, errs->n == 1 ? "" : "s");
		for (size_t i = 0; i < errs->n; i++)
			log_err("%s", errs->v[i]);
		return rc;
	}
	if (strcmp(conf->system.state_dir, sb__d.state_dir) != 0)
		sb__msgs_add(warns, "system.state_dir changed to %s: takes effect after a restart",
			     conf->system.state_dir);
	if (strcmp(conf->system.control_socket, sb__d.ctl_path) != 0)
		sb__msgs_add(warns,
			     "system.control_socket changed to %s: takes effect after a restart",
			     conf->system.control_socket);
	for (size_t i = 0; i < warns->n; i++)
		log_warn("%s", warns->v[i]);

	struct sb_conf *old = sb__d.conf;
	sb__d.conf = conf;
	sb__modules_reload(conf, old);
	sb__cards_open(conf, old); /* calls keep running: they hold no pointer into old */
	sb__conf_free(old);
	sb__d.loaded = (long long)time(NULL);
	sb__d.reloads_ok++;
	sb__log_set_level((enum sb_log_level)conf->system.log_level);
	log_notice("configuration reloaded from %s: %zu cards", sb__d.conf_path,
		   conf->model->ncards);
	return 0;
}
