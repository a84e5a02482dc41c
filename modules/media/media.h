/* media.h: the media engine's public API: codecs, RTP timing, SRTP keys, SDP media lines, sessions. */
#ifndef MEDIA_H
#define MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sb_module;
extern const struct sb_module media_module;

/* ---- codecs ------------------------------------------------------------ */

enum media_codec {
	MEDIA_PCMU, /* G.711 mu-law, 8 kHz */
	MEDIA_PCMA, /* G.711 A-law, 8 kHz */
	MEDIA_G722, /* G.722 64 kbit/s, 16 kHz audio, RTP clock 8000 */
	MEDIA_OPUS, /* Opus 16 kHz mono, FEC on, RTP clock 48000 */
	MEDIA_CODEC_COUNT
};

struct media_codec_info {
	enum media_codec id;
	const char *name;      /* SDP encoding name */
	unsigned rtp_clock;    /* a=rtpmap clock rate, what the RTP timestamp counts */
	unsigned sample_rate;  /* PCM rate the codec works at natively */
	int static_pt;         /* static RTP payload type, or -1 */
	unsigned sdp_channels; /* channels in a=rtpmap (Opus is always "/2"), 0: omitted */
	int rank;              /* audio bandwidth preference: higher wins */
};

#define MEDIA_PTIME_MIN     10
#define MEDIA_PTIME_MAX     60
#define MEDIA_PTIME_DEFAULT 20
#define MEDIA_MAX_SAMPLES   (16000 / 1000 * MEDIA_PTIME_MAX) /* one frame at 16 kHz, 60 ms */
#define MEDIA_MAX_PAYLOAD   1500

const struct media_codec_info *media_codec_info(enum media_codec c);
/* by SDP encoding name (case-insensitive) and clock rate; -ENOENT if unknown */
int media_codec_find(const char *name, unsigned rtp_clock, enum media_codec *cp);
/* RTP timestamp advance for one packet of ptime_ms (G.722: 8 per ms, not 16) */
unsigned media_codec_rtp_ts(enum media_codec c, unsigned ptime_ms);
bool media_ptime_valid(unsigned ptime_ms);                        /* 10..60 ms in steps of 10 */
bool media_codec_ptime_ok(enum media_codec c, unsigned ptime_ms); /* Opus: 10, 20, 40, 60 */

/* An encoder or decoder of one codec at one PCM rate. pcm_rate is 8000 or 16000; a codec whose
 * native rate differs from pcm_rate either runs in that mode itself (G.722's 8 kHz mode, Opus at
 * 8 kHz) or the caller resamples. */
struct media_enc;
struct media_dec;

int media_enc_alloc(struct media_enc **ep, enum media_codec c, unsigned pcm_rate);
void media_enc_free(struct media_enc *e);
/* Opus only: 0..10 (the engine uses 3, see README.md); -EINVAL for other codecs */
int media_enc_set_complexity(struct media_enc *e, int complexity);
/* encode n samples of PCM (one packet) into out; returns bytes written or negative errno */
int media_enc_encode(struct media_enc *e, const int16_t *pcm, size_t n, uint8_t *out,
		     size_t outmax);

int media_dec_alloc(struct media_dec **dp, enum media_codec c, unsigned pcm_rate);
void media_dec_free(struct media_dec *d);
/* decode one payload into pcm; returns samples written or negative errno */
int media_dec_decode(struct media_dec *d, const uint8_t *in, size_t len, int16_t *pcm,
		     size_t pcmmax);
/* conceal one lost packet of n samples (next: the following payload when the codec can recover
 * the lost one from it, Opus FEC; else NULL); returns samples written */
int media_dec_conceal(struct media_dec *d, const uint8_t *next, size_t nextlen, int16_t *pcm,
		      size_t n);

/* ---- resampling 8 kHz <-> 16 kHz (polyphase FIR, see README.md) ------------ */

struct media_resampler;

int media_resampler_alloc(struct media_resampler **rp, unsigned from_rate, unsigned to_rate);
void media_resampler_free(struct media_resampler *r);
/* convert one frame of n input samples (n <= MEDIA_MAX_SAMPLES, even when going down); returns
 * the samples written (2n or n/2) or -EINVAL */
int media_resample(struct media_resampler *r, const int16_t *in, size_t n, int16_t *out,
		   size_t outmax);
/* the filter's group delay in samples at out_rate */
unsigned media_resample_delay(unsigned out_rate);

