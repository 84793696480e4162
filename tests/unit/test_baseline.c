/*
 * test_baseline.c — the baseline store and its comparisons: import path to
 * file name mapping (and what it refuses), exact round trips and
 * deterministic bytes, every prefix of a valid file and other corrupt or
 * future files rejected with the file and JSON path named, locked atomic
 * writes, and table-driven comparison (new group, count up, within, fixed,
 * strict, expired, heap envelope) and diff.  (--count merging: test_gate.c.)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "baseline.h"
#include "model.h"
#include "json.h"
#include "util.h"
#include "check.h"
#include "pkg_fixture.h"

#define KIB 1024

static char tmpdir[64];

/* --- helpers -------------------------------------------------------------- */

static void make_baseline(struct lg_baseline *b, const struct gspec *g, size_t n, int64_t hmax)
{
	struct lg_package p;

	make_pkg(&p, g, n, hmax, 1000, (int64_t)1 << 40);
	lg_baseline_init(b);
	lg_baseline_from_package(b, &p, NULL, NULL, "go1.26.8");
	lg_package_release(&p);
}

static int contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

static char *write_tmp(const char *name, const char *text, size_t len)
{
	char *path = lg_xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");

	fwrite(text, 1, len, f);
	fclose(f);
	return path;
}

/* --- file names ----------------------------------------------------------- */

static void test_file_names(void)
{
	static const struct {
		const char *in, *want;
	} ok[] = {
		{ "example.com/m/p", "example.com~m~p.json" },
		{ "leakgate.test/demo", "leakgate.test~demo.json" },
		{ "a/b_c-d+e", "a~b_c-d+e.json" },
		{ "a~b/c%d", "a%7Eb~c%25d.json" },
		{ "a/b c", "a~b%20c.json" },
		{ ".hidden/x", "%2Ehidden~x.json" },
		{ "a/.x", "a~.x.json" },
		{ "x/\xc3\xa9", "x~%C3%A9.json" },
	};
	static const char *const bad[] = {
		"", "/abs/path", "a/../b", "..", "../x", "a/..", ".", "a/./b", "a//b", "a/",
		"a\\b", "..\\x", "a\nb", "a\001b",
	};
	struct lg_err err;
	char *long_path, *s;
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(ok); i++) {
		s = lg_baseline_file_name(ok[i].in, &err);
		CHECK_STR(s, ok[i].want);
		CHECK(s && !strchr(s, '/') && !strchr(s, '\\') && s[0] != '.');
		free(s);
	}
	for (i = 0; i < LG_ARRAY_SIZE(bad); i++) {
		err.msg[0] = '\0';
		s = lg_baseline_file_name(bad[i], &err);
		if (s)
			fprintf(stderr, "accepted bad import path #%zu -> %s\n", i, s);
		CHECK(s == NULL);
		CHECK(err.msg[0] != '\0');
		free(s);
	}
	long_path = lg_xmalloc(400);
	memset(long_path, 'a', 399);
	long_path[399] = '\0';
	s = lg_baseline_file_name(long_path, &err);
	CHECK(s == NULL);
	CHECK(contains(err.msg, "too long"));
	free(s);
	free(long_path);
}

/* Distinct import paths never share a file. */
static void test_file_names_injective(void)
{
	static const char *const paths[] = { "a/b", "a~b", "a%7Eb", "a/b/c", "a/b~c", "a.b", "a_b",
					     "A/b" };
	char *names[LG_ARRAY_SIZE(paths)];
	struct lg_err err;
	size_t i, j;

	for (i = 0; i < LG_ARRAY_SIZE(paths); i++)
		names[i] = lg_baseline_file_name(paths[i], &err);
	for (i = 0; i < LG_ARRAY_SIZE(paths); i++)
		for (j = i + 1; j < LG_ARRAY_SIZE(paths); j++)
			CHECK(names[i] && names[j] && strcmp(names[i], names[j]));
	for (i = 0; i < LG_ARRAY_SIZE(paths); i++)
		free(names[i]);
}

