/* sip_tls.c: the TLS policy of sofia-sip's connections (version, cipher suites: sip.tls) and what
 * they negotiated, by interposing OpenSSL calls (sofia-sip 1.12 exposes neither its SSL_CTX nor
 * a connection's SSL); and the folder of the device certificate that sofia-sip reads. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define SB_MODULE "sip"
#include "sip_priv.h"
#include "crl.h"

#include <stddef.h>

/* The daemon's executable defines SSL_CTX_new and SSL_connect; the dynamic linker binds
 * libsofia-sip-ua's calls to these (an executable's symbols come first), and they call
 * OpenSSL's own through RTLD_NEXT. */

static int min_version = TLS1_2_VERSION, cloud_min = TLS1_2_VERSION;
static const char *cipher_list = SIP_TLS_CIPHERS;
static bool capture;
/* the names the cloud's certificate must carry (the registrars' hosts); none: not checked */
#define EXPECT_MAX 8
static char expect[EXPECT_MAX][160];
static size_t nexpect;
static SSL_CTX *cloud_ctx;
static bool capture_local;  /* the next context is the local stack's (its tls: listener) */
static SSL_CTX *local_ctx;
static void (*connected_cb)(bool ok, const char *version, const char *cipher, const char *why);

void sip_tls_policy(int min_proto, bool capture_next)
{
	min_version = min_proto;
	capture = capture_next;
	if (capture_next) {
		cloud_ctx = NULL;
		cloud_min = min_proto;
	}
}

void sip_tls_expect(const char *const *names, size_t n)
{
	nexpect = 0;
	for (size_t i = 0; i < n && i < EXPECT_MAX; i++)
		snprintf(expect[nexpect++], sizeof expect[0], "%s", names[i]);
}

void sip_tls_watch(void (*cb)(bool ok, const char *version, const char *cipher, const char *why))
{
	connected_cb = cb;
}

bool sip_tls_captured(void)
{
	return cloud_ctx != NULL;
}

SSL_CTX *sip_tls_cloud_ctx(void)
{
	return cloud_ctx;
}

void sip_tls_capture_local(bool on)
{
	capture_local = on;
	if (on)
		local_ctx = NULL;
}

SSL_CTX *sip_tls_local_ctx(void)
{
	return local_ctx;
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
		crl_attach(ctx, CRL_CLOUD); /* the cloud's certificate against its CA's CRL */
	} else if (capture_local) {
		local_ctx = ctx;
		capture_local = false;
	} else {
		crl_ctx_made(ctx); /* another library's, armed for a CRL check (libmosquitto's) */
	}
	return ctx;
}

/* The reason a chain was refused, in an admin's words (the verify result names the detail). */
static void chain_reason(long v, char *why, size_t len)
{
	const char *d = X509_verify_cert_error_string(v);

	switch (v) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		snprintf(why, len, "server certificate expired (%s)", d);
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		snprintf(why, len, "server certificate not valid yet (%s)", d);
		break;
	case X509_V_ERR_CERT_REVOKED:
	case X509_V_ERR_CRL_HAS_EXPIRED: /* the crl module refused it and says why */
		crl_refusals(CRL_CLOUD, why, len);
		if (!why[0])
			snprintf(why, len, "server certificate not accepted: %s", d);
		break;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
		snprintf(why, len,
			 "server certificate from an unknown CA: no CA of cloud.tls.ca_file signed it "
			 "(%s)",
			 d);
		break;
	default:
		snprintf(why, len, "server certificate not accepted: %s", d);
	}
}

/* What sofia-sip 1.12 checks after the handshake with verify_host: one of the certificate's
 * DNS names (subjectAltName dNSName, or the common name) is the registrar's host. Which
 * registrar: the one whose address the connection goes to, when it was given by address. */
static bool names_match(SSL *ssl, char *why, size_t len)
{
	X509 *cert = SSL_get_peer_certificate(ssl);
	char names[96] = "", peer[INET6_ADDRSTRLEN] = "", cn[256];
	bool ok = false;
	size_t lo = 0, hi = nexpect;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;

	if (!nexpect || !cert) {
		X509_free(cert);
		return true;
	}
	if (getpeername(SSL_get_fd(ssl), (struct sockaddr *)&ss, &sl) == 0)
		inet_ntop(ss.ss_family,
			  ss.ss_family == AF_INET6 ? (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
						   : (void *)&((struct sockaddr_in *)&ss)->sin_addr,
			  peer, sizeof peer);
	for (size_t i = 0; i < nexpect; i++)
		if (strcasecmp(expect[i], peer) == 0)
			lo = i, hi = i + 1;
	GENERAL_NAMES *san = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (int k = 0; san && k < sk_GENERAL_NAME_num(san); k++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(san, k);
		if (g->type != GEN_DNS)
			continue;
		const char *dns = (const char *)ASN1_STRING_get0_data(g->d.dNSName);
		size_t n = strlen(names);
		snprintf(names + n, sizeof names - n, "%s%s", n ? ", " : "", dns);
		for (size_t i = lo; i < hi; i++)
			ok |= strcasecmp(expect[i], dns) == 0;
	}
	GENERAL_NAMES_free(san);
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn,
				      sizeof cn) > 0) {
		size_t n = strlen(names);
		snprintf(names + n, sizeof names - n, "%sCN %.64s", n ? ", " : "", cn);
		for (size_t i = lo; i < hi; i++)
			ok |= strcasecmp(expect[i], cn) == 0;
	}
	X509_free(cert);
	if (!ok)
		snprintf(why, len, "host name mismatch: the server certificate names %s, not %s",
			 names[0] ? names : "nothing", hi - lo == 1 ? expect[lo] : "a registrar");
	return ok;
}

