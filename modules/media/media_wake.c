/* media_wake.c: one thread wakes another's loop (main -> worker: commands; worker -> main:
 * replies and events) through an eventfd watched by a uv_poll.
 *
 * Not uv_async_t: libuv 1.44's uv_async_send marks the handle busy, writes its eventfd, then
 * marks it done, and the woken loop spins, then calls sched_yield(), for as long as the
 * handle is marked busy. On 2 busy cores the woken worker often ran on the sender's CPU before
 * the sender's write() returned, and yielded to it for milliseconds (README.md, "Waking a
 * loop"). Here the sender's flag is set before the write and the receiver never waits for it. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define SB_MODULE "media"
#include "symbridge.h"

#include "media_priv.h"

static void wake_poll_cb(uv_poll_t *h, int status, int events)
{
	struct media_wake *wk = h->data;
	uint64_t n;

	/* empty the counter, then say that the next message needs a write again, then look:
	 * a message pushed before a sender saw the flag still set is found by the look below */
	while (read(wk->fd, &n, sizeof n) < 0 && errno == EINTR)
		;
	atomic_store(&wk->pending, 0);
	wk->cb(wk);
}

int media__wake_init(struct media_wake *wk, uv_loop_t *loop, void (*cb)(struct media_wake *),
		     void *data)
{
	int rc;

	wk->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (wk->fd < 0)
		return -errno;
	atomic_init(&wk->pending, 0);
	wk->cb = cb;
	wk->data = data;
	wk->close_cb = NULL;
	if ((rc = uv_poll_init(loop, &wk->poll, wk->fd)) < 0) {
		close(wk->fd);
		wk->fd = -1;
		return rc;
	}
	wk->poll.data = wk;
	uv_poll_start(&wk->poll, UV_READABLE, wake_poll_cb);
	return 0;
}

void media__wake(struct media_wake *wk)
{
	uint64_t one = 1;

	/* the message (or ring slot) is published before this: the flag orders after it */
	if (atomic_exchange(&wk->pending, 1) == 0)
		while (write(wk->fd, &one, sizeof one) < 0 && errno == EINTR)
			;
}

static void wake_closed_cb(uv_handle_t *h)
{
	struct media_wake *wk = h->data;

	close(wk->fd);
	wk->fd = -1;
	if (wk->close_cb)
		wk->close_cb(wk);
}

void media__wake_close(struct media_wake *wk, void (*close_cb)(struct media_wake *))
{
	wk->close_cb = close_cb;
	uv_close((uv_handle_t *)&wk->poll, wake_closed_cb);
}
