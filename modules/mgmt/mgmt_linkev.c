/* mgmt_linkev.c: link.up/down and cloud.up/down for the webhooks, from the same show links and
 * show cloud an admin reads (the core has no hook for them), looked at every second. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define SB_MODULE "events"
#include "mgmt_int.h"

#define EVERY_MS  1000
#define LINKS_MAX 64

/* what was last seen: 1 up, 0 down, -1 not known yet (a link still "unknown", the cloud
 * registering, off or standby tell nothing) */
static struct {
	bool running;
	uv_timer_t timer;
	struct {
		char name[64];
		int up;
	} links[LINKS_MAX];
	unsigned nlinks;
	int cloud_up;
	char cloud_host[256]; /* the registrar last in use: cloud.down names it */
} lk;

static json_t *query(const char *what)
{
	const char *argv[] = { "show", what };
	char *r = sb_ctl_query(2, argv);
	json_t *j = r ? json_loads(r, 0, NULL) : NULL;

	free(r);
	return j;
}

static const char *str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}

static int *link_state(const char *name)
{
	for (unsigned i = 0; i < lk.nlinks; i++)
		if (strcmp(lk.links[i].name, name) == 0)
			return &lk.links[i].up;
	if (lk.nlinks == LINKS_MAX)
		return NULL;
	snprintf(lk.links[lk.nlinks].name, sizeof lk.links[0].name, "%s", name);
	lk.links[lk.nlinks].up = -1;
	return &lk.links[lk.nlinks++].up;
}

static void look_links(void)
{
	json_t *j = query("links"), *row;
	size_t i;

	json_array_foreach(json_object_get(j, "rows"), i, row) {
		const char *state = str(row, "state"), *status = str(row, "status");
		int now = strcmp(state, "up") == 0 ? 1 : strcmp(state, "down") == 0 ? 0 : -1;
		int *was = link_state(str(row, "name"));

		if (!was || now < 0 || now == *was)
			continue;
		*was = now;
		mgmt_events_link(now ? MGMT_EV_LINK_UP : MGMT_EV_LINK_DOWN, str(row, "name"),
				 str(row, "peer"), now ? "" : *status ? status : "no answer");
	}
	json_decref(j);
}

static void look_cloud(void)
{
	json_t *j = query("cloud"), *it = json_object_get(j, "item");
	const char *state = str(it, "state");
	int now = strcmp(state, "registered") == 0 ? 1 : strcmp(state, "waiting to retry") == 0 ? 0 : -1;

	if (*str(it, "host"))
		snprintf(lk.cloud_host, sizeof lk.cloud_host, "%s", str(it, "host"));
	if (now >= 0 && now != lk.cloud_up) {
		lk.cloud_up = now;
		mgmt_events_link(now ? MGMT_EV_CLOUD_UP : MGMT_EV_CLOUD_DOWN, "cloud", lk.cloud_host,
				 now ? "" : str(it, "last_error"));
	}
	json_decref(j);
}

static void timer_cb(uv_timer_t *t)
{
	unsigned w = mgmt_events_wanted();

	if (w & (1u << MGMT_EV_LINK_UP | 1u << MGMT_EV_LINK_DOWN))
		look_links();
	if (w & (1u << MGMT_EV_CLOUD_UP | 1u << MGMT_EV_CLOUD_DOWN))
		look_cloud();
}

void mgmt_linkev_start(void)
{
	lk.nlinks = 0;
	lk.cloud_up = -1;
	lk.cloud_host[0] = '\0';
	uv_timer_init(sb_daemon_loop(), &lk.timer);
	uv_timer_start(&lk.timer, timer_cb, EVERY_MS, EVERY_MS);
	lk.running = true;
}

void mgmt_linkev_stop(void)
{
	if (!lk.running)
		return;
	lk.running = false;
	uv_close((uv_handle_t *)&lk.timer, NULL);
}
