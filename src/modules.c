/* modules.c: the compiled-in modules' config sections and life cycle (the table is module_table.c). */
#include "config.h"

#include <stdalign.h>
#include <string.h>

#include "core.h"

#define MAX_MODULES 32

/* Every module section is a group key of the file's root, parsed into one blob per config. */
static struct sb_conf_key mod_keys[MAX_MODULES + 1];
static size_t mod_offset[MAX_MODULES];
static struct sb_conf_section mod_section = { .name = "", .keys = mod_keys };
static size_t started; /* modules whose init succeeded, for close */

static void mod_layout(void)
{
	size_t off = 0, nkeys = 0;

	if (mod_section.size)
		return;
	for (size_t i = 0; sb_modules[i] && i < MAX_MODULES; i++) {
		const struct sb_module *m = sb_modules[i];
		if (!m->conf)
			continue;
		off = (off + alignof(max_align_t) - 1) / alignof(max_align_t) * alignof(max_align_t);
		mod_offset[i] = off;
		mod_keys[nkeys++] = (struct sb_conf_key){
			.name = m->name,
			.type = SB_CT_GROUP,
			.offset = off,
			.sub = m->conf,
			.help = "settings of a module",
		};
		off += m->conf->size;
	}
	mod_section.size = off ? off : 1;
}

void *sb__modules_variant(struct sb_conf_ctx *cx, const char *path, void *elem,
			  const struct sb_conf_section **secp)
{
	struct sb_conf *conf = elem;

	mod_layout();
	conf->modules = sb__arena_alloc(cx->arena, mod_section.size);
	*secp = &mod_section;
	return conf->modules;
}

const struct sb_conf_section *sb__modules_section(void)
{
	mod_layout();
	return &mod_section;
}

const void *sb_module_conf(const struct sb_conf *conf, const struct sb_module *m)
{
	for (size_t i = 0; sb_modules[i]; i++)
		if (sb_modules[i] == m)
			return m->conf && conf->modules ? (char *)conf->modules + mod_offset[i] : NULL;
	return NULL;
}

void sb__modules_check(struct sb_conf_ctx *cx)
{
	for (size_t i = 0; sb_modules[i]; i++)
		if (sb_modules[i]->check)
			sb_modules[i]->check(cx, cx->conf);
}

int sb__modules_register_cmds(void)
{
	for (size_t i = 0; sb_modules[i]; i++) {
		int rc = sb_modules[i]->cmds ? sb_ctl_register(sb_modules[i]->cmds) : 0;
		if (rc < 0)
			return rc;
	}
	return 0;
}

int sb__modules_init(const struct sb_conf *conf)
{
	for (started = 0; sb_modules[started]; started++) {
		const struct sb_module *m = sb_modules[started];
		int rc = m->init ? m->init(conf) : 0;
		if (rc < 0) {
			log_err("module %s failed to start: %s", m->name, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

void sb__modules_reload(const struct sb_conf *conf, const struct sb_conf *old)
{
	for (size_t i = 0; i < started; i++)
		if (sb_modules[i]->reload)
			sb_modules[i]->reload(conf, old);
}

void sb__modules_status(struct sb_reply *r)
{
	for (size_t i = 0; i < started; i++)
		if (sb_modules[i]->status)
			sb_modules[i]->status(r);
}

void sb__modules_metrics(struct sb_metrics *m)
{
	for (size_t i = 0; i < started; i++)
		if (sb_modules[i]->metrics)
			sb_modules[i]->metrics(m);
}

void sb__modules_cluster_role(bool active)
{
	for (size_t i = 0; i < started; i++)
		if (sb_modules[i]->cluster_role)
			sb_modules[i]->cluster_role(active);
}

int sb__modules_cluster_check(char *why, size_t len)
{
	for (size_t i = 0; i < started; i++) {
		int rc = sb_modules[i]->cluster_check ? sb_modules[i]->cluster_check(why, len) : 0;
		if (rc < 0)
			return rc;
	}
	return 0;
}

void sb_modules_cloud_status(struct sb_reply *r)
{
	for (size_t i = 0; i < started; i++)
		if (sb_modules[i]->cloud_status)
			sb_modules[i]->cloud_status(r);
}

void sb__modules_close(void)
{
	while (started > 0) {
		const struct sb_module *m = sb_modules[--started];
		if (m->close)
			m->close();
	}
}
