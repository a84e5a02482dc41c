/* cause.c: Q.850 cause <-> SIP status mapping, from the tables of RFC 3398 (shared by sip and isdn). */
#include "config.h"

#include <stddef.h>

#include "symbridge.h"

struct map {
	int from, to;
};

/* RFC 3398 section 7.2.4.1, "ISUP Cause value -> SIP response". Cause 16 (normal clearing) has
 * no response: it ends a call with BYE or CANCEL; 0 here. */
static const struct map q850_sip[] = {
	{ 1, 404 },   { 2, 404 },   { 3, 404 },  { 16, 0 },   { 17, 486 }, { 18, 408 },
	{ 19, 480 },  { 20, 480 },  { 21, 403 }, { 22, 410 }, { 23, 410 }, { 26, 404 },
	{ 27, 502 },  { 28, 484 },  { 29, 501 }, { 31, 480 }, { 34, 503 }, { 38, 503 },
	{ 41, 503 },  { 42, 503 },  { 47, 503 }, { 55, 403 }, { 57, 403 }, { 58, 503 },
	{ 65, 488 },  { 70, 488 },  { 79, 501 }, { 87, 403 }, { 88, 503 }, { 102, 504 },
	{ 111, 500 }, { 127, 500 },
};

/* RFC 3398 section 8.2.6.1, "SIP response -> ISUP cause value". 487 (the request was cancelled)
 * and 488/606 ("by Warning header") have no fixed cause there; see sb_sip_to_q850(). */
static const struct map sip_q850[] = {
	{ 400, 41 },  { 401, 21 },  { 402, 21 },  { 403, 21 },  { 404, 1 },   { 405, 63 },
	{ 406, 79 },  { 407, 21 },  { 408, 102 }, { 410, 22 },  { 413, 127 }, { 414, 127 },
	{ 415, 79 },  { 416, 127 }, { 420, 127 }, { 421, 127 }, { 423, 127 }, { 480, 18 },
	{ 481, 41 },  { 482, 25 },  { 483, 25 },  { 484, 28 },  { 485, 1 },   { 486, 17 },
	{ 500, 41 },  { 501, 79 },  { 502, 38 },  { 503, 41 },  { 504, 102 }, { 505, 127 },
	{ 513, 127 }, { 600, 17 },  { 603, 21 },  { 604, 1 },
};

static int find(const struct map *m, size_t n, int from, int *to)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].from == from) {
			*to = m[i].to;
			return 0;
		}
	return -1;
}

int sb_q850_to_sip(int cause)
{
	int status;

	if (find(q850_sip, sizeof q850_sip / sizeof *q850_sip, cause, &status) == 0)
		return status;
	/* causes the table leaves out: by their Q.850 class (our choice) */
	if (cause >= 1 && cause <= 31)
		return 480; /* normal event */
	if (cause >= 32 && cause <= 47)
		return 503; /* resource unavailable */
	if (cause >= 48 && cause <= 79)
		return 501; /* service or option not available / implemented */
	return 500;         /* invalid message, protocol error, interworking */
}

int sb_sip_to_q850(int status)
{
	int cause;

	if (find(sip_q850, sizeof sip_q850 / sizeof *sip_q850, status, &cause) == 0)
		return cause;
	if (status == 487)
		return 16; /* the caller cancelled: normal clearing */
	if (status == 488 || status == 606)
		return 65; /* no common media: Q.850 cause 65, an unsupported bearer capability */
	if (status >= 600)
		return 21; /* global failure: call rejected */
	if (status >= 500)
		return 41; /* server failure: temporary failure */
	return 31;         /* any other: normal, unspecified */
}
