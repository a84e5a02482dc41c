/* test_cdr_text.c: times as admins type them, and the CSV export's form. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cdr_sample.h"

#define SEC 1000000LL
#define T0  (1795824000LL * SEC) /* 2026-11-28 00:00:00 UTC */

static int utc(void **state)
{
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

static void test_parse_times(void **state)
{
	int64_t t;

	assert_int_equal(cdr_parse_time("2026-11-28", 0, &t), 0);
	assert_int_equal(t, T0);
	assert_int_equal(cdr_parse_time("2026-11-28 02:14", 0, &t), 0);
	assert_int_equal(t, T0 + (2 * 3600 + 14 * 60) * SEC);
	assert_int_equal(cdr_parse_time("2026-11-28T02:14:05", 0, &t), 0);
	assert_int_equal(t, T0 + (2 * 3600 + 14 * 60 + 5) * SEC);
	assert_int_equal(cdr_parse_time("2026-11-28T02:14:05Z", 0, &t), 0);
	assert_int_equal(t, T0 + (2 * 3600 + 14 * 60 + 5) * SEC);
	assert_int_equal(cdr_parse_time("2026-11-28T02:14:05+01:00", 0, &t), 0);
	assert_int_equal(t, T0 + (1 * 3600 + 14 * 60 + 5) * SEC);
	assert_int_equal(cdr_parse_time("2026-11-28T02:14-0530", 0, &t), 0);
	assert_int_equal(t, T0 + (7 * 3600 + 44 * 60) * SEC);
	assert_int_equal(cdr_parse_time("@1795824000", 0, &t), 0);
	assert_int_equal(t, T0);
	assert_int_equal(cdr_parse_time("-2h", T0, &t), 0);
	assert_int_equal(t, T0 - 7200 * SEC);
	assert_int_equal(cdr_parse_time("-7d", T0, &t), 0);
	assert_int_equal(t, T0 - 7 * 86400 * SEC);
	assert_int_equal(cdr_parse_time("-30m", T0, &t), 0);
	assert_int_equal(t, T0 - 1800 * SEC);
}

static void test_parse_refuses(void **state)
{
	const char *bad[] = { "",
			      "yesterday",
			      "2026-13-01",
			      "2026-02-30",
			      "2026-11-28 25:00",
			      "2026-11-28T02",
			      "2026-11-28 02:14:5",
			      "2026/11/28",
			      "-2w",
			      "-h",
			      "--2h",
			      "@",
			      "@12a",
			      "2026-11-28T02:14+25:00",
			      "2026-11-28Tx",
			      "1969-12-31",
			      "2026-11-28 02:14 extra" };
	int64_t t = 42;

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (cdr_parse_time(bad[i], T0, &t) == 0)
			fail_msg("\"%s\" was taken for a time", bad[i]);
	}
	assert_int_equal(t, 42);
	assert_int_equal(cdr_parse_time(NULL, T0, &t), -EINVAL);
}

static void test_format(void **state)
{
	char buf[64];
	struct cdr_leg leg = { .kind = CDR_LEG_CARD, .slot = 3, .channel = 17 };

	cdr_format_time(T0 + 5 * SEC, buf, sizeof buf);
	assert_string_equal(buf, "2026-11-28 00:00:05");
	cdr_format_time(0, buf, sizeof buf);
	assert_string_equal(buf, "-");
	cdr_format_iso(T0 + 5 * SEC + 123456, buf, sizeof buf);
	assert_string_equal(buf, "2026-11-28T00:00:05.123+00:00");
	cdr_format_leg(&leg, buf, sizeof buf);
	assert_string_equal(buf, "3/17");
	leg = (struct cdr_leg){ .kind = CDR_LEG_STATION, .name = "alice" };
	cdr_format_leg(&leg, buf, sizeof buf);
	assert_string_equal(buf, "station alice");
	leg = (struct cdr_leg){ .kind = CDR_LEG_LINK, .slot = 4, .name = "desk" };
	cdr_format_leg(&leg, buf, sizeof buf);
	assert_string_equal(buf, "4"); /* a link card has no channels */
	assert_string_equal(cdr_leg_kind_name(CDR_LEG_CLOUD), "cloud");
	assert_string_equal(cdr_leg_kind_name(CDR_LEG_TRUNK), "trunk");
}

/* one header, one line per record with as many fields as the header; quotes per RFC 4180 */
static void test_csv(void **state)
{
	struct cdr_record rec;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	size_t hdr_fields = 1, row_fields = 1;
	char *nl;

	cdr_sample(&rec, 5);
	rec.id = (uint64_t)T0;
	rec.state = CDR_CLOSED;
	rec.start_us = T0;
	rec.answer_us = T0 + 2 * SEC;
	rec.end_us = T0 + 62 * SEC + 500000;
	snprintf(rec.leg[1].name, sizeof rec.leg[1].name, "a \"b\", c\n");
	snprintf(rec.reason, sizeof rec.reason, "normal");
	rec.leg[1].kind = CDR_LEG_STATION;
	cdr_csv_header(out);
	cdr_csv_row(out, &rec);
	fclose(out);
	nl = strchr(text, '\n');
	assert_non_null(nl);
	for (char *p = text; p < nl; p++)
		hdr_fields += *p == ',';
	assert_int_equal(hdr_fields, 10 + 2 * 15);
	assert_non_null(strstr(text,
			       "\n1795824000000000,2026-11-28T00:00:00.000+00:00,"
			       "2026-11-28T00:00:02.000+00:00,2026-11-28T00:01:02.500+00:00,"
			       "60.500,to-cloud,ended,49301005,100,normal,2/6,trunk,49301005,PCMA,"
			       "yes,no,0,16,1500,1498,2,1.250,4.100,31.000,4.30,"));
	assert_non_null(
		strstr(text, ",\"station a \"\"b\"\", c?\",station,100,G722,yes,yes,200,0,"));
	/* count fields of the row outside quotes */
	bool q = false;
	for (char *p = nl + 1; *p && *p != '\n'; p++) {
		if (*p == '"')
			q = !q;
		else if (*p == ',' && !q)
			row_fields++;
	}
	assert_int_equal(row_fields, hdr_fields);
	assert_int_equal(text[len - 1], '\n');
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_times),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_csv),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, utc, NULL);
}
