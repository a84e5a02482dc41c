/* license.h: the license module's public face: the module export and the rule engine API. */
#ifndef SB_LICENSE_H
#define SB_LICENSE_H

#include "lic_rules.h"

struct sb_module;
extern const struct sb_module lic_module;

/* the daemon's own node, for later modules (users, trunks, cards, sessions); NULL before init */
struct lic_node *lic_daemon_node(void);

#endif
