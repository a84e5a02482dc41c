/* sip_ptrset.c: a set of pointers in an open-addressed table (linear probing, deletion by
 * shifting back, so no tombstones), kept at most half full: each operation is constant time
 * on average, whatever the number of members. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "sip_ptrset.h"

static size_t slot_of(const void *p, size_t cap)
{
	uint64_t h = (uint64_t)(uintptr_t)p;

	/* pointers from malloc share their low bits: mix them all in (a 64-bit finaliser) */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)h & (cap - 1);
}

static size_t find(const struct sip_ptrset *s, const void *p)
{
	size_t i = slot_of(p, s->cap);

	while (s->slot[i] && s->slot[i] != p)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static int grow(struct sip_ptrset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	const void **old = s->slot;
	size_t ocap = s->cap;

	if (cap < s->cap)
		return -ENOMEM;
	s->slot = calloc(cap, sizeof *s->slot);
	if (!s->slot) {
		s->slot = old;
		return -ENOMEM;
	}
	s->cap = cap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i])
			s->slot[find(s, old[i])] = old[i];
	free(old);
	return 0;
}

int sip_ptrset_add(struct sip_ptrset *s, const void *p)
{
	size_t i;

	if (!p)
		return -EINVAL;
	if ((s->n + 1) * 2 > s->cap) {
		int rc = grow(s);
		if (rc < 0)
			return rc;
	}
	i = find(s, p);
	if (!s->slot[i]) {
		s->slot[i] = p;
		s->n++;
	}
	return 0;
}

bool sip_ptrset_has(const struct sip_ptrset *s, const void *p)
{
	return p && s->cap && s->slot[find(s, p)] == p;
}

bool sip_ptrset_del(struct sip_ptrset *s, const void *p)
{
	size_t i, j, mask = s->cap - 1;

	if (!sip_ptrset_has(s, p))
		return false;
	i = find(s, p);
	s->slot[i] = NULL;
	s->n--;
	/* members after the hole that probed past it move back into it (Knuth 6.4, algorithm R) */
	for (j = (i + 1) & mask; s->slot[j]; j = (j + 1) & mask) {
		size_t k = slot_of(s->slot[j], s->cap);
		/* k cyclically in (i, j]: the member is still reachable from its home; else move it */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		s->slot[i] = s->slot[j];
		s->slot[j] = NULL;
		i = j;
	}
	return true;
}

void sip_ptrset_free(struct sip_ptrset *s)
{
	free(s->slot);
	s->slot = NULL;
	s->cap = s->n = 0;
}
