/*
 * test_shard.c — the package partition: K/N parsing and CI variables, every
 * package in exactly one shard, the same answer on every call, balance by
 * count without times and by time with them (longest processing time), and
 * filtering a go list result.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>

#include "check.h"
#include "shard.h"

static void test_parse(void)
{
	static const char *const bad[] = { "", "0/3", "4/3", "1/0", "a/b", "1/2x", "-1/2", "1/1001", " 1/2", "1/" };
	struct lg_shard s;
	struct lg_err err;
	size_t i;

	CHECK_INT(lg_shard_parse("2/3", &s, &err), 0);
	CHECK_INT(s.index, 2);
	CHECK_INT(s.total, 3);
	CHECK_INT(lg_shard_parse("1/1", &s, &err), 0);
	for (i = 0; i < LG_ARRAY_SIZE(bad); i++)
		CHECK(lg_shard_parse(bad[i], &s, &err) < 0);
	CHECK(strstr(err.msg, "'1/'") != NULL);
}

static void test_env(void)
{
	struct lg_shard s = { 0, 0 };
	struct lg_err err;

	unsetenv("CI_NODE_INDEX");
	unsetenv("CI_NODE_TOTAL");
	CHECK_INT(lg_shard_from_env(&s, &err), 0);
	setenv("CI_NODE_INDEX", "3", 1);
	setenv("CI_NODE_TOTAL", "4", 1);
	CHECK_INT(lg_shard_from_env(&s, &err), 1);
	CHECK_INT(s.index, 3);
	CHECK_INT(s.total, 4);
	setenv("CI_NODE_INDEX", "5", 1);
	CHECK_INT(lg_shard_from_env(&s, &err), -1);
	setenv("CI_NODE_INDEX", "x", 1);
	CHECK_INT(lg_shard_from_env(&s, &err), -1);
	unsetenv("CI_NODE_INDEX");
	CHECK_INT(lg_shard_from_env(&s, &err), -1);
	setenv("CI_NODE_TOTAL", "1", 1);
	CHECK_INT(lg_shard_from_env(&s, &err), 0);
	unsetenv("CI_NODE_TOTAL");
}

#define NPKG 37

static char names[NPKG][32];
static const char *paths[NPKG];

static void make_paths(void)
{
	size_t i;

	for (i = 0; i < NPKG; i++) {
		snprintf(names[i], sizeof(names[i]), "example.com/m/p%02zu", i);
		paths[i] = names[i];
	}
}

static void test_partition(void)
{
	int a[NPKG], b[NPKG], per[4] = { 0 };
	size_t i;

	make_paths();
	lg_shard_assign(paths, NPKG, 3, NULL, NULL, a);
	lg_shard_assign(paths, NPKG, 3, NULL, NULL, b);
	for (i = 0; i < NPKG; i++) {
		CHECK(a[i] >= 1 && a[i] <= 3);
		CHECK_INT(a[i], b[i]);
		per[a[i]]++;
	}
	/* 37 packages of equal weight over 3 shards: 13, 12, 12 */
	CHECK_INT(per[1], 13);
	CHECK_INT(per[2], 12);
	CHECK_INT(per[3], 12);
}

/* Seconds by the package's number: p00 weighs 100, the others 1..36. */
static double weight(void *ctx, const char *path)
{
	int n = atoi(strrchr(path, 'p') + 1);

	(void)ctx;
	return n == 0 ? 100.0 : n == 7 ? -1 : (double)n;
}

static void test_weighted(void)
{
	int a[NPKG];
	double load[4] = { 0 };
	size_t i;

	make_paths();
	lg_shard_assign(paths, NPKG, 3, weight, NULL, a);
	for (i = 0; i < NPKG; i++) {
		double w = weight(NULL, paths[i]);

		load[a[i]] += w < 0 ? 0 : w;
	}
	/* the heavy package runs alone-ish; LPT keeps the shards within one item of each other */
	for (i = 1; i <= 3; i++)
		CHECK(load[i] >= 220 && load[i] <= 290);
	CHECK_INT(a[0], 1);
}

/*
 * Golden: shards of one run may come from leakgate builds of different
 * versions (a cached binary), and all must split the packages the same way,
 * so the unweighted order (a hash of the import path) is pinned.
 */
static void test_assign_golden(void)
{
	static const char *const want3 = "2132132132123131231232212113132331231";
	static const char *const want7 = "6543217654712334561254761732212371564";
	char got[NPKG + 1];
	int a[NPKG];
	size_t i;

	make_paths();
	lg_shard_assign(paths, NPKG, 3, NULL, NULL, a);
	for (i = 0; i < NPKG; i++)
		got[i] = (char)('0' + a[i]);
	got[NPKG] = '\0';
	CHECK_STR(got, want3);
	lg_shard_assign(paths, NPKG, 7, NULL, NULL, a);
	for (i = 0; i < NPKG; i++)
		got[i] = (char)('0' + a[i]);
	CHECK_STR(got, want7);
}

static void test_filter(void)
{
	struct lg_golist l;
	struct lg_shard s = { 2, 3 };
	int a[NPKG];
	size_t i, kept, want = 0;

	make_paths();
	memset(&l, 0, sizeof(l));
	l.pkgs = lg_xcalloc(NPKG, sizeof(*l.pkgs));
	l.n = NPKG;
	for (i = 0; i < NPKG; i++) {
		l.pkgs[i].import_path = lg_xstrdup(paths[i]);
		l.pkgs[i].dir = lg_xstrdup("/x");
	}
	l.module_root = lg_xstrdup("/nonexistent");
	lg_shard_assign(paths, NPKG, 3, NULL, NULL, a);
	for (i = 0; i < NPKG; i++)
		want += a[i] == 2;
	kept = lg_shard_apply(&l, &s, NULL);
	CHECK_INT(kept, want);
	CHECK_INT(l.n, want);
	for (i = 1; i < l.n; i++)
		CHECK(strcmp(l.pkgs[i - 1].import_path, l.pkgs[i].import_path) < 0);
	lg_golist_release(&l);
}

int main(void)
{
	static const struct lg_check_case t[] = {
		{ "parse", test_parse },
		{ "env", test_env },
		{ "partition", test_partition },
		{ "weighted", test_weighted },
		{ "assign_golden", test_assign_golden },
		{ "filter", test_filter },
	};

	return LG_CHECK_RUN(t);
}
