/* sip_metrics.c: the sip module's metrics: registrations, links, the cloud link and its certificate's expiry. */
#include "config.h"

#include <errno.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define SB_MODULE "sip"
#include "sip_cloud.h"

/* The device certificate's notAfter, read again only when the file changes (its path, size or
 * mtime), so a scrape costs one stat(). 0 when it cannot be read. */
static struct {
	char path[512];
	struct timespec mtime;
	off_t size;
	double not_after;
} cert;

static double cert_not_after(const char *path)
{
	struct stat st;
	X509 *x = NULL;
	FILE *f;
	int days, secs;

	if (!path || stat(path, &st) < 0)
		return 0;
	if (strcmp(cert.path, path) == 0 && cert.size == st.st_size &&
	    cert.mtime.tv_sec == st.st_mtim.tv_sec && cert.mtime.tv_nsec == st.st_mtim.tv_nsec)
		return cert.not_after;
	snprintf(cert.path, sizeof cert.path, "%s", path);
	cert.mtime = st.st_mtim;
	cert.size = st.st_size;
	cert.not_after = 0;
	if (!(f = fopen(path, "r")))
		return 0;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	/* notAfter as seconds since the epoch: its distance from the epoch, as OpenSSL counts it */
	if (x && ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(x)))
		cert.not_after = (double)time(NULL) + (double)days * 86400 + secs;
	X509_free(x);
	return cert.not_after;
}

void sip_metrics(struct sb_metrics *m)
{
	static const char *const states[] = { "off", "registering", "registered", "backoff" };
	const struct sb_conf *conf = sb_daemon_conf();
	size_t n, nreg = 0;
	double na;
	int st;

	sip_reg_bindings(sip_now_ms(), &n);
	sb_metric_family(m, "symbridge_station_registrations", SB_METRIC_GAUGE,
			 "SIP stations' registered contacts now (show registrations)");
	sb_metric_sample(m, (double)n, NULL);
	sb_metric_family(m, "symbridge_stations", SB_METRIC_GAUGE, "SIP stations configured");
	sb_metric_sample(m, conf ? (double)conf->stations.n : 0, NULL);
	sip_link_metrics(m);

	st = sip.cloud && cl.timers ? (int)cl.state : CLOUD_OFF;
	sb_metric_family(m, "symbridge_cloud_state", SB_METRIC_GAUGE,
			 "the cloud link's state: 1 for the state it is in (show cloud)");
	for (int i = 0; i < 4; i++)
		sb_metric_sample(m, st == i, "state", states[i], NULL);
	for (size_t i = 0; i < cl.nregs; i++)
		nreg += cl.regs[i]->registered;
	sb_metric_family(m, "symbridge_cloud_identities", SB_METRIC_GAUGE,
			 "identities the appliance registers at the cloud, by whether they are now");
	sb_metric_sample(m, (double)nreg, "registered", "yes", NULL);
	sb_metric_sample(m, (double)(cl.nregs - nreg), "registered", "no", NULL);
	sb_metric_family(m, "symbridge_cloud_connection_losses_total", SB_METRIC_COUNTER,
			 "times the TLS connection to the cloud was lost since the start");
	sb_metric_sample(m, (double)cl.connection_losses, NULL);
	na = conf && conf->cloud.enabled ? cert_not_after(conf->cloud.tls.cert_file) : 0;
	if (na > 0) {
		sb_metric_family(m, "symbridge_cloud_certificate_expiry_timestamp_seconds",
				 SB_METRIC_GAUGE,
				 "when the cloud device certificate (cloud.tls.cert_file) expires, "
				 "in seconds since the epoch");
		sb_metric_sample(m, na, NULL);
	}
}
