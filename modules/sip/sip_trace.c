/* sip_trace.c: symbridgectl trace sip: complete SIP messages of both stacks, as sofia's tport logs them, to the log and to followers. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/su_log.h>
#include <sofia-sip/tport_tag.h>

#define SB_MODULE "sip"
#include "sip_priv.h"

/*
 * sofia's transport layer logs every message it sends or receives once TPTAG_LOG is on
 * (tport_log_msg): a stamp "recv 512 bytes from udp/[127.0.0.1]:5062 at 12:00:00.000001:", a
 * line of dashes, the message line by line (each indented by three spaces), and dashes again.
 * It logs the parsed message, after TLS, so the cloud leg shows decrypted. It writes through
 * su_log(), i.e. sofia's default log, which we redirect here: we put the pieces together into
 * whole messages and hand each to the daemon's log (while `trace sip on`) and to every
 * `trace sip --follow` client. Other lines sofia writes there go to our log as they are.
 */

#define TRACE_MSG_MAX   (256 * 1024) /* a message longer than this is cut (sofia cuts lines) */
#define FOLLOW_BUF_MAX  (1024 * 1024) /* per follower: a reader that falls behind loses messages */
#define FOLLOWERS_MAX   8

struct follower {
	struct follower *next;
	char *buf;
	size_t len, cap;
	unsigned long long dropped;
	bool ended; /* trace sip off: what is buffered goes out, then the stream ends */
};

static struct {
	bool logging;   /* trace sip on */
	bool capturing; /* TPTAG_LOG is on in the stacks */
	unsigned long long seq;
	/* the line sofia is writing, and the message being put together */
	char line[4096];
	size_t llen;
	bool in_msg, body;
	char head[160];
	char *msg;
	size_t mlen, mcap;
	struct follower *followers;
	size_t nfollowers;
} tr;