/* --- round trip and determinism ------------------------------------------- */

static void test_round_trip(void)
{
	static const struct gspec g[] = { { "ffff000000000001", 3 }, { "0000000000000002", 1 } };
	struct lg_baseline b, back;
	struct lg_err err;
	char *text, *again;

	make_baseline(&b, g, 2, 300 * KIB);
	b.leaks[1].reason = lg_xstrdup("vendor library, fix in #123 \"soon\"");
	b.leaks[1].owner = lg_xstrdup("team-payments");
	b.leaks[1].expires = lg_xstrdup("2031-02-28");
	text = lg_baseline_format(&b);
	CHECK(contains(text, "\"schema_version\": 1"));
	CHECK(contains(text, "\"example\": \"p/p.go:12\""));
	CHECK(contains(text, "\"reason\": \"\"")); /* empty slots are shown */
	CHECK(contains(text, "\"test_seconds\": 1.23"));
	CHECK(strstr(text, "0000000000000002") < strstr(text, "ffff000000000001"));
	lg_baseline_init(&back);
	CHECK_INT(lg_baseline_parse(&back, text, strlen(text), "rt.json", &err), 0);
	CHECK_INT(back.nleaks, 2);
	CHECK_STR(back.package, "example.com/m/p");
	CHECK_STR(back.go_version, "go1.26.8");
	CHECK_INT(back.leaks[1].count, 3);
	CHECK_STR(back.leaks[1].owner, "team-payments");
	CHECK_STR(back.leaks[1].expires, "2031-02-28");
	CHECK(back.leaks[0].reason == NULL);
	CHECK_INT(back.heap_max, 300 * KIB);
	CHECK_INT(back.heap_runs, 1);
	CHECK_INT(back.goroutines, 3);
	again = lg_baseline_format(&back);
	CHECK_STR(again, text);
	free(again);
	free(text);
	lg_baseline_release(&back);
	lg_baseline_release(&b);
}

/* Same findings in another order, same bytes; user fields survive an update. */
static void test_deterministic_and_keeps_user_fields(void)
{
	static const struct gspec g1[] = { { "b2", 1 }, { "a1", 2 }, { "c3", 4 } };
	static const struct gspec g2[] = { { "c3", 4 }, { "b2", 1 }, { "a1", 2 } };
	static const struct gspec g3[] = { { "a1", 5 }, { "d4", 1 } };
	struct lg_baseline x, y, z;
	struct lg_package p;
	char *tx, *ty;

	make_baseline(&x, g1, 3, 0);
	make_baseline(&y, g2, 3, 0);
	tx = lg_baseline_format(&x);
	ty = lg_baseline_format(&y);
	CHECK_STR(tx, ty);
	free(tx);
	free(ty);
	x.leaks[0].reason = lg_xstrdup("known");
	x.leaks[0].expires = lg_xstrdup("2030-01-01");
	make_pkg(&p, g3, 2, 0, 0, 0);
	lg_baseline_init(&z);
	lg_baseline_from_package(&z, &p, NULL, &x, NULL);
	CHECK_INT(z.nleaks, 2);
	CHECK_STR(z.leaks[0].signature, "a1");
	CHECK_INT(z.leaks[0].count, 5);
	CHECK_STR(z.leaks[0].reason, "known");
	CHECK_STR(z.leaks[0].expires, "2030-01-01");
	CHECK(z.leaks[1].reason == NULL);
	lg_package_release(&p);
	lg_baseline_release(&x);
	lg_baseline_release(&y);
	lg_baseline_release(&z);
}

/* --- corrupt, truncated and future files ---------------------------------- */

