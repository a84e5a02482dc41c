/* sip_cloud_ids.c: the identities the cloud link registers (every sym-bridge channel number, or
 * the appliance's name in trunk mode): REGISTER, refresh, and the re-sync after a reload. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>

#define SB_MODULE "sip"
#include "sip_cloud.h"

/* the identities of conf, in configuration order: up to cap of them in v; returns how many */
static size_t wanted(const struct sb_conf *conf, const char **v, size_t cap)
{
	const struct sb_model *m = conf->model;
	size_t n = 0;

	if (conf->cloud.registration == SB_CLOUD_REG_TRUNK) {
		if (cap)
			v[0] = conf->system.name;
		return 1;
	}
	for (size_t i = 0; i < m->ncards; i++) {
		if (strcmp(m->cards[i].type->name, "sym-bridge") != 0)
			continue;
		for (size_t c = 0; c < m->cards[i].nchannels; c++) {
			const char *num = m->cards[i].channels[c].number;
			if (!num)
				continue;
			if (n < cap)
				v[n] = num;
			n++;
		}
	}
	return n;
}

static void refresh_cb(uv_timer_t *t);

static struct cloud_reg *reg_new(const char *user)
{
	struct cloud_reg *g = calloc(1, sizeof *g);

	if (!g)
		return NULL;
	snprintf(g->user, sizeof g->user, "%s", user);
	uv_timer_init(sb_daemon_loop(), &g->refresh);
	g->refresh.data = g;
	return g;
}

static void reg_closed_cb(uv_handle_t *h)
{
	free(h->data);
}

static void reg_free(struct cloud_reg *g)
{
	if (g->nh) {
		nua_handle_bind(g->nh, NULL);
		nua_handle_destroy(g->nh);
		g->nh = NULL;
	}
	uv_close((uv_handle_t *)&g->refresh, reg_closed_cb);
}

static void new_handle(struct cloud_reg *g)
{
	char to[256];

	if (g->nh) {
		nua_handle_bind(g->nh, NULL);
		nua_handle_destroy(g->nh);
	}
	snprintf(to, sizeof to, "<sip:%s@%s>", g->user, cl.reg_uri[1]);
	g->nh = nua_handle(sip.cloud, (nua_hmagic_t *)g, SIPTAG_TO_STR(to), SIPTAG_FROM_STR(to),
			   TAG_END());
}

/* Each REGISTER goes on a new handle: nua would otherwise refresh on its own schedule (between
 * a quarter and three quarters of the expiry); we refresh at 90 %. Dropping a handle sends
 * nothing, so the binding stays until the next REGISTER replaces it. */
static void send_register(struct cloud_reg *g)
{
	char contact[256], auth[4200];
	const char *token = cl.token;

	new_handle(g);
	if (!g->nh)
		return;
	sip_cloud_contact(contact, sizeof contact, g->user);
	if (token)
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	g->pending = true;
	nua_register(g->nh, NUTAG_REGISTRAR(cl.reg_uri[0]), SIPTAG_CONTACT_STR(contact),
		     SIPTAG_EXPIRES_STR("3600"), TAG_IF(token, SIPTAG_HEADER_STR(auth)), TAG_END());
}

/* An identity a reload removed: every binding of it goes (Contact: *, Expires: 0), whatever
 * connection registered it, so the cloud stops routing its calls here. */
static void send_unregister(struct cloud_reg *g)
{
	char auth[4200];
	const char *token = cl.token;

	new_handle(g);
	if (!g->nh)
		return;
	if (token)
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	nua_unregister(g->nh, NUTAG_REGISTRAR(cl.reg_uri[0]), SIPTAG_CONTACT_STR("*"),
		       SIPTAG_EXPIRES_STR("0"), TAG_IF(token, SIPTAG_HEADER_STR(auth)), TAG_END());
}

static void refresh_cb(uv_timer_t *t)
{
	struct cloud_reg *g = t->data;

	if (!g->pending && !g->leaving)
		send_register(g);
}

int sip_cloud_ids_open(const struct sb_conf *conf)
{
	size_t n = wanted(conf, NULL, 0);
	const char **v = calloc(n ? n : 1, sizeof *v);

	cl.regs = calloc(n ? n : 1, sizeof *cl.regs);
	if (!v || !cl.regs) {
		free(v);
		return -ENOMEM;
	}
	wanted(conf, v, n);
	for (size_t i = 0; i < n; i++) {
		if (!(cl.regs[i] = reg_new(v[i]))) {
			free(v);
			return -ENOMEM;
		}
		cl.nregs++;
	}
	free(v);
	return 0;
}