static void append(char **buf, size_t *len, size_t *cap, const char *s, size_t n, size_t max)
{
	if (*len + n + 1 > *cap) {
		size_t ncap = *cap ? *cap : 4096;
		char *nb;
		while (ncap < *len + n + 1)
			ncap *= 2;
		if (ncap > max + 1)
			ncap = max + 1;
		if (*len + n + 1 > ncap)
			n = ncap - *len - 1;
		if (!(nb = realloc(*buf, ncap)))
			return;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* sofia's stamp "recv 512 bytes from udp/[127.0.0.1]:5062 at 12:00:00.000001:" as
 * "recv from udp 127.0.0.1:5062 (512 bytes)"; false when the line is not a stamp */
static bool parse_stamp(const char *l, char *out, size_t len)
{
	char what[8], via[8], proto[16], host[64], at[32];
	unsigned long bytes;
	unsigned port;

	if (sscanf(l, "%7s %lu bytes %7s %15[^/]/[%63[^]]]:%u at %31[0-9:.]", what, &bytes, via,
		   proto, host, &port, at) != 7 ||
	    (strcmp(what, "recv") != 0 && strcmp(what, "send") != 0))
		return false;
	snprintf(out, len, "%s %s %s %s%s%s:%u (%lu bytes) at %s", what, via, proto,
		 strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port, bytes, at);
	return true;
}

static void follower_put(struct follower *f, const char *s, size_t n)
{
	if (f->len + n > FOLLOW_BUF_MAX) {
		f->dropped++;
		return;
	}
	append(&f->buf, &f->len, &f->cap, s, n, FOLLOW_BUF_MAX);
}

static void follower_puts(struct follower *f, const char *s)
{
	follower_put(f, s, strlen(s));
}

/* A whole message: to the log, line by line under one number, and to the followers. */
static void message_done(void)
{
	unsigned long long n = ++tr.seq;
	char hdr[200];
	int hl;

	if (tr.logging) {
		log_notice("trace %llu: %s", n, tr.head);
		for (char *s = tr.msg, *e; s && *s; s = e + 1) {
			if (!(e = strchr(s, '\n')))
				e = s + strlen(s);
			log_notice("trace %llu: | %.*s", n, (int)(e - s), s);
			if (!*e)
				break;
		}
	}
	hl = snprintf(hdr, sizeof hdr, "--- %s\n", tr.head);
	for (struct follower *f = tr.followers, *next; f; f = next) {
		next = f->next; /* waking f may end its stream, and free f */
		if (f->ended)
			continue;
		follower_put(f, hdr, (size_t)hl);
		follower_put(f, tr.msg ? tr.msg : "", tr.mlen);
		follower_put(f, "\n", 1);
		sb_reply_stream_wake(f);
	}
	tr.mlen = 0;
	if (tr.msg)
		tr.msg[0] = '\0';
}

static bool dashes(const char *l)
{
	l += strspn(l, " ");
	return strlen(l) >= 20 && strspn(l, "-") == strlen(l);
}

static void take_line(const char *l)
{
	char head[160];

	if (!tr.in_msg) {
		if (parse_stamp(l, head, sizeof head)) {
			snprintf(tr.head, sizeof tr.head, "%s", head);
			tr.in_msg = true;
			tr.body = false;
			tr.mlen = 0;
		} else if (dashes(l) || !*l) {
			/* the dashes sofia puts right after a stamp, on its line */
		} else {
			log_info("sofia: %s", l);
		}
		return;
	}
	if (dashes(l)) {
		if (tr.body) { /* the closing dashes */
			tr.in_msg = false;
			message_done();
		}
		tr.body = true;
		return;
	}
	if (strncmp(l, "   *** message truncated", 24) == 0)
		return;
	tr.body = true;
	if (strncmp(l, "   ", 3) == 0)
		l += 3;
	append(&tr.msg, &tr.mlen, &tr.mcap, l, strlen(l), TRACE_MSG_MAX);
	append(&tr.msg, &tr.mlen, &tr.mcap, "\n", 1, TRACE_MSG_MAX);
}

/* sofia writes a line in pieces (the stamp and its dashes in one, then each line and its
 * newline apart): cut what comes into lines */
static void logger_cb(void *stream, char const *fmt, va_list ap)
{
	char piece[4096];
	int n = vsnprintf(piece, sizeof piece, fmt, ap);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof piece)
		n = sizeof piece - 1;
	for (int i = 0; i < n; i++) {
		if (piece[i] == '\n') {
			tr.line[tr.llen] = '\0';
			take_line(tr.line);
			tr.llen = 0;
		} else if (piece[i] != '\r' && tr.llen < sizeof tr.line - 1) {
			tr.line[tr.llen++] = piece[i];
		}
	}
}

/* ---- turning it on and off ---------------------------------------------------------------- */

bool sip_trace_capturing(void)
{
	return tr.logging || tr.followers;
}

/* TPTAG_LOG in both stacks, when it changes (a stack made later takes it at nua_create) */
static void apply(void)
{
	bool want = sip_trace_capturing();

	if (want == tr.capturing)
		return;
	tr.capturing = want;
	if (sip.local)
		nua_set_params(sip.local, TPTAG_LOG(want), TAG_END());
	if (sip.cloud)
		nua_set_params(sip.cloud, TPTAG_LOG(want), TAG_END());
}

void sip_trace_stack_created(nua_t *nua)
{
	if (nua && tr.capturing)
		nua_set_params(nua, TPTAG_LOG(1), TAG_END());
}

static int follow_more_cb(void *arg, FILE *out)
{
	struct follower *f = arg;

	if (f->dropped) {
		fprintf(out, "--- %llu messages dropped: the terminal reads slower than they come\n",
			f->dropped);
		f->dropped = 0;
	}
	if (f->len) {
		fwrite(f->buf, 1, f->len, out);
		f->len = 0;
		return 1;
	}
	return f->ended ? 0 : SB_REPLY_STREAM_WAIT;
}

static void follow_free_cb(void *arg)
{
	struct follower *f = arg;

	for (struct follower **p = &tr.followers; *p; p = &(*p)->next)
		if (*p == f) {
			*p = f->next;
			tr.nfollowers--;
			break;
		}
	free(f->buf);
	free(f);
	apply();
}

int sip_trace_cmd(const struct sb_ctl_req *req, struct sb_reply *r)
{
	const char *a = req->argc ? req->argv[0] : NULL;
	struct follower *f;

	if (!a) {
		sb_reply_str(r, "trace", tr.logging ? "on" : "off");
		sb_reply_int(r, "followers", (long long)tr.nfollowers);
		sb_reply_int(r, "messages", (long long)tr.seq);
		return 0;
	}
	if (strcmp(a, "on") == 0) {
		if (!tr.logging)
			log_notice("sip trace on (uid %u): every SIP message goes to the log",
				   req->uid);
		tr.logging = true;
		apply();
		sb_reply_message(r, "sip trace on: complete SIP messages of both stacks go to the "
				    "log (\"symbridgectl trace sip off\" stops it)");
		return 0;
	}
	if (strcmp(a, "off") == 0) {
		if (tr.logging || tr.followers)
			log_notice("sip trace off (uid %u)", req->uid);
		tr.logging = false;
		for (struct follower *next = NULL, *g = tr.followers; g; g = next) {
			next = g->next; /* waking g may end its stream, and free g */
			g->ended = true;
			follower_puts(g, "--- sip trace off\n");
			sb_reply_stream_wake(g);
		}
		apply();
		sb_reply_message(r, "sip trace off");
		return 0;
	}
	if (strcmp(a, "--follow") != 0) {
		sb_reply_error(r, "\"%s\" is not on, off or --follow", a);
		return -EINVAL;
	}
	if (tr.nfollowers >= FOLLOWERS_MAX) {
		sb_reply_error(r, "%d clients follow the trace already", FOLLOWERS_MAX);
		return -EBUSY;
	}
	if (!(f = calloc(1, sizeof *f))) {
		sb_reply_error(r, "out of memory");
		return -ENOMEM;
	}
	f->next = tr.followers;
	tr.followers = f;
	tr.nfollowers++;
	log_notice("sip trace followed by uid %u", req->uid);
	apply();
	follower_puts(f, "--- following SIP messages of both stacks until Ctrl-C or trace sip off\n");
	sb_reply_stream_follow(r, follow_more_cb, follow_free_cb, f);
	return 0;
}

void sip_trace_init(void)
{
	su_log_redirect(NULL, logger_cb, NULL);
}

void sip_trace_close(void)
{
	su_log_redirect(NULL, NULL, NULL);
	tr.logging = tr.capturing = false;
	free(tr.msg);
	tr.msg = NULL;
	tr.mlen = tr.mcap = 0;
}