static void test_every_prefix_rejected(void)
{
	static const struct gspec g[] = { { "0123456789abcdef", 2 } };
	struct lg_baseline b, r;
	struct lg_err err;
	char *text;
	size_t len, i, accepted = 0;

	make_baseline(&b, g, 1, 100);
	text = lg_baseline_format(&b);
	len = strlen(text);
	/* Cut anywhere before the closing brace, the file must not load. */
	for (i = 0; i < len - 2; i++) {
		lg_baseline_init(&r);
		err.msg[0] = '\0';
		if (lg_baseline_parse(&r, text, i, "cut.json", &err) == 0) {
			accepted++;
			lg_baseline_release(&r);
		} else if (!contains(err.msg, "'cut.json'")) {
			fprintf(stderr, "prefix %zu: message without the file: %s\n", i, err.msg);
			accepted++;
		}
	}
	CHECK_INT(accepted, 0);
	free(text);
	lg_baseline_release(&b);
}

static void test_corrupt_files(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "", "empty file" },
		{ "[]", "top level" },
		{ "{\"tool\":\"leakgate\",\"package\":\"p\"}", "schema_version: missing" },
		{ "{\"schema_version\":\"1\",\"tool\":\"leakgate\"}", "schema_version: expected an integer" },
		{ "{\"schema_version\":2,\"tool\":\"leakgate\",\"package\":\"p\",\"new\":1}", "newer leakgate (schema 2" },
		{ "{\"schema_version\":0,\"tool\":\"leakgate\"}", "not a valid schema version" },
		{ "{\"schema_version\":1,\"tool\":\"other\",\"package\":\"p\"}", "not a leakgate baseline" },
		{ "{\"schema_version\":1,\"tool\":\"leakgate\"}", "package: missing" },
		{ "{\"schema_version\":1,\"tool\":\"leakgate\",\"package\":\"p\",\"leak\":[]}", "unknown key \"leak\"" },
		{ "{\"schema_version\":1,\"tool\":\"leakgate\",\"package\":\"p\",\"leaks\":{}}", "leaks: expected an array" },
		{ "{\"schema_version\":1,\"tool\":\"leakgate\",\"package\":\"p\",\"leaks\":[{\"signature\":\"a\",\"count\":\"2\"}]}", "leaks[0].count: expected an integer" },
		{ "{\"schema_version\":1,\"tool\":\"leakgate\",\"package\":\"p\",\"leaks\":[{\"signature\":\"a\",\"count\":1},{\"count\":1}]}", "leaks[1].signature: missing" },
		{ "{\"schema_version\":1,\"tool\":\"leakgate\",\"package\":\"p\",\"leaks\":[{\"signature\":\"a\",\"count\":0}]}", "leaks[0].count: 0 is out of range" },
		{ "{\"schema_version\":1,\"tool\":\"leakgate\",\"package\":\"p\",\"leaks\":[{\"signature\":\"a\",\"count\":1,\"expires\":\"next week\"}]}", "leaks[0].expires: \"next week\" is not a date" },
		{ "{\"schema_version\":1,\"tool\":\"leakgate\",\"package\":\"p\",\"leaks\":[{\"signature\":\"a\",\"count\":1,\"expires\":\"2024-13-01\"}]}", "leaks[0].expires" },
		{ "{\"schema_version\":1,\"tool\":\"leakgate\",\"package\":\"p\",\"leaks\":[{\"signature\":\"a\",\"count\":1},{\"signature\":\"a\",\"count\":2}]}", "listed twice" },
		{ "{\"schema_version\":1,\"tool\":\"leakgate\",\"package\":\"p\",\"leaks\":[3]}", "leaks[0]: expected an object" },
		{ "{\"schema_version\":1,\"tool\":\"leakgate\",\"package\":\"p\",\"heap_growth\":{\"runs\":1,\"min\":5,\"median\":4,\"max\":6}}", "heap_growth: expected min <= median <= max" },
		{ "{\"schema_version\":1,\"tool\":\"leakgate\",\"package\":\"p\",\"heap_growth\":{\"runs\":1,\"min\":1,\"median\":1}}", "heap_growth.max: missing" },
		{ "{\"schema_version\":1,\"tool\":\"leakgate\",\"package\":\"p\",\"test_seconds\":-1}", "test_seconds: expected a non-negative number" },
		{ "{\"schema_version\":1,\"tool\":\"leakgate\",\"package\":\"p\",\"package\":\"q\"}", "duplicate" },
	};
	struct lg_baseline b;
	struct lg_err err;
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		lg_baseline_init(&b);
		err.msg[0] = '\0';
		CHECK_INT(lg_baseline_parse(&b, cases[i].text, strlen(cases[i].text), "bad.json", &err), -1);
		if (!contains(err.msg, cases[i].want) || !contains(err.msg, "'bad.json'"))
			fprintf(stderr, "case %zu: got \"%s\", want \"%s\"\n", i, err.msg, cases[i].want);
		CHECK(contains(err.msg, cases[i].want) && contains(err.msg, "'bad.json'"));
		CHECK_INT(b.nleaks, 0); /* released: never a half-read baseline */
		lg_baseline_release(&b);
	}
}

