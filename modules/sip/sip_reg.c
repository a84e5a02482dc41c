/* sip_reg.c: the local registrar for `stations`: digest authentication, bindings, expiry. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <sofia-sip/auth_digest.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_alloc.h>

#define SB_MODULE "sip"
#include "sip_priv.h"

#define NONCE_TTL_MS (300 * 1000) /* a challenge is good for five minutes */
#define MAX_PER_USER 4            /* contacts one station may bind */
#define MAX_BINDINGS (64 * 1024)

static struct {
	const struct sb_conf_list *stations;
	const struct sip_conf *sc;
	unsigned char secret[32]; /* signs our nonces: new at every start */
	struct sip_binding *b;
	size_t n, cap;
	uv_timer_t timer;
	bool timer_on;
	unsigned long long ok, failed; /* REGISTERs accepted, refused for credentials */
} reg;

/* ---- stations and nonces ------------------------------------------------------------------- */

static const struct sb_station_conf *station_find(const char *user)
{
	const struct sb_station_conf *st = reg.stations ? reg.stations->v : NULL;

	for (size_t i = 0; user && st && i < reg.stations->n; i++)
		if (strcmp(st[i].user, user) == 0)
			return &st[i];
	return NULL;
}

/* nonce = 16 hex digits of issue time (ms), then 32 of HMAC-SHA256(secret, time) */
static void nonce_make(uint64_t now, char out[49])
{
	unsigned char mac[32];
	unsigned int len = sizeof mac;
	char ts[17];

	snprintf(ts, sizeof ts, "%016llx", (unsigned long long)now);
	HMAC(EVP_sha256(), reg.secret, sizeof reg.secret, (unsigned char *)ts, 16, mac, &len);
	memcpy(out, ts, 16);
	for (int i = 0; i < 16; i++)
		snprintf(out + 16 + 2 * i, 3, "%02x", mac[i]);
}

/* 1: ours and fresh, 0: ours but stale, -1: not ours */
int sip_reg_nonce_check(const char *nonce, uint64_t now)
{
	char want[49], ts[17];
	uint64_t t;

	if (!nonce || strlen(nonce) != 48)
		return -1;
	memcpy(ts, nonce, 16);
	ts[16] = '\0';
	t = strtoull(ts, NULL, 16);
	nonce_make(t, want);
	if (CRYPTO_memcmp(want, nonce, 48) != 0)
		return -1;
	return t <= now && now - t < NONCE_TTL_MS ? 1 : 0;
}

/* ---- bindings ------------------------------------------------------------------------------ */

static void binding_drop(size_t i)
{
	sip_lic_give(false, reg.b[i].user, reg.b[i].contact);
	reg.b[i] = reg.b[--reg.n];
}

static void expire(uint64_t now)
{
	for (size_t i = 0; i < reg.n;) {
		if (reg.b[i].expires_at <= now) {
			log_info("registration of %s at %s expired", reg.b[i].user,
				 reg.b[i].contact);
			binding_drop(i);
		} else {
			i++;
		}
	}
}

static void timer_cb(uv_timer_t *t);

/* One timer for the next binding to expire. */
static void timer_arm(void)
{
	uint64_t next = UINT64_MAX, now = sip_now_ms();

	if (!reg.timer_on)
		return;
	for (size_t i = 0; i < reg.n; i++)
		if (reg.b[i].expires_at < next)
			next = reg.b[i].expires_at;
	if (next == UINT64_MAX)
		uv_timer_stop(&reg.timer);
	else
		uv_timer_start(&reg.timer, timer_cb, next > now ? next - now : 0, 0);
}

static void timer_cb(uv_timer_t *t)
{
	expire(sip_now_ms());
	timer_arm();
}

static struct sip_binding *binding_find(const char *user, const char *contact)
{
	for (size_t i = 0; i < reg.n; i++)
		if (strcmp(reg.b[i].user, user) == 0 && strcmp(reg.b[i].contact, contact) == 0)
			return &reg.b[i];
	return NULL;
}

