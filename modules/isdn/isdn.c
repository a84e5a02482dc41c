/* isdn.c: the isdn module: its life cycle and commands (show spans, span block|unblock). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SB_MODULE "isdn"
#include "cards.h"
#include "isdn_int.h"

static uv_prepare_t *prepare;

/* libpri's timers change with every message it sends; re-arm each span's timer before the loop
 * sleeps, whatever entry point ran. */
static void prepare_cb(uv_prepare_t *p)
{
	for (struct isdn_span *s = isdn_spans; s; s = s->next)
		isdn_span_sched(s);
}

static int isdn_init(const struct sb_conf *conf)
{
	if (!(prepare = malloc(sizeof *prepare)))
		return -ENOMEM;
	uv_prepare_init(sb_daemon_loop(), prepare);
	uv_prepare_start(prepare, prepare_cb);
	uv_unref((uv_handle_t *)prepare);
	return 0;
}

static void isdn_close(void)
{
	isdn_spans_close_all();
	isdn_handle_close((uv_handle_t *)prepare);
	prepare = NULL;
}

/* ---- commands -------------------------------------------------------------------------------- */

static const char *link_state(const struct isdn_span *s)
{
	return isdn_span_up(s) ? "up" : "down";
}

static void span_row(struct sb_reply *r, const struct isdn_span *s)
{
	unsigned idle = 0, busy = 0, blocked = 0;
	char kind[32];

	for (unsigned i = 0; i < s->nbc; i++) {
		if (s->bc[i].state == ISDN_BC_BUSY)
			busy++;
		else if (s->bc[i].blocked)
			blocked++;
		else
			idle++;
	}
	snprintf(kind, sizeof kind, "%s %s", s->conf.bri ? "bri" : "pri",
		 s->conf.bri  ? (s->conf.ptmp ? "ptmp" : "ptp")
		 : s->conf.t1 ? "t1"
			      : "e1");
	sb_reply_row(r);
	sb_reply_int(r, "slot", s->slot);
	sb_reply_str(r, "card", s->name);
	sb_reply_str(r, "kind", kind);
	sb_reply_str(r, "side", s->conf.net ? "net" : "cpe");
	sb_reply_str(r, "switchtype", card_isdn_switchtypes[s->conf.switchtype]);
	sb_reply_str(r, "dchannel", link_state(s));
	sb_reply_str(r, "alarm", s->alarm[0] ? s->alarm : NULL);
	sb_reply_int(r, "idle", idle);
	sb_reply_int(r, "busy", busy);
	sb_reply_int(r, "blocked", blocked);
	sb_reply_str(r, "source", s->dchannel);
	sb_reply_int(r, "calls_in", (long long)s->calls_in);
	sb_reply_int(r, "calls_out", (long long)s->calls_out);
	sb_reply_int(r, "dchannel_drops", (long long)s->dchan_drops);
	if (s->conf.service) { /* what the last SERVICE messages said, and whether the switch agreed */
		char svc[64];
		snprintf(svc, sizeof svc, "%s (%s)", s->svc_in ? "in service" : "out of service",
			 s->svc_pending ? "acknowledgements pending" : "acknowledged");
		sb_reply_str(r, "service", svc);
	}
}

static struct isdn_span *span_arg(struct sb_reply *r, const char *arg)
{
	char *end;
	long slot = strtol(arg, &end, 10);
	struct isdn_span *s = *end || end == arg ? NULL : isdn_span_find((int)slot);

	if (!s)
		sb_reply_error(r, "no span in slot \"%s\" (\"show spans\" lists them)", arg);
	return s;
}

static int cmd_spans(const struct sb_ctl_req *req, struct sb_reply *r)
{
	static const char *const cols[] = { "slot",  "card", "kind", "side",    "dchannel",
					    "alarm", "idle", "busy", "blocked", NULL };
	static const char *const bcols[] = {
		"channel", "timeslot", "state", "call", "number", NULL
	};

	if (req->argc == 0) {
		sb_reply_table(r, cols);
		for (int slot = 1; slot <= 64; slot++) /* in slot order */
			for (struct isdn_span *s = isdn_spans; s; s = s->next)
				if (s->slot == slot)
					span_row(r, s);
		return 0;
	}
	struct isdn_span *s = span_arg(r, req->argv[0]);
	if (!s)
		return -1;
	sb_reply_table(r, bcols);
	for (unsigned i = 0; i < s->nbc; i++) {
		const struct isdn_bchan *bc = &s->bc[i];
		const struct isdn_call *ic = bc->call;
		char id[24] = "";
		if (ic && ic->leg.call)
			snprintf(id, sizeof id, "%llu",
				 (unsigned long long)sb_call_id(ic->leg.call));
		sb_reply_row(r);
		sb_reply_int(r, "channel", bc->index);
		sb_reply_int(r, "timeslot", bc->ts);
		sb_reply_str(r, "state",
			     bc->state == ISDN_BC_BUSY ? (bc->blocked ? "busy,blocked" : "busy")
			     : bc->blocked             ? "blocked"
						       : "idle");
		sb_reply_str(r, "call", id[0] ? id : NULL);
		sb_reply_str(r, "number", ic ? ic->leg.party.number : NULL);
	}
	return 0;
}

