/* mgmt_webhook_conf.c: the settings of the call-event webhooks (events.webhooks in
 * symbridge.conf(5)): their key table and checks, and the placeholders templates may use. */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

#define SB_MODULE "events"
#include "mgmt_int.h"

const char *const mgmt_hook_event_names[] = { "call.incoming", "call.answered", "call.dtmf",
					      "call.ended", "link.up", "link.down", "cloud.up",
					      "cloud.down", NULL };
const char *const mgmt_placeholders[] = { "event", "caller", "called", "channel", "card",
					    "call_id", "cause", "reason", "digit", "direction",
					    "time", "link", "peer", NULL };

/* ---- settings ----------------------------------------------------------------------------- */

int mgmt_hook_event_index(const char *name)
{
	for (int i = 0; mgmt_hook_event_names[i]; i++)
		if (strcmp(name, mgmt_hook_event_names[i]) == 0)
			return i;
	return -1;
}

static bool is_placeholder(const char *name, size_t n)
{
	for (int i = 0; mgmt_placeholders[i]; i++)
		if (strlen(mgmt_placeholders[i]) == n && strncmp(name, mgmt_placeholders[i], n) == 0)
			return true;
	return false;
}

/* a placeholder is {word} (lower case letters and '_'): other braces (JSON) are text */
size_t mgmt_placeholder_at(const char *p)
{
	size_t n = 0;

	if (*p != '{')
		return 0;
	while (islower((unsigned char)p[1 + n]) || p[1 + n] == '_')
		n++;
	return n && p[1 + n] == '}' ? n : 0;
}

static void check_placeholders(struct sb_conf_ctx *cx, const struct sb_conf_src *src,
			       const char *path, const void *field)
{
	const char *v = *(char *const *)field;

	for (const char *p = v; p && *p; p++) {
		size_t n = mgmt_placeholder_at(p);
		if (n && !is_placeholder(p + 1, n))
			sb_conf_error(cx, src, path,
				      "{%.*s} is not a placeholder (allowed: {event} {caller} "
				      "{called} {channel} {card} {call_id} {cause} {reason} {digit} "
				      "{direction} {time} {link} {peer})", (int)n, p + 1);
	}
}

static void check_url(struct sb_conf_ctx *cx, const struct sb_conf_src *src, const char *path,
		      const void *field)
{
	const char *v = *(char *const *)field;

	if (v && (strncmp(v, "https://", 8) != 0 || !v[8] || strchr(v, ' ')))
		sb_conf_error(cx, src, path, "\"%s\" is not a URL (allowed: \"https://host/path\")",
			      v);
	else
		check_placeholders(cx, src, path, field);
}

static void check_events(struct sb_conf_ctx *cx, const struct sb_conf_src *src, const char *path,
			 const void *field)
{
	const struct sb_strlist *l = field;

	for (size_t i = 0; i < l->n; i++)
		if (mgmt_hook_event_index(l->v[i]) < 0)
			sb_conf_error(cx, src, path,
				      "\"%s\" is not an event (allowed: \"call.incoming\", "
				      "\"call.answered\", \"call.dtmf\", \"call.ended\", \"link.up\", "
				      "\"link.down\", \"cloud.up\", \"cloud.down\")", l->v[i]);
}

#define WOFF(f) offsetof(struct webhook_conf, f)
static const struct sb_conf_key webhook_keys[] = {
	{ .name = "url", .type = SB_CT_STRING, .offset = WOFF(url), .min = 9, .max = 2048,
	  .check = check_url,
	  .help = "where the events are POSTed: \"https://host[:port]/path\"; placeholders are "
		  "replaced (URL-encoded)" },
	{ .name = "events", .type = SB_CT_STRLIST, .offset = WOFF(events), .min = 1, .max = 8,
	  .check = check_events,
	  .help = "the events sent: \"call.incoming\", \"call.answered\", \"call.dtmf\", "
		  "\"call.ended\", \"link.up\", \"link.down\", \"cloud.up\", \"cloud.down\"" },
	{ .name = "template", .type = SB_CT_STRING, .offset = WOFF(tmpl), .min = 1, .max = 8192,
	  .flags = SB_CK_OPTIONAL, .check = check_placeholders,
	  .help = "the body, with placeholders {caller} {called} ...; absent: a JSON object" },
	{ .name = "content_type", .type = SB_CT_STRING, .offset = WOFF(content_type),
	  .def = "\"application/json\"", .min = 1, .max = 128,
	  .help = "the body's Content-Type header" },
	{ .name = "secret", .type = SB_CT_STRING, .offset = WOFF(secret), .min = 16, .max = 256,
	  .flags = SB_CK_OPTIONAL | SB_CK_SECRET,
	  .help = "key of the X-Symbridge-Signature header (HMAC-SHA256 of the body), 16..256 "
		  "characters; absent: no signature" },
	{ .name = "ca", .type = SB_CT_PATH, .offset = WOFF(ca), .flags = SB_CK_OPTIONAL,
	  .help = "CA certificates the receiver's certificate is verified with (default: "
		  "cloud.tls.ca_file, else the system's)" },
	{ .name = "timeout_ms", .type = SB_CT_INT, .offset = WOFF(timeout_ms), .def = "5000",
	  .min = 100, .max = 60000,
	  .help = "milliseconds one attempt may take, connection and answer, before it failed" },
	{ .name = "max_attempts", .type = SB_CT_INT, .offset = WOFF(max_attempts), .def = "5",
	  .min = 1, .max = 20, .help = "attempts per event before it is given up (and counted)" },
	{ .name = "queue_max", .type = SB_CT_INT, .offset = WOFF(queue_max), .def = "256",
	  .min = 1, .max = 10000,
	  .help = "events waiting for this webhook at most; past it new ones are dropped (and "
		  "counted)" },
	SB_CONF_END
};

static const struct sb_conf_section webhook_section = {
	.name = "events.webhooks",
	.keys = webhook_keys,
	.size = sizeof(struct webhook_conf),
	.src_offset = WOFF(src),
};

static const struct sb_conf_key events_keys[] = {
	{ .name = "webhooks", .type = SB_CT_LIST, .offset = offsetof(struct events_conf, webhooks),
	  .sub = &webhook_section, .def = "()", .min = 0, .max = MGMT_HOOKS_MAX,
	  .flags = SB_CK_RESTART, .help = "URLs told of call events, 0..16" },
	{ .name = "outbox_max_kb", .type = SB_CT_INT,
	  .offset = offsetof(struct events_conf, outbox_max_kb), .def = "4096", .min = 64,
	  .max = 1048576,
	  .help = "KiB of webhook deliveries kept in the store until delivered or given up; past "
		  "it the oldest are dropped (and counted)" },
	{ .name = "outbox_max_age_hours", .type = SB_CT_INT,
	  .offset = offsetof(struct events_conf, outbox_max_age_hours), .def = "24", .min = 1,
	  .max = 8760,
	  .help = "hours a webhook delivery waits at most; older ones are dropped (and counted)" },
	SB_CONF_END
};

const struct sb_conf_section mgmt_events_section = {
	.name = "events",
	.keys = events_keys,
	.size = sizeof(struct events_conf),
	.src_offset = offsetof(struct events_conf, src),
};
