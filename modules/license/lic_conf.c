/* lic_conf.c: the `license:` section of symbridge.conf: its keys with their bounds, and the
 * roles of the license master protocol with what each needs (refused, not guessed). */
#include "config.h"

#include <stddef.h>
#include <sys/socket.h>

#define SB_MODULE "license"
#include "symbridge.h"

#include "lic_glue.h"
#include "lic_net.h"

static const char *const mode_choices[] = { "single", "master", "central", "decentral", NULL };

static void check_sw(struct sb_conf_ctx *cx, const struct sb_conf_src *src, const char *path,
		     const void *field)
{
	unsigned sw;
	const char *v = *(char *const *)field;
	if (lic_sw_parse(v, &sw) < 0)
		sb_conf_error(cx, src, path,
			      "\"%s\" is not a version (MAJOR[.MINOR[.PATCH]], e.g. "
			      "13.0 or 11.1.6)",
			      v);
}

static void check_key(struct sb_conf_ctx *cx, const struct sb_conf_src *src, const char *path,
		      const void *field)
{
	void *key;
	const char *v = *(char *const *)field;
	if (!v)
		return;
	if (lic_key_public_from_base64(v, &key) < 0)
		sb_conf_error(cx, src, path,
			      "not an Ed25519 public key (44 characters of base64, "
			      "as `symbridge-license keygen` prints it)");
	else
		lic_key_free(key);
}

static void check_addr(struct sb_conf_ctx *cx, const struct sb_conf_src *src, const char *path,
		       const void *field)
{
	struct sockaddr_storage ss;
	const char *v = *(char *const *)field;
	if (v && lic_addr_parse(v, &ss) < 0)
		sb_conf_error(cx, src, path,
			      "\"%s\" is not an address and port (ADDRESS:PORT or [V6]:PORT, "
			      "numeric, port 1-65535)",
			      v);
}

static void check_masters(struct sb_conf_ctx *cx, const struct sb_conf_src *src, const char *path,
			  const void *field)
{
	const struct sb_strlist *l = field;
	struct sockaddr_storage ss;
	for (size_t i = 0; i < l->n; i++)
		if (lic_addr_parse(l->v[i], &ss) < 0)
			sb_conf_error(cx, src, path,
				      "\"%s\" is not an address and port (ADDRESS:PORT or "
				      "[V6]:PORT, numeric, port 1-65535)",
				      l->v[i]);
}

/* the roles and what each needs (lic_net.h): refused, not guessed */
static void check_section(struct sb_conf_ctx *cx, const char *path, void *elem)
{
	const struct lic_conf *lc = elem;
	bool slave = lc->mode == LIC_MODE_SLAVE_CENTRAL || lc->mode == LIC_MODE_SLAVE_DECENTRAL;
	bool master = lc->mode == LIC_MODE_MASTER;
	int ntls = !!lc->tls_certificate + !!lc->tls_key + !!lc->tls_ca;

	if (lc->public_key && lc->public_key_file)
		sb_conf_error(cx, &lc->src, "license.public_key_file",
			      "set either public_key or public_key_file, not both");
	if (ntls && ntls < 3)
		sb_conf_error(cx, &lc->src, "license.tls_certificate",
			      "set tls_certificate, tls_key and tls_ca together (the master "
			      "protocol authenticates both ends)");
	if ((slave || master) && !ntls)
		sb_conf_error(cx, &lc->src, "license.tls_certificate",
			      "mode %s needs tls_certificate, tls_key and tls_ca (the master "
			      "protocol runs over TLS with mutual X.509)",
			      lic_mode_names[lc->mode]);
	if (!slave && !master && (lc->masters.n || lc->listen || ntls || lc->standby))
		sb_conf_error(cx, &lc->src, "license.mode",
			      "mode single takes no master, listen, tls_* or standby (allowed with "
			      "master, central or decentral)");
	if (slave && !lc->masters.n)
		sb_conf_error(cx, &lc->src, "license.master",
			      "mode %s needs the address of its master (ADDRESS:PORT, then the "
			      "standby's)",
			      lic_mode_names[lc->mode]);
	if (slave && lc->listen)
		sb_conf_error(cx, &lc->src, "license.listen",
			      "a slave does not listen (only mode master, and a standby)");
	if (slave && lc->standby)
		sb_conf_error(cx, &lc->src, "license.standby",
			      "a standby is a master (mode master with standby = true)");
	if (master && !lc->listen)
		sb_conf_error(cx, &lc->src, "license.listen",
			      "mode master needs the address slaves connect to (ADDRESS:PORT)");
	if (master && lc->standby && !lc->masters.n)
		sb_conf_error(cx, &lc->src, "license.master",
			      "a standby needs the address of the master it stands in for");
	if (master && !lc->standby && lc->masters.n)
		sb_conf_error(cx, &lc->src, "license.master",
			      "a master has no master (set standby = true for a standby master)");
}

