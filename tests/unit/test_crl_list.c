/* test_crl_list.c: a CRL parsed and judged: signature and issuer against the CA, thisUpdate and
 * nextUpdate, revoked or not, another issuer's certificate, PEM and DER, the distribution point. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "crl.h"

#define DAY 86400

static EVP_PKEY *ca_key, *other_key, *leaf_key;
static X509 *ca, *other_ca;
static time_t now;

static X509_NAME *name(const char *cn)
{
	X509_NAME *n = X509_NAME_new();
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	return n;
}

/* a certificate for key, named cn, issued by issuer_name with issuer_key */
static X509 *cert(const char *cn, EVP_PKEY *key, const char *issuer, EVP_PKEY *issuer_key,
		  long serial, const char *cdp)
{
	X509 *x = X509_new();
	X509_NAME *s = name(cn), *i = name(issuer);

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_set_subject_name(x, s);
	X509_set_issuer_name(x, i);
	X509_gmtime_adj(X509_getm_notBefore(x), -DAY);
	X509_gmtime_adj(X509_getm_notAfter(x), 30 * DAY);
	X509_set_pubkey(x, key);
	if (cdp) {
		X509V3_CTX v;
		X509V3_set_ctx(&v, x, x, NULL, NULL, 0);
		char val[300];
		snprintf(val, sizeof val, "URI:%s", cdp);
		X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v, NID_crl_distribution_points, val);
		assert_non_null(e);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	assert_true(X509_sign(x, issuer_key, EVP_sha256()) > 0);
	X509_NAME_free(s);
	X509_NAME_free(i);
	return x;
}

/* a CRL of issuer signed with key, revoking serials; next 0: no nextUpdate. DER into *out. */
static size_t crl(const char *issuer, EVP_PKEY *key, time_t this, time_t next,
		  const long *serials, int n, unsigned char **out)
{
	X509_CRL *c = X509_CRL_new();
	X509_NAME *i = name(issuer);
	ASN1_TIME *t = ASN1_TIME_set(NULL, this), *nx = next ? ASN1_TIME_set(NULL, next) : NULL;

	X509_CRL_set_version(c, 1);
	X509_CRL_set_issuer_name(c, i);
	X509_CRL_set1_lastUpdate(c, t);
	if (nx)
		X509_CRL_set1_nextUpdate(c, nx);
	for (int k = 0; k < n; k++) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_INTEGER *s = ASN1_INTEGER_new();
		ASN1_INTEGER_set(s, serials[k]);
		X509_REVOKED_set_serialNumber(r, s);
		X509_REVOKED_set_revocationDate(r, t);
		X509_CRL_add0_revoked(c, r);
		ASN1_INTEGER_free(s);
	}
	X509_CRL_sort(c);
	assert_true(X509_CRL_sign(c, key, EVP_sha256()) > 0);
	*out = NULL;
	int len = i2d_X509_CRL(c, out);
	assert_true(len > 0);
	X509_CRL_free(c);
	X509_NAME_free(i);
	ASN1_TIME_free(t);
	ASN1_TIME_free(nx);
	return (size_t)len;
}

static char ca_pem[8192];
static size_t ca_len;

static int setup(void **state)
{
	now = time(NULL);
	ca_key = EVP_EC_gen("P-256");
	other_key = EVP_EC_gen("P-256");
	leaf_key = EVP_EC_gen("P-256");
	ca = cert("Test CA", ca_key, "Test CA", ca_key, 1, NULL);
	other_ca = cert("Other CA", other_key, "Other CA", other_key, 1, NULL);
	BIO *b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, other_ca);
	PEM_write_bio_X509(b, ca);
	ca_len = (size_t)BIO_read(b, ca_pem, sizeof ca_pem - 1);
	BIO_free(b);
	return 0;
}

static int teardown(void **state)
{
	X509_free(ca);
	X509_free(other_ca);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(leaf_key);
	return 0;
}

static void revoked_or_not(void **state)
{
	long rev[] = { 0x1002, 7 };
	unsigned char *der;
	size_t len = crl("Test CA", ca_key, now - 60, now + DAY, rev, 2, &der);
	struct crl_list l;
	char why[400] = "";

	assert_int_equal(crl_list_parse(der, len, ca_pem, ca_len, now, &l, why, sizeof why), 0);
	assert_int_equal(l.revoked, 2);
	assert_false(crl_list_stale(&l, now));
	X509 *bad = cert("kamailio", leaf_key, "Test CA", ca_key, 0x1002, NULL);
	X509 *good = cert("broker", leaf_key, "Test CA", ca_key, 0x1003, NULL);
	X509 *foreign = cert("elsewhere", leaf_key, "Other CA", other_key, 0x1002, NULL);
	assert_int_equal(crl_list_lookup(&l, bad, why, sizeof why), -EKEYREVOKED);
	assert_non_null(strstr(why, "serial 1002"));
	assert_non_null(strstr(why, "revoked on "));
	assert_int_equal(crl_list_lookup(&l, good, why, sizeof why), 0);
	assert_int_equal(crl_list_lookup(&l, foreign, why, sizeof why), -ENOENT);
	X509_free(bad);
	X509_free(good);
	X509_free(foreign);
	crl_list_free(&l);
	OPENSSL_free(der);
}

