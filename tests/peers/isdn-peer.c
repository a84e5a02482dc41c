/* isdn-peer.c: a scriptable libpri peer for the tests: it connects to a span's D-channel socket
 * in the role opposite to the daemon's, reads commands on stdin and prints events on stdout.
 * On its B-channel sockets it plays tones and in-band DTMF in real time (spandsp) and reports
 * the DTMF digits it hears in band. Q.931 SERVICE messages (AT&T maintenance, as a PBX that
 * knows them) block and unblock the far end's B-channels: it says so and calls on none of them. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <libpri.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <stdint.h>
#include <spandsp.h>

#define MAXCALLS 64
#define MAXB     31

struct pcall {
	int id;
	q931_call *q;
	int ts;
	bool incoming, up;
	/* what it plays on its B-channel, one 20 ms frame per tick: a sine, then in-band DTMF */
	bool playing;
	int tone_frames, tone_hz, tx_sent;
	double phase;
	dtmf_tx_state_t *dtx;
	char dtmf_digits[64];
};

static struct {
	struct pri *pri;
	int fd;
	char path[108];
	bool net, bri, ptmp, t1, paused, auto_answer, auto_alert, audio;
	bool ni2; /* --switch ni2: the North American dialect (SERVICE messages), else EuroISDN */
	struct pcall calls[MAXCALLS];
	int next_id;
	int bfd[MAXB + 1];              /* B-channel audio sockets by timeslot */
	dtmf_rx_state_t *drx[MAXB + 1]; /* in-band DTMF heard on them */
	/* what was heard on them since the last `heard`: frames above silence, their samples and
	 * zero crossings (the tone's frequency), and the sign of the last sample */
	long heard_frames[MAXB + 1], heard_samples[MAXB + 1], heard_zc[MAXB + 1];
	/* every frame that came on them since the channel's socket connected, and its bytes */
	long rx_frames[MAXB + 1], rx_bytes[MAXB + 1];
	int heard_sign[MAXB + 1];
	bool quiet; /* `audio-log off`: no line per received frame */
	bool blocked[MAXB + 1]; /* taken out of service by the far end's SERVICE, by timeslot */
	long long next_tick;            /* when the next played frame is due (ms), 0: none */
} P = { .fd = -1, .next_id = 1 };

#define FRAME    160 /* 20 ms of 8 kHz G.711 */
#define FRAME_MS 20

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int nbc(void)
{
	return P.bri ? 2 : P.t1 ? 23 : 30;
}

/* the daemon numbers B-channels 1..n; E1 timeslot 16 is the D-channel */
static int ts_of_index(int i)
{
	return (!P.bri && !P.t1 && i >= 16) ? i + 1 : i;
}

static int index_of_ts(int ts)
{
	return (!P.bri && !P.t1 && ts >= 17) ? ts - 1 : ts;
}

static struct pcall *by_q(q931_call *q)
{
	for (int i = 0; i < MAXCALLS; i++)
		if (P.calls[i].id && P.calls[i].q == q)
			return &P.calls[i];
	return NULL;
}

static struct pcall *by_id(int id)
{
	for (int i = 0; i < MAXCALLS; i++)
		if (P.calls[i].id == id)
			return &P.calls[i];
	return NULL;
}

static struct pcall *by_ts(int ts)
{
	for (int i = 0; i < MAXCALLS; i++)
		if (P.calls[i].id && P.calls[i].ts == ts)
			return &P.calls[i];
	return NULL;
}

static struct pcall *call_add(q931_call *q, int ts, bool incoming)
{
	for (int i = 0; i < MAXCALLS; i++)
		if (!P.calls[i].id) {
			P.calls[i] = (struct pcall){
				.id = P.next_id++, .q = q, .ts = ts, .incoming = incoming
			};
			return &P.calls[i];
		}
	return NULL;
}

/* Mean magnitude of an A-law frame as linear samples (G.711 decoding), to tell audio from
 * silence in the tests. */
static long alaw_level(const unsigned char *a, size_t n)
{
	long sum = 0;

	for (size_t i = 0; i < n; i++) {
		int v = a[i] ^ 0x55, seg = (v & 0x70) >> 4, t = (v & 0x0f) << 4;
		t += seg ? 0x108 : 8;
		if (seg > 1)
			t <<= seg - 1;
		sum += t;
	}
	return n ? sum / (long)n : 0;
}

