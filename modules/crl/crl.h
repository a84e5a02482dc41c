/* crl.h: the crl module's public face: revocation checks of the cloud's and the broker's
 * certificates against their CA's CRL (fetched, verified, cached, refreshed by the module). */
#ifndef CRL_H
#define CRL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

/* who a connection goes to: the SIPS cloud link (sip module), the MQTTS broker (mgmt module) */
enum crl_peer { CRL_CLOUD, CRL_BROKER, CRL_NPEERS };

/* Make ctx check its peer's certificate against the CRL after OpenSSL's own chain checks: a
 * revoked certificate (or, with cloud.crl.stale = "refuse", one checked against a stale CRL)
 * fails the handshake with X509_V_ERR_CERT_REVOKED (X509_V_ERR_CRL_HAS_EXPIRED). Any thread. */
void crl_attach(SSL_CTX *ctx, enum crl_peer who);

/* Arm this thread: the next SSL_CTX a library makes on it (SSL_CTX_new, which the executable
 * interposes: sip_tls.c calls crl_ctx_made) is attached for who; for a library whose context
 * is out of reach before its handshake begins (libmosquitto). crl_disarm when done. */
void crl_arm(enum crl_peer who);
void crl_disarm(void);
void crl_ctx_made(SSL_CTX *ctx);

/* How many handshakes of who the CRL refused so far, and the reason of the last one in why
 * ("certificate revoked: serial 1002, revoked on ..."). Any thread. */
unsigned long crl_refusals(enum crl_peer who, char *why, size_t len);

/* An established connection's peer certificate against the CRL in use: 0 accepted, -EKEYREVOKED
 * revoked, -ESTALE refused for a stale CRL; why says so. Any thread. */
int crl_check_peer(enum crl_peer who, X509 *cert, char *why, size_t len);

/* cb runs on the loop each time a new CRL is taken into use (fetched or read from the cache):
 * the connection up should be checked again (crl_check_peer). NULL: no longer told. */
void crl_watch(enum crl_peer who, void (*cb)(void));

/* ---- crl_list.c: one CRL, parsed and judged (no I/O, no loop: unit-tested) ---------------- */

struct crl_list {
	X509_CRL *crl;
	char issuer[256];
	time_t this_update, next_update; /* next_update 0: none given */
	int revoked;                     /* entries */
};

/* Parse a CRL (DER or PEM) and verify it against the CA certificates of ca_pem (a PEM file's
 * text): signed by the CA that issued it, thisUpdate not in the future (5 minutes of clock
 * slack), a nextUpdate given. 0 and *out filled, else a negative errno and why. */
int crl_list_parse(const void *data, size_t len, const char *ca_pem, size_t ca_len, time_t now,
		   struct crl_list *out, char *why, size_t whylen);
void crl_list_free(struct crl_list *l);
/* past its nextUpdate */
bool crl_list_stale(const struct crl_list *l, time_t now);
/* Does the list cover cert (the same issuer)? Then 0 (not revoked) or -EKEYREVOKED with the
 * serial and revocation date in why; -ENOENT when it does not cover it. */
int crl_list_lookup(const struct crl_list *l, X509 *cert, char *why, size_t len);
/* the first http:// URI of cert's CRL distribution points, into url; -ENOENT: none */
int crl_list_cdp(X509 *cert, char *url, size_t len);
/* "2026-12-07 18:50:00 UTC" */
void crl_time_str(time_t t, char *buf, size_t len);

#endif
