/*
 * test_test2json.c — checks the test2json decoder against real captured
 * output of Go test binaries (tests/fixtures/t2j, see its README) and
 * against synthetic hostile streams: floods, over-long lines and names,
 * forged framing, control bytes.  Every fixture is decoded whole, byte by
 * byte and in random chunks, and the three results must be identical.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "model.h"
#include "test2json.h"
#include "util.h"

static const char *const fixtures[] = {
	"basic.out",   "basic_go127.out",    "markers_go127.out", "crash.out",
	"crashgo.out", "crashgo_merged.out", "hang.out",          "notests.out",
};

/* Reads tests/fixtures/t2j/<name> under LG_SOURCE_DIR into `out`. */
static int read_fixture(const char *name, struct lg_buf *out)
{
	const char *root = getenv("LG_SOURCE_DIR");
	struct lg_err err;
	char *path = lg_xasprintf("%s/tests/fixtures/t2j/%s", root ? root : ".", name);
	int ret = lg_read_file(path, 16 * 1024 * 1024, out, &err);

	if (ret)
		fprintf(stderr, "%s\n", err.msg);
	free(path);
	return ret;
}

/* Deterministic chunk sizes: xorshift, so a failure can be replayed. */
static unsigned next_rand(unsigned *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * Decodes `data` into `p`, fed whole (chunk 0), in chunks of `chunk`
 * bytes, or in random sizes up to -chunk when chunk < 0.
 */
static void decode(const char *data, size_t len, long chunk, unsigned seed,
		   struct lg_package *p, int *complete)
{
	struct lg_t2j *t = lg_test2json_new();
	size_t off = 0;

	while (off < len) {
		size_t n = len - off;

		if (chunk > 0 && (size_t)chunk < n)
			n = (size_t)chunk;
		else if (chunk < 0) {
			size_t r = 1 + next_rand(&seed) % (unsigned)-chunk;

			n = r < n ? r : n;
		}
		lg_test2json_feed(t, data + off, n);
		off += n;
	}
	lg_test2json_finish(t);
	if (complete)
		*complete = lg_test2json_complete(t);
	lg_test2json_take(t, p);
	lg_test2json_free(t);
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* 1 when two decoded packages hold exactly the same tests and stray. */
static int same_package(const struct lg_package *a, const struct lg_package *b)
{
	size_t i;

	if (a->ntests != b->ntests || !same_str(a->stray_output, b->stray_output))
		return 0;
	for (i = 0; i < a->ntests; i++) {
		const struct lg_test *x = &a->tests[i], *y = &b->tests[i];

		if (!same_str(x->name, y->name) || x->result != y->result ||
		    x->elapsed != y->elapsed || !same_str(x->output, y->output) ||
		    x->output_truncated != y->output_truncated ||
		    !same_str(x->loc.file, y->loc.file) || x->loc.line != y->loc.line)
			return 0;
	}
	return 1;
}

static const struct lg_test *find(const struct lg_package *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->ntests; i++)
		if (strcmp(p->tests[i].name, name) == 0)
			return &p->tests[i];
	return NULL;
}

/* Checks result and, when file is non-NULL, the location of one test. */
#define CHECK_TEST(pkg_, nm_, res_, file_, line_)                             \
	do {                                                                  \
		const struct lg_test *x_ = find(pkg_, nm_);                   \
		const char *f_ = (file_);                                     \
		CHECK(x_ != NULL);                                            \
		if (x_) {                                                     \
			CHECK_STR(lg_test_result_name(x_->result),            \
				  lg_test_result_name(res_));                 \
			if (f_) {                                             \
				CHECK_STR(x_->loc.file, f_);                  \
				CHECK_INT(x_->loc.line, line_);               \
			}                                                     \
		}                                                             \
	} while (0)

static int contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

/* Decodes a fixture whole into `p`; returns 0 when it could be read. */
static int decode_fixture(const char *name, struct lg_package *p, int *complete)
{
	struct lg_buf b = LG_BUF_INIT;
	int ret = read_fixture(name, &b);

	if (!ret)
		decode(b.buf, b.len, 0, 0, p, complete);
	lg_buf_release(&b);
	return ret;
}

static void test_chunking_is_invisible(void)
{
	size_t f;

	for (f = 0; f < LG_ARRAY_SIZE(fixtures); f++) {
		struct lg_buf b = LG_BUF_INIT;
		struct lg_package whole = { 0 }, bytes = { 0 }, rnd = { 0 };
		unsigned seed;

		CHECK(read_fixture(fixtures[f], &b) == 0);
		decode(b.buf, b.len, 0, 0, &whole, NULL);
		decode(b.buf, b.len, 1, 0, &bytes, NULL);
		CHECK(same_package(&whole, &bytes));
		for (seed = 1; seed < 20; seed++) {
			decode(b.buf, b.len, -17, seed, &rnd, NULL);
			if (!same_package(&whole, &rnd)) {
				fprintf(stderr, "%s differs with seed %u\n", fixtures[f], seed);
				CHECK(0);
			}
			lg_package_release(&rnd);
		}
		lg_package_release(&whole);
		lg_package_release(&bytes);
		lg_buf_release(&b);
	}
}

/* What both Go versions must agree on for src/basic. */
static void check_basic(const struct lg_package *p)
{
	static const char *const order[] = {
		"TestPass", "TestFail", "TestSkip", "TestDeep", "TestDeep/level_one",
		"TestDeep/level_one/level_two", "TestDeep/level_one/level_two/three",
		"TestDeep/level_one/level_two/three_fails", "TestDeep/level_one/skipped",
		"TestParallelA", "TestParallelB", "TestNoNewline", "TestFakeFraming",
		"TestUnicodeNäme", "TestUnicodeNäme/日本語_with_space", "TestHelperLoc",
		"TestNonTestFileLoc",
	};
	const struct lg_test *x;
	size_t i;

	CHECK_INT(p->ntests, LG_ARRAY_SIZE(order));
	for (i = 0; i < p->ntests && i < LG_ARRAY_SIZE(order); i++)
		CHECK_STR(p->tests[i].name, order[i]);
	CHECK(p->stray_output == NULL);

	CHECK_TEST(p, "TestPass", LG_TEST_PASS, "basic_test.go", 14);
	CHECK_TEST(p, "TestFail", LG_TEST_FAIL, "basic_test.go", 19);
	CHECK_TEST(p, "TestSkip", LG_TEST_SKIP, "basic_test.go", 24);
	CHECK_TEST(p, "TestDeep", LG_TEST_FAIL, NULL, 0);
	CHECK_TEST(p, "TestDeep/level_one", LG_TEST_FAIL, NULL, 0);
	CHECK_TEST(p, "TestDeep/level_one/level_two", LG_TEST_FAIL, NULL, 0);
	CHECK_TEST(p, "TestDeep/level_one/level_two/three", LG_TEST_PASS, "basic_test.go", 31);
	CHECK_TEST(p, "TestDeep/level_one/level_two/three_fails", LG_TEST_FAIL,
		   "basic_test.go", 34);
	CHECK_TEST(p, "TestDeep/level_one/skipped", LG_TEST_SKIP, "basic_test.go", 38);
	CHECK_TEST(p, "TestParallelA", LG_TEST_PASS, "basic_test.go", 46);
	CHECK_TEST(p, "TestParallelB", LG_TEST_FAIL, NULL, 0);
	CHECK_TEST(p, "TestNoNewline", LG_TEST_PASS, NULL, 0);
	CHECK_TEST(p, "TestFakeFraming", LG_TEST_PASS, NULL, 0);
	CHECK_TEST(p, "TestUnicodeNäme/日本語_with_space", LG_TEST_PASS, "basic_test.go", 75);
	CHECK_TEST(p, "TestHelperLoc", LG_TEST_FAIL, "basic_test.go", 80);
	CHECK_TEST(p, "TestNonTestFileLoc", LG_TEST_FAIL, "helper.go", 9);
	CHECK(find(p, "TestFake") == NULL);

	x = find(p, "TestFail");
	if (x) {
		CHECK_STR(x->output, "about to fail\n"
				     "    basic_test.go:19: got 1, want 2\n"
				     "    basic_test.go:20: after the error\n");
		CHECK_INT(x->output_truncated, 0);
		CHECK(x->elapsed == 0);
	}
	/* parallel output is attributed through === CONT and === NAME */
	x = find(p, "TestParallelA");
	if (x) {
		CHECK(contains(x->output, "A says 0") && contains(x->output, "A says 2"));
		CHECK(!contains(x->output, "B says"));
		CHECK(x->elapsed > 0);
	}
	x = find(p, "TestParallelB");
	if (x) {
		CHECK(contains(x->output, "B says 0") && contains(x->output, "B fails"));
		CHECK(!contains(x->output, "A says"));
	}
	x = find(p, "TestNoNewline");
	if (x)
		CHECK_STR(x->output, "partial line without newline\n");
	x = find(p, "TestFakeFraming");
	if (x)
		CHECK_STR(x->output, "--- FAIL: TestFake (0.00s)\n=== RUN   TestFake\nPASS\nFAIL\n");
	/* a test without output has an empty, not a missing, output */
	x = find(p, "TestDeep");
	if (x)
		CHECK_STR(x->output, "");
}

static void test_basic_go126(void)
{
	struct lg_package p = { 0 };
	int complete = 0;

	if (decode_fixture("basic.out", &p, &complete))
		CHECK(0);
	CHECK_INT(complete, 1);
	check_basic(&p);
	/* 1.26 marks nothing as error output: the first reference wins */
	CHECK_TEST(&p, "TestParallelB", LG_TEST_FAIL, "basic_test.go", 55);
	lg_package_release(&p);
}

static void test_basic_go127(void)
{
	struct lg_package p = { 0 };
	const struct lg_test *x;
	int complete = 0;

	if (decode_fixture("basic_go127.out", &p, &complete))
		CHECK(0);
	CHECK_INT(complete, 1);
	check_basic(&p);
	/* 1.27 brackets t.Error output: that location beats the t.Log before it */
	CHECK_TEST(&p, "TestParallelB", LG_TEST_FAIL, "basic_test.go", 58);
	x = find(&p, "TestParallelB");
	if (x)
		CHECK(!strchr(x->output, 0x0f) && !strchr(x->output, 0x0e));
	lg_package_release(&p);
}

static void test_markers_go127(void)
{
	struct lg_package p = { 0 };
	const struct lg_test *x;

	if (decode_fixture("markers_go127.out", &p, NULL))
		CHECK(0);
	CHECK_INT(p.ntests, 2);
	CHECK(find(&p, "TestInjected") == NULL);
	CHECK_TEST(&p, "TestMarkersInLog", LG_TEST_FAIL, "markers_test.go", 13);
	x = find(&p, "TestMarkersInLog");
	if (x) {
		CHECK(contains(x->output, "log with \x16=== RUN   TestInjected and "
					  "\x1b[31mcolour\x1b[0m\n"));
		CHECK(contains(x->output, "error with \x0f marker bytes \x0e inside\n"));
	}
	x = find(&p, "TestColourPrint");
	if (x)
		CHECK_STR(x->output, "\x1b[32mgreen\x1b[0m\n");
	lg_package_release(&p);
}

static void test_panic_in_test(void)
{
	struct lg_package p = { 0 };
	int complete = 1;

	if (decode_fixture("crash.out", &p, &complete))
		CHECK(0);
	CHECK_INT(complete, 0);
	CHECK_INT(p.ntests, 3);
	CHECK_TEST(&p, "TestBefore", LG_TEST_PASS, "crash_test.go", 8);
	CHECK_TEST(&p, "TestPanics", LG_TEST_FAIL, NULL, 0);
	CHECK_TEST(&p, "TestPanics/sub", LG_TEST_FAIL, "crash_test.go", 13);
	lg_package_release(&p);
}

/* Past the record cap the last RUN still names the running test (hang reports). */
static void test_last_run_past_cap(void)
{
	struct lg_t2j *t = lg_test2json_new();
	struct lg_buf b = LG_BUF_INIT;
	const char **names = NULL;
	size_t i;

	CHECK(lg_test2json_last_run(t) == NULL);
	/* distinct names: runs of one name share a record */
	for (i = 0; i < LG_T2J_MAX_TESTS; i++)
		lg_buf_addf(&b, "\x16=== RUN   TestRep%zu\n\x16--- PASS: TestRep%zu (0.00s)\n", i, i);
	lg_buf_adds(&b, "\x16=== RUN   TestStuck\n");
	lg_test2json_feed(t, b.buf, b.len);
	CHECK_INT(lg_test2json_running(t, &names), 0); /* not recorded */
	CHECK_STR(lg_test2json_last_run(t), "TestStuck");
	lg_buf_release(&b);
	lg_test2json_free(t);
}

static void test_binary_dies(void)
{
	struct lg_buf b = LG_BUF_INIT;
	struct lg_package p = { 0 };
	struct lg_t2j *t = lg_test2json_new();
	const char **names = NULL;
	const struct lg_test *x;
	size_t n;

	CHECK(read_fixture("crashgo.out", &b) == 0);
	lg_test2json_feed(t, b.buf, b.len);
	CHECK_INT(lg_test2json_framed(t), 1);
	CHECK_INT(lg_test2json_complete(t), 0);
	CHECK_STR(lg_test2json_last_run(t), "TestGoroutinePanic/sub");
	n = lg_test2json_running(t, &names);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(names[0], "TestGoroutinePanic");
		CHECK_STR(names[1], "TestGoroutinePanic/sub");
	}
	lg_test2json_take(t, &p);
	CHECK_INT(lg_test2json_running(t, &names), 0);
	CHECK_INT(p.ntests, 3);
	CHECK_TEST(&p, "TestBefore", LG_TEST_PASS, NULL, 0);
	CHECK_TEST(&p, "TestGoroutinePanic", LG_TEST_UNFINISHED, NULL, 0);
	CHECK_TEST(&p, "TestGoroutinePanic/sub", LG_TEST_UNFINISHED, "crashgo_test.go", 16);
	x = find(&p, "TestGoroutinePanic/sub");
	if (x)
		CHECK(x->elapsed == 0);
	lg_package_release(&p);
	lg_test2json_free(t);
	lg_buf_release(&b);

	/* with stderr merged, the panic lands in the running subtest */
	if (decode_fixture("crashgo_merged.out", &p, NULL))
		CHECK(0);
	CHECK_TEST(&p, "TestGoroutinePanic/sub", LG_TEST_UNFINISHED, "crashgo_test.go", 16);
	x = find(&p, "TestGoroutinePanic/sub");
	if (x)
		CHECK(contains(x->output, "panic: boom in a goroutine\n"));
	lg_package_release(&p);
}

