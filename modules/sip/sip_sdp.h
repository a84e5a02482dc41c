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
 * fresh key each), G.722 first; toward local parties plain RTP, every codec by bandwidth; both
 * with telephone-event. */
int sip_sdp_offer(bool cloud, const char *addr, uint16_t port, struct media_sdp_media *offer);
/* Answer an offer: the best common codec, its telephone-event, SRTP when offered (required from
 * the cloud: -EPROTO without); lc is what the session leg runs with. Errors say why. */
int sip_sdp_answer(const char *sdp, size_t len, bool cloud, const char *addr, uint16_t port,
		   struct media_leg_conf *lc, struct media_sdp_media *answer, char *why, size_t wl);
/* The answer to our offer: the session leg's settings; -EPROTO when SRTP was offered and the
 * answer is plain RTP, -ENOTSUP when its a=crypto matches none of ours. */
int sip_sdp_answered(const struct media_sdp_media *offer, const char *sdp, size_t len,
		     struct media_leg_conf *lc, char *why, size_t wl);
int sip_sdp_remote(const struct media_sdp_media *m, struct sockaddr_storage *ss);

#endif
