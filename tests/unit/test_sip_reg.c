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

#include <openssl/evp.h>

#include "sip_sample.h"

#define NOW 1000000 /* ms on the registrar's clock */

static unsigned nc_next = 1; /* nonce counts only grow */
static const char *algorithm = "MD5";
static const char *source = "127.0.0.1:5099";

static void hex_hash(const char *alg, const char *text, char *out)
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_Digest(text, strlen(text), h, &n, strcmp(alg, "MD5") == 0 ? EVP_md5() : EVP_sha256(),
		   NULL);
	for (unsigned i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", h[i]);
}

/* the Authorization header of (user, pass) answering nonce for method and uri, count nc */
static void credentials(char *out, size_t len, const char *user, const char *pass,
			const char *nonce, const char *method, const char *uri, unsigned nc)
{
	char ha1[129], ha2[129], resp[129], text[512], ncs[9];

	snprintf(ncs, sizeof ncs, "%08x", nc);
	snprintf(text, sizeof text, "%s:symbridge:%s", user, pass);
	hex_hash(algorithm, text, ha1);
	snprintf(text, sizeof text, "%s:%s", method, uri);
	hex_hash(algorithm, text, ha2);
	snprintf(text, sizeof text, "%s:%s:%s:0a4f113b:auth:%s", ha1, nonce, ncs, ha2);
	hex_hash(algorithm, text, resp);
	snprintf(out, len,
		 "Authorization: Digest username=\"%s\", realm=\"symbridge\", "
		 "nonce=\"%s\", uri=\"%s\", response=\"%s\", algorithm=%s, "
		 "cnonce=\"0a4f113b\", nc=%s, qop=auth\r\n",
		 user, nonce, uri, resp, algorithm, ncs);
}

/* Build a REGISTER for user, with Expires (as text) and optionally credentials for
 * (auth_user, pass) answering nonce with count nc (0: the next one); handle it at time now. */
static void do_register_full(const char *user, const char *contact, const char *expires,
			     const char *auth_user, const char *pass, const char *nonce,
			     const char *uri, unsigned nc, uint64_t now, struct sip_reg_answer *a)
{
	char text[2048], auth[512] = "";
	static unsigned cseq = 1;

	if (auth_user)
		credentials(auth, sizeof auth, auth_user, pass, nonce, "REGISTER",
			    uri ? uri : "sip:127.0.0.1", nc ? nc : nc_next++);
	int n = snprintf(text, sizeof text,
			 "REGISTER sip:127.0.0.1 SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK%u\r\n"
			 "From: <sip:%s@127.0.0.1>;tag=a%u\r\n"
			 "To: <sip:%s@127.0.0.1>\r\n"
			 "Call-ID: reg-%s@127.0.0.1\r\n"
			 "CSeq: %u REGISTER\r\n"
			 "Contact: %s\r\n"
			 "Expires: %s\r\n"
			 "%s"
			 "Content-Length: 0\r\n\r\n",
			 cseq, user, cseq, user, user, cseq, contact, expires, auth);
	cseq++;
	msg_t *msg = sample_parse(text, (size_t)n);
	assert_non_null(msg);
	assert_int_equal(sip_reg_handle(sip_object(msg), source, now, a), 0);
	msg_destroy(msg);
}

static void do_register(const char *user, const char *contact, int expires, const char *auth_user,
			const char *pass, const char *nonce, uint64_t now, struct sip_reg_answer *a)
{
	char ex[16];

	snprintf(ex, sizeof ex, "%d", expires);
	do_register_full(user, contact, ex, auth_user, pass, nonce, NULL, 0, now, a);
}

