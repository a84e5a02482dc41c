/* sip_cloud.c: the cloud link: one outbound TLS connection, registrations, keepalive, backoff. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/su_strlst.h>
#include <sofia-sip/tport_tag.h>

#define SB_MODULE "sip"
#include "sip_cloud.h"
#include "crl.h"

static const char *const state_names[] = { "off", "registering", "registered", "waiting to retry",
					   "standby" };

struct cloud_link cl;

/* how long a request to the cloud may go unanswered (sofia's default is 32 s) */
#define TRANSACTION_MS 8000

/* ---- what the TLS handshakes said (sip_tls.c) ----------------------------------------------- */

static void refused_cb(uv_timer_t *t)
{
	if (cl.state == CLOUD_REGISTERING && cl.conn_pending)
		sip_cloud_failed("connecting: TLS connection refused");
}

static void tls_cb(bool ok, const char *version, const char *cipher, const char *why)
{
	if (ok) {
		bool changed =
			strcmp(cl.tls_cipher, cipher) != 0 || strcmp(cl.tls_version, version) != 0;
		snprintf(cl.tls_version, sizeof cl.tls_version, "%s", version);
		snprintf(cl.tls_cipher, sizeof cl.tls_cipher, "%s", cipher);
		cl.tls_note[0] = '\0';
		if (changed)
			log_info("cloud TLS connection: %s, %s", version, cipher);
		return;
	}
	snprintf(cl.tls_note, sizeof cl.tls_note, "%s", why);
	log_warn("cloud TLS connection refused: %s", why);
	/* sofia drops the connection without failing the request on it, which would then wait
	 * for its timeout: the round fails now (from the loop, not inside sofia's handshake) */
	if (cl.timers && cl.state == CLOUD_REGISTERING && cl.conn_pending)
		uv_timer_start(&cl.refused, refused_cb, 0, 0);
}

/* A new CRL: the connection up is checked again; a revoked cloud certificate ends it. */
static void crl_cb(void)
{
	char why[sizeof cl.tls_note];

	if (!sip.cloud || !sip_cloud_connected() || sip_tls_cloud_recheck(why, sizeof why) == 0)
		return;
	snprintf(cl.tls_note, sizeof cl.tls_note, "%s", why);
	log_warn("cloud TLS connection ended: %s", why);
	sip_cloud_failed("connection ended: the cloud's certificate is refused by the CRL");
}

/* ---- registrations ------------------------------------------------------------------------- */

static void retry_cb(uv_timer_t *t);
static void start_round(void);

static uint32_t rnd32(void)
{
	uint32_t r = 0;

	if (RAND_bytes((unsigned char *)&r, sizeof r) != 1)
		r = (uint32_t)sip_now_ms();
	return r;
}

/* "sips:host[:port]" or "host[:port]": the request URI and the host the AoRs are in */
static void registrar_uris(const char *r)
{
	const char *hp = strncmp(r, "sips:", 5) == 0 ? r + 5 : r;
	size_t hl = strcspn(hp, hp[0] == '[' ? "]" : ":");

	if (hp[0] == '[')
		hl++;
	snprintf(cl.reg_uri[0], sizeof cl.reg_uri[0], "sips:%s", hp);
	snprintf(cl.reg_uri[1], sizeof cl.reg_uri[1], "%.*s", (int)hl, hp);
}

/* the keepalive, probe and connection handles, and what was pending on them */
static void handles_close(void)
{
	if (cl.ka_nh)
		nua_handle_destroy(cl.ka_nh);
	if (cl.probe_nh)
		nua_handle_destroy(cl.probe_nh);
	if (cl.conn_nh)
		nua_handle_destroy(cl.conn_nh);
	cl.ka_nh = cl.probe_nh = cl.conn_nh = NULL;
	cl.ka_pending = cl.probe_pending = cl.conn_pending = false;
}

static void handles_drop(void)
{
	sip_cloud_ids_drop();
	handles_close();
}

/* "<sip:USER@HOST[:PORT];transport=tls>" with our side of the connection to the registrar */
void sip_cloud_contact(char *out, size_t len, const char *user)
{
	if (cl.contact_port)
		snprintf(out, len, "<sip:%s@%s:%d;transport=tls>", user, cl.contact_host,
			 cl.contact_port);
	else
		snprintf(out, len, "<sip:%s@%s;transport=tls>", user, cl.contact_host);
}

