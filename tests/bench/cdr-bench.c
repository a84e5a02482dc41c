/* cdr-bench.c: call-record store figures: durable calls per second through the API, a million
 * records loaded in batches, list/export/stats speed over them, disk bytes per record, sweep. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../unit/cdr_sample.h"

#define SEC           1000000LL
#define DURABLE_CALLS 2000
#define BATCH         1000

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* the tests' sample call, closed, with the called number varying as on a real bridge */
static void sample(struct cdr_record *rec, unsigned n)
{
	cdr_sample(rec, n);
	rec->state = CDR_CLOSED;
	snprintf(rec->called, sizeof rec->called, "%u", 100 + n % 50);
	snprintf(rec->leg[1].number, sizeof rec->leg[1].number, "%s", rec->called);
	snprintf(rec->reason, sizeof rec->reason, "normal");
}

struct load {
	int64_t t0;
	unsigned from, n;
};

/* the same records cdr_db_begin/end write, many per transaction (no fsync per record) */
static int load_cb(struct sb_store_txn *t, void *arg)
{
	struct load *l = arg;
	uint8_t key[8], buf[CDR_ENCODED_MAX];
	int rc;

	for (unsigned i = l->from; i < l->from + l->n; i++) {
		struct cdr_record rec;
		sample(&rec, i);
		rec.start_us = l->t0 + (int64_t)i * 10 * SEC; /* a call every 10 s: ~116 days */
		rec.id = (uint64_t)rec.start_us;
		rec.answer_us = rec.start_us + 3 * SEC;
		rec.end_us = rec.answer_us + 45 * SEC;
		cdr_key(rec.id, key);
		if ((rc = sb_store_txn_put(t, "cdr", key, 8, buf, cdr_encode(&rec, buf))) < 0)
			return rc;
	}
	return 0;
}

struct counter {
	unsigned long long n, stop;
	FILE *out;
};

static int count_cb(void *arg, const struct cdr_record *rec)
{
	struct counter *c = arg;

	if (c->out)
		cdr_csv_row(c->out, rec);
	return ++c->n == c->stop ? 1 : 0;
}

static long long disk_bytes(const char *dir)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof path, "%s/data.mdb", dir);
	return stat(path, &st) == 0 ? (long long)st.st_blocks * 512 : -1;
}

static void rm_store(const char *dir, const char *tmp)
{
	char path[512];

	snprintf(path, sizeof path, "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
	rmdir(tmp);
}

int main(int argc, char **argv)
{
	unsigned total = argc > 1 ? (unsigned)atoi(argv[1]) : 1000000;
	char tmp[256], dir[300];
	struct sb_store *s;
	struct cdr_filter all = { 0 };
	struct counter c;
	int64_t t0 = 1780000000 * SEC;
	double t, durable, ins, list_ms, since_ms, export_rate, stats_rate, sweep_rate;
	long long bytes;
	FILE *null;

	if (total < BATCH || total % BATCH) {
		fprintf(stderr, "usage: cdr-bench [RECORDS, a multiple of %d]\n", BATCH);
		return 2;
	}
	snprintf(tmp, sizeof tmp, "%s/cdrbench.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp))
		return 1;
	snprintf(dir, sizeof dir, "%s/store", tmp);
	if (sb_store_open(&s, dir, (size_t)16 << 30) < 0)
		return 1;

	/* 1. what one call costs: begin + answer + end, each a durable commit */
	t = now_s();
	for (unsigned i = 0; i < DURABLE_CALLS; i++) {
		struct cdr_record rec;
		sample(&rec, i);
		if (cdr_db_begin(s, &rec, t0 - SEC * 86400 * 200 + i) < 0 ||
		    cdr_db_update(s, &rec, t0) < 0 || cdr_db_end(s, &rec, t0) < 0)
			return 1;
	}
	durable = DURABLE_CALLS / (now_s() - t);
	printf("durable calls (3 commits each, fsync): %.0f calls/s\n", durable);

	/* 2. a million records, a thousand per transaction */
	t = now_s();
	for (unsigned from = 0; from < total; from += BATCH) {
		struct load l = { .t0 = t0, .from = from, .n = BATCH };
		if (sb_store_write(s, load_cb, &l) < 0)
			return 1;
	}
	ins = total / (now_s() - t);
	bytes = disk_bytes(dir);
	printf("batched inserts: %u records in %.1f s: %.0f records/s; %.0f bytes/record on disk\n",
	       total, total / ins, ins, (double)bytes / (total + DURABLE_CALLS));

	/* 3. reading them back as the CLI does */
	c = (struct counter){ .stop = 50 };
	t = now_s();
	cdr_db_walk(s, &all, true, 0, count_cb, &c);
	list_ms = (now_s() - t) * 1000;
	struct cdr_filter mid = { .since_us = t0 + (int64_t)(total / 2) * 10 * SEC };
	c = (struct counter){ .stop = 50 };
	t = now_s();
	cdr_db_walk(s, &mid, false, 0, count_cb, &c);
	since_ms = (now_s() - t) * 1000;
	printf("cdr list (newest 50): %.2f ms; --since mid-range (50): %.2f ms\n", list_ms,
	       since_ms);
	null = fopen("/dev/null", "w");
	c = (struct counter){ .out = null };
	t = now_s();
	cdr_db_walk(s, &all, false, 0, count_cb, &c);
	export_rate = c.n / (now_s() - t);
	fclose(null);
	printf("cdr export --csv: %llu records at %.0f records/s\n", c.n, export_rate);
	struct cdr_filter num = { .number = "49301234" };
	c = (struct counter){ .stop = 0 };
	t = now_s();
	cdr_db_walk(s, &num, false, 0, count_cb, &c);
	stats_rate = (total + DURABLE_CALLS) / (now_s() - t);
	printf("full scan with a --number filter (as cdr stats reads): %.0f records/s, %llu "
	       "found\n",
	       stats_rate, c.n);

	/* 4. retention: everything is older than the cutoff */
	unsigned deleted, gone = 0;
	bool more = true;
	t = now_s();
	while (more &&
	       cdr_db_sweep(s, t0 + (int64_t)total * 10 * SEC + SEC, BATCH, &deleted, &more) == 0)
		gone += deleted;
	sweep_rate = gone / (now_s() - t);
	printf("retention sweep: %u records deleted at %.0f records/s\n", gone, sweep_rate);

	sb_store_close(s);
	rm_store(dir, tmp);
	printf("cdr-bench: %u records, %.0f inserts/s batched, %.0f calls/s durable, list %.2f ms, "
	       "export %.0f records/s, %.0f B/record\n",
	       total, ins, durable, list_ms, export_rate, (double)bytes / (total + DURABLE_CALLS));
	return 0;
}
