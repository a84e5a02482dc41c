/* mgmt_https.c: HTTPS uploads (cloud.https): VoIP reports and log lines kept in their own outbox
 * and POSTed in batches with the device certificate, retried with backoff until a 2xx. */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SB_MODULE "mgmt"
#include "mgmt_int.h"

#define LINES_MAX  1000          /* log lines waiting for the loop, at most */
#define BODY_MAX   (512 * 1024)  /* a batch stops growing past this */

enum up_state { UP_OFF, UP_IDLE, UP_WAITING, UP_SENDING, UP_BACKOFF };
static const char *const up_names[] = { "off", "idle", "waiting", "sending", "backoff" };

/* a log line caught on some thread, handed to the loop */
struct line {
	struct line *next;
	int64_t us;
	enum sb_log_level lvl;
	char mod[16];
	char msg[];
};

static struct {
	enum up_state state;
	char *url, *ca, *cert, *key;
	bool tls13, verify_host;
	int batch_max, flush_ms, timeout_ms, retry_max_s;
	uv_timer_t timer; /* the flush delay, or the backoff */
	uv_async_t async; /* log lines are waiting */
	uv_mutex_t lock;  /* lines, nlines, taking: any thread logs */
	struct line *lines, **tail;
	unsigned nlines;
	bool taking;
	struct sb_log_tap tap; /* the first; a reload's level goes into another (mgmt_https_level) */
	enum sb_log_level level;
	CURL *easy;
	struct curl_slist *headers;
	char *body;
	char errbuf[CURL_ERROR_SIZE];
	uint64_t *batch; /* the outbox keys of the batch in flight */
	unsigned nbatch;
	unsigned failures; /* in a row */
	uint64_t uploads, uploaded, attempts_failed, lines_dropped, log_seq;
	long last_status;
	char last_error[256];
} up;

static void send_batch(void);

/* ---- log lines: caught on any thread, written to the outbox on the loop ------------------- */

static void tap_cb(void *arg, enum sb_log_level lvl, const char *mod, const char *msg)
{
	size_t n = strlen(msg);
	struct line *l = malloc(sizeof *l + n + 1);

	if (l) {
		l->next = NULL;
		l->us = mgmt_now_us();
		l->lvl = lvl;
		snprintf(l->mod, sizeof l->mod, "%s", mod);
		memcpy(l->msg, msg, n + 1);
	}
	uv_mutex_lock(&up.lock);
	if (!up.taking || !l || up.nlines >= LINES_MAX) {
		up.lines_dropped += up.taking;
		free(l);
	} else {
		*up.tail = l;
		up.tail = &l->next;
		up.nlines++;
		uv_async_send(&up.async);
	}
	uv_mutex_unlock(&up.lock);
}

