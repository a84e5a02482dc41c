/* test_license_file.c: license files: the strict format, its signature, and every refusal with
 * its precise reason (bad signature for any changed byte, foreign hardware, dates, line N). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lic_file.h"

#define HWID "c0ffee00112233445566778899aabbcc"

static void *priv, *pub;
static time_t now; /* 2026-11-30 12:00 UTC */

static int setup(void **state)
{
	char b64[64];
	assert_int_equal(lic_key_generate(&priv), 0);
	assert_int_equal(lic_key_public_base64(priv, b64, sizeof b64), 0);
	assert_int_equal(lic_key_public_from_base64(b64, &pub), 0);
	int day;
	assert_int_equal(lic_date_parse("2026-11-30", 10, &day), 0);
	now = (time_t)day * 86400 + 43200;
	return 0;
}

static int teardown(void **state)
{
	lic_key_free(priv);
	lic_key_free(pub);
	return 0;
}

static char *make(const char *issued, const char *expires, const char *hwid, size_t *lenp)
{
	char text[1024], *out;
	snprintf(text, sizeof text,
		 "symbridge-license: 1\nid: T-1\ncustomer: ACME Intercom Ltd.\nhardware-id: %s\n"
		 "issued: %s\nexpires: %s\nlicense: PBX-Port13%%500 100\nlicense: Relay-PRIs 2\n",
		 hwid, issued, expires);
	assert_int_equal(lic_file_sign(text, strlen(text), priv, &out, lenp), 0);
	return out;
}

/* parse + verify, returning the reason ("ok", "malformed", ...) */
static const char *judge(const char *buf, size_t len, char *why, size_t wlen)
{
	static struct lic_file f;
	const char *reason;
	if (lic_file_parse(buf, len, true, &f, why, wlen) < 0)
		return LIC_F_MALFORMED;
	lic_file_verify(&f, buf, pub, HWID, now, &reason, why, wlen);
	return reason;
}

static void test_signed_file_verifies(void **state)
{
	size_t len;
	char why[256], *buf = make("2026-11-01", "2027-11-01", HWID, &len);
	struct lic_file f;

	assert_string_equal(judge(buf, len, why, sizeof why), "ok");
	assert_int_equal(lic_file_parse(buf, len, true, &f, why, sizeof why), 0);
	assert_string_equal(f.id, "T-1");
	assert_string_equal(f.customer, "ACME Intercom Ltd.");
	assert_int_equal(f.nitems, 2);
	assert_int_equal(f.items[0].kind, LIC_PORT);
	assert_int_equal(f.items[0].version, 13);
	assert_int_equal(f.items[0].count, 100);
	assert_string_equal(f.names[0], "PBX-Port13%500");
	/* the canonical form is exactly what was signed */
	char *canon;
	size_t clen;
	assert_int_equal(lic_file_format(&f, &canon, &clen), 0);
	assert_int_equal(clen, f.signed_len);
	assert_memory_equal(canon, buf, clen);
	free(canon);
	free(buf);
}

/* any byte changed, anywhere, is refused */
static void test_every_changed_byte_refused(void **state)
{
	size_t len;
	char why[256], *buf = make("2026-11-01", "never", HWID, &len);
	unsigned accepted = 0;

	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			buf[i] ^= (char)(1 << bit);
			if (strcmp(judge(buf, len, why, sizeof why), "ok") == 0) {
				print_message("byte %zu bit %d changed and still accepted\n", i,
					      bit);
				accepted++;
			}
			buf[i] ^= (char)(1 << bit);
		}
	}
	assert_int_equal(accepted, 0);
	/* a changed count with a valid format is a bad signature, not a parse error */
	char *p = strstr(buf, " 100\n");
	p[1] = '9';
	assert_string_equal(judge(buf, len, why, sizeof why), "bad-signature");
	assert_non_null(strstr(why, "signature does not match"));
	/* cut or extended */
	assert_string_equal(judge(buf, len - 1, why, sizeof why), "malformed");
	free(buf);
}

static void test_signed_with_another_key(void **state)
{
	void *other;
	size_t len;
	char why[256], *buf;
	const char *text = "symbridge-license: 1\nid: X\nhardware-id: " HWID
			   "\nissued: 2026-01-01\nexpires: never\nlicense: PBX-UC13 5\n";

	assert_int_equal(lic_key_generate(&other), 0);
	assert_int_equal(lic_file_sign(text, strlen(text), other, &buf, &len), 0);
	assert_string_equal(judge(buf, len, why, sizeof why), "bad-signature");
	free(buf);
	lic_key_free(other);
}

