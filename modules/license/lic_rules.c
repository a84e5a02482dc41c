/* lic_rules.c: the license rule engine: pure C, no store, no loop; license.c glues it in. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "lic_rules.h"

void lic_node_free(struct lic_node *n)
{
	free(n);
}
