/* test_sip_sdp.c: offer/answer choices of SIP calls (modules/sip/sip_sdp.c): what we offer the
 * cloud and local parties, what we answer, and what an answer to our offer turns into. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sip_sdp.h"

static const char station_offer[] = "v=0\r\no=s 1 1 IN IP4 10.0.0.5\r\ns=-\r\n"
				    "c=IN IP4 10.0.0.5\r\nt=0 0\r\n"
				    "m=audio 4000 RTP/AVP 0 8 101\r\n"
				    "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
				    "a=rtpmap:101 telephone-event/8000\r\na=ptime:20\r\n";

static void test_offer_cloud(void **state)
{
	struct media_sdp_media o;
	char body[2048];

	assert_int_equal(sip_sdp_offer(true, MEDIA_CODEC_COUNT, "127.0.0.1", 30000, &o), 0);
	/* SRTP always, both suites with keys of their own, cloud.codecs (default G.722, A-law),
	 * telephone-event at 8000 */
	assert_true(o.srtp);
	assert_int_equal(o.ncrypto, 2);
	assert_int_equal(o.crypto[0].key.suite, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(o.crypto[1].key.suite, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32);
	assert_memory_not_equal(o.crypto[0].key.key, o.crypto[1].key.key, MEDIA_SRTP_KEY_LEN);
	assert_int_equal(o.codecs[0].codec, MEDIA_G722);
	assert_int_equal(o.codecs[0].pt, 9);
	assert_int_equal(o.ncodecs, 2);
	assert_int_equal(o.ndtmf, 1);
	assert_int_equal(media_sdp_dtmf_pt(&o, MEDIA_G722), 101);
	assert_true(sip_sdp_body(&o, 1, body, sizeof body) > 0);
	assert_non_null(strstr(body, "v=0\r\no=symbridge 1 1 IN IP4 127.0.0.1\r\n"));
	assert_non_null(strstr(body, "m=audio 30000 RTP/SAVP 9 8 101\r\n"));
	assert_null(strstr(body, "telephone-event/48000"));
	assert_non_null(strstr(body, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));
	assert_non_null(strstr(body, "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:"));
	assert_non_null(strstr(body, "a=rtpmap:101 telephone-event/8000"));
}

static void test_offer_local(void **state)
{
	struct media_sdp_media o;
	char body[2048];

	assert_int_equal(sip_sdp_offer(false, MEDIA_CODEC_COUNT, "192.0.2.1", 30002, &o), 0);
	assert_false(o.srtp);
	assert_int_equal(o.ncrypto, 0);
	assert_int_equal(o.codecs[0].codec, MEDIA_OPUS); /* by audio bandwidth */
	assert_true(sip_sdp_body(&o, 7, body, sizeof body) > 0);
	/* telephone-event at each clock: 8000 for G.711 and G.722, 48000 for Opus */
	assert_non_null(strstr(body, "m=audio 30002 RTP/AVP 111 9 8 0 102 101\r\n"));
	assert_non_null(strstr(body, "a=rtpmap:102 telephone-event/48000\r\n"));
	assert_non_null(strstr(body, "a=rtpmap:101 telephone-event/8000\r\n"));
	assert_null(strstr(body, "a=crypto"));
}

