/* test_sip_reg.c: the registrar's decisions on REGISTER requests parsed by sofia-sip: challenge,
 * digest check, the same answer for a wrong user and a wrong password, 423, 403, unregister. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sofia-sip/auth_digest.h>

#include "sip_sample.h"

#define NOW 1000000 /* ms on the registrar's clock */

/* Build a REGISTER for user, with Expires and optionally credentials for (auth_user, pass)
 * answering nonce; handle it at time now. */
static void do_register(const char *user, const char *contact, int expires, const char *auth_user,
			const char *pass, const char *nonce, uint64_t now, struct sip_reg_answer *a)
{
	char text[2048], auth[512] = "";
	static unsigned cseq = 1;

	if (auth_user) {
		auth_response_t ar[1];
		auth_hexmd5_t ha1, resp;
		memset(ar, 0, sizeof ar);
		ar->ar_size = sizeof ar[0];
		ar->ar_username = auth_user;
		ar->ar_realm = "symbridge";
		ar->ar_nonce = nonce;
		ar->ar_uri = "sip:127.0.0.1";
		ar->ar_cnonce = "0a4f113b";
		ar->ar_nc = "00000001";
		ar->ar_qop = "auth";
		ar->ar_md5 = ar->ar_auth = 1;
		auth_digest_ha1(ha1, auth_user, "symbridge", pass);
		assert_int_equal(auth_digest_response(ar, resp, ha1, "REGISTER", NULL, 0), 0);
		snprintf(auth, sizeof auth,
			 "Authorization: Digest username=\"%s\", realm=\"symbridge\", "
			 "nonce=\"%s\", uri=\"sip:127.0.0.1\", response=\"%s\", algorithm=MD5, "
			 "cnonce=\"0a4f113b\", nc=00000001, qop=auth\r\n",
			 auth_user, nonce, resp);
	}
	int n = snprintf(text, sizeof text,
			 "REGISTER sip:127.0.0.1 SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK%u\r\n"
			 "From: <sip:%s@127.0.0.1>;tag=a%u\r\n"
			 "To: <sip:%s@127.0.0.1>\r\n"
			 "Call-ID: reg-%s@127.0.0.1\r\n"
			 "CSeq: %u REGISTER\r\n"
			 "Contact: %s\r\n"
			 "Expires: %d\r\n"
			 "%s"
			 "Content-Length: 0\r\n\r\n",
			 cseq, user, cseq, user, user, cseq, contact, expires, auth);
	cseq++;
	msg_t *msg = sample_parse(text, (size_t)n);
	assert_non_null(msg);
	assert_int_equal(sip_reg_handle(sip_object(msg), "127.0.0.1:5099", now, a), 0);
	msg_destroy(msg);
}

/* the nonce of a 401's WWW-Authenticate */
static void nonce_of(const struct sip_reg_answer *a, char out[64])
{
	const char *p = strstr(a->www_authenticate, "nonce=\"");
	assert_non_null(p);
	p += 7;
	size_t n = strcspn(p, "\"");
	assert_true(n < 64);
	memcpy(out, p, n);
	out[n] = '\0';
}

static size_t bindings_of(const char *user)
{
	size_t n, k = 0;
	const struct sip_binding *b = sip_reg_bindings(NOW, &n);
	for (size_t i = 0; i < n; i++)
		k += strcmp(b[i].user, user) == 0;
	return k;
}

static void test_challenge_then_register(void **state)
{
	struct sip_reg_answer a;
	char nonce[64];

	do_register("d1", "<sip:d1@127.0.0.1:5099>", 600, NULL, NULL, NULL, NOW, &a);
	assert_int_equal(a.status, 401);
	assert_non_null(strstr(a.www_authenticate, "Digest realm=\"symbridge\""));
	assert_non_null(strstr(a.www_authenticate, "qop=\"auth\""));
	nonce_of(&a, nonce);
	assert_int_equal(sip_reg_nonce_check(nonce, NOW), 1);
	assert_int_equal(sip_reg_nonce_check(nonce, NOW + 301 * 1000), 0); /* stale later */
	do_register("d1", "<sip:d1@127.0.0.1:5099>", 600, "d1", "door-pass-1", nonce, NOW, &a);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.contact, "<sip:d1@127.0.0.1:5099>;expires=600"));
	assert_int_equal(bindings_of("d1"), 1);
}

