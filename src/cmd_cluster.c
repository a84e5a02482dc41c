/* cmd_cluster.c: the control commands cluster activate|standby|status|check and show cluster. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core.h"

/* "asked by uid 0: keepalived: MASTER" from the words after the command */
static void reason(const struct sb_ctl_req *req, char *out, size_t len)
{
	size_t off = (size_t)snprintf(out, len, "asked by uid %u", req->uid);

	for (int i = 0; i < req->argc && off < len; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%s", i ? " " : ": ", req->argv[i]);
}

static int set_role(const struct sb_ctl_req *req, struct sb_reply *r, bool active)
{
	const char *word = active ? "active" : "standby";
	char why[160];

	reason(req, why, sizeof why);
	int rc = sb__cluster_set(active, why);
	if (rc == -ENOTSUP)
		sb_reply_error(r,
			       "cluster %s: this node has no cluster section (cluster.role): it "
			       "is a single node, always active",
			       active ? "activate" : "standby");
	else if (rc == -EALREADY)
		sb_reply_message(r, "already the %s node", word);
	else if (active)
		sb_reply_message(r, "now the active node: registering at the cloud, taking calls");
	else
		sb_reply_message(r,
				 "now the standby node: unregistered from the cloud, new calls "
				 "refused (sip 503, isdn cause 34); %u call%s up go on",
				 sb_call_count(), sb_call_count() == 1 ? "" : "s");
	return 0;
}

static int cmd_activate(const struct sb_ctl_req *req, struct sb_reply *r)
{
	return set_role(req, r, true);
}

static int cmd_standby(const struct sb_ctl_req *req, struct sb_reply *r)
{
	return set_role(req, r, false);
}

static int cmd_show(const struct sb_ctl_req *req, struct sb_reply *r)
{
	struct sb__cluster_info ci;
	char since[32];
	time_t t;

	sb__cluster_info(&ci);
	t = (time_t)ci.since;
	strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	sb_reply_str(r, "role", ci.active ? "active" : "standby");
	sb_reply_str(r, "configured_role", ci.role ? ci.role : "(none: a single node)");
	sb_reply_str(r, "since", since);
	sb_reply_int(r, "seconds", (long long)time(NULL) - ci.since);
	sb_reply_str(r, "why", ci.why);
	sb_reply_str(r, "peer", ci.peer);
	sb_reply_int(r, "transitions_to_active", (long long)ci.to_active);
	sb_reply_int(r, "transitions_to_standby", (long long)ci.to_standby);
	sb_reply_str(r, "calls", sb_not_taking_calls() ? sb_not_taking_calls() : "taken");
	return 0;
}

/* keepalived's health check: the reply itself proves the main loop answers (the control server
 * runs on it); an active node must also be able to serve (the cloud link up). */
static int cmd_check(const struct sb_ctl_req *req, struct sb_reply *r)
{
	char why[256] = "";

	if (!sb_cluster_active()) {
		sb_reply_message(r, "ok: standby, ready to take over");
		return 0;
	}
	if (sb__modules_cluster_check(why, sizeof why) < 0) {
		sb_reply_error(r, "cannot serve: %s", why);
		return 0;
	}
	sb_reply_message(r, "ok: active, serving");
	return 0;
}

const struct sb_ctl_cmd sb__cluster_cmds[] = {
	{ "cluster activate [REASON...]", cmd_activate,
	  "become the active node: register at the cloud, take calls (keepalived's notify)",
	  SB_CTL_PRIV },
	{ "cluster standby [REASON...]", cmd_standby,
	  "become the standby node: unregister from the cloud, refuse new calls", SB_CTL_PRIV },
	{ "cluster status", cmd_show, "the node's role, since when and why (as show cluster)", 0 },
	{ "cluster check", cmd_check,
	  "exit 0 when the node can serve its role (keepalived's health check)", 0 },
	{ "show cluster", cmd_show, "the node's role, since when and why, the peer", 0 },
	{ NULL, NULL, NULL, 0 },
};
