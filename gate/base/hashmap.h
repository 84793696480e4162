/*
 * hashmap.h — the one hash table of leakgate, and the string interner on it.
 *
 * struct lg_hmap is an index map: the entries live in the caller's own
 * array (groups, frames, names, test records) and the map only holds, per
 * slot, an entry number and 32 bits of the entry's hash.  So a table costs
 * 8 bytes a slot, grows without calling back into the caller (the kept
 * hash bits place an entry again), and every module keeps its entries in
 * the layout its hot loop wants.  Lookups take an equality callback; it is
 * asked only about entries whose kept hash bits match.  The functions are
 * inline so that a lookup with a static callback compiles to one loop.
 *
 * Open addressing with linear probing; the table doubles past half full
 * and never shrinks.  Entry numbers are uint32_t (at most 2^32 - 2
 * entries, far beyond any cap leakgate sets on untrusted input).
 * Allocation never fails (lg_xcalloc reports exhaustion and exits).
 *
 * struct lg_intern stores each distinct string once (in an arena) and
 * gives it a dense id; ids and the returned pointers stay valid until
 * lg_intern_release.
 *
 * Hashes here are for memory only: lg_hash_bytes may change between
 * releases.  Ids users keep (signatures, fingerprints) use lg_fnv1a from
 * util.h, which never changes.
 */
#ifndef LG_HASHMAP_H
#define LG_HASHMAP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"

#define LG_HMAP_NONE UINT32_MAX

struct lg_hmap_slot {
	uint32_t k1;  /* entry number + 1; 0 = free */
	uint32_t h32; /* the entry's hash, folded to 32 bits */
};

struct lg_hmap {
	struct lg_hmap_slot *slot;
	size_t n;    /* slots: 0 or a power of two */
	size_t used; /* entries added */
};

#define LG_HMAP_INIT { NULL, 0, 0 }

/* Says whether entry k is the key the caller looks for. */
typedef int (*lg_hmap_eq_fn)(const void *ctx, uint32_t k);

/* Frees the slots; the map is empty and usable again. */
void lg_hmap_release(struct lg_hmap *m);
/* Empties the map, keeping its slots for reuse. */
void lg_hmap_clear(struct lg_hmap *m);
/* Makes room for `want` entries without growing on the way (a size hint). */
void lg_hmap_reserve(struct lg_hmap *m, size_t want);
/* Internal: doubles the table (or makes the first one). */
void lg_hmap_grow_(struct lg_hmap *m);

static inline uint32_t lg_hmap_fold_(uint64_t h)
{
	return (uint32_t)(h ^ (h >> 32));
}

/*
 * Asks for the slot a lookup under hash h starts at, ahead of the lookup:
 * a caller that knows the hashes of its next keys overlaps their cache
 * misses with its work.  A hint only (the map may grow in between).  A
 * macro: GCC 12 finds an inline function holding only a prefetch free of
 * side effects and drops its calls before inlining them.
 */
#define lg_hmap_prefetch(m, h)                                                        \
	do {                                                                          \
		const struct lg_hmap *pm_ = (m);                                      \
		if (pm_->n)                                                           \
			__builtin_prefetch(&pm_->slot[lg_hmap_fold_(h) & (pm_->n - 1)]); \
	} while (0)

/* Entry number of the entry under hash h that eq accepts, or LG_HMAP_NONE. */
static inline uint32_t lg_hmap_find(const struct lg_hmap *m, uint64_t h, lg_hmap_eq_fn eq, const void *ctx)
{
	uint32_t t = lg_hmap_fold_(h);
	size_t i, mask;

	if (!m->n)
		return LG_HMAP_NONE;
	mask = m->n - 1;
	for (i = t & mask; m->slot[i].k1; i = (i + 1) & mask)
		if (m->slot[i].h32 == t && eq(ctx, m->slot[i].k1 - 1))
			return m->slot[i].k1 - 1;
	return LG_HMAP_NONE;
}

/*
 * Adds entry k under hash h.  The caller knows no equal entry is in the
 * map (after a failed lg_hmap_find, or for keys unique by construction).
 */
static inline void lg_hmap_add(struct lg_hmap *m, uint64_t h, uint32_t k)
{
	uint32_t t = lg_hmap_fold_(h);
	size_t i, mask;

	if ((m->used + 1) * 2 > m->n)
		lg_hmap_grow_(m);
	mask = m->n - 1;
	for (i = t & mask; m->slot[i].k1; i = (i + 1) & mask)
		;
	m->slot[i].k1 = k + 1;
	m->slot[i].h32 = t;
	m->used++;
}