static void heard_reset(int ts)
{
	P.heard_frames[ts] = P.heard_samples[ts] = P.heard_zc[ts] = 0;
	P.heard_sign[ts] = 0;
}

/* a frame above silence counts toward the frequency heard: zero crossings per sample */
static void heard_add(int ts, const int16_t *lin, size_t n, long level)
{
	if (level < 200)
		return;
	P.heard_frames[ts]++;
	for (size_t i = 0; i < n; i++) {
		int sign = lin[i] > 0 ? 1 : lin[i] < 0 ? -1 : 0;
		if (sign && P.heard_sign[ts] && sign != P.heard_sign[ts])
			P.heard_zc[ts]++;
		if (sign)
			P.heard_sign[ts] = sign;
	}
	P.heard_samples[ts] += (long)n;
}

static void audio_close(int ts)
{
	if (ts > 0 && ts <= MAXB && P.bfd[ts] >= 0) {
		close(P.bfd[ts]);
		P.bfd[ts] = -1;
	}
	if (ts > 0 && ts <= MAXB && P.drx[ts]) {
		dtmf_rx_free(P.drx[ts]);
		P.drx[ts] = NULL;
	}
}

static void play_stop(struct pcall *c)
{
	if (c->dtx)
		dtmf_tx_free(c->dtx);
	c->dtx = NULL;
	c->tone_frames = 0;
	c->playing = false;
}

static void call_del(struct pcall *c)
{
	play_stop(c);
	audio_close(c->ts);
	c->id = 0;
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* spandsp heard digits in band on a B-channel (user data: the timeslot) */
static void inband_cb(void *arg, const char *digits, int len)
{
	int ts = (int)(intptr_t)arg;
	struct pcall *c = by_ts(ts);

	for (int i = 0; i < len; i++)
		out("inband %d %c", c ? c->id : 0, digits[i]);
}

static int unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if (fd < 0)
		return -1;
	/* the daemon may not listen yet: try for a bounded time */
	for (int i = 0; i < 200; i++) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			return fd;
		usleep(25000);
	}
	close(fd);
	return -1;
}

static void audio_open(struct pcall *c)
{
	char path[140];

	if (!P.audio || c->ts <= 0 || c->ts > MAXB || P.bfd[c->ts] >= 0)
		return;
	snprintf(path, sizeof path, "%s.b%d", P.path, index_of_ts(c->ts));
	P.bfd[c->ts] = unix_connect(path);
	heard_reset(c->ts);
	P.rx_frames[c->ts] = P.rx_bytes[c->ts] = 0;
	if (P.bfd[c->ts] >= 0 && !P.drx[c->ts])
		P.drx[c->ts] = dtmf_rx_init(NULL, inband_cb, (void *)(intptr_t)c->ts);
}

/* One frame of what c plays: the sine first, then the DTMF digits; false when it is done. */
static bool play_frame(struct pcall *c)
{
	int16_t pcm[FRAME] = { 0 };
	uint8_t frame[FRAME];
	int k = 0;

	if (c->ts <= 0 || c->ts > MAXB || P.bfd[c->ts] < 0)
		return false;
	if (c->tone_frames > 0) {
		for (int i = 0; i < FRAME; i++) {
			pcm[i] = (int16_t)(8000 * sin(c->phase));
			c->phase += 2 * M_PI * c->tone_hz / 8000.0;
		}
		c->phase = fmod(c->phase, 2 * M_PI);
		c->tone_frames--;
		k = FRAME;
	} else if (c->dtx) {
		k = dtmf_tx(c->dtx, pcm, FRAME);
	}
	if (k <= 0)
		return false;
	for (int i = 0; i < FRAME; i++) /* the rest of a short frame is silence */
		frame[i] = P.t1 ? linear_to_ulaw(pcm[i]) : linear_to_alaw(pcm[i]);
	c->tx_sent += send(P.bfd[c->ts], frame, sizeof frame, MSG_NOSIGNAL) == sizeof frame;
	return true;
}

/* at a call's release: the frames it played (since its last tone) and counted on its
 * B-channel, so a test can hold call records against them */
static void totals(const struct pcall *c)
{
	int ts = c->ts > 0 && c->ts <= MAXB ? c->ts : 0;

	out("totals %d sent %d received %ld", c->id, c->tx_sent, ts ? P.rx_frames[ts] : 0);
}

