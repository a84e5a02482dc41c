/* sip.h: the sip module's only public face: the module export and the helpers its tests use. */
#ifndef SB_SIP_H
#define SB_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "symbridge.h"

extern const struct sb_module sip_module;

/* ---- listening addresses (sip_text.c) ------------------------------------------------------ */

enum sip_proto { SIP_PROTO_UDP, SIP_PROTO_TCP, SIP_PROTO_TLS };

struct sip_listen {
	enum sip_proto proto;
	char host[64]; /* an IPv4 address, or an IPv6 one without brackets */
	int port;      /* 1..65535 */
};

/* Parse "udp:127.0.0.1:5060", "tcp:[::1]:5060", "tls:0.0.0.0:5061" (port optional: 5060, or
 * 5061 for tls). Returns 0 or -EINVAL with a reason in why (may be NULL). */
int sip_listen_parse(const char *s, struct sip_listen *out, const char **why);
/* The sofia-sip URL that binds it: "sip:H:P;transport=udp", "sips:H:P;transport=tls". */
int sip_listen_url(const struct sip_listen *l, char *buf, size_t len);
const char *sip_proto_name(enum sip_proto p);
/* The two URLs sofia-sip binds for a sip.listen list: plain (udp/tcp) and tls, "" when none.
 * Returns 0 or -EINVAL with the reason in why. */
int sip_listen_urls(const struct sb_strlist *listen, char *plain, size_t plen, char *tls,
		    size_t tlen, const char **why);

/* ---- addresses (sip_text.c) ----------------------------------------------------------------- */

/* The host of a SIP URL ("sip:u@h:p;x"), a name-addr ("<sips:[::1]:5061>") or a bare "host:port";
 * IPv6 without brackets. 0, or -1 when there is none or it does not fit. */
int sip_host_of(const char *s, char *out, size_t len);
/* The local address of socket fd, as text: 0 or -1. */
int sip_local_name(int fd, char *out, size_t len);
/* The local address this host sends from to reach host (a numeric address; nothing is sent):
 * 0, or -1 (a name, no route). */
int sip_source_toward(const char *host, char *out, size_t len);

/* ---- retry timing (sip_text.c) --------------------------------------------------------------- */

/* Delay before retry number `failures` (1 = first retry): min_ms * 2^(failures-1) capped at
 * max_ms, then "equal jitter": a uniform value in [d/2, d]. rnd is a uniform 32-bit random value. */
uint64_t sip_backoff_ms(unsigned failures, uint64_t min_ms, uint64_t max_ms, uint32_t rnd);
/* When to refresh a registration granted for `expires` seconds: at 90 %, in ms (at least 1 s). */
uint64_t sip_refresh_ms(unsigned expires);

#endif
