/* mgmt_webhook.c: the events module: call-event webhooks (events.webhooks): an observer of the
 * core's call events renders each event a webhook asked for (its template or JSON) and queues
 * it for delivery (mgmt_http.c); show webhooks says what became of them. */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SB_MODULE "events"
#include "mgmt_int.h"

/* ---- the observer ------------------------------------------------------------------------- */

static struct {
	bool running;
	uv_timer_t expire; /* the outbox's age bound */
	struct mgmt_hook hooks[MGMT_HOOKS_MAX];
	unsigned n;
	CURL *esc; /* for curl_easy_escape only */
} ev;

static void now_iso(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03dZ", (int)(ts.tv_nsec / 1000000));
}

static void fill(struct mgmt_evctx *x, const struct sb_call_event *e, int type)
{
	const struct sb_leg *leg = e->leg ? e->leg : sb_call_leg(e->call, 0);
	char num[32];

	memset(x, 0, sizeof *x);
	x->event = mgmt_hook_event_names[type];
	mgmt_ev_set(x, "event", x->event);
	mgmt_ev_set(x, "caller", sb_call_caller(e->call)->number);
	mgmt_ev_set(x, "called", sb_call_called(e->call)->number);
	if (leg) {
		mgmt_ev_set(x, "card", leg->card);
		snprintf(num, sizeof num, "%u", leg->channel);
		mgmt_ev_set(x, "channel", leg->channel ? num : "");
	}
	snprintf(num, sizeof num, "%llu", (unsigned long long)sb_call_id(e->call));
	mgmt_ev_set(x, "call_id", num);
	if (type == MGMT_EV_ENDED) {
		snprintf(num, sizeof num, "%d", e->q850);
		mgmt_ev_set(x, "cause", num);
		mgmt_ev_set(x, "reason", e->reason);
	}
	if (type == MGMT_EV_DTMF) {
		num[0] = e->digit;
		num[1] = '\0';
		mgmt_ev_set(x, "digit", num);
		mgmt_ev_set(x, "direction", e->side ? "from-called" : "from-caller");
	}
	now_iso(num, sizeof num);
	mgmt_ev_set(x, "time", num);
}

static void dispatch(const struct mgmt_evctx *x, int type);

static void event_cb(const struct sb_call_event *e, void *arg)
{
	int type;
	struct mgmt_evctx x;

	switch (e->type) {
	case SB_CALL_EV_BEGIN: type = MGMT_EV_INCOMING; break;
	case SB_CALL_EV_ANSWER: type = MGMT_EV_ANSWERED; break;
	case SB_CALL_EV_DIGIT: type = MGMT_EV_DTMF; break;
	case SB_CALL_EV_END: type = MGMT_EV_ENDED; break;
	default: return;
	}
	fill(&x, e, type);
	dispatch(&x, type);
}

/* link.up/down, cloud.up/down (mgmt_linkev.c): what changed, where, why */
void mgmt_events_link(int type, const char *link, const char *peer, const char *reason)
{
	struct mgmt_evctx x;
	char when[40];

	memset(&x, 0, sizeof x);
	x.event = mgmt_hook_event_names[type];
	mgmt_ev_set(&x, "event", x.event);
	mgmt_ev_set(&x, "link", link);
	mgmt_ev_set(&x, "peer", peer);
	mgmt_ev_set(&x, "reason", reason);
	now_iso(when, sizeof when);
	mgmt_ev_set(&x, "time", when);
	log_notice("%s %s (%s)%s%s", link, type == MGMT_EV_LINK_UP || type == MGMT_EV_CLOUD_UP
		   ? "up" : "down", peer && *peer ? peer : "no peer", reason && *reason ? ": " : "",
		   reason ? reason : "");
	dispatch(&x, type);
}

unsigned mgmt_events_wanted(void)
{
	unsigned w = 0;

	for (unsigned i = 0; i < ev.n; i++)
		w |= ev.hooks[i].events;
	return w;
}

