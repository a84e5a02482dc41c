/* metrics.c: the metrics module's export: its settings, the call outcomes it counts, the endpoint's life. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SB_MODULE "metrics"
#include "symbridge.h"

#include "metrics.h"

struct metrics_conf {
	struct sb_conf_src src;
	char *listen; /* NULL: no endpoint */
};

static void check_listen(struct sb_conf_ctx *cx, const struct sb_conf_src *src, const char *path,
			 const void *field)
{
	const char *v = *(char *const *)field;
	struct sockaddr_storage ss;

	if (v && metrics_parse_listen(v, &ss) < 0)
		sb_conf_error(cx, src, path,
			      "\"%s\" is not an IP address and port (e.g. \"127.0.0.1:9469\", "
			      "\"[::1]:9469\")",
			      v);
}

static const struct sb_conf_key metrics_keys[] = {
	{ .name = "listen",
	  .type = SB_CT_STRING,
	  .offset = offsetof(struct metrics_conf, listen),
	  .min = 3,
	  .max = 53,
	  .check = check_listen,
	  .flags = SB_CK_OPTIONAL,
	  .help = "address and port of the Prometheus endpoint (GET /metrics); absent: none" },
	SB_CONF_END
};

static const struct sb_conf_section metrics_section = {
	.name = "metrics",
	.keys = metrics_keys,
	.size = sizeof(struct metrics_conf),
	.src_offset = offsetof(struct metrics_conf, src),
};

extern const struct sb_module metrics_module;

/* ---- call outcomes: counted from the core's call events ------------------------------------- */

/* Calls ended, by direction (as call records name it) and Q.850 cause: a small table, as few
 * causes occur. A cause past the table's end is counted under cause "other". */
#define OUTCOMES_MAX 64
enum { DIR_TO_CLOUD, DIR_FROM_CLOUD, DIR_LOCAL, DIR_N };
static const char *const dir_names[DIR_N] = { "to-cloud", "from-cloud", "local" };

static struct {
	struct {
		int dir, q850; /* q850 -1: other */
		uint64_t n;
	} v[OUTCOMES_MAX];
	size_t n;
	uint64_t answered[DIR_N];
} outcomes;

static int call_dir(struct sb_call *c)
{
	const struct sb_leg *a = sb_call_leg(c, 0), *b = sb_call_b(c);

	if (a && a->kind == SB_LEG_KIND_CLOUD)
		return DIR_FROM_CLOUD;
	if (b && b->kind == SB_LEG_KIND_CLOUD)
		return DIR_TO_CLOUD;
	return DIR_LOCAL;
}

static void count_end(int dir, int q850)
{
	size_t i;

	for (i = 0; i < outcomes.n; i++)
		if (outcomes.v[i].dir == dir && outcomes.v[i].q850 == q850)
			break;
	if (i == outcomes.n) {
		if (outcomes.n == OUTCOMES_MAX - DIR_N && q850 != -1) {
			count_end(dir, -1);
			return;
		}
		outcomes.v[i].dir = dir;
		outcomes.v[i].q850 = q850;
		outcomes.n++;
	}
	outcomes.v[i].n++;
}

static void call_event_cb(const struct sb_call_event *ev, void *arg)
{
	if (ev->type == SB_CALL_EV_END) {
		int dir = call_dir(ev->call);
		count_end(dir, ev->q850 >= 0 && ev->q850 < 128 ? ev->q850 : -1);
		if (sb_call_answer_us(ev->call))
			outcomes.answered[dir]++;
	}
}

static const struct sb_call_observer observer = { .name = "metrics", .event_cb = call_event_cb };

static void metrics_cb(struct sb_metrics *m)
{
	char cause[16];

	sb_metric_family(m, "symbridge_calls_total", SB_METRIC_COUNTER,
			 "calls ended since the start, by direction and Q.850 cause");
	for (size_t i = 0; i < outcomes.n; i++) {
		if (outcomes.v[i].q850 < 0)
			snprintf(cause, sizeof cause, "other");
		else
			snprintf(cause, sizeof cause, "%d", outcomes.v[i].q850);
		sb_metric_sample(m, (double)outcomes.v[i].n, "direction",
				 dir_names[outcomes.v[i].dir], "cause", cause, NULL);
	}
	sb_metric_family(m, "symbridge_calls_answered_total", SB_METRIC_COUNTER,
			 "calls ended since the start that had been answered, by direction");
	for (int d = 0; d < DIR_N; d++)
		sb_metric_sample(m, (double)outcomes.answered[d], "direction", dir_names[d], NULL);
	metrics_http_metrics(m);
}

/* ---- life with the daemon ------------------------------------------------------------------- */

static const char *conf_listen(const struct sb_conf *conf)
{
	const struct metrics_conf *mc = sb_module_conf(conf, &metrics_module);

	return mc ? mc->listen : NULL;
}

static int metrics_init(const struct sb_conf *conf)
{
	const char *listen = conf_listen(conf);
	int rc = sb_call_observer_register(&observer);

	if (rc < 0)
		return rc;
	/* a port that cannot be bound is logged and the daemon runs on: calls matter more */
	if (listen)
		metrics_http_start(listen);
	return 0;
}

/* A new listen address is applied at once: the old endpoint closes and the new one opens (a
 * failure to bind is logged, and the endpoint stays closed until the next good reload). */
static void metrics_reload(const struct sb_conf *conf, const struct sb_conf *old)
{
	const char *now = metrics_http_listening(), *want = conf_listen(conf);

	if ((!now && !want) || (now && want && strcmp(now, want) == 0))
		return;
	metrics_http_stop();
	if (want)
		metrics_http_start(want);
	else
		log_notice("prometheus endpoint closed (metrics.listen was removed)");
}

static void metrics_close(void)
{
	metrics_http_stop();
	sb_call_observer_unregister(&observer);
}

const struct sb_module metrics_module = {
	.name = "metrics",
	.conf = &metrics_section,
	.init = metrics_init,
	.reload = metrics_reload,
	.close = metrics_close,
	.metrics = metrics_cb,
};
