/* lic_proto.c: the license master protocol's messages to and from JSON lines (jansson): strict
 * about what each type needs, so a master never acts on half a message. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lic_proto.h"

const char *const lic_msg_type_names[] = { "hello",  "welcome", "take", "give",  "grant",
					   "report", "ping",    "pong", "error", NULL };

/* what each type carries */
#define F_SEQ     0x01
#define F_NODE    0x02
#define F_HELLO   0x04 /* mode, sw, items as grants */
#define F_LIC     0x08 /* kind, owner, id */
#define F_ANSWER  0x10 /* ok, reason, detail */
#define F_REPORT  0x20 /* items as counts */
#define F_ERROR   0x40 /* reason, detail */
#define F_WELCOME 0x80 /* standby */

static const unsigned type_fields[LIC_MSG_MAX] = {
	[LIC_MSG_HELLO] = F_NODE | F_HELLO,
	[LIC_MSG_WELCOME] = F_NODE | F_WELCOME,
	[LIC_MSG_TAKE] = F_SEQ | F_LIC,
	[LIC_MSG_GIVE] = F_SEQ | F_LIC,
	[LIC_MSG_GRANT] = F_SEQ | F_ANSWER,
	[LIC_MSG_REPORT] = F_REPORT,
	[LIC_MSG_PING] = F_SEQ,
	[LIC_MSG_PONG] = F_SEQ,
	[LIC_MSG_ERROR] = F_ERROR,
};

static int bad(char *why, size_t wlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *why, size_t wlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, wlen, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/* a string field of 1..max-1 printable characters, copied into dst */
static int get_str(json_t *o, const char *key, char *dst, size_t max, char *why, size_t wlen)
{
	json_t *v = json_object_get(o, key);
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	size_t n = s ? json_string_length(v) : 0;

	if (!s)
		return bad(why, wlen, "\"%s\": a string is needed", key);
	if (n == 0 || n >= max || strlen(s) != n)
		return bad(why, wlen, "\"%s\": 1 to %zu characters", key, max - 1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return bad(why, wlen, "\"%s\": control characters", key);
	memcpy(dst, s, n + 1);
	return 0;
}

static int get_uint(json_t *o, const char *key, unsigned long long max, unsigned long long *vp,
		    char *why, size_t wlen)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (unsigned long long)json_integer_value(v) > max)
		return bad(why, wlen, "\"%s\": a whole number from 0 to %llu is needed", key, max);
	*vp = (unsigned long long)json_integer_value(v);
	return 0;
}

static int get_kind(json_t *o, enum lic_kind *kp, char *why, size_t wlen)
{
	char name[64];
	int rc = get_str(o, "kind", name, sizeof name, why, wlen);

	if (rc < 0)
		return rc;
	for (int k = 0; k < LIC_KIND_MAX; k++)
		if (strcmp(lic_kind_info((enum lic_kind)k)->name, name) == 0) {
			*kp = (enum lic_kind)k;
			return 0;
		}
	return bad(why, wlen, "\"kind\": no license kind \"%s\"", name);
}

static int get_owner(json_t *o, enum lic_owner_type *tp, char *id, char *why, size_t wlen)
{
	char name[16];
	int rc = get_str(o, "owner", name, sizeof name, why, wlen);

	if (rc < 0)
		return rc;
	for (int t = 0; t < LIC_OWN_MAX; t++)
		if (strcmp(lic_owner_names[t], name) == 0) {
			*tp = (enum lic_owner_type)t;
			return get_str(o, "id", id, LIC_PROTO_ID_MAX + 1, why, wlen);
		}
	return bad(why, wlen, "\"owner\": no owner type \"%s\"", name);
}

static int get_items(json_t *o, struct lic_msg *m, bool counts, char *why, size_t wlen)
{
	json_t *a = json_object_get(o, counts ? "counts" : "grants");
	unsigned long long v;
	size_t n;

	if (!json_is_array(a))
		return bad(why, wlen, "\"%s\": an array is needed", counts ? "counts" : "grants");
	if ((n = json_array_size(a)) > LIC_PROTO_ITEMS_MAX)
		return bad(why, wlen, "more than %d items", LIC_PROTO_ITEMS_MAX);
	if (n && !(m->items = calloc(n, sizeof *m->items)))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(a, i);
		struct lic_msg_item *it = &m->items[i];
		int rc;
		if (!json_is_object(e))
			return bad(why, wlen, "item %zu: an object is needed", i);
		if ((rc = get_kind(e, &it->kind, why, wlen)) < 0)
			return rc;
		if (counts) {
			if ((rc = get_uint(e, "installed", 1000000, &v, why, wlen)) < 0)
				return rc;
			it->installed = (unsigned)v;
			if ((rc = get_uint(e, "in_use", 1000000, &v, why, wlen)) < 0)
				return rc;
			it->in_use = (unsigned)v;
		} else if ((rc = get_owner(e, &it->owner, it->id, why, wlen)) < 0) {
			return rc;
		}
		m->nitems++;
	}
	return 0;
}