/* ---- SRTP (libsrtp2) and SDES keys (RFC 4568) ------------------------------- */

enum media_srtp_suite {
	MEDIA_SRTP_NONE,
	MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80, /* preferred */
	MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32,
	MEDIA_SRTP_SUITE_COUNT
};

#define MEDIA_SRTP_KEY_LEN  30 /* 16 bytes master key + 14 bytes salt */
#define MEDIA_SRTP_OVERHEAD 20 /* the most protect adds: 10-byte tag + SRTCP index; keep room */

struct media_srtp_key {
	enum media_srtp_suite suite;
	uint8_t key[MEDIA_SRTP_KEY_LEN];
};

const char *media_srtp_suite_name(enum media_srtp_suite s); /* NULL for NONE or unknown */
int media_srtp_suite_find(const char *name, size_t len, enum media_srtp_suite *sp); /* -ENOTSUP */
/* a fresh key from OpenSSL's RNG */
int media_srtp_key_new(struct media_srtp_key *k, enum media_srtp_suite s);
/* the key's inline base64 (40 characters and a NUL); returns 40 */
int media_srtp_key_encode(const struct media_srtp_key *k, char *out, size_t outlen);
int media_srtp_key_decode(struct media_srtp_key *k, const char *b64, size_t len);

/* One direction of SRTP and SRTCP: outbound protects with our key, inbound checks the peer's
 * (replay protection on, window 1024). Call media_srtp_init() once before threads start. */
struct media_srtp;

int media_srtp_init(void);
/* who does AES and HMAC under libsrtp2: "OpenSSL" (ours), or "libsrtp2 built-in" if it refused it */
const char *media_srtp_kernel(void);
int media_srtp_alloc(struct media_srtp **sp, const struct media_srtp_key *k, bool outbound);
void media_srtp_free(struct media_srtp *s);
/* in place; cap is the buffer's size (needs *len + MEDIA_SRTP_OVERHEAD) */
int media_srtp_protect(struct media_srtp *s, uint8_t *pkt, size_t *len, size_t cap, bool rtcp);
/* -EBADMSG: authentication failed (wrong key, tampered); -EALREADY: replayed or too old */
int media_srtp_unprotect(struct media_srtp *s, uint8_t *pkt, size_t *len, bool rtcp);

/* ---- SDP media lines (m=, c=, a=rtpmap/fmtp/ptime/crypto, telephone-event) ---- */

#define MEDIA_SDP_MAX_CODECS 8
#define MEDIA_SDP_MAX_CRYPTO 4
#define MEDIA_SDP_MAX_DTMF   4

/* telephone-event (RFC 4733) at one clock: it goes with the codecs of that RTP clock (2.1) */
struct media_sdp_dtmf {
	uint8_t pt;
	unsigned clock;
};

struct media_sdp_codec {
	enum media_codec codec;
	uint8_t pt;
};

struct media_sdp_crypto {
	unsigned tag;
	struct media_srtp_key key;
};

/* One audio stream as offered or answered. */
struct media_sdp_media {
	char addr[64]; /* c= address (IPv4 or IPv6 text), the media line's or the session's */
	uint16_t port;
	bool srtp;                                           /* RTP/SAVP */
	struct media_sdp_codec codecs[MEDIA_SDP_MAX_CODECS]; /* in preference order */
	size_t ncodecs;
	/* telephone-event payload types, one per clock (8000 for G.711 and G.722, 48000 for
	 * Opus); none: no events */
	struct media_sdp_dtmf dtmf[MEDIA_SDP_MAX_DTMF];
	size_t ndtmf;
	unsigned ptime; /* 0: not given */
	struct media_sdp_crypto crypto[MEDIA_SDP_MAX_CRYPTO];
	size_t ncrypto;
	size_t ncrypto_refused; /* a=crypto lines with suites or parameters we do not accept */
	char refused[128];      /* their suite names, for the error that says why */
};

/* the telephone-event payload type of m at codec c's RTP clock, -1 when it has none */
int media_sdp_dtmf_pt(const struct media_sdp_media *m, enum media_codec c);
/* write c=, m=, a= lines for m (CRLF-terminated); returns the length or -ENOSPC */
int media_sdp_write(const struct media_sdp_media *m, char *buf, size_t len);
/* parse the first audio stream of a whole SDP body; -EINVAL on malformed text, -ENOENT without
 * an audio stream or without any codec we know */
