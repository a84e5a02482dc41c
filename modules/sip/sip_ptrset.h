/* sip_ptrset.h: a set of pointers with constant-time add, remove and lookup (the live legs). */
#ifndef SIP_PTRSET_H
#define SIP_PTRSET_H

#include <stdbool.h>
#include <stddef.h>

struct sip_ptrset {
	const void **slot; /* open addressing, linear probing; NULL: empty */
	size_t cap;        /* a power of two, or 0 before the first add */
	size_t n;
};

/* 0, or -ENOMEM (the set is unchanged); adding a member again changes nothing */
int sip_ptrset_add(struct sip_ptrset *s, const void *p);
/* true if p was a member */
bool sip_ptrset_del(struct sip_ptrset *s, const void *p);
bool sip_ptrset_has(const struct sip_ptrset *s, const void *p);
void sip_ptrset_free(struct sip_ptrset *s);

#endif
