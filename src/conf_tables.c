/* conf_tables.c: the sections of symbridge.conf (system, cloud, cluster, cards, ring_groups, stations). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"

#define OFF(type, field) offsetof(struct type, field)

bool sb_conf_is_number(const char *s)
{
	size_t n = 0;

	if (*s == '+')
		s++;
	for (; *s; s++, n++)
		if (!isdigit((unsigned char)*s) && *s != '*' && *s != '#')
			return false;
	return n >= 1 && n <= 32;
}

bool sb_conf_is_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			return false;
	return true;
}

void sb_conf_check_name(struct sb_conf_ctx *cx, const struct sb_conf_src *src, const char *path,
			const void *field)
{
	const char *v = *(char *const *)field;
	if (v && !sb_conf_is_name(v))
		sb_conf_error(cx, src, path,
			      "\"%s\" is not a name (allowed: letters, digits, '-', '_', '.')", v);
}

/* digest algorithms offered, in order: each of "SHA-256" and "MD5" at most once */
void sb_conf_check_digest_algorithms(struct sb_conf_ctx *cx, const struct sb_conf_src *src,
				     const char *path, const void *field)
{
	const struct sb_strlist *l = field;

	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i], "SHA-256") != 0 && strcmp(l->v[i], "MD5") != 0)
			sb_conf_error(cx, src, path, "\"%s\": unknown digest algorithm (allowed: "
				      "\"SHA-256\", \"MD5\", in the order they are offered)",
				      l->v[i]);
		for (size_t j = 0; j < i; j++)
			if (strcmp(l->v[i], l->v[j]) == 0)
				sb_conf_error(cx, src, path, "\"%s\" is listed twice (allowed: "
					      "each algorithm once)", l->v[i]);
	}
}

/* ---- system ---- */

/* a UNIX socket path is at most 107 bytes once resolved */
static void check_socket_path(struct sb_conf_ctx *cx, const struct sb_conf_src *src,
			      const char *path, const void *field)
{
	const char *v = *(char *const *)field;
	if (strlen(v) > 107)
		sb_conf_error(cx, src, path,
			      "%s is %zu bytes long; a UNIX socket path has at most 107",
			      v, strlen(v));
}

static const struct sb_conf_key system_keys[] = {
	{ .name = "name", .type = SB_CT_STRING, .offset = OFF(sb_system_conf, name),
	  .def = "\"symbridge\"", .min = 1, .max = 64, .check = sb_conf_check_name,
	  .help = "name of this appliance, shown by the CLI" },
	{ .name = "state_dir", .type = SB_CT_PATH, .offset = OFF(sb_system_conf, state_dir),
	  .def = "\"/var/lib/symbridge\"", .min = 1, .max = 1024, .flags = SB_CK_RESTART,
	  .help = "folder of the store (call records, license allocations) and the lock file" },
	{ .name = "control_socket", .type = SB_CT_PATH,
	  .offset = OFF(sb_system_conf, control_socket), .def = "\"/run/symbridge/ctl.sock\"",
	  .min = 1, .max = 1024, .flags = SB_CK_RESTART, .check = check_socket_path,
	  .help = "UNIX socket symbridgectl talks to" },
	{ .name = "log_level", .type = SB_CT_ENUM, .offset = OFF(sb_system_conf, log_level),
	  .def = "\"info\"", .choices = sb__log_level_names, .help = "least important level logged" },
	{ .name = "rtp_ports", .type = SB_CT_PORT_RANGE, .offset = OFF(sb_system_conf, rtp_ports),
	  .def = "[ 20000, 29999 ]", .min = 1024, .max = 65535,
	  .help = "UDP ports for media, [ low, high ]" },
	{ .name = "max_call_seconds", .type = SB_CT_INT,
	  .offset = OFF(sb_system_conf, max_call_seconds), .def = "600", .min = 1, .max = 86400,
	  .help = "a call longer than this is ended cleanly" },
	{ .name = "control_idle_timeout", .type = SB_CT_INT,
	  .offset = OFF(sb_system_conf, control_idle_timeout), .def = "60", .min = 1,
	  .max = 86400,
	  .help = "seconds a control connection may wait without a request before it is closed" },
	{ .name = "control_clients_per_user", .type = SB_CT_INT,
	  .offset = OFF(sb_system_conf, control_clients_per_user), .def = "8", .min = 1,
	  .max = 64,
	  .help = "control connections at once per user other than root and the daemon's own "
		  "(they always have 64 of their own)" },
	SB_CONF_END
};

