/* lic_file.c: license files: strict line parser, canonical form, dates and Ed25519 signatures. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lic_file.h"

#define FORMAT_LINE "symbridge-license: 1"
#define SIG_B64_LEN 88 /* 64 bytes */

static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* ---- dates ------------------------------------------------------------- */

/* days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil algorithm) */
static int days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int lic_date_parse(const char *s, size_t len, int *dayp)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return -EINVAL;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -EINVAL;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 2000 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -EINVAL;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -EINVAL;
	*dayp = days_from_civil(y, m, d);
	return 0;
}

void lic_date_format(int day, char *buf, size_t len)
{
	if (day == LIC_NEVER) {
		snprintf(buf, len, "never");
		return;
	}
	/* the inverse of days_from_civil */
	int z = day + 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int y = yoe + era * 400;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;
	int d = doy - (153 * mp + 2) / 5 + 1;
	int m = mp + (mp < 10 ? 3 : -9);
	snprintf(buf, len, "%04d-%02d-%02d", y + (m <= 2), m, d);
}

int lic_today(time_t now)
{
	return (int)(now >= 0 ? now / 86400 : (now - 86399) / 86400);
}

/* ---- base64 (strict: only the canonical encoding of the bytes is accepted) ---- */

int lic__b64_decode(const char *s, size_t slen, unsigned char *out, size_t outlen)
{
	unsigned char buf[128];
	char check[200];

	if (slen != (outlen + 2) / 3 * 4 || slen >= sizeof check || outlen > sizeof buf - 2)
		return -EINVAL;
	for (size_t i = 0; i < slen; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '/' || s[i] == '='))
			return -EINVAL;
	if (EVP_DecodeBlock(buf, (const unsigned char *)s, (int)slen) < (int)outlen)
		return -EINVAL;
	EVP_EncodeBlock((unsigned char *)check, buf, (int)outlen);
	if (strlen(check) != slen || memcmp(check, s, slen) != 0)
		return -EINVAL;
	memcpy(out, buf, outlen);
	return 0;
}

/* ---- the parser -------------------------------------------------------- */

enum field { F_FORMAT, F_ID, F_CUSTOMER, F_HWID, F_ISSUED, F_EXPIRES, F_LICENSE, F_SIG, F_END };

static bool chars_ok(const char *v, size_t n, const char *extra)
{
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      strchr(extra, c)))
			return false;
	}
	return true;
}

static int parse_count(const char *s, size_t n, unsigned *cp)
{
	unsigned v = 0;

	if (n == 0 || n > 7 || s[0] == '0')
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 1000000)
		return -EINVAL;
	*cp = v;
	return 0;
}

/* one "license: NAME COUNT" value */
static int parse_license(struct lic_file *f, const char *v, size_t vlen, int lineno, char *why,
			 size_t wlen)
{
	const char *sp = memchr(v, ' ', vlen);
	char name[48], canon[48], err[128];
	struct lic_item it;
	size_t nlen;

	if (!sp) {
		say(why, wlen, "line %d: expected \"license: NAME COUNT\"", lineno);
		return -EINVAL;
	}
	nlen = (size_t)(sp - v);
	if (nlen == 0 || nlen >= sizeof name) {
		say(why, wlen, "line %d: license name of %zu characters (1 to %zu)", lineno, nlen,
		    sizeof name - 1);
		return -EINVAL;
	}
	memcpy(name, v, nlen);
	name[nlen] = '\0';
	if (lic_item_parse_name(name, &it, err, sizeof err) < 0) {
		say(why, wlen, "line %d: %s", lineno, err);
		return -EINVAL;
	}
	lic_item_format_name(&it, canon, sizeof canon);
	if (strcmp(canon, name) != 0) {
		say(why, wlen, "line %d: write the license name as \"%s\"", lineno, canon);
		return -EINVAL;
	}
	if (parse_count(sp + 1, vlen - nlen - 1, &it.count) < 0) {
		say(why, wlen,
		    "line %d: count of %s must be a number from 1 to 1000000 without "
		    "leading zeros",
		    lineno, name);
		return -EINVAL;
	}
	if (f->nitems == LIC_FILE_MAX_ITEMS) {
		say(why, wlen, "line %d: more than %d licenses in one file", lineno,
		    LIC_FILE_MAX_ITEMS);
		return -EINVAL;
	}
	memcpy(f->names[f->nitems], name, nlen + 1);
	f->items[f->nitems++] = it;
	return 0;
}

static const char *const field_keys[] = { "symbridge-license", "id",       "customer",
					  "hardware-id",       "issued",   "expires",
					  "license",           "signature" };