static void dispatch(const struct mgmt_evctx *xp, int type)
{
	const struct mgmt_evctx *x = xp;

	for (unsigned i = 0; i < ev.n; i++) {
		struct mgmt_hook *h = &ev.hooks[i];
		char *url, *body;

		if (!(h->events & (1u << type)))
			continue;
		url = mgmt_ev_expand(h->url, x, ev.esc, false);
		body = h->tmpl ? mgmt_ev_expand(h->tmpl, x, NULL, strstr(h->content_type, "json") != NULL)
			       : mgmt_ev_json(x);
		if (url && body)
			mgmt_hook_post(h, x->event, url, body);
		else
			log_err("%s not sent: no memory", x->event);
		free(url);
		free(body);
	}
}

static const struct sb_call_observer hook_observer = {
	.name = "events",
	.event_cb = event_cb,
};

/* ---- life cycle --------------------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void hooks_free(void)
{
	for (unsigned i = 0; i < ev.n; i++) {
		struct mgmt_hook *h = &ev.hooks[i];
		mgmt_hook_fini(h);
		free(h->url);
		free(h->secret);
		free(h->ca);
		free(h->content_type);
		free(h->tmpl);
	}
	ev.n = 0;
}

extern const struct sb_module events_module;

static void expire_cb(uv_timer_t *t)
{
	mgmt_outbox_expire(&mgmt_hook_outbox);
}

static int events_init(const struct sb_conf *conf)
{
	const struct events_conf *ec = sb_module_conf(conf, &events_module);
	const char *ca = conf->cloud.tls.ca_file;
	int rc;

	if (!ec || ec->webhooks.n == 0)
		return 0; /* no webhook: nothing runs */
	if ((rc = mgmt_http_start()) < 0 || !(ev.esc = curl_easy_init())) {
		log_err("cannot start webhook deliveries: %s", strerror(rc < 0 ? -rc : ENOMEM));
		return rc < 0 ? rc : -ENOMEM;
	}
	for (size_t i = 0; i < ec->webhooks.n; i++) {
		const struct webhook_conf *w = (const struct webhook_conf *)ec->webhooks.v + i;
		struct mgmt_hook *h = &ev.hooks[ev.n++];

		memset(h, 0, sizeof *h);
		h->url = strdup(w->url);
		h->secret = dup_or_null(w->secret);
		h->ca = dup_or_null(w->ca ? w->ca : ca);
		h->content_type = strdup(w->content_type);
		h->tmpl = dup_or_null(w->tmpl);
		h->timeout_ms = w->timeout_ms;
		h->max_attempts = w->max_attempts;
		h->queue_max = w->queue_max;
		for (size_t k = 0; k < w->events.n; k++)
			h->events |= 1u << mgmt_hook_event_index(w->events.v[k]);
		if (!h->url || !h->content_type) {
			ev.n--;
			hooks_free();
			mgmt_http_stop();
			return -ENOMEM;
		}
		mgmt_hook_init(h);
	}
	if ((rc = mgmt_hook_outbox_open(ev.hooks, ev.n, (size_t)ec->outbox_max_kb * 1024,
					(int64_t)ec->outbox_max_age_hours * 3600 * 1000000)) < 0 ||
	    (rc = sb_call_observer_register(&hook_observer)) < 0) {
		log_err("cannot keep or observe call events: %s", strerror(-rc));
		hooks_free();
		mgmt_outbox_close(&mgmt_hook_outbox);
		mgmt_http_stop();
		return rc;
	}
	uv_timer_init(sb_daemon_loop(), &ev.expire);
	uv_timer_start(&ev.expire, expire_cb, 60 * 1000, 60 * 1000);
	for (unsigned i = 0; i < ev.n; i++)
		mgmt_hook_start(&ev.hooks[i]);
	ev.running = true;
	if (mgmt_events_wanted() & MGMT_EV_LINK_MASK)
		mgmt_linkev_start();
	log_info("%u webhook(s) told of call events", ev.n);
	return 0;
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool hooks_same(const struct events_conf *a, const struct events_conf *b)
{
	size_t n = a ? a->webhooks.n : 0;

	if (n != (b ? b->webhooks.n : 0))
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct webhook_conf *x = (const struct webhook_conf *)a->webhooks.v + i,
					  *y = (const struct webhook_conf *)b->webhooks.v + i;
		if (!same(x->url, y->url) || !same(x->tmpl, y->tmpl) || !same(x->ca, y->ca) ||
		    !same(x->secret, y->secret) || !same(x->content_type, y->content_type) ||
		    x->timeout_ms != y->timeout_ms || x->max_attempts != y->max_attempts ||
		    x->queue_max != y->queue_max || x->events.n != y->events.n)
			return false;
		for (size_t k = 0; k < x->events.n; k++)
			if (strcmp(x->events.v[k], y->events.v[k]) != 0)
				return false;
	}
	return true;
}

