/* test_license_rules.c: every numbered rule of the license guide (issue 3), one test each, plus
 * the guide's examples, against the pure rule engine. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lic_rules.h"

/* a node running software sw ("13.0") in a mode */
static struct lic_node *node(const char *sw, enum lic_mode mode, struct lic_node *master)
{
	struct lic_node_conf c = { .name = master ? "slave" : "pbx",
				   .mode = mode,
				   .machine_id = "02:00:00:00:00:01",
				   .master = master };
	struct lic_node *n;
	assert_int_equal(lic_sw_parse(sw, &c.sw), 0);
	assert_int_equal(lic_node_alloc(&n, &c), 0);
	return n;
}

/* install one set: "PBX-Port13 100, Relay-PRIs 2" */
static void install(struct lic_node *n, const char *id, const char *spec)
{
	struct lic_item items[16];
	size_t ni = 0;
	char buf[512], why[128], *save = NULL;

	snprintf(buf, sizeof buf, "%s", spec);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char name[64];
		unsigned count;
		assert_int_equal(sscanf(tok, " %63s %u", name, &count), 2);
		if (lic_item_parse_name(name, &items[ni], why, sizeof why) < 0)
			fail_msg("%s: %s", name, why);
		items[ni++].count = count;
	}
	assert_int_equal(lic_node_install(n, id, items, ni), 0);
}

static struct lic_owner own(enum lic_owner_type t, const char *id, const char *holder)
{
	return (struct lic_owner){ .type = t, .id = id, .holder = holder };
}

/* acquire and return the reason; ok -> "ok" */
static const char *take(struct lic_node *n, enum lic_owner_type t, const char *id,
			const char *holder, enum lic_kind k)
{
	struct lic_decision d;
	struct lic_owner o = own(t, id, holder);
	assert_int_equal(lic_acquire(n, &o, k, 0, &d), 0);
	return d.reason;
}

static const char *give(struct lic_node *n, enum lic_owner_type t, const char *id,
			const char *holder, enum lic_kind k)
{
	struct lic_decision d;
	struct lic_owner o = own(t, id, holder);
	assert_int_equal(lic_release(n, &o, k, &d), 0);
	return d.reason;
}

static unsigned in_use(struct lic_node *n, enum lic_kind k)
{
	struct lic_status st;
	assert_int_equal(lic_status(n, k, &st), 0);
	return st.in_use;
}

static unsigned usable_free(struct lic_node *n, enum lic_kind k)
{
	struct lic_status st;
	assert_int_equal(lic_status(n, k, &st), 0);
	return st.usable ? st.free : 0;
}

static const char *state(struct lic_node *n, enum lic_kind k)
{
	static struct lic_status st;
	assert_int_equal(lic_status(n, k, &st), 0);
	return st.reason;
}

/* check without taking: the reason for count more */
static const char *would(struct lic_node *n, enum lic_kind k, unsigned count)
{
	static struct lic_decision d;
	assert_int_equal(lic_check(n, NULL, k, count, &d), 0);
	return d.reason;
}

/* take n Ports for users u0..u(n-1), each with one device; returns how many were granted */
static unsigned take_users(struct lic_node *nd, unsigned n, const char *prefix)
{
	unsigned ok = 0;
	char id[32];
	for (unsigned i = 0; i < n; i++) {
		snprintf(id, sizeof id, "%s%u", prefix, i);
		ok += strcmp(take(nd, LIC_OWN_USER, id, "phone", LIC_PORT), "ok") == 0;
	}
	return ok;
}

static void test_names_and_tiers(void **state_)
{
	struct lic_item it;
	char why[128], buf[64];

	assert_int_equal(lic_item_parse_name("PBX-Port13%500", &it, why, sizeof why), 0);
	assert_int_equal(it.kind, LIC_PORT);
	assert_int_equal(it.version, 13);
	assert_int_equal(it.tier, 500);
	assert_int_equal(lic_item_parse_name("Port13$30", &it, why, sizeof why), 0);
	assert_int_equal(it.kind, LIC_SMB_PORT);
	assert_int_equal(it.tier, 30);
	assert_int_equal(lic_item_parse_name("Port13$$", &it, why, sizeof why), 0);
	assert_int_equal(it.kind, LIC_SMB_UPGRADE);
	assert_int_equal(lic_item_parse_name("Recording13%1", &it, why, sizeof why), 0);
	assert_int_equal(it.kind, LIC_RECORDING_USER);
	assert_int_equal(lic_item_parse_name("App(softphone)13", &it, why, sizeof why), 0);
	assert_int_equal(it.kind, LIC_APP_SOFTPHONE);
	assert_int_equal(lic_item_parse_name("Relay-PRIs", &it, why, sizeof why), 0);
	assert_int_equal(it.version, 0);
	assert_int_equal(lic_item_parse_name("L-SIS32-11", &it, why, sizeof why), 0);
	assert_int_equal(it.kind, LIC_SIS32);
	lic_item_format_name(&(struct lic_item){ .kind = LIC_PORT, .version = 13, .tier = 2000 },
			     buf, sizeof buf);
	assert_string_equal(buf, "PBX-Port13%2000");
	assert_int_equal(lic_item_parse_name("PBX-Port13%600", &it, why, sizeof why), -EINVAL);
	assert_non_null(strstr(why, "tier"));
	assert_int_equal(lic_item_parse_name("Port13$40", &it, why, sizeof why), -EINVAL);
	assert_int_equal(lic_item_parse_name("PBX-Port", &it, why, sizeof why), -EINVAL);
	assert_non_null(strstr(why, "version"));
	assert_int_equal(lic_item_parse_name("Relay-PRIs13", &it, why, sizeof why), -EINVAL);
	assert_int_equal(lic_item_parse_name("PBX-Nothing13", &it, why, sizeof why), -EINVAL);
}

