/* render.c: symbridgectl's pure helpers that turn daemon replies into text for people. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

/*
 * Write text so that it stays on one line and cannot drive the terminal: control
 * characters (C0, DEL and the UTF-8 encoded C1 range) become escapes. Tabs are kept
 * only where nothing is aligned after them.
 */
static void put_text(FILE *f, const char *s, size_t len, bool keep_tab)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];

		if (c == '\t' && keep_tab)
			fputc(c, f);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else if (c == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			fprintf(f, "\\u%04x", p[++i]);
		else
			fputc(c, f);
	}
}

/* Columns a string takes on a terminal, counted in UTF-8 code points. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* A value the table cannot show in one word (an object, an array inside an array) is shown as JSON. */
static void put_json(FILE *f, const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	if (s) {
		put_text(f, s, strlen(s), false);
		free(s);
	} else {
		fputc('?', f);
	}
}

static void put_value(FILE *f, const json_t *v, bool nested)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		if (json_string_length(v) == 0 && !nested)
			fputc('-', f);
		else
			put_text(f, json_string_value(v), json_string_length(v), false);
		break;
	case JSON_INTEGER:
		fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_TRUE:
		fputs("yes", f);
		break;
	case JSON_FALSE:
		fputs("no", f);
		break;
	case JSON_NULL:
		fputc('-', f);
		break;
	case JSON_ARRAY:
		if (nested) {
			put_json(f, v);
		} else if (json_array_size(v) == 0) {
			fputc('-', f);
		} else {
			size_t i;
			json_t *e;

			json_array_foreach (v, i, e) {
				if (i)
					fputc(',', f);
				put_value(f, e, true);
			}
		}
		break;
	default: /* JSON_REAL, JSON_OBJECT */
		put_json(f, v);
		break;
	}
}

