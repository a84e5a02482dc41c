/* isdn_audio.c: B-channel audio: a DAHDI channel (isdn_dahdi.c opens it), or for tests and
 * simulation one listening UNIX socket per B-channel, "<D-channel path>.b<N>"; both carry 8 kHz
 * G.711 frames (A-law on E1 and BRI, mu-law on T1). While a call is connected its frames go into the call's media session as RTP
 * (isdn_media.c); without a media engine two ISDN legs are relayed to each other directly (with
 * A-law <-> mu-law conversion between E1 and T1); otherwise frames are counted and dropped. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdint.h>
#include <spandsp/telephony.h>
#include <spandsp/g711.h>

#define SB_MODULE "isdn"
#include "isdn_int.h"

int isdn_listen(const char *path, int *fdp); /* isdn_span.c */

#define FRAME_MAX 1024

static struct isdn_bchan *peer_bc(struct isdn_bchan *bc)
{
	struct sb_leg *peer;

	if (!bc->call || !(peer = sb_leg_peer(&bc->call->leg)) || strcmp(peer->owner, "isdn") != 0)
		return NULL;
	return ((struct isdn_call *)peer->priv)->bc;
}

static void audio_drop(struct isdn_bchan *bc)
{
	isdn_handle_close((uv_handle_t *)bc->audio.poll);
	bc->audio.poll = NULL;
	if (bc->audio.fd >= 0)
		close(bc->audio.fd);
	bc->audio.fd = -1;
}

static void audio_read_cb(uv_poll_t *p, int status, int events)
{
	struct isdn_bchan *bc = p->data, *to;
	uint8_t buf[FRAME_MAX];
	ssize_t n;

	if (status < 0 || (events & UV_DISCONNECT)) {
		audio_drop(bc);
		return;
	}
	n = read(bc->audio.fd, buf, sizeof buf);
	if (n < 0 && bc->audio.dahdi && isdn_dahdi_event(bc->audio.fd, errno))
		return;
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		if (bc->audio.dahdi)
			log_warn("span %d: B-channel %u: DAHDI read failed: %s (its audio stops)",
				 bc->span->slot, bc->index, n ? strerror(errno) : "end of file");
		audio_drop(bc);
		return;
	}
	if (n < 0)
		return;
	bc->audio.frames_in++;
	if (bc->call && bc->call->rtp.fd >= 0) { /* into the call's media session */
		isdn_media_send(bc->call, buf, (size_t)n);
		return;
	}
	if (!(to = peer_bc(bc)) || to->audio.fd < 0)
		return;
	if (bc->span->ulaw != to->span->ulaw)
		for (ssize_t i = 0; i < n; i++)
			buf[i] = bc->span->ulaw ? ulaw_to_alaw(buf[i]) : alaw_to_ulaw(buf[i]);
	if (write(to->audio.fd, buf, (size_t)n) == n) /* SIGPIPE is ignored by the daemon */
		to->audio.frames_out++;
}

static void audio_accept_cb(uv_poll_t *p, int status, int events)
{
	struct isdn_bchan *bc = p->data;
	int fd = accept4(bc->audio.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	audio_drop(bc); /* one stream per B-channel: the newest wins */
	if (!(bc->audio.poll = malloc(sizeof *bc->audio.poll))) {
		close(fd);
		return;
	}
	uv_poll_init(sb_daemon_loop(), bc->audio.poll, fd);
	bc->audio.poll->data = bc;
	bc->audio.fd = fd;
	uv_poll_start(bc->audio.poll, UV_READABLE | UV_DISCONNECT, audio_read_cb);
}

int isdn_audio_adopt(struct isdn_bchan *bc, int fd)
{
	if (!(bc->audio.poll = malloc(sizeof *bc->audio.poll)))
		return -ENOMEM;
	uv_poll_init(sb_daemon_loop(), bc->audio.poll, fd);
	bc->audio.poll->data = bc;
	bc->audio.fd = fd;
	bc->audio.dahdi = true;
	uv_poll_start(bc->audio.poll, UV_READABLE, audio_read_cb);
	return 0;
}

int isdn_audio_open(struct isdn_span *s, struct isdn_bchan *bc)
{
	char path[128];
	int rc;

	if (snprintf(path, sizeof path, "%s.b%u", s->path, bc->index) >= 108)
		return -ENAMETOOLONG;
	if ((rc = isdn_listen(path, &bc->audio.lfd)) < 0)
		return rc;
	if (!(bc->audio.lpoll = malloc(sizeof *bc->audio.lpoll))) {
		close(bc->audio.lfd);
		bc->audio.lfd = -1;
		return -ENOMEM;
	}
	uv_poll_init(sb_daemon_loop(), bc->audio.lpoll, bc->audio.lfd);
	bc->audio.lpoll->data = bc;
	uv_poll_start(bc->audio.lpoll, UV_READABLE, audio_accept_cb);
	return 0;
}

void isdn_audio_close(struct isdn_bchan *bc)
{
	char path[128];

	audio_drop(bc);
	isdn_handle_close((uv_handle_t *)bc->audio.lpoll);
	bc->audio.lpoll = NULL;
	if (bc->audio.lfd >= 0) {
		close(bc->audio.lfd);
		snprintf(path, sizeof path, "%s.b%u", bc->span->path, bc->index);
		unlink(path);
	}
	bc->audio.lfd = -1;
}
