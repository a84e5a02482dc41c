/* model.c: cards and channels built from a parsed config, and the rules that span sections. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

#define CARD(conf, i) (&((struct sb_card_conf *)(conf)->cards.v)[i])
#define GROUP(conf, i) (&((struct sb_ring_group_conf *)(conf)->ring_groups.v)[i])
#define STATION(conf, i) (&((struct sb_station_conf *)(conf)->stations.v)[i])

const struct sb_card *sb_model_card(const struct sb_model *m, int slot)
{
	for (size_t i = 0; m && i < m->ncards; i++)
		if (m->cards[i].slot == slot)
			return &m->cards[i];
	return NULL;
}

const struct sb_channel *sb_model_number(const struct sb_model *m, const char *number)
{
	for (size_t i = 0; m && i < m->ncards; i++)
		for (size_t j = 0; j < m->cards[i].nchannels; j++) {
			const struct sb_channel *ch = &m->cards[i].channels[j];
			if (ch->number && strcmp(ch->number, number) == 0)
				return ch;
		}
	return NULL;
}

static const struct sb_ring_group_conf *group_find(const struct sb_conf *conf, const char *name)
{
	for (size_t i = 0; i < conf->ring_groups.n; i++)
		if (GROUP(conf, i)->name && strcmp(GROUP(conf, i)->name, name) == 0)
			return GROUP(conf, i);
	return NULL;
}

static const struct sb_station_conf *station_find(const struct sb_conf *conf, const char *user)
{
	for (size_t i = 0; i < conf->stations.n; i++)
		if (STATION(conf, i)->user && strcmp(STATION(conf, i)->user, user) == 0)
			return STATION(conf, i);
	return NULL;
}

#define TARGET_FORMS "cloud:ID, station:USER, card:SLOT/NUMBER"

/* A target reference: where a number or a ring group member rings. */
static void target_check(struct sb_conf_ctx *cx, const struct sb_conf_src *src, const char *path,
			 const char *t)
{
	const struct sb_model *m = cx->conf->model;

	if (strncmp(t, "cloud:", 6) == 0) {
		if (!t[6] || strpbrk(t + 6, " \t<>\";,"))
			sb_conf_error(cx, src, path,
				      "\"%s\": the cloud id is empty or has a space or one of <>\";,",
				      t);
	} else if (strncmp(t, "station:", 8) == 0) {
		if (!station_find(cx->conf, t + 8))
			sb_conf_error(cx, src, path, "\"%s\": no station with user \"%s\" in stations",
				      t, t + 8);
	} else if (strncmp(t, "card:", 5) == 0) {
		char *end;
		long slot = isdigit((unsigned char)t[5]) ? strtol(t + 5, &end, 10) : 0;
		if (!slot)
			end = (char *)t + 5;
		const struct sb_card *c = end != t + 5 ? sb_model_card(m, (int)slot) : NULL;
		if (end == t + 5 || *end != '/' || !sb_conf_is_number(end + 1))
			sb_conf_error(cx, src, path, "\"%s\" is not card:SLOT/NUMBER", t);
		else if (!c)
			sb_conf_error(cx, src, path, "\"%s\": there is no card in slot %ld", t, slot);
		else if (!c->type->dial_out)
			sb_conf_error(cx, src, path, "\"%s\": a %s card does not place calls to numbers",
				      t, c->type->name);
	} else {
		sb_conf_error(cx, src, path, "\"%s\" is not a target (allowed: " TARGET_FORMS ")", t);
	}
}

static void cards_check(struct sb_conf_ctx *cx)
{
	const struct sb_conf *conf = cx->conf;
	char path[64];

	for (size_t i = 0; i < conf->cards.n; i++) {
		const struct sb_card_conf *cc = CARD(conf, i);
		unsigned same_type = 1;

		if (!cc->type || !cc->slot) /* already reported as invalid */
			continue;
		snprintf(path, sizeof path, "cards[%zu].slot", i);
		for (size_t j = 0; j < i; j++) {
			const struct sb_card_conf *prev = CARD(conf, j);
			if (prev->type && prev->slot == cc->slot)
				sb_conf_error(cx, &cc->src, path,
					      "slot %d is already used by the card at %s:%d "
					      "(each card needs its own slot)",
					      cc->slot, prev->src.file, prev->src.line);
			if (prev->type && strcmp(prev->name, cc->name) == 0) {
				snprintf(path, sizeof path, "cards[%zu].name", i);
				sb_conf_error(cx, &cc->src, path,
					      "name \"%s\" is already used by the card at %s:%d "
					      "(card names are unique)",
					      cc->name, prev->src.file, prev->src.line);
			}
			same_type += prev->type == cc->type;
		}
		if (cc->type->max_cards && same_type == cc->type->max_cards + 1) {
			snprintf(path, sizeof path, "cards[%zu]", i);
			sb_conf_error(cx, &cc->src, path,
				      "one %s card too many: at most %u are allowed in one instance",
				      cc->type->name, cc->type->max_cards);
		}
	}
}