int lic_file_parse(const char *buf, size_t len, bool need_sig, struct lic_file *f, char *why,
		   size_t wlen)
{
	enum field next = F_FORMAT;
	int lineno = 0;
	size_t off = 0;

	memset(f, 0, sizeof *f);
	if (len > LIC_FILE_MAX) {
		say(why, wlen, "file of %zu bytes, larger than %d", len, LIC_FILE_MAX);
		return -EINVAL;
	}
	while (off < len) {
		const char *line = buf + off, *nl = memchr(line, '\n', len - off);
		size_t llen;
		lineno++;
		if (!nl) {
			say(why, wlen, "line %d: the last line does not end with a newline",
			    lineno);
			return -EINVAL;
		}
		llen = (size_t)(nl - line);
		for (size_t i = 0; i < llen; i++)
			if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7e) {
				say(why, wlen,
				    "line %d: byte 0x%02x at column %zu (printable ASCII "
				    "only, no tabs or CR)",
				    lineno, (unsigned char)line[i], i + 1);
				return -EINVAL;
			}
		if (llen == 0 || line[llen - 1] == ' ') {
			say(why, wlen, "line %d: %s", lineno,
			    llen ? "trailing space" : "empty line (none are allowed)");
			return -EINVAL;
		}
		const char *colon = memchr(line, ':', llen);
		if (!colon || colon + 1 == line + llen || colon[1] != ' ' || colon[2] == ' ') {
			say(why, wlen,
			    "line %d: expected \"key: value\" with one space after the "
			    "colon",
			    lineno);
			return -EINVAL;
		}
		size_t klen = (size_t)(colon - line);
		const char *v = colon + 2;
		size_t vlen = llen - klen - 2;
		enum field got = F_END;
		for (int i = 0; i < F_END; i++)
			if (strlen(field_keys[i]) == klen && memcmp(field_keys[i], line, klen) == 0)
				got = (enum field)i;
		/* the order is fixed; customer is optional, licenses repeat */
		bool in_order = got == next || (next == F_CUSTOMER && got == F_HWID) ||
				(next == F_SIG && got == F_LICENSE);
		if (next == F_END) {
			say(why, wlen, "line %d: nothing may follow the signature", lineno);
			return -EINVAL;
		}
		if (!in_order) {
			say(why, wlen, "line %d: expected \"%s: ...\", found \"%.*s\"", lineno,
			    field_keys[next == F_CUSTOMER ? F_HWID : next],
			    (int)(klen > 32 ? 32 : klen), line);
			return -EINVAL;
		}
		switch (got) {
		case F_FORMAT:
			if (vlen != 1 || v[0] != '1') {
				say(why, wlen, "line %d: format version %.*s unknown (1)", lineno,
				    (int)(vlen > 16 ? 16 : vlen), v);
				return -EINVAL;
			}
			next = F_ID;
			break;
		case F_ID:
			if (vlen > 64 || !chars_ok(v, vlen, "._-")) {
				say(why, wlen,
				    "line %d: id: 1 to 64 letters, digits, '.', '_', '-'", lineno);
				return -EINVAL;
			}
			memcpy(f->id, v, vlen);
			next = F_CUSTOMER;
			break;
		case F_CUSTOMER:
			if (vlen > 128) {
				say(why, wlen, "line %d: customer longer than 128 characters",
				    lineno);
				return -EINVAL;
			}
			memcpy(f->customer, v, vlen);
			next = F_HWID;
			break;
		case F_HWID:
			if (vlen > 128 || !chars_ok(v, vlen, ":._-")) {
				say(why, wlen,
				    "line %d: hardware-id: 1 to 128 letters, digits, ':', "
				    "'.', '_', '-'",
				    lineno);
				return -EINVAL;
			}
			memcpy(f->hwid, v, vlen);
			next = F_ISSUED;
			break;
		case F_ISSUED:
		case F_EXPIRES: {
			int *day = got == F_ISSUED ? &f->issued : &f->expires;
			if (got == F_EXPIRES && vlen == 5 && memcmp(v, "never", 5) == 0)
				*day = LIC_NEVER;
			else if (lic_date_parse(v, vlen, day) < 0) {
				say(why, wlen, "line %d: %s: a date YYYY-MM-DD%s", lineno,
				    field_keys[got], got == F_EXPIRES ? " or never" : "");
				return -EINVAL;
			}
			if (got == F_EXPIRES && f->expires < f->issued) {
				say(why, wlen, "line %d: expires before it was issued", lineno);
				return -EINVAL;
			}
			next = got == F_ISSUED ? F_EXPIRES : F_LICENSE;
			break;
		}
		case F_LICENSE:
			if (parse_license(f, v, vlen, lineno, why, wlen) < 0)
				return -EINVAL;
			next = F_SIG;
			break;
		case F_SIG:
			f->signed_len = off;
			if (lic__b64_decode(v, vlen, f->sig, sizeof f->sig) < 0) {
				say(why, wlen,
				    "line %d: signature: %d characters of base64 (64 bytes)",
				    lineno, SIG_B64_LEN);
				return -EINVAL;
			}
			f->has_sig = true;
			next = F_END;
			break;
		case F_END: break;
		}
		off += llen + 1;
	}
	if (next != F_END && !(next == F_SIG && !need_sig)) {
		say(why, wlen, "line %d: the file ends before \"%s: ...\"", lineno + 1,
		    field_keys[next == F_CUSTOMER ? F_HWID : next]);
		return -EINVAL;
	}
	if (!f->has_sig)
		f->signed_len = len;
	return 0;
}