/*
 * One probe for find-or-add: returns the number of the entry under h that
 * eq accepts, or adds `k_new` (the number the caller's next entry will
 * get) and returns it.  The caller tells the two apart by comparing with
 * k_new, and then appends its entry.
 */
static inline uint32_t lg_hmap_find_or_add(struct lg_hmap *m, uint64_t h, lg_hmap_eq_fn eq, const void *ctx,
					   uint32_t k_new)
{
	uint32_t t = lg_hmap_fold_(h);
	size_t i, mask;

	if ((m->used + 1) * 2 > m->n)
		lg_hmap_grow_(m);
	mask = m->n - 1;
	for (i = t & mask; m->slot[i].k1; i = (i + 1) & mask)
		if (m->slot[i].h32 == t && eq(ctx, m->slot[i].k1 - 1))
			return m->slot[i].k1 - 1;
	m->slot[i].k1 = k_new + 1;
	m->slot[i].h32 = t;
	m->used++;
	return k_new;
}

/* ---------------------------------------------------------------------- */
/* In-memory hashes. */

/* A word-at-a-time hash of n bytes (any byte order: never persisted). */
static inline uint64_t lg_hash_bytes(const void *p, size_t n)
{
	const char *s = p;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ (n * 0xff51afd7ed558ccdull);
	uint64_t w;

	while (n >= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
		s += 8;
		n -= 8;
	}
	w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 29;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

/*
 * A hash of a string from its length and three of its words (start,
 * middle, end): O(1) whatever the length, for names compared in full on a
 * hit anyway — the parser interns one or two names per dump line.
 */
static inline uint64_t lg_hash_sampled(const char *s, size_t n)
{
	uint64_t a, b, c;

	if (n < 8)
		return lg_hash_bytes(s, n);
	memcpy(&a, s, 8);
	memcpy(&b, s + n / 2 - 4, 8);
	memcpy(&c, s + n - 8, 8);
	a = (a ^ (n * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
	a = (a ^ (a >> 29) ^ b) * 0xc4ceb9fe1a85ec53ull;
	a = (a ^ (a >> 32) ^ c) * 0x94d049bb133111ebull;
	return a ^ (a >> 31);
}

/* A pointer's hash (tables keyed by interned pointers). */
static inline uint64_t lg_hash_ptr(const void *p)
{
	uint64_t v = (uint64_t)(uintptr_t)p;

	v ^= v >> 29;
	v *= 0xbf58476d1ce4e5b9ull;
	return v ^ (v >> 32);
}

/* ---------------------------------------------------------------------- */
/* The string interner. */

struct lg_intern_ent {
	const char *s; /* NUL-terminated, in the arena */
	size_t len;
};

struct lg_intern {
	struct lg_hmap map;
	struct lg_intern_ent *ent; /* by id */
	size_t n, alloc;
	struct lg_arena arena;
	/* scratch for the lookup callback */
	const char *key;
	size_t keylen;
};

#define LG_INTERN_INIT { LG_HMAP_INIT, NULL, 0, 0, LG_ARENA_INIT, NULL, 0 }

/* Internal: stores a copy of s[0..n) as id in->n (the map already points at it). */
void lg_intern_push_(struct lg_intern *in, const char *s, size_t n);

static inline int lg_intern_eq_(const void *ctx, uint32_t k)
{
	const struct lg_intern *in = ctx;
	const struct lg_intern_ent *e = &in->ent[k];

	return e->len == in->keylen && !memcmp(e->s, in->key, in->keylen);
}

/*
 * The id of s[0..n) (which need not be NUL-terminated), storing a copy
 * the first time; ids are dense from 0 in order of first sight.  Inline:
 * the dump parser interns a name or two per line.
 */
static inline uint32_t lg_intern_id(struct lg_intern *in, const char *s, size_t n)
{
	uint32_t k;

	in->key = s;
	in->keylen = n;
	k = lg_hmap_find_or_add(&in->map, lg_hash_sampled(s, n), lg_intern_eq_, in, (uint32_t)in->n);
	if (k == in->n)
		lg_intern_push_(in, s, n);
	return k;
}

/* The stored copy of s[0..n): the same pointer for equal strings. */
static inline const char *lg_intern(struct lg_intern *in, const char *s, size_t n)
{
	uint32_t id = lg_intern_id(in, s, n); /* may move in->ent */

	return in->ent[id].s;
}

/* The string of id (< in->n). */
static inline const char *lg_intern_str(const struct lg_intern *in, uint32_t id)
{
	return in->ent[id].s;
}
/* Frees every string and the table; `in` is empty and usable again. */
void lg_intern_release(struct lg_intern *in);

#endif
