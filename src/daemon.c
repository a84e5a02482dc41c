/* daemon.c: the running daemon's configuration: load with overrides, and all-or-nothing reload. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>
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

/* Load a file and apply the command line's overrides, which win over the file; overlay is the
 * pushed configuration to merge (NULL: the one kept in the state dir, if any). */
static const char no_overlay[] = "(none)"; /* load_with: merge nothing (by its address) */

static int load_with(const char *path, const char *overlay, struct sb_conf **confp,
		     struct sb_msgs *errs, struct sb_msgs *warns)
{
	struct sb_conf *conf;
	char *kept = NULL;
	int rc;

	if (overlay == no_overlay) {
		overlay = NULL;
	} else if (!overlay && sb__d.state_dir) { /* running: the state dir in effect since start */
		if (asprintf(&kept, "%s/%s", sb__d.state_dir, SB_OVERLAY_NAME) < 0)
			return -ENOMEM;
		overlay = access(kept, F_OK) == 0 ? kept : NULL;
	} else if (!overlay) {
		overlay = ""; /* starting or -t: the state dir the file (or --state-dir) names */
	}
	rc = sb__conf_load_with(path, sb__d.opt_state_dir, overlay, &conf, errs, warns);
	free(kept);
	if (rc < 0)
		return rc;
	if (sb__d.opt_ctl)
		conf->system.control_socket = sb__arena_strdup(conf->arena, sb__d.opt_ctl);
	*confp = conf;
	return 0;
}

int sb__daemon_load(const char *path, struct sb_conf **confp, struct sb_msgs *errs,
		    struct sb_msgs *warns)
{
	return load_with(path, NULL, confp, errs, warns);
}

/* Swap in a configuration that loaded without errors; origin says who asked ("file": reload or
 * SIGHUP, "mqtt": pushed by the cloud), in every line about what changed. */
static void apply(struct sb_conf *conf, struct sb_msgs *warns, const char *origin)
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
	sb__conf_log_changes(old, conf, origin);
	sb__d.conf = conf;
	sb__modules_reload(conf, old);
	sb__cards_open(conf, old); /* calls keep running: they hold no pointer into old */
	sb__conf_free(old);
	sb__d.loaded = (long long)time(NULL);
	sb__d.reloads_ok++;
	sb__log_set_level((enum sb_log_level)conf->system.log_level);
	log_notice("configuration reloaded from %s%s%s (%s): %zu cards", sb__d.conf_path,
		   conf->overlay ? " and " : "", conf->overlay ? conf->overlay : "", origin,
		   conf->model->ncards);
}

static void refused(const struct sb_msgs *errs, const char *origin)
{
	sb__d.reloads_failed++;
	log_err("reload of %s refused, the running configuration stays: %zu error%s (%s)",
		sb__d.conf_path, errs->n, errs->n == 1 ? "" : "s", origin);
	for (size_t i = 0; i < errs->n; i++)
		log_err("%s", errs->v[i]);
}

/* Build the whole new configuration first; only a valid one replaces the running one. */
int sb__daemon_reload(struct sb_msgs *errs, struct sb_msgs *warns)
{
	struct sb_conf *conf;
	int rc = sb__daemon_load(sb__d.conf_path, &conf, errs, warns);

	if (rc < 0) {
		refused(errs, "file");
		return rc;
	}
	apply(conf, warns, "file");
	return 0;
}

/* The same off the loop: reading and checking a file can take seconds (a 4 MB string took 9.5 s
 * in libconfig), and SIP, the links and the control socket must not wait for it. The file is
 * parsed and validated in libuv's thread pool (the parser and the checks touch only the new
 * configuration and constant settings); the swap runs on the loop. One load at a time, in the
 * order asked: a reload asked while another waits is answered by that one (the file may have
 * changed since the running one read it); a pushed configuration is a load of its own. */
struct reload_waiter {
	sb__reload_cb done_cb;
	void *arg;
	struct reload_waiter *next;
};
struct load_job {
	char *push;   /* the pushed configuration's text; NULL: reload the file */
	size_t push_len;
	char *origin; /* "file", or who pushed */
	struct reload_waiter *waiters;
	struct load_job *next;
};
static struct {
	uv_work_t work;
	struct load_job *job;          /* running */
	struct load_job *head, *last;  /* waiting, in order */
	struct sb_conf *conf;
	struct sb_msgs errs, warns;
	int rc;
} rl;

