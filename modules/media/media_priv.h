/* media_priv.h: the media module's internal structures, shared by its engine and packet path only. */
#ifndef MEDIA_PRIV_H
#define MEDIA_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include <spandsp.h>
#include <uv.h>

#include "media.h"

#define MEDIA_BUF      2048                    /* a datagram and room for the SRTP tag */
#define MEDIA_FIFO_MAX (2 * MEDIA_MAX_SAMPLES) /* PCM waiting for a whole outgoing frame */
#define MEDIA_EV_RING  256                     /* events a worker can queue before main reads */

/* One direction, from leg `src` to the other: built on the main thread, used by the worker. */
struct media_path {
	bool passthrough;           /* same codec: header rewrite only */
	struct media_dec *dec;      /* src codec at dec_rate */
	struct media_resampler *rs; /* dec_rate -> enc_rate, NULL when equal */
	struct media_enc *enc;      /* dst codec at enc_rate */
	unsigned dec_rate, enc_rate;
	size_t frame_out; /* samples per outgoing packet at enc_rate */
	unsigned ts_out;  /* RTP timestamp advance per outgoing packet */
	size_t frame_in;  /* samples per incoming packet at dec_rate (for concealment) */
};

/* Everything the main thread allocates for a session's media; replaced whole on update so the
 * worker never allocates. */
struct media_pipe {
	struct media_leg_conf conf[2];
	struct media_srtp *tx[2], *rx[2];
	struct media_path path[2]; /* path[i]: from leg i to leg 1 - i */
	/* legs without telephone-event: digits toward leg i are played as tones (dtx, spandsp at
	 * 8 kHz, any codec), and looked for in what leg i sends (drx, at 8 kHz, any codec) */
	dtmf_rx_state_t *drx[2];
	dtmf_tx_state_t *dtx[2];
	/* the detector's 8 kHz audio of a G.722 or Opus leg i: its packets decoded a second time
	 * where they are passed through (det_dec, G.722's 8 kHz mode or Opus at 8 kHz), or the
	 * decoded audio brought down from 16 kHz where they are transcoded (det_rs) */
	struct media_dec *det_dec[2];
	struct media_resampler *det_rs[2];
	/* the tones toward leg i: up to 16 kHz where its encoder runs at that rate (tone_rs), or
	 * encoded on their own (tone_enc, at 8 kHz) where its packets are passed through and its
	 * codec is not G.711 (G.722, Opus): such a packet is replaced while a tone plays */
	struct media_resampler *tone_rs[2];
	struct media_enc *tone_enc[2];
	/* a B-channel descriptor this pipe brings to TDM leg i (NULL: the leg keeps its own); the
	 * worker takes it when it swaps the pipe in */
	struct media_tdm *tdm_new[2];
};

/* A B-channel descriptor a worker reads and writes for a TDM leg. The main thread duplicates
 * the owner's descriptor and allocates this with the pipe that brings it; the worker owns it
 * from the swap until its poll handle closed, then hands it back to be freed (`back`, so the
 * worker allocates nothing). */
struct media_tdm {
	uv_poll_t poll;
	int fd;
	bool polled;  /* poll was initialised: it must be closed */
	bool dead;    /* end of file or a read error: no longer read */
	bool counted; /* its close is one of the session's closing handles */
	bool sock;    /* a socket (send without SIGPIPE), else a device (DAHDI) */
	bool (*event)(int fd, int err);
	struct media_leg_rt *l;
	struct media_engine *eng;
	struct media_msg *back;
};

#define MEDIA_DTMF_QUEUE  16
#define MEDIA_JB_SLOTS    16  /* packets held at most while waiting for a missing one */
#define MEDIA_JB_BYTES    512 /* payload per slot: 60 ms of G.711/G.722, any Opus packet */
#define MEDIA_JB_WAIT_MIN 10  /* ms: the adaptive wait for a missing packet stays in here */
#define MEDIA_JB_WAIT_MAX 80

/* The decode path's jitter buffer: packets in order are decoded on arrival (no added delay);
 * one after a gap is held, for a wait that follows the measured jitter, until the missing one
 * comes or the codec conceals it. */
