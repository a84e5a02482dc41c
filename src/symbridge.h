/* symbridge.h: the core's public API, the one header that modules and cards include. */
#ifndef SYMBRIDGE_H
#define SYMBRIDGE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- logging ---------------------------------------------------------- */

enum sb_log_level { SB_LOG_ERR, SB_LOG_WARN, SB_LOG_NOTICE, SB_LOG_INFO, SB_LOG_DEBUG };

#ifndef SB_MODULE
#define SB_MODULE "core"
#endif

void sb_log(enum sb_log_level lvl, const char *mod, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* whether some subsystem logs lvl (a quick filter); whether subsystem mod does (levels are per
 * subsystem: symbridgectl log level) */
bool sb_log_enabled(enum sb_log_level lvl);
bool sb_log_enabled_for(enum sb_log_level lvl, const char *mod);
/* The call the current thread works for: every line logged until it is set back (to the value
 * returned, or 0) names it, "call N: ...", unless the line starts with "call " already. Set where
 * a module enters the code of one call (an event on its leg), like rtpengine's log_info_call. */
unsigned long long sb_log_call_set(unsigned long long id);

/* A tap sees every line logged at or above its level (and logged at all: the subsystem's level
 * lets it through), from any thread, with the line's text as logged. One tap at a time; set it
 * NULL to remove it. The callback must not block: it runs inside sb_log. */
struct sb_log_tap {
	enum sb_log_level upto;
	void (*line_cb)(void *arg, enum sb_log_level lvl, const char *mod, const char *msg);
	void *arg;
};
void sb_log_tap_set(const struct sb_log_tap *tap);
const char *sb_log_level_name(enum sb_log_level lvl); /* "error", "warn", ... */

#define log_err(...) sb_log(SB_LOG_ERR, SB_MODULE, __VA_ARGS__)
#define log_warn(...) sb_log(SB_LOG_WARN, SB_MODULE, __VA_ARGS__)
#define log_notice(...) sb_log(SB_LOG_NOTICE, SB_MODULE, __VA_ARGS__)
#define log_info(...) sb_log(SB_LOG_INFO, SB_MODULE, __VA_ARGS__)
#define log_debug(...)                                                         \
	do {                                                                   \
		if (sb_log_enabled_for(SB_LOG_DEBUG, SB_MODULE))               \
			sb_log(SB_LOG_DEBUG, SB_MODULE, __VA_ARGS__);          \
	} while (0)

/* ---- configuration: typed key tables ---------------------------------- */

/* Where a setting came from, for every error that mentions it. */
struct sb_conf_src {
	const char *file;
	int line;
};

/* An array of parsed elements (a libconfig list of groups). */
struct sb_conf_list {
	void *v;
	size_t n;
};

/* An array of strings (a libconfig array, or one string). */
struct sb_strlist {
	char **v;
	size_t n;
};

struct sb_port_range {
	int lo, hi;
};

enum sb_conf_type {
	SB_CT_BOOL,       /* bool */
	SB_CT_INT,        /* int, within [min, max] */
	SB_CT_STRING,     /* char *, length within [min, max] when max > 0 */
	SB_CT_ENUM,       /* int: index into choices */
	SB_CT_PATH,       /* char *, relative paths resolved against the config file's folder */
	SB_CT_PORT_RANGE, /* struct sb_port_range: [lo, hi] within [min, max], lo < hi */
	SB_CT_STRLIST,    /* struct sb_strlist, count within [min, max] */
	SB_CT_LIST,       /* struct sb_conf_list of sub elements, count within [min, max] */
	SB_CT_GROUP,      /* a nested group parsed in place by sub */
};

/* Key flags */
#define SB_CK_OPTIONAL 0x01 /* may be absent with no default: field stays zero/NULL */
#define SB_CK_SECRET 0x02   /* never shown, never logged */
#define SB_CK_RESTART 0x04  /* a change takes effect only after a restart */

struct sb_conf_ctx;
struct sb_conf_section;

struct sb_conf_key {
	const char *name;
	enum sb_conf_type type;
	size_t offset;
	const char *def; /* default, as it would be written in the file; NULL: required */
	long long min, max;
	const char *const *choices; /* SB_CT_ENUM, NULL-terminated */
	const struct sb_conf_section *sub; /* SB_CT_LIST, SB_CT_GROUP */
	/* extra validation of the parsed field; report with sb_conf_error() */
	void (*check)(struct sb_conf_ctx *cx, const struct sb_conf_src *src, const char *path,
		      const void *field);
	const char *help;
	unsigned flags;
};

/* The layout of one group: its keys and, for list elements, the element size and where the
 * element keeps its struct sb_conf_src. */
struct sb_conf_section {
	const char *name; /* path of the section in the file, e.g. "cards.channels" */
	const struct sb_conf_key *keys;
	size_t size;
	size_t src_offset;
	/* cross-field checks of one parsed element */
	void (*check)(struct sb_conf_ctx *cx, const char *path, void *elem);
	/* for polymorphic elements (cards): after the keys above were parsed, the section of the
	 * element's own settings and the storage it parses into; NULL when none can be found */
	void *(*variant)(struct sb_conf_ctx *cx, const char *path, void *elem,
			 const struct sb_conf_section **secp);
};

#define SB_CONF_END { .name = NULL }

void sb_conf_error(struct sb_conf_ctx *cx, const struct sb_conf_src *src, const char *path,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
bool sb_conf_is_number(const char *s); /* a dialable number: [+]digits, '*', '#'; 1..32 */
bool sb_conf_is_name(const char *s);   /* letters, digits, '-', '_', '.' */
bool sb_conf_is_hostport(const char *s, bool need_port); /* host[:port], [v6][:port] */
bool sb_conf_is_claim_code(const char *s); /* 4..64 letters, digits, '-' (cloud.claim_code) */
void sb_conf_check_name(struct sb_conf_ctx *cx, const struct sb_conf_src *src, const char *path,
			const void *field); /* a key check for names */
void sb_conf_check_digest_algorithms(struct sb_conf_ctx *cx, const struct sb_conf_src *src,
				     const char *path, const void *field); /* "SHA-256", "MD5" */
void sb_conf_warn(struct sb_conf_ctx *cx, const struct sb_conf_src *src, const char *path,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The whole configuration, parsed and validated; immutable once loaded. */
struct sb_system_conf {
	struct sb_conf_src src;
	char *name;
	char *state_dir;
	char *control_socket;
	int log_level; /* enum sb_log_level */
	struct sb_port_range rtp_ports;
	int max_call_seconds;
	int control_idle_timeout;     /* seconds */
	int control_clients_per_user; /* other than root and the daemon's user */
};

enum sb_tls_version { SB_TLS_1_2, SB_TLS_1_3 };
enum sb_cloud_registration { SB_CLOUD_REG_CHANNEL, SB_CLOUD_REG_TRUNK };

struct sb_cloud_tls_conf {
	struct sb_conf_src src;
	char *ca_file;
	char *cert_file;
	char *key_file;
	bool verify_host;
	int min_version; /* enum sb_tls_version */
	char *bearer_token;
};

/* cloud.mqtt: the management channel (modules/mgmt), over TLS with cloud.tls's certificates */
struct sb_cloud_mqtt_conf {
	struct sb_conf_src src;
	char *broker;       /* "host:port"; NULL: no MQTT channel */
	char *client_id;    /* NULL: system.name */
	char *topic_prefix; /* topics are PREFIX/CLIENT_ID/... */
	int keepalive;      /* seconds */
	int outbox_max_kb;  /* what waits for the broker's acknowledgement, at most */
	int outbox_max_age_hours;
};

/* cloud.crl: revocation of the cloud's and the broker's certificates (modules/crl) */
enum sb_crl_stale { SB_CRL_STALE_WARN, SB_CRL_STALE_REFUSE };
struct sb_cloud_crl_conf {
	struct sb_conf_src src;
	bool enabled;
	char *url;          /* NULL: the peer certificate's CRL distribution point */
	int stale;          /* enum sb_crl_stale: a CRL past its nextUpdate */
	int refresh;        /* seconds between fetches at most (sooner before nextUpdate) */
	int retry_max;      /* seconds: the longest pause between failed fetches */
};

/* cloud.https: VoIP reports and log lines uploaded in batches (modules/mgmt), over TLS with
 * cloud.tls's certificates */
struct sb_cloud_https_conf {
	struct sb_conf_src src;
	char *url;         /* "https://host[:port]/path"; NULL: no uploads */
	int log_level;     /* enum sb_log_level: lines at or above it are uploaded */
	int batch_max;     /* items per POST at most */
	int flush_ms;      /* an upload starts at most this long after the first item waits */
	int timeout_ms;    /* one attempt, connection and answer */
	int retry_max_s;   /* the backoff between failed attempts grows up to this */
	int outbox_max_kb; /* what waits for the receiver's 2xx, at most */
	int outbox_max_age_hours;
};

struct sb_cloud_conf {
	struct sb_conf_src src;
	bool enabled;
	struct sb_strlist registrar;
	int registration; /* enum sb_cloud_registration */
	struct sb_strlist codecs; /* offered to the cloud, in order: "G722" "PCMA" "PCMU" "opus" */
	struct sb_cloud_tls_conf tls;
	struct sb_cloud_mqtt_conf mqtt;
	struct sb_cloud_crl_conf crl;
	struct sb_cloud_https_conf https;
	char *claim_code; /* claim the appliance with this code over the management channel */
};

/* cluster: the node's place in an active/standby pair (keepalived decides through symbridgectl
 * cluster activate|standby); without the section the node is alone and always active */
struct sb_cluster_conf {
	struct sb_conf_src src;
	char *role; /* "auto", "active", "standby"; NULL: no cluster section (a single node) */
	char *peer; /* the other node's address, for show cluster (optional) */
};

struct sb_ring_group_conf {
	struct sb_conf_src src;
	char *name;
	struct sb_strlist members;
};

struct sb_station_conf {
	struct sb_conf_src src;
	char *user;
	char *password;
	char *name;
	int dtmf; /* enum card_link_dtmf: how digits reach the station */
	bool allow_foreign_contact; /* may register a Contact whose host is not its own address */
	struct sb_strlist digest_algorithms; /* its own challenges (n == 0: sip.security's) */
};

struct sb_model;

struct sb_conf {
	char *path; /* the file it was loaded from */
	char *overlay; /* the pushed configuration merged over it (sb_conf_push), NULL: none */
	struct sb_system_conf system;
	struct sb_cloud_conf cloud;
	struct sb_cluster_conf cluster;
	struct sb_conf_list cards;       /* struct sb_card_conf */
	struct sb_conf_list ring_groups; /* struct sb_ring_group_conf */
	struct sb_conf_list stations;    /* struct sb_station_conf */
	struct sb_model *model;          /* cards and channels built from the above */
	void *modules;                   /* the modules' own sections: see sb_module_conf() */
	struct sb_arena *arena;          /* owns every byte of this configuration */
};

/* the configuration the daemon runs with now; replaced whole by a successful reload */
const struct sb_conf *sb_daemon_conf(void);
struct uv_loop_s *sb_daemon_loop(void); /* the main loop: all state lives on it */
/* Draining (symbridgectl drain, restart --when-idle): new calls are refused (sip: 503 with
 * Retry-After: sb_drain_retry_after() seconds, OPTIONS 503 too; the core refuses any other new
 * call with cause 41), calls up go on. */
bool sb_draining(void);
int sb_drain_retry_after(void);
/* Whether the node takes new calls, links and stations: NULL when it does, else why not:
 * "draining", or "standby" (the standby node of a cluster: SIP 503 to INVITE and OPTIONS, the
 * core refuses every other new call). The one decision every part asks. */
const char *sb_not_taking_calls(void);
/* The node is the active one of its cluster (always true without a cluster section). */
bool sb_cluster_active(void);

/* A configuration pushed by a management channel (the cloud): libconfig text that may carry
 * `cards` (sym-bridge cards only) and `ring_groups`, merged over the file's (a pushed card
 * replaces the file's sym-bridge card in its slot, a ring group the file's group of its name).
 * It is checked with the file exactly like `symbridged -t`, then applied by the same
 * all-or-nothing reload; only a valid one replaces STATE_DIR/cloud-config.conf, which every
 * later load (start, reload, -t) merges too. An empty text removes what was pushed. Every change
 * is logged with origin ("mqtt"). done_cb runs on the loop once it is applied (rc 0) or refused
 * (rc < 0, errors as FILE:LINE: key: what is wrong); 0: it will; < 0: nothing was started
 * (-EINVAL: longer than SB_CONF_PUSH_MAX or with a NUL byte, -EAGAIN: the daemon is not running). */
#define SB_CONF_PUSH_MAX (256 * 1024)
struct sb_conf_result {
	int rc;
	const char *const *errors;
	size_t nerrors;
	const char *const *warnings;
	size_t nwarnings;
};
typedef void (*sb_conf_push_cb)(void *arg, const struct sb_conf_result *res);
int sb_conf_push(const char *origin, const char *text, size_t len, sb_conf_push_cb done_cb,
		 void *arg);

/* ---- the object model: cards and channels ----------------------------- */

#include "call.h" /* legs and calls: what card types and modules exchange with the core */

struct sb_card_type;

/* The settings every card has; the type's own settings live in priv. */
struct sb_card_conf {
	struct sb_conf_src src;
	int slot;
	char *type_name;
	char *name;
	const struct sb_card_type *type;
	void *priv;
};

/* One numbered channel of a card as configured (sym-bridge channels). */
struct sb_channel_conf {
	struct sb_conf_src src;
	char *number;
	char *target;
	char *ring_group;
	char *name;
	char *fallback; /* mesh fallback: a target (not cloud:) or a ring group name */
};

enum sb_channel_state { SB_CHAN_IDLE, SB_CHAN_BUSY, SB_CHAN_BLOCKED };

struct sb_card;

struct sb_channel {
	struct sb_card *card;
	unsigned index; /* 1-based within the card */
	const char *number;     /* NULL when the channel has no number of its own */
	const char *target;     /* assignment: a target reference ... */
	const char *ring_group; /* ... or a ring group name */
	const char *fallback;   /* what rings when the cloud cannot: target or ring group */
	const struct sb_conf_src *src;
	enum sb_channel_state state;
};

struct sb_card {
	const struct sb_card_type *type;
	const struct sb_card_conf *conf;
	int slot;
	const char *name;
	struct sb_channel *channels;
	size_t nchannels;
};

/* A card type: what an admin can put in a slot. Adding one = one folder + one row in
 * cards/cards.c. */
struct sb_card_type {
	const char *name;
	const struct sb_conf_section *conf; /* the type's own settings (card->conf->priv) */
	unsigned max_cards;                 /* 0: no limit */
	bool dial_out; /* the card places calls to numbers: `card:SLOT/NUMBER` may target it */
	/* number of channels the card has, from its settings */
	size_t (*nchannels)(const struct sb_card_conf *cc);
	/* fill the channel at (0-based) i: number and assignment, if the type has them */
	void (*channel)(const struct sb_card_conf *cc, size_t i, struct sb_channel *ch);
	/* one line of type-specific detail for `show cards` */
	void (*describe)(const struct sb_card_conf *cc, char *buf, size_t len);

	/* Runtime hooks (NULL when the type has none), run on the main loop by the call core.
	 * open: the card is in the running configuration; called at start and again after every
	 * reload with the new settings (the type keeps its runtime state by slot, applies what
	 * changed, and must not keep pointers into the configuration). close: the slot left the
	 * configuration, or the daemon stops. originate: place a call to number on this card for
	 * call; on success *legp is the new leg (its owner filled it; the core attaches it); errors:
	 * -EBUSY no free channel, -ENETDOWN link down, -EINVAL number refused, -EACCES no
	 * license. */
	int (*open)(const struct sb_card *card);
	void (*close)(int slot);
	int (*originate)(const struct sb_card *card, const char *number, struct sb_call *call,
			 struct sb_leg **legp);
};

struct sb_model {
	struct sb_card *cards;
	size_t ncards;
};

const struct sb_card_type *sb_card_type_find(const char *name);
const struct sb_card *sb_model_card(const struct sb_model *m, int slot);
const struct sb_channel *sb_model_number(const struct sb_model *m, const char *number);
extern const struct sb_card_type *const sb_card_types[];

/* ---- storage: LMDB ---------------------------------------------------- */

struct sb_store;
struct sb_store_txn;

int sb_store_open(struct sb_store **sp, const char *dir, size_t map_size);
void sb_store_close(struct sb_store *s);
int sb_store_put(struct sb_store *s, const char *db, const void *key, size_t klen,
		 const void *val, size_t vlen);
int sb_store_get(struct sb_store *s, const char *db, const void *key, size_t klen, void **valp,
		 size_t *vlenp);
int sb_store_del(struct sb_store *s, const char *db, const void *key, size_t klen);
typedef int (*sb_store_each_cb)(void *arg, const void *key, size_t klen, const void *val,
				size_t vlen);
int sb_store_foreach(struct sb_store *s, const char *db, sb_store_each_cb cb, void *arg);
/* in key order from the first key >= start */
int sb_store_foreach_from(struct sb_store *s, const char *db, const void *start, size_t slen,
			  sb_store_each_cb cb, void *arg);
/* in reverse key order from the last key <= start (from the last key when start is NULL) */
int sb_store_foreach_back(struct sb_store *s, const char *db, const void *start, size_t slen,
			  sb_store_each_cb cb, void *arg);
typedef int (*sb_store_write_cb)(struct sb_store_txn *txn, void *arg);
int sb_store_write(struct sb_store *s, sb_store_write_cb cb, void *arg);
int sb_store_txn_put(struct sb_store_txn *txn, const char *db, const void *key, size_t klen,
		     const void *val, size_t vlen);
int sb_store_txn_del(struct sb_store_txn *txn, const char *db, const void *key, size_t klen);
/* the value as this transaction sees it (its own changes included), malloc'd */
int sb_store_txn_get(struct sb_store_txn *txn, const char *db, const void *key, size_t klen,
		     void **valp, size_t *vlenp);
int sb_store_sync(struct sb_store *s);
/* Commits reach the kernel at once (a killed daemon loses none of them) and the disk within
 * interval_ms, synced by a thread off the loop; 0: every commit is synced before it returns. */
int sb_store_set_sync_interval(struct sb_store *s, unsigned interval_ms);
struct sb_store_stats {
	unsigned sync_interval_ms;
	unsigned long long commits; /* write transactions committed */
	unsigned long long syncs;   /* of them or for them, flushes to disk */
};
void sb_store_get_stats(struct sb_store *s, struct sb_store_stats *st);
struct sb_store *sb_daemon_store(void); /* the daemon's store, open from start to stop */

/* ---- control: command table and replies ------------------------------- */

struct sb_reply;

struct sb_ctl_req {
	int argc;
	const char *const *argv; /* the words typed, after the matched command words */
	unsigned uid;            /* peer uid (SO_PEERCRED) */
};

#define SB_CTL_PRIV 0x01 /* changes state: only root or the daemon's own user */

/* One CLI command. pattern: literal words, then <ARG> (required) or [ARG] (optional). */
struct sb_ctl_cmd {
	const char *pattern;
	int (*handler_cb)(const struct sb_ctl_req *req, struct sb_reply *r);
	const char *help;
	unsigned flags;
};

int sb_ctl_register(const struct sb_ctl_cmd *table);
/* Run a show command for a module's own use (what the cloud channel publishes): its reply as
 * JSON, malloc'd, or NULL when it failed. Only commands that answer at once. */
char *sb_ctl_query(int argc, const char *const *argv);

/* The reply builder: one reply is a message, an item (ordered key/value pairs) or a table
 * (columns, then rows); it renders as JSON for the client, which draws tables for people. */
void sb_reply_error(struct sb_reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_reply_message(struct sb_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_reply_detail(struct sb_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_reply_table(struct sb_reply *r, const char *const *columns);
void sb_reply_row(struct sb_reply *r);
void sb_reply_str(struct sb_reply *r, const char *key, const char *val);
void sb_reply_int(struct sb_reply *r, const char *key, long long val);
void sb_reply_bool(struct sb_reply *r, const char *key, bool val);
void sb_reply_strlist(struct sb_reply *r, const char *key, const struct sb_strlist *l);
/* A handler that can answer only later (it waits for a peer: the licence master) defers its
 * reply, keeps r, fills it when the answer comes and hands it to sb_reply_finish(), which sends
 * it (or frees it when the client went away). The client's later requests wait for it. */
void sb_reply_defer(struct sb_reply *r);
void sb_reply_finish(struct sb_reply *r);

/* A streamed reply, for output too large to build at once (exports). After the reply itself the
 * control server calls more_cb for one chunk of text at a time, written to out, and sends each
 * chunk before asking for the next, so memory stays bounded whatever the size. more_cb returns
 * > 0 while more follows, 0 when it wrote the last chunk, or a negative errno. free_cb(arg) runs
 * exactly once: at the end, when the client goes away, or when the reply is never sent. */
typedef int (*sb_reply_more_cb)(void *arg, FILE *out);
void sb_reply_stream(struct sb_reply *r, sb_reply_more_cb more_cb, void (*free_cb)(void *arg),
		     void *arg);
/* A stream that follows events as they happen (trace sip --follow): no time limit on either
 * side. Its more_cb may also return SB_REPLY_STREAM_WAIT having written nothing: the control
 * server then sends nothing until sb_reply_stream_wake(arg) says more is there. A client that
 * goes away ends it (free_cb). */
#define SB_REPLY_STREAM_WAIT 2
void sb_reply_stream_follow(struct sb_reply *r, sb_reply_more_cb more_cb,
			    void (*free_cb)(void *arg), void *arg);
void sb_reply_stream_wake(void *arg);

/* ---- metrics: what a module counts, for a monitoring system ---------------------------- */

/* A scrape in the Prometheus text format. A module writes its families from its own counters
 * (the main loop calls its metrics hook): one sb_metric_family, then its samples. Names carry the
 * symbridge_ prefix and a base unit; counters end in _total. */
struct sb_metrics;
enum sb_metric_type { SB_METRIC_GAUGE, SB_METRIC_COUNTER };
void sb_metric_family(struct sb_metrics *m, const char *name, enum sb_metric_type type,
		      const char *help);
/* one sample of the current family; labels as name, value pairs ending with NULL (values are
 * escaped as the format wants) */
void sb_metric_sample(struct sb_metrics *m, double v, ...) __attribute__((sentinel));
/* the whole exposition: every running module's families, malloc'd text in *textp */
int sb_metrics_render(char **textp, size_t *lenp);

/* ---- modules: compiled in, listed in src/modules.c ------------------------ */

/* A subsystem (sip, media, isdn, license, cdr). Everything is optional but the name. */
struct sb_module {
	const char *name;
	/* its own section in symbridge.conf, named after the module: `NAME: { ... };` */
	const struct sb_conf_section *conf;
	/* checks that need the whole configuration (cards, stations, ...), at every load */
	void (*check)(struct sb_conf_ctx *cx, const struct sb_conf *conf);
	const struct sb_ctl_cmd *cmds; /* its CLI commands */
	/* at start, once the loop, store and configuration exist; in table order */
	int (*init)(const struct sb_conf *conf);
	/* after a reload replaced the configuration (the old one is still valid during the call) */
	void (*reload)(const struct sb_conf *conf, const struct sb_conf *old);
	/* at shutdown, in reverse order */
	void (*close)(void);
	/* its lines of `show status` (keys of its own, e.g. "store"), while it runs */
	void (*status)(struct sb_reply *r);
	/* its metric families for the Prometheus endpoint (sb_metric_*), while it runs */
	void (*metrics)(struct sb_metrics *m);
	/* its lines of `show cloud` (another channel to the cloud: the management channel) */
	void (*cloud_status)(struct sb_reply *r);
	/* the node became active (true) or standby (false): cluster activate|standby */
	void (*cluster_role)(bool active);
	/* cluster check on an active node: 0 when the module can serve, else a negative errno
	 * and why (the cloud link down) */
	int (*cluster_check)(char *why, size_t len);
};

extern const struct sb_module *const sb_modules[];

/* every running module's lines of `show cloud`, for the module that answers that command */
void sb_modules_cloud_status(struct sb_reply *r);

/* the module's parsed section of conf (its conf->size bytes), or NULL without a section */
const void *sb_module_conf(const struct sb_conf *conf, const struct sb_module *m);

#endif
