/* crl_int.h: what the parts of the crl module share (not for other modules). */
#ifndef CRL_INT_H
#define CRL_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "symbridge.h"
#include "crl.h"

#define CRL_MAX     4     /* CRLs at once (distribution points, or the configured URL) */
#define CRL_URL_MAX 1025
#define CRL_WHY_MAX 400

struct crl_entry {
	char url[CRL_URL_MAX];
	struct crl_list list;    /* .crl NULL: none yet */
	bool from_cache;
	time_t fetched;          /* last successful fetch, 0: none */
	uint64_t due;            /* ms (uv_now) of the next fetch; 0: not planned */
	bool working;            /* a fetch in a worker */
	unsigned failures;       /* fetches failed in a row */
	char last_error[CRL_WHY_MAX];
	bool warned_stale;
	char warning[CRL_WHY_MAX];
};

struct crl_state {
	pthread_mutex_t mu;      /* the handshakes may run in workers (libmosquitto's connect) */
	bool on, running, stale_refuse;
	int refresh_s, retry_max_s;
	char conf_url[CRL_URL_MAX];
	char ca_file[1025];
	char dir[1100];          /* STATE_DIR/crl: the cache */
	struct crl_entry e[CRL_MAX];
	int n;
	unsigned long refusals[CRL_NPEERS];
	char refused[CRL_NPEERS][CRL_WHY_MAX];
	void (*watch[CRL_NPEERS])(void);
	uv_timer_t tick;
};

extern struct crl_state crl_st;

void crl_lock(void);
void crl_unlock(void);
struct crl_entry *crl_entry_for(const char *url, bool make);
void crl_changed(void); /* a new CRL is in use: tell the watchers */

/* crl_fetch.c */
void crl_tick_cb(uv_timer_t *t);
void crl_cache_load(void);

#endif