static const struct sb_conf_section system_section = {
	.name = "system",
	.keys = system_keys,
	.size = sizeof(struct sb_system_conf),
	.src_offset = OFF(sb_system_conf, src),
};

/* ---- cloud ---- */

static const char *const tls_versions[] = { "1.2", "1.3", NULL };
static const char *const registrations[] = { "per-channel", "trunk", NULL };

static const struct sb_conf_key tls_keys[] = {
	{ .name = "ca_file", .type = SB_CT_PATH, .offset = OFF(sb_cloud_tls_conf, ca_file),
	  .flags = SB_CK_OPTIONAL, .help = "CA certificates the cloud's certificate is verified with" },
	{ .name = "cert_file", .type = SB_CT_PATH, .offset = OFF(sb_cloud_tls_conf, cert_file),
	  .flags = SB_CK_OPTIONAL, .help = "this device's certificate (PEM)" },
	{ .name = "key_file", .type = SB_CT_PATH, .offset = OFF(sb_cloud_tls_conf, key_file),
	  .flags = SB_CK_OPTIONAL,
	  .help = "the device certificate's private key (PEM, no access for other users)" },
	{ .name = "verify_host", .type = SB_CT_BOOL, .offset = OFF(sb_cloud_tls_conf, verify_host),
	  .def = "true", .help = "check the cloud certificate's host name" },
	{ .name = "min_version", .type = SB_CT_ENUM, .offset = OFF(sb_cloud_tls_conf, min_version),
	  .def = "\"1.2\"", .choices = tls_versions, .help = "lowest TLS version accepted" },
	{ .name = "bearer_token", .type = SB_CT_STRING,
	  .offset = OFF(sb_cloud_tls_conf, bearer_token), .min = 1, .max = 4096,
	  .flags = SB_CK_OPTIONAL | SB_CK_SECRET,
	  .help = "token sent in an Authorization: Bearer header" },
	SB_CONF_END
};

static const struct sb_conf_section tls_section = {
	.name = "cloud.tls",
	.keys = tls_keys,
	.size = sizeof(struct sb_cloud_tls_conf),
	.src_offset = OFF(sb_cloud_tls_conf, src),
};

static void check_broker(struct sb_conf_ctx *cx, const struct sb_conf_src *src, const char *path,
			 const void *field)
{
	const char *v = *(char *const *)field;
	if (v && !sb_conf_is_hostport(v, true))
		sb_conf_error(cx, src, path, "\"%s\" is not a broker (allowed: \"host:port\")", v);
}

