/* test_cdr_db.c: call records in a real LMDB store: life of a record, recovery after a crash,
 * retention with an injected clock, and the walks behind list, export and stats. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cdr_sample.h"

#define SEC 1000000LL
#define DAY (86400 * SEC)
#define T0  (1795824000 * SEC) /* 2026-11-28 00:00:00 UTC */

struct fixture {
	char tmp[256];
	char dir[300];
	struct sb_store *s;
};

static int setup(void **state)
{
	const char *base = getenv("TMPDIR");
	struct fixture *f = calloc(1, sizeof *f);

	if (!f)
		return -1;
	snprintf(f->tmp, sizeof f->tmp, "%s/sbcdr.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(f->tmp)) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof f->dir, "%s/store", f->tmp);
	if (sb_store_open(&f->s, f->dir, 0) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	DIR *d;
	struct dirent *e;
	char path[600];
	int ret = 0;

	sb_store_close(f->s);
	d = opendir(f->dir);
	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", f->dir, e->d_name);
		ret |= unlink(path);
	}
	if (d) {
		closedir(d);
		ret |= rmdir(f->dir);
	}
	ret |= rmdir(f->tmp);
	free(f);
	return ret;
}

/* a whole call: begin at t, answered 3 s later, ended after dur seconds */
static uint64_t call(struct sb_store *s, int64_t t, int dur, unsigned n)
{
	struct cdr_record rec;

	cdr_sample(&rec, n);
	assert_int_equal(cdr_db_begin(s, &rec, t), 0);
	rec.answer_us = t + 3 * SEC;
	assert_int_equal(cdr_db_update(s, &rec, t + 3 * SEC), 0);
	snprintf(rec.reason, sizeof rec.reason, "normal");
	assert_int_equal(cdr_db_end(s, &rec, t + (3 + dur) * SEC), 0);
	return rec.id;
}

static void test_record_life(void **state)
{
	struct fixture *f = *state;
	struct cdr_record rec, got;

	cdr_sample(&rec, 1);
	assert_int_equal(cdr_db_begin(f->s, &rec, T0), 0);
	assert_int_equal(rec.id, (uint64_t)T0);
	assert_int_equal(rec.state, CDR_OPEN);
	assert_int_equal(rec.start_us, T0);
	assert_int_equal(cdr_db_get(f->s, rec.id, &got), 0);
	assert_int_equal(got.state, CDR_OPEN);
	assert_int_equal(got.end_us, 0);

	rec.answer_us = T0 + 2 * SEC;
	assert_int_equal(cdr_db_update(f->s, &rec, T0 + 2 * SEC), 0);
	assert_int_equal(cdr_db_get(f->s, rec.id, &got), 0);
	assert_int_equal(got.answer_us, T0 + 2 * SEC);

	snprintf(rec.reason, sizeof rec.reason, "normal");
	assert_int_equal(cdr_db_end(f->s, &rec, T0 + 60 * SEC), 0);
	assert_int_equal(rec.end_us, T0 + 60 * SEC);
	assert_int_equal(cdr_db_get(f->s, rec.id, &got), 0);
	assert_int_equal(got.state, CDR_CLOSED);
	assert_string_equal(got.reason, "normal");
	assert_int_equal(got.leg[1].q.mos_x100, 441);

	/* a closed record is history: it does not change any more */
	assert_int_equal(cdr_db_update(f->s, &rec, T0 + 61 * SEC), -ENOENT);
	assert_int_equal(cdr_db_end(f->s, &rec, T0 + 61 * SEC), -ENOENT);
	assert_int_equal(cdr_db_get(f->s, rec.id + 1, &got), -ENOENT);
}

/* two calls in the same microsecond, and a clock that steps back, still get rising ids */
static void test_ids_rise(void **state)
{
	struct fixture *f = *state;
	struct cdr_record a, b, c;

	cdr_sample(&a, 1);
	cdr_sample(&b, 2);
	cdr_sample(&c, 3);
	assert_int_equal(cdr_db_begin(f->s, &a, T0), 0);
	assert_int_equal(cdr_db_begin(f->s, &b, T0), 0);
	assert_int_equal(cdr_db_begin(f->s, &c, T0 - 3600 * SEC), 0);
	assert_int_equal(b.id, a.id + 1);
	assert_int_equal(c.id, b.id + 1);
	assert_int_equal(c.start_us, T0 - 3600 * SEC); /* the start stays the true clock reading */
}

/* "after SIGKILL, records of calls that were running are closed at the next start as
 * interrupted, with the last known time" */
static void test_recover_interrupted(void **state)
{
	struct fixture *f = *state;
	struct cdr_record a, b, c, got;
	unsigned closed = 99;

	cdr_sample(&a, 1);
	cdr_sample(&b, 2);
	cdr_sample(&c, 3);
	assert_int_equal(cdr_db_begin(f->s, &a, T0), 0);
	assert_int_equal(cdr_db_begin(f->s, &b, T0 + 1 * SEC), 0);
	assert_int_equal(cdr_db_begin(f->s, &c, T0 + 2 * SEC), 0);
	b.answer_us = T0 + 5 * SEC;
	assert_int_equal(cdr_db_update(f->s, &b, T0 + 5 * SEC), 0);
	assert_int_equal(cdr_db_end(f->s, &c, T0 + 7 * SEC), 0);
	assert_int_equal(cdr_db_heartbeat(f->s, T0 + 20 * SEC), 0);
	/* the process dies here: reopen the store as the next start does */
	sb_store_close(f->s);
	assert_int_equal(sb_store_open(&f->s, f->dir, 0), 0);

	assert_int_equal(cdr_db_recover(f->s, &closed), 0);
	assert_int_equal(closed, 2);
	assert_int_equal(cdr_db_get(f->s, a.id, &got), 0);
	assert_int_equal(got.state, CDR_INTERRUPTED);
	assert_int_equal(got.end_us, T0 + 20 * SEC);
	assert_string_equal(got.reason, "interrupted");
	assert_int_equal(cdr_db_get(f->s, b.id, &got), 0);
	assert_int_equal(got.state, CDR_INTERRUPTED);
	assert_int_equal(got.answer_us, T0 + 5 * SEC);
	assert_int_equal(cdr_db_get(f->s, c.id, &got), 0);
	assert_int_equal(got.state, CDR_CLOSED); /* it had ended: untouched */
	assert_int_equal(got.end_us, T0 + 7 * SEC);
	assert_int_equal(cdr_db_recover(f->s, &closed), 0);
	assert_int_equal(closed, 0);
}

/* more open records than one recovery batch are all closed */
static void test_recover_many(void **state)
{
	struct fixture *f = *state;
	unsigned closed = 0;

	for (int i = 0; i < 600; i++) {
		struct cdr_record r;
		cdr_sample(&r, (unsigned)i);
		assert_int_equal(cdr_db_begin(f->s, &r, T0 + i), 0);
	}
	assert_int_equal(cdr_db_recover(f->s, &closed), 0);
	assert_int_equal(closed, 600);
}

static int count_cb(void *arg, const struct cdr_record *rec)
{
	(*(unsigned *)arg)++;
	return 0;
}

static unsigned count(struct sb_store *s)
{
	struct cdr_filter f = { 0 };
	unsigned n = 0;

	assert_int_equal(cdr_db_walk(s, &f, false, 0, count_cb, &n), 0);
	return n;
}

/* "expired records are deleted by a periodic sweep ... in bounded batches", with the clock
 * injected: a record is kept retention days and not a moment less */
static void test_retention_sweep(void **state)
{
	struct fixture *f = *state;
	int64_t now = T0 + 400 * DAY;
	int64_t cutoff = now - 180 * DAY;
	struct cdr_record open_old;
	unsigned deleted, total = 0, batches = 0;
	bool more = true;

	cdr_sample(&open_old, 23); /* running when the clock stepped: never deleted */
	assert_int_equal(cdr_db_begin(f->s, &open_old, now - 300 * DAY), 0);
	for (int d = 0; d < 10; d++)
		call(f->s, now - (200 - d) * DAY, 30, (unsigned)d); /* 200..191 days old */
	call(f->s, cutoff - SEC, 30, 20);                           /* just past the limit */
	uint64_t keep1 = call(f->s, cutoff + SEC, 30, 21);          /* just inside it */
	uint64_t keep2 = call(f->s, now - DAY, 30, 22);
	assert_int_equal(count(f->s), 14);

	while (more) {
		assert_int_equal(cdr_db_sweep(f->s, cutoff, 4, &deleted, &more), 0);
		assert_true(deleted <= 4);
		total += deleted;
		assert_true(++batches < 10);
	}
	assert_int_equal(total, 11);
	assert_int_equal(batches, 3);
	assert_int_equal(count(f->s), 3);
	struct cdr_record got;
	assert_int_equal(cdr_db_get(f->s, keep1, &got), 0);
	assert_int_equal(cdr_db_get(f->s, keep2, &got), 0);
	assert_int_equal(cdr_db_get(f->s, open_old.id, &got), 0);
	/* nothing more to do */
	assert_int_equal(cdr_db_sweep(f->s, cutoff, 4, &deleted, &more), 0);
	assert_int_equal(deleted, 0);
	assert_false(more);
	assert_int_equal(cdr_db_sweep(f->s, cutoff, 0, &deleted, &more), -EINVAL);
}

struct seen {
	uint64_t ids[64];
	unsigned n, stop_at;
};

static int seen_cb(void *arg, const struct cdr_record *rec)
{
	struct seen *s = arg;

	s->ids[s->n++] = rec->id;
	return s->n == s->stop_at ? 5 : 0;
}

static void test_walk_filters(void **state)
{
	struct fixture *f = *state;
	uint64_t id[10];
	struct seen s = { .n = 0 };
	struct cdr_filter flt = { 0 };

	for (unsigned i = 0; i < 10; i++)
		id[i] = call(f->s, T0 + i * 3600 * SEC, 10, i); /* hourly calls from 4930100i */

	/* newest first, stopped by the callback as a --limit does */
	s.stop_at = 3;
	assert_int_equal(cdr_db_walk(f->s, &flt, true, 0, seen_cb, &s), 5);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.ids[0], id[9]);
	assert_int_equal(s.ids[2], id[7]);

	/* [since, until) on the start time, both ways */
	memset(&s, 0, sizeof s);
	flt.since_us = T0 + 2 * 3600 * SEC;
	flt.until_us = T0 + 5 * 3600 * SEC;
	assert_int_equal(cdr_db_walk(f->s, &flt, false, 0, seen_cb, &s), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.ids[0], id[2]);
	assert_int_equal(s.ids[2], id[4]);
	memset(&s, 0, sizeof s);
	assert_int_equal(cdr_db_walk(f->s, &flt, true, 0, seen_cb, &s), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.ids[0], id[4]);

	/* a number matches caller, called or a leg */
	memset(&s, 0, sizeof s);
	memset(&flt, 0, sizeof flt);
	flt.number = "49301004";
	assert_int_equal(cdr_db_walk(f->s, &flt, false, 0, seen_cb, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ids[0], id[4]);
	memset(&s, 0, sizeof s);
	flt.number = "100";
	assert_int_equal(cdr_db_walk(f->s, &flt, false, 0, seen_cb, &s), 0);
	assert_int_equal(s.n, 10);

	/* paging from an id, as the export's chunks do */
	memset(&s, 0, sizeof s);
	memset(&flt, 0, sizeof flt);
	assert_int_equal(cdr_db_walk(f->s, &flt, false, id[8], seen_cb, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ids[0], id[8]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_record_life, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_rise, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_interrupted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_filters, setup, teardown),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
