/* lic_assign.c: license assign/unassign of per-user licenses (UC, apps, ...): at once on a node
 * with its own licenses; on a central slave asked of the license master first, the command
 * answering when the master answered (or did not in time). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#define SB_MODULE "license"
#include "symbridge.h"

#include "lic_glue.h"
#include "lic_net.h"
#include "lic_node.h"

/* One assignment waiting for the master's answer. */
struct asg {
	struct sb_reply *r;
	char user[LIC_PROTO_ID_MAX + 1];
	enum lic_kind kind; /* as typed (Recording%1 counts as Recording) */
	uv_timer_t timer;
	struct asg *next;
};

static struct asg *waiting;

static void fields(struct sb_reply *r, const struct lic_decision *d, const char *source)
{
	sb_reply_bool(r, "allowed", d->ok);
	sb_reply_str(r, "reason", d->reason);
	sb_reply_str(r, "decided_by", lic_kind_info(d->kind)->name);
	sb_reply_int(r, "free", d->free);
	sb_reply_str(r, "detail", d->detail[0] ? d->detail : NULL);
	sb_reply_str(r, "source", source);
}

/* The engine and the store, together or neither; the reply says what happened. */
int lic_assign_apply(struct sb_reply *r, const char *user, enum lic_kind k, bool on,
		     const char *source)
{
	struct lic_owner o = { .type = LIC_OWN_USER, .id = user };
	struct lic_decision d;
	int rc;

	rc = on ? lic_acquire(lic_st.node, &o, k, 0, &d) : lic_release(lic_st.node, &o, k, &d);
	if (rc < 0 || !d.ok) {
		sb_reply_error(r, "%s for user %s: %s: %s", lic_kind_info(k)->name, user,
			       rc < 0 ? "error" : d.reason, rc < 0 ? strerror(-rc) : d.detail);
		if (rc == 0)
			sb_reply_str(r, "reason", d.reason);
		return -1;
	}
	if ((rc = lic_store_assign(user, k, on)) < 0) {
		/* undo, so the engine and the store agree */
		if (on)
			lic_release(lic_st.node, &o, k, &d);
		else
			lic_acquire(lic_st.node, &o, k, 0, &d);
		sb_reply_error(r, "%s for user %s not saved: %s", lic_kind_info(k)->name, user,
			       strerror(-rc));
		return -1;
	}
	const char *m = lic_slave_master();
	if (on)
		sb_reply_message(r, "%s assigned to user %s%s%s", lic_kind_info(k)->name, user,
				 !d.taken ? " (no license taken: included or held already)" : "",
				 d.taken && source ? source : "");
	else if (m && d.taken)
		sb_reply_message(r, "%s taken from user %s (given back to master %s%s)",
				 lic_kind_info(k)->name, user, m,
				 lic_slave_welcomed() ? "" : " when it is reachable again");
	else
		sb_reply_message(r, "%s taken from user %s", lic_kind_info(k)->name, user);
	if (on)
		fields(r, &d, source && d.taken ? "master" : "local");
	log_notice("%s %s user %s%s", lic_kind_info(k)->name, on ? "assigned to" : "taken from",
		   user, on && d.taken && source ? source : "");
	return 0;
}

static void asg_closed_cb(uv_handle_t *h)
{
	free(h->data);
}

