/* mgmt_int.h: what the parts of the cloud management module share (not for other modules). */
#ifndef MGMT_INT_H
#define MGMT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "mgmt.h"

/* The version of the message formats (README.md): every JSON message carries it as "v". */
#define MGMT_FORMAT_VERSION 1

int64_t mgmt_now_us(void);
/* topic PREFIX/CLIENT/suffix */
void mgmt_topic(char *buf, size_t len, const char *suffix);
const char *mgmt_client_id(void);

/* ---- mgmt_outbox.c: what waits for the broker's PUBACK, in the store ---------------------- */

struct mgmt_msg {
	uint64_t seq; /* the outbox's key: order of publication */
	int64_t created_us;
	const char *topic;
	const void *payload;
	size_t len;
};

struct mgmt_outbox_stats {
	uint64_t depth, bytes;
	uint64_t dropped_full, dropped_age, dropped_store; /* and why */
};

int mgmt_outbox_open(size_t max_bytes, int64_t max_age_us);
void mgmt_outbox_limits(size_t max_bytes, int64_t max_age_us);
/* keep a message until the broker acknowledges it (0, or a negative errno: not kept) */
int mgmt_outbox_add(const char *topic, const void *payload, size_t len);
/* the first message after seq (0: the first of all); -ENOENT when none. The message points into
 * a buffer of the outbox's, valid until the next call. */
int mgmt_outbox_next(uint64_t after, struct mgmt_msg *m);
void mgmt_outbox_ack(uint64_t seq);
void mgmt_outbox_expire(void); /* drop what is older than the age limit */
void mgmt_outbox_stats(struct mgmt_outbox_stats *st);
void mgmt_outbox_close(void);

/* ---- mgmt_mqtt.c: the MQTT connection, libmosquitto driven from the main loop ------------- */

struct mgmt_mqtt_conf {
	char host[256];
	int port;
	char client_id[65];
	char ca_file[1025], cert_file[1025], key_file[1025];
	bool verify_host, tls13;
	int keepalive;
};

int mgmt_mqtt_start(const struct mgmt_mqtt_conf *mc);
void mgmt_mqtt_stop(void);
bool mgmt_mqtt_connected(void);
/* the outbox has something new: send it if the connection can */
void mgmt_mqtt_kick(void);
/* publish now, retained, QoS 1, outside the outbox (the latest state replaces the last) */
void mgmt_mqtt_publish_retained(const char *topic, const char *payload);
void mgmt_mqtt_show(struct sb_reply *r);

/* ---- mgmt_report.c: one VoIP report per finished call (an observer of call events) -------- */

int mgmt_report_start(void);
void mgmt_report_stop(void);

/* ---- mgmt_state.c: the appliance's state, published when it changes ----------------------- */

void mgmt_state_start(void);
void mgmt_state_stop(void);
void mgmt_state_connected(void); /* publish the state again (a new connection) */

#endif
