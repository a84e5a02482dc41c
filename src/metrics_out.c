/* metrics_out.c: the Prometheus text exposition: the writer modules use, and the core's own families. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

struct sb_metrics {
	FILE *out;
	char family[96]; /* the family being written: its samples take this name */
};

void sb_metric_family(struct sb_metrics *m, const char *name, enum sb_metric_type type,
		      const char *help)
{
	snprintf(m->family, sizeof m->family, "%s", name);
	/* HELP text escapes only backslash and newline; ours has neither */
	fprintf(m->out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
		type == SB_METRIC_COUNTER ? "counter" : "gauge");
}

/* a label value: backslash, double quote and newline escaped */
static void put_value(FILE *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', out), fputc(*v, out);
		else if (*v == '\n')
			fputs("\\n", out);
		else
			fputc(*v, out);
	}
}

void sb_metric_sample(struct sb_metrics *m, double v, ...)
{
	va_list ap;
	const char *name;
	bool any = false;

	fputs(m->family, m->out);
	va_start(ap, v);
	while ((name = va_arg(ap, const char *))) {
		const char *val = va_arg(ap, const char *);
		fprintf(m->out, "%s%s=\"", any ? "," : "{", name);
		put_value(m->out, val ? val : "");
		fputc('"', m->out);
		any = true;
	}
	va_end(ap);
	if (any)
		fputc('}', m->out);
	if (v != v)
		fputs(" NaN\n", m->out);
	else if (v > -1e15 && v < 1e15 && v == (double)(long long)v)
		fprintf(m->out, " %.0f\n", v);
	else
		fprintf(m->out, " %.9g\n", v);
}

/* a call's direction as call records name it: from the cloud, to the cloud, or local */
static int count_dir(void *arg, struct sb_call *c)
{
	unsigned *per_dir = arg;
	const struct sb_leg *a = sb_call_leg(c, 0), *b = sb_call_b(c);

	if (a && a->kind == SB_LEG_KIND_CLOUD)
		per_dir[1]++;
	else if (b && b->kind == SB_LEG_KIND_CLOUD)
		per_dir[0]++;
	else
		per_dir[2]++;
	return 0;
}

/* What the core itself counts: calls now and offered, channels, the process. */
static void core_metrics(struct sb_metrics *m)
{
	const struct sb_conf *conf = sb_daemon_conf();
	const struct sb_model *model = conf ? conf->model : NULL;
	static const char *const chan_states[] = { "idle", "busy", "blocked" };
	static const char *const dirs[] = { "to-cloud", "from-cloud", "local" };
	unsigned per_state[3] = { 0 }, per_dir[3] = { 0 };

	sb_call_foreach(count_dir, per_dir);
	sb_metric_family(m, "symbridge_calls_active", SB_METRIC_GAUGE,
			 "calls in progress (ringing or up), by direction");
	for (int d = 0; d < 3; d++)
		sb_metric_sample(m, per_dir[d], "direction", dirs[d], NULL);
	sb_metric_family(m, "symbridge_call_attempts_total", SB_METRIC_COUNTER,
			 "calls offered to routing since the start, refused ones included");
	sb_metric_sample(m, (double)sb__route_attempts, NULL);
	for (size_t i = 0; model && i < model->ncards; i++)
		for (size_t k = 0; k < model->cards[i].nchannels; k++)
			if ((unsigned)model->cards[i].channels[k].state < 3)
				per_state[model->cards[i].channels[k].state]++;
	sb_metric_family(m, "symbridge_channels", SB_METRIC_GAUGE,
			 "card channels by state (show channels)");
	for (int s = 0; s < 3; s++)
		sb_metric_sample(m, per_state[s], "state", chan_states[s], NULL);
	sb_metric_family(m, "symbridge_start_time_seconds", SB_METRIC_GAUGE,
			 "when the daemon started, in seconds since the epoch");
	sb_metric_sample(m, (double)sb__d.started, NULL);
	sb_metric_family(m, "symbridge_config_reloads_total", SB_METRIC_COUNTER,
			 "configuration reloads by result");
	sb_metric_sample(m, sb__d.reloads_ok, "result", "ok", NULL);
	sb_metric_sample(m, sb__d.reloads_failed, "result", "refused", NULL);

	struct sb__cluster_info ci;
	sb__cluster_info(&ci);
	sb_metric_family(m, "symbridge_cluster_role", SB_METRIC_GAUGE,
			 "1 for the node's role in its active/standby pair (show cluster; a node "
			 "without a cluster section is active)");
	sb_metric_sample(m, ci.active ? 1 : 0, "role", "active", NULL);
	sb_metric_sample(m, ci.active ? 0 : 1, "role", "standby", NULL);
	sb_metric_family(m, "symbridge_cluster_transitions_total", SB_METRIC_COUNTER,
			 "role transitions since the start (cluster activate|standby), by the role "
			 "taken");
	sb_metric_sample(m, (double)ci.to_active, "to", "active", NULL);
	sb_metric_sample(m, (double)ci.to_standby, "to", "standby", NULL);
}

int sb_metrics_render(char **textp, size_t *lenp)
{
	struct sb_metrics m = { 0 };
	char *text = NULL;
	size_t len = 0;

	if (!(m.out = open_memstream(&text, &len)))
		return -errno;
	core_metrics(&m);
	sb__modules_metrics(&m);
	if (fclose(m.out) != 0) {
		free(text);
		return -ENOMEM;
	}
	*textp = text;
	*lenp = len;
	return 0;
}
