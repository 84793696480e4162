/*
 * test_hook.c — the C side of the hook protocol: the generated overlay, and
 * reading manifests, including hostile ones (newer protocol, paths that
 * leave the hook directory, broken JSON, wrong types).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "hook.h"

static char *tmpdir(void)
{
	char *d = lg_xstrdup("/tmp/lg-hook-XXXXXX");

	if (!mkdtemp(d))
		abort();
	return d;
}

static void put(const char *dir, const char *name, const char *text)
{
	char *path = lg_xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	free(path);
}

static void cleanup(char *dir)
{
	char *cmd = lg_xasprintf("rm -rf '%s'", dir);

	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(cmd);
	free(dir);
}

static void test_overlay(void)
{
	char *dir = tmpdir(), *overlay = lg_xasprintf("%s/overlay.json", dir), *gopath = NULL;
	static char *const repl[] = { "/src/mod/lib/main_test.go", "/cache/rw/main_test.go", NULL };
	struct lg_hook_target t[] = { { "/src/mod/pkg", "pkg_test", 1, NULL },
				      { "/src/mod/other", "main_test", 1, NULL },
				      { "/src/mod/lib", "lib", 0, repl } };
	struct lg_buf text = LG_BUF_INIT, src = LG_BUF_INIT;
	struct lg_err err;
	struct stat st1, st2;

	CHECK_INT(lg_hook_write_overlay(dir, t, 3, NULL, overlay, &err), 0);
	CHECK_INT(lg_read_file(overlay, 1 << 20, &text, &err), 0);
	/* A rewritten TestMain: its copy is in the overlay, the hook has no TestMain. */
	CHECK(strstr(text.buf, "\"/src/mod/lib/main_test.go\":\"/cache/rw/main_test.go\"") != NULL);
	gopath = lg_xasprintf("%s/lib/leakgate_hook_test.go", dir);
	CHECK_INT(lg_read_file(gopath, 1 << 20, &src, &err), 0);
	CHECK(strstr(src.buf, "\npackage lib\n") != NULL);
	CHECK(strstr(src.buf, "func TestMain(") == NULL);
	lg_buf_reset(&src);
	free(gopath);
	CHECK(strstr(text.buf, "\"/src/mod/pkg/zz_leakgate_hook_test.go\"") != NULL);
	CHECK(strstr(text.buf, "\"/src/mod/other/zz_leakgate_hook_test.go\"") != NULL);
	gopath = lg_xasprintf("%s/pkg_test.main/leakgate_hook_test.go", dir);
	CHECK(strstr(text.buf, gopath) != NULL);
	CHECK_INT(lg_read_file(gopath, 1 << 20, &src, &err), 0);
	CHECK(strstr(src.buf, "\npackage pkg_test\n") != NULL);
	CHECK(strstr(src.buf, "package leakgatehook") == NULL);
	CHECK(strstr(src.buf, "func TestMain(m *leakgatetesting.M) { leakgateMain(m) }") != NULL);
	CHECK(strstr(src.buf, "func leakgateRun(") != NULL);
	/* Unchanged content is not rewritten: stable files keep Go's cache warm. */
	CHECK_INT(stat(gopath, &st1), 0);
	usleep(20000);
	CHECK_INT(lg_hook_write_overlay(dir, t, 3, NULL, overlay, &err), 0);
	CHECK_INT(stat(gopath, &st2), 0);
	CHECK(st1.st_ino == st2.st_ino && st1.st_mtim.tv_nsec == st2.st_mtim.tv_nsec);
	lg_buf_release(&text);
	lg_buf_release(&src);
	free(overlay);
	free(gopath);
	cleanup(dir);
}

/* The testdeps route: deps.go patched at its one SetPanicOnExit0, the hook
 * as package testdeps, both in the overlay; a Go without the function is
 * refused so the caller falls back to the test packages. */
