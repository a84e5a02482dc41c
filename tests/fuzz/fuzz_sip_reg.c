/* fuzz_sip_reg.c: fuzz target for what faces the network in the sip module: any bytes parsed as a
 * SIP message by sofia-sip, then judged by the local registrar (credentials, contacts, expiry).
 * Built by make fuzz (SB_FUZZING), the digest code takes any nonce and response of a known user
 * (d1, d2), so the binding code behind it is fuzzed; the REGISTER is judged at a time that moves
 * on, so bindings expire, and they are listed after each request. */
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

	static uint64_t now = 1000000;

	if (!ready) {
		sample_setup();
#ifdef SB_FUZZING
		sip_digest_fuzz_accept(true);
#endif
		ready = true;
	}
	if (!(msg = sample_parse((const char *)data, size)))
		return 0;
	sip_t *req = sip_object(msg);
	if (req->sip_request && req->sip_request->rq_method == sip_method_register) {
		size_t n;
		const struct sip_binding *b;

		now += 7000; /* 7 s a request: bindings of a short expiry go */
		sip_reg_handle(req, "127.0.0.1:5060", now, &a);
		if (a.status < 200 || a.status > 699 || !a.phrase)
			abort();
		b = sip_reg_bindings(now, &n);
		for (size_t i = 0; i < n; i++) /* every binding is a station's, and alive */
			if ((strcmp(b[i].user, "d1") != 0 && strcmp(b[i].user, "d2") != 0) ||
			    b[i].expires_at <= now || b[i].granted > 3600)
				abort();
	}
	msg_destroy(msg);
	return 0;
}
