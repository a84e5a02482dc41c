/* fuzz_cdr.c: fuzz target for the stored form of call records (a damaged store must not crash
 * a reader), and for the times admins type after --since/--until. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cdr_record rec;
	uint8_t again[CDR_ENCODED_MAX];
	char text[64];
	int64_t t;

	/* what decodes must encode back to the same bytes: one form per record (of the version
	 * written now; an older one must decode to what re-decodes the same) */
	if (cdr_decode(data, size, &rec) == 0) {
		size_t n = cdr_encode(&rec, again);
		struct cdr_record back;
		if (data[0] == again[0] && (n != size || memcmp(again, data, n) != 0))
			abort();
		if (cdr_decode(again, n, &back) != 0 || memcmp(&back, &rec, sizeof rec) != 0)
			abort();
		FILE *null = fopen("/dev/null", "w");
		if (null) {
			cdr_csv_row(null, &rec);
			fclose(null);
		}
	}
	if (size < sizeof text) {
		memcpy(text, data, size);
		text[size] = '\0';
		(void)cdr_parse_time(text, 1795824000LL * 1000000, &t);
	}
	return 0;
}