/* Rule 1: "a license runs software of its own version or lower. If any installed license of a
 * kind is older than the running software version, that whole kind is unusable (the lowest
 * version governs the installation) until the old licenses are removed." */
static void test_rule1_version_gating(void **state_)
{
	struct lic_node *n = node("13.0", LIC_MODE_SINGLE, NULL);

	install(n, "v13", "PBX-Port13 10, Relay-PRIs 1");
	assert_string_equal(take(n, LIC_OWN_USER, "a", "p", LIC_PORT), "ok");
	install(n, "v12", "PBX-Port12%500 5");
	/* an older license makes the whole kind unusable, even the V13 ones */
	assert_string_equal(state(n, LIC_PORT), "version-gated");
	assert_string_equal(take(n, LIC_OWN_USER, "b", "p", LIC_PORT), "version-gated");
	assert_string_equal(would(n, LIC_PORT, 1), "version-gated");
	/* hardware licenses have no version: untouched */
	assert_string_equal(take(n, LIC_OWN_CARD, "pri1", NULL, LIC_RELAY_PRIS), "ok");
	assert_int_equal(lic_node_remove(n, "v12"), 0);
	assert_string_equal(take(n, LIC_OWN_USER, "b", "p", LIC_PORT), "ok");
	assert_int_equal(in_use(n, LIC_PORT), 2);
	lic_node_free(n);
}

/* The guide's example: "100 V11 Port + 100 V13 Port run V11 software with 200 Ports; on V13
 * software no Port is usable; remove the V11 ones and the 100 V13 Ports work." */
static void test_guide_example_v11_v13_ports(void **state_)
{
	struct lic_node *v11 = node("11.0", LIC_MODE_SINGLE, NULL);
	struct lic_node *v13 = node("13.0", LIC_MODE_SINGLE, NULL);

	install(v11, "a", "PBX-Port11 100");
	install(v11, "b", "PBX-Port13 100");
	assert_int_equal(usable_free(v11, LIC_PORT), 200);
	assert_int_equal(take_users(v11, 201, "u"), 200);
	assert_string_equal(take(v11, LIC_OWN_USER, "x", "p", LIC_PORT), "exhausted");

	install(v13, "a", "PBX-Port11 100");
	install(v13, "b", "PBX-Port13 100");
	assert_int_equal(usable_free(v13, LIC_PORT), 0);
	assert_int_equal(take_users(v13, 1, "u"), 0);
	assert_string_equal(take(v13, LIC_OWN_USER, "u0", "p", LIC_PORT), "version-gated");
	assert_int_equal(lic_node_remove(v13, "a"), 0);
	assert_int_equal(usable_free(v13, LIC_PORT), 100);
	assert_int_equal(take_users(v13, 101, "u"), 100);
	lic_node_free(v11);
	lic_node_free(v13);
}

/* The guide's example: "V13 Voicemail User cannot run on V9 or older software." */
static void test_guide_example_voicemail_v13_not_on_v9(void **state_)
{
	struct lic_node *v9 = node("9.0", LIC_MODE_SINGLE, NULL);
	struct lic_node *v13 = node("13.0", LIC_MODE_SINGLE, NULL);

	install(v9, "a", "PBX-VoicemailUser13 10");
	install(v13, "a", "PBX-VoicemailUser13 10");
	assert_string_equal(take(v9, LIC_OWN_USER, "alice", NULL, LIC_VOICEMAIL),
			    "software-too-old");
	assert_string_equal(state(v9, LIC_VOICEMAIL), "software-too-old");
	assert_string_equal(take(v13, LIC_OWN_USER, "alice", NULL, LIC_VOICEMAIL), "ok");
	lic_node_free(v9);
	lic_node_free(v13);
}

/* Rule 2: "one Port per user (User/Executive) that has at least one registered device, and one
 * per trunk (PRI/BRI span, intercom link, SIP trunk) whatever its channel count. Taken when the
 * first device of that user registers (or the trunk comes up), released when the last one goes.
 * Group numbers and waiting queues take none. A user with a DECT and a desk phone takes one." */
