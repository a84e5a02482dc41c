/* lic_rules.h: the pure license rule engine: kinds, installed licenses, nodes, acquire/release. */
#ifndef LIC_RULES_H
#define LIC_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every kind of license the product knows. LIC_RCC is a feature without a license of its own
 * (it needs the Phone App). */
enum lic_kind {
	LIC_PORT,
	LIC_SMB_PORT,
	LIC_SMB_UPGRADE,
	LIC_STANDBY,
	LIC_IPVA,
	LIC_UC,
	LIC_VIDEO,
	LIC_APPSHARING,
	LIC_VOICEMAIL,
	LIC_MOBILITY,
	LIC_REPORTING,
	LIC_RECORDING,
	LIC_RECORDING_USER,
	LIC_APP_PHONE,
	LIC_APP_SOFTPHONE,
	LIC_FAX,
	LIC_APP_CHAT,
	LIC_APP_CONFERENCE,
	LIC_OPERATOR,
	LIC_QUEUE_MONITOR,
	LIC_RELAY_BRIS,
	LIC_RELAY_PRIS,
	LIC_RELAY_CHANNELS,
	LIC_SYM_BRIDGE,
	LIC_SIS,
	LIC_SIS32,
	LIC_RCC,
	LIC_KIND_MAX
};

/* A software version major.minor.patch packed as major*10000 + minor*100 + patch. */
#define LIC_SW(major, minor, patch) ((major)*10000u + (minor)*100u + (patch))
int lic_sw_parse(const char *s, unsigned *swp);
void lic_sw_format(unsigned sw, char *buf, size_t len);

/* What a kind is and how it is counted. */
#define LIC_KF_HARDWARE    0x01 /* no version, bound to the hardware id */
#define LIC_KF_PER_USER    0x02 /* taken when configured for a user; persisted */
#define LIC_KF_NOLICENSE   0x04 /* a feature with no license of its own */
#define LIC_KF_VERSIONLESS 0x08 /* no version in the name (bridge licenses) */

struct lic_kind_info {
	const char *name; /* as shown and as typed in `license check` */
	const char *base; /* the name in license files, before the version */
	unsigned flags;
	unsigned min_sw; /* the kind does not exist before this software version */
	const char *help;
};
const struct lic_kind_info *lic_kind_info(enum lic_kind k);
/* by display name or file base, case-insensitive; -ENOENT */
int lic_kind_find(const char *name, enum lic_kind *kp);

/* One line of a license file once its name is understood. */
struct lic_item {
	enum lic_kind kind;
	unsigned version; /* license major version; 0 for versionless kinds */
	unsigned count;   /* licenses of this item (SMB: Ports = count * size) */
	unsigned tier;    /* PBX-Port price tier (%500 ...), SMB size ($20 ...); 0: none */
};
/* "PBX-Port13%500" -> Port v13 tier 500; -EINVAL with a reason in why */
int lic_item_parse_name(const char *name, struct lic_item *it, char *why, size_t wlen);
void lic_item_format_name(const struct lic_item *it, char *buf, size_t len);

/* ---- nodes and decisions ---------------------------------------------- */

enum lic_mode {
	LIC_MODE_SINGLE,         /* one PBX, its own licenses */
	LIC_MODE_MASTER,         /* the license master of a master-slave installation */
	LIC_MODE_SLAVE_CENTRAL,  /* draws licenses from its master on demand */
	LIC_MODE_SLAVE_DECENTRAL /* uses only its own licenses, none of the master's */
};
extern const char *const lic_mode_names[]; /* "single", "master", "central", "decentral" */

enum lic_owner_type {
	LIC_OWN_USER,     /* a User/Executive object: holders are its devices */
	LIC_OWN_TRUNK,    /* PRI/BRI span, intercom link, SIP trunk */
	LIC_OWN_GROUP,    /* a group number: takes no Port */
	LIC_OWN_QUEUE,    /* a waiting queue: no Port; a Queue Monitor per monitored queue */
	LIC_OWN_CARD,     /* a card: sym-bridge (bridge), PRI/BRI interface (Relay) */
	LIC_OWN_SESSION,  /* an operator session */
	LIC_OWN_BCHANNEL, /* a B-channel or conference channel in use */
	LIC_OWN_NODE,     /* a standby node */
	LIC_OWN_MAX
};
extern const char *const lic_owner_names[];

struct lic_owner {
	enum lic_owner_type type;
	const char *id;     /* unique within the type */
	const char *holder; /* what holds it (a device of a user); NULL: the owner itself */
};

/* Acquire flags */
#define LIC_ACQ_FAILOVER 0x01 /* a registration caused by failover: takes no license */
/* a slave's grant recorded on its master: the slave, which holds the user's assignments,
 * applied the per-user rules (rule 6: what needs the Phone App, what the UC includes); the
 * master only counts, so its record does not depend on the order grants arrive or go */
#define LIC_ACQ_GRANT 0x02

