/* test_sip_text.c: listening addresses as sip.listen writes them, retry pauses and refresh times. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sip.h"

static void test_listen_parse(void **state)
{
	struct sip_listen l;
	const char *why;
	char url[128];

	assert_int_equal(sip_listen_parse("udp:127.0.0.1:5070", &l, &why), 0);
	assert_int_equal(l.proto, SIP_PROTO_UDP);
	assert_string_equal(l.host, "127.0.0.1");
	assert_int_equal(l.port, 5070);
	assert_int_equal(sip_listen_url(&l, url, sizeof url), 0);
	assert_string_equal(url, "sip:127.0.0.1:5070;transport=udp");

	assert_int_equal(sip_listen_parse("tls:[::1]", &l, &why), 0);
	assert_int_equal(l.port, 5061); /* the default port of TLS */
	assert_int_equal(sip_listen_url(&l, url, sizeof url), 0);
	assert_string_equal(url, "sips:[::1]:5061;transport=tls");

	assert_int_equal(sip_listen_parse("tcp:0.0.0.0", &l, &why), 0);
	assert_int_equal(l.port, 5060);

	const char *bad[] = { "127.0.0.1:5060",
			      "sctp:127.0.0.1:5060",
			      "udp::5060",
			      "udp:example.com:5060",
			      "udp:127.0.0.1:0",
			      "udp:127.0.0.1:65536",
			      "udp:127.0.0.1:50x",
			      "udp:[::1",
			      "udp:[::1]x",
			      "udp:127.0.0.1:",
			      NULL };
	for (int i = 0; bad[i]; i++) {
		why = NULL;
		assert_int_equal(sip_listen_parse(bad[i], &l, &why), -EINVAL);
		assert_non_null(why);
	}
}

static void test_listen_urls(void **state)
{
	char *both[] = { "udp:127.0.0.1:5070", "tcp:127.0.0.1:5070", "tls:127.0.0.1:5071" };
	char *apart[] = { "udp:127.0.0.1:5070", "tcp:127.0.0.1:5080" };
	char *twice[] = { "udp:127.0.0.1:5070", "udp:127.0.0.1:5080" };
	struct sb_strlist l = { both, 3 };
	char plain[128], tls[128];
	const char *why = NULL;

	assert_int_equal(sip_listen_urls(&l, plain, sizeof plain, tls, sizeof tls, &why), 0);
	assert_string_equal(plain, "sip:127.0.0.1:5070"); /* UDP and TCP together */
	assert_string_equal(tls, "sips:127.0.0.1:5071;transport=tls");
	l = (struct sb_strlist){ both, 1 };
	assert_int_equal(sip_listen_urls(&l, plain, sizeof plain, tls, sizeof tls, &why), 0);
	assert_string_equal(plain, "sip:127.0.0.1:5070;transport=udp");
	assert_string_equal(tls, "");
	l = (struct sb_strlist){ apart, 2 };
	assert_int_equal(sip_listen_urls(&l, plain, sizeof plain, tls, sizeof tls, &why), -EINVAL);
	assert_non_null(strstr(why, "share"));
	l = (struct sb_strlist){ twice, 2 };
	assert_int_equal(sip_listen_urls(&l, plain, sizeof plain, tls, sizeof tls, &why), -EINVAL);
}

static void test_backoff(void **state)
{
	/* doubling from the minimum, capped at the maximum, jitter within [d/2, d] */
	assert_int_equal(sip_backoff_ms(1, 2000, 300000, 0), 1000);
	assert_int_equal(sip_backoff_ms(1, 2000, 300000, UINT32_MAX), 1999);
	assert_int_equal(sip_backoff_ms(2, 2000, 300000, 0), 2000);
	assert_int_equal(sip_backoff_ms(3, 2000, 300000, 0), 4000);
	assert_int_equal(sip_backoff_ms(20, 2000, 300000, 0), 150000);
	assert_true(sip_backoff_ms(20, 2000, 300000, UINT32_MAX) <= 300000);
	assert_int_equal(sip_backoff_ms(1000000, 2000, 300000, 0), 150000); /* never overflows */
	for (uint32_t r = 0; r < 4000000000u; r += 123456789) {
		uint64_t d = sip_backoff_ms(4, 1000, 5000, r);
		assert_true(d >= 2500 && d <= 5000);
	}
}

static void test_refresh(void **state)
{
	assert_int_equal(sip_refresh_ms(3600), 3240000); /* 90 % */
	assert_int_equal(sip_refresh_ms(60), 54000);
	assert_int_equal(sip_refresh_ms(1), 1000); /* at least a second */
	assert_int_equal(sip_refresh_ms(0), 1000);
}

static void test_host_of(void **state)
{
	char h[64];

	assert_int_equal(sip_host_of("sip:alice@192.0.2.7:5070;transport=udp", h, sizeof h), 0);
	assert_string_equal(h, "192.0.2.7");
	assert_int_equal(sip_host_of("<sips:[2001:db8::1]:5061;transport=tls>", h, sizeof h), 0);
	assert_string_equal(h, "2001:db8::1");
	assert_int_equal(sip_host_of("<sip:10.1.2.3>", h, sizeof h), 0);
	assert_string_equal(h, "10.1.2.3");
	assert_int_equal(sip_host_of("intercom.example.com:5060", h, sizeof h), 0);
	assert_string_equal(h, "intercom.example.com");
	assert_int_equal(sip_host_of("127.0.0.1", h, sizeof h), 0);
	assert_string_equal(h, "127.0.0.1");
	assert_int_equal(sip_host_of("sip:bob@", h, sizeof h), -1);
	assert_int_equal(sip_host_of("<sips:[::1>", h, sizeof h), -1);
	assert_int_equal(sip_host_of(NULL, h, sizeof h), -1);
	assert_int_equal(sip_host_of("sip:averyveryverylonghostname.example.com", h, 8), -1);
}

static void test_source_toward(void **state)
{
	char a[64];

	/* loopback is reached from loopback; a name is not looked up; garbage is refused */
	assert_int_equal(sip_source_toward("127.0.0.1", a, sizeof a), 0);
	assert_string_equal(a, "127.0.0.1");
	assert_int_equal(sip_source_toward("127.1.2.3", a, sizeof a), 0);
	assert_string_equal(a, "127.0.0.1");
	assert_int_equal(sip_source_toward("cloud.example.com", a, sizeof a), -1);
	assert_int_equal(sip_source_toward("", a, sizeof a), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_parse), cmocka_unit_test(test_listen_urls),
		cmocka_unit_test(test_backoff),      cmocka_unit_test(test_refresh),
		cmocka_unit_test(test_host_of),      cmocka_unit_test(test_source_toward),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
