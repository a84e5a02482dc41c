/* sip_reg.c: the local registrar for `stations`: who may register (digest, Contact, Expires)
 * and the answer; the bindings themselves are in sip_reg_bind.c. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/msg_addr.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_alloc.h>

#define SB_MODULE "sip"
#include "sip_priv.h"

static struct {
	const struct sb_conf_list *stations;
	const struct sip_conf *sc;
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

static bool station_known(const char *user)
{
	return station_find(user) != NULL;
}

static const char *station_password(const char *user)
{
	const struct sb_station_conf *st = station_find(user);
	return st ? st->password : NULL;
}

/* "address:port" (IPv6 without brackets) -> the address */
static void source_ip(const char *source, char *ip, size_t len)
{
	const char *colon = strrchr(source, ':');
	size_t n = colon ? (size_t)(colon - source) : strlen(source);

	if (n >= len)
		n = len - 1;
	memcpy(ip, source, n);
	ip[n] = '\0';
}

/* The algorithms a user name is challenged with: the station's own list, else sip.security's
 * (an unknown name gets sip.security's, like a station without its own list). */
static const struct sb_strlist *station_algs(const char *user)
{
	const struct sb_station_conf *st = station_find(user);
	return st && st->digest_algorithms.n ? &st->digest_algorithms
					     : &reg.sc->security.digest_algorithms;
}

int sip_reg_nonce_check(const char *nonce, const char *source, uint64_t now)
{
	char ip[64];

	source_ip(source, ip, sizeof ip);
	return sip_digest_nonce_check(nonce, ip, now);
}

/* An Expires value as sofia-sip read it, or a Contact's expires parameter: 64 bits, saturated
 * (anything above max_expires is cut down to it later). */
static unsigned long long expires_value(unsigned long v)
{
	return (unsigned long long)v;
}

static unsigned long long expires_param(const char *s)
{
	unsigned long long v = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		v = v > (ULLONG_MAX - 9) / 10 ? ULLONG_MAX : v * 10 + (unsigned long long)(*s - '0');
	return v;
}

/* ---- the decision -------------------------------------------------------------------------- */

static void challenge(struct sip_reg_answer *a, const char *user, const char *ip, uint64_t now,
		      bool stale)
{
	a->status = 401;
	a->phrase = sip_401_Unauthorized;
	a->n_auth = sip_digest_challenge(station_algs(user), reg.sc->realm, ip, now, stale,
					 a->www_authenticate, SIP_CHALLENGES);
}

/* The credentials of a request (REGISTER: Authorization, INVITE: Proxy-Authorization) checked;
 * a failure is logged and counted against the source and the user name. SIP_DIGEST_OK with the
 * station's user in *userp, or why not. A locked user name gets SIP_DIGEST_WRONG. */
static enum sip_digest_rc authenticate(const sip_t *req, const msg_auth_t *list, const char *ip,
				       uint64_t now, const char **userp)
{
	struct sip_digest_req dr = {
		.credentials = list,
		.method = req->sip_request->rq_method_name,
		.ruri = req->sip_request->rq_url,
		.source = ip,
		.now = now,
		.realm = reg.sc->realm,
		.algs = &reg.sc->security.digest_algorithms,
		.algs_cb = station_algs,
		.password_cb = station_password,
	};
	enum sip_digest_rc rc = sip_digest_check(&dr);

	if (rc != SIP_DIGEST_NONE && sip_guard_user_locked(dr.user, ip, now))
		return SIP_DIGEST_WRONG;
	switch (rc) {
	case SIP_DIGEST_OK: *userp = station_find(dr.user)->user; break;
	case SIP_DIGEST_NONE:
	case SIP_DIGEST_STALE: break;
	default:
		reg.failed++;
		sip_guard_auth_failed(ip, dr.user, dr.method, sip_digest_what(rc), now);
		break;
	}
	return rc;
}

/* Is the Contact's host the address the request came from? (A station's calls must not be
 * forked to a third party's address.) */
static bool contact_is_source(const url_t *u, const char *ip)
{
	const char *h = u ? u->url_host : NULL;
	size_t n;

	if (!h)
		return false;
	if (h[0] == '[') {
		h++;
		n = strcspn(h, "]");
	} else {
		n = strlen(h);
	}
	return strlen(ip) == n && strncasecmp(h, ip, n) == 0;
}

