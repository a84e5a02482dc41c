/* conf.c: the table-driven parser: a libconfig file into typed structs, every error with file:line. */
#include "config.h"

#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

void sb__msgs_add(struct sb_msgs *m, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	char **v = realloc(m->v, (m->n + 1) * sizeof *v);

	if (!v)
		return;
	m->v = v;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s)
		m->v[m->n++] = s;
}

void sb__msgs_free(struct sb_msgs *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i]);
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

static void conf_vmsg(struct sb_msgs *m, const struct sb_conf_src *src, const char *path,
		      const char *fmt, va_list ap)
{
	char what[768];

	vsnprintf(what, sizeof what, fmt, ap);
	if (src && src->file)
		sb__msgs_add(m, "%s:%d: %s: %s", src->file, src->line, path, what);
	else
		sb__msgs_add(m, "%s: %s", path, what);
}

void sb_conf_error(struct sb_conf_ctx *cx, const struct sb_conf_src *src, const char *path,
		   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	conf_vmsg(cx->errs, src, path, fmt, ap);
	va_end(ap);
}

void sb_conf_warn(struct sb_conf_ctx *cx, const struct sb_conf_src *src, const char *path,
		  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	conf_vmsg(cx->warns, src, path, fmt, ap);
	va_end(ap);
}

/* libconfig's file names live in the config_t; keep our own copy in the arena. */
static void conf_src(struct sb_conf_ctx *cx, const config_setting_t *s, struct sb_conf_src *src)
{
	const char *file = config_setting_source_file(s);

	src->line = config_setting_source_line(s);
	if (!file)
		file = cx->conf->path;
	src->file = strcmp(file, cx->conf->path) == 0 ? cx->conf->path
						       : sb__arena_strdup(cx->arena, file);
}

static void path_join(char *buf, size_t len, const char *base, const char *name)
{
	snprintf(buf, len, "%s%s%s", base, *base ? "." : "", name);
}

/* "did you mean": the allowed key closest to a mistyped one, by edit distance */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

	if (la >= 63 || lb >= 63)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof *cur);
	}
	return prev[lb];
}

static const struct sb_conf_key *key_find(const struct sb_conf_section *sec, const char *name)
{
	for (const struct sb_conf_key *k = sec ? sec->keys : NULL; k && k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

static void keys_allowed(const struct sb_conf_section *a, const struct sb_conf_section *b,
			 const char *bad, char *buf, size_t len)
{
	const struct sb_conf_section *secs[] = { a, b };
	const char *best = NULL;
	size_t bestd = 3, off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < 2; i++) {
		for (const struct sb_conf_key *k = secs[i] ? secs[i]->keys : NULL; k && k->name; k++) {
			size_t d = edit_distance(bad, k->name);
			if (d < bestd) {
				bestd = d;
				best = k->name;
			}
			if (off < len)
				off += snprintf(buf + off, len - off, "%s%s", off ? ", " : "", k->name);
		}
	}
	if (best && off < len) {
		char tmp[512];
		snprintf(tmp, sizeof tmp, "did you mean \"%s\"? allowed: %s", best, buf);
		snprintf(buf, len, "%s", tmp);
	} else if (off < len) {
		char tmp[512];
		snprintf(tmp, sizeof tmp, "allowed: %s", buf);
		snprintf(buf, len, "%s", tmp);
	}
}

static void choices_text(const char *const *c, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (; *c && off < len; c++)
		off += snprintf(buf + off, len - off, "%s%s", off ? ", " : "", *c);
}

static void parse_section(struct sb_conf_ctx *cx, const config_setting_t *grp,
			  const struct sb_conf_section *sec, void *base, const char *path,
			  const struct sb_conf_src *gsrc);

/* Drop "." and "x/.." and doubled slashes from an absolute path, in place, without touching
 * the file system (the path need not exist yet). */
static void path_tidy(char *p)
{
	char *out = p, *in = p;

	while (*in) {
		while (*in == '/')
			in++;
		char *end = strchrnul(in, '/');
		size_t len = (size_t)(end - in);
		if (len == 1 && in[0] == '.') {
			/* nothing */
		} else if (len == 2 && in[0] == '.' && in[1] == '.') {
			while (out > p && *--out != '/')
				;
		} else if (len) {
			*out++ = '/';
			memmove(out, in, len);
			out += len;
		}
		in = end;
	}
	if (out == p)
		*out++ = '/';
	*out = '\0';
}

static char *conf_path_resolve(struct sb_conf_ctx *cx, const char *v)
{
	size_t n = strlen(cx->dir) + strlen(v) + 2;
	char *p = sb__arena_alloc(cx->arena, n);

	if (!p || v[0] == '\0')
		return p;
	if (v[0] == '/')
		snprintf(p, n, "%s", v);
	else
		snprintf(p, n, "%s/%s", cx->dir, v);
	path_tidy(p);
	return p;
}

static bool int_value(const config_setting_t *s, long long *out)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		*out = config_setting_get_int(s);
		return true;
	case CONFIG_TYPE_INT64:
		*out = config_setting_get_int64(s);
		return true;
	default:
		return false;
	}
}