/* Our Contact names the local address and port of the connection to the registrar in use: the
 * address the cloud reaches us by, over the connection we opened (no listener of ours exists).
 * The last TLS handshake of the cloud stack is that connection's (sip_tls.c). Without it (the
 * handshakes cannot be watched) the address routing picks toward the registrar, no port.
 * True when the Contact changed. */
static bool contact_update(void)
{
	char host[INET6_ADDRSTRLEN], reg[160];
	int port = 0;
	size_t n = strlen(cl.reg_uri[1]);

	if (sip_addr_cloud_local(host, sizeof host, &port) < 0) {
		snprintf(reg, sizeof reg, "%.*s", cl.reg_uri[1][0] == '[' ? (int)n - 2 : (int)n,
			 cl.reg_uri[1] + (cl.reg_uri[1][0] == '['));
		if (sip_source_toward(reg, host, sizeof host) < 0 &&
		    sip_source_toward("192.0.2.1", host, sizeof host) < 0)
			snprintf(host, sizeof host, "127.0.0.1");
		port = 0;
	}
	char c[sizeof cl.contact_host];
	snprintf(c, sizeof c, strchr(host, ':') ? "[%s]" : "%s", host);
	if (strcmp(c, cl.contact_host) == 0 && port == cl.contact_port)
		return false;
	snprintf(cl.contact_host, sizeof cl.contact_host, "%s", c);
	cl.contact_port = port;
	return true;
}

/* A failure of any kind: the next registrar in the list, or after the whole list a pause that
 * grows with each failed round; then the list again from the first. It never gives up. */
void sip_cloud_failed(const char *what)
{
	uint64_t d;

	snprintf(cl.last_error, sizeof cl.last_error, "%s: %s%s%s%s", cl.registrar.v[cl.host],
		 what, cl.tls_note[0] ? " (" : "", cl.tls_note, cl.tls_note[0] ? ")" : "");
	/* the TLS reason stays until a handshake succeeds: a later retry that fails before
	 * one (refused, timed out) still says why the cloud was not reached */
	if (cl.state == CLOUD_REGISTERED)
		cl.connection_losses++;
	handles_drop();
	uv_timer_stop(&cl.keepalive);
	uv_timer_stop(&cl.refused);
	if (cl.host + 1 < cl.registrar.n) {
		log_warn("cloud registrar %s failed (%s): trying %s", cl.registrar.v[cl.host],
			 what, cl.registrar.v[cl.host + 1]);
		cl.host++;
		start_round();
		return;
	}
	cl.failures++;
	d = sip_backoff_ms(cl.failures, (uint64_t)sip.sc->retry_min * 1000,
			   (uint64_t)sip.sc->retry_max * 1000, rnd32());
	cl.state = CLOUD_BACKOFF;
	cl.retry_at = sip_now_ms() + d;
	cl.host = 0;
	log_warn("cloud registration failed (%s): retrying in %.1f s (failure %u in a row)",
		 cl.last_error, (double)d / 1000, cl.failures);
	uv_timer_start(&cl.retry, retry_cb, d, 0);
}

/* A round starts with an OPTIONS that opens (or finds) the connection to the registrar: the
 * REGISTERs follow its answer, with the connection's local address and port as Contact. */
static void start_round(void)
{
	registrar_uris(cl.registrar.v[cl.host]);
	cl.state = CLOUD_REGISTERING;
	if (cl.conn_nh)
		nua_handle_destroy(cl.conn_nh);
	cl.conn_nh = nua_handle(sip.cloud, NULL, SIPTAG_TO_STR(cl.reg_uri[0]), TAG_END());
	if (!cl.conn_nh) {
		log_err("cannot make a request to the cloud registrar: out of memory");
		return;
	}
	cl.conn_pending = true;
	nua_options(cl.conn_nh, NUTAG_URL(cl.reg_uri[0]), TAG_END());
}

/* The node became its cluster's active one: a round at once, from the first registrar (a
 * promotion does not wait out a backoff it had before it went standby). */