static void test_testdeps(void)
{
	static const char deps[] =
		"package testdeps\n\n"
		"// func (TestDeps) SetPanicOnExit0(v bool) { in a comment\n"
		"func (TestDeps) SetPanicOnExit0(v bool) {\n"
		"\ttestlog.SetPanicOnExit0(v)\n}\n";
	static const char header[] = "func (TestDeps) SetPanicOnExit0(v bool) {\n";
	char *dir = tmpdir(), *root = lg_xasprintf("%s/goroot", dir), *cache = lg_xasprintf("%s/c", dir);
	char *pkg = lg_xasprintf("%s/src/testing/internal/testdeps", root);
	char *overlay = lg_xasprintf("%s/overlay.json", dir), *want;
	struct lg_buf out = LG_BUF_INIT, text = LG_BUF_INIT;
	struct lg_err err;
	char **pairs;

	CHECK_INT(lg_hook_patch_testdeps(deps, strlen(deps), &out), 0);
	CHECK(strstr(out.buf, "{\n\tleakgateExit0(v) // added by leakgate run\n\ttestlog.SetPanicOnExit0(v)\n") != NULL);
	CHECK(out.len == strlen(deps) + strlen("\tleakgateExit0(v) // added by leakgate run\n"));
	lg_buf_reset(&out);
	/* only in a comment, or twice: not hooked */
	CHECK_INT(lg_hook_patch_testdeps(deps, strlen(deps) - 35, &out), -1);
	lg_buf_adds(&text, deps);
	lg_buf_adds(&text, header);
	lg_buf_adds(&text, "}\n");
	CHECK_INT(lg_hook_patch_testdeps(text.buf, text.len, &out), -1);
	CHECK(out.len == 0);
	lg_buf_reset(&text);
	/* MatchString, when there, gets the test starts' call; twice is refused */
	lg_buf_adds(&text, "package testdeps\n"
			   "func (TestDeps) MatchString(pat, str string) (result bool, err error) {\n"
			   "\treturn true, nil\n}\n");
	lg_buf_adds(&text, header);
	lg_buf_adds(&text, "}\n");
	CHECK_INT(lg_hook_patch_testdeps(text.buf, text.len, &out), 0);
	CHECK(out.buf && strstr(out.buf, "(result bool, err error) {\n\tleakgateMatched(str) // added by "
					 "leakgate run\n\treturn true, nil\n}\n") != NULL);
	CHECK(out.buf && strstr(out.buf, "{\n\tleakgateExit0(v) // added by leakgate run\n}\n") != NULL);
	lg_buf_reset(&out);
	lg_buf_adds(&text, "func (TestDeps) MatchString(pat, str string) (result bool, err error) {\n}\n");
	CHECK_INT(lg_hook_patch_testdeps(text.buf, text.len, &out), -1);
	CHECK(out.len == 0);
	lg_buf_reset(&text);

	CHECK(lg_hook_testdeps_overlay(root, NULL, cache, &err) == NULL);
	CHECK(strstr(err.msg, "deps.go") != NULL);
	CHECK(lg_hook_testdeps_overlay("", NULL, cache, &err) == NULL);
	CHECK(strstr(err.msg, "GOROOT") != NULL);
	want = lg_xasprintf("%s/gomodcache", dir);
	CHECK(lg_hook_testdeps_overlay(root, dir, cache, &err) == NULL);
	CHECK(strstr(err.msg, "module cache") != NULL);
	CHECK(lg_hook_testdeps_overlay(root, want, cache, &err) == NULL);
	CHECK(strstr(err.msg, "module cache") == NULL);
	free(want);
	CHECK_INT(lg_mkdir_p(pkg, 0700, &err), 0);
	CHECK_INT(lg_mkdir_p(cache, 0700, &err), 0);
	put(pkg, "deps.go", "package testdeps\n");
	CHECK(lg_hook_testdeps_overlay(root, NULL, cache, &err) == NULL);
	CHECK(strstr(err.msg, "SetPanicOnExit0") != NULL);
	put(pkg, "deps.go", deps);
	pairs = lg_hook_testdeps_overlay(root, NULL, cache, &err);
	CHECK(pairs != NULL && lg_strv_len(pairs) == 4);
	if (!pairs)
		goto out;
	want = lg_xasprintf("%s/deps.go", pkg);
	CHECK_STR(pairs[0], want);
	free(want);
	want = lg_xasprintf("%s/" LG_HOOK_TESTDEPS_FILE, pkg);
	CHECK_STR(pairs[2], want);
	free(want);
	CHECK_INT(lg_read_file(pairs[1], 1 << 20, &text, &err), 0);
	CHECK(strstr(text.buf, "\tleakgateExit0(v) // added by leakgate run\n") != NULL);
	lg_buf_reset(&text);
	CHECK_INT(lg_read_file(pairs[3], 1 << 20, &text, &err), 0);
	CHECK(strstr(text.buf, "\npackage testdeps\n") != NULL);
	CHECK(strstr(text.buf, "func leakgateExit0(") != NULL);
	CHECK(strstr(text.buf, "func TestMain(") == NULL);
	lg_buf_reset(&text);
	/* the pairs go into an overlay with no target package at all */
	CHECK_INT(lg_hook_write_overlay(cache, NULL, 0, pairs, overlay, &err), 0);
	CHECK_INT(lg_read_file(overlay, 1 << 20, &text, &err), 0);
	want = lg_xasprintf("\"%s\":\"%s\"", pairs[2], pairs[3]);
	CHECK(strstr(text.buf, want) != NULL);
	free(want);
	lg_strv_free(pairs);
out:
	lg_buf_release(&out);
	lg_buf_release(&text);
	free(root);
	free(cache);
	free(pkg);
	free(overlay);
	cleanup(dir);
}

