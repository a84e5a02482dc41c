/* mgmt_mqtt.c: the MQTTS connection to the management broker: libmosquitto driven from the main
 * loop (its socket under a uv_poll, keepalives on a uv_timer), connected in a worker so neither
 * DNS nor loading the certificates blocks the loop; the outbox is sent in order, QoS 1. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include <openssl/ssl.h>

#define SB_MODULE "mgmt"
#include "mgmt_int.h"
#include "crl.h"

#define WINDOW       16      /* messages sent and not yet acknowledged (mosquitto allows 20) */
#define BACKOFF_MIN  1000    /* ms before the first retry ... */
#define BACKOFF_MAX  30000   /* ... doubling up to this, with jitter */

enum mq_state { MQ_OFF, MQ_CONNECTING, MQ_CONNECTED, MQ_BACKOFF };
static const char *const state_names[] = { "off", "connecting", "connected", "backoff" };

struct inflight {
	int mid;
	uint64_t seq;
};

static struct {
	struct mgmt_mqtt_conf conf;
	enum mq_state state;
	struct mosquitto *mosq;   /* the connection's; a new one for every attempt */
	uv_poll_t *poll;          /* its socket's, while it has one */
	uv_timer_t misc, retry;   /* keepalives; the next attempt */
	uv_work_t work;           /* the attempt in a worker */
	bool working, stopping, lost;
	int work_rc;              /* MOSQ_ERR_* of the attempt */
	int work_errno;
	unsigned failures;        /* attempts failed in a row */
	uint64_t connects, losses;
	int64_t up_since_us;
	char last_error[200];
	char tls_reason[160]; /* OpenSSL's reason, as libmosquitto logs it (worker or loop) */
	unsigned long crl_refusals; /* the crl module's count when the attempt began */
	char status_topic[256];
	struct inflight fly[WINDOW];
	unsigned nfly;
	uint64_t sent_to;         /* the last outbox seq handed to the broker on this connection */
	uint64_t published, acked;
} mq;

static void teardown(const char *why);
static void update_poll(void);
static void poll_cb(uv_poll_t *p, int status, int events);

static void set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(mq.last_error, sizeof mq.last_error, fmt, ap);
	va_end(ap);
}

/* ---- the outbox, sent in order ---------------------------------------------------------- */

static void pump(void)
{
	struct mgmt_msg m;
	int mid, rc;

	while (mq.state == MQ_CONNECTED && mq.nfly < WINDOW &&
	       mgmt_outbox_next(&mgmt_mqtt_outbox, mq.sent_to, &m) == 0) {
		rc = mosquitto_publish(mq.mosq, &mid, m.topic, (int)m.len, m.payload, 1, false);
		if (rc != MOSQ_ERR_SUCCESS) {
			if (rc != MOSQ_ERR_NO_CONN && rc != MOSQ_ERR_CONN_LOST)
				log_warn("cannot publish to %s: %s", m.topic, mosquitto_strerror(rc));
			mq.lost = true;
			break;
		}
		mq.fly[mq.nfly++] = (struct inflight){ .mid = mid, .seq = m.seq };
		mq.sent_to = m.seq;
		mq.published++;
	}
	update_poll();
}

void mgmt_mqtt_kick(void)
{
	pump();
}

int mgmt_mqtt_publish(const char *topic, const char *payload, bool retain)
{
	if (mq.state != MQ_CONNECTED)
		return -ENOTCONN;
	if (mosquitto_publish(mq.mosq, NULL, topic, (int)strlen(payload), payload, 1, retain) !=
	    MOSQ_ERR_SUCCESS) {
		mq.lost = true;
		return -ENOTCONN;
	}
	update_poll();
	return 0;
}

void mgmt_mqtt_publish_retained(const char *topic, const char *payload)
{
	if (mq.state != MQ_CONNECTED)
		return;
	if (mosquitto_publish(mq.mosq, NULL, topic, (int)strlen(payload), payload, 1, true) !=
	    MOSQ_ERR_SUCCESS)
		mq.lost = true;
	update_poll();
}

/* ---- libmosquitto's callbacks (on the loop, inside loop_read/write/misc) ------------------- */

