/* sip_filter.c: banned addresses dropped by the kernel: a socket filter (classic BPF) on the local side's listening sockets. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define SB_MODULE "sip"
#include "sip_priv.h"

/* A flood from a banned address must cost nothing: sofia-sip would read, parse and keep a
 * transaction for every request before the module could refuse it. sofia-sip does not hand out
 * its sockets, so they are found once, after the stack bound them: the sockets of this process
 * whose local port is a sip.listen port (datagram, or a listening stream). Accepted TCP
 * connections inherit the filter of their listener. IPv4 and IPv6 sources (an IPv4-mapped IPv6
 * address is matched as the IPv4 packet it arrives in). */

#define MAX_SOCKS  8
#define MAX_BANNED 2000 /* addresses handed to the filter at most */
#define MAX_INSNS  4000 /* an IPv4 address costs 2 instructions, an IPv6 one 9: under
			 * BPF_MAXINSNS (4096); what does not fit is refused by the module */

static struct {
	int fd[MAX_SOCKS];
	size_t n;
	bool warned;
	uv_timer_t timer; /* the next ban to end: the filter is rebuilt without it */
	bool timer_on;
} flt;

static void expiry_cb(uv_timer_t *t)
{
	sip_filter_update();
}

static bool listen_port(int port)
{
	const struct sb_strlist *l = &sip.sc->listen;
	struct sip_listen sl;

	for (size_t i = 0; i < l->n; i++)
		if (sip_listen_parse(l->v[i], &sl, NULL) == 0 && sl.port == port)
			return true;
	return false;
}

void sip_filter_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	flt.n = 0;
	if (!d)
		return;
	while ((de = readdir(d)) && flt.n < MAX_SOCKS) {
		int fd = atoi(de->d_name), type = 0, acc = 0;
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss, tl = sizeof type, al = sizeof acc;
		struct stat st;

		if (fd <= 2 || fd == dirfd(d) || fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
			continue;
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6) ||
		    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0)
			continue;
		int port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
							 : ((struct sockaddr_in6 *)&ss)->sin6_port);
		if (type == SOCK_STREAM &&
		    (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &al) < 0 || !acc))
			continue;
		if ((type == SOCK_DGRAM || type == SOCK_STREAM) && listen_port(port))
			flt.fd[flt.n++] = fd;
	}
	closedir(d);
	log_debug("ban filter: %zu listening sockets found", flt.n);
	if (flt.n && !flt.timer_on) {
		uv_timer_init(sb_daemon_loop(), &flt.timer);
		flt.timer_on = true;
	}
}

/* The filter for the addresses banned now: for an IPv4 or IPv6 packet whose source is one of
 * them, drop; anything else passes. Offsets are from the network header (SKF_NET_OFF): the IPv4
 * source at 12, the IPv6 one at 8 (four words). Classic BPF's conditional jumps reach 255
 * instructions at most, so the IPv4 list is skipped with an unconditional jump (32 bits). */
#define INS(x) (struct sock_filter)x
static size_t build(struct sock_filter *prog, const uint32_t *a4, size_t n4,
		    const uint32_t (*a6)[4], size_t n6)
{
	size_t k = 0;

	prog[k++] = INS(BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SKF_NET_OFF + 0));
	prog[k++] = INS(BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0)); /* version nibble */
	prog[k++] = INS(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x40, 1, 0));
	prog[k++] = INS(BPF_STMT(BPF_JMP | BPF_JA, (uint32_t)(2 * n4 + 2))); /* not IPv4 */
	prog[k++] = INS(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF + 12));
	for (size_t i = 0; i < n4; i++) { /* equal: the next instruction drops; else skip it */
		prog[k++] = INS(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, a4[i], 0, 1));
		prog[k++] = INS(BPF_STMT(BPF_RET | BPF_K, 0));
	}
	prog[k++] = INS(BPF_STMT(BPF_RET | BPF_K, 0xffffffff));
	/* A still holds the version nibble */
	prog[k++] = INS(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x60, 1, 0));
	prog[k++] = INS(BPF_STMT(BPF_RET | BPF_K, 0xffffffff));
	for (size_t i = 0; i < n6; i++) /* a word that differs skips to the next address */
		for (int w = 0; w < 4; w++) {
			prog[k++] = INS(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF + 8 + 4 * w));
			prog[k++] = INS(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, a6[i][w], 0,
						 (uint8_t)(7 - 2 * w)));
			if (w == 3)
				prog[k++] = INS(BPF_STMT(BPF_RET | BPF_K, 0));
		}
	prog[k++] = INS(BPF_STMT(BPF_RET | BPF_K, 0xffffffff));
	return k;
}

void sip_filter_update(void)
{
	static const char *banned[MAX_BANNED];
	static struct sock_filter prog[MAX_INSNS + 16];
	static uint32_t a4[MAX_BANNED], a6[MAX_BANNED][4];
	uint64_t now = sip_now_ms(), next = sip_guard_next_end(now);
	size_t nb = sip_guard_banned(now, banned, MAX_BANNED), n4 = 0, n6 = 0, used = 0;
	struct sock_fprog fp;

	if (!flt.n)
		return;
	/* a ban that ends must leave the filter then: its packets would never reach us to say so */
	if (next)
		uv_timer_start(&flt.timer, expiry_cb, next - now, 0);
	else
		uv_timer_stop(&flt.timer);
	if (nb > MAX_BANNED)
		nb = MAX_BANNED; /* the rest are refused by the module */
	for (size_t i = 0; i < nb; i++) {
		struct in_addr in;
		struct in6_addr in6;
		if (inet_pton(AF_INET, banned[i], &in) == 1 && used + 2 <= MAX_INSNS) {
			a4[n4++] = ntohl(in.s_addr);
			used += 2;
		} else if (inet_pton(AF_INET6, banned[i], &in6) == 1) {
			if (IN6_IS_ADDR_V4MAPPED(&in6) && used + 2 <= MAX_INSNS) {
				memcpy(&in.s_addr, &in6.s6_addr[12], 4);
				a4[n4++] = ntohl(in.s_addr);
				used += 2;
			} else if (!IN6_IS_ADDR_V4MAPPED(&in6) && used + 9 <= MAX_INSNS) {
				for (int w = 0; w < 4; w++) {
					uint32_t v;
					memcpy(&v, &in6.s6_addr[4 * w], 4);
					a6[n6][w] = ntohl(v);
				}
				n6++;
				used += 9;
			}
		}
	}
	fp.len = (unsigned short)build(prog, a4, n4, (const uint32_t(*)[4])a6, n6);
	fp.filter = prog;
	for (size_t i = 0; i < flt.n; i++) {
		int zero = 0; /* the kernel wants an int's worth of option even to detach */
		int rc = n4 + n6 ? setsockopt(flt.fd[i], SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof fp)
				 : setsockopt(flt.fd[i], SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof zero);
		if (rc < 0 && errno != ENOENT && !flt.warned) {
			flt.warned = true;
			log_warn("cannot install the ban filter on a SIP socket: %s (banned "
				 "addresses are dropped after parsing instead)",
				 strerror(errno));
		}
	}
}

void sip_filter_close(void)
{
	if (flt.timer_on)
		uv_close((uv_handle_t *)&flt.timer, NULL);
	flt.timer_on = false;
	flt.n = 0;
}
