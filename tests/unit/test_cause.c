/* test_cause.c: the Q.850 <-> SIP mapping (src/cause.c) against the tables of RFC 3398 (7.2.4.1, 8.2.6.1). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "symbridge.h"

struct row {
	int in, out;
};

/* RFC 3398 section 7.2.4.1: ISUP (Q.850) cause -> SIP response */
static const struct row to_sip[] = {
	{ 1, 404 },
	{ 2, 404 },
	{ 3, 404 },
	{ 17, 486 },
	{ 18, 408 },
	{ 19, 480 },
	{ 20, 480 },
	{ 21, 403 },
	{ 22, 410 },
	{ 23, 410 },
	{ 26, 404 },
	{ 27, 502 },
	{ 28, 484 },
	{ 29, 501 },
	{ 31, 480 },
	{ 34, 503 },
	{ 38, 503 },
	{ 41, 503 },
	{ 42, 503 },
	{ 47, 503 },
	{ 55, 403 },
	{ 57, 403 },
	{ 58, 503 },
	{ 65, 488 },
	{ 70, 488 },
	{ 79, 501 },
	{ 87, 403 },
	{ 88, 503 },
	{ 102, 504 },
	{ 111, 500 },
	{ 127, 500 },
	/* not in the table: by class */
	{ 6, 480 },
	{ 44, 503 },
	{ 63, 501 },
	{ 100, 500 },
};

/* RFC 3398 section 8.2.6.1: SIP response -> ISUP (Q.850) cause */
static const struct row to_q850[] = {
	{ 400, 41 },
	{ 401, 21 },
	{ 402, 21 },
	{ 403, 21 },
	{ 404, 1 },
	{ 405, 63 },
	{ 406, 79 },
	{ 407, 21 },
	{ 408, 102 },
	{ 410, 22 },
	{ 413, 127 },
	{ 414, 127 },
	{ 415, 79 },
	{ 416, 127 },
	{ 420, 127 },
	{ 421, 127 },
	{ 423, 127 },
	{ 480, 18 },
	{ 481, 41 },
	{ 482, 25 },
	{ 483, 25 },
	{ 484, 28 },
	{ 485, 1 },
	{ 486, 17 },
	{ 500, 41 },
	{ 501, 79 },
	{ 502, 38 },
	{ 503, 41 },
	{ 504, 102 },
	{ 505, 127 },
	{ 513, 127 },
	{ 600, 17 },
	{ 603, 21 },
	{ 604, 1 },
	/* no fixed cause in the RFC: ours */
	{ 487, 16 },
	{ 488, 65 },
	{ 606, 65 },
	{ 409, 31 },
	{ 599, 41 },
	{ 699, 21 },
};

static void test_q850_to_sip(void **state)
{
	for (size_t i = 0; i < sizeof to_sip / sizeof *to_sip; i++) {
		int got = sb_q850_to_sip(to_sip[i].in);
		if (got != to_sip[i].out)
			fail_msg("cause %d -> %d, expected %d", to_sip[i].in, got, to_sip[i].out);
	}
	assert_int_equal(sb_q850_to_sip(16), 0); /* normal clearing: BYE/CANCEL, no status */
}

static void test_sip_to_q850(void **state)
{
	for (size_t i = 0; i < sizeof to_q850 / sizeof *to_q850; i++) {
		int got = sb_sip_to_q850(to_q850[i].in);
		if (got != to_q850[i].out)
			fail_msg("status %d -> %d, expected %d", to_q850[i].in, got,
				 to_q850[i].out);
	}
}

/* The round trips admins care about keep their meaning: busy stays busy, and so on. */
static void test_round_trips(void **state)
{
	static const int causes[] = { 1, 17, 28 };
	for (size_t i = 0; i < sizeof causes / sizeof *causes; i++)
		assert_int_equal(sb_sip_to_q850(sb_q850_to_sip(causes[i])), causes[i]);
	assert_int_equal(sb_q850_to_sip(sb_sip_to_q850(486)), 486);
	assert_int_equal(sb_q850_to_sip(sb_sip_to_q850(404)), 404);
	assert_int_equal(sb_q850_to_sip(sb_sip_to_q850(503)), 503);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_q850_to_sip),
		cmocka_unit_test(test_sip_to_q850),
		cmocka_unit_test(test_round_trips),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
