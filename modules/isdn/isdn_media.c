/* isdn_media.c: B-channel audio into the media engine: each connected ISDN leg becomes an RTP
 * endpoint (G.711 in RTP over a loopback UDP socket) and the call's two legs meet in a media
 * session, which passes A-law/mu-law through or transcodes between them. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SB_MODULE "isdn"
#include "isdn_int.h"
#include "media.h"

#define RTP_HDR 12

static void rtp_read_cb(uv_poll_t *p, int status, int events)
{
	struct isdn_call *ic = p->data;
	uint8_t buf[RTP_HDR + 1024];
	ssize_t n = recv(ic->rtp.fd, buf, sizeof buf, MSG_DONTWAIT);
	size_t hdr;

	if (n < RTP_HDR || (buf[0] >> 6) != 2 || !ic->bc || ic->bc->audio.fd < 0)
		return;
	hdr = RTP_HDR + 4 * (size_t)(buf[0] & 0x0f);
	if ((buf[0] & 0x10) && (size_t)n >= hdr + 4) /* header extension */
		hdr += 4 + 4 * (size_t)((buf[hdr + 2] << 8) | buf[hdr + 3]);
	if ((size_t)n <= hdr)
		return;
	if (write(ic->bc->audio.fd, buf + hdr, (size_t)n - hdr) > 0) /* a socket or DAHDI */
		ic->bc->audio.frames_out++;
}

/* A loopback UDP socket for the leg's RTP; the session's port for this leg is where it sends. */
static int rtp_open(struct isdn_call *ic, struct sockaddr_storage *local)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0 ||
	    !(ic->rtp.poll = malloc(sizeof *ic->rtp.poll))) {
		int rc = errno ? -errno : -ENOMEM;
		close(fd);
		return rc;
	}
	uv_poll_init(sb_daemon_loop(), ic->rtp.poll, fd);
	ic->rtp.poll->data = ic;
	uv_poll_start(ic->rtp.poll, UV_READABLE, rtp_read_cb);
	ic->rtp.fd = fd;
	ic->rtp.ssrc = (uint32_t)random();
	ic->rtp.seq = (uint16_t)random();
	ic->rtp.ts = (uint32_t)random();
	memset(local, 0, sizeof *local);
	memcpy(local, &sa, sizeof sa);
	return 0;
}

static void rtp_close(struct isdn_call *ic)
{
	isdn_handle_close((uv_handle_t *)ic->rtp.poll);
	ic->rtp.poll = NULL;
	if (ic->rtp.fd >= 0)
		close(ic->rtp.fd);
	ic->rtp.fd = -1;
}

static void leg_conf(const struct isdn_call *ic, const struct sockaddr_storage *local,
		     struct media_leg_conf *lc)
{
	memset(lc, 0, sizeof *lc);
	lc->codec = ic->span->ulaw ? MEDIA_PCMU : MEDIA_PCMA;
	lc->pt = ic->span->ulaw ? 0 : 8;
	lc->dtmf_pt = -1; /* G.711 on both sides: digits travel in band, and on the D-channel */
	lc->ptime = 20;
	lc->remote = *local;
}

static void session_event_cb(struct media_session *s, const struct media_event *ev, void *arg)
{
}

/* The call between two ISDN legs is connected: one session, leg 0 ours, leg 1 the peer's. */
int isdn_media_connect(struct isdn_call *ic, struct isdn_call *peer)
{
	struct media_engine *e = media_daemon_engine();
	struct sockaddr_storage la, lb;
	struct media_leg_conf legs[2];
	int rc;

	if (!e)
		return -ENOTSUP; /* no engine: the B-channels are relayed directly */
	if ((rc = rtp_open(ic, &la)) < 0)
		return rc;
	if ((rc = rtp_open(peer, &lb)) < 0) {
		rtp_close(ic);
		return rc;
	}
	leg_conf(ic, &la, &legs[0]);
	leg_conf(peer, &lb, &legs[1]);
	if ((rc = media_session_alloc(&ic->rtp.session, e, legs, session_event_cb, ic)) < 0) {
		log_warn("span %d: no media session for the call: %s (B-channels relayed directly)",
			 ic->span->slot, strerror(-rc));
		ic->rtp.session = NULL;
		rtp_close(ic);
		rtp_close(peer);
		return rc;
	}
	struct sockaddr_in *to = (struct sockaddr_in *)&ic->rtp.to;
	*to = (struct sockaddr_in){ .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				    .sin_port = htons(media_session_port(ic->rtp.session, 0)) };
	to = (struct sockaddr_in *)&peer->rtp.to;
	*to = (struct sockaddr_in){ .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				    .sin_port = htons(media_session_port(ic->rtp.session, 1)) };
	peer->rtp.peer_owned = true;
	return 0;
}

/* A frame from the B-channel goes out as one RTP packet. */
int isdn_media_send(struct isdn_call *ic, const uint8_t *frame, size_t len)
{
	uint8_t pkt[RTP_HDR + 1024];

	if (ic->rtp.fd < 0 || len > 1024)
		return -ENOTCONN;
	pkt[0] = 0x80;
	pkt[1] = ic->span->ulaw ? 0 : 8;
	pkt[2] = (uint8_t)(ic->rtp.seq >> 8);
	pkt[3] = (uint8_t)ic->rtp.seq;
	for (int i = 0; i < 4; i++) {
		pkt[4 + i] = (uint8_t)(ic->rtp.ts >> (24 - 8 * i));
		pkt[8 + i] = (uint8_t)(ic->rtp.ssrc >> (24 - 8 * i));
	}
	memcpy(pkt + RTP_HDR, frame, len);
	ic->rtp.seq++;
	ic->rtp.ts += (uint32_t)len; /* 8 kHz: one byte per sample */
	if (sendto(ic->rtp.fd, pkt, RTP_HDR + len, MSG_DONTWAIT, (struct sockaddr *)&ic->rtp.to,
		   sizeof(struct sockaddr_in)) < 0)
		return -errno;
	return 0;
}

/* Another module's session carries this leg (a SIP call): the leg's loopback RTP endpoint, G.711
 * as the span speaks it; digits travel in band (and as keypad digits on the D-channel). */
int isdn_media_open_ep(struct isdn_call *ic, struct sb_rtp_ep *ep)
{
	struct sockaddr_storage local;
	int rc;

	if (ic->rtp.fd < 0 && (rc = rtp_open(ic, &local)) < 0)
		return rc;
	memset(ep, 0, sizeof *ep);
	snprintf(ep->codec, sizeof ep->codec, "%s", ic->span->ulaw ? "PCMU" : "PCMA");
	ep->pt = ic->span->ulaw ? 0 : 8;
	ep->dtmf_pt = -1;
	socklen_t len = sizeof ep->addr;
	if (getsockname(ic->rtp.fd, (struct sockaddr *)&ep->addr, &len) < 0)
		return -errno;
	snprintf(ic->leg.codec, sizeof ic->leg.codec, "%s", ep->codec);
	return 0;
}

void isdn_media_set_to(struct isdn_call *ic, const struct sockaddr_storage *to)
{
	ic->rtp.to = *to;
	ic->rtp.peer_owned = true; /* the session is not ours to destroy */
}

/* The leg goes: its socket closes, and the session with it when the leg made it. */
void isdn_media_close(struct isdn_call *ic)
{
	if (ic->rtp.session) {
		media_session_destroy(ic->rtp.session);
		ic->rtp.session = NULL;
	}
	rtp_close(ic);
}
