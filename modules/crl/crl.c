/* crl.c: the crl module: the CRLs of the cloud's and the broker's CA, fetched over HTTP in a
 * worker, cached in the state dir, refreshed before nextUpdate; the check in the handshakes. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define SB_MODULE "crl"
#include "crl_int.h"

struct crl_state crl_st = { .mu = PTHREAD_MUTEX_INITIALIZER };
#define S crl_st

static const char *const peer_names[] = { "cloud", "broker" };

void crl_lock(void)
{
	pthread_mutex_lock(&S.mu);
}

void crl_unlock(void)
{
	pthread_mutex_unlock(&S.mu);
}

/* the entry for url (made when missing and there is room); with the lock held */
struct crl_entry *crl_entry_for(const char *url, bool make)
{
	for (int i = 0; i < S.n; i++)
		if (strcmp(S.e[i].url, url) == 0)
			return &S.e[i];
	if (!make || S.n >= CRL_MAX)
		return NULL;
	struct crl_entry *e = &S.e[S.n++];
	memset(e, 0, sizeof *e);
	snprintf(e->url, sizeof e->url, "%s", url);
	e->due = 1; /* at the next tick */
	return e;
}

/* The verdict on cert (with the lock held): 0, -EKEYREVOKED or -ESTALE, why says so. A
 * certificate no CRL covers is accepted; its distribution point is fetched for the next time. */
static int judge(X509 *cert, char *why, size_t len)
{
	time_t now = time(NULL);
	char url[CRL_URL_MAX], at[40];
	int rc;

	if (!S.on)
		return 0;
	if (!S.conf_url[0] && crl_list_cdp(cert, url, sizeof url) == 0)
		crl_entry_for(url, true); /* known from now on, fetched by the tick */
	for (int i = 0; i < S.n; i++) {
		struct crl_entry *e = &S.e[i];
		if ((rc = crl_list_lookup(&e->list, cert, why, len)) == -ENOENT)
			continue;
		if (rc == -EKEYREVOKED)
			return rc;
		if (crl_list_stale(&e->list, now) && S.stale_refuse) {
			crl_time_str(e->list.next_update, at, sizeof at);
			snprintf(why, len,
				 "the CRL of %s is stale and cloud.crl.stale = \"refuse\" (nextUpdate "
				 "%s passed%s%s)",
				 e->list.issuer, at, e->last_error[0] ? "; refresh failing: " : "",
				 e->last_error);
			return -ESTALE;
		}
		return 0;
	}
	return 0;
}

int crl_check_peer(enum crl_peer who, X509 *cert, char *why, size_t len)
{
	int rc;

	crl_lock();
	rc = judge(cert, why, len);
	crl_unlock();
	return rc;
}

/* OpenSSL's verification first (the library's own callback sees its errors), then ours. */
static int verify_cb(X509_STORE_CTX *x, void *arg)
{
	enum crl_peer who = (enum crl_peer)(intptr_t)arg;
	char why[CRL_WHY_MAX];
	int ok = X509_verify_cert(x), rc;

	if (ok <= 0)
		return ok;
	crl_lock();
	rc = judge(X509_STORE_CTX_get0_cert(x), why, sizeof why);
	if (rc < 0) {
		S.refusals[who]++;
		snprintf(S.refused[who], sizeof S.refused[who], "%s", why);
	}
	crl_unlock();
	if (rc == 0)
		return 1;
	X509_STORE_CTX_set_error(x, rc == -EKEYREVOKED ? X509_V_ERR_CERT_REVOKED
						       : X509_V_ERR_CRL_HAS_EXPIRED);
	return 0;
}

void crl_attach(SSL_CTX *ctx, enum crl_peer who)
{
	if (ctx)
		SSL_CTX_set_cert_verify_callback(ctx, verify_cb, (void *)(intptr_t)who);
}

static __thread int armed = -1;

void crl_arm(enum crl_peer who)
{
	armed = (int)who;
}

void crl_disarm(void)
{
	armed = -1;
}

void crl_ctx_made(SSL_CTX *ctx)
{
	if (armed >= 0) {
		crl_attach(ctx, (enum crl_peer)armed);
		armed = -1;
	}
}

unsigned long crl_refusals(enum crl_peer who, char *why, size_t len)
{
	unsigned long n;

	crl_lock();
	n = S.refusals[who];
	if (why)
		snprintf(why, len, "%s", S.refused[who]);
	crl_unlock();
	return n;
}

void crl_watch(enum crl_peer who, void (*cb)(void))
{
	S.watch[who] = cb;
}

void crl_changed(void)
{
	for (int i = 0; i < CRL_NPEERS; i++)
		if (S.watch[i])
			S.watch[i]();
}

/* ---- the module -------------------------------------------------------------------------- */

static void apply_conf(const struct sb_conf *conf)
{
	const struct sb_cloud_crl_conf *c = &conf->cloud.crl;

	crl_lock();
	S.on = c->enabled && conf->cloud.tls.ca_file &&
	       (conf->cloud.enabled || conf->cloud.mqtt.broker);
	S.stale_refuse = c->stale == SB_CRL_STALE_REFUSE;
	S.refresh_s = c->refresh;
	S.retry_max_s = c->retry_max;
	snprintf(S.conf_url, sizeof S.conf_url, "%s", c->url ? c->url : "");
	snprintf(S.ca_file, sizeof S.ca_file, "%s", conf->cloud.tls.ca_file ? conf->cloud.tls.ca_file
									  : "");
	snprintf(S.dir, sizeof S.dir, "%s/crl", conf->system.state_dir);
	if (S.conf_url[0]) { /* the configured address replaces the distribution points */
		for (int i = 0; i < S.n;)
			if (strcmp(S.e[i].url, S.conf_url) != 0) {
				crl_list_free(&S.e[i].list);
				S.e[i] = S.e[--S.n];
			} else {
				i++;
			}
		crl_entry_for(S.conf_url, true);
	}
	for (int i = 0; i < S.n; i++) /* a reload fetches again now */
		S.e[i].due = 1;
	crl_unlock();
}

