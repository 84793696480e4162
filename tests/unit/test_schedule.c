/*
 * test_schedule.c — longest-first scheduling: the start order (unknown
 * packages first in go list order, then decreasing expected time, an
 * evidence run doubling it), and the package times file in the build cache:
 * written and read back, and ignored with a note — never a failure — when
 * it is corrupt, truncated, of a newer version, of another module or holds
 * a bad entry; a missing file is the first run, without a note.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "schedule.h"

static const char good[] =
	"{\"version\": 1, \"module_root\": \"/m\", \"packages\": {"
	"\"ex.com/m/a\": {\"lean_seconds\": 2.5, \"evidence\": false},"
	"\"ex.com/m/b\": {\"lean_seconds\": 1.5, \"evidence\": true},"
	"\"ex.com/m/c\": {\"lean_seconds\": 0.25, \"evidence\": false},"
	"\"ex.com/m/h\": {\"lean_seconds\": 4, \"evidence\": true, \"heap_passes\": true}}}";

static void test_order(void)
{
	/* index:           0    1   2   3    4    5     6 */
	const double e[] = { 1.0, -1, 14, 0.5, -1, 14, NAN };
	size_t order[7], i;
	const size_t want[7] = { 1, 4, 6, 2, 5, 0, 3 };

	lg_sched_order(e, 7, order);
	for (i = 0; i < 7; i++)
		CHECK_INT(order[i], want[i]);
	/* nothing known: the go list order */
	{
		const double u[] = { -1, -1, -1 };
		size_t o[3];

		lg_sched_order(u, 3, o);
		CHECK_INT(o[0], 0);
		CHECK_INT(o[1], 1);
		CHECK_INT(o[2], 2);
	}
	lg_sched_order(e, 0, order); /* no package: no access */
}

static void test_expected(void)
{
	struct lg_sched_times t;
	char *note;

	lg_sched_times_init(&t, "/m");
	note = lg_sched_times_parse(&t, good, sizeof(good) - 1, "times.json");
	CHECK(note == NULL);
	free(note);
	CHECK_INT(t.n, 4);
	CHECK(lg_sched_expected(&t, "ex.com/m/a") == 2.5);
	/* what each needed: the next run's first run follows it */
	CHECK_INT(lg_sched_needed(&t, "ex.com/m/a"), LG_SCHED_LEAN);
	CHECK_INT(lg_sched_needed(&t, "ex.com/m/b"), LG_SCHED_EVIDENCE);
	CHECK_INT(lg_sched_needed(&t, "ex.com/m/h"), LG_SCHED_PER_PASS);
	CHECK_INT(lg_sched_needed(&t, "ex.com/m/d"), LG_SCHED_LEAN); /* unknown */
	CHECK(lg_sched_expected(&t, "ex.com/m/h") == 8.0);
	CHECK(lg_sched_expected(&t, "ex.com/m/b") == 3.0); /* evidence run: doubled */
	CHECK(lg_sched_expected(&t, "ex.com/m/c") == 0.25);
	CHECK(lg_sched_expected(&t, "ex.com/m/d") < 0);
	/* a's 2.5 s beats b's doubled 3 s? no: b first */
	{
		double e[3];
		size_t o[3];

		e[0] = lg_sched_expected(&t, "ex.com/m/a");
		e[1] = lg_sched_expected(&t, "ex.com/m/b");
		e[2] = lg_sched_expected(&t, "ex.com/m/c");
		lg_sched_order(e, 3, o);
		CHECK_INT(o[0], 1);
		CHECK_INT(o[1], 0);
		CHECK_INT(o[2], 2);
	}
	lg_sched_times_set(&t, "ex.com/m/b", 0.1, LG_SCHED_LEAN); /* replaced, not added */
	CHECK_INT(t.n, 4);
	CHECK_INT(lg_sched_needed(&t, "ex.com/m/b"), LG_SCHED_LEAN);
	CHECK(lg_sched_expected(&t, "ex.com/m/b") == 0.1);
	lg_sched_times_set(&t, "ex.com/m/e", -1, LG_SCHED_LEAN); /* not a time: not recorded */
	lg_sched_times_set(&t, "ex.com/m/e", NAN, LG_SCHED_LEAN);
	CHECK_INT(t.n, 4);
	lg_sched_times_set(&t, "ex.com/m/e", 1e300, LG_SCHED_LEAN);
	CHECK(lg_sched_expected(&t, "ex.com/m/e") == LG_SCHED_MAX_SECONDS);
	lg_sched_times_release(&t);
}

