/* sip_addr.c: the address our SDP gives a peer for the engine's RTP ports: the media bind
 * address when it is a specific one; toward the cloud, the local address of the cloud's TLS
 * connection; toward local peers, the specific sip.listen address, else the address this host's
 * routing uses to reach the peer. Loopback only when nothing better is known. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define SB_MODULE "sip"
#include "media.h"
#include "sip_call.h"
#include "sip_priv.h"

static char cloud_local[INET6_ADDRSTRLEN];
static int cloud_port;

static bool wildcard(const char *host)
{
	return !host || !*host || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0;
}

void sip_addr_cloud_connected(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;

	cloud_port = 0;
	if (fd < 0 || sip_local_name(fd, cloud_local, sizeof cloud_local) < 0) {
		cloud_local[0] = '\0';
		return;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		cloud_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
							    : ((struct sockaddr_in *)&ss)->sin_port);
}

int sip_addr_cloud_local(char *host, size_t len, int *port)
{
	if (!cloud_local[0])
		return -ENOENT;
	snprintf(host, len, "%s", cloud_local);
	*port = cloud_port;
	return 0;
}

const char *sip_media_addr(bool cloud, const char *peer)
{
	static char buf[64]; /* an address as sip.listen allows it */
	const char *bind = media_daemon_bind_address();
	char host[256];
	struct sip_listen l;

	if (!wildcard(bind))
		return bind;
	if (cloud && cloud_local[0])
		return cloud_local;
	if (!cloud && sip.sc)
		for (size_t i = 0; i < sip.sc->listen.n; i++)
			if (sip_listen_parse(sip.sc->listen.v[i], &l, NULL) == 0 &&
			    !wildcard(l.host)) {
				snprintf(buf, sizeof buf, "%s", l.host);
				return buf;
			}
	if (sip_host_of(peer, host, sizeof host) == 0 &&
	    sip_source_toward(host, buf, sizeof buf) == 0)
		return buf;
	/* a peer given by name: the address of the default route (TEST-NET-1 is never sent to) */
	if (sip_source_toward("192.0.2.1", buf, sizeof buf) == 0)
		return buf;
	return "127.0.0.1";
}