static void test_same_answer_for_wrong_user_and_password(void **state)
{
	struct sip_reg_answer a, b;
	char nonce[64], n1[64], n2[64];

	do_register("d2", "<sip:d2@127.0.0.1:5099>", 600, NULL, NULL, NULL, NOW, &a);
	nonce_of(&a, nonce);
	do_register("d2", "<sip:d2@127.0.0.1:5099>", 600, "d2", "not-the-password", nonce, NOW, &a);
	do_register("zz", "<sip:zz@127.0.0.1:5099>", 600, "zz", "door-pass-2", nonce, NOW, &b);
	assert_int_equal(a.status, 401);
	assert_int_equal(b.status, 401);
	assert_ptr_equal(a.phrase, b.phrase);
	nonce_of(&a, n1);
	nonce_of(&b, n2);
	/* identical once the (fresh) nonce is set aside */
	char *pa = strstr(a.www_authenticate, n1), *pb = strstr(b.www_authenticate, n2);
	memset(pa, 'x', strlen(n1));
	memset(pb, 'x', strlen(n2));
	assert_string_equal(a.www_authenticate, b.www_authenticate);
	assert_int_equal(bindings_of("d2"), 0);
	assert_int_equal(bindings_of("zz"), 0);
}

static void test_forged_and_stale_nonces(void **state)
{
	struct sip_reg_answer a;
	char nonce[64];

	/* a nonce we did not make is refused even with the right password */
	do_register("d2", "<sip:d2@127.0.0.1:5099>", 600, "d2", "door-pass-2",
		    "0000000000000001ffffffffffffffffffffffffffffffff", NOW, &a);
	assert_int_equal(a.status, 401);
	assert_null(strstr(a.www_authenticate, "stale"));
	/* an old one of ours gets a new challenge marked stale */
	do_register("d2", "<sip:d2@127.0.0.1:5099>", 600, NULL, NULL, NULL, NOW, &a);
	nonce_of(&a, nonce);
	do_register("d2", "<sip:d2@127.0.0.1:5099>", 600, "d2", "door-pass-2", nonce,
		    NOW + 400 * 1000, &a);
	assert_int_equal(a.status, 401);
	assert_non_null(strstr(a.www_authenticate, "stale=true"));
}

static void test_interval_other_user_unregister(void **state)
{
	struct sip_reg_answer a;
	char nonce[64];

	do_register("d2", "<sip:d2@127.0.0.1:5099>", 600, NULL, NULL, NULL, NOW, &a);
	nonce_of(&a, nonce);
	do_register("d2", "<sip:d2@127.0.0.1:5099>", 10, "d2", "door-pass-2", nonce, NOW, &a);
	assert_int_equal(a.status, 423);
	assert_int_equal(a.min_expires, 60);
	/* a station may register itself only */
	do_register("d1", "<sip:d1@127.0.0.1:5098>", 600, "d2", "door-pass-2", nonce, NOW, &a);
	assert_int_equal(a.status, 403);
	/* longer than max_expires is cut down */
	do_register("d2", "<sip:d2@127.0.0.1:5099>", 99999, "d2", "door-pass-2", nonce, NOW, &a);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.contact, "expires=3600"));
	do_register("d2", "<sip:d2@127.0.0.1:5097>", 600, "d2", "door-pass-2", nonce, NOW, &a);
	assert_int_equal(bindings_of("d2"), 2);
	do_register("d2", "<sip:d2@127.0.0.1:5099>", 0, "d2", "door-pass-2", nonce, NOW, &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(bindings_of("d2"), 1);
	do_register("d2", "*", 0, "d2", "door-pass-2", nonce, NOW, &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(bindings_of("d2"), 0);
	do_register("d2", "*", 600, "d2", "door-pass-2", nonce, NOW, &a);
	assert_int_equal(a.status, 400); /* "*" only with Expires: 0 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenge_then_register),
		cmocka_unit_test(test_same_answer_for_wrong_user_and_password),
		cmocka_unit_test(test_forged_and_stale_nonces),
		cmocka_unit_test(test_interval_other_user_unregister),
	};
	sample_setup();
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
