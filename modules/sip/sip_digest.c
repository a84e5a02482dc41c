/* sip_digest.c: digest authentication (RFC 7616, RFC 2617): nonces bound to time and source, nonce counts, MD5 and SHA-256. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <sofia-sip/auth_digest.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/url.h>

#define SB_MODULE "sip"
#include "sip_priv.h"

#define NONCE_TTL_MS (300 * 1000) /* a challenge is good for five minutes */
#define NONCE_LEN    56           /* 16 hex digits of time, 8 of a serial, 32 of HMAC */
#define NC_BUCKETS   1024         /* nonce counts: NC_BUCKETS x NC_WAYS nonces in use at most */
#define NC_WAYS      4

/* One nonce in use: the highest nonce count a request carried with it. */
struct nc_entry {
	char nonce[NONCE_LEN];
	uint64_t issued; /* 0: free */
	uint32_t nc;
};

static struct {
	unsigned char secret[32]; /* signs our nonces: new at every start */
	struct nc_entry nc[NC_BUCKETS][NC_WAYS];
	/* nonces issued at or before this time may have lost their entry to a newer one: they
	 * are answered as stale, so a dropped entry never lets an old nonce count again */
	uint64_t floor;
	uint32_t serial; /* two challenges in the same millisecond differ */
} dg;

#ifdef SB_FUZZING
/* Fuzz builds only (make fuzz defines SB_FUZZING; the daemon never has this): a fuzzer cannot
 * forge an HMAC nonce or an MD5 response, so with this on the credentials of a known user are
 * taken whatever their nonce and response, and the registrar's binding code is reached. The
 * parsing of the credentials, the qop/nc checks and the uri comparison still run. */
static bool fuzz_accept;

void sip_digest_fuzz_accept(bool on)
{
	fuzz_accept = on;
}
#endif

int sip_digest_setup(void)
{
	memset(&dg, 0, sizeof dg);
	return RAND_bytes(dg.secret, sizeof dg.secret) == 1 ? 0 : -EIO;
}

/* ---- nonces -------------------------------------------------------------------------------- */

/* nonce = 16 hex digits of issue time (ms), 8 of a serial number, then 32 of
 * HMAC-SHA256(secret, time serial "|" source address) */
static void nonce_make(uint64_t t, uint32_t serial, const char *source, char out[NONCE_LEN + 1])
{
	unsigned char mac[32];
	unsigned int len = sizeof mac;
	char msg[24 + 1 + 64];
	int n;

	n = snprintf(msg, sizeof msg, "%016llx%08x|%s", (unsigned long long)t, serial,
		     source ? source : "");
	if (n < 0 || (size_t)n >= sizeof msg)
		n = sizeof msg - 1;
	HMAC(EVP_sha256(), dg.secret, sizeof dg.secret, (unsigned char *)msg, (size_t)n, mac, &len);
	memcpy(out, msg, 24);
	for (int i = 0; i < 16; i++)
		snprintf(out + 24 + 2 * i, 3, "%02x", mac[i]);
}

static uint64_t nonce_time(const char *nonce)
{
	char ts[17];

	memcpy(ts, nonce, 16);
	ts[16] = '\0';
	return strtoull(ts, NULL, 16);
}

int sip_digest_nonce(uint64_t now, const char *source, char out[NONCE_LEN + 1])
{
	nonce_make(now, dg.serial++, source, out);
	return 0;
}

/* 1: ours for this source and fresh, 0: ours but stale, -1: not ours (or another source's) */
int sip_digest_nonce_check(const char *nonce, const char *source, uint64_t now)
{
	char want[NONCE_LEN + 1];
	uint64_t t;

	if (!nonce || strlen(nonce) != NONCE_LEN)
		return -1;
	char ser[9];
	memcpy(ser, nonce + 16, 8);
	ser[8] = '\0';
	t = nonce_time(nonce);
	nonce_make(t, (uint32_t)strtoul(ser, NULL, 16), source, want);
	if (CRYPTO_memcmp(want, nonce, NONCE_LEN) != 0)
		return -1;
	return t <= now && now - t < NONCE_TTL_MS ? 1 : 0;
}

/* ---- nonce counts -------------------------------------------------------------------------- */

static size_t nc_bucket(const char *nonce)
{
	/* the HMAC part is uniformly spread: its first hex digits make the hash */
	char h[9];
	memcpy(h, nonce + 24, 8);
	h[8] = '\0';
	return (size_t)strtoul(h, NULL, 16) % NC_BUCKETS;
}

/* A request's nonce count for an (authenticated, fresh) nonce issued at t: 0 when it is above
 * every earlier one (and is now the highest), -EALREADY for a repeated or lower count, -ESTALE
 * when the nonce's entry may have been given to a newer nonce (a new challenge fixes it). */
