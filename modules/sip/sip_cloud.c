/* sip_cloud.c: the cloud link: one outbound TLS connection, registrations, keepalive, backoff. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

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
#include "sip_priv.h"

enum cloud_state { CLOUD_OFF, CLOUD_REGISTERING, CLOUD_REGISTERED, CLOUD_BACKOFF };
static const char *const state_names[] = { "off", "registering", "registered", "waiting to retry" };

struct cloud_reg {
	char user[65];
	nua_handle_t *nh;
	bool pending, registered;
	unsigned granted;    /* seconds */
	uint64_t expires_at; /* sip_now_ms() */
	uv_timer_t refresh;
};

static struct {
	const struct sb_cloud_conf *cc;
	enum cloud_state state;
	struct cloud_reg *regs;
	size_t nregs;
	size_t host;          /* index into cc->registrar now in use */
	char reg_uri[2][160]; /* registrar request URI, and its host for AoRs */
	unsigned failures;    /* in a row, for the backoff */
	char last_error[512];
	char tls_cipher[64], tls_version[16];
	char tls_note[160]; /* what sofia said about the last TLS failure */
	uint64_t retry_at, registered_since;
	unsigned long long registrations, connection_losses;
	nua_handle_t *ka_nh, *probe_nh; /* keepalive OPTIONS, probe of the first registrar */
	bool ka_pending, probe_pending;
	unsigned probe_failures;
	uint64_t probe_at; /* sip_now_ms() of the next probe of the first registrar */
	uv_timer_t retry, keepalive;
	bool timers;
	int lport;
	char contact_host[64];
	su_home_t *home;
	su_strlst_t *subjects;
} cl;

/* how long a request to the cloud may go unanswered (sofia's default is 32 s) */
#define TRANSACTION_MS 8000

/* ---- what the TLS handshakes said (sip_tls.c) ----------------------------------------------- */

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
}

/* ---- the device certificate as sofia-sip wants it ----------------------------------------- */

static int append_file(FILE *out, const char *path)
{
	char buf[4096];
	size_t n;
	FILE *in = fopen(path, "r");

	if (!in)
		return -errno;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	return 0;
}

/* sofia-sip reads a folder: agent.pem (key, then certificate) and cafile.pem. It is made
 * private to the daemon in the state dir from cloud.tls's three files. */
static int make_cert_dir(const struct sb_conf *conf, char *dir, size_t len)
{
	char path[1100];
	FILE *f;
	int fd, rc;

	snprintf(dir, len, "%s/cloud-tls", conf->system.state_dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	chmod(dir, 0700);
	snprintf(path, sizeof path, "%s/agent.pem", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    !(f = fdopen(fd, "w")))
		return -errno;
	rc = append_file(f, conf->cloud.tls.key_file);
	if (rc == 0)
		rc = append_file(f, conf->cloud.tls.cert_file);
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc < 0)
		return rc;
	snprintf(path, sizeof path, "%s/cafile.pem", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    !(f = fdopen(fd, "w")))
		return -errno;
	rc = append_file(f, conf->cloud.tls.ca_file);
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* A loopback port for the TLS listener sofia-sip needs before it connects anywhere by TLS:
 * nothing is meant to connect to it (the cloud answers over our own connection). */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof a;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(s, (struct sockaddr *)&a, &alen) == 0)
		port = ntohs(a.sin_port);
	if (s >= 0)
		close(s);
	return port;
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

static void handles_drop(void)
{
	for (size_t i = 0; i < cl.nregs; i++) {
		struct cloud_reg *g = &cl.regs[i];
		if (g->nh) {
			nua_handle_bind(g->nh, NULL);
			nua_handle_destroy(g->nh);
		}
		g->nh = NULL;
		g->pending = g->registered = false;
		uv_timer_stop(&g->refresh);
	}
	if (cl.ka_nh)
		nua_handle_destroy(cl.ka_nh);
	if (cl.probe_nh)
		nua_handle_destroy(cl.probe_nh);
	cl.ka_nh = cl.probe_nh = NULL;
	cl.ka_pending = cl.probe_pending = false;
}

/* Each REGISTER goes on a new handle: nua would otherwise refresh on its own schedule (between
 * a quarter and three quarters of the expiry); we refresh at 90 %. Dropping a handle sends
 * nothing, so the binding stays until the next REGISTER replaces it. */
