/* mgmt_curl.c: libcurl's multi interface on the main loop (its sockets under uv_poll, its
 * timeouts on one uv_timer), shared by every HTTP user of the module: webhooks, HTTPS uploads. */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>

#define SB_MODULE "mgmt"
#include "mgmt_int.h"

/* one socket libcurl wants watched */
struct sock {
	uv_poll_t poll;
	curl_socket_t fd;
};

/* who is told when a request ends */
struct req {
	mgmt_curl_done_cb cb;
	void *arg;
};

static struct {
	CURLM *multi;
	uv_timer_t timer;
	unsigned users; /* webhooks and uploads start and stop it independently */
} cs;

static void check_done(void)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(cs.multi, &left)))
		if (m->msg == CURLMSG_DONE) {
			struct req *r = NULL;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
			if (r)
				r->cb(r->arg, m->easy_handle, m->data.result);
		}
}

static void poll_cb(uv_poll_t *p, int status, int events)
{
	struct sock *s = p->data;
	int flags = 0, running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(cs.multi, s->fd, flags, &running);
	check_done();
}

static void sock_closed(uv_handle_t *h)
{
	free(h->data);
}

static int socket_cb(CURL *e, curl_socket_t fd, int what, void *userp, void *sockp)
{
	struct sock *s = sockp;
	int ev = 0;

	if (what == CURL_POLL_REMOVE) {
		if (s) {
			uv_poll_stop(&s->poll);
			uv_close((uv_handle_t *)&s->poll, sock_closed);
			curl_multi_assign(cs.multi, fd, NULL);
		}
		return 0;
	}
	if (!s) {
		if (!(s = calloc(1, sizeof *s)))
			return -1;
		s->fd = fd;
		if (uv_poll_init_socket(sb_daemon_loop(), &s->poll, fd) < 0) {
			free(s);
			return -1;
		}
		s->poll.data = s;
		curl_multi_assign(cs.multi, fd, s);
	}
	if (what & CURL_POLL_IN)
		ev |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		ev |= UV_WRITABLE;
	uv_poll_start(&s->poll, ev, poll_cb);
	return 0;
}

static void timeout_cb(uv_timer_t *t)
{
	int running;

	curl_multi_socket_action(cs.multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done();
}

static int timer_cb(CURLM *m, long ms, void *userp)
{
	if (ms < 0)
		uv_timer_stop(&cs.timer);
	else
		uv_timer_start(&cs.timer, timeout_cb, (uint64_t)ms, 0);
	return 0;
}

int mgmt_curl_start(void)
{
	if (cs.users++)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(cs.multi = curl_multi_init())) {
		cs.users = 0;
		return -ENOMEM;
	}
	curl_multi_setopt(cs.multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(cs.multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	uv_timer_init(sb_daemon_loop(), &cs.timer);
	return 0;
}

int mgmt_curl_add(void *easy, mgmt_curl_done_cb cb, void *arg)
{
	struct req *r;

	if (!cs.users)
		return -ENOTCONN;
	if (!(r = malloc(sizeof *r)))
		return -ENOMEM;
	*r = (struct req){ .cb = cb, .arg = arg };
	curl_easy_setopt(easy, CURLOPT_PRIVATE, (char *)r);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	if (curl_multi_add_handle(cs.multi, easy) != CURLM_OK) {
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		free(r);
		return -EIO;
	}
	return 0;
}

void mgmt_curl_remove(void *easy)
{
	struct req *r = NULL;

	if (!easy)
		return;
	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&r);
	if (cs.multi)
		curl_multi_remove_handle(cs.multi, easy);
	curl_easy_cleanup(easy);
	free(r);
}

void mgmt_curl_tls(void *easy, const char *ca, bool tls13, bool verify_host)
{
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(easy, CURLOPT_SSLVERSION,
			 (long)(tls13 ? CURL_SSLVERSION_TLSv1_3 : CURL_SSLVERSION_TLSv1_2));
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, verify_host ? 2L : 0L);
	if (ca)
		curl_easy_setopt(easy, CURLOPT_CAINFO, ca);
}

void mgmt_curl_stop(void)
{
	if (!cs.users || --cs.users)
		return;
	curl_multi_cleanup(cs.multi);
	cs.multi = NULL;
	uv_close((uv_handle_t *)&cs.timer, NULL);
}
