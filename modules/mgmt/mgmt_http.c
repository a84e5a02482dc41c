/* mgmt_http.c: webhook deliveries: HTTP POSTs signed and retried with backoff, run by libcurl's
 * multi interface on the main loop (mgmt_curl.c), each kept in the events outbox in the store
 * until it is delivered or given up, so that a restart loses none. */
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

/* the delivery in flight (or waiting for its next attempt), read back from the outbox */
struct mgmt_hook_item {
	uint64_t seq; /* its key in the outbox */
	char event[24];
	char *url, *body;
	char signature[7 + 2 * EVP_MAX_MD_SIZE + 1]; /* "sha256=" hex; "": no secret */
	unsigned attempts;
	unsigned long long id;
};

static struct {
	unsigned long long last_id;
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
	if (!it)
		return;
	free(it->url);
	free(it->body);
	free(it);
}

/* the delivery in flight is done with (delivered or given up): out of the outbox */
static void pop(struct mgmt_hook *h)
{
	if (!h->cur)
		return;
	mgmt_outbox_ack(&mgmt_hook_outbox, h->cur->seq);
	h->depth -= h->depth ? 1 : 0;
	item_free(h->cur);
	h->cur = NULL;
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

/* A webhook's key in the outbox: a hash of what makes it this webhook (url, template, content
 * type, events). One whose settings change is another webhook. */
void mgmt_hook_key(struct mgmt_hook *h)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char evs[16];
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	snprintf(evs, sizeof evs, "%x", h->events);
	if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(c, h->url, strlen(h->url) + 1) ||
	    !EVP_DigestUpdate(c, h->tmpl ? h->tmpl : "", (h->tmpl ? strlen(h->tmpl) : 0) + 1) ||
	    !EVP_DigestUpdate(c, h->content_type, strlen(h->content_type) + 1) ||
	    !EVP_DigestUpdate(c, evs, strlen(evs)) || !EVP_DigestFinal_ex(c, md, &n) || n < 8)
		memset(md, 0, sizeof md); /* no digest: every webhook shares one key */
	EVP_MD_CTX_free(c);
	strcpy(h->key, "hook-");
	for (int i = 0; i < 8; i++)
		snprintf(h->key + 5 + 2 * i, 3, "%02x", md[i]);
}

/* Stored: "ID\nEVENT\nURL\n" then the body. The delivery id is the time of the event in µs (one
 * more than the last when two fall in the same µs): a number, unique across restarts. */
void mgmt_hook_post(struct mgmt_hook *h, const char *event, const char *url, const char *body)
{
	unsigned long long id = (unsigned long long)mgmt_now_us();
	size_t n;
	char *v;
	int rc;

	if (h->depth >= (unsigned)h->queue_max) {
		h->dropped++;
		log_warn("webhook %.*s: %s dropped: %u deliveries already wait", url_len(h->url),
			 h->url, event, h->depth);
		return;
	}
	if (id <= hs.last_id)
		id = hs.last_id + 1;
	hs.last_id = id;
	n = 24 + strlen(event) + strlen(url) + strlen(body) + 4;
	if (!(v = malloc(n))) {
		h->dropped++;
		log_err("webhook %.*s: %s dropped: no memory", url_len(h->url), h->url, event);
		return;
	}
	n = (size_t)snprintf(v, n, "%llu\n%s\n%s\n%s", id, event, url, body);
	if ((rc = mgmt_outbox_add(&mgmt_hook_outbox, h->key, v, n)) < 0) {
		h->dropped++;
		log_warn("webhook %.*s: %s dropped: %s", url_len(h->url), h->url, event,
			 strerror(-rc));
	} else {
		h->depth++;
	}
	free(v);
	kick(h);
}

static char *dup_line(const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	char *s;

	if (!nl || !(s = strndup(*p, (size_t)(nl - *p))))
		return NULL;
	*p = nl + 1;
	return s;
}

/* the first delivery of this webhook still in the outbox; NULL: none (or unreadable: dropped) */
static struct mgmt_hook_item *load(struct mgmt_hook *h)
{
	struct mgmt_hook_item *it;
	struct mgmt_msg m;
	uint64_t after = 0;

	while (mgmt_outbox_next(&mgmt_hook_outbox, after, &m) == 0) {
		const char *p = m.payload, *end = p + m.len;
		char *id, *ev;

		after = m.seq;
		if (strcmp(m.topic, h->key) != 0)
			continue;
		if (!(it = calloc(1, sizeof *it)))
			return NULL;
		it->seq = m.seq;
		id = dup_line(&p, end);
		ev = dup_line(&p, end);
		it->url = dup_line(&p, end);
		if (id && ev && it->url && (it->body = strndup(p, (size_t)(end - p)))) {
			it->id = strtoull(id, NULL, 10);
			snprintf(it->event, sizeof it->event, "%s", ev);
			free(id);
			free(ev);
			sign(h, it);
			return it;
		}
		free(id);
		free(ev);
		item_free(it);
		log_warn("webhook %.*s: a kept delivery is unreadable: dropped", url_len(h->url),
			 h->url);
		mgmt_outbox_ack(&mgmt_hook_outbox, m.seq);
		h->depth -= h->depth ? 1 : 0;
	}
	return NULL;
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
	struct mgmt_hook_item *it = h->cur;
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
	struct mgmt_hook_item *it;
	struct curl_slist *hd = NULL;
	char line[256];
	CURL *e;

	if (!hs.running || h->easy || h->waiting || !h->depth)
		return;
	if (!h->cur && !(h->cur = load(h))) {
		h->depth = 0; /* nothing of it is left in the outbox (dropped by its bounds) */
		return;
	}
	it = h->cur;
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

/* The webhooks' outbox: opened with its bounds, each webhook's deliveries counted; those of a
 * webhook no longer configured (or changed: another key) are dropped, and said so. */
int mgmt_hook_outbox_open(struct mgmt_hook *hooks, unsigned n, size_t max_bytes,
			  int64_t max_age_us)
{
	struct mgmt_msg m;
	uint64_t after = 0, orphans = 0;
	int rc;

	if ((rc = mgmt_outbox_open(&mgmt_hook_outbox, max_bytes, max_age_us)) < 0)
		return rc;
	while (mgmt_outbox_next(&mgmt_hook_outbox, after, &m) == 0) {
		unsigned i;

		after = m.seq;
		for (i = 0; i < n && strcmp(hooks[i].key, m.topic) != 0; i++)
			;
		if (i < n) {
			hooks[i].depth++;
		} else {
			mgmt_outbox_ack(&mgmt_hook_outbox, m.seq);
			orphans++;
		}
	}
	if (orphans)
		log_warn("webhook outbox: %llu deliveries for webhooks no longer configured (or "
			 "changed) dropped", (unsigned long long)orphans);
	return 0;
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
	mgmt_hook_key(h);
}

void mgmt_hook_start(struct mgmt_hook *h)
{
	if (h->depth)
		log_notice("webhook %.*s: %u deliveries kept from the last run", url_len(h->url),
			   h->url, h->depth);
	kick(h);
}

void mgmt_hook_fini(struct mgmt_hook *h)
{
	if (h->easy)
		request_free(h); /* not delivered: it stays in the outbox */
	if (h->depth)
		log_info("webhook %.*s: %u deliveries kept in the store for the next start",
			 url_len(h->url), h->url, h->depth);
	item_free(h->cur);
	h->cur = NULL;
	uv_close((uv_handle_t *)&h->backoff, NULL);
}

void mgmt_http_stop(void)
{
	if (!hs.running)
		return;
	hs.running = false;
	mgmt_curl_stop();
}
