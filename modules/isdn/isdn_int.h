/* isdn_int.h: what the isdn module's files share among themselves (not part of its API). */
#ifndef SB_ISDN_INT_H
#define SB_ISDN_INT_H

#include <libpri.h>
#include <sys/socket.h>
#include <uv.h>

#include "isdn.h"

#define ISDN_MAX_B 31

enum isdn_bc_state { ISDN_BC_IDLE, ISDN_BC_BUSY };

struct isdn_span;
struct isdn_call;

/* B-channel audio: a DAHDI channel, or a socket (tests, simulation): "<D-channel path>.b<N>".
 * Read and written only by the media session of the call on it (isdn_audio.c). */
struct isdn_audio {
	int lfd, fd;             /* listening socket, and the connected one (-1: none) */
	uv_poll_t *lpoll, *poll; /* heap handles (accept; hang-up of fd): freed when closed */
	bool dahdi;              /* fd is a DAHDI channel, not a socket */
};

struct isdn_bchan {
	struct isdn_span *span;
	unsigned index; /* 1-based B-channel of the card */
	int ts;         /* timeslot libpri knows it by */
	enum isdn_bc_state state;
	bool blocked; /* by the admin: no new calls */
	struct isdn_call *call;
	struct isdn_audio audio;
};

struct isdn_call {
	struct sb_leg leg;
	struct isdn_span *span;
	struct isdn_call *next;
	q931_call *q;
	struct isdn_bchan *bc;
	bool outgoing;
	bool routed;     /* the leg belongs to a core call */
	uint64_t call_id; /* the core call it was part of, for log lines after it let go; 0: none */
	bool hung;       /* we sent pri_hangup */
	bool licensed;   /* holds a Relay-Channels license */
	bool glare_lost; /* our SETUP lost its channel to the far end's: retry on another */
	char collected[SB_NUMBER_MAX + 1]; /* overlap receiving: the called number so far */
	uv_timer_t *digit_timer;
};

struct isdn_span {
	struct isdn_span *next;
	int slot;
	char name[65];
	struct isdn_span_conf conf;
	char dchannel[128];
	char path[110]; /* socket: the D-channel socket path */
	struct pri *pri;
	int lfd, fd;             /* socket: listening, connected (-1: none) */
	uv_poll_t *lpoll, *poll; /* heap handles: freed by their close callbacks */
	uv_timer_t *sched;
	bool hup;        /* the connection failed inside a libpri call: drop it after */
	bool l2_up;      /* libpri's view of layer 2 */
	char alarm[200]; /* why the D-channel is down, "" when it is not */
	struct isdn_bchan bc[ISDN_MAX_B];
	unsigned nbc;
	struct isdn_call *calls;
	bool ulaw; /* T1: mu-law on the B-channels; else A-law */
	unsigned long long calls_in, calls_out, dchan_drops;
	bool closing;
	bool port_taken; /* holds the trunk's Port license */
	bool svc_in;           /* SERVICE: the last change sent was "in service" */
	unsigned svc_pending;  /* SERVICE: acknowledgements still to come */
	unsigned svc_sent;     /* SERVICE: messages of the last change */
};

/* isdn_span.c */
extern struct isdn_span *isdn_spans;
struct isdn_span *isdn_span_find(int slot);
bool isdn_span_up(const struct isdn_span *s);
void isdn_span_service(struct isdn_span *s, bool in); /* SERVICE for every B-channel */
void isdn_span_sched(struct isdn_span *s);
void isdn_spans_close_all(void);
void isdn_handle_close(uv_handle_t *h); /* uv_close, then free the handle */
struct isdn_bchan *isdn_bchan_by_ts(struct isdn_span *s, int ts);

/* isdn_call.c */
void isdn_call_event(struct isdn_span *s, pri_event *e);
void isdn_calls_drop(struct isdn_span *s, int q850); /* the D-channel went away */
void isdn_call_set_conf(struct isdn_span *s);

/* isdn_audio.c */
int isdn_audio_open(struct isdn_span *s, struct isdn_bchan *bc);
void isdn_audio_close(struct isdn_bchan *bc);
/* a B-channel's audio on an open DAHDI channel fd (taken only on success) */
int isdn_audio_adopt(struct isdn_bchan *bc, int fd);
/* the B-channel as a media endpoint (the leg's media_ep) */
int isdn_audio_ep(struct isdn_bchan *bc, struct sb_media_ep *ep);

/* isdn_dahdi.c: spans on DAHDI */
int isdn_dahdi_chan(int base, int ts); /* the DAHDI channel of a timeslot */
int isdn_dahdi_dchan_ts(const struct isdn_span *s);
/* open the span's D-channel (*dfdp) and its B-channels; -errno with s->alarm saying why */
int isdn_dahdi_open(struct isdn_span *s, int span, int *dfdp);
bool isdn_dahdi_event(int fd, int err);

/* isdn_license.c */
void isdn_license_trunk(struct isdn_span *s, bool take);
int isdn_license_call(struct isdn_span *s, char *rec, size_t rlen, char *why, size_t wlen);
int isdn_license_channel(struct isdn_span *s, unsigned index, bool take, char *rec, size_t rlen,
			 char *why, size_t len);
int isdn_listen(const char *path, int *fdp); /* isdn_span.c */

#endif
