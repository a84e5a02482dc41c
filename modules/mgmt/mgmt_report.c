/* mgmt_report.c: one VoIP report per finished call, from the core's call events (the figures are
 * the media sessions' own, read as the call ends), kept in each channel's outbox (MQTT, HTTPS)
 * until its receiver has it. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SB_MODULE "mgmt"
#include "mgmt_int.h"

static json_t *leg_json(const struct sb_leg *leg, const char *side)
{
	struct sb_leg_media mi;
	json_t *l = json_object();
	char mos[16];

	json_object_set_new(l, "side", json_string(side));
	json_object_set_new(l, "kind", json_string(sb_leg_kind_name(leg->kind)));
	json_object_set_new(l, "card", json_string(leg->card));
	json_object_set_new(l, "slot", json_integer(leg->slot));
	json_object_set_new(l, "channel", json_integer(leg->channel));
	json_object_set_new(l, "number", json_string(leg->party.number));
	json_object_set_new(l, "q850", json_integer(leg->q850));
	if (sb_leg_media_info(leg, &mi) < 0) {
		json_object_set_new(l, "codec", leg->codec[0] ? json_string(leg->codec) : json_null());
		json_object_set_new(l, "media", json_null());
		return l;
	}
	json_object_set_new(l, "codec", json_string(mi.codec[0] ? mi.codec : leg->codec));
	json_object_set_new(l, "srtp", json_boolean(mi.srtp));
	json_object_set_new(l, "transcoded", json_boolean(mi.transcoding));
	json_object_set_new(l, "packets_sent", json_integer((json_int_t)mi.tx_packets));
	json_object_set_new(l, "packets_received", json_integer((json_int_t)mi.rx_packets));
	json_object_set_new(l, "packets_lost", json_integer((json_int_t)mi.lost));
	json_object_set_new(l, "jitter_us", json_integer(mi.jitter_us));
	json_object_set_new(l, "jitter_max_us", json_integer(mi.jitter_max_us));
	json_object_set_new(l, "rtt_us", mi.rtt_us ? json_integer(mi.rtt_us) : json_null());
	snprintf(mos, sizeof mos, "%u.%02u", mi.mos_x100 / 100, mi.mos_x100 % 100);
	json_object_set_new(l, "mos", mi.mos_x100 ? json_string(mos) : json_null());
	return l;
}

static bool is_cloud(const json_t *leg)
{
	const char *k = json_string_value(json_object_get(leg, "kind"));
	return k && strcmp(k, sb_leg_kind_name(SB_LEG_KIND_CLOUD)) == 0;
}

static const char *direction(const json_t *a, const json_t *b)
{
	if (a && is_cloud(a))
		return "from-cloud";
	if (b && is_cloud(b))
		return "to-cloud";
	return "local";
}

/* What is known of a running call's two sides: a leg that leaves before the call ends (the
 * caller hung up) is described as it leaves, with its last figures. */
struct rep {
	struct sb_call *call;
	const struct sb_leg *at[2];
	json_t *leg[2];
	struct rep *next;
};

static struct rep *reps;

static struct rep *rep_find(const struct sb_call *c, bool create)
{
	struct rep *r;

	for (r = reps; r; r = r->next)
		if (r->call == c)
			return r;
	if (!create || !(r = calloc(1, sizeof *r)))
		return NULL;
	r->call = (struct sb_call *)c;
	r->next = reps;
	reps = r;
	return r;
}

static void rep_free(struct rep *r)
{
	for (struct rep **rp = &reps; *rp; rp = &(*rp)->next)
		if (*rp == r) {
			*rp = r->next;
			break;
		}
	json_decref(r->leg[0]);
	json_decref(r->leg[1]);
	free(r);
}

static void take(struct rep *r, unsigned side, const struct sb_leg *leg)
{
	if (!leg || side > 1)
		return;
	json_decref(r->leg[side]);
	r->leg[side] = leg_json(leg, side ? "b" : "a");
	r->at[side] = leg;
}

/* The report of the call as it ends. Its id is the device, the start in microseconds and the
 * call's number: the same call never gets two ids, a resent report keeps its id
 * (de-duplication). */