static int crl_init(const struct sb_conf *conf)
{
	apply_conf(conf);
	if (!S.on)
		return 0;
	crl_cache_load();
	S.running = true;
	uv_timer_init(sb_daemon_loop(), &S.tick);
	uv_timer_start(&S.tick, crl_tick_cb, 0, 1000);
	log_info("certificate revocation: %s, stale CRL: %s", S.conf_url[0] ? S.conf_url
					: "the CRL distribution points of the certificates",
		 S.stale_refuse ? "refuse" : "warn");
	return 0;
}

static void crl_reload(const struct sb_conf *conf, const struct sb_conf *old)
{
	bool was = S.running;

	apply_conf(conf);
	if (S.on && !was)
		crl_init(conf);
	else if (!S.on && was)
		log_notice("certificate revocation checks are off (cloud.crl.enabled)");
}

static void crl_close(void)
{
	if (!S.running)
		return;
	S.running = false;
	uv_timer_stop(&S.tick);
	uv_close((uv_handle_t *)&S.tick, NULL);
	/* a fetch still in its worker ends in its after-callback, which lets go of it */
}

static const char *state_of(const struct crl_entry *e, time_t now)
{
	if (!e->list.crl)
		return e->last_error[0] ? "unavailable" : "fetching";
	return crl_list_stale(&e->list, now) ? "stale" : "ok";
}

/* show cloud: the first CRL (the cloud's, in practice) and the refusals */
static void crl_cloud_status(struct sb_reply *r)
{
	time_t now = time(NULL);
	char at[40], nx[40], ft[40];

	crl_lock();
	const struct crl_entry *e = S.n ? &S.e[0] : NULL;
	bool have = e && e->list.crl;
	if (have) {
		crl_time_str(e->list.this_update, at, sizeof at);
		crl_time_str(e->list.next_update, nx, sizeof nx);
	}
	if (e && e->fetched)
		crl_time_str(e->fetched, ft, sizeof ft);
	sb_reply_str(r, "crl", !S.on ? "off" : e ? state_of(e, now) : "none yet");
	sb_reply_str(r, "crl_url", e ? e->url : NULL);
	sb_reply_str(r, "crl_issuer", have ? e->list.issuer : NULL);
	sb_reply_str(r, "crl_this_update", have ? at : NULL);
	sb_reply_str(r, "crl_next_update", have ? nx : NULL);
	if (have)
		sb_reply_int(r, "crl_revoked", e->list.revoked);
	else
		sb_reply_str(r, "crl_revoked", NULL);
	sb_reply_str(r, "crl_source", have ? (e->from_cache ? "cache" : "fetched") : NULL);
	sb_reply_str(r, "crl_fetched", e && e->fetched ? ft : NULL);
	sb_reply_str(r, "crl_last_error", e && e->last_error[0] ? e->last_error : NULL);
	sb_reply_str(r, "crl_warning", e && e->warned_stale ? e->warning : NULL);
	sb_reply_int(r, "crl_lists", S.n);
	for (int i = 0; i < CRL_NPEERS; i++) {
		char k[48];
		snprintf(k, sizeof k, "crl_refused_%s", peer_names[i]);
		sb_reply_int(r, k, (long long)S.refusals[i]);
		snprintf(k, sizeof k, "crl_refused_%s_last", peer_names[i]);
		sb_reply_str(r, k, S.refused[i][0] ? S.refused[i] : NULL);
	}
	crl_unlock();
}

static void crl_metrics(struct sb_metrics *m)
{
	time_t now = time(NULL);

	crl_lock();
	sb_metric_family(m, "symbridge_crl_age_seconds", SB_METRIC_GAUGE,
			 "seconds since the thisUpdate of the CRL in use");
	for (int i = 0; i < S.n; i++)
		if (S.e[i].list.crl)
			sb_metric_sample(m, (double)(now - S.e[i].list.this_update), "url",
					 S.e[i].url, NULL);
	sb_metric_family(m, "symbridge_crl_stale", SB_METRIC_GAUGE,
			 "1 while the CRL in use is past its nextUpdate");
	for (int i = 0; i < S.n; i++)
		if (S.e[i].list.crl)
			sb_metric_sample(m, crl_list_stale(&S.e[i].list, now) ? 1 : 0, "url",
					 S.e[i].url, NULL);
	sb_metric_family(m, "symbridge_crl_refusals_total", SB_METRIC_COUNTER,
			 "TLS handshakes refused because the CRL revokes the peer (or is stale)");
	for (int i = 0; i < CRL_NPEERS; i++)
		sb_metric_sample(m, (double)S.refusals[i], "peer", peer_names[i], NULL);
	crl_unlock();
}

const struct sb_module crl_module = {
	.name = "crl",
	.init = crl_init,
	.reload = crl_reload,
	.close = crl_close,
	.cloud_status = crl_cloud_status,
	.metrics = crl_metrics,
};
