/* sip_cloud_role.c: the cloud link follows the node's cluster role: it registers only when active. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sofia-sip/nua_tag.h>

#define SB_MODULE "sip"
#include "sip_cloud.h"

/* the handle magic of the unregisters a standby sends: their answers free the handles */
static char unreg_magic;

bool sip_cloud_role_event(nua_event_t ev, int status, nua_handle_t *nh, nua_hmagic_t *hm)
{
	if (hm != (nua_hmagic_t *)&unreg_magic)
		return false;
	if (ev == nua_r_unregister && status >= 200) {
		if (status < 300)
			log_info("standby: an identity is unregistered at the cloud");
		else
			log_warn("standby: unregistering an identity at the cloud failed (%d): its "
				 "binding stays there until it expires",
				 status);
		nua_handle_destroy(nh);
	}
	return true;
}

/* Standby: every registered identity is unregistered (Expires 0 on the handle that registered
 * it, so the cloud stops routing calls here at once) and the link stops; active: a round starts
 * now (a promotion registers at once, within cloud.retry_min). */
void sip_cloud_cluster_role(bool active)
{
	size_t n = 0;

	if (!sip.cloud || !cl.timers)
		return;
	if (active) {
		if (cl.state != CLOUD_STANDBY)
			return;
		log_notice("cloud link: active node: registering %zu identit%s at %s now", cl.nregs,
			   cl.nregs == 1 ? "y" : "ies", cl.registrar.v[0]);
		sip_cloud_begin();
		return;
	}
	if (cl.state == CLOUD_STANDBY)
		return;
	for (size_t i = 0; i < cl.nregs; i++) {
		struct cloud_reg *g = cl.regs[i];
		uv_timer_stop(&g->refresh);
		if (g->nh && g->registered && !g->pending) {
			nua_handle_bind(g->nh, (nua_hmagic_t *)&unreg_magic);
			nua_unregister(g->nh, TAG_END());
			n++;
		} else if (g->nh) {
			nua_handle_bind(g->nh, NULL);
			nua_handle_destroy(g->nh);
		}
		g->nh = NULL;
		g->pending = g->registered = false;
	}
	sip_cloud_halt();
	log_notice("cloud link: standby node: unregistering %zu identit%s (Expires 0); nothing is "
		   "registered until the node is activated",
		   n, n == 1 ? "y" : "ies");
}

/* cluster check on the active node: the cloud link must be up (a round that failed, or its
 * backoff, means calls from the cloud cannot reach this node) */
int sip_cloud_cluster_check(char *why, size_t len)
{
	if (!sip.cloud || !cl.timers || !cl.cc || !cl.cc->enabled)
		return 0;
	if (cl.state == CLOUD_BACKOFF || cl.failures > 0) {
		snprintf(why, len, "the cloud link is down (%s)",
			 cl.last_error[0] ? cl.last_error : "registration failed");
		return -EHOSTUNREACH;
	}
	return 0;
}
