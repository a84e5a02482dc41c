/* fuzz_sip_cloud_nua.c: fuzz target that plays the cloud to the daemon's own cloud link: the sip
 * module runs with a real nua over TLS on loopback, and each reply it gets (to its OPTIONS,
 * REGISTERs, INVITEs, BYEs, re-INVITEs...) is built from the request it sent (Via, From, To,
 * Call-ID, CSeq: sofia matches the transaction) with the input's status, headers and body.
 *
 * Input: text, records separated by a line "%%". The first line of a record is a command, the
 * lines after it (bare LF made CRLF) are headers, then after an empty line a body:
 *   R STATUS [PHRASE]  reply to the oldest request of the daemon not answered yet
 *   C [NUMBER]         a fake caller calls NUMBER (100: the cloud, over the link)
 *   L / A / H [CAUSE] / D DIGIT   the newest fake leg rings / answers / hangs up / sends a digit
 *   Q METHOD           the cloud sends METHOD in the dialog of the daemon's last INVITE
 *   I NUMBER           the cloud calls NUMBER (a new INVITE over the connection)
 *   X                  the cloud closes the connection
 *   T SECONDS          time goes on (virtual: keepalives, refreshes, timeouts, session timers)
 * The module is started for each input and stopped at its end (calls hung up first, requests
 * still open answered): no call, no fake leg and no libuv handle of the module may be left. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <poll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>
#include <uv.h>

#include "core.h"
#include "sip_cloud.h"
#include "cloud_peer.h"
#include "cloud_sip.h"
#include "vclock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern const struct sb_module media_module;

/* LeakSanitizer, this target only: Debian's sofia-sip 1.12.11 leaks the SSL of every TLS
 * connection it makes (SSL_new in tls_init_secondary, GENERAL_NAMES in tls_connect; the
 * known ~44 kB of modules/sip/README.md, fixed in sofia-sip 1.13), and each input makes one.
 * OpenSSL has no frame pointers, so with the fast unwinder these stacks end in libcrypto or
 * libssl and can only be told by those frames: OpenSSL's own allocations are not checked here
 * (everything else is: sofia's homes, nua handles, our legs, libuv). */
const char *__lsan_default_suppressions(void);
void __lsan_ignore_object(const void *p) __attribute__((weak)); /* only with the sanitizers */
const char *__lsan_default_suppressions(void)
{
	return "leak:tls_init_secondary\nleak:tls_connect\nleak:libcrypto.so\nleak:libssl.so\n";
}

/* an oracle failed: say which, then crash (libFuzzer keeps the input) */
static void fail(const char *what)
{
	fprintf(stderr, "fuzz_sip_cloud_nua: %s\n", what);
	abort();
}

/* ---- the other side of the calls: fake legs on a fake card in slot 2 ---------------------- */

struct fake_leg {
	struct sb_leg leg;
	bool used, hung;
};
static struct fake_leg fakes[16];

static struct fake_leg *fake_new(void)
{
	for (size_t i = 0; i < sizeof fakes / sizeof fakes[0]; i++)
		if (!fakes[i].used) {
			memset(&fakes[i], 0, sizeof fakes[i]);
			fakes[i].used = true;
			fakes[i].leg.owner = "fake";
			return &fakes[i];
		}
	return NULL;
}

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
	if (leg->call || q850 < 1 || q850 > 127)
		fail("every call ends with a cause, and the core lets go first");
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
	f->leg.ops = &fake_ops;
	f->leg.slot = card->slot;
	f->leg.channel = 1;
	snprintf(f->leg.party.number, sizeof f->leg.party.number, "%s", number);
	*legp = &f->leg;
	return 0;
}

static const struct sb_card_type fake_type = {
	.name = "fake", .originate = fake_originate, .dial_out = true,
};

static void fake_caller(const char *number)
{
	struct fake_leg *f = fake_new();
	struct sb_party called = { .ton = SB_TON_UNKNOWN };
	int cause = 0;

	if (!f)
		return;
	f->leg.ops = &fake_ops;
	f->leg.kind = SB_LEG_KIND_STATION;
	snprintf(f->leg.party.number, sizeof f->leg.party.number, "d1");
	snprintf(called.number, sizeof called.number, "%s", number);
	if (sb_call_incoming(&f->leg, &called, &cause) < 0) {
		if (cause < 1 || cause > 127 || f->leg.call)
			fail("a refused call says why");
		f->hung = true;
	}
}

/* ---- set-up: certificates, the cloud's listener, the configuration, the media engine ------- */