static int binding_set(const char *user, const char *contact, const char *source,
		       const char *transport, const char *ua, unsigned expires, uint64_t now,
		       char *why, size_t wlen)
{
	struct sip_binding *b = binding_find(user, contact);
	size_t mine = 0, oldest = SIZE_MAX;

	if (!b) {
		for (size_t i = 0; i < reg.n; i++)
			if (strcmp(reg.b[i].user, user) == 0) {
				mine++;
				if (oldest == SIZE_MAX || reg.b[i].since < reg.b[oldest].since)
					oldest = i;
			}
		if (mine >= MAX_PER_USER)
			binding_drop(oldest); /* the newest device of a station wins */
		if (sip_lic_take(false, user, contact, why, wlen) < 0)
			return -EACCES;
		if (reg.n == reg.cap) {
			size_t cap = reg.cap ? reg.cap * 2 : 16;
			struct sip_binding *nb;
			if (cap > MAX_BINDINGS || !(nb = realloc(reg.b, cap * sizeof *nb))) {
				sip_lic_give(false, user, contact);
				return -ENOMEM;
			}
			reg.b = nb;
			reg.cap = cap;
		}
		b = &reg.b[reg.n++];
		memset(b, 0, sizeof *b);
		snprintf(b->user, sizeof b->user, "%s", user);
		snprintf(b->contact, sizeof b->contact, "%s", contact);
		b->since = now;
	}
	snprintf(b->source, sizeof b->source, "%s", source);
	snprintf(b->transport, sizeof b->transport, "%s", transport);
	snprintf(b->user_agent, sizeof b->user_agent, "%s", ua ? ua : "");
	b->expires_at = now + (uint64_t)expires * 1000;
	b->granted = expires;
	return 0;
}

static void binding_del(const char *user, const char *contact)
{
	for (size_t i = 0; i < reg.n;)
		if (strcmp(reg.b[i].user, user) == 0 &&
		    (!contact || strcmp(reg.b[i].contact, contact) == 0))
			binding_drop(i);
		else
			i++;
}

const struct sip_binding *sip_reg_bindings(uint64_t now, size_t *np)
{
	expire(now);
	*np = reg.n;
	return reg.b;
}

/* ---- the decision -------------------------------------------------------------------------- */

static void challenge(struct sip_reg_answer *a, uint64_t now, bool stale)
{
	char nonce[49];

	nonce_make(now, nonce);
	a->status = 401;
	a->phrase = sip_401_Unauthorized;
	snprintf(a->www_authenticate, sizeof a->www_authenticate,
		 "Digest realm=\"%s\", nonce=\"%s\", algorithm=MD5, qop=\"auth\"%s", reg.sc->realm,
		 nonce, stale ? ", stale=true" : "");
}

/* The Authorization header for our realm, or NULL. */
static const msg_auth_t *our_credentials(const msg_auth_t *list)
{
	for (const msg_auth_t *au = list; au; au = au->au_next) {
		const char *realm = msg_params_find(au->au_params, "realm=");
		if (au->au_scheme && strcasecmp(au->au_scheme, "Digest") == 0 && realm &&
		    auth_strcmp(realm, reg.sc->realm) == 0)
			return au;
	}
	return NULL;
}

/* 1: authenticated as *userp, 0: stale nonce, -1: refused. The same work is done whether the
 * user exists or not, so neither the answer nor its timing tells them apart. */
static int authenticate(su_home_t *home, const sip_t *req, const msg_auth_t *list, uint64_t now,
			const char **userp)
{
	const msg_auth_t *au = our_credentials(list);
	auth_response_t ar[1];
	auth_hexmd5_t ha1, want;
	const struct sb_station_conf *st;
	int fresh;

	memset(ar, 0, sizeof ar);
	ar->ar_size = sizeof ar[0];
	if (!au || auth_digest_response_get(home, ar, au->au_params) < 0)
		return -1;
	if (!ar->ar_username || !ar->ar_nonce || !ar->ar_response || !ar->ar_uri ||
	    (ar->ar_algorithm && !ar->ar_md5) || (ar->ar_qop && !ar->ar_auth))
		return -1;
	if (ar->ar_qop && (!ar->ar_cnonce || !ar->ar_nc))
		return -1;
	st = station_find(ar->ar_username);
	auth_digest_ha1(ha1, ar->ar_username, reg.sc->realm,
			st ? st->password : "\x01 no such station \x01");
	if (auth_digest_response(ar, want, ha1, req->sip_request->rq_method_name, NULL, 0) < 0)
		return -1;
	fresh = sip_reg_nonce_check(ar->ar_nonce, now);
	if (!st || strlen(ar->ar_response) != 32 || CRYPTO_memcmp(want, ar->ar_response, 32) != 0 ||
	    fresh < 0)
		return -1;
	*userp = st->user;
	return fresh;
}