static int parse_fields(json_t *o, struct lic_msg *m, char *why, size_t wlen)
{
	unsigned f = type_fields[m->type];
	unsigned long long v;
	char s[16];
	int rc;

	if ((f & F_SEQ) && (rc = get_uint(o, "seq", UINT64_MAX >> 11, &v, why, wlen)) < 0)
		return rc;
	if (f & F_SEQ)
		m->seq = v;
	if ((f & F_NODE) && (rc = get_str(o, "node", m->node, sizeof m->node, why, wlen)) < 0)
		return rc;
	if (f & F_HELLO) {
		if ((rc = get_str(o, "mode", s, sizeof s, why, wlen)) < 0)
			return rc;
		if (strcmp(s, "central") == 0)
			m->mode = LIC_MODE_SLAVE_CENTRAL;
		else if (strcmp(s, "decentral") == 0)
			m->mode = LIC_MODE_SLAVE_DECENTRAL;
		else
			return bad(why, wlen, "\"mode\": central or decentral, not \"%s\"", s);
		if ((rc = get_str(o, "sw", s, sizeof s, why, wlen)) < 0)
			return rc;
		if (lic_sw_parse(s, &m->sw) < 0)
			return bad(why, wlen, "\"sw\": \"%s\" is not a version", s);
		if ((rc = get_items(o, m, false, why, wlen)) < 0)
			return rc;
	}
	if (f & F_WELCOME) {
		json_t *b = json_object_get(o, "standby");
		if (!json_is_boolean(b))
			return bad(why, wlen, "\"standby\": true or false is needed");
		m->standby = json_is_true(b);
	}
	if ((f & F_LIC) && ((rc = get_kind(o, &m->kind, why, wlen)) < 0 ||
			    (rc = get_owner(o, &m->owner, m->id, why, wlen)) < 0))
		return rc;
	json_t *from = m->type == LIC_MSG_TAKE ? json_object_get(o, "from") : NULL;
	if (from && !json_is_object(from))
		return bad(why, wlen, "\"from\": an object with owner and id is needed");
	if (from && (rc = get_owner(from, &m->from_owner, m->from_id, why, wlen)) < 0)
		return rc;
	m->from = from != NULL;
	if (f & F_ANSWER) {
		json_t *b = json_object_get(o, "ok");
		if (!json_is_boolean(b))
			return bad(why, wlen, "\"ok\": true or false is needed");
		m->ok = json_is_true(b);
	}
	if (f & (F_ANSWER | F_ERROR)) {
		if ((rc = get_str(o, "reason", m->reason, sizeof m->reason, why, wlen)) < 0)
			return rc;
		if (json_object_get(o, "detail") &&
		    (rc = get_str(o, "detail", m->detail, sizeof m->detail, why, wlen)) < 0)
			return rc;
	}
	if ((f & F_REPORT) && (rc = get_items(o, m, true, why, wlen)) < 0)
		return rc;
	return 0;
}

int lic_msg_parse(const char *line, size_t len, struct lic_msg *m, char *why, size_t wlen)
{
	json_error_t jerr;
	json_t *o;
	unsigned long long v;
	char type[16];
	int rc;

	memset(m, 0, sizeof *m);
	if (len > LIC_PROTO_LINE_MAX)
		return bad(why, wlen, "a line of %zu bytes (at most %d)", len, LIC_PROTO_LINE_MAX);
	if (!(o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr)))
		return bad(why, wlen, "not JSON: %s", jerr.text);
	if (!json_is_object(o)) {
		rc = bad(why, wlen, "not a JSON object");
		goto out;
	}
	if ((rc = get_uint(o, "v", 1000, &v, why, wlen)) < 0)
		goto out;
	m->version = (unsigned)v;
	if (v != LIC_PROTO_VERSION) {
		snprintf(why, wlen, "protocol version %llu, this node speaks %d", v,
			 LIC_PROTO_VERSION);
		rc = v > LIC_PROTO_VERSION ? -EPROTONOSUPPORT : -EBADMSG;
		goto out;
	}
	if ((rc = get_str(o, "type", type, sizeof type, why, wlen)) < 0)
		goto out;
	rc = bad(why, wlen, "\"type\": no message \"%s\"", type);
	for (int t = 0; t < LIC_MSG_MAX; t++)
		if (strcmp(lic_msg_type_names[t], type) == 0) {
			m->type = (enum lic_msg_type)t;
			rc = parse_fields(o, m, why, wlen);
			break;
		}
