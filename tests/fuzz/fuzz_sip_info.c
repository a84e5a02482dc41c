/* fuzz_sip_info.c: fuzz target for the body of a SIP INFO (a digit from a peer, sip_dtmf.c):
 * the input's first line is the Content-Type, the rest the body. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip_call.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char ctype[128];
	const uint8_t *nl = memchr(data, '\n', size);
	size_t clen = nl ? (size_t)(nl - data) : size;
	char digit = 0;

	if (clen >= sizeof ctype)
		return 0;
	memcpy(ctype, data, clen);
	ctype[clen] = '\0';
	if (strlen(ctype) != clen)
		return 0; /* a NUL in a header: sofia-sip would not hand it over */
	const char *body = nl ? (const char *)nl + 1 : "";
	size_t blen = nl ? size - clen - 1 : 0;
	if (sip_dtmf_parse(ctype, body, blen, &digit) == 0 && !strchr("0123456789*#ABCD", digit))
		abort(); /* a digit no leg could play */
	return 0;
}
