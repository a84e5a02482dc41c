/* lic_glue.h: inside the license module only: the daemon-side state shared by license.c,
 * lic_store.c, lic_cmd.c and lic_hwid.c. Other modules use license.h. */
#ifndef LIC_GLUE_H
#define LIC_GLUE_H

#include <stdbool.h>
#include <stddef.h>

#include "symbridge.h"

#include "lic_file.h"
#include "license.h"

struct sb_conf;
struct sb_reply;

/* the `license:` section of symbridge.conf */
struct lic_conf {
	struct sb_conf_src src;
	char *public_key;      /* raw Ed25519 key, base64 */
	char *public_key_file; /* or a PEM file */
	char *software_version;
	bool virtual_appliance;
	int mode; /* enum lic_mode */
	/* the license master protocol (lic_net.h) */
	bool standby;              /* mode master: a standby master watching license.master */
	struct sb_strlist masters; /* slaves, standby: the masters, tried in order */
	char *listen;              /* master, standby: ADDRESS:PORT for slaves */
	char *tls_certificate, *tls_key, *tls_ca;
	int grace_hours;      /* slaves: grants stay usable this long without a master */
	int takeover_seconds; /* standby: without its master this long, it takes over */
	int prefetch;         /* central slaves: free Ports drawn ahead of use */
};

/* The PBX software generation this build behaves as, for version gating (rule 1) and the
 * bridge's minimum (rule 9); `license.software_version` overrides it. */
#define LIC_SOFTWARE_VERSION "13.0"

/* lic_conf.c: the section's keys and checks */
extern const struct sb_conf_section lic_conf_section;

/* one license file as the daemon keeps it */
struct lic_loaded {
	struct lic_file *file;
	const char *state; /* "ok" or why it is not in use (a LIC_F_* word) */
	char why[256];
	struct lic_loaded *next;
};

/* a refusal the admin should see in `show licenses` */
struct lic_refusal {
	char what[96];
	enum lic_kind kind;
	const char *reason;
	char detail[200];
};

#define LIC_MAX_REFUSALS 64

struct lic_state {
	struct lic_node *node;
	struct lic_node *mirror; /* central slave: its master as seen from here (the grants) */
	void *pubkey;            /* EVP_PKEY *, NULL: none configured */
	char hwid[129];          /* what license files must be bound to */
	const char *hwid_source;
	bool hwid_test; /* from the test override, not from the machine */
	char mac[32];   /* what IPVA licenses bind to */
	unsigned sw;
	const struct lic_conf *conf;
	struct lic_loaded *files;
	struct lic_refusal refused[LIC_MAX_REFUSALS];
	size_t nrefused;
};
extern struct lic_state lic_st;

/* license.c */
int lic_rebuild(const struct sb_conf *conf);
void lic_sync_cards(const struct sb_conf *conf);
void lic_refusal_add(const char *what, enum lic_kind k, const struct lic_decision *d);
void lic_dates_tick(time_t now);

/* lic_store.c: the store holds license files, per-user assignments and the IPVA binding */
int lic_store_load(void);
int lic_store_install(const char *buf, size_t len, struct lic_file *f);
int lic_store_remove(const char *id);
int lic_store_assign(const char *user, enum lic_kind k, bool on);
void lic_loaded_free(struct lic_loaded *l);
/* verify one file against this machine; state set in *l */
void lic_loaded_judge(struct lic_loaded *l, const char *buf);

/* lic_hwid.c */
/* The test override of the hardware id: an environment variable, honoured only for ids that
 * start with "test-" (symbridge-license signs those only with --test). */
#define LIC_TEST_HWID_ENV    "SYMBRIDGE_TEST_HWID"
#define LIC_TEST_HWID_PREFIX "test-"
int lic_hwid_derive(char *buf, size_t len, const char **sourcep);
int lic_hwid_test(const char **idp);
bool lic_hwid_valid(const char *id);
int lic_mac_first(char *buf, size_t len);

/* lic_cmd.c */
extern const struct sb_ctl_cmd lic_cmds[];
/* lic_show.c */
struct sb_ctl_req;
void lic_metrics(struct sb_metrics *m); /* installed and in use per kind, as show licenses */
int lic_cmd_show(const struct sb_ctl_req *req, struct sb_reply *r);
int lic_cmd_nodes(const struct sb_ctl_req *req, struct sb_reply *r);
int lic_cmd_files(const struct sb_ctl_req *req, struct sb_reply *r);

#endif