int media_sdp_parse(const char *sdp, size_t len, struct media_sdp_media *m);
/* the offer's best codec by audio bandwidth (Opus > G.722 > G.711) among ours; -ENOENT */
int media_sdp_pick_codec(const struct media_sdp_media *offer, const enum media_codec *ours,
			 size_t n, struct media_sdp_codec *out);
/* the offer's best crypto line by our order of suites; -ENOTSUP when none is acceptable,
 * with why (the suites offered and the ones we accept) written to err */
int media_sdp_pick_crypto(const struct media_sdp_media *offer, const enum media_srtp_suite *ours,
			  size_t n, struct media_sdp_crypto *out, char *err, size_t errlen);

/* ---- receive statistics and call quality (media_stats.c, pure) -------------- */

/* One received RTP stream, RFC 3550 appendix A.1 (sequence validation: MIN_SEQUENTIAL packets
 * of probation, MAX_DROPOUT and MAX_MISORDER), A.3 (expected and lost) and A.8 (interarrival
 * jitter), with the mean and the worst jitter over the whole stream. A source that restarts its
 * numbering (two sequential packets after a large jump) keeps what it lost before. */
struct media_rx_seq {
	bool started;
	uint16_t max_seq;
	uint32_t cycles, base_seq, bad_seq, probation, received;
	uint32_t lost_before; /* lost before the last restart of the numbering */
	uint32_t expected_prior, received_prior; /* at our last RTCP report (fraction lost) */
	bool transit_known;
	int64_t transit;    /* in RTP clock units */
	double jitter;      /* A.8's J, in RTP clock units */
	double jitter_sum;  /* of J after each packet, for the mean */
	uint64_t jitter_n;
	double jitter_max;
};

#define MEDIA_SEQ_MAX_DROPOUT   3000
#define MEDIA_SEQ_MAX_MISORDER  100
#define MEDIA_SEQ_MIN_SEQUENTIAL 2

/* A packet with sequence number seq, RTP timestamp ts, arriving at `arrival` (in units of the
 * stream's RTP clock, `clock` Hz): 1 when it counts as received (and goes into the jitter), 0
 * when A.1 leaves it out (probation, a jump that is not yet a restart). Duplicates count. */
int media_rx_seq_update(struct media_rx_seq *s, uint16_t seq, uint32_t ts, int64_t arrival,
			unsigned clock);
uint32_t media_rx_seq_expected(const struct media_rx_seq *s); /* A.3, since the last restart */
uint32_t media_rx_seq_lost(const struct media_rx_seq *s);     /* A.3, over the whole stream */
uint32_t media_rx_seq_ext_max(const struct media_rx_seq *s);  /* extended highest seq */

/* ITU-T E-model with the simplifications of modules/cdr/README.md: R from the codec's
 * equipment impairment and packet-loss robustness (G.113), random loss in percent and the
 * one-way mouth-to-ear delay in ms. G.711 takes G.107's narrow-band scale (R up to 100), G.722
 * and Opus G.107.1's wideband one (up to 129); media_emodel_mos brings either to a MOS
 * (G.107.1 Annex A, G.107 Annex B); media_r_to_mos is Annex B alone (a narrow-band R). */
#define MEDIA_EMODEL_WB_SCALE 1.29
bool media_emodel_wideband(enum media_codec c);
double media_emodel_r(enum media_codec c, double loss_pct, double delay_ms);
double media_emodel_mos(enum media_codec c, double r);
double media_r_to_mos(double r);

/* ---- the engine: worker threads, RTP ports, sessions ------------------------ */

#include <sys/socket.h>

struct uv_loop_s;
struct media_engine;
struct media_session;

/* how workers move packets: io_uring where the build and the kernel allow it, else uv_poll with
 * one recvfrom/sendto per packet; POLL forces the latter */
enum media_io { MEDIA_IO_AUTO, MEDIA_IO_POLL };

struct media_engine_conf {
	unsigned workers; /* threads with their own loop; 0: one per core */
	enum media_io io;
	int port_lo, port_hi;      /* system.rtp_ports: RTP on even, RTCP on the odd port above */
	const char *bind_ip;       /* local address of every RTP socket ("0.0.0.0", "127.0.0.1") */
	unsigned rtcp_interval_ms; /* between reports on a leg; 0: 5000 (RFC 3550) */
	bool uring_plain; /* io_uring without cooperative task running (benches compare; README) */
};

/* the daemon's engine (started by the module from `media` and system.rtp_ports), or NULL */
struct media_engine *media_daemon_engine(void);
/* the daemon's media.bind_address ("0.0.0.0" when unset) */
const char *media_daemon_bind_address(void);

