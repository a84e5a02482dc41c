/* lic_user.c: the rule engine's per-user rules (rule 6): what a user's feature needs first,
 * what its UC covers, and what may not be taken back while something needs it. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lic_node.h"

#define SAME(a, b) (strcmp((a), (b)) == 0)

bool lic__holds(const struct lic_node *n, const struct lic_owner *o, enum lic_kind k)
{
	const struct lic_alloc *a =
		lic__alloc_find(n, k, o->type, o->id, lic__owner_hash(k, o->type, o->id));
	return a && a->nholders > 0;
}

/* Rule 6 prerequisites and inclusions for a user's feature. Returns a refusal reason, or sets
 * *included when the user's UC already covers it. */
const char *lic__user_feature(const struct lic_node *n, const struct lic_owner *o, enum lic_kind k,
			      bool *included, char *detail, size_t dlen)
{
	bool uc = lic__holds(n, o, LIC_UC);

	*included = false;
	switch (k) {
	case LIC_APP_SOFTPHONE:
	case LIC_VIDEO:
	case LIC_APPSHARING:
	case LIC_RCC:
		if (!uc && !lic__holds(n, o, LIC_APP_PHONE)) {
			lic__say(detail, dlen,
				 "%s for %s needs the Phone App (or UC) assigned first",
				 lic_kind_info(k)->name, o->id);
			return LIC_R_REQUIRES_PHONE_APP;
		}
		break;
	default: break;
	}
	switch (k) {
	case LIC_APP_PHONE:
	case LIC_APP_SOFTPHONE:
	case LIC_APPSHARING:
	case LIC_VIDEO:
	case LIC_VOICEMAIL:
	case LIC_MOBILITY:
	case LIC_FAX: *included = uc; break;
	case LIC_RCC:
		*included = true; /* no license of its own */
		break;
	default: break;
	}
	return NULL;
}

/* Rule 6 the other way round: a user's UC cannot go while apps it covers stay assigned, nor
 * the Phone App (without UC) while what needs it stays. */
const char *lic__still_needed(const struct lic_node *n, const struct lic_owner *o, enum lic_kind k,
			      char *detail, size_t dlen)
{
	static const enum lic_kind needs_phone[] = { LIC_APP_SOFTPHONE, LIC_VIDEO, LIC_APPSHARING,
						     LIC_RCC };
	static const enum lic_kind in_uc[] = { LIC_APP_PHONE, LIC_APP_SOFTPHONE, LIC_APPSHARING,
					       LIC_VIDEO,     LIC_VOICEMAIL,     LIC_MOBILITY,
					       LIC_FAX };
	bool uc = k != LIC_UC && lic__holds(n, o, LIC_UC);
	bool phone = k != LIC_APP_PHONE && lic__holds(n, o, LIC_APP_PHONE);

	if (k == LIC_UC)
		for (size_t i = 0; i < sizeof in_uc / sizeof in_uc[0]; i++) {
			const struct lic_alloc *a =
				lic__alloc_find(n, in_uc[i], o->type, o->id,
						lic__owner_hash(in_uc[i], o->type, o->id));
			if (a && a->included) {
				lic__say(detail, dlen,
					 "%s of %s is covered by the UC: unassign it first",
					 lic_kind_info(in_uc[i])->name, o->id);
				return LIC_R_UC_IN_USE;
			}
		}
	if ((k == LIC_UC || k == LIC_APP_PHONE) && !uc && !phone)
		for (size_t i = 0; i < sizeof needs_phone / sizeof needs_phone[0]; i++)
			if (lic__holds(n, o, needs_phone[i])) {
				lic__say(detail, dlen,
					 "%s of %s needs the Phone App (or UC): unassign it "
					 "first",
					 lic_kind_info(needs_phone[i])->name, o->id);
				return k == LIC_UC ? LIC_R_UC_IN_USE : LIC_R_PHONE_APP_IN_USE;
			}
	return NULL;
}