int sip_reg_handle(const sip_t *req, const char *source, uint64_t now, struct sip_reg_answer *a)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	const char *user = NULL, *transport = "udp";
	const struct sb_station_conf *st;
	unsigned long long def_expires;
	enum sip_digest_rc drc;
	char ip[64];
	int rc;

	memset(a, 0, sizeof *a);
	source_ip(source, ip, sizeof ip);
	sip_bind_expire(now);
	if (!req || !req->sip_request || !req->sip_to || !req->sip_call_id || !req->sip_cseq) {
		a->status = 400;
		a->phrase = sip_400_Bad_request;
		return 0;
	}
	drc = authenticate(req, req->sip_authorization, ip, now, &user);
	if (drc != SIP_DIGEST_OK) {
		challenge(a, sip_digest_challenge_user(req, req->sip_authorization, reg.sc->realm),
			  ip, now, drc == SIP_DIGEST_STALE || drc == SIP_DIGEST_REPLAY);
		goto out;
	}
	st = station_find(user);
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
	/* read whole (Expires: 4294967296 is not 0) and cut down to max_expires below */
	def_expires = req->sip_expires ? expires_value(req->sip_expires->ex_delta) : 3600;
	/* "Contact: *" with Expires: 0 removes every binding of the station */
	if (req->sip_contact && req->sip_contact->m_url->url_type == url_any) {
		if (def_expires != 0 || req->sip_contact->m_next) {
			a->status = 400;
			a->phrase = sip_400_Bad_request;
			goto out;
		}
		sip_bind_del(user, NULL);
		log_info("station %s unregistered every contact (from %s)", user, source);
	}
	for (const sip_contact_t *m = req->sip_contact; m && m->m_url->url_type != url_any;
	     m = m->m_next) {
		unsigned long long ex = m->m_expires ? expires_param(m->m_expires) : def_expires;
		char *contact = url_as_string(home, m->m_url);
		if (!contact)
			continue;
		if (!st->allow_foreign_contact && !contact_is_source(m->m_url, ip)) {
			log_warn("station %s may not register %s from %s: the contact's host is not "
				 "the request's source (allow_foreign_contact = true allows it)",
				 user, contact, source);
			a->status = 403;
			a->phrase = sip_403_Forbidden;
			goto out;
		}
		if (ex == 0) {
			sip_bind_del(user, contact);
			log_info("station %s unregistered %s (from %s)", user, contact, source);
			continue;
		}
		if (ex < (unsigned)reg.sc->min_expires) {
			a->status = 423;
			a->phrase = sip_423_Interval_too_brief;
			a->min_expires = (unsigned)reg.sc->min_expires;
			goto out;
		}
		if (ex > (unsigned long long)reg.sc->max_expires)
			ex = (unsigned long long)reg.sc->max_expires;
		char why[256] = "";
		rc = sip_bind_set(user, contact, source, transport,
				 req->sip_user_agent ? req->sip_user_agent->g_string : NULL,
				 (unsigned)ex, now, why, sizeof why);
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
		log_info("station %s registered %s for %llu s (from %s over %s)", user, contact, ex,
			 source, transport);
	}
	/* the answer lists every binding the station now has */
	sip_bind_contacts(user, now, a->contact, sizeof a->contact);
	reg.ok++;
	a->status = 200;
	a->phrase = sip_200_OK;
out:
	su_home_deinit(home);
	sip_bind_arm();
	return 0;
}

/* A call from a station: the same digest as its REGISTER, asked for with 407 (the INVITE's
 * credentials are in Proxy-Authorization). 1: authenticated as *userp; else the challenges to
 * send (Proxy-Authenticate), the same for an unknown user as for a wrong password. */
int sip_reg_auth_call(const sip_t *req, const char *source, uint64_t now, const char **userp,
		      struct sip_reg_answer *a)
{
	const char *user = NULL;
	enum sip_digest_rc rc;
	char ip[64];

	memset(a, 0, sizeof *a);
	source_ip(source, ip, sizeof ip);
	rc = authenticate(req, req->sip_proxy_authorization, ip, now, &user);
	if (rc == SIP_DIGEST_OK) {
		*userp = user;
		return 1;
	}
	challenge(a, sip_digest_challenge_user(req, req->sip_proxy_authorization,
					     reg.sc->realm), ip, now,
		  rc == SIP_DIGEST_STALE || rc == SIP_DIGEST_REPLAY);
	a->status = 407;
	a->phrase = sip_407_Proxy_auth_required;
	return 0;
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
			    SIPTAG_WWW_AUTHENTICATE_STR(a.www_authenticate[0]),
			    TAG_IF(a.n_auth > 1, SIPTAG_WWW_AUTHENTICATE_STR(a.www_authenticate[1])),
			    TAG_END());
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
	return sip_digest_setup();
}

int sip_reg_open(const struct sb_conf *conf)
{
	int rc = sip_reg_setup(&conf->stations, sip.sc);

	if (rc < 0)
		return rc;
	sip_bind_open();
	return 0;
}

/* Stations that left the configuration lose their bindings; the others keep theirs. */
void sip_reg_reload(const struct sb_conf *conf)
{
	reg.stations = &conf->stations;
	reg.sc = sip.sc;
	sip_bind_keep(station_known);
}

void sip_reg_close(void)
{
	sip_bind_close();
}
