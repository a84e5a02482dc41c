/* cdr.h: call records and VoIP reports: the cdr module's only public face. */
#ifndef SB_CDR_H
#define SB_CDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "symbridge.h"

#define CDR_NUMBER_MAX 32 /* dialable numbers, as the config allows them */
#define CDR_NAME_MAX   64 /* card, link or station name */
#define CDR_CODEC_MAX  16 /* "G722", "PCMA", "opus" */
#define CDR_REASON_MAX 32 /* "normal", "no-answer", "max-duration", "interrupted", ... */
#define CDR_LEGS       2  /* the calling side, and the side that answered (or was rung last) */

enum cdr_state { CDR_OPEN = 1, CDR_CLOSED = 2, CDR_INTERRUPTED = 3 };
enum cdr_direction { CDR_DIR_UNKNOWN, CDR_DIR_TO_CLOUD, CDR_DIR_FROM_CLOUD, CDR_DIR_LOCAL };
/* What a leg's far end is (the leg's owner says it: enum sb_leg_kind). CARD is what records of
 * version 1 said of any leg on a card slot. */
enum cdr_leg_kind {
	CDR_LEG_NONE,
	CDR_LEG_CARD,
	CDR_LEG_STATION,
	CDR_LEG_LINK,
	CDR_LEG_TRUNK,
	CDR_LEG_CLOUD,
};

/* The VoIP report of one leg, from the media engine's own counters; zero where nothing was
 * measured. Received and lost are what the leg's peer sent us (RFC 3550 A.3), sent what we sent
 * it. */
struct cdr_quality {
	uint32_t packets_sent, packets_received, packets_lost;
	uint32_t jitter_us;     /* RFC 3550 A.8 interarrival jitter, mean over the call */
	uint32_t jitter_max_us; /* ... and the worst value it reached */
	uint32_t rtt_us;        /* round trip from RTCP (LSR/DLSR); 0: not known */
	uint16_t mos_x100;      /* E-model MOS estimate times 100 (100..450); 0: unknown */
};

struct cdr_leg {
	uint8_t kind;  /* enum cdr_leg_kind */
	uint16_t slot; /* CDR_LEG_CARD: card slot and 1-based channel */
	uint16_t channel;
	char name[CDR_NAME_MAX + 1]; /* card name, or the station's user */
	char number[CDR_NUMBER_MAX + 1];
	char codec[CDR_CODEC_MAX + 1];
	bool transcoded, srtp;
	uint16_t sip_status; /* final SIP status on this side, 0: none */
	uint8_t q850;        /* Q.850 cause on this side, 0: none */
	struct cdr_quality q;
};

/* One call. Times are microseconds since the epoch; 0 means "not (yet)". */
struct cdr_record {
	uint64_t id; /* unique, rising: the start time in µs, nudged up when two starts collide */
	uint8_t state;     /* enum cdr_state */
	uint8_t direction; /* enum cdr_direction */
	int64_t start_us, answer_us, end_us;
	char caller[CDR_NUMBER_MAX + 1], called[CDR_NUMBER_MAX + 1];
	char reason[CDR_REASON_MAX + 1];
	struct cdr_leg leg[CDR_LEGS];
};

/* The module builds records from the core's call events (cdr_calls.c); nothing calls into it. */
extern const struct sb_module cdr_module;

/* ---- encoding (cdr_codec.c) --------------------------------------------------------------- */

#define CDR_ENCODED_MAX 512
/* Encode into buf (CDR_ENCODED_MAX bytes); returns the length used. */
size_t cdr_encode(const struct cdr_record *rec, uint8_t *buf);
/* Decode; -EBADMSG for anything that is not a whole record of a known version. */
int cdr_decode(const uint8_t *buf, size_t len, struct cdr_record *rec);
/* The 8-byte store key of an id: big-endian, so key order is time order. */
void cdr_key(uint64_t id, uint8_t key[8]);
uint64_t cdr_key_id(const uint8_t key[8]);

/* ---- the records in the store (cdr_db.c): callers pass the clock ----------------------- */

struct sb_store;

/* Open: sets rec->id (from rec->start_us, or now when 0), the state, and writes it. */
int cdr_db_begin(struct sb_store *s, struct cdr_record *rec, int64_t now_us);
int cdr_db_update(struct sb_store *s, const struct cdr_record *rec, int64_t now_us);
int cdr_db_end(struct sb_store *s, struct cdr_record *rec, int64_t now_us);
/* begin, and update or end (closing), inside a transaction of the caller's (sb_store_write).
 * rec gets its id, state and times at once: a caller whose transaction does not commit must
 * not keep them. */
struct sb_store_txn;
int cdr_db_txn_begin(struct sb_store_txn *t, struct cdr_record *rec, int64_t now_us);
int cdr_db_txn_change(struct sb_store_txn *t, struct cdr_record *rec, bool closing,
		      int64_t now_us);
int cdr_db_get(struct sb_store *s, uint64_t id, struct cdr_record *rec);
/* Remember now as the last time the daemon was known alive. */
int cdr_db_heartbeat(struct sb_store *s, int64_t now_us);
/* Close every record left open by a daemon that died, as interrupted at the last known time;
 * *closedp: how many. */
int cdr_db_recover(struct sb_store *s, unsigned *closedp);
/* Delete at most batch records that started before cutoff_us, in one write transaction;
 * *deletedp: how many; *morep: older records remain. */
int cdr_db_sweep(struct sb_store *s, int64_t cutoff_us, unsigned batch, unsigned *deletedp,
		 bool *morep);

struct cdr_filter {
	int64_t since_us, until_us; /* start in [since, until); 0: open-ended */
	const char *number;         /* caller, called or a leg's number; NULL: any */
};
bool cdr_filter_match(const struct cdr_filter *f, const struct cdr_record *rec);
/* Call cb for matching records in time order (newest first when back), from the record with
 * id from_id (inclusive; 0: from the start/end); cb returns 0 to go on, anything else stops and
 * is returned. */
typedef int (*cdr_each_cb)(void *arg, const struct cdr_record *rec);
int cdr_db_walk(struct sb_store *s, const struct cdr_filter *f, bool back, uint64_t from_id,
		cdr_each_cb cb, void *arg);

/* ---- text (cdr_text.c) -------------------------------------------------------------------- */

/* A point in time as admins type it: 2026-11-30, 2026-11-30 02:14[:05], 2026-11-30T02:14:05
 * (local time, or with Z / +01:00), @EPOCH, -30m, -2h, -7d (before now). */
int cdr_parse_time(const char *s, int64_t now_us, int64_t *out_us);
/* "2026-11-30 02:14:05" in local time; "-" for 0 */
void cdr_format_time(int64_t us, char *buf, size_t len);
/* ISO 8601 with milliseconds and the UTC offset: "2026-11-30T02:14:05.123+01:00"; "" for 0 */
void cdr_format_iso(int64_t us, char *buf, size_t len);
/* "3/5" for card slot 3 channel 5, "station alice", "-" */
void cdr_format_leg(const struct cdr_leg *leg, char *buf, size_t len);
const char *cdr_state_name(uint8_t state);
const char *cdr_leg_kind_name(uint8_t kind); /* "station", "link", "trunk", "cloud", "-" */
const char *cdr_direction_name(uint8_t dir);
/* The CSV header line and one record per line (RFC 4180 quoting), with "\n" line ends. */
void cdr_csv_header(FILE *out);
void cdr_csv_row(FILE *out, const struct cdr_record *rec);

#endif
