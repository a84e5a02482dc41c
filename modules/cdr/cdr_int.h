/* cdr_int.h: inside the cdr module: the records of calls in progress and the writes waiting. */
#ifndef CDR_INT_H
#define CDR_INT_H

#include "cdr.h"

/* One call's record, from its BEGIN event until the store has its end. */
struct cdr_entry {
	struct sb_call *call;       /* NULL once the call ended */
	struct cdr_record rec;      /* the record as it stands now */
	const struct sb_leg *at[2]; /* the legs rec.leg[] describe (their last known figures) */
	bool answered;
	bool stored;  /* its begin is in the store: rec.id is its key */
	bool ended;   /* the call ended: rec is final */
	bool dirty;   /* rec has changes the store does not have yet */
	int64_t since_us;              /* when its oldest unwritten change was made */
	struct cdr_entry *prev, *next; /* the module's list, oldest first */
};

int64_t cdr_now_us(void);
int cdr_retention_days(void);

/* cdr_calls.c: the call-event observer */
int cdr_calls_start(void);
void cdr_calls_stop(void);
/* take every running call's media figures now (the crash-recovery path keeps them) */
void cdr_calls_refresh(void);

/* cdr_queue.c: writes, and the bounded queue of those the store refused */
#define CDR_QUEUE_MAX 4096 /* records waiting at most before updates are merged into later ones */
struct cdr_entry *cdr_q_new(struct sb_call *call);
struct cdr_entry *cdr_q_find(const struct sb_call *call);
struct cdr_entry *cdr_q_first(void);
/* e's record changed: write it (now, or queued when the store refuses) */
void cdr_q_changed(struct cdr_entry *e);
void cdr_q_mark(struct cdr_entry *e); /* ... later: with the next cdr_q_flush */
/* write every changed record in one transaction; 0, or the store's error (they stay queued) */
int cdr_q_flush(void);
unsigned cdr_q_open(void); /* entries of calls still running */
void cdr_q_start(void);
/* the last try at shutdown: what cannot be written is logged in full, never dropped silently */
void cdr_q_stop(void);
struct sb_reply;
void cdr_q_status(struct sb_reply *r);
void cdr_q_metrics(struct sb_metrics *m); /* store state and records waiting */

#endif
