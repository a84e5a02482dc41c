/* mgmt_outbox.c: reports and events kept in the store until a channel's receiver acknowledges
 * them (MQTT PUBACK, HTTP 2xx), in order, each channel in its own named database, bounded by size
 * and age, with counts of what was dropped. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SB_MODULE "mgmt"
#include "mgmt_int.h"

#define HDR        12 /* version, flags, topic length (2), created (8, little-endian) */
#define ENC_V1     1
#define TOPIC_MAX  512

/* the channels' outboxes: what one has acknowledged says nothing of the others (webhooks share
 * one, each delivery under its webhook's key) */
struct mgmt_outbox mgmt_mqtt_outbox = { .db = "mgmt_outbox", .name = "cloud outbox",
					 .setting = "cloud.mqtt", .receiver = "the broker" };
struct mgmt_outbox mgmt_https_outbox = { .db = "mgmt_https_outbox", .name = "https outbox",
					  .setting = "cloud.https", .receiver = "the receiver" };
struct mgmt_outbox mgmt_hook_outbox = { .db = "events_outbox", .name = "webhook outbox",
					 .setting = "events", .receiver = "a webhook" };

static void key_of(uint64_t seq, uint8_t k[8])
{
	for (int i = 7; i >= 0; i--, seq >>= 8)
		k[i] = (uint8_t)seq;
}

static uint64_t seq_of(const void *key)
{
	const uint8_t *k = key;
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | k[i];
	return v;
}

static int64_t created_of(const uint8_t *v)
{
	uint64_t c = 0;

	for (int i = 7; i >= 0; i--)
		c = c << 8 | v[4 + i];
	return (int64_t)c;
}

/* a stored message: header, topic, payload; 0 or -EINVAL when it is not one */
static int decode(const void *key, size_t klen, const void *val, size_t vlen, struct mgmt_msg *m)
{
	const uint8_t *v = val;
	size_t tl;

	if (klen != 8 || vlen < HDR || v[0] != ENC_V1)
		return -EINVAL;
	tl = (size_t)v[2] | (size_t)v[3] << 8;
	if (tl == 0 || tl > TOPIC_MAX || HDR + tl + 1 > vlen || v[HDR + tl] != '\0')
		return -EINVAL;
	m->seq = seq_of(key);
	m->created_us = created_of(v);
	m->topic = (const char *)v + HDR;
	m->payload = v + HDR + tl + 1;
	m->len = vlen - HDR - tl - 1;
	return 0;
}

struct scan {
	uint64_t n, bytes, last;
};

static int count_cb(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct scan *s = arg;

	s->n++;
	s->bytes += vlen;
	if (klen == 8)
		s->last = seq_of(key);
	return 0;
}

int mgmt_outbox_open(struct mgmt_outbox *ob, size_t max_bytes, int64_t max_age_us)
{
	struct scan s = { 0 };
	int rc;

	if ((rc = sb_store_foreach(sb_daemon_store(), ob->db, count_cb, &s)) < 0)
		return rc;
	ob->st.depth = s.n;
	ob->st.bytes = s.bytes;
	ob->last_seq = s.last;
	ob->max_bytes = max_bytes;
	ob->max_age_us = max_age_us;
	ob->open = true;
	if (s.n)
		log_notice("%s: %llu message(s) kept from the last run wait for %s", ob->name,
			   (unsigned long long)s.n, ob->receiver);
	mgmt_outbox_expire(ob);
	return 0;
}

void mgmt_outbox_limits(struct mgmt_outbox *ob, size_t max_bytes, int64_t max_age_us)
{
	ob->max_bytes = max_bytes;
	ob->max_age_us = max_age_us;
}

struct first {
	uint64_t seq;
	size_t vlen;
	int64_t created_us;
	bool found;
};

static int first_cb(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct first *f = arg;

	f->found = true;
	f->seq = klen == 8 ? seq_of(key) : 0;
	f->vlen = vlen;
	f->created_us = vlen >= HDR ? created_of(val) : 0;
	return 1;
}

static int oldest(struct mgmt_outbox *ob, struct first *f)
{
	int rc;

	*f = (struct first){ .found = false };
	rc = sb_store_foreach(sb_daemon_store(), ob->db, first_cb, f);
	if (rc < 0)
		return rc;
	return f->found ? 0 : -ENOENT;
}

/* drop the oldest message, counted under *counter */
static int drop_oldest(struct mgmt_outbox *ob, uint64_t *counter)
{
	struct first f;
	uint8_t k[8];
	int rc;

	if ((rc = oldest(ob, &f)) < 0)
		return rc;
	key_of(f.seq, k);
	if ((rc = sb_store_del(sb_daemon_store(), ob->db, k, sizeof k)) < 0 && rc != -ENOENT)
		return rc;
	(*counter)++;
	ob->st.depth -= ob->st.depth ? 1 : 0;
	ob->st.bytes -= ob->st.bytes >= f.vlen ? f.vlen : ob->st.bytes;
	return 0;
}

