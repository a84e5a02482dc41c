/* sip_loop.c: sofia-sip's reactor nested in the main libuv loop (one thread, no busy polling). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include <sofia-sip/su_wait.h>

#define SB_MODULE "sip"
#include "sip_priv.h"

#define STEP_BATCH 256 /* su_root_step rounds per pump before we let libuv run again */

static struct {
	su_root_t *root;
	int epfd;
	uv_poll_t poll;
	uv_timer_t timer;
	uv_prepare_t prepare;
	bool running, closing;
	void (*after_cb)(void);
	unsigned long long steps; /* su_root_step() calls, for the README figures */
} lp = { .epfd = -1 };

/* The file descriptors that are epoll instances, as a bit set of the first 1024. */
static int epoll_fds(unsigned char set[128])
{
	char path[64], target[64];
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	memset(set, 0, 128);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);
		ssize_t len;
		if (de->d_name[0] == '.' || fd < 0 || fd >= 1024)
			continue;
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		len = readlink(path, target, sizeof target - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (strcmp(target, "anon_inode:[eventpoll]") == 0) {
			set[fd / 8] |= (unsigned char)(1u << (fd % 8));
			n++;
		}
	}
	closedir(d);
	return n;
}

static void timer_cb(uv_timer_t *t);

/* Run what sofia has ready (I/O, timers, queued messages), then sleep until its next timer. */
static void pump(void)
{
	su_duration_t d;
	int i = 0;

	if (!lp.root)
		return;
	do {
		d = su_root_step(lp.root, 0);
		lp.steps++;
	} while (d == 0 && ++i < STEP_BATCH);
	if (lp.after_cb)
		lp.after_cb();
	if (!lp.root || lp.closing)
		return;
	if (d == SU_WAIT_FOREVER || d < 0)
		uv_timer_stop(&lp.timer);
	else
		uv_timer_start(&lp.timer, timer_cb, (uint64_t)d, 0);
}

static void poll_cb(uv_poll_t *h, int status, int events)
{
	pump();
}

static void timer_cb(uv_timer_t *t)
{
	pump();
}

/* nua_*() calls made on this thread only queue a message (su_msg does not wake its own thread's
 * port), so run the queue before libuv blocks. An idle step costs about a microsecond. */
static void prepare_cb(uv_prepare_t *p)
{
	pump();
}

int sip_loop_open(uv_loop_t *loop, void (*after_cb)(void))
{
	unsigned char before[128], after[128];
	int rc, found = -1;

	if (su_init() != 0)
		return -ENOMEM;
	if ((rc = epoll_fds(before)) < 0)
		goto fail;
	/* SU_PORT chooses sofia's reactor: we need its epoll port */
	unsetenv("SU_PORT");
	if (!(lp.root = su_root_create(NULL))) {
		rc = -ENOMEM;
		goto fail;
	}
	/* the nua stack must run in this thread, on this port */
	su_root_threading(lp.root, 0);
	su_root_multishot(lp.root, 1);
	if ((rc = epoll_fds(after)) < 0)
		goto fail;
	for (int fd = 0; fd < 1024; fd++)
		if ((after[fd / 8] & ~before[fd / 8]) & (1u << (fd % 8))) {
			if (found >= 0) {
				found = -2;
				break;
			}
			found = fd;
		}
	if (found < 0) {
		log_err("cannot find sofia-sip's epoll descriptor (found %s): is SU_PORT set?",
			found == -1 ? "none" : "several");
		rc = -ENOTSUP;
		goto fail;
	}
	lp.epfd = found;
	lp.after_cb = after_cb;
	uv_poll_init(loop, &lp.poll, lp.epfd);
	uv_timer_init(loop, &lp.timer);
	uv_prepare_init(loop, &lp.prepare);
	uv_poll_start(&lp.poll, UV_READABLE, poll_cb);
	uv_prepare_start(&lp.prepare, prepare_cb);
	lp.running = true;
	lp.closing = false;
	return 0;
fail:
	if (lp.root)
		su_root_destroy(lp.root);
	lp.root = NULL;
	su_deinit();
	return rc;
}

su_root_t *sip_loop_root(void)
{
	return lp.root;
}

unsigned long long sip_loop_steps(void)
{
	return lp.steps;
}

/* After every nua is destroyed: free the root and take our handles off the loop. */
void sip_loop_close(void)
{
	if (!lp.running)
		return;
	lp.running = false;
	lp.closing = true;
	uv_close((uv_handle_t *)&lp.poll, NULL);
	uv_close((uv_handle_t *)&lp.timer, NULL);
	uv_close((uv_handle_t *)&lp.prepare, NULL);
	su_root_destroy(lp.root);
	lp.root = NULL;
	lp.epfd = -1;
	su_deinit();
}
