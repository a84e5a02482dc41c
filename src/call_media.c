/* call_media.c: the call owns its media: one session between its two connected legs, made from
 * the endpoints the legs describe, through the media operations a module registered. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "core.h"

static const struct sb_media_ops *media_ops;

int sb_media_register(const struct sb_media_ops *ops)
{
	if (media_ops && media_ops != ops)
		return -EEXIST;
	media_ops = ops;
	return 0;
}

void sb_media_unregister(const struct sb_media_ops *ops)
{
	if (media_ops == ops)
		media_ops = NULL;
}

/* the leg's endpoint, when its owner describes one */
static int describe(struct sb_leg *leg, struct sb_media_ep *ep)
{
	int rc;

	if (!leg || !leg->ops->media_ep)
		return -ENOTSUP;
	memset(ep, 0, sizeof *ep);
	ep->fd = -1;
	if ((rc = leg->ops->media_ep(leg, ep)) < 0)
		return rc;
	return ep->kind == SB_MEDIA_NONE ? -ENOTSUP : 0;
}

void sb__media_close(struct sb__call_media *m)
{
	if (m->ms && media_ops)
		media_ops->close(m->ms);
	m->ms = NULL;
	m->leg[0] = m->leg[1] = NULL;
	m->failed = false;
}

static int open_session(struct sb__call_media *m, uint64_t call_id, struct sb_leg *a,
			struct sb_leg *b)
{
	struct sb_leg *want[2] = { a, b };
	struct sb_media_ep ep[2];
	int rc;

	for (unsigned i = 0; i < 2; i++)
		if ((rc = describe(want[i], &ep[i])) < 0)
			goto fail;
	if ((rc = media_ops->open(&m->ms, ep, call_id)) < 0)
		goto fail;
	m->leg[0] = a;
	m->leg[1] = b;
	for (unsigned i = 0; i < 2; i++)
		m->by_signalling[i] = ep[i].dtmf_by_signalling;
	m->failed = false;
	return 0;
fail:
	m->ms = NULL;
	/* not agreed yet (-EAGAIN): its owner says when it is (sb_leg_media_changed) */
	if (!m->failed && rc != -EAGAIN)
		log_warn("call %llu: no media between %s and %s: %s (the call goes on without)",
			 (unsigned long long)call_id, a->owner, b->owner, strerror(-rc));
	m->failed = true;
	m->leg[0] = a; /* not tried again for the same legs until one of them changes */
	m->leg[1] = b;
	return rc;
}

void sb__media_sync(struct sb__call_media *m, uint64_t call_id, struct sb_leg *a,
		    struct sb_leg *b)
{
	struct sb_leg *want[2] = { a, b };
	struct sb_media_ep ep;
	int rc;

	if (!a || !b) {
		sb__media_close(m);
		return;
	}
	if (want[0] == m->leg[0] && want[1] == m->leg[1])
		return;
	if (!media_ops || !a->ops->media_ep || !b->ops->media_ep) {
		sb__media_close(m);
		return;
	}
	if (m->ms) { /* a transfer, or early media from another leg: that side takes the leg */
		for (unsigned i = 0; i < 2; i++) {
			if (want[i] == m->leg[i])
				continue;
			if ((rc = describe(want[i], &ep)) < 0 ||
			    (rc = media_ops->update(m->ms, i, &ep)) < 0)
				break; /* it cannot (another RTP port): a new session below */
			m->leg[i] = want[i];
			m->by_signalling[i] = ep.dtmf_by_signalling;
		}
		if (want[0] == m->leg[0] && want[1] == m->leg[1])
			return;
		sb__media_close(m);
	}
	open_session(m, call_id, a, b);
}

bool sb__media_changed(struct sb__call_media *m, uint64_t call_id, struct sb_leg *leg)
{
	struct sb_media_ep ep;
	int rc;

	for (unsigned i = 0; i < 2; i++) {
		if (m->leg[i] != leg)
			continue;
		if (!m->ms) { /* it could not be made before: again, with what the leg has now */
			struct sb_leg *a = m->leg[0], *b = m->leg[1];
			if (media_ops)
				open_session(m, call_id, a, b);
			return true;
		}
		if ((rc = describe(leg, &ep)) == 0 && (rc = media_ops->update(m->ms, i, &ep)) == 0) {
			m->by_signalling[i] = ep.dtmf_by_signalling;
			return true;
		}
		if (rc == -ENOTSUP && ep.kind != SB_MEDIA_NONE) {
			/* the session cannot take it in place (another port): a new one */
			struct sb_leg *a = m->leg[0], *b = m->leg[1];
			sb__media_close(m);
			open_session(m, call_id, a, b);
			return true;
		}
		log_warn("the media of %s (%s) cannot take its new endpoint: %s",
			 leg->party.number, leg->owner, strerror(-rc));
		return true;
	}
	return false;
}

int sb__media_dtmf(struct sb__call_media *m, const struct sb_leg *leg, char digit)
{
	for (unsigned i = 0; i < 2; i++)
		if (m->ms && m->leg[i] == leg && media_ops->dtmf)
			return media_ops->dtmf(m->ms, i, digit);
	return -ENOENT;
}

int sb__media_info(const struct sb__call_media *m, const struct sb_leg *leg,
		   struct sb_leg_media *mi)
{
	for (unsigned i = 0; i < 2; i++)
		if (m->ms && m->leg[i] == leg && media_ops->info)
			return media_ops->info(m->ms, i, mi);
	return -ENOENT;
}
