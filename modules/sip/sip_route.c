/* sip_route.c: where SIP calls come from (stations, the cloud) and the targets the sip module
 * rings (cloud:ID over the cloud link, station:USER at every registered contact). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <arpa/inet.h>
#include <string.h>

#include <sofia-sip/msg_addr.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>

#define SB_MODULE "sip"
#include "cards.h"
#include "sip_call.h"
#include "sip_priv.h"

static const char *url_user(const url_t *u)
{
	return u && u->url_user ? u->url_user : "";
}

/* ---- calls in ------------------------------------------------------------------------------ */

/* "address:port" the current request came from, and its transport (from the Via) */
static void request_source(nua_t *nua, const sip_t *m, char *source, size_t len,
			   const char **transport)
{
	msg_t *msg = nua_current_request(nua);
	su_addrinfo_t *ai = msg ? msg_addrinfo(msg) : NULL;

	snprintf(source, len, "?");
	if (ai && ai->ai_addr) {
		char host[64] = "";
		su_sockaddr_t *su = (su_sockaddr_t *)ai->ai_addr;
		su_inet_ntop(su->su_family, SU_ADDR(su), host, sizeof host);
		snprintf(source, len, "%s:%u", host, ntohs(su->su_port));
	}
	*transport = "udp";
	if (m->sip_via && m->sip_via->v_protocol) {
		const char *p = strrchr(m->sip_via->v_protocol, '/');
		*transport = p ? p + 1 : m->sip_via->v_protocol;
	}
}

/* The station's `dtmf` setting (enum card_link_dtmf); RFC 4733 for a user not configured. */
static int station_dtmf(const char *user)
{
	const struct sb_conf *conf = sb_daemon_conf();
	const struct sb_station_conf *st = conf ? conf->stations.v : NULL;

	for (size_t i = 0; st && user && i < conf->stations.n; i++)
		if (strcmp(st[i].user, user) == 0)
			return st[i].dtmf;
	return CARD_LINK_DTMF_RFC4733;
}

/* While the daemon drains, a new call is refused with 503 and a Retry-After (RFC 3261
 * 21.5.4); on a standby node with 503 alone; a call record says so, as the core writes for the calls it refuses then. Callers
 * are identified first (stations authenticated), so no unknown source makes records. */
static bool refused_draining(nua_handle_t *nh, const struct sb_leg *from, const char *called)
{
	const char *why = sb_not_taking_calls();
	struct sb_party to = { 0 };
	char ra[16];
	bool draining = why && strcmp(why, "draining") == 0;

	if (!why)
		return false;
	snprintf(to.number, sizeof to.number, "%s", called);
	snprintf(ra, sizeof ra, "%d", sb_drain_retry_after());
	log_info("call from %s (%s) to %s refused: %s (503%s%s%s)", from->party.number, from->card,
		 to.number, why, draining ? ", retry after " : "", draining ? ra : "",
		 draining ? " s" : "");
	/* a standby says no Retry-After: keepalived, not time, makes it active */
	sb_call_refused(from, &to, draining ? 41 : 34, why);
	nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, TAG_IF(draining, SIPTAG_RETRY_AFTER_STR(ra)),
		    TAG_END());
	nua_handle_destroy(nh);
	return true;
}

/* the caller's side of a call not yet taken, for refused_draining: the core only reads it to
 * write the record (its ops are there because observers may ask a leg for its media) */
static void refused_hangup(struct sb_leg *leg, int q850)
{
}
static const struct sb_leg_ops refused_ops = { .hangup = refused_hangup };

static void caller_leg(struct sb_leg *l, enum sb_leg_kind kind, const char *card, int slot,
		       const char *number)
{
	*l = (struct sb_leg){ .owner = "sip", .kind = kind, .slot = slot, .ops = &refused_ops };
	snprintf(l->card, sizeof l->card, "%s", card);
	snprintf(l->party.number, sizeof l->party.number, "%s", number);
}

/* An intercom server calls over its link: trusted by its address (the link's configured peer),
 * routed by the number in the Request-URI. */
