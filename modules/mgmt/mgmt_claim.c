/* mgmt_claim.c: claiming: the appliance asks the cloud, with its hardware id and a claim code, to be
 * attached to an account, again and again until the cloud answers; the outcome is kept in the store. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define SB_MODULE "mgmt"
#include "mgmt_int.h"

#define RETRY_MIN_MS 5000   /* between requests while no answer comes: 5 s ... */
#define RETRY_MAX_MS 300000 /* ... doubling up to 5 minutes */
#define DB "mgmt_claim"

enum claim_state { CL_NONE, CL_WAITING, CL_CLAIMED, CL_REFUSED };
static const char *const state_names[] = { "unclaimed", "waiting", "claimed", "refused", NULL };

static struct {
	bool running;
	enum claim_state state;
	char code[65];     /* never logged, never shown */
	char file_code[65]; /* the last cloud.claim_code that started a claim: used once */
	char reason[256];  /* the cloud's, for refused (and claimed, when it gives one) */
	char account[128]; /* the cloud's name for the account, when it gives one */
	int64_t since_us;  /* the state's start */
	unsigned requests; /* sent for this claim, since the start */
	unsigned retry_ms;
	uv_timer_t timer;
	char topic[256], result_topic[256];
} cl;

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* the claim as it stands, in the store: a restart keeps it (and asks again while waiting) */
static void save(void)
{
	json_t *j = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:I}", "v", 1, "state",
			      state_names[cl.state], "code", cl.code, "file_code", cl.file_code,
			      "reason", cl.reason, "account", cl.account, "since_us",
			      (json_int_t)cl.since_us);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	int rc = text ? sb_store_put(sb_daemon_store(), DB, "claim", 5, text, strlen(text))
		      : -ENOMEM;

	if (rc < 0)
		log_warn("cannot keep the claim in the store: %s", strerror(-rc));
	free(text);
	json_decref(j);
}

static void load(void)
{
	void *val = NULL;
	size_t len;
	json_t *j;

	if (sb_store_get(sb_daemon_store(), DB, "claim", 5, &val, &len) < 0)
		return;
	if ((j = json_loadb(val, len, 0, NULL))) {
		for (int i = 0; state_names[i]; i++)
			if (strcmp(jstr(j, "state"), state_names[i]) == 0)
				cl.state = (enum claim_state)i;
		snprintf(cl.code, sizeof cl.code, "%s", jstr(j, "code"));
		snprintf(cl.file_code, sizeof cl.file_code, "%s", jstr(j, "file_code"));
		snprintf(cl.reason, sizeof cl.reason, "%s", jstr(j, "reason"));
		snprintf(cl.account, sizeof cl.account, "%s", jstr(j, "account"));
		cl.since_us = json_integer_value(json_object_get(j, "since_us"));
		json_decref(j);
	}
	free(val);
}

/* the licence module's hardware id, as show licenses gives it to an admin */
static char *hardware_id(void)
{
	static const char *const argv[] = { "show", "licenses" };
	char *text = sb_ctl_query(2, argv), *id = NULL;
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;
	const char *s = json_string_value(json_object_get(json_object_get(j, "item"),
							   "hardware_id"));

	if (s)
		id = strdup(s);
	json_decref(j);
	free(text);
	return id;
}

/* version 1: {"v":1, "type":"claim-request", "device", "hardware_id", "code", "request"} */
static void request(void)
{
	char *hwid = hardware_id(), *text;
	json_t *j;

	if (!hwid) {
		log_warn("claim: no hardware id (the licence module gives none): not asked yet");
		return;
	}
	j = json_pack("{s:i, s:s, s:s, s:s, s:s, s:i}", "v", MGMT_FORMAT_VERSION, "type",
		      "claim-request", "device", mgmt_client_id(), "hardware_id", hwid, "code",
		      cl.code, "request", cl.requests + 1);
	if (j && (text = json_dumps(j, JSON_COMPACT))) {
		if (mgmt_mqtt_publish(cl.topic, text, false) == 0) {
			cl.requests++;
			log_info("claim: request %u sent with hardware id %s, waiting for the cloud",
				 cl.requests, hwid);
		}
		free(text);
	}
	json_decref(j);
	free(hwid);
}

static void timer_cb(uv_timer_t *t)
{
	if (cl.state != CL_WAITING)
		return;
	if (mgmt_mqtt_connected())
		request();
	cl.retry_ms = cl.retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : cl.retry_ms * 2;
	uv_timer_start(&cl.timer, timer_cb, cl.retry_ms, 0);
}

