/* media_engine.c: worker threads with their own loops, the RTP port table, and sessions as seen
 * from the main loop (create, update, destroy, stats) by message. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#define SB_MODULE "media"
#include "symbridge.h"

#include "media_priv.h"

/* ---- control queues ---- */

void media__queue_init(struct media_queue *q)
{
	pthread_mutex_init(&q->mu, NULL);
	q->head = q->tail = NULL;
}

void media__queue_push(struct media_queue *q, struct media_msg *m)
{
	m->next = NULL;
	pthread_mutex_lock(&q->mu);
	if (q->tail)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	pthread_mutex_unlock(&q->mu);
}

struct media_msg *media__queue_take(struct media_queue *q)
{
	struct media_msg *m;

	pthread_mutex_lock(&q->mu);
	m = q->head;
	q->head = q->tail = NULL;
	pthread_mutex_unlock(&q->mu);
	return m;
}

static void post(struct media_worker *w, struct media_msg *m)
{
	media__queue_push(&w->q, m);
	media__wake(&w->wake);
}

/* ---- workers ---- */

static void worker_wake_cb(struct media_wake *wk)
{
	struct media_worker *w = wk->data;

	for (struct media_msg *m = media__queue_take(&w->q), *next; m; m = next) {
		next = m->next;
		media__worker_msg(w, m);
	}
}

static void worker_main(void *arg)
{
	struct media_worker *w = arg;

	uv_run(&w->loop, UV_RUN_DEFAULT);
}

/* ---- pipes: the codec and SRTP state of a session ---- */

static void pipe_free(struct media_pipe *p)
{
	if (!p)
		return;
	for (int i = 0; i < 2; i++) {
		media_srtp_free(p->tx[i]);
		media_srtp_free(p->rx[i]);
		media_dec_free(p->path[i].dec);
		media_enc_free(p->path[i].enc);
		media_resampler_free(p->path[i].rs);
		if (p->drx[i])
			dtmf_rx_free(p->drx[i]);
		if (p->dtx[i])
			dtmf_tx_free(p->dtx[i]);
		media_resampler_free(p->tone_rs[i]);
		media_enc_free(p->tone_enc[i]);
		media_dec_free(p->det_dec[i]);
		media_resampler_free(p->det_rs[i]);
		media__tdm_free(p->tdm_new[i]);
	}
	free(p);
}

static bool narrowband(enum media_codec c)
{
	return c == MEDIA_PCMA || c == MEDIA_PCMU;
}

/* the PCM rate a codec runs at in a direction between src and dst: G.722 and Opus meet G.711
 * at 8 kHz (G.722's 8 kHz mode; Opus coded narrow-band, which is all G.711 carries): equal
 * quality, no resampler, cheaper codecs (README.md); otherwise each at its native rate */
static unsigned pcm_rate(enum media_codec c, enum media_codec other)
{
	if ((c == MEDIA_G722 || c == MEDIA_OPUS) && narrowband(other))
		return 8000;
	return media_codec_info(c)->sample_rate;
}

static int path_build(struct media_path *p, const struct media_leg_conf *src,
		      const struct media_leg_conf *dst)
{
	int rc;

	memset(p, 0, sizeof *p);
	if (src->codec == dst->codec) {
		p->passthrough = true;
		return 0;
	}
	p->dec_rate = pcm_rate(src->codec, dst->codec);
	p->enc_rate = pcm_rate(dst->codec, src->codec);
	p->frame_out = p->enc_rate / 1000 * dst->ptime;
	p->frame_in = p->dec_rate / 1000 * src->ptime;
	p->ts_out = media_codec_rtp_ts(dst->codec, dst->ptime);
	if ((rc = media_dec_alloc(&p->dec, src->codec, p->dec_rate)) < 0 ||
	    (rc = media_enc_alloc(&p->enc, dst->codec, p->enc_rate)) < 0)
		return rc;
	if (p->dec_rate != p->enc_rate &&
	    (rc = media_resampler_alloc(&p->rs, p->dec_rate, p->enc_rate)) < 0)
		return rc;
	return 0;
}

