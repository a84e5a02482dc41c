/* cdr_cli.c: the cdr commands: list, show, export (streamed CSV) and stats. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SB_MODULE "cdr"
#include "cdr.h"
#include "cdr_cli.h"

#define LIST_DEFAULT 50
#define LIST_MAX     10000
#define EXPORT_CHUNK 500 /* records per streamed chunk: ~100 kB of CSV */

enum { OPT_SINCE = 1, OPT_UNTIL = 2, OPT_NUMBER = 4, OPT_LIMIT = 8, OPT_CSV = 16 };

struct opts {
	struct cdr_filter f;
	int limit;
};

static const char *const opt_names[] = { "--since", "--until", "--number", "--limit", "--csv" };

static void allowed_text(unsigned allowed, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < 5; i++)
		if (allowed & (1u << i) && off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
						opt_names[i]);
}

/* --name VALUE or --name=VALUE, each option once; false after replying with the error */
static bool parse_opts(const struct sb_ctl_req *req, unsigned allowed, struct opts *o,
		       struct sb_reply *r)
{
	unsigned seen = 0;
	int64_t now = cdr_now_us();
	char names[96];

	memset(o, 0, sizeof *o);
	o->limit = LIST_DEFAULT;
	allowed_text(allowed, names, sizeof names);
	for (int i = 0; i < req->argc; i++) {
		const char *w = req->argv[i], *eq = strchr(w, '='), *val = NULL;
		size_t nlen = eq ? (size_t)(eq - w) : strlen(w);
		int opt = -1;

		for (int k = 0; k < 5; k++)
			if ((allowed & (1u << k)) && strlen(opt_names[k]) == nlen &&
			    strncmp(w, opt_names[k], nlen) == 0)
				opt = k;
		if (opt < 0) {
			sb_reply_error(r, "unknown option \"%s\" (allowed: %s)", w, names);
			return false;
		}
		if (seen & (1u << opt)) {
			sb_reply_error(r, "%s is given twice", opt_names[opt]);
			return false;
		}
		seen |= 1u << opt;
		if ((1u << opt) == OPT_CSV) {
			if (eq) {
				sb_reply_error(r, "--csv takes no value");
				return false;
			}
			continue;
		}
		val = eq ? eq + 1 : i + 1 < req->argc ? req->argv[++i] : NULL;
		if (!val || !*val) {
			sb_reply_error(r, "%s needs a value", opt_names[opt]);
			return false;
		}
		switch (1u << opt) {
		case OPT_SINCE:
		case OPT_UNTIL: {
			int64_t *t = (1u << opt) == OPT_SINCE ? &o->f.since_us : &o->f.until_us;
			if (cdr_parse_time(val, now, t) < 0 || *t <= 0) {
				sb_reply_error(
					r,
					"%s: \"%s\" is not a time (for example 2026-11-30, "
					"\"2026-11-30 02:14\", 2026-11-30T02:14:05Z, -2h, -7d, "
					"@1795824000)",
					opt_names[opt], val);
				return false;
			}
			break;
		}
		case OPT_NUMBER:
			if (!sb_conf_is_number(val)) {
				sb_reply_error(r,
					       "--number: \"%s\" is not a number (digits, '*', "
					       "'#', an optional leading '+'; at most 32)",
					       val);
				return false;
			}
			o->f.number = val;
			break;
		case OPT_LIMIT: {
			char *end;
			long v = strtol(val, &end, 10);
			if (*end || end == val || v < 1 || v > LIST_MAX) {
				sb_reply_error(r, "--limit: \"%s\" is not a count from 1 to %d",
					       val, LIST_MAX);
				return false;
			}
			o->limit = (int)v;
			break;
		}
		}
	}
	if (o->f.since_us && o->f.until_us && o->f.until_us <= o->f.since_us) {
		sb_reply_error(r, "--until must be later than --since");
		return false;
	}
	return true;
}

static int64_t duration_us(const struct cdr_record *rec, int64_t now)
{
	int64_t end = rec->state == CDR_OPEN ? now : rec->end_us;

	return rec->answer_us && end > rec->answer_us ? end - rec->answer_us : 0;
}

/* the worse leg's MOS: what the call sounded like where it sounded worst */
static unsigned call_mos(const struct cdr_record *rec)
{
	unsigned mos = 0;

	for (int i = 0; i < CDR_LEGS; i++)
		if (rec->leg[i].q.mos_x100 && (!mos || rec->leg[i].q.mos_x100 < mos))
			mos = rec->leg[i].q.mos_x100;
	return mos;
}

static void reply_mos(struct sb_reply *r, const char *key, unsigned mos_x100)
{
	char buf[16];

	if (!mos_x100) {
		sb_reply_str(r, key, NULL);
		return;
	}
	snprintf(buf, sizeof buf, "%u.%02u", mos_x100 / 100, mos_x100 % 100);
	sb_reply_str(r, key, buf);
}