/* Parses `text`: the table must end empty with a note containing `want`. */
static void ignored(const char *text, size_t len, const char *want, int newer)
{
	struct lg_sched_times t;
	char *note;

	lg_sched_times_init(&t, "/m");
	lg_sched_times_set(&t, "stale", 9, LG_SCHED_LEAN); /* what an earlier read left */
	note = lg_sched_times_parse(&t, text, len, "times.json");
	CHECK(note != NULL);
	if (note && !strstr(note, want)) {
		fprintf(stderr, "note \"%s\" lacks \"%s\"\n", note, want);
		lg_check_failures++;
	}
	CHECK_INT(t.n, 0);
	CHECK(lg_sched_expected(&t, "stale") < 0);
	CHECK(lg_sched_expected(&t, "ex.com/m/a") < 0);
	CHECK_INT(t.newer, newer);
	free(note);
	lg_sched_times_release(&t);
}

#define IGNORED(lit, want, newer) ignored(lit, sizeof(lit) - 1, want, newer)

static void test_bad_files(void)
{
	static const char *const bad_entries[] = {
		"{\"version\": 1, \"module_root\": \"/m\", \"packages\": {\"a\": {\"lean_seconds\": -1, \"evidence\": false}}}",
		"{\"version\": 1, \"module_root\": \"/m\", \"packages\": {\"a\": {\"lean_seconds\": \"1\", \"evidence\": false}}}",
		"{\"version\": 1, \"module_root\": \"/m\", \"packages\": {\"a\": {\"lean_seconds\": 1}}}",
		"{\"version\": 1, \"module_root\": \"/m\", \"packages\": {\"a\": 3}}",
		"{\"version\": 1, \"module_root\": \"/m\", \"packages\": {\"\": {\"lean_seconds\": 1, \"evidence\": true}}}",
		"{\"version\": 1, \"module_root\": \"/m\", \"packages\": []}",
		"{\"version\": 1, \"module_root\": \"/m\", \"packages\": {\"a\": {\"lean_seconds\": 1, \"evidence\": true, \"heap_passes\": 1}}}",
		"{\"version\": 1, \"module_root\": \"/m\", \"packages\": {\"a\": {\"lean_seconds\": 1, \"evidence\": true, \"targeted\": \"yes\"}}}",
	};
	size_t i;

	ignored("not json", 8, "times.json", 0);
	ignored("", 0, "empty", 0);
	/* truncated anywhere: never half a table */
	for (i = 1; i < sizeof(good) - 1; i += 7)
		ignored(good, i, "times.json", 0);
	IGNORED("{\"version\": 2, \"module_root\": \"/m\", \"packages\": {}}", "newer leakgate", 1);
	IGNORED("{\"version\": 0, \"module_root\": \"/m\", \"packages\": {}}", "version 0", 0);
	IGNORED("{\"version\": \"1\", \"module_root\": \"/m\", \"packages\": {}}", "version", 0);
	IGNORED("{\"version\": 1, \"module_root\": \"/other\", \"packages\": {}}", "module_root", 0);
	IGNORED("{\"version\": 1, \"packages\": {}}", "module_root", 0);
	for (i = 0; i < LG_ARRAY_SIZE(bad_entries); i++)
		ignored(bad_entries[i], strlen(bad_entries[i]), "packages", 0);
}

