/* ctl_cmd.c: the command table: modules register rows, typed words are matched by unique prefix. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

#define MAX_TABLES 32
#define MAX_TOKENS 16

static const struct sb_ctl_cmd *tables[MAX_TABLES];
static size_t ntables;

int sb_ctl_register(const struct sb_ctl_cmd *table)
{
	if (ntables == MAX_TABLES)
		return -ENOSPC;
	tables[ntables++] = table;
	return 0;
}

void sb__ctl_unregister_all(void)
{
	ntables = 0;
}

struct pattern {
	char buf[256];
	const char *tok[MAX_TOKENS];
	size_t ntok, nreq; /* all tokens; tokens that must be typed */
	bool rest;         /* the last token, "[NAME...]", takes any number of words */
};

static void pattern_split(const char *pat, struct pattern *p)
{
	char *save = NULL;

	snprintf(p->buf, sizeof p->buf, "%s", pat);
	p->ntok = p->nreq = 0;
	for (char *t = strtok_r(p->buf, " ", &save); t && p->ntok < MAX_TOKENS;
	     t = strtok_r(NULL, " ", &save)) {
		p->tok[p->ntok++] = t;
		if (t[0] != '[')
			p->nreq = p->ntok;
	}
	p->rest = p->ntok > 0 && strlen(p->tok[p->ntok - 1]) > 4 &&
		  strcmp(p->tok[p->ntok - 1] + strlen(p->tok[p->ntok - 1]) - 4, "...]") == 0;
}

/* the token that word i meets, or NULL past the pattern's end */
static const char *tok_at(const struct pattern *p, size_t i)
{
	if (i < p->ntok)
		return p->tok[i];
	return p->rest ? p->tok[p->ntok - 1] : NULL;
}

static bool is_literal(const char *tok)
{
	return tok[0] != '<' && tok[0] != '[';
}

struct cand {
	const struct sb_ctl_cmd *cmd;
	struct pattern p;
	bool alive;
};

/* the distinct literal words candidates offer at position i, for "possibilities are" */
static void offers(struct cand *c, size_t n, size_t i, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < n; k++) {
		const char *t = c[k].alive ? tok_at(&c[k].p, i) : NULL;
		bool seen = false;

		if (!t)
			continue;
		for (size_t j = 0; j < k && !seen; j++)
			seen = c[j].alive && tok_at(&c[j].p, i) && strcmp(tok_at(&c[j].p, i), t) == 0;
		if (!seen && off < len)
			off += snprintf(buf + off, len - off, "%s%s", off ? ", " : "", t);
	}
}

void sb__ctl_dispatch(int argc, const char *const *argv, unsigned uid, struct sb_reply *r)
{
	static struct cand c[256];
	const char *args[SB_CTL_MAX_WORDS];
	char list[1024];
	size_t n = 0;

	for (size_t t = 0; t < ntables; t++)
		for (const struct sb_ctl_cmd *cmd = tables[t]; cmd->pattern && n < 256; cmd++) {
			c[n].cmd = cmd;
			c[n].alive = true;
			pattern_split(cmd->pattern, &c[n].p);
			n++;
		}
	if (argc == 0) {
		offers(c, n, 0, list, sizeof list);
		sb_reply_error(r, "no command given (possibilities are: %s)", list);
		return;
	}

	/* word by word: literals by prefix, an exact literal wins over prefixes */
	for (int i = 0; i < argc; i++) {
		size_t alive = 0, exact = 0;
		for (size_t k = 0; k < n; k++) {
			if (!c[k].alive)
				continue;
			const char *t = tok_at(&c[k].p, (size_t)i);
			if (!t) {
				c[k].alive = false;
				continue;
			}
			if (is_literal(t) && strncmp(t, argv[i], strlen(argv[i])) != 0)
				c[k].alive = false;
			else
				exact += is_literal(t) && strcmp(t, argv[i]) == 0;
		}
		for (size_t k = 0; k < n; k++) {
			if (c[k].alive && exact && is_literal(tok_at(&c[k].p, (size_t)i)) &&
			    strcmp(tok_at(&c[k].p, (size_t)i), argv[i]) != 0)
				c[k].alive = false;
			alive += c[k].alive;
		}
		if (alive == 0) {
			/* revive the previous position's candidates to say what was possible */
			for (size_t k = 0; k < n; k++) {
				c[k].alive = true;
				for (int j = 0; j < i && c[k].alive; j++)
					c[k].alive = tok_at(&c[k].p, (size_t)j) &&
						     (!is_literal(tok_at(&c[k].p, (size_t)j)) ||
						      strncmp(tok_at(&c[k].p, (size_t)j), argv[j],
							      strlen(argv[j])) == 0);
			}
			offers(c, n, (size_t)i, list, sizeof list);
			if (*list)
				sb_reply_error(r, "unknown command word \"%s\" (possibilities are: %s)",
					       argv[i], list);
			else
				sb_reply_error(r, "too many words: \"%s\" is not expected", argv[i]);
			return;
		}
		offers(c, n, (size_t)i, list, sizeof list);
		if (strchr(list, ',') && !strchr(list, '<') && !strchr(list, '[')) {
			sb_reply_error(r, "ambiguous command word \"%s\" (possibilities are: %s)",
				       argv[i], list);
			return;
		}
	}

	const struct cand *hit = NULL;
	for (size_t k = 0; k < n && !hit; k++)
		if (c[k].alive && (size_t)argc >= c[k].p.nreq)
			hit = &c[k];
	if (!hit) {
		size_t off = 0;
		list[0] = '\0';
		for (size_t k = 0; k < n; k++)
			if (c[k].alive && off < sizeof list)
				off += snprintf(list + off, sizeof list - off, "%s%s", off ? "; " : "",
						c[k].cmd->pattern);
		sb_reply_error(r, "incomplete command (possibilities are: %s)", list);
		return;
	}
	if ((hit->cmd->flags & SB_CTL_PRIV) && uid != 0 && uid != (unsigned)getuid()) {
		sb_reply_error(r,
			       "permission denied: \"%s\" changes the daemon's state; run it as root "
			       "or as the daemon's user",
			       hit->cmd->pattern);
		return;
	}

	struct sb_ctl_req req = { .argv = args, .uid = uid };
	for (int i = 0; i < argc; i++)
		if (!is_literal(tok_at(&hit->p, (size_t)i)))
			args[req.argc++] = argv[i];
	hit->cmd->handler_cb(&req, r);
}

