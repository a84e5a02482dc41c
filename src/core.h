/* core.h: declarations shared inside the core (src/) only; modules and cards use symbridge.h. */
#ifndef SB_CORE_H
#define SB_CORE_H

#include "symbridge.h"

/* log.c */
void sb__log_open(bool to_stderr, const char *ident);
void sb__log_set_level(enum sb_log_level lvl);
void sb__log_close(void);
bool sb__log_stderr_is_journal(void);
extern const char *const sb__log_level_names[];
extern const char *const sb__log_subsystem_names[];
int sb__log_subsystem(const char *name);      /* index in sb__log_subsystem_names, or -1 */
void sb__log_set_sub_level(int sub, int lvl); /* lvl -1: follow system.log_level again */
int sb__log_sub_level(int sub, bool *own);    /* its level; own: set at run time */


/* arena.c */
struct sb_arena;
int sb__arena_new(struct sb_arena **ap);
void sb__arena_free(struct sb_arena *a);
void *sb__arena_alloc(struct sb_arena *a, size_t n);
char *sb__arena_strdup(struct sb_arena *a, const char *s);

/* A list of messages (config errors, warnings), each one malloc'd. */
struct sb_msgs {
	char **v;
	size_t n;
};
void sb__msgs_add(struct sb_msgs *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb__msgs_free(struct sb_msgs *m);

/* conf.c: parse and validate a whole file; *confp is set only when there is no error. */
int sb__conf_load(const char *path, struct sb_conf **confp, struct sb_msgs *errs,
		  struct sb_msgs *warns);
void sb__conf_free(struct sb_conf *conf);
/* the same with system.state_dir overridden (NULL: as the file says) and the pushed
 * configuration merged in (conf_overlay.c): overlay is its file, "" for the one in the state
 * dir (STATE_DIR/SB_OVERLAY_NAME, when it exists), NULL for none */
int sb__conf_load_with(const char *path, const char *state_dir, const char *overlay,
		       struct sb_conf **confp, struct sb_msgs *errs, struct sb_msgs *warns);

struct sb_conf_ctx {
	struct sb_conf *conf;
	struct sb_arena *arena;
	char *dir; /* folder of the main config file: relative paths start there */
	struct sb_msgs *errs, *warns;
};

struct config_setting_t;
void sb__conf_parse_root_key(struct sb_conf_ctx *cx, const struct config_setting_t *grp,
			     const char *name, void *base, const struct sb_conf_src *src);

/* conf_overlay.c: the configuration pushed by the cloud (sb_conf_push), kept in the state dir and
 * merged over the file's cards and ring groups at every load */
#define SB_OVERLAY_NAME "cloud-config.conf"
void sb__conf_overlay(struct sb_conf_ctx *cx, const char *file);
/* conf_diff.c: every change between two configurations' channels and ring groups, logged with
 * where it came from ("file", "mqtt") */
void sb__conf_log_changes(const struct sb_conf *old, const struct sb_conf *conf,
			  const char *origin);

/* conf_tables.c: the sections of the file */
extern const struct sb_conf_section sb__conf_root;

/* model.c: cards and channels from a parsed config, with the checks across sections */
void sb__model_build(struct sb_conf_ctx *cx);

/* reply.c */
int sb__reply_new(struct sb_reply **rp);
void sb__reply_free(struct sb_reply *r);
bool sb__reply_ok(const struct sb_reply *r);
/* A handler that answers later defers its reply, fills it when it can and hands it to
 * sb__ctl_finish(), which sends it (or frees it when the client left); the client's later
 * requests wait for it. */
void sb__reply_defer(struct sb_reply *r);
bool sb__reply_deferred(const struct sb_reply *r);
void sb__ctl_finish(struct sb_reply *r);
char *sb__reply_dump(const struct sb_reply *r, size_t *lenp);
struct sb__stream {
	sb_reply_more_cb more_cb;
	void (*free_cb)(void *arg);
	void *arg;
};
/* the reply's stream, now owned by the caller; false when the reply has none */
bool sb__reply_take_stream(struct sb_reply *r, struct sb__stream *st);
void sb__stream_free(struct sb__stream *st);

/* ctl_cmd.c: find the command for the words typed and run it */
#define SB_CTL_MAX_WORDS 32
void sb__ctl_dispatch(int argc, const char *const *argv, unsigned uid, struct sb_reply *r);
void sb__ctl_unregister_all(void);
void sb__ctl_help(struct sb_reply *r);
void sb__ctl_request(const char *line, size_t len, unsigned uid, struct sb_reply *r);

/* ctl.c */
/* store_sync.c: the thread that syncs the store's commits to disk, one fdatasync per interval */
struct MDB_env;
struct sb__syncer;
int sb__syncer_start(struct sb__syncer **yp, struct MDB_env *env, unsigned interval_ms);
void sb__syncer_commit(struct sb__syncer *y);
int sb__syncer_take_err(struct sb__syncer *y);
unsigned long long sb__syncer_syncs(struct sb__syncer *y);
unsigned long long sb__syncer_stop(struct sb__syncer *y); /* NULL-safe; joins; its syncs */

struct uv_loop_s;
int sb__ctl_listen(struct uv_loop_s *loop, const char *path);
void sb__ctl_close(void);

/* daemon.c: the one daemon's state, owned by the main loop */
struct sb__daemon {
	struct uv_loop_s *loop;
	char *conf_path;        /* absolute */
	const char *opt_state_dir, *opt_ctl; /* command-line overrides */
	struct sb_conf *conf;   /* running configuration */
	struct sb_store *store;
	char *state_dir, *ctl_path; /* in effect since start: changing them needs a restart */
	long long started, loaded; /* unix times */
	unsigned reloads_ok, reloads_failed;
	unsigned long long starts; /* from the store: how many times this state dir started */
	bool stopping;
	int exit_status; /* main's exit status after a clean stop: 0, or SB_EXIT_RESTART */
	void (*stop)(void); /* main's sb__daemon_stop; NULL without a daemon (unit tests) */
};
extern struct sb__daemon sb__d;

int sb__daemon_load(const char *path, struct sb_conf **confp, struct sb_msgs *errs,
		    struct sb_msgs *warns);
int sb__daemon_reload(struct sb_msgs *errs, struct sb_msgs *warns);
/* the same with the file read and checked in the thread pool; done_cb runs on the loop */
typedef void (*sb__reload_cb)(void *arg, int rc, const struct sb_msgs *errs,
			      const struct sb_msgs *warns);
int sb__daemon_reload_async(sb__reload_cb done_cb, void *arg);
void sb__daemon_stop(void);
int sb__cmd_register(void);

/* drain.c: no new calls while running ones finish; `restart --when-idle` exits with this status
 * once the last call ended, and the unit restarts the daemon on it (RestartForceExitStatus=) */
#define SB_EXIT_RESTART 75
struct sb__drain_info {
	bool on, restart;
	long long since;          /* unix time the drain began */
	unsigned calls;           /* calls still up */
	long long restart_in_s;   /* a pending restart goes ahead in this many seconds; -1: no limit */
};
int sb__drain_start(void);                  /* 0, -EALREADY */
int sb__drain_stop(void);                   /* 0, -EALREADY (also cancels a pending restart) */
int sb__drain_restart(unsigned max_wait_s); /* 0: no maximum */
void sb__drain_info(struct sb__drain_info *di);
void sb__drain_close(void);
void sb__drain_status(struct sb_reply *r); /* cmd_drain.c: show status's state and calls */

/* cluster.c: the node's role in an active/standby pair (the public half is symbridge.h's
 * sb_cluster_active and sb_not_taking_calls) */
struct sb__cluster_info {
	bool member, active;
	long long since;             /* unix time of the last transition, or of the start */
	const char *why;             /* why the node has its role */
	const char *role, *peer;     /* cluster.role and cluster.peer as configured, or NULL */
	unsigned long long to_active, to_standby; /* transitions since the start */
};
void sb__cluster_start(const struct sb_conf *conf);
void sb__cluster_reload(const struct sb_conf *conf, const struct sb_conf *old,
			struct sb_msgs *warns);
int sb__cluster_set(bool active, const char *why); /* 0, -EALREADY, -ENOTSUP (no cluster) */
void sb__cluster_info(struct sb__cluster_info *ci);

/* modules.c */
void *sb__modules_variant(struct sb_conf_ctx *cx, const char *path, void *elem,
			  const struct sb_conf_section **secp);
const struct sb_conf_section *sb__modules_section(void);
void sb__modules_check(struct sb_conf_ctx *cx);
int sb__modules_register_cmds(void);
int sb__modules_init(const struct sb_conf *conf);
void sb__modules_reload(const struct sb_conf *conf, const struct sb_conf *old);
void sb__modules_close(void);
void sb__modules_status(struct sb_reply *r);
void sb__modules_metrics(struct sb_metrics *m);
void sb__modules_cluster_role(bool active);
int sb__modules_cluster_check(char *why, size_t len); /* 0, or the first module's refusal */
/* calls offered since the start (sb_call_incoming, sb_call_refused), for the metrics */
extern uint64_t sb__route_attempts;

/* call.c, route.c: the call core (public part in call.h) */
struct sb_call *sb__call_new(struct sb_leg *a, const struct sb_party *called);
int sb__call_attach_b(struct sb_call *c, struct sb_leg *b);
int sb__call_placed(struct sb_call *c, int q850, int *q850p);
void sb__calls_stop(void);
/* route.c: ring number for a transfer in call c (sb_call_transfer); 0, or -ENOENT (*q850) */
int sb__route_transfer(struct sb_call *c, const char *number, bool from_cloud, int *q850);
/* call_media.c: the one media session of a call, between its a leg (side 0) and the leg that
 * answered (side 1), made through the registered media operations */
struct sb__call_media {
	void *ms;                /* the media module's session, NULL: none */
	struct sb_leg *leg[2];   /* the legs it joins */
	bool failed;             /* it could not be made for these legs: said once */
	bool by_signalling[2];   /* that side takes the other's digits by signalling (SIP INFO) */
};
/* make, update or end the session so that it joins a and b (NULL: the call has no pair) */
void sb__media_sync(struct sb__call_media *m, uint64_t call_id, struct sb_leg *a,
		    struct sb_leg *b);
void sb__media_close(struct sb__call_media *m);
/* leg's endpoint changed: true when the session had it (and took the change, or was made now
 * when it could not be before) */
bool sb__media_changed(struct sb__call_media *m, uint64_t call_id, struct sb_leg *leg);
/* a digit toward leg through the session; -ENOENT when the session does not have it */
int sb__media_dtmf(struct sb__call_media *m, const struct sb_leg *leg, char digit);
/* the media of a leg of the session; -ENOENT when the session does not have it */
int sb__media_info(const struct sb__call_media *m, const struct sb_leg *leg,
		   struct sb_leg_media *mi);
void sb__cards_open(const struct sb_conf *conf, const struct sb_conf *old);
void sb__cards_close(const struct sb_conf *conf);

#endif
