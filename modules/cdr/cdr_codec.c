/* cdr_codec.c: the stored form of a call record: versioned, little-endian, checked on decode. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "cdr.h"

/*
 * Version 2, all integers little-endian, strings as a length byte and that many bytes (no NUL):
 *   u8 version, u8 state, u8 direction, u8 nlegs, u64 id, i64 start, i64 answer, i64 end,
 *   str caller, str called, str reason,
 *   per leg: u8 kind, u16 slot, u16 channel, str name, str number, str codec,
 *            u8 flags (1 transcoded, 2 srtp), u16 sip_status, u8 q850,
 *            u32 sent, u32 received, u32 lost, u32 jitter_us, u16 mos_x100,
 *            u32 jitter_max_us, u32 rtt_us
 * Version 1 (read, never written) ends each leg at mos_x100 and knows leg kinds up to STATION.
 * A record is written whole in one transaction, so a reader never sees part of one; the checks
 * below are for a store damaged outside our control and for the fuzzer.
 */
#define CDR_VERSION     2
#define FLAG_TRANSCODED 0x01
#define FLAG_SRTP       0x02

struct wr {
	uint8_t *p;
	size_t n;
};

static void put_u(struct wr *w, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		w->p[w->n++] = (uint8_t)(v >> (8 * i));
}

static void put_str(struct wr *w, const char *s, size_t max)
{
	size_t len = strnlen(s, max);

	w->p[w->n++] = (uint8_t)len;
	memcpy(w->p + w->n, s, len);
	w->n += len;
}

size_t cdr_encode(const struct cdr_record *rec, uint8_t *buf)
{
	struct wr w = { .p = buf, .n = 0 };

	put_u(&w, CDR_VERSION, 1);
	put_u(&w, rec->state, 1);
	put_u(&w, rec->direction, 1);
	put_u(&w, CDR_LEGS, 1);
	put_u(&w, rec->id, 8);
	put_u(&w, (uint64_t)rec->start_us, 8);
	put_u(&w, (uint64_t)rec->answer_us, 8);
	put_u(&w, (uint64_t)rec->end_us, 8);
	put_str(&w, rec->caller, CDR_NUMBER_MAX);
	put_str(&w, rec->called, CDR_NUMBER_MAX);
	put_str(&w, rec->reason, CDR_REASON_MAX);
	for (int i = 0; i < CDR_LEGS; i++) {
		const struct cdr_leg *l = &rec->leg[i];

		put_u(&w, l->kind, 1);
		put_u(&w, l->slot, 2);
		put_u(&w, l->channel, 2);
		put_str(&w, l->name, CDR_NAME_MAX);
		put_str(&w, l->number, CDR_NUMBER_MAX);
		put_str(&w, l->codec, CDR_CODEC_MAX);
		put_u(&w, (l->transcoded ? FLAG_TRANSCODED : 0) | (l->srtp ? FLAG_SRTP : 0), 1);
		put_u(&w, l->sip_status, 2);
		put_u(&w, l->q850, 1);
		put_u(&w, l->q.packets_sent, 4);
		put_u(&w, l->q.packets_received, 4);
		put_u(&w, l->q.packets_lost, 4);
		put_u(&w, l->q.jitter_us, 4);
		put_u(&w, l->q.mos_x100, 2);
		put_u(&w, l->q.jitter_max_us, 4);
		put_u(&w, l->q.rtt_us, 4);
	}
	return w.n;
}

struct rd {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

static uint64_t get_u(struct rd *r, int bytes)
{
	uint64_t v = 0;

	if (r->bad || r->len - r->off < (size_t)bytes) {
		r->bad = true;
		return 0;
	}
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)r->p[r->off++] << (8 * i);
	return v;
}

static void get_str(struct rd *r, char *out, size_t max)
{
	size_t n = (size_t)get_u(r, 1);

	out[0] = '\0';
	if (r->bad || n > max || r->len - r->off < n || memchr(r->p + r->off, '\0', n)) {
		r->bad = true;
		return;
	}
	memcpy(out, r->p + r->off, n);
	out[n] = '\0';
	r->off += n;
}

int cdr_decode(const uint8_t *buf, size_t len, struct cdr_record *rec)
{
	struct rd r = { .p = buf, .len = len };
	struct cdr_record v;
	unsigned nlegs, version;

	memset(&v, 0, sizeof v);
	version = (unsigned)get_u(&r, 1);
	if (version < 1 || version > CDR_VERSION)
		return -EBADMSG;
	v.state = (uint8_t)get_u(&r, 1);
	v.direction = (uint8_t)get_u(&r, 1);
	nlegs = (unsigned)get_u(&r, 1);
	v.id = get_u(&r, 8);
	v.start_us = (int64_t)get_u(&r, 8);
	v.answer_us = (int64_t)get_u(&r, 8);
	v.end_us = (int64_t)get_u(&r, 8);
	get_str(&r, v.caller, CDR_NUMBER_MAX);
	get_str(&r, v.called, CDR_NUMBER_MAX);
	get_str(&r, v.reason, CDR_REASON_MAX);
	if (v.state < CDR_OPEN || v.state > CDR_INTERRUPTED || v.direction > CDR_DIR_LOCAL ||
	    nlegs != CDR_LEGS)
		return -EBADMSG;
	for (unsigned i = 0; i < nlegs && !r.bad; i++) {
		struct cdr_leg *l = &v.leg[i];
		unsigned flags;

		l->kind = (uint8_t)get_u(&r, 1);
		l->slot = (uint16_t)get_u(&r, 2);
		l->channel = (uint16_t)get_u(&r, 2);
		get_str(&r, l->name, CDR_NAME_MAX);
		get_str(&r, l->number, CDR_NUMBER_MAX);
		get_str(&r, l->codec, CDR_CODEC_MAX);
		flags = (unsigned)get_u(&r, 1);
		l->transcoded = flags & FLAG_TRANSCODED;
		l->srtp = flags & FLAG_SRTP;
		l->sip_status = (uint16_t)get_u(&r, 2);
		l->q850 = (uint8_t)get_u(&r, 1);
		l->q.packets_sent = (uint32_t)get_u(&r, 4);
		l->q.packets_received = (uint32_t)get_u(&r, 4);
		l->q.packets_lost = (uint32_t)get_u(&r, 4);
		l->q.jitter_us = (uint32_t)get_u(&r, 4);
		l->q.mos_x100 = (uint16_t)get_u(&r, 2);
		if (version >= 2) {
			l->q.jitter_max_us = (uint32_t)get_u(&r, 4);
			l->q.rtt_us = (uint32_t)get_u(&r, 4);
		}
		if (l->kind > (version == 1 ? CDR_LEG_STATION : CDR_LEG_CLOUD) ||
		    (flags & ~(FLAG_TRANSCODED | FLAG_SRTP)))
			return -EBADMSG;
	}
	if (r.bad || r.off != len)
		return -EBADMSG;
	*rec = v;
	return 0;
}

void cdr_key(uint64_t id, uint8_t key[8])
{
	for (int i = 0; i < 8; i++)
		key[i] = (uint8_t)(id >> (56 - 8 * i));
}

uint64_t cdr_key_id(const uint8_t key[8])
{
	uint64_t id = 0;

	for (int i = 0; i < 8; i++)
		id = id << 8 | key[i];
	return id;
}
