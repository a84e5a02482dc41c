/* sip_cli.c: the sip module's commands: show registrations, links, cloud and bans; unban. */
#include "config.h"

#include <errno.h>
#include <string.h>

#define SB_MODULE "sip"
#include "sip_priv.h"

/* One row per binding, and one per station that has none, so every station shows up. */
static int cmd_registrations(const struct sb_ctl_req *req, struct sb_reply *r)
{
	static const char *const cols[] = { "user",      "name",       "contact",    "source",
					    "transport", "expires_in", "user_agent", NULL };
	const struct sb_conf *conf = sb_daemon_conf();
	const struct sb_station_conf *st = conf->stations.v;
	const struct sip_binding *b;
	uint64_t now = sip_now_ms();
	size_t n;

	b = sip_reg_bindings(now, &n);
	sb_reply_table(r, cols);
	for (size_t s = 0; s < conf->stations.n; s++) {
		bool any = false;
		for (size_t i = 0; i < n; i++) {
			if (strcmp(b[i].user, st[s].user) != 0)
				continue;
			any = true;
			sb_reply_row(r);
			sb_reply_str(r, "user", st[s].user);
			sb_reply_str(r, "name", st[s].name);
			sb_reply_str(r, "contact", b[i].contact);
			sb_reply_str(r, "source", b[i].source);
			sb_reply_str(r, "transport", b[i].transport);
			sb_reply_int(r, "expires_in",
				     (long long)((b[i].expires_at - now + 999) / 1000));
			sb_reply_str(r, "user_agent", b[i].user_agent[0] ? b[i].user_agent : NULL);
		}
		if (!any) {
			sb_reply_row(r);
			sb_reply_str(r, "user", st[s].user);
			sb_reply_str(r, "name", st[s].name);
			sb_reply_str(r, "contact", NULL);
			sb_reply_str(r, "source", NULL);
			sb_reply_str(r, "transport", NULL);
			sb_reply_str(r, "expires_in", NULL);
			sb_reply_str(r, "user_agent", NULL);
		}
	}
	return 0;
}

static int cmd_links(const struct sb_ctl_req *req, struct sb_reply *r)
{
	sip_link_show(r);
	return 0;
}

static int cmd_cloud(const struct sb_ctl_req *req, struct sb_reply *r)
{
	sip_cloud_show(r);
	sb_modules_cloud_status(r); /* the other channels to the cloud (the management channel) */
	return 0;
}

static int cmd_bans(const struct sb_ctl_req *req, struct sb_reply *r)
{
	sip_guard_show(r, sip_now_ms());
	return 0;
}

static int cmd_unban(const struct sb_ctl_req *req, struct sb_reply *r)
{
	if (sip_guard_unban(req->argv[0], sip_now_ms()) < 0) {
		sb_reply_error(r, "%s is not banned (see show bans)", req->argv[0]);
		return -ENOENT;
	}
	sb_reply_message(r, "%s is no longer banned", req->argv[0]);
	return 0;
}

const struct sb_ctl_cmd sip_cli_cmds[] = {
	{ "show registrations", cmd_registrations,
	  "stations, where each is registered and for how long", 0 },
	{ "show links", cmd_links, "link cards: peer, transport, up or down, last check", 0 },
	{ "show cloud", cmd_cloud,
	  "the cloud connection: host, TLS version and cipher, registrations, last error", 0 },
	{ "show bans", cmd_bans,
	  "addresses banned and user names locked by sip.security: time left, requests dropped, "
	  "why",
	  0 },
	{ "unban <address>", cmd_unban, "lift the ban of an address (or the lock of a user name)",
	  SB_CTL_PRIV },
	{ "trace sip [on|off|--follow]", sip_trace_cmd,
	  "complete SIP messages of both stacks: to the log (on, off), or streamed here until "
	  "Ctrl-C (--follow); without a word: the state",
	  SB_CTL_PRIV },
	{ NULL, NULL, NULL, 0 },
};
