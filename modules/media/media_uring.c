/* media_uring.c: a worker's packet I/O through one io_uring: receives and sends of all its sockets
 * go to the kernel in one io_uring_enter per loop iteration instead of one syscall per packet. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define SB_MODULE "media"
#include "symbridge.h"

#include "media_priv.h"

#ifdef HAVE_LIBURING
#include <liburing.h>

/* Why this shape (README.md, "Packet I/O"):
 * - Every socket has one multishot IORING_OP_RECVMSG in flight: each datagram completes into a
 *   buffer of the worker's ring of provided buffers, is copied into the leg's own buffer and
 *   handled like a uv_poll read, and the buffer goes back to the ring; the receive stays armed
 *   until it ends (no buffer was free, a cancel), then it is armed again. Kernels without
 *   provided buffer rings or multishot receives get one single-shot receive into the leg's
 *   buffer per datagram, armed again after each.
 * - A send copies the (protected) packet into a slot of the worker's and queues a SENDMSG with
 *   MSG_DONTWAIT, so it fails rather than waits for socket space; the slot is free again once
 *   the send's completion is seen.
 * - A uv_prepare submits everything queued in the loop iteration just before the loop sleeps;
 *   a uv_poll on the ring's fd wakes the loop when completions are there.
 * Nothing here allocates or locks after init. */
#define URING_ENTRIES 1024 /* submission queue; the completion queue is twice that */
/* Sends queued and not yet completed. One loop turn may handle every completion the queue
 * holds (2048) and send up to two packets for each; 512 slots ran out at 500 transcoded calls
 * and 40 % of the sends went out by plain sendto. A slot holds a packet of up to
 * URING_SLOT_BUF bytes (G.711/G.722 with SRTP are 182, Opus at 64 kbit/s about 180); a longer
 * one is sent directly, and counted as such. */
#define URING_SLOTS   4096
#define URING_SLOT_BUF 768

/* Provided receive buffers: a datagram's io_uring_recvmsg_out, its source address and the
 * datagram itself; in flight only from the completion to the end of its handling. */
#define URING_RXBUFS    1024
#define URING_RXBUF_LEN MEDIA_BUF
#define URING_BGID      0

enum { TAG_RTP = 0, TAG_RTCP = 1, TAG_SEND = 2, TAG_CANCEL = 3, TAG_MASK = 7 };

struct media_uring_slot {
	struct msghdr msg;
	struct iovec iov;
	struct sockaddr_storage to;
	uint8_t buf[URING_SLOT_BUF];
};

struct media_uring {
	struct io_uring ring;
	uv_poll_t poll;     /* the ring's fd: readable while completions wait */
	uv_prepare_t flush; /* submits what the iteration queued */
	bool coop; /* IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG took */
	bool multishot; /* receives are multishot into the provided buffers below */
	struct io_uring_buf_ring *br;
	uint8_t *rxbufs; /* URING_RXBUFS of URING_RXBUF_LEN */
	struct msghdr rxhdr; /* the layout of a provided buffer: a source address, no control */
	unsigned rx_inflight;
	bool stopping;
	unsigned nfree;
	uint16_t free[URING_SLOTS];
	struct media_uring_slot slot[URING_SLOTS];
};

/* an SQE, submitting what is queued when the queue is full */
static struct io_uring_sqe *sqe_get(struct media_uring *u)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (!sqe) {
		io_uring_submit(&u->ring);
		sqe = io_uring_get_sqe(&u->ring);
	}
	return sqe;
}

