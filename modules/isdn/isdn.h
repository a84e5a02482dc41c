/* isdn.h: ISDN spans on libpri (PRI E1/T1, BRI): the isdn module's only public face. */
#ifndef SB_ISDN_H
#define SB_ISDN_H

#include <stdbool.h>

#include "symbridge.h"

/* What a pri or bri card tells the module about its span (copied: the card's settings may go
 * away with a reload while the span keeps running). */
struct isdn_span_conf {
	int slot;
	const char *name;
	bool bri;             /* false: PRI */
	bool t1;              /* PRI: T1 framing (23 B-channels, mu-law); false: E1 (30, A-law) */
	bool ptmp;            /* BRI: point-to-multipoint */
	bool net;             /* we are the network side; false: CPE (user side) */
	int switchtype;       /* index into card_isdn_switchtypes */
	const char *dchannel; /* "dahdi:SPAN" or "socket:/path" */
	bool overlap;         /* overlap receiving: collect the called number digit by digit */
	int digit_timeout_ms;
	bool service; /* PRI: standby blocks the B-channels with SERVICE messages */
};

/* The card types' runtime hooks (struct sb_card_type open/close/originate) for pri and bri. */
int isdn_span_open(const struct isdn_span_conf *sc);
void isdn_span_close(int slot);
int isdn_originate(const struct sb_card *card, const char *number, struct sb_call *call,
		   struct sb_leg **legp);


extern const struct sb_module isdn_module;

#endif
