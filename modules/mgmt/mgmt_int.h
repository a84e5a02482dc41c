/* mgmt_int.h: what the parts of the cloud management module share (not for other modules). */
#ifndef MGMT_INT_H
#define MGMT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "mgmt.h"

/* The version of the message formats (README.md): every JSON message carries it as "v". */
#define MGMT_FORMAT_VERSION 1

int64_t mgmt_now_us(void);
/* topic PREFIX/CLIENT/suffix */
void mgmt_topic(char *buf, size_t len, const char *suffix);
const char *mgmt_client_id(void);

/* ---- mgmt_outbox.c: what waits for a channel's receiver, in the store ---------------------- */

struct mgmt_msg {
	uint64_t seq; /* the outbox's key: order of publication */
	int64_t created_us;
	const char *topic; /* MQTT: the topic; HTTPS: the kind ("report", "log") */
	const void *payload;
	size_t len;
};

struct mgmt_outbox_stats {
	uint64_t depth, bytes;
	uint64_t dropped_full, dropped_age, dropped_store; /* and why */
};

/* One channel's outbox: its own named database in the store, its own bounds and counters. */
struct mgmt_outbox {
	const char *db;       /* the store's named database */
	const char *name;     /* in log lines: "cloud outbox", "https outbox" */
	const char *setting;  /* its settings' section: "cloud.mqtt", "cloud.https" */
	const char *receiver; /* who acknowledges: "the broker", "the receiver" */
	bool open;
	size_t max_bytes;
	int64_t max_age_us;
	uint64_t last_seq; /* the highest key in the outbox, or the last one used */
	struct mgmt_outbox_stats st;
	bool full_said, store_said;
	uint8_t *buf; /* the message mgmt_outbox_next returned */
};
extern struct mgmt_outbox mgmt_mqtt_outbox, mgmt_https_outbox, mgmt_hook_outbox;

int mgmt_outbox_open(struct mgmt_outbox *ob, size_t max_bytes, int64_t max_age_us);
void mgmt_outbox_limits(struct mgmt_outbox *ob, size_t max_bytes, int64_t max_age_us);
/* keep a message until it is acknowledged (0, or a negative errno: not kept; -ENOTCONN: the
 * outbox is not open, its channel is off) */
int mgmt_outbox_add(struct mgmt_outbox *ob, const char *topic, const void *payload, size_t len);
/* the first message after seq (0: the first of all); -ENOENT when none. The message points into
 * a buffer of the outbox's, valid until the next call. */
int mgmt_outbox_next(struct mgmt_outbox *ob, uint64_t after, struct mgmt_msg *m);
void mgmt_outbox_ack(struct mgmt_outbox *ob, uint64_t seq);
void mgmt_outbox_expire(struct mgmt_outbox *ob); /* drop what is older than the age limit */
void mgmt_outbox_stats(const struct mgmt_outbox *ob, struct mgmt_outbox_stats *st);
void mgmt_outbox_close(struct mgmt_outbox *ob);
struct sb_reply;
/* show cloud / show mqtt: the outbox's five counters, named PREFIX "outbox_depth" ... (mgmt.c) */
void mgmt_outbox_reply(struct sb_reply *r, const char *prefix, const struct mgmt_outbox *ob);

/* ---- mgmt_mqtt.c: the MQTT connection, libmosquitto driven from the main loop ------------- */

struct mgmt_mqtt_conf {
	char host[256];
	int port;
	char client_id[65];
	char ca_file[1025], cert_file[1025], key_file[1025];
	bool verify_host, tls13;
	int keepalive;
};

