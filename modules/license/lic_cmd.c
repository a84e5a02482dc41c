/* lic_cmd.c: the license commands of symbridgectl: show, install, remove, check, assign. */
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

static int cmd_show(const struct sb_ctl_req *req, struct sb_reply *r)
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

static int cmd_nodes(const struct sb_ctl_req *req, struct sb_reply *r)
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

static int cmd_files(const struct sb_ctl_req *req, struct sb_reply *r)
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
static char *read_file(const char *path, size_t *lenp, int *errp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	char *buf;
	ssize_t n;
	size_t len = 0;

	if (fd < 0) {
		*errp = errno;
		return NULL;
	}
	*errp = fstat(fd, &st) < 0          ? errno
		: !S_ISREG(st.st_mode)      ? EINVAL
		: st.st_size > LIC_FILE_MAX ? EFBIG
					    : 0;
	if (*errp) {
		close(fd);
		return NULL;
	}
	if (!(buf = malloc(LIC_FILE_MAX + 2))) {
		close(fd);
		*errp = ENOMEM;
		return NULL;
	}
	while ((n = read(fd, buf + len, LIC_FILE_MAX + 1 - len)) > 0 && len <= LIC_FILE_MAX)
		len += (size_t)n;
	*errp = n < 0 ? errno : len > LIC_FILE_MAX ? EFBIG : 0;
	close(fd);
	if (*errp) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

static int refuse(struct sb_reply *r, const char *path, const char *reason, const char *why)
{
	sb_reply_error(r, "license file %s refused: %s: %s", path, reason, why);
	sb_reply_str(r, "reason", reason);
	log_warn("license file %s refused: %s: %s", path, reason, why);
	return -1;
}

/* what a file would make unusable, as "PBX-Port (smb-exclusive: ...); ..." */
struct lost_list {
	char text[768];
	size_t n;
};

static void lost_cb(void *arg, enum lic_kind k, const struct lic_status *after)
{
	struct lost_list *l = arg;
	size_t used = strlen(l->text);

	snprintf(l->text + used, sizeof l->text - used, "%s%s (%s: %s)", l->n++ ? "; " : "",
		 lic_kind_info(k)->name, after->reason, after->detail);
}

static int cmd_install(const struct sb_ctl_req *req, struct sb_reply *r)
{
	const char *path = req->argv[0], *reason;
	struct lic_loaded *l = NULL;
	struct lost_list lost = { .n = 0 };
	char *buf = NULL, why[256];
	size_t len;
	int err, rc = -1;
	bool force = req->argc > 1 && strcmp(req->argv[1], "--force") == 0;

	if (req->argc > 1 && !force) {
		sb_reply_error(r,
			       "license install: \"%s\" is not an option (--force installs a "
			       "file that makes installed licenses unusable)",
			       req->argv[1]);
		return -1;
	}
	if (path[0] != '/') {
		sb_reply_error(r,
			       "license install: give the file's absolute path (the daemon does "
			       "not share your working directory): %s",
			       path);
		return -1;
	}
	if (!lic_st.pubkey) {
		sb_reply_error(r, "license install: no vendor public key is configured "
				  "(license.public_key in symbridge.conf)");
		return -1;
	}
	if (!(buf = read_file(path, &len, &err))) {
		sb_reply_error(r, "license install: cannot read %s: %s", path,
			       err == EINVAL  ? "not a regular file"
			       : err == EFBIG ? "larger than a license file can be"
					      : strerror(err));
		return -1;
	}
	if (!(l = calloc(1, sizeof *l)) || !(l->file = calloc(1, sizeof *l->file))) {
		sb_reply_error(r, "license install: out of memory");
		goto out;
	}
	if (lic_file_parse(buf, len, true, l->file, why, sizeof why) < 0) {
		refuse(r, path, LIC_F_MALFORMED, why);
		goto out;
	}
	if (lic_file_verify(l->file, buf, lic_st.pubkey, lic_st.hwid, time(NULL), &reason, why,
			    sizeof why) < 0) {
		refuse(r, path, reason, why);
		goto out;
	}
	for (const struct lic_loaded *o = lic_st.files; o; o = o->next)
		if (strcmp(o->file->id, l->file->id) == 0) {
			sb_reply_error(r,
				       "license %s is installed already (\"license remove %s\" "
				       "first to replace it)",
				       l->file->id, l->file->id);
			goto out;
		}
	/* a file that would make installed licenses unusable (SMB Ports beside Ports, an older
	 * version that gates a kind) needs --force, and says what would stop working */
	if ((err = lic_node_preview(lic_st.node, l->file->items, l->file->nitems, lost_cb, &lost)) <
	    0) {
		sb_reply_error(r, "license %s not installed: %s", l->file->id, strerror(-err));
		goto out;
	}
	if (lost.n && !force) {
		sb_reply_error(r,
			       "license file %s refused: would-disable: it would make %s unusable "
			       "(\"license install %s --force\" installs it anyway)",
			       path, lost.text, path);
		sb_reply_str(r, "reason", "would-disable");
		log_warn("license file %s refused: would-disable: %s", path, lost.text);
		goto out;
	}
	if ((err = lic_store_install(buf, len, l->file)) < 0) {
		sb_reply_error(r, "license %s not installed: %s", l->file->id,
			       err == -EEXIST ? "installed already" : strerror(-err));
		goto out;
	}
	l->state = "ok";
	struct lic_loaded **pp = &lic_st.files;
	while (*pp)
		pp = &(*pp)->next;
	*pp = l;
	sb_reply_message(r, "license %s installed: %zu license line%s, bound to %s", l->file->id,
			 l->file->nitems, l->file->nitems == 1 ? "" : "s", l->file->hwid);
	log_notice("license %s installed from %s (%zu lines)", l->file->id, path, l->file->nitems);
	if (lost.n) {
		sb_reply_detail(r, "forced: now unusable: %s", lost.text);
		log_warn("license %s installed with --force: now unusable: %s", l->file->id,
			 lost.text);
	}
	l = NULL;
	lic_sync_cards(sb_daemon_conf()); /* cards waiting for it take it now */
	rc = 0;
out:
	lic_loaded_free(l);
	free(buf);
	return rc;
}

static int cmd_remove(const struct sb_ctl_req *req, struct sb_reply *r)
{
	const char *id = req->argv[0];
	struct lic_loaded **pp = &lic_st.files, *l;
	int rc;

	while (*pp && strcmp((*pp)->file->id, id) != 0)
		pp = &(*pp)->next;
	if (!(l = *pp)) {
		sb_reply_error(r, "no license %s is installed (\"show license-files\" lists them)",
			       id);
		return -1;
	}
	rc = strcmp(l->state, "ok") == 0 ? lic_node_remove(lic_st.node, id) : 0;
	if (rc == -EPERM) {
		sb_reply_error(r,
			       "license %s holds IPVA licenses bound to %s: they can never be "
			       "released or moved",
			       id, lic_node_ipva_binding(lic_st.node));
		sb_reply_str(r, "reason", LIC_R_IPVA_BOUND);
		return -1;
	}
	if ((rc = lic_store_remove(id)) < 0) {
		/* the engine no longer counts it; put it back so both agree */
		lic_node_install(lic_st.node, id, l->file->items, l->file->nitems);
		sb_reply_error(r, "license %s not removed: %s", id, strerror(-rc));
		return -1;
	}
	*pp = l->next;
	l->next = NULL;
	lic_loaded_free(l);
	sb_reply_message(r, "license %s removed", id);
	log_notice("license %s removed", id);
	lic_sync_cards(sb_daemon_conf());
	return 0;
}

static int parse_kind(struct sb_reply *r, const char *name, enum lic_kind *kp)
{
	if (lic_kind_find(name, kp) == 0)
		return 0;
	sb_reply_error(r,
		       "no license kind \"%s\" (e.g. PBX-Port, PBX-UC, App(phone), Relay-PRIs, "
		       "L-SYM-BRIDGE; see symbridgectl(8))",
		       name);
	return -1;
}

static void decision_fields(struct sb_reply *r, const struct lic_decision *d)
{
	sb_reply_bool(r, "allowed", d->ok);
	sb_reply_str(r, "reason", d->reason);
	sb_reply_str(r, "decided_by", lic_kind_info(d->kind)->name);
	sb_reply_int(r, "free", d->free);
	sb_reply_str(r, "detail", d->detail[0] ? d->detail : NULL);
}

static int cmd_check(const struct sb_ctl_req *req, struct sb_reply *r)
{
	struct lic_decision d;
	enum lic_kind k;
	long count = 1;

	if (parse_kind(r, req->argv[0], &k) < 0)
		return -1;
	if (req->argc > 1) {
		char *end;
		count = strtol(req->argv[1], &end, 10);
		if (*end || end == req->argv[1] || count < 1 || count > 1000000) {
			sb_reply_error(r,
				       "license check: COUNT \"%s\" is not a number from 1 to "
				       "1000000",
				       req->argv[1]);
			return -1;
		}
	}
	lic_check(lic_st.node, NULL, k, (unsigned)count, &d);
	sb_reply_message(r, "%ld %s: %s (%s)", count, lic_kind_info(k)->name,
			 d.ok ? "would be granted" : "would be refused", d.reason);
	sb_reply_str(r, "kind", lic_kind_info(k)->name);
	sb_reply_int(r, "count", count);
	decision_fields(r, &d);
	return 0;
}

static int assign(const struct sb_ctl_req *req, struct sb_reply *r, bool on)
{
	const char *user = req->argv[1];
	struct lic_decision d;
	enum lic_kind k;
	int rc;

	if (parse_kind(r, req->argv[0], &k) < 0)
		return -1;
	if (!(lic_kind_info(k)->flags & LIC_KF_PER_USER)) {
		sb_reply_error(r,
			       "%s is not a per-user license: it is taken by what uses it (a "
			       "registered device, a trunk, a card, a session)",
			       lic_kind_info(k)->name);
		return -1;
	}
	if (strlen(user) > 128) {
		sb_reply_error(r, "user name longer than 128 characters");
		return -1;
	}
	struct lic_owner o = { .type = LIC_OWN_USER, .id = user };
	rc = on ? lic_acquire(lic_st.node, &o, k, 0, &d) : lic_release(lic_st.node, &o, k, &d);
	if (rc < 0 || !d.ok) {
		sb_reply_error(r, "%s for user %s: %s: %s", lic_kind_info(k)->name, user,
			       rc < 0 ? "error" : d.reason, rc < 0 ? strerror(-rc) : d.detail);
		if (rc == 0)
			sb_reply_str(r, "reason", d.reason);
		return -1;
	}
	if ((rc = lic_store_assign(user, k, on)) < 0) {
		/* undo, so the engine and the store agree */
		if (on)
			lic_release(lic_st.node, &o, k, &d);
		else
			lic_acquire(lic_st.node, &o, k, 0, &d);
		sb_reply_error(r, "%s for user %s not saved: %s", lic_kind_info(k)->name, user,
			       strerror(-rc));
		return -1;
	}
	sb_reply_message(r, "%s %s user %s%s", lic_kind_info(k)->name,
			 on ? "assigned to" : "taken from", user,
			 on && !d.taken ? " (no license taken: included or held already)" : "");
	if (on)
		decision_fields(r, &d);
	return 0;
}

static int cmd_assign(const struct sb_ctl_req *req, struct sb_reply *r)
{
	return assign(req, r, true);
}

static int cmd_unassign(const struct sb_ctl_req *req, struct sb_reply *r)
{
	return assign(req, r, false);
}

const struct sb_ctl_cmd lic_cmds[] = {
	{ "show licenses", cmd_show, "license kinds: installed, in use, free, state and reason",
	  0 },
	{ "show license-nodes", cmd_nodes,
	  "the license master's slaves (grants, last contact), or a slave's master", 0 },
	{ "show license-files", cmd_files, "installed license files and whether they are used", 0 },
	{ "license install <FILE> [--force]", cmd_install,
	  "verify and install a signed license file (--force: even if it makes installed "
	  "licenses unusable)",
	  SB_CTL_PRIV },
	{ "license remove <ID>", cmd_remove, "remove an installed license file", SB_CTL_PRIV },
	{ "license check <KIND> [COUNT]", cmd_check,
	  "would COUNT more licenses of KIND be granted? (takes nothing)", 0 },
	{ "license assign <KIND> <USER>", cmd_assign,
	  "assign a per-user license (UC, apps) to a user", SB_CTL_PRIV },
	{ "license unassign <KIND> <USER>", cmd_unassign, "take a per-user license from a user",
	  SB_CTL_PRIV },
	{ NULL, NULL, NULL, 0 },
};