static void test_load_missing_and_oversized(void)
{
	struct lg_baseline b;
	struct lg_err err;
	char *missing = lg_xasprintf("%s/none.json", tmpdir), *big, *path;
	size_t n = LG_BASELINE_MAX_BYTES + 10;

	lg_baseline_init(&b);
	CHECK_INT(lg_baseline_load(&b, missing, &err), 1);
	big = lg_xmalloc(n);
	memset(big, ' ', n);
	path = write_tmp("big.json", big, n);
	CHECK_INT(lg_baseline_load(&b, path, &err), -1);
	CHECK(contains(err.msg, "big.json"));
	free(big);
	free(path);
	free(missing);
	lg_baseline_release(&b);
}

/* --- writes ----------------------------------------------------------------- */

static void test_locked_atomic_write(void)
{
	static const struct gspec g[] = { { "abc", 1 } };
	struct lg_baseline b, back;
	struct lg_err err;
	char *dir = lg_xasprintf("%s/store/sub", tmpdir), *stale, *path, *text;
	struct stat st;
	int fd;

	make_baseline(&b, g, 1, 5);
	fd = lg_baseline_lock(dir, &err); /* creates the directory */
	CHECK(fd >= 0);
	stale = lg_xasprintf("%s/.example.com~m~p.json.tmp.AbCdEf", dir);
	fclose(fopen(stale, "w"));
	lg_baseline_unlock(fd);
	fd = lg_baseline_lock(dir, &err); /* a stale temp of a killed writer goes */
	CHECK(stat(stale, &st) < 0);
	CHECK_INT(lg_baseline_write(&b, dir, &err), 0);
	lg_baseline_unlock(fd);
	path = lg_xasprintf("%s/example.com~m~p.json", dir);
	lg_baseline_init(&back);
	CHECK_INT(lg_baseline_load(&back, path, &err), 0);
	text = lg_baseline_format(&back);
	{
		struct lg_buf disk = LG_BUF_INIT;

		CHECK_INT(lg_read_file(path, 1 << 20, &disk, &err), 0);
		CHECK_STR(disk.buf, text);
		lg_buf_release(&disk);
	}
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
	free(text);
	free(path);
	free(stale);
	free(dir);
	lg_baseline_release(&back);
	lg_baseline_release(&b);
}

/* --- comparing ------------------------------------------------------------ */

static void test_heap_limit(void)
{
	struct lg_baseline b;

	lg_baseline_init(&b);
	CHECK(lg_baseline_heap_limit(&b) == INT64_MAX);
	b.heap_runs = 1;
	b.heap_max = 100 * KIB;
	CHECK_INT(lg_baseline_heap_limit(&b), 356 * KIB); /* + 256 KiB wins */
	b.heap_max = 8 * 1024 * KIB;
	CHECK_INT(lg_baseline_heap_limit(&b), 10 * 1024 * KIB); /* * 1.25 wins */
	b.heap_max = -50 * KIB;
	CHECK_INT(lg_baseline_heap_limit(&b), 256 * KIB);
}