static struct cloud_reg *find(struct cloud_reg **regs, size_t n, const char *user)
{
	for (size_t i = 0; i < n; i++)
		if (regs[i] && strcmp(regs[i]->user, user) == 0)
			return regs[i];
	return NULL;
}

/* A reload: identities still configured keep their registration; new ones are registered at
 * once when the link is connected (else with the next round); removed ones are unregistered
 * (when the link is down, as soon as it is up again). Calls are not touched. */
void sip_cloud_ids_sync(const struct sb_conf *conf)
{
	size_t n = wanted(conf, NULL, 0), added = 0, removed = 0;
	const char **v = calloc(n ? n : 1, sizeof *v);
	struct cloud_reg **regs = calloc(n ? n : 1, sizeof *regs);
	char names[2][200] = { "", "" };

	if (!v || !regs) {
		log_err("cannot re-sync the cloud registrations with the new configuration: out "
			"of memory (they stay as they were)");
		free(v);
		free(regs);
		return;
	}
	wanted(conf, v, n);
	for (size_t i = 0; i < n; i++) {
		struct cloud_reg *g = find(cl.regs, cl.nregs, v[i]);
		if (g) {
			/* taken over: no longer in the old list */
			for (size_t k = 0; k < cl.nregs; k++)
				if (cl.regs[k] == g)
					cl.regs[k] = NULL;
		} else if (!find(regs, i, v[i]) && (g = reg_new(v[i]))) {
			added++;
			size_t l = strlen(names[0]);
			snprintf(names[0] + l, sizeof names[0] - l, "%s%s", l ? " " : "", v[i]);
			if (sip_cloud_connected())
				send_register(g);
		}
		regs[i] = g;
	}
	for (size_t k = 0; k < cl.nregs; k++) {
		struct cloud_reg *g = cl.regs[k];
		if (!g)
			continue;
		removed++;
		size_t l = strlen(names[1]);
		snprintf(names[1] + l, sizeof names[1] - l, "%s%s", l ? " " : "", g->user);
		uv_timer_stop(&g->refresh);
		if (g->nh) {
			nua_handle_bind(g->nh, NULL);
			nua_handle_destroy(g->nh);
			g->nh = NULL;
		}
		g->pending = g->registered = false;
		g->leaving = true;
		g->next_leaving = cl.leaving;
		cl.leaving = g;
		if (sip_cloud_connected())
			send_unregister(g);
	}
	free(cl.regs);
	/* a failed allocation leaves a hole: close it up */
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (regs[i])
			regs[k++] = regs[i];
	cl.regs = regs;
	cl.nregs = k;
	free(v);
	if (added || removed)
		log_notice("cloud identities after the reload: %zu added%s%s%s, %zu removed%s%s%s",
			   added, added ? " (" : "", names[0], added ? ")" : "", removed,
			   removed ? " (" : "", names[1], removed ? ")" : "");
	/* with the last identity gone a round in progress may be complete */
	if (removed && sip_cloud_connected())
		sip_cloud_round_check();
}

void sip_cloud_ids_register(void)
{
	for (size_t i = 0; i < cl.nregs; i++)
		send_register(cl.regs[i]);
	for (struct cloud_reg *g = cl.leaving; g; g = g->next_leaving)
		if (!g->nh)
			send_unregister(g);
	sip_cloud_round_check();
}

void sip_cloud_ids_drop(void)
{
	for (size_t i = 0; i < cl.nregs; i++) {
		struct cloud_reg *g = cl.regs[i];
		if (g->nh) {
			nua_handle_bind(g->nh, NULL);
			nua_handle_destroy(g->nh);
		}
		g->nh = NULL;
		g->pending = g->registered = false;
		uv_timer_stop(&g->refresh);
	}
	/* their unregisters go again with the next round */
	for (struct cloud_reg *g = cl.leaving; g; g = g->next_leaving)
		if (g->nh) {
			nua_handle_bind(g->nh, NULL);
			nua_handle_destroy(g->nh);
			g->nh = NULL;
		}
}

/* The seconds a 2xx to our REGISTER grants user: our Contact's expires parameter, else the
 * Expires header, read whole (a reply's "expires=4294967296" used to wrap to 0), never more than
 * asked (we refresh in time whatever the registrar says) and asked when it says nothing or 0. */
