/* cmd_call.c: control commands of the call core: show calls, hangup. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"

static void leg_where(const struct sb_leg *leg, char *buf, size_t len)
{
	if (!leg)
		snprintf(buf, len, "-");
	else if (leg->slot)
		snprintf(buf, len, "%d/%u", leg->slot, leg->channel);
	else
		snprintf(buf, len, "%s", leg->owner);
}

/* The media of one leg (codec, SRTP, packets), from the call's session or the leg's owner. */
static void leg_media(struct sb_reply *r, const char *side, const struct sb_leg *leg,
		      bool *transcoding, char *codec, size_t clen, bool *srtp)
{
	struct sb_leg_media mi;
	char key[32];

	codec[0] = '\0';
	if (!leg || sb_leg_media_info(leg, &mi) < 0) {
		if (leg)
			snprintf(codec, clen, "%s", leg->codec);
		return;
	}
	snprintf(codec, clen, "%s", mi.codec);
	*transcoding |= mi.transcoding;
	*srtp = mi.srtp;
	snprintf(key, sizeof key, "%s_rx_packets", side);
	sb_reply_int(r, key, (long long)mi.rx_packets);
	snprintf(key, sizeof key, "%s_tx_packets", side);
	sb_reply_int(r, key, (long long)mi.tx_packets);
}

static int call_row(void *arg, struct sb_call *c)
{
	struct sb_reply *r = arg;
	struct sb_leg *a = sb_call_leg(c, 0), *b = sb_call_leg(c, 1);
	char from[32], to[48], id[24];
	struct timespec ts;
	unsigned n = 0;
	int64_t since = sb_call_answer_us(c);

	while (sb_call_leg(c, n + 1))
		n++;
	leg_where(a, from, sizeof from);
	leg_where(b, to, sizeof to);
	if (n > 1) /* a ring group still ringing several members */
		snprintf(to + strlen(to), sizeof to - strlen(to), " (+%u)", n - 1);
	clock_gettime(CLOCK_REALTIME, &ts);
	if (!since)
		since = sb_call_start_us(c);
	snprintf(id, sizeof id, "%llu", (unsigned long long)sb_call_id(c));
	sb_reply_row(r);
	sb_reply_str(r, "id", id);
	sb_reply_str(r, "from", from);
	sb_reply_str(r, "from_card", a ? a->card : NULL);
	sb_reply_str(r, "caller", sb_call_caller(c)->number);
	sb_reply_str(r, "to", to);
	sb_reply_str(r, "to_card", b ? b->card : NULL);
	sb_reply_str(r, "called", b ? b->party.number : NULL);
	sb_reply_str(r, "state", sb_leg_state_name(b ? b->state : a ? a->state : SB_LEG_RELEASED));
	sb_reply_int(r, "duration_s", ((int64_t)ts.tv_sec * 1000000 - since) / 1000000);
	bool tc = false, srtp_a = false, srtp_b = false;
	char ca[20], cb[20], codecs[48], srtp[16];
	leg_media(r, "a", a, &tc, ca, sizeof ca, &srtp_a);
	leg_media(r, "b", b, &tc, cb, sizeof cb, &srtp_b);
	snprintf(codecs, sizeof codecs, "%s/%s", ca[0] ? ca : "-", cb[0] ? cb : "-");
	snprintf(srtp, sizeof srtp, "%s/%s", srtp_a ? "yes" : "no", srtp_b ? "yes" : "no");
	sb_reply_str(r, "a_codec", ca[0] ? ca : NULL);
	sb_reply_str(r, "b_codec", cb[0] ? cb : NULL);
	sb_reply_str(r, "codecs", codecs);
	sb_reply_bool(r, "a_srtp", srtp_a);
	sb_reply_bool(r, "b_srtp", srtp_b);
	sb_reply_str(r, "srtp", srtp);
	sb_reply_str(r, "transcoding", tc ? "yes" : "no");
	return 0;
}

static int cmd_calls(const struct sb_ctl_req *req, struct sb_reply *r)
{
	static const char *const cols[] = { "id",     "from",        "caller",     "to",
					    "called", "state",       "duration_s", "codecs",
					    "srtp",   "transcoding", NULL };

	sb_reply_table(r, cols);
	sb_call_foreach(call_row, r);
	return 0;
}

static int cmd_hangup(const struct sb_ctl_req *req, struct sb_reply *r)
{
	char *end;
	unsigned long long id = strtoull(req->argv[0], &end, 10);
	struct sb_call *c = *end || end == req->argv[0] ? NULL : sb_call_find(id);

	if (!c) {
		sb_reply_error(r, "no call %s (\"show calls\" lists them)", req->argv[0]);
		return -1;
	}
	log_notice("call %llu hung up from the command line", id);
	sb_call_hangup(c, 16, "admin-hangup");
	sb_reply_message(r, "call %llu hung up", id);
	return 0;
}

const struct sb_ctl_cmd sb__call_cmds[] = {
	{ "show calls", cmd_calls, "calls in progress: legs, numbers, state, duration", 0 },
	{ "hangup <CALL>", cmd_hangup, "end a call (both sides hear normal clearing)",
	  SB_CTL_PRIV },
	{ NULL, NULL, NULL, 0 },
};
