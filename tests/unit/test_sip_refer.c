/* test_sip_refer.c: Refer-To parsing for call transfer: the number to ring and Replaces. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sip_refer.h"

static void test_blind(void **state)
{
	struct sip_refer r;

	(void)state;
	assert_int_equal(sip_refer_parse("401", NULL, &r), 0);
	assert_string_equal(r.number, "401");
	assert_false(r.replaces);
	assert_int_equal(sip_refer_parse("+4930123*9#", "", &r), 0);
	assert_string_equal(r.number, "+4930123*9#");
	/* headers other than Replaces are no attended transfer */
	assert_int_equal(sip_refer_parse("401", "Accept-Contact=x&Call-Info=y", &r), 0);
	assert_false(r.replaces);
}

static void test_bad_number(void **state)
{
	struct sip_refer r;

	(void)state;
	assert_int_equal(sip_refer_parse("desk", NULL, &r), -EINVAL);
	assert_int_equal(sip_refer_parse("", NULL, &r), -EINVAL);
	assert_int_equal(sip_refer_parse(NULL, NULL, &r), -EINVAL);
	assert_int_equal(sip_refer_parse("40 1", NULL, &r), -EINVAL);
	assert_int_equal(sip_refer_parse("123456789012345678901234567890123", NULL, &r), -EINVAL);
	assert_int_equal(sip_refer_parse("12345678901234567890123456789012", NULL, &r), 0);
}

static void test_replaces(void **state)
{
	struct sip_refer r;

	(void)state;
	/* RFC 5589 section 7.1's example, escaped as in a URI */
	assert_int_equal(sip_refer_parse("401",
					 "Replaces=090459243588173445%40192.168.1.2%3Bto-tag%"
					 "3D7553452%3Bfrom-tag%3D31431",
					 &r),
			 0);
	assert_true(r.replaces);
	assert_string_equal(r.call_id, "090459243588173445@192.168.1.2");
	assert_string_equal(r.to_tag, "7553452");
	assert_string_equal(r.from_tag, "31431");
	/* after another header, tags in either order, with early-only */
	assert_int_equal(
		sip_refer_parse("401", "X=1&Replaces=abc%3Bfrom-tag%3Df%3Bto-tag%3Dt%3Bearly-only",
				&r),
		0);
	assert_string_equal(r.call_id, "abc");
	assert_string_equal(r.to_tag, "t");
	assert_string_equal(r.from_tag, "f");
}

static void test_bad_replaces(void **state)
{
	struct sip_refer r;

	(void)state;
	assert_int_equal(sip_refer_parse("401", "Replaces=abc%3Bto-tag%3Dt", &r), -EINVAL);
	assert_int_equal(sip_refer_parse("401", "Replaces=%3Bto-tag%3Dt%3Bfrom-tag%3Df", &r),
			 -EINVAL);
	assert_int_equal(sip_refer_parse("401", "Replaces=abc%3", &r), -EINVAL);
	assert_int_equal(sip_refer_parse("401", "Replaces=abc%zz", &r), -EINVAL);
	assert_int_equal(sip_refer_parse("401", "Replaces=a%00b%3Bto-tag%3Dt%3Bfrom-tag%3Df", &r),
			 -EINVAL);
	assert_int_equal(sip_refer_parse("401", "Replaces=abc%3Bto-tag%3D%3Bfrom-tag%3Df", &r),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blind),
		cmocka_unit_test(test_bad_number),
		cmocka_unit_test(test_replaces),
		cmocka_unit_test(test_bad_replaces),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
