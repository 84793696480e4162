/*
 * test_arena.c — the bump allocator: alignment, big requests beside small
 * ones, copies, and reuse after release (ASan in CI sees any overrun).
 */
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "util.h"

static void test_alignment_and_contents(void)
{
	struct lg_arena a = LG_ARENA_INIT;
	unsigned char *p[1000];
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(p); i++) {
		size_t align = (size_t)1 << (i % 5);

		p[i] = lg_arena_alloc(&a, i % 97 + 1, align);
		CHECK(((uintptr_t)p[i] & (align - 1)) == 0);
		memset(p[i], (int)(i & 0xff), i % 97 + 1);
	}
	for (i = 0; i < LG_ARRAY_SIZE(p); i++)
		CHECK(p[i][i % 97] == (unsigned char)(i & 0xff));
	lg_arena_release(&a);
	CHECK(a.chunks == NULL && a.bytes == 0);
}

static void test_big_between_small(void)
{
	struct lg_arena a = LG_ARENA_INIT;
	char *small1 = lg_arena_alloc(&a, 16, 16);
	char *big = lg_arena_alloc(&a, (size_t)1 << 20, 16);
	char *small2 = lg_arena_alloc(&a, 16, 16);

	memset(big, 'b', (size_t)1 << 20);
	memset(small1, '1', 16);
	memset(small2, '2', 16);
	/* the big one has a chunk of its own; the small ones share the first */
	CHECK(small2 == small1 + 16);
	CHECK(big[0] == 'b' && big[((size_t)1 << 20) - 1] == 'b');
	CHECK_INT(a.bytes, 32 + ((size_t)1 << 20));
	lg_arena_release(&a);
}

static void test_strndup(void)
{
	struct lg_arena a = LG_ARENA_INIT;
	char *s = lg_arena_strndup(&a, "label=value and more", 11);

	CHECK_STR(s, "label=value");
	CHECK_STR(lg_arena_strndup(&a, "", 0), "");
	lg_arena_release(&a);
	s = lg_arena_strndup(&a, "again", 5);
	CHECK_STR(s, "again");
	lg_arena_release(&a);
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "alignment and contents", test_alignment_and_contents },
		{ "big between small", test_big_between_small },
		{ "strndup", test_strndup },
	};

	return lg_check_main(cases, LG_ARRAY_SIZE(cases));
}
