/* arena.c: one allocation pool per configuration, so a whole config is freed (or kept) at once. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	max_align_t data[];
};

struct sb_arena {
	struct arena_block *head;
};

int sb__arena_new(struct sb_arena **ap)
{
	struct sb_arena *a = calloc(1, sizeof *a);
	if (!a)
		return -ENOMEM;
	*ap = a;
	return 0;
}

void sb__arena_free(struct sb_arena *a)
{
	if (!a)
		return;
	for (struct arena_block *b = a->head, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

/* Zeroed memory that lives as long as the arena; aborts nothing: NULL on exhaustion. */
void *sb__arena_alloc(struct sb_arena *a, size_t n)
{
	const size_t align = sizeof(max_align_t);
	struct arena_block *b = a->head;

	n = (n + align - 1) / align * align;
	if (n == 0)
		n = align;
	if (!b || b->size - b->used < n) {
		size_t size = n > 16384 ? n : 16384;
		b = calloc(1, sizeof *b + size);
		if (!b)
			return NULL;
		b->size = size;
		b->next = a->head;
		a->head = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

char *sb__arena_strdup(struct sb_arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = sb__arena_alloc(a, n);
	if (d)
		memcpy(d, s, n);
	return d;
}