/* One request line, {"argv":["show","cards"]}, into the command table; every flaw is answered. */
void sb__ctl_request(const char *line, size_t len, unsigned uid, struct sb_reply *r)
{
	const char *argv[SB_CTL_MAX_WORDS];
	json_error_t jerr;
	json_t *req, *jargv;
	size_t argc;

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	jargv = req ? json_object_get(req, "argv") : NULL;
	if (!req) {
		sb_reply_error(r, "the request is not JSON: %s at column %d", jerr.text, jerr.column);
	} else if (!json_is_array(jargv)) {
		sb_reply_error(r, "the request has no \"argv\" array of words");
	} else if (json_array_size(jargv) > SB_CTL_MAX_WORDS) {
		sb_reply_error(r, "too many words (at most %d)", SB_CTL_MAX_WORDS);
	} else {
		for (argc = 0; argc < json_array_size(jargv); argc++) {
			json_t *w = json_array_get(jargv, argc);
			if (!json_is_string(w) || json_string_length(w) > 1024 ||
			    strlen(json_string_value(w)) != json_string_length(w)) {
				sb_reply_error(r,
					       "word %zu is not a string of at most 1024 bytes "
					       "without NUL",
					       argc + 1);
				break;
			}
			argv[argc] = json_string_value(w);
		}
		if (argc == json_array_size(jargv)) {
			log_debug("control: %s%s%s from uid %u", argc ? argv[0] : "",
				  argc > 1 ? " " : "", argc > 1 ? argv[1] : "", uid);
			sb__ctl_dispatch((int)argc, argv, uid, r);
		}
	}
	json_decref(req);
}

void sb__ctl_help(struct sb_reply *r)
{
	static const char *const cols[] = { "command", "help", NULL };

	sb_reply_table(r, cols);
	for (size_t t = 0; t < ntables; t++)
		for (const struct sb_ctl_cmd *cmd = tables[t]; cmd->pattern; cmd++) {
			sb_reply_row(r);
			sb_reply_str(r, "command", cmd->pattern);
			sb_reply_str(r, "help", cmd->help);
		}
}

/* A show command run by a module for itself, as the daemon's own user: the reply as JSON
 * (malloc'd), or NULL. Only for commands that answer at once (show ...), never deferred ones. */
char *sb_ctl_query(int argc, const char *const *argv)
{
	struct sb_reply *r;
	char *json = NULL;
	size_t len;

	if (sb__reply_new(&r) < 0)
		return NULL;
	sb__ctl_dispatch(argc, argv, (unsigned)getuid(), r);
	if (sb__reply_deferred(r)) /* its handler owns it now and finishes it */
		return NULL;
	if (sb__reply_ok(r))
		json = sb__reply_dump(r, &len);
	sb__reply_free(r);
	return json;
}