static void test_killed_mid_test(void)
{
	struct lg_package p = { 0 };
	const struct lg_test *x;

	if (decode_fixture("hang.out", &p, NULL))
		CHECK(0);
	CHECK_INT(p.ntests, 2);
	CHECK_TEST(&p, "TestQuick", LG_TEST_PASS, NULL, 0);
	CHECK_TEST(&p, "TestHangs", LG_TEST_UNFINISHED, "hang_test.go", 19);
	x = find(&p, "TestHangs");
	if (x)
		CHECK_STR(x->output, "    hang_test.go:19: going to sleep\n"
				     "no newline before the kill\n");
	lg_package_release(&p);
}

static void test_no_tests(void)
{
	struct lg_package p = { 0 };
	int complete = 0;

	if (decode_fixture("notests.out", &p, &complete))
		CHECK(0);
	CHECK_INT(complete, 1);
	CHECK_INT(p.ntests, 0);
	CHECK_STR(p.stray_output, "testing: warning: no tests to run\n");
	lg_package_release(&p);
}

/* Feeds a NUL-terminated string. */
static void feed_str(struct lg_t2j *t, const char *s)
{
	lg_test2json_feed(t, s, strlen(s));
}

/* Decodes a literal stream in one piece. */
static void decode_str(const char *s, struct lg_package *p)
{
	decode(s, strlen(s), 0, 0, p, NULL);
}

