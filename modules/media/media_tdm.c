/* media_tdm.c: TDM legs: a worker reads and writes an ISDN B-channel descriptor (DAHDI, or the
 * socket of socket:PATH) itself, so B-channel audio never crosses the main loop or loopback RTP. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SB_MODULE "media"
#include "symbridge.h"

#include "media_priv.h"

#define RTP_HDR 12
/* a frame is 160 bytes (20 ms) on DAHDI and from the test peers; the jitter buffer takes 512 */
#define TDM_FRAME_MAX MEDIA_JB_BYTES

/* ---- main thread ---- */

int media__tdm_new(struct media_tdm **tp, struct media_engine *e, const struct media_leg_conf *c)
{
	struct media_tdm *t = calloc(1, sizeof *t);
	int fd;

	if (!t || !(t->back = calloc(1, sizeof *t->back))) {
		free(t);
		return -ENOMEM;
	}
	/* our own reference to the open file: the owner may close or replace its descriptor
	 * (a new socket connection) while this one is still being read */
	if ((fd = fcntl(c->tdm_fd, F_DUPFD_CLOEXEC, 3)) < 0) {
		int rc = -errno;
		free(t->back);
		free(t);
		return rc;
	}
	/* a worker never waits on a B-channel: a full write buffer drops the frame */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	int type;
	socklen_t tl = sizeof type;
	t->sock = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0;
	t->fd = fd;
	t->event = c->tdm_event;
	t->eng = e;
	*tp = t;
	return 0;
}

void media__tdm_free(struct media_tdm *t)
{
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	free(t->back);
	free(t);
}

/* ---- worker ---- */

static void tdm_closed_cb(uv_handle_t *h)
{
	struct media_tdm *t = h->data;
	struct media_msg *m = t->back;
	struct media_session *s = t->counted ? t->l->s : NULL;

	close(t->fd);
	t->fd = -1;
	m->type = MEDIA_MSG_OLD_TDM;
	m->tdm = t;
	t->back = NULL; /* travels as the message; freed with t by the main thread */
	media__queue_push(&t->eng->replies, m);
	media__wake(&t->eng->wake);
	if (s)
		media__one_closed(s);
}

/* The leg lets go of the descriptor: closed once its poll handle is (counted: the session is
 * being destroyed and waits for it). */
void media__tdm_close(struct media_tdm *t, bool counted)
{
	t->counted = counted;
	if (t->polled) {
		uv_close((uv_handle_t *)&t->poll, tdm_closed_cb);
		return;
	}
	t->poll.data = t;
	tdm_closed_cb((uv_handle_t *)&t->poll);
}

static void tdm_stop(struct media_tdm *t, const char *why)
{
	if (t->dead)
		return;
	t->dead = true;
	uv_poll_stop(&t->poll);
	log_debug("B-channel descriptor of media leg %u: %s (its audio stops until the leg "
		  "gets a new one)",
		  t->l->idx, why);
}

/* What the B-channel gave: each frame of the leg's packet time (20 ms: 160 bytes of 8 kHz
 * G.711) gets an RTP header of our own numbering and goes the way a packet from an RTP peer goes
 * (pass-through or transcoding, DTMF detection, counters). A read of several frames (a DAHDI
 * block larger than 20 ms, or frames a socket peer sent as one) is cut into frames, so the leg's
 * report counts 20 ms frames, not reads; a shorter read (a smaller DAHDI block) is one packet. */
static void tdm_read_cb(uv_poll_t *h, int status, int events)
{
	struct media_tdm *t = h->data;
	struct media_leg_rt *l = t->l;
	const struct media_leg_conf *c = &l->s->pipe->conf[l->idx];
	size_t frame = 8 * (size_t)(c->ptime ? c->ptime : MEDIA_PTIME_DEFAULT);
	uint8_t raw[TDM_FRAME_MAX];
	ssize_t n;

	if (status < 0) {
		tdm_stop(t, uv_strerror(status));
		return;
	}
	n = read(t->fd, raw, sizeof raw);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR || (t->event && t->event(t->fd, errno)))
			return;
		tdm_stop(t, strerror(errno));
		return;
	}
	if (n == 0) {
		tdm_stop(t, "closed by the other end");
		return;
	}
	for (size_t off = 0; off < (size_t)n; off += frame) {
		size_t k = (size_t)n - off < frame ? (size_t)n - off : frame;
		uint8_t *b = l->rxbuf;

		/* media__rtp_in works on the leg's buffer in place (tones go into it) */
		memcpy(b + RTP_HDR, raw + off, k);
		b[0] = 0x80;
		b[1] = c->pt;
		b[2] = (uint8_t)(l->tdm_seq >> 8);
		b[3] = (uint8_t)l->tdm_seq;
		for (int i = 0; i < 4; i++) {
			b[4 + i] = (uint8_t)(l->tdm_ts >> (24 - 8 * i));
			b[8 + i] = (uint8_t)(l->tx_ssrc >> (24 - 8 * i)); /* any fixed source */
		}
		l->tdm_seq++;
		l->tdm_ts += (uint32_t)k; /* 8 kHz G.711: one byte per sample */
		media__rtp_in(l, (ssize_t)(RTP_HDR + k), NULL);
	}
}

/* Take the descriptors the session's new pipe brings; the ones they replace are closed. */
void media__tdm_adopt(struct media_session *s, struct media_pipe *p)
{
	for (int i = 0; i < 2; i++) {
		struct media_tdm *t = p->tdm_new[i];
		struct media_leg_rt *l = &s->leg[i];
		int rc;

		if (!t)
			continue;
		p->tdm_new[i] = NULL;
		if (l->tdm)
			media__tdm_close(l->tdm, false);
		l->tdm = t;
		t->l = l;
		t->poll.data = t;
		if ((rc = uv_poll_init(&s->w->loop, &t->poll, t->fd)) < 0) {
			log_warn("B-channel descriptor of media leg %d cannot be watched: %s", i,
				 uv_strerror(rc));
			t->dead = true;
			continue;
		}
		t->polled = true;
		t->poll.data = t;
		uv_poll_start(&t->poll, UV_READABLE | UV_DISCONNECT, tdm_read_cb);
	}
}

/* A packet toward a TDM leg: its payload is the frame written to the B-channel. */
ssize_t media__tdm_send(struct media_leg_rt *l, const uint8_t *pkt, size_t len)
{
	struct media_tdm *t = l->tdm;
	size_t hdr = RTP_HDR + 4 * (size_t)(pkt[0] & 0x0f);

	if (!t || t->dead)
		return -ENOTCONN;
	if ((pkt[0] & 0x10) && len >= hdr + 4)
		hdr += 4 + 4 * (size_t)((pkt[hdr + 2] << 8) | pkt[hdr + 3]);
	if (len <= hdr)
		return -EINVAL;
	/* a socket must not raise SIGPIPE when the other end left; DAHDI is no socket */
	ssize_t n = t->sock ? send(t->fd, pkt + hdr, len - hdr, MSG_NOSIGNAL | MSG_DONTWAIT)
			    : write(t->fd, pkt + hdr, len - hdr);
	return n < 0 ? -errno : n;
}