static void stale_and_times(void **state)
{
	unsigned char *der;
	struct crl_list l;
	char why[400];
	size_t len = crl("Test CA", ca_key, now - 3 * DAY, now - DAY, NULL, 0, &der);

	/* past its nextUpdate: parsed (a cached one is still better than none), and stale */
	assert_int_equal(crl_list_parse(der, len, ca_pem, ca_len, now, &l, why, sizeof why), 0);
	assert_true(crl_list_stale(&l, now));
	assert_false(crl_list_stale(&l, now - 2 * DAY));
	crl_list_free(&l);
	OPENSSL_free(der);
	len = crl("Test CA", ca_key, now + 3600, now + DAY, NULL, 0, &der);
	assert_int_equal(crl_list_parse(der, len, ca_pem, ca_len, now, &l, why, sizeof why),
			 -EINVAL);
	assert_non_null(strstr(why, "in the future"));
	OPENSSL_free(der);
	len = crl("Test CA", ca_key, now - 60, 0, NULL, 0, &der);
	assert_int_equal(crl_list_parse(der, len, ca_pem, ca_len, now, &l, why, sizeof why),
			 -EINVAL);
	assert_non_null(strstr(why, "no nextUpdate"));
	OPENSSL_free(der);
}

static void signature_and_issuer(void **state)
{
	unsigned char *der;
	struct crl_list l;
	char why[400];
	/* named after our CA but signed with another key */
	size_t len = crl("Test CA", other_key, now - 60, now + DAY, NULL, 0, &der);

	assert_true(crl_list_parse(der, len, ca_pem, ca_len, now, &l, why, sizeof why) < 0);
	assert_non_null(strstr(why, "signature"));
	OPENSSL_free(der);
	len = crl("Unknown CA", ca_key, now - 60, now + DAY, NULL, 0, &der);
	assert_true(crl_list_parse(der, len, ca_pem, ca_len, now, &l, why, sizeof why) < 0);
	assert_non_null(strstr(why, "no CA of cloud.tls.ca_file"));
	OPENSSL_free(der);
	assert_int_equal(crl_list_parse("hello", 5, ca_pem, ca_len, now, &l, why, sizeof why),
			 -EINVAL);
}

static void pem_form(void **state)
{
	unsigned char *der;
	const unsigned char *p;
	size_t len = crl("Test CA", ca_key, now - 60, now + DAY, NULL, 0, &der);
	char pem[4096], why[400];
	struct crl_list l;

	p = der;
	X509_CRL *c = d2i_X509_CRL(NULL, &p, (long)len);
	BIO *b = BIO_new(BIO_s_mem());
	BIO_puts(b, "url: http://127.0.0.1/ca.crl\n"); /* text before it, as the cache has */
	PEM_write_bio_X509_CRL(b, c);
	int n = BIO_read(b, pem, sizeof pem);
	assert_int_equal(crl_list_parse(pem, (size_t)n, ca_pem, ca_len, now, &l, why, sizeof why),
			 0);
	crl_list_free(&l);
	BIO_free(b);
	X509_CRL_free(c);
	OPENSSL_free(der);
}

static void distribution_point(void **state)
{
	char url[256];
	X509 *with = cert("kamailio", leaf_key, "Test CA", ca_key, 5, "http://127.0.0.1:8080/ca.crl");
	X509 *without = cert("kamailio", leaf_key, "Test CA", ca_key, 6, NULL);
	X509 *ldap = cert("kamailio", leaf_key, "Test CA", ca_key, 7, "ldap://dir/cn=ca");

	assert_int_equal(crl_list_cdp(with, url, sizeof url), 0);
	assert_string_equal(url, "http://127.0.0.1:8080/ca.crl");
	assert_int_equal(crl_list_cdp(without, url, sizeof url), -ENOENT);
	assert_int_equal(crl_list_cdp(ldap, url, sizeof url), -ENOENT);
	X509_free(with);
	X509_free(without);
	X509_free(ldap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(revoked_or_not),
		cmocka_unit_test(stale_and_times),
		cmocka_unit_test(signature_and_issuer),
		cmocka_unit_test(pem_form),
		cmocka_unit_test(distribution_point),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
