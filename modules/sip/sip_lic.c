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
 * requires). The card normally holds it since the configuration was loaded; asking again takes
 * it now if licenses were installed since. 0, or -1 with the reason. */
int sip_lic_card(int slot, char *why, size_t len)
{
	struct lic_node *node = lic_daemon_node();
	char id[16];
	struct lic_decision d;

	if (!node)
		return 0;
	snprintf(id, sizeof id, "%d", slot);
	struct lic_owner o = { LIC_OWN_CARD, id, NULL };
	if (lic_acquire(node, &o, LIC_SYM_BRIDGE, 0, &d) < 0 || !d.ok) {
		snprintf(why, len, "%s%s%s", d.reason ? d.reason : "error", d.detail[0] ? ": " : "",
			 d.detail);
		return -1;
	}
	return 0;
}
