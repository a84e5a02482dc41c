/* lic_link.c: what the master's and the slaves' sides of the license master protocol share:
 * addresses, sending messages, the TLS contexts from the config, the standby's rule. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SB_MODULE "license"
#include "symbridge.h"

#include "lic_glue.h"
#include "lic_net.h"

struct lic_net_conf lic_net;

void lic_net_conf_take(const struct lic_conf *lc)
{
	memset(&lic_net, 0, sizeof lic_net);
	lic_net.mode = lc->mode;
	lic_net.standby = lc->standby;
	for (size_t i = 0; i < lc->masters.n && i < 4; i++)
		snprintf(lic_net.masters[lic_net.nmasters++], sizeof lic_net.masters[0], "%s",
			 lc->masters.v[i]);
	snprintf(lic_net.listen, sizeof lic_net.listen, "%s", lc->listen ? lc->listen : "");
	lic_net.grace_hours = lc->grace_hours;
	lic_net.takeover_seconds = lc->takeover_seconds;
	lic_net.prefetch = lc->prefetch;
}

int lic_addr_parse(const char *s, struct sockaddr_storage *ss)
{
	char host[64];
	const char *colon;
	char *end;
	size_t hl;

	memset(ss, 0, sizeof *ss);
	if (!s)
		return -EINVAL;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (!rb || rb[1] != ':')
			return -EINVAL;
		hl = (size_t)(rb - s - 1);
		if (hl == 0 || hl >= sizeof host)
			return -EINVAL;
		memcpy(host, s + 1, hl);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (hl = (size_t)(colon - s)) == 0 || hl >= sizeof host)
			return -EINVAL;
		memcpy(host, s, hl);
	}
	host[hl] = '\0';
	long port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 1 || port > 65535)
		return -EINVAL;
	if (s[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return -EINVAL;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		return 0;
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
		return -EINVAL;
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	return 0;
}

int lic_send(struct lic_tls *c, const struct lic_msg *m)
{
	char *line;
	size_t len;
	int rc = lic_msg_format(m, &line, &len);

	if (rc < 0) {
		log_err("license protocol: a %s message could not be formatted: %s",
			lic_msg_type_names[m->type], strerror(-rc));
		return rc;
	}
	rc = lic_tls_send(c, line, len);
	free(line);
	return rc;
}

int lic_send_answer(struct lic_tls *c, enum lic_msg_type t, uint64_t seq, bool ok,
		    const char *reason, const char *detail)
{
	struct lic_msg m = { .type = t, .version = LIC_PROTO_VERSION, .seq = seq, .ok = ok };

	snprintf(m.reason, sizeof m.reason, "%s", reason);
	snprintf(m.detail, sizeof m.detail, "%s", detail && *detail ? detail : reason);
	return lic_send(c, &m);
}

SSL_CTX *lic_net_ctx(bool server)
{
	const struct lic_conf *lc = lic_st.conf;
	SSL_CTX *ctx;
	char why[300];

	if (lic_tls_ctx_new(&ctx, server, lc->tls_certificate, lc->tls_key, lc->tls_ca, why,
			    sizeof why) < 0) {
		log_err("license master protocol: no TLS: %s", why);
		return NULL;
	}
	return ctx;
}

bool lic_standby_covers(char *why, size_t wlen)
{
	struct lic_status sb, port;

	if (lic_status(lic_st.node, LIC_STANDBY, &sb) < 0 ||
	    lic_status(lic_st.node, LIC_PORT, &port) < 0) {
		snprintf(why, wlen, "license engine error");
		return false;
	}
	if (!sb.usable) {
		snprintf(why, wlen, "%s: %s", sb.reason, sb.detail[0] ? sb.detail : "no Standby");
		return false;
	}
	if (sb.installed < port.installed) {
		snprintf(why, wlen, "%s: %u Standby installed, fewer than the %u Ports",
			 LIC_R_STANDBY_SHORT, sb.installed, port.installed);
		return false;
	}
	snprintf(why, wlen, "%u Standby cover the %u Ports", sb.installed, port.installed);
	return true;
}

/* what a set of grants is for, grouped by kind: "PBX-Port: user door, trunk spare/2;
 * L-SYM-BRIDGE: card 1" (cut short with "..." when it does not fit) */
void lic_grants_for(char *buf, size_t len, const struct lic_msg_item *v, size_t n)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int k = 0; k < LIC_KIND_MAX && off < len; k++) {
		const char *sep = off ? "; " : "";
		for (size_t i = 0; i < n && off < len; i++) {
			if (v[i].kind != (enum lic_kind)k)
				continue;
			int w = *sep || !off ? snprintf(buf + off, len - off, "%s%s: %s %s", sep,
							lic_kind_info(v[i].kind)->name,
							lic_owner_names[v[i].owner], v[i].id)
					     : snprintf(buf + off, len - off, ", %s %s",
							lic_owner_names[v[i].owner], v[i].id);
			off += w < 0 ? 0 : (size_t)w;
			sep = "";
		}
	}
	if (off >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
}