static void job_free(struct load_job *j)
{
	if (j) {
		free(j->push);
		free(j->origin);
		free(j);
	}
}

/* Tell the waiters of a load (rc < 0: it did not run, why says why). */
static void job_done(struct load_job *j, int rc, const struct sb_msgs *errs,
		     const struct sb_msgs *warns)
{
	struct reload_waiter *wt, *next;

	for (wt = j->waiters; wt; wt = next) {
		next = wt->next;
		if (wt->done_cb)
			wt->done_cb(wt->arg, rc, errs, warns);
		free(wt);
	}
	job_free(j);
}

static void job_fail(struct load_job *j, int rc, const char *why)
{
	struct sb_msgs e = { 0 }, none = { 0 };

	sb__msgs_add(&e, "%s", why);
	job_done(j, rc, &e, &none);
	sb__msgs_free(&e);
}

/* The pushed text goes to a file beside the kept one (errors name its lines); only once the
 * whole configuration with it is valid does it replace the kept one, synced, so that a restart
 * and every later reload keep it. */
static int push_write(const char *file, const char *text, size_t len)
{
	FILE *f = fopen(file, "w");
	int rc = 0;

	if (!f)
		return -errno;
	if (len && fwrite(text, 1, len, f) != len)
		rc = -errno;
	if (fflush(f) != 0 && rc == 0)
		rc = -errno;
	if (fsync(fileno(f)) != 0 && rc == 0)
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc < 0 ? rc : 0;
}

static void push_work(struct load_job *j)
{
	char kept[PATH_MAX], next[PATH_MAX + 8];
	int rc, dfd;

	snprintf(kept, sizeof kept, "%s/%s", sb__d.state_dir, SB_OVERLAY_NAME);
	snprintf(next, sizeof next, "%s.new", kept);
	if (j->push_len == 0) { /* an empty push: what was pushed goes */
		rl.rc = load_with(sb__d.conf_path, no_overlay, &rl.conf, &rl.errs, &rl.warns);
		if (rl.rc == 0 && unlink(kept) < 0 && errno != ENOENT) {
			rl.rc = -errno;
			sb__msgs_add(&rl.errs, "%s: cannot remove the pushed configuration: %s",
				     kept, strerror(errno));
			sb__conf_free(rl.conf);
			rl.conf = NULL;
		}
		goto sync;
	}
	if ((rc = push_write(next, j->push, j->push_len)) < 0) {
		sb__msgs_add(&rl.errs, "%s: cannot write the pushed configuration: %s", next,
			     strerror(-rc));
		unlink(next);
		rl.rc = rc;
		return;
	}
	rl.rc = load_with(sb__d.conf_path, next, &rl.conf, &rl.errs, &rl.warns);
	if (rl.rc == 0 && rename(next, kept) < 0) {
		rl.rc = -errno;
		sb__msgs_add(&rl.errs, "%s: cannot keep the pushed configuration: %s", kept,
			     strerror(errno));
		sb__conf_free(rl.conf);
		rl.conf = NULL;
	}
	if (rl.rc < 0) {
		unlink(next);
		return;
	}
	rl.conf->overlay = sb__arena_strdup(rl.conf->arena, kept);
sync:
	if (rl.rc == 0 && (dfd = open(sb__d.state_dir, O_RDONLY | O_DIRECTORY)) >= 0) {
		/* the rename (or the removal) too */
		fsync(dfd);
		close(dfd);
	}
}

static void reload_work_cb(uv_work_t *w)
{
	if (rl.job->push)
		push_work(rl.job);
	else
		rl.rc = sb__daemon_load(sb__d.conf_path, &rl.conf, &rl.errs, &rl.warns);
}

static void job_next(void);

