/* isdn_span.c: a span per pri/bri card: its libpri instance, the D-channel (a UNIX socket we
 * listen on, or a DAHDI channel), and libpri's scheduler on a libuv timer. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define SB_MODULE "isdn"
#include "cards.h"
#include "isdn_int.h"

struct isdn_span *isdn_spans;

struct isdn_span *isdn_span_find(int slot)
{
	for (struct isdn_span *s = isdn_spans; s; s = s->next)
		if (s->slot == slot)
			return s;
	return NULL;
}

bool isdn_span_up(const struct isdn_span *s)
{
	return s->fd >= 0 && s->l2_up;
}

/* Q.931 SERVICE (AT&T maintenance) for every B-channel: in service (0) or out of service (2),
 * so that the switch routes its calls to the pair's active node */
void isdn_span_service(struct isdn_span *s, bool in)
{
	unsigned busy = 0;

	if (!s->conf.service || !isdn_span_up(s))
		return;
	s->svc_in = in;
	s->svc_pending = 0;
	for (unsigned i = 0; i < s->nbc; i++) {
		/* a call up stays: its channel is left in service (a SETUP on it is refused) */
		if (!in && s->bc[i].state == ISDN_BC_BUSY) {
			busy++;
			continue;
		}
		if (pri_maintenance_service(s->pri, 0, s->bc[i].ts, in ? 0 : 2) == 0)
			s->svc_pending++;
	}
	s->svc_sent = s->svc_pending;
	isdn_span_sched(s);
	log_notice("span %d (%s): SERVICE sent: %u B-channels %s%s", s->slot, s->name,
		   s->svc_pending, in ? "back in service (active)" : "out of service (standby)",
		   busy ? ", those with a call up left in service" : "");
}

struct isdn_bchan *isdn_bchan_by_ts(struct isdn_span *s, int ts)
{
	for (unsigned i = 0; i < s->nbc; i++)
		if (s->bc[i].ts == ts)
			return &s->bc[i];
	return NULL;
}

void isdn_handle_close(uv_handle_t *h)
{
	if (h && !uv_is_closing(h))
		uv_close(h, (uv_close_cb)free);
}

/* ---- libpri's I/O and scheduler ---------------------------------------------------------------- */

/* libpri frames carry 2 dummy FCS bytes (the DAHDI convention) both ways, so the socket peer
 * sees exactly what a DAHDI HDLC channel would carry. */
