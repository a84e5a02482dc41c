/* sip_cli.c: the sip module's commands: show registrations, show links, show cloud. */
#include "config.h"

#define SB_MODULE "sip"
#include "sip_priv.h"

const struct sb_ctl_cmd sip_cli_cmds[] = {
	{ .pattern = NULL },
};
