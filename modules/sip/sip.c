/* sip.c: the sip module: its settings, the sofia-sip stacks (local side, cloud) and their life cycle. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <uv.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/tport_tag.h>

#define SB_MODULE "sip"
#include "sip_priv.h"
#include "sip_sdp.h"

#define STOP_BOUND_MS 5000 /* unregistering at shutdown waits at most this long */
#define MAX_LISTEN    3

struct sip_state sip;

uint64_t sip_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- settings ----------------------------------------------------------------------------- */

static void check_listen(struct sb_conf_ctx *cx, const struct sb_conf_src *src, const char *path,
			 const void *field)
{
	const struct sb_strlist *l = field;
	struct sip_listen sl;
	const char *why;

	for (size_t i = 0; i < l->n; i++)
		if (sip_listen_parse(l->v[i], &sl, &why) < 0)
			sb_conf_error(cx, src, path,
				      "\"%s\": %s (allowed: \"udp|tcp|tls:ADDRESS[:PORT]\", e.g. "
				      "\"udp:0.0.0.0:5060\" or \"tls:[::]:5061\")",
				      l->v[i], why);
}

static const struct sb_conf_key sip_keys[] = {
	{ .name = "listen",
	  .type = SB_CT_STRLIST,
	  .offset = offsetof(struct sip_conf, listen),
	  .def = "[ \"udp:0.0.0.0:5060\", \"tcp:0.0.0.0:5060\" ]",
	  .min = 1,
	  .max = MAX_LISTEN,
	  .check = check_listen,
	  .flags = SB_CK_RESTART,
	  .help = "addresses the local side (stations, links) listens on: "
		  "\"udp|tcp|tls:ADDRESS[:PORT]\"" },
	{ .name = "certificate_dir",
	  .type = SB_CT_PATH,
	  .offset = offsetof(struct sip_conf, certificate_dir),
	  .flags = SB_CK_OPTIONAL | SB_CK_RESTART,
	  .help = "folder with agent.pem (key and certificate) and cafile.pem for tls: listeners" },
	{ .name = "realm",
	  .type = SB_CT_STRING,
	  .offset = offsetof(struct sip_conf, realm),
	  .def = "\"symbridge\"",
	  .min = 1,
	  .max = 64,
	  .help = "digest realm stations authenticate in" },
	{ .name = "min_expires",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct sip_conf, min_expires),
	  .def = "60",
	  .min = 1,
	  .max = 86400,
	  .help = "shortest registration accepted from a station, seconds (shorter: 423)" },
	{ .name = "max_expires",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct sip_conf, max_expires),
	  .def = "3600",
	  .min = 1,
	  .max = 86400,
	  .help = "longest registration granted to a station, seconds" },
	{ .name = "options_interval",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct sip_conf, options_interval),
	  .def = "30",
	  .min = 1,
	  .max = 3600,
	  .help = "seconds between OPTIONS keepalives to each link's peer" },
	{ .name = "keepalive_interval",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct sip_conf, keepalive_interval),
	  .def = "30",
	  .min = 1,
	  .max = 3600,
	  .help = "seconds between CRLF keepalives on the cloud connection (RFC 5626)" },
	{ .name = "retry_min",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct sip_conf, retry_min),
	  .def = "2",
	  .min = 1,
	  .max = 3600,
	  .help = "first delay, seconds, before the cloud registration is retried after a "
		  "failure" },
	{ .name = "retry_max",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct sip_conf, retry_max),
	  .def = "300",
	  .min = 1,
	  .max = 86400,
	  .help = "longest delay, seconds, between cloud registration retries (they never stop)" },
	{ .name = "session_interval",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct sip_conf, session_interval),
	  .def = "1800",
	  .min = 90,
	  .max = 86400,
	  .help = "session timer (RFC 4028) offered and accepted on every call leg, seconds" },
	{ .name = "limits",
	  .type = SB_CT_GROUP,
	  .offset = offsetof(struct sip_conf, limits),
	  .sub = &sip_limits_section,
	  .help = "caps and timeouts of TCP/TLS connections (sip_conn.c)" },
	{ .name = "tls",
	  .type = SB_CT_GROUP,
	  .offset = offsetof(struct sip_conf, tls),
	  .sub = &sip_tls_section,
	  .help = "cipher suites of TLS connections (sip_tls.c)" },
	{ .name = "server_header",
	  .type = SB_CT_STRING,
	  .offset = offsetof(struct sip_conf, server_header),
	  .def = "\"symbridge\"",
	  .min = 1,
	  .max = 64,
	  .flags = SB_CK_RESTART,
	  .help = "the Server and User-Agent header of every SIP message (no version by default)" },
	{ .name = "security",
	  .type = SB_CT_GROUP,
	  .offset = offsetof(struct sip_conf, security),
	  .sub = &sip_security_section,
	  .help = "digest algorithms, per-address request and authentication limits, bans" },
	SB_CONF_END
};

