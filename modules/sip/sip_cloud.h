/* sip_cloud.h: what the two halves of the cloud link share: the link (sip_cloud.c: connection,
 * rounds, keepalive, backoff) and its identities (sip_cloud_ids.c: who is registered). */
#ifndef SB_SIP_CLOUD_H
#define SB_SIP_CLOUD_H

#include <arpa/inet.h>

#include <sofia-sip/su_strlst.h>

#include "sip_priv.h"

/* CLOUD_STANDBY: the node is its cluster's standby: nothing registered, no request goes */
enum cloud_state { CLOUD_OFF, CLOUD_REGISTERING, CLOUD_REGISTERED, CLOUD_BACKOFF, CLOUD_STANDBY };

/* one identity registered at the cloud: a channel number, or the appliance's name (trunk) */
struct cloud_reg {
	char user[65];
	nua_handle_t *nh;
	bool pending, registered;
	bool leaving;        /* removed by a reload: its unregister is due or under way */
	unsigned granted;    /* seconds */
	uint64_t expires_at; /* sip_now_ms() */
	uv_timer_t refresh;
	struct cloud_reg *next_leaving;
};

struct cloud_link {
	const struct sb_cloud_conf *cc; /* the configuration in effect (identities, show) */
	struct sb_strlist registrar;    /* as the link started: in cl.home */
	char *token;                    /* bearer token as the link started (never logged) */
	enum cloud_state state;
	struct cloud_reg **regs; /* the identities of the configuration in effect */
	size_t nregs;
	struct cloud_reg *leaving; /* removed ones, until the registrar confirms */
	size_t host;               /* index into cc->registrar now in use */
	char reg_uri[2][160];      /* registrar request URI, and its host for AoRs */
	unsigned failures;         /* in a row, for the backoff */
	char last_error[512];
	char tls_cipher[64], tls_version[16];
	char tls_note[300]; /* why the last TLS handshake failed, until one succeeds */
	uint64_t retry_at, registered_since;
	unsigned long long registrations, connection_losses;
	/* keepalive OPTIONS, probe of the first registrar, OPTIONS that opens the connection */
	nua_handle_t *ka_nh, *probe_nh, *conn_nh;
	bool ka_pending, probe_pending, conn_pending;
	unsigned probe_failures;
	uint64_t probe_at; /* sip_now_ms() of the next probe of the first registrar */
	uv_timer_t retry, keepalive, refused; /* refused: a round's TLS handshake failed */
	bool timers;
	/* our Contact: the local address and port of the connection to the registrar */
	char contact_host[INET6_ADDRSTRLEN + 2];
	int contact_port; /* 0: not known (written without a port) */
	su_home_t *home;
	su_strlst_t *subjects;
};
extern struct cloud_link cl;

/* sip_cloud.c */
void sip_cloud_contact(char *out, size_t len, const char *user);
bool sip_cloud_connected(void); /* a round's connection is up: requests may go */
void sip_cloud_failed(const char *what);
void sip_cloud_round_check(void); /* every identity registered: the round is done */
void sip_cloud_begin(void);       /* a round now, from the first registrar (activate) */
void sip_cloud_halt(void);        /* no request goes: the state is CLOUD_STANDBY */

/* sip_cloud_role.c: the link follows the node's cluster role */
bool sip_cloud_role_event(nua_event_t ev, int status, nua_handle_t *nh, nua_hmagic_t *hm);

/* sip_cloud_ids.c */
int sip_cloud_ids_open(const struct sb_conf *conf);
void sip_cloud_ids_sync(const struct sb_conf *conf);
void sip_cloud_ids_register(void); /* REGISTER every identity, unregister the removed ones */
void sip_cloud_ids_drop(void);     /* forget every request in flight (the link failed) */
/* the seconds a 2xx to a REGISTER grants (1..asked) */
unsigned sip_cloud_granted(const sip_t *m, const char *user, unsigned asked);
bool sip_cloud_ids_event(nua_event_t ev, int status, const char *phrase, nua_hmagic_t *hm,
			 const sip_t *m);
void sip_cloud_ids_unregister(void); /* at shutdown */
void sip_cloud_ids_close(void);
void sip_cloud_ids_counts(struct sb_reply *r);  /* for show cloud: how many */
void sip_cloud_ids_details(struct sb_reply *r); /* and each one */

#endif