static void test_rule2_port_floating(void **state_)
{
	struct lic_node *n = node("13.0", LIC_MODE_SINGLE, NULL);
	struct lic_decision d;

	install(n, "a", "PBX-Port13 3");
	assert_string_equal(take(n, LIC_OWN_USER, "alice", "dect", LIC_PORT), "ok");
	assert_string_equal(take(n, LIC_OWN_USER, "alice", "desk", LIC_PORT), "ok");
	assert_string_equal(take(n, LIC_OWN_USER, "alice", "desk", LIC_PORT), "ok"); /* again */
	assert_int_equal(in_use(n, LIC_PORT), 1);
	/* a PRI with 30 channels takes one, so does a link */
	assert_string_equal(take(n, LIC_OWN_TRUNK, "pri-1", NULL, LIC_PORT), "ok");
	assert_int_equal(in_use(n, LIC_PORT), 2);
	assert_string_equal(take(n, LIC_OWN_GROUP, "doors", NULL, LIC_PORT), "not-needed");
	assert_string_equal(take(n, LIC_OWN_QUEUE, "hotline", NULL, LIC_PORT), "not-needed");
	assert_int_equal(in_use(n, LIC_PORT), 2);
	/* the DECT goes: alice keeps her Port; the desk phone goes: released */
	assert_string_equal(give(n, LIC_OWN_USER, "alice", "dect", LIC_PORT), "ok");
	assert_int_equal(in_use(n, LIC_PORT), 2);
	struct lic_owner o = own(LIC_OWN_USER, "alice", "desk");
	assert_int_equal(lic_release(n, &o, LIC_PORT, &d), 0);
	assert_true(d.ok);
	assert_int_equal(d.taken, 1);
	assert_int_equal(in_use(n, LIC_PORT), 1);
	assert_string_equal(give(n, LIC_OWN_USER, "alice", "desk", LIC_PORT), "not-held");
	assert_string_equal(take(n, LIC_OWN_TRUNK, "link-1", NULL, LIC_PORT), "ok");
	assert_string_equal(take(n, LIC_OWN_USER, "bob", "phone", LIC_PORT), "ok");
	assert_string_equal(take(n, LIC_OWN_USER, "carol", "phone", LIC_PORT), "exhausted");
	/* a card does not take a Port */
	assert_string_equal(take(n, LIC_OWN_CARD, "1", NULL, LIC_PORT), "wrong-owner");
	lic_node_free(n);
}

/* Rule 3: "Standby: usable only if installed Standby count >= installed Port count; installed on
 * the master even when used by slave/standby nodes; never together with SMB-Port." */
static void test_rule3_standby(void **state_)
{
	struct lic_node *m = node("13.0", LIC_MODE_MASTER, NULL);
	struct lic_node *s = node("13.0", LIC_MODE_SLAVE_DECENTRAL, m);
	struct lic_node *smb = node("13.0", LIC_MODE_SINGLE, NULL);

	install(m, "ports", "PBX-Port13 20");
	install(m, "sb", "PBX-Standby13 10");
	assert_string_equal(state(m, LIC_STANDBY), "standby-short");
	assert_string_equal(take(m, LIC_OWN_NODE, "standby-1", NULL, LIC_STANDBY), "standby-short");
	install(m, "sb2", "PBX-Standby13 10");
	assert_string_equal(take(m, LIC_OWN_NODE, "standby-1", NULL, LIC_STANDBY), "ok");
	/* a slave's standby is drawn from the master, even a decentralised one, even though the
	 * slave has Standby licenses of its own */
	install(s, "own", "PBX-Port13 5, PBX-Standby13 5");
	assert_string_equal(take(s, LIC_OWN_NODE, "standby-2", NULL, LIC_STANDBY), "ok");
	assert_int_equal(in_use(m, LIC_STANDBY), 2);
	/* never with SMB */
	install(smb, "smb", "Port13$20 1, PBX-Standby13 20");
	assert_string_equal(take(smb, LIC_OWN_NODE, "standby-1", NULL, LIC_STANDBY),
			    "smb-exclusive");
	lic_node_free(s);
	lic_node_free(m);
	lic_node_free(smb);
}

/* Rule 4: "on a virtual appliance every Port in use also takes an IPVA; IPVA count must cover
 * the Ports used; IPVA licenses are bound to the machine's MAC address and can never be released
 * or moved." */
static void test_rule4_ipva(void **state_)
{
	struct lic_node_conf c = { .name = "va",
				   .mode = LIC_MODE_SINGLE,
				   .sw = LIC_SW(13, 0, 0),
				   .virtual_appliance = true,
				   .machine_id = "02:00:00:00:00:aa" };
	struct lic_node *n, *moved;

	assert_int_equal(lic_node_alloc(&n, &c), 0);
	install(n, "ports", "PBX-Port13 10");
	assert_string_equal(take(n, LIC_OWN_USER, "a", "p", LIC_PORT), "ipva-short");
	install(n, "ipva", "PBX-IPVA13 2");
	assert_string_equal(take(n, LIC_OWN_USER, "a", "p", LIC_PORT), "ok");
	assert_string_equal(take(n, LIC_OWN_TRUNK, "t", NULL, LIC_PORT), "ok");
	assert_int_equal(in_use(n, LIC_IPVA), 2);
	assert_string_equal(take(n, LIC_OWN_USER, "b", "p", LIC_PORT), "ipva-short");
	assert_int_equal(in_use(n, LIC_PORT), 2);
	/* first use bound them to this machine: they can never be removed */
	assert_string_equal(lic_node_ipva_binding(n), "02:00:00:00:00:aa");
	assert_int_equal(lic_node_remove(n, "ipva"), -EPERM);
	/* a Port freed frees its IPVA use, the binding stays */
	assert_string_equal(give(n, LIC_OWN_TRUNK, "t", NULL, LIC_PORT), "ok");
	assert_int_equal(in_use(n, LIC_IPVA), 1);
	assert_string_equal(take(n, LIC_OWN_USER, "b", "p", LIC_PORT), "ok");
	lic_node_free(n);

	/* the same installation on another machine (moved VM): refused */
	c.machine_id = "02:00:00:00:00:bb";
	assert_int_equal(lic_node_alloc(&moved, &c), 0);
	install(moved, "ports", "PBX-Port13 10");
	install(moved, "ipva", "PBX-IPVA13 2");
	lic_node_set_ipva_binding(moved, "02:00:00:00:00:aa");
	assert_string_equal(take(moved, LIC_OWN_USER, "a", "p", LIC_PORT), "ipva-bound");
	assert_string_equal(state(moved, LIC_IPVA), "ipva-bound");
	lic_node_free(moved);
}