int mgmt_mqtt_start(const struct mgmt_mqtt_conf *mc);
void mgmt_mqtt_stop(void);
bool mgmt_mqtt_connected(void);
/* the outbox has something new: send it if the connection can */
void mgmt_mqtt_kick(void);
/* publish now, retained, QoS 1, outside the outbox (the latest state replaces the last) */
void mgmt_mqtt_publish_retained(const char *topic, const char *payload);
/* publish now, QoS 1, outside the outbox (what is asked again until answered); -ENOTCONN */
int mgmt_mqtt_publish(const char *topic, const char *payload, bool retain);
void mgmt_mqtt_show(struct sb_reply *r);

/* ---- mgmt_https.c: HTTPS uploads of reports and log lines (cloud.https) ------------------ */

int mgmt_https_start(const struct sb_cloud_https_conf *h, const struct sb_cloud_tls_conf *t);
void mgmt_https_stop(void);
void mgmt_https_kick(void); /* the outbox has something new: upload it (after flush_ms) */
void mgmt_https_level(int log_level); /* cloud.https.log_level changed at a reload */
void mgmt_https_show(struct sb_reply *r);

/* ---- mgmt_report.c: one VoIP report per finished call (an observer of call events) -------- */

int mgmt_report_start(void);
void mgmt_report_stop(void);

/* ---- mgmt_config.c: the configuration topic (a pushed configuration, sb_conf_push) -------- */

void mgmt_config_start(void);
void mgmt_config_stop(void);
const char *mgmt_config_topic(void); /* PREFIX/CLIENT/config, NULL while off */
void mgmt_config_message(const char *topic, const void *payload, size_t len);
void mgmt_config_show(struct sb_reply *r);

/* ---- mgmt_claim.c: claiming (cloud.claim_code, symbridgectl cloud claim) ------------------ */

int mgmt_claim_start(const char *conf_code);
void mgmt_claim_stop(void);
int mgmt_claim_begin(const char *code, const char *origin); /* -EINVAL: not a code */
int mgmt_claim_conf(const char *code); /* cloud.claim_code: a claim the first time it is seen */
void mgmt_claim_connected(void);
const char *mgmt_claim_topic(void); /* PREFIX/CLIENT/claim/result, NULL while off */
void mgmt_claim_message(const char *topic, const void *payload, size_t len);
void mgmt_claim_show(struct sb_reply *r);

/* ---- mgmt_state.c: the appliance's state, published when it changes ----------------------- */

void mgmt_state_start(void);
void mgmt_state_stop(void);
void mgmt_state_connected(void); /* publish the state again (a new connection) */

/* ---- mgmt_curl.c: libcurl's multi interface driven from the main loop, shared --------------- */

/* easy (a CURL *) ended with res (a CURLcode); remove it with mgmt_curl_remove */
typedef void (*mgmt_curl_done_cb)(void *arg, void *easy, int res);
int mgmt_curl_start(void); /* counted: each user starts and stops it */
void mgmt_curl_stop(void);
/* run easy on the loop until done_cb; -ENOTCONN: not started */
int mgmt_curl_add(void *easy, mgmt_curl_done_cb cb, void *arg);
void mgmt_curl_remove(void *easy); /* takes it out and frees it (NULL: nothing) */
/* HTTPS only, TLS >= 1.2 (1.3 only with tls13), the peer verified with ca (NULL: the system's
 * CAs), its host name unless !verify_host */
void mgmt_curl_tls(void *easy, const char *ca, bool tls13, bool verify_host);

/* ---- mgmt_http.c: webhook deliveries, libcurl's multi interface driven from the main loop -- */

/* One webhook as the configuration gives it (events.webhooks), with what became of its
 * deliveries. Deliveries go out one at a time per webhook, in the order of the events. */
struct mgmt_hook_item;
struct mgmt_hook {
	/* the settings, copied: a reload does not touch deliveries under way */
	char *url, *secret, *ca, *content_type, *tmpl;
	unsigned events; /* bit per enum mgmt_hook_event */
	int timeout_ms, max_attempts, queue_max;
	/* state: its deliveries wait in mgmt_hook_outbox under key, the first one in cur */
	char key[24];
	struct mgmt_hook_item *cur;
	unsigned depth;
	void *easy;      /* CURL *: the request in flight, NULL: none */
	void *headers;   /* struct curl_slist * of that request */
	char errbuf[256];
	uv_timer_t backoff;
	bool waiting;    /* backoff running */
	uint64_t delivered, retried, failed, dropped;
	long last_status; /* HTTP status of the last answer, 0: none */
	char last_error[256];
};

