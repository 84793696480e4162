/*
 * test_hashmap.c — the index map and the interner: find/add across growth,
 * colliding hashes told apart by the equality callback, find-or-add in one
 * probe, clear/reserve, and interned ids dense and pointer-stable.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "hashmap.h"
#include "util.h"

struct keys {
	unsigned v[20000];
	unsigned want;
};

static int keys_eq(const void *ctx, uint32_t k)
{
	const struct keys *ks = ctx;

	return ks->v[k] == ks->want;
}

/* Every key under hash `h(v)`; collide = every key under the same hash. */
static uint64_t key_hash(unsigned v, int collide)
{
	return collide ? 42 : lg_hash_bytes(&v, sizeof(v));
}

static void run_find_add(int collide, size_t n)
{
	static struct keys ks;
	struct lg_hmap m = LG_HMAP_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		ks.v[i] = (unsigned)(i * 7919u + 3u);
		ks.want = ks.v[i];
		CHECK(lg_hmap_find(&m, key_hash(ks.v[i], collide), keys_eq, &ks) == LG_HMAP_NONE);
		lg_hmap_add(&m, key_hash(ks.v[i], collide), (uint32_t)i);
	}
	CHECK_INT(m.used, n);
	CHECK(m.n >= 2 * n);
	for (i = 0; i < n; i++) {
		ks.want = ks.v[i];
		CHECK_INT(lg_hmap_find(&m, key_hash(ks.want, collide), keys_eq, &ks), i);
	}
	ks.want = 1; /* 1 is never i * 7919 + 3 for these i */
	CHECK(lg_hmap_find(&m, key_hash(ks.want, collide), keys_eq, &ks) == LG_HMAP_NONE);
	lg_hmap_clear(&m);
	CHECK_INT(m.used, 0);
	ks.want = ks.v[0];
	CHECK(lg_hmap_find(&m, key_hash(ks.want, collide), keys_eq, &ks) == LG_HMAP_NONE);
	lg_hmap_release(&m);
	CHECK(m.slot == NULL && m.n == 0);
}

static void test_find_add_grow(void)
{
	run_find_add(0, 20000);
}

static void test_collisions(void)
{
	run_find_add(1, 500);
}

static void test_find_or_add(void)
{
	static struct keys ks;
	struct lg_hmap m = LG_HMAP_INIT;
	uint32_t n = 0, k;
	unsigned i;

	for (i = 0; i < 3000; i++) {
		ks.want = i % 1000; /* each key three times */
		ks.v[n] = ks.want;
		k = lg_hmap_find_or_add(&m, key_hash(ks.want, 0), keys_eq, &ks, n);
		if (k == n)
			n++;
		CHECK_INT(k, i % 1000);
	}
	CHECK_INT(n, 1000);
	CHECK_INT(m.used, 1000);
	lg_hmap_release(&m);
}

static void test_reserve(void)
{
	struct lg_hmap m = LG_HMAP_INIT;
	size_t n;

	lg_hmap_reserve(&m, 1000);
	n = m.n;
	CHECK(n >= 2000);
	lg_hmap_add(&m, 1, 0);
	lg_hmap_add(&m, 1u << 31, 1);
	lg_hmap_reserve(&m, 10); /* never shrinks */
	CHECK_INT(m.n, n);
	CHECK_INT(m.used, 2);
	lg_hmap_release(&m);
}

static void test_intern(void)
{
	struct lg_intern in = LG_INTERN_INIT;
	char buf[64];
	const char *first[5000];
	uint32_t i;

	for (i = 0; i < 5000; i++) {
		int len = snprintf(buf, sizeof(buf), "main.(*T).method%u.func1", i);

		CHECK_INT(lg_intern_id(&in, buf, (size_t)len), i);
		first[i] = lg_intern_str(&in, i);
	}
	for (i = 0; i < 5000; i++) {
		int len = snprintf(buf, sizeof(buf), "main.(*T).method%u.func1", i);

		CHECK(lg_intern(&in, buf, (size_t)len) == first[i]); /* stable across growth */
		CHECK_STR(first[i], buf);
	}
	/* not NUL-terminated input; a prefix is a different string */
	CHECK_INT(lg_intern_id(&in, "main.(*T).method7.func1XYZ", 23), 7);
	CHECK_INT(lg_intern_id(&in, "main.(*T).method7.func", 22), 5000);
	CHECK_INT(lg_intern_id(&in, "", 0), 5001);
	CHECK_STR(lg_intern_str(&in, 5001), "");
	CHECK_INT(in.n, 5002);
	lg_intern_release(&in);
	CHECK_INT(in.n, 0);
	CHECK_INT(lg_intern_id(&in, "again", 5), 0);
	lg_intern_release(&in);
}

static void test_hashes_differ(void)
{
	/* lengths and every sampled word count: no trivial collisions */
	CHECK(lg_hash_bytes("abc", 3) != lg_hash_bytes("abd", 3));
	CHECK(lg_hash_bytes("", 0) != lg_hash_bytes("\0", 1));
	CHECK(lg_hash_sampled("github.com/a/b.F", 16) != lg_hash_sampled("github.com/a/b.G", 16));
	CHECK(lg_hash_sampled("x123456789abcdefgh", 18) != lg_hash_sampled("y123456789abcdefgh", 18));
	CHECK(lg_hash_ptr(&test_intern) != lg_hash_ptr(&test_reserve));
}

static const struct lg_check_case cases[] = {
	{ "find_add_grow", test_find_add_grow },
	{ "collisions", test_collisions },
	{ "find_or_add", test_find_or_add },
	{ "reserve", test_reserve },
	{ "intern", test_intern },
	{ "hashes_differ", test_hashes_differ },
};

int main(void)
{
	return LG_CHECK_RUN(cases);
}
