/* mgmt_config.c: the configuration topic: what the cloud pushes on PREFIX/CLIENT/config is handed to
 * the core's all-or-nothing reload (sb_conf_push), and the outcome is answered on .../config/result. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SB_MODULE "mgmt"
#include "mgmt_int.h"

static struct {
	bool running;
	char topic[256], result_topic[256];
	uint64_t received, applied, refused;
	char last[16]; /* "ok", "refused", "" */
} cf;

/* The push the result answers: its SHA-256 in hex (the cloud may push the same text again, so
 * it matches answers by content) and size. */
struct push {
	char sha256[2 * SHA256_DIGEST_LENGTH + 1];
	size_t len;
};

static void digest(const void *p, size_t len, char *hex)
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(p, len, md);
	for (size_t i = 0; i < sizeof md; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
}

static json_t *str_array(const char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* version 1: {"v":1, "type":"config-result", "device", "result":"ok"|"refused", "sha256",
 * "bytes", "errors":[...], "warnings":[...]}; through the outbox, so it survives a lost
 * connection and a restart like a report */
static void answer(const struct push *p, int rc, const char *const *errs, size_t nerrs,
		   const char *const *warns, size_t nwarns)
{
	json_t *j = json_object();
	char *text;

	json_object_set_new(j, "v", json_integer(MGMT_FORMAT_VERSION));
	json_object_set_new(j, "type", json_string("config-result"));
	json_object_set_new(j, "device", json_string(mgmt_client_id()));
	json_object_set_new(j, "result", json_string(rc == 0 ? "ok" : "refused"));
	json_object_set_new(j, "sha256", json_string(p->sha256));
	json_object_set_new(j, "bytes", json_integer((json_int_t)p->len));
	json_object_set_new(j, "errors", str_array(errs, nerrs));
	json_object_set_new(j, "warnings", str_array(warns, nwarns));
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!text)
		return;
	if (mgmt_outbox_add(&mgmt_mqtt_outbox, cf.result_topic, text, strlen(text)) == 0)
		mgmt_mqtt_kick();
	else
		log_warn("cannot keep the answer to a pushed configuration in the outbox");
	free(text);
}

static void pushed_cb(void *arg, const struct sb_conf_result *res)
{
	struct push *p = arg;

	if (cf.running) {
		if (res->rc == 0) {
			cf.applied++;
			log_notice("configuration pushed over mqtt (sha256 %.12s) applied", p->sha256);
		} else {
			cf.refused++;
			log_warn("configuration pushed over mqtt (sha256 %.12s) refused: %zu error%s, "
				 "nothing changed",
				 p->sha256, res->nerrors, res->nerrors == 1 ? "" : "s");
		}
		snprintf(cf.last, sizeof cf.last, "%s", res->rc == 0 ? "ok" : "refused");
		answer(p, res->rc, res->errors, res->nerrors, res->warnings, res->nwarnings);
	}
	free(p);
}

/* a message on the configuration topic (mgmt_mqtt.c hands it over, on the loop) */
void mgmt_config_message(const char *topic, const void *payload, size_t len)
{
	struct push *p;
	int rc;

	if (!cf.running || strcmp(topic, cf.topic) != 0)
		return;
	if (!(p = calloc(1, sizeof *p)))
		return;
	cf.received++;
	if (!payload)
		payload = ""; /* an empty message: remove what was pushed */
	p->len = len;
	digest(payload, len, p->sha256);
	if ((rc = sb_conf_push("mqtt", payload, len, pushed_cb, p)) < 0) {
		const char *why = rc == -EINVAL ? "the text is longer than 256 KiB or has a NUL byte"
						: strerror(-rc);
		char msg[400];
		const char *v[] = { msg };
		snprintf(msg, sizeof msg, "%s: not checked: %s", cf.topic, why);
		cf.refused++;
		snprintf(cf.last, sizeof cf.last, "refused");
		log_warn("configuration pushed over mqtt refused: %s", why);
		answer(p, rc, v, 1, NULL, 0);
		free(p);
	}
}

const char *mgmt_config_topic(void)
{
	return cf.running ? cf.topic : NULL;
}

void mgmt_config_start(void)
{
	mgmt_topic(cf.topic, sizeof cf.topic, "config");
	mgmt_topic(cf.result_topic, sizeof cf.result_topic, "config/result");
	cf.running = true;
}

void mgmt_config_stop(void)
{
	cf.running = false; /* a push still being checked is answered by nobody */
}

void mgmt_config_show(struct sb_reply *r)
{
	sb_reply_int(r, "config_received", (long long)cf.received);
	sb_reply_int(r, "config_applied", (long long)cf.applied);
	sb_reply_int(r, "config_refused", (long long)cf.refused);
	sb_reply_str(r, "config_last", cf.last[0] ? cf.last : NULL);
}