static int conf_check(const struct media_leg_conf *c)
{
	unsigned ptime = c->ptime ? c->ptime : MEDIA_PTIME_DEFAULT;

	if (!media_codec_info(c->codec) || c->pt > 127 || c->dtmf_pt > 127 ||
	    !media_codec_ptime_ok(c->codec, ptime))
		return -EINVAL;
	if (c->srtp &&
	    (!media_srtp_suite_name(c->key_tx.suite) || !media_srtp_suite_name(c->key_rx.suite)))
		return -EINVAL;
	/* a B-channel carries G.711 as the span speaks it, in the clear */
	if (c->tdm && (!narrowband(c->codec) || c->srtp))
		return -EINVAL;
	if (c->remote.ss_family && c->remote.ss_family != AF_INET &&
	    c->remote.ss_family != AF_INET6)
		return -EAFNOSUPPORT;
	return 0;
}

/* the codec, SRTP and DTMF state of a session; fresh B-channel descriptors for the TDM legs in
 * mask (bit i: leg i was given one now) */
static int pipe_build(struct media_pipe **pp, struct media_engine *e, struct media_session *s,
		      const struct media_leg_conf legs[2], unsigned mask)
{
	struct media_pipe *p = calloc(1, sizeof *p);
	int rc = 0;

	if (!p)
		return -ENOMEM;
	for (int i = 0; i < 2 && !rc; i++) {
		p->conf[i] = legs[i];
		if (!p->conf[i].ptime)
			p->conf[i].ptime = MEDIA_PTIME_DEFAULT;
		if ((rc = conf_check(&p->conf[i])) < 0)
			break;
		if (legs[i].srtp &&
		    ((rc = media_srtp_alloc(&p->tx[i], &legs[i].key_tx, true)) < 0 ||
		     (rc = media_srtp_alloc(&p->rx[i], &legs[i].key_rx, false)) < 0))
			break;
		if ((mask & (1u << i)) && legs[i].tdm && legs[i].tdm_fd >= 0 &&
		    (rc = media__tdm_new(&p->tdm_new[i], e, &legs[i])) < 0)
			break;
	}
	for (int i = 0; i < 2 && !rc; i++)
		rc = path_build(&p->path[i], &p->conf[i], &p->conf[1 - i]);
	/* a leg without telephone-event gets digits as tones, and is listened to for tones,
	 * whatever its codec; a leg with telephone-event costs neither */
	for (int i = 0; i < 2 && !rc; i++) {
		const struct media_path *to = &p->path[1 - i], *from = &p->path[i];
		if (p->conf[i].dtmf_pt >= 0)
			continue;
		if (!(p->drx[i] = dtmf_rx_init(NULL, media__dtmf_detected, &s->leg[i])))
			rc = -ENOMEM;
		if (!rc && !narrowband(p->conf[i].codec) && from->passthrough)
			rc = media_dec_alloc(&p->det_dec[i], p->conf[i].codec, 8000);
		else if (!rc && !narrowband(p->conf[i].codec) && from->dec_rate != 8000)
			rc = media_resampler_alloc(&p->det_rs[i], from->dec_rate, 8000);
		if (!(p->dtx[i] = dtmf_tx_init(NULL)))
			rc = -ENOMEM;
		else /* 100 ms tones, 60 ms apart: enough for a receiver behind a lossy codec */
			dtmf_tx_set_timing(p->dtx[i], 100, 60);
		if (!rc && !to->passthrough && to->enc_rate != 8000)
			rc = media_resampler_alloc(&p->tone_rs[i], 8000, to->enc_rate);
		if (!rc && to->passthrough && !narrowband(p->conf[i].codec))
			rc = media_enc_alloc(&p->tone_enc[i], p->conf[i].codec, 8000);
	}
	if (rc < 0) {
		pipe_free(p);
		return rc;
	}
	*pp = p;
	return 0;
}

/* ---- ports ---- */

