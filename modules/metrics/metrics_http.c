/* metrics_http.c: the Prometheus endpoint: libmicrohttpd driven from the main loop (its epoll fd under a uv_poll). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define SB_MODULE "metrics"
#include "symbridge.h"

#include "metrics.h"

/*
 * Why on the main loop and not in MHD's own thread: every figure lives on the main loop (calls,
 * registrations, licences, the media engine's session list), and reading them from another
 * thread would race. MHD runs without a thread of its own ("external select" mode, with epoll):
 * its epoll descriptor sits under a uv_poll and its timeout on a uv_timer, like sofia's reactor
 * in the sip module, so a scrape is served between two events of the loop. A scrape renders a
 * few kB; connections are capped and time out, so a slow client cannot hold the loop.
 */

struct endpoint {
	struct MHD_Daemon *mhd;
	uv_poll_t poll;
	uv_timer_t timer;
	char listen[64];
	int handles; /* open uv handles, freed with the last */
};

static struct endpoint *ep;
static uint64_t scrapes;

int metrics_parse_listen(const char *s, struct sockaddr_storage *ss)
{
	char host[64];
	const char *colon, *h = s;
	size_t hl;
	char *end;
	long port;

	memset(ss, 0, sizeof *ss);
	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return -EINVAL;
		h = s + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		if (!(colon = strrchr(s, ':')) || memchr(s, ':', (size_t)(colon - s)))
			return -EINVAL;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof host)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port < 1 || port > 65535)
		return -EINVAL;
	if (*s == '[') {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -EINVAL;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
	}
	return 0;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, char *body,
			     size_t len, const char *type)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result rc;

	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result text_reply(struct MHD_Connection *conn, unsigned status, const char *msg)
{
	char *body = strdup(msg);

	return body ? reply(conn, status, body, strlen(body), "text/plain; charset=utf-8")
		    : MHD_NO;
}

static enum MHD_Result request_cb(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	char *text;
	size_t len;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return text_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n");
	if (strcmp(url, "/") == 0)
		return text_reply(conn, MHD_HTTP_OK, "symbridge: the metrics are at /metrics\n");
	if (strcmp(url, "/metrics") != 0)
		return text_reply(conn, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n");
	scrapes++;
	if (sb_metrics_render(&text, &len) < 0)
		return text_reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	return reply(conn, MHD_HTTP_OK, text, len, "text/plain; version=0.0.4; charset=utf-8");
}

static void mhd_log_cb(void *cls, const char *fmt, va_list ap)
{
	char msg[256];
	size_t n;

	vsnprintf(msg, sizeof msg, fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_info("prometheus endpoint: %s", msg);
}

static void timer_cb(uv_timer_t *t);

/* run MHD, then wake again when its next timeout falls due */
static void run(struct endpoint *e)
{
	MHD_UNSIGNED_LONG_LONG ms;

	MHD_run(e->mhd);
	if (MHD_get_timeout(e->mhd, &ms) == MHD_YES)
		uv_timer_start(&e->timer, timer_cb, (uint64_t)ms, 0);
	else
		uv_timer_stop(&e->timer);
}

static void timer_cb(uv_timer_t *t)
{
	run(t->data);
}

static void poll_cb(uv_poll_t *p, int status, int events)
{
	run(p->data);
}

static void closed_cb(uv_handle_t *h)
{
	struct endpoint *e = h->data;

	if (--e->handles == 0)
		free(e);
}

int metrics_http_start(const char *addr)
{
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	struct endpoint *e;
	int fd, one = 1, rc;

	if (metrics_parse_listen(addr, &ss) < 0)
		return -EINVAL;
	/* our own socket, so that a failure to bind says why (MHD would only say it failed) */
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss,
		 ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					  : sizeof(struct sockaddr_in)) < 0 ||
	    listen(fd, 16) < 0) {
		rc = -errno;
		log_err("prometheus endpoint cannot listen on %s: %s (no metrics until it can)",
			addr, strerror(-rc));
		close(fd);
		return rc;
	}
	if (!(e = calloc(1, sizeof *e))) {
		close(fd);
		return -ENOMEM;
	}
	snprintf(e->listen, sizeof e->listen, "%s", addr);
	e->mhd = MHD_start_daemon(
		MHD_USE_EPOLL | MHD_USE_ERROR_LOG | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
		0, NULL, NULL, request_cb, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)16, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)10, MHD_OPTION_EXTERNAL_LOGGER, mhd_log_cb, NULL, MHD_OPTION_END);
	if (!e->mhd || !(info = MHD_get_daemon_info(e->mhd, MHD_DAEMON_INFO_EPOLL_FD))) {
		log_err("prometheus endpoint on %s failed to start (libmicrohttpd refused)", addr);
		if (e->mhd)
			MHD_stop_daemon(e->mhd);
		else
			close(fd);
		free(e);
		return -EIO;
	}
	uv_poll_init(sb_daemon_loop(), &e->poll, info->epoll_fd);
	uv_timer_init(sb_daemon_loop(), &e->timer);
	e->poll.data = e->timer.data = e;
	e->handles = 2;
	uv_poll_start(&e->poll, UV_READABLE, poll_cb);
	ep = e;
	run(e);
	log_notice("prometheus endpoint listening on http://%s/metrics", addr);
	return 0;
}

void metrics_http_stop(void)
{
	struct endpoint *e = ep;

	if (!e)
		return;
	ep = NULL;
	uv_poll_stop(&e->poll);
	uv_close((uv_handle_t *)&e->poll, closed_cb);
	uv_close((uv_handle_t *)&e->timer, closed_cb);
	MHD_stop_daemon(e->mhd); /* closes its connections, the listening socket and epoll fd */
	e->mhd = NULL;
	log_info("prometheus endpoint on %s closed", e->listen);
}

const char *metrics_http_listening(void)
{
	return ep ? ep->listen : NULL;
}

void metrics_http_metrics(struct sb_metrics *m)
{
	sb_metric_family(m, "symbridge_metrics_scrapes_total", SB_METRIC_COUNTER,
			 "requests for /metrics served by this endpoint since the start");
	sb_metric_sample(m, (double)scrapes, NULL);
}