struct cmp_case {
	const char *name;
	struct gspec recorded[3];
	size_t nrecorded;
	const char *expires; /* on the first recorded entry */
	struct gspec found[3];
	size_t nfound;
	int strict, max_leaks;
	int want_status; /* of the leak check */
	int want_stale;
	const char *want_msg;
	int want_baselined0; /* first found group accepted */
	const char *want_note0;
};

static const struct cmp_case cmp_cases[] = {
	{ "within", { { "a", 2 } }, 1, NULL, { { "a", 2 } }, 1, 0, 0, LG_STATUS_PASSED, 0,
	  "2 goroutines leaked, all within the baseline", 1, "within the baseline (2 accepted)" },
	{ "fewer", { { "a", 3 } }, 1, NULL, { { "a", 1 } }, 1, 0, 0, LG_STATUS_PASSED, 0,
	  "1 goroutine leaked, all within the baseline", 1, "within the baseline" },
	{ "new group", { { "a", 1 } }, 1, NULL, { { "a", 1 }, { "b", 1 } }, 2, 0, 0,
	  LG_STATUS_FAILED, 0, "1 goroutine leaked beyond the baseline in 1 group (limit 0)", 1,
	  NULL },
	{ "new group under max-leaks", { { "a", 1 } }, 1, NULL, { { "b", 1 } }, 1, 0, 1,
	  LG_STATUS_PASSED, 1, "within the baseline and the --max-leaks limit", 0,
	  "new: not in the baseline" },
	{ "count up", { { "a", 2 } }, 1, NULL, { { "a", 5 } }, 1, 0, 0, LG_STATUS_FAILED, 0,
	  "3 goroutines leaked beyond the baseline in 1 group", 0,
	  "5 goroutines, the baseline accepts 2" },
	{ "fixed", { { "a", 1 }, { "z", 4 } }, 2, NULL, { { "a", 1 } }, 1, 0, 0, LG_STATUS_PASSED,
	  1, "1 baseline entry fixed — shrink the baseline", 1, NULL },
	{ "fixed strict", { { "a", 1 }, { "z", 4 } }, 2, NULL, { { "a", 1 } }, 1, 1, 0,
	  LG_STATUS_FAILED, 1, "fixed — shrink the baseline (--strict)", 1, NULL },
	{ "all fixed", { { "a", 1 } }, 1, NULL, { { "a", 0 } }, 0, 0, 0, LG_STATUS_PASSED, 1,
	  "no goroutines leaked; 1 baseline entry fixed", 0, NULL },
	{ "expired", { { "a", 2 } }, 1, "2020-01-31", { { "a", 1 } }, 1, 0, 0, LG_STATUS_FAILED, 0,
	  "1 baseline entry expired", 0, "baseline entry expired on 2020-01-31" },
	{ "expires today", { { "a", 2 } }, 1, "2025-06-15", { { "a", 1 } }, 1, 0, 0,
	  LG_STATUS_PASSED, 0, "all within the baseline", 1, NULL },
	{ "expires later", { { "a", 2 } }, 1, "2099-01-01", { { "a", 2 } }, 1, 0, 0,
	  LG_STATUS_PASSED, 0, "all within the baseline", 1, NULL },
};