static void test_foreign_hardware(void **state)
{
	size_t len;
	char why[256], *buf = make("2026-11-01", "never", "deadbeef", &len);

	assert_string_equal(judge(buf, len, why, sizeof why), "foreign-hardware");
	assert_non_null(strstr(why, "bound to hardware id deadbeef, this machine is " HWID));
	free(buf);
}

static void test_dates(void **state)
{
	size_t len;
	char why[256], *buf;

	buf = make("2025-01-01", "2026-11-29", HWID, &len);
	assert_string_equal(judge(buf, len, why, sizeof why), "expired");
	assert_non_null(strstr(why, "expired on 2026-11-29 (today is 2026-11-30)"));
	free(buf);
	buf = make("2025-01-01", "2026-11-30", HWID, &len); /* through the last day */
	assert_string_equal(judge(buf, len, why, sizeof why), "ok");
	free(buf);
	buf = make("2026-12-01", "never", HWID, &len);
	assert_string_equal(judge(buf, len, why, sizeof why), "not-yet-valid");
	assert_non_null(strstr(why, "valid from 2026-12-01"));
	free(buf);
	int d;
	assert_int_equal(lic_date_parse("2028-02-29", 10, &d), 0);
	assert_int_equal(lic_date_parse("2027-02-29", 10, &d), -EINVAL);
	assert_int_equal(lic_date_parse("2027-13-01", 10, &d), -EINVAL);
	char out[16];
	lic_date_format(d = 20787, out, sizeof out);
	assert_int_equal(lic_date_parse(out, 10, &d), 0);
	assert_int_equal(d, 20787);
}

/* malformed line N: each with its line number and what is expected */
static void test_malformed_line_n(void **state)
{
	static const struct {
		const char *text, *why;
	} cases[] = {
		{ "symbridge-license: 2\n", "line 1: format version 2 unknown" },
		{ "symbridge-license: 1\nid: a b\n", "line 2: id: 1 to 64" },
		{ "symbridge-license: 1\nid: A\nissued: 2026-01-01\n",
		  "line 3: expected \"hardware-id: ...\", found \"issued\"" },
		{ "symbridge-license: 1\nid: A\nhardware-id: h\nissued: 2026-1-1\n",
		  "line 4: issued: a date YYYY-MM-DD" },
		{ "symbridge-license: 1\nid: A\nhardware-id: h\nissued: 2026-01-01\nexpires: "
		  "never\nlicense: PBX-Port13%600 1\n",
		  "line 6: PBX-Port tier \"%600\" unknown" },
		{ "symbridge-license: 1\nid: A\nhardware-id: h\nissued: 2026-01-01\nexpires: "
		  "never\nlicense: PBX-Port13 01\n",
		  "line 6: count of PBX-Port13 must be a number" },
		{ "symbridge-license: 1\nid: A\nhardware-id: h\nissued: 2026-01-01\nexpires: "
		  "never\nlicense: PBX-Port13 1 \n",
		  "line 6: trailing space" },
		{ "symbridge-license: 1\r\n", "line 1: byte 0x0d at column 21" },
		{ "symbridge-license: 1\nid: A\nhardware-id: h\nissued: 2026-01-01\nexpires: "
		  "never\n",
		  "line 6: the file ends before \"license: ...\"" },
		{ "symbridge-license: 1\nid: A\nhardware-id: h\nissued: 2026-01-01\nexpires: "
		  "never\nlicense: PBX-UC13 1\n",
		  "line 7: the file ends before \"signature: ...\"" },
		{ "symbridge-license: 1\nid: A\nhardware-id: h\nissued: 2026-01-01\nexpires: "
		  "never\nlicense: PBX-UC13 1\nsignature: abc\n",
		  "line 7: signature: 88 characters of base64" },
		{ "symbridge-license: 1", "line 1: the last line does not end with a newline" },
	};
	struct lic_file f;
	char why[256];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = lic_file_parse(cases[i].text, strlen(cases[i].text), true, &f, why,
					sizeof why);
		if (rc != -EINVAL || !strstr(why, cases[i].why))
			fail_msg("case %zu: rc %d, \"%s\", expected \"%s\"", i, rc, why,
				 cases[i].why);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed_file_verifies),
		cmocka_unit_test(test_every_changed_byte_refused),
		cmocka_unit_test(test_signed_with_another_key),
		cmocka_unit_test(test_foreign_hardware),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_malformed_line_n),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
