/* media_srtp_ossl.c: OpenSSL AES-128-ICM and HMAC-SHA1 kernels for libsrtp2, replacing Debian's NSS ones. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <srtp2/auth.h>
#include <srtp2/cipher.h>
#include <srtp2/srtp.h>

#include "media_priv.h"

/*
 * Why: Debian builds libsrtp2 on NSS, whose AES-ICM kernel creates and destroys a PKCS#11 context
 * for every packet (PK11_CreateContextBySymKey in set_iv) and whose HMAC restarts a PKCS#11
 * digest (PK11_DigestBegin), each with malloc, free and the slot's mutex. In the workers that was
 * a quarter of their CPU (modules/media/README.md). libsrtp2 lets an application replace the
 * kernel behind a cipher or auth id (srtp_replace_cipher_type / srtp_replace_auth_type); these
 * two keep OpenSSL's key schedule and HMAC key in a context made once per stream, as libsrtp2's
 * own OpenSSL build does (aes_icm_ossl.c, hmac_ossl.c). libsrtp2 still does all of SRTP: key
 * derivation, the packet layout, replay protection; libsrtp2 runs its known-answer tests on both
 * kernels before it accepts them, and the NSS vectors of the kernel replaced as well.
 */

#define ICM_KEY_LEN  16 /* AES-128 */
#define ICM_SALT_LEN 14
#define SHA1_LEN     20

struct icm_state {
	uint8_t offset[16]; /* the salt, with the block counter's two octets zero */
	EVP_CIPHER_CTX *ctx;
};

static const srtp_cipher_type_t icm_type;

static srtp_err_status_t icm_alloc(srtp_cipher_t **cp, int key_len, int tag_len)
{
	srtp_cipher_t *c;
	struct icm_state *st;

	(void)tag_len;
	if (key_len != ICM_KEY_LEN + ICM_SALT_LEN)
		return srtp_err_status_bad_param;
	c = calloc(1, sizeof *c);
	st = calloc(1, sizeof *st);
	if (!c || !st || !(st->ctx = EVP_CIPHER_CTX_new())) {
		free(c);
		free(st);
		return srtp_err_status_alloc_fail;
	}
	c->type = &icm_type;
	c->state = st;
	c->key_len = key_len;
	c->algorithm = SRTP_AES_ICM_128;
	*cp = c;
	return srtp_err_status_ok;
}

static srtp_err_status_t icm_dealloc(srtp_cipher_t *c)
{
	struct icm_state *st = c->state;

	if (st) {
		EVP_CIPHER_CTX_free(st->ctx);
		OPENSSL_cleanse(st, sizeof *st);
		free(st);
	}
	free(c);
	return srtp_err_status_ok;
}