static int cmd_block(const struct sb_ctl_req *req, struct sb_reply *r, bool block)
{
	struct isdn_span *s = span_arg(r, req->argv[0]);
	char *end;
	long ch;

	if (!s)
		return -1;
	ch = strtol(req->argv[1], &end, 10);
	if (*end || end == req->argv[1] || ch < 1 || ch > (long)s->nbc) {
		sb_reply_error(r, "\"%s\" is not a B-channel of span %d (allowed: 1..%u)",
			       req->argv[1], s->slot, s->nbc);
		return -1;
	}
	struct isdn_bchan *bc = &s->bc[ch - 1];
	bc->blocked = block;
	log_notice("span %d: B-channel %ld %s from the command line", s->slot, ch,
		   block ? "blocked" : "unblocked");
	sb_reply_message(
		r, "span %d B-channel %ld %s%s", s->slot, ch, block ? "blocked" : "unblocked",
		block && bc->state == ISDN_BC_BUSY ? " (its call goes on; no new calls)" : "");
	return 0;
}

static int cmd_span_block(const struct sb_ctl_req *req, struct sb_reply *r)
{
	return cmd_block(req, r, true);
}

static int cmd_span_unblock(const struct sb_ctl_req *req, struct sb_reply *r)
{
	return cmd_block(req, r, false);
}

static const struct sb_ctl_cmd isdn_cmds[] = {
	{ "show spans [SLOT]", cmd_spans,
	  "ISDN spans: D-channel, alarm, B-channels; with SLOT: its B-channels", 0 },
	{ "span block <SLOT> <CHANNEL>", cmd_span_block,
	  "take a B-channel out of service (its call, if any, goes on)", SB_CTL_PRIV },
	{ "span unblock <SLOT> <CHANNEL>", cmd_span_unblock, "put a B-channel back in service",
	  SB_CTL_PRIV },
	{ NULL, NULL, NULL, 0 },
};

/* What show spans shows, for the Prometheus endpoint: one series per span (slot) */
static void isdn_metrics(struct sb_metrics *m)
{
	static const char *const bstates[] = { "idle", "busy", "blocked" };
	char slot[16];

	sb_metric_family(m, "symbridge_span_up", SB_METRIC_GAUGE,
			 "ISDN spans: 1 when the D-channel is up (show spans)");
	for (struct isdn_span *s = isdn_spans; s; s = s->next) {
		snprintf(slot, sizeof slot, "%d", s->slot);
		sb_metric_sample(m, isdn_span_up(s), "slot", slot, "name", s->name, NULL);
	}
	sb_metric_family(m, "symbridge_span_bchannels", SB_METRIC_GAUGE,
			 "ISDN B-channels by state (a busy blocked channel counts as busy)");
	for (struct isdn_span *s = isdn_spans; s; s = s->next) {
		unsigned n[3] = { 0 };
		for (unsigned i = 0; i < s->nbc; i++)
			n[s->bc[i].state == ISDN_BC_BUSY ? 1 : s->bc[i].blocked ? 2 : 0]++;
		snprintf(slot, sizeof slot, "%d", s->slot);
		for (int k = 0; k < 3; k++)
			sb_metric_sample(m, n[k], "slot", slot, "state", bstates[k], NULL);
	}
	sb_metric_family(m, "symbridge_span_calls_total", SB_METRIC_COUNTER,
			 "ISDN calls since the span opened, by direction");
	for (struct isdn_span *s = isdn_spans; s; s = s->next) {
		snprintf(slot, sizeof slot, "%d", s->slot);
		sb_metric_sample(m, (double)s->calls_in, "slot", slot, "direction", "in", NULL);
		sb_metric_sample(m, (double)s->calls_out, "slot", slot, "direction", "out", NULL);
	}
	sb_metric_family(m, "symbridge_span_dchannel_drops_total", SB_METRIC_COUNTER,
			 "times a span's D-channel went down since the span opened");
	for (struct isdn_span *s = isdn_spans; s; s = s->next) {
		snprintf(slot, sizeof slot, "%d", s->slot);
		sb_metric_sample(m, (double)s->dchan_drops, "slot", slot, NULL);
	}
}

/* the pair's active node puts its B-channels in service, the standby takes them out (on the
 * spans with service_messages) */
static void isdn_cluster_role(bool active)
{
	for (struct isdn_span *s = isdn_spans; s; s = s->next)
		isdn_span_service(s, active);
}

const struct sb_module isdn_module = {
	.name = "isdn",
	.cmds = isdn_cmds,
	.init = isdn_init,
	.close = isdn_close,
	.metrics = isdn_metrics,
	.cluster_role = isdn_cluster_role,
};
