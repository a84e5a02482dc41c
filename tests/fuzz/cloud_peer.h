/* cloud_peer.h: the cloud's side for fuzz_sip_cloud_nua.c (included by that one target:
 * build.sh links one source per target): a TLS server on 127.0.0.1 that reads the daemon's
 * requests and answers them from their own Via/From/To/Call-ID/CSeq with what the input says. */
#ifndef SB_FUZZ_CLOUD_PEER_H
#define SB_FUZZ_CLOUD_PEER_H

#include <fcntl.h>
#include <ftw.h>
#include <netinet/tcp.h>
#include <sys/stat.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* ---- a self-signed certificate: the cloud's, its CA and the device's alike ---------------- */

static EVP_PKEY *pki_key;
static X509 *pki_cert;

static int fuzz_pki_make(const char *d)
{
	char path[128];
	FILE *f;
	X509_NAME *n;
	X509_EXTENSION *ext;
	X509V3_CTX v3;
	static const char *const exts[][2] = {
		{ "basicConstraints", "critical,CA:TRUE" },
		{ "subjectAltName", "DNS:127.0.0.1,IP:127.0.0.1" },
	};

	if (!(pki_key = EVP_EC_gen("P-256")) || !(pki_cert = X509_new()))
		return -1;
	X509_set_version(pki_cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(pki_cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(pki_cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(pki_cert), 3600L * 24 * 365);
	X509_set_pubkey(pki_cert, pki_key);
	n = X509_get_subject_name(pki_cert);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"127.0.0.1", -1,
				   -1, 0);
	X509_set_issuer_name(pki_cert, n);
	X509V3_set_ctx(&v3, pki_cert, pki_cert, NULL, NULL, 0);
	for (size_t i = 0; i < 2; i++) {
		if (!(ext = X509V3_EXT_conf_nid(NULL, &v3, OBJ_txt2nid(exts[i][0]), exts[i][1])))
			return -1;
		X509_add_ext(pki_cert, ext, -1);
		X509_EXTENSION_free(ext);
	}
	if (!X509_sign(pki_cert, pki_key, EVP_sha256()))
		return -1;
	snprintf(path, sizeof path, "%s/ca.pem", d);
	if (!(f = fopen(path, "w")) || !PEM_write_X509(f, pki_cert) || fclose(f) != 0)
		return -1;
	snprintf(path, sizeof path, "%s/key.pem", d);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w")) ||
	    !PEM_write_PrivateKey(f, pki_key, NULL, NULL, 0, NULL, NULL) || fclose(f) != 0)
		return -1;
	return 0;
}

static int rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) < 0 ? 0 : 0;
}

