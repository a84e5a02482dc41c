/* media_sdp.c: write and parse the SDP lines of one audio stream (RFC 4566, 3551, 4568, 4733, 7587). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "media.h"

struct out {
	char *buf;
	size_t len, at;
	bool full;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->at, o->len - o->at, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->at)
		o->full = true;
	else
		o->at += (size_t)n;
}

int media_sdp_write(const struct media_sdp_media *m, char *buf, size_t len)
{
	struct out o = { buf, len, 0, len == 0 };

	put(&o, "c=IN %s %s\r\n", strchr(m->addr, ':') ? "IP6" : "IP4", m->addr);
	put(&o, "m=audio %u %s", m->port, m->srtp ? "RTP/SAVP" : "RTP/AVP");
	for (size_t i = 0; i < m->ncodecs; i++)
		put(&o, " %u", m->codecs[i].pt);
	for (size_t i = 0; i < m->ndtmf; i++)
		put(&o, " %u", m->dtmf[i].pt);
	put(&o, "\r\n");
	for (size_t i = 0; i < m->ncodecs; i++) {
		const struct media_codec_info *ci = media_codec_info(m->codecs[i].codec);
		if (!ci)
			return -EINVAL;
		put(&o, "a=rtpmap:%u %s/%u", m->codecs[i].pt, ci->name, ci->rtp_clock);
		put(&o, ci->sdp_channels ? "/%u\r\n" : "\r\n", ci->sdp_channels);
		if (ci->id == MEDIA_OPUS)
			put(&o,
			    "a=fmtp:%u useinbandfec=1;maxplaybackrate=16000;"
			    "sprop-maxcapturerate=16000\r\n",
			    m->codecs[i].pt);
	}
	/* telephone-event runs at the clock of the codec it goes with (RFC 4733 2.1): one each */
	for (size_t i = 0; i < m->ndtmf; i++)
		put(&o, "a=rtpmap:%u telephone-event/%u\r\na=fmtp:%u 0-16\r\n", m->dtmf[i].pt,
		    m->dtmf[i].clock, m->dtmf[i].pt);
	if (m->ptime)
		put(&o, "a=ptime:%u\r\n", m->ptime);
	for (size_t i = 0; i < m->ncrypto; i++) {
		char b64[48];
		const char *name = media_srtp_suite_name(m->crypto[i].key.suite);
		if (!name || media_srtp_key_encode(&m->crypto[i].key, b64, sizeof b64) < 0)
			return -EINVAL;
		put(&o, "a=crypto:%u %s inline:%s\r\n", m->crypto[i].tag, name, b64);
	}
	return o.full ? -ENOSPC : (int)o.at;
}

/* ---- parsing ---- */

/* a bounded view of one line, with a cursor */
struct line {
	const char *p, *end;
};

static bool word(struct line *l, const char **w, size_t *wl)
{
	while (l->p < l->end && *l->p == ' ')
		l->p++;
	*w = l->p;
	while (l->p < l->end && *l->p != ' ')
		l->p++;
	*wl = (size_t)(l->p - *w);
	return *wl > 0;
}

static bool number(const char *w, size_t wl, unsigned long max, unsigned long *v)
{
	unsigned long n = 0;

	if (wl == 0 || wl > 10)
		return false;
	for (size_t i = 0; i < wl; i++) {
		if (w[i] < '0' || w[i] > '9')
			return false;
		n = n * 10 + (unsigned long)(w[i] - '0');
	}
	if (n > max)
		return false;
	*v = n;
	return true;
}

static bool starts(const struct line *l, const char *s)
{
	size_t n = strlen(s);
	return (size_t)(l->end - l->p) >= n && memcmp(l->p, s, n) == 0;
}

static void refuse(struct media_sdp_media *m, const char *w, size_t wl)
{
	size_t at = strlen(m->refused);

	m->ncrypto_refused++;
	if (at + wl + 3 < sizeof m->refused)
		snprintf(m->refused + at, sizeof m->refused - at, "%s%.*s", at ? ", " : "", (int)wl,
			 w);
}