static void arm_rx(struct media_uring *u, struct media_leg_rt *l, int which)
{
	struct media_urx *r = &l->urx[which];
	struct io_uring_sqe *sqe;

	if (r->dead || r->armed || !(sqe = sqe_get(u)))
		return;
	if (u->multishot) {
		io_uring_prep_recvmsg_multishot(sqe, which == TAG_RTCP ? l->fd_rtcp : l->fd_rtp,
						&u->rxhdr, MSG_TRUNC);
		sqe->flags |= IOSQE_BUFFER_SELECT;
		sqe->buf_group = URING_BGID;
	} else {
		/* room is left behind the datagram for the SRTP tag added when relaying it */
		r->iov = (struct iovec){ which == TAG_RTCP ? l->rtcpbuf : l->rxbuf,
					 MEDIA_BUF - MEDIA_SRTP_OVERHEAD };
		r->msg = (struct msghdr){ .msg_name = &r->from,
					  .msg_namelen = sizeof r->from,
					  .msg_iov = &r->iov,
					  .msg_iovlen = 1 };
		io_uring_prep_recvmsg(sqe, which == TAG_RTCP ? l->fd_rtcp : l->fd_rtp, &r->msg,
				      MSG_TRUNC);
	}
	io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)l | (uint64_t)which);
	r->armed = true;
	u->rx_inflight++;
}

static void maybe_stop(struct media_uring *u)
{
	if (!u->stopping || u->rx_inflight)
		return;
	io_uring_submit(&u->ring);
	if (!uv_is_closing((uv_handle_t *)&u->poll)) {
		uv_close((uv_handle_t *)&u->poll, NULL);
		uv_close((uv_handle_t *)&u->flush, NULL);
	}
}

/* a datagram in provided buffer bid (res bytes of it used): copied into the leg's buffer and
 * handled, the buffer given back */
static void rx_provided(struct media_uring *u, struct media_leg_rt *l, int which, unsigned bid,
			int res)
{
	uint8_t *buf = u->rxbufs + (size_t)bid * URING_RXBUF_LEN;
	struct io_uring_recvmsg_out *o = io_uring_recvmsg_validate(buf, res, &u->rxhdr);

	if (o && !l->s->w_closing) {
		size_t n = io_uring_recvmsg_payload_length(o, res, &u->rxhdr);
		uint8_t *dst = which == TAG_RTCP ? l->rtcpbuf : l->rxbuf;
		/* a datagram longer than the buffer is counted as truncated (media__rx drops it) */
		if (!(o->flags & MSG_TRUNC) && n <= MEDIA_BUF - MEDIA_SRTP_OVERHEAD)
			memcpy(dst, io_uring_recvmsg_payload(o, &u->rxhdr), n);
		else
			n = MEDIA_BUF;
		media__rx(l, which == TAG_RTCP, (ssize_t)n,
			  (struct sockaddr *)io_uring_recvmsg_name(o));
	}
	io_uring_buf_ring_add(u->br, buf, URING_RXBUF_LEN, (unsigned short)bid,
			      io_uring_buf_ring_mask(URING_RXBUFS), 0);
	io_uring_buf_ring_advance(u->br, 1);
}

static void rx_done(struct media_uring *u, struct media_leg_rt *l, int which, int res,
		    unsigned flags)
{
	struct media_urx *r = &l->urx[which];

	if (flags & IORING_CQE_F_BUFFER)
		rx_provided(u, l, which, flags >> IORING_CQE_BUFFER_SHIFT, res);
	if (flags & IORING_CQE_F_MORE)
		return; /* the multishot receive stays armed */
	r->armed = false;
	u->rx_inflight--;
	if (l->s->w_closing) {
		media__socket_closed(l, which == TAG_RTCP);
		maybe_stop(u);
		return;
	}
	if (res == -EINVAL && u->multishot) {
		/* a kernel with buffer rings but without multishot receives (before 6.0) */
		u->multishot = false;
	} else if (res >= 0) {
		if (!(flags & IORING_CQE_F_BUFFER))
			media__rx(l, which == TAG_RTCP, res, (struct sockaddr *)&r->from);
	} else if (res != -EAGAIN && res != -EINTR && res != -ENOBUFS && res != -ENOMEM &&
		   res != -ECONNREFUSED && res != -ECANCELED) {
		/* not a passing condition: stop reading rather than spin on it */
		unsigned long long prev = sb_log_call_set(
			atomic_load_explicit(&l->s->call_id, memory_order_relaxed));
		log_warn("receive on a media socket failed: %s; the socket is no longer read",
			 strerror(-res));
		sb_log_call_set(prev);
		r->dead = true;
		return;
	}
	arm_rx(u, l, which);
}

