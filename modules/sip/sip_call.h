/* sip_call.h: SIP legs and their media endpoints, shared by sip_call.c and sip_route.c. */
#ifndef SB_SIP_CALL_H
#define SB_SIP_CALL_H

#include <stdbool.h>

#include <sofia-sip/nua.h>

#include "sip_sdp.h"
#include "symbridge.h"

/* One SIP dialog as a leg of the call core. */
struct sip_leg {
	struct sb_leg leg;
	struct sip_leg *next, *prev; /* the live legs */
	nua_handle_t *nh;
	bool cloud;                   /* on the cloud stack */
	bool incoming;                /* an a leg: we answer it */
	bool answered;                /* 2xx sent (a) or received (b) */
	bool early;                   /* a: 183 with SDP sent */
	bool released;                /* the core let go of it, or never took it */
	bool ended;                   /* nua says the dialog is over */
	/* its media: our RTP port on this dialog, reserved at its first SDP (the call's session,
	 * which the core makes, shares it), and the stream offer/answer agreed with the peer,
	 * which the leg describes to the core (media_ep) */
	struct sb_media_port *port;
	struct media_leg_conf lc;
	bool has_media;                 /* lc is agreed */
	struct media_sdp_media offer;   /* b legs: what we offered */
	struct media_sdp_media answer;  /* a legs: what we answer */
	struct media_sdp_media a_offer; /* a legs: what the peer offered (a codec match later) */
	char contact[256];            /* our Contact on this dialog, "" to let nua choose */
	/* re-INVITE / UPDATE (sip_dialog.c) */
	uint64_t sdp_ver;         /* o= version of the last SDP we sent on this dialog */
	long long remote_ver;     /* o= version of the peer's last SDP, -1: none yet */
	enum sip_dir dir_sent;    /* the direction our last SDP on this dialog said */
	enum sip_dir dir_want;    /* what it should say (the other side's hold state) */
	enum sip_dir dir_peer;    /* what the peer's last offer said (it holds us: sendonly) */
	enum sip_dir dir_offer;   /* the direction of our re-INVITE in flight */
	bool reinvite_pending;    /* our re-INVITE awaits its final answer */
	bool answer_in_ack;       /* we offered in a 200 to an INVITE without SDP */
	struct su_timer_s *retry; /* after 491 (RFC 3261 section 14.1) */
	int dtmf;                 /* enum card_link_dtmf: how digits go toward this leg */
	/* transfer (sip_refer.c): a REFER of this leg's peer is being carried out */
	bool xfer;
	char xfer_event[64]; /* the Event of its NOTIFYs ("refer", "refer;id=N") */
	char call_id[128];   /* of its dialog, for a Replaces that names it */
	bool reoffer;        /* its port changed (an attended transfer): offer it again */
	/* session refresh (sip_timer.c) */
	bool peer_update;           /* the peer's Allow lists UPDATE */
	bool refresher;             /* we refresh the session (RFC 4028) */
	bool refreshing;            /* our refresh re-INVITE is in flight */
	unsigned refresh_s;         /* the session interval */
	struct su_timer_s *refresh; /* our next refresh re-INVITE */
	char target[256];           /* the peer's Contact: where a BYE of our own goes */
	char route[512];            /* the dialog's route set, as Route header values */
	bool bye_sent;              /* sip_timer.c sent the BYE nua could no longer send */
};

struct sip_leg *sip_leg_new(bool cloud, bool incoming);
void sip_leg_free(struct sip_leg *sl);
/* sip_addr.c: the address our SDP gives peer (a URL or a host) for the engine's ports */
const char *sip_media_addr(bool cloud, const char *peer);

/* An INVITE for sl (an a leg, its fields set): the session, then the call core. 0, or -1 when it
 * was refused (answered with a failure; the leg is freed when nua ends the dialog). */
/* An incoming call that cannot take its license: 503 (cause 47), the license's reason in the
 * log and, as rec, in a call record. */
void sip_call_refuse_license(struct sip_leg *sl, nua_handle_t *nh, const sip_t *m,
			     const char *caller, const char *called, const char *rec,
			     const char *why);
int sip_call_incoming(struct sip_leg *sl, nua_handle_t *nh, const sip_t *m, const char *caller,
		      const char *called);
