/* mgmt_state.c: the appliance's state (cards, links, spans, cloud registration, licences in
 * use), read from the same show commands an admin reads and published, retained, when it
 * changes. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define SB_MODULE "mgmt"
#include "mgmt_int.h"

#define EVERY_MS 1000 /* how often the state is compared with the last one published */

static const struct {
	const char *key, *argv[3];
} parts[] = {
	{ "cards", { "show", "cards" } },
	{ "spans", { "show", "spans" } },
	{ "links", { "show", "links" } },
	{ "cloud", { "show", "cloud" } },
	{ "licenses", { "show", "licenses" } },
};

/* figures that move by themselves (a countdown) would make every look a change */
static const char *const volatile_keys[] = { "retry_in_ms", NULL };

static struct {
	bool running;
	uv_timer_t timer;
	char *last;     /* the state last built */
	bool published; /* ... and the broker has it */
} st;

static void scrub(json_t *j)
{
	size_t i;
	json_t *v;

	if (json_is_object(j)) {
		for (size_t k = 0; volatile_keys[k]; k++)
			json_object_del(j, volatile_keys[k]);
		const char *key;
		json_object_foreach(j, key, v)
			scrub(v);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			scrub(v);
	}
}

static char *build(void)
{
	json_t *j = json_object();
	char *text;

	json_object_set_new(j, "v", json_integer(MGMT_FORMAT_VERSION));
	json_object_set_new(j, "type", json_string("state"));
	json_object_set_new(j, "device", json_string(mgmt_client_id()));
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
		char *r = sb_ctl_query(2, parts[i].argv);
		json_t *p = r ? json_loads(r, 0, NULL) : NULL;

		free(r);
		if (!p)
			continue; /* that module is not in this build */
		json_object_del(p, "ok");
		scrub(p);
		json_object_set_new(j, parts[i].key, p);
	}
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	return text;
}

static void look(bool force)
{
	char *now = build(), topic[256];

	if (!now)
		return;
	if (!force && st.last && strcmp(now, st.last) == 0 && st.published) {
		free(now);
		return;
	}
	if (!st.last || strcmp(now, st.last) != 0)
		log_debug("state changed: published to the cloud when connected");
	free(st.last);
	st.last = now;
	st.published = mgmt_mqtt_connected();
	if (st.published) {
		mgmt_topic(topic, sizeof topic, "state");
		mgmt_mqtt_publish_retained(topic, st.last);
	}
}

static void timer_cb(uv_timer_t *t)
{
	look(false);
}

void mgmt_state_connected(void)
{
	if (st.running)
		look(true);
}

void mgmt_state_start(void)
{
	uv_timer_init(sb_daemon_loop(), &st.timer);
	uv_timer_start(&st.timer, timer_cb, EVERY_MS, EVERY_MS);
	st.running = true;
}

void mgmt_state_stop(void)
{
	if (!st.running)
		return;
	st.running = false;
	uv_close((uv_handle_t *)&st.timer, NULL);
	free(st.last);
	st.last = NULL;
}