static void test_framing_edge_cases(void)
{
	static const char hostile[] =
		"\x16=== RUN   T\x01\x7f\0x\n\x16--- FAIL: T\x01\x7f\0x (0.00s)\n";
	struct lg_package p = { 0 };
	const struct lg_test *x;

	/* look-alikes before any framing are stray; bare ^V text is output */
	decode_str("--- FAIL: TestGhost (0.00s)\n"
		   "\x16=== RUN   TestA\n"
		   "\x16hello\n"
		   "\x16=== NAME\n"
		   "between\n"
		   "\x16--- PASS: TestA (1.50s)\r\n"
		   "\x16=== RUN   TestB\n"
		   "\x16    --- SKIP: TestB (xs)\n"
		   "\x16--- SKIP: TestB (1e999s)\n"
		   "\x16PASS\n"
		   "after\n",
		   &p);
	CHECK(find(&p, "TestGhost") == NULL);
	CHECK_TEST(&p, "TestA", LG_TEST_PASS, NULL, 0);
	x = find(&p, "TestA");
	if (x) {
		CHECK(x->elapsed == 1.5);
		CHECK_STR(x->output, "hello\n");
	}
	/* an unparsable elapsed time stays part of the name */
	CHECK_TEST(&p, "TestB (xs)", LG_TEST_SKIP, NULL, 0);
	CHECK_TEST(&p, "TestB (1e999s)", LG_TEST_SKIP, NULL, 0);
	CHECK_TEST(&p, "TestB", LG_TEST_UNFINISHED, NULL, 0);
	CHECK_STR(p.stray_output, "--- FAIL: TestGhost (0.00s)\nbetween\nafter\n");
	lg_package_release(&p);

	/* -test.count=2 runs a name twice: one entry, both runs counted */
	decode_str("\x16=== RUN   TestA\n\x16--- PASS: TestA (0.00s)\n"
		   "\x16=== RUN   TestA\nx_test.go:3: second\n\x16--- FAIL: TestA (0.00s)\n",
		   &p);
	CHECK_INT(p.ntests, 1);
	if (p.ntests == 1) {
		CHECK_INT(p.tests[0].result, LG_TEST_FAIL);
		CHECK_INT(p.tests[0].runs, 2);
		CHECK_INT(p.tests[0].failures, 1);
		CHECK_INT(p.tests[0].loc.line, 3);
	}
	lg_package_release(&p);

	/* hostile names: control bytes kept, NUL replaced */
	decode(hostile, sizeof(hostile) - 1, 0, 0, &p, NULL);
	CHECK_INT(p.ntests, 1);
	CHECK_TEST(&p, "T\x01\x7f?x", LG_TEST_FAIL, NULL, 0);
	lg_package_release(&p);
}

