/* reply.c: the reply builder: handlers fill a message, an item or a table; it leaves as JSON. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

struct sb_reply {
	json_t *root;
	json_t *rows; /* set once a table was started */
	json_t *cur;  /* where fields go: the last row, or the item */
	struct sb__stream stream;
	bool deferred;
};

int sb__reply_new(struct sb_reply **rp)
{
	struct sb_reply *r = calloc(1, sizeof *r);

	if (!r || !(r->root = json_object())) {
		free(r);
		return -ENOMEM;
	}
	json_object_set_new(r->root, "ok", json_true());
	*rp = r;
	return 0;
}

void sb__reply_free(struct sb_reply *r)
{
	if (!r)
		return;
	sb__stream_free(&r->stream);
	json_decref(r->root);
	free(r);
}

void sb_reply_stream(struct sb_reply *r, sb_reply_more_cb more_cb, void (*free_cb)(void *arg),
		     void *arg)
{
	sb__stream_free(&r->stream);
	r->stream = (struct sb__stream){ .more_cb = more_cb, .free_cb = free_cb, .arg = arg };
	json_object_set_new(r->root, "stream", json_true());
}

void sb_reply_stream_follow(struct sb_reply *r, sb_reply_more_cb more_cb,
			    void (*free_cb)(void *arg), void *arg)
{
	sb_reply_stream(r, more_cb, free_cb, arg);
	json_object_set_new(r->root, "follow", json_true());
}

bool sb__reply_take_stream(struct sb_reply *r, struct sb__stream *st)
{
	if (!r->stream.more_cb || !sb__reply_ok(r)) {
		sb__stream_free(&r->stream);
		json_object_del(r->root, "stream");
		return false;
	}
	*st = r->stream;
	r->stream = (struct sb__stream){ .more_cb = NULL };
	return true;
}

void sb__stream_free(struct sb__stream *st)
{
	if (st->free_cb)
		st->free_cb(st->arg);
	*st = (struct sb__stream){ .more_cb = NULL };
}

void sb__reply_defer(struct sb_reply *r)
{
	r->deferred = true;
}

void sb_reply_defer(struct sb_reply *r)
{
	sb__reply_defer(r);
}

bool sb__reply_deferred(const struct sb_reply *r)
{
	return r->deferred;
}

bool sb__reply_ok(const struct sb_reply *r)
{
	return json_is_true(json_object_get(r->root, "ok"));
}

/* One line of compact JSON ending in "\n", malloc'd. */
char *sb__reply_dump(const struct sb_reply *r, size_t *lenp)
{
	char *s = json_dumps(r->root, JSON_COMPACT | JSON_ENSURE_ASCII);
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	char *line = realloc(s, n + 2);
	if (!line) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	*lenp = n + 1;
	return line;
}

static void set_text(struct sb_reply *r, const char *key, const char *fmt, va_list ap)
{
	char buf[2048];
	vsnprintf(buf, sizeof buf, fmt, ap);
	json_object_set_new(r->root, key, json_string(buf));
}

void sb_reply_error(struct sb_reply *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_text(r, "error", fmt, ap);
	va_end(ap);
	json_object_set_new(r->root, "ok", json_false());
}

void sb_reply_message(struct sb_reply *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_text(r, "message", fmt, ap);
	va_end(ap);
}

void sb_reply_detail(struct sb_reply *r, const char *fmt, ...)
{
	json_t *d = json_object_get(r->root, "details");
	char buf[2048];
	va_list ap;

	if (!d) {
		d = json_array();
		json_object_set_new(r->root, "details", d);
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	json_array_append_new(d, json_string(buf));
}

void sb_reply_table(struct sb_reply *r, const char *const *columns)
{
	json_t *cols = json_array();

	for (; *columns; columns++)
		json_array_append_new(cols, json_string(*columns));
	json_object_set_new(r->root, "columns", cols);
	r->rows = json_array();
	json_object_set_new(r->root, "rows", r->rows);
	r->cur = NULL;
}

void sb_reply_row(struct sb_reply *r)
{
	if (!r->rows)
		return;
	r->cur = json_object();
	json_array_append_new(r->rows, r->cur);
}

/* Fields outside a table form the reply's item. */
static json_t *fields(struct sb_reply *r)
{
	if (r->cur)
		return r->cur;
	if (r->rows) /* a field before the first row: start one rather than lose it */
		sb_reply_row(r);
	else {
		r->cur = json_object();
		json_object_set_new(r->root, "item", r->cur);
	}
	return r->cur;
}

void sb_reply_str(struct sb_reply *r, const char *key, const char *val)
{
	json_object_set_new(fields(r), key, val ? json_string(val) : json_null());
}

void sb_reply_int(struct sb_reply *r, const char *key, long long val)
{
	json_object_set_new(fields(r), key, json_integer(val));
}

void sb_reply_bool(struct sb_reply *r, const char *key, bool val)
{
	json_object_set_new(fields(r), key, json_boolean(val));
}

void sb_reply_strlist(struct sb_reply *r, const char *key, const struct sb_strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	json_object_set_new(fields(r), key, a);
}
