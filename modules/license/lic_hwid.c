/* lic_hwid.c: this machine's identity: the hardware id license files are bound to (from
 * /etc/machine-id, else the first MAC address) and the MAC address IPVA licenses bind to. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lic_glue.h"

#ifndef LIC_MACHINE_ID
#define LIC_MACHINE_ID "/etc/machine-id"
#endif
#define LIC_NET_DIR "/sys/class/net"

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int rc = -ENOENT;

	if (!f)
		return -errno;
	if (fgets(buf, (int)len, f)) {
		buf[strcspn(buf, "\r\n")] = '\0';
		rc = buf[0] ? 0 : -ENOENT;
	}
	fclose(f);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first MAC address (by interface name) that is neither loopback nor all zeros; names are
 * sorted so that the answer does not depend on the kernel's directory order. */
int lic_mac_first(char *buf, size_t len)
{
	DIR *d = opendir(LIC_NET_DIR);
	char *names[256], path[512], mac[64];
	size_t n = 0;
	int rc = -ENOENT;
	struct dirent *e;

	if (!d)
		return -errno;
	while ((e = readdir(d)) && n < 256)
		if (e->d_name[0] != '.' && strcmp(e->d_name, "lo") != 0)
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof *names, name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (rc < 0 && names[i]) {
			snprintf(path, sizeof path, LIC_NET_DIR "/%s/address", names[i]);
			if (read_line(path, mac, sizeof mac) == 0 && strlen(mac) == 17 &&
			    strcmp(mac, "00:00:00:00:00:00") != 0) {
				snprintf(buf, len, "%s", mac);
				rc = 0;
			}
		}
		free(names[i]);
	}
	return rc;
}

int lic_hwid_derive(char *buf, size_t len, const char **sourcep)
{
	char id[128];

	if (read_line(LIC_MACHINE_ID, id, sizeof id) == 0 && strlen(id) == 32 &&
	    strspn(id, "0123456789abcdef") == 32) {
		snprintf(buf, len, "%s", id);
		*sourcep = LIC_MACHINE_ID;
		return 0;
	}
	if (lic_mac_first(buf, len) == 0) {
		*sourcep = "first MAC address";
		return 0;
	}
	return -ENOENT;
}