static const char *type_word(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a number with a fraction";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ]";
	case CONFIG_TYPE_LIST:
		return "a list ( )";
	case CONFIG_TYPE_GROUP:
		return "a group { }";
	default:
		return "something else";
	}
}

/* One scalar (or a one-element default) into a string list. */
static bool strlist_parse(struct sb_conf_ctx *cx, const config_setting_t *s, const char *path,
			  const struct sb_conf_src *src, struct sb_strlist *out)
{
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		out->v = sb__arena_alloc(cx->arena, sizeof *out->v);
		out->v[0] = sb__arena_strdup(cx->arena, config_setting_get_string(s));
		out->n = 1;
		return true;
	}
	if (!config_setting_is_aggregate(s) || config_setting_type(s) == CONFIG_TYPE_GROUP) {
		sb_conf_error(cx, src, path, "expected a string or an array of strings, found %s",
			      type_word(s));
		return false;
	}
	size_t n = config_setting_length(s);
	out->v = sb__arena_alloc(cx->arena, (n + 1) * sizeof *out->v);
	out->n = 0;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			sb_conf_error(cx, src, path, "element %zu: expected a string, found %s", i + 1,
				      type_word(e));
			return false;
		}
		out->v[out->n++] = sb__arena_strdup(cx->arena, config_setting_get_string(e));
	}
	return true;
}

static void list_parse(struct sb_conf_ctx *cx, const config_setting_t *s,
		       const struct sb_conf_key *k, const char *path, const struct sb_conf_src *src,
		       struct sb_conf_list *out)
{
	if (config_setting_type(s) != CONFIG_TYPE_LIST) {
		sb_conf_error(cx, src, path, "expected a list ( { ... }, ... ), found %s",
			      type_word(s));
		return;
	}
	size_t n = config_setting_length(s);
	out->v = sb__arena_alloc(cx->arena, (n ? n : 1) * k->sub->size);
	out->n = 0;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		char epath[300];
		struct sb_conf_src esrc;

		snprintf(epath, sizeof epath, "%s[%zu]", path, i);
		conf_src(cx, e, &esrc);
		if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
			sb_conf_error(cx, &esrc, epath, "expected a group { ... }, found %s",
				      type_word(e));
			continue;
		}
		void *elem = (char *)out->v + out->n++ * k->sub->size;
		memcpy((char *)elem + k->sub->src_offset, &esrc, sizeof esrc);
		parse_section(cx, e, k->sub, elem, epath, &esrc);
	}
}

