/* lic_net.h: inside the license module: the master protocol in the daemon: the master's (and a
 * standby's) listener, a slave's connection to its masters, their shared helpers. */
#ifndef LIC_NET_H
#define LIC_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <time.h>

#include "lic_proto.h"
#include "lic_tls.h"

struct sb_reply;
struct lic_conf;

#define LIC_PING_EVERY_MS  2000  /* a slave's ping; the master's last contact */
#define LIC_DEAD_AFTER_MS  10000 /* no line for this long: the connection is dead */
#define LIC_BACKOFF_MIN_MS 250   /* a slave's reconnect delay, doubling up to the max */
#define LIC_BACKOFF_MAX_MS 8000

/* The protocol's settings as the daemon started with them (license.* changes to them take
 * effect at the next restart; a reload may free the config they came from). */
struct lic_net_conf {
	int mode; /* enum lic_mode */
	bool standby;
	char masters[4][64];
	size_t nmasters;
	char listen[65];
	int grace_hours, takeover_seconds, prefetch;
};
extern struct lic_net_conf lic_net;

/* lic_link.c */
/* lic_net from the config, before anything starts */
void lic_net_conf_take(const struct lic_conf *lc);
/* "ADDRESS:PORT" or "[V6]:PORT", numeric; 0 or -EINVAL */
int lic_addr_parse(const char *s, struct sockaddr_storage *ss);
/* format m and send it on c; 0 or -errno */
int lic_send(struct lic_tls *c, const struct lic_msg *m);
/* a grant/error answer */
int lic_send_answer(struct lic_tls *c, enum lic_msg_type t, uint64_t seq, bool ok,
		    const char *reason, const char *detail);
/* the TLS context for one side from license.tls_*; NULL with the reason logged */
SSL_CTX *lic_net_ctx(bool server);
/* Is this node a standby allowed to serve: its Standby licenses cover its Ports (rule 3)?
 * why says why not */
bool lic_standby_covers(char *why, size_t wlen);

/* lic_grants.c: the master's record of its slaves' grants in the store */
void lic_grants_record(const char *slave, const struct lic_msg_item *it, bool on);
void lic_grants_rewrite(const char *slave); /* the store follows the engine for one slave */
void lic_grants_load(void);                 /* the stored grants into the engine */

/* lic_held.c: the grants a central slave holds, cached in the store. A grant is drawn for one
 * owner of the slave (the trunk, card or user the guide counts), or is a spare drawn ahead of
 * use (Ports only: owner trunk, id "spare/N") that the next owner takes over. */
#define LIC_HELD_MAX  LIC_PROTO_ITEMS_MAX
#define LIC_SPARE_PFX "spare/"
struct lic_grant {
	enum lic_kind kind;
	enum lic_owner_type owner;
	char id[LIC_PROTO_ID_MAX + 1];
};
struct lic_held {
	struct lic_grant g[LIC_HELD_MAX];
	size_t n;
	unsigned next_id; /* the N of the next spare asked for */
};
extern struct lic_held lic_held;
int lic_held_load(void);
void lic_held_add(const struct lic_grant *g);
void lic_held_del(const struct lic_grant *g);
int lic_held_find(const struct lic_grant *g); /* its index, or -1 */
bool lic_held_spare(const struct lic_grant *g);
unsigned lic_held_count(enum lic_kind k);
/* the mirror node (lic_st.mirror) named master, holding the grants, or none when !usable */
void lic_held_mirror(const char *master, bool usable);
/* "PBX-Port: user door, trunk spare/2; L-SYM-BRIDGE: card 1" for show license-nodes */
void lic_grants_for(char *buf, size_t len, const struct lic_msg_item *v, size_t n);

/* lic_draw.c: what a central slave draws from its master: a grant per owner of what its
 * engine took from the mirror, spares ahead of use, the cards' bridge licenses */
void lic_draw_start(void);
void lic_draw_stop(void);
void lic_draw_answer(const struct lic_msg *m); /* a grant message */
void lic_draw_lost(void);                      /* the connection ended: answers are lost */

/* lic_nodes.c: what a master knows of a slave, connected or not (show license-nodes) */
#define LIC_KNOWN_MAX 64
struct lic_known {
	char name[65];
	char cert[128]; /* its certificate's CN */
	int mode;
	unsigned sw;
	time_t last;
	bool connected;
	struct lic_msg_item *report; /* a decentral slave's counts */
	size_t nreport;
};
struct lic_known_tab {
	struct lic_known v[LIC_KNOWN_MAX];
	size_t n;
};
extern struct lic_known_tab lic_known;
struct lic_known *lic_known_get(const char *name); /* found or added; NULL when full */
void lic_known_clear(void);
void lic_known_show(struct sb_reply *r); /* the table of show license-nodes on a master */

/* lic_serve.c: the master and the standby master */
int lic_serve_start(void);
void lic_serve_stop(void);
void lic_serve_rebuilt(void); /* the engine node was rebuilt: the slaves' grants go back in */
bool lic_serve_serving(void); /* a master, or a standby that took over */
void lic_serve_master_seen(bool up); /* a standby's view of its master (lic_slave.c) */
void lic_serve_cluster_role(bool active); /* cluster activate|standby (the module's hook) */
void lic_serve_show(struct sb_reply *r);

/* lic_slave.c: central and decentral slaves, and a standby watching its master */
int lic_slave_start(bool watch_only);
void lic_slave_stop(void);
void lic_slave_rebuilt(void);
const char *lic_slave_master(void); /* the master serving it now, NULL when none */
bool lic_slave_welcomed(void);      /* a master serves it now */
int lic_slave_send(const struct lic_msg *m);
void lic_slave_mirror_sync(void); /* the grants changed: the mirror follows */
void lic_slave_show(struct sb_reply *r);

#endif
