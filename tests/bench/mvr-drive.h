/* mvr-drive.h: media-vs-rtpengine's driver: the two peers, their streams, one measured step. */
#ifndef MVR_DRIVE_H
#define MVR_DRIVE_H

#include "mvr.h"

#include <stdint.h>

#include "media.h"

/* an engine as the driver sees it: set call i up between the peers, tear n calls down, the
 * CPU time the engine has used (ns) */
struct mvr_engine {
	const char *name;
	int (*setup)(enum mvr_work w, int i, struct mvr_call *c);
	void (*teardown)(int n);
	uint64_t (*cpu_ns)(void);
};

struct mvr_result {
	double loss;    /* % of the counted packets, both ways, that did not come out in time */
	double late;    /* ... of which came out later than 200 ms */
	double cpu_pct; /* the engine's CPU for the counted part over its sending time, % */
	double us_call; /* ... per call per 20 ms, in us */
	double p50_us, p99_us; /* peer send -> the kernel queued it at the other peer */
	double late_ms; /* how late the sender was at worst (it should be ~0) */
	double mean_us[2]; /* mean latency toward peer B and toward peer A */
};

extern struct media_srtp_key mvr_peer_key; /* peer B's SRTP key (its a=crypto) */
uint16_t mvr_peer_port(int leg);           /* 0: peer A (legacy), 1: peer B (cloud) */
/* COUNT consecutive ports reserved for this process by tests/lib/portrange.py */
int mvr_port_range(int count, uint16_t *lo);
/* sockets, payloads and buffers for up to max_calls and secs counted seconds */
int mvr_drive_init(int max_calls, int secs);
void mvr_drive_free(void);
/* sets n calls up on e, plays both peers' streams through them, tears them down */
int mvr_step(const struct mvr_engine *e, enum mvr_work w, int n, struct mvr_result *r);

#endif
