/* ctl.c: the control server: line-delimited JSON requests on a UNIX socket, one reply a line. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>
#include <jansson.h>

#include "core.h"

#define CTL_MAX_LINE 65536
/* Connections at once: the privileged users (root, the daemon's own user) have this many slots
 * of their own, so no number of other clients can lock them out; the others share as many, at
 * most system.control_clients_per_user each. */
#define CTL_MAX_CLIENTS 64

struct ctl_client {
	uv_pipe_t pipe;
	struct ctl_client *next, **prevp;
	unsigned uid;
	char *buf;
	size_t len, cap;
	unsigned pending; /* replies still being written */
	bool eof;         /* the client sent everything: close once the replies are out */
	bool closing;
	bool streaming;   /* a streamed reply is going out: later requests wait for it */
	bool stream_waiting; /* ... and its producer has nothing now (sb_reply_stream_wake) */
	bool privileged;  /* root or the daemon's own user */
	struct sb__stream stream;
	struct sb_reply *deferred; /* a reply its handler finishes later (sb__ctl_finish) */
	uint64_t last_ms;          /* last byte read or reply written (uv_now) */
};

/* A deferred reply whose client went away: kept until its handler finishes it. */
struct ctl_orphan {
	struct sb_reply *r;
	struct ctl_orphan *next;
};

struct ctl_write {
	uv_write_t req;
	struct ctl_client *c;
	char *line;
};

static uv_pipe_t ctl_server;
static bool ctl_listening;
static char *ctl_path;
static struct ctl_client *clients;
static size_t nclients, nprivileged;
static struct ctl_orphan *orphans;
static uv_timer_t idle_timer;
static bool idle_timer_on;

static void client_closed_cb(uv_handle_t *h)
{
	struct ctl_client *c = h->data;
	free(c->buf);
	free(c);
}

static void client_close(struct ctl_client *c)
{
	if (c->closing)
		return;
	c->closing = true;
	*c->prevp = c->next;
	if (c->next)
		c->next->prevp = c->prevp;
	nclients--;
	if (c->privileged)
		nprivileged--;
	if (c->deferred) {
		struct ctl_orphan *o = malloc(sizeof *o);
		if (o) { /* else leak the reply rather than free what a handler will write */
			o->r = c->deferred;
			o->next = orphans;
			orphans = o;
		}
		c->deferred = NULL;
	}
	if (c->streaming) {
		sb__stream_free(&c->stream);
		c->streaming = false;
		c->stream_waiting = false;
	}
	uv_close((uv_handle_t *)&c->pipe, client_closed_cb);
}

static void stream_next(struct ctl_client *c);
static void client_process(struct ctl_client *c);

static void write_done_cb(uv_write_t *req, int status)
{
	struct ctl_write *w = (struct ctl_write *)req;
	struct ctl_client *c = w->c;

	free(w->line);
	free(w);
	c->pending--;
	c->last_ms = uv_now(c->pipe.loop);
	if (status < 0 || c->closing) {
		client_close(c);
		return;
	}
	if (c->pending > 0)
		return;
	if (c->streaming) {
		stream_next(c); /* one chunk in flight at a time: a slow reader slows the export */
		return;
	}
	client_process(c); /* requests that waited behind a stream */
	if (c->eof && c->pending == 0 && !c->streaming && !c->deferred)
		client_close(c);
}

static void client_write(struct ctl_client *c, char *line, size_t len);

static void client_send(struct ctl_client *c, struct sb_reply *r)
{
	size_t len;
	char *line = sb__reply_dump(r, &len);

	if (!line) {
		client_close(c);
		return;
	}
	client_write(c, line, len);
}

/* line: malloc'd, ends in "\n"; owned by the write from here on */
static void client_write(struct ctl_client *c, char *line, size_t len)
{
	struct ctl_write *w = malloc(sizeof *w);

	if (!w) {
		free(w);
		free(line);
		client_close(c);
		return;
	}
	w->c = c;
	w->line = line;
	uv_buf_t b = uv_buf_init(line, (unsigned)len);
	if (uv_write(&w->req, (uv_stream_t *)&c->pipe, &b, 1, write_done_cb) < 0) {
		free(line);
		free(w);
		client_close(c);
		return;
	}
	c->pending++;
}

/* Send j (consumed) as one line. */
static void client_send_json(struct ctl_client *c, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	size_t len = text ? strlen(text) : 0;
	char *line = text ? realloc(text, len + 2) : NULL;

	json_decref(j);
	if (!line) {
		free(text);
		client_close(c);
		return;
	}
	line[len] = '\n';
	line[len + 1] = '\0';
	client_write(c, line, len + 1);
}

