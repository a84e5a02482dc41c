/* mgmt.h: the cloud management module's public face: its export (src/module_table.c). */
#ifndef MGMT_H
#define MGMT_H

#include "symbridge.h"

extern const struct sb_module mgmt_module;

#endif