static void test_compare_leaks(void)
{
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cmp_cases); i++) {
		const struct cmp_case *c = &cmp_cases[i];
		struct lg_baseline_cmp_opts o = { "baselines/p.json", "2025-06-15", c->strict,
						  c->max_leaks, 1 << 20 };
		struct lg_baseline b;
		struct lg_package p;
		struct lg_check *chk;
		int before = lg_check_failures;

		make_baseline(&b, c->recorded, c->nrecorded, 0);
		if (c->expires)
			b.leaks[0].expires = lg_xstrdup(c->expires);
		make_pkg(&p, c->found, c->nfound, 0, c->max_leaks, 1 << 20);
		/* asked before the comparison, as the runner does: the same answer */
		CHECK_INT(lg_baseline_accepts(&b, &p, &o), c->want_status == LG_STATUS_PASSED);
		CHECK_INT(lg_baseline_compare(&b, &p, &o), c->want_stale);
		chk = check_of(&p, LG_CHECK_LEAK);
		CHECK_INT(chk->status, c->want_status);
		CHECK_INT(chk->baselined, 1);
		CHECK(contains(chk->message, c->want_msg));
		CHECK(contains(chk->baseline_note, "baselines/p.json"));
		CHECK(contains(chk->detail, "baseline baselines/p.json:"));
		if (c->nfound) {
			CHECK_INT(p.leaks[0].baselined, c->want_baselined0);
			if (c->want_note0)
				CHECK(contains(p.leaks[0].baseline_note, c->want_note0));
		}
		if (c->want_stale)
			CHECK(contains(chk->detail, "no longer occurs — fixed, shrink the baseline"));
		if (chk->status == LG_STATUS_FAILED && c->nfound && !p.leaks[0].baselined)
			CHECK_STR(chk->loc.file, "p/p.go");
		if (lg_check_failures != before)
			fprintf(stderr, "  in case \"%s\": message \"%s\"\n", c->name, chk->message);
		lg_package_release(&p);
		lg_baseline_release(&b);
	}
}

/* The check's note adds up: found = within + beyond (+ in expired entries). */
static void test_leak_note_arithmetic(void)
{
	static const struct {
		struct gspec recorded[2], found[2];
		size_t nrecorded, nfound;
		const char *expires, *want;
	} cases[] = {
		{ { { "a", 3 } }, { { "a", 6 } }, 1, 1, NULL,
		  "baseline b.json: 6 goroutines leaked, 3 within the baseline, 3 beyond it; "
		  "0 expired entries, 0 fixed entries" },
		{ { { "a", 3 } }, { { "a", 2 }, { "b", 1 } }, 1, 2, NULL,
		  "baseline b.json: 3 goroutines leaked, 2 within the baseline, 1 beyond it;" },
		{ { { "a", 3 } }, { { "a", 2 } }, 1, 1, "2020-01-01",
		  "2 goroutines leaked, 0 within the baseline, 0 beyond it, 2 in expired entries; "
		  "1 expired entry" },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		struct lg_baseline_cmp_opts o = { "b.json", "2025-06-15", 0, 0, 1 << 20 };
		struct lg_baseline b;
		struct lg_package p;
		struct lg_check *chk;

		make_baseline(&b, cases[i].recorded, cases[i].nrecorded, 0);
		if (cases[i].expires)
			b.leaks[0].expires = lg_xstrdup(cases[i].expires);
		make_pkg(&p, cases[i].found, cases[i].nfound, 0, 0, 1 << 20);
		lg_baseline_compare(&b, &p, &o);
		chk = check_of(&p, LG_CHECK_LEAK);
		if (!contains(chk->baseline_note, cases[i].want)) {
			fprintf(stderr, "note case %zu: \"%s\"\n", i, chk->baseline_note);
			lg_check_failures++;
		}
		lg_package_release(&p);
		lg_baseline_release(&b);
	}
}

