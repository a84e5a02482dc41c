/* main.c: symbridged: options, config test, start-up (lock, store, control socket), loop, shutdown. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "core.h"
#include "notify.h"

#ifndef SB_SYSCONFDIR
#define SB_SYSCONFDIR "/etc"
#endif

static uv_signal_t sig_hup, sig_term, sig_int;
static int lock_fd = -1;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: symbridged [-c FILE] [-t] [-f] [--state-dir DIR] [--control-socket PATH]\n"
		"       symbridged -v | -h\n"
		"  -c, --config FILE        configuration file (default "
		"%s/symbridge/symbridge.conf)\n"
		"  -t, --test-config        check the configuration, print every error, exit 0 or "
		"1\n"
		"  -f, --foreground         stay in the foreground and log to stderr\n"
		"      --state-dir DIR      override system.state_dir\n"
		"      --control-socket P   override system.control_socket\n"
		"  -v, --version            print the version\n"
		"  -h, --help               print this help\n",
		SB_SYSCONFDIR);
}

/* Paths given on the command line are relative to where we were started. */
static char *abs_path(const char *p)
{
	char cwd[PATH_MAX], *out;

	if (p[0] == '/' || !getcwd(cwd, sizeof cwd))
		return strdup(p);
	if (asprintf(&out, "%s/%s", cwd, p) < 0)
		return NULL;
	return out;
}

