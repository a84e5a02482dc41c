/* fuzz_sip_invite.c: fuzz target for a station's call: any bytes parsed by sofia-sip as an
 * INVITE, its Proxy-Authorization judged by the registrar (the challenge for its user), then
 * the number of its Request-URI routed by the call core (channel lookup, target, fallback, ring
 * group) to a fake card that places every call. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "../unit/sip_sample.h"
#include "core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fake_leg {
	struct sb_leg leg;
	bool hung;
};
static struct fake_leg placed[16];
static size_t nplaced;

static void fake_alert(struct sb_leg *leg) {}
static void fake_answer(struct sb_leg *leg) {}
static void fake_dtmf(struct sb_leg *leg, char d) {}
static void fake_hangup(struct sb_leg *leg, int q850)
{
	if (leg->call || q850 < 0 || q850 > 127)
		abort(); /* the core lets go first, with a Q.850 cause */
	((struct fake_leg *)leg)->hung = true;
}

static const struct sb_leg_ops fake_ops = {
	.alert = fake_alert, .answer = fake_answer, .hangup = fake_hangup, .dtmf = fake_dtmf,
};

static int fake_originate(const struct sb_card *card, const char *number, struct sb_call *call,
			  struct sb_leg **legp)
{
	if (nplaced == sizeof placed / sizeof placed[0])
		return -EBUSY;
	struct fake_leg *f = &placed[nplaced++];
	memset(f, 0, sizeof *f);
	f->leg.owner = "fake";
	f->leg.ops = &fake_ops;
	f->leg.slot = card->slot;
	f->leg.channel = (unsigned)nplaced;
	snprintf(f->leg.party.number, sizeof f->leg.party.number, "%s", number);
	*legp = &f->leg;
	return 0;
}

static const struct sb_card_type fake_type = { .name = "fake", .originate = fake_originate };
static const struct sb_card_type quiet_type = { .name = "quiet" };

/* numbers: 100 one target, 200 a ring group, 300 a card with no call path, 40 a prefix of 401 */
static struct sb_channel bridge_ch[] = {
	{ .index = 1, .number = "100", .target = "card:2/555" },
	{ .index = 2, .number = "200", .ring_group = "g" },
	{ .index = 3, .number = "300", .target = "card:3/1" },
	{ .index = 4, .number = "401", .target = "cloud:x", .fallback = "card:2/9" },
	{ .index = 5, .number = "*12#", .target = "station:d1" },
};
static struct sb_card cards[] = {
	{ .type = &quiet_type, .slot = 1, .name = "bridge", .channels = bridge_ch, .nchannels = 5 },
	{ .type = &fake_type, .slot = 2, .name = "trunk" },
	{ .type = &quiet_type, .slot = 3, .name = "other" },
};
static struct sb_model model = { .cards = cards, .ncards = 3 };
static char *members[] = { "card:2/1", "card:2/2", "cloud:y", "card:3/1" };
static struct sb_ring_group_conf group = { .name = "g", .members = { .v = members, .n = 4 } };
static struct sb_conf conf;
static uv_loop_t loop;

static void setup(void)
{
	sample_setup();
#ifdef SB_FUZZING
	sip_digest_fuzz_accept(true); /* make fuzz: any nonce and response of d1 or d2 */
#endif
	conf.model = &model;
	conf.ring_groups.v = &group;
	conf.ring_groups.n = 1;
	conf.system.max_call_seconds = 600;
	sb__d.conf = &conf;
	uv_loop_init(&loop);
	sb__d.loop = &loop;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static uint64_t now = 1000000;
	struct sip_reg_answer a;
	const char *user = NULL;
	msg_t *msg;

	if (!ready) {
		setup();
		ready = true;
	}
	if (!(msg = sample_parse((const char *)data, size)))
		return 0;
	sip_t *req = sip_object(msg);
	if (!req->sip_request || req->sip_request->rq_method != sip_method_invite || !req->sip_from)
		goto out;
	now += 1000;
	if (sip_reg_auth_call(req, "127.0.0.1:5060", now, &user, &a) <= 0) {
		if (a.status != 407 || a.n_auth < 1 || a.n_auth > SIP_CHALLENGES)
			abort(); /* a refused call is always challenged */
		goto out;
	}
	if (!user || (strcmp(user, "d1") != 0 && strcmp(user, "d2") != 0))
		abort(); /* only a station is ever authenticated */

	/* the call, as sip_call_incoming hands it to the core */
	struct fake_leg caller = { 0 };
	struct sb_party called = { .ton = SB_TON_UNKNOWN };
	const char *num = req->sip_request->rq_url->url_user;
	int cause = 0;

	caller.leg.owner = "fake";
	caller.leg.ops = &fake_ops;
	caller.leg.kind = SB_LEG_KIND_STATION;
	snprintf(caller.leg.party.number, sizeof caller.leg.party.number, "%s", user);
	snprintf(called.number, sizeof called.number, "%s", num ? num : "");
	nplaced = 0;
	if (sb_call_incoming(&caller.leg, &called, &cause) == 0) {
		if (!caller.leg.call)
			abort();
		if (nplaced && (req->sip_cseq && req->sip_cseq->cs_seq % 2))
			sb_leg_answered(&placed[0].leg);
		sb_call_hangup(caller.leg.call, 16, "fuzz");
	} else if (cause < 1 || cause > 127 || caller.leg.call) {
		abort();
	}
	for (size_t i = 0; i < nplaced; i++)
		if (!placed[i].hung)
			abort(); /* every placed leg ends with the call */
	uv_run(&loop, UV_RUN_NOWAIT); /* closes the call's timers */
out:
	msg_destroy(msg);
	return 0;
}