struct media_jb_slot {
	bool used;
	uint16_t seq, len;
	uint8_t data[MEDIA_JB_BYTES];
};

struct media_jb {
	bool started;
	uint16_t next; /* the sequence number to play next */
	unsigned held;
	struct media_jb_slot slot[MEDIA_JB_SLOTS];
};

/* RFC 4733 events we send on a leg, driven by the session's 20 ms timer */
struct media_dtmf_out {
	char queue[MEDIA_DTMF_QUEUE];
	unsigned qh, qt;
	unsigned dur_ms[MEDIA_DTMF_QUEUE];
	bool active;
	uint8_t code;
	uint32_t ts;
	unsigned elapsed_ms, length_ms;
	int end_sent;
};

/* Per-leg counters: written by the worker only, read by the main thread. */
struct media_counters {
	_Atomic uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes, rx_dropped, srtp_auth_fail,
		srtp_replay, lost, concealed, tx_failed;
	_Atomic uint32_t jitter_us, jitter_mean_us, jitter_max_us, rtt_us;
};

#define STAT_ADD(c, f, v)                                                                          \
	atomic_store_explicit(&(c)->f, atomic_load_explicit(&(c)->f, memory_order_relaxed) + (v),  \
			      memory_order_relaxed)

/* One receive in flight on a socket when the worker uses io_uring (media_uring.c). */
struct media_urx {
	struct msghdr msg;
	struct iovec iov;
	struct sockaddr_storage from;
	bool armed; /* a receive is in flight */
	bool dead;  /* the socket failed for good: no more receives */
};

/* What the worker keeps for one leg: sockets, buffers, stream state. */
struct media_leg_rt {
	/* uv_poll on our own sockets rather than uv_udp: one recvfrom per readable event and
	 * none to find the queue empty (level-triggered epoll calls again): README.md */
	uv_poll_t rtp, rtcp;
	int fd_rtp, fd_rtcp;
	struct media_session *s;
	unsigned idx;
	uint8_t rxbuf[MEDIA_BUF], txbuf[MEDIA_BUF], rtcpbuf[MEDIA_BUF];
	struct media_urx urx[2]; /* [rtp, rtcp] with io_uring */
	struct sockaddr_storage remote, remote_rtcp;
	bool remote_known;
	/* the stream we receive: RFC 3550 A.1/A.3/A.8 state (media_stats.c) */
	struct media_rx_seq rxs;
	uint32_t rx_ssrc;
	uint32_t dtmf_in_ts;
	bool dtmf_in_seen;
	/* the stream we send on this leg */
	uint32_t tx_ssrc, tx_ts;
	uint16_t tx_seq;
	uint32_t tx_octets, tx_count;
	bool pt_sync;       /* pass-through offsets valid for pt_ssrc */
	bool pt_resync_seq; /* we sent packets of our own in between: renumber from tx_seq */
	uint32_t pt_ssrc, ts_off;
	uint16_t seq_off;
	uint32_t dtmf_src_ts, dtmf_out_ts;
	/* tones replacing passed-through packets (media_rtp.c tone_packet): packets of silence
	 * still to send before the next tone, and whether one is playing */
	uint8_t tone_lead;
	bool tone_busy;
	/* a TDM leg: the B-channel it reads and writes, and the numbering of the RTP headers its
	 * frames are given on the way in (so they take the same path as packets) */
	struct media_tdm *tdm;
	uint16_t tdm_seq;
	uint32_t tdm_ts;
	/* RTCP: the peer's last SR (for our LSR/DLSR) */
	uint32_t rtcp_lsr;    /* middle 32 bits of its NTP time */
	uint64_t rtcp_lsr_at; /* when it came, uv_hrtime() */
	bool rx_ssrc_known;
	struct media_dtmf_out dtmf;
	struct media_jb jb;  /* on what this leg receives, when it is decoded */
	uv_timer_t jb_timer; /* the wait for a missing packet */
	/* PCM toward this leg, at its encoder's rate */
	int16_t fifo[MEDIA_FIFO_MAX];
	size_t fifo_n;
	struct media_counters c;
};