static const struct sb_conf_key mqtt_keys[] = {
	{ .name = "broker", .type = SB_CT_STRING, .offset = OFF(sb_cloud_mqtt_conf, broker),
	  .min = 1, .max = 255, .flags = SB_CK_OPTIONAL, .check = check_broker,
	  .help = "MQTT broker of the management channel, \"host:port\" (MQTTS, usually 8883); "
		  "absent: no channel" },
	{ .name = "client_id", .type = SB_CT_STRING, .offset = OFF(sb_cloud_mqtt_conf, client_id),
	  .min = 1, .max = 64, .flags = SB_CK_OPTIONAL, .check = sb_conf_check_name,
	  .help = "MQTT client id and the device's part of every topic (default: system.name)" },
	{ .name = "topic_prefix", .type = SB_CT_STRING,
	  .offset = OFF(sb_cloud_mqtt_conf, topic_prefix), .def = "\"symbridge\"", .min = 1,
	  .max = 128, .help = "first part of every topic: PREFIX/CLIENT_ID/status, ..." },
	{ .name = "keepalive", .type = SB_CT_INT, .offset = OFF(sb_cloud_mqtt_conf, keepalive),
	  .def = "60", .min = 5, .max = 3600,
	  .help = "seconds between MQTT keepalives; a silent broker is dropped after 1.5 times this" },
	{ .name = "outbox_max_kb", .type = SB_CT_INT,
	  .offset = OFF(sb_cloud_mqtt_conf, outbox_max_kb), .def = "8192", .min = 64,
	  .max = 1048576,
	  .help = "KiB of reports and events kept until the broker acknowledges them; past it the "
		  "oldest are dropped (and counted)" },
	{ .name = "outbox_max_age_hours", .type = SB_CT_INT,
	  .offset = OFF(sb_cloud_mqtt_conf, outbox_max_age_hours), .def = "168", .min = 1,
	  .max = 8760,
	  .help = "hours a report or event waits for the broker at most; older ones are dropped "
		  "(and counted)" },
	SB_CONF_END
};

static const struct sb_conf_section mqtt_section = {
	.name = "cloud.mqtt",
	.keys = mqtt_keys,
	.size = sizeof(struct sb_cloud_mqtt_conf),
	.src_offset = OFF(sb_cloud_mqtt_conf, src),
};

static const char *const crl_stale[] = { "warn", "refuse", NULL };

static void check_crl_url(struct sb_conf_ctx *cx, const struct sb_conf_src *src, const char *path,
			  const void *field)
{
	const char *v = *(char *const *)field;
	if (v && (strncmp(v, "http://", 7) != 0 || !v[7] || strpbrk(v, " \t\r\n")))
		sb_conf_error(cx, src, path,
			      "\"%s\" is not a CRL address (allowed: \"http://host[:port]/path\")", v);
}

static const struct sb_conf_key crl_keys[] = {
	{ .name = "enabled", .type = SB_CT_BOOL, .offset = OFF(sb_cloud_crl_conf, enabled),
	  .def = "true",
	  .help = "check the cloud's and the broker's certificates against their CA's revocation "
		  "list" },
	{ .name = "url", .type = SB_CT_STRING, .offset = OFF(sb_cloud_crl_conf, url), .min = 8,
	  .max = 1024, .flags = SB_CK_OPTIONAL, .check = check_crl_url,
	  .help = "where the CRL is fetched (http://); absent: the CRL distribution point the "
		  "peer certificate names" },
	{ .name = "stale", .type = SB_CT_ENUM, .offset = OFF(sb_cloud_crl_conf, stale),
	  .def = "\"warn\"", .choices = crl_stale,
	  .help = "a CRL past its nextUpdate that cannot be refreshed: \"warn\" (connections go "
		  "on) or \"refuse\"" },
	{ .name = "refresh", .type = SB_CT_INT, .offset = OFF(sb_cloud_crl_conf, refresh),
	  .def = "3600", .min = 10, .max = 604800,
	  .help = "seconds between fetches of the CRL at most (sooner when its nextUpdate comes "
		  "first)" },
	{ .name = "retry_max", .type = SB_CT_INT, .offset = OFF(sb_cloud_crl_conf, retry_max),
	  .def = "600", .min = 5, .max = 86400,
	  .help = "seconds: the longest pause between failed fetches (from 5 s, doubling)" },
	SB_CONF_END
};

static const struct sb_conf_section crl_section = {
	.name = "cloud.crl",
	.keys = crl_keys,
	.size = sizeof(struct sb_cloud_crl_conf),
	.src_offset = OFF(sb_cloud_crl_conf, src),
};

