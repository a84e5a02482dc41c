/* isdn_license.c: the isdn module's licenses, through the license engine: a Port per span
 * (trunk) while it is configured, and a Relay-Channels per B-channel while a call holds it. The
 * Relay-PRIs/Relay-BRIs of the interface itself follow the configured cards in the license
 * module; every call checks them, and the Port, at the moment it uses the span. */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#define SB_MODULE "isdn"
#include "isdn_int.h"
#include "license.h"

static int lic_do(bool take, enum lic_owner_type type, const char *id, enum lic_kind k,
		  struct lic_decision *d)
{
	struct lic_node *n = lic_daemon_node();
	struct lic_owner o = { .type = type, .id = id };

	if (!n) { /* no license engine running (unit tests): nothing to count */
		d->ok = true;
		return 0;
	}
	return take ? lic_acquire(n, &o, k, 0, d) : lic_release(n, &o, k, d);
}

/* A span's Port: taken when it starts, given back when it goes. A refusal is reported (as the
 * license module does for cards) and the span runs on. */
void isdn_license_trunk(struct isdn_span *s, bool take)
{
	struct lic_decision d = { .ok = false };
	char id[24];

	snprintf(id, sizeof id, "isdn:%d", s->slot);
	if (lic_do(take, LIC_OWN_TRUNK, id, LIC_PORT, &d) == 0 && take && !d.ok)
		log_notice("span %d (%s): no Port license for the trunk: %s: %s", s->slot, s->name,
			   d.reason, d.detail);
}

/* A call on the span, at the moment it uses it: the interface's Relay-PRIs/Relay-BRIs (held by
 * the card since the configuration was loaded, or taken now) and the trunk's Port must be
 * usable now: a license file removed or expired since stops new calls at once. 0, or -EACCES
 * with the record's reason in rec and the sentence in why. */
int isdn_license_call(struct isdn_span *s, char *rec, size_t rlen, char *why, size_t wlen)
{
	char id[24];
	int rc;

	enum lic_kind k = s->conf.bri ? LIC_RELAY_BRIS : LIC_RELAY_PRIS;
	char what[200];

	snprintf(id, sizeof id, "%d", s->slot);
	if ((rc = lic_use_now(LIC_OWN_CARD, id, NULL, k, rec, rlen, what, sizeof what)) == 0) {
		k = LIC_PORT;
		snprintf(id, sizeof id, "isdn:%d", s->slot);
		rc = lic_use_now(LIC_OWN_TRUNK, id, NULL, k, rec, rlen, what, sizeof what);
	}
	if (rc < 0)
		snprintf(why, wlen, "card %d (%s) has no %s license: %s", s->slot, s->name,
			 lic_kind_info(k)->name, what);
	return rc;
}

/* A B-channel in use takes a Relay-Channels license: -EACCES when there is none (the call is
 * refused with a cause), with the record's reason in rec and the sentence in why. */
int isdn_license_channel(struct isdn_span *s, unsigned index, bool take, char *rec, size_t rlen,
			 char *why, size_t len)
{
	struct lic_decision d = { .ok = false };
	char id[24];
	int rc;

	snprintf(id, sizeof id, "%d/%u", s->slot, index);
	rc = lic_do(take, LIC_OWN_BCHANNEL, id, LIC_RELAY_CHANNELS, &d);
	if (rc < 0) {
		snprintf(rec, rlen, "license-error");
		snprintf(why, len, "license engine error: %d", rc);
		return rc;
	}
	if (take && !d.ok) {
		snprintf(rec, rlen, "license-%s", d.reason);
		snprintf(why, len, "Relay-Channels %s: %s", d.reason, d.detail);
		return -EACCES;
	}
	return 0;
}