static uv_loop_t loop;
static char dir[64];

static void cleanup(void)
{
	media_module.close();
	while (uv_run(&loop, UV_RUN_NOWAIT))
		;
	peer_close();
	fuzz_pki_remove(dir);
	rmdir(dir);
}

static void setup(void)
{
	static char text[4096], path[128];
	struct sb_msgs errs = { 0 }, warns = { 0 };
	int port, rtp;

	/* SB_FUZZ_VERBOSE=1: the module's log at debug and every message of the cloud's side */
	peer_verbose = getenv("SB_FUZZ_VERBOSE") != NULL;
	sb__log_set_level(peer_verbose ? SB_LOG_DEBUG : SB_LOG_ERR);
	snprintf(dir, sizeof dir, "%s/sbfzcloud.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (strlen(dir) > 48 || !mkdtemp(dir) || fuzz_pki_make(dir) < 0)
		fail("set-up");
	if ((port = peer_listen()) < 0 || (rtp = fuzz_free_port()) < 0)
		fail("set-up");
	rtp &= ~1;
	if (rtp > 65000)
		rtp = 40000;
	snprintf(text, sizeof text,
		 "system: { name = \"fz\"; state_dir = \"%s/state\"; rtp_ports = [ %d, %d ]; };\n"
		 "media: { workers = 1; };\n"
		 "sip: { keepalive_interval = 30; retry_min = 60; retry_max = 120; };\n"
		 "cloud: { enabled = true; registrar = [ \"sips:127.0.0.1:%d\" ];\n"
		 "  tls: { ca_file = \"%s/ca.pem\"; cert_file = \"%s/ca.pem\";\n"
		 "         key_file = \"%s/key.pem\"; }; };\n"
		 "cards = ( { slot = 1; type = \"sym-bridge\"; channels = (\n"
		 "   { number = \"100\"; target = \"cloud:x\"; },\n"
		 "   { number = \"200\"; target = \"card:2/555\"; },\n"
		 "   { number = \"300\"; ring_group = \"g\"; } ); },\n"
		 " { slot = 2; type = \"link\"; peer = \"127.0.0.1:9\"; } );\n"
		 "ring_groups = ( { name = \"g\"; members = [ \"card:2/1\", \"cloud:y\", "
		 "\"card:2/2\" ]; } );\n",
		 dir, rtp, rtp + 40, port, dir, dir, dir);
	snprintf(path, sizeof path, "%s/state", dir);
	if (mkdir(path, 0700) < 0)
		fail("set-up");
	snprintf(path, sizeof path, "%s/fz.conf", dir);
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		fail("set-up");
	if (sb__daemon_load(path, &sb__d.conf, &errs, &warns) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		fail("set-up");
	}
	sb__msgs_free(&errs);
	sb__msgs_free(&warns);
	/* slot 2 places its calls on fake legs (the link card type is not started here) */
	for (size_t i = 0; i < sb__d.conf->model->ncards; i++)
		if (sb__d.conf->model->cards[i].slot == 2)
			sb__d.conf->model->cards[i].type = &fake_type;
	uv_loop_init(&loop);
	sb__d.loop = &loop;
	if (media_module.init(sb__d.conf) < 0)
		fail("set-up");
	atexit(cleanup);
}


/* ---- one input ----------------------------------------------------------------------------- */

/* the loop and the cloud's side until neither has had anything to do for a few milliseconds
 * (what one side writes on loopback TLS is not always readable by the other at once) */
static void pump(void)
{
	for (int quiet = 0, i = 0; quiet < 3 && i < 400; i++) {
		uv_run(&loop, UV_RUN_NOWAIT);
		bool io = peer_io();
		ERR_clear_error(); /* nothing of ours in sofia's error queue */
		if (io) {
			quiet = 0;
			continue;
		}
		struct pollfd w[2] = { { .fd = uv_backend_fd(&loop), .events = POLLIN },
				       { .fd = pr.fd >= 0 ? pr.fd : pr.lfd, .events = POLLIN } };
		quiet = poll(w, 2, 0) > 0 ? 0 : quiet + 1;
	}
}

/* time goes on by ms (virtual time, vclock.h), from timer to timer: what each wakes runs */
static void advance(uint64_t ms)
{
	for (int i = 0; i < 2000 && ms; i++) {
		uv_update_time(&loop);
		int t = uv_backend_timeout(&loop);
		uint64_t step = t <= 0 ? 1 : (uint64_t)t;
		if (step > ms)
			step = ms;
		vclock_ns += step * 1000000u;
		ms -= step;
		pump();
	}
}

static void command(const char *line, size_t ll, const char *rest, size_t rl)
{
	static const char digits[] = "0123456789*#ABCD";
	char arg[64] = "";
	struct fake_leg *f = fake_live();
	size_t a = 1;

	while (a < ll && line[a] == ' ')
		a++;
	snprintf(arg, sizeof arg, "%.*s", (int)(ll - a), line + a);
	switch (line[0]) {
	case 'R': peer_reply(atoi(arg), arg, rest, rl); break;
	case 'C': fake_caller(arg[0] ? arg : "100"); break;
	case 'A':
		if (f)
			sb_leg_answered(&f->leg);
		break;
	case 'L':
		if (f)
			sb_leg_alerting(&f->leg);
		break;
	case 'H':
		if (f) {
			int c = atoi(arg);
			f->hung = true;
			sb_leg_hungup(&f->leg, c >= 1 && c <= 127 ? c : 16);
		}
		break;
	case 'D':
		if (f)
			sb_leg_dtmf(&f->leg, digits[(unsigned char)arg[0] % 16]);
		break;
	case 'Q': peer_request(arg, rest, rl); break;
	case 'I': peer_invite(arg, rest, rl); break;
	case 'X': peer_drop(); break;
	case 'T': advance((uint64_t)(atoi(arg) > 0 ? atoi(arg) % 4000 : 1) * 1000); break;
	default: break;
	}
}

/* the module stops: calls hung up, what is still asked of the cloud answered */
static void teardown(void)
{
	struct fake_leg *f;

	while ((f = fake_live())) {
		f->hung = true;
		sb_leg_hungup(&f->leg, 16);
	}
	for (int i = 0; i < 8; i++) {
		peer_answer_all();
		pump();
	}
	/* what no answer will come for times out first (a CANCEL of an INVITE whose 200 sofia
	 * dropped as malformed: 64 x T1 = 8 s). Stopping earlier is the daemon's 5 s stop bound,
	 * after which sofia's nua_destroy refuses to free the stack ("nua_shutdown not
	 * completed"): memory left at exit only (tests/fuzz/README.md) */
	for (int i = 0; i < 10; i++) {
		peer_answer_all();
		advance(1000);
	}
	nua_t *stack = sip.cloud;
	uint64_t t0 = vclock_ns;
	sip_module.close();
	/* nua's shutdown goes by its timers, within the module's 5 s bound */
	for (int i = 0; i < 200 && sip_loop_root(); i++) {
		peer_answer_all();
		advance(100);
	}
	if (sip_loop_root())
		fail("the module did not stop");
	/* The bound ran out (a request of the shutdown got no answer sofia could match: garbage
	 * on the stream makes sofia drop what follows on that connection): sofia's nua_destroy
	 * then refuses to free the stack, which stays allocated until the exit, in the daemon as
	 * here (tests/fuzz/README.md). Not a leak of ours: LeakSanitizer is told so. */
	if (vclock_ns - t0 >= 5000000000u && stack && __lsan_ignore_object)
		__lsan_ignore_object(stack);
	peer_drop();
	uv_run(&loop, UV_RUN_NOWAIT); /* closes what the module closed last */
}

static void count_handle(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		(*(int *)arg)++;
}

static int handles(void)
{
	int n = 0;
	uv_walk(&loop, count_handle, &n);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	const char *p = (const char *)data, *end = p + size;

	if (!ready) {
		setup();
		ready = true;
	}
	int before = handles();
	memset(fakes, 0, sizeof fakes);
	peer_reset();
	if (sip_module.init(sb__d.conf) < 0)
		fail("set-up");
	pump();
	while (p < end) {
		const char *sep = memmem(p, (size_t)(end - p), "\n%%\n", 4);
		const char *rec_end = sep ? sep : end;
		const char *nl = memchr(p, '\n', (size_t)(rec_end - p));
		const char *line_end = nl ? nl : rec_end;
		command(p, (size_t)(line_end - p), nl ? nl + 1 : rec_end,
			nl ? (size_t)(rec_end - nl - 1) : 0);
		pump();
		p = sep ? sep + 4 : end;
	}
	teardown();
	if (sb_call_count() != 0)
		fail("a call outlived the module");
	for (size_t k = 0; k < sizeof fakes / sizeof fakes[0]; k++)
		if (fakes[k].used && (!fakes[k].hung || fakes[k].leg.call))
			fail("every fake leg ends with its call");
	if (handles() != before)
		fail("the module left a libuv handle open");
	return 0;
}