unsigned sip_cloud_granted(const sip_t *m, const char *user, unsigned asked)
{
	unsigned long long v = 0;
	bool found = false;

	for (const sip_contact_t *c = m ? m->sip_contact : NULL; c && !found; c = c->m_next)
		if (c->m_url->url_user && strcmp(c->m_url->url_user, user) == 0 && c->m_expires) {
			for (const char *s = c->m_expires; *s >= '0' && *s <= '9'; s++)
				v = v > (ULLONG_MAX - 9) / 10 ? ULLONG_MAX : v * 10 + (unsigned)(*s - '0');
			found = true;
		}
	if (!found && m && m->sip_expires) {
		v = m->sip_expires->ex_delta;
		found = true;
	}
	return !found || v == 0 || v > asked ? asked : (unsigned)v;
}

bool sip_cloud_ids_event(nua_event_t ev, int status, const char *phrase, nua_hmagic_t *hm,
			 const sip_t *m)
{
	struct cloud_reg *g = (struct cloud_reg *)hm;
	char what[128];

	if (!g || (ev != nua_r_register && ev != nua_r_unregister))
		return false;
	if (status < 200)
		return true;
	if (ev == nua_r_unregister) {
		if (status < 300)
			log_info("unregistered %s at the cloud (removed from the configuration)",
				 g->user);
		else
			log_warn("unregistering %s at the cloud failed (%d %s): its binding "
				 "stays there until it expires",
				 g->user, status, phrase);
		for (struct cloud_reg **p = &cl.leaving; *p; p = &(*p)->next_leaving)
			if (*p == g) {
				*p = g->next_leaving;
				break;
			}
		reg_free(g);
		return true;
	}
	g->pending = false;
	if (status >= 300) {
		snprintf(what, sizeof what, "REGISTER %s: %d %s", g->user, status, phrase);
		sip_cloud_failed(what);
		return true;
	}
	g->granted = sip_cloud_granted(m, g->user, 3600);
	g->expires_at = sip_now_ms() + (uint64_t)g->granted * 1000;
	if (!g->registered && cl.state == CLOUD_REGISTERED)
		log_info("registered %s at the cloud", g->user);
	g->registered = true;
	uv_timer_start(&g->refresh, refresh_cb, sip_refresh_ms(g->granted), 0);
	sip_cloud_round_check();
	return true;
}

/* The cloud is told we are gone: each registered identity is unregistered on its handle, which
 * nua_shutdown() then waits for (within the module's stop bound) and frees. */
void sip_cloud_ids_unregister(void)
{
	for (size_t i = 0; i < cl.nregs; i++) {
		struct cloud_reg *g = cl.regs[i];
		uv_timer_stop(&g->refresh);
		if (g->nh && g->registered && !g->pending) {
			nua_handle_bind(g->nh, NULL);
			nua_unregister(g->nh, TAG_END());
			g->nh = NULL; /* nua_shutdown frees it */
		}
	}
	/* removed identities whose unregister is under way: nua_shutdown waits for it */
	for (struct cloud_reg *g = cl.leaving; g; g = g->next_leaving)
		if (g->nh) {
			nua_handle_bind(g->nh, NULL);
			g->nh = NULL;
		}
}

void sip_cloud_ids_close(void)
{
	for (size_t i = 0; i < cl.nregs; i++)
		reg_free(cl.regs[i]);
	while (cl.leaving) {
		struct cloud_reg *g = cl.leaving;
		cl.leaving = g->next_leaving;
		reg_free(g);
	}
	free(cl.regs);
	cl.regs = NULL;
	cl.nregs = 0;
}

void sip_cloud_ids_counts(struct sb_reply *r)
{
	size_t nreg = 0;

	for (size_t i = 0; i < cl.nregs; i++)
		nreg += cl.regs[i]->registered;
	sb_reply_int(r, "registered", (long long)nreg);
	sb_reply_int(r, "identities", (long long)cl.nregs);
}

void sip_cloud_ids_details(struct sb_reply *r)
{
	uint64_t now = sip_now_ms();

	for (size_t i = 0; i < cl.nregs; i++) {
		const struct cloud_reg *g = cl.regs[i];
		if (g->registered)
			sb_reply_detail(r, "%s registered, expires in %llu s", g->user,
					(unsigned long long)((g->expires_at - now + 999) / 1000));
		else
			sb_reply_detail(r, "%s not registered", g->user);
	}
}