/* every FRAME_MS: a frame from each call that plays something */
static void play_tick(void)
{
	bool busy = false;

	for (int i = 0; i < MAXCALLS; i++) {
		struct pcall *c = &P.calls[i];
		if (!c->id || !c->playing)
			continue;
		if (play_frame(c)) {
			busy = true;
		} else {
			if (c->dtx)
				out("dtmf-sent %d %s", c->id, c->dtmf_digits);
			else
				out("tone-sent %d %d", c->id, c->tx_sent);
			play_stop(c);
		}
	}
	P.next_tick = busy ? P.next_tick + FRAME_MS : 0;
}

static void play_start(struct pcall *c)
{
	c->playing = true;
	if (!P.next_tick)
		P.next_tick = now_ms();
}

static int io_read(struct pri *pri, void *buf, int len)
{
	return P.fd < 0 ? -1 : (int)recv(P.fd, buf, (size_t)len, MSG_DONTWAIT);
}

static int io_write(struct pri *pri, void *buf, int len)
{
	if (P.fd >= 0)
		send(P.fd, buf, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL);
	return len;
}

static void silent(struct pri *pri, char *s)
{
	if (getenv("ISDN_PEER_DEBUG"))
		fprintf(stderr, "libpri: %s", s);
}

/* a free timeslot: the network from the top, the user side from the bottom */
static int free_ts(void)
{
	for (int i = 1; i <= nbc(); i++) {
		int idx = P.net ? nbc() + 1 - i : i;
		if (!by_ts(ts_of_index(idx)) && !P.blocked[ts_of_index(idx)])
			return ts_of_index(idx);
	}
	return -1;
}

static void place(const char *number, const char *caller, int idx, bool complete, int pres)
{
	int ts = idx > 0 ? ts_of_index(idx) : free_ts();
	q931_call *q = pri_new_call(P.pri);
	struct pri_sr *sr = pri_sr_new();
	struct pcall *c;

	if (ts < 0 || !q || !sr) {
		out("error no channel");
		return;
	}
	pri_sr_set_channel(sr, ts, 1, 0);
	pri_sr_set_bearer(sr, PRI_TRANS_CAP_SPEECH, P.t1 ? PRI_LAYER_1_ULAW : PRI_LAYER_1_ALAW);
	pri_sr_set_called(sr, (char *)number, PRI_UNKNOWN, complete);
	pri_sr_set_caller(sr, (char *)caller, NULL, PRI_NATIONAL_ISDN, pres);
	c = call_add(q, ts, false);
	if (pri_setup(P.pri, q, sr) < 0) {
		out("error setup failed");
		call_del(c);
	} else {
		out("calling %d channel %d", c->id, index_of_ts(ts));
	}
	pri_sr_free(sr);
}

static void on_event(pri_event *e)
{
	struct pcall *c;

	switch (e->e) {
	case PRI_EVENT_DCHAN_UP: out("dchan up"); break;
	case PRI_EVENT_SERVICE: { /* the far end blocks (2) or unblocks (0) one of its B-channels */
		int ts = e->service.channel & 0xff;
		if (ts >= 1 && ts <= MAXB)
			P.blocked[ts] = e->service.changestatus == 2;
		out("service %d %s", index_of_ts(ts),
		    e->service.changestatus == 2 ? "out" : e->service.changestatus == 0 ? "in" : "other");
		break;
	}
	case PRI_EVENT_DCHAN_DOWN: out("dchan down"); break;
	case PRI_EVENT_RING: {
		int ts = e->ring.channel < 0 ? -1 : e->ring.channel & 0xff;
		if (ts <= 0 || ts == 0xff)
			ts = free_ts();
		struct pcall *busy = by_ts(ts);
		if (busy && P.net) { /* glare: the network keeps its channel */
			out("glare reject channel %d", index_of_ts(ts));
			pri_hangup(P.pri, e->ring.call, 44);
			return;
		}
		if (busy) { /* glare as the user side: the network's call takes the channel */
			out("glare yield %d channel %d", busy->id, index_of_ts(ts));
			busy->ts = -1;
		}
		c = call_add(e->ring.call, ts, true);
		out("ring %d from %s to %s channel %d ton %d pres %d complete %d", c->id,
		    e->ring.callingnum, e->ring.callednum, index_of_ts(ts),
		    (e->ring.callingplan >> 4) & 7, (e->ring.callingpres & 0x60) >> 5,
		    e->ring.complete);
		pri_proceeding(P.pri, c->q, ts, 0);
		if (P.auto_alert || P.auto_answer)
			pri_acknowledge(P.pri, c->q, ts, 1);
		if (P.auto_answer) {
			pri_answer(P.pri, c->q, ts, 1);
			c->up = true;
			audio_open(c);
		}
		break;
	}
	case PRI_EVENT_SETUP_ACK:
		if ((c = by_q(e->setup_ack.call)))
			out("setup-ack %d", c->id);
		break;
	case PRI_EVENT_PROCEEDING:
		if ((c = by_q(e->proceeding.call)))
			out("proceeding %d", c->id);
		break;
	case PRI_EVENT_RINGING:
		if ((c = by_q(e->ringing.call)))
			out("ringing %d", c->id);
		break;
	case PRI_EVENT_ANSWER:
		if ((c = by_q(e->answer.call))) {
			c->up = true;
			out("answer %d", c->id);
			audio_open(c);
		}
		break;
	case PRI_EVENT_KEYPAD_DIGIT:
		if ((c = by_q(e->digit.call)))
			out("digits %d %s", c->id, e->digit.digits);
		break;
	case PRI_EVENT_INFO_RECEIVED:
		if ((c = by_q(e->ring.call)))
			out("info %d %s", c->id, e->ring.callednum);
		break;
	case PRI_EVENT_HANGUP_REQ:
		if ((c = by_q(e->hangup.call)))
			out("hangup %d cause %d", c->id, e->hangup.cause);
		pri_hangup(P.pri, e->hangup.call, e->hangup.cause);
		break;
	case PRI_EVENT_HANGUP:
		if ((c = by_q(e->hangup.call))) {
			totals(c);
			out("released %d cause %d", c->id, e->hangup.cause);
			call_del(c);
		}
		pri_hangup(P.pri, e->hangup.call, e->hangup.cause);
		break;
	case PRI_EVENT_HANGUP_ACK:
		if ((c = by_q(e->hangup.call))) {
			totals(c);
			out("released %d cause %d", c->id, e->hangup.cause);
			call_del(c);
		}
		break;
	default: break;
	}
}