/* an originated offer lists the other leg's codec first, so that pass-through wins */
static void test_offer_other_leg_first(void **state)
{
	struct media_sdp_media o;
	const enum media_codec opus_first[] = { MEDIA_OPUS, MEDIA_G722 };
	char body[2048];

	(void)state;
	assert_int_equal(sip_sdp_offer(false, MEDIA_G722, "192.0.2.1", 30002, &o), 0);
	assert_true(sip_sdp_body(&o, 1, body, sizeof body) > 0);
	assert_non_null(strstr(body, "m=audio 30002 RTP/AVP 9 111 8 0 101 102\r\n"));
	assert_int_equal(sip_sdp_offer(false, MEDIA_PCMA, "192.0.2.1", 30002, &o), 0);
	assert_int_equal(o.codecs[0].codec, MEDIA_PCMA);
	assert_int_equal(o.ncodecs, 4);
	/* toward the cloud only what cloud.codecs allows: PCMU is not there, order unchanged */
	assert_int_equal(sip_sdp_offer(true, MEDIA_PCMU, "192.0.2.1", 30002, &o), 0);
	assert_int_equal(o.ncodecs, 2);
	assert_int_equal(o.codecs[0].codec, MEDIA_G722);
	assert_int_equal(sip_sdp_offer(true, MEDIA_PCMA, "192.0.2.1", 30002, &o), 0);
	assert_int_equal(o.codecs[0].codec, MEDIA_PCMA);
	assert_int_equal(o.codecs[1].codec, MEDIA_G722);
	/* cloud.codecs = [ "opus", "G722" ]: Opus first, telephone-event at both clocks */
	sip_sdp_cloud_codecs(opus_first, 2);
	assert_int_equal(sip_sdp_offer(true, MEDIA_CODEC_COUNT, "192.0.2.1", 30002, &o), 0);
	assert_int_equal(o.codecs[0].codec, MEDIA_OPUS);
	assert_int_equal(media_sdp_dtmf_pt(&o, MEDIA_OPUS), 102);
	assert_int_equal(media_sdp_dtmf_pt(&o, MEDIA_G722), 101);
	const enum media_codec dflt[] = { MEDIA_G722, MEDIA_PCMA };
	sip_sdp_cloud_codecs(dflt, 2);
}

/* the answer keeps the telephone-event of the chosen codec's clock only */
static void test_answer_dtmf_clock(void **state)
{
	struct media_leg_conf lc;
	struct media_sdp_media ans;
	char why[256], body[1024];
	const char both[] = "v=0\r\no=w 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\n"
			    "t=0 0\r\nm=audio 4000 RTP/AVP 111 9 110 101\r\n"
			    "a=rtpmap:111 opus/48000/2\r\na=rtpmap:9 G722/8000\r\n"
			    "a=rtpmap:110 telephone-event/48000\r\n"
			    "a=rtpmap:101 telephone-event/8000\r\n";

	(void)state;
	assert_int_equal(sip_sdp_answer(both, strlen(both), false, "127.0.0.1", 30004, &lc, &ans,
					why, sizeof why),
			 0);
	assert_int_equal(lc.codec, MEDIA_OPUS);
	assert_int_equal(lc.dtmf_pt, 110);
	assert_true(sip_sdp_body(&ans, 1, body, sizeof body) > 0);
	assert_non_null(strstr(body, "m=audio 30004 RTP/AVP 111 110\r\n"));
	assert_null(strstr(body, "telephone-event/8000"));
}

/* the peer answers G.722 to our offer: events at 8000, the pt we offered for that clock */
static void test_answered_dtmf_clock(void **state)
{
	struct media_sdp_media offer;
	struct media_leg_conf lc;
	char why[256];
	const char g722[] = "v=0\r\no=b 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
			    "t=0 0\r\nm=audio 5000 RTP/AVP 9 101\r\na=rtpmap:9 G722/8000\r\n"
			    "a=rtpmap:101 telephone-event/8000\r\n";
	const char none[] = "v=0\r\no=b 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
			    "t=0 0\r\nm=audio 5000 RTP/AVP 9\r\na=rtpmap:9 G722/8000\r\n";

	(void)state;
	assert_int_equal(sip_sdp_offer(false, MEDIA_CODEC_COUNT, "127.0.0.1", 31000, &offer), 0);
	assert_int_equal(sip_sdp_answered(&offer, g722, strlen(g722), &lc, why, sizeof why), 0);
	assert_int_equal(lc.codec, MEDIA_G722);
	assert_int_equal(lc.dtmf_pt, 101);
	/* no telephone-event in the answer: digits go in band */
	assert_int_equal(sip_sdp_answered(&offer, none, strlen(none), &lc, why, sizeof why), 0);
	assert_int_equal(lc.dtmf_pt, -1);
}

