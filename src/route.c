/* route.c: where a dialled number rings (a sym-bridge channel's target or ring group), placing
 * the calls there through the card types' originate hook, and the cards' open/close hooks. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

enum sb_route_match sb_route_lookup(const char *number)
{
	const struct sb_conf *conf = sb_daemon_conf();
	const struct sb_model *m = conf ? conf->model : NULL;
	size_t n = strlen(number);
	enum sb_route_match best = SB_ROUTE_NONE;

	for (size_t i = 0; m && i < m->ncards; i++)
		for (size_t j = 0; j < m->cards[i].nchannels; j++) {
			const char *num = m->cards[i].channels[j].number;
			if (!num || strncmp(num, number, n) != 0)
				continue;
			if (!num[n])
				return SB_ROUTE_EXACT;
			best = SB_ROUTE_PREFIX;
		}
	return best;
}

/* The Q.850 cause of an originate error. */
static int errno_cause(int err)
{
	switch (err) {
	case -EBUSY: return 34;    /* no circuit/channel available */
	case -ENETDOWN: return 38; /* network out of order */
	case -EINVAL: return 28;   /* invalid number format */
	case -EACCES: return 47;   /* resource unavailable: no license */
	default: return 41;        /* temporary failure */
	}
}

/* ---- targets other than cards: registered by the modules that ring them ------------------- */

#define TARGET_TYPES_MAX 4
uint64_t sb__route_attempts;

static const struct sb_target_type *target_types[TARGET_TYPES_MAX];

int sb_target_register(const struct sb_target_type *t)
{
	for (size_t i = 0; i < TARGET_TYPES_MAX; i++)
		if (!target_types[i]) {
			target_types[i] = t;
			return 0;
		}
	return -ENOSPC;
}

void sb_target_unregister(const struct sb_target_type *t)
{
	for (size_t i = 0; i < TARGET_TYPES_MAX; i++)
		if (target_types[i] == t)
			target_types[i] = NULL;
}

static const struct sb_target_type *target_type(const char *target)
{
	size_t n = strcspn(target, ":");

	for (size_t i = 0; target[n] && i < TARGET_TYPES_MAX; i++)
		if (target_types[i] && strlen(target_types[i]->prefix) == n &&
		    strncmp(target_types[i]->prefix, target, n) == 0)
			return target_types[i];
	return NULL;
}

/* Is the cloud there to be rung? Without a module that rings it, it is not. */
static bool cloud_up(void)
{
	const struct sb_target_type *t = target_type("cloud:");
	return t && (!t->available || t->available());
}

static int attach(struct sb_call *c, struct sb_leg *leg)
{
	if (sb__call_attach_b(c, leg) < 0) {
		leg->ops->hangup(leg, 47);
		return 47;
	}
	return 0;
}

/* Ring one target; returns the cause when nothing could be placed there. */
static int ring_target(struct sb_call *c, const struct sb_model *m, const struct sb_channel *ch,
		       const char *target)
{
	struct sb_leg *leg;
	char *end;
	long slot;
	int rc;

	if (strncmp(target, "card:", 5) != 0 || !isdigit((unsigned char)target[5])) {
		const struct sb_target_type *t = target_type(target);
		if (!t) {
			log_warn("call %llu: target %s cannot be rung (no module rings it)",
				 (unsigned long long)sb_call_id(c), target);
			return 3;
		}
		struct sb_leg *legs[8];
		rc = t->originate(target + strlen(t->prefix) + 1, ch, c, legs, 8);
		if (rc <= 0) {
			log_info("call %llu: cannot ring %s: %s", (unsigned long long)sb_call_id(c),
				 target, rc ? strerror(-rc) : "nothing to ring");
			return rc ? errno_cause(rc) : 20; /* subscriber absent */
		}
		int cause = 0;
		for (int i = 0; i < rc; i++)
			if (attach(c, legs[i]))
				cause = 47;
		return cause;
	}
	slot = strtol(target + 5, &end, 10);
	const struct sb_card *card = sb_model_card(m, (int)slot);
	if (!card || *end != '/') /* the configuration check makes this impossible */
		return 3;
	if (!card->type->originate) {
		log_warn("call %llu: a %s card places no calls (target %s)",
			 (unsigned long long)sb_call_id(c), card->type->name, target);
		return 3;
	}
	rc = card->type->originate(card, end + 1, c, &leg);
	if (rc < 0) {
		log_info("call %llu: cannot ring %s: %s", (unsigned long long)sb_call_id(c), target,
			 strerror(-rc));
		return errno_cause(rc);
	}
	return attach(c, leg);
}

/* Ring what channel ch routes to (its target, its fallback or its ring group) in call c; returns
 * the cause when nothing could be placed. */