/* the nonce of a 401's WWW-Authenticate */
static void nonce_of(const struct sip_reg_answer *a, char out[64])
{
	const char *p = strstr(a->www_authenticate[0], "nonce=\"");
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
	/* RFC 7616: SHA-256 first, then MD5, the same nonce */
	assert_int_equal(a.n_auth, 2);
	assert_non_null(strstr(a.www_authenticate[0], "Digest realm=\"symbridge\""));
	assert_non_null(strstr(a.www_authenticate[0], "algorithm=SHA-256, qop=\"auth\""));
	assert_non_null(strstr(a.www_authenticate[1], "algorithm=MD5, qop=\"auth\""));
	nonce_of(&a, nonce);
	assert_int_equal(sip_reg_nonce_check(nonce, "127.0.0.1:5099", NOW), 1);
	assert_int_equal(sip_reg_nonce_check(nonce, "127.0.0.1:6000", NOW), 1); /* any port */
	assert_int_equal(sip_reg_nonce_check(nonce, "127.0.0.2:5099", NOW), -1); /* not another */
	assert_int_equal(sip_reg_nonce_check(nonce, "127.0.0.1:5099", NOW + 301 * 1000), 0);
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
	assert_int_equal(a.n_auth, b.n_auth);
	for (size_t i = 0; i < a.n_auth; i++) {
		char *pa = strstr(a.www_authenticate[i], n1), *pb = strstr(b.www_authenticate[i], n2);
		memset(pa, 'x', strlen(n1));
		memset(pb, 'x', strlen(n2));
		assert_string_equal(a.www_authenticate[i], b.www_authenticate[i]);
	}
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
	assert_null(strstr(a.www_authenticate[0], "stale"));
	/* an old one of ours gets a new challenge marked stale */
	do_register("d2", "<sip:d2@127.0.0.1:5099>", 600, NULL, NULL, NULL, NOW, &a);
	nonce_of(&a, nonce);
	do_register("d2", "<sip:d2@127.0.0.1:5099>", 600, "d2", "door-pass-2", nonce,
		    NOW + 400 * 1000, &a);
	assert_int_equal(a.status, 401);
	assert_non_null(strstr(a.www_authenticate[0], "stale=true"));
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

/* RFC 7616 done right: replayed or lower nonce counts, another Request-URI, another address, no
 * qop, an algorithm not offered: all refused with a fresh challenge, and nothing registered. */
static void test_replay_uri_source_qop(void **state)
{
	struct sip_reg_answer a;
	char nonce[64], text[2048], auth[512];

	do_register("d1", "<sip:d1@127.0.0.1:5099>", 600, NULL, NULL, NULL, NOW, &a);
	nonce_of(&a, nonce);
	do_register_full("d1", "<sip:d1@127.0.0.1:5099>", "600", "d1", "door-pass-1", nonce, NULL,
			 5, NOW, &a);
	assert_int_equal(a.status, 200);
	do_register_full("d1", "*", "0", "d1", "door-pass-1", nonce, NULL, 3, NOW, &a);
	assert_int_equal(a.status, 401); /* a lower count */
	assert_int_equal(bindings_of("d1"), 1);
	/* the same request again (same nonce, same nc): a replay */
	do_register_full("d1", "<sip:d1@127.0.0.1:5099>", "600", "d1", "door-pass-1", nonce, NULL,
			 5, NOW, &a);
	assert_int_equal(a.status, 401);
	assert_non_null(strstr(a.www_authenticate[0], "stale=true"));
	/* a higher count with the same nonce is fine */
	do_register_full("d1", "<sip:d1@127.0.0.1:5099>", "0", "d1", "door-pass-1", nonce, NULL, 9,
			 NOW, &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(bindings_of("d1"), 0);
	/* the digest uri must be the Request-URI */
	do_register_full("d1", "<sip:d1@127.0.0.1:5099>", "600", "d1", "door-pass-1", nonce,
			 "sip:127.0.0.1;other", 10, NOW, &a);
	assert_int_equal(a.status, 401);
	assert_int_equal(bindings_of("d1"), 0);
	/* the nonce belongs to 127.0.0.1: from another address it is not ours */
	source = "127.0.0.2:5099";
	do_register_full("d1", "<sip:d1@127.0.0.2:5099>", "600", "d1", "door-pass-1", nonce, NULL,
			 11, NOW, &a);
	source = "127.0.0.1:5099";
	assert_int_equal(a.status, 401);
	assert_int_equal(bindings_of("d1"), 0);
	/* without qop=auth (RFC 2069 style) nothing protects nc: refused */
	credentials(auth, sizeof auth, "d1", "door-pass-1", nonce, "REGISTER", "sip:127.0.0.1", 12);
	char *q = strstr(auth, ", cnonce=");
	strcpy(q, "\r\n");
	int n = snprintf(text, sizeof text,
			 "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5099;"
			 "branch=z9hG4bKq\r\nFrom: <sip:d1@127.0.0.1>;tag=q\r\nTo: "
			 "<sip:d1@127.0.0.1>\r\nCall-ID: q@x\r\nCSeq: 1 REGISTER\r\nContact: "
			 "<sip:d1@127.0.0.1:5099>\r\n%sContent-Length: 0\r\n\r\n",
			 auth);
	msg_t *msg = sample_parse(text, (size_t)n);
	assert_non_null(msg);
	sip_reg_handle(sip_object(msg), source, NOW, &a);
	msg_destroy(msg);
	assert_int_equal(a.status, 401);
	assert_int_equal(bindings_of("d1"), 0);
}

static void test_sha256_and_offered_algorithms(void **state)
{
	struct sip_reg_answer a;
	char nonce[64];

	do_register("d1", "<sip:d1@127.0.0.1:5099>", 600, NULL, NULL, NULL, NOW, &a);
	nonce_of(&a, nonce);
	algorithm = "SHA-256";
	do_register("d1", "<sip:d1@127.0.0.1:5099>", 600, "d1", "door-pass-1", nonce, NOW, &a);
	assert_int_equal(a.status, 200);
	/* MD5 is refused once only SHA-256 is offered */
	sample_sc.security.digest_algorithms.n = 1;
	algorithm = "MD5";
	do_register("d1", "<sip:d1@127.0.0.1:5099>", 0, "d1", "door-pass-1", nonce, NOW, &a);
	assert_int_equal(a.status, 401);
	assert_int_equal(a.n_auth, 1);
	sample_sc.security.digest_algorithms.n = 2;
	do_register("d1", "<sip:d1@127.0.0.1:5099>", 0, "d1", "door-pass-1", nonce, NOW, &a);
	assert_int_equal(a.status, 200);
}

/* Expires: 4294967296 is not 0 (it used to remove the binding): read whole, cut to max_expires */
static void test_expires_64bit_and_foreign_contact(void **state)
{
	struct sip_reg_answer a;
	char nonce[64];

	do_register("d2", "<sip:d2@127.0.0.1:5099>", 600, NULL, NULL, NULL, NOW, &a);
	nonce_of(&a, nonce);
	do_register_full("d2", "<sip:d2@127.0.0.1:5099>", "4294967296", "d2", "door-pass-2", nonce,
			 NULL, 0, NOW, &a);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.contact, "expires=3600"));
	do_register_full("d2", "<sip:d2@127.0.0.1:5098>;expires=18446744073709551617", "60", "d2",
			 "door-pass-2", nonce, NULL, 0, NOW, &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(bindings_of("d2"), 2);
	do_register("d2", "*", 0, "d2", "door-pass-2", nonce, NOW, &a);
	/* a contact elsewhere than the request's source: 403, unless the station allows it */
	do_register("d2", "<sip:d2@192.0.2.7:5060>", 600, "d2", "door-pass-2", nonce, NOW, &a);
	assert_int_equal(a.status, 403);
	assert_int_equal(bindings_of("d2"), 0);
	sample_stations[1].allow_foreign_contact = true;
	do_register("d2", "<sip:d2@192.0.2.7:5060>", 600, "d2", "door-pass-2", nonce, NOW, &a);
	sample_stations[1].allow_foreign_contact = false;
	assert_int_equal(a.status, 200);
	assert_int_equal(bindings_of("d2"), 1);
	do_register("d2", "*", 0, "d2", "door-pass-2", nonce, NOW, &a);
	assert_int_equal(bindings_of("d2"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenge_then_register),
		cmocka_unit_test(test_same_answer_for_wrong_user_and_password),
		cmocka_unit_test(test_forged_and_stale_nonces),
		cmocka_unit_test(test_interval_other_user_unregister),
		cmocka_unit_test(test_replay_uri_source_qop),
		cmocka_unit_test(test_sha256_and_offered_algorithms),
		cmocka_unit_test(test_expires_64bit_and_foreign_contact),
	};
	sample_setup();
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