static void test_file_round_trip(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = lg_xasprintf("%s/lg-sched-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	char *path, *note;
	struct lg_sched_times t, u;
	struct lg_err err;
	struct stat st1, st2;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	path = lg_xasprintf("%s/%s", dir, LG_SCHED_TIMES_FILE);
	lg_sched_times_init(&t, "/m");
	CHECK(lg_sched_times_read(&t, path) == NULL); /* missing: the first run, no note */
	CHECK_INT(t.n, 0);
	lg_sched_times_set(&t, "ex.com/m/b", 14.1234, LG_SCHED_EVIDENCE);
	lg_sched_times_set(&t, "ex.com/m/a", 0.5, LG_SCHED_LEAN);
	lg_sched_times_set(&t, "ex.com/m/h", 3, LG_SCHED_PER_PASS);
	lg_sched_times_set(&t, "ex.com/m/t", 2, LG_SCHED_TARGETED);
	CHECK_INT(lg_sched_times_write(&t, path, &err), 0);
	lg_sched_times_init(&u, "/m");
	note = lg_sched_times_read(&u, path);
	CHECK(note == NULL);
	free(note);
	CHECK_INT(u.n, 4);
	/* a targeted run's package runs lean first next time, at about its lean time */
	CHECK_INT(lg_sched_needed(&u, "ex.com/m/t"), LG_SCHED_TARGETED);
	CHECK(lg_sched_expected(&u, "ex.com/m/t") == 2.0);
	CHECK(lg_sched_expected(&u, "ex.com/m/b") == 2 * 14.123);
	CHECK_INT(lg_sched_needed(&u, "ex.com/m/b"), LG_SCHED_EVIDENCE);
	CHECK_INT(lg_sched_needed(&u, "ex.com/m/h"), LG_SCHED_PER_PASS);
	CHECK_INT(lg_sched_needed(&u, "ex.com/m/a"), LG_SCHED_LEAN);
	CHECK(lg_sched_expected(&u, "ex.com/m/a") == 0.5);
	/* the same times again: the file is not rewritten */
	CHECK_INT(stat(path, &st1), 0);
	nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	CHECK_INT(lg_sched_times_write(&u, path, &err), 0);
	CHECK_INT(stat(path, &st2), 0);
	CHECK(st1.st_ino == st2.st_ino && st1.st_mtim.tv_nsec == st2.st_mtim.tv_nsec);
	lg_sched_times_release(&u);
	/* another module's root reads nothing */
	lg_sched_times_init(&u, "/other");
	note = lg_sched_times_read(&u, path);
	CHECK(note != NULL && strstr(note, "module_root"));
	CHECK_INT(u.n, 0);
	free(note);
	lg_sched_times_release(&u);
	/* a file cut short on disk */
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs("{\"version\": 1, \"module_root\": \"/m\", \"packa", f);
		fclose(f);
	}
	lg_sched_times_init(&u, "/m");
	note = lg_sched_times_read(&u, path);
	CHECK(note != NULL && strstr(note, path) && strstr(note, "go list order"));
	CHECK_INT(u.n, 0);
	free(note);
	lg_sched_times_release(&u);
	/* a directory where the file should be: a note, not a failure */
	CHECK_INT(unlink(path), 0);
	CHECK_INT(mkdir(path, 0700), 0);
	lg_sched_times_init(&u, "/m");
	note = lg_sched_times_read(&u, path);
	CHECK(note != NULL);
	free(note);
	CHECK(lg_sched_times_write(&t, path, &err) < 0);
	lg_sched_times_release(&u);
	lg_sched_times_release(&t);
	rmdir(path);
	rmdir(dir);
	free(path);
	free(dir);
}

int main(void)
{
	static const struct lg_check_case t[] = {
		{ "order", test_order },
		{ "expected", test_expected },
		{ "bad_files", test_bad_files },
		{ "file_round_trip", test_file_round_trip },
	};

	return LG_CHECK_RUN(t);
}