void mgmt_outbox_expire(struct mgmt_outbox *ob)
{
	int64_t cutoff = mgmt_now_us() - ob->max_age_us;
	uint64_t before = ob->st.dropped_age;
	struct first f;

	while (ob->open && oldest(ob, &f) == 0 && f.created_us < cutoff)
		if (drop_oldest(ob, &ob->st.dropped_age) < 0)
			break;
	if (ob->st.dropped_age > before)
		log_warn("%s: dropped %llu message(s) older than %lld hours that %s never "
			 "acknowledged", ob->name, (unsigned long long)(ob->st.dropped_age - before),
			 (long long)(ob->max_age_us / 3600000000LL), ob->receiver);
}

int mgmt_outbox_add(struct mgmt_outbox *ob, const char *topic, const void *payload, size_t len)
{
	size_t tl = strlen(topic), vlen = HDR + tl + 1 + len;
	int64_t now = mgmt_now_us();
	uint8_t k[8], *v;
	int rc;

	if (!ob->open)
		return -ENOTCONN;
	if (tl == 0 || tl > TOPIC_MAX)
		return -EINVAL;
	if (vlen > ob->max_bytes) {
		ob->st.dropped_full++;
		log_warn("%s: a message of %zu bytes for %s is larger than the whole outbox "
			 "(%s.outbox_max_kb): dropped", ob->name, vlen, topic, ob->setting);
		return -EMSGSIZE;
	}
	/* the newest are worth more than the oldest: make room at the front */
	while (ob->st.depth && ob->st.bytes + vlen > ob->max_bytes)
		if (drop_oldest(ob, &ob->st.dropped_full) < 0)
			break;
	if (ob->st.dropped_full && !ob->full_said) {
		log_warn("%s: full (%s.outbox_max_kb): the oldest messages are dropped while %s "
			 "does not take them", ob->name, ob->setting, ob->receiver);
		ob->full_said = true;
	}
	if (!(v = malloc(vlen)))
		return -ENOMEM;
	v[0] = ENC_V1;
	v[1] = 0;
	v[2] = (uint8_t)tl;
	v[3] = (uint8_t)(tl >> 8);
	for (int i = 0; i < 8; i++)
		v[4 + i] = (uint8_t)((uint64_t)now >> (8 * i));
	memcpy(v + HDR, topic, tl + 1);
	memcpy(v + HDR + tl + 1, payload, len);
	key_of(ob->last_seq + 1, k);
	rc = sb_store_put(sb_daemon_store(), ob->db, k, sizeof k, v, vlen);
	free(v);
	if (rc < 0) {
		ob->st.dropped_store++;
		if (!ob->store_said)
			log_err("%s: the store refused a message for %s: %s (dropped; counted in "
				"show cloud)", ob->name, topic, strerror(-rc));
		ob->store_said = true;
		return rc;
	}
	ob->store_said = false;
	ob->last_seq++;
	ob->st.depth++;
	ob->st.bytes += vlen;
	return 0;
}

struct next {
	struct mgmt_outbox *ob;
	struct mgmt_msg *m;
	int rc;
};

static int next_cb(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct next *n = arg;
	struct mgmt_outbox *ob = n->ob;

	free(ob->buf);
	if (!(ob->buf = malloc(vlen + 1))) {
		n->rc = -ENOMEM;
		return 1;
	}
	memcpy(ob->buf, val, vlen);
	n->rc = decode(key, klen, ob->buf, vlen, n->m);
	if (n->rc < 0) { /* not ours to read: skip it, keep it for a later version */
		log_warn("%s: message %llu is not in a form this version reads: skipped", ob->name,
			 klen == 8 ? (unsigned long long)seq_of(key) : 0ULL);
		n->m->seq = klen == 8 ? seq_of(key) : 0;
		return 0;
	}
	return 1;
}

int mgmt_outbox_next(struct mgmt_outbox *ob, uint64_t after, struct mgmt_msg *m)
{
	struct next n = { .ob = ob, .m = m, .rc = -ENOENT };
	uint8_t k[8];
	int rc;

	if (!ob->open || after == UINT64_MAX)
		return -ENOENT;
	key_of(after + 1, k);
	rc = sb_store_foreach_from(sb_daemon_store(), ob->db, k, sizeof k, next_cb, &n);
	if (rc < 0)
		return rc;
	return n.rc;
}

void mgmt_outbox_ack(struct mgmt_outbox *ob, uint64_t seq)
{
	void *v;
	size_t vlen = 0;
	uint8_t k[8];

	key_of(seq, k);
	if (sb_store_get(sb_daemon_store(), ob->db, k, sizeof k, &v, &vlen) < 0)
		return; /* dropped meanwhile */
	free(v);
	if (sb_store_del(sb_daemon_store(), ob->db, k, sizeof k) < 0)
		return;
	ob->st.depth -= ob->st.depth ? 1 : 0;
	ob->st.bytes -= ob->st.bytes >= vlen ? vlen : ob->st.bytes;
	if (ob->st.depth == 0)
		ob->full_said = false;
}

void mgmt_outbox_stats(const struct mgmt_outbox *ob, struct mgmt_outbox_stats *st)
{
	*st = ob->st;
}

void mgmt_outbox_close(struct mgmt_outbox *ob)
{
	free(ob->buf);
	ob->buf = NULL;
	ob->open = false;
}
