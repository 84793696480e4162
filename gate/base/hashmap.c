/*
 * hashmap.c — growth of the index map and the string interner (hashmap.h).
 */
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "util.h"

void lg_hmap_release(struct lg_hmap *m)
{
	free(m->slot);
	m->slot = NULL;
	m->n = m->used = 0;
}

void lg_hmap_clear(struct lg_hmap *m)
{
	if (m->n)
		memset(m->slot, 0, m->n * sizeof(*m->slot));
	m->used = 0;
}

/* Re-places every slot of the old table by its kept hash bits. */
static void rehash(struct lg_hmap *m, size_t n)
{
	struct lg_hmap_slot *old = m->slot;
	size_t i, oldn = m->n, mask = n - 1;

	m->slot = lg_xcalloc(n, sizeof(*m->slot));
	m->n = n;
	for (i = 0; i < oldn; i++) {
		size_t j;

		if (!old[i].k1)
			continue;
		for (j = old[i].h32 & mask; m->slot[j].k1; j = (j + 1) & mask)
			;
		m->slot[j] = old[i];
	}
	free(old);
}

void lg_hmap_grow_(struct lg_hmap *m)
{
	rehash(m, m->n ? m->n * 2 : 64);
}

void lg_hmap_reserve(struct lg_hmap *m, size_t want)
{
	size_t n = m->n ? m->n : 64;

	while (n / 2 < want)
		n *= 2;
	if (n != m->n)
		rehash(m, n);
}

void lg_intern_push_(struct lg_intern *in, const char *s, size_t n)
{
	if (in->n == in->alloc) {
		in->alloc = in->alloc ? in->alloc * 2 : 256;
		in->ent = lg_xrealloc(in->ent, in->alloc * sizeof(*in->ent));
	}
	in->ent[in->n].s = lg_arena_strndup(&in->arena, s, n);
	in->ent[in->n].len = n;
	in->n++;
}

void lg_intern_release(struct lg_intern *in)
{
	lg_hmap_release(&in->map);
	free(in->ent);
	in->ent = NULL;
	in->n = in->alloc = 0;
	lg_arena_release(&in->arena);
}