/* ---- cdr list ------------------------------------------------------------------------------ */

struct list {
	struct sb_reply *r;
	int left;
	bool more;
	int64_t now;
};

static int list_row_cb(void *arg, const struct cdr_record *rec)
{
	struct list *l = arg;
	char id[24], t[32], from[CDR_NAME_MAX + 16], to[CDR_NAME_MAX + 16];

	if (l->left == 0) {
		l->more = true;
		return 1;
	}
	l->left--;
	snprintf(id, sizeof id, "%llu", (unsigned long long)rec->id);
	cdr_format_time(rec->start_us, t, sizeof t);
	cdr_format_leg(&rec->leg[0], from, sizeof from);
	cdr_format_leg(&rec->leg[1], to, sizeof to);
	sb_reply_row(l->r);
	sb_reply_str(l->r, "id", id);
	sb_reply_str(l->r, "start", t);
	sb_reply_int(l->r, "duration_s", duration_us(rec, l->now) / 1000000);
	sb_reply_str(l->r, "direction", cdr_direction_name(rec->direction));
	sb_reply_str(l->r, "caller", rec->caller);
	sb_reply_str(l->r, "called", rec->called);
	sb_reply_str(l->r, "from", from);
	sb_reply_str(l->r, "to", to);
	sb_reply_str(l->r, "state", cdr_state_name(rec->state));
	sb_reply_str(l->r, "reason", rec->reason[0] ? rec->reason : NULL);
	reply_mos(l->r, "mos", call_mos(rec));
	return 0;
}

static int cmd_list(const struct sb_ctl_req *req, struct sb_reply *r)
{
	static const char *const cols[] = { "id",     "start",  "duration_s", "direction",
					    "caller", "called", "from",       "to",
					    "state",  "reason", "mos",        NULL };
	struct opts o;
	struct list l = { .r = r, .now = cdr_now_us() };
	int rc;

	if (!parse_opts(req, OPT_SINCE | OPT_UNTIL | OPT_NUMBER | OPT_LIMIT, &o, r))
		return 0;
	l.left = o.limit;
	sb_reply_table(r, cols);
	rc = cdr_db_walk(sb_daemon_store(), &o.f, true, 0, list_row_cb, &l);
	if (rc < 0) {
		sb_reply_error(r, "cannot read the call records: %s", strerror(-rc));
		return 0;
	}
	if (l.more)
		sb_reply_detail(r,
				"the newest %d matching records, newest first; more match "
				"(narrow with --since/--until/--number, or raise --limit)",
				o.limit);
	return 0;
}

/* ---- cdr show ------------------------------------------------------------------------------ */

static void show_leg(struct sb_reply *r, const char *p, const struct cdr_leg *l)
{
	char key[32], buf[CDR_NAME_MAX + 16];

#define K(name) (snprintf(key, sizeof key, "%s_%s", p, name), key)
	cdr_format_leg(l, buf, sizeof buf);
	sb_reply_str(r, K("endpoint"), buf);
	sb_reply_str(r, K("kind"), cdr_leg_kind_name(l->kind));
	sb_reply_str(r, K("name"), l->name[0] ? l->name : NULL);
	sb_reply_str(r, K("number"), l->number[0] ? l->number : NULL);
	sb_reply_str(r, K("codec"), l->codec[0] ? l->codec : NULL);
	sb_reply_bool(r, K("transcoded"), l->transcoded);
	sb_reply_bool(r, K("srtp"), l->srtp);
	sb_reply_int(r, K("sip_status"), l->sip_status);
	sb_reply_int(r, K("q850"), l->q850);
	sb_reply_int(r, K("packets_sent"), l->q.packets_sent);
	sb_reply_int(r, K("packets_received"), l->q.packets_received);
	sb_reply_int(r, K("packets_lost"), l->q.packets_lost);
	snprintf(buf, sizeof buf, "%u.%03u", l->q.jitter_us / 1000, l->q.jitter_us % 1000);
	sb_reply_str(r, K("jitter_ms"), buf);
	snprintf(buf, sizeof buf, "%u.%03u", l->q.jitter_max_us / 1000, l->q.jitter_max_us % 1000);
	sb_reply_str(r, K("jitter_max_ms"), buf);
	snprintf(buf, sizeof buf, "%u.%03u", l->q.rtt_us / 1000, l->q.rtt_us % 1000);
	sb_reply_str(r, K("rtt_ms"), l->q.rtt_us ? buf : NULL);
	reply_mos(r, K("mos"), l->q.mos_x100);
#undef K
}

