/* mgmt.c: the cloud management module: the settings of its channels (cloud.mqtt, cloud.https),
 * their life cycle, and what show status, show cloud and show mqtt say about them. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#define SB_MODULE "mgmt"
#include "mgmt_int.h"

static struct {
	bool running; /* some channel runs */
	bool mqtt;    /* the MQTT channel runs */
	char client_id[65];
	char prefix[129];
	struct mgmt_mqtt_conf mc;
	uv_timer_t expire;
} mg;

int64_t mgmt_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *mgmt_client_id(void)
{
	return mg.client_id;
}

void mgmt_topic(char *buf, size_t len, const char *suffix)
{
	snprintf(buf, len, "%s/%s/%s", mg.prefix, mg.client_id, suffix);
}

static size_t max_bytes(int kb)
{
	return (size_t)kb * 1024;
}

static int64_t max_age_us(int hours)
{
	return (int64_t)hours * 3600 * 1000000;
}

/* "host:port" or "[v6]:port", as the key table checked it */
static void split_broker(const char *b, struct mgmt_mqtt_conf *mc)
{
	const char *colon = strrchr(b, ':');
	size_t hl = (size_t)(colon - b);

	if (b[0] == '[') {
		b++;
		hl -= 2;
	}
	snprintf(mc->host, sizeof mc->host, "%.*s", (int)hl, b);
	mc->port = atoi(colon + 1);
}

static void expire_cb(uv_timer_t *t)
{
	mgmt_outbox_expire(&mgmt_mqtt_outbox);
	mgmt_outbox_expire(&mgmt_https_outbox);
}

static void outboxes_close(void)
{
	mgmt_outbox_close(&mgmt_mqtt_outbox);
	mgmt_outbox_close(&mgmt_https_outbox);
}

/* each channel's outbox, opened only when its channel is set */
static int outboxes_open(const struct sb_cloud_conf *c)
{
	int rc = 0;

	if (c->mqtt.broker)
		rc = mgmt_outbox_open(&mgmt_mqtt_outbox, max_bytes(c->mqtt.outbox_max_kb),
				      max_age_us(c->mqtt.outbox_max_age_hours));
	if (rc == 0 && c->https.url)
		rc = mgmt_outbox_open(&mgmt_https_outbox, max_bytes(c->https.outbox_max_kb),
				      max_age_us(c->https.outbox_max_age_hours));
	if (rc < 0) {
		log_err("cannot open the cloud outbox in the store: %s", strerror(-rc));
		outboxes_close();
	}
	return rc;
}

static int mgmt_init(const struct sb_conf *conf)
{
	const struct sb_cloud_mqtt_conf *m = &conf->cloud.mqtt;
	const struct sb_cloud_tls_conf *t = &conf->cloud.tls;
	int rc;

	if (!m->broker && !conf->cloud.https.url)
		return 0; /* no channel: nothing runs */
	snprintf(mg.client_id, sizeof mg.client_id, "%s", m->client_id ? m->client_id
								    : conf->system.name);
	snprintf(mg.prefix, sizeof mg.prefix, "%s", m->topic_prefix);
	if ((rc = outboxes_open(&conf->cloud)) < 0)
		return rc;
	if ((rc = mgmt_report_start()) < 0) {
		log_err("cannot observe calls: %s", strerror(-rc));
		outboxes_close();
		return rc;
	}
	uv_timer_init(sb_daemon_loop(), &mg.expire);
	uv_timer_start(&mg.expire, expire_cb, 60 * 1000, 60 * 1000);
	mg.running = true;
	if (conf->cloud.https.url && (rc = mgmt_https_start(&conf->cloud.https, t)) < 0) {
		log_err("cannot start https uploads: %s", strerror(-rc));
		return rc;
	}
	if (!m->broker)
		return 0;
	mg.mc = (struct mgmt_mqtt_conf){ .verify_host = t->verify_host,
					 .tls13 = t->min_version == SB_TLS_1_3,
					 .keepalive = m->keepalive };
	split_broker(m->broker, &mg.mc);
	snprintf(mg.mc.client_id, sizeof mg.mc.client_id, "%s", mg.client_id);
	snprintf(mg.mc.ca_file, sizeof mg.mc.ca_file, "%s", t->ca_file);
	snprintf(mg.mc.cert_file, sizeof mg.mc.cert_file, "%s", t->cert_file);
	snprintf(mg.mc.key_file, sizeof mg.mc.key_file, "%s", t->key_file);
	mgmt_state_start();
	mgmt_config_start();
	mg.mqtt = true;
	mgmt_claim_start(conf->cloud.claim_code);
	return mgmt_mqtt_start(&mg.mc);
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void mgmt_reload(const struct sb_conf *conf, const struct sb_conf *old)
{
	const struct sb_cloud_mqtt_conf *n = &conf->cloud.mqtt, *o = &old->cloud.mqtt;
	const struct sb_cloud_https_conf *hn = &conf->cloud.https, *ho = &old->cloud.https;

	if (!same(n->broker, o->broker) || !same(n->client_id, o->client_id) ||
	    !same(n->topic_prefix, o->topic_prefix) || n->keepalive != o->keepalive)
		log_warn("cloud.mqtt changed: the channel takes it after a restart");
	if (!same(hn->url, ho->url) || hn->batch_max != ho->batch_max ||
	    hn->flush_ms != ho->flush_ms || hn->timeout_ms != ho->timeout_ms ||
	    hn->retry_max_s != ho->retry_max_s)
		log_warn("cloud.https changed: the uploads take it after a restart");
	if (mg.mqtt)
		mgmt_claim_conf(conf->cloud.claim_code);
	if (mg.mqtt && (n->outbox_max_kb != o->outbox_max_kb ||
			n->outbox_max_age_hours != o->outbox_max_age_hours)) {
		mgmt_outbox_limits(&mgmt_mqtt_outbox, max_bytes(n->outbox_max_kb),
				   max_age_us(n->outbox_max_age_hours));
		mgmt_outbox_expire(&mgmt_mqtt_outbox);
		log_info("cloud outbox: now at most %d KiB and %d hours", n->outbox_max_kb,
			 n->outbox_max_age_hours);
	}
	if (mgmt_https_outbox.open && (hn->outbox_max_kb != ho->outbox_max_kb ||
				       hn->outbox_max_age_hours != ho->outbox_max_age_hours)) {
		mgmt_outbox_limits(&mgmt_https_outbox, max_bytes(hn->outbox_max_kb),
				   max_age_us(hn->outbox_max_age_hours));
		mgmt_outbox_expire(&mgmt_https_outbox);
		log_info("https outbox: now at most %d KiB and %d hours", hn->outbox_max_kb,
			 hn->outbox_max_age_hours);
	}
	if (mgmt_https_outbox.open)
		mgmt_https_level(hn->log_level);
}

void mgmt_outbox_reply(struct sb_reply *r, const char *prefix, const struct mgmt_outbox *ob)
{
	static const char *const names[] = { "outbox_depth", "outbox_bytes", "outbox_dropped_full",
					     "outbox_dropped_age", "outbox_dropped_store" };
	struct mgmt_outbox_stats s;
	char key[64];

	mgmt_outbox_stats(ob, &s);
	const uint64_t v[] = { s.depth, s.bytes, s.dropped_full, s.dropped_age, s.dropped_store };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		snprintf(key, sizeof key, "%s%s", prefix, names[i]);
		sb_reply_int(r, key, (long long)v[i]);
	}
}

