/* lic_kinds.c: the license kinds, their names in license files, and software versions. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lic_rules.h"

#define HW LIC_KF_HARDWARE
#define PU LIC_KF_PER_USER
#define NV LIC_KF_VERSIONLESS

/* Indexed by enum lic_kind. base is how the kind starts in a file (NULL: derived from another
 * kind's base by its suffix, see lic_item_parse_name). */
static const struct lic_kind_info kinds[LIC_KIND_MAX] = {
	[LIC_PORT] = { "PBX-Port", "PBX-Port", 0, 0, "one per user with a device, one per trunk" },
	[LIC_SMB_PORT] = { "SMB-Port", "Port", 0, 0, "SMB Ports: 20, 30 or 50, never with Port" },
	[LIC_SMB_UPGRADE] = { "SMB-Upgrade", NULL, 0, 0, "lets SMB Ports combine with Ports" },
	[LIC_STANDBY] = { "PBX-Standby", "PBX-Standby", 0, 0, "standby nodes; covers every Port" },
	[LIC_IPVA] = { "PBX-IPVA", "PBX-IPVA", 0, 0, "a virtual appliance: one per Port in use" },
	[LIC_UC] = { "PBX-UC", "PBX-UC", PU, 0, "per user: all UC apps in one" },
	[LIC_VIDEO] = { "PBX-Video", "PBX-Video", PU, 0, "per user" },
	[LIC_APPSHARING] = { "PBX-AppSharing", "PBX-AppSharing", PU, 0, "per user" },
	[LIC_VOICEMAIL] = { "PBX-VoicemailUser", "PBX-VoicemailUser", PU, LIC_SW(10, 0, 0),
			    "per user" },
	[LIC_MOBILITY] = { "PBX-Mobility", "PBX-Mobility", PU, 0, "per user" },
	[LIC_REPORTING] = { "PBX-Reporting", "PBX-Reporting", PU, 0, "per user" },
	[LIC_RECORDING] = { "Recording", "Recording", PU, 0,
			    "per system, includes one recorded user" },
	[LIC_RECORDING_USER] = { "Recording%1", NULL, PU, 0, "per further recorded user" },
	[LIC_APP_PHONE] = { "App(phone)", "App(phone)", PU, 0, "per user" },
	[LIC_APP_SOFTPHONE] = { "App(softphone)", "App(softphone)", PU, 0,
				"per user, needs the Phone App" },
	[LIC_FAX] = { "Fax", "Fax", PU, 0, "per user" },
	[LIC_APP_CHAT] = { "App(chat)", "App(chat)", PU, 0, "per user" },
	[LIC_APP_CONFERENCE] = { "App(innovaphone-pbx-conference)",
				 "App(innovaphone-pbx-conference)", PU, 0, "per user" },
	[LIC_OPERATOR] = { "PBX-Operator", "PBX-Operator", 0, 0, "per running operator session" },
	[LIC_QUEUE_MONITOR] = { "PBX-QueueMonitor", "PBX-QueueMonitor", 0, LIC_SW(9, 0, 0),
				"per monitored queue" },
	[LIC_RELAY_BRIS] = { "Relay-BRIs", "Relay-BRIs", HW, 0, "per BRI interface" },
	[LIC_RELAY_PRIS] = { "Relay-PRIs", "Relay-PRIs", HW, 0, "per PRI interface" },
	[LIC_RELAY_CHANNELS] = { "Relay-Channels", "Relay-Channels", HW, 0,
				 "per B-channel or conference channel in use" },
	[LIC_SYM_BRIDGE] = { "L-SYM-BRIDGE", "L-SYM-BRIDGE", NV, LIC_SW(11, 1, 6),
			     "per sym-bridge card" },
	[LIC_SIS] = { "L-SIS-11", "L-SIS-11", NV, LIC_SW(11, 1, 6), "the bridge role" },
	[LIC_SIS32] = { "L-SIS32-11", "L-SIS32-11", NV, LIC_SW(11, 1, 6), "the bridge role" },
	[LIC_RCC] = { "RCC", NULL, PU | LIC_KF_NOLICENSE, 0, "needs the Phone App" },
};

const struct lic_kind_info *lic_kind_info(enum lic_kind k)
{
	return (unsigned)k < LIC_KIND_MAX ? &kinds[k] : NULL;
}

int lic_kind_find(const char *name, enum lic_kind *kp)
{
	for (int k = 0; k < LIC_KIND_MAX; k++) {
		const char *n = kinds[k].name;
		/* "Port", "UC", "Standby": the PBX- prefix may be left out */
		if (strcasecmp(name, n) == 0 ||
		    (strncmp(n, "PBX-", 4) == 0 && strcasecmp(name, n + 4) == 0)) {
			*kp = (enum lic_kind)k;
			return 0;
		}
	}
	return -ENOENT;
}