static void reload_after_cb(uv_work_t *w, int status)
{
	struct load_job *j = rl.job;

	rl.job = NULL;
	if (status < 0 || sb__d.stopping) {
		if (rl.rc == 0)
			sb__conf_free(rl.conf);
		rl.rc = status < 0 ? status : -ECANCELED;
		sb__msgs_add(&rl.errs, "the daemon is stopping");
	} else if (rl.rc < 0) {
		refused(&rl.errs, j->origin);
	} else {
		apply(rl.conf, &rl.warns, j->origin);
	}
	rl.conf = NULL;
	job_done(j, rl.rc, &rl.errs, &rl.warns);
	sb__msgs_free(&rl.errs);
	sb__msgs_free(&rl.warns);
	job_next();
}

/* start the first job that waits, if none runs */
static void job_next(void)
{
	int rc;

	while (!rl.job && rl.head) {
		struct load_job *j = rl.head;
		if (!(rl.head = j->next))
			rl.last = NULL;
		j->next = NULL;
		if (sb__d.stopping) {
			job_fail(j, -ECANCELED, "the daemon is stopping");
			continue;
		}
		rl.job = j;
		rl.errs = (struct sb_msgs){ 0 };
		rl.warns = (struct sb_msgs){ 0 };
		rl.rc = 0;
		if ((rc = uv_queue_work(sb__d.loop, &rl.work, reload_work_cb, reload_after_cb)) < 0) {
			rl.job = NULL;
			job_fail(j, rc, "the reload could not be started");
		}
	}
}

static int job_add(const char *push, size_t len, const char *origin, sb__reload_cb done_cb,
		   void *arg)
{
	struct reload_waiter *w = calloc(1, sizeof *w);
	struct load_job *j = NULL, *last = rl.last;

	if (!w)
		return -ENOMEM;
	w->done_cb = done_cb;
	w->arg = arg;
	if (!push && last && !last->push) { /* a reload of the file already waits: join it */
		w->next = last->waiters;
		last->waiters = w;
		return 0;
	}
	if (!(j = calloc(1, sizeof *j)) || !(j->origin = strdup(origin)) ||
	    (push && !(j->push = malloc(len + 1)))) {
		job_free(j);
		free(w);
		return -ENOMEM;
	}
	if (push) {
		memcpy(j->push, push, len);
		j->push[len] = '\0';
		j->push_len = len;
	}
	j->waiters = w;
	if (last)
		last->next = j;
	else
		rl.head = j;
	rl.last = j;
	return 0;
}

/* 0: done_cb runs later, on the loop, never from within this call; < 0: nothing was started
 * (no loop, no thread pool) and the caller should reload with sb__daemon_reload(). */
int sb__daemon_reload_async(sb__reload_cb done_cb, void *arg)
{
	int rc;

	if (!sb__d.loop)
		return -EINVAL;
	if ((rc = job_add(NULL, 0, "file", done_cb, arg)) < 0)
		return rc;
	job_next();
	return 0;
}

/* sb_conf_push (symbridge.h): the cloud's configuration, checked and applied like a reload */
struct push_waiter {
	sb_conf_push_cb done_cb;
	void *arg;
};

static void push_done(void *arg, int rc, const struct sb_msgs *errs, const struct sb_msgs *warns)
{
	struct push_waiter *pw = arg;
	struct sb_conf_result res = { .rc = rc,
				      .errors = (const char *const *)errs->v,
				      .nerrors = errs->n,
				      .warnings = (const char *const *)warns->v,
				      .nwarnings = warns->n };

	if (pw->done_cb)
		pw->done_cb(pw->arg, &res);
	free(pw);
}

int sb_conf_push(const char *origin, const char *text, size_t len, sb_conf_push_cb done_cb,
		 void *arg)
{
	struct push_waiter *pw;
	int rc;

	if (!sb__d.loop || !sb__d.state_dir || sb__d.stopping)
		return -EAGAIN;
	if (len > SB_CONF_PUSH_MAX || (len && memchr(text, '\0', len)))
		return -EINVAL;
	if (!(pw = malloc(sizeof *pw)))
		return -ENOMEM;
	*pw = (struct push_waiter){ done_cb, arg };
	if ((rc = job_add(text ? text : "", len, origin, push_done, pw)) < 0) {
		free(pw);
		return rc;
	}
	log_notice("configuration pushed by %s (%zu bytes): checking it", origin, len);
	job_next();
	return 0;
}