/* The answer to acquire/check/release. reason is a fixed machine-readable word. */
struct lic_decision {
	bool ok;
	const char *reason;
	enum lic_kind kind; /* the kind that decided (e.g. IPVA when a Port is refused for it) */
	unsigned taken;     /* licenses this call took (0 when the owner already had one) */
	unsigned free;      /* of that kind, after the call */
	char detail[200];   /* for people */
};

#define LIC_R_OK                      "ok"
#define LIC_R_VERSION_GATED           "version-gated"
#define LIC_R_EXHAUSTED               "exhausted"
#define LIC_R_SMB_EXCLUSIVE           "smb-exclusive"
#define LIC_R_SMB_NOT_EXTENSIBLE      "smb-not-extensible"
#define LIC_R_STANDBY_SHORT           "standby-short"
#define LIC_R_REQUIRES_PHONE_APP      "requires-phone-app"
#define LIC_R_REQUIRES_RECORDING_BASE "requires-recording-base"
#define LIC_R_REQUIRES_SIS            "requires-sis"
#define LIC_R_NOT_INSTALLED           "not-installed"
#define LIC_R_IPVA_SHORT              "ipva-short"
#define LIC_R_IPVA_BOUND              "ipva-bound"
#define LIC_R_SOFTWARE_TOO_OLD        "software-too-old"
#define LIC_R_NOT_NEEDED              "not-needed"
#define LIC_R_NOT_HELD                "not-held"
#define LIC_R_DECENTRAL_OWN_ONLY      "decentral-own-only"
#define LIC_R_MASTER_UNREACHABLE      "master-unreachable"
#define LIC_R_NO_MASTER               "no-master"
#define LIC_R_WRONG_OWNER             "wrong-owner"
#define LIC_R_FAILOVER                "failover"
#define LIC_R_UC_IN_USE               "uc-in-use"
#define LIC_R_PHONE_APP_IN_USE        "phone-app-in-use"

struct lic_node;

struct lic_node_conf {
	const char *name;
	enum lic_mode mode;
	unsigned sw; /* running software version, LIC_SW() */
	bool virtual_appliance;
	const char *machine_id;  /* MAC/hardware id the IPVA licenses bind to */
	struct lic_node *master; /* slaves: their license master */
	/* master is this node's cache of what its real master granted it (a central slave's
	 * mirror): while the master is unreachable the free grants may still be taken, and only
	 * beyond them is a take refused master-unreachable */
	bool master_cache;
};

int lic_node_alloc(struct lic_node **np, const struct lic_node_conf *conf);
void lic_node_free(struct lic_node *n);
void lic_node_set_master_reachable(struct lic_node *n, bool reachable);

/* Licenses installed on a node come in sets (one license file each), named by id. */
int lic_node_install(struct lic_node *n, const char *set_id, const struct lic_item *items,
		     size_t nitems);
int lic_node_remove(struct lic_node *n, const char *set_id);
/* What installing items would make unusable (kinds usable now that would not be), without
 * keeping them: cb for each such kind with its status after; returns how many (or -errno). */
struct lic_status;
typedef void (*lic_preview_cb)(void *arg, enum lic_kind k, const struct lic_status *after);
int lic_node_preview(struct lic_node *n, const struct lic_item *items, size_t nitems,
		     lic_preview_cb cb, void *arg);
/* IPVA binding: the machine id an installation's IPVA licenses were first used on (NULL: none
 * yet). The glue persists it; the engine refuses IPVA use on another machine. */
void lic_node_set_ipva_binding(struct lic_node *n, const char *machine_id);
const char *lic_node_ipva_binding(const struct lic_node *n);

int lic_acquire(struct lic_node *n, const struct lic_owner *o, enum lic_kind k, unsigned flags,
		struct lic_decision *d);
int lic_check(struct lic_node *n, const struct lic_owner *o, enum lic_kind k, unsigned count,
	      struct lic_decision *d);
/* At the moment of use: is what o holds of k still usable (kind usable at its source, that pool
 * not over-committed)? Takes it when o holds none. */
int lic_use(struct lic_node *n, const struct lic_owner *o, enum lic_kind k, struct lic_decision *d);
int lic_release(struct lic_node *n, const struct lic_owner *o, enum lic_kind k,
		struct lic_decision *d);

/* The state of one kind as seen from a node (its source of licenses). */
struct lic_status {
	enum lic_kind kind;
	unsigned version;   /* lowest installed version (the one that governs); 0: none */
	unsigned installed; /* counted licenses installed at the source */
	unsigned in_use;
	unsigned free; /* usable and not in use */
	bool usable;
	const char *reason; /* why not usable, or "ok" */
	char detail[200];
};
int lic_status(const struct lic_node *n, enum lic_kind k, struct lic_status *st);

/* every allocation the node holds, e.g. to persist the per-user ones */
typedef int (*lic_each_cb)(void *arg, const struct lic_owner *o, enum lic_kind k, unsigned holders);
int lic_foreach(const struct lic_node *n, lic_each_cb cb, void *arg);

#endif