static void report(const struct sb_call_event *ev, struct rep *rp)
{
	struct sb_call *c = ev->call;
	const struct sb_leg *a = sb_call_leg(c, 0), *b = sb_call_b(c);
	int64_t start = sb_call_start_us(c), answer = sb_call_answer_us(c), end = mgmt_now_us();
	json_t *j = json_object(), *legs = json_array();
	char id[128], topic[256], *text;
	int rc;

	take(rp, 0, a);
	take(rp, 1, b);
	snprintf(id, sizeof id, "%s-%lld-%llu", mgmt_client_id(), (long long)start,
		 (unsigned long long)sb_call_id(c));
	json_object_set_new(j, "v", json_integer(MGMT_FORMAT_VERSION));
	json_object_set_new(j, "type", json_string("voip-report"));
	json_object_set_new(j, "id", json_string(id));
	json_object_set_new(j, "device", json_string(mgmt_client_id()));
	json_object_set_new(j, "call", json_integer((json_int_t)sb_call_id(c)));
	json_object_set_new(j, "caller", json_string(sb_call_caller(c)->number));
	json_object_set_new(j, "called", json_string(sb_call_called(c)->number));
	json_object_set_new(j, "direction", json_string(direction(rp->leg[0], rp->leg[1])));
	json_object_set_new(j, "start_us", json_integer(start));
	json_object_set_new(j, "answer_us", answer ? json_integer(answer) : json_null());
	json_object_set_new(j, "end_us", json_integer(end));
	json_object_set_new(j, "reason", json_string(ev->reason ? ev->reason : ""));
	json_object_set_new(j, "q850", json_integer(ev->q850));
	for (unsigned i = 0; i < 2; i++)
		if (rp->leg[i])
			json_array_append(legs, rp->leg[i]);
	json_object_set_new(j, "legs", legs);
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!text) {
		log_err("call %llu: no memory for its voip report", (unsigned long long)sb_call_id(c));
		return;
	}
	/* each channel that runs keeps its own copy until its receiver acknowledges it */
	mgmt_topic(topic, sizeof topic, "report");
	struct mgmt_outbox *obs[] = { &mgmt_mqtt_outbox, &mgmt_https_outbox };
	const char *keys[] = { topic, "report" };
	for (unsigned i = 0; i < 2; i++) {
		if (!obs[i]->open)
			continue;
		if ((rc = mgmt_outbox_add(obs[i], keys[i], text, strlen(text))) < 0)
			log_warn("call %llu: voip report %s not kept for %s: %s",
				 (unsigned long long)sb_call_id(c), id, obs[i]->setting,
				 strerror(-rc));
		else
			log_debug("call %llu: voip report %s queued for %s",
				  (unsigned long long)sb_call_id(c), id, obs[i]->setting);
	}
	free(text);
	mgmt_mqtt_kick();
	mgmt_https_kick();
}

static void event_cb(const struct sb_call_event *ev, void *arg)
{
	struct rep *r = rep_find(ev->call, ev->type == SB_CALL_EV_BEGIN);

	if (!r)
		return;
	switch (ev->type) {
	case SB_CALL_EV_BEGIN:
		take(r, 0, sb_call_leg(ev->call, 0));
		break;
	case SB_CALL_EV_ANSWER:
	case SB_CALL_EV_TRANSFER:
		take(r, ev->type == SB_CALL_EV_ANSWER ? 1 : ev->side, ev->leg);
		break;
	case SB_CALL_EV_LEG:
		/* a leg leaving: its last figures, if it is the one this side names (before the
		 * answer, side 1 is the last leg rung) */
		if (ev->side == 0 || !sb_call_answer_us(ev->call) || r->at[1] == ev->leg)
			take(r, ev->side, ev->leg);
		break;
	case SB_CALL_EV_END:
		report(ev, r);
		rep_free(r);
		break;
	default:
		break;
	}
}

static const struct sb_call_observer report_observer = {
	.name = "mgmt",
	.event_cb = event_cb,
};

int mgmt_report_start(void)
{
	return sb_call_observer_register(&report_observer);
}

void mgmt_report_stop(void)
{
	sb_call_observer_unregister(&report_observer);
	while (reps)
		rep_free(reps);
}
