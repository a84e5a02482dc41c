/* license.c: the license module: its config section, start/reload/stop, and the glue between
 * the rule engine (lic_rules.c), license files (lic_file.c) and the store (lic_store.c). */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#define SB_MODULE "license"
#include "symbridge.h"

#include "lic_glue.h"
#include "lic_net.h"

struct lic_state lic_st;

/* License files expire (or, after a clock step back, are not valid yet) while the daemon runs:
 * their dates are checked just after each UTC midnight, and every 10 minutes in case the clock
 * was stepped. */
#define LIC_DATES_EVERY_S (10 * 60)
static uv_timer_t dates_timer;
static bool dates_timer_on;

struct lic_node *lic_daemon_node(void)
{
	return lic_st.node;
}

int lic_use_now(enum lic_owner_type t, const char *id, const char *holder, enum lic_kind k,
		char *rec, size_t rlen, char *why, size_t wlen)
{
	struct lic_owner o = { .type = t, .id = id, .holder = holder };
	struct lic_decision d;
	int rc;

	if (!lic_st.node)
		return 0;
	if ((rc = lic_use(lic_st.node, &o, k, &d)) < 0) {
		snprintf(rec, rlen, "license-error");
		snprintf(why, wlen, "%s: license engine error: %s", lic_kind_info(k)->name,
			 strerror(-rc));
		return -EACCES;
	}
	if (d.ok)
		return 0;
	snprintf(rec, rlen, "license-%s", d.reason);
	snprintf(why, wlen, "%s: %s", d.reason, d.detail);
	return -EACCES;
}

void lic_refusal_add(const char *what, enum lic_kind k, const struct lic_decision *d)
{
	if (lic_st.nrefused == LIC_MAX_REFUSALS)
		return;
	struct lic_refusal *r = &lic_st.refused[lic_st.nrefused++];
	snprintf(r->what, sizeof r->what, "%s", what);
	r->kind = k;
	r->reason = d->reason;
	snprintf(r->detail, sizeof r->detail, "%s", d->detail);
}

/* what a card of a type takes (rules 8 and 9); LIC_KIND_MAX: nothing. Trunks take their Port
 * when they come up, which the modules that run them report. */
static enum lic_kind card_kind(const struct sb_card *c)
{
	const char *t = c->type->name;
	if (strcmp(t, "sym-bridge") == 0)
		return LIC_SYM_BRIDGE;
	if (strcmp(t, "pri") == 0)
		return LIC_RELAY_PRIS;
	if (strcmp(t, "bri") == 0)
		return LIC_RELAY_BRIS;
	return LIC_KIND_MAX;
}

struct held_card {
	char id[16];
	enum lic_kind kind;
};

struct held_cards {
	struct held_card v[64];
	size_t n;
};

static int held_card_cb(void *arg, const struct lic_owner *o, enum lic_kind k, unsigned holders)
{
	struct held_cards *h = arg;
	/* a slave's grant on the master ("SLAVE|ID") is no card of this node */
	if (o->type == LIC_OWN_CARD && h->n < 64 && !strchr(o->id, '|')) {
		snprintf(h->v[h->n].id, sizeof h->v[0].id, "%s", o->id);
		h->v[h->n++].kind = k;
	}
	return 0;
}

/* The cards' licenses follow the configuration: taken for every configured card, given back
 * for cards that went away; refusals are kept for `show licenses`. */
void lic_sync_cards(const struct sb_conf *conf)
{
	const struct sb_model *m = conf->model;
	struct held_cards held = { .n = 0 };
	struct lic_decision d;
	char id[16], what[96];

	/* the card refusals are recomputed; the users' ones stay */
	size_t keep = 0;
	for (size_t i = 0; i < lic_st.nrefused; i++)
		if (strncmp(lic_st.refused[i].what, "card ", 5) != 0)
			lic_st.refused[keep++] = lic_st.refused[i];
	lic_st.nrefused = keep;
	lic_foreach(lic_st.node, held_card_cb, &held);
	for (size_t i = 0; i < held.n; i++) {
		char *end;
		long slot = strtol(held.v[i].id, &end, 10);
		const struct sb_card *c = sb_model_card(m, (int)slot);
		struct lic_owner o = { .type = LIC_OWN_CARD, .id = held.v[i].id };
		/* a card keeps what it holds while that stays usable; after a file was removed or
		 * expired the cards take their licenses again, in slot order, from what is left */
		if (c && card_kind(c) == held.v[i].kind &&
		    (lic_use(lic_st.node, &o, held.v[i].kind, &d) < 0 || d.ok))
			continue;
		lic_release(lic_st.node, &o, held.v[i].kind, &d);
		log_info("card %s: %s given back%s", held.v[i].id,
			 lic_kind_info(held.v[i].kind)->name, c ? " (no longer usable)" : "");
	}
	for (size_t i = 0; i < m->ncards; i++) {
		const struct sb_card *c = &m->cards[i];
		enum lic_kind k = card_kind(c);
		if (k == LIC_KIND_MAX)
			continue;
		snprintf(id, sizeof id, "%d", c->slot);
		struct lic_owner o = { .type = LIC_OWN_CARD, .id = id };
		if (lic_acquire(lic_st.node, &o, k, 0, &d) < 0)
			continue;
		if (!d.ok) {
			snprintf(what, sizeof what, "card %d (%s \"%s\")", c->slot, c->type->name,
				 c->name ? c->name : "");
			lic_refusal_add(what, k, &d);
			log_notice("%s is not licensed: %s: %s", what, d.reason, d.detail);
		}
	}
}