static int bind_port(const char *ip, int port, int *fdp)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd, family = strchr(ip, ':') ? AF_INET6 : AF_INET;

	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
			return -EINVAL;
		sl = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) != 1)
			return -EINVAL;
		sl = sizeof *sin6;
	}
	if ((fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	*fdp = fd;
	return 0;
}

/* an even RTP port and the odd RTCP port above it, both bound */
int media__pair_take(struct media_engine *e, int *pairp, int fd[2])
{
	unsigned busy = 0;

	for (unsigned t = 0; t < e->npairs; t++) {
		unsigned k = (e->next_pair + t) % e->npairs;
		int port = e->port_base + 2 * (int)k, rc;
		if (e->pair_used[k])
			continue;
		if ((rc = bind_port(e->bind_ip, port, &fd[0])) == 0) {
			if ((rc = bind_port(e->bind_ip, port + 1, &fd[1])) == 0) {
				e->pair_used[k] = 1;
				e->pairs_used++;
				e->next_pair = (k + 1) % e->npairs;
				*pairp = (int)k;
				return 0;
			}
			close(fd[0]);
		}
		if (rc != -EADDRINUSE)
			return rc;
		busy++; /* another process holds it: try the next pair */
	}
	log_err("no free RTP port pair in system.rtp_ports [ %d, %d ]: %u pairs held by calls, %u "
		"taken by other processes; the call gets no media",
		e->port_base, e->port_base + 2 * (int)e->npairs - 1, e->pairs_used, busy);
	return busy ? -EADDRINUSE : -ENOSPC;
}

void media__pair_release(struct media_engine *e, int k)
{
	if (k >= 0 && e->pair_used[k]) {
		e->pair_used[k] = 0;
		e->pairs_used--;
	}
}

/* ---- main side: replies and events from the workers ---- */

static void session_free(struct media_session *s)
{
	struct media_engine *e = s->eng;

	for (int i = 0; i < 2; i++) {
		const struct media_counters *c = &s->leg[i].c;
		if (s->rsv[i]) /* a reserved pair: back to its owner, or to the table */
			media__port_unref(s->rsv[i]);
		else
			media__pair_release(e, s->pair[i]);
		e->gone_rx += atomic_load_explicit(&c->rx_packets, memory_order_relaxed);
		e->gone_tx += atomic_load_explicit(&c->tx_packets, memory_order_relaxed);
		e->gone_lost += atomic_load_explicit(&c->lost, memory_order_relaxed);
	}
	e->gone_sessions++;
	if (s->prev)
		s->prev->next = s->next;
	else
		e->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	e->nsessions--;
	s->w->sessions--;
	pipe_free(s->pipe);
	free(s);
}

static void main_wake_cb(struct media_wake *wk)
{
	struct media_engine *e = wk->data;
	/* replies first, then the events the workers queued before them: an event never outlives
	 * its session, and a session's events all arrive before its DESTROYED */
	struct media_msg *m = media__queue_take(&e->replies), *next;

	for (unsigned i = 0; i < e->nworkers; i++) {
		struct media_worker *w = &e->workers[i];
		unsigned head = atomic_load_explicit(&w->ring_head, memory_order_relaxed);
		unsigned tail = atomic_load_explicit(&w->ring_tail, memory_order_acquire);
		for (; head != tail; head++) {
			struct media_ev_slot *sl = &w->ring[head % MEDIA_EV_RING];
			if (!sl->s->destroying && sl->s->cb)
				sl->s->cb(sl->s, &sl->ev, sl->s->arg);
		}
		atomic_store_explicit(&w->ring_head, head, memory_order_release);
	}
	for (; m; m = next) {
		next = m->next;
		if (m->type == MEDIA_MSG_DESTROYED)
			session_free(m->s);
		else if (m->type == MEDIA_MSG_OLD_PIPE)
			pipe_free(m->pipe);
		else if (m->type == MEDIA_MSG_OLD_TDM)
			media__tdm_free(m->tdm); /* it gave m up when it sent it */
		free(m);
	}
}

/* ---- engine ---- */

int media_engine_alloc(struct media_engine **ep, uv_loop_t *main_loop,
		       const struct media_engine_conf *c)
{
	struct media_engine *e;
	unsigned n = c->workers;
	int rc, urc, base = (c->port_lo + 1) & ~1;

	if ((rc = media_srtp_init()) < 0)
		return rc;
	if (c->port_lo < 1 || c->port_hi > 65535 || base + 1 > c->port_hi)
		return -EINVAL;
	if (!n) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		n = cpus > 0 ? (unsigned)cpus : 1;
	}
	if (!(e = calloc(1, sizeof *e)))
		return -ENOMEM;
	e->main = main_loop;
	e->rtcp_interval_ms = c->rtcp_interval_ms ? c->rtcp_interval_ms : 5000;
	e->uring_plain = c->uring_plain;
	e->port_base = base;
	e->npairs = (unsigned)(c->port_hi - base + 1) / 2;
	snprintf(e->bind_ip, sizeof e->bind_ip, "%s", c->bind_ip ? c->bind_ip : "0.0.0.0");
	e->pair_used = calloc(e->npairs, 1);
	e->workers = calloc(n, sizeof *e->workers);
	if (!e->pair_used || !e->workers) {
		free(e->pair_used);
		free(e->workers);
		free(e);
		return -ENOMEM;
	}
	media__queue_init(&e->replies);
	if ((rc = media__wake_init(&e->wake, main_loop, main_wake_cb, e)) < 0) {
		free(e->pair_used);
		free(e->workers);
		free(e);
		return rc;
	}
	for (unsigned i = 0; i < n; i++) {
		struct media_worker *w = &e->workers[i];
		w->eng = e;
		w->idx = i;
		media__queue_init(&w->q);
		if ((rc = uv_loop_init(&w->loop)) < 0)
			break;
		if ((rc = media__wake_init(&w->wake, &w->loop, worker_wake_cb, w)) < 0) {
			uv_loop_close(&w->loop);
			break;
		}
		if (c->io != MEDIA_IO_POLL && (urc = media__uring_init(w)) < 0 && i == 0)
			log_info("media packet I/O through uv_poll: io_uring unavailable (%s)",
				 strerror(-urc));
		if ((rc = uv_thread_create(&w->thread, worker_main, w)) < 0) {
			media__wake_close(&w->wake, NULL);
			if (w->uring)
				media__uring_stop(w);
			uv_run(&w->loop, UV_RUN_DEFAULT);
			uv_loop_close(&w->loop);
			media__uring_exit(w);
			break;
		}
		e->nworkers++;
	}
	if (e->nworkers < n) {
		log_err("cannot start media worker %u: %s", e->nworkers, uv_strerror(rc));
		media_engine_free(e);
		return rc;
	}
	log_info("media engine: %u workers (packet I/O: %s), RTP ports %d..%d on %s", n,
		 e->workers[0].uring ? "io_uring" : "uv_poll", base, base + 2 * (int)e->npairs - 1,
		 e->bind_ip);
	*ep = e;
	return 0;
}

