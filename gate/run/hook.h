/*
 * hook.h — the C side of the hook protocol (schema/hook-protocol.schema.json).
 *
 * The Go hook (hook/core.go) runs inside the test binary around m.Run and
 * writes snapshots into a directory the runner names in LEAKGATE_HOOK_DIR.
 * This module generates the overlay that injects the hook into a package
 * that has no TestMain of its own; hook_manifest.h reads what it wrote.
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
 * Writes the hook source for each target (`<dir>/<clause>[.main]/
 * leakgate_hook_test.go`: the hook as package `<clause>`, plus a TestMain
 * when `with_main`) and one overlay file at `overlay_path` mapping
 * `<pkg_dir>/zz_leakgate_hook_test.go` to it, with each target's `replace`
 * pairs (rewritten TestMain files) added as they are.
 * Files whose content is unchanged are left alone, and changed ones are
 * replaced atomically, so the paths stay stable between runs and Go's build
 * cache keeps hitting.
 */
int lg_hook_write_overlay(const char *dir, const struct lg_hook_target *t, size_t n,
			  const char *overlay_path, struct lg_err *err);

#endif