static void iso_time(int64_t us, char *buf, size_t len)
{
	time_t s = (time_t)(us / 1000000);
	struct tm tm;
	size_t n;

	gmtime_r(&s, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03dZ", (int)(us % 1000000 / 1000));
}

static void line_keep(const struct line *l)
{
	json_t *j = json_object();
	char id[160], when[40], *text;

	snprintf(id, sizeof id, "%s-log-%lld-%llu", mgmt_client_id(), (long long)l->us,
		 (unsigned long long)++up.log_seq);
	iso_time(l->us, when, sizeof when);
	json_object_set_new(j, "v", json_integer(MGMT_FORMAT_VERSION));
	json_object_set_new(j, "type", json_string("log"));
	json_object_set_new(j, "id", json_string(id));
	json_object_set_new(j, "device", json_string(mgmt_client_id()));
	json_object_set_new(j, "time", json_string(when));
	json_object_set_new(j, "level", json_string(sb_log_level_name(l->lvl)));
	json_object_set_new(j, "subsystem", json_string(l->mod));
	json_object_set_new(j, "message", json_string(l->msg));
	text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (text)
		mgmt_outbox_add(&mgmt_https_outbox, "log", text, strlen(text));
	free(text);
}

static void async_cb(uv_async_t *a)
{
	struct line *l, *next;

	uv_mutex_lock(&up.lock);
	l = up.lines;
	up.lines = NULL;
	up.tail = &up.lines;
	up.nlines = 0;
	uv_mutex_unlock(&up.lock);
	for (; l; l = next) {
		next = l->next;
		line_keep(l);
		free(l);
	}
	mgmt_https_kick();
}

/* ---- batches ------------------------------------------------------------------------------ */

static void timer_cb(uv_timer_t *t)
{
	send_batch();
}

void mgmt_https_kick(void)
{
	struct mgmt_outbox_stats st;

	if (up.state != UP_IDLE)
		return;
	mgmt_outbox_stats(&mgmt_https_outbox, &st);
	if (!st.depth)
		return;
	up.state = UP_WAITING;
	uv_timer_start(&up.timer, timer_cb, (uint64_t)up.flush_ms, 0);
}

static void request_free(void)
{
	mgmt_curl_remove(up.easy);
	curl_slist_free_all(up.headers);
	free(up.body);
	up.easy = NULL;
	up.headers = NULL;
	up.body = NULL;
}

static void backoff(void)
{
	unsigned ms = 1000, max = (unsigned)up.retry_max_s * 1000;

	for (unsigned i = 1; i < up.failures && ms < max; i++)
		ms *= 2;
	if (ms > max)
		ms = max;
	ms = ms * 3 / 4 + (unsigned)(rand() % (int)(ms / 4 + 1)); /* many boxes, one receiver */
	log_info("https upload of %u item(s) failed (%s): again in %u ms", up.nbatch, up.last_error,
		 ms);
	up.state = UP_BACKOFF;
	uv_timer_start(&up.timer, timer_cb, ms, 0);
}

static void done_cb(void *arg, void *easy, int res)
{
	long status = 0;

	curl_easy_getinfo(up.easy, CURLINFO_RESPONSE_CODE, &status);
	up.last_status = status;
	if (res == CURLE_OK && status >= 200 && status <= 299) {
		for (unsigned i = 0; i < up.nbatch; i++)
			mgmt_outbox_ack(&mgmt_https_outbox, up.batch[i]);
		if (up.failures)
			log_notice("https upload: %s takes uploads again", up.url);
		up.uploads++;
		up.uploaded += up.nbatch;
		up.failures = 0;
		up.last_error[0] = '\0';
		request_free();
		/* a backlog goes on at once: the flush delay is for gathering a batch */
		up.state = UP_WAITING;
		uv_timer_start(&up.timer, timer_cb, 0, 0);
		return;
	}
	if (res != CURLE_OK)
		snprintf(up.last_error, sizeof up.last_error, "%s",
			 up.errbuf[0] ? up.errbuf : curl_easy_strerror(res));
	else
		snprintf(up.last_error, sizeof up.last_error, "HTTP status %ld", status);
	up.failures++;
	up.attempts_failed++;
	request_free();
	backoff();
}

static size_t discard_cb(char *p, size_t size, size_t n, void *arg)
{
	return size * n;
}

/* the body: {"v":1,"type":"upload","device":…,"items":[…]}, the items as they were kept */
static int build_body(void)
{
	size_t cap = 4096, len;
	struct mgmt_msg m;
	uint64_t after = 0;
	char *b = malloc(cap);

	if (!b)
		return -ENOMEM;
	len = (size_t)snprintf(b, cap, "{\"v\":%d,\"type\":\"upload\",\"device\":\"%s\",\"items\":[",
			       MGMT_FORMAT_VERSION, mgmt_client_id());
	up.nbatch = 0;
	while (up.nbatch < (unsigned)up.batch_max && len < BODY_MAX &&
	       mgmt_outbox_next(&mgmt_https_outbox, after, &m) == 0) {
		after = m.seq;
		if (len + m.len + 4 > cap) {
			char *n = realloc(b, cap = 2 * (len + m.len + 4));
			if (!n) {
				free(b);
				return -ENOMEM;
			}
			b = n;
		}
		if (up.nbatch)
			b[len++] = ',';
		memcpy(b + len, m.payload, m.len);
		len += m.len;
		up.batch[up.nbatch++] = m.seq;
	}
	memcpy(b + len, "]}", 3);
	up.body = b;
	return up.nbatch ? 0 : -ENOENT;
}

static void send_batch(void)
{
	CURL *e;
	int rc;

	up.state = UP_IDLE;
	if ((rc = build_body()) < 0) {
		free(up.body);
		up.body = NULL;
		if (rc != -ENOENT)
			log_err("https upload: no memory for a batch");
		return;
	}
	if (!(e = curl_easy_init())) {
		free(up.body);
		up.body = NULL;
		log_err("https upload: no memory for a request");
		return;
	}
	up.easy = e;
	up.headers = curl_slist_append(NULL, "Content-Type: application/json");
	up.headers = curl_slist_append(up.headers, "Expect:");
	up.errbuf[0] = '\0';
	curl_easy_setopt(e, CURLOPT_URL, up.url);
	mgmt_curl_tls(e, up.ca, up.tls13, up.verify_host);
	curl_easy_setopt(e, CURLOPT_SSLCERT, up.cert);
	curl_easy_setopt(e, CURLOPT_SSLKEY, up.key);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, up.body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(up.body));
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, up.headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "symbridge/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)up.timeout_ms);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_cb);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, up.errbuf);
	if ((rc = mgmt_curl_add(e, done_cb, NULL)) < 0) {
		snprintf(up.last_error, sizeof up.last_error, "the request could not start: %s",
			 strerror(-rc));
		up.failures++;
		request_free();
		backoff();
		return;
	}
	up.state = UP_SENDING;
}