/* a=crypto:<tag> <suite> inline:<key>[|lifetime][|MKI:len] [session params] */
static int parse_crypto(struct media_sdp_media *m, struct line *l)
{
	const char *w, *s;
	size_t wl, sl;
	unsigned long tag;
	struct media_sdp_crypto c;

	if (!word(l, &w, &wl) || !number(w, wl, 999999999, &tag) || !word(l, &s, &sl))
		return -EINVAL;
	if (media_srtp_suite_find(s, sl, &c.key.suite) < 0) {
		refuse(m, s, sl);
		return 0;
	}
	if (!word(l, &w, &wl) || wl < 7 || memcmp(w, "inline:", 7) != 0)
		return -EINVAL;
	w += 7;
	wl -= 7;
	const char *bar = memchr(w, '|', wl);
	size_t kl = bar ? (size_t)(bar - w) : wl;
	if (media_srtp_key_decode(&c.key, w, kl) < 0)
		return -EINVAL;
	/* an MKI (a second '|' field with ':') or session parameters we do not implement: refuse
	 * this line, another may suit */
	for (const char *q = bar; q && q < w + wl; q = memchr(q + 1, '|', (size_t)(w + wl - q - 1)))
		if (memchr(q, ':', (size_t)(w + wl - q))) {
			refuse(m, s, sl);
			return 0;
		}
	if (word(l, &w, &wl)) {
		refuse(m, s, sl);
		return 0;
	}
	c.tag = (unsigned)tag;
	if (m->ncrypto < MEDIA_SDP_MAX_CRYPTO)
		m->crypto[m->ncrypto++] = c;
	return 0;
}

/* a=rtpmap:<pt> <name>/<clock>[/<channels>] */
static int parse_rtpmap(struct media_sdp_media *m, struct line *l, const unsigned char *pts,
			size_t npts)
{
	const char *w, *name;
	size_t wl;
	unsigned long pt, clock;
	char nm[32];

	if (!word(l, &w, &wl) || !number(w, wl, 127, &pt) || !word(l, &name, &wl))
		return -EINVAL;
	const char *slash = memchr(name, '/', wl);
	if (!slash || (size_t)(slash - name) >= sizeof nm)
		return -EINVAL;
	memcpy(nm, name, (size_t)(slash - name));
	nm[slash - name] = '\0';
	const char *cl = slash + 1, *end = name + wl, *s2 = memchr(cl, '/', (size_t)(end - cl));
	if (!number(cl, (size_t)((s2 ? s2 : end) - cl), 192000, &clock))
		return -EINVAL;
	if (!memchr(pts, (int)pt, npts))
		return 0; /* not on the m= line: ignored */
	if (strcasecmp(nm, "telephone-event") == 0) {
		/* the first one of each clock */
		for (size_t i = 0; i < m->ndtmf; i++)
			if (m->dtmf[i].clock == clock || m->dtmf[i].pt == pt)
				return 0;
		if (m->ndtmf < MEDIA_SDP_MAX_DTMF)
			m->dtmf[m->ndtmf++] = (struct media_sdp_dtmf){ .pt = (uint8_t)pt,
								       .clock = (unsigned)clock };
		return 0;
	}
	enum media_codec c;
	if (media_codec_find(nm, (unsigned)clock, &c) < 0)
		return 0;
	for (size_t i = 0; i < m->ncodecs; i++)
		if (m->codecs[i].pt == pt) {
			m->codecs[i].codec = c;
			return 0;
		}
	return 0;
}

static bool is_dtmf(const struct media_sdp_media *m, uint8_t pt)
{
	for (size_t i = 0; i < m->ndtmf; i++)
		if (m->dtmf[i].pt == pt)
			return true;
	return false;
}

int media_sdp_dtmf_pt(const struct media_sdp_media *m, enum media_codec c)
{
	const struct media_codec_info *ci = media_codec_info(c);

	for (size_t i = 0; ci && i < m->ndtmf; i++)
		if (m->dtmf[i].clock == ci->rtp_clock)
			return m->dtmf[i].pt;
	return -1;
}