static void ring_cb(uv_poll_t *h, int status, int events)
{
	struct media_uring *u = h->data;
	struct io_uring_cqe *cqe;

	while (io_uring_peek_cqe(&u->ring, &cqe) == 0) {
		uint64_t ud = cqe->user_data;
		int res = cqe->res;
		unsigned flags = cqe->flags;
		io_uring_cqe_seen(&u->ring, cqe);
		switch (ud & TAG_MASK) {
		case TAG_RTP:
		case TAG_RTCP:
			rx_done(u, (struct media_leg_rt *)(uintptr_t)(ud & ~(uint64_t)TAG_MASK),
				(int)(ud & TAG_MASK), res, flags);
			break;
		case TAG_SEND:
			/* the per-leg counters were set when queued; a failure is rare (a full
			 * socket buffer) and the packet is lost as with sendto */
			u->free[u->nfree++] = (uint16_t)(ud >> 3);
			break;
		default: break; /* a cancel's own completion */
		}
	}
}

static void flush_cb(uv_prepare_t *p)
{
	struct media_uring *u = p->data;

	/* With cooperative task running the kernel posts completions only when the worker enters
	 * it, and flags that it should: do it here, before the loop sleeps, in the one call that
	 * submits. (A worker asleep in epoll_wait is still woken by the task work.) */
	if (u->coop && (IO_URING_READ_ONCE(*u->ring.sq.kflags) & IORING_SQ_TASKRUN))
		io_uring_submit_and_get_events(&u->ring);
	else if (io_uring_sq_ready(&u->ring))
		io_uring_submit(&u->ring);
}

/* the ring of provided receive buffers; without it (kernels before 5.19) receives are
 * single-shot into the legs' buffers */
static void rxbufs_init(struct media_uring *u)
{
	struct io_uring_buf_reg reg = { .ring_entries = URING_RXBUFS, .bgid = URING_BGID };
	void *ring = NULL;

	u->rxhdr = (struct msghdr){ .msg_namelen = sizeof(struct sockaddr_storage) };
	/* zeroed: valgrind does not see the kernel write them through the ring, and takes zeroed
	 * memory as defined (as it does the legs' own buffers) */
	if (posix_memalign(&ring, 4096, URING_RXBUFS * sizeof(struct io_uring_buf)) != 0 ||
	    !(u->rxbufs = calloc(URING_RXBUFS, URING_RXBUF_LEN))) {
		free(ring);
		return;
	}
	u->br = ring;
	io_uring_buf_ring_init(u->br);
	reg.ring_addr = (uint64_t)(uintptr_t)u->br;
	if (io_uring_register_buf_ring(&u->ring, &reg, 0) < 0) {
		free(u->br);
		free(u->rxbufs);
		u->br = NULL;
		u->rxbufs = NULL;
		return;
	}
	for (unsigned i = 0; i < URING_RXBUFS; i++)
		io_uring_buf_ring_add(u->br, u->rxbufs + (size_t)i * URING_RXBUF_LEN,
				      URING_RXBUF_LEN, (unsigned short)i,
				      io_uring_buf_ring_mask(URING_RXBUFS), (int)i);
	io_uring_buf_ring_advance(u->br, URING_RXBUFS);
	u->multishot = true;
}

int media__uring_init(struct media_worker *w)
{
	struct media_uring *u = calloc(1, sizeof *u);
	int rc;

	if (!u)
		return -ENOMEM;
	/* Cooperative task running (unless media_engine_conf.uring_plain): the kernel no longer
	 * interrupts a busy worker for each completion (22 % of a worker at 500 calls was such
	 * wake-ups). Kernels before 5.19 refuse the flags: a plain ring. */
	struct io_uring_params p = { .flags = IORING_SETUP_COOP_TASKRUN |
					      IORING_SETUP_TASKRUN_FLAG };
	if (!w->eng->uring_plain &&
	    (rc = io_uring_queue_init_params(URING_ENTRIES, &u->ring, &p)) == 0)
		u->coop = true;
	else if ((rc = io_uring_queue_init(URING_ENTRIES, &u->ring, 0)) < 0) {
		free(u);
		return rc;
	}
	for (unsigned i = 0; i < URING_SLOTS; i++)
		u->free[u->nfree++] = (uint16_t)(URING_SLOTS - 1 - i);
	rxbufs_init(u);
	uv_poll_init(&w->loop, &u->poll, u->ring.ring_fd);
	u->poll.data = u;
	uv_poll_start(&u->poll, UV_READABLE, ring_cb);
	uv_prepare_init(&w->loop, &u->flush);
	u->flush.data = u;
	uv_prepare_start(&u->flush, flush_cb);
	w->uring = u;
	return 0;
}