int sip_reg_handle(const sip_t *req, const char *source, uint64_t now, struct sip_reg_answer *a)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	const char *user = NULL, *transport = "udp";
	unsigned def_expires;
	int rc;

	memset(a, 0, sizeof *a);
	expire(now);
	if (!req || !req->sip_request || !req->sip_to || !req->sip_call_id || !req->sip_cseq) {
		a->status = 400;
		a->phrase = sip_400_Bad_request;
		return 0;
	}
	rc = authenticate(home, req, req->sip_authorization, now, &user);
	if (rc <= 0) {
		if (our_credentials(req->sip_authorization) && rc < 0) {
			reg.failed++;
			log_warn("REGISTER from %s refused: wrong user name or password", source);
		}
		challenge(a, now, rc == 0);
		goto out;
	}
	/* authenticated: it may register itself only */
	if (!req->sip_to->a_url->url_user || strcmp(req->sip_to->a_url->url_user, user) != 0) {
		a->status = 403;
		a->phrase = sip_403_Forbidden;
		log_warn("REGISTER from %s: station %s may not register %s", source, user,
			 req->sip_to->a_url->url_user ? req->sip_to->a_url->url_user : "(none)");
		goto out;
	}
	if (req->sip_via && req->sip_via->v_protocol) {
		const char *p = strrchr(req->sip_via->v_protocol, '/');
		transport = p ? p + 1 : req->sip_via->v_protocol;
	}
	def_expires = req->sip_expires ? (unsigned)req->sip_expires->ex_delta : 3600;
	/* "Contact: *" with Expires: 0 removes every binding of the station */
	if (req->sip_contact && req->sip_contact->m_url->url_type == url_any) {
		if (def_expires != 0 || req->sip_contact->m_next) {
			a->status = 400;
			a->phrase = sip_400_Bad_request;
			goto out;
		}
		binding_del(user, NULL);
		log_info("station %s unregistered every contact (from %s)", user, source);
	}
	for (const sip_contact_t *m = req->sip_contact; m && m->m_url->url_type != url_any;
	     m = m->m_next) {
		unsigned ex =
			m->m_expires ? (unsigned)strtoul(m->m_expires, NULL, 10) : def_expires;
		char *contact = url_as_string(home, m->m_url);
		if (!contact)
			continue;
		if (ex == 0) {
			binding_del(user, contact);
			log_info("station %s unregistered %s (from %s)", user, contact, source);
			continue;
		}
		if (ex < (unsigned)reg.sc->min_expires) {
			a->status = 423;
			a->phrase = sip_423_Interval_too_brief;
			a->min_expires = (unsigned)reg.sc->min_expires;
			goto out;
		}
		if (ex > (unsigned)reg.sc->max_expires)
			ex = (unsigned)reg.sc->max_expires;
		char why[256] = "";
		rc = binding_set(user, contact, source, transport,
				 req->sip_user_agent ? req->sip_user_agent->g_string : NULL, ex,
				 now, why, sizeof why);
		if (rc == -EACCES) {
			log_warn("station %s cannot register %s: %s", user, contact, why);
			a->status = 403;
			a->phrase = sip_403_Forbidden;
			goto out;
		} else if (rc < 0) {
			a->status = 503;
			a->phrase = sip_503_Service_unavailable;
			goto out;
		}
		log_info("station %s registered %s for %u s (from %s over %s)", user, contact, ex,
			 source, transport);
	}
	/* the answer lists every binding the station now has */
	size_t o = 0;
	for (size_t i = 0; i < reg.n; i++) {
		if (strcmp(reg.b[i].user, user) != 0)
			continue;
		unsigned left = (unsigned)((reg.b[i].expires_at - now + 999) / 1000);
		int w = snprintf(a->contact + o, sizeof a->contact - o, "%s<%s>;expires=%u",
				 o ? ", " : "", reg.b[i].contact, left);
		if (w < 0 || (size_t)w >= sizeof a->contact - o)
			break;
		o += (size_t)w;
	}
	reg.ok++;
	a->status = 200;
	a->phrase = sip_200_OK;