static void test_compare_heap(void)
{
	static const struct {
		int64_t recorded, grew, configured;
		int strict, want_status;
	} cases[] = {
		{ 8192 * KIB, 9000 * KIB, 1024 * KIB, 0, LG_STATUS_PASSED },  /* within 1.25x */
		{ 8192 * KIB, 10241 * KIB, 1024 * KIB, 0, LG_STATUS_FAILED }, /* above it */
		{ 100 * KIB, 300 * KIB, 1024 * KIB, 0, LG_STATUS_PASSED },    /* configured limit */
		{ 100 * KIB, 300 * KIB, 1024 * KIB, 1, LG_STATUS_PASSED },    /* 356 KiB envelope */
		{ 100 * KIB, 400 * KIB, 1024 * KIB, 1, LG_STATUS_FAILED },    /* strict: envelope */
		{ 100 * KIB, 1100 * KIB, 1024 * KIB, 0, LG_STATUS_FAILED },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		struct lg_baseline_cmp_opts o = { "b.json", "2025-01-01", cases[i].strict, 0,
						  cases[i].configured };
		struct lg_baseline b;
		struct lg_package p;
		struct lg_check *chk;

		make_baseline(&b, NULL, 0, cases[i].recorded);
		make_pkg(&p, NULL, 0, cases[i].grew, 0, cases[i].configured);
		CHECK_INT(lg_baseline_accepts(&b, &p, &o), cases[i].want_status == LG_STATUS_PASSED);
		lg_baseline_compare(&b, &p, &o);
		chk = check_of(&p, LG_CHECK_HEAP);
		if ((int)chk->status != cases[i].want_status)
			fprintf(stderr, "heap case %zu: %s\n", i, chk->message);
		CHECK_INT(chk->status, cases[i].want_status);
		CHECK_INT(chk->baselined, 1);
		CHECK(contains(chk->message, "baseline max"));
		lg_package_release(&p);
		lg_baseline_release(&b);
	}
}

/* Without a heap envelope the configured limit's verdict stands: a failed heap check is not accepted. */
static void test_accepts_no_envelope(void)
{
	static const struct gspec g[] = { { "a", 1 } };
	struct lg_baseline_cmp_opts o = { "b.json", "2025-01-01", 0, 0, 1 << 20 };
	struct lg_baseline b;
	struct lg_package p;

	make_baseline(&b, g, 1, 0);
	b.heap_runs = 0;
	make_pkg(&p, g, 1, 4 << 20, 0, 1 << 20);
	CHECK_INT(check_of(&p, LG_CHECK_HEAP)->status, LG_STATUS_FAILED);
	CHECK_INT(lg_baseline_accepts(&b, &p, &o), 0);
	check_of(&p, LG_CHECK_HEAP)->status = LG_STATUS_PASSED;
	CHECK_INT(lg_baseline_accepts(&b, &p, &o), 1);
	lg_package_release(&p);
	lg_baseline_release(&b);
}

/* A skipped check (the hook did not run) is not re-decided. */
static void test_compare_leaves_skipped(void)
{
	static const struct gspec g[] = { { "a", 1 } };
	struct lg_baseline_cmp_opts o = { "b.json", "2025-01-01", 1, 0, 0 };
	struct lg_baseline b;
	struct lg_package p;

	make_baseline(&b, g, 1, 0);
	make_pkg(&p, NULL, 0, 0, 0, 0);
	p.checks[0].status = LG_STATUS_SKIPPED;
	p.checks[1].status = LG_STATUS_SKIPPED;
	CHECK_INT(lg_baseline_compare(&b, &p, &o), 0);
	CHECK_INT(p.checks[0].status, LG_STATUS_SKIPPED);
	CHECK_INT(p.checks[0].baselined, 0);
	CHECK_INT(p.checks[1].baselined, 0);
	lg_package_release(&p);
	lg_baseline_release(&b);
}

/* --- diff --------------------------------------------------------- */

