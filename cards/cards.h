/* cards.h: what the card types share among themselves (not part of the core API). */
#ifndef SB_CARDS_H
#define SB_CARDS_H

#include "symbridge.h"

extern const struct sb_card_type card_sym_bridge;
extern const struct sb_card_type card_pri;
extern const struct sb_card_type card_bri;
extern const struct sb_card_type card_link;

/* link.c: the peer of a link card (for the sip module); -1 when cc is not a link card */
int card_link_peer(const struct sb_card_conf *cc, const char **peer, const char **transport);
/* link.c: how digits go toward a link card's peer (the card's dtmf setting) */
enum card_link_dtmf { CARD_LINK_DTMF_RFC4733, CARD_LINK_DTMF_INFO, CARD_LINK_DTMF_INBAND };
int card_link_dtmf(const struct sb_card_conf *cc); /* -1 when cc is not a link card */

/* the sip module: a call placed on a link card goes to its peer */
int card_link_originate(const struct sb_card *card, const char *number, struct sb_call *call,
			struct sb_leg **legp);

/* isdn.c: settings PRI and BRI cards have in common */
extern const char *const card_isdn_switchtypes[];
extern const char *const card_isdn_sides[];
void card_isdn_check_dchannel(struct sb_conf_ctx *cx, const struct sb_conf_src *src,
			      const char *path, const void *field);

/* isdn.c: the runtime hooks of pri and bri cards (they drive the isdn module's spans) */
void card_isdn_close(int slot);
int card_isdn_originate(const struct sb_card *card, const char *number, struct sb_call *call,
			struct sb_leg **legp);

/* The key-table rows of those settings, for a struct with switchtype, side, dchannel, overlap
 * and digit_timeout_ms. */
/* clang-format off */
#define CARD_ISDN_KEYS(st)                                                                     \
	{ .name = "switchtype", .type = SB_CT_ENUM, .offset = offsetof(st, switchtype),        \
	  .def = "\"euroisdn\"", .choices = card_isdn_switchtypes, .help = "Q.931 dialect" },     \
	{ .name = "side", .type = SB_CT_ENUM, .offset = offsetof(st, side),                    \
	  .choices = card_isdn_sides,                                                            \
	  .help = "net (we are the network) or cpe (the user side)" },                           \
	{ .name = "dchannel", .type = SB_CT_STRING, .offset = offsetof(st, dchannel),          \
	  .check = card_isdn_check_dchannel,                                                     \
	  .help = "D-channel source: \"dahdi:SPAN\" or \"socket:/path\"" },                     \
	{ .name = "overlap", .type = SB_CT_BOOL, .offset = offsetof(st, overlap),              \
	  .def = "false",                                                                        \
	  .help = "overlap receiving: the called number may come digit by digit" },             \
	{ .name = "digit_timeout_ms", .type = SB_CT_INT, .offset = offsetof(st, digit_timeout_ms), \
	  .def = "5000", .min = 500, .max = 60000,                                               \
	  .help = "overlap receiving: route what was dialled after this long without a digit" }
/* clang-format on */

#endif
