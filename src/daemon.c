/* daemon.c: the running daemon's configuration: load with overrides, and all-or-nothing reload. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Swap in a configuration that loaded without errors. */
static void apply(struct sb_conf *conf, struct sb_msgs *warns)
{
	if (strcmp(conf->system.state_dir, sb__d.state_dir) != 0)
		sb__msgs_add(warns, "system.state_dir changed to %s: takes effect after a restart",
			     conf->system.state_dir);
	if (strcmp(conf->system.control_socket, sb__d.ctl_path) != 0)
		sb__msgs_add(warns,
			     "system.control_socket changed to %s: takes effect after a restart",
			     conf->system.control_socket);
	sb__cluster_reload(conf, sb__d.conf, warns);
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
}

static void refused(const struct sb_msgs *errs)
{
	sb__d.reloads_failed++;
	log_err("reload of %s refused, the running configuration stays: %zu error%s",
		sb__d.conf_path, errs->n, errs->n == 1 ? "" : "s");
	for (size_t i = 0; i < errs->n; i++)
		log_err("%s", errs->v[i]);
}

/* Build the whole new configuration first; only a valid one replaces the running one. */
int sb__daemon_reload(struct sb_msgs *errs, struct sb_msgs *warns)
{
	struct sb_conf *conf;
	int rc = sb__daemon_load(sb__d.conf_path, &conf, errs, warns);

	if (rc < 0) {
		refused(errs);
		return rc;
	}
	apply(conf, warns);
	return 0;
}

/* The same off the loop: reading and checking a file can take seconds (a 4 MB string took 9.5 s
 * in libconfig), and SIP, the links and the control socket must not wait for it. The file is
 * parsed and validated in libuv's thread pool (the parser and the checks touch only the new
 * configuration and constant settings); the swap runs on the loop. One load at a time: a
 * request that arrives meanwhile is answered by the next load, which starts when this one ends
 * (the file may have changed since). */
struct reload_waiter {
	sb__reload_cb done_cb;
	void *arg;
	struct reload_waiter *next;
};
static struct {
	uv_work_t work;
	bool running;
	struct sb_conf *conf;
	struct sb_msgs errs, warns;
	int rc;
	struct reload_waiter *now, *next; /* waiting for this load; for the one after */
} rl;

static void reload_work_cb(uv_work_t *w)
{
	rl.rc = sb__daemon_load(sb__d.conf_path, &rl.conf, &rl.errs, &rl.warns);
}

static int reload_start(void);

/* Tell the waiters of a load that could not run. */
static void reload_fail(struct reload_waiter *wt, int rc, const char *why)
{
	struct reload_waiter *next;

	for (; wt; wt = next) {
		next = wt->next;
		if (wt->done_cb) {
			struct sb_msgs e = { 0 }, none = { 0 };
			sb__msgs_add(&e, "%s", why);
			wt->done_cb(wt->arg, rc, &e, &none);
			sb__msgs_free(&e);
		}
		free(wt);
	}
}

static void reload_after_cb(uv_work_t *w, int status)
{
	struct reload_waiter *wt = rl.now, *next;

	rl.running = false;
	rl.now = NULL;
	if (status < 0 || sb__d.stopping) {
		if (rl.rc == 0)
			sb__conf_free(rl.conf);
		rl.rc = status < 0 ? status : -ECANCELED;
		sb__msgs_add(&rl.errs, "the daemon is stopping");
	} else if (rl.rc < 0) {
		refused(&rl.errs);
	} else {
		apply(rl.conf, &rl.warns);
	}
	rl.conf = NULL;
	for (; wt; wt = next) {
		next = wt->next;
		if (wt->done_cb)
			wt->done_cb(wt->arg, rl.rc, &rl.errs, &rl.warns);
		free(wt);
	}
	sb__msgs_free(&rl.errs);
	sb__msgs_free(&rl.warns);
	if (!rl.next)
		return;
	if (sb__d.stopping) {
		wt = rl.next;
		rl.next = NULL;
		reload_fail(wt, -ECANCELED, "the daemon is stopping");
	} else if (reload_start() < 0) {
		wt = rl.now;
		rl.now = NULL;
		reload_fail(wt, -EAGAIN, "the reload could not be started");
	}
}

static int reload_start(void)
{
	int rc;

	rl.now = rl.next;
	rl.next = NULL;
	rl.errs = (struct sb_msgs){ 0 };
	rl.warns = (struct sb_msgs){ 0 };
	if (!sb__d.loop)
		rc = -EINVAL;
	else
		rc = uv_queue_work(sb__d.loop, &rl.work, reload_work_cb, reload_after_cb);
	rl.running = rc == 0;
	return rc;
}

/* 0: done_cb runs later, on the loop, never from within this call; < 0: nothing was started
 * (no loop, no thread pool) and the caller should reload with sb__daemon_reload(). */
int sb__daemon_reload_async(sb__reload_cb done_cb, void *arg)
{
	struct reload_waiter *w = calloc(1, sizeof *w), **tail;
	int rc;

	if (!w)
		return -ENOMEM;
	w->done_cb = done_cb;
	w->arg = arg;
	for (tail = &rl.next; *tail; tail = &(*tail)->next)
		;
	*tail = w;
	if (rl.running)
		return 0;
	if ((rc = reload_start()) < 0) {
		free(rl.now); /* only w: nothing else waited while no load ran */
		rl.now = NULL;
	}
	return rc;
}