static int mkdir_p(const char *dir, mode_t mode)
{
	char tmp[PATH_MAX];

	if (snprintf(tmp, sizeof tmp, "%s", dir) >= (int)sizeof tmp)
		return -ENAMETOOLONG;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* One daemon per state dir: an flock held for the daemon's life, with our pid inside. */
static int lock_state(const char *dir)
{
	char path[PATH_MAX], pid[32] = "";
	ssize_t n;

	snprintf(path, sizeof path, "%s/symbridged.lock", dir);
	if ((lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) < 0) {
		log_err("cannot open the lock file %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(lock_fd, LOCK_EX | LOCK_NB) < 0) {
		n = pread(lock_fd, pid, sizeof pid - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		log_err("another symbridged (pid %s) is running with state dir %s: stop it first, "
			"or give this one another --state-dir",
			pid[0] ? pid : "unknown", dir);
		close(lock_fd);
		lock_fd = -1;
		return -1;
	}
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(lock_fd, 0) < 0 || pwrite(lock_fd, pid, (size_t)n, 0) != n)
		log_warn("cannot write our pid into %s: %s", path, strerror(errno));
	return 0;
}

/* How many times this state dir has started: kept in the store, so it survives SIGKILL. */
static void count_start(void)
{
	unsigned long long starts = 0;
	void *val;
	size_t len;

	if (sb_store_get(sb__d.store, "meta", "starts", 6, &val, &len) == 0) {
		if (len == sizeof starts)
			memcpy(&starts, val, sizeof starts);
		free(val);
	}
	starts++;
	if (sb_store_put(sb__d.store, "meta", "starts", 6, &starts, sizeof starts) < 0)
		log_warn("cannot record the start in the store");
	sb__d.starts = starts;
}

static void signal_cb(uv_signal_t *h, int signum)
{
	if (signum == SIGHUP) {
		log_notice("SIGHUP: reloading %s", sb__d.conf_path);
		if (sb__daemon_reload_async(NULL, NULL) < 0) { /* read off the loop, swapped on it */
			struct sb_msgs errs = { 0 }, warns = { 0 };
			sb__daemon_reload(&errs, &warns);
			sb__msgs_free(&errs);
			sb__msgs_free(&warns);
		}
		return;
	}
	log_notice("%s: shutting down", signum == SIGTERM ? "SIGTERM" : "SIGINT");
	sb__daemon_stop();
}

void sb__daemon_stop(void)
{
	if (sb__d.stopping)
		return;
	sb__d.stopping = true;
	sb__ctl_close();
	sb__drain_close();
	sb__calls_stop();
	sb__cards_close(sb__d.conf);
	sb__modules_close();
	uv_close((uv_handle_t *)&sig_hup, NULL);
	uv_close((uv_handle_t *)&sig_term, NULL);
	uv_close((uv_handle_t *)&sig_int, NULL);
}

/* Fork into the background; the parent exits only once the child is ready (or failed). */
static int daemonize(int *notify_fd)
{
	int fds[2];
	char c = 0;
	pid_t pid;

	if (pipe(fds) < 0 || (pid = fork()) < 0) {
		fprintf(stderr, "symbridged: cannot go into the background: %s\n", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		close(fds[1]);
		while (read(fds[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(c == 'R' ? 0 : 1);
	}
	close(fds[0]);
	setsid();
	*notify_fd = fds[1];
	return 0;
}

static void detach_stdio(int notify_fd)
{
	int null = open("/dev/null", O_RDWR);

	if (notify_fd >= 0) {
		if (write(notify_fd, "R", 1) < 0)
			log_warn("cannot tell the starting process we are ready");
		close(notify_fd);
	}
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
}

static int run(bool foreground)
{
	const struct sb_conf *conf = sb__d.conf;
	uv_loop_t loop;
	char store_dir[PATH_MAX], sock_dir[PATH_MAX];
	int notify_fd = -1, rc;

	if (!foreground && daemonize(&notify_fd) < 0)
		return 1;
	sb__d.state_dir = strdup(conf->system.state_dir);
	sb__d.ctl_path = strdup(conf->system.control_socket);
	if ((rc = mkdir_p(sb__d.state_dir, 0750)) < 0) {
		log_err("cannot create the state dir %s: %s", sb__d.state_dir, strerror(-rc));
		return 1;
	}
	if (lock_state(sb__d.state_dir) < 0)
		return 1;
	snprintf(store_dir, sizeof store_dir, "%s/store", sb__d.state_dir);
	if ((rc = sb_store_open(&sb__d.store, store_dir, 0)) < 0) {
		log_err("cannot open the store in %s: %s", store_dir, strerror(-rc));
		return 1;
	}
	count_start();

	uv_loop_init(&loop);
	sb__d.loop = &loop;
	sb__d.stop = sb__daemon_stop;
	/* initialised first: every exit path below closes them */
	uv_signal_init(&loop, &sig_hup);
	uv_signal_init(&loop, &sig_term);
	uv_signal_init(&loop, &sig_int);
	snprintf(sock_dir, sizeof sock_dir, "%s", sb__d.ctl_path);
	if (strrchr(sock_dir, '/'))
		*strrchr(sock_dir, '/') = '\0';
	if (sock_dir[0] && (rc = mkdir_p(sock_dir, 0750)) < 0) {
		log_err("cannot create the folder of the control socket %s: %s", sock_dir,
			strerror(-rc));
		goto out;
	}
	if ((rc = sb__cmd_register()) < 0 || (rc = sb__ctl_listen(&loop, sb__d.ctl_path)) < 0) {
		log_err("cannot listen on the control socket %s: %s", sb__d.ctl_path,
			uv_strerror(rc));
		goto out;
	}
	sb__cluster_start(conf); /* before the modules: the cloud link registers only when active */
	if ((rc = sb__modules_init(conf)) < 0)
		goto out;
	sb__cards_open(conf, NULL);
	uv_signal_start(&sig_hup, signal_cb, SIGHUP);
	uv_signal_start(&sig_term, signal_cb, SIGTERM);
	uv_signal_start(&sig_int, signal_cb, SIGINT);

	log_notice("symbridged %s ready: %zu cards, configuration %s, control socket %s, "
		   "state dir %s (start %llu)",
		   PACKAGE_VERSION, conf->model->ncards, sb__d.conf_path, sb__d.ctl_path,
		   sb__d.state_dir, sb__d.starts);
	/* systemd (Type=notify) starts waiting clients only now that the socket answers */
	if ((rc = sb__notify("READY=1")) < 0)
		log_warn("cannot tell systemd we are ready through $NOTIFY_SOCKET: %s",
			 strerror(-rc));
	if (!foreground) {
		sb__log_open(false, "symbridged");
		detach_stdio(notify_fd);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	rc = 0;
out:
	sb__daemon_stop();
	uv_run(&loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&loop) != 0) {
		log_err("internal error: handles left open at shutdown");
		rc = -EBUSY;
	}
	if (sb_store_sync(sb__d.store) < 0)
		rc = -EIO;
	sb_store_close(sb__d.store);
	sb__d.store = NULL;
	sb__ctl_unregister_all();
	if (rc == 0)
		log_notice("stopped cleanly");
	return rc < 0 ? 1 : sb__d.exit_status;
}

/* The version, and the optional parts this build has (what configure found), so an admin can
 * tell why a dahdi: span says it has no DAHDI support. */
static void print_version(void)
{
	printf("symbridged %s\nbuilt with:%s%s\n", PACKAGE_VERSION,
#ifdef HAVE_DAHDI_USER_H
	       " dahdi",
#else
	       " (no dahdi)",
#endif
#ifdef HAVE_LIBURING
	       " io_uring"
#else
	       " (no io_uring)"
#endif
	);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "test-config", no_argument, NULL, 't' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "control-socket", required_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_arg = SB_SYSCONFDIR "/symbridge/symbridge.conf";
	struct sb_msgs errs = { 0 }, warns = { 0 };
	bool test = false, foreground = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, "c:tfvh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': conf_arg = optarg; break;
		case 't': test = true; break;
		case 'f': foreground = true; break;
		case 'S': sb__d.opt_state_dir = abs_path(optarg); break;
		case 'C': sb__d.opt_ctl = abs_path(optarg); break;
		case 'v': print_version(); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "symbridged: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	sb__d.conf_path = abs_path(conf_arg);
	rc = sb__daemon_load(sb__d.conf_path ? sb__d.conf_path : conf_arg, &sb__d.conf, &errs,
			     &warns);
	/* under systemd (ExecStartPre= -t too) the journal stores each line at its priority */
	bool journal = sb__log_stderr_is_journal();
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s%s\n", journal ? "<3>" : "", errs.v[i]);
	for (size_t i = 0; i < warns.n; i++)
		fprintf(stderr, "%swarning: %s\n", journal ? "<4>" : "", warns.v[i]);
	if (test || rc < 0) {
		fprintf(stderr, "%ssymbridged: configuration file %s %s\n",
			journal ? (rc < 0 ? "<3>" : "<6>") : "", conf_arg,
			rc < 0 ? (test ? "test failed" : "has errors: not started")
			       : "test is successful");
		rc = rc < 0 ? 1 : 0;
	} else {
		sb__log_set_level((enum sb_log_level)sb__d.conf->system.log_level);
		sb__d.started = sb__d.loaded = (long long)time(NULL);
		rc = run(foreground);
	}
	sb__msgs_free(&errs);
	sb__msgs_free(&warns);
	sb__conf_free(sb__d.conf);
	free(sb__d.conf_path);
	free(sb__d.state_dir);
	free(sb__d.ctl_path);
	free((char *)sb__d.opt_state_dir);
	free((char *)sb__d.opt_ctl);
	if (lock_fd >= 0)
		close(lock_fd);
	return rc;
}