out:
	su_home_deinit(home);
	timer_arm();
	return 0;
}

/* A call from a station: the same digest as its REGISTER, asked for with 407 (the INVITE's
 * credentials are in Proxy-Authorization). 1: authenticated as *userp; else challenge holds the
 * Proxy-Authenticate value to send, the same for an unknown user as for a wrong password. */
int sip_reg_auth_call(const sip_t *req, uint64_t now, const char **userp, char *challenge_hdr,
		      size_t len)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	struct sip_reg_answer a;
	const char *user = NULL;
	int rc = authenticate(home, req, req->sip_proxy_authorization, now, &user);

	su_home_deinit(home);
	if (rc > 0) {
		*userp = user;
		return 1;
	}
	if (rc < 0 && our_credentials(req->sip_proxy_authorization)) {
		reg.failed++;
		log_warn("INVITE refused: wrong user name or password");
	}
	challenge(&a, now, rc == 0);
	snprintf(challenge_hdr, len, "%s", a.www_authenticate);
	return rc == 0 ? 0 : -1;
}

/* ---- sofia glue ---------------------------------------------------------------------------- */

void sip_reg_request(nua_t *nua, nua_handle_t *nh, const sip_t *req)
{
	struct sip_reg_answer a;
	char source[80] = "?";
	msg_t *msg = nua_current_request(nua);
	su_addrinfo_t *ai = msg ? msg_addrinfo(msg) : NULL;

	if (ai && ai->ai_addr) {
		char host[64] = "";
		su_sockaddr_t *su = (su_sockaddr_t *)ai->ai_addr;
		su_inet_ntop(su->su_family, SU_ADDR(su), host, sizeof host);
		snprintf(source, sizeof source, "%s:%u", host, ntohs(su->su_port));
	}
	sip_reg_handle(req, source, sip_now_ms(), &a);
	if (a.status == 200)
		nua_respond(nh, a.status, a.phrase, NUTAG_WITH_THIS(nua),
			    TAG_IF(a.contact[0], SIPTAG_CONTACT_STR(a.contact)), TAG_END());
	else if (a.status == 401)
		nua_respond(nh, a.status, a.phrase, NUTAG_WITH_THIS(nua),
			    SIPTAG_WWW_AUTHENTICATE_STR(a.www_authenticate), TAG_END());
	else if (a.status == 423) {
		char me[16];
		snprintf(me, sizeof me, "%u", a.min_expires);
		nua_respond(nh, a.status, a.phrase, NUTAG_WITH_THIS(nua),
			    SIPTAG_MIN_EXPIRES_STR(me), TAG_END());
	} else
		nua_respond(nh, a.status, a.phrase, NUTAG_WITH_THIS(nua), TAG_END());
	nua_handle_destroy(nh);
}

int sip_reg_setup(const struct sb_conf_list *stations, const struct sip_conf *sc)
{
	reg.stations = stations;
	reg.sc = sc;
	if (RAND_bytes(reg.secret, sizeof reg.secret) != 1)
		return -EIO;
	return 0;
}

int sip_reg_open(const struct sb_conf *conf)
{
	int rc = sip_reg_setup(&conf->stations, sip.sc);

	if (rc < 0)
		return rc;
	uv_timer_init(sb_daemon_loop(), &reg.timer);
	reg.timer_on = true;
	return 0;
}

/* Stations that left the configuration lose their bindings; the others keep theirs. */
void sip_reg_reload(const struct sb_conf *conf)
{
	reg.stations = &conf->stations;
	reg.sc = sip.sc;
	for (size_t i = 0; i < reg.n;)
		if (!station_find(reg.b[i].user))
			binding_drop(i);
		else
			i++;
	timer_arm();
}

void sip_reg_close(void)
{
	if (reg.timer_on)
		uv_close((uv_handle_t *)&reg.timer, NULL);
	reg.timer_on = false;
	free(reg.b);
	reg.b = NULL;
	reg.n = reg.cap = 0;
}
