/* sip_priv.h: what the parts of the sip module share among themselves (not public). */
#ifndef SB_SIP_PRIV_H
#define SB_SIP_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/su_wait.h>

#include "sip.h"

/* sip.limits: connections of the local side (sip_conn.c) */
struct sip_limits_conf {
	struct sb_conf_src src;
	int max_connections, per_source;
	int rate_per_source; /* new connections per minute */
	int message_timeout, idle_timeout; /* seconds */
};
extern const struct sb_conf_section sip_limits_section;

/* sip.tls: cipher suites of every TLS connection (sip_tls.c). The default: TLS 1.2 suites with
 * forward secrecy (ECDHE) and AEAD (GCM, ChaCha20-Poly1305) only */
#define SIP_TLS_CIPHERS                                                                           \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:" \
	"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
struct sip_tls_conf {
	struct sb_conf_src src;
	char *ciphers;
};
extern const struct sb_conf_section sip_tls_section;
/* sip.security: digest algorithms, per-source limits and bans (sip_guard.c) */
struct sip_security_conf {
	struct sb_conf_src src;
	struct sb_strlist digest_algorithms; /* offered in this order: "SHA-256", "MD5" */
	int request_limit, request_window;   /* requests per source per window (s); 0: off */
	int auth_fail_limit, user_fail_limit, auth_window; /* failures per source, per user */
	int ban_time;                                      /* seconds */
	int max_tracked;                                   /* sources and users remembered */
};
extern const struct sb_conf_section sip_security_section;

/* the `sip` section of symbridge.conf */
struct sip_conf {
	struct sb_conf_src src;
	struct sb_strlist listen;
	char *certificate_dir;
	char *realm;
	int min_expires, max_expires;
	int options_interval;
	int keepalive_interval;
	int retry_min, retry_max;
	int session_interval; /* RFC 4028, seconds */
	struct sip_limits_conf limits;
	struct sip_tls_conf tls;
	char *server_header;  /* Server and User-Agent of both stacks */
	struct sip_security_conf security;
};

/* Session timers (RFC 4028) on a nua stack: offered on our INVITEs and accepted on others' with
 * the interval given, Min-SE 90 (the RFC's floor), either end may refresh; refreshes go by
 * UPDATE where the peer allows it (no SDP to renegotiate), else by re-INVITE. */
#define SIP_MIN_SE 90
#define SIP_SESSION_TIMER_TAGS(interval)                                                           \
	NUTAG_SESSION_TIMER((unsigned)(interval)), NUTAG_MIN_SE(SIP_MIN_SE),                       \
		NUTAG_SESSION_REFRESHER(nua_any_refresher), NUTAG_UPDATE_REFRESH(1)

/* sip_loop.c */
int sip_loop_open(uv_loop_t *loop, void (*after_cb)(void));
su_root_t *sip_loop_root(void);
unsigned long long sip_loop_steps(void);
void sip_loop_close(void);

/* sip.c: the module's running state */
struct sip_state {
	const struct sb_conf *conf;
	const struct sip_conf *sc;
	nua_t *local; /* stations and links */
	nua_t *cloud; /* the cloud link */
	bool stopping;
	bool local_down, cloud_down; /* nua_r_shutdown arrived */
	uv_timer_t stop_timer;
};
extern struct sip_state sip;
uint64_t sip_now_ms(void);
void sip_request_ip(nua_t *nua, char *ip, size_t len);
void sip_drop(nua_t *nua, nua_handle_t *nh);
void sip_method_not_allowed(nua_t *nua, nua_handle_t *nh, bool ours);
/* Server and User-Agent of a stack: sip.server_header as it is (NUTAG_USER_AGENT would add
 * sofia-sip's name and version) */
#define SIP_IDENTITY_TAGS(sc)                                                                      \
	SIPTAG_USER_AGENT_STR((sc)->server_header), SIPTAG_SERVER_STR((sc)->server_header)

/* The local stack's transaction lifetime (64 x T1: timers B, F, H, J). RFC 3261's 32 s keeps every
 * answered request, a flood's included, for 32 s; 8 s (as on the cloud stack) is ample on the
 * networks stations and links sit on and keeps a quarter of that (modules/sip/README.md). */
