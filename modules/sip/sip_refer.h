/* sip_refer.h: call transfer by REFER: the Refer-To parser (pure) and the REFER events. */
#ifndef SB_SIP_REFER_H
#define SB_SIP_REFER_H

#include <stdbool.h>

#include "symbridge.h"

/* What a Refer-To asks for: a number the routing rings, and for an attended transfer the dialog
 * its Replaces header names (RFC 3891). */
struct sip_refer {
	char number[SB_NUMBER_MAX + 1];
	bool replaces;
	char call_id[256];
	char to_tag[128], from_tag[128];
};

/* Parse a Refer-To URI's user part and its headers part (what follows '?', still %-escaped):
 * 0, or -EINVAL when the user is not a number or Replaces is malformed. */
int sip_refer_parse(const char *user, const char *headers, struct sip_refer *r);

#endif