static void sip_section_check(struct sb_conf_ctx *cx, const char *path, void *elem)
{
	struct sip_conf *c = elem;
	bool tls = false;
	struct sip_listen sl;

	if (c->min_expires > c->max_expires)
		sb_conf_error(cx, &c->src, "sip.min_expires",
			      "%d is above sip.max_expires (%d): the shortest must not be longer "
			      "than the longest",
			      c->min_expires, c->max_expires);
	if (c->retry_min > c->retry_max)
		sb_conf_error(cx, &c->src, "sip.retry_min", "%d is above sip.retry_max (%d)",
			      c->retry_min, c->retry_max);
	bool parsed = true;
	for (size_t i = 0; i < c->listen.n; i++) {
		if (sip_listen_parse(c->listen.v[i], &sl, NULL) < 0)
			parsed = false; /* reported by the key's own check */
		else if (sl.proto == SIP_PROTO_TLS)
			tls = true;
	}
	char plain[128], tlsurl[128];
	const char *why = NULL;
	if (parsed &&
	    sip_listen_urls(&c->listen, plain, sizeof plain, tlsurl, sizeof tlsurl, &why) < 0)
		sb_conf_error(cx, &c->src, "sip.listen",
			      "%s (allowed: at most one udp:, one tcp: and one tls: address; udp "
			      "and tcp on the same address and port)",
			      why);
	if (tls && !c->certificate_dir)
		sb_conf_error(cx, &c->src, "sip.certificate_dir",
			      "missing: required by the tls: address in sip.listen");
}

static const struct sb_conf_section sip_section = {
	.name = "sip",
	.keys = sip_keys,
	.size = sizeof(struct sip_conf),
	.src_offset = offsetof(struct sip_conf, src),
	.check = sip_section_check,
};

/* ---- the stacks --------------------------------------------------------------------------- */

/* Is there anything on the local side to serve? Without stations or links nothing listens. */
static bool local_needed(const struct sb_conf *conf)
{
	if (conf->stations.n)
		return true;
	for (size_t i = 0; i < conf->model->ncards; i++)
		if (strcmp(conf->model->cards[i].type->name, "link") == 0)
			return true;
	return false;
}

/* The address (no port) the request being handled came from, "" when unknown. */
void sip_request_ip(nua_t *nua, char *ip, size_t len)
{
	msg_t *msg = nua_current_request(nua);
	su_addrinfo_t *ai = msg ? msg_addrinfo(msg) : NULL;

	ip[0] = '\0';
	if (ai && ai->ai_addr) {
		su_sockaddr_t *su = (su_sockaddr_t *)ai->ai_addr;
		su_inet_ntop(su->su_family, SU_ADDR(su), ip, len);
	}
}

/* A request from a banned address that reached sofia-sip: it was read before the kernel filter
 * (sip_filter.c) went on, or the address is one the filter does not hold (IPv6). nua cannot drop
 * a request silently (a handle destroyed unanswered sends 500), so it is refused plainly. */
void sip_drop(nua_t *nua, nua_handle_t *nh)
{
	nua_respond(nh, SIP_403_FORBIDDEN, NUTAG_WITH_THIS(nua), TAG_END());
	nua_handle_destroy(nh);
}

/* Methods we know but take only inside a call (INFO, REFER) or not at all: 405 with the
 * methods this side does take outside a dialog. */
void sip_method_not_allowed(nua_t *nua, nua_handle_t *nh, bool ours)
{
	nua_respond(nh, SIP_405_METHOD_NOT_ALLOWED, NUTAG_WITH_THIS(nua),
		    SIPTAG_ALLOW_STR("INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER"), TAG_END());
	if (!ours) /* a handle of ours (a link's) lives on */
		nua_handle_destroy(nh);
}