static void events_reload(const struct sb_conf *conf, const struct sb_conf *old)
{
	const struct events_conf *n = sb_module_conf(conf, &events_module),
				 *o = sb_module_conf(old, &events_module);

	if (!hooks_same(n, o))
		log_warn("events.webhooks changed: the webhooks take it after a restart");
	if (ev.running && n && o && (n->outbox_max_kb != o->outbox_max_kb ||
				     n->outbox_max_age_hours != o->outbox_max_age_hours)) {
		mgmt_outbox_limits(&mgmt_hook_outbox, (size_t)n->outbox_max_kb * 1024,
				   (int64_t)n->outbox_max_age_hours * 3600 * 1000000);
		mgmt_outbox_expire(&mgmt_hook_outbox);
		log_info("webhook outbox: now at most %d KiB and %d hours", n->outbox_max_kb,
			 n->outbox_max_age_hours);
	}
}

/* show cloud: the webhooks' outbox (per webhook: show webhooks) */
static void events_cloud_status(struct sb_reply *r)
{
	if (!ev.running)
		return;
	mgmt_outbox_reply(r, "webhook_", &mgmt_hook_outbox);
}

static void events_close(void)
{
	if (!ev.running)
		return;
	ev.running = false;
	mgmt_linkev_stop();
	sb_call_observer_unregister(&hook_observer);
	hooks_free();
	uv_close((uv_handle_t *)&ev.expire, NULL);
	mgmt_outbox_close(&mgmt_hook_outbox);
	curl_easy_cleanup(ev.esc);
	ev.esc = NULL;
	mgmt_http_stop();
}

static int cmd_show_webhooks(const struct sb_ctl_req *req, struct sb_reply *r)
{
	static const char *const cols[] = { "url", "events", "queued", "delivered", "retried",
					    "failed", "dropped", "last_status", "last_error", NULL };

	sb_reply_table(r, cols);
	for (unsigned i = 0; i < ev.n; i++) {
		const struct mgmt_hook *h = &ev.hooks[i];
		char url[256], evs[160] = "";

		snprintf(url, sizeof url, "%.*s", (int)strcspn(h->url, "?#"), h->url);
		for (int k = 0; k < MGMT_EV_COUNT; k++)
			if (h->events & (1u << k))
				snprintf(evs + strlen(evs), sizeof evs - strlen(evs), "%s%s",
					 evs[0] ? "," : "", mgmt_hook_event_names[k]);
		sb_reply_row(r);
		sb_reply_str(r, "url", url);
		sb_reply_str(r, "events", evs);
		sb_reply_int(r, "queued", h->depth);
		sb_reply_int(r, "delivered", (long long)h->delivered);
		sb_reply_int(r, "retried", (long long)h->retried);
		sb_reply_int(r, "failed", (long long)h->failed);
		sb_reply_int(r, "dropped", (long long)h->dropped);
		sb_reply_int(r, "last_status", h->last_status);
		sb_reply_str(r, "last_error", h->last_error);
	}
	return 0;
}

static const struct sb_ctl_cmd events_cmds[] = {
	{ "show webhooks", cmd_show_webhooks,
	  "the call-event webhooks: deliveries waiting, delivered, retried, given up, dropped", 0 },
	{ NULL, NULL, NULL, 0 },
};

const struct sb_module events_module = {
	.name = "events",
	.conf = &mgmt_events_section,
	.cmds = events_cmds,
	.init = events_init,
	.reload = events_reload,
	.close = events_close,
	.cloud_status = events_cloud_status,
};