int lic_sw_parse(const char *s, unsigned *swp)
{
	unsigned part[3] = { 0, 0, 0 };
	int n = 0;

	while (n < 3) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		unsigned v = 0;
		int digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 3)
			v = v * 10 + (unsigned)(*s++ - '0'), digits++;
		if (*s >= '0' && *s <= '9')
			return -EINVAL;
		if (v > (n == 0 ? 999u : 99u))
			return -EINVAL;
		part[n++] = v;
		if (*s == '\0')
			break;
		if (*s++ != '.')
			return -EINVAL;
	}
	if (*s || part[0] == 0)
		return -EINVAL;
	*swp = LIC_SW(part[0], part[1], part[2]);
	return 0;
}

void lic_sw_format(unsigned sw, char *buf, size_t len)
{
	if (sw % 100)
		snprintf(buf, len, "%u.%u.%u", sw / 10000, sw / 100 % 100, sw % 100);
	else
		snprintf(buf, len, "%u.%u", sw / 10000, sw / 100 % 100);
}

/* the longest kind base that name starts with */
static int base_match(const char *name, size_t *lenp)
{
	int best = -1;
	size_t bestlen = 0;

	for (int k = 0; k < LIC_KIND_MAX; k++) {
		const char *b = kinds[k].base;
		size_t bl = b ? strlen(b) : 0;
		if (b && bl > bestlen && strncmp(name, b, bl) == 0) {
			best = k;
			bestlen = bl;
		}
	}
	*lenp = bestlen;
	return best;
}

static bool suffix_in(const char *s, const char *const *list, unsigned *valp)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(s, list[i]) == 0) {
			*valp = (unsigned)strtoul(s + 1, NULL, 10);
			return true;
		}
	return false;
}

int lic_item_parse_name(const char *name, struct lic_item *it, char *why, size_t wlen)
{
	static const char *const port_tiers[] = { "%500", "%1000", "%2000", "%5000", NULL };
	static const char *const smb_sizes[] = { "$20", "$30", "$50", NULL };
	struct lic_item out = { .count = 0 };
	size_t bl;
	int k = base_match(name, &bl);
	const char *p = name + bl;

	if (k < 0) {
		snprintf(why, wlen, "unknown license \"%.64s\"", name);
		return -EINVAL;
	}
	out.kind = (enum lic_kind)k;
	if (kinds[k].flags & (LIC_KF_HARDWARE | LIC_KF_VERSIONLESS)) {
		if (*p) {
			snprintf(why, wlen, "%s has no version or suffix, found \"%.32s\"",
				 kinds[k].name, p);
			return -EINVAL;
		}
		*it = out;
		return 0;
	}
	unsigned v = 0;
	int digits = 0;
	while (*p >= '0' && *p <= '9' && digits < 4)
		v = v * 10 + (unsigned)(*p++ - '0'), digits++;
	if (digits == 0 || digits > 3 || v == 0) {
		snprintf(why, wlen, "%s needs a version after the name (e.g. %s13)", kinds[k].name,
			 kinds[k].base);
		return -EINVAL;
	}
	out.version = v;
	if (k == LIC_PORT && *p) {
		if (!suffix_in(p, port_tiers, &out.tier)) {
			snprintf(why, wlen,
				 "PBX-Port tier \"%.16s\" unknown (%%500, %%1000, %%2000, "
				 "%%5000)",
				 p);
			return -EINVAL;
		}
	} else if (k == LIC_SMB_PORT) {
		if (strcmp(p, "$$") == 0)
			out.kind = LIC_SMB_UPGRADE;
		else if (!suffix_in(p, smb_sizes, &out.tier)) {
			snprintf(why, wlen, "SMB Port size \"%.16s\" unknown ($20, $30, $50, $$)",
				 p);
			return -EINVAL;
		}
	} else if (k == LIC_RECORDING && *p) {
		if (strcmp(p, "%1") != 0) {
			snprintf(why, wlen, "Recording suffix \"%.16s\" unknown (%%1)", p);
			return -EINVAL;
		}
		out.kind = LIC_RECORDING_USER;
	} else if (*p) {
		snprintf(why, wlen, "%s takes no suffix, found \"%.16s\"", kinds[k].name, p);
		return -EINVAL;
	}
	*it = out;
	return 0;
}

void lic_item_format_name(const struct lic_item *it, char *buf, size_t len)
{
	const struct lic_kind_info *ki = lic_kind_info(it->kind);

	switch (it->kind) {
	case LIC_SMB_PORT: snprintf(buf, len, "Port%u$%u", it->version, it->tier); break;
	case LIC_SMB_UPGRADE: snprintf(buf, len, "Port%u$$", it->version); break;
	case LIC_RECORDING_USER: snprintf(buf, len, "Recording%u%%1", it->version); break;
	case LIC_PORT:
		if (it->tier) {
			snprintf(buf, len, "PBX-Port%u%%%u", it->version, it->tier);
			break;
		}
		/* fall through */
	default:
		if (ki->flags & (LIC_KF_HARDWARE | LIC_KF_VERSIONLESS))
			snprintf(buf, len, "%s", ki->base);
		else
			snprintf(buf, len, "%s%u", ki->base, it->version);
	}
}