/* Rule 5: "SMB-Port: a special Port that cannot be combined with Port; sizes 20/30/50 within the
 * chosen version, not extensible beyond it except by the upgrade; never with Standby, never in
 * master-slave." */
static void test_rule5_smb_port(void **state_)
{
	struct lic_node *n = node("13.0", LIC_MODE_SINGLE, NULL);

	install(n, "smb", "Port13$20 1");
	assert_int_equal(usable_free(n, LIC_PORT), 20);
	assert_int_equal(take_users(n, 21, "u"), 20);
	assert_int_equal(in_use(n, LIC_SMB_PORT), 20);
	/* combined with Port: refused */
	install(n, "port", "PBX-Port13 10");
	assert_string_equal(take(n, LIC_OWN_USER, "x", "p", LIC_PORT), "smb-exclusive");
	assert_int_equal(lic_node_remove(n, "port"), 0);
	/* a second SMB size does not extend it */
	install(n, "smb2", "Port13$30 1");
	assert_string_equal(would(n, LIC_PORT, 1), "smb-not-extensible");
	/* the upgrade does, and lets Ports add on */
	install(n, "up", "Port13$$ 1, PBX-Port13 10");
	assert_string_equal(would(n, LIC_PORT, 1), "ok");
	assert_int_equal(usable_free(n, LIC_PORT), 40);
	lic_node_free(n);

	/* never in master-slave */
	struct lic_node *m = node("13.0", LIC_MODE_MASTER, NULL);
	install(m, "smb", "Port13$50 1");
	assert_string_equal(take(m, LIC_OWN_USER, "a", "p", LIC_PORT), "smb-exclusive");
	lic_node_free(m);
	/* versioned like Port */
	struct lic_node *v14 = node("14.0", LIC_MODE_SINGLE, NULL);
	install(v14, "smb", "Port13$50 1");
	assert_string_equal(would(v14, LIC_PORT, 1), "version-gated");
	lic_node_free(v14);
}

/* Rule 6: "Per-user licenses (not floating): UC and the app licenses are taken when the feature
 * is configured for a user, used or not. UC contains Phone App, Softphone App, Application
 * Sharing, Video, Voicemail User, Mobility and Fax and cannot be split across users. Phone App
 * is required for Softphone App, Video, Application Sharing and RCC. Recording needs one base
 * license per system (which includes one Recording user) plus one Recording user per further
 * recorded user." */
static void test_rule6_per_user(void **state_)
{
	struct lic_node *n = node("13.0", LIC_MODE_SINGLE, NULL);

	install(n, "a",
		"PBX-UC13 1, App(phone)13 1, App(softphone)13 1, PBX-Video13 5, "
		"Recording13 1, Recording13%1 1");
	/* taken when configured, no device needed; UC covers its apps for that user only */
	assert_string_equal(take(n, LIC_OWN_USER, "alice", NULL, LIC_UC), "ok");
	assert_string_equal(take(n, LIC_OWN_USER, "alice", NULL, LIC_VIDEO), "ok");
	assert_string_equal(take(n, LIC_OWN_USER, "alice", NULL, LIC_APP_SOFTPHONE), "ok");
	assert_int_equal(in_use(n, LIC_VIDEO), 0);
	assert_int_equal(in_use(n, LIC_APP_SOFTPHONE), 0);
	assert_string_equal(take(n, LIC_OWN_USER, "bob", NULL, LIC_UC), "exhausted");
	/* Phone App first */
	assert_string_equal(take(n, LIC_OWN_USER, "bob", NULL, LIC_APP_SOFTPHONE),
			    "requires-phone-app");
	assert_string_equal(take(n, LIC_OWN_USER, "bob", NULL, LIC_VIDEO), "requires-phone-app");
	assert_string_equal(take(n, LIC_OWN_USER, "bob", NULL, LIC_APPSHARING),
			    "requires-phone-app");
	assert_string_equal(take(n, LIC_OWN_USER, "bob", NULL, LIC_RCC), "requires-phone-app");
	assert_string_equal(take(n, LIC_OWN_USER, "bob", NULL, LIC_APP_PHONE), "ok");
	assert_string_equal(take(n, LIC_OWN_USER, "bob", NULL, LIC_APP_SOFTPHONE), "ok");
	assert_string_equal(take(n, LIC_OWN_USER, "bob", NULL, LIC_VIDEO), "ok");
	assert_string_equal(take(n, LIC_OWN_USER, "bob", NULL, LIC_RCC), "ok");
	assert_int_equal(in_use(n, LIC_VIDEO), 1);
	/* per user, not per device: a trunk cannot hold one */
	assert_string_equal(take(n, LIC_OWN_TRUNK, "t", NULL, LIC_VIDEO), "wrong-owner");
	/* recording: the base covers one user, Recording%1 each further one */
	assert_string_equal(take(n, LIC_OWN_USER, "alice", NULL, LIC_RECORDING), "ok");
	assert_string_equal(take(n, LIC_OWN_USER, "bob", NULL, LIC_RECORDING), "ok");
	assert_int_equal(in_use(n, LIC_RECORDING), 1);
	assert_int_equal(in_use(n, LIC_RECORDING_USER), 1);
	assert_string_equal(take(n, LIC_OWN_USER, "carol", NULL, LIC_RECORDING), "exhausted");
	/* what UC covers, or what needs the Phone App, has to go first */
	assert_string_equal(give(n, LIC_OWN_USER, "alice", NULL, LIC_UC), "uc-in-use");
	assert_string_equal(give(n, LIC_OWN_USER, "bob", NULL, LIC_APP_PHONE), "phone-app-in-use");
	assert_string_equal(give(n, LIC_OWN_USER, "bob", NULL, LIC_RCC), "ok");
	assert_string_equal(give(n, LIC_OWN_USER, "bob", NULL, LIC_VIDEO), "ok");
	assert_string_equal(give(n, LIC_OWN_USER, "bob", NULL, LIC_APP_PHONE), "phone-app-in-use");
	assert_string_equal(give(n, LIC_OWN_USER, "bob", NULL, LIC_APP_SOFTPHONE), "ok");
	assert_string_equal(give(n, LIC_OWN_USER, "bob", NULL, LIC_APP_PHONE), "ok");
	assert_string_equal(give(n, LIC_OWN_USER, "alice", NULL, LIC_VIDEO), "ok");
	assert_string_equal(give(n, LIC_OWN_USER, "alice", NULL, LIC_APP_SOFTPHONE), "ok");
	assert_string_equal(give(n, LIC_OWN_USER, "alice", NULL, LIC_UC), "ok");
	assert_int_equal(in_use(n, LIC_UC), 0);
	/* now bob can have the UC */
	assert_string_equal(take(n, LIC_OWN_USER, "bob", NULL, LIC_UC), "ok");
	lic_node_free(n);

	struct lic_node *nobase = node("13.0", LIC_MODE_SINGLE, NULL);
	install(nobase, "a", "Recording13%1 5");
	assert_string_equal(take(nobase, LIC_OWN_USER, "alice", NULL, LIC_RECORDING),
			    "requires-recording-base");
	lic_node_free(nobase);
}