char *ctl_value_text(const json_t *value)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	put_value(f, value, false);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* A column name or item key, escaped like a value but never shown as "-". */
static char *name_text(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	put_text(f, s, strlen(s), false);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void put_spaces(FILE *f, size_t n)
{
	while (n--)
		fputc(' ', f);
}

/*
 * Print one table line. Padding is written only when another cell follows, so
 * lines never end in spaces.
 */
static void put_line(FILE *f, char **cells, const size_t *widths, size_t ncols)
{
	size_t pending = 0;

	for (size_t c = 0; c < ncols; c++) {
		const char *s = cells[c] ? cells[c] : "?";

		if (*s) {
			put_spaces(f, pending);
			fputs(s, f);
			pending = 0;
		}
		if (c + 1 < ncols)
			pending += widths[c] - text_width(s) + 2;
	}
	fputc('\n', f);
}

/*
 * The column names: the reply's "columns" in their order; when a daemon bug leaves
 * them out, every key of the rows in the order they first appear, so the data still
 * shows.
 */
static json_t *table_columns(const json_t *columns, const json_t *rows)
{
	json_t *names = json_array();
	size_t i;
	json_t *v;

	if (!names)
		return NULL;
	if (json_is_array(columns)) {
		json_array_foreach (columns, i, v)
			if (json_is_string(v))
				json_array_append(names, v);
		return names;
	}
	json_t *seen = json_object();

	if (!seen) {
		json_decref(names);
		return NULL;
	}
	json_array_foreach (rows, i, v) {
		const char *key;
		json_t *cell;

		if (!json_is_object(v))
			continue;
		json_object_foreach ((json_t *)v, key, cell) {
			if (json_object_get(seen, key))
				continue;
			json_object_set_new(seen, key, json_true());
			json_array_append_new(names, json_string(key));
		}
	}
	json_decref(seen);
	return names;
}

void ctl_render_table(FILE *out, const json_t *columns, const json_t *rows)
{
	json_t *names = table_columns(columns, rows);
	size_t ncols, nrows = 0, i;
	char **cells = NULL;
	size_t *widths = NULL;
	json_t *row;

	if (!names) {
		fputs(CTL_PROG ": out of memory\n", out);
		return;
	}
	ncols = json_array_size(names);
	if (json_is_array(rows))
		json_array_foreach (rows, i, row)
			if (json_is_object(row))
				nrows++;
	if (ncols == 0) {
		if (nrows == 0)
			fputs("(none)\n", out);
		goto out;
	}

	/* Cell 0..ncols-1 is the header; every row that is an object follows. */
	cells = calloc((nrows + 1) * ncols, sizeof *cells);
	widths = calloc(ncols, sizeof *widths);
	if (!cells || !widths) {
		fputs(CTL_PROG ": out of memory\n", out);
		goto out;
	}
	for (size_t c = 0; c < ncols; c++) {
		char *h = name_text(json_string_value(json_array_get(names, c)));

		for (char *p = h; p && *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		cells[c] = h;
	}
	size_t r = 1;

	if (json_is_array(rows))
		json_array_foreach (rows, i, row) {
			if (!json_is_object(row))
				continue;
			for (size_t c = 0; c < ncols; c++) {
				const char *key = json_string_value(json_array_get(names, c));

				cells[r * ncols + c] = ctl_value_text(json_object_get(row, key));
			}
			r++;
		}
	for (size_t k = 0; k < (nrows + 1) * ncols; k++) {
		size_t w = cells[k] ? text_width(cells[k]) : 1;

		if (w > widths[k % ncols])
			widths[k % ncols] = w;
	}
	for (size_t l = 0; l <= nrows; l++)
		put_line(out, cells + l * ncols, widths, ncols);
	if (nrows == 0)
		fputs("(none)\n", out);
out:
	if (cells)
		for (size_t k = 0; k < (nrows + 1) * ncols; k++)
			free(cells[k]);
	free(cells);
	free(widths);
	json_decref(names);
}

void ctl_render_item(FILE *out, const json_t *item)
{
	const char *key;
	json_t *v;
	size_t keyw = 0;

	if (!json_is_object(item))
		return;
	json_object_foreach ((json_t *)item, key, v) {
		char *k = name_text(key);

		if (k && text_width(k) > keyw)
			keyw = text_width(k);
		free(k);
	}
	json_object_foreach ((json_t *)item, key, v) {
		char *k = name_text(key);
		char *t = ctl_value_text(v);

		if (k && t) {
			fprintf(out, "%s:", k);
			put_spaces(out, keyw - text_width(k) + 1);
			fprintf(out, "%s\n", t);
		}
		free(k);
		free(t);
	}
}

/* Extra lines: normally an array of strings; a lone string or other values are shown too. */
static void put_details(FILE *f, const json_t *details, const char *indent)
{
	size_t i;
	json_t *v;

	if (json_is_string(details)) {
		fputs(indent, f);
		put_text(f, json_string_value(details), json_string_length(details), true);
		fputc('\n', f);
		return;
	}
	if (!json_is_array(details))
		return;
	json_array_foreach (details, i, v) {
		fputs(indent, f);
		if (json_is_string(v))
			put_text(f, json_string_value(v), json_string_length(v), true);
		else
			put_value(f, v, true);
		fputc('\n', f);
	}
}

/* A string member that is present and not empty, else NULL. */
static const json_t *text_member(const json_t *reply, const char *name)
{
	const json_t *v = json_object_get(reply, name);

	return json_is_string(v) && json_string_length(v) > 0 ? v : NULL;
}

static void put_text_line(FILE *f, const char *indent, const json_t *s)
{
	fputs(indent, f);
	put_text(f, json_string_value(s), json_string_length(s), true);
	fputc('\n', f);
}

bool ctl_render_reply(FILE *out, FILE *err, const json_t *reply)
{
	const json_t *ok, *error, *message;
	const json_t *columns, *rows, *item;

	if (!json_is_object(reply)) {
		fputs(CTL_PROG ": malformed reply from symbridged: not a JSON object\n", err);
		return false;
	}
	ok = json_object_get(reply, "ok");
	error = text_member(reply, "error");
	message = text_member(reply, "message");

	if (!json_is_true(ok)) {
		if (json_is_false(ok)) {
			fputs(CTL_PROG ": ", err);
			if (error)
				put_text(err, json_string_value(error), json_string_length(error), true);
			else
				fputs("command failed", err);
			fputc('\n', err);
		} else {
			/* Without a verdict the command may or may not have run; say so rather than guess. */
			fputs(CTL_PROG ": malformed reply from symbridged: \"ok\" is missing or not true/false\n",
			      err);
			if (error)
				put_text_line(err, "  ", error);
		}
		if (message)
			put_text_line(err, "  ", message);
		put_details(err, json_object_get(reply, "details"), "  ");
		return false;
	}

	if (message)
		put_text_line(out, "", message);
	put_details(out, json_object_get(reply, "details"), "");
	item = json_object_get(reply, "item");
	columns = json_object_get(reply, "columns");
	rows = json_object_get(reply, "rows");
	bool has_item = json_is_object(item) && json_object_size(item) > 0;
	bool has_table = json_is_array(columns) || json_is_array(rows);

	if (has_item)
		ctl_render_item(out, item);
	if (has_item && has_table)
		fputc('\n', out);
	if (has_table)
		ctl_render_table(out, columns, rows);
	return true;
}

