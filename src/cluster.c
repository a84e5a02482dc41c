/* cluster.c: the node's role in an active/standby pair, set by keepalived through symbridgectl. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core.h"

static struct {
	bool member; /* a cluster section with a role: else a single node, always active */
	bool active;
	long long since; /* unix time of the last transition (or of the start) */
	char why[160];   /* why the node has its role now */
	unsigned long long to_active, to_standby; /* transitions since the start */
} cs;

bool sb_cluster_active(void)
{
	return !cs.member || cs.active;
}

const char *sb_not_taking_calls(void)
{
	if (!sb_cluster_active())
		return "standby";
	return sb_draining() ? "draining" : NULL;
}

/* At start: role "active" starts active; "auto" and "standby" start standby, so a node that
 * restarts after a failure never takes the role back by itself (keepalived decides). */
void sb__cluster_start(const struct sb_conf *conf)
{
	const char *role = conf->cluster.role;

	memset(&cs, 0, sizeof cs);
	cs.since = (long long)time(NULL);
	if (!role) {
		cs.active = true;
		snprintf(cs.why, sizeof cs.why, "no cluster section: a single node");
		return;
	}
	cs.member = true;
	cs.active = strcmp(role, "active") == 0;
	snprintf(cs.why, sizeof cs.why, "started with cluster.role = \"%s\"", role);
	log_notice("cluster: starting as the %s node (cluster.role = \"%s\")%s",
		   cs.active ? "active" : "standby", role,
		   strcmp(role, "auto") == 0 ? ": keepalived decides when it becomes active" : "");
}

/* A reload keeps the role the node has now; the section's role applies at the next start. */
void sb__cluster_reload(const struct sb_conf *conf, const struct sb_conf *old,
			struct sb_msgs *warns)
{
	const char *n = conf->cluster.role, *o = old->cluster.role;

	if ((n == NULL) != (o == NULL) || (n && strcmp(n, o) != 0))
		sb__msgs_add(warns,
			     "cluster.role changed to %s: takes effect after a restart "
			     "(the node stays %s)",
			     n ? n : "(none)", sb_cluster_active() ? "active" : "standby");
}

/* activate (true) or standby (false), with the reason the admin or keepalived gave */
int sb__cluster_set(bool active, const char *why)
{
	if (!cs.member)
		return -ENOTSUP;
	if (cs.active == active)
		return -EALREADY;
	cs.active = active;
	cs.since = (long long)time(NULL);
	snprintf(cs.why, sizeof cs.why, "%s", why);
	if (active)
		cs.to_active++;
	else
		cs.to_standby++;
	log_notice(
		"cluster: now the %s node (%s): %s", active ? "active" : "standby", why,
		active ? "registering at the cloud, taking calls"
		       : "unregistered from the cloud, new calls refused (sip 503, isdn cause 34)");
	sb__modules_cluster_role(active);
	return 0;
}

void sb__cluster_info(struct sb__cluster_info *ci)
{
	const struct sb_conf *conf = sb_daemon_conf();

	ci->member = cs.member;
	ci->active = sb_cluster_active();
	ci->since = cs.since;
	ci->why = cs.why;
	ci->role = conf && conf->cluster.role ? conf->cluster.role : NULL;
	ci->peer = conf ? conf->cluster.peer : NULL;
	ci->to_active = cs.to_active;
	ci->to_standby = cs.to_standby;
}