static void fuzz_pki_remove(const char *d)
{
	nftw(d, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

static int fuzz_free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), port = -1;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* ---- the cloud's connection ------------------------------------------------------------------ */

#define PEER_PENDING 16
struct peer_req {
	char *head; /* the request's header block (NUL-terminated, CRLF lines) */
	char method[16];
	bool canceled;
};

static struct {
	SSL_CTX *ctx;
	int lfd, fd, port;
	SSL *ssl;
	bool up;
	char in[65536];
	size_t inlen;
	struct peer_req q[PEER_PENDING];
	size_t nq;
	unsigned serial;
	/* the last dialog: of the daemon's last INVITE, or of the cloud's own */
	char d_call_id[256], d_ours[512], d_theirs[512], d_target[256];
	unsigned d_cseq;
} pr = { .lfd = -1, .fd = -1 };

static int peer_listen(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;

	if (!(pr.ctx = SSL_CTX_new(TLS_server_method())) ||
	    SSL_CTX_use_certificate(pr.ctx, pki_cert) != 1 ||
	    SSL_CTX_use_PrivateKey(pr.ctx, pki_key) != 1)
		return -1;
	pr.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (pr.lfd < 0 || bind(pr.lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(pr.lfd, 8) < 0 || getsockname(pr.lfd, (struct sockaddr *)&sa, &sl) < 0)
		return -1;
	return pr.port = ntohs(sa.sin_port);
}

static void q_pop(size_t i)
{
	free(pr.q[i].head);
	memmove(pr.q + i, pr.q + i + 1, (pr.nq - i - 1) * sizeof pr.q[0]);
	pr.nq--;
}

static void peer_drop(void)
{
	if (pr.ssl) {
		ERR_clear_error();
		SSL_shutdown(pr.ssl);
		SSL_free(pr.ssl);
	}
	if (pr.fd >= 0)
		close(pr.fd);
	pr.ssl = NULL;
	pr.fd = -1;
	pr.up = false;
	pr.inlen = 0;
	while (pr.nq)
		q_pop(0);
}

static void peer_reset(void)
{
	peer_drop();
	pr.d_call_id[0] = pr.d_ours[0] = pr.d_theirs[0] = pr.d_target[0] = '\0';
	pr.d_cseq = 1;
}

static void peer_close(void)
{
	peer_drop();
	if (pr.lfd >= 0)
		close(pr.lfd);
	pr.lfd = -1;
	SSL_CTX_free(pr.ctx);
	pr.ctx = NULL;
	X509_free(pki_cert);
	EVP_PKEY_free(pki_key);
}

static bool peer_verbose;

static void peer_send(const char *m, size_t n)
{
	if (peer_verbose)
		fprintf(stderr, "cloud sends%s:\n%.*s\n", pr.up ? "" : " (no connection)", (int)n, m);
	if (pr.up && n) {
		ERR_clear_error();
		int rc = SSL_write(pr.ssl, m, (int)n); /* loopback: a few kB always fit */
		if (peer_verbose && rc != (int)n)
			fprintf(stderr, "cloud: SSL_write %d: error %d\n", rc, SSL_get_error(pr.ssl, rc));
	}
}

/* the value of the first header NAME (full or compact name) in a CRLF header block */
static bool hdr(const char *head, const char *name, const char *compact, char *out, size_t len)
{
	for (const char *l = strstr(head, "\r\n"); l && l[2]; l = strstr(l + 2, "\r\n")) {
		const char *h = l + 2, *c = strchr(h, ':'), *e = strstr(h, "\r\n");
		if (!c || (e && c > e))
			continue;
		size_t nl = (size_t)(c - h);
		while (nl && h[nl - 1] == ' ')
			nl--;
		if ((strlen(name) == nl && strncasecmp(h, name, nl) == 0) ||
		    (compact && strlen(compact) == nl && strncasecmp(h, compact, nl) == 0)) {
			c++;
			while (*c == ' ')
				c++;
			snprintf(out, len, "%.*s", (int)(e ? e - c : (long)strlen(c)), c);
			return true;
		}
	}
	return false;
}

/* every Via line of a header block, in order, CRLF-ended */
static void vias(const char *head, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (const char *l = strstr(head, "\r\n"); l && l[2]; l = strstr(l + 2, "\r\n")) {
		const char *h = l + 2, *e = strstr(h, "\r\n");
		if ((strncasecmp(h, "Via:", 4) == 0 || strncasecmp(h, "v:", 2) == 0) && e &&
		    o + (size_t)(e - h) + 3 < len) {
			memcpy(out + o, h, (size_t)(e - h) + 2);
			o += (size_t)(e - h) + 2;
			out[o] = '\0';
		}
	}
}

/* the URI inside <...> of a header value (or the value up to ';') */
static void uri_of(const char *v, char *out, size_t len)
{
	const char *a = strchr(v, '<'), *b = a ? strchr(a, '>') : NULL;

	if (a && b)
		snprintf(out, len, "%.*s", (int)(b - a - 1), a + 1);
	else
		snprintf(out, len, "%.*s", (int)strcspn(v, ";"), v);
}

/* the input's headers and body, bare LF made CRLF, $P our port (for a Record-Route or Contact
 * through us), with our Content-Length */
static size_t compose(char *out, size_t len, size_t o, const char *rest, size_t rl)
{
	char *b = malloc(3 * rl + 4), port[8];
	size_t n = 0, hl, bl, pl = (size_t)snprintf(port, sizeof port, "%d", pr.port);

	if (!b)
		return o;
	for (size_t i = 0; i < rl; i++) {
		if (rest[i] == '$' && i + 1 < rl && rest[i + 1] == 'P') { /* our port */
			memcpy(b + n, port, pl);
			n += pl;
			i++;
			continue;
		}
		if (rest[i] == '\n' && (i == 0 || rest[i - 1] != '\r'))
			b[n++] = '\r';
		b[n++] = rest[i];
	}
	b[n] = '\0';
	char *sep = memmem(b, n, "\r\n\r\n", 4);
	if (n >= 2 && b[0] == '\r' && b[1] == '\n')
		sep = b - 2; /* no headers, only a body */
	hl = sep ? (size_t)(sep - b) + 2 : n;
	bl = sep ? n - hl - 2 : 0;
	if (hl && (hl < 2 || b[hl - 2] != '\r' || b[hl - 1] != '\n')) {
		o += (size_t)snprintf(out + o, o < len ? len - o : 0, "%.*s\r\n", (int)hl, b);
	} else {
		o += (size_t)snprintf(out + o, o < len ? len - o : 0, "%.*s", (int)hl, b);
	}
	o += (size_t)snprintf(out + o, o < len ? len - o : 0, "Content-Length: %zu\r\n\r\n", bl);
	if (o + bl < len) {
		memcpy(out + o, b + hl + 2, bl);
		o += bl;
	}
	free(b);
	return o < len ? o : len;
}

/* what the daemon sent: a request is queued for the input to answer (ACK is not answered, a
 * CANCEL is answered at once and its INVITE marked); a 2xx to the cloud's INVITE gets its ACK */
static void peer_got(char *head, size_t hlen);

static bool peer_frame(void)
{
	size_t skip = 0;

	while (skip < pr.inlen && (pr.in[skip] == '\r' || pr.in[skip] == '\n'))
		skip++; /* CRLF keepalives */
	if (skip) {
		memmove(pr.in, pr.in + skip, pr.inlen - skip);
		pr.inlen -= skip;
	}
	char *e = memmem(pr.in, pr.inlen, "\r\n\r\n", 4);
	if (!e)
		return false;
	size_t hl = (size_t)(e - pr.in) + 4, blen = 0;
	char *head = malloc(hl + 1), v[32];
	if (!head)
		return false;
	memcpy(head, pr.in, hl);
	head[hl] = '\0';
	if (hdr(head, "Content-Length", "l", v, sizeof v))
		blen = strtoul(v, NULL, 10);
	if (hl + blen > pr.inlen) {
		free(head);
		if (hl + blen > sizeof pr.in)
			peer_drop(); /* more than we keep: the daemon never sends that */
		return false;
	}
	memmove(pr.in, pr.in + hl + blen, pr.inlen - hl - blen);
	pr.inlen -= hl + blen;
	if (peer_verbose)
		fprintf(stderr, "cloud receives:\n%s\n", head);
	peer_got(head, hl);
	return true;
}

/* accept, handshake, read: true when something happened */
static bool peer_io(void)
{
	bool any = false;

	if (pr.fd < 0) {
		pr.fd = accept4(pr.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (pr.fd < 0)
			return false;
		/* no Nagle: a reply must not wait for the ACK of the one before (40 ms) */
		setsockopt(pr.fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
		if (!(pr.ssl = SSL_new(pr.ctx)) || SSL_set_fd(pr.ssl, pr.fd) != 1) {
			peer_drop();
			return false;
		}
		any = true;
	}
	if (!pr.up) {
		ERR_clear_error();
		int rc = SSL_accept(pr.ssl);
		if (rc == 1) {
			pr.up = any = true;
		} else {
			int err = SSL_get_error(pr.ssl, rc);
			if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
				ERR_clear_error();
				peer_drop();
				return true;
			}
			return any;
		}
	}
	for (;;) {
		ERR_clear_error(); /* sofia's errors share this thread's queue */
		int n = SSL_read(pr.ssl, pr.in + pr.inlen, (int)(sizeof pr.in - pr.inlen));
		if (n <= 0) {
			int err = SSL_get_error(pr.ssl, n);
			if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
				if (peer_verbose)
					fprintf(stderr, "cloud: connection closed (%d, %s)\n", err,
						ERR_error_string(ERR_get_error(), NULL));
				ERR_clear_error();
				peer_drop(); /* the daemon closed the connection */
				return true;
			}
			break;
		}
		pr.inlen += (size_t)n;
		any = true;
		while (pr.fd >= 0 && peer_frame())
			;
		if (pr.fd < 0 || pr.inlen == sizeof pr.in)
			break;
	}
	return any;
}

#endif