static const char good[] =
	"{\"protocol\": 1, \"hook_version\": \"0.1.0\", \"phase\": \"after\", \"go_version\": \"go1.26.8\",\n"
	" \"gomaxprocs\": 2, \"pid\": 1, \"exit_code\": 1,\n"
	" \"settle\": {\"budget_ms\": 500, \"waited_ms\": 12.5, \"rounds\": 3, \"remaining\": 1},\n"
	" \"leak_profile\": true,\n"
	" \"before\": {\"time_unix_nano\": 5, \"num_goroutine\": 2, \"memstats\": {\"heap_inuse\": 1000,\n"
	"   \"heap_alloc\": 900, \"num_gc\": 3}, \"stacks\": \"before.stacks\", \"heap_profile\": \"before.heap.pb.gz\"},\n"
	" \"after\": {\"time_unix_nano\": 6, \"num_goroutine\": 3, \"memstats\": {\"heap_inuse\": 5000},\n"
	"   \"stacks\": \"after.stacks\", \"heap_profile\": \"after.heap.pb.gz\", \"leak_stacks\": \"after.leak.stacks\"},\n"
	" \"errors\": [\"one\"]}\n";

static void test_manifest_good(void)
{
	char *dir = tmpdir();
	struct lg_hook_manifest m;
	struct lg_err err;

	put(dir, "hook.json", good);
	put(dir, "before.stacks", "goroutine 1 [running]:\n");
	put(dir, "after.stacks", "goroutine 1 [running]:\n");
	CHECK_INT(lg_hook_read_manifest(dir, &m, &err), 0);
	CHECK_INT(m.phase, LG_HOOK_DONE);
	CHECK_INT(m.protocol, 1);
	CHECK_STR(m.go_version, "go1.26.8");
	CHECK_INT(m.exit_code, 1);
	CHECK_INT(m.settle_remaining, 1);
	CHECK_INT(m.leak_profile, 1);
	CHECK_INT(m.before.mem.heap_inuse, 1000);
	CHECK_INT(m.before.mem.num_gc, 3);
	CHECK_INT(m.after.mem.heap_inuse, 5000);
	CHECK_INT(m.after.mem.num_goroutine, 3);
	CHECK(m.before.stacks && lg_ends_with(m.before.stacks, "/before.stacks"));
	CHECK(m.after.stacks != NULL);
	CHECK(m.after.heap_profile == NULL); /* listed but not on disk */
	CHECK_INT(m.nerrors, 1);
	lg_hook_manifest_release(&m);
	cleanup(dir);
}

