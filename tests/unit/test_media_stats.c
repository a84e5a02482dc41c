/* test_media_stats.c: the receive counters (RFC 3550 A.1 probation and dropout, A.3 loss, A.8
 * jitter) and the E-model (ITU-T G.107) of media_stats.c. */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "media.h"

#define CLOCK 8000

/* n packets of 20 ms from seq, arriving exactly on time (no jitter) */
static void feed(struct media_rx_seq *s, uint16_t seq, unsigned n, uint32_t ts0, int64_t at0)
{
	for (unsigned i = 0; i < n; i++)
		media_rx_seq_update(s, (uint16_t)(seq + i), ts0 + 160 * i, at0 + 160 * i, CLOCK);
}

/* A.1: the first packet is on probation; the second in sequence makes the source valid */
static void test_probation(void **state)
{
	struct media_rx_seq s = { 0 };

	assert_int_equal(media_rx_seq_update(&s, 100, 0, 0, CLOCK), 0);
	assert_int_equal(media_rx_seq_expected(&s), 0);
	assert_int_equal(media_rx_seq_update(&s, 101, 160, 160, CLOCK), 1);
	feed(&s, 102, 98, 320, 320);
	assert_int_equal(media_rx_seq_expected(&s), 99);
	assert_int_equal(s.received, 99);
	assert_int_equal(media_rx_seq_lost(&s), 0);
	assert_true(s.jitter < 0.001);
}

/* A.3: a clean stream losing every 20th packet shows exactly 5 % lost, across a wrap */
static void test_loss_and_wrap(void **state)
{
	struct media_rx_seq s = { 0 };
	unsigned sent = 0;

	for (unsigned i = 0; i < 2000; i++) {
		uint16_t seq = (uint16_t)(65000 + i); /* wraps after 536 packets */
		sent++;
		if (i > 2 && i % 20 == 0)
			continue;
		media_rx_seq_update(&s, seq, 160 * i, 160 * i, CLOCK);
	}
	assert_int_equal(s.cycles, 65536);
	assert_int_equal(media_rx_seq_expected(&s), sent - 1); /* the probation packet */
	assert_int_equal(media_rx_seq_lost(&s), 99);
	/* a duplicate counts as received: loss never goes below 0 */
	for (int i = 0; i < 200; i++)
		media_rx_seq_update(&s, (uint16_t)(65000 + 1999), 160 * 1999, 160 * 1999, CLOCK);
	assert_int_equal(media_rx_seq_lost(&s), 0);
}

/* Forged packets with a far-off sequence number: one alone is ignored, and a pair that restarts
 * the numbering loses nothing that was not lost; the real stream picks up again the same way. */
static void test_forged_jumps(void **state)
{
	struct media_rx_seq s = { 0 };

	feed(&s, 1000, 100, 0, 0);
	assert_int_equal(media_rx_seq_lost(&s), 0);
	/* 50 single forged packets, each 30000 ahead, interleaved with the real stream */
	for (unsigned i = 0; i < 50; i++) {
		assert_int_equal(media_rx_seq_update(&s, (uint16_t)(31100 + 7 * i), 0, 0, CLOCK), 0);
		media_rx_seq_update(&s, (uint16_t)(1100 + i), 160 * (100 + i), 160 * (100 + i),
				    CLOCK);
	}
	assert_int_equal(media_rx_seq_lost(&s), 0);
	assert_int_equal(media_rx_seq_ext_max(&s), 1149);
	/* a forged pair in sequence: the numbering restarts, still nothing counted lost */
	media_rx_seq_update(&s, 40000, 0, 0, CLOCK);
	media_rx_seq_update(&s, 40001, 0, 0, CLOCK);
	assert_int_equal(media_rx_seq_lost(&s), 0);
	/* the real stream goes on: after its first packet it restarts again */
	feed(&s, 1150, 50, 160 * 150, 160 * 150);
	assert_true(media_rx_seq_lost(&s) <= 1);
	/* a forged jump of less than MAX_DROPOUT is a gap by the rules: that much can be lost */
	media_rx_seq_update(&s, 1200 + 2000, 0, 0, CLOCK);
	assert_true(media_rx_seq_lost(&s) <= 2001);
}