static void check_https_url(struct sb_conf_ctx *cx, const struct sb_conf_src *src,
			    const char *path, const void *field)
{
	const char *v = *(char *const *)field;

	if (v && (strncmp(v, "https://", 8) != 0 || !v[8] || v[8] == '/' || strpbrk(v, " \t")))
		sb_conf_error(cx, src, path, "\"%s\" is not an HTTPS URL (allowed: "
			      "\"https://host[:port]/path\")", v);
}

static const struct sb_conf_key https_keys[] = {
	{ .name = "url", .type = SB_CT_STRING, .offset = OFF(sb_cloud_https_conf, url), .min = 9,
	  .max = 2048, .flags = SB_CK_OPTIONAL, .check = check_https_url,
	  .help = "where VoIP reports and log lines are POSTed in batches, "
		  "\"https://host[:port]/path\"; absent: no uploads" },
	{ .name = "log_level", .type = SB_CT_ENUM, .offset = OFF(sb_cloud_https_conf, log_level),
	  .def = "\"warn\"", .choices = sb__log_level_names,
	  .help = "log lines at or above this level (and logged at all) are uploaded: \"error\", "
		  "\"warn\", \"notice\", \"info\", \"debug\"" },
	{ .name = "batch_max", .type = SB_CT_INT, .offset = OFF(sb_cloud_https_conf, batch_max),
	  .def = "100", .min = 1, .max = 1000, .help = "reports and log lines per POST at most" },
	{ .name = "flush_ms", .type = SB_CT_INT, .offset = OFF(sb_cloud_https_conf, flush_ms),
	  .def = "1000", .min = 0, .max = 600000,
	  .help = "milliseconds an upload waits for more after the first item, at most" },
	{ .name = "timeout_ms", .type = SB_CT_INT, .offset = OFF(sb_cloud_https_conf, timeout_ms),
	  .def = "10000", .min = 100, .max = 120000,
	  .help = "milliseconds one attempt may take, connection and answer, before it failed" },
	{ .name = "retry_max_s", .type = SB_CT_INT, .offset = OFF(sb_cloud_https_conf, retry_max_s),
	  .def = "60", .min = 1, .max = 3600,
	  .help = "seconds between failed attempts at most (from 1 s, doubling, with jitter)" },
	{ .name = "outbox_max_kb", .type = SB_CT_INT,
	  .offset = OFF(sb_cloud_https_conf, outbox_max_kb), .def = "8192", .min = 64,
	  .max = 1048576,
	  .help = "KiB of reports and log lines kept until the receiver answers 2xx; past it the "
		  "oldest are dropped (and counted)" },
	{ .name = "outbox_max_age_hours", .type = SB_CT_INT,
	  .offset = OFF(sb_cloud_https_conf, outbox_max_age_hours), .def = "168", .min = 1,
	  .max = 8760,
	  .help = "hours a report or log line waits for the receiver at most; older ones are "
		  "dropped (and counted)" },
	SB_CONF_END
};

static const struct sb_conf_section https_section = {
	.name = "cloud.https",
	.keys = https_keys,
	.size = sizeof(struct sb_cloud_https_conf),
	.src_offset = OFF(sb_cloud_https_conf, src),
};

