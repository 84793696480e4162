/*
 * hook.h — the C side of the hook protocol (schema/hook-protocol.schema.json).
 *
 * The Go hook (hook/core.go) runs inside the test binary around m.Run and
 * writes snapshots into a directory the runner names in LEAKGATE_HOOK_DIR.
 * This module generates the overlays that put it there (hook_manifest.h
 * reads what it wrote).  There are two ways in:
 *
 *  - through testing's own hook point: a copy of the hook in package
 *    testing/internal/testdeps, whose SetPanicOnExit0 calls it when m.Run
 *    starts and ends the tests.  Only the generated test main imports that
 *    package, so no package of the module is compiled again: Go's build
 *    cache keeps what go test compiled.  This is the default for every
 *    package whose TestMain, if any, leakgate does not rewrite;
 *  - in the test package: a copy as package `<name>_test` (with a TestMain
 *    when the package has none), or next to a rewritten TestMain.  This is
 *    for goleak's VerifyTestMain (rewrite.h) and for heap passes, which
 *    call m.Run again.
 *
 * A hook that starts unsets LEAKGATE_HOOK_DIR, so when a binary has both,
 * the one in the test package (which starts before m.Run) is the one that
 * runs.
 */
#ifndef LG_HOOK_H
#define LG_HOOK_H

#include "hook_manifest.h"
#include "model.h"
#include "util.h"

/* The Go hook source, embedded at build time from hook/core.go. */
extern const unsigned char lg_hook_go_src[];
extern const size_t lg_hook_go_src_len;

/* The rest of the hook module (hook/api.go, hook/go.mod), for `leakgate hook vendor`. */
extern const unsigned char lg_hook_api_src[];
extern const size_t lg_hook_api_src_len;
extern const unsigned char lg_hook_gomod_src[];
extern const size_t lg_hook_gomod_src_len;

/* A package that gets the hook injected. */
struct lg_hook_target {
	const char *pkg_dir;  /* absolute package directory */
	const char *clause;   /* package clause of the hook file ("x_test", or "x") */
	int with_main;        /* append the hook's TestMain (the package has none) */
	char *const *replace; /* more overlay entries: original, copy, ..., NULL; may be NULL */
};

/*
 * Copies `deps_go` (`len` bytes of testing/internal/testdeps/deps.go) into
 * `out` with a call to the hook as the first statement of
 * TestDeps.SetPanicOnExit0 (the route) and of TestDeps.MatchString (the
 * test starts; left out when deps.go has no such header).  Returns -1,
 * `out` untouched, when the file has no SetPanicOnExit0 header at the start
 * of a line, or when either header is there more than once.
 */
int lg_hook_patch_testdeps(const char *deps_go, size_t len, struct lg_buf *out);

/*
 * Writes the testdeps route's two files under `dir`/testdeps (the patched
 * deps.go of `goroot`'s testing/internal/testdeps, and the hook as package
 * testdeps) and returns the overlay pairs for them (original, copy, ...,
 * NULL; the caller frees with lg_strv_free).  NULL with `err` when GOROOT
 * is unknown or beneath `modcache` (GOMODCACHE: a toolchain go downloaded,
 * whose files go refuses to overlay), deps.go cannot be read or has no SetPanicOnExit0 to hook (a
 * Go this leakgate does not know), or a file cannot be written: the caller
 * then puts the hook into the test packages instead.
 */
char **lg_hook_testdeps_overlay(const char *goroot, const char *modcache, const char *dir,
				struct lg_err *err);

/*
 * Writes the hook source for each target (`<dir>/<clause>[.main]/
 * leakgate_hook_test.go`: the hook as package `<clause>`, plus a TestMain
 * when `with_main`) and one overlay file at `overlay_path` mapping
 * `<pkg_dir>/zz_leakgate_hook_test.go` to it, with each target's `replace`
 * pairs (rewritten TestMain files) and the `common` pairs (may be NULL: the
 * testdeps route) added as they are.
 * Files whose content is unchanged are left alone, and changed ones are
 * replaced atomically, so the paths stay stable between runs and Go's build
 * cache keeps hitting.
 */
int lg_hook_write_overlay(const char *dir, const struct lg_hook_target *t, size_t n,
			  char *const *common, const char *overlay_path, struct lg_err *err);

#endif
