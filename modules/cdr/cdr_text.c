/* cdr_text.c: call records as people read and type them: times, legs, names and CSV. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cdr.h"

#define US 1000000LL

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

/* -30m, -2h, -7d, -90s: that long before now */
static int parse_relative(const char *s, int64_t now_us, int64_t *out)
{
	char *end;
	long long n;
	long long unit;

	errno = 0;
	n = strtoll(s + 1, &end, 10);
	if (errno || end == s + 1 || n < 0 || strlen(end) != 1 || !isdigit((unsigned char)s[1]))
		return -EINVAL;
	switch (*end) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: return -EINVAL;
	}
	if (n > 3660LL * 86400 / unit)
		return -ERANGE;
	*out = now_us - n * unit * US;
	return 0;
}

/* Z, +01:00, -0500 after a date and time; *off in seconds east of UTC */
static int parse_zone(const char *z, bool *has, long *off)
{
	int h, m, sign;

	*has = false;
	*off = 0;
	if (!*z)
		return 0;
	*has = true;
	if (strcmp(z, "Z") == 0 || strcmp(z, "z") == 0)
		return 0;
	if ((z[0] != '+' && z[0] != '-') || !isdigit((unsigned char)z[1]) ||
	    !isdigit((unsigned char)z[2]))
		return -EINVAL;
	sign = z[0] == '-' ? -1 : 1;
	h = (z[1] - '0') * 10 + (z[2] - '0');
	z += 3;
	if (*z == ':')
		z++;
	if (!*z)
		m = 0;
	else if (isdigit((unsigned char)z[0]) && isdigit((unsigned char)z[1]) && !z[2])
		m = (z[0] - '0') * 10 + (z[1] - '0');
	else
		return -EINVAL;
	if (h > 14 || m > 59)
		return -EINVAL;
	*off = sign * (h * 3600L + m * 60L);
	return 0;
}

int cdr_parse_time(const char *s, int64_t now_us, int64_t *out_us)
{
	struct tm tm;
	char rest[16] = "";
	int Y, M, D, h = 0, m = 0, sec = 0;
	bool has_zone;
	long off;
	time_t t;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '-')
		return parse_relative(s, now_us, out_us);
	if (s[0] == '@') {
		size_t len = strlen(s + 1);
		if (!all_digits(s + 1, len) || len > 12)
			return -EINVAL;
		*out_us = strtoll(s + 1, NULL, 10) * US;
		return 0;
	}
	/* YYYY-MM-DD, then optionally [T ]HH:MM[:SS], then optionally a zone */
	if (strlen(s) < 10 || !all_digits(s, 4) || s[4] != '-' || !all_digits(s + 5, 2) ||
	    s[7] != '-' || !all_digits(s + 8, 2))
		return -EINVAL;
	Y = atoi(s);
	M = atoi(s + 5);
	D = atoi(s + 8);
	s += 10;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		if (strlen(s + 1) < 5 || !all_digits(s + 1, 2) || s[3] != ':' ||
		    !all_digits(s + 4, 2))
			return -EINVAL;
		h = atoi(s + 1);
		m = atoi(s + 4);
		s += 6;
		if (*s == ':') {
			if (!all_digits(s + 1, 2))
				return -EINVAL;
			sec = atoi(s + 1);
			s += 3;
		}
	}
	if (strlen(s) >= sizeof rest)
		return -EINVAL;
	snprintf(rest, sizeof rest, "%s", s);
	if (parse_zone(rest, &has_zone, &off) < 0)
		return -EINVAL;
	if (Y < 1970 || Y > 9999 || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 ||
	    sec > 60)
		return -EINVAL;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = Y - 1900;
	tm.tm_mon = M - 1;
	tm.tm_mday = D;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	t = has_zone ? timegm(&tm) - off : mktime(&tm);
	/* 2026-02-30 is not a day: mktime would roll it into March */
	if (tm.tm_mday != D || tm.tm_mon != M - 1)
		return -EINVAL;
	*out_us = (int64_t)t * US;
	return 0;
}

void cdr_format_time(int64_t us, char *buf, size_t len)
{
	time_t t = (time_t)(us / US);
	struct tm tm;

	if (us <= 0 || !localtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "-");
}

void cdr_format_iso(int64_t us, char *buf, size_t len)
{
	time_t t = (time_t)(us / US);
	struct tm tm;
	char date[32], zone[8];

	if (us <= 0 || !localtime_r(&t, &tm) ||
	    !strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm) ||
	    !strftime(zone, sizeof zone, "%z", &tm)) {
		snprintf(buf, len, "%s", "");
		return;
	}
	/* %z gives +0100; ISO 8601 extended form wants +01:00 */
	snprintf(buf, len, "%s.%03d%.3s:%.2s", date, (int)(us % US / 1000), zone, zone + 3);
}