/* "host[:port]" with IPv6 addresses in brackets; port 1..65535 */
bool sb_conf_is_hostport(const char *h, bool need_port)
{
	const char *end, *colon;

	if (*h == '[') {
		if (!(end = strchr(h, ']')) || end == h + 1)
			return false;
		for (const char *p = h + 1; p < end; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return false;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			return false;
	} else {
		colon = strchr(h, ':');
		end = colon ? colon : h + strlen(h);
		if (end == h)
			return false;
		for (const char *p = h; p < end; p++)
			if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
				return false;
	}
	if (!colon)
		return !need_port;
	char *e;
	long port = strtol(colon + 1, &e, 10);
	return colon[1] != '\0' && !*e && port >= 1 && port <= 65535;
}

static bool registrar_valid(const char *r)
{
	return sb_conf_is_hostport(strncmp(r, "sips:", 5) == 0 ? r + 5 : r, false);
}

static void file_check(struct sb_conf_ctx *cx, const struct sb_cloud_tls_conf *t,
		       const char *path, const char *key, const char *file, bool secret)
{
	char kpath[128];
	struct stat st;

	snprintf(kpath, sizeof kpath, "%s.tls.%s", path, key);
	if (!file) {
		sb_conf_error(cx, &t->src, kpath, "missing: required when cloud.enabled = true");
		return;
	}
	if (access(file, R_OK) != 0 || stat(file, &st) != 0) {
		sb_conf_error(cx, &t->src, kpath, "cannot read %s: %s", file, strerror(errno));
		return;
	}
	if (secret && (st.st_mode & (S_IRWXO))) {
		sb_conf_error(cx, &t->src, kpath,
			      "%s is accessible by other users (mode %04o): run chmod o-rwx on it",
			      file, (unsigned)(st.st_mode & 07777));
	}
}

/* the codecs the media engine can offer the cloud, by their SDP names */
static const char *const cloud_codec_names[] = { "G722", "PCMA", "PCMU", "opus" };

static void check_cloud_codecs(struct sb_conf_ctx *cx, const struct sb_conf_src *src,
			       const char *path, const void *field)
{
	const struct sb_strlist *l = field;

	for (size_t i = 0; i < l->n; i++) {
		bool known = false;
		for (size_t k = 0; k < sizeof cloud_codec_names / sizeof *cloud_codec_names; k++)
			known |= strcasecmp(l->v[i], cloud_codec_names[k]) == 0;
		if (!known)
			sb_conf_error(cx, src, path,
				      "\"%s\" is not a codec we can offer (allowed: \"G722\", "
				      "\"PCMA\", \"PCMU\", \"opus\")",
				      l->v[i]);
		for (size_t j = 0; j < i; j++)
			if (strcasecmp(l->v[i], l->v[j]) == 0)
				sb_conf_error(cx, src, path,
					      "\"%s\" is listed twice (each codec once, in the "
					      "order of preference)",
					      l->v[i]);
	}
}

/* what the cloud's portal hands out: letters, digits, '-' (sent as it is in the claim request) */
bool sb_conf_is_claim_code(const char *s)
{
	size_t n = strlen(s);

	if (n < 4 || n > 64)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-')
			return false;
	return true;
}

static void check_claim_code(struct sb_conf_ctx *cx, const struct sb_conf_src *src,
			     const char *path, const void *field)
{
	const char *v = *(char *const *)field;
	if (v && !sb_conf_is_claim_code(v))
		sb_conf_error(cx, src, path, "the value is not a claim code (allowed: 4..64 "
			      "letters, digits and '-')");
}

static void cloud_check(struct sb_conf_ctx *cx, const char *path, void *elem)
{
	struct sb_cloud_conf *c = elem;

	if (c->claim_code && !c->mqtt.broker)
		sb_conf_error(cx, &c->src, "cloud.claim_code",
			      "needs the management channel, cloud.mqtt.broker (claiming goes over "
			      "it)");

	for (size_t i = 0; i < c->registrar.n; i++)
		if (!registrar_valid(c->registrar.v[i]))
			sb_conf_error(cx, &c->src, "cloud.registrar",
				      "\"%s\" is not a registrar (allowed: \"sips:host[:port]\" or "
				      "\"host[:port]\")",
				      c->registrar.v[i]);
	/* the channels use the device certificate and CA of cloud.tls */
	if (c->mqtt.broker || c->https.url) {
		const char *who = c->mqtt.broker ? "cloud.mqtt.broker" : "cloud.https.url";
		for (int i = 0; i < 3; i++) {
			static const char *const keys[] = { "ca_file", "cert_file", "key_file" };
			const char *f[] = { c->tls.ca_file, c->tls.cert_file, c->tls.key_file };
			char kpath[64];
			snprintf(kpath, sizeof kpath, "cloud.tls.%s", keys[i]);
			if (!f[i])
				sb_conf_error(cx, &c->tls.src, kpath,
					      "missing: required when %s is set", who);
			else if (!c->enabled)
				file_check(cx, &c->tls, path, keys[i], f[i], i == 2);
		}
	}
	if (!c->enabled)
		return;
	if (c->registrar.n == 0)
		sb_conf_error(cx, &c->src, "cloud.registrar",
			      "missing: at least one registrar is required when cloud.enabled = true");
	file_check(cx, &c->tls, path, "ca_file", c->tls.ca_file, false);
	file_check(cx, &c->tls, path, "cert_file", c->tls.cert_file, false);
	file_check(cx, &c->tls, path, "key_file", c->tls.key_file, true);
}

static const struct sb_conf_key cloud_keys[] = {
	{ .name = "enabled", .type = SB_CT_BOOL, .offset = OFF(sb_cloud_conf, enabled),
	  .def = "false", .help = "connect to the cloud" },
	{ .name = "registrar", .type = SB_CT_STRLIST, .offset = OFF(sb_cloud_conf, registrar),
	  .def = "[]", .min = 0, .max = 8,
	  .help = "cloud registrar hosts, tried in order: \"sips:host[:port]\"" },
	{ .name = "registration", .type = SB_CT_ENUM, .offset = OFF(sb_cloud_conf, registration),
	  .def = "\"per-channel\"", .choices = registrations,
	  .help = "one registration per sym-bridge channel, or one for the trunk" },
	{ .name = "codecs", .type = SB_CT_STRLIST, .offset = OFF(sb_cloud_conf, codecs),
	  .def = "[ \"G722\", \"PCMA\" ]", .min = 1, .max = 4, .check = check_cloud_codecs,
	  .help = "codecs offered to the cloud, in order of preference: \"G722\", \"PCMA\", "
		  "\"PCMU\", \"opus\"" },
	{ .name = "tls", .type = SB_CT_GROUP, .offset = OFF(sb_cloud_conf, tls), .sub = &tls_section,
	  .help = "TLS settings of the cloud connection" },
	{ .name = "mqtt", .type = SB_CT_GROUP, .offset = OFF(sb_cloud_conf, mqtt),
	  .sub = &mqtt_section, .help = "the MQTTS management channel (status, reports)" },
	{ .name = "crl", .type = SB_CT_GROUP, .offset = OFF(sb_cloud_conf, crl), .sub = &crl_section,
	  .help = "certificate revocation of the cloud and the broker" },
	{ .name = "https", .type = SB_CT_GROUP, .offset = OFF(sb_cloud_conf, https),
	  .sub = &https_section, .help = "HTTPS uploads of VoIP reports and log lines" },
	{ .name = "claim_code", .type = SB_CT_STRING, .offset = OFF(sb_cloud_conf, claim_code),
	  .min = 4, .max = 64, .flags = SB_CK_OPTIONAL | SB_CK_SECRET, .check = check_claim_code,
	  .help = "claim this appliance with this code (from the cloud's portal) over the "
		  "management channel; needs cloud.mqtt.broker" },
	SB_CONF_END
};

static const struct sb_conf_section cloud_section = {
	.name = "cloud",
	.keys = cloud_keys,
	.size = sizeof(struct sb_cloud_conf),
	.src_offset = OFF(sb_cloud_conf, src),
	.check = cloud_check,
};

/* ---- cluster ---- */

static void check_role(struct sb_conf_ctx *cx, const struct sb_conf_src *src, const char *path,
		       const void *field)
{
	const char *v = *(char *const *)field;

	if (v && strcmp(v, "auto") != 0 && strcmp(v, "active") != 0 && strcmp(v, "standby") != 0)
		sb_conf_error(cx, src, path,
			      "\"%s\" is not a role (allowed: \"auto\", \"active\", \"standby\")", v);
}

static const struct sb_conf_key cluster_keys[] = {
	{ .name = "role", .type = SB_CT_STRING, .offset = OFF(sb_cluster_conf, role), .min = 1,
	  .max = 16, .flags = SB_CK_OPTIONAL | SB_CK_RESTART, .check = check_role,
	  .help = "the role at start: \"auto\" (standby until keepalived says activate), "
		  "\"active\" or \"standby\"; without it the node is alone and always active" },
	{ .name = "peer", .type = SB_CT_STRING, .offset = OFF(sb_cluster_conf, peer), .min = 1,
	  .max = 255, .flags = SB_CK_OPTIONAL,
	  .help = "the other node's address, shown by show cluster until keepalived names it" },
	SB_CONF_END
};

static const struct sb_conf_section cluster_section = {
	.name = "cluster",
	.keys = cluster_keys,
	.size = sizeof(struct sb_cluster_conf),
	.src_offset = OFF(sb_cluster_conf, src),
};

/* ---- cards ---- */

static void *card_variant(struct sb_conf_ctx *cx, const char *path, void *elem,
			  const struct sb_conf_section **secp)
{
	struct sb_card_conf *cc = elem;
	char types[128], tpath[256];
	size_t off = 0;

	if (!cc->type_name)
		return NULL;
	if (!(cc->type = sb_card_type_find(cc->type_name))) {
		for (size_t i = 0; sb_card_types[i]; i++)
			off += snprintf(types + off, sizeof types - off, "%s%s", i ? ", " : "",
					sb_card_types[i]->name);
		snprintf(tpath, sizeof tpath, "%s.type", path);
		sb_conf_error(cx, &cc->src, tpath, "\"%s\" is not a card type (allowed: %s)",
			      cc->type_name, types);
		return NULL;
	}
	if (!cc->name) {
		char name[64];
		snprintf(name, sizeof name, "%s-%d", cc->type->name, cc->slot);
		cc->name = sb__arena_strdup(cx->arena, name);
	}
	*secp = cc->type->conf;
	cc->priv = sb__arena_alloc(cx->arena, cc->type->conf->size);
	if (cc->priv && cc->type->conf->src_offset + sizeof cc->src <= cc->type->conf->size)
		memcpy((char *)cc->priv + cc->type->conf->src_offset, &cc->src, sizeof cc->src);
	return cc->priv;
}

static const struct sb_conf_key card_keys[] = {
	{ .name = "slot", .type = SB_CT_INT, .offset = OFF(sb_card_conf, slot), .min = 1, .max = 64,
	  .help = "slot number of the card, unique" },
	{ .name = "type", .type = SB_CT_STRING, .offset = OFF(sb_card_conf, type_name),
	  .help = "card type: sym-bridge, pri, bri or link" },
	{ .name = "name", .type = SB_CT_STRING, .offset = OFF(sb_card_conf, name), .min = 1,
	  .max = 64, .flags = SB_CK_OPTIONAL, .check = sb_conf_check_name,
	  .help = "a name for the card (default TYPE-SLOT)" },
	SB_CONF_END
};

static const struct sb_conf_section card_section = {
	.name = "cards",
	.keys = card_keys,
	.size = sizeof(struct sb_card_conf),
	.src_offset = OFF(sb_card_conf, src),
	.variant = card_variant,
};

/* ---- ring groups and stations ---- */

static const struct sb_conf_key ring_group_keys[] = {
	{ .name = "name", .type = SB_CT_STRING, .offset = OFF(sb_ring_group_conf, name), .min = 1,
	  .max = 64, .check = sb_conf_check_name, .help = "name channels refer to, unique" },
	{ .name = "members", .type = SB_CT_STRLIST, .offset = OFF(sb_ring_group_conf, members),
	  .min = 1, .max = 32, .help = "targets rung at once, 1..32" },
	SB_CONF_END
};

static const struct sb_conf_section ring_group_section = {
	.name = "ring_groups",
	.keys = ring_group_keys,
	.size = sizeof(struct sb_ring_group_conf),
	.src_offset = OFF(sb_ring_group_conf, src),
};

/* in the order of enum card_link_dtmf (cards/cards.h), as the link cards' setting */
static const char *const station_dtmf[] = { "rfc4733", "info", "inband", NULL };

static const struct sb_conf_key station_keys[] = {
	{ .name = "user", .type = SB_CT_STRING, .offset = OFF(sb_station_conf, user), .min = 1,
	  .max = 64, .check = sb_conf_check_name, .help = "SIP user name the station registers as" },
	{ .name = "password", .type = SB_CT_STRING, .offset = OFF(sb_station_conf, password),
	  .min = 8, .max = 128, .flags = SB_CK_SECRET, .help = "digest password, 8..128 characters" },
	{ .name = "name", .type = SB_CT_STRING, .offset = OFF(sb_station_conf, name), .min = 1,
	  .max = 128, .flags = SB_CK_OPTIONAL, .help = "display name" },
	{ .name = "dtmf", .type = SB_CT_ENUM, .offset = OFF(sb_station_conf, dtmf),
	  .def = "\"rfc4733\"", .choices = station_dtmf,
	  .help = "how digits from the other side reach the station: RFC 4733 events, SIP INFO, "
		  "or tones in band" },
	{ .name = "allow_foreign_contact", .type = SB_CT_BOOL,
	  .offset = OFF(sb_station_conf, allow_foreign_contact), .def = "false",
	  .help = "accept a Contact whose host is not the address the REGISTER came from" },
	{ .name = "digest_algorithms", .type = SB_CT_STRLIST,
	  .offset = OFF(sb_station_conf, digest_algorithms), .min = 1, .max = 2,
	  .flags = SB_CK_OPTIONAL, .check = sb_conf_check_digest_algorithms,
	  .help = "digest algorithms offered to this station, in this order (default: "
		  "sip.security.digest_algorithms)" },
	SB_CONF_END
};

static const struct sb_conf_section station_section = {
	.name = "stations",
	.keys = station_keys,
	.size = sizeof(struct sb_station_conf),
	.src_offset = OFF(sb_station_conf, src),
};

/* ---- the file ---- */

static const struct sb_conf_key root_keys[] = {
	{ .name = "system", .type = SB_CT_GROUP, .offset = OFF(sb_conf, system),
	  .sub = &system_section, .help = "the appliance itself" },
	{ .name = "cloud", .type = SB_CT_GROUP, .offset = OFF(sb_conf, cloud),
	  .sub = &cloud_section, .help = "the connection to the cloud platform" },
	{ .name = "cluster", .type = SB_CT_GROUP, .offset = OFF(sb_conf, cluster),
	  .sub = &cluster_section, .help = "the node's role in an active/standby pair" },
	{ .name = "cards", .type = SB_CT_LIST, .offset = OFF(sb_conf, cards), .sub = &card_section,
	  .def = "()", .min = 0, .max = 64, .help = "the cards in their slots" },
	{ .name = "ring_groups", .type = SB_CT_LIST, .offset = OFF(sb_conf, ring_groups),
	  .sub = &ring_group_section, .def = "()", .min = 0, .max = 1024,
	  .help = "groups of targets rung at once" },
	{ .name = "stations", .type = SB_CT_LIST, .offset = OFF(sb_conf, stations),
	  .sub = &station_section, .def = "()", .min = 0, .max = 10000,
	  .help = "local SIP stations allowed to register" },
	SB_CONF_END
};

const struct sb_conf_section sb__conf_root = {
	.name = "",
	.keys = root_keys,
	.size = sizeof(struct sb_conf),
	.variant = sb__modules_variant, /* the modules' sections sit beside these */
};