/* The "passes" of a LEAKGATE_HEAP_PASSES run, as hook/core.go writes them. */
static void test_manifest_passes(void)
{
	static const char text[] =
		"{\"protocol\": 1, \"phase\": \"after\", \"exit_code\": 0,\n"
		" \"before\": {\"memstats\": {\"heap_inuse\": 1000}, \"stacks\": \"before.stacks\"},\n"
		" \"after\": {\"memstats\": {\"heap_inuse\": 5000}, \"stacks\": \"after.stacks\"},\n"
		" \"passes\": [\n"
		"  {\"pass\": 2, \"exit_code\": 0, \"remaining\": 0, \"time_unix_nano\": 1,\n"
		"   \"num_goroutine\": 2, \"memstats\": {\"heap_inuse\": 6000},\n"
		"   \"heap_profile\": \"pass-2.heap.pb.gz\"},\n"
		"  {\"pass\": 3, \"exit_code\": 1, \"remaining\": 4, \"time_unix_nano\": 2,\n"
		"   \"num_goroutine\": 6, \"memstats\": {\"heap_inuse\": 9000}}],\n"
		" \"errors\": []}\n";
	char *dir = tmpdir();
	struct lg_hook_manifest m;
	struct lg_err err;

	put(dir, "hook.json", text);
	put(dir, "pass-2.heap.pb.gz", "");
	CHECK_INT(lg_hook_read_manifest(dir, &m, &err), 0);
	CHECK_INT(m.npasses, 2);
	if (m.npasses == 2) {
		CHECK_INT(m.passes[0].pass, 2);
		CHECK_INT(m.passes[0].exit_code, 0);
		CHECK_INT(m.passes[0].snap.mem.heap_inuse, 6000);
		CHECK(m.passes[0].snap.heap_profile &&
		      lg_ends_with(m.passes[0].snap.heap_profile, "/pass-2.heap.pb.gz"));
		CHECK_INT(m.passes[1].pass, 3);
		CHECK_INT(m.passes[1].exit_code, 1);
		CHECK_INT(m.passes[1].remaining, 4);
		CHECK_INT(m.passes[1].snap.mem.num_goroutine, 6);
		CHECK(m.passes[1].snap.heap_profile == NULL);
	}
	lg_hook_manifest_release(&m);
	/* without "passes": none */
	put(dir, "hook.json", good);
	CHECK_INT(lg_hook_read_manifest(dir, &m, &err), 0);
	CHECK_INT(m.npasses, 0);
	CHECK(m.passes == NULL);
	lg_hook_manifest_release(&m);
	cleanup(dir);
}

static void test_manifest_absent(void)
{
	char *dir = tmpdir();
	struct lg_hook_manifest m;
	struct lg_err err;

	CHECK_INT(lg_hook_read_manifest(dir, &m, &err), 0);
	CHECK_INT(m.phase, LG_HOOK_ABSENT);
	lg_hook_manifest_release(&m);
	cleanup(dir);
}

static void test_manifest_bad(void)
{
	static const struct { const char *text; const char *want; } cases[] = {
		{ "{\"protocol\": 2, \"phase\": \"after\"}", "hook protocol 2 is not supported" },
		{ "{\"protocol\": \"1\", \"phase\": \"after\"}", "protocol: expected an integer" },
		{ "{\"protocol\": 1, \"phase\": \"during\"}", "phase: expected" },
		{ "{\"protocol\": 1, \"phase\": \"after\"}", "without an after snapshot" },
		{ "{\"protocol\": 1, \"phase\": \"before\", \"before\": {\"stacks\": \"../../etc/passwd\"}}",
		  "is not a plain file name" },
		{ "{\"protocol\": 1, \"phase\": \"before\", \"before\": {\"stacks\": \"..\"}}",
		  "is not a plain file name" },
		{ "{\"protocol\": 1, \"phase\": \"before\", \"before\": {\"stacks\": 7}}", "expected a file name" },
		{ "{\"protocol\": 1, \"phase\": \"af", "hook.json':1:" },
		{ "[]", "expected a JSON object" },
		{ "{\"protocol\": 1, \"phase\": \"after\", \"after\": {}, \"passes\": {}}",
		  "passes: expected an array" },
		{ "{\"protocol\": 1, \"phase\": \"after\", \"after\": {}, \"passes\": [{\"pass\": 3}]}",
		  "passes[0]: expected an object for pass 2" },
		{ "{\"protocol\": 1, \"phase\": \"after\", \"after\": {}, \"passes\": [7]}",
		  "passes[0]: expected an object" },
		{ "{\"protocol\": 1, \"phase\": \"after\", \"after\": {}, \"passes\": "
		  "[{\"pass\": 2, \"heap_profile\": \"../x\"}]}", "is not a plain file name" },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		char *dir = tmpdir();
		struct lg_hook_manifest m;
		struct lg_err err = { "" };

		put(dir, "hook.json", cases[i].text);
		CHECK_INT(lg_hook_read_manifest(dir, &m, &err), -1);
		if (!strstr(err.msg, cases[i].want) || !strstr(err.msg, dir)) {
			fprintf(stderr, "case %zu: '%s' lacks '%s' or the file\n", i, err.msg, cases[i].want);
			lg_check_failures++;
		}
		CHECK_INT(m.phase, LG_HOOK_ABSENT);
		lg_hook_manifest_release(&m);
		cleanup(dir);
	}
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "overlay", test_overlay },
		{ "testdeps", test_testdeps },
		{ "manifest_good", test_manifest_good },
		{ "manifest_passes", test_manifest_passes },
		{ "manifest_absent", test_manifest_absent },
		{ "manifest_bad", test_manifest_bad },
	};

	return LG_CHECK_RUN(cases);
}
