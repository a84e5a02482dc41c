/* fuzz_rtp_rx.c: fuzz target for what a media leg receives from the network: SRTP and SRTCP
 * checked with the peer's key (our OpenSSL kernels under libsrtp2), a protect/unprotect round
 * trip that must give the bytes back, and RTCP compound packets (SR/RR report blocks). The first
 * byte picks RTP or RTCP. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media.h"
#include "media_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static struct media_srtp_key key;
	static struct media_leg_rt *leg;
	uint8_t pkt[MEDIA_BUF + MEDIA_SRTP_OVERHEAD], orig[MEDIA_BUF];
	struct media_srtp *in = NULL, *out = NULL;
	size_t len;

	if (!ready) {
		if (media_srtp_init() < 0 ||
		    media_srtp_key_new(&key, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80) < 0 ||
		    !(leg = calloc(1, sizeof *leg)))
			abort();
		leg->tx_ssrc = 0x12345678;
		ready = true;
	}
	if (size < 1 || size - 1 > MEDIA_BUF)
		return 0;
	bool rtcp = data[0] & 1;
	len = size - 1;
	memcpy(pkt, data + 1, len);
	memcpy(orig, data + 1, len);

	if (rtcp)
		media__rtcp_in(leg, pkt, len);
	/* whatever arrives is checked with the peer's key: a forgery must be refused */
	if (media_srtp_alloc(&in, &key, false) < 0)
		abort();
	(void)media_srtp_unprotect(in, pkt, &len, rtcp);
	media_srtp_free(in);

	/* a well-formed header protected with the key comes back unchanged */
	len = size - 1;
	if (len >= (rtcp ? 8u : 12u) && (orig[0] >> 6) == 2) {
		memcpy(pkt, orig, len);
		if (media_srtp_alloc(&out, &key, true) < 0 || media_srtp_alloc(&in, &key, false) < 0)
			abort();
		if (media_srtp_protect(out, pkt, &len, sizeof pkt, rtcp) == 0) {
			if (media_srtp_unprotect(in, pkt, &len, rtcp) != 0 || len != size - 1 ||
			    memcmp(pkt, orig, len) != 0)
				abort();
		}
		media_srtp_free(out);
		media_srtp_free(in);
	}
	return 0;
}
