/* crl_list.c: one certificate revocation list: parsed, verified against the CA, judged. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "crl.h"

#define CLOCK_SLACK 300 /* seconds a thisUpdate may lie in our future (clocks differ) */

void crl_time_str(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static time_t asn1_time(const ASN1_TIME *a)
{
	struct tm tm;

	if (!a || ASN1_TIME_to_tm(a, &tm) != 1)
		return 0;
	return timegm(&tm);
}

static X509_CRL *parse(const void *data, size_t len)
{
	const unsigned char *p = data;
	X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
	BIO *b;

	if (crl)
		return crl;
	ERR_clear_error();
	if (!(b = BIO_new_mem_buf(data, (int)len)))
		return NULL;
	crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
	BIO_free(b);
	ERR_clear_error();
	return crl;
}

/* the CA of ca_pem that issued crl and whose key signed it */
static int find_signer(X509_CRL *crl, const char *ca_pem, size_t ca_len)
{
	BIO *b = BIO_new_mem_buf(ca_pem, (int)ca_len);
	X509 *ca;
	int rc = -ENOENT;

	if (!b)
		return -ENOMEM;
	while (rc != 0 && (ca = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		if (X509_NAME_cmp(X509_get_subject_name(ca), X509_CRL_get_issuer(crl)) == 0) {
			EVP_PKEY *k = X509_get0_pubkey(ca);
			rc = k && X509_CRL_verify(crl, k) == 1 ? 0 : -EBADMSG;
		}
		X509_free(ca);
	}
	BIO_free(b);
	ERR_clear_error();
	return rc;
}

int crl_list_parse(const void *data, size_t len, const char *ca_pem, size_t ca_len, time_t now,
		   struct crl_list *out, char *why, size_t whylen)
{
	X509_CRL *crl = parse(data, len);
	struct crl_list l = { 0 };
	char at[40];
	int rc;

	if (!crl) {
		snprintf(why, whylen, "not a CRL (neither DER nor PEM)");
		return -EINVAL;
	}
	X509_NAME_oneline(X509_CRL_get_issuer(crl), l.issuer, sizeof l.issuer);
	rc = find_signer(crl, ca_pem, ca_len);
	if (rc == -ENOENT) {
		snprintf(why, whylen, "the CRL's issuer %s is no CA of cloud.tls.ca_file", l.issuer);
		goto bad;
	}
	if (rc < 0) {
		snprintf(why, whylen, "the CRL's signature does not verify with its CA %s", l.issuer);
		goto bad;
	}
	l.this_update = asn1_time(X509_CRL_get0_lastUpdate(crl));
	l.next_update = asn1_time(X509_CRL_get0_nextUpdate(crl));
	if (!l.this_update) {
		snprintf(why, whylen, "the CRL has no valid thisUpdate");
		rc = -EINVAL;
		goto bad;
	}
	if (l.this_update > now + CLOCK_SLACK) {
		crl_time_str(l.this_update, at, sizeof at);
		snprintf(why, whylen, "the CRL's thisUpdate %s is in the future", at);
		rc = -EINVAL;
		goto bad;
	}
	if (!l.next_update) {
		snprintf(why, whylen, "the CRL has no nextUpdate (it would never be stale)");
		rc = -EINVAL;
		goto bad;
	}
	STACK_OF(X509_REVOKED) *rev = X509_CRL_get_REVOKED(crl);
	l.revoked = rev ? sk_X509_REVOKED_num(rev) : 0;
	l.crl = crl;
	*out = l;
	return 0;
bad:
	X509_CRL_free(crl);
	return rc;
}

void crl_list_free(struct crl_list *l)
{
	if (l) {
		X509_CRL_free(l->crl);
		l->crl = NULL;
	}
}

bool crl_list_stale(const struct crl_list *l, time_t now)
{
	return l->crl && l->next_update && now > l->next_update;
}

int crl_list_lookup(const struct crl_list *l, X509 *cert, char *why, size_t len)
{
	X509_REVOKED *r = NULL;
	char serial[80] = "?", at[40] = "?";

	if (!l->crl || X509_NAME_cmp(X509_get_issuer_name(cert), X509_CRL_get_issuer(l->crl)) != 0)
		return -ENOENT;
	if (X509_CRL_get0_by_serial(l->crl, &r, X509_get0_serialNumber(cert)) != 1 || !r)
		return 0;
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	if (hex)
		snprintf(serial, sizeof serial, "%s", hex);
	OPENSSL_free(hex);
	BN_free(bn);
	time_t t = asn1_time(X509_REVOKED_get0_revocationDate(r));
	if (t)
		crl_time_str(t, at, sizeof at);
	snprintf(why, len, "certificate revoked: serial %s, revoked on %s (CRL of %s)", serial, at,
		 l->issuer);
	return -EKEYREVOKED;
}

int crl_list_cdp(X509 *cert, char *url, size_t len)
{
	STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL, NULL);
	int rc = -ENOENT;

	for (int i = 0; dps && rc != 0 && i < sk_DIST_POINT_num(dps); i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
		if (!dp->distpoint || dp->distpoint->type != 0)
			continue;
		GENERAL_NAMES *names = dp->distpoint->name.fullname;
		for (int k = 0; rc != 0 && k < sk_GENERAL_NAME_num(names); k++) {
			GENERAL_NAME *g = sk_GENERAL_NAME_value(names, k);
			if (g->type != GEN_URI)
				continue;
			const char *u = (const char *)ASN1_STRING_get0_data(g->d.uniformResourceIdentifier);
			int n = ASN1_STRING_length(g->d.uniformResourceIdentifier);
			if (n > 7 && (size_t)n < len && strncmp(u, "http://", 7) == 0 &&
			    !memchr(u, '\0', (size_t)n)) {
				snprintf(url, len, "%.*s", n, u);
				rc = 0;
			}
		}
	}
	CRL_DIST_POINTS_free(dps);
	return rc;
}