/* A.8: J moves by 1/16 of each transit difference; mean and max follow it */
static void test_jitter(void **state)
{
	struct media_rx_seq s = { 0 };

	feed(&s, 1, 2, 0, 0);
	/* one packet 80 units (10 ms) late, then on time again */
	media_rx_seq_update(&s, 3, 320, 320 + 80, CLOCK);
	assert_true(fabs(s.jitter - 5.0) < 1e-9); /* 80 / 16 */
	media_rx_seq_update(&s, 4, 480, 480, CLOCK);
	assert_true(fabs(s.jitter - (5.0 + (80 - 5.0) / 16)) < 1e-9);
	assert_true(fabs(s.jitter_max - s.jitter) < 1e-9);
	feed(&s, 5, 200, 640, 640);
	assert_true(s.jitter < 0.01);
	assert_true(s.jitter_max > 9.6);
	assert_true(s.jitter_sum / s.jitter_n < s.jitter_max);
	/* a timestamp jump of a new source is not jitter */
	media_rx_seq_update(&s, 205, 640 + 160 * 200 + CLOCK * 20, 640 + 160 * 200, CLOCK);
	assert_true(s.jitter < 0.01);
}

/* G.107: R 93.2 on a clean, short path gives MOS 4.41; 5 % loss with G.711 PLC (Bpl 25.1)
 * takes Ie,eff = 95 * 5 / 30.1 = 15.78, R 77.4 and a MOS near 3.9; a long delay costs more */
static void test_emodel(void **state)
{
	double r0 = media_emodel_r(MEDIA_PCMA, 0, 0);
	double r5 = media_emodel_r(MEDIA_PCMA, 5, 0);

	assert_true(fabs(r0 - 93.2) < 1e-9);
	assert_true(fabs(media_r_to_mos(r0) - 4.41) < 0.01);
	assert_true(fabs(r5 - (93.2 - 95.0 * 5 / 30.1)) < 1e-9);
	assert_true(media_r_to_mos(r5) > 3.8 && media_r_to_mos(r5) < 4.0);
	/* 300 ms one way: Id = 7.2 + 0.11 * 122.7 */
	assert_true(fabs(media_emodel_r(MEDIA_PCMA, 0, 300) - (93.2 - 7.2 - 0.11 * 122.7)) <
		    1e-9);
	assert_true(media_r_to_mos(0) == 1.0 && media_r_to_mos(100) == 4.5);
	assert_true(media_emodel_r(MEDIA_PCMA, 100, 1000) == 0);
	/* both G.711 laws are narrow band, with the same constants */
	assert_false(media_emodel_wideband(MEDIA_PCMU) || media_emodel_wideband(MEDIA_PCMA));
	assert_true(media_emodel_r(MEDIA_PCMU, 5, 40) == media_emodel_r(MEDIA_PCMA, 5, 40));
	assert_true(media_emodel_mos(MEDIA_PCMA, r0) == media_r_to_mos(r0));
}

/* G.107.1: a clean G.722 or Opus call is R 129 - Ie,WB 13 = 116 on the wide scale, MOS from
 * 116 / 1.29 (G.107.1 Annex A); 5 % loss takes Ie,eff = 13 + 116 * 5 / 30.1; delay costs 1.29
 * times G.107's Id, so 300 ms costs the same MOS whatever the band */
static void test_emodel_wideband(void **state)
{
	enum media_codec wb[] = { MEDIA_G722, MEDIA_OPUS };

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		double r0 = media_emodel_r(wb[i], 0, 0);
		double r5 = media_emodel_r(wb[i], 5, 0);
		double r300 = media_emodel_r(wb[i], 0, 300);
		double rn300 = media_emodel_r(MEDIA_PCMA, 0, 300);

		assert_true(media_emodel_wideband(wb[i]));
		assert_true(fabs(r0 - 116) < 1e-9);
		assert_true(fabs(media_emodel_mos(wb[i], r0) - media_r_to_mos(116 / 1.29)) < 1e-12);
		assert_true(fabs(media_emodel_mos(wb[i], r0) - 4.34) < 0.01);
		assert_true(fabs(r5 - (129 - 13 - 116.0 * 5 / 30.1)) < 1e-9);
		assert_true(media_emodel_mos(wb[i], r5) < media_emodel_mos(wb[i], r0));
		assert_true(fabs((116 - r300) - 1.29 * (93.2 - rn300)) < 1e-9);
		/* the wide scale ends at 129, not 100; never below 0 */
		assert_true(media_emodel_r(wb[i], 100, 2000) == 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probation),     cmocka_unit_test(test_loss_and_wrap),
		cmocka_unit_test(test_forged_jumps),  cmocka_unit_test(test_jitter),
		cmocka_unit_test(test_emodel),	      cmocka_unit_test(test_emodel_wideband),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
