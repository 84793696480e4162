/*
 * arena.h — bump allocation for objects that all die together (the
 * strings of one dump, the frames and label text of one group set): one
 * malloc per 64 KiB instead of one per object, and one pass to free them.
 * Allocation never fails (lg_xmalloc aborts on exhaustion, like every
 * allocation in leakgate); callers cap what untrusted input may make.
 */
#ifndef LG_ARENA_H
#define LG_ARENA_H

#include <stddef.h>

struct lg_arena_chunk;

struct lg_arena {
	struct lg_arena_chunk *chunks; /* the one being filled first */
	size_t bytes;                  /* handed out so far */
};

#define LG_ARENA_INIT { NULL, 0 }

/* `n` bytes aligned to `align` (a power of two <= 16), alive until release. */
void *lg_arena_alloc(struct lg_arena *a, size_t n, size_t align);
/* A copy of `n` bytes of `s` with a NUL after them. */
char *lg_arena_strndup(struct lg_arena *a, const char *s, size_t n);
/* Frees every allocation at once; `a` is empty and usable again. */
void lg_arena_release(struct lg_arena *a);

#endif