/* A stream goes out as one line {"data":"..."} per chunk, then {"end":true,"ok":...}. */
static void stream_next(struct ctl_client *c)
{
	char *text = NULL;
	size_t tlen = 0;
	int rc = 1;

	/* a chunk that came out empty is not sent: ask again (bounded) so the stream moves */
	for (int tries = 0; rc > 0 && rc != SB_REPLY_STREAM_WAIT && tlen == 0 && tries < 64;
	     tries++) {
		FILE *out = open_memstream(&text, &tlen);

		rc = out ? c->stream.more_cb(c->stream.arg, out) : -ENOMEM;
		if (out && fclose(out) != 0 && rc >= 0)
			rc = -ENOMEM;
		if (tlen == 0) {
			free(text);
			text = NULL;
		}
	}
	if (rc == SB_REPLY_STREAM_WAIT && tlen == 0) {
		if (c->eof) /* a follower that went away while nothing came */
			client_close(c);
		else
			c->stream_waiting = true;
		return;
	}
	if (rc > 0 && tlen == 0)
		rc = -EIO; /* a producer that never writes */
	if (tlen > 0)
		client_send_json(c, json_pack("{s:s%}", "data", text, tlen));
	free(text);
	if (rc > 0 || c->closing)
		return;
	sb__stream_free(&c->stream);
	c->streaming = false;
	c->stream_waiting = false;
	if (rc < 0) {
		log_warn("control: streamed reply to uid %u stopped: %s", c->uid, strerror(-rc));
		client_send_json(c, json_pack("{s:b,s:b,s:s++}", "end", 1, "ok", 0, "error",
					      "the output stopped early: ", strerror(-rc), ""));
	} else {
		client_send_json(c, json_pack("{s:b,s:b}", "end", 1, "ok", 1));
	}
}

void sb_reply_stream_wake(void *arg)
{
	for (struct ctl_client *c = clients; c; c = c->next)
		if (c->streaming && c->stream_waiting && c->stream.arg == arg && !c->closing) {
			c->stream_waiting = false;
			stream_next(c);
			return;
		}
}

static void client_request(struct ctl_client *c, const char *line, size_t len)
{
	struct sb_reply *r;

	if (sb__reply_new(&r) < 0) {
		client_close(c);
		return;
	}
	sb__ctl_request(line, len, c->uid, r);
	if (sb__reply_deferred(r)) {
		c->deferred = r; /* sent by sb__ctl_finish */
		return;
	}
	c->streaming = sb__reply_take_stream(r, &c->stream);
	client_send(c, r);
	sb__reply_free(r);
}

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct ctl_client *c = h->data;

	if (c->cap - c->len < 4096) {
		size_t cap = c->cap ? c->cap * 2 : 8192;
		/* room for one request past the limit, so an over-long one is answered */
		char *nb = cap <= 2 * CTL_MAX_LINE ? realloc(c->buf, cap) : NULL;
		if (nb) {
			c->buf = nb;
			c->cap = cap;
		}
	}
	*b = uv_buf_init(c->buf + c->len, (unsigned)(c->cap - c->len));
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct ctl_client *c = s->data;

	if (n == UV_EOF && c->streaming && c->stream_waiting) {
		client_close(c); /* a follower's client went away (Ctrl-C) */
		return;
	}
	if (n == UV_EOF && (c->pending > 0 || c->streaming || c->deferred)) {
		/* a half-closed client still gets every reply it asked for */
		c->eof = true;
		uv_read_stop(s);
		return;
	}
	if (n < 0) {
		client_close(c);
		return;
	}
	c->len += (size_t)n;
	c->last_ms = uv_now(s->loop);
	client_process(c);
}

/* Answer the complete requests buffered, in order; a streamed reply holds the rest back. */
static void client_process(struct ctl_client *c)
{
	char *nl;

	while (!c->closing && !c->streaming && !c->deferred && c->len > 0 &&
	       (nl = memchr(c->buf, '\n', c->len))) {
		size_t linelen = (size_t)(nl - c->buf);
		if (linelen > CTL_MAX_LINE)
			break;
		client_request(c, c->buf, linelen);
		memmove(c->buf, nl + 1, c->len - linelen - 1);
		c->len -= linelen + 1;
	}
	if (!c->closing && !c->deferred && c->len > CTL_MAX_LINE &&
	    (!(nl = memchr(c->buf, '\n', c->len)) || nl - c->buf > CTL_MAX_LINE)) {
		struct sb_reply *r;
		if (sb__reply_new(&r) == 0) {
			sb_reply_error(r, "request longer than %d bytes: closing", CTL_MAX_LINE);
			client_send(c, r);
			sb__reply_free(r);
		}
		client_close(c);
	}
}

/* The reply r that a handler deferred (sb__reply_defer) is complete: send it to its client,
 * whose later requests waited for it, or drop it if the client left. */
void sb__ctl_finish(struct sb_reply *r)
{
	for (struct ctl_orphan **op = &orphans; *op; op = &(*op)->next)
		if ((*op)->r == r) {
			struct ctl_orphan *o = *op;
			*op = o->next;
			free(o);
			sb__reply_free(r);
			return;
		}
	for (struct ctl_client *c = clients; c; c = c->next)
		if (c->deferred == r) {
			c->deferred = NULL;
			c->streaming = sb__reply_take_stream(r, &c->stream);
			client_send(c, r);
			sb__reply_free(r);
			if (!c->closing)
				client_process(c);
			return;
		}
	sb__reply_free(r);
}

