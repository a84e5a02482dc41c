/* lic_master.h: the license master's side of its slaves' grants, on its own engine node: take,
 * give, list, and the reconciliation after a slave (re)connects. Pure C like the rule engine. */
#ifndef LIC_MASTER_H
#define LIC_MASTER_H

#include "lic_proto.h"
#include "lic_rules.h"

/* A slave's grant is an allocation on the master's node whose owner id is "SLAVE|ID": the
 * master's counts hold every slave's use, and one slave's owners never meet another's. A slave
 * name is 1 to 64 characters without '|'. */
#define LIC_MASTER_SEP '|'
bool lic_master_slave_name_ok(const char *slave);

/* take/give one license of kind for a slave's owner (owner, id): the rule engine decides as for
 * the master's own owners, except the per-user rules (rule 6), which the slave holding the
 * user's assignments applied (LIC_ACQ_GRANT): the master counts. 0 with the decision, or -errno
 * (-EINVAL: a bad slave name or id). */
int lic_master_take(struct lic_node *m, const char *slave, enum lic_kind k, enum lic_owner_type t,
		    const char *id, struct lic_decision *d);
int lic_master_give(struct lic_node *m, const char *slave, enum lic_kind k, enum lic_owner_type t,
		    const char *id, struct lic_decision *d);

/* A slave's owner (t, id) takes over the grant of kind k it recorded for (from_t, from_id),
 * a spare or another owner of the same slave: that one is given back and the new one taken in
 * one step, so another slave cannot take the license in between. When the new one is refused
 * (or from_t/from_id is not recorded: not-held) the old one stays. 0 with the decision, or
 * -errno. */
int lic_master_move(struct lic_node *m, const char *slave, enum lic_kind k,
		    enum lic_owner_type from_t, const char *from_id, enum lic_owner_type t,
		    const char *id, struct lic_decision *d);

/* Every grant the master records for slave (NULL: for every slave): cb(arg, slave, item). */
typedef int (*lic_master_each_cb)(void *arg, const char *slave, const struct lic_msg_item *it);
int lic_master_grants(const struct lic_node *m, const char *slave, lic_master_each_cb cb,
		      void *arg);

/* After a slave's hello, with held the grants it holds: grants the master records that the
 * slave does not hold are given back (it let them go while the link was down); grants the slave
 * holds that the master does not record are taken now (granted before the master lost them);
 * those that cannot be taken any more go to drop_cb with the refusal, for the master to tell the
 * slave. Afterwards the master's record and the slave's agree: nothing counted twice, nothing
 * lost. Returns how many were dropped, or -errno. */
typedef void (*lic_master_drop_cb)(void *arg, const struct lic_msg_item *it,
				   const struct lic_decision *d);
int lic_master_reconcile(struct lic_node *m, const char *slave, const struct lic_msg_item *held,
			 size_t n, lic_master_drop_cb drop_cb, void *arg);

#endif
