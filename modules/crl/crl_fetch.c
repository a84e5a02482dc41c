/* crl_fetch.c: fetching a CRL over HTTP with libcurl in a worker (never on the loop), its
 * verification, the cache in STATE_DIR/crl, and the 1 s tick that plans fetches and warns of a
 * stale CRL. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/pem.h>

#define SB_MODULE "crl"
#include "crl_int.h"

#define S crl_st
#define CRL_MAX_BYTES (16u << 20) /* a CRL larger than this is refused */
#define FETCH_TIMEOUT_S 20
#define RETRY_MIN_S 5

struct job {
	uv_work_t w;
	char url[CRL_URL_MAX], ca_file[1025], dir[1100];
	time_t cur_this_update; /* of the CRL in use, 0: none */
	int rc;
	char why[CRL_WHY_MAX];
	struct crl_list list;
	char *buf;
	size_t len;
};

static size_t write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct job *j = arg;
	size_t add = size * n;
	char *nb;

	if (j->len + add > CRL_MAX_BYTES || !(nb = realloc(j->buf, j->len + add + 1)))
		return 0;
	memcpy(nb + j->len, p, add);
	j->buf = nb;
	j->len += add;
	return add;
}

static int read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	long n;

	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n < (long)CRL_MAX_BYTES &&
	    fseek(f, 0, SEEK_SET) == 0 && (b = malloc((size_t)n + 1)) &&
	    fread(b, 1, (size_t)n, f) == (size_t)n) {
		b[n] = '\0';
		*out = b;
		*len = (size_t)n;
		fclose(f);
		return 0;
	}
	free(b);
	fclose(f);
	return -EIO;
}

