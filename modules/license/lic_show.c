/* lic_show.c: what the license module shows: show licenses (and its metrics), show
 * license-nodes, show license-files. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SB_MODULE "license"
#include "symbridge.h"

#include "lic_glue.h"
#include "lic_net.h"

static bool any_installed(void)
{
	if (lic_net.mode == LIC_MODE_SLAVE_CENTRAL && lic_held.n)
		return true; /* granted by its master */
	for (const struct lic_loaded *l = lic_st.files; l; l = l->next)
		if (strcmp(l->state, "ok") == 0)
			return true;
	return false;
}

static void lic_source_name(enum lic_kind k, char *buf, size_t len);

void lic_metrics(struct sb_metrics *m)
{
	static const struct {
		const char *name, *help;
	} fam[] = {
		{ "symbridge_licenses_installed", "licences installed, by kind (show licenses)" },
		{ "symbridge_licenses_in_use", "licences in use, by kind (show licenses)" },
		{ "symbridge_licenses_usable", "1 when a kind's licences may be used, by kind" },
	};

	for (int f = 0; f < 3; f++) {
		sb_metric_family(m, fam[f].name, SB_METRIC_GAUGE, fam[f].help);
		for (int k = 0; k < LIC_KIND_MAX; k++) {
			const char *kind = lic_kind_info((enum lic_kind)k)->name;
			struct lic_status st;
			if ((lic_kind_info((enum lic_kind)k)->flags & LIC_KF_NOLICENSE) ||
			    lic_status(lic_st.node, (enum lic_kind)k, &st) < 0)
				continue;
			sb_metric_sample(m,
					 f == 0   ? st.installed
					 : f == 1 ? st.in_use
						  : st.usable,
					 "kind", kind, NULL);
		}
	}
}

int lic_cmd_show(const struct sb_ctl_req *req, struct sb_reply *r)
{
	static const char *const cols[] = { "kind",  "version", "installed", "in_use", "free",
					    "state", "reason",  "source",    NULL };
	char sw[16], src[96];

	lic_sw_format(lic_st.sw, sw, sizeof sw);
	if (!lic_st.pubkey)
		sb_reply_message(
			r, "no licenses: no vendor public key is configured "
			   "(license.public_key in symbridge.conf, see symbridge-license(1))");
	else if (!any_installed())
		sb_reply_message(r,
				 "no licenses installed on hardware id %s: install one with "
				 "\"symbridgectl license install /path/to/file.lic\"",
				 lic_st.hwid);
	else
		sb_reply_message(r, "licenses of hardware id %s, software %s, mode %s%s",
				 lic_st.hwid, sw, lic_mode_names[lic_net.mode],
				 lic_st.conf->virtual_appliance ? ", virtual appliance" : "");
	if (lic_st.hwid_test)
		sb_reply_detail(r,
				"TEST OVERRIDE: hardware id %s comes from " LIC_TEST_HWID_ENV
				", not from this machine: for tests only",
				lic_st.hwid);
	else
		sb_reply_detail(r, "hardware id %s from %s", lic_st.hwid, lic_st.hwid_source);
	sb_reply_str(r, "hardware_id", lic_st.hwid);
	sb_reply_str(r, "hardware_id_source", lic_st.hwid_source);
	sb_reply_bool(r, "test_override", lic_st.hwid_test);
	for (size_t i = 0; i < lic_st.nrefused; i++) {
		const struct lic_refusal *f = &lic_st.refused[i];
		sb_reply_detail(r, "%s: %s refused: %s: %s", f->what, lic_kind_info(f->kind)->name,
				f->reason, f->detail);
	}
	for (const struct lic_loaded *l = lic_st.files; l; l = l->next)
		if (strcmp(l->state, "ok") != 0)
			sb_reply_detail(r, "license file %s not used: %s: %s", l->file->id,
					l->state, l->why);
	sb_reply_table(r, cols);
	for (int k = 0; k < LIC_KIND_MAX; k++) {
		struct lic_status st;
		if (lic_status(lic_st.node, (enum lic_kind)k, &st) < 0 ||
		    (lic_kind_info((enum lic_kind)k)->flags & LIC_KF_NOLICENSE))
			continue;
		if (!st.installed && !st.in_use && !st.version)
			continue;
		sb_reply_row(r);
		sb_reply_str(r, "kind", lic_kind_info((enum lic_kind)k)->name);
		if (st.version)
			sb_reply_int(r, "version", st.version);
		else
			sb_reply_str(r, "version", NULL);
		sb_reply_int(r, "installed", st.installed);
		sb_reply_int(r, "in_use", st.in_use);
		sb_reply_int(r, "free", st.free);
		sb_reply_str(r, "state", st.usable ? "usable" : "unusable");
		sb_reply_str(r, "reason", st.reason);
		lic_source_name((enum lic_kind)k, src, sizeof src);
		sb_reply_str(r, "source", src);
		sb_reply_str(r, "detail", st.detail[0] ? st.detail : NULL);
	}
	return 0;
}