void sip_cloud_begin(void)
{
	uv_timer_stop(&cl.retry);
	cl.failures = 0;
	cl.host = 0;
	cl.last_error[0] = '\0';
	start_round();
}

/* The node became standby: the identities are unregistered already (sip_cloud_role.c); no
 * keepalive, probe or retry goes on until it is active again. */
void sip_cloud_halt(void)
{
	handles_close();
	uv_timer_stop(&cl.retry);
	uv_timer_stop(&cl.keepalive);
	uv_timer_stop(&cl.refused);
	cl.state = CLOUD_STANDBY;
}

bool sip_cloud_connected(void)
{
	return sip.cloud && (cl.state == CLOUD_REGISTERED ||
			     (cl.state == CLOUD_REGISTERING && !cl.conn_pending));
}

static void retry_cb(uv_timer_t *t)
{
	start_round();
}

static void keepalive_cb(uv_timer_t *t)
{
	if (cl.state != CLOUD_REGISTERED)
		return;
	/* a request on the connection finds a dead one; sofia sends the CRLF pings itself */
	if (!cl.ka_pending) {
		if (!cl.ka_nh)
			cl.ka_nh = nua_handle(sip.cloud, NULL, SIPTAG_TO_STR(cl.reg_uri[0]),
					      TAG_END());
		if (cl.ka_nh) {
			cl.ka_pending = true;
			nua_options(cl.ka_nh, NUTAG_URL(cl.reg_uri[0]), TAG_END());
		}
	}
	/* on a later registrar, see whether the first is back (baresip's serreg does the same),
	 * as often as the retry pauses allow: each failed TLS connection costs sofia-sip memory */
	if (cl.host > 0 && !cl.probe_pending && sip_now_ms() >= cl.probe_at) {
		char uri[160];
		const char *r = cl.registrar.v[0];
		snprintf(uri, sizeof uri, "sips:%s", strncmp(r, "sips:", 5) == 0 ? r + 5 : r);
		if (!cl.probe_nh)
			cl.probe_nh = nua_handle(sip.cloud, NULL, SIPTAG_TO_STR(uri), TAG_END());
		if (cl.probe_nh) {
			cl.probe_pending = true;
			nua_options(cl.probe_nh, NUTAG_URL(uri), TAG_END());
		}
	}
}

void sip_cloud_event(nua_event_t ev, int status, char const *phrase, nua_handle_t *nh,
		     nua_hmagic_t *hm, sip_t const *m, tagi_t tags[])
{
	char what[128];

	if (sip_cloud_role_event(ev, status, nh, hm))
		return;
	if (ev == nua_r_options && nh && nh == cl.conn_nh) {
		if (status < 200)
			return;
		cl.conn_pending = false;
		if (status == 408 || status >= 500) {
			snprintf(what, sizeof what, "connecting: %d %s", status, phrase);
			sip_cloud_failed(what);
			return;
		}
		if (contact_update())
			log_info("cloud connection to %s from %s%s%.0d", cl.registrar.v[cl.host],
				 cl.contact_host, cl.contact_port ? ":" : "", cl.contact_port);
		sip_cloud_ids_register();
		return;
	}
	if (ev == nua_r_options && nh && (nh == cl.ka_nh || nh == cl.probe_nh)) {
		bool probe = nh == cl.probe_nh;
		if (status < 200)
			return;
		if (probe) {
			cl.probe_pending = false;
			if (status >= 300) {
				cl.probe_failures++;
				cl.probe_at =
					sip_now_ms() +
					sip_backoff_ms(cl.probe_failures,
						       (uint64_t)sip.sc->retry_min * 1000,
						       (uint64_t)sip.sc->retry_max * 1000, rnd32());
			}
			if (status < 300 && cl.host > 0 && cl.state == CLOUD_REGISTERED) {
				log_notice("the first cloud registrar %s answers again: moving "
					   "back to it",
					   cl.registrar.v[0]);
				handles_drop();
				cl.host = 0;
				start_round();
			}
			return;
		}
		cl.ka_pending = false;
		if (status == 408 || status >= 500) {
			snprintf(what, sizeof what, "connection lost (keepalive: %d %s)", status,
				 phrase);
			sip_cloud_failed(what);
			return;
		}
		/* the registrar closed our connection and the keepalive opened a new one (on the
		 * first registrar no probe makes other connections): the bindings name the old
		 * one, so register again over this one */
		if (cl.host == 0 && cl.state == CLOUD_REGISTERED && contact_update()) {
			log_notice("cloud connection to %s renewed (now from %s:%d): registering "
				   "again",
				   cl.registrar.v[cl.host], cl.contact_host, cl.contact_port);
			sip_cloud_ids_register();
		}
		return;
	}
	if (ev == nua_i_invite) {
		sip_route_cloud_invite(nh, m);
		return;
	}
	if (sip_cloud_ids_event(ev, status, phrase, hm, m))
		return;
	if (ev == nua_i_message || ev == nua_i_info || ev == nua_i_refer)
		nua_respond(nh, SIP_501_NOT_IMPLEMENTED, TAG_END());
}