static void test_answer_station(void **state)
{
	struct media_leg_conf lc;
	struct media_sdp_media ans;
	char why[256];
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&lc.remote;

	assert_int_equal(sip_sdp_answer(station_offer, strlen(station_offer), false, "127.0.0.1",
					30004, &lc, &ans, why, sizeof why),
			 0);
	/* G.711 both: the best of them by our order (A-law and mu-law rank the same: the first
	 * offered wins) */
	assert_true(lc.codec == MEDIA_PCMU || lc.codec == MEDIA_PCMA);
	assert_int_equal(ans.ncodecs, 1);
	assert_int_equal(ans.codecs[0].codec, lc.codec);
	assert_int_equal(lc.dtmf_pt, 101);
	assert_false(lc.srtp);
	assert_int_equal(ntohs(sin->sin_port), 4000);
	assert_int_equal(sin->sin_addr.s_addr, inet_addr("10.0.0.5"));
	assert_true(lc.latch);
	assert_int_equal(ans.port, 30004);
}

static void test_answer_cloud_needs_srtp(void **state)
{
	struct media_leg_conf lc;
	struct media_sdp_media ans;
	char why[256];

	assert_int_equal(sip_sdp_answer(station_offer, strlen(station_offer), true, "127.0.0.1",
					30004, &lc, &ans, why, sizeof why),
			 -EPROTO);
	assert_non_null(strstr(why, "SRTP is required"));
}

static void test_answer_srtp(void **state)
{
	struct media_sdp_media offer, ans;
	struct media_leg_conf lc;
	char body[2048], why[256];

	/* the cloud offers what we would: the answer keeps a suite, with our own key */
	assert_int_equal(sip_sdp_offer(true, MEDIA_CODEC_COUNT, "127.0.0.1", 31000, &offer), 0);
	assert_true(sip_sdp_body(&offer, 1, body, sizeof body) > 0);
	assert_int_equal(sip_sdp_answer(body, strlen(body), true, "127.0.0.1", 30006, &lc, &ans,
					why, sizeof why),
			 0);
	assert_int_equal(lc.codec, MEDIA_G722);
	assert_true(lc.srtp && ans.srtp);
	assert_int_equal(ans.ncrypto, 1);
	assert_int_equal(lc.key_rx.suite, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80);
	assert_memory_equal(lc.key_rx.key, offer.crypto[0].key.key, MEDIA_SRTP_KEY_LEN);
	assert_memory_equal(ans.crypto[0].key.key, lc.key_tx.key, MEDIA_SRTP_KEY_LEN);
	assert_memory_not_equal(lc.key_tx.key, lc.key_rx.key, MEDIA_SRTP_KEY_LEN);
}

static void test_answered(void **state)
{
	struct media_sdp_media offer;
	struct media_leg_conf lc;
	char why[256];
	const char plain[] = "v=0\r\no=b 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
			     "t=0 0\r\nm=audio 5000 RTP/AVP 9 101\r\na=rtpmap:9 G722/8000\r\n"
			     "a=rtpmap:101 telephone-event/8000\r\n";
	char savp[1024];

	assert_int_equal(sip_sdp_offer(true, MEDIA_CODEC_COUNT, "127.0.0.1", 31000, &offer), 0);
	/* a cloud answer without SRTP is refused */
	assert_int_equal(sip_sdp_answered(&offer, plain, strlen(plain), &lc, why, sizeof why),
			 -EPROTO);
	assert_non_null(strstr(why, "plain RTP"));
	/* with the 32-bit suite of our tag 2: our tx key is the one we offered under that tag */
	char b64[48];
	struct media_srtp_key theirs;
	assert_int_equal(media_srtp_key_new(&theirs, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32), 0);
	media_srtp_key_encode(&theirs, b64, sizeof b64);
	snprintf(savp, sizeof savp,
		 "v=0\r\no=b 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		 "m=audio 5000 RTP/SAVP 9 101\r\na=rtpmap:9 G722/8000\r\n"
		 "a=rtpmap:101 telephone-event/8000\r\n"
		 "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:%s\r\n",
		 b64);
	assert_int_equal(sip_sdp_answered(&offer, savp, strlen(savp), &lc, why, sizeof why), 0);
	assert_int_equal(lc.codec, MEDIA_G722);
	assert_int_equal(lc.pt, 9);
	assert_int_equal(lc.dtmf_pt, 101);
	assert_true(lc.srtp);
	assert_memory_equal(lc.key_tx.key, offer.crypto[1].key.key, MEDIA_SRTP_KEY_LEN);
	assert_memory_equal(lc.key_rx.key, theirs.key, MEDIA_SRTP_KEY_LEN);
	/* a tag we never offered: no suite to send with */
	char *t = strstr(savp, "a=crypto:2");
	assert_non_null(t);
	t[9] = '7';
	assert_int_equal(sip_sdp_answered(&offer, savp, strlen(savp), &lc, why, sizeof why),
			 -ENOTSUP);
	assert_non_null(strstr(why, "matches none"));
}

