/* call.h: the call core: legs, calls between them, routing of a dialled number (main loop only). */
#ifndef SB_CALL_H
#define SB_CALL_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A leg is one side of a call on one card channel (a B-channel, a SIP dialog). It is
 * owned and allocated by the module that drives the channel (its "owner"), which embeds a
 * struct sb_leg in its own state and fills owner, ops, priv, slot, channel and party.
 *
 * A call joins one incoming leg (a) with the legs it rings (b[]): one for a target, up to
 * SB_CALL_FORK_MAX for a ring group. The first b leg to answer wins; the others are cancelled
 * with cause 26 (non-selected user clearing).
 *
 * The owner reports what its side does with sb_leg_alerting/answered/dtmf/hungup; the core
 * tells the other legs through their ops. Once the core has called a leg's ops->hangup, or the
 * owner has called sb_leg_hungup, the core never touches that leg again: the owner may free it.
 * A call is freed once its last leg is gone. Calls hold no pointer into the configuration, so
 * they survive a reload.
 */

#define SB_NUMBER_MAX    32
#define SB_CALL_FORK_MAX 32

enum sb_leg_state {
	SB_LEG_SETUP,      /* offered / being placed */
	SB_LEG_PROCEEDING, /* the far end took it (CALL PROCEEDING, SETUP ACK) */
	SB_LEG_ALERTING,   /* ringing */
	SB_LEG_UP,         /* answered */
	SB_LEG_RELEASED,   /* gone: the core holds no reference */
};

/* Type of number and presentation, with Q.931's values, so ISDN passes them through as they
 * came and SIP maps them at its edge. */
enum sb_ton {
	SB_TON_UNKNOWN = 0,
	SB_TON_INTERNATIONAL = 1,
	SB_TON_NATIONAL = 2,
	SB_TON_NETWORK = 3,
	SB_TON_SUBSCRIBER = 4,
	SB_TON_ABBREVIATED = 6
};
enum sb_pres { SB_PRES_ALLOWED = 0, SB_PRES_RESTRICTED = 1, SB_PRES_UNAVAILABLE = 2 };

struct sb_party {
	char number[SB_NUMBER_MAX + 1];
	uint8_t ton;  /* enum sb_ton */
	uint8_t pres; /* enum sb_pres */
};

struct sb_leg;
struct sb_call;

/* The media of one leg as its media session measures it (sb_leg_ops.media_info): for show calls
 * and, through call events, for the call's VoIP report. Counts are what this leg's peer sent us
 * (rx, lost: RFC 3550 A.3 with A.1's probation and dropout rules) and what we sent it (tx). */
struct sb_leg_media {
	char codec[17];
	bool srtp;
	bool transcoding;
	uint64_t rx_packets, tx_packets;
	uint64_t lost;                       /* expected - received, never below 0 */
	uint32_t jitter_us, jitter_max_us;   /* RFC 3550 A.8: mean over the call, and the worst */
	uint32_t rtt_us;                     /* from RTCP LSR/DLSR; 0: not known */
	uint16_t mos_x100;                   /* E-model estimate (ITU-T G.107) x 100; 0: no audio */
};

/* A leg's media endpoint as its owner describes it (sb_leg_ops.media_ep): the call's one media
 * session is made from the descriptions of its two connected legs (src/call_media.c). */
enum sb_media_kind {
	SB_MEDIA_NONE,
	SB_MEDIA_TDM, /* an ISDN B-channel: a descriptor carrying 8 kHz G.711 frames */
	SB_MEDIA_RTP, /* RTP (or SRTP) with a peer, as the owner's offer/answer agreed it */
};

/* A local RTP port pair reserved by the media module before any session exists (so an SDP can
 * name it); opaque to the core. It returns to the port table once its owner released it and
 * no session uses it any more. */
struct sb_media_port;

#define SB_MEDIA_KEY_LEN 30 /* an SDES master key and salt (RFC 4568, AES_CM_128) */

