/* lic_file.h: license files: the line format, its canonical form and the Ed25519 signature. */
#ifndef LIC_FILE_H
#define LIC_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "lic_rules.h"

#define LIC_FILE_MAX       (64 * 1024) /* bytes */
#define LIC_FILE_MAX_ITEMS 256
#define LIC_NEVER          0x7fffffff /* expires: never (a day number) */

/* A parsed license file. Dates are days since 1970-01-01 (UTC). */
struct lic_file {
	char id[65];
	char customer[129];
	char hwid[129];
	int issued, expires;
	struct lic_item items[LIC_FILE_MAX_ITEMS];
	char names[LIC_FILE_MAX_ITEMS][48]; /* as written */
	size_t nitems;
	size_t signed_len; /* bytes covered by the signature: all lines before it */
	bool has_sig;
	unsigned char sig[64];
};

/* Reasons a file is refused (machine-readable words). */
#define LIC_F_MALFORMED        "malformed"
#define LIC_F_BAD_SIGNATURE    "bad-signature"
#define LIC_F_FOREIGN_HARDWARE "foreign-hardware"
#define LIC_F_EXPIRED          "expired"
#define LIC_F_NOT_YET_VALID    "not-yet-valid"
#define LIC_F_UNSIGNED         "unsigned"

/* Parse a whole file. need_sig: the last line must be the signature. On a malformed file:
 * -EINVAL and why = "line N: what is wrong (what is right)". */
int lic_file_parse(const char *buf, size_t len, bool need_sig, struct lic_file *f, char *why,
		   size_t wlen);

/* Everything after parsing: the signature with the vendor key (EVP_PKEY *), the hardware id
 * and the dates against now. 0, or -EACCES/-ETIME... with *reason one of LIC_F_* and why. */
int lic_file_verify(const struct lic_file *f, const char *buf, void *pubkey, const char *hwid,
		    time_t now, const char **reason, char *why, size_t wlen);

/* The canonical unsigned text of f (what the signature covers), malloc'd. */
int lic_file_format(const struct lic_file *f, char **outp, size_t *lenp);

/* Sign text (the canonical form) and return it with the signature line appended. */
int lic_file_sign(const char *text, size_t len, void *privkey, char **outp, size_t *lenp);

/* strict base64 of exactly outlen bytes (only the canonical encoding), for lic_keys.c */
int lic__b64_decode(const char *s, size_t slen, unsigned char *out, size_t outlen);

/* dates: "2026-11-30" <-> day number */
int lic_date_parse(const char *s, size_t len, int *dayp);
void lic_date_format(int day, char *buf, size_t len);
int lic_today(time_t now);

/* keys (EVP_PKEY *, freed with lic_key_free): PEM files, or the raw public key in base64 */
int lic_key_generate(void **privp);
int lic_key_load_private(const char *path, void **keyp);
int lic_key_load_public(const char *path, void **keyp);
int lic_key_public_from_base64(const char *b64, void **keyp);
int lic_key_public_base64(void *key, char *buf, size_t len);
int lic_key_save(void *key, bool private_part, const char *path);
void lic_key_free(void *key);

#endif