static void test_locations(void)
{
	static const struct {
		const char *line;
		const char *file;
		int n;
	} cases[] = {
		{ "    foo_test.go:12: msg\n", "foo_test.go", 12 },
		{ "\tfoo.go:7: msg\n", "foo.go", 7 },
		{ "    dir/foo_test.go:9: full path\n", "dir/foo_test.go", 9 },
		{ "\t/abs/foo_test.go:17 +0x25\n", NULL, 0 },
		{ "see foo_test.go:3: here\n", NULL, 0 },
		{ "    foo_test.go:99999999999: x\n", NULL, 0 },
		{ "    foo_test.go:0: x\n", NULL, 0 },
		{ "    foo_test.go:: x\n", NULL, 0 },
		{ "    foo.txt:3: x\n", NULL, 0 },
		{ "    .go:3: x\n", NULL, 0 },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		struct lg_package p = { 0 };
		struct lg_buf s = LG_BUF_INIT;

		lg_buf_addf(&s, "\x16=== RUN   T\n%s\x16--- FAIL: T (0.00s)\n", cases[i].line);
		decode_str(s.buf, &p);
		CHECK_INT(p.ntests, 1);
		if (p.ntests == 1) {
			if (!same_str(p.tests[0].loc.file, cases[i].file))
				fprintf(stderr, "location case %zu\n", i);
			CHECK(same_str(p.tests[0].loc.file, cases[i].file));
			CHECK_INT(p.tests[0].loc.line, cases[i].n);
		}
		lg_package_release(&p);
		lg_buf_release(&s);
	}
}