struct sb_media_ep {
	enum sb_media_kind kind;
	char codec[17]; /* by SDP name: "PCMA" (E1, BRI) or "PCMU" (T1); RTP: also G722, opus */
	int fd;         /* TDM: the descriptor (-1: not connected yet); the session takes a copy */
	/* TDM: a failed read that is an event of the device (DAHDI's ELAST) is taken by this,
	 * which returns true; NULL: none. It runs on a media worker thread: it may touch nothing
	 * the main loop owns. */
	bool (*fd_event)(int fd, int err);
	/* RTP: the local port (its owner's reservation; the session takes a reference), where the
	 * peer is, and what offer/answer agreed on */
	struct sb_media_port *port;
	char remote_addr[64]; /* IPv4 or IPv6 text; "": not known yet (latching learns it) */
	uint16_t remote_port;
	unsigned clock;       /* the codec's a=rtpmap clock rate */
	uint8_t pt;           /* the codec's payload type */
	int dtmf_pt;          /* telephone-event payload type, -1: none (digits in band) */
	unsigned ptime;       /* ms per packet we send; 0: 20 */
	bool latch;           /* symmetric RTP: follow the address the peer's packets come from */
	bool dtmf_by_signalling; /* the other side's digits go out by signalling (SIP INFO) */
	char srtp_suite[40];  /* "": plain RTP; else the suite both keys are for */
	uint8_t key_tx[SB_MEDIA_KEY_LEN]; /* ours: what we protect with (our a=crypto) */
	uint8_t key_rx[SB_MEDIA_KEY_LEN]; /* the peer's: what its packets are checked with */
};

/* What the core asks of a leg's owner; every hook is optional but hangup. */
struct sb_leg_ops {
	void (*alert)(struct sb_leg *leg);  /* the called side rings (send ALERTING, 180) */
	void (*answer)(struct sb_leg *leg); /* the called side answered (send CONNECT, 200) */
	/* end the leg with this Q.850 cause; the core has already let go of it */
	void (*hangup)(struct sb_leg *leg, int q850);
	void (*dtmf)(struct sb_leg *leg, char digit); /* a digit from the other side */
	/* the leg's media now (show calls), for an owner that carries it itself (none does now:
	 * the call's session measures every leg it joins); -ENOENT when it has none */
	int (*media_info)(const struct sb_leg *leg, struct sb_leg_media *mi);
	/* describe the leg's media endpoint (0), or -ENOTSUP (none), -EAGAIN (not agreed yet: its
	 * owner calls sb_leg_media_changed once it is). A TDM leg's owner stops reading its
	 * descriptor from then on: the media session does, on a worker. An RTP leg's port stays
	 * its owner's reservation; the session shares it. */
	int (*media_ep)(struct sb_leg *leg, struct sb_media_ep *ep);
};

/* What the far end of a leg is, set by the module that creates it: call records and routing
 * read it, nobody guesses it from names. */
enum sb_leg_kind {
	SB_LEG_KIND_NONE,
	SB_LEG_KIND_STATION, /* a registered SIP station */
	SB_LEG_KIND_LINK,    /* an intercom server over a link card */
	SB_LEG_KIND_TRUNK,   /* an ISDN B-channel of a pri or bri card */
	SB_LEG_KIND_CLOUD,   /* the cloud, through a sym-bridge channel */
};
const char *sb_leg_kind_name(enum sb_leg_kind k);

struct sb_leg {
	const char *owner; /* module name: "isdn", "sip", ... */
	enum sb_leg_kind kind;
	const struct sb_leg_ops *ops;
	void *priv;            /* the owner's */
	int slot;              /* card slot, 0: none */
	unsigned channel;      /* 1-based channel of the card, 0: none */
	char card[65];         /* card name, for show calls and call records */
	char codec[17];        /* the codec on this side, for call records ("PCMA"); "": unknown */
	struct sb_party party; /* a: the caller; b: the number dialled on that side */
	enum sb_leg_state state;
	struct sb_call *call; /* the core's: set while the leg belongs to a call */
	int q850;             /* the cause it ended with, 0 while up */
	unsigned flags;       /* SB_LEG_*: set by the owner before sb_call_incoming */
};

#define SB_LEG_FROM_CLOUD 0x01 /* an a leg that arrived over the cloud link (routing: fallback) */

/* ---- for owners of legs -------------------------------------------------------------------- */

/* How far a dialled number matches the routing, for overlap receiving. */
enum sb_route_match { SB_ROUTE_NONE, SB_ROUTE_PREFIX, SB_ROUTE_EXACT };
enum sb_route_match sb_route_lookup(const char *number);

/* A new call from leg a (its party is the caller) to the number called. On success a belongs to
 * the call and the legs it routes to are being rung. On failure a is untouched and *q850 says
 * why (1 unallocated number, 3 no route, 34 no circuit, 38 network out of order, ...). */
int sb_call_incoming(struct sb_leg *a, const struct sb_party *called, int *q850);

/* A call refused before it could ring anything, for a reason worth a call record (a license the
 * caller's side lacks): the record is written and closed at once with reason (a word, at most
 * 31 characters, e.g. "license-not-installed"). a is only read. */
void sb_call_refused(const struct sb_leg *a, const struct sb_party *called, int q850,
		     const char *reason);

