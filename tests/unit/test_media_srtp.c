/* test_media_srtp.c: SDES keys and SRTP/SRTCP: round trip, wrong key rejected, replay dropped. */
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

static size_t rtp_packet(uint8_t *buf, uint16_t seq, uint32_t ts, uint32_t ssrc, size_t paylen)
{
	buf[0] = 0x80;
	buf[1] = 9; /* G.722 */
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	for (int i = 0; i < 4; i++) {
		buf[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
		buf[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	}
	for (size_t i = 0; i < paylen; i++)
		buf[12 + i] = (uint8_t)(i * 7 + seq);
	return 12 + paylen;
}

static void test_key_encoding(void **state)
{
	struct media_srtp_key k, k2, k3;
	char b64[48];

	assert_int_equal(media_srtp_key_new(&k, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80), 0);
	assert_int_equal(media_srtp_key_new(&k3, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80), 0);
	assert_memory_not_equal(k.key, k3.key, MEDIA_SRTP_KEY_LEN); /* from the RNG */
	assert_int_equal(media_srtp_key_encode(&k, b64, sizeof b64), 40);
	assert_int_equal(strlen(b64), 40);
	assert_int_equal(media_srtp_key_decode(&k2, b64, 40), 0);
	assert_memory_equal(k.key, k2.key, MEDIA_SRTP_KEY_LEN);
	assert_int_equal(media_srtp_key_decode(&k2, b64, 39), -EINVAL);
	assert_int_equal(media_srtp_key_decode(&k2, "AAAA====AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 40),
			 -EINVAL);
	assert_int_equal(media_srtp_key_encode(&k, b64, 40), -ENOSPC);
	assert_int_equal(media_srtp_key_new(&k, MEDIA_SRTP_NONE), -EINVAL);
	enum media_srtp_suite s;
	assert_int_equal(media_srtp_suite_find("AES_CM_128_HMAC_SHA1_32", 23, &s), 0);
	assert_int_equal(s, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32);
	assert_int_equal(media_srtp_suite_find("AES_256_CM_HMAC_SHA1_80", 23, &s), -ENOTSUP);
}

static void roundtrip(enum media_srtp_suite suite, size_t tag)
{
	struct media_srtp_key k;
	struct media_srtp *tx, *rx;
	uint8_t buf[256], clear[256];

	assert_int_equal(media_srtp_key_new(&k, suite), 0);
	assert_int_equal(media_srtp_alloc(&tx, &k, true), 0);
	assert_int_equal(media_srtp_alloc(&rx, &k, false), 0);
	for (uint16_t seq = 100; seq < 150; seq++) {
		size_t len = rtp_packet(buf, seq, seq * 160u, 0x1234, 160);
		memcpy(clear, buf, len);
		assert_int_equal(media_srtp_protect(tx, buf, &len, sizeof buf, false), 0);
		assert_int_equal(len, 172 + tag);
		assert_memory_not_equal(buf + 12, clear + 12, 160); /* encrypted */
		assert_int_equal(media_srtp_unprotect(rx, buf, &len, false), 0);
		assert_int_equal(len, 172);
		assert_memory_equal(buf, clear, len);
	}
	/* SRTCP: a receiver report, tag 80 bits plus the 4-byte index */
	uint8_t rr[64] = { 0x81, 201, 0, 7 };
	size_t len = 32;
	memcpy(clear, rr, len);
	assert_int_equal(media_srtp_protect(tx, rr, &len, sizeof rr, true), 0);
	assert_int_equal(len, 32 + 4 + 10);
	assert_int_equal(media_srtp_unprotect(rx, rr, &len, true), 0);
	assert_int_equal(len, 32);
	assert_memory_equal(rr, clear, 32);
	/* no room for the tag */
	len = rtp_packet(buf, 1, 0, 1, 160);
	assert_int_equal(media_srtp_protect(tx, buf, &len, len + 4, false), -ENOSPC);
	/* directions are not mixed up */
	assert_int_equal(media_srtp_unprotect(tx, buf, &len, false), -EINVAL);
	media_srtp_free(tx);
	media_srtp_free(rx);
}

static void test_roundtrip_80(void **state)
{
	roundtrip(MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80, 10);
}

static void test_roundtrip_32(void **state)
{
	roundtrip(MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32, 4);
}

static void test_wrong_key_rejected(void **state)
{
	struct media_srtp_key k, other;
	struct media_srtp *tx, *rx;
	uint8_t buf[256];
	size_t len;

	assert_int_equal(media_srtp_key_new(&k, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80), 0);
	assert_int_equal(media_srtp_key_new(&other, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80), 0);
	assert_int_equal(media_srtp_alloc(&tx, &k, true), 0);
	assert_int_equal(media_srtp_alloc(&rx, &other, false), 0);
	len = rtp_packet(buf, 7, 1120, 0xabcd, 160);
	assert_int_equal(media_srtp_protect(tx, buf, &len, sizeof buf, false), 0);
	assert_int_equal(media_srtp_unprotect(rx, buf, &len, false), -EBADMSG);
	media_srtp_free(rx);

	/* the right key, but one flipped payload bit */
	assert_int_equal(media_srtp_alloc(&rx, &k, false), 0);
	len = rtp_packet(buf, 8, 1280, 0xabcd, 160);
	assert_int_equal(media_srtp_protect(tx, buf, &len, sizeof buf, false), 0);
	buf[40] ^= 1;
	assert_int_equal(media_srtp_unprotect(rx, buf, &len, false), -EBADMSG);
	media_srtp_free(tx);
	media_srtp_free(rx);
}

static void test_replay_dropped(void **state)
{
	struct media_srtp_key k;
	struct media_srtp *tx, *rx;
	uint8_t buf[256], copy[256];
	size_t len, clen;

	assert_int_equal(media_srtp_key_new(&k, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32), 0);
	assert_int_equal(media_srtp_alloc(&tx, &k, true), 0);
	assert_int_equal(media_srtp_alloc(&rx, &k, false), 0);
	len = rtp_packet(buf, 500, 0, 0x55, 80);
	assert_int_equal(media_srtp_protect(tx, buf, &len, sizeof buf, false), 0);
	memcpy(copy, buf, len);
	clen = len;
	assert_int_equal(media_srtp_unprotect(rx, buf, &len, false), 0);
	/* the same packet again is a replay */
	assert_int_equal(media_srtp_unprotect(rx, copy, &clen, false), -EALREADY);
	/* SRTCP replays too */
	uint8_t rr[64] = { 0x81, 201, 0, 7 }, rr2[64];
	size_t l = 32;
	assert_int_equal(media_srtp_protect(tx, rr, &l, sizeof rr, true), 0);
	memcpy(rr2, rr, l);
	size_t l2 = l;
	assert_int_equal(media_srtp_unprotect(rx, rr, &l, true), 0);
	assert_int_equal(media_srtp_unprotect(rx, rr2, &l2, true), -EALREADY);
	media_srtp_free(tx);
	media_srtp_free(rx);
	media_srtp_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_encoding),   cmocka_unit_test(test_roundtrip_80),
		cmocka_unit_test(test_roundtrip_32),   cmocka_unit_test(test_wrong_key_rejected),
		cmocka_unit_test(test_replay_dropped),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