/* Parse one key from setting s (NULL: absent, use the default). */
static void parse_key(struct sb_conf_ctx *cx, const config_setting_t *grp,
		      const struct sb_conf_key *k, void *base, const char *gpath,
		      const struct sb_conf_src *gsrc)
{
	char path[256], choices[256];
	const config_setting_t *s = grp ? config_setting_get_member(grp, k->name) : NULL;
	void *field = (char *)base + k->offset;
	struct sb_conf_src src = *gsrc;
	config_t defcfg;
	bool ok = true, have_def = false;

	path_join(path, sizeof path, gpath, k->name);
	if (s) {
		conf_src(cx, s, &src);
	} else if (k->type == SB_CT_GROUP) {
		/* an absent group is a group of defaults */
		memcpy((char *)field + k->sub->src_offset, gsrc, sizeof *gsrc);
		parse_section(cx, NULL, k->sub, field, path, gsrc);
		return;
	} else if (k->def) {
		/* defaults are written in file syntax and parsed like the file, so one parser serves */
		char text[512];
		config_init(&defcfg);
		have_def = true;
		snprintf(text, sizeof text, "v = %s;", k->def);
		if (config_read_string(&defcfg, text) != CONFIG_TRUE) {
			sb_conf_error(cx, NULL, path, "internal error: bad default %s", k->def);
			config_destroy(&defcfg);
			return;
		}
		s = config_lookup(&defcfg, "v");
	} else if (k->flags & SB_CK_OPTIONAL) {
		return;
	} else {
		sb_conf_error(cx, gsrc, path, "missing required setting (%s)", k->help);
		return;
	}

	switch (k->type) {
	case SB_CT_BOOL:
		if ((ok = config_setting_type(s) == CONFIG_TYPE_BOOL))
			*(bool *)field = config_setting_get_bool(s);
		else
			sb_conf_error(cx, &src, path, "expected true or false, found %s",
				      type_word(s));
		break;
	case SB_CT_INT: {
		long long v;
		if (!int_value(s, &v)) {
			sb_conf_error(cx, &src, path, "expected an integer, found %s", type_word(s));
			ok = false;
		} else if (v < k->min || v > k->max) {
			sb_conf_error(cx, &src, path, "%lld is out of range (allowed: %lld..%lld)", v,
				      k->min, k->max);
			ok = false;
		} else {
			*(int *)field = (int)v;
		}
		break;
	}
	case SB_CT_STRING:
	case SB_CT_PATH:
	case SB_CT_ENUM: {
		if (config_setting_type(s) != CONFIG_TYPE_STRING) {
			sb_conf_error(cx, &src, path, "expected a string \"...\", found %s",
				      type_word(s));
			ok = false;
			break;
		}
		const char *v = config_setting_get_string(s);
		size_t len = strlen(v);
		if (k->type == SB_CT_ENUM) {
			int i = 0;
			while (k->choices[i] && strcmp(k->choices[i], v) != 0)
				i++;
			if ((ok = k->choices[i] != NULL)) {
				*(int *)field = i;
			} else {
				choices_text(k->choices, choices, sizeof choices);
				sb_conf_error(cx, &src, path, "\"%s\" is not allowed (allowed: %s)", v,
					      choices);
			}
		} else if (k->max > 0 && ((long long)len < k->min || (long long)len > k->max)) {
			sb_conf_error(cx, &src, path,
				      "%s is %zu characters long (allowed: %lld..%lld)",
				      (k->flags & SB_CK_SECRET) ? "the value" : v, len, k->min,
				      k->max);
			ok = false;
		} else {
			*(char **)field = k->type == SB_CT_PATH ? conf_path_resolve(cx, v)
							       : sb__arena_strdup(cx->arena, v);
		}
		break;
	}
	case SB_CT_PORT_RANGE: {
		long long lo, hi;
		struct sb_port_range *r = field;
		if (config_setting_type(s) != CONFIG_TYPE_ARRAY || config_setting_length(s) != 2 ||
		    !int_value(config_setting_get_elem(s, 0), &lo) ||
		    !int_value(config_setting_get_elem(s, 1), &hi)) {
			sb_conf_error(cx, &src, path, "expected [ low, high ], two integers");
			ok = false;
		} else if (lo < k->min || hi > k->max || lo >= hi) {
			sb_conf_error(cx, &src, path,
				      "[ %lld, %lld ] is not a range (allowed: %lld <= low < high <= %lld)",
				      lo, hi, k->min, k->max);
			ok = false;
		} else {
			r->lo = (int)lo;
			r->hi = (int)hi;
		}
		break;
	}
	case SB_CT_STRLIST: {
		struct sb_strlist *l = field;
		if (!(ok = strlist_parse(cx, s, path, &src, l)))
			break;
		if ((long long)l->n < k->min || (k->max > 0 && (long long)l->n > k->max)) {
			sb_conf_error(cx, &src, path, "has %zu entries (allowed: %lld..%lld)", l->n,
				      k->min, k->max);
			ok = false;
		}
		break;
	}
	case SB_CT_LIST: {
		struct sb_conf_list *l = field;
		list_parse(cx, s, k, path, &src, l);
		if ((long long)l->n < k->min || (k->max > 0 && (long long)l->n > k->max)) {
			sb_conf_error(cx, &src, path, "has %zu entries (allowed: %lld..%lld)", l->n,
				      k->min, k->max);
			ok = false;
		}
		break;
	}
	case SB_CT_GROUP:
		if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
			sb_conf_error(cx, &src, path, "expected a group { ... }, found %s",
				      type_word(s));
			ok = false;
			break;
		}
		memcpy((char *)field + k->sub->src_offset, &src, sizeof src);
		parse_section(cx, s, k->sub, field, path, &src);
		break;
	}
	if (ok && k->check)
		k->check(cx, &src, path, field);
	if (have_def)
		config_destroy(&defcfg);
}

static void parse_keys(struct sb_conf_ctx *cx, const config_setting_t *grp,
		       const struct sb_conf_section *sec, void *base, const char *path,
		       const struct sb_conf_src *gsrc)
{
	for (const struct sb_conf_key *k = sec->keys; k->name; k++)
		parse_key(cx, grp, k, base, path, gsrc);
}

