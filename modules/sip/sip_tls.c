/* sip_tls.c: the TLS policy of sofia-sip's connections and what they negotiated, by interposing
 * two OpenSSL calls (sofia-sip 1.12 exposes neither its SSL_CTX nor a connection's SSL). */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define SB_MODULE "sip"
#include "sip_priv.h"

/* The daemon's executable defines SSL_CTX_new and SSL_connect; the dynamic linker binds
 * libsofia-sip-ua's calls to these (an executable's symbols come first), and they call
 * OpenSSL's own through RTLD_NEXT. */

static int min_version = TLS1_2_VERSION;
static bool capture;
static SSL_CTX *cloud_ctx;
static void (*connected_cb)(bool ok, const char *version, const char *cipher, const char *why);

void sip_tls_policy(int min_proto, bool capture_next)
{
	min_version = min_proto;
	capture = capture_next;
	if (capture_next)
		cloud_ctx = NULL;
}

void sip_tls_watch(void (*cb)(bool ok, const char *version, const char *cipher, const char *why))
{
	connected_cb = cb;
}

bool sip_tls_captured(void)
{
	return cloud_ctx != NULL;
}

SSL_CTX *SSL_CTX_new(const SSL_METHOD *meth)
{
	static SSL_CTX *(*real)(const SSL_METHOD *);
	SSL_CTX *ctx;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "SSL_CTX_new");
	if (!real || !(ctx = real(meth)))
		return NULL;
	/* never below TLS 1.2, whatever the library asked for */
	SSL_CTX_set_min_proto_version(ctx,
				      min_version < TLS1_2_VERSION ? TLS1_2_VERSION : min_version);
	if (capture) {
		cloud_ctx = ctx;
		capture = false;
	}
	return ctx;
}

int SSL_connect(SSL *ssl)
{
	static int (*real)(SSL *);
	int rc, err;
	char why[160];

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "SSL_connect");
	if (!real)
		return -1;
	rc = real(ssl);
	if (!connected_cb || !cloud_ctx || SSL_get_SSL_CTX(ssl) != cloud_ctx)
		return rc;
	if (rc == 1) {
		/* sofia-sip verifies the chain after the handshake and then drops the connection
		 * without a word: say why here */
		long v = SSL_get_verify_result(ssl);
		if (v != X509_V_OK) {
			snprintf(why, sizeof why, "server certificate not accepted: %s",
				 X509_verify_cert_error_string(v));
			connected_cb(false, NULL, NULL, why);
		} else {
			sip_addr_cloud_connected(SSL_get_fd(ssl));
			connected_cb(true, SSL_get_version(ssl), SSL_get_cipher_name(ssl), NULL);
		}
		return rc;
	}
	err = SSL_get_error(ssl, rc);
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
		return rc;
	unsigned long e = ERR_peek_last_error();
	if (e)
		ERR_error_string_n(e, why, sizeof why);
	else
		snprintf(why, sizeof why, "TLS handshake failed (error %d)", err);
	long v = SSL_get_verify_result(ssl);
	if (v != X509_V_OK)
		snprintf(why, sizeof why, "server certificate not accepted: %s",
			 X509_verify_cert_error_string(v));
	connected_cb(false, NULL, NULL, why);
	return rc;
}