static void test_flood_is_capped(void)
{
	struct lg_t2j *t = lg_test2json_new();
	struct lg_package p = { 0 };
	char line[100];
	struct lg_buf chunk = LG_BUF_INIT;
	size_t total = 0, i = 0;
	const struct lg_test *x;

	feed_str(t, "\x16=== RUN   TestFlood\n    flood_test.go:5: start\n");
	while (total < 50u * 1024 * 1024) {
		lg_buf_reset(&chunk);
		while (chunk.len < 65536) {
			snprintf(line, sizeof(line), "flood line %zu\n", i++);
			lg_buf_adds(&chunk, line);
		}
		lg_test2json_feed(t, chunk.buf, chunk.len);
		total += chunk.len;
	}
	feed_str(t, "the end\n\x16--- FAIL: TestFlood (9.00s)\n\x16" "FAIL\n");
	lg_test2json_take(t, &p);
	CHECK_INT(p.ntests, 1);
	x = find(&p, "TestFlood");
	if (x) {
		CHECK(strlen(x->output) <= LG_T2J_MAX_TEST_OUTPUT);
		CHECK(strlen(x->output) > LG_T2J_MAX_TEST_OUTPUT / 2);
		CHECK_INT(x->output_truncated, 1);
		CHECK(lg_ends_with(x->output, "the end\n"));
		CHECK(lg_starts_with(x->output, "flood line "));
		/* the location came from the head, which is long gone */
		CHECK_STR(x->loc.file, "flood_test.go");
		CHECK_INT(x->result, LG_TEST_FAIL);
		CHECK(x->elapsed == 9.0);
	}
	lg_package_release(&p);

	/* stray output before any framing keeps its head, capped */
	lg_buf_reset(&chunk);
	for (i = 0; i < 1000; i++)
		lg_buf_adds(&chunk, "init noise noise noise noise noise noise noise noise\n");
	for (total = 0; total < 5u * 1024 * 1024; total += chunk.len)
		lg_test2json_feed(t, chunk.buf, chunk.len);
	lg_test2json_take(t, &p);
	CHECK(p.stray_output && strlen(p.stray_output) <= LG_T2J_MAX_STRAY + 200);
	CHECK(lg_starts_with(p.stray_output, "init noise"));
	CHECK(contains(p.stray_output, "cut at"));
	lg_package_release(&p);
	lg_buf_release(&chunk);
	lg_test2json_free(t);
}