static void parse_section(struct sb_conf_ctx *cx, const config_setting_t *grp,
			  const struct sb_conf_section *sec, void *base, const char *path,
			  const struct sb_conf_src *gsrc)
{
	const struct sb_conf_section *extra = NULL;
	void *extra_base = NULL;
	size_t nerr = cx->errs->n;

	parse_keys(cx, grp, sec, base, path, gsrc);
	if (sec->variant) {
		extra_base = sec->variant(cx, path, base, &extra);
		if (extra_base)
			parse_keys(cx, grp, extra, extra_base, path, gsrc);
	}
	/* unknown settings are errors; with an unknown variant we can't tell which ones are */
	if (grp && (!sec->variant || extra_base)) {
		for (int i = 0; i < config_setting_length(grp); i++) {
			const config_setting_t *m = config_setting_get_elem(grp, i);
			const char *name = config_setting_name(m);
			if (key_find(sec, name) || key_find(extra, name))
				continue;
			char mpath[256], allowed[512];
			struct sb_conf_src msrc;
			conf_src(cx, m, &msrc);
			path_join(mpath, sizeof mpath, path, name);
			keys_allowed(sec, extra, name, allowed, sizeof allowed);
			sb_conf_error(cx, &msrc, mpath, "unknown setting (%s)", allowed);
		}
	}
	/* cross-field checks only make sense on fields that parsed */
	if (cx->errs->n == nerr) {
		if (sec->check)
			sec->check(cx, path, base);
		if (extra && extra->check && extra_base)
			extra->check(cx, path, extra_base);
	}
}

/* The folder of path, absolute; symbolic links are kept, so a repointed link counts on reload. */
static char *dir_of(const char *path)
{
	char cwd[PATH_MAX], *abs, *slash;

	if (access(path, R_OK) < 0)
		return NULL;
	if (path[0] == '/')
		abs = strdup(path);
	else if (!getcwd(cwd, sizeof cwd) || asprintf(&abs, "%s/%s", cwd, path) < 0)
		abs = NULL;
	if (!abs)
		return NULL;
	slash = strrchr(abs, '/');
	if (slash == abs)
		slash[1] = '\0';
	else
		*slash = '\0';
	return abs;
}

void sb__conf_free(struct sb_conf *conf)
{
	if (conf)
		sb__arena_free(conf->arena);
}

/* One of the file's top-level lists (cards, ring_groups) from grp into base, which has the layout
 * of struct sb_conf: the pushed configuration (conf_overlay.c) is parsed by the same table. */
void sb__conf_parse_root_key(struct sb_conf_ctx *cx, const struct config_setting_t *grp,
			     const char *name, void *base, const struct sb_conf_src *src)
{
	const struct sb_conf_key *k = key_find(&sb__conf_root, name);

	if (k)
		parse_key(cx, grp, k, base, "", src);
}

int sb__conf_load(const char *path, struct sb_conf **confp, struct sb_msgs *errs,
		  struct sb_msgs *warns)
{
	return sb__conf_load_with(path, NULL, NULL, confp, errs, warns);
}

int sb__conf_load_with(const char *path, const char *state_dir, const char *overlay,
		       struct sb_conf **confp, struct sb_msgs *errs, struct sb_msgs *warns)
{
	struct sb_conf_ctx cx = { .errs = errs, .warns = warns };
	struct sb_arena *arena = NULL;
	struct sb_conf *conf;
	struct sb_conf_src src = { .line = 0 };
	config_t cfg;
	int rc;

	config_init(&cfg);
	if ((rc = sb__arena_new(&arena)) < 0)
		goto out;
	conf = sb__arena_alloc(arena, sizeof *conf);
	conf->arena = arena;
	conf->path = sb__arena_strdup(arena, path);
	cx.conf = conf;
	cx.arena = arena;

	if (!(cx.dir = dir_of(path))) {
		rc = -errno;
		sb__msgs_add(errs, "%s: cannot read the configuration: %s", path, strerror(-rc));
		goto out;
	}
	config_set_include_dir(&cfg, cx.dir);
	if (config_read_file(&cfg, path) != CONFIG_TRUE) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			sb__msgs_add(errs, "%s: cannot read the configuration: %s", path,
				     strerror(errno ? errno : EIO));
		else
			sb__msgs_add(errs, "%s:%d: %s%s",
				     config_error_file(&cfg) ? config_error_file(&cfg) : path,
				     config_error_line(&cfg), config_error_text(&cfg),
				     strcmp(config_error_text(&cfg), "syntax error") == 0
					     ? " (the file is not in libconfig syntax, see "
					       "symbridge.conf(5))"
					     : "");
		rc = -EINVAL;
		goto out;
	}
	src.file = conf->path;
	src.line = 1;
	parse_section(&cx, config_root_setting(&cfg), &sb__conf_root, conf, "", &src);
	if (state_dir)
		conf->system.state_dir = sb__arena_strdup(arena, state_dir);
	if (overlay)
		sb__conf_overlay(&cx, overlay);
	/* the rules across sections run even after other errors, so one pass reports them all */
	sb__model_build(&cx);
	sb__modules_check(&cx);
	rc = errs->n ? -EINVAL : 0;
out:
	config_destroy(&cfg);
	free(cx.dir);
	if (rc == 0)
		*confp = conf;
	else
		sb__arena_free(arena);
	return rc;
}
