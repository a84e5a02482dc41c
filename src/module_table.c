/* module_table.c: the list of compiled-in modules, in start order (kept alone so tests can swap it). */
#include "config.h"

#include "symbridge.h"

#include "cdr.h"
#include "isdn.h"
#include "license.h"
#include "media.h"
#include "sip.h"

/* Adding a module: its folder under modules/, its local.mk included from Makefile.am, a row here. */
const struct sb_module *const sb_modules[] = {
	&lic_module,
	&cdr_module,
	&media_module,
	&isdn_module,
	&sip_module,
	NULL,
};