/* Rule 7: "Operator - floating per running operator session; Queue Monitor per monitored queue,
 * needs software >= 9." */
static void test_rule7_operator_queue_monitor(void **state_)
{
	struct lic_node *n = node("13.0", LIC_MODE_SINGLE, NULL);
	struct lic_node *v8 = node("8.0", LIC_MODE_SINGLE, NULL);

	install(n, "a", "PBX-Operator13 1, PBX-QueueMonitor13 1");
	assert_string_equal(take(n, LIC_OWN_SESSION, "op-1", NULL, LIC_OPERATOR), "ok");
	assert_string_equal(take(n, LIC_OWN_SESSION, "op-2", NULL, LIC_OPERATOR), "exhausted");
	assert_string_equal(give(n, LIC_OWN_SESSION, "op-1", NULL, LIC_OPERATOR), "ok");
	assert_string_equal(take(n, LIC_OWN_SESSION, "op-2", NULL, LIC_OPERATOR), "ok");
	assert_string_equal(take(n, LIC_OWN_QUEUE, "hotline", NULL, LIC_QUEUE_MONITOR), "ok");
	assert_string_equal(take(n, LIC_OWN_QUEUE, "sales", NULL, LIC_QUEUE_MONITOR), "exhausted");
	install(v8, "a", "PBX-QueueMonitor8 1");
	assert_string_equal(take(v8, LIC_OWN_QUEUE, "hotline", NULL, LIC_QUEUE_MONITOR),
			    "software-too-old");
	lic_node_free(n);
	lic_node_free(v8);
}

/* Rule 8: "one Relay-PRIs per PRI interface, one Relay-BRIs per BRI interface, one
 * Relay-Channels per B-channel in use (and per conference channel); bound to the hardware id,
 * never transferable, no version." */
static void test_rule8_hardware(void **state_)
{
	struct lic_node *m = node("14.0", LIC_MODE_MASTER, NULL);
	struct lic_node *s = node("14.0", LIC_MODE_SLAVE_CENTRAL, m);

	install(m, "hw", "Relay-PRIs 1, Relay-BRIs 1, Relay-Channels 2");
	/* no version: software 14 runs them */
	assert_string_equal(take(m, LIC_OWN_CARD, "pri-1", NULL, LIC_RELAY_PRIS), "ok");
	assert_string_equal(take(m, LIC_OWN_CARD, "pri-2", NULL, LIC_RELAY_PRIS), "exhausted");
	assert_string_equal(take(m, LIC_OWN_CARD, "bri-1", NULL, LIC_RELAY_BRIS), "ok");
	assert_string_equal(take(m, LIC_OWN_BCHANNEL, "pri-1/1", NULL, LIC_RELAY_CHANNELS), "ok");
	assert_string_equal(take(m, LIC_OWN_BCHANNEL, "conf/1", NULL, LIC_RELAY_CHANNELS), "ok");
	assert_string_equal(take(m, LIC_OWN_BCHANNEL, "pri-1/2", NULL, LIC_RELAY_CHANNELS),
			    "exhausted");
	assert_string_equal(give(m, LIC_OWN_BCHANNEL, "pri-1/1", NULL, LIC_RELAY_CHANNELS), "ok");
	assert_string_equal(take(m, LIC_OWN_BCHANNEL, "pri-1/2", NULL, LIC_RELAY_CHANNELS), "ok");
	/* never transferable: even a centralised slave cannot draw the master's */
	assert_string_equal(take(s, LIC_OWN_CARD, "pri-9", NULL, LIC_RELAY_PRIS), "not-installed");
	lic_node_free(s);
	lic_node_free(m);
}

/* Rule 9: "the cloud bridge (sym-bridge cards) needs L-SYM-BRIDGE and one of L-SIS-11 /
 * L-SIS32-11; minimum software 11.1.6 for the bridge role." */