struct media_worker;

struct media_session {
	_Atomic uint64_t call_id; /* the call it carries, for the worker's log lines; 0: none */
	struct media_engine *eng;
	struct media_worker *w;
	media_event_cb cb;
	void *arg;
	uint16_t port[2];              /* RTP ports; RTCP is port + 1 */
	int pair[2];                   /* port pair index in the engine's table */
	int fd[2][2];                  /* [leg][rtp, rtcp] until the worker opens them */
	struct sb_media_port *rsv[2];  /* a leg on its owner's reserved pair (a reference) */
	struct media_leg_conf conf[2]; /* the main thread's copy */
	struct media_pipe *pipe;       /* the worker's, from CREATE and UPDATE on */
	struct media_leg_rt leg[2];
	uv_timer_t dtmf_timer; /* runs while RFC 4733 events are being sent */
	uv_timer_t rtcp_timer; /* sender/receiver reports */
	unsigned closing;
	struct media_msg *destroy_msg;      /* main: preallocated, so destroy cannot fail */
	struct media_msg *destroy_msg_back; /* worker: the same, carried back as DESTROYED */
	bool destroying;
	bool w_closing;                    /* worker: DESTROY came, sockets are being closed */
	struct media_session *next, *prev; /* the engine's list (main thread) */
};

enum media_msg_type {
	MEDIA_MSG_CREATE,
	MEDIA_MSG_UPDATE,
	MEDIA_MSG_DESTROY,
	MEDIA_MSG_DTMF,
	MEDIA_MSG_STOP,
	/* replies, worker -> main */
	MEDIA_MSG_DESTROYED,
	MEDIA_MSG_OLD_PIPE,
	MEDIA_MSG_OLD_TDM, /* a B-channel descriptor closed by the worker: free its state */
};

/* A control message: allocated and freed by the main thread, never on the packet path. */
struct media_msg {
	enum media_msg_type type;
	struct media_session *s;
	struct media_pipe *pipe;
	struct media_tdm *tdm;
	unsigned leg;
	char digit;
	unsigned duration_ms;
	struct media_msg *next;
};

struct media_queue {
	pthread_mutex_t mu;
	struct media_msg *head, *tail;
};

/* An event from the packet path: a single-producer (worker) single-consumer (main) ring, so the
 * worker neither locks nor allocates to report it. */
struct media_ev_slot {
	struct media_session *s;
	struct media_event ev;
};

/* One thread wakes another's loop (media_wake.c); cb runs on the woken loop */
struct media_wake {
	uv_poll_t poll;
	int fd; /* eventfd */
	atomic_int pending; /* a write is on its way: the next sender need not write */
	void (*cb)(struct media_wake *);
	void (*close_cb)(struct media_wake *);
	void *data;
};
int media__wake_init(struct media_wake *wk, uv_loop_t *loop, void (*cb)(struct media_wake *),
		     void *data);
void media__wake(struct media_wake *wk); /* any thread */
void media__wake_close(struct media_wake *wk, void (*close_cb)(struct media_wake *));

struct media_worker {
	struct media_engine *eng;
	unsigned idx;
	uv_thread_t thread;
	uv_loop_t loop;
	struct media_wake wake; /* main -> worker: messages in q */
	struct media_queue q;
	unsigned sessions; /* main thread's count, to place new sessions */
	struct media_ev_slot ring[MEDIA_EV_RING];
	_Atomic unsigned ring_head, ring_tail;
	_Atomic uint64_t ring_lost;
	struct media_uring *uring; /* packet I/O through io_uring; NULL: uv_poll and syscalls */
	_Atomic uint64_t sends_direct; /* io_uring sends that went out by plain sendto */
};

struct media_engine {
	uv_loop_t *main;
	struct media_wake wake; /* worker -> main: replies and events */
	struct media_queue replies;
	struct media_worker *workers;
	unsigned nworkers;
	unsigned rtcp_interval_ms;
	bool uring_plain; /* media_engine_conf's */
	int port_base; /* first even port */
	unsigned npairs, pairs_used, next_pair;
	uint8_t *pair_used;
	char bind_ip[64];
	struct media_session *sessions;
	unsigned nsessions;
	struct sb_media_port *ports; /* reserved pairs (media_port.c) */
	/* what sessions gone counted (both legs), so that totals never go down (metrics) */
	uint64_t gone_rx, gone_tx, gone_lost, gone_sessions;
};