static int cmd_show(const struct sb_ctl_req *req, struct sb_reply *r)
{
	struct cdr_record rec;
	char *end, t[48];
	unsigned long long id = strtoull(req->argv[0], &end, 10);
	int rc;

	if (*end || end == req->argv[0] || req->argv[0][0] == '-') {
		sb_reply_error(r, "\"%s\" is not a call record id (the first column of `cdr list`)",
			       req->argv[0]);
		return 0;
	}
	rc = cdr_db_get(sb_daemon_store(), id, &rec);
	if (rc == -ENOENT) {
		sb_reply_error(r, "no call record %llu (deleted after %d days, or never made)", id,
			       cdr_retention_days());
		return 0;
	}
	if (rc < 0) {
		sb_reply_error(r, "cannot read call record %llu: %s", id, strerror(-rc));
		return 0;
	}
	snprintf(t, sizeof t, "%llu", id);
	sb_reply_str(r, "id", t);
	sb_reply_str(r, "state", cdr_state_name(rec.state));
	sb_reply_str(r, "direction", cdr_direction_name(rec.direction));
	sb_reply_str(r, "caller", rec.caller);
	sb_reply_str(r, "called", rec.called);
	cdr_format_iso(rec.start_us, t, sizeof t);
	sb_reply_str(r, "start", t);
	cdr_format_iso(rec.answer_us, t, sizeof t);
	sb_reply_str(r, "answer", t[0] ? t : NULL);
	cdr_format_iso(rec.end_us, t, sizeof t);
	sb_reply_str(r, "end", t[0] ? t : NULL);
	sb_reply_int(r, "duration_s", duration_us(&rec, cdr_now_us()) / 1000000);
	sb_reply_str(r, "reason", rec.reason[0] ? rec.reason : NULL);
	show_leg(r, "a", &rec.leg[0]);
	show_leg(r, "b", &rec.leg[1]);
	return 0;
}

/* ---- cdr export: streamed, one bounded read per chunk ------------------------------------ */

struct export
{
	struct cdr_filter f;
	char number[CDR_NUMBER_MAX + 1];
	uint64_t next_id;
	bool header;
	FILE *out;
	unsigned in_chunk;
	unsigned long long rows;
};

static int export_row_cb(void *arg, const struct cdr_record *rec)
{
	struct export *e = arg;

	cdr_csv_row(e->out, rec);
	e->next_id = rec->id + 1;
	e->rows++;
	return ++e->in_chunk == EXPORT_CHUNK ? 1 : 0;
}

static int export_more_cb(void *arg, FILE *out)
{
	struct export *e = arg;
	int rc;

	if (!e->header) {
		cdr_csv_header(out);
		e->header = true;
	}
	e->out = out;
	e->in_chunk = 0;
	rc = cdr_db_walk(sb_daemon_store(), &e->f, false, e->next_id, export_row_cb, e);
	if (rc < 0)
		return rc;
	return rc > 0 ? 1 : 0; /* stopped at a full chunk: more may follow */
}

static void export_free_cb(void *arg)
{
	free(arg);
}

static int cmd_export(const struct sb_ctl_req *req, struct sb_reply *r)
{
	struct opts o;
	struct export *e;

	if (!parse_opts(req, OPT_SINCE | OPT_UNTIL | OPT_NUMBER | OPT_CSV, &o, r))
		return 0;
	if (!(e = calloc(1, sizeof *e))) {
		sb_reply_error(r, "out of memory");
		return 0;
	}
	e->f = o.f;
	if (o.f.number) {
		snprintf(e->number, sizeof e->number, "%s", o.f.number);
		e->f.number = e->number; /* the request's words are gone once it is answered */
	}
	sb_reply_stream(r, export_more_cb, export_free_cb, e);
	return 0;
}

/* ---- cdr stats ----------------------------------------------------------------------------- */

#define STATS_GROUPS   69 /* all, slots 1..64, stations, to-cloud, from-cloud, local */
#define GROUP_ALL      0
#define GROUP_STATIONS 65
#define GROUP_DIR      66 /* + enum cdr_direction - 1 */

struct group {
	unsigned long long calls, answered, mos_n;
	long double dur_us, mos;
	unsigned worst_mos; /* x 100 */
	char name[CDR_NAME_MAX + 1];
};

static void group_add(struct group *g, const struct cdr_record *rec, unsigned mos)
{
	g->calls++;
	if (rec->answer_us) {
		g->answered++;
		g->dur_us +=
			(long double)duration_us(rec, rec->end_us ? rec->end_us : rec->answer_us);
	}
	if (mos) {
		g->mos += mos / 100.0L;
		g->mos_n++;
		if (!g->worst_mos || mos < g->worst_mos)
			g->worst_mos = mos;
	}
}

