/* lic_cmd.c: the license commands of symbridgectl that change or ask: install, remove, check,
 * assign (the show commands are in lic_show.c); the command table. */
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
	enum lic_kind k;

	if (parse_kind(r, req->argv[0], &k) < 0)
		return -1;
	if (!(lic_kind_info(k)->flags & LIC_KF_PER_USER)) {
		sb_reply_error(r,
			       "%s is not a per-user license: it is taken by what uses it (a "
			       "registered device, a trunk, a card, a session)",
			       lic_kind_info(k)->name);
		return -1;
	}
	if (strlen(user) > LIC_PROTO_ID_MAX) {
		sb_reply_error(r, "user name longer than %d characters", LIC_PROTO_ID_MAX);
		return -1;
	}
	return lic_assign(req, r, user, k, on);
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
	{ "show licenses", lic_cmd_show, "license kinds: installed, in use, free, state and reason",
	  0 },
	{ "show license-nodes", lic_cmd_nodes,
	  "the license master's slaves (grants, last contact), or a slave's master", 0 },
	{ "show license-files", lic_cmd_files, "installed license files and whether they are used",
	  0 },
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