static void test_rule9_bridge(void **state_)
{
	struct lic_node *n = node("13.0", LIC_MODE_SINGLE, NULL);
	struct lic_node *old = node("11.1.5", LIC_MODE_SINGLE, NULL);
	struct lic_node *ok = node("11.1.6", LIC_MODE_SINGLE, NULL);

	assert_string_equal(take(n, LIC_OWN_CARD, "1", NULL, LIC_SYM_BRIDGE), "not-installed");
	install(n, "b", "L-SYM-BRIDGE 1");
	assert_string_equal(take(n, LIC_OWN_CARD, "1", NULL, LIC_SYM_BRIDGE), "requires-sis");
	install(n, "s", "L-SIS32-11 1");
	assert_string_equal(take(n, LIC_OWN_CARD, "1", NULL, LIC_SYM_BRIDGE), "ok");
	assert_string_equal(take(n, LIC_OWN_CARD, "2", NULL, LIC_SYM_BRIDGE), "exhausted");
	install(old, "b", "L-SYM-BRIDGE 1, L-SIS-11 1");
	assert_string_equal(take(old, LIC_OWN_CARD, "1", NULL, LIC_SYM_BRIDGE), "software-too-old");
	install(ok, "b", "L-SYM-BRIDGE 1, L-SIS-11 1");
	assert_string_equal(take(ok, LIC_OWN_CARD, "1", NULL, LIC_SYM_BRIDGE), "ok");
	lic_node_free(n);
	lic_node_free(old);
	lic_node_free(ok);
}

/* Rule 10: "centralised mode - slaves draw licenses from the master on demand; decentralised -
 * a node with its own licenses can use none of the master's; mixing only where each
 * decentralised node is fully self-sufficient." */
static void test_rule10_license_master(void **state_)
{
	struct lic_node *m = node("13.0", LIC_MODE_MASTER, NULL);
	struct lic_node *c1 = node("13.0", LIC_MODE_SLAVE_CENTRAL, m);
	struct lic_node *c2 = node("13.0", LIC_MODE_SLAVE_CENTRAL, m);
	struct lic_node *dz = node("13.0", LIC_MODE_SLAVE_DECENTRAL, m);

	install(m, "a", "PBX-Port13 3, PBX-UC13 2");
	/* centralised: both slaves draw from the master's pool, on demand */
	assert_string_equal(take(c1, LIC_OWN_USER, "a", "p", LIC_PORT), "ok");
	assert_string_equal(take(c2, LIC_OWN_USER, "b", "p", LIC_PORT), "ok");
	assert_int_equal(in_use(m, LIC_PORT), 2);
	assert_int_equal(in_use(c1, LIC_PORT), 2); /* the slave sees the master's pool */
	/* decentralised with its own Ports: uses its own, not the master's */
	install(dz, "own", "PBX-Port13 1");
	assert_string_equal(take(dz, LIC_OWN_USER, "c", "p", LIC_PORT), "ok");
	assert_string_equal(take(dz, LIC_OWN_USER, "d", "p", LIC_PORT), "exhausted");
	assert_int_equal(in_use(m, LIC_PORT), 2);
	/* ... and none of the master's UC although the master has free ones */
	assert_string_equal(take(dz, LIC_OWN_USER, "c", NULL, LIC_UC), "decentral-own-only");
	/* the master's last Port goes to a centralised slave */
	assert_string_equal(take(c1, LIC_OWN_USER, "e", "p", LIC_PORT), "ok");
	assert_string_equal(take(c2, LIC_OWN_USER, "f", "p", LIC_PORT), "exhausted");
	/* master unreachable: a slave keeps what it drew, takes nothing new; failover
	 * registrations take no license */
	lic_node_set_master_reachable(c1, false);
	assert_string_equal(take(c1, LIC_OWN_USER, "a", "p2", LIC_PORT), "ok");
	assert_string_equal(take(c1, LIC_OWN_USER, "g", "p", LIC_PORT), "master-unreachable");
	struct lic_decision d;
	struct lic_owner o = own(LIC_OWN_USER, "h", "p");
	assert_int_equal(lic_acquire(c1, &o, LIC_PORT, LIC_ACQ_FAILOVER, &d), 0);
	assert_true(d.ok);
	assert_string_equal(d.reason, "failover");
	assert_int_equal(d.taken, 0);
	assert_int_equal(in_use(m, LIC_PORT), 3);
	/* a release returns to the master's pool */
	assert_string_equal(give(c1, LIC_OWN_USER, "e", "p", LIC_PORT), "ok");
	assert_int_equal(in_use(m, LIC_PORT), 2);
	lic_node_free(c1);
	lic_node_free(c2);
	lic_node_free(dz);
	lic_node_free(m);
}

/* Issue 16: a central slave takes its sym-bridge cards' bridge licenses from its master like
 * its Ports (a decentral one keeps its own); when its master is a cache of what was granted
 * (the daemon's mirror) and the master is away, the free grants are still taken and only
 * beyond them is a take refused master-unreachable. */
