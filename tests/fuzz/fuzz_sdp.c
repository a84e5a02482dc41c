/* fuzz_sdp.c: fuzz target for the SDP media parser (offers and answers from the network). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum media_srtp_suite suites[] = { MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80,
							MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32 };
	static const enum media_codec codecs[] = { MEDIA_OPUS, MEDIA_G722, MEDIA_PCMA, MEDIA_PCMU };
	struct media_sdp_media m;
	struct media_sdp_codec c;
	struct media_sdp_crypto cr;
	char err[256], out[2048];
	/* an exact-size copy, so reading past the end is caught by ASan */
	char *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (media_sdp_parse(buf, size, &m) == 0) {
		media_sdp_pick_codec(&m, codecs, 4, &c);
		media_sdp_pick_crypto(&m, suites, 2, &cr, err, sizeof err);
		/* what was parsed can be written again */
		if (m.port)
			media_sdp_write(&m, out, sizeof out);
	}
	free(buf);
	return 0;
}
