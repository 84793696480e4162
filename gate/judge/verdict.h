/*
 * verdict.h — decides a package's gate checks from what its test binary
 * left: exit status, stderr (crash and SIGQUIT dumps), scheduler samples,
 * test2json results and the hook's snapshots.
 *
 * Checks produced: crash, deadlock or hang (at most one of them, as
 * errors), goroutine-leaks and heap-growth (passed, failed, or skipped with
 * the reason — never silently absent).
 */
#ifndef LG_VERDICT_H
#define LG_VERDICT_H

#include "config.h"
#include "hook_manifest.h"
#include "model.h"
#include "probe.h"
#include "proc.h"
#include "util.h"

struct lg_verdict_in {
	const struct lg_config *cfg;
	const char *module_root;
	const struct lg_proc_result *proc;
	const char *stderr_text; /* without SCHED lines */
	size_t stderr_len;
	const struct lg_hook_manifest *hook;
	const char *hook_error; /* the manifest could not be read: why */
	int t2j_complete;  /* the final PASS/FAIL line was seen */
	enum lg_hook_via via;   /* how the hook got in */
	const char *via_reason; /* for LG_VIA_NONE: why not; else why the hook
				   did not run, when that is known */
	const char *const *via_notes; /* NULL-terminated or NULL: what rewriting could not keep */
	/* Ignore rules of this package alone (goleak options of its TestMain). */
	const struct lg_ignore_rule *extra_ignores;
	size_t nextra_ignores;
	int read_sources;
	/* what the runner's deadlock probes found while it ran; may be NULL */
	const struct lg_probe_finding *probe;
	/* test2json's last "=== RUN" test: names the running test when the
	 * recorded tests cannot (past the record cap); may be NULL */
	const char *last_run;
	/* passes of the tests the runner asked the hook for (LEAKGATE_HEAP_PASSES);
	 * >= 2: the heap check judges growth per pass when the passes are usable */
	int heap_passes;
};

/*
 * Appends checks (and leak groups, heap sites) to `p`, whose tests are
 * already filled.  Problems reading the hook's files become skipped checks
 * with the reason; the function itself does not fail.
 */
void lg_verdict_package(const struct lg_verdict_in *in, struct lg_package *p);

#endif
