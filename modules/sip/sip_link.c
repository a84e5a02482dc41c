/* sip_link.c: link cards: OPTIONS keepalive toward each intercom server marks the link up or down. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>

#define SB_MODULE "sip"
#include "cards.h"
#include "sip_priv.h"

enum link_state { LINK_UNKNOWN, LINK_UP, LINK_DOWN };
static const char *const state_names[] = { "unknown", "up", "down" };

struct sip_link {
	int slot;
	char name[65], peer[128], transport[8];
	char url[192];
	nua_handle_t *nh;
	uv_timer_t timer;
	bool pending;
	enum link_state state;
	int last_status;
	char last_phrase[64];
	uint64_t sent_at, checked_at, changed_at; /* sip_now_ms() */
	time_t changed_wall;
	unsigned rtt_ms;
	unsigned long long sent, answered;
	int dtmf;           /* enum card_link_dtmf */
	bool port;          /* holds a PBX-Port license */
	char lic_note[160]; /* why it could not get one */
};

static struct {
	struct sip_link **v;
	size_t n;
	unsigned interval_ms;
} links;

static void send_options(struct sip_link *l)
{
	if (l->pending || !sip.local)
		return;
	if (!l->nh)
		l->nh = nua_handle(sip.local, (nua_hmagic_t *)l, NUTAG_URL(l->url),
				   SIPTAG_TO_STR(l->url), TAG_END());
	if (!l->nh)
		return;
	l->pending = true;
	l->sent_at = sip_now_ms();
	l->sent++;
	nua_options(l->nh, TAG_END());
}

static void timer_cb(uv_timer_t *t)
{
	send_options(t->data);
}

static void set_state(struct sip_link *l, enum link_state st)
{
	if (l->state == st)
		return;
	if (st == LINK_UP)
		log_notice("link %s (slot %d) to %s is up: %d %s", l->name, l->slot, l->peer,
			   l->last_status, l->last_phrase);
	else
		log_warn("link %s (slot %d) to %s is down: %d %s (checked again every %u s)",
			 l->name, l->slot, l->peer, l->last_status, l->last_phrase,
			 links.interval_ms / 1000);
	/* a link that is up takes a Port, one that is down gives it back */
	if (st == LINK_UP && !l->port) {
		if (sip_lic_take(true, l->name, NULL, l->lic_note, sizeof l->lic_note) == 0) {
			l->port = true;
			l->lic_note[0] = '\0';
		} else {
			log_warn("link %s (slot %d) is up but unlicensed: %s", l->name, l->slot,
				 l->lic_note);
		}
	} else if (st != LINK_UP && l->port) {
		sip_lic_give(true, l->name, NULL);
		l->port = false;
	}
	l->state = st;
	l->changed_at = sip_now_ms();
	l->changed_wall = time(NULL);
}

/* An unlicensed link that is up asks again at each keepalive: a license installed (or a Port
 * given back) since is taken within one options_interval. */
static void retry_port(struct sip_link *l)
{
	char note[sizeof l->lic_note];

	if (sip_lic_take(true, l->name, NULL, note, sizeof note) == 0) {
		l->port = true;
		l->lic_note[0] = '\0';
		log_notice("link %s (slot %d) is licensed now: it holds a PBX-Port", l->name,
			   l->slot);
	} else {
		snprintf(l->lic_note, sizeof l->lic_note, "%s", note);
	}
}

/* Any answer from the peer itself means it is alive; a timeout, a transport error or a
 * 5xx (ours, or the peer saying it cannot serve) means down. */
bool sip_link_event(nua_event_t ev, int status, char const *phrase, nua_handle_t *nh,
		    nua_hmagic_t *hm, sip_t const *sip_msg)
{
	struct sip_link *l = NULL;

	for (size_t i = 0; i < links.n; i++)
		if (links.v[i]->nh == nh)
			l = links.v[i];
	if (!l)
		return false;
	if (ev != nua_r_options || status < 200)
		return true;
	l->pending = false;
	l->checked_at = sip_now_ms();
	l->last_status = status;
	snprintf(l->last_phrase, sizeof l->last_phrase, "%s", phrase ? phrase : "");
	if (status == 408 || status >= 500) {
		set_state(l, LINK_DOWN);
	} else {
		l->answered++;
		l->rtt_ms = (unsigned)(l->checked_at - l->sent_at);
		if (l->state == LINK_UP && !l->port)
			retry_port(l);
		set_state(l, LINK_UP);
	}
	uv_timer_start(&l->timer, timer_cb, links.interval_ms, 0);
	return true;
}

