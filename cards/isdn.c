/* isdn.c: what PRI and BRI cards share: switch type, side, D-channel source, and the runtime hooks. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cards.h"
#include "isdn.h"

/* libpri's switch types, by the names chan_dahdi made familiar to admins */
const char *const card_isdn_switchtypes[] = {
	"euroisdn", "ni1", "ni2", "national", "dms100", "lucent5e", "att4ess", "qsig", NULL,
};

const char *const card_isdn_sides[] = { "net", "cpe", NULL };

/* "dahdi:SPAN" (1..255) in production, "socket:/absolute/path" for tests and remote D-channels */
void card_isdn_check_dchannel(struct sb_conf_ctx *cx, const struct sb_conf_src *src,
			      const char *path, const void *field)
{
	const char *v = *(char *const *)field;

	if (strncmp(v, "dahdi:", 6) == 0) {
		char *end;
		long span = strtol(v + 6, &end, 10);
		if (end != v + 6 && !*end && span >= 1 && span <= 255)
			return;
	} else if (strncmp(v, "socket:", 7) == 0) {
		if (v[7] == '/' && strlen(v + 7) < 108)
			return;
	}
	sb_conf_error(cx, src, path,
		      "\"%s\" is not a D-channel source (allowed: \"dahdi:SPAN\" with SPAN 1..255, "
		      "\"socket:/absolute/path\")",
		      v);
}

/* The hooks pri and bri share: the span is the isdn module's (modules/isdn). */
void card_isdn_close(int slot)
{
	isdn_span_close(slot);
}

int card_isdn_originate(const struct sb_card *card, const char *number, struct sb_call *call,
			struct sb_leg **legp)
{
	return isdn_originate(card, number, call, legp);
}
