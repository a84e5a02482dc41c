/* cards.h: what the card types share among themselves (not part of the core API). */
#ifndef SB_CARDS_H
#define SB_CARDS_H

#include "symbridge.h"

extern const struct sb_card_type card_sym_bridge;
extern const struct sb_card_type card_pri;
extern const struct sb_card_type card_bri;
extern const struct sb_card_type card_link;

/* link.c: the peer of a link card (for the sip module); -1 when cc is not a link card */
int card_link_peer(const struct sb_card_conf *cc, const char **peer, const char **transport,
		   const char **protocol);

/* isdn.c: settings PRI and BRI cards have in common */
extern const char *const card_isdn_switchtypes[];
extern const char *const card_isdn_sides[];
void card_isdn_check_dchannel(struct sb_conf_ctx *cx, const struct sb_conf_src *src,
			      const char *path, const void *field);

/* The key-table rows of those settings, for a struct with switchtype, side and dchannel. */
#define CARD_ISDN_KEYS(st)                                                                     \
	{ .name = "switchtype", .type = SB_CT_ENUM, .offset = offsetof(st, switchtype),        \
	  .def = "\"euroisdn\"", .choices = card_isdn_switchtypes, .help = "Q.931 dialect" },     \
	{ .name = "side", .type = SB_CT_ENUM, .offset = offsetof(st, side),                    \
	  .choices = card_isdn_sides,                                                            \
	  .help = "net (we are the network) or cpe (the user side)" },                           \
	{ .name = "dchannel", .type = SB_CT_STRING, .offset = offsetof(st, dchannel),          \
	  .check = card_isdn_check_dchannel,                                                     \
	  .help = "D-channel source: \"dahdi:SPAN\" or \"socket:/path\"" }

#endif
