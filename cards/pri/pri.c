/* pri.c: the pri card: an E1/T1 span, a D-channel and its B-channels. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "../cards.h"
#include "isdn.h"

enum pri_framing { PRI_FRAMING_E1, PRI_FRAMING_T1 };

struct pri_conf {
	struct sb_conf_src src;
	int framing;
	int switchtype;
	int side;
	char *dchannel;
	bool overlap;
	int digit_timeout_ms;
	bool service_messages;
};

static const char *const pri_framings[] = { "e1", "t1", NULL };

static const struct sb_conf_key pri_keys[] = {
	{ .name = "framing", .type = SB_CT_ENUM, .offset = offsetof(struct pri_conf, framing),
	  .def = "\"e1\"", .choices = pri_framings, .help = "e1 (30 B-channels) or t1 (23)" },
	CARD_ISDN_KEYS(struct pri_conf),
	{ .name = "service_messages", .type = SB_CT_BOOL,
	  .offset = offsetof(struct pri_conf, service_messages), .def = "false",
	  .help = "a cluster's standby node takes its B-channels out of service with Q.931 "
		  "SERVICE messages (switchtype ni2, national, dms100, lucent5e or att4ess)" },
	SB_CONF_END
};

/* SERVICE messages carry a Change Status element that libpri knows only in the North
 * American dialects */
static void pri_check(struct sb_conf_ctx *cx, const char *path, void *elem)
{
	const struct pri_conf *pc = elem;
	static const char *const ok[] = { "ni2", "national", "dms100", "lucent5e", "att4ess", NULL };
	char key[96];

	if (!pc->service_messages)
		return;
	for (int i = 0; ok[i]; i++)
		if (strcmp(card_isdn_switchtypes[pc->switchtype], ok[i]) == 0)
			return;
	snprintf(key, sizeof key, "%s.service_messages", path);
	sb_conf_error(cx, &pc->src, key,
		      "switchtype %s has no SERVICE messages (allowed with ni2, national, dms100, "
		      "lucent5e, att4ess)",
		      card_isdn_switchtypes[pc->switchtype]);
}

static const struct sb_conf_section pri_section = {
	.name = "cards (pri)",
	.keys = pri_keys,
	.size = sizeof(struct pri_conf),
	.src_offset = offsetof(struct pri_conf, src),
	.check = pri_check,
};

static size_t pri_nchannels(const struct sb_card_conf *cc)
{
	return ((const struct pri_conf *)cc->priv)->framing == PRI_FRAMING_E1 ? 30 : 23;
}

static void pri_describe(const struct sb_card_conf *cc, char *buf, size_t len)
{
	const struct pri_conf *pc = cc->priv;
	snprintf(buf, len, "%s %s %s, D-channel %s", pri_framings[pc->framing],
		 card_isdn_switchtypes[pc->switchtype], card_isdn_sides[pc->side], pc->dchannel);
}

static int pri_open(const struct sb_card *card)
{
	const struct pri_conf *pc = card->conf->priv;
	struct isdn_span_conf sc = {
		.slot = card->slot,
		.name = card->name,
		.t1 = pc->framing == PRI_FRAMING_T1,
		.net = pc->side == 0,
		.switchtype = pc->switchtype,
		.dchannel = pc->dchannel,
		.overlap = pc->overlap,
		.digit_timeout_ms = pc->digit_timeout_ms,
		.service = pc->service_messages,
	};
	return isdn_span_open(&sc);
}

const struct sb_card_type card_pri = {
	.name = "pri",
	.conf = &pri_section,
	.dial_out = true,
	.nchannels = pri_nchannels,
	.describe = pri_describe,
	.open = pri_open,
	.close = card_isdn_close,
	.originate = card_isdn_originate,
};