/* the cache file of url: STATE_DIR/crl/<FNV-1a of the URL>.pem */
static void cache_path(const char *dir, const char *url, char *out, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	for (const char *p = url; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	snprintf(out, len, "%s/%016llx.pem", dir, (unsigned long long)h);
}

/* "url: URL\n" then the CRL in PEM, written whole (temporary file, sync, rename) */
static int cache_write(const struct job *j)
{
	char path[1200], tmp[1210];
	FILE *f;
	int fd, rc = 0;

	if (mkdir(j->dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	cache_path(j->dir, j->url, path, sizeof path);
	snprintf(tmp, sizeof tmp, "%s.new", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return -errno;
	if (!(f = fdopen(fd, "w"))) {
		close(fd);
		return -errno;
	}
	if (fprintf(f, "url: %s\n", j->url) < 0 || PEM_write_X509_CRL(f, j->list.crl) != 1 ||
	    fflush(f) != 0 || fsync(fd) != 0)
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

static void fetch_work(uv_work_t *w)
{
	struct job *j = w->data;
	char err[CURL_ERROR_SIZE] = "", *ca = NULL;
	size_t ca_len = 0;
	long status = 0;
	CURL *c = curl_easy_init();
	CURLcode cc;

	j->rc = -ENOMEM;
	if (!c) {
		snprintf(j->why, sizeof j->why, "cannot make an HTTP request");
		return;
	}
	curl_easy_setopt(c, CURLOPT_URL, j->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)FETCH_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "symbridge/" PACKAGE_VERSION);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (cc != CURLE_OK) {
		snprintf(j->why, sizeof j->why, "fetching %.200s: %s", j->url,
			 err[0] ? err : curl_easy_strerror(cc));
		j->rc = -EIO;
		return;
	}
	if (status != 200) {
		snprintf(j->why, sizeof j->why, "fetching %.200s: HTTP status %ld", j->url, status);
		j->rc = -EIO;
		return;
	}
	if ((j->rc = read_file(j->ca_file, &ca, &ca_len)) < 0) {
		snprintf(j->why, sizeof j->why, "cannot read cloud.tls.ca_file %.200s: %s", j->ca_file,
			 strerror(-j->rc));
		return;
	}
	j->rc = crl_list_parse(j->buf ? j->buf : "", j->len, ca, ca_len, time(NULL), &j->list,
			       j->why, sizeof j->why);
	free(ca);
	if (j->rc < 0)
		return;
	if (j->cur_this_update && j->list.this_update < j->cur_this_update) {
		snprintf(j->why, sizeof j->why,
			 "the CRL served is older than the one in use (an old copy): kept the one "
			 "in use");
		crl_list_free(&j->list);
		j->rc = -EINVAL;
		return;
	}
	if (cache_write(j) < 0)
		j->why[0] = 'c'; /* noted below: the CRL is used, only the cache failed */
}

static uint64_t backoff_ms(unsigned failures)
{
	uint64_t s = RETRY_MIN_S;

	for (unsigned i = 1; i < failures && s < (uint64_t)S.retry_max_s; i++)
		s *= 2;
	if (s > (uint64_t)S.retry_max_s)
		s = (uint64_t)S.retry_max_s;
	return s * 1000;
}

/* when to fetch again after a success: within refresh, and a minute before nextUpdate */
static uint64_t next_ms(const struct crl_list *l, time_t now)
{
	long long d = S.refresh_s;

	if (l->next_update && l->next_update - now - 60 < d)
		d = l->next_update - now - 60;
	return (uint64_t)(d < RETRY_MIN_S ? RETRY_MIN_S : d) * 1000;
}

static void fetch_done(uv_work_t *w, int status)
{
	struct job *j = w->data;
	uint64_t now_ms = uv_now(sb_daemon_loop());
	time_t now = time(NULL);
	char nx[40];
	bool changed = false;

	crl_lock();
	struct crl_entry *e = crl_entry_for(j->url, false);
	if (e) {
		e->working = false;
		if (status == 0 && j->rc == 0) {
			crl_list_free(&e->list);
			e->list = j->list;
			j->list.crl = NULL;
			e->from_cache = false;
			e->fetched = now;
			changed = true;
			if (crl_list_stale(&e->list, now)) {
				/* served already past its nextUpdate: a refresh that failed, retried
				 * with backoff, warned of once (not at every fetch) */
				e->failures++;
				snprintf(e->last_error, sizeof e->last_error,
					 "the CRL served at %.200s is past its nextUpdate too", e->url);
				e->due = now_ms + backoff_ms(e->failures);
			} else {
				e->failures = 0;
				e->last_error[0] = '\0';
				e->warned_stale = false;
				e->due = now_ms + next_ms(&e->list, now);
			}
			crl_time_str(e->list.next_update, nx, sizeof nx);
			log_info("crl from %s: %s, %d revoked, next update %s", e->url,
				 e->list.issuer, e->list.revoked, nx);
			if (j->why[0] == 'c')
				log_warn("cannot write the crl cache in %s: a restart without network "
					 "will have no CRL", j->dir);
		} else {
			e->failures++;
			snprintf(e->last_error, sizeof e->last_error, "%s",
				 status ? "the fetch was cancelled" : j->why);
			e->due = now_ms + backoff_ms(e->failures);
			if (e->failures == 1 || e->failures % 10 == 0)
				log_warn("%s: retrying in %llu s (%u failed)%s", e->last_error,
					 (unsigned long long)backoff_ms(e->failures) / 1000,
					 e->failures,
					 e->list.crl ? ": the CRL in use stays" : "");
		}
	}
	crl_unlock();
	crl_list_free(&j->list);
	free(j->buf);
	free(j);
	if (changed && S.running)
		crl_changed();
}

static void start_fetch(struct crl_entry *e)
{
	struct job *j = calloc(1, sizeof *j);

	if (!j)
		return;
	j->w.data = j;
	snprintf(j->url, sizeof j->url, "%s", e->url);
	snprintf(j->ca_file, sizeof j->ca_file, "%s", S.ca_file);
	snprintf(j->dir, sizeof j->dir, "%s", S.dir);
	j->cur_this_update = e->list.crl ? e->list.this_update : 0;
	if (uv_queue_work(sb_daemon_loop(), &j->w, fetch_work, fetch_done) < 0) {
		free(j);
		return;
	}
	e->working = true;
	e->due = 0;
}

void crl_tick_cb(uv_timer_t *t)
{
	uint64_t now_ms = uv_now(sb_daemon_loop());
	time_t now = time(NULL);
	char nx[40];

	crl_lock();
	for (int i = 0; S.on && i < S.n; i++) {
		struct crl_entry *e = &S.e[i];
		if (!e->working && e->due && now_ms >= e->due)
			start_fetch(e);
		if (e->list.crl && crl_list_stale(&e->list, now) && !e->warned_stale) {
			crl_time_str(e->list.next_update, nx, sizeof nx);
			snprintf(e->warning, sizeof e->warning,
				 "the CRL from %s is stale: its nextUpdate %s passed and no newer one "
				 "could be fetched%s%s; connections %s (cloud.crl.stale = \"%s\")",
				 e->url, nx, e->last_error[0] ? ": " : "", e->last_error,
				 S.stale_refuse ? "are refused" : "go on",
				 S.stale_refuse ? "refuse" : "warn");
			log_warn("%s", e->warning);
			e->warned_stale = true;
		}
	}
	crl_unlock();
}

/* At start: the CRLs a previous run fetched, verified again (the CA may have changed). */
void crl_cache_load(void)
{
	DIR *d = opendir(S.dir);
	struct dirent *de;
	char path[1400], *buf, *ca = NULL, why[CRL_WHY_MAX], nx[40];
	size_t len, ca_len;

	if (!d)
		return;
	if (read_file(S.ca_file, &ca, &ca_len) < 0) {
		closedir(d);
		return;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".pem") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", S.dir, de->d_name);
		if (read_file(path, &buf, &len) < 0)
			continue;
		char *nl = strchr(buf, '\n');
		struct crl_list l;
		if (strncmp(buf, "url: ", 5) == 0 && nl) {
			*nl = '\0';
			crl_lock();
			struct crl_entry *e = NULL;
			if (!S.conf_url[0] || strcmp(S.conf_url, buf + 5) == 0)
				e = crl_entry_for(buf + 5, true);
			if (e && !e->list.crl &&
			    crl_list_parse(nl + 1, len - (size_t)(nl + 1 - buf), ca, ca_len,
					   time(NULL), &l, why, sizeof why) == 0) {
				e->list = l;
				e->from_cache = true;
				crl_time_str(l.next_update, nx, sizeof nx);
				log_info("crl from %s read from the cache: %s, %d revoked, next update "
					 "%s", e->url, l.issuer, l.revoked, nx);
			} else if (e && !e->list.crl) {
				log_warn("crl cache %s not used: %s", path, why);
			}
			crl_unlock();
		}
		free(buf);
	}
	free(ca);
	closedir(d);
}