static void on_connect(struct mosquitto *m, void *arg, int rc)
{
	if (rc != 0) {
		set_error("the broker refused the connection: %s", mosquitto_connack_string(rc));
		log_warn("mqtt broker %s:%d refused the connection: %s", mq.conf.host, mq.conf.port,
			 mosquitto_connack_string(rc));
		mq.lost = true;
		return;
	}
	mq.state = MQ_CONNECTED;
	mq.failures = 0;
	mq.connects++;
	mq.up_since_us = mgmt_now_us();
	mq.last_error[0] = '\0';
	log_notice("mqtt broker %s:%d connected as %s", mq.conf.host, mq.conf.port,
		   mq.conf.client_id);
	mosquitto_publish(m, NULL, mq.status_topic, 6, "online", 1, true);
	/* clean session: subscribed again on every connection; what the cloud keeps retained there
	 * arrives now, so a box that was away gets the configuration it missed */
	const char *subs[] = { mgmt_config_topic(), mgmt_claim_topic() };
	for (size_t i = 0; i < sizeof subs / sizeof *subs; i++)
		if (subs[i] && (rc = mosquitto_subscribe(m, NULL, subs[i], 1)) != MOSQ_ERR_SUCCESS)
			log_warn("cannot subscribe to %s: %s", subs[i], mosquitto_strerror(rc));
	mgmt_state_connected();
	mq.sent_to = 0; /* everything not acknowledged goes again, in order */
	mq.nfly = 0;
	pump();
	mgmt_claim_connected();
}

static void on_disconnect(struct mosquitto *m, void *arg, int rc)
{
	if (!mq.last_error[0])
		set_error("%s", rc ? mosquitto_strerror(rc) : "closed");
	mq.lost = true;
}

static void on_publish(struct mosquitto *m, void *arg, int mid)
{
	for (unsigned i = 0; i < mq.nfly; i++)
		if (mq.fly[i].mid == mid) {
			mgmt_outbox_ack(&mgmt_mqtt_outbox, mq.fly[i].seq);
			mq.acked++;
			memmove(&mq.fly[i], &mq.fly[i + 1], (mq.nfly - i - 1) * sizeof *mq.fly);
			mq.nfly--;
			break;
		}
	/* retained state has no place in the window: nothing to do for it */
}

static void on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	size_t len = msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0;

	mgmt_config_message(msg->topic, msg->payload, len);
	mgmt_claim_message(msg->topic, msg->payload, len);
}

/* ---- the socket under the loop -------------------------------------------------------------- */

static void update_poll(void)
{
	int ev = UV_READABLE;

	if (!mq.poll || !mq.mosq)
		return;
	if (mosquitto_want_write(mq.mosq))
		ev |= UV_WRITABLE;
	uv_poll_start(mq.poll, ev, poll_cb);
}

/* libmosquitto names OpenSSL's reason for a failed handshake only in its log */
static void log_cb(struct mosquitto *m, void *arg, int level, const char *text)
{
	const char *p;

	if (level == MOSQ_LOG_ERR && (p = strstr(text, "OpenSSL Error")) && !mq.tls_reason[0])
		snprintf(mq.tls_reason, sizeof mq.tls_reason, "%s",
			 (p = strstr(p, "error:")) ? p : text);
}

static void set_tls_error(void)
{
	char why[400];

	/* refused by the CRL: the crl module says why (revoked, serial, date; or stale) */
	if (crl_refusals(CRL_BROKER, why, sizeof why) != mq.crl_refusals && why[0]) {
		set_error("TLS handshake refused: %s", why);
		return;
	}
	set_error("TLS handshake failed: %s",
		  mq.tls_reason[0] ? mq.tls_reason : "certificate, CA or version refused");
}

