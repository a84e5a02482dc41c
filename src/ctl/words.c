/* words.c: symbridgectl's typed lines to words, and words to tab completions (pure helpers). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"


/* A growing NULL-terminated array of malloc'd strings, the shape every caller gets back. */
struct strv {
	char **v;
	size_t n, cap;
};

/* Append s, taking it over (it is freed on failure too). */
static int strv_push(struct strv *sv, char *s)
{
	if (!s)
		return -ENOMEM;
	if (sv->n + 1 >= sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 8;
		char **v = realloc(sv->v, cap * sizeof *v);

		if (!v) {
			free(s);
			return -ENOMEM;
		}
		sv->v = v;
		sv->cap = cap;
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
	return 0;
}

/* Hand the array over; an empty one is still a valid, NULL-terminated array. */
static int strv_finish(struct strv *sv, char ***wordsp, size_t *countp)
{
	if (!sv->v) {
		sv->v = calloc(1, sizeof *sv->v);
		if (!sv->v)
			return -ENOMEM;
	}
	*wordsp = sv->v;
	if (countp)
		*countp = sv->n;
	sv->v = NULL;
	sv->n = sv->cap = 0;
	return 0;
}

void ctl_words_free(char **words)
{
	if (!words)
		return;
	for (char **w = words; *w; w++)
		free(*w);
	free(words);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int ctl_split_words(const char *line, char ***wordsp, size_t *countp)
{
	struct strv sv = { 0 };
	const char *p = line;
	char *buf = malloc(strlen(line) + 1);
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		size_t len = 0;

		while (is_space(*p))
			p++;
		if (!*p)
			break;
		while (*p && !is_space(*p)) {
			if (*p != '"') {
				buf[len++] = *p++;
				continue;
			}
			/* Quotes may sit inside a word (a"b c"d is one word), as in a shell. */
			for (p++; *p != '"'; p++) {
				if (!*p) {
					rc = -EINVAL;
					goto out;
				}
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				buf[len++] = *p;
			}
			p++;
		}
		rc = strv_push(&sv, strndup(buf, len));
		if (rc < 0)
			goto out;
	}
	rc = strv_finish(&sv, wordsp, countp);
out:
	if (sv.v)
		ctl_words_free(sv.v);
	free(buf);
	return rc;
}

int ctl_help_patterns(const json_t *reply, char ***patternsp, size_t *countp)
{
	struct strv sv = { 0 };
	const json_t *rows = json_object_get(reply, "rows");
	size_t i;
	json_t *row;
	int rc;

	if (!json_is_true(json_object_get(reply, "ok")) || !json_is_array(rows))
		return -EINVAL;
	json_array_foreach (rows, i, row) {
		const char *cmd = json_string_value(json_object_get(row, "command"));

		if (!cmd || !*cmd)
			continue;
		rc = strv_push(&sv, strdup(cmd));
		if (rc < 0)
			goto fail;
	}
	if (sv.n == 0)
		return -EINVAL;
	return strv_finish(&sv, patternsp, countp);
fail:
	ctl_words_free(sv.v);
	return rc;
}

/*
 * The words of a pattern. A bracketed argument may hold spaces ("[from <DATE>]"),
 * so brackets group words until they close.
 */
static int pattern_words(const char *pat, struct strv *sv)
{
	const char *p = pat;

	for (;;) {
		const char *start;
		int depth = 0;

		while (is_space(*p))
			p++;
		if (!*p)
			return 0;
		start = p;
		for (; *p && (depth > 0 || !is_space(*p)); p++) {
			if (*p == '<' || *p == '[')
				depth++;
			else if ((*p == '>' || *p == ']') && depth > 0)
				depth--;
		}
		int rc = strv_push(sv, strndup(start, (size_t)(p - start)));

		if (rc < 0)
			return rc;
	}
}

static bool is_arg(const char *word)
{
	return word[0] == '<' || word[0] == '[';
}

/*
 * Whether a literal pattern word offers alt; "on|off" offers each of its
 * alternatives. With prefix set, alt need only start the alternative, and the
 * matching alternative is returned through altp (start and length).
 */
static bool literal_offers(const char *word, const char *alt, bool prefix, const char **altp,
			   size_t *altlenp)
{
	size_t alen = strlen(alt);
	const char *p = word;

	for (;;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (prefix ? len >= alen && strncmp(p, alt, alen) == 0
			   : len == alen && strncmp(p, alt, alen) == 0) {
			if (altp) {
				*altp = p;
				*altlenp = len;
			}
			return true;
		}
		if (!bar)
			return false;
		p = bar + 1;
	}
}

/*
 * The one alternative that typed is a prefix of, among the literal words at pos of
 * the alive patterns; NULL when none or several.
 */
static char *unique_prefix_match(struct strv *pw, const bool *alive, size_t npatterns, size_t pos,
				 const char *typed)
{
	char *found = NULL;

	for (size_t i = 0; i < npatterns; i++) {
		if (!alive[i] || pos >= pw[i].n || is_arg(pw[i].v[pos]))
			continue;
		const char *word = pw[i].v[pos];
		const char *p = word;

		/* Walk every alternative so that "on|once" with "o" counts as two. */
		for (;;) {
			const char *bar = strchr(p, '|');
			size_t len = bar ? (size_t)(bar - p) : strlen(p);

			if (len >= strlen(typed) && strncmp(p, typed, strlen(typed)) == 0) {
				if (found && (strlen(found) != len || strncmp(found, p, len) != 0)) {
					free(found);
					return NULL;
				}
				if (!found) {
					found = strndup(p, len);
					if (!found)
						return NULL;
				}
			}
			if (!bar)
				break;
			p = bar + 1;
		}
	}
	return found;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ctl_complete(char *const *patterns, size_t npatterns, char *const *typed, size_t ntyped,
		 const char *prefix, char ***candsp, size_t *countp)
{
	struct strv *pw = calloc(npatterns ? npatterns : 1, sizeof *pw);
	bool *alive = calloc(npatterns ? npatterns : 1, sizeof *alive);
	bool *keep = calloc(npatterns ? npatterns : 1, sizeof *keep);
	struct strv cands = { 0 };
	int rc = -ENOMEM;

	if (!pw || !alive || !keep)
		goto out;
	for (size_t i = 0; i < npatterns; i++) {
		rc = pattern_words(patterns[i], &pw[i]);
		if (rc < 0)
			goto out;
		alive[i] = true;
	}

	/*
	 * Narrow the patterns word by word, as the daemon's parser would: an exact
	 * literal wins, then a unique prefix of a literal, else the word is taken as
	 * an argument.
	 */
	for (size_t pos = 0; pos < ntyped; pos++) {
		const char *t = typed[pos];
		bool exact = false;
		char *unique = NULL;

		for (size_t i = 0; i < npatterns; i++)
			if (alive[i] && pos < pw[i].n && !is_arg(pw[i].v[pos]) &&
			    literal_offers(pw[i].v[pos], t, false, NULL, NULL))
				exact = true;
		if (!exact && *t)
			unique = unique_prefix_match(pw, alive, npatterns, pos, t);
		for (size_t i = 0; i < npatterns; i++) {
			keep[i] = false;
			if (!alive[i] || pos >= pw[i].n)
				continue;
			const char *w = pw[i].v[pos];

			if (exact || unique)
				keep[i] = !is_arg(w) &&
					  literal_offers(w, exact ? t : unique, false, NULL, NULL);
			else
				keep[i] = is_arg(w);
		}
		free(unique);
		memcpy(alive, keep, npatterns * sizeof *alive);
	}

	for (size_t i = 0; i < npatterns; i++) {
		if (!alive[i] || ntyped >= pw[i].n || is_arg(pw[i].v[ntyped]))
			continue;
		const char *p = pw[i].v[ntyped];

		for (;;) {
			const char *alt;
			size_t altlen;

			if (!literal_offers(p, prefix, true, &alt, &altlen))
				break;
			rc = strv_push(&cands, strndup(alt, altlen));
			if (rc < 0)
				goto out;
			p = strchr(alt, '|');
			if (!p)
				break;
			p++;
		}
	}
	if (cands.n > 1) {
		size_t n = 1;

		qsort(cands.v, cands.n, sizeof *cands.v, cmp_str);
		for (size_t i = 1; i < cands.n; i++) {
			if (strcmp(cands.v[i], cands.v[n - 1]) == 0)
				free(cands.v[i]);
			else
				cands.v[n++] = cands.v[i];
		}
		cands.n = n;
		cands.v[n] = NULL;
	}
	rc = strv_finish(&cands, candsp, countp);
out:
	if (pw)
		for (size_t i = 0; i < npatterns; i++)
			ctl_words_free(pw[i].v);
	free(pw);
	free(alive);
	free(keep);
	ctl_words_free(cands.v);
	return rc;
}
