/* lic_hwid.c: this machine's identity: the hardware id license files are bound to (from
 * /etc/machine-id, else the DMI product UUID, else the first permanent MAC address), the test
 * override, and the MAC address IPVA licenses bind to. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lic_glue.h"

#ifndef LIC_MACHINE_ID
#define LIC_MACHINE_ID "/etc/machine-id"
#endif
#define LIC_DMI_UUID "/sys/class/dmi/id/product_uuid"
#define LIC_NET_DIR  "/sys/class/net"

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

/* The address of interface name, when it is a usable MAC: 17 characters, not all zeros, and
 * (when permanent_only) burnt in: addr_assign_type 0, not random or set by software, which
 * bridges, veth pairs and containers' interfaces are. */
static bool mac_of(const char *name, bool permanent_only, char *mac, size_t len)
{
	char path[512], type[8];

	snprintf(path, sizeof path, LIC_NET_DIR "/%s/address", name);
	if (read_line(path, mac, len) < 0 || strlen(mac) != 17 ||
	    strcmp(mac, "00:00:00:00:00:00") == 0)
		return false;
	if (!permanent_only)
		return true;
	snprintf(path, sizeof path, LIC_NET_DIR "/%s/addr_assign_type", name);
	return read_line(path, type, sizeof type) == 0 && strcmp(type, "0") == 0;
}

/* The first MAC address by interface name, loopback left out; names are sorted so that the
 * answer does not depend on the kernel's directory order. Pass 0 takes permanent addresses
 * only, pass 1 (when passes is 2) any. */
static int mac_scan(char *buf, size_t len, int passes)
{
	DIR *d = opendir(LIC_NET_DIR);
	char *names[256], mac[64];
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
	for (int pass = 0; pass < passes && rc < 0; pass++)
		for (size_t i = 0; i < n && rc < 0; i++)
			if (names[i] && mac_of(names[i], pass == 0, mac, sizeof mac)) {
				snprintf(buf, len, "%s", mac);
				rc = 0;
			}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return rc;
}

/* What IPVA licenses bind to: the first permanent MAC address, else the first at all. */
int lic_mac_first(char *buf, size_t len)
{
	return mac_scan(buf, len, 2);
}

/* what a license file's hardware-id line may hold */
static const char hwid_chars[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:._-";

bool lic_hwid_valid(const char *id)
{
	size_t n = strlen(id);
	return n >= 1 && n <= 128 && strspn(id, hwid_chars) == n;
}

/* In this order: /etc/machine-id (32 hex digits), the DMI product UUID (readable by root only;
 * lower-cased), the first permanent MAC address by interface name. */
int lic_hwid_derive(char *buf, size_t len, const char **sourcep)
{
	char id[128];

	if (read_line(LIC_MACHINE_ID, id, sizeof id) == 0 && strlen(id) == 32 &&
	    strspn(id, "0123456789abcdef") == 32) {
		snprintf(buf, len, "%s", id);
		*sourcep = LIC_MACHINE_ID;
		return 0;
	}
	if (read_line(LIC_DMI_UUID, id, sizeof id) == 0 && strlen(id) == 36 &&
	    strspn(id, "0123456789abcdefABCDEF-") == 36) {
		for (char *p = id; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		snprintf(buf, len, "%s", id);
		*sourcep = LIC_DMI_UUID;
		return 0;
	}
	if (mac_scan(buf, len, 1) == 0) {
		*sourcep = "first permanent MAC address";
		return 0;
	}
	return -ENOENT;
}

/* The test override: honoured only for ids that start with LIC_TEST_HWID_PREFIX, which the
 * vendor's tool never signs for (without --test), so no file for a real machine can be claimed
 * with it. 1: in use (*idp set), 0: not set (or empty), -EINVAL: set but refused. */
int lic_hwid_test(const char **idp)
{
	const char *t = getenv(LIC_TEST_HWID_ENV);

	if (!t || !*t)
		return 0;
	if (strncmp(t, LIC_TEST_HWID_PREFIX, strlen(LIC_TEST_HWID_PREFIX)) != 0 ||
	    !lic_hwid_valid(t))
		return -EINVAL;
	*idp = t;
	return 1;
}