#define SIP_LOCAL_T1X64_MS 8000

/* sip_mem.c: memory freed after a burst (a flood's transactions) goes back to the system */
void sip_mem_open(void);
void sip_mem_close(void);

/* sip_filter.c: the kernel drops packets of banned addresses on the local side's sockets */
void sip_filter_open(void);
void sip_filter_update(void);
void sip_filter_close(void);

/* sip_digest.c: digest authentication (RFC 7616): nonces bound to time and source address,
 * nonce counts, uri, MD5 and SHA-256 */
#define SIP_CHALLENGE_LEN 256
#define SIP_CHALLENGES    2
enum sip_digest_rc {
	SIP_DIGEST_OK,        /* authenticated */
	SIP_DIGEST_NONE,      /* no credentials for our realm: a challenge */
	SIP_DIGEST_STALE,     /* right credentials, old nonce: a challenge with stale=true */
	SIP_DIGEST_FOREIGN,   /* a nonce we did not issue to this address (or before a restart) */
	SIP_DIGEST_MALFORMED, /* unreadable, no qop=auth, an algorithm we did not offer */
	SIP_DIGEST_URI,       /* the digest uri is not the Request-URI */
	SIP_DIGEST_REPLAY,    /* a nonce count not above the last one seen with that nonce */
	SIP_DIGEST_WRONG,     /* wrong user name or password */
};
struct sip_digest_req {
	const msg_auth_t *credentials; /* Authorization or Proxy-Authorization headers */
	const char *method;
	const url_t *ruri;
	const char *source; /* the address (no port) the request came from */
	uint64_t now;
	const char *realm;
	const struct sb_strlist *algs;
	/* the algorithms a user is offered (NULL, or NULL returned: algs) */
	const struct sb_strlist *(*algs_cb)(const char *user);
	const char *(*password_cb)(const char *user); /* NULL: no such user */
	char user[65];                                /* out: the user the credentials name */
};
int sip_digest_setup(void);
#ifdef SB_FUZZING
void sip_digest_fuzz_accept(bool on); /* fuzz builds: any nonce and response of a known user */
#endif
int sip_digest_nonce(uint64_t now, const char *source, char out[57]);
int sip_digest_nonce_check(const char *nonce, const char *source, uint64_t now);
int sip_digest_nc_use(const char *nonce, uint64_t issued, uint32_t nc, uint64_t now);
size_t sip_digest_challenge(const struct sb_strlist *algs, const char *realm, const char *source,
			    uint64_t now, bool stale, char out[][SIP_CHALLENGE_LEN], size_t max);
const msg_auth_t *sip_digest_credentials(const msg_auth_t *list, const char *realm);
enum sip_digest_rc sip_digest_check(struct sip_digest_req *dr);
const char *sip_digest_what(enum sip_digest_rc rc);
const char *sip_digest_challenge_user(const sip_t *req, const msg_auth_t *list, const char *realm);

/* sip_guard.c: per-source request limit, failed authentications per source and per user, bans.
 * ip is an address without port. */
int sip_guard_open(const struct sip_security_conf *c, void (*changed_cb)(void));
void sip_guard_reload(const struct sip_security_conf *c);
void sip_guard_close(void);
bool sip_guard_request(const char *ip, uint64_t now); /* false: drop it (banned) */
void sip_guard_auth_failed(const char *ip, const char *user, const char *method, const char *what,
			   uint64_t now);
bool sip_guard_user_locked(const char *user, const char *ip, uint64_t now);
size_t sip_guard_banned(uint64_t now, const char **out, size_t max);
uint64_t sip_guard_next_end(uint64_t now);
void sip_guard_show(struct sb_reply *r, uint64_t now);
int sip_guard_unban(const char *key, uint64_t now);