/* ---- canonical form and signatures --------------------------------------- */

int lic_file_format(const struct lic_file *f, char **outp, size_t *lenp)
{
	char *buf = NULL, issued[16], expires[16];
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return -ENOMEM;
	lic_date_format(f->issued, issued, sizeof issued);
	lic_date_format(f->expires, expires, sizeof expires);
	fprintf(m, FORMAT_LINE "\nid: %s\n", f->id);
	if (f->customer[0])
		fprintf(m, "customer: %s\n", f->customer);
	fprintf(m, "hardware-id: %s\nissued: %s\nexpires: %s\n", f->hwid, issued, expires);
	for (size_t i = 0; i < f->nitems; i++) {
		char name[48];
		lic_item_format_name(&f->items[i], name, sizeof name);
		fprintf(m, "license: %s %u\n", name, f->items[i].count);
	}
	if (fclose(m) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*outp = buf;
	*lenp = len;
	return 0;
}

int lic_file_sign(const char *text, size_t len, void *privkey, char **outp, size_t *lenp)
{
	unsigned char sig[64];
	size_t siglen = sizeof sig;
	char b64[SIG_B64_LEN + 4];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = -EINVAL;

	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, privkey) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)text, len) == 1 &&
	    siglen == sizeof sig) {
		EVP_EncodeBlock((unsigned char *)b64, sig, (int)siglen);
		char *out = malloc(len + sizeof b64 + 16);
		if (!out)
			rc = -ENOMEM;
		else {
			memcpy(out, text, len);
			*lenp = len + (size_t)sprintf(out + len, "signature: %s\n", b64);
			*outp = out;
			rc = 0;
		}
	}
	EVP_MD_CTX_free(ctx);
	return rc;
}

int lic_file_verify(const struct lic_file *f, const char *buf, void *pubkey, const char *hwid,
		    time_t now, const char **reason, char *why, size_t wlen)
{
	char d1[16], d2[16];
	int today = lic_today(now), ok = 0;

	if (!f->has_sig) {
		*reason = LIC_F_UNSIGNED;
		say(why, wlen, "the file has no signature line");
		return -EACCES;
	}
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ok = pubkey && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pubkey) == 1 &&
	     EVP_DigestVerify(ctx, f->sig, sizeof f->sig, (const unsigned char *)buf,
			      f->signed_len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		*reason = LIC_F_BAD_SIGNATURE;
		say(why, wlen,
		    "the signature does not match the file and the vendor key: changed "
		    "after signing, or signed with another key");
		return -EACCES;
	}
	if (strcmp(f->hwid, hwid) != 0) {
		*reason = LIC_F_FOREIGN_HARDWARE;
		say(why, wlen, "license %s is bound to hardware id %s, this machine is %s", f->id,
		    f->hwid, hwid);
		return -EACCES;
	}
	if (today < f->issued) {
		lic_date_format(f->issued, d1, sizeof d1);
		*reason = LIC_F_NOT_YET_VALID;
		say(why, wlen, "license %s is valid from %s", f->id, d1);
		return -EACCES;
	}
	if (f->expires != LIC_NEVER && today > f->expires) {
		lic_date_format(f->expires, d1, sizeof d1);
		lic_date_format(today, d2, sizeof d2);
		*reason = LIC_F_EXPIRED;
		say(why, wlen, "license %s expired on %s (today is %s)", f->id, d1, d2);
		return -EACCES;
	}
	*reason = "ok";
	return 0;
}
