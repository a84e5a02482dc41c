/* fuzz_isdn.c: fuzz target for Q.931 frames into the isdn glue: the harness plays the far end of
 * a span's D-channel socket (Q.921 by hand, SAPI 0 TEI 0) and sends the input's messages as
 * I-frames to spans the glue runs with libpri, so its handlers of SETUP, INFORMATION, keypad,
 * CONNECT, DISCONNECT, RESTART... run on hostile content, routed by the call core to fake legs.
 *
 * Input: byte 0 picks the span (E1 CPE, E1 NET with overlap receiving, BRI PTP NET), then
 * records [type][length][bytes], type modulo 16: 0 and 9-15 a Q.931 message in an I-frame, 1 a
 * reply to the glue's last SETUP (the bytes are the message type and IEs; the harness writes the
 * protocol discriminator and that SETUP's call reference, so the reply matches the call), 2 any
 * Q.921 control field and content, 3/4/5/6 the newest fake leg alerts/answers/hangs up/sends a
 * digit, 7 a fake caller calls out through a span (numbers 703, 704, 705), 8 the D-channel is
 * reconnected. At the end the D-channel closes: every call must end (no call left in the core,
 * every fake leg let go). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include "core.h"
#include "isdn_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the other legs: a fake card that places every call, and fake callers ------------------ */

struct fake_leg {
	struct sb_leg leg;
	bool used, hung;
};
static struct fake_leg fakes[32];

static struct fake_leg *fake_new(void)
{
	for (size_t i = 0; i < sizeof fakes / sizeof fakes[0]; i++)
		if (!fakes[i].used) {
			memset(&fakes[i], 0, sizeof fakes[i]);
			fakes[i].used = true;
			return &fakes[i];
		}
	return NULL;
}

/* the newest fake leg still in a call */
static struct fake_leg *fake_live(void)
{
	for (size_t i = sizeof fakes / sizeof fakes[0]; i-- > 0;)
		if (fakes[i].used && !fakes[i].hung && fakes[i].leg.call)
			return &fakes[i];
	return NULL;
}

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
	struct fake_leg *f = fake_new();

	if (!f)
		return -EBUSY;
	f->leg.owner = "fake";
	f->leg.ops = &fake_ops;
	f->leg.slot = card->slot;
	f->leg.channel = 1;
	snprintf(f->leg.party.number, sizeof f->leg.party.number, "%s", number);
	*legp = &f->leg;
	return 0;
}

static const struct sb_card_type fake_type = { .name = "fake", .originate = fake_originate };
static const struct sb_card_type quiet_type = { .name = "quiet" };
static const struct sb_card_type isdn_type = { .name = "pri", .originate = isdn_originate };

/* what a SETUP may call: a fake trunk, a ring group, the spans themselves, the cloud */
static struct sb_channel bridge_ch[] = {
	{ .index = 1, .number = "100", .target = "card:2/555" },
	{ .index = 2, .number = "200", .ring_group = "g" },
	{ .index = 3, .number = "1234", .target = "card:2/1234" },
	{ .index = 4, .number = "401", .target = "cloud:x", .fallback = "card:2/9" },
	{ .index = 5, .number = "703", .target = "card:3/555" },
	{ .index = 6, .number = "704", .target = "card:4/555" },
	{ .index = 7, .number = "705", .target = "card:5/555" },
	{ .index = 8, .number = "34", .target = "card:4/34" },
};
static struct sb_card cards[] = {
	{ .type = &quiet_type, .slot = 1, .name = "bridge", .channels = bridge_ch, .nchannels = 8 },
	{ .type = &fake_type, .slot = 2, .name = "trunk" },
	{ .type = &isdn_type, .slot = 3, .name = "e1cpe" },
	{ .type = &isdn_type, .slot = 4, .name = "e1net" },
	{ .type = &isdn_type, .slot = 5, .name = "bri" },
};
static struct sb_model model = { .cards = cards, .ncards = 5 };
static char *members[] = { "card:2/1", "card:3/1", "card:2/2" };
static struct sb_ring_group_conf group = { .name = "g", .members = { .v = members, .n = 3 } };
static struct sb_conf conf;
static uv_loop_t loop;
static char dir[64];

/* ---- the far end of the D-channel: Q.921 by hand ------------------------------------------ */

static struct {
	struct isdn_span *s;
	int fd;
	unsigned vs, vr; /* our send and receive sequence numbers (mod 128) */
	uint8_t cref[3];  /* the call reference of the glue's last SETUP: length, value */
} far = { .fd = -1 };