static srtp_err_status_t icm_init(void *sv, const uint8_t *key)
{
	struct icm_state *st = sv;

	memset(st->offset, 0, sizeof st->offset);
	memcpy(st->offset, key + ICM_KEY_LEN, ICM_SALT_LEN);
	/* the key schedule is made here, once; set_iv only changes the counter */
	if (EVP_EncryptInit_ex(st->ctx, EVP_aes_128_ctr(), NULL, key, NULL) != 1)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t icm_set_iv(void *sv, uint8_t *iv, srtp_cipher_direction_t dir)
{
	struct icm_state *st = sv;
	uint8_t ctr[16];

	(void)dir; /* counter mode: the same either way */
	for (int i = 0; i < 16; i++)
		ctr[i] = st->offset[i] ^ iv[i];
	/* SRTP's block counter is the low 16 bits; OpenSSL carries into the 128-bit value, which
	 * only differs past 2^16 blocks (1 MiB), far beyond any packet */
	if (EVP_EncryptInit_ex(st->ctx, NULL, NULL, NULL, ctr) != 1)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t icm_encrypt(void *sv, uint8_t *buf, unsigned int *len)
{
	struct icm_state *st = sv;
	int out = 0;

	if (EVP_EncryptUpdate(st->ctx, buf, &out, buf, (int)*len) != 1)
		return srtp_err_status_cipher_fail;
	*len = (unsigned int)out;
	return srtp_err_status_ok;
}

/* RFC 3711 B.2 (also libsrtp2's own vector): key, salt, a zero index, the first 32 octets of
 * keystream encrypting zeros */
static const uint8_t icm_key[30] = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f,
	0x3c, 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static uint8_t icm_idx[16];
static const uint8_t icm_plain[32];
static const uint8_t icm_cipher[32] = {
	0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80, 0xe1, 0x66, 0xb1,
	0x6d, 0xd9, 0x2b, 0x4e, 0xb4, 0xd2, 0x35, 0x13, 0x16, 0x2b, 0x02,
	0xd0, 0xf7, 0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f, 0x97, 0xab,
};
static const srtp_cipher_test_case_t icm_test = {
	.key_length_octets = sizeof icm_key,
	.key = icm_key,
	.idx = icm_idx,
	.plaintext_length_octets = sizeof icm_plain,
	.plaintext = icm_plain,
	.ciphertext_length_octets = sizeof icm_cipher,
	.ciphertext = icm_cipher,
};

static const srtp_cipher_type_t icm_type = {
	.alloc = icm_alloc,
	.dealloc = icm_dealloc,
	.init = icm_init,
	.encrypt = icm_encrypt,
	.decrypt = icm_encrypt,
	.set_iv = icm_set_iv,
	.description = "AES-128 counter mode using OpenSSL (symbridge)",
	.test_data = &icm_test,
	.id = SRTP_AES_ICM_128,
};

/* ---- HMAC-SHA1 ---- */

static EVP_MAC *hmac_mac; /* fetched once, before any stream exists */
static const srtp_auth_type_t hmac_type;

static srtp_err_status_t hmac_alloc(srtp_auth_t **ap, int key_len, int out_len)
{
	srtp_auth_t *a;

	if (key_len < 0 || key_len > SHA1_LEN || out_len < 0 || out_len > SHA1_LEN)
		return srtp_err_status_bad_param;
	if (!(a = calloc(1, sizeof *a)))
		return srtp_err_status_alloc_fail;
	if (!(a->state = EVP_MAC_CTX_new(hmac_mac))) {
		free(a);
		return srtp_err_status_alloc_fail;
	}
	a->type = &hmac_type;
	a->out_len = out_len;
	a->key_len = key_len;
	a->prefix_len = 0;
	*ap = a;
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_dealloc(srtp_auth_t *a)
{
	EVP_MAC_CTX_free(a->state);
	free(a);
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_init(void *sv, const uint8_t *key, int key_len)
{
	char digest[] = "SHA1";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};

	if (EVP_MAC_init(sv, key, (size_t)key_len, params) != 1)
		return srtp_err_status_auth_fail;
	return srtp_err_status_ok;
}

/* a new message with the key already set: OpenSSL restarts from the keyed inner state */
static srtp_err_status_t hmac_start(void *sv)
{
	return EVP_MAC_init(sv, NULL, 0, NULL) == 1 ? srtp_err_status_ok
						    : srtp_err_status_auth_fail;
}

static srtp_err_status_t hmac_update(void *sv, const uint8_t *buf, int len)
{
	return EVP_MAC_update(sv, buf, (size_t)len) == 1 ? srtp_err_status_ok
							 : srtp_err_status_auth_fail;
}

static srtp_err_status_t hmac_compute(void *sv, const uint8_t *buf, int len, int tag_len,
				      uint8_t *tag)
{
	uint8_t md[SHA1_LEN];
	size_t n = 0;

	if (tag_len < 0 || tag_len > SHA1_LEN || EVP_MAC_update(sv, buf, (size_t)len) != 1 ||
	    EVP_MAC_final(sv, md, &n, sizeof md) != 1 || n != SHA1_LEN)
		return srtp_err_status_auth_fail;
	memcpy(tag, md, (size_t)tag_len);
	return srtp_err_status_ok;
}

/* RFC 2202 test case 1 */
static const uint8_t hmac_key[20] = {
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
};
static const uint8_t hmac_data[8] = "Hi There";
static const uint8_t hmac_tag[20] = {
	0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72, 0x64, 0xe2, 0x8b,
	0xc0, 0xb6, 0xfb, 0x37, 0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00,
};
static const srtp_auth_test_case_t hmac_test = {
	.key_length_octets = sizeof hmac_key,
	.key = hmac_key,
	.data_length_octets = sizeof hmac_data,
	.data = hmac_data,
	.tag_length_octets = sizeof hmac_tag,
	.tag = hmac_tag,
};

static const srtp_auth_type_t hmac_type = {
	.alloc = hmac_alloc,
	.dealloc = hmac_dealloc,
	.init = hmac_init,
	.compute = hmac_compute,
	.update = hmac_update,
	.start = hmac_start,
	.description = "HMAC-SHA1 using OpenSSL (symbridge)",
	.test_data = &hmac_test,
	.id = SRTP_HMAC_SHA1,
};

int media__srtp_ossl_install(void)
{
	if (!hmac_mac && !(hmac_mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL)))
		return -EIO;
	/* each call runs our vectors and those of the kernel it replaces; a failure leaves the
	 * NSS kernel in place */
	if (srtp_replace_cipher_type(&icm_type, SRTP_AES_ICM_128) != srtp_err_status_ok ||
	    srtp_replace_auth_type(&hmac_type, SRTP_HMAC_SHA1) != srtp_err_status_ok)
		return -EIO;
	return 0;
}