static void closed_cb(uv_handle_t *h)
{
	free(h->data);
}

static void link_free(struct sip_link *l)
{
	if (l->port)
		sip_lic_give(true, l->name, NULL);
	l->port = false;
	if (l->nh) {
		nua_handle_bind(l->nh, NULL);
		nua_handle_destroy(l->nh);
	}
	l->nh = NULL;
	uv_close((uv_handle_t *)&l->timer, closed_cb);
}

/* The links of a configuration; state carries over for a link whose peer did not change. */
static int links_build(const struct sb_conf *conf)
{
	const struct sb_model *m = conf->model;
	struct sip_link **v = calloc(m->ncards + 1, sizeof *v);
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < m->ncards; i++) {
		const char *peer, *transport;
		struct sip_link *l = NULL;
		if (card_link_peer(m->cards[i].conf, &peer, &transport) < 0)
			continue;
		for (size_t j = 0; j < links.n; j++)
			if (links.v[j] && links.v[j]->slot == m->cards[i].slot &&
			    strcmp(links.v[j]->peer, peer) == 0 &&
			    strcmp(links.v[j]->transport, transport) == 0) {
				l = links.v[j];
				links.v[j] = NULL; /* kept */
			}
		if (l)
			l->dtmf = card_link_dtmf(m->cards[i].conf);
		if (!l) {
			if (!(l = calloc(1, sizeof *l))) {
				free(v);
				return -ENOMEM;
			}
			l->slot = m->cards[i].slot;
			snprintf(l->peer, sizeof l->peer, "%s", peer);
			snprintf(l->transport, sizeof l->transport, "%s", transport);
			snprintf(l->url, sizeof l->url, "%s:%s;transport=%s",
				 strcmp(transport, "tls") == 0 ? "sips" : "sip", peer, transport);
			uv_timer_init(sb_daemon_loop(), &l->timer);
			l->timer.data = l;
			l->dtmf = card_link_dtmf(m->cards[i].conf);
			uv_timer_start(&l->timer, timer_cb, 0, 0);
		}
		if (l->port && strcmp(l->name, m->cards[i].name) != 0) {
			/* the Port belongs to the card's name: hand it over to the new one */
			sip_lic_give(true, l->name, NULL);
			l->port = sip_lic_take(true, m->cards[i].name, NULL, l->lic_note,
					       sizeof l->lic_note) == 0;
		}
		snprintf(l->name, sizeof l->name, "%s", m->cards[i].name);
		v[n++] = l;
	}
	for (size_t j = 0; j < links.n; j++)
		if (links.v[j])
			link_free(links.v[j]);
	free(links.v);
	links.v = v;
	links.n = n;
	return 0;
}

int sip_link_open(const struct sb_conf *conf)
{
	links.interval_ms = (unsigned)sip.sc->options_interval * 1000;
	return links_build(conf);
}

void sip_link_reload(const struct sb_conf *conf)
{
	links.interval_ms = (unsigned)sip.sc->options_interval * 1000;
	if (links_build(conf) < 0)
		log_err("cannot take over the link cards of the new configuration: out of memory");
}

void sip_link_close(void)
{
	for (size_t i = 0; i < links.n; i++)
		link_free(links.v[i]);
	free(links.v);
	links.v = NULL;
	links.n = 0;
}

void sip_link_metrics(struct sb_metrics *m)
{
	char slot[16];

	sb_metric_family(m, "symbridge_link_up", SB_METRIC_GAUGE,
			 "link cards: 1 when the intercom server answers OPTIONS (show links)");
	for (size_t i = 0; i < links.n; i++) {
		snprintf(slot, sizeof slot, "%d", links.v[i]->slot);
		sb_metric_sample(m, links.v[i]->state == LINK_UP, "slot", slot, "name",
				 links.v[i]->name, NULL);
	}
}