static void test_long_lines_and_names(void)
{
	struct lg_t2j *t = lg_test2json_new();
	struct lg_package p = { 0 };
	struct lg_buf big = LG_BUF_INIT;
	size_t i;

	/* a 3 MiB line without newline is split and its tail kept */
	feed_str(t, "\x16=== RUN   TestLong\n");
	for (i = 0; i < 3 * 1024; i++) {
		char kb[1024];

		memset(kb, 'a' + (char)(i % 26), sizeof(kb));
		lg_test2json_feed(t, kb, sizeof(kb));
	}
	feed_str(t, "\x16--- PASS: TestLong (0.10s)\n");
	/* a framing line with a 2 MiB name: cut, and matched by its report */
	for (i = 0; i < 2 * 1024 * 1024; i++)
		lg_buf_addch(&big, 'N');
	feed_str(t, "\x16=== RUN   ");
	lg_test2json_feed(t, big.buf, big.len);
	feed_str(t, "\n    x_test.go:4: hi\n\x16--- FAIL: ");
	lg_test2json_feed(t, big.buf, big.len);
	feed_str(t, " (0.20s)\n\x16PASS\n");
	lg_test2json_take(t, &p);
	CHECK_INT(p.ntests, 2);
	if (p.ntests == 2) {
		CHECK_INT(p.tests[0].result, LG_TEST_PASS);
		CHECK_INT(p.tests[0].output_truncated, 1);
		CHECK(strlen(p.tests[0].output) <= LG_T2J_MAX_TEST_OUTPUT);
		CHECK(lg_ends_with(p.tests[0].output, "\n"));
		CHECK(strlen(p.tests[1].name) <= LG_T2J_MAX_NAME);
		CHECK(lg_starts_with(p.tests[1].name, "NNNN"));
		/* the rest of each cut framing line is dropped, elapsed with it */
		CHECK_INT(p.tests[1].result, LG_TEST_FAIL);
		CHECK(p.tests[1].elapsed == 0);
		CHECK_STR(p.tests[1].output, "    x_test.go:4: hi\n");
	}
	lg_package_release(&p);
	lg_buf_release(&big);
	lg_test2json_free(t);
}

