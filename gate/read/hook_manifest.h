/*
 * hook_manifest.h — what the Go hook leaves behind for the gate: the
 * protocol's constants and the manifest (hook.json) with its snapshots
 * (schema/hook-protocol.schema.json).  The manifest is untrusted input: its
 * size is capped, its types checked, and the file names it lists must be
 * plain names inside the hook directory.
 */
#ifndef LG_HOOK_MANIFEST_H
#define LG_HOOK_MANIFEST_H

#include "model.h"
#include "util.h"

#define LG_HOOK_PROTOCOL 1
#define LG_HOOK_MANIFEST "hook.json"
#define LG_HOOK_MAX_MANIFEST (1 << 20)
/* The hook's file as stack traces name it: in the test package, and the
 * copy in testing/internal/testdeps (run/hook.h) */
#define LG_HOOK_FILE_NAME "zz_leakgate_hook_test.go"
#define LG_HOOK_TESTDEPS_FILE "zz_leakgate_hook.go"

struct lg_hook_snapshot {
	int present;
	int64_t time_unix_nano;
	struct lg_memstats mem;
	char *stacks;       /* absolute paths, NULL when absent */
	char *heap_profile;
	char *leak_stacks;
	/*
	 * Aggregated snapshot (more goroutines than the hook dumps in full):
	 * `stacks` is the goroutine profile at debug=1 (one entry per stack,
	 * with its count), `leak_stacks` the goroutineleak profile at debug=1,
	 * and `sample_stacks` (NULL when absent) a runtime.Stack(all) cut at a
	 * fixed size when `sample_cut`.
	 */
	int aggregated;
	char *sample_stacks;
	int sample_cut;
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
	int settle_counted; /* some settle rounds only counted goroutines */
	int leak_profile;
	struct lg_hook_snapshot before, after;
	struct lg_hook_pass *passes; /* in order, pass 2 first; NULL when none */
	size_t npasses;
	char **errors;
	size_t nerrors;
	char *test_starts; /* the test starts file (hook/README.md, "Test starts"), or NULL */
};

/* Frees what the manifest owns; it is zeroed and may be read into again. */
void lg_hook_manifest_release(struct lg_hook_manifest *m);

/*
 * Reads `<dir>/hook.json`.  A missing manifest is not an error: phase is
 * LG_HOOK_ABSENT.  A malformed one, a newer protocol, or a file name that
 * leaves the directory is an error naming the file.
 */
int lg_hook_read_manifest(const char *dir, struct lg_hook_manifest *m, struct lg_err *err);

#endif