static const struct sb_conf_key lic_keys[] = {
	{ .name = "public_key",
	  .type = SB_CT_STRING,
	  .offset = offsetof(struct lic_conf, public_key),
	  .min = 1,
	  .max = 64,
	  .check = check_key,
	  .flags = SB_CK_OPTIONAL,
	  .help = "the vendor's Ed25519 public key, base64 (license files are signed with it)" },
	{ .name = "public_key_file",
	  .type = SB_CT_PATH,
	  .offset = offsetof(struct lic_conf, public_key_file),
	  .min = 1,
	  .max = 1024,
	  .flags = SB_CK_OPTIONAL,
	  .help = "or the vendor's public key as a PEM file" },
	{ .name = "software_version",
	  .type = SB_CT_STRING,
	  .offset = offsetof(struct lic_conf, software_version),
	  .def = "\"" LIC_SOFTWARE_VERSION "\"",
	  .min = 1,
	  .max = 16,
	  .check = check_sw,
	  .help = "the software version licenses are gated against" },
	{ .name = "virtual",
	  .type = SB_CT_BOOL,
	  .offset = offsetof(struct lic_conf, virtual_appliance),
	  .def = "false",
	  .help = "a virtual appliance: every Port in use also takes an IPVA" },
	{ .name = "mode",
	  .type = SB_CT_ENUM,
	  .offset = offsetof(struct lic_conf, mode),
	  .def = "\"single\"",
	  .choices = mode_choices,
	  .flags = SB_CK_RESTART,
	  .help = "license master role: single, master, central or decentral" },
	{ .name = "standby",
	  .type = SB_CT_BOOL,
	  .offset = offsetof(struct lic_conf, standby),
	  .def = "false",
	  .flags = SB_CK_RESTART,
	  .help = "mode master: a standby master, serving only after its master is gone" },
	{ .name = "master",
	  .type = SB_CT_STRLIST,
	  .offset = offsetof(struct lic_conf, masters),
	  .min = 0,
	  .max = 4,
	  .check = check_masters,
	  .flags = SB_CK_OPTIONAL | SB_CK_RESTART,
	  .help = "slaves, standby: the master's ADDRESS:PORT, then the standby's, tried in order" },
	{ .name = "listen",
	  .type = SB_CT_STRING,
	  .offset = offsetof(struct lic_conf, listen),
	  .min = 3,
	  .max = 64,
	  .check = check_addr,
	  .flags = SB_CK_OPTIONAL | SB_CK_RESTART,
	  .help = "master, standby: ADDRESS:PORT slaves connect to (TLS)" },
	{ .name = "tls_certificate",
	  .type = SB_CT_PATH,
	  .offset = offsetof(struct lic_conf, tls_certificate),
	  .min = 1,
	  .max = 1024,
	  .flags = SB_CK_OPTIONAL | SB_CK_RESTART,
	  .help = "this node's certificate (PEM) for the master protocol" },
	{ .name = "tls_key",
	  .type = SB_CT_PATH,
	  .offset = offsetof(struct lic_conf, tls_key),
	  .min = 1,
	  .max = 1024,
	  .flags = SB_CK_OPTIONAL | SB_CK_RESTART,
	  .help = "its private key (PEM)" },
	{ .name = "tls_ca",
	  .type = SB_CT_PATH,
	  .offset = offsetof(struct lic_conf, tls_ca),
	  .min = 1,
	  .max = 1024,
	  .flags = SB_CK_OPTIONAL | SB_CK_RESTART,
	  .help = "the CA every peer's certificate must chain to (PEM)" },
	{ .name = "grace_hours",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct lic_conf, grace_hours),
	  .def = "72",
	  .min = 0,
	  .max = 8760,
	  .flags = SB_CK_RESTART,
	  .help = "slaves: hours granted licenses stay usable without a master" },
	{ .name = "takeover_seconds",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct lic_conf, takeover_seconds),
	  .def = "300",
	  .min = 1,
	  .max = 86400,
	  .flags = SB_CK_RESTART,
	  .help = "standby: seconds without its master before it takes over" },
	{ .name = "prefetch",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct lic_conf, prefetch),
	  .def = "2",
	  .min = 0,
	  .max = 64,
	  .flags = SB_CK_RESTART,
	  .help = "central slaves: free Ports drawn from the master ahead of use" },
	SB_CONF_END
};

const struct sb_conf_section lic_conf_section = {
	.name = "license",
	.keys = lic_keys,
	.size = sizeof(struct lic_conf),
	.src_offset = offsetof(struct lic_conf, src),
	.check = check_section,
};
