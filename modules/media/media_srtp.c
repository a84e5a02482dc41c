/* media_srtp.c: SRTP/SRTCP contexts (libsrtp2) and SDES keys (OpenSSL's RNG, RFC 4568 inline form). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <srtp2/srtp.h>

#include "media_priv.h"

static const char *const suite_names[] = {
	[MEDIA_SRTP_NONE] = "",
	[MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80] = "AES_CM_128_HMAC_SHA1_80",
	[MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32] = "AES_CM_128_HMAC_SHA1_32",
};

const char *media_srtp_suite_name(enum media_srtp_suite s)
{
	return s > MEDIA_SRTP_NONE && s < MEDIA_SRTP_SUITE_COUNT ? suite_names[s] : NULL;
}

int media_srtp_suite_find(const char *name, size_t len, enum media_srtp_suite *sp)
{
	for (int s = MEDIA_SRTP_NONE + 1; s < MEDIA_SRTP_SUITE_COUNT; s++)
		if (strlen(suite_names[s]) == len && memcmp(name, suite_names[s], len) == 0) {
			*sp = (enum media_srtp_suite)s;
			return 0;
		}
	return -ENOTSUP;
}

int media_srtp_key_new(struct media_srtp_key *k, enum media_srtp_suite s)
{
	if (!media_srtp_suite_name(s))
		return -EINVAL;
	if (RAND_bytes(k->key, MEDIA_SRTP_KEY_LEN) != 1)
		return -EIO;
	k->suite = s;
	return 0;
}

int media_srtp_key_encode(const struct media_srtp_key *k, char *out, size_t outlen)
{
	/* 30 bytes are 40 base64 characters, with no padding */
	if (outlen < 41)
		return -ENOSPC;
	EVP_EncodeBlock((unsigned char *)out, k->key, MEDIA_SRTP_KEY_LEN);
	return 40;
}

int media_srtp_key_decode(struct media_srtp_key *k, const char *b64, size_t len)
{
	unsigned char buf[48];

	/* EVP_DecodeBlock neither checks length nor strips padding: 40 characters, no '=' */
	if (len != 40 || memchr(b64, '=', len))
		return -EINVAL;
	if (EVP_DecodeBlock(buf, (const unsigned char *)b64, 40) != MEDIA_SRTP_KEY_LEN)
		return -EINVAL;
	memcpy(k->key, buf, MEDIA_SRTP_KEY_LEN);
	OPENSSL_cleanse(buf, sizeof buf);
	return 0;
}

static pthread_once_t srtp_once = PTHREAD_ONCE_INIT;
static int srtp_init_rc;
static const char *srtp_kernel = "libsrtp2 built-in";

static void srtp_init_once(void)
{
	srtp_init_rc = srtp_init() == srtp_err_status_ok ? 0 : -EIO;
	/* OpenSSL's AES-ICM and HMAC-SHA1 behind libsrtp2 (media_srtp_ossl.c); if libsrtp2 refuses
	 * them, its own (on Debian: NSS) stay, slower but correct */
	if (srtp_init_rc == 0 && media__srtp_ossl_install() == 0)
		srtp_kernel = "OpenSSL";
}

const char *media_srtp_kernel(void)
{
	pthread_once(&srtp_once, srtp_init_once);
	return srtp_kernel;
}

int media_srtp_init(void)
{
	pthread_once(&srtp_once, srtp_init_once);
	return srtp_init_rc;
}

struct media_srtp {
	srtp_t ctx;
	bool outbound;
};

int media_srtp_alloc(struct media_srtp **sp, const struct media_srtp_key *k, bool outbound)
{
	srtp_policy_t p;
	struct media_srtp *s;
	unsigned char key[MEDIA_SRTP_KEY_LEN];
	int rc;

	if ((rc = media_srtp_init()) < 0)
		return rc;
	memset(&p, 0, sizeof p);
	switch (k->suite) {
	case MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
		break;
	case MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
		break;
	default: return -EINVAL;
	}
	/* RFC 4568 6.2.1: SRTCP keeps the 80-bit tag whichever RTP suite */
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
	/* each side's a=crypto key is the key it sends with: outbound protects with ours, inbound
	 * checks with the peer's, for any SSRC it uses */
	p.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
	memcpy(key, k->key, sizeof key);
	p.key = key;
	p.window_size = 1024;
	p.allow_repeat_tx = 0;
	if (!(s = calloc(1, sizeof *s)))
		return -ENOMEM;
	rc = srtp_create(&s->ctx, &p) == srtp_err_status_ok ? 0 : -EINVAL;
	OPENSSL_cleanse(key, sizeof key);
	if (rc < 0) {
		free(s);
		return rc;
	}
	s->outbound = outbound;
	*sp = s;
	return 0;
}

void media_srtp_free(struct media_srtp *s)
{
	if (!s)
		return;
	srtp_dealloc(s->ctx);
	free(s);
}

static int srtp_rc(srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_ok: return 0;
	case srtp_err_status_auth_fail: return -EBADMSG;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old: return -EALREADY;
	default: return -EINVAL;
	}
}

int media_srtp_protect(struct media_srtp *s, uint8_t *pkt, size_t *len, size_t cap, bool rtcp)
{
	int n = (int)*len, rc;

	if (!s->outbound)
		return -EINVAL;
	/* libsrtp writes the tag (and SRTCP's index) past the end without being told the room */
	if (*len < 12 || cap < *len + MEDIA_SRTP_OVERHEAD)
		return -ENOSPC;
	rc = srtp_rc(rtcp ? srtp_protect_rtcp(s->ctx, pkt, &n) : srtp_protect(s->ctx, pkt, &n));
	if (rc == 0)
		*len = (size_t)n;
	return rc;
}

int media_srtp_unprotect(struct media_srtp *s, uint8_t *pkt, size_t *len, bool rtcp)
{
	int n = (int)*len, rc;

	if (s->outbound)
		return -EINVAL;
	if (*len < 12)
		return -EBADMSG;
	rc = srtp_rc(rtcp ? srtp_unprotect_rtcp(s->ctx, pkt, &n) : srtp_unprotect(s->ctx, pkt, &n));
	if (rc == 0)
		*len = (size_t)n;
	return rc;
}