/* ---- life cycle --------------------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int mgmt_https_start(const struct sb_cloud_https_conf *h, const struct sb_cloud_tls_conf *t)
{
	int rc;

	if (!(up.batch = calloc((size_t)h->batch_max, sizeof *up.batch)) ||
	    !(up.url = strdup(h->url)) || !(up.ca = dup_or_null(t->ca_file)) ||
	    !(up.cert = dup_or_null(t->cert_file)) || !(up.key = dup_or_null(t->key_file)))
		return -ENOMEM;
	if ((rc = mgmt_curl_start()) < 0)
		return rc;
	up.tls13 = t->min_version == SB_TLS_1_3;
	up.verify_host = t->verify_host;
	up.batch_max = h->batch_max;
	up.flush_ms = h->flush_ms;
	up.timeout_ms = h->timeout_ms;
	up.retry_max_s = h->retry_max_s;
	uv_timer_init(sb_daemon_loop(), &up.timer);
	uv_async_init(sb_daemon_loop(), &up.async, async_cb);
	uv_mutex_init(&up.lock);
	up.tail = &up.lines;
	up.taking = true;
	up.state = UP_IDLE;
	up.level = (enum sb_log_level)h->log_level;
	up.tap = (struct sb_log_tap){ .upto = up.level, .line_cb = tap_cb };
	sb_log_tap_set(&up.tap);
	log_info("https uploads to %.*s: reports and log lines at %s and above",
		 (int)strcspn(up.url, "?#"), up.url, sb_log_level_name(up.tap.upto));
	mgmt_https_kick(); /* what the last run left */
	return 0;
}

/* a reload: the level of the lines taken changes at once (the other settings at a restart) */
void mgmt_https_level(int log_level)
{
	static struct sb_log_tap taps[2];
	static unsigned which;

	if (up.state == UP_OFF || up.level == (enum sb_log_level)log_level)
		return;
	/* a thread may be reading the tap in use: the new one is another object */
	which ^= 1;
	taps[which] = (struct sb_log_tap){ .upto = (enum sb_log_level)log_level,
					   .line_cb = tap_cb };
	up.level = (enum sb_log_level)log_level;
	sb_log_tap_set(&taps[which]);
	log_info("https uploads: log lines at %s and above", sb_log_level_name(up.level));
}

void mgmt_https_stop(void)
{
	struct line *l, *next;

	if (up.state == UP_OFF)
		return;
	sb_log_tap_set(NULL);
	uv_mutex_lock(&up.lock);
	up.taking = false;
	l = up.lines;
	up.lines = NULL;
	uv_mutex_unlock(&up.lock);
	for (; l; l = next) { /* kept: the next start sends them */
		next = l->next;
		line_keep(l);
		free(l);
	}
	if (up.easy)
		request_free(); /* not acknowledged: still in the outbox */
	mgmt_curl_stop();
	uv_close((uv_handle_t *)&up.timer, NULL);
	uv_close((uv_handle_t *)&up.async, NULL);
	free(up.batch);
	free(up.url);
	free(up.ca);
	free(up.cert);
	free(up.key);
	up.batch = NULL;
	up.url = up.ca = up.cert = up.key = NULL;
	up.state = UP_OFF;
}

void mgmt_https_show(struct sb_reply *r)
{
	sb_reply_str(r, "https", up_names[up.state]);
	if (up.state == UP_OFF)
		return;
	mgmt_outbox_reply(r, "https_", &mgmt_https_outbox);
	sb_reply_int(r, "https_log_lines_dropped", (long long)up.lines_dropped);
	sb_reply_int(r, "https_uploads", (long long)up.uploads);
	sb_reply_int(r, "https_items_uploaded", (long long)up.uploaded);
	sb_reply_int(r, "https_attempts_failed", (long long)up.attempts_failed);
	sb_reply_int(r, "https_failures", up.failures);
	sb_reply_int(r, "https_last_status", up.last_status);
	sb_reply_str(r, "https_last_error", up.last_error[0] ? up.last_error : NULL);
}
