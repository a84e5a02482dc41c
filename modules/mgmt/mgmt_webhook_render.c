/* mgmt_webhook_render.c: what a webhook sends for one event: its URL and body templates with
 * the event's placeholders filled in (URL-encoded in a URL, JSON-escaped in a JSON template), or
 * the event as one JSON object. */
#include "config.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define SB_MODULE "events"
#include "mgmt_int.h"

void mgmt_ev_set(struct mgmt_evctx *x, const char *name, const char *v)
{
	for (int i = 0; mgmt_placeholders[i]; i++)
		if (strcmp(mgmt_placeholders[i], name) == 0) {
			size_t n = v ? strnlen(v, sizeof x->values[i] - 1) : 0;
			if (n)
				memcpy(x->values[i], v, n);
			x->values[i][n] = '\0';
		}
}

static const char *get(const struct mgmt_evctx *x, const char *name, size_t n)
{
	for (int i = 0; mgmt_placeholders[i]; i++)
		if (strlen(mgmt_placeholders[i]) == n && strncmp(mgmt_placeholders[i], name, n) == 0)
			return x->values[i];
	return "";
}

/* V as the inside of a JSON string (quotes, backslashes and controls escaped). malloc'd */
static char *json_inner(const char *v)
{
	json_t *s = json_string(v);
	char *q = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;

	json_decref(s);
	if (q) { /* "..." without its quotes */
		size_t n = strlen(q);
		memmove(q, q + 1, n - 2);
		q[n - 2] = '\0';
	}
	return q;
}

/* text with its placeholders replaced: URL-encoded values for a URL (ESC), JSON-escaped ones for
 * a JSON template (a caller's number or name is the caller's to choose: it must not add fields).
 * malloc'd, NULL: no memory */
char *mgmt_ev_expand(const char *text, const struct mgmt_evctx *x, void *esc, bool json)
{
	size_t cap = strlen(text) + 256, len = 0;
	char *out = malloc(cap);

	for (const char *p = text; out && *p;) {
		size_t n = mgmt_placeholder_at(p), vl;
		const char *v = NULL;
		char *e = NULL, *j = NULL;

		if (n) {
			v = get(x, p + 1, n);
			if (esc)
				v = e = curl_easy_escape(esc, v, 0);
			else if (json)
				v = j = json_inner(v);
			if (!v)
				v = "";
		}
		vl = n ? strlen(v) : 1;
		if (len + vl + 1 > cap) {
			char *o = realloc(out, cap = 2 * (len + vl + 1));
			if (!o) {
				free(out);
				out = NULL;
				curl_free(e);
				free(j);
				break;
			}
			out = o;
		}
		memcpy(out + len, n ? v : p, vl);
		len += vl;
		p += n ? n + 2 : 1;
		curl_free(e);
		free(j);
	}
	if (out)
		out[len] = '\0';
	return out;
}

char *mgmt_ev_json(const struct mgmt_evctx *x)
{
	json_t *j = json_object();
	char *text;

	json_object_set_new(j, "v", json_integer(MGMT_FORMAT_VERSION));
	json_object_set_new(j, "device", json_string(sb_daemon_conf()->system.name));
	for (int i = 0; mgmt_placeholders[i]; i++) {
		const char *v = x->values[i];
		if (strcmp(mgmt_placeholders[i], "call_id") == 0 || strcmp(mgmt_placeholders[i], "channel") == 0 ||
		    strcmp(mgmt_placeholders[i], "cause") == 0)
			json_object_set_new(j, mgmt_placeholders[i],
					    *v ? json_integer(atoll(v)) : json_null());
		else
			json_object_set_new(j, mgmt_placeholders[i], *v ? json_string(v) : json_null());
	}
	text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	return text;
}
