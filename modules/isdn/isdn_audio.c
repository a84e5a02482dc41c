/* isdn_audio.c: B-channel audio descriptors: a DAHDI channel (isdn_dahdi.c opens it), or for tests
 * and simulation one listening UNIX socket per B-channel, "<D-channel path>.b<N>"; both carry
 * 8 kHz G.711 frames (A-law on E1 and BRI, mu-law on T1). The main loop never reads them: a
 * connected call's leg describes its B-channel to the call's media session (isdn_audio_ep), whose
 * worker reads and writes the descriptor itself. Here the main loop only accepts connections and
 * notices a socket's hang-up. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SB_MODULE "isdn"
#include "isdn_int.h"

int isdn_listen(const char *path, int *fdp); /* isdn_span.c */

static void audio_drop(struct isdn_bchan *bc)
{
	isdn_handle_close((uv_handle_t *)bc->audio.poll);
	bc->audio.poll = NULL;
	if (bc->audio.fd >= 0)
		close(bc->audio.fd);
	bc->audio.fd = -1;
}

/* The other end hung up its B-channel socket (a media session still reading it has its own
 * copy, which then reads the end of file). */
static void audio_hup_cb(uv_poll_t *p, int status, int events)
{
	struct isdn_bchan *bc = p->data;

	if (status < 0 || (events & UV_DISCONNECT))
		audio_drop(bc);
}

/* A call on the B-channel hears of its new descriptor (the core passes it to the session). */
static void audio_changed(struct isdn_bchan *bc)
{
	if (bc->call && bc->call->leg.call)
		sb_leg_media_changed(&bc->call->leg);
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
	/* hang-up only: the frames are the media session's to read */
	uv_poll_start(bc->audio.poll, UV_DISCONNECT, audio_hup_cb);
	audio_changed(bc);
}

int isdn_audio_adopt(struct isdn_bchan *bc, int fd)
{
	bc->audio.fd = fd; /* nothing to watch on the main loop: DAHDI channels do not hang up */
	bc->audio.dahdi = true;
	return 0;
}

int isdn_audio_ep(struct isdn_bchan *bc, struct sb_media_ep *ep)
{
	memset(ep, 0, sizeof *ep);
	ep->kind = SB_MEDIA_TDM;
	snprintf(ep->codec, sizeof ep->codec, "%s", bc->span->ulaw ? "PCMU" : "PCMA");
	ep->fd = bc->audio.fd;
	ep->fd_event = bc->audio.dahdi ? isdn_dahdi_event : NULL;
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
