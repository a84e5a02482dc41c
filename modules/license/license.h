/* license.h: the license module's public face: the module export and the rule engine API. */
#ifndef SB_LICENSE_H
#define SB_LICENSE_H

#include "lic_rules.h"

struct sb_module;
extern const struct sb_module lic_module;

/* the daemon's own node, for later modules (users, trunks, cards, sessions); NULL before init */
struct lic_node *lic_daemon_node(void);

/* The moment of use, for the modules that carry calls: may this owner use its license of kind k
 * now (lic_use)? 0, or -EACCES with the call record's reason ("license-" and the engine's reason
 * word, e.g. "license-not-installed") in rec and "REASON: sentence" in why. With no license
 * module running (unit tests, fuzzing) everything may be used. */
int lic_use_now(enum lic_owner_type t, const char *id, const char *holder, enum lic_kind k,
		char *rec, size_t rlen, char *why, size_t wlen);

#endif