static void send_register(struct cloud_reg *g)
{
	char to[256], contact[256];
	const char *token = cl.cc->tls.bearer_token;
	char auth[4200];

	if (g->nh) {
		nua_handle_bind(g->nh, NULL);
		nua_handle_destroy(g->nh);
	}
	snprintf(to, sizeof to, "<sip:%s@%s>", g->user, cl.reg_uri[1]);
	g->nh = nua_handle(sip.cloud, (nua_hmagic_t *)g, SIPTAG_TO_STR(to), SIPTAG_FROM_STR(to),
			   TAG_END());
	if (!g->nh)
		return;
	snprintf(contact, sizeof contact, "<sip:%s@%s:%d;transport=tls>", g->user, cl.contact_host,
		 cl.lport);
	if (token)
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	g->pending = true;
	nua_register(g->nh, NUTAG_REGISTRAR(cl.reg_uri[0]), SIPTAG_CONTACT_STR(contact),
		     SIPTAG_EXPIRES_STR("3600"), TAG_IF(token, SIPTAG_HEADER_STR(auth)), TAG_END());
}

/* A failure of any kind: the next registrar in the list, or after the whole list a pause that
 * grows with each failed round; then the list again from the first. It never gives up. */
static void failed(const char *what)
{
	uint64_t d;

	snprintf(cl.last_error, sizeof cl.last_error, "%s: %s%s%s%s", cl.cc->registrar.v[cl.host],
		 what, cl.tls_note[0] ? " (" : "", cl.tls_note, cl.tls_note[0] ? ")" : "");
	cl.tls_note[0] = '\0';
	if (cl.state == CLOUD_REGISTERED)
		cl.connection_losses++;
	handles_drop();
	uv_timer_stop(&cl.keepalive);
	if (cl.host + 1 < cl.cc->registrar.n) {
		log_warn("cloud registrar %s failed (%s): trying %s", cl.cc->registrar.v[cl.host],
			 what, cl.cc->registrar.v[cl.host + 1]);
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

static void start_round(void)
{
	registrar_uris(cl.cc->registrar.v[cl.host]);
	cl.state = CLOUD_REGISTERING;
	for (size_t i = 0; i < cl.nregs; i++)
		send_register(&cl.regs[i]);
}

static void retry_cb(uv_timer_t *t)
{
	start_round();
}

static void refresh_cb(uv_timer_t *t)
{
	struct cloud_reg *g = t->data;

	if (!g->pending)
		send_register(g);
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
		const char *r = cl.cc->registrar.v[0];
		snprintf(uri, sizeof uri, "sips:%s", strncmp(r, "sips:", 5) == 0 ? r + 5 : r);
		if (!cl.probe_nh)
			cl.probe_nh = nua_handle(sip.cloud, NULL, SIPTAG_TO_STR(uri), TAG_END());
		if (cl.probe_nh) {
			cl.probe_pending = true;
			nua_options(cl.probe_nh, NUTAG_URL(uri), TAG_END());
		}
	}
}

static unsigned granted_expires(const sip_t *m, const char *user, unsigned asked)
{
	for (const sip_contact_t *c = m ? m->sip_contact : NULL; c; c = c->m_next)
		if (c->m_url->url_user && strcmp(c->m_url->url_user, user) == 0 && c->m_expires)
			return (unsigned)strtoul(c->m_expires, NULL, 10);
	if (m && m->sip_expires)
		return (unsigned)m->sip_expires->ex_delta;
	return asked;
}

void sip_cloud_event(nua_event_t ev, int status, char const *phrase, nua_handle_t *nh,
		     nua_hmagic_t *hm, sip_t const *m, tagi_t tags[])
{
	char what[128];

	if (ev == nua_r_options && (nh == cl.ka_nh || nh == cl.probe_nh)) {
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
					   cl.cc->registrar.v[0]);
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
			failed(what);
		}
		return;
	}
	if (ev == nua_i_invite) {
		sip_route_cloud_invite(nh, m);
		return;
	}
	if (ev != nua_r_register || !hm || status < 200) {
		if (ev == nua_i_message || ev == nua_i_info || ev == nua_i_refer)
			nua_respond(nh, SIP_501_NOT_IMPLEMENTED, TAG_END());
		return;
	}
	struct cloud_reg *g = (struct cloud_reg *)hm;
	g->pending = false;
	if (status >= 300) {
		snprintf(what, sizeof what, "REGISTER %s: %d %s", g->user, status, phrase);
		failed(what);
		return;
	}
	g->granted = granted_expires(m, g->user, 3600);
	if (g->granted == 0)
		g->granted = 3600;
	g->expires_at = sip_now_ms() + (uint64_t)g->granted * 1000;
	g->registered = true;
	uv_timer_start(&g->refresh, refresh_cb, sip_refresh_ms(g->granted), 0);
	if (cl.state != CLOUD_REGISTERING)
		return;
	for (size_t i = 0; i < cl.nregs; i++)
		if (!cl.regs[i].registered)
			return;
	cl.state = CLOUD_REGISTERED;
	cl.failures = 0;
	cl.probe_failures = 0;
	cl.probe_at = 0;
	cl.registrations++;
	cl.registered_since = sip_now_ms();
	log_notice("registered %zu identit%s at cloud registrar %s (%s, %s)", cl.nregs,
		   cl.nregs == 1 ? "y" : "ies", cl.cc->registrar.v[cl.host],
		   cl.tls_version[0] ? cl.tls_version : "TLS", cl.tls_cipher);
	uv_timer_start(&cl.keepalive, keepalive_cb, (uint64_t)sip.sc->keepalive_interval * 1000,
		       (uint64_t)sip.sc->keepalive_interval * 1000);
}