int media_sdp_parse(const char *sdp, size_t len, struct media_sdp_media *m)
{
	const char *p = sdp, *end = sdp + len;
	unsigned char pts[32]; /* payload types of the m= line, in order */
	size_t npts = 0;
	int state = 0; /* 0: session part, 1: our audio stream, 2: after it */
	char session_addr[64] = "";
	bool have_media_addr = false;

	memset(m, 0, sizeof *m);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct line l = { p, nl ? nl : end };
		p = nl ? nl + 1 : end;
		if (l.end > l.p && l.end[-1] == '\r')
			l.end--;
		if (l.end == l.p)
			continue;
		if (l.end - l.p < 2 || l.p[1] != '=' || memchr(l.p, '\0', (size_t)(l.end - l.p)))
			return -EINVAL;
		char type = l.p[0];
		l.p += 2;
		if (type == 'm') {
			const char *w, *proto;
			size_t wl, pl;
			unsigned long port, pt;
			if (state == 1) {
				state = 2;
				continue;
			}
			if (state == 2 || !word(&l, &w, &wl))
				continue;
			if (wl != 5 || memcmp(w, "audio", 5) != 0)
				continue;
			if (!word(&l, &w, &wl) || !number(w, wl, 65535, &port) ||
			    !word(&l, &proto, &pl))
				return -EINVAL;
			if (pl == 8 && memcmp(proto, "RTP/SAVP", 8) == 0)
				m->srtp = true;
			else if (!(pl == 7 && memcmp(proto, "RTP/AVP", 7) == 0))
				continue; /* e.g. UDP/TLS/RTP/SAVPF: not ours */
			m->port = (uint16_t)port;
			while (word(&l, &w, &wl)) {
				if (!number(w, wl, 127, &pt))
					return -EINVAL;
				if (npts < sizeof pts)
					pts[npts++] = (unsigned char)pt;
			}
			/* static payload types need no rtpmap (RFC 3551) */
			for (size_t i = 0; i < npts && m->ncodecs < MEDIA_SDP_MAX_CODECS; i++) {
				m->codecs[m->ncodecs].pt = pts[i];
				m->codecs[m->ncodecs].codec = MEDIA_CODEC_COUNT;
				for (int c = 0; c < MEDIA_CODEC_COUNT; c++)
					if (media_codec_info((enum media_codec)c)->static_pt ==
					    (int)pts[i])
						m->codecs[m->ncodecs].codec = (enum media_codec)c;
				m->ncodecs++;
			}
			state = 1;
			continue;
		}
		if (state == 2)
			continue;
		if (type == 'c') {
			const char *w;
			size_t wl;
			char *dst = state == 1 ? m->addr : session_addr;
			if (!word(&l, &w, &wl) || wl != 2 || memcmp(w, "IN", 2) != 0 ||
			    !word(&l, &w, &wl) || !word(&l, &w, &wl) || wl >= sizeof m->addr)
				return -EINVAL;
			memcpy(dst, w, wl);
			dst[wl] = '\0';
			if (state == 1)
				have_media_addr = true;
			continue;
		}
		if (type != 'a' || state != 1)
			continue;
		int rc = 0;
		if (starts(&l, "rtpmap:")) {
			l.p += 7;
			rc = parse_rtpmap(m, &l, pts, npts);
		} else if (starts(&l, "crypto:")) {
			l.p += 7;
			rc = parse_crypto(m, &l);
		} else if (starts(&l, "ptime:")) {
			const char *w;
			size_t wl;
			unsigned long v;
			l.p += 6;
			if (!word(&l, &w, &wl) || !number(w, wl, 1000, &v))
				return -EINVAL;
			m->ptime = (unsigned)v;
		}
		if (rc < 0)
			return rc;
	}
	if (state == 0)
		return -ENOENT;
	if (!have_media_addr)
		memcpy(m->addr, session_addr, sizeof m->addr);
	/* keep only the codecs we know, in the offer's order */
	size_t k = 0;
	for (size_t i = 0; i < m->ncodecs; i++)
		if (m->codecs[i].codec != MEDIA_CODEC_COUNT && !is_dtmf(m, m->codecs[i].pt))
			m->codecs[k++] = m->codecs[i];
	m->ncodecs = k;
	return k ? 0 : -ENOENT;
}

int media_sdp_pick_codec(const struct media_sdp_media *offer, const enum media_codec *ours,
			 size_t n, struct media_sdp_codec *out)
{
	const struct media_sdp_codec *best = NULL;

	for (size_t i = 0; i < offer->ncodecs; i++)
		for (size_t j = 0; j < n; j++)
			if (offer->codecs[i].codec == ours[j] &&
			    (!best ||
			     media_codec_info(ours[j])->rank > media_codec_info(best->codec)->rank))
				best = &offer->codecs[i];
	if (!best)
		return -ENOENT;
	*out = *best;
	return 0;
}

int media_sdp_pick_crypto(const struct media_sdp_media *offer, const enum media_srtp_suite *ours,
			  size_t n, struct media_sdp_crypto *out, char *err, size_t errlen)
{
	size_t at = 0;

	for (size_t j = 0; j < n; j++)
		for (size_t i = 0; i < offer->ncrypto; i++)
			if (offer->crypto[i].key.suite == ours[j]) {
				*out = offer->crypto[i];
				return 0;
			}
	if (err && errlen) {
		at = (size_t)snprintf(err, errlen, "no common SRTP suite: offered ");
		for (size_t i = 0; i < offer->ncrypto && at < errlen; i++)
			at += (size_t)snprintf(err + at, errlen - at, "%s%s", i ? ", " : "",
					       media_srtp_suite_name(offer->crypto[i].key.suite));
		if (at < errlen)
			at += (size_t)snprintf(err + at, errlen - at, "%s%s; accepted ",
					       offer->ncrypto && offer->refused[0] ? ", " : "",
					       offer->refused[0] ? offer->refused
					       : offer->ncrypto  ? ""
								 : "none");
		for (size_t j = 0; j < n && at < errlen; j++)
			at += (size_t)snprintf(err + at, errlen - at, "%s%s", j ? ", " : "",
					       media_srtp_suite_name(ours[j]));
	}
	return -ENOTSUP;
}
