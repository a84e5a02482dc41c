/* test_log.c: log levels per subsystem (set at run time) and the call id on the lines of a call. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core.h"
#include "loglevels.h"

/* what sb_log wrote to stderr while fn ran */
static char out[8192];
static void capture(void (*fn)(void))
{
	char path[] = "/tmp/test_log.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);

	assert_true(fd >= 0);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	memset(out, 0, sizeof out);
	assert_true(pread(fd, out, sizeof out - 1, 0) >= 0);
	close(fd);
	unlink(path);
}

static void lines_of_a_call(void)
{
	sb_log(SB_LOG_INFO, "sip", "before");
	unsigned long long prev = sb_log_call_set(7);
	sb_log(SB_LOG_INFO, "media", "relaying");
	sb_log(SB_LOG_INFO, "sip", "call 7: named already");
	sb_log_call_set(prev);
	sb_log(SB_LOG_INFO, "sip", "after");
}

static void test_call_id_on_lines(void **state)
{
	sb__log_set_level(SB_LOG_INFO);
	capture(lines_of_a_call);
	assert_non_null(strstr(out, " info sip: before\n"));
	assert_non_null(strstr(out, " info media: call 7: relaying\n"));
	assert_non_null(strstr(out, " info sip: call 7: named already\n")); /* not twice */
	assert_null(strstr(out, "call 7: call 7"));
	assert_non_null(strstr(out, " info sip: after\n"));
}

static void debug_lines(void)
{
	sb_log(SB_LOG_DEBUG, "sip", "sip detail");
	sb_log(SB_LOG_DEBUG, "isdn", "isdn detail");
	sb_log(SB_LOG_DEBUG, "store", "store detail");
	sb_log(SB_LOG_INFO, "isdn", "isdn info");
}

static void test_levels_per_subsystem(void **state)
{
	sb__log_set_level(SB_LOG_INFO);
	sb__log_set_sub_level(SB_LOG_SUB_sip, SB_LOG_DEBUG);
	sb__log_set_sub_level(SB_LOG_SUB_isdn, SB_LOG_WARN);
	assert_true(sb_log_enabled_for(SB_LOG_DEBUG, "sip"));
	assert_false(sb_log_enabled_for(SB_LOG_DEBUG, "media"));
	assert_true(sb_log_enabled(SB_LOG_DEBUG)); /* some subsystem logs debug */
	capture(debug_lines);
	assert_non_null(strstr(out, "sip: sip detail"));
	assert_null(strstr(out, "isdn detail"));
	assert_null(strstr(out, "isdn info"));    /* isdn at warn */
	assert_null(strstr(out, "store detail")); /* store is the core's: info */

	bool own;
	assert_int_equal(sb__log_sub_level(SB_LOG_SUB_sip, &own), SB_LOG_DEBUG);
	assert_true(own);
	/* a reload's system.log_level moves the others, not the ones set at run time */
	sb__log_set_level(SB_LOG_NOTICE);
	assert_int_equal(sb__log_sub_level(SB_LOG_SUB_core, &own), SB_LOG_NOTICE);
	assert_false(own);
	assert_int_equal(sb__log_sub_level(SB_LOG_SUB_sip, &own), SB_LOG_DEBUG);
	/* "default" gives it back */
	sb__log_set_sub_level(SB_LOG_SUB_sip, -1);
	sb__log_set_sub_level(SB_LOG_SUB_isdn, -1);
	assert_int_equal(sb__log_sub_level(SB_LOG_SUB_sip, &own), SB_LOG_NOTICE);
	assert_false(sb_log_enabled(SB_LOG_DEBUG));
	assert_int_equal(sb__log_subsystem("license"), SB_LOG_SUB_license);
	assert_int_equal(sb__log_subsystem("radio"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_id_on_lines),
		cmocka_unit_test(test_levels_per_subsystem),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
