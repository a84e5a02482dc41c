/* fuzz_license.c: fuzz target for the license file parser and verifier (a file a customer
 * installs), with the canonical form as an oracle: whatever parses must print back to itself. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lic_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the public half of the key the corpus was signed with */
#define CORPUS_KEY "h+W2jymkm3wo749DsE8M86eP39j/1TvHIOrDeNcdSP4="

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void *pub;
	static struct lic_file f;
	const char *buf = (const char *)data, *reason;
	char why[256], *canon;
	size_t clen;

	if (!pub && lic_key_public_from_base64(CORPUS_KEY, &pub) < 0)
		abort();
	for (int need_sig = 0; need_sig < 2; need_sig++) {
		if (lic_file_parse(buf, size, need_sig, &f, why, sizeof why) < 0) {
			if (!strstr(why, "line ") && !strstr(why, "bytes"))
				abort(); /* every refusal names its line */
			continue;
		}
		if (lic_file_format(&f, &canon, &clen) < 0)
			abort();
		/* strict parsing: the signed part is exactly its canonical form */
		if (clen != f.signed_len || memcmp(canon, buf, clen) != 0)
			abort();
		free(canon);
		lic_file_verify(&f, buf, pub, "c0ffee00112233445566778899aabbcc", 1764504000,
				&reason, why, sizeof why);
	}
	return 0;
}
