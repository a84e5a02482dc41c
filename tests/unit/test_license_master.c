/* test_license_master.c: a license master's record of its slaves' grants: take and give per
 * slave, and the reconciliation when a slave comes back (nothing counted twice, nothing lost). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lic_master.h"

static struct lic_node *master(const char *ports)
{
	struct lic_node_conf c = { .name = "master",
				   .mode = LIC_MODE_MASTER,
				   .sw = LIC_SW(13, 0, 0) };
	struct lic_item it;
	char why[64];
	struct lic_node *n;

	assert_int_equal(lic_node_alloc(&n, &c), 0);
	assert_int_equal(lic_item_parse_name("PBX-Port13", &it, why, sizeof why), 0);
	it.count = (unsigned)atoi(ports);
	assert_int_equal(lic_node_install(n, "ports", &it, 1), 0);
	return n;
}

static unsigned ports_in_use(struct lic_node *n)
{
	struct lic_status st;
	assert_int_equal(lic_status(n, LIC_PORT, &st), 0);
	return st.in_use;
}

static const char *take(struct lic_node *m, const char *slave, enum lic_owner_type t,
			const char *id)
{
	struct lic_decision d;
	assert_int_equal(lic_master_take(m, slave, LIC_PORT, t, id, &d), 0);
	return d.reason;
}

static struct lic_msg_item grant(enum lic_owner_type t, const char *id)
{
	struct lic_msg_item it = { .kind = LIC_PORT, .owner = t };
	snprintf(it.id, sizeof it.id, "%s", id);
	return it;
}

static int count_cb(void *arg, const char *slave, const struct lic_msg_item *it)
{
	(*(unsigned *)arg)++;
	return 0;
}

static unsigned grants_of(struct lic_node *m, const char *slave)
{
	unsigned n = 0;
	assert_int_equal(lic_master_grants(m, slave, count_cb, &n), 0);
	return n;
}

static void drop_cb(void *arg, const struct lic_msg_item *it, const struct lic_decision *d)
{
	snprintf(arg, 200, "%s:%s", it->id, d->reason);
}

static void test_take_give_per_slave(void **state_)
{
	struct lic_node *m = master("4");
	struct lic_decision d;

	assert_string_equal(take(m, "s1", LIC_OWN_USER, "alice"), "ok");
	assert_string_equal(take(m, "s1", LIC_OWN_TRUNK, "link"), "ok");
	assert_string_equal(take(m, "s2", LIC_OWN_USER, "alice"), "ok"); /* another slave's */
	assert_string_equal(take(m, "s1", LIC_OWN_USER, "alice"), "ok"); /* held: nothing more */
	assert_int_equal(ports_in_use(m), 3);
	assert_int_equal(grants_of(m, "s1"), 2);
	assert_int_equal(grants_of(m, NULL), 3);
	assert_int_equal(lic_master_give(m, "s2", LIC_PORT, LIC_OWN_USER, "alice", &d), 0);
	assert_true(d.ok);
	assert_int_equal(ports_in_use(m), 2);
	assert_int_equal(lic_master_take(m, "a|b", LIC_PORT, LIC_OWN_USER, "x", &d), -EINVAL);
	assert_int_equal(lic_master_take(m, "", LIC_PORT, LIC_OWN_USER, "x", &d), -EINVAL);
	lic_node_free(m);
}

static void test_reconcile(void **state_)
{
	struct lic_node *m = master("4");
	struct lic_msg_item held[] = { grant(LIC_OWN_USER, "alice"), grant(LIC_OWN_USER, "bob") };
	char dropped[200] = "";

	take(m, "s1", LIC_OWN_USER, "alice");
	take(m, "s1", LIC_OWN_TRUNK, "link");
	take(m, "s2", LIC_OWN_USER, "carol");
	/* s1 comes back holding alice and bob: link is given back, bob taken, s2 untouched */
	assert_int_equal(lic_master_reconcile(m, "s1", held, 2, drop_cb, dropped), 0);
	assert_int_equal(grants_of(m, "s1"), 2);
	assert_int_equal(grants_of(m, "s2"), 1);
	assert_int_equal(ports_in_use(m), 3);
	/* again: nothing changes, nothing counted twice */
	assert_int_equal(lic_master_reconcile(m, "s1", held, 2, drop_cb, dropped), 0);
	assert_int_equal(ports_in_use(m), 3);
	lic_node_free(m);

	/* a master that lost its record and has fewer Ports: what fits is taken, the rest dropped */
	m = master("1");
	assert_int_equal(lic_master_reconcile(m, "s1", held, 2, drop_cb, dropped), 1);
	assert_string_equal(dropped, "bob:exhausted");
	assert_int_equal(ports_in_use(m), 1);
	/* a slave that holds nothing any more gives everything back */
	assert_int_equal(lic_master_reconcile(m, "s1", NULL, 0, NULL, NULL), 0);
	assert_int_equal(ports_in_use(m), 0);
	lic_node_free(m);
}

/* A grant moves from a spare (or another owner) to a new owner in one step: the count stays,
 * no other slave gets it in between, one owner's release leaves another's grant alone. */
