/* cdr_db.c: call records in the store: open, update, close, recovery after a crash, retention. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SB_MODULE "cdr"
#include "cdr.h"

/* records by id; the ids of records still open; the last id given and the last time alive */
#define DB_REC       "cdr"
#define DB_OPEN      "cdr_open"
#define DB_META      "cdr_meta"
#define META_LAST_ID "last_id"
#define META_ALIVE   "alive"

static void le64(uint64_t v, uint8_t b[8])
{
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const void *p)
{
	const uint8_t *b = p;
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static int meta_get(struct sb_store_txn *t, const char *key, uint64_t *v)
{
	void *val;
	size_t len;
	int rc = sb_store_txn_get(t, DB_META, key, strlen(key), &val, &len);

	if (rc == -ENOENT) {
		*v = 0;
		return 0;
	}
	if (rc < 0)
		return rc;
	*v = len == 8 ? get_le64(val) : 0;
	free(val);
	return 0;
}

static int meta_put(struct sb_store_txn *t, const char *key, uint64_t v)
{
	uint8_t b[8];

	le64(v, b);
	return sb_store_txn_put(t, DB_META, key, strlen(key), b, sizeof b);
}

static int rec_put(struct sb_store_txn *t, const struct cdr_record *rec)
{
	uint8_t key[8], buf[CDR_ENCODED_MAX];
	size_t len = cdr_encode(rec, buf);

	cdr_key(rec->id, key);
	return sb_store_txn_put(t, DB_REC, key, sizeof key, buf, len);
}

static bool is_open(struct sb_store_txn *t, uint64_t id, int *rcp)
{
	uint8_t key[8];
	void *val;
	size_t len;
	int rc;

	cdr_key(id, key);
	rc = sb_store_txn_get(t, DB_OPEN, key, sizeof key, &val, &len);
	if (rc == 0)
		free(val);
	*rcp = rc == -ENOENT ? 0 : rc;
	return rc == 0;
}

struct change {
	struct cdr_record rec;
	int64_t now;
	bool closing;
};

static int begin_cb(struct sb_store_txn *t, void *arg)
{
	struct change *c = arg;
	uint64_t last;
	uint8_t key[8], one = 1;
	int rc;

	if ((rc = meta_get(t, META_LAST_ID, &last)) < 0)
		return rc;
	/* rising ids even when two calls start in the same µs or the clock steps back (or a
	 * record written late, after the store failed for a while, follows later ones) */
	c->rec.id = (uint64_t)c->rec.start_us > last ? (uint64_t)c->rec.start_us : last + 1;
	cdr_key(c->rec.id, key);
	if ((rc = rec_put(t, &c->rec)) < 0 ||
	    (rc = sb_store_txn_put(t, DB_OPEN, key, sizeof key, &one, 1)) < 0 ||
	    (rc = meta_put(t, META_LAST_ID, c->rec.id)) < 0)
		return rc;
	return meta_put(t, META_ALIVE, (uint64_t)c->now);
}

int cdr_db_begin(struct sb_store *s, struct cdr_record *rec, int64_t now_us)
{
	struct change c = { .rec = *rec, .now = now_us };
	int rc;

	if (!c.rec.start_us)
		c.rec.start_us = now_us;
	c.rec.end_us = 0;
	c.rec.state = CDR_OPEN;
	if ((rc = sb_store_write(s, begin_cb, &c)) < 0)
		return rc;
	*rec = c.rec;
	return 0;
}

/* update or close: only a record that is still open changes */
static int change_cb(struct sb_store_txn *t, void *arg)
{
	struct change *c = arg;
	uint8_t key[8];
	int rc;

	if (!is_open(t, c->rec.id, &rc))
		return rc < 0 ? rc : -ENOENT;
	if ((rc = rec_put(t, &c->rec)) < 0)
		return rc;
	if (c->closing) {
		cdr_key(c->rec.id, key);
		if ((rc = sb_store_txn_del(t, DB_OPEN, key, sizeof key)) < 0)
			return rc;
	}
	return meta_put(t, META_ALIVE, (uint64_t)c->now);
}

int cdr_db_update(struct sb_store *s, const struct cdr_record *rec, int64_t now_us)
{
	struct change c = { .rec = *rec, .now = now_us };

	c.rec.state = CDR_OPEN;
	return sb_store_write(s, change_cb, &c);
}

int cdr_db_end(struct sb_store *s, struct cdr_record *rec, int64_t now_us)
{
	struct change c = { .rec = *rec, .now = now_us, .closing = true };
	int rc;

	if (!c.rec.end_us)
		c.rec.end_us = now_us;
	c.rec.state = CDR_CLOSED;
	if ((rc = sb_store_write(s, change_cb, &c)) < 0)
		return rc;
	*rec = c.rec;
	return 0;
}

/* The same changes inside a caller's transaction, so that many records go in one commit. */
int cdr_db_txn_begin(struct sb_store_txn *t, struct cdr_record *rec, int64_t now_us)
{
	struct change c = { .rec = *rec, .now = now_us };
	int rc;

	if (!c.rec.start_us)
		c.rec.start_us = now_us;
	c.rec.end_us = 0;
	c.rec.state = CDR_OPEN;
	if ((rc = begin_cb(t, &c)) < 0)
		return rc;
	*rec = c.rec;
	return 0;
}

int cdr_db_txn_change(struct sb_store_txn *t, struct cdr_record *rec, bool closing,
		      int64_t now_us)
{
	struct change c = { .rec = *rec, .now = now_us, .closing = closing };
	int rc;

	if (closing && !c.rec.end_us)
		c.rec.end_us = now_us;
	c.rec.state = closing ? CDR_CLOSED : CDR_OPEN;
	if ((rc = change_cb(t, &c)) < 0)
		return rc;
	*rec = c.rec;
	return 0;
}

int cdr_db_get(struct sb_store *s, uint64_t id, struct cdr_record *rec)
{
	uint8_t key[8];
	void *val;
	size_t len;
	int rc;

	cdr_key(id, key);
	if ((rc = sb_store_get(s, DB_REC, key, sizeof key, &val, &len)) < 0)
		return rc;
	rc = cdr_decode(val, len, rec);
	free(val);
	return rc;
}

static int heartbeat_cb(struct sb_store_txn *t, void *arg)
{
	return meta_put(t, META_ALIVE, *(const uint64_t *)arg);
}

int cdr_db_heartbeat(struct sb_store *s, int64_t now_us)
{
	uint64_t v = (uint64_t)now_us;

	return sb_store_write(s, heartbeat_cb, &v);
}

/* ---- recovery ------------------------------------------------------------------------------ */

#define RECOVER_BATCH 256

struct ids {
	uint64_t v[RECOVER_BATCH];
	size_t n;
	unsigned closed;
};

static int collect_open_cb(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct ids *ids = arg;

	if (klen == 8)
		ids->v[ids->n++] = cdr_key_id(key);
	return ids->n == RECOVER_BATCH ? 1 : 0;
}

static int recover_cb(struct sb_store_txn *t, void *arg)
{
	struct ids *ids = arg;
	uint64_t alive;
	int rc;

	if ((rc = meta_get(t, META_ALIVE, &alive)) < 0)
		return rc;
	ids->closed = 0;
	for (size_t i = 0; i < ids->n; i++) {
		struct cdr_record rec;
		uint8_t key[8];
		void *val;
		size_t len;

		cdr_key(ids->v[i], key);
		rc = sb_store_txn_get(t, DB_REC, key, sizeof key, &val, &len);
		if (rc == 0) {
			rc = cdr_decode(val, len, &rec);
			free(val);
			if (rc == 0) {
				/* the last moment the call is known to have been running */
				int64_t end = (int64_t)alive;
				if (end < rec.start_us)
					end = rec.start_us;
				if (end < rec.answer_us)
					end = rec.answer_us;
				rec.end_us = end;
				rec.state = CDR_INTERRUPTED;
				snprintf(rec.reason, sizeof rec.reason, "interrupted");
				if ((rc = rec_put(t, &rec)) < 0)
					return rc;
				ids->closed++;
			} else {
				log_err("call record %llu cannot be read (%s): dropping its open "
					"mark",
					(unsigned long long)ids->v[i], strerror(-rc));
			}
		} else if (rc != -ENOENT) {
			return rc;
		}
		if ((rc = sb_store_txn_del(t, DB_OPEN, key, sizeof key)) < 0)
			return rc;
	}
	return 0;
}

int cdr_db_recover(struct sb_store *s, unsigned *closedp)
{
	struct ids *ids = malloc(sizeof *ids);
	unsigned total = 0;
	int rc;

	if (!ids)
		return -ENOMEM;
	do {
		ids->n = 0;
		ids->closed = 0;
		rc = sb_store_foreach(s, DB_OPEN, collect_open_cb, ids);
		if (rc < 0)
			break;
		if (ids->n && (rc = sb_store_write(s, recover_cb, ids)) < 0)
			break;
		total += ids->closed;
		rc = 0;
	} while (ids->n == RECOVER_BATCH);
	free(ids);
	if (rc == 0)
		*closedp = total;
	return rc;
}

/* ---- retention ----------------------------------------------------------------------------- */

struct sweep {
	uint64_t cutoff;
	unsigned batch;
	uint8_t (*keys)[8];
	unsigned n;
	bool more;
};

static int sweep_collect_cb(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct sweep *sw = arg;
	const uint8_t *v = val;

	if (klen != 8 || cdr_key_id(key) >= sw->cutoff)
		return 1; /* ids rise with time: nothing later is older */
	if (sw->n == sw->batch) {
		sw->more = true;
		return 1;
	}
	/* a record still open stays (the call may be running after a clock step) */
	if (vlen > 1 && v[1] == CDR_OPEN)
		return 0;
	memcpy(sw->keys[sw->n++], key, 8);
	return 0;
}

static int sweep_del_cb(struct sb_store_txn *t, void *arg)
{
	struct sweep *sw = arg;
	int rc;

	for (unsigned i = 0; i < sw->n; i++)
		if ((rc = sb_store_txn_del(t, DB_REC, sw->keys[i], 8)) < 0 && rc != -ENOENT)
			return rc;
	return 0;
}

int cdr_db_sweep(struct sb_store *s, int64_t cutoff_us, unsigned batch, unsigned *deletedp,
		 bool *morep)
{
	struct sweep sw = { .cutoff = cutoff_us > 0 ? (uint64_t)cutoff_us : 0, .batch = batch };
	int rc;

	if (batch == 0)
		return -EINVAL;
	if (!(sw.keys = malloc((size_t)batch * sizeof *sw.keys)))
		return -ENOMEM;
	rc = sb_store_foreach(s, DB_REC, sweep_collect_cb, &sw);
	if (rc >= 0 && sw.n > 0)
		rc = sb_store_write(s, sweep_del_cb, &sw);
	free(sw.keys);
	if (rc < 0)
		return rc;
	*deletedp = sw.n;
	*morep = sw.more;
	return 0;
}

/* ---- reading ------------------------------------------------------------------------------- */

static bool leg_number_is(const struct cdr_leg *l, const char *n)
{
	return l->kind != CDR_LEG_NONE && strcmp(l->number, n) == 0;
}

bool cdr_filter_match(const struct cdr_filter *f, const struct cdr_record *rec)
{
	if (f->since_us && rec->start_us < f->since_us)
		return false;
	if (f->until_us && rec->start_us >= f->until_us)
		return false;
	if (f->number && *f->number && strcmp(rec->caller, f->number) != 0 &&
	    strcmp(rec->called, f->number) != 0 && !leg_number_is(&rec->leg[0], f->number) &&
	    !leg_number_is(&rec->leg[1], f->number))
		return false;
	return true;
}

struct walk {
	const struct cdr_filter *f;
	bool back;
	cdr_each_cb cb;
	void *arg;
	int stop;
};

static int walk_cb(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct walk *w = arg;
	struct cdr_record rec;
	uint64_t id;

	if (klen != 8)
		return 0;
	id = cdr_key_id(key);
	/* ids are start times nudged upwards: past these bounds nothing can match */
	if (w->back && w->f->since_us && id < (uint64_t)w->f->since_us)
		return 1;
	if (!w->back && w->f->until_us && id >= (uint64_t)w->f->until_us)
		return 1;
	if (cdr_decode(val, vlen, &rec) < 0) {
		log_warn("call record %llu cannot be read: skipped", (unsigned long long)id);
		return 0;
	}
	if (!cdr_filter_match(w->f, &rec))
		return 0;
	w->stop = w->cb(w->arg, &rec);
	return w->stop ? 2 : 0;
}

int cdr_db_walk(struct sb_store *s, const struct cdr_filter *f, bool back, uint64_t from_id,
		cdr_each_cb cb, void *arg)
{
	struct walk w = { .f = f, .back = back, .cb = cb, .arg = arg };
	uint8_t key[8];
	uint64_t from = from_id;
	int rc;

	/* start at the bound of the time range when it is nearer than from_id */
	if (!back && f->since_us && (uint64_t)f->since_us > from)
		from = (uint64_t)f->since_us;
	if (back && f->until_us && (from == 0 || (uint64_t)f->until_us - 1 < from))
		from = (uint64_t)f->until_us - 1;
	cdr_key(from, key);
	if (back)
		rc = sb_store_foreach_back(s, DB_REC, from ? key : NULL, from ? 8 : 0, walk_cb, &w);
	else
		rc = sb_store_foreach_from(s, DB_REC, from ? key : NULL, from ? 8 : 0, walk_cb, &w);
	if (rc < 0)
		return rc;
	return w.stop;
}
