/* module_table.c: the list of compiled-in modules, in start order (kept alone so tests can swap it). */
#include "config.h"

#include "symbridge.h"

/* Each module's export, declared here rather than through its header: the core includes no
 * module header (tests/layering.sh checks it), as nginx's generated ngx_modules.c does. */
extern const struct sb_module lic_module, cdr_module, media_module, isdn_module, crl_module, sip_module,
	mgmt_module, events_module, metrics_module;

/* Adding a module: its folder under modules/, its local.mk included from Makefile.am, a row here. */
const struct sb_module *const sb_modules[] = {
	&lic_module,
	&cdr_module,
	&media_module,
	&isdn_module,
	&crl_module, /* before sip and mgmt: their handshakes ask it */
	&sip_module,
	&mgmt_module,
	&events_module,
	&metrics_module, /* last: it reads what the others count */
	NULL,
};
