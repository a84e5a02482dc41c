/* test_media_sdp.c: SDP media lines written and parsed back; offers from other stacks; suite and codec choice. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "media.h"

static const enum media_srtp_suite our_suites[] = { MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80,
						    MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32 };
static const enum media_codec our_codecs[] = { MEDIA_OPUS, MEDIA_G722, MEDIA_PCMA, MEDIA_PCMU };

static void test_write_parse_roundtrip(void **state)
{
	struct media_sdp_media m = {
		.addr = "127.0.0.1",
		.port = 20000,
		.srtp = true,
		.codecs = { { MEDIA_G722, 9 }, { MEDIA_OPUS, 111 }, { MEDIA_PCMA, 8 } },
		.ncodecs = 3,
		.dtmf = { { 101, 8000 }, { 102, 48000 } },
		.ndtmf = 2,
		.ptime = 20
	};
	struct media_sdp_media back;
	char sdp[1024];

	m.crypto[0].tag = 1;
	assert_int_equal(media_srtp_key_new(&m.crypto[0].key, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80),
			 0);
	m.crypto[1].tag = 2;
	assert_int_equal(media_srtp_key_new(&m.crypto[1].key, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32),
			 0);
	m.ncrypto = 2;
	int n = media_sdp_write(&m, sdp, sizeof sdp);
	assert_true(n > 0);
	assert_non_null(strstr(sdp, "m=audio 20000 RTP/SAVP 9 111 8 101 102\r\n"));
	assert_non_null(strstr(sdp, "a=rtpmap:9 G722/8000\r\n")); /* clock 8000, not 16000 */
	assert_non_null(strstr(sdp, "a=rtpmap:111 opus/48000/2\r\n"));
	assert_non_null(strstr(sdp, "a=fmtp:111 useinbandfec=1;"));
	assert_non_null(strstr(sdp, "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"));
	assert_non_null(strstr(sdp, "a=rtpmap:102 telephone-event/48000\r\na=fmtp:102 0-16\r\n"));
	assert_non_null(strstr(sdp, "a=ptime:20\r\n"));
	assert_non_null(strstr(sdp, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));
	assert_non_null(strstr(sdp, "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:"));

	assert_int_equal(media_sdp_parse(sdp, (size_t)n, &back), 0);
	assert_string_equal(back.addr, "127.0.0.1");
	assert_int_equal(back.port, 20000);
	assert_true(back.srtp);
	assert_int_equal(back.ncodecs, 3);
	assert_int_equal(back.codecs[0].codec, MEDIA_G722);
	assert_int_equal(back.codecs[1].codec, MEDIA_OPUS);
	assert_int_equal(back.codecs[1].pt, 111);
	/* one telephone-event per clock, each found by the codec it goes with */
	assert_int_equal(back.ndtmf, 2);
	assert_int_equal(media_sdp_dtmf_pt(&back, MEDIA_G722), 101);
	assert_int_equal(media_sdp_dtmf_pt(&back, MEDIA_PCMA), 101);
	assert_int_equal(media_sdp_dtmf_pt(&back, MEDIA_OPUS), 102);
	assert_int_equal(back.ptime, 20);
	assert_int_equal(back.ncrypto, 2);
	assert_memory_equal(back.crypto[0].key.key, m.crypto[0].key.key, MEDIA_SRTP_KEY_LEN);
	assert_int_equal(back.crypto[1].key.suite, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32);

	assert_int_equal(media_sdp_write(&m, sdp, 50), -ENOSPC);
}

/* an offer as baresip and others write it: session-level c=, several a=crypto lines with
 * lifetimes, suites we do not do, a video stream after the audio */
static const char offer[] = "v=0\r\n"
			    "o=- 1 2 IN IP4 127.0.0.1\r\n"
			    "s=-\r\n"
			    "c=IN IP4 192.0.2.10\r\n"
			    "t=0 0\r\n"
			    "m=audio 30000 RTP/SAVP 0 9 8 96 101\r\n"
			    "a=rtpmap:96 opus/48000/2\r\n"
			    "a=fmtp:96 useinbandfec=1\r\n"
			    "a=rtpmap:101 telephone-event/8000\r\n"
			    "a=fmtp:101 0-15\r\n"
			    "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:"
			    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
			    "AAAAAAAAAAAAAAAAAAAAAAAAAA\r\n"
			    "a=crypto:2 AES_CM_128_HMAC_SHA1_32 "
			    "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4\r\n"
			    "a=crypto:3 AES_CM_128_HMAC_SHA1_32 "
			    "inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|2^20\r\n"
			    "a=ptime:30\r\n"
			    "a=sendrecv\r\n"
			    "m=video 30002 RTP/AVP 97\r\n"
			    "c=IN IP4 198.51.100.1\r\n"
			    "a=rtpmap:97 H264/90000\r\n";

