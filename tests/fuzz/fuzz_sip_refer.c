/* fuzz_sip_refer.c: fuzz target for the Refer-To parser of call transfer: the input is the URI's
 * user part, a newline, then its (still %-escaped) headers part, both straight from the network. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip_refer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sip_refer r;
	char *buf = malloc(size + 1), *nl;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if ((nl = strchr(buf, '\n')))
		*nl++ = '\0';
	if (sip_refer_parse(buf, nl, &r) == 0) {
		/* what comes out is terminated and fits its fields */
		if (strlen(r.number) > SB_NUMBER_MAX || !r.number[0])
			abort();
		if (r.replaces && (!r.call_id[0] || !r.to_tag[0] || !r.from_tag[0]))
			abort();
	}
	free(buf);
	return 0;
}