void sb_reply_finish(struct sb_reply *r)
{
	sb__ctl_finish(r);
}

/* Clients that said nothing for system.control_idle_timeout and wait for nothing are closed:
 * an idle connection holds a slot. */
static void idle_cb(uv_timer_t *t)
{
	const struct sb_conf *conf = sb_daemon_conf();
	uint64_t limit = conf ? (uint64_t)conf->system.control_idle_timeout * 1000 : 60000;
	uint64_t now = uv_now(t->loop);
	struct ctl_client *c, *next;

	for (c = clients; c; c = next) {
		next = c->next;
		if (c->pending || c->streaming || c->deferred || now - c->last_ms < limit)
			continue;
		log_info("control: connection of uid %u idle for %llu s: closed", c->uid,
			 (unsigned long long)(now - c->last_ms) / 1000);
		client_close(c);
	}
	if (!clients) {
		uv_timer_stop(t);
		idle_timer_on = false;
	}
}

/* Whether one more client of uid fits: privileged users have their own slots. */
static bool client_fits(const struct ctl_client *nc, const char **why)
{
	const struct sb_conf *conf = sb_daemon_conf();
	int per_uid = conf ? conf->system.control_clients_per_user : 8;
	size_t same = 0;

	if (nc->privileged) {
		*why = "connections of root and the daemon's user";
		return nprivileged <= CTL_MAX_CLIENTS;
	}
	for (const struct ctl_client *c = clients; c; c = c->next)
		if (c != nc && !c->closing && c->uid == nc->uid)
			same++;
	*why = "connections of this user (system.control_clients_per_user)";
	if (same >= (size_t)per_uid)
		return false;
	*why = "connections of unprivileged users";
	return nclients - nprivileged <= CTL_MAX_CLIENTS;
}

static void connection_cb(uv_stream_t *server, int status)
{
	struct ctl_client *c;
	struct ucred cred;
	socklen_t clen = sizeof cred;
	uv_os_fd_t fd;
	const char *why;

	if (status < 0 || !(c = calloc(1, sizeof *c)))
		return;
	uv_pipe_init(server->loop, &c->pipe, 0);
	c->pipe.data = c;
	c->next = clients;
	c->prevp = &clients;
	if (clients)
		clients->prevp = &c->next;
	clients = c;
	nclients++;
	c->last_ms = uv_now(server->loop);
	if (uv_accept(server, (uv_stream_t *)&c->pipe) < 0 ||
	    uv_fileno((uv_handle_t *)&c->pipe, &fd) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		client_close(c);
		return;
	}
	c->uid = cred.uid;
	c->privileged = cred.uid == 0 || cred.uid == getuid();
	if (c->privileged)
		nprivileged++;
	if (!client_fits(c, &why)) {
		log_warn("control: refusing a connection of uid %u: too many %s", c->uid, why);
		client_close(c);
		return;
	}
	if (!idle_timer_on) {
		uv_timer_start(&idle_timer, idle_cb, 1000, 1000);
		idle_timer_on = true;
	}
	uv_read_start((uv_stream_t *)&c->pipe, alloc_cb, read_cb);
}

/* Something listens on path (a daemon of another state dir): connecting succeeds. */
static bool ctl_answers(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool answers;

	if (fd < 0)
		return false;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	answers = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return answers;
}

/* Listen on path with mode 0660; a stale socket (nothing answers) is replaced. The caller holds
 * the state lock, so no other daemon of this state dir can be behind it. */
int sb__ctl_listen(uv_loop_t *loop, const char *path)
{
	mode_t old;
	int rc;

	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -ENAMETOOLONG;
	if (ctl_answers(path)) {
		log_err("another process answers on %s: it is not replaced", path);
		return UV_EADDRINUSE;
	}
	if ((rc = uv_pipe_init(loop, &ctl_server, 0)) < 0)
		return rc;
	if (unlink(path) < 0 && errno != ENOENT) {
		rc = -errno;
		uv_close((uv_handle_t *)&ctl_server, NULL);
		return rc;
	}
	old = umask(0117);
	rc = uv_pipe_bind(&ctl_server, path);
	umask(old);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&ctl_server, 16, connection_cb);
	if (rc < 0) {
		uv_close((uv_handle_t *)&ctl_server, NULL);
		return rc;
	}
	uv_timer_init(loop, &idle_timer);
	ctl_listening = true;
	ctl_path = strdup(path);
	return 0;
}

void sb__ctl_close(void)
{
	while (clients)
		client_close(clients);
	if (ctl_listening) {
		uv_close((uv_handle_t *)&idle_timer, NULL);
		idle_timer_on = false;
		uv_close((uv_handle_t *)&ctl_server, NULL);
		unlink(ctl_path);
		ctl_listening = false;
	}
	free(ctl_path);
	ctl_path = NULL;
}
