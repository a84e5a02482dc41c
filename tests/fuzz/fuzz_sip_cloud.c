/* fuzz_sip_cloud.c: fuzz target for what the cloud link reads from the cloud's replies: any bytes
 * parsed by sofia-sip as a response to our REGISTER, and the expiry it grants each identity
 * (Contact expires parameters, Expires), which must stay within what was asked. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/sip_sample.h"
#include "sip_cloud.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const users[] = { "100", "201", "door", "" };
	static const unsigned asked[] = { 3600, 60, 1 };
	static bool ready;
	msg_t *msg;

	if (!ready) {
		sample_setup();
		ready = true;
	}
	if (!(msg = sample_parse((const char *)data, size)))
		return 0;
	sip_t *r = sip_object(msg);
	if (r->sip_status) {
		for (size_t u = 0; u < sizeof users / sizeof users[0]; u++)
			for (size_t k = 0; k < sizeof asked / sizeof asked[0]; k++) {
				unsigned g = sip_cloud_granted(r, users[u], asked[k]);
				if (g < 1 || g > asked[k])
					abort(); /* a refresh timer out of bounds */
			}
	}
	msg_destroy(msg);
	return 0;
}
