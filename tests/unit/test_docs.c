/* test_docs.c: the docs keep up with the code: every config key and CLI pattern is documented,
 * and no page calls a setting or command unimplemented ("not yet", "not acted on"). */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core.h"

static char *slurp_path(const char *rel)
{
	const char *top = getenv("top_srcdir");
	char path[1024];
	FILE *f;
	long n;

	snprintf(path, sizeof path, "%s/%s", top ? top : ".", rel);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	char *text = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return text;
}

static char *slurp(const char *name)
{
	char rel[512];

	snprintf(rel, sizeof rel, "man/%s", name);
	return slurp_path(rel);
}

/* ".B word" alone on a line (roff escapes a '-' as "\-") */
static bool documented(const char *page, const char *word)
{
	char plain[256], escaped[512];
	size_t o = 0;

	snprintf(plain, sizeof plain, "\n.B %s\n", word);
	o = (size_t)snprintf(escaped, sizeof escaped, "\n.B ");
	for (const char *p = word; *p && o < sizeof escaped - 4; p++) {
		if (*p == '-')
			escaped[o++] = '\\';
		escaped[o++] = *p;
	}
	snprintf(escaped + o, sizeof escaped - o, "\n");
	return strstr(page, plain) || strstr(page, escaped);
}

static unsigned missing;

static void check_section(const char *page, const struct sb_conf_section *sec)
{
	for (const struct sb_conf_key *k = sec->keys; k->name; k++) {
		if (!documented(page, k->name)) {
			print_message("symbridge.conf.5 lacks \".B %s\" (section %s)\n", k->name,
				      sec->name);
			missing++;
		}
		if (k->sub)
			check_section(page, k->sub);
	}
}

static void test_every_setting_in_conf5(void **state)
{
	char *page = slurp("symbridge.conf.5");

	missing = 0;
	check_section(page, &sb__conf_root);
	check_section(page, sb__modules_section());
	for (size_t i = 0; sb_card_types[i]; i++) {
		check_section(page, sb_card_types[i]->conf);
		if (!documented(page, sb_card_types[i]->name)) {
			print_message("symbridge.conf.5 lacks card type \"%s\"\n",
				      sb_card_types[i]->name);
			missing++;
		}
	}
	free(page);
	assert_int_equal(missing, 0);
}

static void test_every_command_in_ctl8(void **state)
{
	char *page = slurp("symbridgectl.8");
	struct sb_reply *r;
	size_t len;

	assert_int_equal(sb__cmd_register(), 0);
	assert_int_equal(sb__reply_new(&r), 0);
	sb__ctl_help(r);
	char *json = sb__reply_dump(r, &len);
	missing = 0;
	/* the help reply lists every registered pattern; pick them out of its rows */
	for (char *p = json; (p = strstr(p, "\"command\":\"")); ) {
		p += strlen("\"command\":\"");
		char *end = strchr(p, '"');
		*end = '\0';
		if (!documented(page, p)) {
			print_message("symbridgectl.8 lacks \".B %s\"\n", p);
			missing++;
		}
		p = end + 1;
	}
	free(json);
	sb__reply_free(r);
	free(page);
	assert_int_equal(missing, 0);
}

/* Words that say a documented setting, command or feature does nothing (yet). The docs describe
 * what the code does: when the code acts on something, its marker goes; something that truly is
 * not done is described as such without a promise ("accepts it and does not use it"). */
static const char *const stale_markers[] = {
	"not acted on", "not yet", "this version", "later versions", "handles no calls",
	"every channel is idle", "no effect", NULL,
};

/* Markers that are allowed because the thing really is unimplemented: page and phrase. This
 * table must stay empty; a row needs the lead's agreement and a line in the page's BUGS. */
static const struct {
	const char *page, *phrase;
} unimplemented[] = {
	{ NULL, NULL },
};

/* text as a reader sees it: roff requests' names dropped, "\-" as "-", lower case, one space
 * between words; lines[] maps each byte back to its source line */
