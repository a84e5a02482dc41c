/* metrics.h: the metrics module's parts: the HTTP endpoint on the main loop and its address parser. */
#ifndef SB_METRICS_H
#define SB_METRICS_H

#include <sys/socket.h>

struct sb_metrics;

/* "IPv4:port" or "[IPv6]:port", port 1..65535, no host names: 0 or -EINVAL */
int metrics_parse_listen(const char *s, struct sockaddr_storage *ss);
/* open the endpoint on listen (0, or a negative errno, logged) */
int metrics_http_start(const char *listen);
void metrics_http_stop(void); /* NULL-safe: nothing open is fine */
const char *metrics_http_listening(void); /* the address open now, NULL: none */
/* the endpoint's own families (scrapes served) */
void metrics_http_metrics(struct sb_metrics *m);

#endif