static void engine_closed_cb(struct media_wake *wk)
{
	struct media_engine *e = wk->data;

	media__ports_orphan(e);
	free(e->pair_used);
	free(e->workers);
	free(e);
}

void media_engine_free(struct media_engine *e)
{
	if (!e)
		return;
	for (struct media_session *s = e->sessions; s; s = s->next)
		if (!s->destroying)
			media_session_destroy(s);
	/* a worker stops once its sessions closed their sockets (the loop runs out of handles) */
	for (unsigned i = 0; i < e->nworkers; i++) {
		struct media_msg *m = calloc(1, sizeof *m);
		if (m) {
			m->type = MEDIA_MSG_STOP;
			post(&e->workers[i], m);
		}
	}
	for (unsigned i = 0; i < e->nworkers; i++) {
		uv_thread_join(&e->workers[i].thread);
		uv_loop_close(&e->workers[i].loop);
		media__uring_exit(&e->workers[i]);
		pthread_mutex_destroy(&e->workers[i].q.mu);
	}
	main_wake_cb(&e->wake); /* the last replies: DESTROYED frees the sessions */
	if (e->nsessions)
		log_warn("media engine stopped with %u sessions not confirmed closed",
			 e->nsessions);
	pthread_mutex_destroy(&e->replies.mu);
	e->nworkers = 0;
	media__wake_close(&e->wake, engine_closed_cb);
}

