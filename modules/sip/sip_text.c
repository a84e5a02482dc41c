/* sip_text.c: pure helpers of the sip module: listening address syntax, peer hosts, the source
 * address toward a peer, retry and refresh timing. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <netdb.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sip.h"

static const char *const proto_names[] = { "udp", "tcp", "tls" };

const char *sip_proto_name(enum sip_proto p)
{
	return (unsigned)p < 3 ? proto_names[p] : "?";
}

int sip_listen_parse(const char *s, struct sip_listen *out, const char **why)
{
	struct sip_listen l = { 0 };
	const char *colon = strchr(s, ':'), *host, *hend, *port = NULL;
	unsigned char addr[16];
	const char *dummy;
	size_t n;

	if (!why)
		why = &dummy;
	if (!colon) {
		*why = "no transport (allowed: udp:, tcp:, tls:)";
		return -EINVAL;
	}
	n = (size_t)(colon - s);
	for (l.proto = SIP_PROTO_UDP; l.proto <= SIP_PROTO_TLS; l.proto++)
		if (strlen(proto_names[l.proto]) == n && strncmp(s, proto_names[l.proto], n) == 0)
			break;
	if (l.proto > SIP_PROTO_TLS) {
		*why = "unknown transport (allowed: udp, tcp, tls)";
		return -EINVAL;
	}
	host = colon + 1;
	if (*host == '[') {
		host++;
		if (!(hend = strchr(host, ']'))) {
			*why = "no ']' after an IPv6 address";
			return -EINVAL;
		}
		if (hend[1] == ':')
			port = hend + 2;
		else if (hend[1]) {
			*why = "text after ']' that is not \":port\"";
			return -EINVAL;
		}
	} else {
		hend = strchr(host, ':');
		if (hend)
			port = hend + 1;
		else
			hend = host + strlen(host);
	}
	n = (size_t)(hend - host);
	if (n == 0 || n >= sizeof l.host) {
		*why = "no address, or one too long";
		return -EINVAL;
	}
	memcpy(l.host, host, n);
	l.host[n] = '\0';
	if (inet_pton(AF_INET, l.host, addr) != 1 && inet_pton(AF_INET6, l.host, addr) != 1) {
		*why = "the address is not a numeric IPv4 or IPv6 address";
		return -EINVAL;
	}
	if (port) {
		char *e;
		long p = strtol(port, &e, 10);
		if (!*port || *e || p < 1 || p > 65535) {
			*why = "the port is not 1..65535";
			return -EINVAL;
		}
		l.port = (int)p;
	} else {
		l.port = l.proto == SIP_PROTO_TLS ? 5061 : 5060;
	}
	*out = l;
	return 0;
}

int sip_listen_url(const struct sip_listen *l, char *buf, size_t len)
{
	bool v6 = strchr(l->host, ':') != NULL;
	int n = snprintf(buf, len, "%s:%s%s%s:%d;transport=%s",
			 l->proto == SIP_PROTO_TLS ? "sips" : "sip", v6 ? "[" : "", l->host,
			 v6 ? "]" : "", l->port, sip_proto_name(l->proto));

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

uint64_t sip_backoff_ms(unsigned failures, uint64_t min_ms, uint64_t max_ms, uint32_t rnd)
{
	uint64_t d = min_ms ? min_ms : 1;

	if (max_ms < d)
		max_ms = d;
	for (unsigned i = 1; i < failures && d < max_ms; i++)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	/* half fixed, half random: never retries at once, never all clients in step */
	return d / 2 + (uint64_t)((double)(d - d / 2) * ((double)rnd / 4294967296.0));
}

uint64_t sip_refresh_ms(unsigned expires)
{
	uint64_t ms = (uint64_t)expires * 900;

	return ms < 1000 ? 1000 : ms;
}

/* ---- addresses ----------------------------------------------------------------------------- */

int sip_host_of(const char *s, char *out, size_t len)
{
	const char *p = s, *end;
	size_t n;

	if (!s)
		return -1;
	if (*p == '<')
		p++;
	if (strncasecmp(p, "sip:", 4) == 0)
		p += 4;
	else if (strncasecmp(p, "sips:", 5) == 0)
		p += 5;
	end = p + strcspn(p, ";>?");
	const char *at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	if (*p == '[') {
		p++;
		end = strchr(p, ']');
		if (!end)
			return -1;
	} else {
		end = p + strcspn(p, ":;>?");
	}
	n = (size_t)(end - p);
	if (!n || n >= len)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

int sip_local_name(int fd, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	const void *a;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -1;
	a = ss.ss_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
				     : (const void *)&((struct sockaddr_in *)&ss)->sin_addr;
	return inet_ntop(ss.ss_family, a, out, (socklen_t)len) ? 0 : -1;
}

/* The local address the kernel would send from to reach host (a numeric address): connecting a
 * UDP socket chooses the route and source without sending anything. */
int sip_source_toward(const char *host, char *out, size_t len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST, .ai_socktype = SOCK_DGRAM }, *ai;
	int fd, rc = -1;

	if (getaddrinfo(host, "9", &hints, &ai) != 0)
		return -1;
	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		rc = sip_local_name(fd, out, len);
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return rc;
}
