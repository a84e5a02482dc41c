/* cards.h: what the card types share among themselves (not part of the core API). */
#ifndef SB_CARDS_H
#define SB_CARDS_H

#include "symbridge.h"

extern const struct sb_card_type card_sym_bridge;
extern const struct sb_card_type card_pri;
extern const struct sb_card_type card_bri;
extern const struct sb_card_type card_link;

/* isdn.c: settings PRI and BRI cards have in common */
extern const char *const card_isdn_switchtypes[];
extern const char *const card_isdn_sides[];
void card_isdn_check_dchannel(struct sb_conf_ctx *cx, const struct sb_conf_src *src,
			      const char *path, const void *field);

#endif