static void link_invite(nua_handle_t *nh, const sip_t *m, int slot, const char *name)
{
	struct sip_leg *sl;
	struct sb_leg from;

	caller_leg(&from, SB_LEG_KIND_LINK, name, slot, url_user(m->sip_from->a_url));
	if (refused_draining(nh, &from, url_user(m->sip_request->rq_url)))
		return;
	if (!(sl = sip_leg_new(false, true))) {
		nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, TAG_END());
		nua_handle_destroy(nh);
		return;
	}
	sl->leg.slot = slot;
	sl->leg.kind = SB_LEG_KIND_LINK;
	sl->dtmf = sip_link_dtmf(slot);
	snprintf(sl->leg.card, sizeof sl->leg.card, "%s", name);
	log_info("link %s calls %s", name, url_user(m->sip_request->rq_url));
	char rec[32], why[256], what[400];
	if (sip_link_lic_use(slot, rec, sizeof rec, why, sizeof why) < 0) {
		snprintf(what, sizeof what, "link %s (slot %d) has no PBX-Port license: %s", name,
			 slot, why);
		sip_call_refuse_license(sl, nh, m, url_user(m->sip_from->a_url),
					url_user(m->sip_request->rq_url), rec, what);
		return;
	}
	sip_call_incoming(sl, nh, m, url_user(m->sip_from->a_url),
			  url_user(m->sip_request->rq_url));
}

/* A station calls: authenticated like its REGISTER (407, with the same answer for an unknown user
 * as for a wrong password), then routed by the number in the Request-URI. A link's peer needs
 * no credentials: its configured address is what identifies it. */
void sip_route_local_invite(nua_t *nua, nua_handle_t *nh, const sip_t *m)
{
	const char *user = NULL, *transport;
	char source[80], name[65];
	struct sip_reg_answer a;
	struct sip_leg *sl;
	struct sb_leg from;
	int slot;

	if (!m || !m->sip_request || !m->sip_from) {
		nua_respond(nh, SIP_400_BAD_REQUEST, NUTAG_WITH_THIS(nua), TAG_END());
		nua_handle_destroy(nh);
		return;
	}
	request_source(nua, m, source, sizeof source, &transport);
	if (sip_link_by_source(source, transport, &slot, name, sizeof name) == 0) {
		link_invite(nh, m, slot, name);
		return;
	}
	if (sip_reg_auth_call(m, source, sip_now_ms(), &user, &a) <= 0) {
		nua_respond(nh, SIP_407_PROXY_AUTH_REQUIRED, NUTAG_WITH_THIS(nua),
			    SIPTAG_PROXY_AUTHENTICATE_STR(a.www_authenticate[0]),
			    TAG_IF(a.n_auth > 1, SIPTAG_PROXY_AUTHENTICATE_STR(a.www_authenticate[1])),
			    TAG_END());
		nua_handle_destroy(nh);
		return;
	}
	snprintf(name, sizeof name, "station:%s", user);
	caller_leg(&from, SB_LEG_KIND_STATION, name, 0, user);
	if (refused_draining(nh, &from, url_user(m->sip_request->rq_url)))
		return;
	if (!(sl = sip_leg_new(false, true))) {
		nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, NUTAG_WITH_THIS(nua), TAG_END());
		nua_handle_destroy(nh);
		return;
	}
	sl->leg.kind = SB_LEG_KIND_STATION;
	snprintf(sl->leg.card, sizeof sl->leg.card, "station:%s", user);
	sl->dtmf = station_dtmf(user);
	log_info("station %s calls %s", user, url_user(m->sip_request->rq_url));
	char rec[32], why[256], what[400];
	if (sip_lic_use(false, user, rec, sizeof rec, why, sizeof why) < 0) {
		snprintf(what, sizeof what, "station %s has no PBX-Port license: %s", user, why);
		sip_call_refuse_license(sl, nh, m, user, url_user(m->sip_request->rq_url), rec,
					what);
		return;
	}
	sip_call_incoming(sl, nh, m, user, url_user(m->sip_request->rq_url));
}

/* A call from the cloud, over our own TLS connection, for one of our channel numbers: the
 * Request-URI's user (per-channel registrations) or the To user (one trunk registration). */
