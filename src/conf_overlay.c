/* conf_overlay.c: the configuration pushed by the cloud, merged over the file's cards and ring groups. */
#include "config.h"

#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

/* A pushed fragment carries what the cloud manages: sym-bridge cards (their channels and the
 * targets they ring) and ring groups. Trunks, links, stations (they have passwords), the cloud
 * connection and the system stay in the file, under the admin's hand. A card replaces the file's
 * sym-bridge card in the same slot, a ring group the file's group of the same name; the rest is
 * added. Everything is then checked as one configuration, like the file alone. */
static const char *const allowed = "cards, ring_groups";

#define CARD(l, i) (&((struct sb_card_conf *)(l)->v)[i])
#define GROUP(l, i) (&((struct sb_ring_group_conf *)(l)->v)[i])

/* libconfig would read any file an @include names, and show its lines in errors: a fragment from
 * the network names no file. */
static bool has_include(struct sb_conf_ctx *cx, const char *file)
{
	FILE *f = fopen(file, "r");
	char line[4096];
	int n = 0;
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof line, f)) {
		const char *p = line + strspn(line, " \t");
		n++;
		if (strncmp(p, "@include", 8) == 0) {
			struct sb_conf_src src = { .file = sb__arena_strdup(cx->arena, file),
						   .line = n };
			sb_conf_error(cx, &src, "@include",
				      "not allowed in a pushed configuration (allowed: %s, in the "
				      "text itself)",
				      allowed);
			found = true;
		}
	}
	fclose(f);
	return found;
}

static void merge_cards(struct sb_conf_ctx *cx, const struct sb_conf_list *ov)
{
	struct sb_conf_list *cur = &cx->conf->cards;
	struct sb_conf_list out = { .v = sb__arena_alloc(cx->arena, (cur->n + ov->n + 1) *
							 sizeof(struct sb_card_conf)) };
	char path[64];

	for (size_t i = 0; i < ov->n; i++) {
		const struct sb_card_conf *c = CARD(ov, i);
		snprintf(path, sizeof path, "cards[%zu].type", i);
		if (c->type && strcmp(c->type->name, "sym-bridge") != 0)
			sb_conf_error(cx, &c->src, path,
				      "a %s card cannot be pushed (allowed: sym-bridge cards; trunks "
				      "and links stay in the file)",
				      c->type->name);
	}
	for (size_t i = 0; i < cur->n; i++) {
		const struct sb_card_conf *c = CARD(cur, i), *by = NULL;
		for (size_t j = 0; j < ov->n && !by; j++)
			if (CARD(ov, j)->slot == c->slot)
				by = CARD(ov, j);
		if (!by) {
			memcpy(CARD(&out, out.n++), c, sizeof *c);
			continue;
		}
		if (c->type && strcmp(c->type->name, "sym-bridge") != 0) {
			snprintf(path, sizeof path, "cards[%zu].slot", (size_t)(by - CARD(ov, 0)));
			sb_conf_error(cx, &by->src, path,
				      "slot %d holds the %s card of %s:%d (allowed: a pushed card "
				      "replaces a sym-bridge card or takes a free slot)",
				      c->slot, c->type->name, c->src.file, c->src.line);
			memcpy(CARD(&out, out.n++), c, sizeof *c);
		}
	}
	for (size_t i = 0; i < ov->n; i++)
		memcpy(CARD(&out, out.n++), CARD(ov, i), sizeof(struct sb_card_conf));
	*cur = out;
}

static void merge_groups(struct sb_conf_ctx *cx, const struct sb_conf_list *ov)
{
	struct sb_conf_list *cur = &cx->conf->ring_groups;
	struct sb_conf_list out = { .v = sb__arena_alloc(
					    cx->arena,
					    (cur->n + ov->n + 1) * sizeof(struct sb_ring_group_conf)) };

	for (size_t i = 0; i < cur->n; i++) {
		const struct sb_ring_group_conf *g = GROUP(cur, i);
		bool replaced = false;
		for (size_t j = 0; j < ov->n && !replaced; j++)
			replaced = g->name && GROUP(ov, j)->name &&
				   strcmp(GROUP(ov, j)->name, g->name) == 0;
		if (!replaced)
			memcpy(GROUP(&out, out.n++), g, sizeof *g);
	}
	for (size_t i = 0; i < ov->n; i++)
		memcpy(GROUP(&out, out.n++), GROUP(ov, i), sizeof(struct sb_ring_group_conf));
	*cur = out;
}

void sb__conf_overlay(struct sb_conf_ctx *cx, const char *file)
{
	struct sb_conf ov = { 0 };
	struct sb_conf_src src = { .line = 1 };
	char *path = NULL, *kept;
	config_t cfg;

	if (!*file) { /* the one in the state dir, when there is one */
		if (asprintf(&path, "%s/%s", cx->conf->system.state_dir, SB_OVERLAY_NAME) < 0)
			return;
		if (access(path, F_OK) < 0 && errno == ENOENT) {
			free(path);
			return;
		}
		file = path;
	}
	src.file = kept = sb__arena_strdup(cx->arena, file);
	config_init(&cfg);
	if (has_include(cx, file))
		goto out;
	if (config_read_file(&cfg, file) != CONFIG_TRUE) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			sb__msgs_add(cx->errs, "%s: cannot read the pushed configuration: %s", file,
				     strerror(errno ? errno : EIO));
		else
			sb__msgs_add(cx->errs, "%s:%d: %s (the pushed configuration is not in "
				     "libconfig syntax, see symbridge.conf(5))",
				     file, config_error_line(&cfg), config_error_text(&cfg));
		goto out;
	}
	const config_setting_t *root = config_root_setting(&cfg);
	for (int i = 0; i < config_setting_length(root); i++) {
		const config_setting_t *m = config_setting_get_elem(root, i);
		const char *name = config_setting_name(m);
		if (strcmp(name, "cards") == 0 || strcmp(name, "ring_groups") == 0)
			continue;
		struct sb_conf_src msrc = { .file = src.file, .line = config_setting_source_line(m) };
		sb_conf_error(cx, &msrc, name, "not allowed in a pushed configuration (allowed: %s)",
			      allowed);
	}
	sb__conf_parse_root_key(cx, root, "cards", &ov, &src);
	sb__conf_parse_root_key(cx, root, "ring_groups", &ov, &src);
	/* merged even after errors, so that the checks across sections report theirs too */
	merge_cards(cx, &ov.cards);
	merge_groups(cx, &ov.ring_groups);
	cx->conf->overlay = kept;
out:
	config_destroy(&cfg);
	free(path);
}