static void test_central_slave_bridge_and_cache(void **state_)
{
	struct lic_node *m = node("13.0", LIC_MODE_MASTER, NULL);
	struct lic_node *c = node("13.0", LIC_MODE_SLAVE_CENTRAL, m);
	struct lic_node *dz = node("13.0", LIC_MODE_SLAVE_DECENTRAL, m);

	install(m, "b", "L-SYM-BRIDGE 1, L-SIS-11 1, PBX-Port13 2");
	assert_string_equal(take(c, LIC_OWN_CARD, "1", NULL, LIC_SYM_BRIDGE), "ok");
	assert_int_equal(in_use(m, LIC_SYM_BRIDGE), 1);
	assert_string_equal(take(c, LIC_OWN_CARD, "2", NULL, LIC_SYM_BRIDGE), "exhausted");
	assert_string_equal(take(dz, LIC_OWN_CARD, "1", NULL, LIC_SYM_BRIDGE), "decentral-own-only");
	assert_string_equal(give(c, LIC_OWN_CARD, "1", NULL, LIC_SYM_BRIDGE), "ok");
	lic_node_free(c);
	lic_node_free(dz);

	struct lic_node_conf cc = {
		.name = "cached",
		.mode = LIC_MODE_SLAVE_CENTRAL,
		.sw = LIC_SW(13, 0, 0),
		.master = m,
		.master_cache = true,
	};
	assert_int_equal(lic_node_alloc(&c, &cc), 0);
	lic_node_set_master_reachable(c, false);
	assert_string_equal(take(c, LIC_OWN_USER, "a", "p", LIC_PORT), "ok");
	assert_string_equal(take(c, LIC_OWN_USER, "b", "p", LIC_PORT), "ok");
	assert_string_equal(take(c, LIC_OWN_USER, "c", "p", LIC_PORT), "master-unreachable");
	assert_string_equal(take(c, LIC_OWN_CARD, "1", NULL, LIC_SYM_BRIDGE), "ok");
	assert_string_equal(take(c, LIC_OWN_CARD, "2", NULL, LIC_SYM_BRIDGE), "master-unreachable");
	assert_string_equal(take(c, LIC_OWN_USER, "a", NULL, LIC_UC), "master-unreachable");
	lic_node_set_master_reachable(c, true);
	assert_string_equal(take(c, LIC_OWN_USER, "c", "p", LIC_PORT), "exhausted");
	lic_node_free(c);
	lic_node_free(m);
}

/* A central slave's card holds its cached bridge grant; the master away and the grace period
 * over (the cache holds nothing any more), the card's next call is refused master-unreachable,
 * the reason an admin can act on, not the empty cache's not-installed. */
static void test_cache_gone_master_unreachable(void **state_)
{
	struct lic_node *mirror = node("13.0", LIC_MODE_MASTER, NULL);
	struct lic_node_conf cc = {
		.name = "branch",
		.mode = LIC_MODE_SLAVE_CENTRAL,
		.sw = LIC_SW(13, 0, 0),
		.master = mirror,
		.master_cache = true,
	};
	struct lic_owner card = { .type = LIC_OWN_CARD, .id = "1" };
	struct lic_decision d;
	struct lic_node *c;

	install(mirror, "granted", "L-SYM-BRIDGE 1, L-SIS-11 1");
	assert_int_equal(lic_node_alloc(&c, &cc), 0);
	assert_string_equal(take(c, LIC_OWN_CARD, "1", NULL, LIC_SYM_BRIDGE), "ok");
	lic_node_set_master_reachable(c, false);
	assert_int_equal(lic_use(c, &card, LIC_SYM_BRIDGE, &d), 0);
	assert_true(d.ok); /* the cached grant, in the grace period */
	assert_int_equal(lic_node_remove(mirror, "granted"), 0); /* the grace period is over */
	assert_int_equal(lic_use(c, &card, LIC_SYM_BRIDGE, &d), 0);
	assert_false(d.ok);
	assert_string_equal(d.reason, "master-unreachable");
	assert_non_null(strstr(d.detail, "grace period"));
	/* with the master connected, an empty cache is what it is */
	lic_node_set_master_reachable(c, true);
	assert_int_equal(lic_use(c, &card, LIC_SYM_BRIDGE, &d), 0);
	assert_false(d.ok);
	assert_string_equal(d.reason, "not-installed");
	lic_node_free(c);
	lic_node_free(mirror);
}

static void test_check_takes_nothing(void **state_)
{
	struct lic_node *n = node("13.0", LIC_MODE_SINGLE, NULL);
	struct lic_decision d;

	assert_string_equal(would(n, LIC_PORT, 1), "not-installed");
	install(n, "a", "PBX-Port13 5");
	assert_int_equal(lic_check(n, NULL, LIC_PORT, 5, &d), 0);
	assert_true(d.ok);
	assert_int_equal(d.free, 0);
	assert_int_equal(lic_check(n, NULL, LIC_PORT, 6, &d), 0);
	assert_false(d.ok);
	assert_string_equal(d.reason, "exhausted");
	assert_int_equal(in_use(n, LIC_PORT), 0);
	lic_node_free(n);
}

static void test_software_versions(void **state_)
{
	unsigned sw;
	char buf[16];

	assert_int_equal(lic_sw_parse("11.1.6", &sw), 0);
	assert_int_equal(sw, LIC_SW(11, 1, 6));
	lic_sw_format(sw, buf, sizeof buf);
	assert_string_equal(buf, "11.1.6");
	assert_int_equal(lic_sw_parse("13", &sw), 0);
	assert_int_equal(sw, LIC_SW(13, 0, 0));
	assert_int_equal(lic_sw_parse("13.", &sw), -EINVAL);
	assert_int_equal(lic_sw_parse("x", &sw), -EINVAL);
	assert_int_equal(lic_sw_parse("1.2.3.4", &sw), -EINVAL);
	assert_int_equal(lic_sw_parse("13.100", &sw), -EINVAL);
}

