/* mvr.h: what media-vs-rtpengine's driver and its rtpengine half (mvr-rtpengine.c) share. */
#ifndef MVR_H
#define MVR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* the three workloads of issue 20's table */
enum mvr_work {
	MVR_G722_SRTP, /* A-law RTP <-> G.722 SRTP: transcoded */
	MVR_RELAY,     /* G.722 RTP <-> G.722 SRTP: relayed, SRTP on one side */
	MVR_OPUS,      /* A-law RTP <-> Opus RTP: transcoded */
	MVR_WORK_COUNT
};

/* one call as an engine set it up: the engine's port facing peer A (legacy) and peer B
 * (cloud), and the payload type peer B sends with */
struct mvr_call {
	uint16_t port[2];
	uint8_t pt_b;
};

struct mvr_rtpengine {
	pid_t pid;
	int ng_fd;    /* connected UDP socket to its ng control port */
	char dir[64]; /* its config, pid file and log */
	uint16_t port_lo, port_hi;
	unsigned seq; /* ng cookies */
};

/* starts rtpengine (userspace only, one worker thread, pinned to core with taskset) under a
 * fresh temp dir and waits until it answers an ng ping; -ENOENT when it is not installed */
int mvr_rtpengine_start(struct mvr_rtpengine *r, int core, uint16_t port_lo, uint16_t port_hi);
void mvr_rtpengine_stop(struct mvr_rtpengine *r);
/* CPU time all its threads have used (ns, from /proc/PID/task/N/schedstat) */
uint64_t mvr_rtpengine_cpu_ns(const struct mvr_rtpengine *r);
/* number of its threads */
int mvr_rtpengine_threads(const struct mvr_rtpengine *r);
/* sets call i up by offer (from peer A at port_a) and answer (from peer B at port_b, SRTP key
 * b_key_b64 when the workload wants SRTP); fills c */
int mvr_rtpengine_call(struct mvr_rtpengine *r, enum mvr_work w, int i, uint16_t port_a,
		       uint16_t port_b, const char *b_key_b64, struct mvr_call *c);
int mvr_rtpengine_delete(struct mvr_rtpengine *r, int i);

#endif