static int io_read(struct pri *pri, void *buf, int len)
{
	struct isdn_span *s = pri_get_userdata(pri);
	ssize_t n;

	if (s->fd < 0) {
		errno = EAGAIN;
		return -1;
	}
	n = recv(s->fd, buf, (size_t)len, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		s->hup = true;
	return (int)n;
}

static int io_write(struct pri *pri, void *buf, int len)
{
	struct isdn_span *s = pri_get_userdata(pri);

	/* with no D-channel the frame is lost, as on a cut line: Q.921 recovers */
	if (s->fd >= 0 && send(s->fd, buf, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		if (errno == EAGAIN)
			log_warn("span %d: D-channel send buffer full: a frame was dropped",
				 s->slot);
		else
			s->hup = true;
	}
	return len;
}

static void sched_cb(uv_timer_t *t);

/* libpri keeps its timers itself; after anything that may have changed them the next expiry
 * (an absolute wall-clock time) goes onto the span's uv timer. */
void isdn_span_sched(struct isdn_span *s)
{
	struct timeval *tv, now;
	long long ms;

	if (!s->pri || !s->sched)
		return;
	tv = pri_schedule_next(s->pri);
	if (!tv) {
		uv_timer_stop(s->sched);
		return;
	}
	gettimeofday(&now, NULL);
	ms = ((long long)tv->tv_sec - now.tv_sec) * 1000 + (tv->tv_usec - now.tv_usec + 999) / 1000;
	uv_timer_start(s->sched, sched_cb, ms > 0 ? (uint64_t)ms : 0, 0);
}

static void dchan_lost(struct isdn_span *s, const char *why);

static void span_event(struct isdn_span *s, pri_event *e)
{
	switch (e->e) {
	case PRI_EVENT_DCHAN_UP:
		if (!s->l2_up)
			log_notice("span %d (%s): D-channel up", s->slot, s->name);
		if (!s->port_taken) { /* a trunk takes its Port when its link first comes up */
			isdn_license_trunk(s, true);
			s->port_taken = true;
		}
		s->l2_up = true;
		if (s->fd >= 0)
			s->alarm[0] = '\0';
		/* a standby's B-channels go out of service whenever the link comes up */
		if (s->conf.service && !sb_cluster_active())
			isdn_span_service(s, false);
		break;
	case PRI_EVENT_SERVICE_ACK:
		if (s->svc_pending && --s->svc_pending == 0)
			log_notice("span %d (%s): the switch acknowledged all %u B-channels %s",
				   s->slot, s->name, s->nbc,
				   s->svc_in ? "in service" : "out of service");
		break;
	case PRI_EVENT_DCHAN_DOWN:
		if (s->l2_up)
			log_warn("span %d (%s): D-channel down (layer 2): its calls end", s->slot,
				 s->name);
		s->l2_up = false;
		if (s->fd >= 0)
			snprintf(s->alarm, sizeof s->alarm, "layer 2 down");
		isdn_calls_drop(s, 38);
		break;
	default: isdn_call_event(s, e);
	}
}

static void sched_cb(uv_timer_t *t)
{
	struct isdn_span *s = t->data;
	pri_event *e = pri_schedule_run(s->pri);

	if (e)
		span_event(s, e);
	if (s->hup)
		dchan_lost(s, "D-channel connection failed");
	isdn_span_sched(s);
}

/* ---- the D-channel connection ---------------------------------------------------------------- */

static void dchan_close_fd(struct isdn_span *s)
{
	isdn_handle_close((uv_handle_t *)s->poll);
	s->poll = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->hup = false;
}

/* The D-channel went away: every call on the span ends now (network out of order) and every
 * B-channel is free again; the span waits for the D-channel to come back. */
static void dchan_lost(struct isdn_span *s, const char *why)
{
	dchan_close_fd(s);
	s->dchan_drops++;
	snprintf(s->alarm, sizeof s->alarm, "%s", why);
	log_warn("span %d (%s): %s: its calls end, waiting for the D-channel to return", s->slot,
		 s->name, why);
	isdn_calls_drop(s, 38);
}

static void dchan_poll_cb(uv_poll_t *p, int status, int events)
{
	struct isdn_span *s = p->data;
	char c;
	ssize_t n;

	if (status < 0 || (events & UV_DISCONNECT)) {
		dchan_lost(s, "D-channel connection closed");
		return;
	}
	/* a closed connection reads as end of file: notice it before libpri does */
	n = recv(s->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		dchan_lost(s, "D-channel connection closed");
		return;
	}
	if (n < 0)
		return;
	pri_event *e = pri_check_event(s->pri);
	if (e)
		span_event(s, e);
	if (s->hup)
		dchan_lost(s, "D-channel connection failed");
	isdn_span_sched(s);
}

static int dchan_adopt(struct isdn_span *s, int fd)
{
	int rc;

	s->poll = malloc(sizeof *s->poll);
	if (!s->poll)
		return -ENOMEM;
	if ((rc = uv_poll_init(sb_daemon_loop(), s->poll, fd)) < 0) {
		free(s->poll);
		s->poll = NULL;
		return rc;
	}
	s->poll->data = s;
	s->fd = fd;
	s->hup = false;
	s->alarm[0] = '\0';
	if (!s->l2_up)
		snprintf(s->alarm, sizeof s->alarm, "layer 2 not up yet");
	uv_poll_start(s->poll, UV_READABLE | UV_DISCONNECT, dchan_poll_cb);
	return 0;
}

/* One D-channel at a time: a new connection replaces the old one (a peer that restarted). */
static void dchan_accept_cb(uv_poll_t *p, int status, int events)
{
	struct isdn_span *s = p->data;
	int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (s->fd >= 0)
		dchan_lost(s, "D-channel replaced by a new connection");
	if (dchan_adopt(s, fd) < 0) {
		close(fd);
		return;
	}
	log_notice("span %d (%s): D-channel connected on %s", s->slot, s->name, s->path);
	isdn_span_sched(s);
}

/* A UNIX SOCK_SEQPACKET socket keeps frame boundaries, as an HDLC channel does. */
int isdn_listen(const char *path, int *fdp)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (strlen(path) >= sizeof sa.sun_path)
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	/* a socket left by a previous run is ours to replace; any other file is not */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 4) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	*fdp = fd;
	return 0;
}

