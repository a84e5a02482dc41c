/* cdr_cli.h: what the cdr module's files share inside the module (not a public header). */
#ifndef SB_CDR_CLI_H
#define SB_CDR_CLI_H

#include <stdint.h>

#include "symbridge.h"

extern const struct sb_ctl_cmd cdr_cli_cmds[];
int64_t cdr_now_us(void);
int cdr_retention_days(void);

#endif
