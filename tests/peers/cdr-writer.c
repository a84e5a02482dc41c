/* cdr-writer.c: writes a stream of call records through the cdr API into a state dir's store,
 * keeping some calls open at any moment, so that a test can kill -9 it mid-stream and check
 * what the next daemon start finds. Prints "begun N" after each call it opened. With TOTAL it
 * stops after that many calls and ends the ones still open; AGE_DAYS moves every time back. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cdr.h"

#define MAX_CALLS 200000 /* bounded: a test that forgets to kill it still ends */

static int64_t age_us;

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 - age_us;
}

int main(int argc, char **argv)
{
	struct cdr_record open[64];
	struct sb_store *s;
	unsigned concurrent, total = MAX_CALLS, n;
	int rc = 0;

	if (argc < 3 || argc > 5 || (concurrent = (unsigned)atoi(argv[2])) < 1 || concurrent > 64) {
		fprintf(stderr,
			"usage: cdr-writer STORE_DIR CONCURRENT(1..64) [TOTAL [AGE_DAYS]]\n");
		return 2;
	}
	if (argc > 3 && ((total = (unsigned)atoi(argv[3])) < 1 || total > MAX_CALLS))
		total = MAX_CALLS;
	if (argc > 4)
		age_us = (int64_t)atoi(argv[4]) * 86400 * 1000000;
	if ((rc = sb_store_open(&s, argv[1], 0)) < 0) {
		fprintf(stderr, "cdr-writer: cannot open %s: %s\n", argv[1], strerror(-rc));
		return 1;
	}
	for (n = 0; n < total; n++) {
		struct cdr_record *rec = &open[n % concurrent];

		if (n >= concurrent) { /* the oldest of the running calls ends */
			snprintf(rec->reason, sizeof rec->reason, "normal");
			rec->leg[0].q850 = 16;
			rec->leg[1].sip_status = 200;
			if ((rc = cdr_db_end(s, rec, now_us())) < 0)
				break;
		}
		memset(rec, 0, sizeof *rec);
		rec->direction = CDR_DIR_TO_CLOUD;
		snprintf(rec->caller, sizeof rec->caller, "4930%u", 1000 + n % 9000);
		snprintf(rec->called, sizeof rec->called, "100");
		rec->leg[0] = (struct cdr_leg){
			.kind = CDR_LEG_CARD, .slot = 2, .channel = 1 + n % 30, .codec = "PCMA"
		};
		memcpy(rec->leg[0].number, rec->caller, sizeof rec->caller);
		rec->leg[1] = (struct cdr_leg){ .kind = CDR_LEG_CARD,
						.slot = 1,
						.channel = 1,
						.codec = "G722",
						.srtp = true,
						.transcoded = true };
		if ((rc = cdr_db_begin(s, rec, now_us())) < 0)
			break;
		rec->answer_us = now_us();
		if ((rc = cdr_db_update(s, rec, rec->answer_us)) < 0)
			break;
		printf("begun %u\n", n + 1);
		fflush(stdout);
	}
	for (unsigned i = 0; rc == 0 && i < concurrent && i < n; i++) {
		snprintf(open[i].reason, sizeof open[i].reason, "normal");
		rc = cdr_db_end(s, &open[i], now_us());
	}
	if (rc < 0)
		fprintf(stderr, "cdr-writer: %s\n", strerror(-rc));
	sb_store_close(s);
	return rc < 0 ? 1 : 0;
}