static int dchan_socket_open(struct isdn_span *s)
{
	int rc = isdn_listen(s->path, &s->lfd);

	if (rc < 0) {
		snprintf(s->alarm, sizeof s->alarm, "cannot listen on %.110s: %.60s", s->path,
			 strerror(-rc));
		return rc;
	}
	s->lpoll = malloc(sizeof *s->lpoll);
	if (!s->lpoll)
		return -ENOMEM;
	uv_poll_init(sb_daemon_loop(), s->lpoll, s->lfd);
	s->lpoll->data = s;
	uv_poll_start(s->lpoll, UV_READABLE, dchan_accept_cb);
	snprintf(s->alarm, sizeof s->alarm, "no D-channel connection");
	return 0;
}

/* DAHDI (production): isdn_dahdi.c opens the channels, the D-channel is polled like a socket. */
static int dchan_dahdi_open(struct isdn_span *s, int span)
{
	int fd, rc = isdn_dahdi_open(s, span, &fd);

	if (rc < 0)
		return rc;
	if ((rc = dchan_adopt(s, fd)) < 0) {
		close(fd);
		for (unsigned i = 0; i < s->nbc; i++)
			isdn_audio_close(&s->bc[i]);
	}
	return rc;
}

/* ---- the libpri instance ---------------------------------------------------------------------- */

static int switch_type(const struct isdn_span_conf *sc)
{
	const char *n = card_isdn_switchtypes[sc->switchtype];

	if (strcmp(n, "euroisdn") == 0)
		return sc->t1 ? PRI_SWITCH_EUROISDN_T1 : PRI_SWITCH_EUROISDN_E1;
	if (strcmp(n, "ni1") == 0)
		return PRI_SWITCH_NI1;
	if (strcmp(n, "ni2") == 0 || strcmp(n, "national") == 0)
		return PRI_SWITCH_NI2;
	if (strcmp(n, "dms100") == 0)
		return PRI_SWITCH_DMS100;
	if (strcmp(n, "lucent5e") == 0)
		return PRI_SWITCH_LUCENT5E;
	if (strcmp(n, "att4ess") == 0)
		return PRI_SWITCH_ATT4ESS;
	return PRI_SWITCH_QSIG;
}

static void pri_message_cb(struct pri *pri, char *msg)
{
	struct isdn_span *s = pri ? pri_get_userdata(pri) : NULL;
	size_t n = strlen(msg);

	while (n && msg[n - 1] == '\n')
		n--;
	log_debug("span %d: libpri: %.*s", s ? s->slot : 0, (int)n, msg);
}

static void pri_error_cb(struct pri *pri, char *msg)
{
	struct isdn_span *s = pri ? pri_get_userdata(pri) : NULL;
	size_t n = strlen(msg);

	while (n && msg[n - 1] == '\n')
		n--;
	log_info("span %d: libpri: %.*s", s ? s->slot : 0, (int)n, msg);
}

static bool same_line(const struct isdn_span_conf *a, const struct isdn_span *s)
{
	const struct isdn_span_conf *b = &s->conf;
	return a->bri == b->bri && a->t1 == b->t1 && a->ptmp == b->ptmp && a->net == b->net &&
	       a->switchtype == b->switchtype && a->service == b->service &&
	       strcmp(a->dchannel, s->dchannel) == 0;
}

