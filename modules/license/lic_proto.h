/* lic_proto.h: the messages of the license master protocol (master, slaves, standby): one JSON
 * object per line, as on the control socket, each with the protocol version; only the codec. */
#ifndef LIC_PROTO_H
#define LIC_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lic_rules.h"

#define LIC_PROTO_VERSION   1     /* "v" of every message; a newer major is refused */
#define LIC_PROTO_LINE_MAX  65536 /* a longer line is refused before it is parsed */
#define LIC_PROTO_ITEMS_MAX 1024  /* grants in a hello, kinds in a report */
#define LIC_PROTO_ID_MAX    128   /* owner ids, as the engine and the CLI allow them */

enum lic_msg_type {
	LIC_MSG_HELLO,   /* slave -> master: who it is, its role, the grants it holds (reconcile) */
	LIC_MSG_WELCOME, /* master -> slave: who serves it (a standby that took over says so) */
	LIC_MSG_TAKE,    /* slave -> master: take one license of a kind for an owner */
	LIC_MSG_GIVE,    /* slave -> master: give it back */
	LIC_MSG_GRANT,   /* master -> slave: the answer to take/give of the same seq */
	LIC_MSG_REPORT,  /* decentral slave -> master: its own counts, for show license-nodes */
	LIC_MSG_PING,    /* either way: liveness (the master's last contact) */
	LIC_MSG_PONG,
	LIC_MSG_ERROR, /* either way, then the connection ends: reason word and sentence */
	LIC_MSG_MAX
};
extern const char *const lic_msg_type_names[]; /* "hello", "welcome", ... */

/* One element of a hello (a grant the slave holds: kind, owner, id) or of a report (a kind the
 * decentral slave counts: kind, installed, in_use). */
struct lic_msg_item {
	enum lic_kind kind;
	enum lic_owner_type owner;
	char id[LIC_PROTO_ID_MAX + 1];
	unsigned installed, in_use;
};

struct lic_msg {
	enum lic_msg_type type;
	unsigned version;
	uint64_t seq;       /* take/give/grant/ping/pong: pairs a request with its answer */
	char node[65];      /* hello, welcome: the sender's system name */
	enum lic_mode mode; /* hello: central or decentral */
	unsigned sw;        /* hello: the slave's software version, LIC_SW() */
	bool standby;       /* welcome: a standby master serves, the master is gone */
	enum lic_kind kind; /* take, give */
	enum lic_owner_type owner;
	char id[LIC_PROTO_ID_MAX + 1];
	/* take: optional "from": the grant of the same kind this slave holds for another owner
	 * (or a spare one) that the new owner takes over: the master gives that one back and
	 * takes this one in one step, so the count does not move */
	bool from;
	enum lic_owner_type from_owner;
	char from_id[LIC_PROTO_ID_MAX + 1];
	bool ok;                    /* grant */
	char reason[32];            /* grant, error: a fixed word (an LIC_R_* or a protocol word) */
	char detail[200];           /* grant, error: for people */
	struct lic_msg_item *items; /* hello: grants held; report: counts */
	size_t nitems;
};

/* Parse one line (without its newline). Strict: the version, the type and every field the type
 * needs, with its type and bounds; unknown fields are ignored (optional additions within a
 * version). 0, or -EPROTONOSUPPORT (a newer version) / -EBADMSG with the reason in why. On
 * success m owns its items: lic_msg_clear() frees them. */
int lic_msg_parse(const char *line, size_t len, struct lic_msg *m, char *why, size_t wlen);
/* The line for m, newline included, malloc'd. 0 or -errno (-EINVAL: m is not a valid message). */
int lic_msg_format(const struct lic_msg *m, char **linep, size_t *lenp);
void lic_msg_clear(struct lic_msg *m);

#endif
