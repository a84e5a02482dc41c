/* bri.c: the bri card: an S0 interface with two B-channels, point-to-point or multipoint. */
#include "config.h"

#include <stdio.h>

#include "../cards.h"
#include "isdn.h"

struct bri_conf {
	struct sb_conf_src src;
	int mode;
	int switchtype;
	int side;
	char *dchannel;
	bool overlap;
	int digit_timeout_ms;
};

static const char *const bri_modes[] = { "ptmp", "ptp", NULL };

static const struct sb_conf_key bri_keys[] = {
	{ .name = "mode", .type = SB_CT_ENUM, .offset = offsetof(struct bri_conf, mode),
	  .def = "\"ptmp\"", .choices = bri_modes,
	  .help = "ptmp (point-to-multipoint) or ptp (point-to-point)" },
	CARD_ISDN_KEYS(struct bri_conf),
	SB_CONF_END
};

static const struct sb_conf_section bri_section = {
	.name = "cards (bri)",
	.keys = bri_keys,
	.size = sizeof(struct bri_conf),
	.src_offset = offsetof(struct bri_conf, src),
};

static size_t bri_nchannels(const struct sb_card_conf *cc)
{
	return 2;
}

static void bri_describe(const struct sb_card_conf *cc, char *buf, size_t len)
{
	const struct bri_conf *bc = cc->priv;
	snprintf(buf, len, "%s %s %s, D-channel %s", bri_modes[bc->mode],
		 card_isdn_switchtypes[bc->switchtype], card_isdn_sides[bc->side], bc->dchannel);
}

static int bri_open(const struct sb_card *card)
{
	const struct bri_conf *bc = card->conf->priv;
	struct isdn_span_conf sc = {
		.slot = card->slot,
		.name = card->name,
		.bri = true,
		.ptmp = bc->mode == 0,
		.net = bc->side == 0,
		.switchtype = bc->switchtype,
		.dchannel = bc->dchannel,
		.overlap = bc->overlap,
		.digit_timeout_ms = bc->digit_timeout_ms,
	};
	return isdn_span_open(&sc);
}

const struct sb_card_type card_bri = {
	.name = "bri",
	.conf = &bri_section,
	.dial_out = true,
	.nchannels = bri_nchannels,
	.describe = bri_describe,
	.open = bri_open,
	.close = card_isdn_close,
	.originate = card_isdn_originate,
};