/* ---- life cycle ---------------------------------------------------------------------------- */

static int identities(const struct sb_conf *conf)
{
	const struct sb_model *m = conf->model;
	size_t n = 0;

	if (conf->cloud.registration == SB_CLOUD_REG_TRUNK) {
		n = 1;
	} else {
		for (size_t i = 0; i < m->ncards; i++)
			if (strcmp(m->cards[i].type->name, "sym-bridge") == 0)
				for (size_t c = 0; c < m->cards[i].nchannels; c++)
					n += m->cards[i].channels[c].number != NULL;
	}
	if (!(cl.regs = calloc(n ? n : 1, sizeof *cl.regs)))
		return -ENOMEM;
	if (conf->cloud.registration == SB_CLOUD_REG_TRUNK) {
		snprintf(cl.regs[0].user, sizeof cl.regs[0].user, "%s", conf->system.name);
	} else {
		size_t k = 0;
		for (size_t i = 0; i < m->ncards; i++)
			if (strcmp(m->cards[i].type->name, "sym-bridge") == 0)
				for (size_t c = 0; c < m->cards[i].nchannels; c++)
					if (m->cards[i].channels[c].number)
						snprintf(cl.regs[k++].user, sizeof cl.regs[0].user,
							 "%s", m->cards[i].channels[c].number);
	}
	cl.nregs = n;
	for (size_t i = 0; i < n; i++) {
		uv_timer_init(sb_daemon_loop(), &cl.regs[i].refresh);
		cl.regs[i].refresh.data = &cl.regs[i];
	}
	return 0;
}

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
	if ((rc = make_cert_dir(conf, dir, sizeof dir)) < 0) {
		log_err("cannot prepare the cloud certificate in %s: %s", dir, strerror(-rc));
		return rc;
	}
	sip_tls_watch(tls_cb);
	sip_tls_policy(conf->cloud.tls.min_version == SB_TLS_1_3 ? TLS1_3_VERSION : TLS1_2_VERSION,
		       true);
	snprintf(cl.contact_host, sizeof cl.contact_host, "127.0.0.1");
	if ((cl.lport = free_port()) < 0)
		return -EADDRNOTAVAIL;
	snprintf(url, sizeof url, "sips:127.0.0.1:%d;transport=tls", cl.lport);
	policy = TPTLS_VERIFY_OUT | (conf->cloud.tls.verify_host ? TPTLS_VERIFY_SUBJECTS_OUT : 0);
	/* sofia-sip checks the server certificate's names (CN, subjectAltName) against a list:
	 * the registrars' host names */
	if (!cl.home)
		cl.home = su_home_new(sizeof *cl.home);
	cl.subjects = su_strlst_create(cl.home);
	for (size_t i = 0; i < conf->cloud.registrar.n; i++) {
		registrar_uris(conf->cloud.registrar.v[i]);
		char *h = cl.reg_uri[1];
		size_t hl = strlen(h);
		if (h[0] == '[' && hl > 2) /* an IPv6 address: as the certificate writes it */
			su_strlst_dup_append(cl.subjects, su_strndup(cl.home, h + 1, hl - 2));
		else
			su_strlst_dup_append(cl.subjects, h);
	}
	sip.cloud = nua_create(
		sip_loop_root(), cloud_cb, NULL, NUTAG_SIPS_URL(url), TPTAG_CERTIFICATE(dir),
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
		log_err("cannot start the cloud SIP stack (TLS certificate in %s, or port %d)", dir,
			cl.lport);
		return -EINVAL;
	}
	if ((rc = identities(conf)) < 0)
		return rc;
	uv_timer_init(sb_daemon_loop(), &cl.retry);
	uv_timer_init(sb_daemon_loop(), &cl.keepalive);
	cl.timers = true;
	log_info("cloud link: %zu registration(s) at %s%s", cl.nregs, conf->cloud.registrar.v[0],
		 conf->cloud.registrar.n > 1 ? " (and fallbacks)" : "");
	start_round();
	return 0;
}

