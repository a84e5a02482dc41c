/* conf_diff.c: what a reload changed in cards, channels and ring groups, logged with its origin. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core.h"

#define GROUP(conf, i) (&((struct sb_ring_group_conf *)(conf)->ring_groups.v)[i])

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* what a channel rings, as the admin wrote it */
static void rings(const struct sb_channel *ch, char *buf, size_t len)
{
	if (ch->ring_group)
		snprintf(buf, len, "ring group %s", ch->ring_group);
	else
		snprintf(buf, len, "target %s", ch->target ? ch->target : "(none)");
	if (ch->fallback) {
		size_t n = strlen(buf);
		snprintf(buf + n, len - n, ", fallback %s", ch->fallback);
	}
}

static void cards_diff(const struct sb_model *o, const struct sb_model *n, const char *origin)
{
	for (size_t i = 0; i < n->ncards; i++) {
		const struct sb_card *c = &n->cards[i], *was = sb_model_card(o, c->slot);
		if (!was || was->type != c->type)
			log_notice("config change (%s): slot %d: %s card %s added", origin, c->slot,
				   c->type->name, c->name);
	}
	for (size_t i = 0; i < o->ncards; i++) {
		const struct sb_card *c = &o->cards[i], *now = sb_model_card(n, c->slot);
		if (!now || now->type != c->type)
			log_notice("config change (%s): slot %d: %s card %s removed", origin, c->slot,
				   c->type->name, c->name);
	}
}

static void channels_diff(const struct sb_model *o, const struct sb_model *n, const char *origin)
{
	char now[200], was[200];

	for (size_t i = 0; i < n->ncards; i++)
		for (size_t j = 0; j < n->cards[i].nchannels; j++) {
			const struct sb_channel *ch = &n->cards[i].channels[j], *old;
			if (!ch->number)
				continue;
			rings(ch, now, sizeof now);
			if (!(old = sb_model_number(o, ch->number))) {
				log_notice("config change (%s): channel %s added on slot %d, %s",
					   origin, ch->number, ch->card->slot, now);
				continue;
			}
			rings(old, was, sizeof was);
			if (strcmp(now, was) != 0 || old->card->slot != ch->card->slot)
				log_notice("config change (%s): channel %s on slot %d now rings %s "
					   "(was slot %d, %s)",
					   origin, ch->number, ch->card->slot, now, old->card->slot,
					   was);
		}
	for (size_t i = 0; i < o->ncards; i++)
		for (size_t j = 0; j < o->cards[i].nchannels; j++) {
			const struct sb_channel *ch = &o->cards[i].channels[j];
			if (ch->number && !sb_model_number(n, ch->number))
				log_notice("config change (%s): channel %s removed from slot %d",
					   origin, ch->number, ch->card->slot);
		}
}

static const struct sb_ring_group_conf *group(const struct sb_conf *c, const char *name)
{
	for (size_t i = 0; i < c->ring_groups.n; i++)
		if (same(GROUP(c, i)->name, name))
			return GROUP(c, i);
	return NULL;
}

static bool same_members(const struct sb_ring_group_conf *a, const struct sb_ring_group_conf *b)
{
	if (a->members.n != b->members.n)
		return false;
	for (size_t i = 0; i < a->members.n; i++)
		if (strcmp(a->members.v[i], b->members.v[i]) != 0)
			return false;
	return true;
}

static void groups_diff(const struct sb_conf *o, const struct sb_conf *n, const char *origin)
{
	for (size_t i = 0; i < n->ring_groups.n; i++) {
		const struct sb_ring_group_conf *g = GROUP(n, i), *was = group(o, g->name);
		if (!was)
			log_notice("config change (%s): ring group %s added, %zu members", origin,
				   g->name, g->members.n);
		else if (!same_members(g, was))
			log_notice("config change (%s): ring group %s now has %zu members (had %zu)",
				   origin, g->name, g->members.n, was->members.n);
	}
	for (size_t i = 0; i < o->ring_groups.n; i++)
		if (!group(n, GROUP(o, i)->name))
			log_notice("config change (%s): ring group %s removed", origin,
				   GROUP(o, i)->name);
}

void sb__conf_log_changes(const struct sb_conf *old, const struct sb_conf *conf,
			  const char *origin)
{
	if (!old || !conf)
		return;
	cards_diff(old->model, conf->model, origin);
	channels_diff(old->model, conf->model, origin);
	groups_diff(old, conf, origin);
	if (!same(old->overlay, conf->overlay))
		log_notice("config change (%s): pushed configuration %s%s", origin,
			   conf->overlay ? "now merged from " : "no longer merged",
			   conf->overlay ? conf->overlay : "");
}