out:
	json_decref(o);
	if (rc < 0)
		lic_msg_clear(m);
	return rc;
}

static json_t *items_json(const struct lic_msg *m, bool counts)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < m->nitems; i++) {
		const struct lic_msg_item *it = &m->items[i];
		json_t *e =
			counts ? json_pack("{s:s, s:I, s:I}", "kind", lic_kind_info(it->kind)->name,
					   "installed", (json_int_t)it->installed, "in_use",
					   (json_int_t)it->in_use)
			       : json_pack("{s:s, s:s, s:s}", "kind", lic_kind_info(it->kind)->name,
					   "owner", lic_owner_names[it->owner], "id", it->id);
		if (!e || json_array_append_new(a, e) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* set key to v (which it owns); a NULL v (no memory, or a string that is not UTF-8) spoils the
 * message */
static void put(json_t *o, const char *key, json_t *v, bool *spoilt)
{
	if (!v || json_object_set_new(o, key, v) < 0)
		*spoilt = true;
}

int lic_msg_format(const struct lic_msg *m, char **linep, size_t *lenp)
{
	unsigned f;
	json_t *o;
	char sw[16], *s;
	bool spoilt = false;
	int rc = -ENOMEM;

	if ((unsigned)m->type >= LIC_MSG_MAX || m->nitems > LIC_PROTO_ITEMS_MAX ||
	    (unsigned)m->kind >= LIC_KIND_MAX || (unsigned)m->owner >= LIC_OWN_MAX ||
	    (m->from && (unsigned)m->from_owner >= LIC_OWN_MAX))
		return -EINVAL;
	f = type_fields[m->type];
	if (!(o = json_pack("{s:i, s:s}", "v", LIC_PROTO_VERSION, "type",
			    lic_msg_type_names[m->type])))
		return -ENOMEM;
	if (f & F_SEQ)
		put(o, "seq", json_integer((json_int_t)(m->seq & (UINT64_MAX >> 11))), &spoilt);
	if (f & F_NODE)
		put(o, "node", json_string(m->node), &spoilt);
	if (f & F_HELLO) {
		lic_sw_format(m->sw, sw, sizeof sw);
		put(o, "mode",
		    json_string(m->mode == LIC_MODE_SLAVE_DECENTRAL ? "decentral" : "central"),
		    &spoilt);
		put(o, "sw", json_string(sw), &spoilt);
		put(o, "grants", items_json(m, false), &spoilt);
	}
	if (f & F_WELCOME)
		put(o, "standby", json_boolean(m->standby), &spoilt);
	if (f & F_LIC) {
		put(o, "kind", json_string(lic_kind_info(m->kind)->name), &spoilt);
		put(o, "owner", json_string(lic_owner_names[m->owner]), &spoilt);
		put(o, "id", json_string(m->id), &spoilt);
		if (m->type == LIC_MSG_TAKE && m->from)
			put(o, "from",
			    json_pack("{s:s, s:s}", "owner", lic_owner_names[m->from_owner], "id",
				      m->from_id),
			    &spoilt);
	}
	if (f & F_ANSWER)
		put(o, "ok", json_boolean(m->ok), &spoilt);
	if (f & (F_ANSWER | F_ERROR)) {
		put(o, "reason", json_string(m->reason), &spoilt);
		if (m->detail[0])
			put(o, "detail", json_string(m->detail), &spoilt);
	}
	if (f & F_REPORT)
		put(o, "counts", items_json(m, true), &spoilt);
	if (spoilt) {
		json_decref(o);
		return -EINVAL;
	}
	if ((s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
		size_t n = strlen(s);
		char *line = realloc(s, n + 2);
		if (line) {
			line[n] = '\n';
			line[n + 1] = '\0';
			*linep = line;
			*lenp = n + 1;
			rc = 0;
		} else {
			free(s);
		}
	}
	json_decref(o);
	return rc;
}

void lic_msg_clear(struct lic_msg *m)
{
	free(m->items);
	m->items = NULL;
	m->nitems = 0;
}