void media__uring_exit(struct media_worker *w)
{
	if (!w->uring)
		return;
	io_uring_queue_exit(&w->uring->ring);
	free(w->uring->br);
	free(w->uring->rxbufs);
	free(w->uring);
	w->uring = NULL;
}

void media__uring_start_leg(struct media_leg_rt *l)
{
	struct media_uring *u = l->s->w->uring;

	memset(l->urx, 0, sizeof l->urx);
	arm_rx(u, l, TAG_RTP);
	arm_rx(u, l, TAG_RTCP);
}

void media__uring_close_leg(struct media_leg_rt *l)
{
	struct media_uring *u = l->s->w->uring;

	for (int which = TAG_RTP; which <= TAG_RTCP; which++) {
		struct io_uring_sqe *sqe;
		if (!l->urx[which].armed) {
			/* nothing in flight (the socket failed for good): close it now */
			media__socket_closed(l, which == TAG_RTCP);
			continue;
		}
		/* the receive completes with -ECANCELED (or with a datagram, if one won the
		 * race); rx_done then closes the socket */
		if ((sqe = sqe_get(u))) {
			io_uring_prep_cancel64(sqe, (uint64_t)(uintptr_t)l | (uint64_t)which, 0);
			io_uring_sqe_set_data64(sqe, TAG_CANCEL);
		}
	}
}

int media__uring_send(struct media_leg_rt *l, int fd, const uint8_t *pkt, size_t len,
		      const struct sockaddr_storage *to)
{
	struct media_uring *u = l->s->w->uring;
	socklen_t tl = to->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						 : sizeof(struct sockaddr_in);
	struct io_uring_sqe *sqe;

	if (!u->nfree || len > URING_SLOT_BUF || !(sqe = sqe_get(u))) {
		/* every slot waits for its completion, or the packet is too long: send it
		 * directly (show media: sends_direct) */
		ssize_t rc = sendto(fd, pkt, len, MSG_DONTWAIT, (const struct sockaddr *)to, tl);
		atomic_fetch_add_explicit(&l->s->w->sends_direct, 1, memory_order_relaxed);
		return rc < 0 ? -errno : 0;
	}
	unsigned i = u->free[--u->nfree];
	struct media_uring_slot *sl = &u->slot[i];
	memcpy(sl->buf, pkt, len);
	memcpy(&sl->to, to, tl);
	sl->iov = (struct iovec){ sl->buf, len };
	sl->msg = (struct msghdr){
		.msg_name = &sl->to, .msg_namelen = tl, .msg_iov = &sl->iov, .msg_iovlen = 1
	};
	io_uring_prep_sendmsg(sqe, fd, &sl->msg, MSG_DONTWAIT);
	io_uring_sqe_set_data64(sqe, (uint64_t)i << 3 | TAG_SEND);
	return 0;
}

void media__uring_stop(struct media_worker *w)
{
	w->uring->stopping = true;
	maybe_stop(w->uring);
}

#else /* !HAVE_LIBURING: built without liburing, the workers always use uv_poll */

int media__uring_init(struct media_worker *w)
{
	return -ENOSYS;
}

void media__uring_exit(struct media_worker *w)
{
}

void media__uring_start_leg(struct media_leg_rt *l)
{
}

void media__uring_close_leg(struct media_leg_rt *l)
{
}

int media__uring_send(struct media_leg_rt *l, int fd, const uint8_t *pkt, size_t len,
		      const struct sockaddr_storage *to)
{
	return -ENOSYS;
}

void media__uring_stop(struct media_worker *w)
{
}

#endif
