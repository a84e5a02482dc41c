/* fuzz_sip_reg.c: fuzz target for what faces the network in the sip module: any bytes parsed as a
 * SIP message by sofia-sip, then judged by the local registrar (credentials, contacts, expiry). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/sip_sample.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct sip_reg_answer a;
	msg_t *msg;

	if (!ready) {
		sample_setup();
		ready = true;
	}
	if (!(msg = sample_parse((const char *)data, size)))
		return 0;
	sip_t *req = sip_object(msg);
	if (req->sip_request && req->sip_request->rq_method == sip_method_register) {
		sip_reg_handle(req, "127.0.0.1:5060", 1000000, &a);
		if (a.status < 200 || a.status > 699 || !a.phrase)
			abort();
	}
	msg_destroy(msg);
	return 0;
}
