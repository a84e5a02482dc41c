/* lic_tls.h: the license master protocol's connection: TLS with mutual X.509 authentication
 * over a libuv TCP stream (OpenSSL through memory BIOs: nothing blocks the loop), carrying lines. */
#ifndef LIC_TLS_H
#define LIC_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

struct lic_tls;
typedef struct ssl_ctx_st SSL_CTX;

/* What a connection reports, on the loop. up: the handshake is done and the peer's certificate
 * verified against the CA (peer names its CN). line: one line, without its newline. closed: the
 * connection is gone (status 0, or a negative errno with the reason in why); the object is freed
 * right after. */
struct lic_tls_ops {
	void (*up_cb)(struct lic_tls *c);
	void (*line_cb)(struct lic_tls *c, const char *line, size_t len);
	void (*closed_cb)(struct lic_tls *c, int status, const char *why);
};

/* A context for one side: its certificate and key (PEM), the CA its peers' certificates must
 * chain to; TLS 1.2 or later, a peer certificate required both ways. 0, or -errno with why. */
int lic_tls_ctx_new(SSL_CTX **ctxp, bool server, const char *cert, const char *key, const char *ca,
		    char *why, size_t wlen);
void lic_tls_ctx_free(SSL_CTX *ctx);

int lic_tls_connect(struct lic_tls **cp, uv_loop_t *loop, SSL_CTX *ctx, const struct sockaddr *addr,
		    const struct lic_tls_ops *ops, void *data);
/* accept one connection waiting on server (from its connection callback) */
int lic_tls_accept(struct lic_tls **cp, uv_stream_t *server, SSL_CTX *ctx,
		   const struct lic_tls_ops *ops, void *data);
/* send bytes (whole lines) once the connection is up */
int lic_tls_send(struct lic_tls *c, const char *buf, size_t len);
/* end it: closed_cb follows (status 0) */
void lic_tls_close(struct lic_tls *c);
const char *lic_tls_peer(const struct lic_tls *c);
void *lic_tls_data(const struct lic_tls *c);

#endif
