/* mgmt_http.c: webhook deliveries: HTTP POSTs signed and retried with backoff, run by libcurl's
 * multi interface on the main loop (mgmt_curl.c). */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SB_MODULE "events"
#include "mgmt_int.h"

#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS   60000

struct mgmt_hook_item {
	struct mgmt_hook_item *next;
	char event[24];
	char *url, *body;
	char signature[7 + 2 * EVP_MAX_MD_SIZE + 1]; /* "sha256=" hex; "": no secret */
	unsigned attempts;
	unsigned long long id;
};

static struct {
	unsigned long long next_id;
	bool running;
} hs;

static void kick(struct mgmt_hook *h);

/* the URL as logs show it: without its query, which may carry a token */
static int url_len(const char *u)
{
	return (int)strcspn(u, "?#");
}

static void item_free(struct mgmt_hook_item *it)
{
	free(it->url);
	free(it->body);
	free(it);
}

static void pop(struct mgmt_hook *h)
{
	struct mgmt_hook_item *it = h->head;

	if (!it)
		return;
	if (!(h->head = it->next))
		h->tail = NULL;
	h->depth--;
	item_free(it);
}

static void sign(const struct mgmt_hook *h, struct mgmt_hook_item *it)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	it->signature[0] = '\0';
	if (!h->secret || !HMAC(EVP_sha256(), h->secret, (int)strlen(h->secret),
				(const unsigned char *)it->body, strlen(it->body), md, &n))
		return;
	strcpy(it->signature, "sha256=");
	for (unsigned i = 0; i < n; i++)
		snprintf(it->signature + 7 + 2 * i, 3, "%02x", md[i]);
}

void mgmt_hook_post(struct mgmt_hook *h, const char *event, const char *url, const char *body)
{
	struct mgmt_hook_item *it;

	if (h->depth >= (unsigned)h->queue_max) {
		h->dropped++;
		log_warn("webhook %.*s: %s dropped: %u deliveries already wait", url_len(h->url),
			 h->url, event, h->depth);
		return;
	}
	if (!(it = calloc(1, sizeof *it)) || !(it->url = strdup(url)) ||
	    !(it->body = strdup(body))) {
		if (it)
			item_free(it);
		h->dropped++;
		log_err("webhook %.*s: %s dropped: no memory", url_len(h->url), h->url, event);
		return;
	}
	snprintf(it->event, sizeof it->event, "%s", event);
	it->id = ++hs.next_id;
	sign(h, it);
	if (h->tail)
		h->tail->next = it;
	else
		h->head = it;
	h->tail = it;
	h->depth++;
	kick(h);
}

static size_t discard_cb(char *p, size_t size, size_t n, void *arg)
{
	return size * n;
}

static void backoff_cb(uv_timer_t *t)
{
	struct mgmt_hook *h = t->data;

	h->waiting = false;
	kick(h);
}

static void request_free(struct mgmt_hook *h)
{
	mgmt_curl_remove(h->easy);
	curl_slist_free_all(h->headers);
	h->easy = NULL;
	h->headers = NULL;
}

/* the answer (or the failure) of the request in flight */
static void done_cb(void *arg, void *easy, int res)
{
	struct mgmt_hook *h = arg;
	struct mgmt_hook_item *it = h->head;
	long status = 0;
	unsigned ms;

	curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &status);
	request_free(h);
	h->last_status = status;
	it->attempts++;
	if (res == CURLE_OK && status >= 200 && status <= 299) {
		h->delivered++;
		h->last_error[0] = '\0';
		log_debug("webhook %.*s: %s delivered (%ld, attempt %u)", url_len(h->url), h->url,
			  it->event, status, it->attempts);
		pop(h);
		kick(h);
		return;
	}
	if (res != CURLE_OK)
		snprintf(h->last_error, sizeof h->last_error, "%s",
			 h->errbuf[0] ? h->errbuf : curl_easy_strerror(res));
	else
		snprintf(h->last_error, sizeof h->last_error, "HTTP status %ld", status);
	if (it->attempts >= (unsigned)h->max_attempts) {
		h->failed++;
		log_warn("webhook %.*s: %s not delivered after %u attempts: %s", url_len(h->url),
			 h->url, it->event, it->attempts, h->last_error);
		pop(h);
		kick(h);
		return;
	}
	h->retried++;
	ms = BACKOFF_FIRST_MS << (it->attempts - 1 < 6 ? it->attempts - 1 : 6);
	if (ms > BACKOFF_MAX_MS)
		ms = BACKOFF_MAX_MS;
	log_info("webhook %.*s: %s attempt %u failed (%s): again in %u ms", url_len(h->url),
		 h->url, it->event, it->attempts, h->last_error, ms);
	h->waiting = true;
	uv_timer_start(&h->backoff, backoff_cb, ms, 0);
}

/* start the first delivery waiting, unless one is in flight or the backoff runs */
static void kick(struct mgmt_hook *h)
{
	struct mgmt_hook_item *it = h->head;
	struct curl_slist *hd = NULL;
	char line[256];
	CURL *e;

	if (!hs.running || h->easy || h->waiting || !it)
		return;
	if (!(e = curl_easy_init())) {
		log_err("webhook %.*s: no memory for a request", url_len(h->url), h->url);
		return;
	}
	snprintf(line, sizeof line, "Content-Type: %s", h->content_type);
	hd = curl_slist_append(hd, line);
	snprintf(line, sizeof line, "X-Symbridge-Event: %s", it->event);
	hd = curl_slist_append(hd, line);
	snprintf(line, sizeof line, "X-Symbridge-Delivery: %llu", it->id);
	hd = curl_slist_append(hd, line);
	if (it->signature[0]) {
		snprintf(line, sizeof line, "X-Symbridge-Signature: %s", it->signature);
		hd = curl_slist_append(hd, line);
	}
	hd = curl_slist_append(hd, "Expect:"); /* no 100-continue round trip */
	h->easy = e;
	h->headers = hd;
	h->errbuf[0] = '\0';
	curl_easy_setopt(e, CURLOPT_URL, it->url);
	mgmt_curl_tls(e, h->ca, false, true);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, it->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(it->body));
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "symbridge/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)h->timeout_ms);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_cb);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, h->errbuf);
	if (mgmt_curl_add(e, done_cb, h) < 0) {
		request_free(h);
		log_err("webhook %.*s: the request could not start", url_len(h->url), h->url);
	}
}

int mgmt_http_start(void)
{
	int rc = mgmt_curl_start();

	hs.running = rc == 0;
	return rc;
}

void mgmt_hook_init(struct mgmt_hook *h)
{
	uv_timer_init(sb_daemon_loop(), &h->backoff);
	h->backoff.data = h;
}

void mgmt_hook_fini(struct mgmt_hook *h)
{
	if (h->easy)
		request_free(h);
	if (h->depth)
		log_info("webhook %.*s: %u deliveries not sent at the stop", url_len(h->url), h->url,
			 h->depth);
	while (h->head)
		pop(h);
	uv_close((uv_handle_t *)&h->backoff, NULL);
}

void mgmt_http_stop(void)
{
	if (!hs.running)
		return;
	hs.running = false;
	mgmt_curl_stop();
}