void sip_link_show(struct sb_reply *r)
{
	static const char *const cols[] = { "slot",   "name",        "peer",  "transport",
					    "state",  "status",      "rtt_ms", "checked_ago",
					    "since",  "license",     NULL };
	uint64_t now = sip_now_ms();

	sb_reply_table(r, cols);
	for (size_t i = 0; i < links.n; i++) {
		const struct sip_link *l = links.v[i];
		char since[32] = "";
		sb_reply_row(r);
		sb_reply_int(r, "slot", l->slot);
		sb_reply_str(r, "name", l->name);
		sb_reply_str(r, "peer", l->peer);
		sb_reply_str(r, "transport", l->transport);
		sb_reply_str(r, "state", state_names[l->state]);
		if (l->last_status) {
			char st[96];
			snprintf(st, sizeof st, "%d %s", l->last_status, l->last_phrase);
			sb_reply_str(r, "status", st);
		} else {
			sb_reply_str(r, "status", NULL);
		}
		if (l->state == LINK_UP)
			sb_reply_int(r, "rtt_ms", l->rtt_ms);
		else
			sb_reply_str(r, "rtt_ms", NULL);
		if (l->checked_at)
			sb_reply_int(r, "checked_ago", (long long)((now - l->checked_at) / 1000));
		else
			sb_reply_str(r, "checked_ago", NULL);
		if (l->changed_wall)
			strftime(since, sizeof since, "%Y-%m-%d %H:%M:%S",
				 localtime(&l->changed_wall));
		sb_reply_str(r, "since", since[0] ? since : NULL);
		sb_reply_str(r, "license",
			     l->port          ? "PBX-Port"
			     : l->lic_note[0] ? l->lic_note
					      : NULL);
	}
}

/* ---- for calls (sip_route.c) ---------------------------------------------------------------- */

/* The link whose peer sent a request from source ("address:port"): the address and port must
 * be the configured peer's (over TCP and TLS the port is the connection's own, so the address
 * alone counts there). */
int sip_link_by_source(const char *source, const char *transport, int *slot, char *name,
		       size_t nlen)
{
	for (size_t i = 0; i < links.n; i++) {
		const struct sip_link *l = links.v[i];
		size_t hl = strcspn(l->peer, ":");
		bool match = strcasecmp(transport, "udp") == 0
				     ? strcmp(l->peer, source) == 0
				     : strncmp(l->peer, source, hl) == 0 && source[hl] == ':';
		if (match && strcasecmp(l->transport, transport) == 0) {
			*slot = l->slot;
			snprintf(name, nlen, "%s", l->name);
			return 0;
		}
	}
	return -ENOENT;
}

/* Is ip (an address, no port) the host of a link card's peer? Such peers are trusted by their
 * address, and the per-source request limit does not apply to them. */
bool sip_link_peer_ip(const char *ip)
{
	for (size_t i = 0; ip && i < links.n; i++) {
		const struct sip_link *l = links.v[i];
		size_t hl = strcspn(l->peer, ":");
		if (strlen(ip) == hl && strncmp(l->peer, ip, hl) == 0)
			return true;
	}
	return false;
}

/* Where a call on link slot goes: its peer's URL for number; -ENETDOWN while it is down. */
int sip_link_target(int slot, const char *number, char *ruri, size_t rl, char *peer, size_t pl)
{
	for (size_t i = 0; i < links.n; i++) {
		const struct sip_link *l = links.v[i];
		if (l->slot != slot)
			continue;
		if (l->state == LINK_DOWN)
			return -ENETDOWN;
		snprintf(ruri, rl, "%s:%s@%s;transport=%s",
			 strcmp(l->transport, "tls") == 0 ? "sips" : "sip", number, l->peer,
			 l->transport);
		snprintf(peer, pl, "%s", l->peer);
		return 0;
	}
	return -ENODEV;
}

/* A call on the link card in slot uses the link's Port, at that moment: a link that came up
 * without one takes it now (licenses installed since), and a file removed or expired since
 * stops new calls (sip_lic_use). 0, or -1 with the record's reason in rec and the license's in
 * why. */
int sip_link_lic_use(int slot, char *rec, size_t rlen, char *why, size_t wlen)
{
	for (size_t i = 0; i < links.n; i++) {
		struct sip_link *l = links.v[i];
		if (!l || l->slot != slot)
			continue;
		if (!l->port &&
		    sip_lic_take(true, l->name, NULL, l->lic_note, sizeof l->lic_note) == 0) {
			l->port = true;
			l->lic_note[0] = '\0';
			log_notice("link %s (slot %d) took its Port license", l->name, l->slot);
		}
		if (sip_lic_use(true, l->name, rec, rlen, why, wlen) < 0) {
			snprintf(l->lic_note, sizeof l->lic_note, "%s", why);
			return -1;
		}
		return 0;
	}
	return 0; /* not a link of ours: nothing to count */
}

/* How digits go toward the peer of the link card in slot (enum card_link_dtmf). */
int sip_link_dtmf(int slot)
{
	for (size_t i = 0; i < links.n; i++)
		if (links.v[i] && links.v[i]->slot == slot)
			return links.v[i]->dtmf;
	return CARD_LINK_DTMF_RFC4733;
}