/* where a kind's licenses come from, as the engine's rule 10 decides: "local", or "master
 * NAME" on a central slave (and for Standby on a decentral one) */
static void lic_source_name(enum lic_kind k, char *buf, size_t len)
{
	const struct lic_kind_info *ki = lic_kind_info(k);
	const char *m = lic_slave_master();
	bool own = (ki->flags & LIC_KF_HARDWARE) || k == LIC_IPVA ||
		   ((ki->flags & LIC_KF_VERSIONLESS) && lic_net.mode != LIC_MODE_SLAVE_CENTRAL) ||
		   !m || lic_net.mode == LIC_MODE_SINGLE || lic_net.mode == LIC_MODE_MASTER ||
		   (lic_net.mode == LIC_MODE_SLAVE_DECENTRAL && k != LIC_STANDBY);
	if (own)
		snprintf(buf, len, "local");
	else
		snprintf(buf, len, "master %s", m);
}

int lic_cmd_nodes(const struct sb_ctl_req *req, struct sb_reply *r)
{
	if (lic_net.mode == LIC_MODE_MASTER)
		lic_serve_show(r);
	else if (lic_net.mode != LIC_MODE_SINGLE)
		lic_slave_show(r);
	else
		sb_reply_message(r, "license mode single: no license master, no slaves "
				    "(license.mode in symbridge.conf)");
	return 0;
}

int lic_cmd_files(const struct sb_ctl_req *req, struct sb_reply *r)
{
	static const char *const cols[] = { "id",      "customer", "hardware_id", "issued",
					    "expires", "licenses", "state",       NULL };
	char d1[16], d2[16];

	sb_reply_table(r, cols);
	for (const struct lic_loaded *l = lic_st.files; l; l = l->next) {
		const struct lic_file *f = l->file;
		char *names[LIC_FILE_MAX_ITEMS], buf[LIC_FILE_MAX_ITEMS][64];
		struct sb_strlist items = { .v = names, .n = f->nitems };
		for (size_t i = 0; i < f->nitems; i++) {
			snprintf(buf[i], sizeof buf[i], "%s x%u", f->names[i], f->items[i].count);
			names[i] = buf[i];
		}
		lic_date_format(f->issued, d1, sizeof d1);
		lic_date_format(f->expires, d2, sizeof d2);
		sb_reply_row(r);
		sb_reply_str(r, "id", f->id);
		sb_reply_str(r, "customer", f->customer[0] ? f->customer : NULL);
		sb_reply_str(r, "hardware_id", f->hwid[0] ? f->hwid : NULL);
		sb_reply_str(r, "issued", f->issued ? d1 : NULL);
		sb_reply_str(r, "expires", f->expires ? d2 : NULL);
		sb_reply_strlist(r, "licenses", &items);
		sb_reply_str(r, "state", l->state);
		sb_reply_str(r, "why", strcmp(l->state, "ok") ? l->why : NULL);
	}
	return 0;
}

/* Only a regular file, opened without blocking (a FIFO or a device would hold the whole loop
 * until someone writes to it), and at most LIC_FILE_MAX bytes. */