/* sip_reg.c: the local registrar */
struct sip_binding {
	char user[65];
	char contact[256];
	char source[80];   /* address:port the REGISTER came from */
	char transport[8]; /* from its Via */
	char user_agent[64];
	uint64_t since, expires_at; /* sip_now_ms() */
	unsigned granted;           /* seconds */
};
struct sip_reg_answer {
	int status;
	const char *phrase;         /* static */
	char www_authenticate[SIP_CHALLENGES][SIP_CHALLENGE_LEN]; /* 401, 407 */
	size_t n_auth;
	char contact[1024];         /* 200: the station's bindings */
	unsigned min_expires;       /* 423 */
};
int sip_reg_setup(const struct sb_conf_list *stations, const struct sip_conf *sc);
/* decide on one REGISTER and update the bindings; source is "address:port" for logs */
int sip_reg_handle(const sip_t *req, const char *source, uint64_t now, struct sip_reg_answer *a);
/* source is "address:port"; the nonce is bound to the address */
int sip_reg_nonce_check(const char *nonce, const char *source, uint64_t now);
/* the bindings alive at now (sip_now_ms()); expired ones are dropped first */
const struct sip_binding *sip_reg_bindings(uint64_t now, size_t *np);
int sip_reg_open(const struct sb_conf *conf);
void sip_reg_reload(const struct sb_conf *conf);
void sip_reg_close(void);
void sip_reg_request(nua_t *nua, nua_handle_t *nh, const sip_t *req);

/* sip_reg_bind.c: the bindings; -EACCES (no license, why says so) or -ENOMEM on set */
int sip_bind_set(const char *user, const char *contact, const char *source, const char *transport,
		 const char *ua, unsigned expires, uint64_t now, char *why, size_t wlen);
void sip_bind_del(const char *user, const char *contact); /* contact NULL: all the user's */
void sip_bind_expire(uint64_t now);
void sip_bind_arm(void); /* the timer, for the next binding to expire */
void sip_bind_contacts(const char *user, uint64_t now, char *out, size_t len);
void sip_bind_keep(bool (*known)(const char *user));
void sip_bind_open(void);
void sip_bind_close(void);

/* sip_link.c: link cards */
int sip_link_open(const struct sb_conf *conf);
void sip_link_reload(const struct sb_conf *conf);
void sip_link_close(void);
bool sip_link_event(nua_event_t ev, int status, char const *phrase, nua_handle_t *nh,
		    nua_hmagic_t *hm, sip_t const *sip_msg);
int sip_link_by_source(const char *source, const char *transport, int *slot, char *name,
		       size_t nlen);
bool sip_link_peer_ip(const char *ip);
int sip_link_dtmf(int slot); /* enum card_link_dtmf */
int sip_link_lic_use(int slot, char *rec, size_t rlen, char *why, size_t wlen);
int sip_link_target(int slot, const char *number, char *ruri, size_t rl, char *peer, size_t pl);

/* sip_cloud.c: the cloud link */
int sip_cloud_open(const struct sb_conf *conf);
void sip_cloud_reload(const struct sb_conf *conf, const struct sb_conf *old);
void sip_cloud_close(void);
void sip_cloud_event(nua_event_t ev, int status, char const *phrase, nua_handle_t *nh,
		     nua_hmagic_t *hm, sip_t const *sip_msg, tagi_t tags[]);

bool sip_cloud_ready(void);
/* sip_cloud_role.c: the module's cluster hooks (struct sb_module) */
void sip_cloud_cluster_role(bool active);
int sip_cloud_cluster_check(char *why, size_t len);
bool sip_cloud_trunk(void);
void sip_cloud_uris(const char *user, const char *identity, char *ruri, size_t rl, char *aor,
		    size_t al, char *contact, size_t cl_len);

/* sip_route.c: calls in from stations, links and the cloud; cloud: and station: targets */
void sip_route_local_invite(nua_t *nua, nua_handle_t *nh, const sip_t *m);
void sip_route_cloud_invite(nua_handle_t *nh, const sip_t *m);
int sip_route_open(void);
void sip_route_close(void);

/* sip_call.c */
bool sip_call_event(nua_event_t ev, int status, const char *phrase, nua_handle_t *nh,
		    nua_hmagic_t *hm, const sip_t *m, tagi_t tags[]);
void sip_call_close(void);

/* sip_reg.c: a station's INVITE (407 challenge); 1 authenticated as *userp, else 0 and the
 * challenges in a */
