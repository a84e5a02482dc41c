/* cdr_sample.h: a filled-in call record for the cdr tests (header-only, for test programs). */
#ifndef CDR_SAMPLE_H
#define CDR_SAMPLE_H

#include <stdio.h>
#include <string.h>

#include "cdr.h"

/* A door station on PRI slot 2 channel n calls a cloud client through sym-bridge slot 1. */
static inline void cdr_sample(struct cdr_record *rec, unsigned n)
{
	memset(rec, 0, sizeof *rec);
	rec->direction = CDR_DIR_TO_CLOUD;
	snprintf(rec->caller, sizeof rec->caller, "4930%u", 1000 + n % 9000);
	snprintf(rec->called, sizeof rec->called, "100");
	rec->leg[0] = (struct cdr_leg){ .kind = CDR_LEG_TRUNK,
					.slot = 2,
					.channel = 1 + n % 30,
					.codec = "PCMA",
					.transcoded = true,
					.q850 = 16,
					.q = { .packets_sent = 1500,
					       .packets_received = 1498,
					       .packets_lost = 2,
					       .jitter_us = 1250,
					       .jitter_max_us = 4100,
					       .rtt_us = 31000,
					       .mos_x100 = 430 } };
	snprintf(rec->leg[0].name, sizeof rec->leg[0].name, "door-pri");
	snprintf(rec->leg[0].number, sizeof rec->leg[0].number, "%s", rec->caller);
	rec->leg[1] = (struct cdr_leg){ .kind = CDR_LEG_CLOUD,
					.slot = 1,
					.channel = 1,
					.codec = "G722",
					.transcoded = true,
					.srtp = true,
					.sip_status = 200,
					.q = { .packets_sent = 1498,
					       .packets_received = 1500,
					       .packets_lost = 0,
					       .jitter_us = 800,
					       .jitter_max_us = 2300,
					       .rtt_us = 29500,
					       .mos_x100 = 441 } };
	snprintf(rec->leg[1].name, sizeof rec->leg[1].name, "cloud");
	snprintf(rec->leg[1].number, sizeof rec->leg[1].number, "100");
}

#endif