/* what an owner holds is checked again at every use: a removed file takes effect at once for
 * new use, while the allocation itself stays until its owner lets go */
static const char *use(struct lic_node *n, enum lic_owner_type t, const char *id, enum lic_kind k)
{
	struct lic_decision d;
	struct lic_owner o = own(t, id, NULL);
	assert_int_equal(lic_use(n, &o, k, &d), 0);
	return d.reason;
}

static void test_use_after_remove(void **state_)
{
	struct lic_node *n = node("13.0", LIC_MODE_SINGLE, NULL);

	install(n, "bridge", "L-SYM-BRIDGE 2, L-SIS-11 1");
	install(n, "ports", "PBX-Port13 2");
	assert_string_equal(take(n, LIC_OWN_CARD, "1", NULL, LIC_SYM_BRIDGE), "ok");
	assert_string_equal(use(n, LIC_OWN_CARD, "1", LIC_SYM_BRIDGE), "ok");
	/* not held yet: taken at the moment of use */
	assert_string_equal(use(n, LIC_OWN_TRUNK, "link", LIC_PORT), "ok");
	assert_string_equal(take(n, LIC_OWN_USER, "u1", "c1", LIC_PORT), "ok");
	assert_int_equal(in_use(n, LIC_PORT), 2);
	assert_int_equal(lic_node_remove(n, "bridge"), 0);
	assert_string_equal(use(n, LIC_OWN_CARD, "1", LIC_SYM_BRIDGE), "not-installed");
	assert_int_equal(in_use(n, LIC_SYM_BRIDGE), 1); /* the card still holds it ... */
	assert_string_equal(give(n, LIC_OWN_CARD, "1", NULL, LIC_SYM_BRIDGE), "ok");
	/* fewer installed than in use: every holder's new use waits */
	assert_int_equal(lic_node_remove(n, "ports"), 0);
	install(n, "one", "PBX-Port13 1");
	assert_string_equal(use(n, LIC_OWN_USER, "u1", LIC_PORT), "exhausted");
	assert_string_equal(give(n, LIC_OWN_TRUNK, "link", NULL, LIC_PORT), "ok");
	assert_string_equal(use(n, LIC_OWN_USER, "u1", LIC_PORT), "ok");
	/* a file that gates the kind makes held licenses unusable too */
	install(n, "old", "PBX-Port12 1");
	assert_string_equal(use(n, LIC_OWN_USER, "u1", LIC_PORT), "version-gated");
	lic_node_free(n);
}

/* the install guard: what a file would make unusable, with nothing kept */
static void lost_cb(void *arg, enum lic_kind k, const struct lic_status *after)
{
	char *buf = arg;
	size_t n = strlen(buf);
	snprintf(buf + n, 256 - n, "%s%s=%s", n ? "," : "", lic_kind_info(k)->name, after->reason);
}

static void test_preview_what_a_file_disables(void **state_)
{
	struct lic_node *n = node("13.0", LIC_MODE_SINGLE, NULL);
	struct lic_item smb, old, hw;
	char why[64], lost[256] = "";

	install(n, "a", "PBX-Port13 10, PBX-Standby13 10");
	assert_int_equal(lic_item_parse_name("Port13$20", &smb, why, sizeof why), 0);
	smb.count = 1;
	assert_int_equal(lic_node_preview(n, &smb, 1, lost_cb, lost), 2);
	assert_string_equal(lost, "PBX-Port=smb-exclusive,PBX-Standby=smb-exclusive");
	assert_int_equal(usable_free(n, LIC_PORT), 10); /* nothing kept */
	assert_int_equal(lic_item_parse_name("PBX-Port12", &old, why, sizeof why), 0);
	old.count = 1;
	lost[0] = '\0';
	assert_int_equal(lic_node_preview(n, &old, 1, lost_cb, lost), 2);
	/* one more Port also leaves the Standby short of the Ports (rule 3) */
	assert_string_equal(lost, "PBX-Port=version-gated,PBX-Standby=standby-short");
	assert_int_equal(lic_item_parse_name("Relay-PRIs", &hw, why, sizeof why), 0);
	hw.count = 2;
	assert_int_equal(lic_node_preview(n, &hw, 1, NULL, NULL), 0);
	assert_int_equal(usable_free(n, LIC_RELAY_PRIS), 0);
	lic_node_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_tiers),
		cmocka_unit_test(test_rule1_version_gating),
		cmocka_unit_test(test_guide_example_v11_v13_ports),
		cmocka_unit_test(test_guide_example_voicemail_v13_not_on_v9),
		cmocka_unit_test(test_rule2_port_floating),
		cmocka_unit_test(test_rule3_standby),
		cmocka_unit_test(test_rule4_ipva),
		cmocka_unit_test(test_rule5_smb_port),
		cmocka_unit_test(test_rule6_per_user),
		cmocka_unit_test(test_rule7_operator_queue_monitor),
		cmocka_unit_test(test_rule8_hardware),
		cmocka_unit_test(test_rule9_bridge),
		cmocka_unit_test(test_rule10_license_master),
		cmocka_unit_test(test_central_slave_bridge_and_cache),
		cmocka_unit_test(test_cache_gone_master_unreachable),
		cmocka_unit_test(test_check_takes_nothing),
		cmocka_unit_test(test_software_versions),
		cmocka_unit_test(test_use_after_remove),
		cmocka_unit_test(test_preview_what_a_file_disables),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