/* hold and resume: the direction of a body, media level over session level, c=0.0.0.0 */
/* A station offering Opus first and G.722 calls the cloud: the offer to the cloud puts G.722
 * first (the first of cloud.codecs the station offered), and when the cloud answers G.722 the
 * station's answer is made G.722 too (pass-through), with the event at G.722's clock. */
static const char opus_g722_offer[] = "v=0\r\no=s 1 1 IN IP4 10.0.0.5\r\ns=-\r\n"
				      "c=IN IP4 10.0.0.5\r\nt=0 0\r\n"
				      "m=audio 4000 RTP/AVP 96 9 8 97 101\r\n"
				      "a=rtpmap:96 opus/48000/2\r\na=rtpmap:9 G722/8000\r\n"
				      "a=rtpmap:8 PCMA/8000\r\n"
				      "a=rtpmap:97 telephone-event/48000\r\n"
				      "a=rtpmap:101 telephone-event/8000\r\na=ptime:20\r\n";

static void test_first_and_rematch(void **state)
{
	struct media_sdp_media offer, ans;
	struct media_leg_conf lc;
	char why[128];

	(void)state;
	assert_int_equal(media_sdp_parse(opus_g722_offer, sizeof opus_g722_offer - 1, &offer), 0);
	assert_int_equal(sip_sdp_answer(opus_g722_offer, sizeof opus_g722_offer - 1, false,
					"10.0.0.1", 30000, &lc, &ans, why, sizeof why),
			 0);
	assert_int_equal(lc.codec, MEDIA_OPUS); /* the station alone: best by bandwidth */
	assert_int_equal(lc.dtmf_pt, 97);
	/* toward the cloud (G.722, A-law): G.722 first; toward a station: what a runs */
	assert_int_equal(sip_sdp_first(&offer, true, lc.codec), MEDIA_G722);
	assert_int_equal(sip_sdp_first(&offer, false, lc.codec), MEDIA_OPUS);
	/* cloud.codecs with Opus first: Opus first toward the cloud */
	enum media_codec oc[] = { MEDIA_OPUS, MEDIA_G722 };
	sip_sdp_cloud_codecs(oc, 2);
	assert_int_equal(sip_sdp_first(&offer, true, lc.codec), MEDIA_OPUS);
	enum media_codec dc[] = { MEDIA_G722, MEDIA_PCMA };
	sip_sdp_cloud_codecs(dc, 2);
	/* the cloud answered G.722: the station is answered G.722, event at 8000 */
	assert_int_equal(sip_sdp_rematch(&offer, false, MEDIA_G722, &lc, &ans), 1);
	assert_int_equal(lc.codec, MEDIA_G722);
	assert_int_equal(lc.pt, 9);
	assert_int_equal(lc.dtmf_pt, 101);
	assert_int_equal(ans.ncodecs, 1);
	assert_int_equal(ans.codecs[0].codec, MEDIA_G722);
	assert_int_equal(ans.ndtmf, 1);
	assert_int_equal(ans.dtmf[0].clock, 8000);
	assert_int_equal(ans.port, 30000); /* the address and port stay */
	assert_int_equal(sip_sdp_rematch(&offer, false, MEDIA_G722, &lc, &ans), 0);
	/* a codec the offer lacks, or one the cloud side may not use: no change */
	assert_int_equal(sip_sdp_rematch(&offer, false, MEDIA_PCMU, &lc, &ans), -ENOENT);
	assert_int_equal(sip_sdp_rematch(&offer, true, MEDIA_OPUS, &lc, &ans), -ENOENT);
	assert_int_equal(lc.codec, MEDIA_G722);
}

