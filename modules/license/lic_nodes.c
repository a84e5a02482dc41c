/* lic_nodes.c: what a license master knows of its slaves, connected or not (name, role,
 * certificate, last contact, a decentral one's report), and show license-nodes on the master:
 * every slave with its grants and the owner each is for. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SB_MODULE "license"
#include "symbridge.h"

#include "lic_glue.h"
#include "lic_master.h"
#include "lic_net.h"

struct lic_known_tab lic_known;

struct lic_known *lic_known_get(const char *name)
{
	for (size_t i = 0; i < lic_known.n; i++)
		if (strcmp(lic_known.v[i].name, name) == 0)
			return &lic_known.v[i];
	if (lic_known.n == LIC_KNOWN_MAX)
		return NULL;
	struct lic_known *s = &lic_known.v[lic_known.n++];
	memset(s, 0, sizeof *s);
	snprintf(s->name, sizeof s->name, "%s", name);
	return s;
}

void lic_known_clear(void)
{
	for (size_t i = 0; i < lic_known.n; i++)
		free(lic_known.v[i].report);
	memset(&lic_known, 0, sizeof lic_known);
}

struct show {
	struct sb_reply *r;
	const char *slave;
	char buf[1024];
	unsigned counts[LIC_KIND_MAX], total;
	struct lic_msg_item items[256]; /* what the grants are for (the first 256) */
	size_t nitems;
};

static int count_cb(void *arg, const char *slave, const struct lic_msg_item *it)
{
	struct show *sh = arg;
	sh->counts[it->kind]++;
	sh->total++;
	if (sh->nitems < sizeof sh->items / sizeof sh->items[0])
		sh->items[sh->nitems++] = *it;
	return 0;
}

static void kinds_str(char *buf, size_t len, const unsigned *counts)
{
	size_t off = 0;
	buf[0] = '\0';
	for (int k = 0; k < LIC_KIND_MAX && off < len; k++)
		if (counts[k])
			off += (size_t)snprintf(buf + off, len - off, "%s%s %u", off ? ", " : "",
						lic_kind_info((enum lic_kind)k)->name, counts[k]);
}

void lic_known_show(struct sb_reply *r)
{
	static const char *const cols[] = { "node",   "role", "state", "last_contact",
					    "grants", "held", "for",   NULL };
	char when[32];

	sb_reply_table(r, cols);
	for (size_t i = 0; i < lic_known.n; i++) {
		struct lic_known *sl = &lic_known.v[i];
		static struct show sh; /* 35 kB: not on the stack */
		memset(&sh, 0, sizeof sh);
		sh.r = r;
		lic_master_grants(lic_st.node, sl->name, count_cb, &sh);
		kinds_str(sh.buf, sizeof sh.buf, sh.counts);
		sb_reply_row(r);
		sb_reply_str(r, "node", sl->name);
		sb_reply_str(r, "role",
			     sl->mode == LIC_MODE_SLAVE_DECENTRAL ? "decentral"
			     : sl->mode == LIC_MODE_SLAVE_CENTRAL ? "central"
								  : "unknown");
		sb_reply_str(r, "state", sl->connected ? "connected" : "gone");
		if (sl->last) {
			strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&sl->last));
			sb_reply_str(r, "last_contact", when);
		} else {
			sb_reply_str(r, "last_contact", "never (grants from the store)");
		}
		sb_reply_str(r, "grants", sh.buf[0] ? sh.buf : "none");
		sb_reply_int(r, "held", sh.total);
		lic_grants_for(sh.buf, sizeof sh.buf, sh.items, sh.nitems);
		sb_reply_str(r, "for", sh.buf[0] ? sh.buf : "none");
		if (sl->nreport) {
			unsigned used[LIC_KIND_MAX] = { 0 };
			for (size_t j = 0; j < sl->nreport; j++)
				used[sl->report[j].kind] = sl->report[j].in_use;
			kinds_str(sh.buf, sizeof sh.buf, used);
			sb_reply_str(r, "reported_in_use", sh.buf[0] ? sh.buf : "none");
		}
	}
}