static int stats_cb(void *arg, const struct cdr_record *rec)
{
	struct group *g = arg;
	bool counted[STATS_GROUPS] = { false };

	group_add(&g[GROUP_ALL], rec, call_mos(rec));
	if (rec->direction >= CDR_DIR_TO_CLOUD && rec->direction <= CDR_DIR_LOCAL)
		group_add(&g[GROUP_DIR + rec->direction - 1], rec, call_mos(rec));
	for (int i = 0; i < CDR_LEGS; i++) {
		const struct cdr_leg *l = &rec->leg[i];
		int k = l->kind == CDR_LEG_STATION		  ? GROUP_STATIONS
			: l->slot >= 1 && l->slot <= 64 ? l->slot
							  : -1;
		if (k < 0 || counted[k])
			continue;
		counted[k] = true;
		if (k != GROUP_STATIONS && l->name[0])
			snprintf(g[k].name, sizeof g[k].name, "%s", l->name);
		group_add(&g[k], rec, l->q.mos_x100);
	}
	return 0;
}

static void stats_row(struct sb_reply *r, const char *card, const char *dir,
		      const struct group *g)
{
	char buf[32];

	sb_reply_row(r);
	sb_reply_str(r, "card", card);
	sb_reply_str(r, "direction", dir);
	sb_reply_str(r, "name", g->name[0] ? g->name : NULL);
	sb_reply_int(r, "calls", (long long)g->calls);
	sb_reply_int(r, "answered", (long long)g->answered);
	snprintf(buf, sizeof buf, "%.1f", g->calls ? 100.0 * g->answered / g->calls : 0.0);
	sb_reply_str(r, "answered_pct", buf);
	snprintf(buf, sizeof buf, "%.1f",
		 g->answered ? (double)(g->dur_us / g->answered / 1e6L) : 0.0);
	sb_reply_str(r, "mean_duration_s", buf);
	if (g->mos_n) {
		snprintf(buf, sizeof buf, "%.2f", (double)(g->mos / g->mos_n));
		sb_reply_str(r, "mean_mos", buf);
		snprintf(buf, sizeof buf, "%u.%02u", g->worst_mos / 100, g->worst_mos % 100);
		sb_reply_str(r, "worst_mos", buf);
	} else {
		sb_reply_str(r, "mean_mos", NULL);
		sb_reply_str(r, "worst_mos", NULL);
	}
}

static int cmd_stats(const struct sb_ctl_req *req, struct sb_reply *r)
{
	static const char *const cols[] = { "card",	   "direction",	      "name",
					    "calls",	   "answered",	      "answered_pct",
					    "mean_duration_s", "mean_mos",	      "worst_mos",
					    NULL };
	struct group *g = calloc(STATS_GROUPS, sizeof *g);
	struct opts o;
	char slot[8];
	int rc;

	if (!g) {
		sb_reply_error(r, "out of memory");
		return 0;
	}
	if (!parse_opts(req, OPT_SINCE | OPT_UNTIL | OPT_NUMBER, &o, r))
		goto out;
	rc = cdr_db_walk(sb_daemon_store(), &o.f, false, 0, stats_cb, g);
	if (rc < 0) {
		sb_reply_error(r, "cannot read the call records: %s", strerror(-rc));
		goto out;
	}
	sb_reply_table(r, cols);
	for (int k = 1; k <= 64; k++) {
		if (!g[k].calls)
			continue;
		snprintf(slot, sizeof slot, "%d", k);
		stats_row(r, slot, NULL, &g[k]);
	}
	if (g[GROUP_STATIONS].calls)
		stats_row(r, "stations", NULL, &g[GROUP_STATIONS]);
	for (int d = CDR_DIR_TO_CLOUD; d <= CDR_DIR_LOCAL; d++)
		if (g[GROUP_DIR + d - 1].calls)
			stats_row(r, NULL, cdr_direction_name((uint8_t)d), &g[GROUP_DIR + d - 1]);
	stats_row(r, "all", NULL, &g[GROUP_ALL]);
out:
	free(g);
	return 0;
}

const struct sb_ctl_cmd cdr_cli_cmds[] = {
	{ "cdr list [OPTION...]", cmd_list,
	  "call records, newest first (--since T, --until T, --number N, --limit K)", 0 },
	{ "cdr show <ID>", cmd_show, "one call record with its legs and VoIP report", 0 },
	{ "cdr export [OPTION...]", cmd_export,
	  "every matching call record as CSV, streamed (--csv, --since T, --until T, --number N)",
	  0 },
	{ "cdr stats [OPTION...]", cmd_stats,
	  "calls, answered ratio, mean duration, mean and worst MOS per card and per direction "
	  "(--since T, --until T, --number N)",
	  0 },
	{ NULL, NULL, NULL, 0 },
};