static void command(char *line)
{
	char w[8][64] = { { 0 } };
	int n = sscanf(line, "%63s %63s %63s %63s %63s", w[0], w[1], w[2], w[3], w[4]);
	struct pcall *c = n >= 2 ? by_id(atoi(w[1])) : NULL;

	if (n <= 0)
		return;
	if (!strcmp(w[0], "call") && n >= 2) {
		place(w[1], n >= 3 ? w[2] : "4930100", n >= 4 ? atoi(w[3]) : 0, true,
		      PRES_ALLOWED_USER_NUMBER_NOT_SCREENED);
	} else if (!strcmp(w[0], "call-restricted") && n >= 2) {
		place(w[1], n >= 3 ? w[2] : "4930100", 0, true,
		      PRES_PROHIB_USER_NUMBER_NOT_SCREENED);
	} else if (!strcmp(w[0], "overlap") && n >= 2) { /* an incomplete number, more to come */
		place(w[1], "4930100", 0, false, PRES_ALLOWED_USER_NUMBER_NOT_SCREENED);
	} else if (!strcmp(w[0], "info") && c && n >= 3) {
		for (const char *d = w[2]; *d; d++)
			pri_information(P.pri, c->q, *d);
	} else if (!strcmp(w[0], "alert") && c) {
		pri_acknowledge(P.pri, c->q, c->ts, 1);
	} else if (!strcmp(w[0], "answer") && c) {
		pri_answer(P.pri, c->q, c->ts, 1);
		c->up = true;
		audio_open(c);
	} else if (!strcmp(w[0], "digits") && c && n >= 3) {
		pri_keypad_facility(P.pri, c->q, w[2]);
	} else if (!strcmp(w[0], "hangup") && c) {
		pri_hangup(P.pri, c->q, n >= 3 ? atoi(w[2]) : 16);
	} else if (!strcmp(w[0], "audio") && c && n >= 4) { /* audio ID FRAMES BYTE [LEN] */
		unsigned char frame[480];
		int len = n >= 5 ? atoi(w[4]) : FRAME;
		if (len < 1 || len > (int)sizeof frame)
			len = FRAME;
		memset(frame, (int)strtol(w[3], NULL, 0), sizeof frame);
		audio_open(c);
		int sent = 0;
		for (int i = 0; i < atoi(w[2]) && c->ts > 0 && P.bfd[c->ts] >= 0; i++)
			sent += send(P.bfd[c->ts], frame, (size_t)len, MSG_NOSIGNAL) == len;
		out("audio-sent %d %d", c->id, sent);
	} else if (!strcmp(w[0], "audio-log") && n >= 2) { /* audio-log on|off */
		P.quiet = strcmp(w[1], "off") == 0;
	} else if (!strcmp(w[0], "heard") && c) { /* heard ID: frames above silence, their tone */
		int ts = c->ts > 0 && c->ts <= MAXB ? c->ts : 0;
		long hz = ts && P.heard_samples[ts]
				  ? P.heard_zc[ts] * 8000 / (2 * P.heard_samples[ts])
				  : 0;
		out("heard %d frames %ld hz %ld", c->id, ts ? P.heard_frames[ts] : 0, hz);
		if (ts)
			heard_reset(ts);
	} else if (!strcmp(w[0], "received") && c) { /* received ID: every frame, silent or not */
		int ts = c->ts > 0 && c->ts <= MAXB ? c->ts : 0;
		out("received %d frames %ld bytes %ld", c->id, ts ? P.rx_frames[ts] : 0,
		    ts ? P.rx_bytes[ts] : 0);
	} else if (!strcmp(w[0], "tone") && c && n >= 4) { /* tone ID FRAMES HZ, in real time */
		audio_open(c);
		play_stop(c);
		c->tone_frames = atoi(w[2]);
		c->tone_hz = atoi(w[3]);
		c->tx_sent = 0;
		play_start(c);
	} else if (!strcmp(w[0], "dtmf") && c && n >= 3) { /* dtmf ID DIGITS: in band */
		audio_open(c);
		play_stop(c);
		if ((c->dtx = dtmf_tx_init(NULL))) {
			snprintf(c->dtmf_digits, sizeof c->dtmf_digits, "%s", w[2]);
			dtmf_tx_put(c->dtx, c->dtmf_digits, -1);
			play_start(c);
		}
	} else if (!strcmp(w[0], "auto-answer")) {
		P.auto_answer = n < 2 || strcmp(w[1], "off") != 0;
	} else if (!strcmp(w[0], "auto-alert")) {
		P.auto_alert = n < 2 || strcmp(w[1], "off") != 0;
	} else if (!strcmp(w[0], "pause")) { /* stop reading the D-channel (frames queue up) */
		P.paused = true;
		out("paused");
	} else if (!strcmp(w[0], "resume")) {
		P.paused = false;
		out("resumed");
	} else if (!strcmp(w[0], "drop-dchannel")) { /* a cut line: the calls are gone here too */
		for (int i = 0; i < MAXCALLS; i++)
			if (P.calls[i].id) {
				pri_destroycall(P.pri, P.calls[i].q);
				call_del(&P.calls[i]);
			}
		close(P.fd);
		P.fd = -1;
		out("dropped");
	} else if (!strcmp(w[0], "restore")) {
		P.fd = unix_connect(P.path);
		out(P.fd < 0 ? "error cannot reconnect" : "restored");
	} else if (!strcmp(w[0], "calls")) {
		int k = 0;
		for (int i = 0; i < MAXCALLS; i++)
			k += P.calls[i].id != 0;
		out("calls %d", k);
	} else if (!strcmp(w[0], "quit")) {
		exit(0);
	} else {
		out("error unknown command %s", w[0]);
	}
}