void sip_route_cloud_invite(nua_handle_t *nh, const sip_t *m)
{
	const struct sb_conf *conf = sb_daemon_conf();
	const char *called, *identity;
	const struct sb_channel *ch;
	struct sip_leg *sl;
	struct sb_leg from;
	char ruri[256], aor[256];

	if (!m || !m->sip_request || !m->sip_from || !m->sip_to) {
		nua_respond(nh, SIP_400_BAD_REQUEST, TAG_END());
		nua_handle_destroy(nh);
		return;
	}
	called = sip_cloud_trunk() ? url_user(m->sip_to->a_url) : url_user(m->sip_request->rq_url);
	ch = conf ? sb_model_number(conf->model, called) : NULL;
	if (!ch || strcmp(ch->card->type->name, "sym-bridge") != 0) {
		log_info("call from the cloud to %s refused: no sym-bridge channel has that number",
			 called);
		nua_respond(nh, SIP_404_NOT_FOUND, TAG_END());
		nua_handle_destroy(nh);
		return;
	}
	caller_leg(&from, SB_LEG_KIND_CLOUD, ch->card->name, ch->card->slot,
		   url_user(m->sip_from->a_url));
	from.channel = ch->index;
	from.flags = SB_LEG_FROM_CLOUD;
	if (refused_draining(nh, &from, called))
		return;
	if (!(sl = sip_leg_new(true, true))) {
		nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, TAG_END());
		nua_handle_destroy(nh);
		return;
	}
	sl->leg.flags = SB_LEG_FROM_CLOUD;
	sl->leg.slot = ch->card->slot;
	sl->leg.channel = ch->index;
	snprintf(sl->leg.card, sizeof sl->leg.card, "%s", ch->card->name);
	char rec[32], why[256], what[400];
	if (sip_lic_card(ch->card->slot, rec, sizeof rec, why, sizeof why) < 0) {
		snprintf(what, sizeof what, "card %d (%s) is not licensed: %s", ch->card->slot,
			 ch->card->name, why);
		sip_call_refuse_license(sl, nh, m, url_user(m->sip_from->a_url), called, rec, what);
		return;
	}
	identity = sip_cloud_trunk() ? conf->system.name : ch->number;
	sip_cloud_uris(called, identity, ruri, sizeof ruri, aor, sizeof aor, sl->contact,
		       sizeof sl->contact);
	log_info("the cloud (%s) calls channel %s", url_user(m->sip_from->a_url), called);
	sip_call_incoming(sl, nh, m, url_user(m->sip_from->a_url), called);
}

/* ---- targets ------------------------------------------------------------------------------- */

static bool cloud_available(void)
{
	return sip_cloud_ready();
}

/* cloud:ID: over the cloud link, from the channel's identity (its number, as registered). */
static int cloud_originate(const char *id, const struct sb_channel *ch, struct sb_call *call,
			   struct sb_leg **legs, size_t max)
{
	const struct sb_conf *conf = sb_daemon_conf();
	const char *number = ch && ch->number ? ch->number : sb_call_caller(call)->number;
	char ruri[256], to[256], from[256], contact[256], junk[256];
	struct sip_leg *sl;
	int rc;

	if (!sip_cloud_ready())
		return -ENETDOWN;
	char rec[32], why[256];
	if (ch && sip_lic_card(ch->card->slot, rec, sizeof rec, why, sizeof why) < 0) {
		log_warn("call %llu to cloud:%s refused (cause 47): card %d (%s) is not licensed: "
			 "%s",
			 (unsigned long long)sb_call_id(call), id, ch->card->slot, ch->card->name,
			 why);
		sb_call_refusal(call, rec);
		return -EACCES;
	}
	if (!(sl = sip_leg_new(true, false)))
		return -ENOMEM;
	sip_cloud_uris(id, sip_cloud_trunk() ? conf->system.name : number, ruri, sizeof ruri, to,
		       sizeof to, sl->contact, sizeof sl->contact);
	sip_cloud_uris(number, number, junk, sizeof junk, from, sizeof from, contact,
		       sizeof contact);
	snprintf(sl->leg.party.number, sizeof sl->leg.party.number, "%s", id);
	if (ch) {
		sl->leg.slot = ch->card->slot;
		sl->leg.channel = ch->index;
		snprintf(sl->leg.card, sizeof sl->leg.card, "%s", ch->card->name);
	}
	if ((rc = sip_call_place(sl, call, sip.cloud, ruri, from, to)) < 0) {
		sip_leg_free(sl);
		return rc;
	}
	legs[0] = &sl->leg;
	return 1;
}

