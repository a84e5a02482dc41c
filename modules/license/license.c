/* license.c: the license module: config section, CLI commands, and the glue between the rule
 * engine, the license files and the store. */
#include "config.h"

#define SB_MODULE "license"
#include "symbridge.h"

#include "license.h"

static struct lic_node *node;

struct lic_node *lic_daemon_node(void)
{
	return node;
}

static int lic_init(const struct sb_conf *conf)
{
	return 0;
}

static void lic_close(void)
{
	lic_node_free(node);
	node = NULL;
}

const struct sb_module lic_module = {
	.name = "license",
	.init = lic_init,
	.close = lic_close,
};
