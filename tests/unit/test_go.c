/*
 * test_go.c — the Go toolchain driver: which Go versions have the
 * goroutineleak profile (--leaks proven), the file names `go test -c -o
 * DIR/` gives test binaries (cmd/go's rule for major-version suffixes), and
 * `go list` on the real fixture module filling each package's file lists
 * and TestMain detection, which the TestMain rewriter is fed from.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "go.h"

static void test_leak_profile_versions(void)
{
	static const struct {
		const char *version, *experiment;
		int want;
	} cases[] = {
		{ "go1.27.3", "", 1 },
		{ "go1.27rc1", "", 1 },
		{ "go1.28", NULL, 1 },
		{ "go1.26.8", "", 0 },
		{ "go1.26.8", NULL, 0 },
		{ "go1.26.8", "goroutineleakprofile", 1 },
		{ "go1.26.8", "arenas,goroutineleakprofile", 1 },
		{ "go1.26.8", "nogoroutineleakprofile", 0 },
		{ "go1.26.8", "goroutineleakprofilex", 0 },
		{ "go1.25.4", "goroutineleakprofile", 0 },
		{ "go1.9", "", 0 },
		{ "devel go1.28-abcdef", "", -1 },
		{ "", "", -1 },
		{ NULL, NULL, -1 },
		{ "go1.x", "", -1 },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		int got = lg_go_has_leak_profile(cases[i].version, cases[i].experiment);

		if (got != cases[i].want) {
			fprintf(stderr, "case %zu: %s [%s]: %d, want %d\n", i,
				cases[i].version ? cases[i].version : "(null)",
				cases[i].experiment ? cases[i].experiment : "(null)", got, cases[i].want);
			lg_check_failures++;
		}
	}
}

static void test_binary_name(void)
{
	static const char *const cases[][2] = {
		{ "example.com/m", "m.test" },
		{ "example.com/m/v2", "m.test" },
		{ "example.com/m/v10", "m.test" },
		{ "github.com/prometheus/client_golang/api/prometheus/v1", "v1.test" },
		{ "example.com/m/v0", "v0.test" },
		{ "example.com/m/v01", "v01.test" },
		{ "example.com/m/v2x", "v2x.test" },
		{ "v2", "v2.test" },
		{ "strings", "strings.test" },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		char *got = lg_go_test_binary_name(cases[i][0]);

		CHECK_STR(got, cases[i][1]);
		free(got);
	}
}

static const struct lg_gopkg *find(const struct lg_golist *l, const char *path)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->pkgs[i].import_path, path) == 0)
			return &l->pkgs[i];
	return NULL;
}

static int has(char *const *v, const char *s)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

static void test_list(void)
{
	const char *src = getenv("LG_SOURCE_DIR");
	char *dir, *pats[] = { "./tmexternal", "./tmhelper", "./rangeleak", "./tmcgo" };
	struct lg_goflags flags = { NULL, 0, 120 };
	struct lg_golist l;
	struct lg_err err;
	const struct lg_gopkg *p;
	char cwd[4096];

	if (!src || !getcwd(cwd, sizeof(cwd))) {
		fprintf(stderr, "LG_SOURCE_DIR unset: go list test not run\n");
		return;
	}
	dir = lg_xasprintf("%s/tests/fixtures/gomod", src);
	CHECK_INT(chdir(dir), 0);
	CHECK_INT(lg_go_list(pats, LG_ARRAY_SIZE(pats), &flags, &l, &err), 0);
	CHECK_INT(l.n, 4);
	p = find(&l, "leakgate.test/fixtures/tmexternal");
	CHECK(p && p->own_testmain && p->has_tests);
	CHECK(p && has(p->gofiles, "tmexternal.go") && has(p->xtestgofiles, "tmexternal_test.go"));
	CHECK(p && lg_strv_len(p->testgofiles) == 0);
	p = find(&l, "leakgate.test/fixtures/tmhelper");
	CHECK(p && p->own_testmain && has(p->testgofiles, "main_test.go") &&
	      has(p->testgofiles, "helper_test.go"));
	p = find(&l, "leakgate.test/fixtures/rangeleak");
	CHECK(p && !p->own_testmain && p->has_tests);
	/* A cgo file is not a GoFile: the rewriter is never handed it. */
	p = find(&l, "leakgate.test/fixtures/tmcgo");
	CHECK(p && !has(p->gofiles, "tmcgo.go") && p->own_testmain);
	lg_golist_release(&l);
	CHECK_INT(chdir(cwd), 0);
	free(dir);
}

int main(void)
{
	static const struct lg_check_case t[] = {
		{ "leak profile versions", test_leak_profile_versions },
		{ "binary name", test_binary_name },
		{ "list", test_list },
	};

	return LG_CHECK_RUN(t);
}