static void test_test_cap_and_budget(void)
{
	struct lg_t2j *t = lg_test2json_new();
	struct lg_package p = { 0 };
	struct lg_buf s = LG_BUF_INIT, out = LG_BUF_INIT;
	size_t i, sum = 0, fail_kept = 0, pass_kept = 0;

	for (i = 0; i < LG_T2J_MAX_TESTS + 10; i++) {
		lg_buf_reset(&s);
		lg_buf_addf(&s, "\x16=== RUN   T%zu\n\x16--- PASS: T%zu (0.00s)\n", i, i);
		lg_test2json_feed(t, s.buf, s.len);
	}
	lg_test2json_take(t, &p);
	CHECK_INT(p.ntests, LG_T2J_MAX_TESTS);
	CHECK(contains(p.stray_output, "10 more tests were not recorded"));
	lg_package_release(&p);

	/* 400 tests of 256 KiB each: far over the total budget */
	for (i = 0; i < 1024; i++)
		lg_buf_add(&out, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n", 64);
	for (i = 0; i < 400; i++) {
		size_t k;

		lg_buf_reset(&s);
		lg_buf_addf(&s, "\x16=== RUN   T%zu\n", i);
		lg_test2json_feed(t, s.buf, s.len);
		for (k = 0; k < 4; k++)
			lg_test2json_feed(t, out.buf, out.len);
		lg_buf_reset(&s);
		lg_buf_addf(&s, "\x16--- %s: T%zu (0.00s)\n", i % 10 ? "PASS" : "FAIL", i);
		lg_test2json_feed(t, s.buf, s.len);
	}
	lg_test2json_take(t, &p);
	CHECK_INT(p.ntests, 400);
	for (i = 0; i < p.ntests; i++) {
		size_t n = strlen(p.tests[i].output);

		sum += n;
		if (p.tests[i].result == LG_TEST_FAIL)
			fail_kept += n;
		else
			pass_kept += n;
	}
	CHECK(sum <= LG_T2J_MAX_TOTAL_OUTPUT);
	/* failures are squeezed last */
	CHECK(fail_kept / 40 > pass_kept / 360);
	/* the test still running when squeezed keeps its full cap */
	CHECK_INT(strlen(p.tests[399].output), 256 * 1024);
	lg_package_release(&p);
	lg_buf_release(&s);
	lg_buf_release(&out);
	lg_test2json_free(t);
}

/*
 * Random streams built from framing fragments, markers, NUL and plain
 * bytes: nothing may crash, and chunking must stay invisible.
 */
static void test_random_garbage(void)
{
	static const char *const bits[] = {
		"\x16", "\n", "\x1b", "\x0f", "\x0e", "\r", "=== RUN   ", "=== CONT  ",
		"=== NAME  ", "=== PAUSE ", "--- PASS: ", "--- FAIL: ", "--- SKIP: ", "    ",
		"PASS", "FAIL", " (0.01s)", " (", "s)", "T", "Tb/c", "x_test.go:3: ", "\xc3",
		"=== ATTR  ", "=== ARTIFACTS ",
	};
	unsigned seed = 12345, round;

	for (round = 0; round < 20; round++) {
		struct lg_buf b = LG_BUF_INIT;
		struct lg_package whole = { 0 }, bytes = { 0 }, rnd = { 0 };
		size_t i;

		for (i = 0; i < 20000; i++) {
			unsigned r = next_rand(&seed);

			if (r % 8 == 0)
				lg_buf_addch(&b, (int)(r >> 8) & 0xff);
			else
				lg_buf_adds(&b, bits[(r >> 3) % LG_ARRAY_SIZE(bits)]);
		}
		decode(b.buf, b.len, 0, 0, &whole, NULL);
		decode(b.buf, b.len, 1, 0, &bytes, NULL);
		decode(b.buf, b.len, -100, round + 1, &rnd, NULL);
		CHECK(same_package(&whole, &bytes));
		CHECK(same_package(&whole, &rnd));
		for (i = 0; i < whole.ntests; i++)
			CHECK(whole.tests[i].name && whole.tests[i].name[0]);
		lg_package_release(&whole);
		lg_package_release(&bytes);
		lg_package_release(&rnd);
		lg_buf_release(&b);
	}
}

/* Appends one run of `name` with `out` as its output to `s`. */
static void add_run(struct lg_buf *s, const char *name, const char *result, int ms,
		    const char *out)
{
	lg_buf_addf(s, "\x16=== RUN   %s\n%s\x16--- %s: %s (0.%03ds)\n", name, out, result, name, ms);
}

/*
 * -test.count=N: every run of a name folds into one entry (runs, failures,
 * total and max time), keeping the first failure's output, else the latest
 * run's; an unfinished last run keeps its own output.  Memory and the
 * output kept do not grow with N.
 */
static void test_repeated_runs(void)
{
	struct lg_buf s = LG_BUF_INIT;
	struct lg_package p = { 0 };
	const struct lg_test *x;
	int i;

	/* a flaky test and a passing one with a subtest, 2000 runs */
	for (i = 0; i < 2000; i++) {
		char line[64];

		snprintf(line, sizeof(line), "    flaky_test.go:%d: run %d\n", 10 + i % 7, i);
		lg_buf_addf(&s, "\x16=== RUN   TestFlaky\n%s", line);
		lg_buf_addf(&s, "\x16--- %s: TestFlaky (0.%03ds)\n",
			    i % 500 == 499 ? "FAIL" : "PASS", i % 500 == 499 ? 100 : 1);
		lg_buf_adds(&s, "\x16=== RUN   TestOK\n\x16=== RUN   TestOK/sub\n");
		lg_buf_addf(&s, "pass %d\n\x16    --- PASS: TestOK/sub (0.002s)\n", i);
		lg_buf_adds(&s, "\x16--- PASS: TestOK (0.003s)\n");
	}
	lg_buf_adds(&s, "\x16" "FAIL\n");
	decode_str(s.buf, &p);
	CHECK_INT(p.ntests, 3);
	x = find(&p, "TestFlaky");
	if (x) {
		CHECK_INT(x->result, LG_TEST_FAIL);
		CHECK_INT(x->runs, 2000);
		CHECK_INT(x->failures, 4);
		CHECK(x->max_elapsed == 0.1);
		CHECK(x->elapsed > 0.4 + 1.996 - 1e-6 && x->elapsed < 0.4 + 1.996 + 1e-6);
		/* the first failure: run 499, flaky_test.go:(10 + 499 % 7) */
		CHECK_STR(x->output, "    flaky_test.go:12: run 499\n");
		CHECK_STR(x->loc.file, "flaky_test.go");
		CHECK_INT(x->loc.line, 12);
	}
	x = find(&p, "TestOK/sub");
	if (x) {
		CHECK_INT(x->result, LG_TEST_PASS);
		CHECK(x->runs == 2000 && x->failures == 0);
		CHECK_STR(x->output, "pass 1999\n"); /* the latest run's */
	}
	x = find(&p, "TestOK");
	CHECK(x && x->runs == 2000 && x->max_elapsed == 0.003);
	lg_package_release(&p);

	/* the last run never reports: unfinished, with that run's output */
	lg_buf_reset(&s);
	add_run(&s, "TestA", "FAIL", 5, "first failure\n");
	add_run(&s, "TestA", "PASS", 1, "fine\n");
	lg_buf_adds(&s, "\x16=== RUN   TestA\npanic: boom\n");
	decode_str(s.buf, &p);
	CHECK_INT(p.ntests, 1);
	if (p.ntests == 1) {
		CHECK_INT(p.tests[0].result, LG_TEST_UNFINISHED);
		CHECK(p.tests[0].runs == 3 && p.tests[0].failures == 1);
		CHECK_STR(p.tests[0].output, "panic: boom\n");
	}
	lg_package_release(&p);

	/* every run skipped: skipped; skips mixed with passes: passed */
	lg_buf_reset(&s);
	add_run(&s, "TestS", "SKIP", 0, "");
	add_run(&s, "TestS", "SKIP", 0, "");
	add_run(&s, "TestM", "SKIP", 0, "");
	add_run(&s, "TestM", "PASS", 0, "");
	decode_str(s.buf, &p);
	x = find(&p, "TestS");
	CHECK(x && x->result == LG_TEST_SKIP && x->runs == 2);
	x = find(&p, "TestM");
	CHECK(x && x->result == LG_TEST_PASS && x->runs == 2);
	lg_package_release(&p);

	/* a report whose RUN was lost counts as another run of a finished name */
	decode_str("\x16=== RUN   TestL\n\x16--- PASS: TestL (0.00s)\n"
		   "\x16--- FAIL: TestL (0.00s)\n", &p);
	CHECK(p.ntests == 1 && p.tests[0].runs == 2 && p.tests[0].failures == 1);
	lg_package_release(&p);
	lg_buf_release(&s);
}

/*
 * 200,000 runs of a test printing 1 KiB each: the output held stays one
 * run's, not the sum (which would pass the total budget many times over).
 */
static void test_repeated_output_is_bounded(void)
{
	struct lg_t2j *t = lg_test2json_new();
	struct lg_package p = { 0 };
	struct lg_buf run = LG_BUF_INIT;
	int i;

	lg_buf_adds(&run, "\x16=== RUN   TestLoud\n");
	for (i = 0; i < 16; i++)
		lg_buf_adds(&run, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n");
	lg_buf_adds(&run, "\x16--- PASS: TestLoud (0.00s)\n");
	for (i = 0; i < 200000; i++)
		lg_test2json_feed(t, run.buf, run.len);
	lg_test2json_take(t, &p);
	CHECK_INT(p.ntests, 1);
	if (p.ntests == 1) {
		CHECK_INT(p.tests[0].runs, 200000);
		CHECK_INT(strlen(p.tests[0].output), 1024);
		CHECK_INT(p.tests[0].output_truncated, 0);
	}
	CHECK(p.stray_output == NULL);
	lg_package_release(&p);
	lg_buf_release(&run);
	lg_test2json_free(t);
}

static void test_take_appends(void)
{
	struct lg_t2j *t = lg_test2json_new();
	struct lg_package p = { 0 };

	lg_package_add_test(&p)->name = lg_xstrdup("Existing");
	feed_str(t, "\x16=== RUN   TestA\n\x16--- PASS: TestA (0.00s)\n");
	lg_test2json_take(t, &p);
	lg_test2json_take(t, &p);
	CHECK_INT(p.ntests, 2);
	if (p.ntests == 2) {
		CHECK_STR(p.tests[0].name, "Existing");
		CHECK_STR(p.tests[1].name, "TestA");
	}
	lg_package_release(&p);
	lg_test2json_free(t);
	lg_test2json_free(NULL);
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "chunking_is_invisible", test_chunking_is_invisible },
		{ "repeated_runs", test_repeated_runs },
		{ "repeated_output_is_bounded", test_repeated_output_is_bounded },
		{ "last_run_past_cap", test_last_run_past_cap },
		{ "basic_go126", test_basic_go126 },
		{ "basic_go127", test_basic_go127 },
		{ "markers_go127", test_markers_go127 },
		{ "panic_in_test", test_panic_in_test },
		{ "binary_dies", test_binary_dies },
		{ "killed_mid_test", test_killed_mid_test },
		{ "no_tests", test_no_tests },
		{ "framing_edge_cases", test_framing_edge_cases },
		{ "locations", test_locations },
		{ "flood_is_capped", test_flood_is_capped },
		{ "long_lines_and_names", test_long_lines_and_names },
		{ "test_cap_and_budget", test_test_cap_and_budget },
		{ "random_garbage", test_random_garbage },
		{ "take_appends", test_take_appends },
	};

	return LG_CHECK_RUN(cases);
}