static void mgmt_status(struct sb_reply *r)
{
	if (!mg.mqtt)
		return;
	mgmt_mqtt_show(r);
	mgmt_outbox_reply(r, "", &mgmt_mqtt_outbox);
}

/* show cloud: where the management channel stands and what waits for it */
static void mgmt_cloud_status(struct sb_reply *r)
{
	struct mgmt_outbox_stats s;

	mgmt_https_show(r);
	if (!mg.mqtt) {
		sb_reply_str(r, "mqtt", "off");
		return;
	}
	mgmt_outbox_stats(&mgmt_mqtt_outbox, &s);
	sb_reply_str(r, "mqtt", mgmt_mqtt_connected() ? "connected" : "not connected");
	sb_reply_int(r, "outbox_depth", (long long)s.depth);
	sb_reply_int(r, "outbox_dropped",
		     (long long)(s.dropped_full + s.dropped_age + s.dropped_store));
	mgmt_claim_show(r);
}

static int cmd_show_mqtt(const struct sb_ctl_req *req, struct sb_reply *r)
{
	if (!mg.mqtt) {
		sb_reply_str(r, "mqtt", "off");
		return 0;
	}
	sb_reply_str(r, "client_id", mg.client_id);
	sb_reply_str(r, "topic_prefix", mg.prefix);
	mgmt_mqtt_show(r);
	mgmt_outbox_reply(r, "", &mgmt_mqtt_outbox);
	mgmt_config_show(r);
	mgmt_claim_show(r);
	return 0;
}

static int cmd_cloud_claim(const struct sb_ctl_req *req, struct sb_reply *r)
{
	int rc;

	if (!mg.mqtt) {
		sb_reply_error(r, "the cloud management channel is off: claiming needs "
			       "cloud.mqtt.broker (symbridge.conf(5))");
		return 0;
	}
	if ((rc = mgmt_claim_begin(req->argv[0], "symbridgectl")) == -EINVAL)
		sb_reply_error(r, "not a claim code (allowed: 4..64 letters, digits and '-')");
	else if (rc < 0)
		sb_reply_error(r, "cannot claim: %s", strerror(-rc));
	else
		sb_reply_message(r, "claim requested: the appliance asks the cloud until it "
				 "answers (show cloud)");
	return 0;
}

static const struct sb_ctl_cmd mgmt_cmds[] = {
	{ "show mqtt", cmd_show_mqtt,
	  "the cloud management channel: connection, outbox depth, what was dropped and why", 0 },
	{ "cloud claim <CODE>", cmd_cloud_claim,
	  "ask the cloud to claim this appliance with CODE (from the portal), until it answers",
	  SB_CTL_PRIV },
	{ NULL, NULL, NULL, 0 },
};

static void mgmt_close(void)
{
	if (!mg.running)
		return;
	mg.running = false;
	mgmt_report_stop();
	if (mg.mqtt) {
		mgmt_config_stop();
		mgmt_claim_stop();
		mgmt_state_stop();
		mgmt_mqtt_stop();
	}
	mg.mqtt = false;
	mgmt_https_stop();
	uv_close((uv_handle_t *)&mg.expire, NULL);
	outboxes_close();
}

const struct sb_module mgmt_module = {
	.name = "mgmt",
	.cmds = mgmt_cmds,
	.init = mgmt_init,
	.reload = mgmt_reload,
	.close = mgmt_close,
	.status = mgmt_status,
	.cloud_status = mgmt_cloud_status,
};
