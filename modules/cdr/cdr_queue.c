/* cdr_queue.c: call records on their way to the store: written in one transaction per change,
 * and kept in a bounded queue, retried every second, while the store refuses them (disk full). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define SB_MODULE "cdr"
#include "cdr_int.h"

#define RETRY_MS 1000

static struct {
	struct cdr_entry *head, *tail;
	unsigned waiting; /* entries with changes the store does not have */
	int err;          /* the store's last refusal; 0: it takes what it is given */
	bool over;        /* the queue passed its bound (said once per degraded spell) */
	unsigned long long merged;
	bool timer_on;
	uv_timer_t retry;
} q;

struct cdr_entry *cdr_q_first(void)
{
	return q.head;
}

unsigned cdr_q_open(void)
{
	unsigned n = 0;

	for (struct cdr_entry *e = q.head; e; e = e->next)
		n += !e->ended;
	return n;
}

struct cdr_entry *cdr_q_new(struct sb_call *call)
{
	struct cdr_entry *e = calloc(1, sizeof *e);

	if (!e)
		return NULL;
	e->call = call;
	e->prev = q.tail;
	if (q.tail)
		q.tail->next = e;
	else
		q.head = e;
	q.tail = e;
	return e;
}

struct cdr_entry *cdr_q_find(const struct sb_call *call)
{
	for (struct cdr_entry *e = q.tail; e; e = e->prev) /* the newest calls are the busiest */
		if (e->call == call)
			return e;
	return NULL;
}

static void entry_free(struct cdr_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		q.head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		q.tail = e->prev;
	free(e);
}

void cdr_q_mark(struct cdr_entry *e)
{
	if (!e->dirty) {
		e->dirty = true;
		e->since_us = cdr_now_us();
		q.waiting++;
	}
}

/* ---- one transaction for every waiting record ------------------------------------------- */

struct pending_id {
	struct cdr_entry *e;
	uint64_t id;
};

struct batch {
	int64_t now;
	unsigned n;
	struct pending_id *ids; /* ids begin gave, taken only once the transaction commits */
	unsigned nids;
};

static int batch_cb(struct sb_store_txn *t, void *arg)
{
	struct batch *b = arg;
	int rc;

	for (struct cdr_entry *e = q.head; e; e = e->next) {
		if (!e->dirty)
			continue;
		struct cdr_record r = e->rec;
		if (!e->stored) {
			struct cdr_record first = e->rec;
			if ((rc = cdr_db_txn_begin(t, &first, b->now)) < 0)
				return rc;
			r.id = first.id;
			r.start_us = first.start_us;
			b->ids[b->nids++] = (struct pending_id){ .e = e, .id = first.id };
			if (!e->ended)
				continue;
		}
		rc = cdr_db_txn_change(t, &r, e->ended, b->now);
		if (rc == -ENOENT) /* closed by someone else (cannot happen in one process) */
			log_warn("call record %llu is no longer open in the store: its last change "
				 "is not written",
				 (unsigned long long)r.id);
		else if (rc < 0)
			return rc;
	}
	return 0;
}

/* The store refuses: the oldest updates of running calls give way first (their record is
 * written whole with the call's next change or its end); begins and ends always stay. */
static void bound(void)
{
	for (struct cdr_entry *e = q.head; e && q.waiting > CDR_QUEUE_MAX; e = e->next)
		if (e->dirty && e->stored && !e->ended) {
			e->dirty = false;
			q.waiting--;
			q.merged++;
		}
	if (q.waiting > CDR_QUEUE_MAX && !q.over) {
		q.over = true;
		log_err("%u call records are waiting for the store, more than the %d the queue "
			"holds: they are all begins and ends of calls, which are kept",
			q.waiting, CDR_QUEUE_MAX);
	}
}

static void retry_cb(uv_timer_t *t)
{
	cdr_q_flush();
}

static void degraded(int rc)
{
	if (q.err != rc)
		log_err("call records cannot be stored: %s; %u record(s) wait in memory and are "
			"retried every %d s",
			strerror(-rc), q.waiting, RETRY_MS / 1000);
	q.err = rc;
	bound();
	if (!q.timer_on) {
		q.timer_on = true;
		uv_timer_start(&q.retry, retry_cb, RETRY_MS, RETRY_MS);
	}
}

int cdr_q_flush(void)
{
	struct batch b = { .now = cdr_now_us() };
	unsigned stored = q.waiting;
	int rc;

	if (!q.waiting)
		return 0;
	if (!(b.ids = calloc(q.waiting, sizeof *b.ids))) {
		degraded(-ENOMEM);
		return -ENOMEM;
	}
	rc = sb_store_write(sb_daemon_store(), batch_cb, &b);
	if (rc < 0) {
		free(b.ids);
		degraded(rc);
		return rc;
	}
	for (unsigned i = 0; i < b.nids; i++) {
		b.ids[i].e->rec.id = b.ids[i].id;
		b.ids[i].e->stored = true;
	}
	free(b.ids);
	for (struct cdr_entry *e = q.head, *next; e; e = next) {
		next = e->next;
		if (!e->dirty)
			continue;
		e->dirty = false;
		q.waiting--;
		if (e->ended)
			entry_free(e);
	}
	if (q.err) {
		log_notice("call records are stored again: the %u that waited are written%s", stored,
			   q.merged ? " (updates of running calls were merged into later ones)" : "");
		q.err = 0;
		q.over = false;
		q.merged = 0;
	}
	if (q.timer_on) {
		q.timer_on = false;
		uv_timer_stop(&q.retry);
	}
	return 0;
}

void cdr_q_changed(struct cdr_entry *e)
{
	cdr_q_mark(e);
	cdr_q_flush();
}

void cdr_q_status(struct sb_reply *r)
{
	char buf[160];

	if (q.err)
		snprintf(buf, sizeof buf, "degraded (%u records waiting: %s)", q.waiting,
			 strerror(-q.err));
	else
		snprintf(buf, sizeof buf, "ok");
	sb_reply_str(r, "store", buf);
	sb_reply_int(r, "records_waiting", q.waiting);
}

void cdr_q_metrics(struct sb_metrics *m)
{
	sb_metric_family(m, "symbridge_store_writable", SB_METRIC_GAUGE,
			 "1 when the store takes call records, 0 while it refuses them (show status)");
	sb_metric_sample(m, q.err ? 0 : 1, NULL);
	sb_metric_family(m, "symbridge_cdr_records_waiting", SB_METRIC_GAUGE,
			 "call records queued in memory until the store takes them");
	sb_metric_sample(m, q.waiting, NULL);
}

void cdr_q_start(void)
{
	memset(&q, 0, sizeof q);
	uv_timer_init(sb_daemon_loop(), &q.retry);
}

/* At shutdown (every call has ended): one last try, then each record the store would not take
 * goes to the log whole, so that an admin can still account for the call. */
void cdr_q_stop(void)
{
	char start[32], end[32];

	cdr_q_flush();
	for (struct cdr_entry *e = q.head, *next; e; e = next) {
		next = e->next;
		if (e->dirty) {
			cdr_format_iso(e->rec.start_us, start, sizeof start);
			cdr_format_iso(e->rec.end_us, end, sizeof end);
			log_err("call record not stored (%s)%s: start %s end %s from %s to %s: %s",
				strerror(-q.err),
				e->stored ? ", marked interrupted at the next start" : "", start,
				end[0] ? end : "-", e->rec.caller, e->rec.called,
				e->rec.reason[0] ? e->rec.reason : "running");
		}
		entry_free(e);
	}
	q.waiting = 0;
	uv_close((uv_handle_t *)&q.retry, NULL);
}