static void test_direction(void **state)
{
	(void)state;
	const char *plain =
		"v=0\r\no=a 1 7 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 8\r\n";
	const char *sess = "v=0\r\no=a 1 2 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
			   "a=inactive\r\nm=audio 4000 RTP/AVP 8\r\n";
	const char *media =
		"v=0\r\no=a 1 2 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		"a=inactive\r\nm=audio 4000 RTP/AVP 8\r\na=sendonly\r\n";
	const char *old = "v=0\r\no=a 1 3 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
			  "m=audio 4000 RTP/AVP 8\r\n";
	const char *old_recv = "v=0\r\no=a 1 3 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 0.0.0.0\r\n"
			       "t=0 0\r\nm=audio 4000 RTP/AVP 8\r\na=recvonly\r\n";

	assert_int_equal(sip_sdp_dir(plain, strlen(plain)), SIP_DIR_SENDRECV);
	assert_int_equal(sip_sdp_dir(sess, strlen(sess)), SIP_DIR_INACTIVE);
	assert_int_equal(sip_sdp_dir(media, strlen(media)), SIP_DIR_SENDONLY);
	assert_int_equal(sip_sdp_dir(old, strlen(old)), SIP_DIR_SENDONLY);
	assert_true(sip_sdp_null_addr(old, strlen(old)));
	assert_false(sip_sdp_null_addr(plain, strlen(plain)));
	assert_int_equal(sip_sdp_dir(old_recv, strlen(old_recv)), SIP_DIR_INACTIVE);
	assert_int_equal(sip_sdp_dir_answer(SIP_DIR_SENDONLY), SIP_DIR_RECVONLY);
	assert_int_equal(sip_sdp_dir_answer(SIP_DIR_RECVONLY), SIP_DIR_SENDONLY);
	assert_int_equal(sip_sdp_dir_answer(SIP_DIR_INACTIVE), SIP_DIR_INACTIVE);
	assert_int_equal(sip_sdp_dir_answer(SIP_DIR_SENDRECV), SIP_DIR_SENDRECV);
	assert_int_equal(sip_sdp_version(plain, strlen(plain)), 7);
	assert_int_equal(sip_sdp_version("v=0\r\ns=-\r\n", 10), -1);
	assert_int_equal(sip_sdp_version("o=a 1 x IN IP4 1.2.3.4\r\n", 24), -1);
	assert_int_equal(sip_sdp_dir(NULL, 0), SIP_DIR_SENDRECV);
}

/* our re-offer: same session id, the version given, the direction said */
static void test_body_dir(void **state)
{
	struct media_sdp_media o;
	char body[2048];

	(void)state;
	assert_int_equal(sip_sdp_offer(false, MEDIA_CODEC_COUNT, "127.0.0.1", 4000, &o), 0);
	int n = sip_sdp_body_dir(&o, 1, 5, SIP_DIR_SENDONLY, body, sizeof body);
	assert_true(n > 0);
	assert_non_null(strstr(body, "o=symbridge 1 5 IN IP4 127.0.0.1\r\n"));
	assert_int_equal(sip_sdp_dir(body, (size_t)n), SIP_DIR_SENDONLY);
	assert_int_equal(sip_sdp_version(body, (size_t)n), 5);
	n = sip_sdp_body_dir(&o, 1, 6, SIP_DIR_SENDRECV, body, sizeof body);
	assert_non_null(strstr(body, "a=sendrecv\r\n"));
	assert_int_equal(sip_sdp_body_dir(&o, 1, 6, SIP_DIR_SENDRECV, body, 40), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offer_cloud),
		cmocka_unit_test(test_offer_local),
		cmocka_unit_test(test_offer_other_leg_first),
		cmocka_unit_test(test_answer_dtmf_clock),
		cmocka_unit_test(test_answered_dtmf_clock),
		cmocka_unit_test(test_answer_station),
		cmocka_unit_test(test_answer_cloud_needs_srtp),
		cmocka_unit_test(test_answer_srtp),
		cmocka_unit_test(test_answered),
		cmocka_unit_test(test_first_and_rematch),
		cmocka_unit_test(test_direction),
		cmocka_unit_test(test_body_dir),
	};
	if (media_srtp_init() < 0)
		return 1;
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
