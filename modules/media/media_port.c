/* media_port.c: RTP port pairs reserved before their session exists (an SDP names them), shared
 * by reference between their owner and the sessions made on them. Main loop only. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#define SB_MODULE "media"
#include "symbridge.h"

#include "media_priv.h"

int media_port_reserve(struct media_engine *e, struct sb_media_port **pp)
{
	struct sb_media_port *p;
	int rc;

	if (!e || !e->nworkers)
		return -ESHUTDOWN;
	if (!(p = calloc(1, sizeof *p)))
		return -ENOMEM;
	if ((rc = media__pair_take(e, &p->pair, p->fd)) < 0) {
		free(p);
		return rc;
	}
	p->e = e;
	p->port = (uint16_t)(e->port_base + 2 * p->pair);
	p->refs = 1;
	p->next = e->ports;
	if (e->ports)
		e->ports->prev = p;
	e->ports = p;
	*pp = p;
	return 0;
}

uint16_t media_port_number(const struct sb_media_port *p)
{
	return p && p->e ? p->port : 0;
}

static void port_close(struct sb_media_port *p)
{
	for (int i = 0; i < 2; i++)
		if (p->fd[i] >= 0) {
			close(p->fd[i]);
			p->fd[i] = -1;
		}
}

void media__port_unref(struct sb_media_port *p)
{
	if (!p || --p->refs)
		return;
	port_close(p);
	if (p->e) {
		media__pair_release(p->e, p->pair);
		if (p->prev)
			p->prev->next = p->next;
		else
			p->e->ports = p->next;
		if (p->next)
			p->next->prev = p->prev;
	}
	free(p);
}

void media_port_release(struct sb_media_port *p)
{
	if (!p || p->released)
		return;
	p->released = true;
	media__port_unref(p);
}

int media__port_use(struct sb_media_port *p, struct media_engine *e, int fd[2])
{
	if (p->e != e || p->fd[0] < 0)
		return -EINVAL; /* of another engine, or its engine is gone */
	for (int i = 0; i < 2; i++) {
		/* the same sockets: the worker closes its copies, the owner keeps the port bound */
		if ((fd[i] = fcntl(p->fd[i], F_DUPFD_CLOEXEC, 0)) < 0) {
			int err = -errno;
			if (i)
				close(fd[0]);
			fd[0] = fd[1] = -1;
			return err;
		}
	}
	p->refs++;
	return 0;
}

void media__ports_orphan(struct media_engine *e)
{
	struct sb_media_port *p = e->ports, *next;

	for (; p; p = next) {
		next = p->next;
		port_close(p);
		p->e = NULL;
		p->next = p->prev = NULL;
	}
	e->ports = NULL;
}