/* Place b leg sl (its fields set) for call: INVITE ruri with our offer on the call's session. */
int sip_call_place(struct sip_leg *sl, struct sb_call *call, nua_t *nua, const char *ruri,
		   const char *from, const char *to);
/* nua events of call dialogs (hm is one of our legs): true when it was one */
bool sip_call_event(nua_event_t ev, int status, const char *phrase, nua_handle_t *nh,
		    nua_hmagic_t *hm, const sip_t *m, tagi_t tags[]);
void sip_call_close(void);
/* the SDP we last sent on the leg's dialog (the a leg's answer, a b leg's offer) */
struct media_sdp_media *sip_leg_local_sdp(struct sip_leg *sl);
/* BYE on an answered leg and the end of its call with cause q850 */
void sip_leg_end(struct sip_leg *sl, int q850);
/* the codec the other side of the leg's answered call carries, else dflt */
enum media_codec sip_leg_peer_codec(struct sip_leg *sl, enum media_codec dflt);

/* sip_dialog.c: re-INVITE and UPDATE of established dialogs (hold, resume, codec change,
 * offerless re-INVITE, glare); true when the event was one of those */
bool sip_dialog_event(struct sip_leg *sl, nua_event_t ev, int status, const char *phrase,
		      nua_handle_t *nh, const sip_t *m, tagi_t tags[]);
void sip_dialog_free(struct sip_leg *sl);

/* sip_dtmf.c: digits by SIP INFO (application/dtmf-relay) and the link's dtmf setting */
/* shape our SDP and the media leg for the leg's dtmf mode (inband: no telephone-event; info:
 * the engine does not put the other side's digits into the stream) */
void sip_dtmf_sdp(const struct sip_leg *sl, struct media_sdp_media *sdp, struct media_leg_conf *lc);
/* a digit from the other side toward sl: true when it went as SIP INFO */
bool sip_dtmf_info_out(struct sip_leg *sl, char digit);
/* the log line of a digit from outside the session (ISDN keypad, INFO) sent toward sl */
void sip_dtmf_log_out(const struct sip_leg *sl, const struct media_leg_conf *lc, char digit);
/* nua_i_info on a leg; true when handled */
bool sip_dtmf_event(struct sip_leg *sl, nua_event_t ev, nua_handle_t *nh, const sip_t *m);
/* pure: the digit of an INFO body (application/dtmf-relay "Signal=5", application/dtmf "5") */
int sip_dtmf_parse(const char *ctype, const char *body, size_t len, char *digit);

/* attended transfer: the live leg whose dialog has this Call-ID, NULL: none */
struct sip_leg *sip_leg_by_call_id(const char *call_id);
/* b takes t's RTP port (t's dialog is about to end; the session of t's call goes on with it)
 * and is offered it by re-INVITE; the core then joins b to t's call (sb_call_join) */
int sip_call_move_media(struct sip_leg *b, struct sip_leg *t);
/* sip_timer.c: session refresh (RFC 4028): what the peer's INVITE (a legs) or 2xx (b legs,
 * and arms the refresh) says; the outcome of a refresh (false: the call was ended) */
void sip_timer_request(struct sip_leg *sl, const sip_t *m);
void sip_timer_answered(struct sip_leg *sl, const sip_t *m);
void sip_timer_arm(struct sip_leg *sl);
bool sip_timer_refreshed(struct sip_leg *sl, const char *how, int status, const char *phrase,
			 const sip_t *m);
/* true (and the event taken) for the answer to a BYE sip_timer.c sent on a handle of its own */
bool sip_timer_bye_event(nua_event_t ev, int status, nua_handle_t *nh, nua_hmagic_t *hm);
void sip_timer_free(struct sip_leg *sl);

/* sip_dialog.c: offer the leg our SDP again (its port changed) */
void sip_dialog_reoffer(struct sip_leg *sl);

/* sip_refer.c: REFER in a call (transfer) and the NOTIFYs that report it; true when handled */
bool sip_refer_event(struct sip_leg *sl, nua_event_t ev, int status, nua_handle_t *nh,
		     const sip_t *m, tagi_t tags[]);

#endif