/* C/R: commands from the network side carry 1, from the user side 0; responses the reverse */
static void far_send(bool command, const uint8_t *ctl, size_t clen, const uint8_t *info,
		     size_t ilen)
{
	uint8_t f[300];
	bool we_net = !far.s->conf.net;

	if (far.fd < 0 || 2 + clen + ilen + 2 > sizeof f)
		return;
	f[0] = (uint8_t)((command == we_net) << 1); /* SAPI 0 */
	f[1] = 0x01;                                 /* TEI 0 */
	memcpy(f + 2, ctl, clen);
	if (ilen)
		memcpy(f + 2 + clen, info, ilen);
	memset(f + 2 + clen + ilen, 0, 2); /* libpri's dummy FCS */
	send(far.fd, f, 2 + clen + ilen + 2, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* What the glue sent: its I-frames are acknowledged, SABME and DISC answered with UA, a poll
 * answered with RR. */
static void far_answer(const uint8_t *f, size_t n)
{
	if (n < 5)
		return;
	uint8_t c = f[2];
	if (!(c & 1)) { /* I-frame */
		const uint8_t *q = f + 4;
		size_t l = n >= 9 ? q[1] & 0x0f : 0;
		if (n >= 9 && q[0] == 0x08 && l >= 1 && l <= 2 && 4 + 2 + l + 1 + 2 <= n &&
		    q[2 + l] == 0x05) { /* a SETUP of the glue: the call replies name */
			far.cref[0] = (uint8_t)l;
			memcpy(far.cref + 1, q + 2, l);
		}
		far.vr = ((c >> 1) + 1) % 128;
		uint8_t rr[2] = { 0x01, (uint8_t)(far.vr << 1) };
		far_send(false, rr, 2, NULL, 0);
	} else if ((c & 3) == 1) { /* S-frame: a poll wants our RR with F */
		if (n >= 6 && (f[3] & 1)) {
			uint8_t rr[2] = { 0x01, (uint8_t)(far.vr << 1 | 1) };
			far_send(false, rr, 2, NULL, 0);
		}
	} else if ((c & ~0x10) == 0x6f || (c & ~0x10) == 0x43) { /* SABME, DISC */
		uint8_t ua = (uint8_t)(0x63 | (c & 0x10));
		if ((c & ~0x10) == 0x6f)
			far.vs = far.vr = 0;
		far_send(false, &ua, 1, NULL, 0);
	}
}

/* let the loop run what is ready and answer what the glue sent, until it is quiet */
static void pump(void)
{
	uint8_t f[512];

	for (int i = 0; i < 8; i++) {
		bool any = uv_run(&loop, UV_RUN_NOWAIT) != 0 && i == 0;
		ssize_t n;
		while (far.fd >= 0 && (n = recv(far.fd, f, sizeof f, MSG_DONTWAIT)) > 0) {
			far_answer(f, (size_t)n);
			any = true;
		}
		if (!any)
			break;
	}
}

static void far_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(far.s->path) >= sizeof sa.sun_path)
		abort();
	memcpy(sa.sun_path, far.s->path, strlen(far.s->path) + 1);
	far.fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (far.fd < 0 || connect(far.fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		abort(); /* the harness, not the glue */
	for (int i = 0; i < 20 && far.s->fd < 0; i++)
		uv_run(&loop, UV_RUN_NOWAIT);
	far.vs = far.vr = 0;
	far.cref[0] = 0;
	/* SABME, P=1; and the UA, F=1, to the SABME a span trying to establish sent while no one
	 * was connected (libpri waits in state 5 for it until T200 sends it again, a second on) */
	uint8_t sabme = 0x7f, ua = 0x73;
	far_send(true, &sabme, 1, NULL, 0);
	far_send(false, &ua, 1, NULL, 0);
	pump();
	if (!far.s->l2_up)
		abort(); /* the harness did not bring layer 2 up: nothing after this would count */
}

/* the D-channel closes: the span notices and ends its calls */
static void far_close(void)
{
	if (far.fd >= 0)
		close(far.fd);
	far.fd = -1;
	for (int i = 0; i < 20 && far.s->fd >= 0; i++)
		uv_run(&loop, UV_RUN_NOWAIT);
	if (far.s->fd >= 0)
		abort(); /* a closed D-channel went unnoticed */
}

/* ---- set-up: three spans on sockets in a temporary directory ------------------------------ */

static void cleanup(void)
{
	isdn_spans_close_all();
	uv_run(&loop, UV_RUN_NOWAIT);
	rmdir(dir);
}

static void setup(void)
{
	static const struct {
		int slot;
		bool net, bri, overlap;
	} sp[] = { { 3, false, false, false }, { 4, true, false, true }, { 5, true, true, false } };
	static char names[3][16], paths[3][100];

	/* SB_FUZZ_VERBOSE=1: the glue's log lines at debug, to see which handlers ran */
	sb__log_set_level(getenv("SB_FUZZ_VERBOSE") ? SB_LOG_DEBUG : SB_LOG_ERR);
	conf.model = &model;
	conf.ring_groups.v = &group;
	conf.ring_groups.n = 1;
	conf.system.max_call_seconds = 600;
	sb__d.conf = &conf;
	uv_loop_init(&loop);
	sb__d.loop = &loop;
	snprintf(dir, sizeof dir, "%s/sbfzisdn.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (strlen(dir) > 48 || !mkdtemp(dir))
		snprintf(dir, sizeof dir, "/tmp"), abort();
	for (size_t i = 0; i < 3; i++) {
		snprintf(names[i], sizeof names[i], "span%d", sp[i].slot);
		snprintf(paths[i], sizeof paths[i], "socket:%s/d%d", dir, sp[i].slot);
		struct isdn_span_conf sc = {
			.slot = sp[i].slot, .name = names[i], .bri = sp[i].bri, .net = sp[i].net,
			.switchtype = 0 /* euroisdn */, .dchannel = paths[i], .overlap = sp[i].overlap,
			.digit_timeout_ms = 5000,
		};
		if (isdn_span_open(&sc) < 0)
			abort();
	}
	atexit(cleanup);
}

static void fake_caller(const char *number)
{
	struct fake_leg *f = fake_new();
	struct sb_party called = { .ton = SB_TON_UNKNOWN };
	int cause = 0;

	if (!f)
		return;
	f->leg.owner = "fake";
	f->leg.ops = &fake_ops;
	f->leg.kind = SB_LEG_KIND_STATION;
	snprintf(f->leg.party.number, sizeof f->leg.party.number, "d1");
	snprintf(called.number, sizeof called.number, "%s", number);
	if (sb_call_incoming(&f->leg, &called, &cause) < 0) {
		if (cause < 1 || cause > 127 || f->leg.call)
			abort();
		f->hung = true;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static const char digits[] = "0123456789*#ABCD";

	if (!ready) {
		setup();
		ready = true;
	}
	if (size < 1)
		return 0;
	memset(fakes, 0, sizeof fakes);
	for (far.s = isdn_spans; far.s && far.s->slot != 3 + data[0] % 3;)
		far.s = far.s->next;
	far_connect();
	for (size_t i = 1; i + 2 <= size;) {
		uint8_t type = data[i] % 16;
		size_t n = data[i + 1];
		const uint8_t *p = data + i + 2;
		if (n > size - i - 2)
			n = size - i - 2;
		i += 2 + n;
		struct fake_leg *f = fake_live();
		switch (type) {
		case 1: { /* a reply to the glue's SETUP: 08, its call reference with the flag set */
			uint8_t m[300];
			size_t l = far.cref[0];
			if (!l || n + 2 + l > sizeof m)
				break;
			m[0] = 0x08;
			m[1] = (uint8_t)l;
			memcpy(m + 2, far.cref + 1, l);
			m[2] |= 0x80;
			memcpy(m + 2 + l, p, n);
			uint8_t ctl[2] = { (uint8_t)(far.vs << 1), (uint8_t)(far.vr << 1) };
			far.vs = (far.vs + 1) % 128;
			far_send(true, ctl, 2, m, 2 + l + n);
			break;
		}
		case 2: /* any Q.921 control field and what follows it */
			far_send(true, p, n, NULL, 0);
			break;
		case 3:
			if (f)
				sb_leg_alerting(&f->leg);
			break;
		case 4:
			if (f)
				sb_leg_answered(&f->leg);
			break;
		case 5:
			if (f) {
				f->hung = true;
				sb_leg_hungup(&f->leg, n ? p[0] % 128 : 16);
			}
			break;
		case 6:
			if (f)
				sb_leg_dtmf(&f->leg, digits[(n ? p[0] : 0) % 16]);
			break;
		case 7: fake_caller((const char *[]){ "703", "704", "705" }[(n ? p[0] : 0) % 3]); break;
		case 8:
			far_close();
			far_connect();
			break;
		default: { /* a Q.931 message in an I-frame */
			uint8_t ctl[2] = { (uint8_t)(far.vs << 1), (uint8_t)(far.vr << 1) };
			far.vs = (far.vs + 1) % 128;
			far_send(true, ctl, 2, p, n);
		}
		}
		pump();
	}
	far_close();
	if (sb_call_count() != 0)
		abort(); /* a call outlived its D-channel */
	for (size_t k = 0; k < sizeof fakes / sizeof fakes[0]; k++)
		if (fakes[k].used && (!fakes[k].hung || fakes[k].leg.call))
			abort(); /* every fake leg ends with its call */
	return 0;
}
