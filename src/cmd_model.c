/* cmd_model.c: control commands that show the object model: cards, channels, ring groups. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
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

/* a call uses the channel: one of its legs is on it (a B-channel, a sym-bridge channel's cloud
 * leg) or it was dialled to the channel's number */
static int channel_call_cb(void *arg, struct sb_call *c)
{
	const struct sb_channel *ch = arg;

	for (unsigned i = 0; i <= SB_CALL_FORK_MAX; i++) {
		const struct sb_leg *l = sb_call_leg(c, i);
		if (l && l->slot == ch->card->slot && l->channel == ch->index)
			return 1;
	}
	return ch->number && strcmp(sb_call_called(c)->number, ch->number) == 0;
}

static void channel_row(struct sb_reply *r, const struct sb_channel *ch)
{
	char assign[300];
	enum sb_channel_state state = ch->state;

	if (ch->target)
		snprintf(assign, sizeof assign, "%s", ch->target);
	else if (ch->ring_group)
		snprintf(assign, sizeof assign, "ring_group:%s", ch->ring_group);
	else
		assign[0] = '\0';
	sb_reply_row(r);
	sb_reply_int(r, "slot", ch->card->slot);
	sb_reply_str(r, "card", ch->card->name);
	sb_reply_int(r, "channel", ch->index);
	sb_reply_str(r, "number", ch->number);
	sb_reply_str(r, "assignment", assign[0] ? assign : NULL);
	sb_reply_str(r, "target", ch->target);
	sb_reply_str(r, "ring_group", ch->ring_group);
	if (state == SB_CHAN_IDLE && sb_call_foreach(channel_call_cb, (void *)ch))
		state = SB_CHAN_BUSY;
	sb_reply_str(r, "state", chan_states[state]);
}

static int cmd_channels(const struct sb_ctl_req *req, struct sb_reply *r)
{
	static const char *const cols[] = { "slot",	  "card",  "channel", "number",
					    "assignment", "state", NULL };
	const struct sb_model *m = sb_daemon_conf()->model;
	const struct sb_card *only = NULL;

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
	for (size_t i = 0; i < m->ncards; i++) {
		if (only && only != &m->cards[i])
			continue;
		for (size_t j = 0; j < m->cards[i].nchannels; j++)
			channel_row(r, &m->cards[i].channels[j]);
	}
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
