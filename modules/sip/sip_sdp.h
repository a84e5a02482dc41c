/* sip_sdp.h: offer/answer of SIP calls with the media engine (sip_sdp.c; pure, unit-tested). */
#ifndef SB_SIP_SDP_H
#define SB_SIP_SDP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "media.h"

/* The whole SDP body (v=, o=, s=, t= and the media lines) for m; returns its length. */
int sip_sdp_body(const struct media_sdp_media *m, uint64_t version, char *buf, size_t len);
/* Our offer from addr:port: toward the cloud RTP/SAVP with AES_CM_128_HMAC_SHA1_80 and _32 (a
 * fresh key each), the codecs of cloud.codecs in its order; toward local parties plain RTP,
 * every codec by bandwidth. Codec first (the other leg's; MEDIA_CODEC_COUNT: none) goes first
 * where this side may have it, so that pass-through wins. Both with telephone-event at the
 * clock of each codec listed (8000, and 48000 with Opus). */
int sip_sdp_offer(bool cloud, enum media_codec first, const char *addr, uint16_t port,
		  struct media_sdp_media *offer);
/* the codecs offered to the cloud, in order (cloud.codecs); default G.722, A-law */
void sip_sdp_cloud_codecs(const enum media_codec *cs, size_t n);
/* Answer an offer: the best common codec, its telephone-event, SRTP when offered (required from
 * the cloud: -EPROTO without); lc is what the session leg runs with. Errors say why. */
int sip_sdp_answer(const char *sdp, size_t len, bool cloud, const char *addr, uint16_t port,
		   struct media_leg_conf *lc, struct media_sdp_media *answer, char *why, size_t wl);
/* The codec to list first toward a b leg while the a leg's answer is not sent yet: toward the
 * cloud the first of cloud.codecs that the a leg's offer lists (then the cloud's answer can be
 * passed through), else current (the a leg's codec so far). */
enum media_codec sip_sdp_first(const struct media_sdp_media *a_offer, bool cloud,
			       enum media_codec current);
/* Answer offer with codec c instead of lc's (the b side's codec, for pass-through): lc and
 * answer get c's payload type, telephone-event and ptime; keys and addresses stay. 1 when
 * changed, 0 when c is lc's already, -ENOENT when the offer lacks c or c may not be used on this
 * side (cloud.codecs). */
int sip_sdp_rematch(const struct media_sdp_media *offer, bool cloud, enum media_codec c,
		    struct media_leg_conf *lc, struct media_sdp_media *answer);
/* The answer to our offer: the session leg's settings; -EPROTO when SRTP was offered and the
 * answer is plain RTP, -ENOTSUP when its a=crypto matches none of ours. */
int sip_sdp_answered(const struct media_sdp_media *offer, const char *sdp, size_t len,
		     struct media_leg_conf *lc, char *why, size_t wl);
int sip_sdp_remote(const struct media_sdp_media *m, struct sockaddr_storage *ss);

/* ---- re-INVITE / UPDATE: direction (hold) and the o= version (sip_sdp_dir.c) ---- */

/* RFC 3264 section 8.4: what a party says it does with the stream, from its point of view. */
enum sip_dir { SIP_DIR_SENDRECV, SIP_DIR_SENDONLY, SIP_DIR_RECVONLY, SIP_DIR_INACTIVE };
/* The direction of an SDP body (media level over session level); c=0.0.0.0 (RFC 2543 hold)
 * counts as sendonly, or inactive when the body says recvonly or inactive too. */
enum sip_dir sip_sdp_dir(const char *sdp, size_t len);
const char *sip_sdp_dir_name(enum sip_dir d);
/* What the answer says to an offer with d (sendonly is answered recvonly and so on). */
enum sip_dir sip_sdp_dir_answer(enum sip_dir d);
/* The o= line's session version, -1 without a valid o= line. */
long long sip_sdp_version(const char *sdp, size_t len);
/* true when the body's connection address is 0.0.0.0 (RFC 2543 hold: keep the old peer) */
bool sip_sdp_null_addr(const char *sdp, size_t len);
/* sip_sdp_body with a stable session id, the version given and an a= line for d */
int sip_sdp_body_dir(const struct media_sdp_media *m, uint64_t id, uint64_t version, enum sip_dir d,
		     char *buf, size_t len);

#endif
