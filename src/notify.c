/* notify.c: tell systemd (Type=notify) that the daemon is ready, by the sd_notify datagram protocol. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

/* The protocol is one datagram of "KEY=VALUE\n" lines on an AF_UNIX socket whose path is in
 * $NOTIFY_SOCKET; a leading '@' names an abstract socket. libsystemd does the same in
 * sd_notify(); a dozen lines here spare the daemon a library dependency. */
int sb__notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t salen;
	size_t plen;
	ssize_t n;
	int fd, rc = 0;

	if (!path || !path[0])
		return 0;
	plen = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || plen >= sizeof sa.sun_path) {
		rc = -EINVAL;
		goto out;
	}
	memcpy(sa.sun_path, path, plen);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	/* an abstract name is exactly plen bytes long, with no terminating NUL counted */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen + (path[0] == '/'));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
		rc = -errno;
		goto out;
	}
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != strlen(state))
		rc = -EMSGSIZE;
	close(fd);
out:
	unsetenv("NOTIFY_SOCKET");
	return rc;
}