/* a round is done when every identity is registered */
void sip_cloud_round_check(void)
{
	if (cl.state != CLOUD_REGISTERING || cl.conn_pending)
		return;
	for (size_t i = 0; i < cl.nregs; i++)
		if (!cl.regs[i]->registered)
			return;
	cl.state = CLOUD_REGISTERED;
	cl.failures = 0;
	cl.probe_failures = 0;
	cl.probe_at = 0;
	cl.registrations++;
	cl.registered_since = sip_now_ms();
	log_notice("registered %zu identit%s at cloud registrar %s (%s, %s)", cl.nregs,
		   cl.nregs == 1 ? "y" : "ies", cl.registrar.v[cl.host],
		   cl.tls_version[0] ? cl.tls_version : "TLS", cl.tls_cipher);
	uv_timer_start(&cl.keepalive, keepalive_cb, (uint64_t)sip.sc->keepalive_interval * 1000,
		       (uint64_t)sip.sc->keepalive_interval * 1000);
}

/* ---- life cycle ---------------------------------------------------------------------------- */

static void cloud_cb(nua_event_t ev, int status, char const *phrase, nua_t *nua, nua_magic_t *magic,
		     nua_handle_t *nh, nua_hmagic_t *hm, sip_t const *m, tagi_t tags[])
{
	if (ev == nua_r_shutdown) {
		if (status >= 200)
			sip.cloud_down = true;
		return;
	}
	if (sip_call_event(ev, status, phrase, nh, hm, m, tags))
		return;
	sip_cloud_event(ev, status, phrase, nh, hm, m, tags);
}