static void state_clear(void)
{
	lic_node_free(lic_st.node); /* before its master: its allocations count there */
	lic_node_free(lic_st.mirror);
	lic_key_free(lic_st.pubkey);
	lic_loaded_free(lic_st.files);
	memset(&lic_st, 0, sizeof lic_st);
}

/* A new engine node from the configuration, the store and the cards. */
int lic_rebuild(const struct sb_conf *conf)
{
	static const struct lic_conf none = { .software_version = LIC_SOFTWARE_VERSION };
	const struct lic_conf *lc = sb_module_conf(conf, &lic_module);
	int rc;

	state_clear();
	lic_st.conf = lc ? lc : &none;
	lc = lic_st.conf;
	if (lic_sw_parse(lc->software_version, &lic_st.sw) < 0)
		return -EINVAL;
	const char *test_id = NULL;
	rc = lic_hwid_test(&test_id);
	if (rc == -EINVAL)
		log_err(LIC_TEST_HWID_ENV " is set but ignored: the test override takes only ids "
					  "that start with \"" LIC_TEST_HWID_PREFIX
					  "\" (letters, digits, ':', '.', "
					  "'_', '-'); the hardware id comes from the machine");
	if (rc == 1) {
		snprintf(lic_st.hwid, sizeof lic_st.hwid, "%s", test_id);
		lic_st.hwid_source = "test override " LIC_TEST_HWID_ENV;
		lic_st.hwid_test = true;
		log_warn("hardware id %s from the test override " LIC_TEST_HWID_ENV
			 ": for tests only, not this machine's",
			 test_id);
	} else if (lic_hwid_derive(lic_st.hwid, sizeof lic_st.hwid, &lic_st.hwid_source) < 0) {
		snprintf(lic_st.hwid, sizeof lic_st.hwid, "unknown");
		lic_st.hwid_source = "none found";
		log_warn("no hardware id: no /etc/machine-id, no DMI product UUID, no permanent "
			 "MAC address: no license file can match");
	}
	if (lic_mac_first(lic_st.mac, sizeof lic_st.mac) < 0)
		snprintf(lic_st.mac, sizeof lic_st.mac, "%.31s", lic_st.hwid);
	if (lc->public_key)
		rc = lic_key_public_from_base64(lc->public_key, &lic_st.pubkey);
	else if (lc->public_key_file)
		rc = lic_key_load_public(lc->public_key_file, &lic_st.pubkey);
	else
		rc = 0;
	if (rc < 0) {
		/* the daemon runs on: without a key no license is usable, and show licenses says
		 * why */
		log_err("vendor public key %s unusable: %s", lc->public_key_file,
			rc == -EINVAL ? "not an Ed25519 public key in PEM" : strerror(-rc));
		lic_st.pubkey = NULL;
	}
	/* the role is the one the daemon started with (lic_net: it changes at a restart) */
	if (lic_net.mode == LIC_MODE_SLAVE_CENTRAL) {
		/* its master as seen from here: what the master granted (lic_slave.c) */
		struct lic_node_conf mc = { .name = lic_net.masters[0],
					    .mode = LIC_MODE_MASTER,
					    .sw = lic_st.sw,
					    .machine_id = lic_st.mac };
		if ((rc = lic_node_alloc(&lic_st.mirror, &mc)) < 0)
			return rc;
	}
	struct lic_node_conf nc = {
		.master = lic_st.mirror,
		.master_cache = lic_st.mirror != NULL,
		.name = conf->system.name,
		.mode = (enum lic_mode)lic_net.mode,
		.sw = lic_st.sw,
		.virtual_appliance = lc->virtual_appliance,
		.machine_id = lic_st.mac,
	};
	if ((rc = lic_node_alloc(&lic_st.node, &nc)) < 0)
		return rc;
	if ((rc = lic_store_load()) < 0)
		return rc;
	lic_serve_rebuilt();
	lic_slave_rebuilt();
	lic_sync_cards(conf);
	return 0;
}

/* Files whose dates no longer hold leave the engine, files whose dates hold again come back;
 * what is in use stays with its owners either way. */
