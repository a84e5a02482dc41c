/* sip_tls.c: the TLS policy of sofia-sip's connections (version, cipher suites: sip.tls) and what
 * they negotiated, by interposing OpenSSL calls (sofia-sip 1.12 exposes neither its SSL_CTX nor
 * a connection's SSL). */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define SB_MODULE "sip"
#include "sip_priv.h"

#include <stddef.h>

/* The daemon's executable defines SSL_CTX_new and SSL_connect; the dynamic linker binds
 * libsofia-sip-ua's calls to these (an executable's symbols come first), and they call
 * OpenSSL's own through RTLD_NEXT. */

static int min_version = TLS1_2_VERSION;
static const char *cipher_list = SIP_TLS_CIPHERS;
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

/* The list is kept: the setting needs a restart, so a reload's new configuration (and the
 * freeing of the old one) must not change it. */
void sip_tls_ciphers(const char *list)
{
	static char kept[1025];

	snprintf(kept, sizeof kept, "%s", list && list[0] ? list : SIP_TLS_CIPHERS);
	cipher_list = kept;
}

static int (*real_set_cipher_list(void))(SSL_CTX *, const char *)
{
	static int (*real)(SSL_CTX *, const char *);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "SSL_CTX_set_cipher_list");
	return real;
}

/* sofia-sip sets its own list ("ALL:!ADH:..." with static RSA and CBC suites) on every context
 * it makes: ours replaces it. TLS 1.3's suites are all AEAD with forward secrecy and stay
 * OpenSSL's. */
int SSL_CTX_set_cipher_list(SSL_CTX *ctx, const char *str)
{
	int (*real)(SSL_CTX *, const char *) = real_set_cipher_list();

	return real ? real(ctx, cipher_list) : 0;
}

/* Would OpenSSL take this list for TLS 1.2? (the settings check; any thread) */
int sip_tls_check_ciphers(const char *list)
{
	int (*real)(SSL_CTX *, const char *) = real_set_cipher_list();
	static SSL_CTX *(*new_ctx)(const SSL_METHOD *);
	SSL_CTX *ctx;
	int ok;

	if (!new_ctx)
		*(void **)&new_ctx = dlsym(RTLD_NEXT, "SSL_CTX_new");
	if (!real || !new_ctx || !(ctx = new_ctx(TLS_server_method())))
		return -ENOMEM;
	ok = real(ctx, list);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return ok ? 0 : -EINVAL;
}

static void check_ciphers(struct sb_conf_ctx *cx, const struct sb_conf_src *src, const char *path,
			  const void *field)
{
	const char *v = *(char *const *)field;

	if (v && sip_tls_check_ciphers(v) < 0)
		sb_conf_error(cx, src, path,
			      "\"%s\": OpenSSL has no TLS 1.2 cipher suite for it (allowed: an "
			      "OpenSSL cipher list, e.g. \"ECDHE-RSA-AES256-GCM-SHA384\")",
			      v);
}

static const struct sb_conf_key tls_keys[] = {
	{ .name = "ciphers",
	  .type = SB_CT_STRING,
	  .offset = offsetof(struct sip_tls_conf, ciphers),
	  .def = "\"" SIP_TLS_CIPHERS "\"",
	  .min = 1,
	  .max = 1024,
	  .check = check_ciphers,
	  .flags = SB_CK_RESTART,
	  .help = "OpenSSL cipher list of TLS 1.2 on every TLS connection (TLS 1.3 keeps its "
		  "own AEAD suites)" },
	SB_CONF_END
};

const struct sb_conf_section sip_tls_section = {
	.name = "sip.tls",
	.keys = tls_keys,
	.size = sizeof(struct sip_tls_conf),
	.src_offset = offsetof(struct sip_tls_conf, src),
};

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
	SSL_CTX_set_cipher_list(ctx, cipher_list);
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