int sip_digest_nc_use(const char *nonce, uint64_t t, uint32_t nc, uint64_t now)
{
	struct nc_entry *b = dg.nc[nc_bucket(nonce)], *slot = NULL;

	for (int i = 0; i < NC_WAYS; i++) {
		if (b[i].issued && now - b[i].issued >= NONCE_TTL_MS)
			b[i].issued = 0; /* expired with its nonce */
		if (b[i].issued && memcmp(b[i].nonce, nonce, NONCE_LEN) == 0) {
			if (nc <= b[i].nc)
				return -EALREADY;
			b[i].nc = nc;
			return 0;
		}
	}
	if (t <= dg.floor)
		return -ESTALE;
	for (int i = 0; i < NC_WAYS; i++) {
		if (!b[i].issued) {
			slot = &b[i];
			break;
		}
		if (!slot || b[i].issued < slot->issued)
			slot = &b[i];
	}
	if (slot->issued && slot->issued > dg.floor)
		dg.floor = slot->issued; /* the oldest of a full bucket makes way */
	memcpy(slot->nonce, nonce, NONCE_LEN);
	slot->issued = t ? t : 1;
	slot->nc = nc;
	return 0;
}

/* ---- challenge and response ---------------------------------------------------------------- */

static const EVP_MD *algorithm_md(const char *name)
{
	if (!name || strcasecmp(name, "MD5") == 0)
		return EVP_md5();
	if (strcasecmp(name, "SHA-256") == 0)
		return EVP_sha256();
	return NULL;
}

static bool algorithm_offered(const struct sb_strlist *algs, const char *name)
{
	for (size_t i = 0; i < algs->n; i++)
		if (strcasecmp(algs->v[i], name ? name : "MD5") == 0)
			return true;
	return false;
}

/* lower-case hex of H(text) */
static void hash_hex(const EVP_MD *md, const char *text, char *out)
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_Digest(text, strlen(text), h, &n, md, NULL);
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	out[2 * n] = '\0';
}

size_t sip_digest_challenge(const struct sb_strlist *algs, const char *realm, const char *source,
			    uint64_t now, bool stale, char out[][SIP_CHALLENGE_LEN], size_t max)
{
	char nonce[NONCE_LEN + 1];
	size_t k = 0;

	sip_digest_nonce(now, source, nonce);
	for (size_t i = 0; i < algs->n && k < max; i++, k++)
		snprintf(out[k], SIP_CHALLENGE_LEN,
			 "Digest realm=\"%s\", nonce=\"%s\", algorithm=%s, qop=\"auth\"%s", realm,
			 nonce, algs->v[i], stale ? ", stale=true" : "");
	return k;
}

const char *sip_digest_what(enum sip_digest_rc rc)
{
	switch (rc) {
	case SIP_DIGEST_OK: return "authenticated";
	case SIP_DIGEST_NONE: return "no credentials";
	case SIP_DIGEST_STALE: return "stale nonce";
	case SIP_DIGEST_FOREIGN: return "nonce not issued to this address";
	case SIP_DIGEST_MALFORMED: return "malformed credentials";
	case SIP_DIGEST_URI: return "digest uri is not the request-uri";
	case SIP_DIGEST_REPLAY: return "nonce count repeated (replay)";
	case SIP_DIGEST_WRONG: return "wrong user name or password";
	}
	return "?";
}

/* The Authorization (or Proxy-Authorization) header for our realm, or NULL. */
const msg_auth_t *sip_digest_credentials(const msg_auth_t *list, const char *realm)
{
	for (const msg_auth_t *au = list; au; au = au->au_next) {
		const char *r = msg_params_find(au->au_params, "realm=");
		if (au->au_scheme && strcasecmp(au->au_scheme, "Digest") == 0 && r &&
		    auth_strcmp(r, realm) == 0)
			return au;
	}
	return NULL;
}

/* The user name a request's challenge is for: the one its credentials name, else the AoR of a
 * REGISTER (To) or the caller of an INVITE (From); NULL when there is none. */
const char *sip_digest_challenge_user(const sip_t *req, const msg_auth_t *list, const char *realm)
{
	const msg_auth_t *au = sip_digest_credentials(list, realm);
	const char *u = au ? msg_params_find(au->au_params, "username=") : NULL;
	static char name[65];
	const sip_addr_t *who = req->sip_request &&
		req->sip_request->rq_method == sip_method_register ? req->sip_to : req->sip_from;

	if (u) {
		size_t n = strlen(u);
		if (n >= 2 && u[0] == '"' && u[n - 1] == '"') {
			u++;
			n -= 2;
		}
		if (n >= sizeof name)
			n = sizeof name - 1;
		memcpy(name, u, n);
		name[n] = '\0';
		return name;
	}
	return who ? who->a_url->url_user : NULL;
}

/* The digest uri names the request it came with: parsed and compared with the Request-URI
 * (sofia-sip's url_cmp_all: scheme, user, host, port, parameters), or as text. One tolerance:
 * the Request-URI without its user part (sipp 3.6 sends "sip:HOST:PORT" for every request);
 * a uri naming another user, host, port or parameters is refused. */
