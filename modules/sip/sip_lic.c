/* sip_lic.c: the one place the sip module asks the license module for Ports: one per registered
 * station (its contacts are the holders) and one per link card while its peer answers. */
#include "config.h"

#include <stdio.h>

#define SB_MODULE "sip"
#include "license.h"
#include "sip_priv.h"

int sip_lic_take(bool trunk, const char *id, const char *holder, char *why, size_t len)
{
	struct lic_node *node = lic_daemon_node();
	struct lic_owner o = { trunk ? LIC_OWN_TRUNK : LIC_OWN_USER, id, holder };
	struct lic_decision d;

	if (!node) /* no license module running (unit tests, fuzzing): nothing to count */
		return 0;
	if (lic_acquire(node, &o, LIC_PORT, 0, &d) < 0 || !d.ok) {
		snprintf(why, len, "no PBX-Port license (%s%s%s)", d.reason ? d.reason : "error",
			 d.detail[0] ? ": " : "", d.detail);
		return -1;
	}
	return 0;
}

void sip_lic_give(bool trunk, const char *id, const char *holder)
{
	struct lic_node *node = lic_daemon_node();
	struct lic_owner o = { trunk ? LIC_OWN_TRUNK : LIC_OWN_USER, id, holder };
	struct lic_decision d;

	if (node)
		lic_release(node, &o, LIC_PORT, &d);
}

/* A call over a sym-bridge card needs the card's own license (L-SYM-BRIDGE, with what it
 * requires), checked at the moment of use: the card holds it since the configuration was loaded
 * (or takes it now if licenses were installed since), and a file removed or expired since stops
 * new calls at once. 0, or -1 with the record's reason in rec and "REASON: sentence" in why. */
int sip_lic_card(int slot, char *rec, size_t rlen, char *why, size_t len)
{
	char id[16];

	snprintf(id, sizeof id, "%d", slot);
	return lic_use_now(LIC_OWN_CARD, id, NULL, LIC_SYM_BRIDGE, rec, rlen, why, len) < 0 ? -1
											    : 0;
}

/* A call from or to a link or a station uses its Port: held since the link came up or the
 * station registered; a file removed or expired since stops new calls at once. 0, or -1 as
 * sip_lic_card. */
int sip_lic_use(bool trunk, const char *id, char *rec, size_t rlen, char *why, size_t len)
{
	return lic_use_now(trunk ? LIC_OWN_TRUNK : LIC_OWN_USER, id, NULL, LIC_PORT, rec, rlen, why,
			   len) < 0
		       ? -1
		       : 0;
}