void cdr_format_leg(const struct cdr_leg *leg, char *buf, size_t len)
{
	if (leg->kind == CDR_LEG_STATION)
		snprintf(buf, len, "station %s", leg->name);
	else if (leg->slot && leg->channel)
		snprintf(buf, len, "%u/%u", leg->slot, leg->channel);
	else if (leg->slot) /* a link: the card, no channel */
		snprintf(buf, len, "%u", leg->slot);
	else
		snprintf(buf, len, "-");
}

const char *cdr_leg_kind_name(uint8_t kind)
{
	switch (kind) {
	case CDR_LEG_CARD: return "card";
	case CDR_LEG_STATION: return "station";
	case CDR_LEG_LINK: return "link";
	case CDR_LEG_TRUNK: return "trunk";
	case CDR_LEG_CLOUD: return "cloud";
	default: return "-";
	}
}

const char *cdr_state_name(uint8_t state)
{
	switch (state) {
	case CDR_OPEN: return "running";
	case CDR_CLOSED: return "ended";
	case CDR_INTERRUPTED: return "interrupted";
	default: return "?";
	}
}

const char *cdr_direction_name(uint8_t dir)
{
	switch (dir) {
	case CDR_DIR_TO_CLOUD: return "to-cloud";
	case CDR_DIR_FROM_CLOUD: return "from-cloud";
	case CDR_DIR_LOCAL: return "local";
	default: return "unknown";
	}
}

/* RFC 4180: quote fields with a comma, quote or line break, doubling quotes; other control
 * bytes and non-ASCII bytes (names from the network) become '?', so a line stays a line. */
static void csv_str(FILE *out, const char *s)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;

	if (quote)
		fputc('"', out);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"')
			fputs("\"\"", out);
		else if (ch == '\r' || ch == '\n' || ch < 0x20 || ch > 0x7e)
			fputc('?', out);
		else
			fputc(ch, out);
	}
	if (quote)
		fputc('"', out);
}

static const char *const leg_cols[] = {
	"endpoint",     "kind",          "number",           "codec",
	"transcoded",   "srtp",          "sip_status",       "q850",
	"packets_sent", "packets_received", "packets_lost",  "jitter_ms",
	"jitter_max_ms", "rtt_ms",       "mos",
};

void cdr_csv_header(FILE *out)
{
	fputs("id,start,answer,end,duration_s,direction,state,caller,called,reason", out);
	for (int i = 0; i < CDR_LEGS; i++)
		for (size_t c = 0; c < sizeof leg_cols / sizeof *leg_cols; c++)
			fprintf(out, ",%c_%s", 'a' + i, leg_cols[c]);
	fputc('\n', out);
}

void cdr_csv_row(FILE *out, const struct cdr_record *rec)
{
	char t[48], ep[CDR_NAME_MAX + 16];
	/* a damaged record may hold any times: the difference is taken only between an answer
	 * after the epoch and a later end, where it cannot overflow (UBSan found 2^63 - -2^63) */
	int64_t dur = rec->answer_us > 0 && rec->end_us > rec->answer_us
			      ? (int64_t)((uint64_t)rec->end_us - (uint64_t)rec->answer_us)
			      : 0;

	fprintf(out, "%llu,", (unsigned long long)rec->id);
	cdr_format_iso(rec->start_us, t, sizeof t);
	fprintf(out, "%s,", t);
	cdr_format_iso(rec->answer_us, t, sizeof t);
	fprintf(out, "%s,", t);
	cdr_format_iso(rec->end_us, t, sizeof t);
	fprintf(out, "%s,%lld.%03lld,%s,%s,", t, (long long)(dur / US),
		(long long)(dur % US / 1000), cdr_direction_name(rec->direction),
		cdr_state_name(rec->state));
	csv_str(out, rec->caller);
	fputc(',', out);
	csv_str(out, rec->called);
	fputc(',', out);
	csv_str(out, rec->reason);
	for (int i = 0; i < CDR_LEGS; i++) {
		const struct cdr_leg *l = &rec->leg[i];

		cdr_format_leg(l, ep, sizeof ep);
		fputc(',', out);
		csv_str(out, ep);
		fprintf(out, ",%s,", cdr_leg_kind_name(l->kind));
		csv_str(out, l->number);
		fputc(',', out);
		csv_str(out, l->codec);
		fprintf(out, ",%s,%s,%u,%u,%u,%u,%u,%u.%03u,%u.%03u,", l->transcoded ? "yes" : "no",
			l->srtp ? "yes" : "no", l->sip_status, l->q850, l->q.packets_sent,
			l->q.packets_received, l->q.packets_lost, l->q.jitter_us / 1000,
			l->q.jitter_us % 1000, l->q.jitter_max_us / 1000, l->q.jitter_max_us % 1000);
		if (l->q.rtt_us)
			fprintf(out, "%u.%03u", l->q.rtt_us / 1000, l->q.rtt_us % 1000);
		fputc(',', out);
		if (l->q.mos_x100)
			fprintf(out, "%u.%02u", l->q.mos_x100 / 100, l->q.mos_x100 % 100);
	}
	fputc('\n', out);
}