void media_engine_status(const struct media_engine *e, struct media_engine_status *st)
{
	st->workers = e->nworkers;
	st->sessions = e->nsessions;
	st->ports_in_use = 2 * e->pairs_used;
	st->ports_total = 2 * e->npairs;
	st->rx_packets = st->tx_packets = st->lost = st->srtp_auth_fail = st->srtp_replay = 0;
	st->worker_cpu_ns = 0;
	st->io = e->nworkers && e->workers[0].uring ? "io_uring" : "poll";
	st->sends_direct = 0;
	for (unsigned i = 0; i < e->nworkers; i++) {
		st->sends_direct += atomic_load_explicit(&e->workers[i].sends_direct,
							 memory_order_relaxed);
		clockid_t cid;
		struct timespec ts;
		if (pthread_getcpuclockid(e->workers[i].thread, &cid) == 0 &&
		    clock_gettime(cid, &ts) == 0)
			st->worker_cpu_ns +=
				(uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	}
	st->transcoding = 0;
	st->jitter_max_us = 0;
	for (const struct media_session *s = e->sessions; s; s = s->next) {
		if (s->conf[0].codec != s->conf[1].codec)
			st->transcoding++;
		for (int i = 0; i < 2; i++) {
			const struct media_counters *c = &s->leg[i].c;
			uint32_t j = atomic_load_explicit(&c->jitter_us, memory_order_relaxed);
			if (j > st->jitter_max_us)
				st->jitter_max_us = j;
			st->rx_packets +=
				atomic_load_explicit(&c->rx_packets, memory_order_relaxed);
			st->tx_packets +=
				atomic_load_explicit(&c->tx_packets, memory_order_relaxed);
			st->lost += atomic_load_explicit(&c->lost, memory_order_relaxed);
			st->srtp_auth_fail +=
				atomic_load_explicit(&c->srtp_auth_fail, memory_order_relaxed);
			st->srtp_replay +=
				atomic_load_explicit(&c->srtp_replay, memory_order_relaxed);
		}
	}
	st->rx_total = e->gone_rx + st->rx_packets;
	st->tx_total = e->gone_tx + st->tx_packets;
	st->lost_total = e->gone_lost + st->lost;
	st->sessions_total = e->gone_sessions + e->nsessions;
}

/* ---- sessions ---- */

int media_session_alloc(struct media_session **sp, struct media_engine *e,
			const struct media_leg_conf legs[2], media_event_cb cb, void *arg)
{
	struct media_session *s;
	struct media_msg *m;
	int rc;

	if (!e->nworkers)
		return -ESHUTDOWN;
	if (!(s = calloc(1, sizeof *s)))
		return -ENOMEM;
	s->pair[0] = s->pair[1] = -1;
	if ((rc = pipe_build(&s->pipe, e, s, legs, 3)) < 0)
		goto out;
	s->conf[0] = s->pipe->conf[0];
	s->conf[1] = s->pipe->conf[1];
	for (int i = 0; i < 2; i++) {
		s->fd[i][0] = s->fd[i][1] = -1;
		if (legs[i].tdm)
			continue; /* a B-channel: no port */
		if (legs[i].rsv) { /* the owner's reserved pair: the worker reads copies */
			if ((rc = media__port_use(legs[i].rsv, e, s->fd[i])) < 0)
				goto out;
			s->rsv[i] = legs[i].rsv;
			s->pair[i] = legs[i].rsv->pair;
			s->port[i] = legs[i].rsv->port;
			continue;
		}
		if ((rc = media__pair_take(e, &s->pair[i], s->fd[i])) < 0)
			goto out;
		s->port[i] = (uint16_t)(e->port_base + 2 * s->pair[i]);
	}
	if (!(m = calloc(1, sizeof *m))) {
		rc = -ENOMEM;
		goto out;
	}
	if (!(s->destroy_msg = calloc(1, sizeof *s->destroy_msg))) {
		free(m);
		rc = -ENOMEM;
		goto out;
	}
	s->eng = e;
	s->cb = cb;
	s->arg = arg;
	for (int i = 0; i < 2; i++) {
		struct media_leg_rt *l = &s->leg[i];
		l->s = s;
		l->idx = (unsigned)i;
		if (RAND_bytes((unsigned char *)&l->tx_ssrc, sizeof l->tx_ssrc) != 1 ||
		    RAND_bytes((unsigned char *)&l->tx_seq, sizeof l->tx_seq) != 1 ||
		    RAND_bytes((unsigned char *)&l->tx_ts, sizeof l->tx_ts) != 1) {
			free(m);
			rc = -EIO;
			goto out;
		}
		l->tx_seq &= 0x7fff; /* room before the first wrap (RFC 3711 suggests < 2^15) */
	}
	/* the worker with the fewest sessions */
	s->w = &e->workers[0];
	for (unsigned i = 1; i < e->nworkers; i++)
		if (e->workers[i].sessions < s->w->sessions)
			s->w = &e->workers[i];
	s->w->sessions++;
	s->next = e->sessions;
	if (e->sessions)
		e->sessions->prev = s;
	e->sessions = s;
	e->nsessions++;
	m->type = MEDIA_MSG_CREATE;
	m->s = s;
	post(s->w, m);
	*sp = s;
	return 0;
out:
	for (int i = 0; i < 2; i++)
		if (s->pair[i] >= 0) {
			close(s->fd[i][0]);
			close(s->fd[i][1]);
			if (s->rsv[i])
				media__port_unref(s->rsv[i]);
			else
				media__pair_release(e, s->pair[i]);
		}
	free(s->destroy_msg);
	pipe_free(s->pipe);
	free(s);
	return rc;
}

uint16_t media_session_port(const struct media_session *s, unsigned leg)
{
	return leg < 2 && s->pair[leg] >= 0 ? s->port[leg] : 0;
}

int media_session_update(struct media_session *s, unsigned leg, const struct media_leg_conf *c)
{
	struct media_leg_conf legs[2];
	struct media_pipe *p;
	struct media_msg *m;
	int rc;

	/* built from the main thread's copy of the configuration: s->pipe belongs to the worker */
	if (leg > 1 || s->destroying)
		return -EINVAL;
	if (!c->tdm && s->pair[leg] < 0)
		return -ENOTSUP; /* made for a B-channel: it has no socket for RTP */
	/* the worker keeps the sockets it was made with: another reserved pair cannot come in */
	if (!c->tdm && c->rsv && c->rsv != s->rsv[leg])
		return -ENOTSUP;
	legs[0] = s->conf[0];
	legs[1] = s->conf[1];
	legs[leg] = *c;
	if ((rc = pipe_build(&p, s->eng, s, legs, 1u << leg)) < 0)
		return rc;
	s->conf[0] = p->conf[0];
	s->conf[1] = p->conf[1];
	if (!(m = calloc(1, sizeof *m))) {
		pipe_free(p);
		return -ENOMEM;
	}
	m->type = MEDIA_MSG_UPDATE;
	m->s = s;
	m->pipe = p;
	m->leg = leg;
	post(s->w, m);
	return 0;
}

void media_session_destroy(struct media_session *s)
{
	if (!s || s->destroying)
		return;
	s->destroying = true;
	s->destroy_msg->type = MEDIA_MSG_DESTROY;
	s->destroy_msg->s = s;
	post(s->w, s->destroy_msg);
	s->destroy_msg = NULL;
}

void media_session_set_call(struct media_session *s, uint64_t call_id)
{
	atomic_store_explicit(&s->call_id, call_id, memory_order_relaxed);
}

int media_session_stats(const struct media_session *s, unsigned leg, struct media_leg_stats *st)
{
	const struct media_counters *c;

	if (leg > 1)
		return -EINVAL;
	c = &s->leg[leg].c;
#define LD(f) atomic_load_explicit(&c->f, memory_order_relaxed)
	memset(st, 0, sizeof *st);
	st->rx_packets = LD(rx_packets);
	st->tx_packets = LD(tx_packets);
	st->rx_bytes = LD(rx_bytes);
	st->tx_bytes = LD(tx_bytes);
	st->rx_dropped = LD(rx_dropped);
	st->srtp_auth_fail = LD(srtp_auth_fail);
	st->srtp_replay = LD(srtp_replay);
	st->lost = LD(lost);
	st->concealed = LD(concealed);
	st->jitter_ms = LD(jitter_us) / 1000.0;
	st->jitter_mean_ms = LD(jitter_mean_us) / 1000.0;
	st->jitter_max_ms = LD(jitter_max_us) / 1000.0;
	st->rtt_ms = LD(rtt_us) / 1000.0;
#undef LD
	st->transcoding = s->conf[0].codec != s->conf[1].codec;
	/* the E-model (README.md): loss as RFC 3550 counts it; one-way delay = half the RTCP round
	 * trip, the jitter buffer's wait (twice the mean jitter) and one packet */
	double expected = (double)(st->rx_packets + st->lost);
	double loss = expected > 0 ? 100.0 * (double)st->lost / expected : 0;
	unsigned ptime = s->conf[leg].ptime ? s->conf[leg].ptime : MEDIA_PTIME_DEFAULT;
	double delay = st->rtt_ms / 2 + 2 * st->jitter_mean_ms + ptime;
	st->r_factor = media_emodel_r(s->conf[leg].codec, loss, delay);
	st->mos = media_emodel_mos(s->conf[leg].codec, st->r_factor);
	return 0;
}

int media_session_dtmf(struct media_session *s, unsigned leg, char digit, unsigned duration_ms)
{
	struct media_msg *m;

	if (leg > 1 || s->destroying || !strchr("0123456789*#ABCD", digit) || !digit)
		return -EINVAL;
	/* RFC 4733 where the leg takes events, else tones in its codec */
	if (!(m = calloc(1, sizeof *m)))
		return -ENOMEM;
	m->type = MEDIA_MSG_DTMF;
	m->s = s;
	m->leg = leg;
	m->digit = digit;
	m->duration_ms = duration_ms ? duration_ms : 100;
	post(s->w, m);
	return 0;
}

int media_session_conf(const struct media_session *s, unsigned leg, struct media_leg_conf *c)
{
	if (leg > 1 || s->destroying)
		return -EINVAL;
	*c = s->conf[leg];
	return 0;
}