static bool is_request(nua_event_t ev)
{
	switch (ev) {
	case nua_i_invite: case nua_i_register: case nua_i_options: case nua_i_message:
	case nua_i_info: case nua_i_refer: case nua_i_update: case nua_i_bye: case nua_i_prack:
	case nua_i_subscribe: case nua_i_notify: case nua_i_publish: case nua_i_method:
		return true;
	default:
		return false;
	}
}

static void local_cb(nua_event_t ev, int status, char const *phrase, nua_t *nua, nua_magic_t *magic,
		     nua_handle_t *nh, nua_hmagic_t *hm, sip_t const *sipm, tagi_t tags[])
{
	if (is_request(ev) && !hm) {
		/* a request outside our calls: per-source limit first (sip_guard.c) */
		char ip[64];
		sip_request_ip(nua, ip, sizeof ip);
		if (!sip_guard_request(ip, sip_now_ms())) {
			sip_drop(nua, nh);
			return;
		}
	}
	switch (ev) {
	case nua_r_shutdown:
		if (status >= 200)
			sip.local_down = true;
		return;
	case nua_i_register:
		/* stations register at the active node only: a standby sends them on (503) */
		if (!sb_cluster_active()) {
			nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, NUTAG_WITH_THIS(nua), TAG_END());
			nua_handle_destroy(nh);
			return;
		}
		sip_reg_request(nua, nh, sipm);
		return;
	case nua_i_options:
		/* a link peer or anyone else asking whether we are alive: while draining or
		 * standby, no (a dispatcher in front of several gateways then marks this one
		 * down); only a drain ends by itself, so only it says when to retry */
		if (sb_not_taking_calls()) {
			char ra[16];
			bool draining = strcmp(sb_not_taking_calls(), "draining") == 0;
			snprintf(ra, sizeof ra, "%d", sb_drain_retry_after());
			nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, NUTAG_WITH_THIS(nua),
				    TAG_IF(draining, SIPTAG_RETRY_AFTER_STR(ra)), TAG_END());
		} else {
			nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(nua), TAG_END());
		}
		nua_handle_destroy(nh);
		return;
	case nua_i_invite:
		if (sip_call_event(ev, status, phrase, nh, hm, sipm, tags))
			return; /* a re-INVITE */
		sip_route_local_invite(nua, nh, sipm);
		return;
	default:
		if (sip_call_event(ev, status, phrase, nh, hm, sipm, tags))
			return;
		if (sip_link_event(ev, status, phrase, nh, hm, sipm))
			return;
		if (ev == nua_i_message || ev == nua_i_subscribe || ev == nua_i_refer ||
		    ev == nua_i_notify || ev == nua_i_publish || ev == nua_i_info) {
			/* known methods we take only inside a call, or not at all */
			sip_method_not_allowed(nua, nh, hm != NULL);
		} else if (ev == nua_i_method) {
			nua_respond(nh, SIP_501_NOT_IMPLEMENTED, NUTAG_WITH_THIS(nua), TAG_END());
			nua_handle_destroy(nh);
		}
		return;
	}
}

/* sofia-sip's nua binds one sip: URL (UDP and TCP on one address and port, or one of them) and
 * one sips: URL (TLS); the settings check keeps sip.listen within that. */
int sip_listen_urls(const struct sb_strlist *listen, char *plain, size_t plen, char *tls,
		    size_t tlen, const char **why)
{
	struct sip_listen l, first = { 0 };
	unsigned have = 0; /* bit per protocol */

	plain[0] = tls[0] = '\0';
	for (size_t i = 0; i < listen->n; i++) {
		if (sip_listen_parse(listen->v[i], &l, why) < 0)
			return -EINVAL;
		if (have & (1u << l.proto)) {
			*why = "more than one address of the same transport";
			return -EINVAL;
		}
		have |= 1u << l.proto;
		if (l.proto == SIP_PROTO_TLS) {
			if (sip_listen_url(&l, tls, tlen) < 0)
				return -EINVAL;
			continue;
		}
		if (plain[0] && (strcmp(first.host, l.host) != 0 || first.port != l.port)) {
			*why = "udp and tcp must share one address and port";
			return -EINVAL;
		}
		first = l;
		if (sip_listen_url(&l, plain, plen) < 0)
			return -EINVAL;
	}
	if ((have & 3) == 3) /* both: a URL without ;transport binds UDP and TCP */
		*strchr(plain, ';') = '\0';
	return 0;
}