static void test_diff(void)
{
	static const struct gspec a[] = { { "a", 1 }, { "b", 2 } };
	static const struct gspec same[] = { { "b", 2 }, { "a", 1 } };
	static const struct gspec other[] = { { "a", 3 }, { "c", 1 } };
	struct lg_baseline x, y, z, w;
	struct lg_buf out = LG_BUF_INIT;

	make_baseline(&x, a, 2, 100 * KIB);
	make_baseline(&y, same, 2, 300 * KIB); /* heap noise within 356 KiB */
	make_baseline(&z, other, 2, 400 * KIB);
	make_baseline(&w, a, 2, 0);
	w.heap_runs = 0;
	CHECK_INT(lg_baseline_diff(&x, &y, &out), 0);
	CHECK_INT(out.len, 0);
	CHECK_INT(lg_baseline_diff(&x, &z, &out), 4);
	CHECK(contains(out.buf, "~ leak group a: 3 ×"));
	CHECK(contains(out.buf, "count 1 -> 3"));
	CHECK(contains(out.buf, "- leak group b"));
	CHECK(contains(out.buf, "+ leak group c"));
	CHECK(contains(out.buf, "~ heap envelope"));
	lg_buf_reset(&out);
	CHECK_INT(lg_baseline_diff(NULL, &x, &out), 1);
	CHECK(contains(out.buf, "+ new baseline: 2 leak groups (3 goroutines)"));
	CHECK_INT(lg_baseline_diff(&w, &x, NULL), 1); /* heap recorded for the first time */
	CHECK_INT(lg_baseline_diff(&x, &w, NULL), 0); /* not measured this time: no change */
	x.schema_version = 0;
	CHECK_INT(lg_baseline_diff(&x, &y, NULL), 1);
	lg_buf_release(&out);
	lg_baseline_release(&x);
	lg_baseline_release(&y);
	lg_baseline_release(&z);
	lg_baseline_release(&w);
}

/* The run report carries which verdicts the baseline made, both ways. */
static void test_report_fields(void)
{
	static const struct gspec g[] = { { "a", 2 }, { "b", 1 } };
	struct lg_baseline_cmp_opts o = { "baselines/p.json", "2025-01-01", 0, 0, 1 << 20 };
	struct lg_baseline b;
	struct lg_run run, back;
	struct lg_err err;
	char *path = lg_xasprintf("%s/report.json", tmpdir);

	memset(&run, 0, sizeof(run));
	make_baseline(&b, g, 1, 0);
	make_pkg(lg_run_add_package(&run), g, 2, 0, 0, 1 << 20);
	lg_baseline_compare(&b, &run.pkgs[0], &o);
	CHECK_INT(lg_json_write_report(&run, path, &err), 0);
	CHECK_INT(lg_json_read_report(&back, path, &err), 0);
	if (back.npkgs == 1) {
		CHECK_INT(back.pkgs[0].checks[0].baselined, 1);
		CHECK_STR(back.pkgs[0].checks[0].baseline_note, run.pkgs[0].checks[0].baseline_note);
		CHECK_INT(back.pkgs[0].leaks[0].baselined, 1);
		CHECK_INT(back.pkgs[0].leaks[1].baselined, 0);
		CHECK_STR(back.pkgs[0].leaks[1].baseline_note, "new: not in the baseline");
	}
	CHECK_INT(back.npkgs, 1);
	lg_run_release(&back);
	lg_run_release(&run);
	lg_baseline_release(&b);
	free(path);
}

static void cleanup(const char *dir)
{
	char *cmd = lg_xasprintf("rm -rf '%s'", dir);

	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "file names", test_file_names },
		{ "file names injective", test_file_names_injective },
		{ "round trip", test_round_trip },
		{ "deterministic, keeps user fields", test_deterministic_and_keeps_user_fields },
		{ "every prefix rejected", test_every_prefix_rejected },
		{ "corrupt files", test_corrupt_files },
		{ "missing and oversized", test_load_missing_and_oversized },
		{ "locked atomic write", test_locked_atomic_write },
		{ "heap limit", test_heap_limit },
		{ "compare leaks", test_compare_leaks },
		{ "leak note arithmetic", test_leak_note_arithmetic },
		{ "compare heap", test_compare_heap },
		{ "accepts without a heap envelope", test_accepts_no_envelope },
		{ "compare leaves skipped checks", test_compare_leaves_skipped },
		{ "diff", test_diff },
		{ "report fields", test_report_fields },
	};
	int ret;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lg-baseline-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	ret = LG_CHECK_RUN(cases);
	cleanup(tmpdir);
	return ret;
}
