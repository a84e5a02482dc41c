/* lic_keys.c: Ed25519 keys for license files: generate, PEM files, the raw public key in base64. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "lic_file.h"

/* ---- keys -------------------------------------------------------------- */

int lic_key_generate(void **privp)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!k)
		return -EIO;
	*privp = k;
	return 0;
}

static int load_pem(const char *path, bool private_part, void **keyp)
{
	FILE *fp = fopen(path, "r");
	EVP_PKEY *k;

	if (!fp)
		return -errno;
	k = private_part ? PEM_read_PrivateKey(fp, NULL, NULL, NULL)
			 : PEM_read_PUBKEY(fp, NULL, NULL, NULL);
	fclose(fp);
	if (!k || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(k);
		return -EINVAL;
	}
	*keyp = k;
	return 0;
}

int lic_key_load_private(const char *path, void **keyp)
{
	return load_pem(path, true, keyp);
}

int lic_key_load_public(const char *path, void **keyp)
{
	return load_pem(path, false, keyp);
}

int lic_key_public_from_base64(const char *b64, void **keyp)
{
	unsigned char raw[32];
	EVP_PKEY *k;

	if (lic__b64_decode(b64, strlen(b64), raw, sizeof raw) < 0)
		return -EINVAL;
	if (!(k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, sizeof raw)))
		return -EINVAL;
	*keyp = k;
	return 0;
}

int lic_key_public_base64(void *key, char *buf, size_t len)
{
	unsigned char raw[32];
	size_t rlen = sizeof raw;

	if (len < 45 || EVP_PKEY_get_raw_public_key(key, raw, &rlen) != 1 || rlen != 32)
		return -EINVAL;
	EVP_EncodeBlock((unsigned char *)buf, raw, 32);
	return 0;
}

int lic_key_save(void *key, bool private_part, const char *path)
{
	/* a private key is readable by its owner only, from the moment it exists */
	mode_t old = umask(private_part ? 077 : 022);
	FILE *fp = fopen(path, "w");
	int ok;

	umask(old);
	if (!fp)
		return -errno;
	ok = private_part ? PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL)
			  : PEM_write_PUBKEY(fp, key);
	if (fclose(fp) != 0 || ok != 1)
		return -EIO;
	return 0;
}

void lic_key_free(void *key)
{
	EVP_PKEY_free(key);
}