/* The engine lives on the main loop: every call below is made from it; events come back on it. */
int media_engine_alloc(struct media_engine **ep, struct uv_loop_s *main_loop,
		       const struct media_engine_conf *c);
/* destroys the sessions left, stops and joins the workers */
void media_engine_free(struct media_engine *e);

struct media_engine_status {
	unsigned workers;
	unsigned sessions;
	unsigned ports_in_use; /* RTP+RTCP ports held */
	unsigned ports_total;
	/* summed over the sessions open now, both legs */
	uint64_t rx_packets, tx_packets, lost, srtp_auth_fail, srtp_replay;
	/* ... and since the engine started, the sessions gone included (never go down) */
	uint64_t rx_total, tx_total, lost_total, sessions_total;
	unsigned transcoding;   /* sessions open now whose legs' codecs differ */
	uint32_t jitter_max_us; /* the worst interarrival jitter of a leg open now */
	/* CPU time the worker threads used since they started (user + system, CLOCK of each
	 * thread), so the engine's own cost can be told apart from the rest of the process */
	uint64_t worker_cpu_ns;
	const char *io; /* "io_uring" or "poll" */
	uint64_t sends_direct; /* with io_uring: sends that found no free slot (or were too long)
				* and went out by plain sendto, since start */
};
void media_engine_status(const struct media_engine *e, struct media_engine_status *st);

/* A local RTP/RTCP port pair reserved before its session exists, so that an SDP can name it
 * (media_port.c). A session made on it (media_leg_conf.rsv) shares it; the pair returns to the
 * table once the owner released it and the last session on it is gone, so a call that never
 * connects gives it back at its owner's release. -ENOSPC/-EADDRINUSE as for sessions. */
struct sb_media_port;
int media_port_reserve(struct media_engine *e, struct sb_media_port **pp);
uint16_t media_port_number(const struct sb_media_port *p); /* the RTP port (RTCP: + 1) */
void media_port_release(struct sb_media_port *p);          /* NULL: nothing */

/* One side of a session, as offer/answer agreed it. */
struct media_leg_conf {
	enum media_codec codec;
	uint8_t pt;     /* payload type of codec on this leg */
	int dtmf_pt;    /* telephone-event payload type, -1: none (in-band on G.711 legs) */
	unsigned ptime; /* ms per packet sent; 0: 20 */
	struct sockaddr_storage remote; /* RTP address of the peer; RTCP at port + 1 */
	bool latch; /* symmetric RTP: take the peer's address from its first valid packet */
	/* digits of the other leg are not put into this one (its owner sends them by signalling,
	 * SIP INFO); they are still reported as MEDIA_EV_DTMF */
	bool dtmf_by_signalling;
	bool srtp;
	struct media_srtp_key key_tx; /* ours: what we protect with (our a=crypto) */
	struct media_srtp_key key_rx; /* the peer's: what its packets are checked with */
	/* A TDM leg: an ISDN B-channel descriptor (DAHDI, or the socket of socket:PATH) carrying
	 * raw 8 kHz G.711 frames of codec (PCMA or PCMU), read and written by the worker itself:
	 * no RTP, no port (media_session_port is 0). The session takes a duplicate of tdm_fd when
	 * it is made and on an update of this leg; the caller keeps its own. tdm_fd -1: not
	 * connected yet (an update brings it). */
	bool tdm;
	int tdm_fd;
	/* a failed read that is an event of the device (DAHDI's ELAST) is taken by this, which
	 * returns true; it runs on a worker thread */
	bool (*tdm_event)(int fd, int err);
	/* An RTP leg on a pair reserved with media_port_reserve (the session takes a reference;
	 * an update cannot bring another one: -ENOTSUP); NULL: the session binds a pair itself */
	struct sb_media_port *rsv;
};

enum media_event_type {
	MEDIA_EV_DTMF,    /* a digit arrived on leg (RFC 4733 or in-band) */
	MEDIA_EV_LATCHED, /* the leg's peer address was learnt from its packets */
};

struct media_event {
	enum media_event_type type;
	unsigned leg;
	char digit;
	struct sockaddr_storage addr;
};

typedef void (*media_event_cb)(struct media_session *s, const struct media_event *ev, void *arg);

/* Two legs; media flows between them on a worker. Ports are bound here for RTP legs (a full
 * range is -ENOSPC, logged with the range); the worker starts once this returns. */
