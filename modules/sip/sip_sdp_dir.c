/* sip_sdp_dir.c: the SDP details of re-INVITE and UPDATE: direction attributes (hold and
 * resume, RFC 3264 section 8.4, and the older c=0.0.0.0 of RFC 2543), the o= version that tells
 * a changed offer from a repeated one, and our body with a direction. Pure: unit-tested in
 * tests/unit/test_sip_sdp.c. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_sdp.h"

static const char *const dir_names[] = { "sendrecv", "sendonly", "recvonly", "inactive" };

const char *sip_sdp_dir_name(enum sip_dir d)
{
	return (unsigned)d < 4 ? dir_names[d] : "sendrecv";
}

enum sip_dir sip_sdp_dir_answer(enum sip_dir d)
{
	switch (d) {
	case SIP_DIR_SENDONLY: return SIP_DIR_RECVONLY;
	case SIP_DIR_RECVONLY: return SIP_DIR_SENDONLY;
	case SIP_DIR_INACTIVE: return SIP_DIR_INACTIVE;
	default: return SIP_DIR_SENDRECV;
	}
}

/* Calls cb for each line of the body (without its CR LF); stops when cb returns non-zero. */
static int each_line(const char *sdp, size_t len, int (*cb)(const char *l, size_t n, void *arg),
		     void *arg)
{
	const char *p = sdp, *end = sdp + len;

	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		if (n && p[n - 1] == '\r')
			n--;
		int rc = cb(p, n, arg);
		if (rc)
			return rc;
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

struct dir_scan {
	enum sip_dir session, media;
	bool in_media, have_media_dir, null_addr;
};

static int dir_line(const char *l, size_t n, void *arg)
{
	struct dir_scan *s = arg;

	if (n >= 2 && l[0] == 'm' && l[1] == '=') {
		if (s->in_media) /* only the first (audio) stream counts */
			return 1;
		s->in_media = true;
		return 0;
	}
	if (n == 16 && memcmp(l, "c=IN IP4 0.0.0.0", 16) == 0) {
		s->null_addr = true;
		return 0;
	}
	if (n < 3 || l[0] != 'a' || l[1] != '=')
		return 0;
	for (unsigned d = 0; d < 4; d++)
		if (n - 2 == strlen(dir_names[d]) && memcmp(l + 2, dir_names[d], n - 2) == 0) {
			if (s->in_media) {
				s->media = (enum sip_dir)d;
				s->have_media_dir = true;
			} else {
				s->session = (enum sip_dir)d;
			}
		}
	return 0;
}

enum sip_dir sip_sdp_dir(const char *sdp, size_t len)
{
	struct dir_scan s = { .session = SIP_DIR_SENDRECV };

	if (!sdp)
		return SIP_DIR_SENDRECV;
	each_line(sdp, len, dir_line, &s);
	enum sip_dir d = s.have_media_dir ? s.media : s.session;
	if (s.null_addr) /* the holder receives nothing at 0.0.0.0 */
		return d == SIP_DIR_RECVONLY || d == SIP_DIR_INACTIVE ? SIP_DIR_INACTIVE
								      : SIP_DIR_SENDONLY;
	return d;
}

bool sip_sdp_null_addr(const char *sdp, size_t len)
{
	struct dir_scan s = { .session = SIP_DIR_SENDRECV };

	if (!sdp)
		return false;
	each_line(sdp, len, dir_line, &s);
	return s.null_addr;
}

static int o_line(const char *l, size_t n, void *arg)
{
	long long *v = arg;
	char buf[256], *tok, *save = NULL;

	if (n < 2 || l[0] != 'o' || l[1] != '=' || n >= sizeof buf)
		return 0;
	memcpy(buf, l + 2, n - 2);
	buf[n - 2] = '\0';
	/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address> */
	tok = strtok_r(buf, " ", &save);
	for (int i = 0; tok && i < 2; i++)
		tok = strtok_r(NULL, " ", &save);
	if (tok) {
		char *e;
		long long x = strtoll(tok, &e, 10);
		if (*e == '\0' && x >= 0)
			*v = x;
	}
	return 1;
}

long long sip_sdp_version(const char *sdp, size_t len)
{
	long long v = -1;

	if (sdp)
		each_line(sdp, len, o_line, &v);
	return v;
}

int sip_sdp_body_dir(const struct media_sdp_media *m, uint64_t id, uint64_t version, enum sip_dir d,
		     char *buf, size_t len)
{
	int n = snprintf(buf, len,
			 "v=0\r\no=symbridge %llu %llu IN %s %s\r\ns=symbridge\r\nt=0 0\r\n",
			 (unsigned long long)id, (unsigned long long)version,
			 strchr(m->addr, ':') ? "IP6" : "IP4", m->addr);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	int w = media_sdp_write(m, buf + n, len - (size_t)n);
	if (w < 0)
		return w;
	n += w;
	/* said even when sendrecv: after a hold, the resume is explicit */
	w = snprintf(buf + n, len - (size_t)n, "a=%s\r\n", sip_sdp_dir_name(d));
	if (w < 0 || (size_t)w >= len - (size_t)n)
		return -ENOSPC;
	return n + w;
}