/* A failed handshake in an admin's words: no TLS version in common, else OpenSSL's reason, else
 * how the connection ended. */
static void handshake_reason(SSL *ssl, int err, char *why, size_t len)
{
	unsigned long e = ERR_peek_last_error();
	char d[120];

	if (e) {
		ERR_error_string_n(e, d, sizeof d);
		switch (ERR_GET_REASON(e)) {
		case SSL_R_UNSUPPORTED_PROTOCOL:
		case SSL_R_NO_PROTOCOLS_AVAILABLE:
		case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
		case SSL_R_WRONG_VERSION_NUMBER:
			snprintf(why, len,
				 "TLS protocol version: the server speaks none we accept (TLS %s and "
				 "later; %s)",
				 cloud_min >= TLS1_3_VERSION ? "1.3" : "1.2", d);
			return;
		case SSL_R_CERTIFICATE_VERIFY_FAILED:
			break; /* the verify result below says which */
		default:
			snprintf(why, len, "TLS handshake failed: %s", d);
			return;
		}
	} else if (err == SSL_ERROR_SYSCALL) {
		snprintf(why, len, "TLS handshake failed: the server closed the connection (%s)",
			 errno ? strerror(errno) : "end of file");
		return;
	} else {
		snprintf(why, len, "TLS handshake failed (OpenSSL error %d)", err);
	}
	long v = SSL_get_verify_result(ssl);
	if (v != X509_V_OK)
		chain_reason(v, why, len);
}

/* the cloud connection up: its certificate and socket, checked again when a new CRL comes */
static X509 *cloud_peer;
static int cloud_fd = -1;
static struct sockaddr_storage cloud_addr;

static void keep_peer(SSL *ssl)
{
	socklen_t sl = sizeof cloud_addr;

	X509_free(cloud_peer);
	cloud_peer = SSL_get1_peer_certificate(ssl);
	cloud_fd = SSL_get_fd(ssl);
	if (getpeername(cloud_fd, (struct sockaddr *)&cloud_addr, &sl) < 0)
		cloud_fd = -1;
}

/* Check the cloud connection up against the CRL: 0, or it was revoked (-EKEYREVOKED, -ESTALE):
 * its socket is shut down (sofia-sip sees it closed) and why says so. */
int sip_tls_cloud_recheck(char *why, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int rc;

	if (!cloud_peer || cloud_fd < 0 || (rc = crl_check_peer(CRL_CLOUD, cloud_peer, why, len)) == 0)
		return 0;
	/* still the same connection? (the descriptor may have been closed and reused) */
	if (getpeername(cloud_fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    memcmp(&ss, &cloud_addr, sl < sizeof cloud_addr ? sl : sizeof cloud_addr) == 0)
		shutdown(cloud_fd, SHUT_RDWR);
	X509_free(cloud_peer);
	cloud_peer = NULL;
	cloud_fd = -1;
	return rc;
}

int SSL_connect(SSL *ssl)
{
	static int (*real)(SSL *);
	int rc, err;
	char why[300];

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "SSL_connect");
	if (!real)
		return -1;
	rc = real(ssl);
	if (!connected_cb || !cloud_ctx || SSL_get_SSL_CTX(ssl) != cloud_ctx)
		return rc;
	if (rc == 1) {
		/* sofia-sip verifies the chain and the names after the handshake and then drops
		 * the connection without a word: say why here */
		long v = SSL_get_verify_result(ssl);
		if (v != X509_V_OK) {
			chain_reason(v, why, sizeof why);
			connected_cb(false, NULL, NULL, why);
		} else if (!names_match(ssl, why, sizeof why)) {
			connected_cb(false, NULL, NULL, why);
		} else {
			sip_addr_cloud_connected(SSL_get_fd(ssl));
			keep_peer(ssl);
			connected_cb(true, SSL_get_version(ssl), SSL_get_cipher_name(ssl), NULL);
		}
		return rc;
	}
	err = SSL_get_error(ssl, rc);
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
		return rc;
	handshake_reason(ssl, err, why, sizeof why);
	connected_cb(false, NULL, NULL, why);
	return rc;
}

/* ---- the device certificate as sofia-sip wants it ----------------------------------------- */

static int append_file(FILE *out, const char *path)
{
	char buf[4096];
	size_t n;
	FILE *in = fopen(path, "r");

	if (!in)
		return -errno;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	return 0;
}

/* sofia-sip reads a folder: agent.pem (key, then certificate) and cafile.pem. It is made
 * private to the daemon in the state dir from cloud.tls's three files. */
int sip_tls_cert_dir(const struct sb_conf *conf, char *dir, size_t len)
{
	char path[1100];
	FILE *f;
	int fd, rc;

	snprintf(dir, len, "%s/cloud-tls", conf->system.state_dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	chmod(dir, 0700);
	snprintf(path, sizeof path, "%s/agent.pem", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    !(f = fdopen(fd, "w")))
		return -errno;
	rc = append_file(f, conf->cloud.tls.key_file);
	if (rc == 0)
		rc = append_file(f, conf->cloud.tls.cert_file);
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc < 0)
		return rc;
	snprintf(path, sizeof path, "%s/cafile.pem", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    !(f = fdopen(fd, "w")))
		return -errno;
	rc = append_file(f, conf->cloud.tls.ca_file);
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}