void lic_dates_tick(time_t now)
{
	int today = lic_today(now);
	bool changed = false;
	char d[16];

	for (struct lic_loaded *l = lic_st.files; l; l = l->next) {
		const struct lic_file *f = l->file;
		bool ok = strcmp(l->state, "ok") == 0;
		bool valid = today >= f->issued && (f->expires == LIC_NEVER || today <= f->expires);
		if (ok && !valid) {
			if (lic_node_remove(lic_st.node, f->id) < 0) {
				log_warn("license %s is out of its dates but holds bound IPVA "
					 "licenses: "
					 "kept",
					 f->id);
				continue;
			}
			lic_date_format(today < f->issued ? f->issued : f->expires, d, sizeof d);
			l->state = today < f->issued ? LIC_F_NOT_YET_VALID : LIC_F_EXPIRED;
			snprintf(l->why, sizeof l->why, "license %s %s %s", f->id,
				 today < f->issued ? "is valid from" : "expired on", d);
			log_warn("%s: its licenses are no longer counted", l->why);
			changed = true;
		} else if (!ok && valid &&
			   (strcmp(l->state, LIC_F_EXPIRED) == 0 ||
			    strcmp(l->state, LIC_F_NOT_YET_VALID) == 0) &&
			   lic_node_install(lic_st.node, f->id, f->items, f->nitems) == 0) {
			l->state = "ok";
			l->why[0] = '\0';
			log_notice("license %s is within its dates again: counted", f->id);
			changed = true;
		}
	}
	if (changed)
		lic_sync_cards(sb_daemon_conf());
}

static void dates_cb(uv_timer_t *t);

static int dates_arm(void)
{
	time_t now = time(NULL);
	long long next = 86400 - (long long)(now % 86400) + 1; /* past the next midnight */
	if (next > LIC_DATES_EVERY_S)
		next = LIC_DATES_EVERY_S;
	return uv_timer_start(&dates_timer, dates_cb, (uint64_t)next * 1000, 0);
}

static void dates_cb(uv_timer_t *t)
{
	lic_dates_tick(time(NULL));
	if (dates_arm() < 0)
		log_err("license dates are no longer checked while running");
}

static int lic_init(const struct sb_conf *conf)
{
	const struct lic_conf *lc = sb_module_conf(conf, &lic_module);
	static const struct lic_conf single = { .mode = LIC_MODE_SINGLE };
	lic_net_conf_take(lc ? lc : &single);
	int rc = lic_rebuild(conf);
	if (rc < 0)
		return rc;
	if ((rc = uv_timer_init(sb_daemon_loop(), &dates_timer)) < 0)
		return rc;
	dates_timer_on = true;
	if ((rc = dates_arm()) < 0)
		return rc;
	log_info("licenses for hardware id %s (%s), software %s, mode %s%s", lic_st.hwid,
		 lic_st.hwid_source, lic_st.conf->software_version, lic_mode_names[lic_net.mode],
		 lic_st.conf->virtual_appliance ? ", virtual appliance" : "");
	/* the master protocol (lic_net.h): a master (or standby) listens, a standby also
	 * watches its master, slaves connect */
	if (lic_net.mode == LIC_MODE_MASTER) {
		if ((rc = lic_serve_start()) < 0)
			return rc;
		if (lic_net.standby && (rc = lic_slave_start(true)) < 0)
			return rc;
	} else if (lic_net.mode != LIC_MODE_SINGLE && (rc = lic_slave_start(false)) < 0) {
		return rc;
	}
	return 0;
}

static bool str_differs(const char *a, const char *b)
{
	return (a || b) && (!a || !b || strcmp(a, b) != 0);
}

static void lic_reload(const struct sb_conf *conf, const struct sb_conf *old)
{
	const struct lic_conf *n = sb_module_conf(conf, &lic_module);
	const struct lic_conf *o = sb_module_conf(old, &lic_module);

	if (n->mode != o->mode || n->standby != o->standby || n->masters.n != o->masters.n ||
	    str_differs(n->listen, o->listen) ||
	    str_differs(n->tls_certificate, o->tls_certificate) ||
	    str_differs(n->tls_key, o->tls_key) || str_differs(n->tls_ca, o->tls_ca) ||
	    n->grace_hours != o->grace_hours || n->takeover_seconds != o->takeover_seconds ||
	    n->prefetch != o->prefetch)
		log_warn("license master settings changed: they take effect at the next restart");
	for (size_t i = 0; i < n->masters.n && i < o->masters.n; i++)
		if (strcmp(n->masters.v[i], o->masters.v[i]) != 0)
			log_warn("license.master changed: it takes effect at the next restart");
	/* a new key or identity: start over from the store; else only the cards moved */
	if (str_differs(n->public_key, o->public_key) ||
	    str_differs(n->public_key_file, o->public_key_file) ||
	    str_differs(n->software_version, o->software_version) ||
	    n->virtual_appliance != o->virtual_appliance) {
		if (lic_rebuild(conf) < 0)
			log_err("licenses could not be rebuilt after the reload");
		else
			log_info("license settings changed: licenses reloaded from the store");
		return;
	}
	lic_st.conf = n;
	lic_sync_cards(conf);
}

static void lic_close(void)
{
	lic_slave_stop();
	lic_serve_stop();
	if (dates_timer_on)
		uv_close((uv_handle_t *)&dates_timer, NULL);
	dates_timer_on = false;
	state_clear();
}

const struct sb_module lic_module = {
	.name = "license",
	.conf = &lic_conf_section,
	.cmds = lic_cmds,
	.init = lic_init,
	.reload = lic_reload,
	.close = lic_close,
	.metrics = lic_metrics,
	.cluster_role = lic_serve_cluster_role,
};
