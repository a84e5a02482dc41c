/* lic_tls.c: TLS with mutual X.509 authentication over a libuv TCP stream, for the license
 * master protocol: OpenSSL reads and writes memory BIOs, libuv moves the bytes, so no call
 * blocks the loop; received bytes are cut into lines. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "lic_proto.h"
#include "lic_tls.h"

struct lic_tls {
	uv_tcp_t tcp;
	uv_connect_t conn;
	SSL *ssl;
	BIO *rb, *wb; /* network -> OpenSSL, OpenSSL -> network */
	const struct lic_tls_ops *ops;
	void *data;
	bool connected, up, closing;
	int status;
	char peer[128];
	char why[256];
	char *in; /* a line being received */
	size_t inlen;
};

struct wreq {
	uv_write_t req;
	char buf[];
};

static void ssl_why(char *why, size_t wlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[200];

	ERR_error_string_n(e, buf, sizeof buf);
	snprintf(why, wlen, "%s: %s", what, e ? buf : "no detail");
	ERR_clear_error();
}

int lic_tls_ctx_new(SSL_CTX **ctxp, bool server, const char *cert, const char *key, const char *ca,
		    char *why, size_t wlen)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());

	if (!ctx) {
		ssl_why(why, wlen, "no TLS context");
		return -ENOMEM;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ssl_why(why, wlen, cert);
		goto bad;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		ssl_why(why, wlen, key);
		goto bad;
	}
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		ssl_why(why, wlen, ca);
		goto bad;
	}
	/* mutual: each side presents a certificate that chains to the configured CA */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	*ctxp = ctx;
	return 0;
bad:
	SSL_CTX_free(ctx);
	return -EINVAL;
}

void lic_tls_ctx_free(SSL_CTX *ctx)
{
	SSL_CTX_free(ctx);
}

static void closed_cb(uv_handle_t *h)
{
	struct lic_tls *c = h->data;

	if (c->ops->closed_cb)
		c->ops->closed_cb(c, c->status, c->why);
	SSL_free(c->ssl); /* frees both BIOs */
	free(c->in);
	free(c);
}

static void shutdown_cb(uv_shutdown_t *req, int status)
{
	struct lic_tls *c = req->data;

	free(req);
	uv_close((uv_handle_t *)&c->tcp, closed_cb);
}

/* End the connection once: what is queued (a TLS alert, close_notify) is sent first. */
static void fail(struct lic_tls *c, int status, const char *why)
{
	uv_shutdown_t *req;

	if (c->closing)
		return;
	c->closing = true;
	c->status = status;
	if (why && !c->why[0])
		snprintf(c->why, sizeof c->why, "%s", why);
	uv_read_stop((uv_stream_t *)&c->tcp);
	if (c->connected && (req = malloc(sizeof *req))) {
		req->data = c;
		if (uv_shutdown(req, (uv_stream_t *)&c->tcp, shutdown_cb) == 0)
			return;
		free(req);
	}
	uv_close((uv_handle_t *)&c->tcp, closed_cb);
}

static void write_cb(uv_write_t *req, int status)
{
	free(req);
}

/* what OpenSSL wrote into its BIO goes onto the stream */
static int flush(struct lic_tls *c)
{
	size_t n;

	while ((n = BIO_ctrl_pending(c->wb)) > 0) {
		struct wreq *w = malloc(sizeof *w + n);
		if (!w)
			return -ENOMEM;
		int got = BIO_read(c->wb, w->buf, (int)n);
		if (got <= 0) {
			free(w);
			return -EIO;
		}
		uv_buf_t b = uv_buf_init(w->buf, (unsigned)got);
		int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, write_cb);
		if (rc < 0) {
			free(w);
			return rc;
		}
	}
	return 0;
}

static void peer_name(struct lic_tls *c)
{
	X509 *x = SSL_get_peer_certificate(c->ssl);

	snprintf(c->peer, sizeof c->peer, "?");
	if (x) {
		X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, c->peer,
					  sizeof c->peer);
		X509_free(x);
	}
}

/* OpenSSL's error queue is per thread, shared by every connection (and sofia-sip's TLS): an
 * error one connection left there makes SSL_get_error() report SSL_ERROR_SSL for the next
 * call on another, so it is emptied before each call that may fail, and after each failure. */
static int handshake(struct lic_tls *c)
{
	ERR_clear_error();
	int rc = SSL_do_handshake(c->ssl);

	if (rc == 1) {
		c->up = true;
		peer_name(c);
		flush(c);
		if (c->ops->up_cb)
			c->ops->up_cb(c);
		return 0;
	}
	int e = SSL_get_error(c->ssl, rc);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return flush(c);
	long v = SSL_get_verify_result(c->ssl);
	if (v != X509_V_OK) {
		snprintf(c->why, sizeof c->why, "the peer's certificate is refused: %s",
			 X509_verify_cert_error_string(v));
		ERR_clear_error();
	} else
		ssl_why(c->why, sizeof c->why, "TLS handshake failed");
	flush(c); /* the alert, so the peer knows why */
	return -EPROTO;
}