enum mgmt_hook_event { MGMT_EV_INCOMING, MGMT_EV_ANSWERED, MGMT_EV_DTMF, MGMT_EV_ENDED,
		       MGMT_EV_LINK_UP, MGMT_EV_LINK_DOWN, MGMT_EV_CLOUD_UP, MGMT_EV_CLOUD_DOWN,
		       MGMT_EV_COUNT };
#define MGMT_EV_LINK_MASK (0xfu << MGMT_EV_LINK_UP) /* the events of mgmt_linkev.c */
extern const char *const mgmt_hook_event_names[]; /* "call.incoming", ... NULL-terminated */

/* ---- mgmt_webhook_conf.c: the settings (events.webhooks) ---------------------------------- */

#define MGMT_HOOKS_MAX 16
struct webhook_conf {
	struct sb_conf_src src;
	char *url;
	struct sb_strlist events;
	char *tmpl;
	char *content_type;
	char *secret;
	char *ca;
	int timeout_ms, max_attempts, queue_max;
};

struct events_conf {
	struct sb_conf_src src;
	struct sb_conf_list webhooks; /* struct webhook_conf */
	int outbox_max_kb, outbox_max_age_hours;
};

extern const struct sb_conf_section mgmt_events_section;
/* the placeholders a template or URL may use, NULL-terminated: {event} {caller} ... */
extern const char *const mgmt_placeholders[];
#define MGMT_PLACEHOLDERS 13
/* the length of the placeholder's name when p starts one ({word}), else 0 */
size_t mgmt_placeholder_at(const char *p);
int mgmt_hook_event_index(const char *name); /* enum mgmt_hook_event, -1: not an event */

/* ---- mgmt_webhook.c / mgmt_linkev.c: link and cloud up/down, from show links / show cloud -- */

void mgmt_events_link(int type, const char *link, const char *peer, const char *reason);
unsigned mgmt_events_wanted(void); /* the events some webhook asked for, bit per event */
void mgmt_linkev_start(void);
void mgmt_linkev_stop(void);

int mgmt_http_start(void);
void mgmt_http_stop(void);
int mgmt_hook_outbox_open(struct mgmt_hook *hooks, unsigned n, size_t max_bytes,
			  int64_t max_age_us);
void mgmt_hook_init(struct mgmt_hook *h); /* its settings set: timer and key */
void mgmt_hook_key(struct mgmt_hook *h);
void mgmt_hook_start(struct mgmt_hook *h); /* depth counted from the outbox: send what waits */
void mgmt_hook_fini(struct mgmt_hook *h); /* ends what is in flight; the outbox keeps it */
/* queue one delivery: the body is signed with the hook's secret as it is sent */
void mgmt_hook_post(struct mgmt_hook *h, const char *event, const char *url, const char *body);

/* one event's placeholders (mgmt_webhook_render.c) */
struct mgmt_evctx {
	const char *event;
	char values[MGMT_PLACEHOLDERS][256]; /* in the order of mgmt_placeholders[] */
};
void mgmt_ev_set(struct mgmt_evctx *x, const char *name, const char *v);
/* text with its placeholders replaced: URL-encoded for a URL (esc: a CURL *), JSON-escaped
 * for a JSON template; malloc'd, NULL: no memory */
char *mgmt_ev_expand(const char *text, const struct mgmt_evctx *x, void *esc, bool json);
char *mgmt_ev_json(const struct mgmt_evctx *x); /* the event as one JSON object; malloc'd */

#endif
