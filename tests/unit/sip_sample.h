/* sip_sample.h: a registrar set up with two stations, and REGISTER requests made and parsed
 * by sofia-sip, for the registrar's unit test and its fuzz target. */
#ifndef SIP_SAMPLE_H
#define SIP_SAMPLE_H

#include <stdio.h>
#include <string.h>

#include <sofia-sip/msg.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_parser.h>

#include "sip_priv.h"

static struct sb_station_conf sample_stations[] = {
	{ .user = "d1", .password = "door-pass-1", .name = "Front door" },
	{ .user = "d2", .password = "door-pass-2" },
};
static struct sb_conf_list sample_list = { .v = sample_stations, .n = 2 };
static char *sample_algs[] = { "SHA-256", "MD5" };
static struct sip_conf sample_sc = {
	.realm = "symbridge",
	.min_expires = 60,
	.max_expires = 3600,
	.security = { .digest_algorithms = { .v = sample_algs, .n = 2 } },
};

static void sample_setup(void)
{
	su_init();
	sip_reg_setup(&sample_list, &sample_sc);
}

/* parse one SIP message; NULL when sofia-sip refuses it */
static msg_t *sample_parse(const char *text, size_t len)
{
	msg_t *msg = msg_make(sip_default_mclass(), 0, text, (isize_t)len);

	if (msg && !sip_object(msg)) {
		msg_destroy(msg);
		return NULL;
	}
	return msg;
}

#endif