/* station:USER: every contact the station has registered, at once. */
static int station_originate(const char *user, const struct sb_channel *ch, struct sb_call *call,
			     struct sb_leg **legs, size_t max)
{
	size_t n, placed = 0;
	const struct sip_binding *b = sip_reg_bindings(sip_now_ms(), &n);
	const char *host = sip_media_addr(false, NULL);
	char to[256], from[256];
	int rc = 0;

	char rec[32], why[256];

	if (!sip.local)
		return -ENETDOWN;
	if (sip_lic_use(false, user, rec, sizeof rec, why, sizeof why) < 0) {
		log_warn("call %llu to station %s refused (cause 47): no PBX-Port license: %s",
			 (unsigned long long)sb_call_id(call), user, why);
		sb_call_refusal(call, rec);
		return -EACCES;
	}
	snprintf(to, sizeof to, "<sip:%s@%s>", user, host);
	snprintf(from, sizeof from, "<sip:%s@%s>", sb_call_caller(call)->number, host);
	for (size_t i = 0; i < n && placed < max; i++) {
		if (strcmp(b[i].user, user) != 0)
			continue;
		struct sip_leg *sl = sip_leg_new(false, false);
		if (!sl)
			return placed ? (int)placed : -ENOMEM;
		snprintf(sl->leg.party.number, sizeof sl->leg.party.number, "%s", user);
		sl->leg.kind = SB_LEG_KIND_STATION;
		snprintf(sl->leg.card, sizeof sl->leg.card, "station:%s", user);
		sl->dtmf = station_dtmf(user);
		if ((rc = sip_call_place(sl, call, sip.local, b[i].contact, from, to)) < 0) {
			sip_leg_free(sl);
			continue;
		}
		legs[placed++] = &sl->leg;
	}
	if (!placed)
		log_info("call %llu: station %s has no registered contact",
			 (unsigned long long)sb_call_id(call), user);
	return placed ? (int)placed : rc;
}

/* card:SLOT/NUMBER on a link card: to its peer, over the link's transport. */
int card_link_originate(const struct sb_card *card, const char *number, struct sb_call *call,
			struct sb_leg **legp)
{
	char ruri[256], peer[128], to[256], from[256];
	struct sip_leg *sl;
	int rc;

	if (!sip.local)
		return -ENETDOWN;
	if ((rc = sip_link_target(card->slot, number, ruri, sizeof ruri, peer, sizeof peer)) < 0)
		return rc == -ENODEV ? -ENETDOWN : rc;
	char rec[32], why[256];
	if (sip_link_lic_use(card->slot, rec, sizeof rec, why, sizeof why) < 0) {
		log_warn("call %llu to %s on link %s (slot %d) refused (cause 47): no PBX-Port "
			 "license: %s",
			 (unsigned long long)sb_call_id(call), number, card->name, card->slot, why);
		sb_call_refusal(call, rec);
		return -EACCES;
	}
	snprintf(to, sizeof to, "<sip:%s@%s>", number, peer);
	snprintf(from, sizeof from, "<sip:%s@%s>", sb_call_caller(call)->number,
		 sip_media_addr(false, peer));
	if (!(sl = sip_leg_new(false, false)))
		return -ENOMEM;
	sl->leg.slot = card->slot;
	sl->leg.kind = SB_LEG_KIND_LINK;
	sl->dtmf = sip_link_dtmf(card->slot);
	snprintf(sl->leg.card, sizeof sl->leg.card, "%s", card->name);
	snprintf(sl->leg.party.number, sizeof sl->leg.party.number, "%s", number);
	if ((rc = sip_call_place(sl, call, sip.local, ruri, from, to)) < 0) {
		sip_leg_free(sl);
		return rc;
	}
	*legp = &sl->leg;
	return 0;
}

static const struct sb_target_type cloud_target = {
	.prefix = "cloud",
	.available = cloud_available,
	.originate = cloud_originate,
};

static const struct sb_target_type station_target = {
	.prefix = "station",
	.originate = station_originate,
};

int sip_route_open(void)
{
	int rc = sb_target_register(&cloud_target);
	return rc < 0 ? rc : sb_target_register(&station_target);
}

void sip_route_close(void)
{
	sb_target_unregister(&cloud_target);
	sb_target_unregister(&station_target);
}