static int open_local(const struct sb_conf *conf)
{
	char plain[128], tls[128];
	const char *why = "";

	if (sip_listen_urls(&sip.sc->listen, plain, sizeof plain, tls, sizeof tls, &why) < 0)
		return -EINVAL;
	sip_tls_capture_local(tls[0] != '\0'); /* its SSL_CTX, for certificate reloads */
	sip.local = nua_create(
		sip_loop_root(), local_cb, NULL, TAG_IF(plain[0], NUTAG_URL(plain)),
		TAG_IF(tls[0], NUTAG_SIPS_URL(tls)),
		TAG_IF(sip.sc->certificate_dir, TPTAG_CERTIFICATE(sip.sc->certificate_dir)),
		/* what we take (sofia's default would also list MESSAGE, SUBSCRIBE, NOTIFY) */
		SIPTAG_ALLOW_STR("INVITE, ACK, BYE, CANCEL, OPTIONS, PRACK, INFO, REFER, UPDATE, "
				 "REGISTER"),
		NUTAG_APPL_METHOD("REGISTER"),
		NUTAG_APPL_METHOD("REFER"), NUTAG_APPL_METHOD("UPDATE"),
		NUTAG_APPL_METHOD("OPTIONS"), NUTAG_APPL_METHOD("MESSAGE"),
		NUTAG_APPL_METHOD("INFO"),
		NUTAG_OUTBOUND("no-validate no-options-keepalive no-natify"),
		SIP_IDENTITY_TAGS(sip.sc), NUTAG_MEDIA_ENABLE(0),
		SIP_SESSION_TIMER_TAGS(sip.sc->session_interval),
		TPTAG_TIMEOUT((unsigned)sip.sc->limits.message_timeout * 1000),
		TPTAG_IDLE((unsigned)sip.sc->limits.idle_timeout * 1000),
		NTATAG_SIP_T1X64(SIP_LOCAL_T1X64_MS), TAG_END());
	sip_tls_capture_local(false);
	if (!sip.local) {
		log_err("cannot listen for SIP on %s%s%s: address in use or not on this host? "
			"(change sip.listen)",
			plain, plain[0] && tls[0] ? " and " : "", tls);
		return -EADDRINUSE;
	}
	sip_trace_stack_created(sip.local);
	log_info("local SIP side listening on %s%s%s", plain, plain[0] && tls[0] ? " and " : "",
		 tls);
	return 0;
}

/* After each pump: finish the shutdown once every stack said it is done. */
static void after_pump(void)
{
	if (!sip.stopping)
		return;
	if (sip.local && sip.local_down) {
		nua_destroy(sip.local);
		sip.local = NULL;
	}
	if (sip.cloud && sip.cloud_down) {
		nua_destroy(sip.cloud);
		sip.cloud = NULL;
	}
	if (!sip.local && !sip.cloud) {
		sip_conn_close();
		uv_close((uv_handle_t *)&sip.stop_timer, NULL);
		sip_loop_close();
		sip_trace_close();
		sip.stopping = false;
		log_info("SIP stopped");
	}
}

/* A peer that never answers the un-REGISTER must not hold up the daemon's exit. */
static void stop_timer_cb(uv_timer_t *t)
{
	log_warn("SIP shutdown took longer than %d ms: closing anyway", STOP_BOUND_MS);
	sip.local_down = sip.cloud_down = true;
	after_pump();
}

/* cloud.codecs into the offers and answers toward the cloud */
static void apply_cloud_codecs(const struct sb_conf *conf)
{
	enum media_codec cs[MEDIA_CODEC_COUNT];
	size_t n = 0;

	for (size_t i = 0; i < conf->cloud.codecs.n && n < MEDIA_CODEC_COUNT; i++)
		for (int c = 0; c < MEDIA_CODEC_COUNT; c++)
			if (strcasecmp(conf->cloud.codecs.v[i],
				       media_codec_info((enum media_codec)c)->name) == 0)
				cs[n++] = (enum media_codec)c;
	sip_sdp_cloud_codecs(cs, n);
}

