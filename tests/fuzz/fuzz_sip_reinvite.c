/* fuzz_sip_reinvite.c: fuzz target for the SDP of a re-INVITE or UPDATE on an answered leg
 * (sip_dialog.c's path): direction, o= version and hold address (sip_sdp_dir.c), the answer
 * built on our port (sip_sdp_answer), our SDP with the mirrored direction, and the same body
 * read as the answer to our own offer (sip_sdp_answered). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip_sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static struct media_sdp_media offer;
	struct media_sdp_media answer;
	struct media_leg_conf lc;
	char why[256], body[4096];
	const char *sdp = (const char *)data;

	if (!ready) {
		if (media_srtp_init() < 0 || sip_sdp_offer(true, MEDIA_CODEC_COUNT, "127.0.0.1", 30000, &offer) < 0)
			abort();
		ready = true;
	}
	enum sip_dir d = sip_sdp_dir(sdp, size);
	if (d > SIP_DIR_INACTIVE || !sip_sdp_dir_name(d))
		abort();
	(void)sip_sdp_version(sdp, size);
	(void)sip_sdp_null_addr(sdp, size);
	for (int cloud = 0; cloud < 2; cloud++) {
		memset(&answer, 0, sizeof answer);
		if (sip_sdp_answer(sdp, size, cloud, "127.0.0.1", 30000, &lc, &answer, why,
				   sizeof why) == 0 &&
		    sip_sdp_body_dir(&answer, 42, 7, sip_sdp_dir_answer(d), body, sizeof body) < 0)
			abort(); /* an answer we made must fit in a body */
	}
	(void)sip_sdp_answered(&offer, sdp, size, &lc, why, sizeof why);
	return 0;
}