int media_session_alloc(struct media_session **sp, struct media_engine *e,
			const struct media_leg_conf legs[2], media_event_cb cb, void *arg);
uint16_t media_session_port(const struct media_session *s, unsigned leg); /* local RTP port */
/* the call the session carries: every line its worker logs about it names the call */
void media_session_set_call(struct media_session *s, uint64_t call_id);
/* a re-INVITE: new codec, keys or peer for one leg; the streams' SSRC/seq/ts carry on. A leg
 * may become TDM (its port then stays idle); a leg made TDM has no port and stays TDM
 * (-ENOTSUP). An update of a TDM leg hands the session a new copy of its descriptor. */
int media_session_update(struct media_session *s, unsigned leg, const struct media_leg_conf *c);
/* asynchronous: the ports come back once the worker closed the sockets; s must not be used
 * after this call (no more events are delivered for it) */
void media_session_destroy(struct media_session *s);

struct media_leg_stats {
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
	uint64_t rx_dropped;     /* not RTP, wrong payload type, wrong source */
	uint64_t srtp_auth_fail; /* wrong key or tampered */
	uint64_t srtp_replay;
	uint64_t lost;      /* from sequence gaps */
	uint64_t concealed; /* packets the codec's PLC made up */
	double jitter_ms;      /* RFC 3550 interarrival jitter, now */
	double jitter_mean_ms; /* ... its mean since the stream started */
	double jitter_max_ms;  /* ... and its worst */
	double rtt_ms;         /* from RTCP SR/RR (LSR/DLSR), 0 until known */
	double r_factor;       /* E-model R (media_emodel_r; the codec's scale) from loss and delay */
	double mos;            /* ... and the MOS it gives */
	bool transcoding;
};
int media_session_stats(const struct media_session *s, unsigned leg, struct media_leg_stats *st);
/* send a digit toward leg: RFC 4733 if it has telephone-event, else in-band tones */
int media_session_dtmf(struct media_session *s, unsigned leg, char digit, unsigned duration_ms);
/* the leg's configuration as the session has it now (the main thread's copy) */
int media_session_conf(const struct media_session *s, unsigned leg, struct media_leg_conf *c);
/* how a digit goes toward a leg configured as lc, for log lines: "as SIP INFO", "as RFC 4733
 * (payload type 101, G722 at 8000 Hz)" or "in band (tones in PCMA)"; returns buf */
const char *media_leg_dtmf_how(const struct media_leg_conf *lc, char *buf, size_t n);

/* ---- with the call core (media_ops.c) ---------------------------------------- */

struct sb_media_ep;
struct sb_leg_media;
/* the operations registered with the call core while the engine runs */
extern const struct sb_media_ops media_call_ops;
/* media_ep.c: a leg's endpoint as the core describes it (a B-channel, or RTP on a reserved
 * port) as one side of a session; -ENOTSUP for what the engine cannot carry */
int media_conf_from_ep(struct media_leg_conf *lc, const struct sb_media_ep *ep);
/* ... and back: the endpoint of a leg configured as lc (an RTP leg's port is lc->rsv) */
int media_ep_from_conf(struct sb_media_ep *ep, const struct media_leg_conf *lc);
/* The SDP media lines (c=, m=, a=) of an RTP endpoint with its reserved port at addr: its one
 * codec, telephone-event, ptime, and our key (key_tx) as a=crypto with tag (0: 1). Returns the
 * length, -EINVAL (no reserved port) or -ENOSPC. The offer/answer itself is the signalling
 * module's: this writes what it agreed. */
int media_ep_sdp_write(const struct sb_media_ep *ep, const char *addr, unsigned crypto_tag,
		       char *buf, size_t len);
/* The peer's SDP (an answer, or an offer of one codec) into ep: its address and port, first
 * codec, telephone-event at that codec's clock, ptime, and its key (key_rx, the first a=crypto
 * we accept). Leaves ep's port, key_tx, latch and dtmf_by_signalling as they are. -EINVAL,
 * -ENOENT (no audio or no codec we know), -ENOTSUP (RTP/SAVP without a key we accept). */
int media_ep_sdp_read(struct sb_media_ep *ep, const char *sdp, size_t len);
/* what show calls and call records say of one leg of a session (lc: that leg's configuration);
 * filled from the engine's own counters */
void media_session_leg_media(const struct media_session *s, unsigned leg,
			     const struct media_leg_conf *lc, struct sb_leg_media *mi);

#endif