static char *plain_text(const char *src, unsigned **linesp)
{
	size_t n = strlen(src), o = 0;
	char *out = malloc(n + 1);
	unsigned *lines = malloc((n + 1) * sizeof *lines), line = 1;
	bool bol = true, space = false;

	for (const char *p = src; *p; p++) {
		if (bol && *p == '.') { /* ".B word" -> "word", ".TP" -> nothing */
			while (*p && *p != ' ' && *p != '\n')
				p++;
			if (!*p)
				break;
		}
		bol = false;
		char c = *p;
		if (c == '\\' && p[1] == '-') {
			c = '-';
			p++;
		} else if (c == '\\' && p[1] == 'f' && p[2]) { /* font changes */
			p += 2;
			continue;
		}
		if (c == '\n') {
			line++;
			bol = true;
		}
		if (isspace((unsigned char)c)) {
			space = o > 0;
			continue;
		}
		if (space) {
			lines[o] = line;
			out[o++] = ' ';
			space = false;
		}
		lines[o] = line;
		out[o++] = (char)tolower((unsigned char)c);
	}
	out[o] = '\0';
	*linesp = lines;
	return out;
}

static bool allowed(const char *page, const char *phrase)
{
	for (size_t i = 0; unimplemented[i].page; i++)
		if (strcmp(unimplemented[i].page, page) == 0 &&
		    strcmp(unimplemented[i].phrase, phrase) == 0)
			return true;
	return false;
}

/* every marker in the file rel, reported with its line and the setting or command documented
 * there (the last ".B word" line before it) */
static unsigned scan_markers(const char *rel, const char *const *markers)
{
	char *src = slurp_path(rel);
	unsigned *lines, found = 0;
	char *text = plain_text(src, &lines);
	const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;

	for (size_t m = 0; markers[m]; m++) {
		for (const char *hit = text; (hit = strstr(hit, markers[m])); hit++) {
			unsigned line = lines[hit - text];
			if (allowed(base, markers[m]))
				continue;
			/* the item documented there: the last ".B " line at or before it */
			const char *item = "", *l = src;
			size_t ilen = 0;
			for (unsigned k = 1; k <= line && l; k++) {
				if (strncmp(l, ".B ", 3) == 0) {
					item = l + 3;
					ilen = strcspn(item, "\n");
				}
				l = strchr(l, '\n');
				l = l ? l + 1 : NULL;
			}
			print_message("%s:%u: \"%s\"%s%.*s%s: the docs say it is not done; say what "
				      "the code does\n",
				      rel, line, markers[m], ilen ? " (at " : "", (int)ilen, item,
				      ilen ? ")" : "");
			found++;
		}
	}
	free(lines);
	free(text);
	free(src);
	return found;
}

static void test_no_unimplemented_markers_in_pages(void **state)
{
	const char *top = getenv("top_srcdir");
	char dir[1024], rel[600];
	unsigned found = 0, pages = 0;
	struct dirent *e;
	DIR *d;

	assert_null(unimplemented[0].page); /* the table stays empty */
	snprintf(dir, sizeof dir, "%s/man", top ? top : ".");
	assert_non_null(d = opendir(dir));
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 3 || e->d_name[n - 2] != '.' || e->d_name[n - 1] < '1' || e->d_name[n - 1] > '8')
			continue;
		snprintf(rel, sizeof rel, "man/%s", e->d_name);
		found += scan_markers(rel, stale_markers);
		pages++;
	}
	closedir(d);
	assert_true(pages >= 4);
	assert_int_equal(found, 0);
}

/* the READMEs' overviews: what once said the product did nothing */
static void test_no_unimplemented_markers_in_readmes(void **state)
{
	static const char *const markers[] = {
		"not acted on", "handles no calls", "every channel is idle", "has landed yet",
		"subsystems to come", NULL,
	};
	static const char *const files[] = {
		"README.md", "modules/README.md", "packaging/README.md", NULL,
	};
	unsigned found = 0;

	for (size_t i = 0; files[i]; i++)
		found += scan_markers(files[i], markers);
	assert_int_equal(found, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_setting_in_conf5),
		cmocka_unit_test(test_every_command_in_ctl8),
		cmocka_unit_test(test_no_unimplemented_markers_in_pages),
		cmocka_unit_test(test_no_unimplemented_markers_in_readmes),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
