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

static int intern_eq(const void *ctx, uint32_t k)
{
	const struct lg_intern *in = ctx;
	const struct lg_intern_ent *e = &in->ent[k];

	return e->len == in->keylen && !memcmp(e->s, in->key, in->keylen);
}

uint32_t lg_intern_id(struct lg_intern *in, const char *s, size_t n)
{
	uint32_t k;

	in->key = s;
	in->keylen = n;
	k = lg_hmap_find_or_add(&in->map, lg_hash_sampled(s, n), intern_eq, in, (uint32_t)in->n);
	if (k == in->n) {
		if (in->n == in->alloc) {
			in->alloc = in->alloc ? in->alloc * 2 : 256;
			in->ent = lg_xrealloc(in->ent, in->alloc * sizeof(*in->ent));
		}
		in->ent[k].s = lg_arena_strndup(&in->arena, s, n);
		in->ent[k].len = n;
		in->n++;
	}
	return k;
}

const char *lg_intern(struct lg_intern *in, const char *s, size_t n)
{
	uint32_t id = lg_intern_id(in, s, n); /* may move in->ent */

	return in->ent[id].s;
}

void lg_intern_release(struct lg_intern *in)
{
	lg_hmap_release(&in->map);
	free(in->ent);
	in->ent = NULL;
	in->n = in->alloc = 0;
	lg_arena_release(&in->arena);
}
