/*
 * hook.h — the C side of the hook protocol (schema/hook-protocol.schema.json).
 *
 * The Go hook (hook/core.go) runs inside the test binary around m.Run and
 * writes snapshots into a directory the runner names in LEAKGATE_HOOK_DIR.
 * This module generates the overlay that injects the hook into a package
 * that has no TestMain of its own, and reads the hook's manifest back.
 * The manifest is untrusted input: its size is capped, its types checked,
 * and the file names it lists must be plain names inside the hook directory.
 */
#ifndef LG_HOOK_H
#define LG_HOOK_H

#include "model.h"
#include "util.h"

#define LG_HOOK_PROTOCOL 1
#define LG_HOOK_MANIFEST "hook.json"
#define LG_HOOK_MAX_MANIFEST (1 << 20)
#define LG_HOOK_FILE_NAME "zz_leakgate_hook_test.go"

/* The Go hook source, embedded at build time from hook/core.go. */
extern const unsigned char lg_hook_go_src[];
extern const size_t lg_hook_go_src_len;

/* The rest of the hook module (hook/api.go, hook/go.mod), for `leakgate hook vendor`. */
extern const unsigned char lg_hook_api_src[];
extern const size_t lg_hook_api_src_len;
extern const unsigned char lg_hook_gomod_src[];
extern const size_t lg_hook_gomod_src_len;

struct lg_hook_snapshot {
	int present;
	int64_t time_unix_nano;
	struct lg_memstats mem;
	char *stacks;       /* absolute paths, NULL when absent */
	char *heap_profile;
	char *leak_stacks;
};

/* The heap after a further run of the tests in the same process (LEAKGATE_HEAP_PASSES). */
struct lg_hook_pass {
	int pass;      /* 2, 3, ... */
	int exit_code; /* this pass's m.Run */
	int remaining; /* goroutines of the pass still alive after its settle wait */
	struct lg_hook_snapshot snap; /* memstats and heap_profile; no stacks */
};

#define LG_HOOK_MAX_PASSES 100

struct lg_hook_manifest {
	enum lg_hook_state phase;
	int protocol;
	char *go_version;
	int gomaxprocs;
	int exit_code;
	double settle_waited_ms;
	int settle_rounds, settle_remaining;
	int leak_profile;
	struct lg_hook_snapshot before, after;
	struct lg_hook_pass *passes; /* in order, pass 2 first; NULL when none */
	size_t npasses;
	char **errors;
	size_t nerrors;
};

void lg_hook_manifest_release(struct lg_hook_manifest *m);

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

/*
 * Reads `<dir>/hook.json`.  A missing manifest is not an error: phase is
 * LG_HOOK_ABSENT.  A malformed one, a newer protocol, or a file name that
 * leaves the directory is an error naming the file.
 */
int lg_hook_read_manifest(const char *dir, struct lg_hook_manifest *m, struct lg_err *err);

#endif