int isdn_span_open(const struct isdn_span_conf *sc)
{
	struct isdn_span *s = isdn_span_find(sc->slot);
	int node = sc->net ? PRI_NETWORK : PRI_CPE, rc;

	if (!sb_daemon_loop())
		return -ENOTCONN;
	if (s) {
		/* a reload: what libpri was created with cannot change under it (libpri has no
		 * pri_destroy); overlap settings and the name apply at once */
		if (!same_line(sc, s))
			log_warn("span %d (%s): changes of side, switchtype, framing, mode, "
				 "service_messages or dchannel take effect after a restart",
				 s->slot, s->name);
		snprintf(s->name, sizeof s->name, "%s", sc->name);
		s->conf.overlap = sc->overlap;
		s->conf.digit_timeout_ms = sc->digit_timeout_ms;
		isdn_call_set_conf(s);
		return 0;
	}
	pri_set_message(pri_message_cb);
	pri_set_error(pri_error_cb);
	if (!(s = calloc(1, sizeof *s)))
		return -ENOMEM;
	s->slot = sc->slot;
	s->conf = *sc;
	snprintf(s->name, sizeof s->name, "%s", sc->name);
	snprintf(s->dchannel, sizeof s->dchannel, "%s", sc->dchannel);
	s->conf.name = s->name;
	s->conf.dchannel = s->dchannel;
	s->lfd = s->fd = -1;
	s->svc_in = true; /* until a standby says otherwise */
	s->ulaw = sc->t1;
	s->nbc = sc->bri ? 2 : sc->t1 ? 23 : 30;
	for (unsigned i = 0; i < s->nbc; i++) {
		struct isdn_bchan *bc = &s->bc[i];
		bc->span = s;
		bc->index = i + 1;
		/* E1 timeslot 16 carries the D-channel */
		bc->ts = (!sc->bri && !sc->t1 && i >= 15) ? (int)i + 2 : (int)i + 1;
		bc->audio.lfd = bc->audio.fd = -1;
	}
	s->pri =
		sc->bri ? pri_new_bri_cb(-1, !sc->ptmp, node, switch_type(sc), io_read, io_write, s)
			: pri_new_cb(-1, node, switch_type(sc), io_read, io_write, s);
	if (!s->pri) {
		free(s);
		return -ENOMEM;
	}
	if (sc->service)
		pri_set_service_message_support(s->pri, 1);
	if (getenv("SB_ISDN_DEBUG"))
		pri_set_debug(s->pri, PRI_DEBUG_Q931_DUMP | PRI_DEBUG_Q921_STATE);
	isdn_call_set_conf(s);
	s->sched = malloc(sizeof *s->sched);
	if (!s->sched) {
		free(s);
		return -ENOMEM;
	}
	uv_timer_init(sb_daemon_loop(), s->sched);
	s->sched->data = s;
	s->next = isdn_spans;
	isdn_spans = s;

	if (strncmp(sc->dchannel, "socket:", 7) == 0) {
		snprintf(s->path, sizeof s->path, "%s", sc->dchannel + 7);
		rc = dchan_socket_open(s);
		for (unsigned i = 0; rc == 0 && i < s->nbc; i++)
			if (isdn_audio_open(s, &s->bc[i]) < 0) {
				log_warn("span %d: no B-channel audio sockets (the paths would be "
					 "too long)",
					 s->slot);
				break;
			}
	} else {
		rc = dchan_dahdi_open(s, atoi(sc->dchannel + 6));
	}
	if (rc < 0) {
		log_err("span %d (%s): D-channel %s cannot start: %s", s->slot, s->name,
			s->dchannel, s->alarm);
		return rc;
	}
	log_info("span %d (%s): %s %s %s %s, D-channel %s", s->slot, s->name,
		 sc->bri ? "bri" : "pri",
		 sc->bri  ? (sc->ptmp ? "ptmp" : "ptp")
		 : sc->t1 ? "t1"
			  : "e1",
		 card_isdn_switchtypes[sc->switchtype], sc->net ? "net" : "cpe", s->dchannel);
	isdn_span_sched(s);
	return 0;
}

/* The span leaves: its calls end, its sockets close. Its libpri instance cannot be freed
 * (libpri 1.6 has no pri_destroy): it stays allocated and idle. */
void isdn_span_close(int slot)
{
	struct isdn_span **pp = &isdn_spans, *s;

	while (*pp && (*pp)->slot != slot)
		pp = &(*pp)->next;
	if (!(s = *pp))
		return;
	*pp = s->next;
	s->closing = true;
	isdn_calls_drop(s, 41);
	for (unsigned i = 0; i < s->nbc; i++)
		isdn_audio_close(&s->bc[i]);
	dchan_close_fd(s);
	isdn_handle_close((uv_handle_t *)s->lpoll);
	if (s->lfd >= 0) {
		close(s->lfd);
		if (s->path[0])
			unlink(s->path);
	}
	isdn_handle_close((uv_handle_t *)s->sched);
	if (s->port_taken)
		isdn_license_trunk(s, false);
	log_info("span %d (%s) closed", s->slot, s->name);
	free(s);
}

void isdn_spans_close_all(void)
{
	while (isdn_spans)
		isdn_span_close(isdn_spans->slot);
}