/* decrypted bytes, cut into lines */
static int take_lines(struct lic_tls *c)
{
	char buf[4096];
	int n;

	while (!c->closing && (ERR_clear_error(), n = SSL_read(c->ssl, buf, sizeof buf)) > 0)
		for (int i = 0; i < n && !c->closing; i++) {
			if (buf[i] == '\n') {
				c->in[c->inlen] = '\0';
				c->ops->line_cb(c, c->in, c->inlen);
				c->inlen = 0;
			} else if (c->inlen == LIC_PROTO_LINE_MAX) {
				snprintf(c->why, sizeof c->why, "a line longer than %d bytes",
					 LIC_PROTO_LINE_MAX);
				return -EMSGSIZE;
			} else {
				c->in[c->inlen++] = buf[i];
			}
		}
	if (c->closing)
		return 0;
	int e = SSL_get_error(c->ssl, n);
	if (e == SSL_ERROR_WANT_READ)
		return flush(c);
	if (e == SSL_ERROR_ZERO_RETURN)
		return -ECONNRESET;
	ssl_why(c->why, sizeof c->why, "TLS read failed");
	return -EPROTO;
}

static void alloc_cb(uv_handle_t *h, size_t size, uv_buf_t *b)
{
	static char buf[16384]; /* one loop thread: the bytes go into the BIO at once */
	*b = uv_buf_init(buf, sizeof buf);
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct lic_tls *c = s->data;
	int rc;

	if (n == 0 || c->closing)
		return;
	if (n < 0) {
		fail(c, n == UV_EOF ? 0 : (int)n,
		     n == UV_EOF ? "closed by the peer" : uv_strerror((int)n));
		return;
	}
	if (BIO_write(c->rb, b->base, (int)n) != (int)n) {
		fail(c, -ENOMEM, "out of memory");
		return;
	}
	rc = c->up ? 0 : handshake(c);
	if (rc == 0 && c->up)
		rc = take_lines(c);
	if (rc < 0)
		fail(c, rc == -ECONNRESET ? 0 : rc,
		     rc == -ECONNRESET ? "closed by the peer" : NULL);
}

static const struct lic_tls_ops no_ops;

static int conn_new(struct lic_tls **cp, uv_loop_t *loop, SSL_CTX *ctx,
		    const struct lic_tls_ops *ops, void *data, bool server)
{
	struct lic_tls *c = calloc(1, sizeof *c);

	if (!c || !(c->in = malloc(LIC_PROTO_LINE_MAX + 1)) || !(c->ssl = SSL_new(ctx)) ||
	    !(c->rb = BIO_new(BIO_s_mem())) || !(c->wb = BIO_new(BIO_s_mem()))) {
		if (c) {
			if (c->ssl && c->rb) /* not yet owned by the SSL */
				BIO_free(c->rb);
			SSL_free(c->ssl);
			free(c->in);
		}
		free(c);
		return -ENOMEM;
	}
	SSL_set_bio(c->ssl, c->rb, c->wb);
	if (server)
		SSL_set_accept_state(c->ssl);
	else
		SSL_set_connect_state(c->ssl);
	c->ops = ops;
	c->data = data;
	uv_tcp_init(loop, &c->tcp);
	c->tcp.data = c;
	*cp = c;
	return 0;
}

static void connect_cb(uv_connect_t *req, int status)
{
	struct lic_tls *c = req->data;

	if (status < 0) {
		fail(c, status, uv_strerror(status));
		return;
	}
	c->connected = true;
	uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
	if (handshake(c) < 0)
		fail(c, -EPROTO, NULL);
}

int lic_tls_connect(struct lic_tls **cp, uv_loop_t *loop, SSL_CTX *ctx, const struct sockaddr *addr,
		    const struct lic_tls_ops *ops, void *data)
{
	struct lic_tls *c;
	int rc = conn_new(&c, loop, ctx, ops, data, false);

	if (rc < 0)
		return rc;
	c->conn.data = c;
	if ((rc = uv_tcp_connect(&c->conn, &c->tcp, addr, connect_cb)) < 0) {
		c->ops = &no_ops; /* no report for what never started */
		fail(c, rc, NULL);
		return rc;
	}
	*cp = c;
	return 0;
}

int lic_tls_accept(struct lic_tls **cp, uv_stream_t *server, SSL_CTX *ctx,
		   const struct lic_tls_ops *ops, void *data)
{
	struct lic_tls *c;
	int rc = conn_new(&c, server->loop, ctx, ops, data, true);

	if (rc < 0)
		return rc;
	if ((rc = uv_accept(server, (uv_stream_t *)&c->tcp)) < 0 ||
	    (rc = uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb)) < 0) {
		c->ops = &no_ops;
		fail(c, rc, NULL);
		return rc;
	}
	c->connected = true;
	*cp = c;
	return 0;
}

int lic_tls_send(struct lic_tls *c, const char *buf, size_t len)
{
	if (!c->up || c->closing)
		return -ENOTCONN;
	ERR_clear_error();
	if (SSL_write(c->ssl, buf, (int)len) != (int)len) {
		ERR_clear_error();
		return -EIO;
	}
	return flush(c);
}

void lic_tls_close(struct lic_tls *c)
{
	if (c->up && !c->closing) {
		ERR_clear_error();
		SSL_shutdown(c->ssl);
		ERR_clear_error();
		flush(c);
	}
	fail(c, 0, "closed");
}

const char *lic_tls_peer(const struct lic_tls *c)
{
	return c->peer;
}

void *lic_tls_data(const struct lic_tls *c)
{
	return c->data;
}
