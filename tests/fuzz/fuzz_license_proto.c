/* fuzz_license_proto.c: fuzz target for the license master protocol's messages (what a slave or
 * a master reads from the network), with a round trip as the oracle: whatever parses formats
 * to a line that parses again and formats to the same line. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lic_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lic_msg m, m2;
	char why[256], *a, *b;
	size_t alen, blen;

	if (lic_msg_parse((const char *)data, size, &m, why, sizeof why) < 0) {
		if (!why[0])
			abort(); /* every refusal says why */
		return 0;
	}
	if (lic_msg_format(&m, &a, &alen) < 0)
		abort();
	if (lic_msg_parse(a, alen - 1, &m2, why, sizeof why) < 0 ||
	    lic_msg_format(&m2, &b, &blen) < 0 || blen != alen || memcmp(a, b, alen) != 0)
		abort();
	free(a);
	free(b);
	lic_msg_clear(&m);
	lic_msg_clear(&m2);
	return 0;
}