void sb_leg_proceeding(struct sb_leg *leg);
void sb_leg_alerting(struct sb_leg *leg);
void sb_leg_answered(struct sb_leg *leg);
void sb_leg_dtmf(struct sb_leg *leg, char digit);
/* A digit from leg that its owner relayed to the other side itself (a media session carrying
 * both sides): observers are told (SB_CALL_EV_DIGIT) as for sb_leg_dtmf; nothing is forwarded. */
void sb_leg_dtmf_relayed(struct sb_leg *leg, char digit);
/* The leg's own side ended it; the core lets go of it at once. */
void sb_leg_hungup(struct sb_leg *leg, int q850);
/* The connected other side of an answered call (for media), NULL otherwise. */
struct sb_leg *sb_leg_peer(const struct sb_leg *leg);
/* The leg's media endpoint changed (its B-channel connected again, a re-INVITE, an answer): the
 * call's media session takes the new description (or is made now, if it could not be before). */
void sb_leg_media_changed(struct sb_leg *leg);
/* A called leg has media before it answers (SIP 183 with SDP): until a leg answers, the call's
 * session joins the a leg and this one, so the caller hears it. */
void sb_leg_early_media(struct sb_leg *leg);
/* A digit toward leg from outside the session (an ISDN keypad, SIP INFO): the call's session
 * sends it toward that leg (RFC 4733 or tones). 0, or -ENOENT when the leg has no session. */
int sb_leg_media_dtmf(struct sb_leg *leg, char digit);
/* The leg's media now (codec, SRTP, packets): from the call's media session, else from its
 * owner (media_info); -ENOENT when neither can say. */
int sb_leg_media_info(const struct sb_leg *leg, struct sb_leg_media *mi);

/* ---- for card types (originate hook) --------------------------------------------------------- */

/* The call a b leg is placed for: what to show the called side as the caller. */
const struct sb_party *sb_call_caller(const struct sb_call *c);
const struct sb_party *sb_call_called(const struct sb_call *c);
uint64_t sb_call_id(const struct sb_call *c);
/* An originate hook refused its leg for a reason worth a call record (a license): when nothing
 * else could be rung the call still gets a record, with this reason (as in sb_call_refused). */
void sb_call_refusal(struct sb_call *c, const char *reason);

/* ---- for the CLI and other modules ---------------------------------------------------------- */

/* End a call: every leg is hung up with q850; reason goes into the call record. */
void sb_call_hangup(struct sb_call *c, int q850, const char *reason);
struct sb_call *sb_call_find(uint64_t id);
/* Every call, oldest first; cb returns 0 to go on. */
int sb_call_foreach(int (*cb)(void *arg, struct sb_call *c), void *arg);
unsigned sb_call_count(void);

/* The legs of a call: i = 0 is a, then the b legs still ringing or up. NULL past the end. */
struct sb_leg *sb_call_leg(const struct sb_call *c, unsigned i);
int64_t sb_call_start_us(const struct sb_call *c);
int64_t sb_call_answer_us(const struct sb_call *c); /* 0: not answered */

const char *sb_leg_state_name(enum sb_leg_state s);

/* Transfer (REFER): place new legs for call c toward number, routed as a call to that number
 * (from the cloud when either party of from is). When one answers it takes from's place and from
 * is hung up (cause 16) after cb(arg, 0); when all fail, cb(arg, cause) and the call goes on.
 * cb is forgotten when from hangs up first (the transfer then goes on without it). Returns 0,
 * -EINVAL (from is not an answered leg of c), -EBUSY (a transfer is on), -ENOENT (no channel has
 * the number: *q850 is set) or -EHOSTUNREACH (nothing could be rung: *q850 is set). */
typedef void sb_call_transfer_cb(void *arg, int q850);
int sb_call_transfer(struct sb_call *c, struct sb_leg *from, const char *number,
		     sb_call_transfer_cb *cb, void *arg, int *q850);
/* Attended transfer: t1 (of c1) and t2 (of c2) are one transferor's legs of two answered calls;
 * the other leg of c2 takes t1's place in c1, t1 is hung up and c2 ends (cause 16; both records
 * say "transferred"). The media of the moved leg is its owner's to move first. 0, -EINVAL or
 * -EBUSY (a transfer is on in either call). */
int sb_call_join(struct sb_call *c1, struct sb_leg *t1, struct sb_call *c2, struct sb_leg *t2);
/* The leg a transfer of c replaces (legs placed now take its side), NULL: none. */
struct sb_leg *sb_call_transferor(const struct sb_call *c);

/* ---- call events: what modules observe (call records, metrics, ...) ----------------------- */

/* The core tells every registered observer what happens to calls, on the main loop, while the
 * call and the leg named are still valid (they are not after the callback returns). A module
 * registers its observer in its init and removes it in its close. */