static void test_move_per_owner(void **state_)
{
	struct lic_node *m = master("2");
	struct lic_decision d;
	unsigned n = 0;

	assert_string_equal(take(m, "a", LIC_OWN_TRUNK, "spare/1"), "ok");
	assert_string_equal(take(m, "b", LIC_OWN_TRUNK, "spare/1"), "ok");
	assert_int_equal(lic_master_move(m, "a", LIC_PORT, LIC_OWN_TRUNK, "spare/1", LIC_OWN_USER,
					 "door", &d),
			 0);
	assert_true(d.ok);
	assert_int_equal(ports_in_use(m), 2);
	/* from a grant the slave does not hold: refused, nothing moves */
	assert_int_equal(lic_master_move(m, "a", LIC_PORT, LIC_OWN_TRUNK, "spare/9", LIC_OWN_USER,
					 "desk", &d),
			 0);
	assert_false(d.ok);
	assert_string_equal(d.reason, "not-held");
	/* another slave's spare is its own: b moves its, a's door stays */
	assert_int_equal(lic_master_move(m, "b", LIC_PORT, LIC_OWN_TRUNK, "spare/1", LIC_OWN_USER,
					 "door", &d),
			 0);
	assert_true(d.ok);
	assert_int_equal(lic_master_give(m, "b", LIC_PORT, LIC_OWN_USER, "door", &d), 0);
	assert_true(d.ok);
	assert_int_equal(lic_master_grants(m, "a", count_cb, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ports_in_use(m), 1);
	lic_node_free(m);
}

static unsigned in_use(struct lic_node *n, enum lic_kind k)
{
	struct lic_status st;
	assert_int_equal(lic_status(n, k, &st), 0);
	return st.in_use;
}

/* A central slave's per-user licenses: the slave holds the assignments and applies rule 6
 * (what needs the Phone App, what the UC includes); the master counts each grant, whatever
 * order they arrive or go in (a reconciliation, the store read back), and refuses beyond what
 * is installed with the engine's reason. */
static void test_per_user_grants(void **state_)
{
	struct lic_node *m = master("4");
	struct lic_item it[3];
	struct lic_decision d;
	char why[64];

	assert_int_equal(lic_item_parse_name("PBX-UC13", &it[0], why, sizeof why), 0);
	assert_int_equal(lic_item_parse_name("App(phone)13", &it[1], why, sizeof why), 0);
	assert_int_equal(lic_item_parse_name("App(softphone)13", &it[2], why, sizeof why), 0);
	it[0].count = 1;
	it[1].count = it[2].count = 2;
	assert_int_equal(lic_node_install(m, "users", it, 3), 0);

	/* the Softphone App before the Phone App (a reconciliation's order): counted, not
	 * refused requires-phone-app; the Phone App beside a UC: counted, not included */
	assert_int_equal(lic_master_take(m, "s1", LIC_APP_SOFTPHONE, LIC_OWN_USER, "alice", &d), 0);
	assert_true(d.ok);
	assert_int_equal(d.taken, 1);
	assert_int_equal(lic_master_take(m, "s1", LIC_UC, LIC_OWN_USER, "alice", &d), 0);
	assert_true(d.ok);
	assert_int_equal(lic_master_take(m, "s1", LIC_APP_PHONE, LIC_OWN_USER, "alice", &d), 0);
	assert_true(d.ok);
	assert_int_equal(d.taken, 1);
	assert_int_equal(
		in_use(m, LIC_UC) + in_use(m, LIC_APP_PHONE) + in_use(m, LIC_APP_SOFTPHONE), 3);
	/* beyond what is installed: the engine's reason, for the slave to pass on */
	assert_int_equal(lic_master_take(m, "s2", LIC_UC, LIC_OWN_USER, "bob", &d), 0);
	assert_false(d.ok);
	assert_string_equal(d.reason, "exhausted");
	/* given back in any order: the Phone App and the UC before the Softphone App */
	assert_int_equal(lic_master_give(m, "s1", LIC_APP_PHONE, LIC_OWN_USER, "alice", &d), 0);
	assert_true(d.ok);
	assert_int_equal(lic_master_give(m, "s1", LIC_UC, LIC_OWN_USER, "alice", &d), 0);
	assert_true(d.ok);
	assert_int_equal(in_use(m, LIC_UC), 0);
	/* a reconciliation with the slave holding the UC again and nothing else */
	struct lic_msg_item held = { .kind = LIC_UC, .owner = LIC_OWN_USER };
	snprintf(held.id, sizeof held.id, "alice");
	assert_int_equal(lic_master_reconcile(m, "s1", &held, 1, NULL, NULL), 0);
	assert_int_equal(in_use(m, LIC_UC), 1);
	assert_int_equal(in_use(m, LIC_APP_SOFTPHONE), 0);
	assert_int_equal(grants_of(m, "s1"), 1);

	/* the master's own users keep rule 6 */
	struct lic_owner own = { .type = LIC_OWN_USER, .id = "boss" };
	assert_int_equal(lic_acquire(m, &own, LIC_APP_SOFTPHONE, 0, &d), 0);
	assert_false(d.ok);
	assert_string_equal(d.reason, "requires-phone-app");
	lic_node_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_take_give_per_slave),
		cmocka_unit_test(test_reconcile),
		cmocka_unit_test(test_move_per_owner),
		cmocka_unit_test(test_per_user_grants),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
