/*
 * arena.c — the bump allocator.  Requests bigger than a quarter chunk get
 * a chunk of their own, linked behind the current one so that the current
 * one keeps filling.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "util.h"

#define CHUNK_SIZE ((size_t)256 << 10)

struct lg_arena_chunk {
	struct lg_arena_chunk *next;
	size_t used;
	size_t size;
	/* data follows, 16-byte aligned by the allocation */
};

#define CHUNK_HDR ((sizeof(struct lg_arena_chunk) + 15) & ~(size_t)15)

static void *new_chunk(struct lg_arena *a, size_t size, size_t used)
{
	struct lg_arena_chunk *c = lg_xmalloc(CHUNK_HDR + size);

	c->size = size;
	c->used = used;
	if (size > CHUNK_SIZE && a->chunks) {
		c->next = a->chunks->next;
		a->chunks->next = c;
	} else {
		c->next = a->chunks;
		a->chunks = c;
	}
	return (char *)c + CHUNK_HDR;
}

void *lg_arena_alloc(struct lg_arena *a, size_t n, size_t align)
{
	struct lg_arena_chunk *c = a->chunks;
	size_t off;

	a->bytes += n;
	if (c) {
		off = (c->used + align - 1) & ~(align - 1);
		if (off <= c->size && c->size - off >= n) {
			c->used = off + n;
			return (char *)c + CHUNK_HDR + off;
		}
	}
	if (n > CHUNK_SIZE / 4)
		return new_chunk(a, n, n);
	return new_chunk(a, CHUNK_SIZE, n);
}

char *lg_arena_strndup(struct lg_arena *a, const char *s, size_t n)
{
	char *d = lg_arena_alloc(a, n + 1, 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void lg_arena_release(struct lg_arena *a)
{
	struct lg_arena_chunk *c, *next;

	for (c = a->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	a->chunks = NULL;
	a->bytes = 0;
}