void sip_cloud_reload(const struct sb_conf *conf)
{
	/* the cloud section is taken at start; a change is applied by a restart */
	cl.cc = &conf->cloud;
}

/* The cloud is told we are gone: each registered identity is unregistered on its handle, which
 * nua_shutdown() then waits for (within the module's stop bound) and frees. */
void sip_cloud_close(void)
{
	if (!cl.timers)
		return;
	for (size_t i = 0; i < cl.nregs; i++) {
		struct cloud_reg *g = &cl.regs[i];
		uv_timer_stop(&g->refresh);
		if (g->nh && g->registered && !g->pending) {
			nua_handle_bind(g->nh, NULL);
			nua_unregister(g->nh, TAG_END());
			g->nh = NULL; /* nua_shutdown frees it */
		}
	}
	handles_drop();
	for (size_t i = 0; i < cl.nregs; i++)
		uv_close((uv_handle_t *)&cl.regs[i].refresh, NULL);
	uv_close((uv_handle_t *)&cl.retry, NULL);
	uv_close((uv_handle_t *)&cl.keepalive, NULL);
	cl.timers = false;
	/* the regs array is freed once the loop closed the timers: at the next open */
	sip_tls_watch(NULL);
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
	snprintf(contact, cl_len, "<sip:%s@%s:%d;transport=tls>", identity, cl.contact_host,
		 cl.lport);
}

void sip_cloud_show(struct sb_reply *r)
{
	uint64_t now = sip_now_ms();
	bool on = cl.cc && cl.cc->enabled && sip.cloud;

	sb_reply_str(r, "state", on ? state_names[cl.state] : "off");
	sb_reply_str(r, "host",
		     on && cl.state == CLOUD_REGISTERED ? cl.cc->registrar.v[cl.host] : NULL);
	sb_reply_str(r, "tls_version", cl.tls_version[0] ? cl.tls_version : NULL);
	sb_reply_str(r, "tls_cipher", cl.tls_cipher[0] ? cl.tls_cipher : NULL);
	sb_reply_str(r, "mode",
		     cl.cc && cl.cc->registration == SB_CLOUD_REG_TRUNK ? "trunk" : "per-channel");
	size_t nreg = 0;
	for (size_t i = 0; i < cl.nregs; i++)
		nreg += cl.regs[i].registered;
	sb_reply_int(r, "registered", (long long)nreg);
	sb_reply_int(r, "identities", (long long)cl.nregs);
	sb_reply_int(r, "failures", cl.failures);
	if (on && cl.state == CLOUD_BACKOFF)
		sb_reply_int(r, "retry_in_ms",
			     (long long)(cl.retry_at > now ? cl.retry_at - now : 0));
	else
		sb_reply_str(r, "retry_in_ms", NULL);
	sb_reply_str(r, "last_error", cl.last_error[0] ? cl.last_error : NULL);
	sb_reply_int(r, "connection_losses", (long long)cl.connection_losses);
	for (size_t i = 0; i < cl.nregs; i++) {
		const struct cloud_reg *g = &cl.regs[i];
		if (g->registered)
			sb_reply_detail(r, "%s registered, expires in %llu s", g->user,
					(unsigned long long)((g->expires_at - now + 999) / 1000));
		else
			sb_reply_detail(r, "%s not registered", g->user);
	}
}
