/* test_cdr_codec.c: the stored form of call records: round trip, bounds, refusal of damage. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cdr_sample.h"

/* same record: every field is in the encoding, so equal encodings are equal records (a struct
 * compare would also compare padding) */
static void assert_same(const struct cdr_record *a, const struct cdr_record *b)
{
	uint8_t ea[CDR_ENCODED_MAX], eb[CDR_ENCODED_MAX];
	size_t la = cdr_encode(a, ea), lb = cdr_encode(b, eb);

	assert_int_equal(la, lb);
	assert_memory_equal(ea, eb, la);
	assert_string_equal(a->caller, b->caller);
	assert_string_equal(a->leg[1].codec, b->leg[1].codec);
	assert_int_equal(a->leg[0].q.mos_x100, b->leg[0].q.mos_x100);
	assert_true(a->leg[1].srtp == b->leg[1].srtp);
	assert_int_equal(a->leg[0].q.jitter_max_us, b->leg[0].q.jitter_max_us);
	assert_int_equal(a->leg[1].q.rtt_us, b->leg[1].q.rtt_us);
}

static void test_round_trip(void **state)
{
	struct cdr_record a, b;
	uint8_t buf[CDR_ENCODED_MAX];
	size_t len;

	cdr_sample(&a, 7);
	a.id = 1795824000123456ULL;
	a.state = CDR_CLOSED;
	a.start_us = 1795824000123456LL;
	a.answer_us = a.start_us + 4200000;
	a.end_us = a.answer_us + 65000000;
	snprintf(a.reason, sizeof a.reason, "normal");
	len = cdr_encode(&a, buf);
	assert_true(len > 60 && len <= CDR_ENCODED_MAX);
	assert_int_equal(cdr_decode(buf, len, &b), 0);
	assert_same(&a, &b);
	assert_int_equal(b.end_us, a.end_us);
}

/* the longest strings every field allows still fit the bound, and come back whole */
static void test_longest_fits(void **state)
{
	struct cdr_record a, b;
	uint8_t buf[CDR_ENCODED_MAX + 64];
	size_t len;

	memset(&a, 0, sizeof a);
	a.state = CDR_INTERRUPTED;
	memset(a.caller, '9', CDR_NUMBER_MAX);
	memset(a.called, '8', CDR_NUMBER_MAX);
	memset(a.reason, 'r', CDR_REASON_MAX);
	for (int i = 0; i < CDR_LEGS; i++) {
		a.leg[i].kind = CDR_LEG_STATION;
		memset(a.leg[i].name, 'n', CDR_NAME_MAX);
		memset(a.leg[i].number, '7', CDR_NUMBER_MAX);
		memset(a.leg[i].codec, 'c', CDR_CODEC_MAX);
		a.leg[i].q.packets_sent = UINT32_MAX;
		a.leg[i].sip_status = 699;
		a.leg[i].q850 = 127;
	}
	a.id = UINT64_MAX;
	a.start_us = INT64_MAX;
	len = cdr_encode(&a, buf);
	assert_true(len <= CDR_ENCODED_MAX);
	assert_int_equal(cdr_decode(buf, len, &b), 0);
	assert_same(&a, &b);
	assert_int_equal(strlen(b.leg[1].name), CDR_NAME_MAX);
}

/* a cut, a longer buffer, an unknown version or a string running out are refused whole */
static void test_damage_refused(void **state)
{
	struct cdr_record a, b;
	uint8_t buf[CDR_ENCODED_MAX + 1];
	size_t len;

	cdr_sample(&a, 1);
	a.state = CDR_CLOSED;
	len = cdr_encode(&a, buf);
	memset(&b, 0x5a, sizeof b);
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(cdr_decode(buf, cut, &b), -EBADMSG);
	assert_int_equal(b.caller[0], 0x5a); /* untouched on failure */
	buf[len] = 0;
	assert_int_equal(cdr_decode(buf, len + 1, &b), -EBADMSG);
	buf[0] = 3;
	assert_int_equal(cdr_decode(buf, len, &b), -EBADMSG);
	buf[0] = 2;
	buf[1] = 9; /* state */
	assert_int_equal(cdr_decode(buf, len, &b), -EBADMSG);
	buf[1] = CDR_CLOSED;
	buf[36] = 40; /* caller length past the field's maximum */
	assert_int_equal(cdr_decode(buf, len, &b), -EBADMSG);
}

/* A record written by version 1 (no jitter maximum, no round trip) still reads: the stored
 * form of this version with those 8 bytes per leg taken out and the version byte set to 1. */
static void test_version1_reads(void **state)
{
	struct cdr_record a, b;
	uint8_t v2[CDR_ENCODED_MAX], v1[CDR_ENCODED_MAX];
	size_t len, at = 36, out, kind0;

	cdr_sample(&a, 3);
	a.state = CDR_CLOSED;
	a.leg[0].kind = a.leg[1].kind = CDR_LEG_STATION;
	len = cdr_encode(&a, v2);
	for (int i = 0; i < 3; i++) /* caller, called, reason */
		at += 1 + v2[at];
	memcpy(v1, v2, at);
	out = kind0 = at;
	for (int leg = 0; leg < CDR_LEGS; leg++) {
		size_t start = at;
		at += 5;
		for (int i = 0; i < 3; i++) /* name, number, codec */
			at += 1 + v2[at];
		at += 4 + 16 + 2; /* flags, sip_status, q850, counts, jitter, mos */
		memcpy(v1 + out, v2 + start, at - start);
		out += at - start;
		at += 8; /* jitter_max_us, rtt_us */
	}
	assert_int_equal(at, len);
	v1[0] = 1;
	assert_int_equal(cdr_decode(v1, out, &b), 0);
	assert_string_equal(b.caller, a.caller);
	assert_int_equal(b.leg[1].q.mos_x100, a.leg[1].q.mos_x100);
	assert_int_equal(b.leg[1].q.jitter_max_us, 0);
	v1[kind0] = CDR_LEG_CLOUD; /* a kind version 1 did not have */
	assert_int_equal(cdr_decode(v1, out, &b), -EBADMSG);
}

/* big-endian keys sort as the ids do, so LMDB's key order is time order */
static void test_key_order(void **state)
{
	uint8_t k1[8], k2[8];

	cdr_key(0x00000000000000ffULL, k1);
	cdr_key(0x0000000000000100ULL, k2);
	assert_true(memcmp(k1, k2, 8) < 0);
	assert_int_equal(cdr_key_id(k2), 0x100);
	cdr_key(1795824000123456ULL, k1);
	assert_int_equal(cdr_key_id(k1), 1795824000123456ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_longest_fits),
		cmocka_unit_test(test_damage_refused),
		cmocka_unit_test(test_key_order),
		cmocka_unit_test(test_version1_reads),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
