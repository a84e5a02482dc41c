/* sym_bridge.c: the sym-bridge card: numbered channels to the cloud, each assigned to a target. */
#include "config.h"

#include <stdio.h>

#include "../cards.h"

struct symb_conf {
	struct sb_conf_src src;
	struct sb_conf_list channels; /* struct sb_channel_conf */
};

static void symb_check_number(struct sb_conf_ctx *cx, const struct sb_conf_src *src,
			      const char *path, const void *field)
{
	const char *v = *(char *const *)field;
	if (!sb_conf_is_number(v))
		sb_conf_error(cx, src, path,
			      "\"%s\" is not a call number (allowed: 1..32 digits, '*', '#', "
			      "a leading '+')",
			      v);
}

/* a number rings exactly one thing */
static void symb_channel_check(struct sb_conf_ctx *cx, const char *path, void *elem)
{
	const struct sb_channel_conf *ch = elem;

	if (ch->target && ch->ring_group)
		sb_conf_error(cx, &ch->src, path,
			      "has both target and ring_group (a channel is assigned to exactly "
			      "one of them)");
	else if (!ch->target && !ch->ring_group)
		sb_conf_error(cx, &ch->src, path,
			      "has neither target nor ring_group (a channel is assigned to exactly "
			      "one of them)");
}

static const struct sb_conf_key symb_channel_keys[] = {
	{ .name = "number", .type = SB_CT_STRING, .offset = offsetof(struct sb_channel_conf, number),
	  .check = symb_check_number, .help = "call number of the channel, unique in the instance" },
	{ .name = "target", .type = SB_CT_STRING, .offset = offsetof(struct sb_channel_conf, target),
	  .min = 1, .max = 256, .flags = SB_CK_OPTIONAL,
	  .help = "what the number rings: cloud:ID, station:USER or card:SLOT/NUMBER" },
	{ .name = "ring_group", .type = SB_CT_STRING,
	  .offset = offsetof(struct sb_channel_conf, ring_group), .min = 1, .max = 64,
	  .flags = SB_CK_OPTIONAL, .help = "or: the ring group the number rings" },
	{ .name = "fallback", .type = SB_CT_STRING,
	  .offset = offsetof(struct sb_channel_conf, fallback), .min = 1, .max = 256,
	  .flags = SB_CK_OPTIONAL,
	  .help = "mesh fallback when the cloud cannot take a call: a target (card:, station:) "
		  "or a ring group name" },
	{ .name = "name", .type = SB_CT_STRING, .offset = offsetof(struct sb_channel_conf, name),
	  .min = 1, .max = 128, .flags = SB_CK_OPTIONAL, .help = "display name" },
	SB_CONF_END
};

static const struct sb_conf_section symb_channel_section = {
	.name = "cards.channels",
	.keys = symb_channel_keys,
	.size = sizeof(struct sb_channel_conf),
	.src_offset = offsetof(struct sb_channel_conf, src),
	.check = symb_channel_check,
};

static const struct sb_conf_key symb_keys[] = {
	{ .name = "channels", .type = SB_CT_LIST, .offset = offsetof(struct symb_conf, channels),
	  .sub = &symb_channel_section, .min = 1, .max = 32,
	  .help = "the card's channels, 1..32: { number, target or ring_group }" },
	SB_CONF_END
};

static const struct sb_conf_section symb_section = {
	.name = "cards (sym-bridge)",
	.keys = symb_keys,
	.size = sizeof(struct symb_conf),
	.src_offset = offsetof(struct symb_conf, src),
};

static size_t symb_nchannels(const struct sb_card_conf *cc)
{
	return ((const struct symb_conf *)cc->priv)->channels.n;
}

static void symb_channel(const struct sb_card_conf *cc, size_t i, struct sb_channel *ch)
{
	const struct symb_conf *sc = cc->priv;
	const struct sb_channel_conf *chc = &((const struct sb_channel_conf *)sc->channels.v)[i];

	ch->number = chc->number;
	ch->target = chc->target;
	ch->ring_group = chc->ring_group;
	ch->fallback = chc->fallback;
	ch->src = &chc->src;
}

static void symb_describe(const struct sb_card_conf *cc, char *buf, size_t len)
{
	size_t n = symb_nchannels(cc);
	snprintf(buf, len, "%zu channel%s to the cloud", n, n == 1 ? "" : "s");
}

const struct sb_card_type card_sym_bridge = {
	.name = "sym-bridge",
	.conf = &symb_section,
	.max_cards = 14,
	.nchannels = symb_nchannels,
	.channel = symb_channel,
	.describe = symb_describe,
};
