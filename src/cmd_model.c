/* cmd_model.c: control commands that show the object model: cards, channels, ring groups. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

static int cmd_cards(const struct sb_ctl_req *req, struct sb_reply *r)
{
	static const char *const cols[] = { "slot", "type", "name", "channels", "detail", NULL };
	const struct sb_model *m = sb_daemon_conf()->model;
	char detail[256];

	sb_reply_table(r, cols);
	for (size_t i = 0; i < m->ncards; i++) {
		const struct sb_card *c = &m->cards[i];
		detail[0] = '\0';
		if (c->type->describe)
			c->type->describe(c->conf, detail, sizeof detail);
		sb_reply_row(r);
		sb_reply_int(r, "slot", c->slot);
		sb_reply_str(r, "type", c->type->name);
		sb_reply_str(r, "name", c->name);
		sb_reply_int(r, "channels", (long long)c->nchannels);
		sb_reply_str(r, "detail", detail);
	}
	return 0;
}

static const char *const chan_states[] = { "idle", "busy", "blocked" };

/* The channels calls use now: a leg names its card's slot and channel. */
struct chan_use {
	int slot;
	unsigned channel;
	uint64_t call;
};
struct chan_uses {
	struct chan_use *v;
	size_t n, cap;
};

static int chan_use_cb(void *arg, struct sb_call *c)
{
	struct chan_uses *u = arg;
	const struct sb_leg *leg;

	for (unsigned i = 0; (leg = sb_call_leg(c, i)); i++) {
		if (!leg->slot || !leg->channel)
			continue;
		if (u->n == u->cap) {
			size_t cap = u->cap ? 2 * u->cap : 64;
			struct chan_use *v = realloc(u->v, cap * sizeof *v);
			if (!v)
				return -1; /* what was found so far is shown */
			u->v = v;
			u->cap = cap;
		}
		u->v[u->n++] = (struct chan_use){ leg->slot, leg->channel, sb_call_id(c) };
	}
	return 0;
}

static void channel_row(struct sb_reply *r, const struct sb_channel *ch,
			const struct chan_uses *u)
{
	char assign[300], call[24] = "";
	enum sb_channel_state state = ch->state;

	if (ch->target)
		snprintf(assign, sizeof assign, "%s", ch->target);
	else if (ch->ring_group)
		snprintf(assign, sizeof assign, "ring_group:%s", ch->ring_group);
	else
		assign[0] = '\0';
	/* busy while a call has a leg on it, whatever the channel's own state says */
	for (size_t i = 0; i < u->n; i++)
		if (u->v[i].slot == ch->card->slot && u->v[i].channel == ch->index) {
			state = SB_CHAN_BUSY;
			snprintf(call, sizeof call, "%llu", (unsigned long long)u->v[i].call);
			break;
		}
	sb_reply_row(r);
	sb_reply_int(r, "slot", ch->card->slot);
	sb_reply_str(r, "card", ch->card->name);
	sb_reply_int(r, "channel", ch->index);
	sb_reply_str(r, "number", ch->number);
	sb_reply_str(r, "assignment", assign[0] ? assign : NULL);
	sb_reply_str(r, "target", ch->target);
	sb_reply_str(r, "ring_group", ch->ring_group);
	sb_reply_str(r, "state", chan_states[state]);
	sb_reply_str(r, "call", call[0] ? call : NULL);
}

static int cmd_channels(const struct sb_ctl_req *req, struct sb_reply *r)
{
	static const char *const cols[] = { "slot",	  "card",  "channel", "number",
					    "assignment", "state", "call",    NULL };
	const struct sb_model *m = sb_daemon_conf()->model;
	const struct sb_card *only = NULL;
	struct chan_uses u = { 0 };

	if (req->argc == 1) {
		char *end;
		long slot = strtol(req->argv[0], &end, 10);
		if (*end || end == req->argv[0] || !(only = sb_model_card(m, (int)slot))) {
			sb_reply_error(r, "no card in slot \"%s\" (\"show cards\" lists the slots)",
				       req->argv[0]);
			return -1;
		}
	}
	sb_reply_table(r, cols);
	sb_call_foreach(chan_use_cb, &u);
	for (size_t i = 0; i < m->ncards; i++) {
		if (only && only != &m->cards[i])
			continue;
		for (size_t j = 0; j < m->cards[i].nchannels; j++)
			channel_row(r, &m->cards[i].channels[j], &u);
	}
	free(u.v);
	return 0;
}

static int cmd_ring_groups(const struct sb_ctl_req *req, struct sb_reply *r)
{
	static const char *const cols[] = { "name", "members", "numbers", NULL };
	const struct sb_conf *conf = sb_daemon_conf();
	const struct sb_model *m = conf->model;

	sb_reply_table(r, cols);
	for (size_t i = 0; i < conf->ring_groups.n; i++) {
		const struct sb_ring_group_conf *g = &((struct sb_ring_group_conf *)conf->ring_groups.v)[i];
		/* the numbers that ring this group: at most every channel of the instance */
		size_t total = 0;
		for (size_t c = 0; c < m->ncards; c++)
			total += m->cards[c].nchannels;
		char **v = calloc(total + 1, sizeof *v);
		struct sb_strlist numbers = { .v = v };
		for (size_t c = 0; v && c < m->ncards; c++)
			for (size_t j = 0; j < m->cards[c].nchannels; j++) {
				const struct sb_channel *ch = &m->cards[c].channels[j];
				if (ch->ring_group && strcmp(ch->ring_group, g->name) == 0)
					v[numbers.n++] = (char *)ch->number;
			}
		sb_reply_row(r);
		sb_reply_str(r, "name", g->name);
		sb_reply_strlist(r, "members", &g->members);
		sb_reply_strlist(r, "numbers", &numbers);
		free(v);
	}
	return 0;
}

const struct sb_ctl_cmd sb__model_cmds[] = {
	{ "show cards", cmd_cards, "the cards in their slots", 0 },
	{ "show channels [SLOT]", cmd_channels, "channels with number and assignment", 0 },
	{ "show ring-groups", cmd_ring_groups, "ring groups, their members and numbers", 0 },
	{ NULL, NULL, NULL, 0 },
};