static int timeout_ms(void)
{
	struct timeval *tv = pri_schedule_next(P.pri), now;
	long long ms;

	if (!tv)
		return P.next_tick ? (int)(P.next_tick - now_ms() < 0 ? 0 : P.next_tick - now_ms())
				   : 1000;
	gettimeofday(&now, NULL);
	ms = ((long long)tv->tv_sec - now.tv_sec) * 1000 + (tv->tv_usec - now.tv_usec + 999) / 1000;
	if (P.next_tick && P.next_tick - now_ms() < ms)
		ms = P.next_tick - now_ms();
	return ms < 0 ? 0 : ms > 1000 ? 1000 : (int)ms;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "side", required_argument, NULL, 's' },
		{ "type", required_argument, NULL, 'y' },
		{ "audio", no_argument, NULL, 'a' },
		{ "switch", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	char buf[4096];
	size_t have = 0;
	int o;

	for (int i = 0; i <= MAXB; i++)
		P.bfd[i] = -1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c': snprintf(P.path, sizeof P.path, "%s", optarg); break;
		case 's': P.net = strcmp(optarg, "net") == 0; break;
		case 'w': P.ni2 = strcmp(optarg, "ni2") == 0; break;
		case 'y':
			P.bri = strncmp(optarg, "bri", 3) == 0;
			P.ptmp = strcmp(optarg, "bri-ptmp") == 0;
			P.t1 = strcmp(optarg, "t1") == 0;
			break;
		case 'a': P.audio = true; break;
		default:
			fprintf(stderr, "usage: isdn-peer --connect PATH --side net|cpe "
					"--type e1|t1|bri-ptp|bri-ptmp [--audio]\n");
			return 2;
		}
	}
	if (!P.path[0] || (P.fd = unix_connect(P.path)) < 0) {
		fprintf(stderr, "isdn-peer: cannot connect to %s\n", P.path);
		return 1;
	}
	pri_set_message(silent);
	pri_set_error(silent);
	int node = P.net ? PRI_NETWORK : PRI_CPE;
	int sw = P.ni2 ? PRI_SWITCH_NI2 : P.t1 ? PRI_SWITCH_EUROISDN_T1 : PRI_SWITCH_EUROISDN_E1;
	P.pri = P.bri ? pri_new_bri_cb(-1, !P.ptmp, node, sw, io_read, io_write, NULL)
		      : pri_new_cb(-1, node, sw, io_read, io_write, NULL);
	if (!P.pri)
		return 1;
	pri_set_overlapdial(P.pri, 1);
	pri_set_service_message_support(P.pri, 1);
	if (getenv("ISDN_PEER_DEBUG"))
		pri_set_debug(P.pri, PRI_DEBUG_Q931_DUMP);
	out("connected");
	for (;;) {
		struct pollfd pf[2 + MAXB] = { { .fd = 0, .events = POLLIN },
					       { .fd = P.paused ? -1 : P.fd, .events = POLLIN } };
		int nf = 2;
		for (int ts = 1; ts <= MAXB; ts++)
			if (P.bfd[ts] >= 0)
				pf[nf++] = (struct pollfd){ .fd = P.bfd[ts], .events = POLLIN };
		int r = poll(pf, (nfds_t)nf, timeout_ms());
		if (r < 0 && errno != EINTR)
			return 1;
		/* commands first: what the test wrote before a frame arrived (auto-answer, then a call
		 * that rings here) applies before that frame's event (107 lost its first call once) */
		if (pf[0].revents & (POLLIN | POLLHUP)) {
			ssize_t k = read(0, buf + have, sizeof buf - 1 - have);
			if (k <= 0)
				return 0; /* stdin closed: the test is done with us */
			have += (size_t)k;
			buf[have] = '\0';
			char *nl;
			while ((nl = strchr(buf, '\n'))) {
				*nl = '\0';
				command(buf);
				have -= (size_t)(nl + 1 - buf);
				memmove(buf, nl + 1, have + 1);
			}
			continue; /* a command may have closed or opened descriptors: poll again */
		}
		if (r == 0 || !(pf[1].revents & POLLIN)) {
			pri_event *e = pri_schedule_run(P.pri);
			if (e)
				on_event(e);
		}
		if (P.next_tick && now_ms() >= P.next_tick)
			play_tick();
		if (pf[1].fd >= 0 && (pf[1].revents & (POLLHUP | POLLERR))) {
			out("dchan closed");
			close(P.fd);
			P.fd = -1;
		} else if (pf[1].fd >= 0 && (pf[1].revents & POLLIN)) {
			pri_event *e = pri_check_event(P.pri);
			if (e)
				on_event(e);
		}
		for (int i = 2; i < nf; i++)
			if (pf[i].revents & POLLIN) {
				unsigned char a[1024];
				ssize_t k = recv(pf[i].fd, a, sizeof a, MSG_DONTWAIT);
				for (int ts = 1; k > 0 && ts <= MAXB; ts++)
					if (P.bfd[ts] == pf[i].fd) {
						struct pcall *c = by_ts(ts);
						P.rx_frames[ts]++;
						P.rx_bytes[ts] += k;
						long level = alaw_level(a, (size_t)k);
						if (!P.quiet)
							out("audio %d len %zd byte 0x%02x level %ld",
							    c ? c->id : 0, k, a[0], level);
						int16_t lin[sizeof a];
						for (ssize_t j = 0; j < k; j++)
							lin[j] = P.t1 ? ulaw_to_linear(a[j])
								      : alaw_to_linear(a[j]);
						heard_add(ts, lin, (size_t)k, level);
						if (P.drx[ts])
							dtmf_rx(P.drx[ts], lin, (int)k);
					}
			}
	}
}
