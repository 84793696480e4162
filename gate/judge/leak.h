/*
 * leak.h — goroutine leak analysis: which goroutines a package's tests left
 * behind, grouped, attributed and explained.
 *
 * Input is the hook's before and after dumps (and the goroutineleak profile
 * when the runtime has one).  A goroutine is leaked when it is in after and
 * not in before (by id), is not owned by the runtime, the testing package or
 * the hook, and matches no ignore rule.  Leaked goroutines are grouped by
 * lg_goroutine_signature; each group names the creating `go` statement, the
 * test that created it (from `created by` and ancestry blocks), the seed's
 * leak pattern with a fix hint, and whether the goroutineleak profile proves
 * it stuck.  The same grouping also summarises crash and hang dumps.
 */
#ifndef LG_LEAK_H
#define LG_LEAK_H

#include "config.h"
#include "model.h"
#include "dump.h"
#include "util.h"

struct lg_leak_opts {
	const char *module_root; /* to make file paths relative */
	const struct lg_ignore_rule *ignores;
	size_t nignores;
	int read_sources; /* peek at source lines to tell patterns apart */
};

/*
 * Finds leaked goroutines and appends their groups to p->leaks, biggest
 * first.  `proof` may be NULL.  Returns the number of leaked goroutines.
 */
int lg_leak_find(const struct lg_dump *before, const struct lg_dump *after,
		 const struct lg_dump *proof, const struct lg_leak_opts *o,
		 struct lg_package *p);

/*
 * lg_leak_find for aggregated snapshots: `before` and `after` may each be
 * a full dump or a goroutine profile at debug=1 (entries with counts; the
 * hook writes one instead of a full dump above a goroutine count).  Stacks
 * are matched by their functions outside package runtime (debug=1 hides
 * the runtime's innermost frames); a stack with more goroutines after than
 * before is a leak group of the difference.  Each group takes its `go`
 * statement, wait reason, test and signature from a representative found
 * in `sample` (the hook's cut full dump; may be NULL) or in a full
 * `after`: a goroutine with the same stack that `before` (when full) does
 * not hold.  Without one the group is described from the profile entry
 * alone (no creator, no test).  `proof` may be NULL, a full goroutineleak
 * dump (matched by the representative's id) or an aggregated one (matched
 * by stack).  *unsampled (may be NULL) gets the number of groups described
 * without a representative.  Returns the number of leaked goroutines.
 */
int lg_leak_find_aggregated(const struct lg_dump *before, const struct lg_dump *after,
			    const struct lg_dump *sample, const struct lg_dump *proof,
			    int proof_aggregated, const struct lg_leak_opts *o,
			    struct lg_package *p, int *unsampled);

/* Appends a readable description of a group (used as failure bodies). */
void lg_leak_format_group(const struct lg_leak_group *g, struct lg_buf *out);

/*
 * Groups every goroutine of a crash or hang dump by signature, each shown
 * once with its count: the body of deadlock, hang and crash verdicts.
 * Groups with a frame in the user's code (under `module_root`, which may be
 * NULL) come first, then the rest, biggest first within each; the
 * runtime's own goroutines (g0s, GC workers, finalizers) are folded into
 * one closing "N runtime goroutines ... not shown" line, and frames of
 * leakgate's hook are left out of the stacks, with a note saying how many.
 */
void lg_leak_summarise_dump(const struct lg_dump *d, const char *module_root, struct lg_buf *out);

/*
 * 1 when every goroutine of `d` that is not the runtime's waits on a
 * channel, a select, a lock, a WaitGroup or a Cond: nothing that time, I/O
 * or another process could end, so an idle scheduler means a deadlock.
 * 0 when any goroutine sleeps, is in a syscall or I/O wait, runs, waits on
 * a timer's channel (told by its source line with `read_sources`, under
 * `module_root`), or when the dump is empty.
 */
int lg_leak_dump_deadlock_like(const struct lg_dump *d, const char *module_root,
			       int read_sources);

#endif