static void test_parse_foreign_offer(void **state)
{
	struct media_sdp_media m;
	struct media_sdp_codec c;
	struct media_sdp_crypto cr;
	char err[256];

	assert_int_equal(media_sdp_parse(offer, sizeof offer - 1, &m), 0);
	assert_string_equal(m.addr, "192.0.2.10"); /* the video's c= is not ours */
	assert_int_equal(m.port, 30000);
	assert_int_equal(m.ncodecs, 4);
	assert_int_equal(m.codecs[0].codec, MEDIA_PCMU);
	assert_int_equal(m.codecs[3].codec, MEDIA_OPUS);
	assert_int_equal(m.codecs[3].pt, 96);
	assert_int_equal(m.ndtmf, 1);
	assert_int_equal(media_sdp_dtmf_pt(&m, MEDIA_PCMU), 101);
	assert_int_equal(media_sdp_dtmf_pt(&m, MEDIA_OPUS), -1); /* only at 8000 */
	assert_int_equal(m.ptime, 30);
	/* the 256-bit suite and the MKI line are refused; line 3 is taken */
	assert_int_equal(m.ncrypto, 1);
	assert_int_equal(m.ncrypto_refused, 2);
	assert_int_equal(media_sdp_pick_crypto(&m, our_suites, 2, &cr, err, sizeof err), 0);
	assert_int_equal(cr.tag, 3);
	assert_int_equal(cr.key.suite, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32);
	/* Opus wins by audio bandwidth, wherever it stands in the list */
	assert_int_equal(media_sdp_pick_codec(&m, our_codecs, 4, &c), 0);
	assert_int_equal(c.codec, MEDIA_OPUS);
	assert_int_equal(media_sdp_pick_codec(&m, our_codecs + 1, 3, &c), 0);
	assert_int_equal(c.codec, MEDIA_G722);
	assert_int_equal(c.pt, 9);
}

static void test_refused_suite_says_why(void **state)
{
	static const char only256[] = "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/SAVP 9\r\n"
				      "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:AAAA\r\n"
				      "a=crypto:2 F8_128_HMAC_SHA1_80 inline:AAAA\r\n";
	struct media_sdp_media m;
	struct media_sdp_crypto cr;
	char err[256];

	assert_int_equal(media_sdp_parse(only256, sizeof only256 - 1, &m), 0);
	assert_int_equal(media_sdp_pick_crypto(&m, our_suites, 2, &cr, err, sizeof err), -ENOTSUP);
	assert_string_equal(err, "no common SRTP suite: offered AES_256_CM_HMAC_SHA1_80, "
				 "F8_128_HMAC_SHA1_80; accepted AES_CM_128_HMAC_SHA1_80, "
				 "AES_CM_128_HMAC_SHA1_32");
	/* a suite we know, but not one we accept on this leg */
	static const char only32[] = "c=IN IP4 10.0.0.1\nm=audio 4000 RTP/SAVP 9\n"
				     "a=crypto:1 AES_CM_128_HMAC_SHA1_32 "
				     "inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\n";
	assert_int_equal(media_sdp_parse(only32, sizeof only32 - 1, &m), 0);
	assert_int_equal(media_sdp_pick_crypto(&m, our_suites, 1, &cr, err, sizeof err), -ENOTSUP);
	assert_string_equal(err, "no common SRTP suite: offered AES_CM_128_HMAC_SHA1_32; "
				 "accepted AES_CM_128_HMAC_SHA1_80");
}

static void test_parse_errors(void **state)
{
	struct media_sdp_media m;
	static const char *const bad[] = {
		"m=audio x RTP/AVP 0\r\n",                /* port not a number */
		"m=audio 4000 RTP/AVP 300\r\n",           /* payload type out of range */
		"c=IN IP4\r\nm=audio 4000 RTP/AVP 0\r\n", /* no address */
		"m=audio 4000 RTP/AVP 0\r\na=ptime:x\r\n",
		"m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:short\r\n",
		"m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 opus\r\n",
		"garbage\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(media_sdp_parse(bad[i], strlen(bad[i]), &m), -EINVAL);
	static const char video[] = "m=video 4000 RTP/AVP 97\r\n";
	assert_int_equal(media_sdp_parse(video, sizeof video - 1, &m), -ENOENT);
	static const char unknown[] = "m=audio 4000 RTP/AVP 3 96\r\na=rtpmap:96 iLBC/8000\r\n";
	assert_int_equal(media_sdp_parse(unknown, sizeof unknown - 1, &m), -ENOENT);
	static const char webrtc[] = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
	assert_int_equal(media_sdp_parse(webrtc, sizeof webrtc - 1, &m), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_parse_roundtrip),
		cmocka_unit_test(test_parse_foreign_offer),
		cmocka_unit_test(test_refused_suite_says_why),
		cmocka_unit_test(test_parse_errors),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
