/* render.h: symbridgectl's pure helpers: replies to text, typed lines to words, words to completions. */
#ifndef SYMBRIDGE_CTL_RENDER_H
#define SYMBRIDGE_CTL_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* Every line the client prints about itself starts with this. */
#define CTL_PROG "symbridgectl"

/*
 * Print a reply for people: results to out, a failure ("ok" false, or a reply that
 * is not a well-formed object) as "symbridgectl: ..." lines to err. Returns true
 * when the reply says the command succeeded. Never trusts the reply's shape.
 */
bool ctl_render_reply(FILE *out, FILE *err, const json_t *reply);

/* The pieces of ctl_render_reply, for callers and tests that want one of them. */
void ctl_render_table(FILE *out, const json_t *columns, const json_t *rows);
void ctl_render_item(FILE *out, const json_t *item);

/*
 * One value as the text of a table cell or item line: strings as they are, numbers,
 * booleans as yes/no, null and "" as "-", arrays joined with ",". Control characters
 * are escaped so a value can never break a line. Returns a malloc'd string or NULL
 * when out of memory.
 */
char *ctl_value_text(const json_t *value);

/*
 * Split an interactive line into words at whitespace; "double quotes" keep spaces
 * in a word, and inside them \" and \\ stand for " and \. On success *wordsp is a
 * NULL-terminated malloc'd array (free it with ctl_words_free) and *countp its
 * length. Returns 0, -EINVAL for an unterminated quote, -ENOMEM.
 */
int ctl_split_words(const char *line, char ***wordsp, size_t *countp);
void ctl_words_free(char **words);

/*
 * The command patterns of a `help` reply (each row's "command", e.g.
 * "show channels [SLOT]"), as a NULL-terminated array for ctl_complete.
 * Returns 0, -EINVAL when the reply holds no patterns, -ENOMEM.
 */
int ctl_help_patterns(const json_t *reply, char ***patternsp, size_t *countp);

/*
 * The completions of the word being typed: the literal words that follow the words
 * already typed in some pattern and start with prefix. A typed word matches a
 * pattern's literal word exactly or as a unique prefix, and matches any <ARG> or
 * [ARG]. On success *candsp is a sorted NULL-terminated array without duplicates
 * (free it with ctl_words_free). Returns 0 or -ENOMEM.
 */
int ctl_complete(char *const *patterns, size_t npatterns, char *const *typed, size_t ntyped,
		 const char *prefix, char ***candsp, size_t *countp);

#endif