static void asg_end(struct asg *a)
{
	for (struct asg **pp = &waiting; *pp; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	lic_draw_forget(a);
	sb_reply_finish(a->r);
	uv_close((uv_handle_t *)&a->timer, asg_closed_cb);
}

static void unreachable(struct sb_reply *r, const struct asg *a, const char *why)
{
	sb_reply_error(r, "%s for user %s: %s: %s", lic_kind_info(a->kind)->name, a->user,
		       LIC_R_MASTER_UNREACHABLE, why);
	sb_reply_str(r, "reason", LIC_R_MASTER_UNREACHABLE);
	log_notice("%s for user %s not assigned: %s: %s", lic_kind_info(a->kind)->name, a->user,
		   LIC_R_MASTER_UNREACHABLE, why);
}

static void answer_cb(void *arg, const struct lic_msg *m)
{
	struct asg *a = arg;
	char why[300], src[96];

	if (!m) {
		snprintf(why, sizeof why,
			 "the connection to license master %s ended before it answered; "
			 "nothing is assigned",
			 lic_slave_master());
		unreachable(a->r, a, why);
	} else if (!m->ok) {
		/* the master's reason, word and sentence, as it gave them */
		sb_reply_error(a->r, "%s for user %s refused by license master %s: %s: %s",
			       lic_kind_info(a->kind)->name, a->user, lic_slave_master(), m->reason,
			       m->detail);
		sb_reply_str(a->r, "reason", m->reason);
		sb_reply_str(a->r, "source", "master");
		log_notice("%s for user %s refused by license master %s: %s: %s",
			   lic_kind_info(a->kind)->name, a->user, lic_slave_master(), m->reason,
			   m->detail);
	} else {
		/* the grant is held and in the mirror now: the engine takes it */
		snprintf(src, sizeof src, ", granted by license master %s", lic_slave_master());
		lic_assign_apply(a->r, a->user, a->kind, true, src);
	}
	asg_end(a);
}

static void timeout_cb(uv_timer_t *t)
{
	struct asg *a = t->data;
	char why[300];

	/* an answer that comes later is a grant nobody uses: it goes back (lic_draw.c) */
	snprintf(why, sizeof why,
		 "license master %s did not answer within %d s; nothing is assigned (a late grant "
		 "goes back)",
		 lic_slave_master(), LIC_ASSIGN_WAIT_MS / 1000);
	unreachable(a->r, a, why);
	asg_end(a);
}

/* On a central slave: does this assignment need a license from the master? Not when the user
 * holds it already or the user's UC includes it; a per-user rule that refuses it (what needs
 * the Phone App) is this node's, answered here (rule 6 is applied where the assignments are). */
static bool needs_master(const char *user, enum lic_kind k, struct lic_decision *d)
{
	struct lic_owner o = { .type = LIC_OWN_USER, .id = user };
	bool included = false;
	const char *r;

	memset(d, 0, sizeof *d);
	d->ok = true;
	d->reason = LIC_R_OK;
	d->kind = k;
	if (lic__holds(lic_st.node, &o, lic__counted(k)))
		return false;
	if ((r = lic__user_feature(lic_st.node, &o, k, &included, d->detail, sizeof d->detail))) {
		d->ok = false;
		d->reason = r;
		return false;
	}
	return !included && !(lic_kind_info(k)->flags & LIC_KF_NOLICENSE);
}

int lic_assign(const struct sb_ctl_req *req, struct sb_reply *r, const char *user, enum lic_kind k,
	       bool on)
{
	struct lic_decision d;
	struct asg *a;
	int rc;

	if (!on || lic_net.mode != LIC_MODE_SLAVE_CENTRAL)
		return lic_assign_apply(r, user, k, on, NULL);
	if (!needs_master(user, k, &d)) {
		if (d.ok)
			return lic_assign_apply(r, user, k, on, NULL);
		sb_reply_error(r, "%s for user %s: %s: %s", lic_kind_info(k)->name, user, d.reason,
			       d.detail);
		sb_reply_str(r, "reason", d.reason);
		return -1;
	}
	if (!(a = calloc(1, sizeof *a)))
		return sb_reply_error(r, "license assign: out of memory"), -1;
	a->r = r;
	a->kind = k;
	snprintf(a->user, sizeof a->user, "%s", user);
	struct lic_grant g = { .kind = lic__counted(k), .owner = LIC_OWN_USER };
	snprintf(g.id, sizeof g.id, "%s", user);
	if ((rc = lic_draw_ask(&g, answer_cb, a)) < 0) {
		char why[300];
		if (rc == -EALREADY) {
			sb_reply_error(r,
				       "%s for user %s is being asked of license master %s "
				       "already: wait for that answer",
				       lic_kind_info(k)->name, user, lic_slave_master());
			free(a);
			return -1;
		}
		snprintf(why, sizeof why,
			 "license master %s is unreachable: a central slave takes no per-user "
			 "license without it (%s)",
			 lic_slave_master(), rc == -ENOTCONN ? "not connected" : strerror(-rc));
		unreachable(r, a, why);
		free(a);
		return -1;
	}
	uv_timer_init(sb_daemon_loop(), &a->timer);
	a->timer.data = a;
	uv_timer_start(&a->timer, timeout_cb, LIC_ASSIGN_WAIT_MS, 0);
	a->next = waiting;
	waiting = a;
	sb_reply_defer(r);
	return 0;
}

void lic_assign_stop(void)
{
	while (waiting) {
		struct asg *a = waiting;
		unreachable(a->r, a, "the daemon stops before the license master answered");
		asg_end(a);
	}
}
