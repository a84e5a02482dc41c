/* sip_reg_bind.c: the registrar's bindings (a station's contacts), their expiry on one timer,
 * and the Contact list a 200 answers with. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SB_MODULE "sip"
#include "sip_priv.h"

#define MAX_PER_USER 4 /* contacts one station may bind */
#define MAX_BINDINGS (64 * 1024)

static struct {
	struct sip_binding *b;
	size_t n, cap;
	uv_timer_t timer;
	bool timer_on;
} bd;

static void drop(size_t i)
{
	sip_lic_give(false, bd.b[i].user, bd.b[i].contact);
	bd.b[i] = bd.b[--bd.n];
}

void sip_bind_expire(uint64_t now)
{
	for (size_t i = 0; i < bd.n;) {
		if (bd.b[i].expires_at <= now) {
			log_info("registration of %s at %s expired", bd.b[i].user,
				 bd.b[i].contact);
			drop(i);
		} else {
			i++;
		}
	}
}

static void timer_cb(uv_timer_t *t);

/* One timer for the next binding to expire. */
void sip_bind_arm(void)
{
	uint64_t next = UINT64_MAX, now = sip_now_ms();

	if (!bd.timer_on)
		return;
	for (size_t i = 0; i < bd.n; i++)
		if (bd.b[i].expires_at < next)
			next = bd.b[i].expires_at;
	if (next == UINT64_MAX)
		uv_timer_stop(&bd.timer);
	else
		uv_timer_start(&bd.timer, timer_cb, next > now ? next - now : 0, 0);
}

static void timer_cb(uv_timer_t *t)
{
	sip_bind_expire(sip_now_ms());
	sip_bind_arm();
}

static struct sip_binding *find(const char *user, const char *contact)
{
	for (size_t i = 0; i < bd.n; i++)
		if (strcmp(bd.b[i].user, user) == 0 && strcmp(bd.b[i].contact, contact) == 0)
			return &bd.b[i];
	return NULL;
}

int sip_bind_set(const char *user, const char *contact, const char *source, const char *transport,
		 const char *ua, unsigned expires, uint64_t now, char *why, size_t wlen)
{
	struct sip_binding *b = find(user, contact);
	size_t mine = 0, oldest = SIZE_MAX;

	if (!b) {
		for (size_t i = 0; i < bd.n; i++)
			if (strcmp(bd.b[i].user, user) == 0) {
				mine++;
				if (oldest == SIZE_MAX || bd.b[i].since < bd.b[oldest].since)
					oldest = i;
			}
		if (mine >= MAX_PER_USER)
			drop(oldest); /* the newest device of a station wins */
		if (sip_lic_take(false, user, contact, why, wlen) < 0)
			return -EACCES;
		if (bd.n == bd.cap) {
			size_t cap = bd.cap ? bd.cap * 2 : 16;
			struct sip_binding *nb;
			if (cap > MAX_BINDINGS || !(nb = realloc(bd.b, cap * sizeof *nb))) {
				sip_lic_give(false, user, contact);
				return -ENOMEM;
			}
			bd.b = nb;
			bd.cap = cap;
		}
		b = &bd.b[bd.n++];
		memset(b, 0, sizeof *b);
		snprintf(b->user, sizeof b->user, "%s", user);
		snprintf(b->contact, sizeof b->contact, "%s", contact);
		b->since = now;
	}
	snprintf(b->source, sizeof b->source, "%s", source);
	snprintf(b->transport, sizeof b->transport, "%s", transport);
	snprintf(b->user_agent, sizeof b->user_agent, "%s", ua ? ua : "");
	b->expires_at = now + (uint64_t)expires * 1000;
	b->granted = expires;
	return 0;
}

void sip_bind_del(const char *user, const char *contact)
{
	for (size_t i = 0; i < bd.n;)
		if (strcmp(bd.b[i].user, user) == 0 &&
		    (!contact || strcmp(bd.b[i].contact, contact) == 0))
			drop(i);
		else
			i++;
}

const struct sip_binding *sip_reg_bindings(uint64_t now, size_t *np)
{
	sip_bind_expire(now);
	*np = bd.n;
	return bd.b;
}

/* The 200's Contact list: every binding the user has, with the seconds it has left. */
void sip_bind_contacts(const char *user, uint64_t now, char *out, size_t len)
{
	size_t o = 0;

	if (len)
		out[0] = '\0';
	for (size_t i = 0; i < bd.n; i++) {
		if (strcmp(bd.b[i].user, user) != 0)
			continue;
		unsigned left = (unsigned)((bd.b[i].expires_at - now + 999) / 1000);
		int w = snprintf(out + o, len - o, "%s<%s>;expires=%u", o ? ", " : "",
				 bd.b[i].contact, left);
		if (w < 0 || (size_t)w >= len - o)
			break;
		o += (size_t)w;
	}
}

/* After a reload: the bindings of users that are no longer stations go. */
void sip_bind_keep(bool (*known)(const char *user))
{
	for (size_t i = 0; i < bd.n;)
		if (!known(bd.b[i].user))
			drop(i);
		else
			i++;
	sip_bind_arm();
}

void sip_bind_open(void)
{
	uv_timer_init(sb_daemon_loop(), &bd.timer);
	bd.timer_on = true;
}

void sip_bind_close(void)
{
	if (bd.timer_on)
		uv_close((uv_handle_t *)&bd.timer, NULL);
	bd.timer_on = false;
	free(bd.b);
	bd.b = NULL;
	bd.n = bd.cap = 0;
}