static bool uri_matches(su_home_t *home, const char *uri, const url_t *ruri)
{
	url_t *u, *bare;
	char *r;

	if (!uri || !ruri)
		return false;
	if ((r = url_as_string(home, ruri)) && strcmp(r, uri) == 0)
		return true;
	if (!(u = url_make(home, uri)))
		return false;
	if (url_cmp_all(u, ruri) == 0)
		return true;
	if (u->url_user || !(bare = url_hdup(home, ruri)))
		return false;
	bare->url_user = bare->url_password = NULL;
	return url_cmp_all(u, bare) == 0;
}

/* Everything about one request's credentials. The same work is done whether the user exists or
 * not (an unknown one is checked against a dummy password), so neither the answer nor its timing
 * tells them apart. dr->user is set to the user named in the credentials (authenticated or not,
 * for the logs and the per-user limit). */
enum sip_digest_rc sip_digest_check(struct sip_digest_req *dr)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	const msg_auth_t *au = sip_digest_credentials(dr->credentials, dr->realm);
	auth_response_t ar[1];
	const struct sb_strlist *algs;
	const EVP_MD *md;
	const char *pass;
	char ha1[2 * EVP_MAX_MD_SIZE + 1], ha2[2 * EVP_MAX_MD_SIZE + 1];
	char want[2 * EVP_MAX_MD_SIZE + 1], *text = NULL;
	enum sip_digest_rc rc;
	uint32_t nc;
	int fresh;

	dr->user[0] = '\0';
	if (!au) {
		rc = SIP_DIGEST_NONE;
		goto out;
	}
	memset(ar, 0, sizeof ar);
	ar->ar_size = sizeof ar[0];
	rc = SIP_DIGEST_MALFORMED;
	if (auth_digest_response_get(home, ar, au->au_params) < 0 || !ar->ar_username)
		goto out;
	snprintf(dr->user, sizeof dr->user, "%s", ar->ar_username);
	algs = dr->algs_cb ? dr->algs_cb(ar->ar_username) : NULL;
	if (!algs)
		algs = dr->algs;
	/* qop=auth is required: without it nc and cnonce are not part of the response, and a
	 * sniffed request could be replayed */
	if (!ar->ar_nonce || !ar->ar_response || !ar->ar_uri || !ar->ar_qop || !ar->ar_auth ||
	    strcasecmp(ar->ar_qop, "auth") != 0 || !ar->ar_cnonce || !ar->ar_nc ||
	    strlen(ar->ar_nc) != 8 || strspn(ar->ar_nc, "0123456789abcdefABCDEF") != 8 ||
	    !(md = algorithm_md(ar->ar_algorithm)) || !algorithm_offered(algs, ar->ar_algorithm))
		goto out;
	nc = (uint32_t)strtoul(ar->ar_nc, NULL, 16);
	pass = dr->password_cb(ar->ar_username);
	/* H(A1) = H(user:realm:password), H(A2) = H(method:uri),
	 * response = H(H(A1):nonce:nc:cnonce:qop:H(A2)) */
	text = su_sprintf(home, "%s:%s:%s", ar->ar_username, dr->realm,
			  pass ? pass : "\x01 no such station \x01");
	hash_hex(md, text, ha1);
	text = su_sprintf(home, "%s:%s", dr->method, ar->ar_uri);
	hash_hex(md, text, ha2);
	text = su_sprintf(home, "%s:%s:%s:%s:%s:%s", ha1, ar->ar_nonce, ar->ar_nc, ar->ar_cnonce,
			  ar->ar_qop, ha2);
	hash_hex(md, text, want);
	fresh = sip_digest_nonce_check(ar->ar_nonce, dr->source, dr->now);
#ifdef SB_FUZZING
	if (fuzz_accept && pass) {
		rc = uri_matches(home, ar->ar_uri, dr->ruri) ? SIP_DIGEST_OK : SIP_DIGEST_URI;
		goto out;
	}
#endif
	if (fresh < 0) {
		rc = SIP_DIGEST_FOREIGN;
		goto out;
	}
	if (!pass || strlen(ar->ar_response) != strlen(want) ||
	    CRYPTO_memcmp(want, ar->ar_response, strlen(want)) != 0) {
		rc = SIP_DIGEST_WRONG;
		goto out;
	}
	if (!uri_matches(home, ar->ar_uri, dr->ruri)) {
		rc = SIP_DIGEST_URI;
		goto out;
	}
	if (fresh == 0) {
		rc = SIP_DIGEST_STALE;
		goto out;
	}
	switch (sip_digest_nc_use(ar->ar_nonce, nonce_time(ar->ar_nonce), nc, dr->now)) {
	case 0: rc = SIP_DIGEST_OK; break;
	case -ESTALE: rc = SIP_DIGEST_STALE; break;
	default: rc = SIP_DIGEST_REPLAY; break;
	}
out:
	su_home_deinit(home);
	return rc;
}