static void ask(void)
{
	cl.retry_ms = RETRY_MIN_MS;
	if (mgmt_mqtt_connected())
		request();
	uv_timer_start(&cl.timer, timer_cb, cl.retry_ms, 0);
}

/* a new claim with code (from symbridgectl cloud claim) */
int mgmt_claim_begin(const char *code, const char *origin)
{
	if (!cl.running)
		return -ENOTCONN;
	if (!sb_conf_is_claim_code(code))
		return -EINVAL;
	snprintf(cl.code, sizeof cl.code, "%s", code);
	if (strcmp(origin, "cloud.claim_code") == 0)
		snprintf(cl.file_code, sizeof cl.file_code, "%s", code);
	cl.state = CL_WAITING;
	cl.reason[0] = cl.account[0] = '\0';
	cl.since_us = mgmt_now_us();
	cl.requests = 0;
	save();
	log_notice("claim: asking the cloud to claim this appliance (code from %s)", origin);
	ask();
	return 0;
}

/* cloud.claim_code at a start or reload: a code starts one claim, the first time it is seen;
 * after that the claim's outcome (or a claim from the command) stands */
int mgmt_claim_conf(const char *code)
{
	if (!cl.running || !code || strcmp(code, cl.file_code) == 0)
		return 0;
	return mgmt_claim_begin(code, "cloud.claim_code");
}

/* the connection is up: ask at once rather than at the next retry */
void mgmt_claim_connected(void)
{
	if (cl.running && cl.state == CL_WAITING)
		ask();
}

/* version 1, from the cloud: {"v":1, "result":"accepted"|"refused", "reason", "account",
 * "code"}; an answer naming another code is for an older claim and changes nothing */
void mgmt_claim_message(const char *topic, const void *payload, size_t len)
{
	json_t *j;
	const char *result, *code;

	if (!cl.running || strcmp(topic, cl.result_topic) != 0)
		return;
	if (!(j = json_loadb(payload ? payload : "", len, 0, NULL)) || !json_is_object(j)) {
		log_warn("claim: the cloud's answer is not JSON: ignored");
		json_decref(j);
		return;
	}
	result = jstr(j, "result");
	code = json_string_value(json_object_get(j, "code"));
	if (cl.state == CL_NONE || (code && strcmp(code, cl.code) != 0)) {
		log_info("claim: an answer for another claim code: ignored");
	} else if (strcmp(result, "accepted") == 0 || strcmp(result, "refused") == 0) {
		enum claim_state was = cl.state;
		cl.state = result[0] == 'a' ? CL_CLAIMED : CL_REFUSED;
		snprintf(cl.reason, sizeof cl.reason, "%s", jstr(j, "reason"));
		snprintf(cl.account, sizeof cl.account, "%s", jstr(j, "account"));
		if (was != cl.state)
			cl.since_us = mgmt_now_us();
		uv_timer_stop(&cl.timer);
		save();
		if (cl.state == CL_CLAIMED)
			log_notice("claim: the cloud claimed this appliance%s%s", cl.account[0]
				   ? " for account " : "", cl.account);
		else
			log_warn("claim: the cloud refused the claim: %s",
				 cl.reason[0] ? cl.reason : "no reason given");
	} else {
		log_warn("claim: the cloud's answer has no result accepted or refused: ignored");
	}
	json_decref(j);
}

const char *mgmt_claim_topic(void)
{
	return cl.running ? cl.result_topic : NULL;
}

int mgmt_claim_start(const char *conf_code)
{
	mgmt_topic(cl.topic, sizeof cl.topic, "claim");
	mgmt_topic(cl.result_topic, sizeof cl.result_topic, "claim/result");
	uv_timer_init(sb_daemon_loop(), &cl.timer);
	cl.running = true;
	load();
	if (cl.state == CL_WAITING)
		ask();
	return mgmt_claim_conf(conf_code);
}

void mgmt_claim_stop(void)
{
	if (!cl.running)
		return;
	cl.running = false;
	uv_timer_stop(&cl.timer);
	uv_close((uv_handle_t *)&cl.timer, NULL);
}

void mgmt_claim_show(struct sb_reply *r)
{
	sb_reply_str(r, "claim", state_names[cl.state]);
	sb_reply_str(r, "claim_reason", cl.reason[0] ? cl.reason : NULL);
	sb_reply_str(r, "claim_account", cl.account[0] ? cl.account : NULL);
	if (cl.since_us) /* unix time the state began */
		sb_reply_int(r, "claim_since", cl.since_us / 1000000);
	sb_reply_int(r, "claim_requests", cl.requests);
}
