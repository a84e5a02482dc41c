/* sip_cert.c: the cloud's device certificate in use: new files taken at a reload, subject and
 * expiry for show cloud, a warning 30 days before it expires (at start, then once a day). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <errno.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <uv.h>

#define SB_MODULE "sip"
#include "sip_priv.h"

#define CERT_WARN_DAYS 30
#define CERT_CHECK_MS  (24ULL * 3600 * 1000)

static struct {
	bool have, timer_on;
	char subject[256];
	time_t not_after;
	uv_timer_t timer;
} dc;

static void when(char *buf, size_t len)
{
	struct tm tm;
	gmtime_r(&dc.not_after, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* whole days left (negative once expired) */
static long days_left(void)
{
	double s = difftime(dc.not_after, time(NULL));
	return s >= 0 ? (long)(s / 86400) : -(long)((-s + 86399) / 86400);
}

/* the warning show cloud and the log carry, "" when there is none */
static void warning(char *buf, size_t len)
{
	char at[40];
	long d = days_left();

	buf[0] = '\0';
	when(at, sizeof at);
	if (difftime(dc.not_after, time(NULL)) <= 0)
		snprintf(buf, len, "the cloud certificate (%s) expired on %s", dc.subject, at);
	else if (d < CERT_WARN_DAYS)
		snprintf(buf, len, "the cloud certificate (%s) expires in %ld day%s, on %s: renew it",
			 dc.subject, d, d == 1 ? "" : "s", at);
}

static void check_cb(uv_timer_t *t)
{
	char w[512];

	warning(w, sizeof w);
	if (w[0])
		log_warn("%s", w);
}

/* Read the first certificate of path (cloud.tls.cert_file, as sofia-sip was given it). */
void sip_cert_open(const char *path)
{
	FILE *f = path ? fopen(path, "r") : NULL;
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	struct tm tm;

	if (f)
		fclose(f);
	dc.have = false;
	if (!x) {
		log_warn("cannot read the cloud certificate %s: show cloud will not name its expiry",
			 path ? path : "(none)");
		return;
	}
	X509_NAME_oneline(X509_get_subject_name(x), dc.subject, sizeof dc.subject);
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1) {
		dc.not_after = timegm(&tm);
		dc.have = true;
	}
	X509_free(x);
	if (!dc.have)
		return;
	if (!dc.timer_on && uv_timer_init(sb_daemon_loop(), &dc.timer) == 0)
		dc.timer_on = true;
	if (dc.timer_on) /* now, then once a day */
		uv_timer_start(&dc.timer, check_cb, 0, CERT_CHECK_MS);
}

void sip_cert_close(void)
{
	if (dc.timer_on) {
		uv_timer_stop(&dc.timer);
		uv_close((uv_handle_t *)&dc.timer, NULL);
		dc.timer_on = false;
	}
	dc.have = false;
}

void sip_cert_show(struct sb_reply *r)
{
	char at[40], w[512] = "";

	if (dc.have) {
		when(at, sizeof at);
		warning(w, sizeof w);
	}
	sb_reply_str(r, "cert_subject", dc.have ? dc.subject : NULL);
	sb_reply_str(r, "cert_expires", dc.have ? at : NULL);
	if (dc.have)
		sb_reply_int(r, "cert_expires_in_days", days_left());
	else
		sb_reply_str(r, "cert_expires_in_days", NULL);
	sb_reply_str(r, "cert_warning", w[0] ? w : NULL);
}

/* the certificate (with its chain) and key into c, checked against each other */
static int load_pair(SSL_CTX *c, const char *cert, const char *key)
{
	return SSL_CTX_use_certificate_chain_file(c, cert) == 1 &&
			       SSL_CTX_use_PrivateKey_file(c, key, SSL_FILETYPE_PEM) == 1 &&
			       SSL_CTX_check_private_key(c) == 1
		       ? 0
		       : -EINVAL;
}

static void ssl_why(const char *what, char *why, size_t len)
{
	unsigned long e = ERR_peek_last_error();
	snprintf(why, len, "%s: %s", what, e ? ERR_reason_error_string(e) : "unknown error");
	ERR_clear_error();
}

/* sofia-sip made one SSL_CTX per TLS stack (sip_tls.c captured them); a connection copies the
 * certificate and key from it when it is made, and checks its peer with its CA store. So
 * loading new files into it makes the connections made from now on present the new
 * certificate and trust the new CA, while the connections up, and the calls over them, keep
 * what they negotiated until they close. All or nothing: the files are tried on a scratch
 * context first. what names the files in why. */
static int load_ctx(SSL_CTX *ctx, const char *cert, const char *key, const char *ca,
		    const char *what, char *why, size_t len)
{
	SSL_CTX *scratch;
	X509_STORE *st = NULL;

	if (!ctx) {
		snprintf(why, len, "the stack's TLS context is not known");
		return -ENOENT;
	}
	if (!(scratch = SSL_CTX_new(TLS_client_method()))) {
		ssl_why("cannot make a TLS context", why, len);
		return -ENOMEM;
	}
	if (load_pair(scratch, cert, key) < 0) {
		ssl_why(what, why, len);
		SSL_CTX_free(scratch);
		return -EINVAL;
	}
	SSL_CTX_free(scratch);
	if (ca && (!(st = X509_STORE_new()) || X509_STORE_load_file(st, ca) != 1)) {
		ssl_why(ca, why, len);
		X509_STORE_free(st);
		return -EINVAL;
	}
	if (load_pair(ctx, cert, key) < 0) { /* cannot fail after the scratch run */
		ssl_why(what, why, len);
		X509_STORE_free(st);
		return -EINVAL;
	}
	if (st)
		SSL_CTX_set_cert_store(ctx, st); /* takes st, frees the old store */
	return 0;
}

int sip_cert_reload(const struct sb_conf *conf, char *why, size_t len)
{
	const struct sb_cloud_tls_conf *t = &conf->cloud.tls;
	char dir[1024];
	int rc = load_ctx(sip_tls_cloud_ctx(), t->cert_file, t->key_file, t->ca_file,
			  "cloud.tls.cert_file and key_file", why, len);

	if (rc < 0)
		return rc;
	/* the folder sofia-sip was given follows too (never read again while running) */
	if (sip_tls_cert_dir(conf, dir, sizeof dir) < 0)
		log_warn("cannot rewrite the cloud certificate folder %s", dir);
	sip_cert_open(t->cert_file);
	return 0;
}

int sip_cert_reload_local(const char *dir, char *why, size_t len)
{
	char agent[1100], ca[1100];

	snprintf(agent, sizeof agent, "%s/agent.pem", dir);
	snprintf(ca, sizeof ca, "%s/cafile.pem", dir);
	return load_ctx(sip_tls_local_ctx(), agent, agent, access(ca, R_OK) == 0 ? ca : NULL,
			"sip.certificate_dir's agent.pem", why, len);
}