static int ring_channel(struct sb_call *c, const struct sb_model *m, const struct sb_channel *ch,
			bool from_cloud)
{
	const struct sb_conf *conf = sb_daemon_conf();
	bool up = cloud_up();
	int cause = 3;
	const char *group;
	const char *target =
		sb_route_pick(ch->target, ch->ring_group, ch->fallback, up, from_cloud, &group);
	log_info("call %llu to %s: ringing %s%s%s", (unsigned long long)sb_call_id(c), ch->number,
		 target  ? target
		 : group ? "ring group "
			 : "nothing",
		 target  ? ""
		 : group ? group
			 : "",
		 sb_target_is_cloud(ch->target) && target != ch->target
			 ? (from_cloud ? " (the call came from the cloud: fallback)"
				       : " (the cloud link is down: fallback)")
			 : "");
	if (target) {
		cause = ring_target(c, m, ch, target);
	} else if (group) {
		for (size_t i = 0; i < conf->ring_groups.n; i++) {
			const struct sb_ring_group_conf *g =
				&((const struct sb_ring_group_conf *)conf->ring_groups.v)[i];
			if (strcmp(g->name, group) != 0)
				continue;
			for (size_t j = 0; j < g->members.n; j++) {
				const char *mt = g->members.v[j];
				/* a call from the cloud rings the local members only; with the
				 * link down, the cloud members cannot ring */
				if (sb_target_is_cloud(mt) && (from_cloud || !up))
					continue;
				int rc = ring_target(c, m, ch, mt);
				if (rc && cause != 17 && cause != 34)
					cause = rc;
			}
		}
	}
	return cause;
}

int sb_call_incoming(struct sb_leg *a, const struct sb_party *called, int *q850)
{
	const struct sb_conf *conf = sb_daemon_conf();
	const struct sb_model *m = conf ? conf->model : NULL;
	const struct sb_channel *ch = m ? sb_model_number(m, called->number) : NULL;
	struct sb_call *c;

	sb__route_attempts++;
	const char *not_taking = sb_not_taking_calls();
	if (not_taking) {
		log_info("call from %s to %s refused: %s", a->party.number, called->number,
			 not_taking);
		/* draining: temporary failure, try again (another node, or later); standby: no
		 * circuit here, as with every B-channel out of service (the PBX routes on) */
		*q850 = strcmp(not_taking, "standby") == 0 ? 34 : 41;
		sb_call_refused(a, called, *q850, not_taking);
		return -EAGAIN;
	}
	if (!ch) {
		log_info("call from %s to %s refused: no channel has that number", a->party.number,
			 called->number);
		*q850 = 1; /* unallocated number */
		return -ENOENT;
	}
	if (!(c = sb__call_new(a, called))) {
		*q850 = 47; /* resource unavailable */
		return -ENOMEM;
	}
	/* every line logged while the call is routed and its legs placed (originate hooks, licence
	 * takes, B-channels) names it, whoever logs it */
	unsigned long long prev = sb_log_call_set(sb_call_id(c));
	int cause = ring_channel(c, m, ch, a->flags & SB_LEG_FROM_CLOUD);
	int rc = sb__call_placed(c, cause, q850);
	sb_log_call_set(prev);
	return rc;
}

int sb__route_transfer(struct sb_call *c, const char *number, bool from_cloud, int *q850)
{
	const struct sb_conf *conf = sb_daemon_conf();
	const struct sb_model *m = conf ? conf->model : NULL;
	const struct sb_channel *ch = m ? sb_model_number(m, number) : NULL;

	if (!ch) {
		*q850 = 1;
		return -ENOENT;
	}
	*q850 = ring_channel(c, m, ch, from_cloud);
	return 0;
}

/* ---- the cards' runtime hooks ----------------------------------------------------------------- */

void sb__cards_open(const struct sb_conf *conf, const struct sb_conf *old)
{
	const struct sb_model *m = conf->model;

	if (!sb_daemon_loop()) /* no running daemon (tests that drive a reload alone) */
		return;
	/* cards that left, or changed type, close first so their resources are free */
	for (size_t i = 0; old && i < old->model->ncards; i++) {
		const struct sb_card *oc = &old->model->cards[i];
		const struct sb_card *nc = sb_model_card(m, oc->slot);
		if (oc->type->close && (!nc || nc->type != oc->type))
			oc->type->close(oc->slot);
	}
	for (size_t i = 0; i < m->ncards; i++) {
		const struct sb_card *c = &m->cards[i];
		int rc = c->type->open ? c->type->open(c) : 0;
		if (rc < 0)
			log_err("card %s in slot %d cannot start: %s (it stays out of service)",
				c->name, c->slot, strerror(-rc));
	}
}

void sb__cards_close(const struct sb_conf *conf)
{
	for (size_t i = 0; conf && i < conf->model->ncards; i++) {
		const struct sb_card *c = &conf->model->cards[i];
		if (c->type->close)
			c->type->close(c->slot);
	}
}
