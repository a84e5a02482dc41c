/* test_docs.c: the man pages keep up with the code: every config key and CLI pattern is documented. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core.h"

static char *slurp(const char *name)
{
	const char *top = getenv("top_srcdir");
	char path[1024];
	FILE *f;
	long n;

	snprintf(path, sizeof path, "%s/man/%s", top ? top : ".", name);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_setting_in_conf5),
		cmocka_unit_test(test_every_command_in_ctl8),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