static void after_io(int rc, const char *what)
{
	if (rc != MOSQ_ERR_SUCCESS && !mq.lost) {
		if (rc == MOSQ_ERR_TLS)
			set_tls_error();
		else if (!mq.last_error[0])
			set_error("%s", rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		mq.lost = true;
	}
	if (mq.lost) {
		teardown(what);
		return;
	}
	pump();
}

static void poll_cb(uv_poll_t *p, int status, int events)
{
	int rc = MOSQ_ERR_SUCCESS;

	if (status < 0)
		rc = MOSQ_ERR_CONN_LOST;
	if (rc == MOSQ_ERR_SUCCESS && (events & UV_READABLE))
		rc = mosquitto_loop_read(mq.mosq, 1);
	if (rc == MOSQ_ERR_SUCCESS && !mq.lost && (events & UV_WRITABLE))
		rc = mosquitto_loop_write(mq.mosq, 1);
	after_io(rc, "read");
}

static void misc_cb(uv_timer_t *t)
{
	if (mq.mosq && mq.poll && !mq.working)
		after_io(mosquitto_loop_misc(mq.mosq), "keepalive");
}

/* ---- connecting, in a worker ------------------------------------------------------------------ */

static void retry_cb(uv_timer_t *t);

static void schedule_retry(void)
{
	unsigned ms = BACKOFF_MIN;

	for (unsigned i = 1; i < mq.failures && ms < BACKOFF_MAX; i++)
		ms *= 2;
	if (ms > BACKOFF_MAX)
		ms = BACKOFF_MAX;
	ms = ms * 3 / 4 + (unsigned)(rand() % (int)(ms / 4 + 1)); /* many boxes, one broker */
	mq.state = MQ_BACKOFF;
	uv_timer_start(&mq.retry, retry_cb, ms, 0);
}

static void close_poll_cb(uv_handle_t *h)
{
	free(h);
}

/* the connection is gone (or never came): let go of it and try again later */
static void teardown(const char *why)
{
	bool was_up = mq.state == MQ_CONNECTED;

	if (mq.poll) {
		uv_poll_stop(mq.poll);
		uv_close((uv_handle_t *)mq.poll, close_poll_cb);
		mq.poll = NULL;
	}
	if (mq.mosq) {
		mosquitto_destroy(mq.mosq); /* its queue goes too: the outbox has it all */
		mq.mosq = NULL;
	}
	mq.nfly = 0;
	mq.lost = false;
	mq.failures++;
	if (mq.stopping) {
		mq.state = MQ_OFF;
		return;
	}
	if (was_up) {
		mq.losses++;
		log_warn("mqtt broker %s:%d: connection lost (%s): reconnecting", mq.conf.host,
			 mq.conf.port, mq.last_error[0] ? mq.last_error : why);
	} else if (mq.failures == 1 || mq.failures % 10 == 0) {
		log_warn("mqtt broker %s:%d: cannot connect (%s): retrying with backoff (%u failed)",
			 mq.conf.host, mq.conf.port, mq.last_error, mq.failures);
	}
	schedule_retry();
}

static void connect_work(uv_work_t *w)
{
	const struct mgmt_mqtt_conf *c = &mq.conf;
	struct mosquitto *m = mosquitto_new(c->client_id, true, NULL);
	int rc;

	mq.work_rc = MOSQ_ERR_NOMEM;
	mq.work_errno = 0;
	if (!m)
		return;
	mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	rc = mosquitto_tls_set(m, c->ca_file, NULL, c->cert_file, c->key_file, NULL);
	if (rc == MOSQ_ERR_SUCCESS)
		/* NULL: TLS 1.2 and 1.3; "tlsv1.3": 1.3 only */
		rc = mosquitto_tls_opts_set(m, 1, c->tls13 ? "tlsv1.3" : NULL, NULL);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_tls_insecure_set(m, !c->verify_host);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_will_set(m, mq.status_topic, 7, "offline", 1, true);
	if (rc == MOSQ_ERR_SUCCESS) {
		mosquitto_connect_callback_set(m, on_connect);
		mosquitto_disconnect_callback_set(m, on_disconnect);
		mosquitto_publish_callback_set(m, on_publish);
		mosquitto_message_callback_set(m, on_message);
		mosquitto_log_callback_set(m, log_cb);
		errno = 0;
		/* the context libmosquitto makes in the connect is checked against the CRL too
		 * (crl module), from its first handshake: it may finish here, in the worker. Not
		 * our own SSL_CTX through MOSQ_OPT_SSL_CTX: libmosquitto 2.0 then never sets up
		 * the index its verify callback finds the connection by, and refuses every
		 * certificate. */
		crl_arm(CRL_BROKER);
		rc = mosquitto_connect_async(m, c->host, c->port, c->keepalive);
		mq.work_errno = errno;
		crl_disarm();
	}
	mq.work_rc = rc;
	mq.mosq = m;
}

static void connect_done(uv_work_t *w, int status)
{
	int rc = mq.work_rc;

	mq.working = false;
	if (status == 0 && rc == MOSQ_ERR_SUCCESS && !mq.stopping &&
	    (mq.poll = malloc(sizeof *mq.poll)) &&
	    uv_poll_init(sb_daemon_loop(), mq.poll, mosquitto_socket(mq.mosq)) == 0) {
		update_poll();
		return; /* the TLS handshake and CONNECT go on under the loop */
	}
	free(mq.poll);
	mq.poll = NULL;
	if (rc == MOSQ_ERR_ERRNO)
		set_error("%s", strerror(mq.work_errno ? mq.work_errno : EIO));
	else if (rc == MOSQ_ERR_TLS)
		set_tls_error();
	else if (rc == MOSQ_ERR_EAI)
		set_error("%s", "the broker's host name does not resolve");
	else if (rc != MOSQ_ERR_SUCCESS)
		set_error("%s", mosquitto_strerror(rc));
	teardown("connect");
}

static void start_attempt(void)
{
	mq.state = MQ_CONNECTING;
	mq.working = true;
	mq.last_error[0] = '\0';
	mq.tls_reason[0] = '\0';
	mq.crl_refusals = crl_refusals(CRL_BROKER, NULL, 0);
	if (uv_queue_work(sb_daemon_loop(), &mq.work, connect_work, connect_done) < 0) {
		mq.working = false;
		set_error("%s", "no worker for the connection");
		teardown("connect");
	}
}

static void retry_cb(uv_timer_t *t)
{
	if (!mq.stopping)
		start_attempt();
}

/* A new CRL: the connection up is checked again; a revoked broker certificate ends it. */
static void crl_cb(void)
{
	char why[400];
	SSL *ssl = mq.state == MQ_CONNECTED && mq.mosq ? mosquitto_ssl_get(mq.mosq) : NULL;
	X509 *peer = ssl ? SSL_get1_peer_certificate(ssl) : NULL;
	int rc = peer ? crl_check_peer(CRL_BROKER, peer, why, sizeof why) : 0;

	X509_free(peer);
	if (rc == 0)
		return;
	set_error("connection ended: %s", why);
	mq.lost = true;
	teardown("crl");
}

/* ---- life cycle ------------------------------------------------------------------------------ */

int mgmt_mqtt_start(const struct mgmt_mqtt_conf *mc)
{
	mosquitto_lib_init();
	mq.conf = *mc;
	mq.stopping = false;
	mgmt_topic(mq.status_topic, sizeof mq.status_topic, "status");
	uv_timer_init(sb_daemon_loop(), &mq.misc);
	uv_timer_init(sb_daemon_loop(), &mq.retry);
	uv_timer_start(&mq.misc, misc_cb, 1000, 1000);
	crl_watch(CRL_BROKER, crl_cb);
	log_info("mqtt broker %s:%d: connecting as %s (TLS with the device certificate)",
		 mc->host, mc->port, mc->client_id);
	start_attempt();
	return 0;
}

void mgmt_mqtt_stop(void)
{
	if (mq.state == MQ_OFF && !mq.working)
		return;
	mq.stopping = true;
	crl_watch(CRL_BROKER, NULL);
	if (mq.state == MQ_CONNECTED && mq.mosq) {
		/* a clean goodbye: the status says so, the will is not needed */
		mosquitto_publish(mq.mosq, NULL, mq.status_topic, 7, "offline", 1, true);
		mosquitto_disconnect(mq.mosq);
		mosquitto_loop_write(mq.mosq, 4);
	}
	if (!mq.working)
		teardown("stop");
	uv_timer_stop(&mq.misc);
	uv_timer_stop(&mq.retry);
	uv_close((uv_handle_t *)&mq.misc, NULL);
	uv_close((uv_handle_t *)&mq.retry, NULL);
	/* an attempt still in its worker ends in connect_done, which lets go of it */
	mq.state = MQ_OFF;
}

bool mgmt_mqtt_connected(void)
{
	return mq.state == MQ_CONNECTED;
}

void mgmt_mqtt_show(struct sb_reply *r)
{
	sb_reply_str(r, "mqtt", state_names[mq.state]);
	sb_reply_str(r, "mqtt_broker", mq.state == MQ_OFF ? NULL : mq.conf.host);
	sb_reply_int(r, "mqtt_failures", mq.failures);
	sb_reply_int(r, "mqtt_connection_losses", (long long)mq.losses);
	sb_reply_str(r, "mqtt_last_error", mq.last_error[0] ? mq.last_error : NULL);
	sb_reply_int(r, "mqtt_published", (long long)mq.published);
	sb_reply_int(r, "mqtt_acknowledged", (long long)mq.acked);
}