enum sb_call_ev_type {
	SB_CALL_EV_BEGIN,    /* routing placed the first called legs: the call exists */
	SB_CALL_EV_RING,     /* leg (called side) rings */
	SB_CALL_EV_ANSWER,   /* leg answered and won: the call is up */
	SB_CALL_EV_LEG,      /* leg joined side `side`, or left the call (leg->state is RELEASED) */
	SB_CALL_EV_TRANSFER, /* leg took the place of the other leg of side `side` */
	SB_CALL_EV_DIGIT,    /* leg sent a DTMF digit */
	SB_CALL_EV_END,      /* the outcome is known (reason, q850); legs are still attached */
};

struct sb_call_event {
	enum sb_call_ev_type type;
	struct sb_call *call;
	struct sb_leg *leg; /* the leg it is about; NULL: none */
	unsigned side;      /* 0: the calling side (a), 1: the called side */
	int q850;           /* END, LEG left: the cause */
	const char *reason; /* END: "normal", "busy", "no-answer", "transferred", ... */
	char digit;         /* DIGIT */
};

struct sb_call_observer {
	const char *name;
	void (*event_cb)(const struct sb_call_event *ev, void *arg);
	void *arg;
};
#define SB_CALL_OBSERVERS_MAX 8
/* 0, -EEXIST (already registered) or -ENOSPC */
int sb_call_observer_register(const struct sb_call_observer *o);
void sb_call_observer_unregister(const struct sb_call_observer *o);

/* What observers read about a call besides its legs (and sb_call_called above). */
/* The leg on side 1 now: the one that answered, else the last one rung; NULL: none. */
struct sb_leg *sb_call_b(const struct sb_call *c);

/* ---- media operations (src/call_media.c) --------------------------------------------------- */

/* The media module registers these in its init (and removes them in its close), as target types
 * are registered: the call core then makes one session for each answered call whose two legs
 * describe their endpoints (media_ep), joining side 0 (the a leg) and side 1 (the leg that
 * answered); the engine picks pass-through or transcoding. The core never names the module. */
struct sb_media_ops {
	const char *name;
	int (*open)(void **msp, const struct sb_media_ep ep[2], uint64_t call_id);
	/* the endpoint on one side changed, or another leg took that side (a transfer); -ENOTSUP
	 * when the session cannot take it (another RTP port): the core makes a new session */
	int (*update)(void *ms, unsigned side, const struct sb_media_ep *ep);
	int (*info)(void *ms, unsigned side, struct sb_leg_media *mi);
	/* send a digit toward side (RFC 4733 where it takes events, else tones) */
	int (*dtmf)(void *ms, unsigned side, char digit);
	void (*close)(void *ms);
};
int sb_media_register(const struct sb_media_ops *ops); /* -EEXIST: one is registered */
void sb_media_unregister(const struct sb_media_ops *ops);
/* For the media module: the session of call call_id heard digit on side and relayed it inside
 * the session already (how: the way it went toward the other side, for the log). Observers are
 * told; an other side that takes digits by signalling (dtmf_by_signalling) gets it from its
 * owner's dtmf hook. */
void sb_call_media_digit(uint64_t call_id, unsigned side, char digit, const char *how);

/* ---- Q.850 cause <-> SIP status (src/cause.c), RFC 3398 7.2.4.1 and 8.2.6.1 ----------------- */

int sb_q850_to_sip(int cause); /* 0 for 16: normal clearing ends a call with BYE/CANCEL */
int sb_sip_to_q850(int status);

/* ---- targets other than cards (src/route.c) ------------------------------------------------ */

/* A module that rings targets written "PREFIX:REST" (cloud:ID, station:USER) registers one of
 * these. ch is the sym-bridge channel whose number was dialled (its identity is the caller the
 * far side sees); available says whether such targets can be rung now (the cloud link is up):
 * when not, the channel's fallback rings instead. originate places up to max legs (a station
 * with several registered contacts rings them all) and returns how many, or the card types'
 * originate errors. */
struct sb_channel;
struct sb_target_type {
	const char *prefix; /* "cloud" */
	bool (*available)(void);
	int (*originate)(const char *rest, const struct sb_channel *ch, struct sb_call *call,
			 struct sb_leg **legs, size_t max);
};
int sb_target_register(const struct sb_target_type *t);
void sb_target_unregister(const struct sb_target_type *t);

/* The routing decision for a channel (src/route_pick.c, pure): what rings for a call to a
 * channel assigned to target or ring_group with fallback (NULL: none). Returns the target to
 * ring, or NULL with *group set to the ring group to ring; NULL and *group NULL: nothing. */
const char *sb_route_pick(const char *target, const char *ring_group, const char *fallback,
			  bool cloud_up, bool from_cloud, const char **group);
bool sb_target_is_cloud(const char *target);

#endif