int sip_cloud_open(const struct sb_conf *conf)
{
	char dir[1024], url[128];
	unsigned policy;
	int rc;

	if (cl.home)
		su_home_unref(cl.home);
	memset(&cl, 0, sizeof cl);
	cl.cc = &conf->cloud;
	if (!conf->cloud.enabled || conf->cloud.registrar.n == 0)
		return 0;
	if ((rc = sip_tls_cert_dir(conf, dir, sizeof dir)) < 0) {
		log_err("cannot prepare the cloud certificate in %s: %s", dir, strerror(-rc));
		return rc;
	}
	sip_tls_watch(tls_cb);
	crl_watch(CRL_CLOUD, crl_cb);
	sip_tls_policy(conf->cloud.tls.min_version == SB_TLS_1_3 ? TLS1_3_VERSION : TLS1_2_VERSION,
		       true);
	/* a client-only transport (TPTAG_SERVER(0)): no listener, and connections are not bound
	 * to any address, so the kernel's routing picks the interface toward each registrar */
	snprintf(url, sizeof url, "sips:*:*;transport=tls");
	policy = TPTLS_VERIFY_OUT | (conf->cloud.tls.verify_host ? TPTLS_VERIFY_SUBJECTS_OUT : 0);
	/* sofia-sip checks the server certificate's names (CN, subjectAltName) against a list:
	 * the registrars' host names */
	if (!cl.home)
		cl.home = su_home_new(sizeof *cl.home);
	/* the running link keeps the registrars and the token it started with (a reload that
	 * changes them says they need a restart) */
	cl.registrar.v = su_zalloc(cl.home, (conf->cloud.registrar.n + 1) * sizeof(char *));
	for (size_t i = 0; cl.registrar.v && i < conf->cloud.registrar.n; i++)
		cl.registrar.v[cl.registrar.n++] = su_strdup(cl.home, conf->cloud.registrar.v[i]);
	if (conf->cloud.tls.bearer_token)
		cl.token = su_strdup(cl.home, conf->cloud.tls.bearer_token);
	if (cl.registrar.n != conf->cloud.registrar.n)
		return -ENOMEM;
	cl.subjects = su_strlst_create(cl.home);
	const char *names[8];
	size_t nnames = 0;
	for (size_t i = 0; i < conf->cloud.registrar.n; i++) {
		registrar_uris(conf->cloud.registrar.v[i]);
		char *h = cl.reg_uri[1];
		size_t hl = strlen(h);
		if (h[0] == '[' && hl > 2) /* an IPv6 address: as the certificate writes it */
			su_strlst_dup_append(cl.subjects, su_strndup(cl.home, h + 1, hl - 2));
		else
			su_strlst_dup_append(cl.subjects, h);
		if (nnames < 8)
			names[nnames++] = su_strlst_item(cl.subjects, su_strlst_len(cl.subjects) - 1);
	}
	/* sip_tls.c names a mismatch the way sofia-sip finds it */
	sip_tls_expect(names, conf->cloud.tls.verify_host ? nnames : 0);
	sip.cloud = nua_create(
		sip_loop_root(), cloud_cb, NULL, NUTAG_SIPS_URL(url), TPTAG_SERVER(0),
		TPTAG_CERTIFICATE(dir),
		TPTAG_TLS_VERIFY_POLICY(policy), TPTAG_TLS_VERIFY_SUBJECTS(cl.subjects),
		NTATAG_SIP_T1X64(TRANSACTION_MS),
		TPTAG_KEEPALIVE((unsigned)sip.sc->keepalive_interval * 1000),
		NUTAG_KEEPALIVE_STREAM((unsigned)sip.sc->keepalive_interval * 1000),
		NUTAG_OUTBOUND("no-validate no-options-keepalive no-natify"),
		SIP_IDENTITY_TAGS(sip.sc), NUTAG_MEDIA_ENABLE(0),
		SIP_SESSION_TIMER_TAGS(sip.sc->session_interval), NUTAG_APPL_METHOD("REFER"),
		NUTAG_APPL_METHOD("UPDATE"),
		NUTAG_ALLOW("INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO"), TAG_END());
	sip_tls_policy(TLS1_2_VERSION, false);
	if (sip.cloud && !sip_tls_captured())
		log_warn("cannot watch the cloud's TLS handshakes: show cloud will not name the "
			 "TLS version and cipher");
	if (!sip.cloud) {
		log_err("cannot start the cloud SIP stack (TLS certificate in %s)", dir);
		return -EINVAL;
	}
	sip_trace_stack_created(sip.cloud);
	if ((rc = sip_cloud_ids_open(conf)) < 0)
		return rc;
	uv_timer_init(sb_daemon_loop(), &cl.retry);
	uv_timer_init(sb_daemon_loop(), &cl.keepalive);
	uv_timer_init(sb_daemon_loop(), &cl.refused);
	cl.timers = true;
	sip_cert_open(conf->cloud.tls.cert_file);
	log_info("cloud link: %zu registration(s) at %s%s", cl.nregs, cl.registrar.v[0],
		 cl.registrar.n > 1 ? " (and fallbacks)" : "");
	if (sb_cluster_active()) {
		start_round();
	} else {
		cl.state = CLOUD_STANDBY;
		log_notice("cloud link: standby node: nothing is registered until the node is "
			   "activated (symbridgectl cluster activate)");
	}
	return 0;
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The identities follow the new configuration at once (sip_cloud_ids.c); the rest of the cloud
 * section is taken at start, and a change to it is said to need a restart (the running link
 * keeps what it started with: never half of each). */
void sip_cloud_reload(const struct sb_conf *conf, const struct sb_conf *old)
{
	const struct sb_cloud_conf *n = &conf->cloud, *o = &old->cloud;
	bool reg = n->registrar.n != o->registrar.n;

	for (size_t i = 0; !reg && i < n->registrar.n; i++)
		reg = strcmp(n->registrar.v[i], o->registrar.v[i]) != 0;
	if (reg)
		log_warn("cloud.registrar changed: takes effect after a restart");
	if (n->tls.verify_host != o->tls.verify_host || n->tls.min_version != o->tls.min_version ||
	    !same(n->tls.bearer_token, o->tls.bearer_token))
		log_warn("cloud.tls changed: takes effect after a restart");
	/* the certificate, key and CA files, read again (renewed in place or named anew): the
	 * link's next connections use them (sip_cert.c) */
	if (cl.timers && n->enabled && n->tls.cert_file && n->tls.key_file && n->tls.ca_file) {
		char why[256];
		if (sip_cert_reload(conf, why, sizeof why) < 0)
			log_err("cloud certificate not reloaded, the link keeps the one it has: %s",
				why);
		else
			log_notice("cloud certificate reloaded from %s: new connections present it",
				   n->tls.cert_file);
	}
	cl.cc = n;
	if (cl.timers)
		sip_cloud_ids_sync(conf);
}

/* The cloud is told we are gone: each registered identity is unregistered on its handle, which
 * nua_shutdown() then waits for (within the module's stop bound) and frees. */
void sip_cloud_close(void)
{
	if (!cl.timers)
		return;
	sip_cloud_ids_unregister();
	handles_drop();
	sip_cloud_ids_close();
	uv_close((uv_handle_t *)&cl.retry, NULL);
	uv_close((uv_handle_t *)&cl.keepalive, NULL);
	uv_close((uv_handle_t *)&cl.refused, NULL);
	cl.timers = false;
	sip_cert_close();
	sip_tls_watch(NULL);
	crl_watch(CRL_CLOUD, NULL);
}

/* ---- for calls over the link --------------------------------------------------------------- */

bool sip_cloud_ready(void)
{
	return sip.cloud && cl.cc && cl.state == CLOUD_REGISTERED;
}

bool sip_cloud_trunk(void)
{
	return cl.cc && cl.cc->registration == SB_CLOUD_REG_TRUNK;
}

/* "sips:USER@registrar:port" (the registrar in use routes it), "<sip:USER@domain>" for From and
 * To, and our Contact for identity (the URI we registered, so in-dialog requests come back over
 * our connection). */
void sip_cloud_uris(const char *user, const char *identity, char *ruri, size_t rl, char *aor,
		    size_t al, char *contact, size_t cl_len)
{
	const char *hp = cl.reg_uri[0] + 5; /* after "sips:" */

	snprintf(ruri, rl, "sips:%s@%s", user, hp);
	snprintf(aor, al, "<sip:%s@%s>", user, cl.reg_uri[1]);
	sip_cloud_contact(contact, cl_len, identity);
}

void sip_cloud_show(struct sb_reply *r)
{
	uint64_t now = sip_now_ms();
	bool on = sip.cloud && cl.timers;

	sb_reply_str(r, "state", on ? state_names[cl.state] : "off");
	sb_reply_str(r, "host",
		     on && cl.state == CLOUD_REGISTERED ? cl.registrar.v[cl.host] : NULL);
	sb_reply_str(r, "tls_version", cl.tls_version[0] ? cl.tls_version : NULL);
	sb_reply_str(r, "tls_cipher", cl.tls_cipher[0] ? cl.tls_cipher : NULL);
	sb_reply_str(r, "mode",
		     cl.cc && cl.cc->registration == SB_CLOUD_REG_TRUNK ? "trunk" : "per-channel");
	sip_cloud_ids_counts(r);
	sb_reply_int(r, "failures", cl.failures);
	if (on && cl.state == CLOUD_BACKOFF)
		sb_reply_int(r, "retry_in_ms",
			     (long long)(cl.retry_at > now ? cl.retry_at - now : 0));
	else
		sb_reply_str(r, "retry_in_ms", NULL);
	sb_reply_str(r, "last_error", cl.last_error[0] ? cl.last_error : NULL);
	sb_reply_int(r, "connection_losses", (long long)cl.connection_losses);
	sip_cert_show(r);
	sip_cloud_ids_details(r);
}