/* media_engine.c: the port table: an even RTP port and the odd RTCP port above it, both bound */
int media__pair_take(struct media_engine *e, int *pairp, int fd[2]);
void media__pair_release(struct media_engine *e, int k);

/* media_port.c: a pair reserved before its session (SDP names it), shared by reference */
struct sb_media_port {
	struct media_engine *e; /* NULL once the engine is gone */
	int pair;
	int fd[2];
	uint16_t port;
	unsigned refs; /* its owner's, and each session's on it */
	bool released; /* the owner let go */
	struct sb_media_port *next, *prev;
};
/* a session's leg on p: copies of its sockets in fd (the worker closes them) and a reference */
int media__port_use(struct sb_media_port *p, struct media_engine *e, int fd[2]);
void media__port_unref(struct sb_media_port *p);
/* the engine is freed: pairs still reserved lose their sockets (their owners still release) */
void media__ports_orphan(struct media_engine *e);

void media__queue_init(struct media_queue *q);
void media__queue_push(struct media_queue *q, struct media_msg *m);
struct media_msg *media__queue_take(struct media_queue *q); /* the whole list, in order */

/* media_rtp.c: the worker side */
void media__worker_msg(struct media_worker *w, struct media_msg *m);
void media__ev_post(struct media_session *s, const struct media_event *ev);
void media__dtmf_detected(void *leg_rt, const char *digits, int len); /* spandsp callback */
void media__dtmf_timer_cb(uv_timer_t *t);
void media__rtcp_timer_cb(uv_timer_t *t);
void media__rx(struct media_leg_rt *l, bool rtcp, ssize_t n, const struct sockaddr *from);
void media__socket_closed(struct media_leg_rt *l, bool rtcp); /* closes the fd, counts it */
void media__one_closed(struct media_session *s); /* one handle of a destroyed session closed */
/* media_tdm.c: TDM legs on the worker: take the descriptors a new pipe brings, read frames into
 * the packet path, write frames out, close */
void media__tdm_adopt(struct media_session *s, struct media_pipe *p);
void media__tdm_close(struct media_tdm *t, bool counted);
ssize_t media__tdm_send(struct media_leg_rt *l, const uint8_t *pkt, size_t len);
/* main thread: a new descriptor for a TDM leg (a duplicate of fd), and its disposal */
int media__tdm_new(struct media_tdm **tp, struct media_engine *e, const struct media_leg_conf *c);
void media__tdm_free(struct media_tdm *t);
/* media_rtp.c: a datagram (or a B-channel frame made a packet: from NULL) in the RTP buffer */
void media__rtp_in(struct media_leg_rt *in, ssize_t nread, const struct sockaddr *from);
/* media_uring.c: one io_uring per worker batches the receives and sends of all its sockets.
 * init runs on the main thread before the worker starts (-errno: use uv_poll), exit after the
 * worker joined; the rest runs on the worker. */
int media__uring_init(struct media_worker *w);
void media__uring_exit(struct media_worker *w);
void media__uring_start_leg(struct media_leg_rt *l);
void media__uring_close_leg(struct media_leg_rt *l); /* cancels; media__socket_closed follows */
int media__uring_send(struct media_leg_rt *l, int fd, const uint8_t *pkt, size_t len,
		      const struct sockaddr_storage *to);
void media__uring_stop(struct media_worker *w);
/* media_srtp_ossl.c: puts OpenSSL's AES-128-ICM and HMAC-SHA1 behind libsrtp2 (after srtp_init) */
int media__srtp_ossl_install(void);
/* media_rtcp.c */
size_t media__rtcp_report(struct media_leg_rt *l, uint8_t *buf, size_t cap);
void media__rtcp_in(struct media_leg_rt *l, const uint8_t *p, size_t len);

#endif