static int sip_init(const struct sb_conf *conf)
{
	int rc;

	memset(&sip, 0, sizeof sip);
	sip.conf = conf;
	sip.sc = sb_module_conf(conf, &sip_module);
	apply_cloud_codecs(conf);
	/* sofia's own logs (stderr) stay quiet unless asked for with SOFIA_DEBUG, NUA_DEBUG, ... */
	if (!getenv("SOFIA_DEBUG") && !getenv("NUA_DEBUG") && !getenv("NTA_DEBUG") &&
	    !getenv("TPORT_DEBUG"))
		su_log_set_level(NULL, 0);
	sip_trace_init();
	if ((rc = sip_loop_open(sb_daemon_loop(), after_pump)) < 0) {
		log_err("cannot start sofia-sip: %s", strerror(-rc));
		return rc;
	}
	sip_tls_ciphers(sip.sc->tls.ciphers);
	if ((rc = sip_conn_open(conf, &sip.sc->limits)) < 0) {
		log_err("cannot set up the connection limits: %s", strerror(-rc));
		goto fail;
	}
	if (local_needed(conf) && (rc = open_local(conf)) < 0)
		goto fail;
	if (sip.local)
		sip_filter_open();
	sip_mem_open();
	if ((rc = sip_guard_open(&sip.sc->security, sip_filter_update)) < 0 ||
	    (rc = sip_reg_open(conf)) < 0 || (rc = sip_link_open(conf)) < 0 ||
	    (rc = sip_cloud_open(conf)) < 0 || (rc = sip_route_open()) < 0)
		goto fail;
	return 0;
fail:
	sip_mem_close();
	sip_filter_close();
	sip_cloud_close();
	sip_link_close();
	sip_reg_close();
	sip_guard_close();
	if (sip.local)
		nua_destroy(sip.local);
	sip.local = NULL;
	if (sip.cloud)
		nua_destroy(sip.cloud);
	sip.cloud = NULL;
	sip_conn_close();
	sip_loop_close();
	sip_trace_close();
	return rc;
}

static void sip_reload(const struct sb_conf *conf, const struct sb_conf *old)
{
	const struct sip_conf *osc = sb_module_conf(old, &sip_module);

	sip.conf = conf;
	sip.sc = sb_module_conf(conf, &sip_module);
	apply_cloud_codecs(conf);
	/* new dialogs take the stacks' defaults: calls in progress keep what they negotiated */
	if (sip.sc->session_interval != osc->session_interval) {
		if (sip.local)
			nua_set_params(sip.local, SIP_SESSION_TIMER_TAGS(sip.sc->session_interval),
				       TAG_END());
		if (sip.cloud)
			nua_set_params(sip.cloud, SIP_SESSION_TIMER_TAGS(sip.sc->session_interval),
				       TAG_END());
		log_notice("sip.session_interval is now %d s (was %d s): new calls use it, calls "
			   "in progress keep theirs",
			   sip.sc->session_interval, osc->session_interval);
	}
	if (local_needed(conf) && !sip.local)
		log_warn("the new configuration has stations or link cards but the local SIP side "
			 "was not started: restart the daemon to listen on sip.listen");
	if (conf->cloud.enabled != old->cloud.enabled)
		log_warn("cloud.enabled changed: takes effect after a restart");
	sip_conn_reload(&sip.sc->limits);
	sip_guard_reload(&sip.sc->security);
	sip_reg_reload(conf);
	sip_link_reload(conf);
	sip_cloud_reload(conf, old);
	/* the tls: listener's certificate and CA, read again: new connections present them */
	if (sip.local && sip_tls_local_ctx() && sip.sc->certificate_dir) {
		char why[256];
		if (sip_cert_reload_local(sip.sc->certificate_dir, why, sizeof why) < 0)
			log_err("sip tls certificate not reloaded, the listener keeps the one it "
				"has: %s",
				why);
		else
			log_notice("sip tls certificate reloaded from %s: new connections present "
				   "it",
				   sip.sc->certificate_dir);
	}
}

static void sip_close(void)
{
	if (!sip_loop_root())
		return;
	sip_route_close();
	sip_call_close();
	sip_cloud_close();
	sip_link_close();
	sip_reg_close();
	sip_filter_close();
	sip_guard_close();
	sip_mem_close();
	sip.stopping = true;
	uv_timer_init(sb_daemon_loop(), &sip.stop_timer);
	uv_timer_start(&sip.stop_timer, stop_timer_cb, STOP_BOUND_MS, 0);
	if (sip.local)
		nua_shutdown(sip.local);
	if (sip.cloud)
		nua_shutdown(sip.cloud);
	if (!sip.local && !sip.cloud)
		after_pump();
}

const struct sb_module sip_module = {
	.name = "sip",
	.conf = &sip_section,
	.cmds = sip_cli_cmds,
	.init = sip_init,
	.reload = sip_reload,
	.close = sip_close,
	.metrics = sip_metrics,
	.cluster_role = sip_cloud_cluster_role,
	.cluster_check = sip_cloud_cluster_check,
};
