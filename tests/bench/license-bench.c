/* license-bench.c: how fast the rule engine takes and gives back floating Ports, with 10 000
 * users registered at once, the engine's hot path when phones come and go. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lic_rules.h"

#define USERS  10000
#define ROUNDS 100

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void must(int rc, const struct lic_decision *d, const char *what)
{
	if (rc < 0 || !d->ok) {
		fprintf(stderr, "license-bench: %s failed: %s %s\n", what,
			rc < 0 ? "error" : d->reason, d->detail);
		exit(1);
	}
}

int main(void)
{
	static char ids[USERS][16];
	struct lic_node_conf c = { .name = "bench",
				   .mode = LIC_MODE_SINGLE,
				   .sw = LIC_SW(13, 0, 0),
				   .machine_id = "02:00:00:00:00:01" };
	struct lic_item items[] = {
		{ .kind = LIC_PORT, .version = 13, .count = USERS + 1000 },
		{ .kind = LIC_UC, .version = 13, .count = USERS },
	};
	struct lic_decision d;
	struct lic_status st;
	struct lic_node *n;
	unsigned long ops = 0;

	if (lic_node_alloc(&n, &c) < 0 || lic_node_install(n, "bench", items, 2) < 0)
		return 1;
	for (int i = 0; i < USERS; i++)
		snprintf(ids[i], sizeof ids[i], "user%05d", i);
	/* every user registered with a desk phone and holding a UC: the steady state */
	for (int i = 0; i < USERS; i++) {
		struct lic_owner o = { .type = LIC_OWN_USER, .id = ids[i], .holder = "desk" };
		must(lic_acquire(n, &o, LIC_PORT, 0, &d), &d, "desk phone");
		must(lic_acquire(n, &o, LIC_UC, 0, &d), &d, "UC");
	}
	/* churn: a DECT handset of each user registers and goes (no Port: the user has one), then
	 * the desk phone goes and comes back (the Port is given back and taken again) */
	double t0 = now();
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < USERS; i++) {
			struct lic_owner dect = { .type = LIC_OWN_USER,
						  .id = ids[i],
						  .holder = "dect" };
			struct lic_owner desk = { .type = LIC_OWN_USER,
						  .id = ids[i],
						  .holder = "desk" };
			must(lic_acquire(n, &dect, LIC_PORT, 0, &d), &d, "dect up");
			must(lic_release(n, &dect, LIC_PORT, &d), &d, "dect down");
			must(lic_release(n, &desk, LIC_PORT, &d), &d, "desk down");
			must(lic_acquire(n, &desk, LIC_PORT, 0, &d), &d, "desk up");
			ops += 4;
		}
	double dt = now() - t0;
	if (lic_status(n, LIC_PORT, &st) < 0 || st.in_use != USERS) {
		fprintf(stderr, "license-bench: %u Ports in use at the end, expected %d\n",
			st.in_use, USERS);
		return 1;
	}
	lic_node_free(n);
	printf("# %lu acquire or release calls in %.3f s (%d rounds over %d users, each "
	       "user holding a Port and a UC)\n",
	       ops, dt, ROUNDS, USERS);
	printf("license-bench: %.0f ops/s acquire+release, %d users\n", (double)ops / dt, USERS);
	return 0;
}