/* The mesh fallback: a target that does not need the cloud, or a ring group that exists. */
static void fallback_check(struct sb_conf_ctx *cx, const struct sb_channel *ch, const char *chpath)
{
	char path[128];

	snprintf(path, sizeof path, "%s.fallback", chpath);
	if (sb_target_is_cloud(ch->fallback))
		sb_conf_error(cx, ch->src, path,
			      "\"%s\" is a cloud target: the fallback rings when the cloud cannot "
			      "(allowed: card:SLOT/NUMBER, station:USER or a ring group name)",
			      ch->fallback);
	else if (strchr(ch->fallback, ':'))
		target_check(cx, ch->src, path, ch->fallback);
	else if (!group_find(cx->conf, ch->fallback))
		sb_conf_error(cx, ch->src, path,
			      "ring group \"%s\" is not defined in ring_groups (allowed: a target "
			      "card:SLOT/NUMBER or station:USER, or a ring group name)",
			      ch->fallback);
}

static void channels_check(struct sb_conf_ctx *cx)
{
	const struct sb_model *m = cx->conf->model;
	char path[96];

	for (size_t i = 0; i < m->ncards; i++) {
		for (size_t j = 0; j < m->cards[i].nchannels; j++) {
			const struct sb_channel *ch = &m->cards[i].channels[j];
			snprintf(path, sizeof path, "cards[%td].channels[%zu]",
				 m->cards[i].conf - (const struct sb_card_conf *)cx->conf->cards.v, j);
			if (ch->number) {
				const struct sb_channel *first = sb_model_number(m, ch->number);
				if (first != ch)
					sb_conf_error(cx, ch->src, path,
						      "number \"%s\" is already used by slot %d "
						      "channel %u at %s:%d (numbers are unique in "
						      "the instance)",
						      ch->number, first->card->slot, first->index,
						      first->src->file, first->src->line);
			}
			if (ch->ring_group && !group_find(cx->conf, ch->ring_group))
				sb_conf_error(cx, ch->src, path,
					      "ring_group \"%s\" is not defined in ring_groups",
					      ch->ring_group);
			if (ch->target)
				target_check(cx, ch->src, path, ch->target);
			if (ch->fallback)
				fallback_check(cx, ch, path);
		}
	}
}

static void groups_check(struct sb_conf_ctx *cx)
{
	const struct sb_conf *conf = cx->conf;
	char path[96];

	for (size_t i = 0; i < conf->ring_groups.n; i++) {
		const struct sb_ring_group_conf *g = GROUP(conf, i);
		snprintf(path, sizeof path, "ring_groups[%zu].name", i);
		if (g->name && group_find(conf, g->name) != g)
			sb_conf_error(cx, &g->src, path, "ring group \"%s\" is defined twice",
				      g->name);
		for (size_t j = 0; j < g->members.n; j++) {
			snprintf(path, sizeof path, "ring_groups[%zu].members[%zu]", i, j);
			target_check(cx, &g->src, path, g->members.v[j]);
			for (size_t k = 0; k < j; k++)
				if (strcmp(g->members.v[k], g->members.v[j]) == 0)
					sb_conf_error(cx, &g->src, path, "\"%s\" is listed twice",
						      g->members.v[j]);
		}
	}
	for (size_t i = 0; i < conf->stations.n; i++) {
		const struct sb_station_conf *st = STATION(conf, i);
		snprintf(path, sizeof path, "stations[%zu].user", i);
		if (st->user && station_find(conf, st->user) != st)
			sb_conf_error(cx, &st->src, path, "station user \"%s\" is defined twice",
				      st->user);
	}
}

void sb__model_build(struct sb_conf_ctx *cx)
{
	struct sb_conf *conf = cx->conf;
	struct sb_model *m = sb__arena_alloc(cx->arena, sizeof *m);

	conf->model = m;
	m->cards = sb__arena_alloc(cx->arena, (conf->cards.n + 1) * sizeof *m->cards);
	for (size_t i = 0; i < conf->cards.n; i++) {
		const struct sb_card_conf *cc = CARD(conf, i);
		if (!cc->type || !cc->priv) /* an unknown type: reported, nothing to build */
			continue;
		struct sb_card *c = &m->cards[m->ncards++];

		c->type = cc->type;
		c->conf = cc;
		c->slot = cc->slot;
		c->name = cc->name;
		c->nchannels = cc->type->nchannels(cc);
		c->channels = sb__arena_alloc(cx->arena, (c->nchannels + 1) * sizeof *c->channels);
		for (size_t j = 0; j < c->nchannels; j++) {
			struct sb_channel *ch = &c->channels[j];
			ch->card = c;
			ch->index = (unsigned)j + 1;
			ch->src = &cc->src;
			if (cc->type->channel)
				cc->type->channel(cc, j, ch);
		}
	}
	cards_check(cx);
	channels_check(cx);
	groups_check(cx);
}
