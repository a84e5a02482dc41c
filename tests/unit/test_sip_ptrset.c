/* test_sip_ptrset.c: the live-leg pointer set (modules/sip/sip_ptrset.c) against a plain array. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sip_ptrset.h"

static void test_basics(void **state)
{
	struct sip_ptrset s = { 0 };
	int a = 0, b = 0;

	assert_false(sip_ptrset_has(&s, &a)); /* empty, never allocated */
	assert_false(sip_ptrset_del(&s, &a));
	assert_int_equal(sip_ptrset_add(&s, NULL), -EINVAL);
	assert_false(sip_ptrset_has(&s, NULL));
	assert_int_equal(sip_ptrset_add(&s, &a), 0);
	assert_int_equal(sip_ptrset_add(&s, &a), 0); /* again: still one member */
	assert_int_equal(s.n, 1);
	assert_true(sip_ptrset_has(&s, &a));
	assert_false(sip_ptrset_has(&s, &b));
	assert_true(sip_ptrset_del(&s, &a));
	assert_false(sip_ptrset_del(&s, &a));
	assert_false(sip_ptrset_has(&s, &a));
	assert_int_equal(s.n, 0);
	sip_ptrset_free(&s);
}

/* Many members added and removed in random order, as legs come and go: after every step the set
 * holds exactly the reference's members (a wrong shift on delete loses a member that probed
 * past the hole; pointers 16 bytes apart, as malloc gives them, collide in their low bits). */
static void test_random(void **state)
{
	enum { N = 5000, STEPS = 200000 };
	struct sip_ptrset s = { 0 };
	char *base = malloc(N * 16);
	bool *in = calloc(N, sizeof *in);
	size_t n = 0;

	assert_non_null(base);
	assert_non_null(in);
	srand(20);
	for (int step = 0; step < STEPS; step++) {
		int k = rand() % N;
		const void *p = base + (size_t)k * 16;
		if (in[k]) {
			assert_true(sip_ptrset_del(&s, p));
			in[k] = false;
			n--;
		} else {
			assert_int_equal(sip_ptrset_add(&s, p), 0);
			in[k] = true;
			n++;
		}
		assert_int_equal(s.n, n);
		if (step % 997 == 0)
			for (int i = 0; i < N; i++)
				assert_int_equal(sip_ptrset_has(&s, base + (size_t)i * 16), in[i]);
	}
	for (int i = 0; i < N; i++)
		assert_int_equal(sip_ptrset_has(&s, base + (size_t)i * 16), in[i]);
	assert_true(s.cap >= 2 * s.n); /* at most half full */
	sip_ptrset_free(&s);
	free(in);
	free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basics),
		cmocka_unit_test(test_random),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