int sip_reg_auth_call(const sip_t *req, const char *source, uint64_t now, const char **userp,
		      struct sip_reg_answer *a);

void sip_link_show(struct sb_reply *r);
void sip_link_metrics(struct sb_metrics *m);
/* sip_trace.c: symbridgectl trace sip (sofia's tport message log, redirected) */
void sip_trace_init(void);
void sip_trace_close(void);
bool sip_trace_capturing(void);
void sip_trace_stack_created(nua_t *nua); /* a stack made while the trace runs takes it */
int sip_trace_cmd(const struct sb_ctl_req *req, struct sb_reply *r);
/* sip_metrics.c: the module's families for the Prometheus endpoint */
void sip_metrics(struct sb_metrics *m);
void sip_cloud_show(struct sb_reply *r);
/* sip_cert.c: the device certificate in use (cloud.tls.cert_file): show cloud's cert_* fields,
 * a warning 30 days before it expires (at open, then daily) */
void sip_cert_open(const char *path);
void sip_cert_close(void);
void sip_cert_show(struct sb_reply *r);
/* take cloud.tls's certificate, key and CA files again into the running link: 0, or < 0 with
 * why (the link keeps what it had) */
int sip_cert_reload(const struct sb_conf *conf, char *why, size_t len);
/* the same for the tls: listener, from sip.certificate_dir's agent.pem and cafile.pem */
int sip_cert_reload_local(const char *dir, char *why, size_t len);

/* sip_tls.c: TLS policy (minimum version) of every sofia-sip context; capture_next marks the
 * next context made as the cloud's, whose handshakes are then reported to the watcher */
void sip_tls_policy(int min_proto, bool capture_next);
void sip_tls_watch(void (*cb)(bool ok, const char *version, const char *cipher, const char *why));
bool sip_tls_captured(void);
struct ssl_ctx_st;
struct ssl_ctx_st *sip_tls_cloud_ctx(void); /* the cloud stack's SSL_CTX, NULL: not captured */
int sip_tls_cloud_recheck(char *why, size_t len); /* the connection up against a new CRL */
void sip_tls_capture_local(bool on);         /* the next SSL_CTX made is the local stack's */
struct ssl_ctx_st *sip_tls_local_ctx(void);
void sip_tls_ciphers(const char *list); /* NULL: the default */
int sip_tls_check_ciphers(const char *list);

/* the host names the cloud's certificate must carry (verify_host), to name a mismatch */
void sip_tls_expect(const char *const *names, size_t n);
/* the folder sofia-sip reads the device certificate from, written from cloud.tls */
int sip_tls_cert_dir(const struct sb_conf *conf, char *dir, size_t len);
/* sip_addr.c: the cloud's TLS connection came up on fd: our address on it goes into our SDP
 * and (with its port) into our Contact; -ENOENT until a connection came up */
void sip_addr_cloud_connected(int fd);
int sip_addr_cloud_local(char *host, size_t len, int *port);

/* sip_conn.c: caps on accepted connections, the open-files limit */
int sip_conn_open(const struct sb_conf *conf, const struct sip_limits_conf *lc);
void sip_conn_reload(const struct sip_limits_conf *lc);
int sip_conn_count(uint64_t *refused, uint64_t *idled);
void sip_conn_close(void);

/* sip_lic.c: a PBX-Port for a station (holder: its contact) or a link (trunk); 0 or -1 with why */
int sip_lic_take(bool trunk, const char *id, const char *holder, char *why, size_t len);
void sip_lic_give(bool trunk, const char *id, const char *holder);
/* the sym-bridge card in slot may carry calls: 0, or -1 with the record's reason in rec and the
 * license's reason in why */
int sip_lic_card(int slot, char *rec, size_t rlen, char *why, size_t len);
/* the link (trunk) or station (user) id may carry a call now: its Port (as sip_lic_card) */
int sip_lic_use(bool trunk, const char *id, char *rec, size_t rlen, char *why, size_t len);

/* sip_cli.c */
extern const struct sb_ctl_cmd sip_cli_cmds[];

#endif
