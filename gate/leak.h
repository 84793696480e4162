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

#include "model.h"
#include "traceback.h"
#include "util.h"

/*
 * An ignore rule: every field that is set must match.  A value ending in '*'
 * matches by prefix, otherwise exactly.
 */
struct lg_ignore_rule {
	char *top_func; /* innermost frame */
	char *any_func; /* any frame */
	char *creator;  /* the function holding the `go` statement */
	char *wait;     /* wait reason as printed ("chan receive") */
};

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

/* Appends a readable description of a group (used as failure bodies). */
void lg_leak_format_group(const struct lg_leak_group *g, struct lg_buf *out);

/*
 * Groups every goroutine of a crash or hang dump by signature, biggest
 * group first, each shown once with its count: the body of deadlock, hang
 * and crash verdicts.
 */
void lg_leak_summarise_dump(const struct lg_dump *d, struct lg_buf *out);

/*
 * The Go test a goroutine is attributed to: the first frame, walking the
 * creator and then each ancestry block, whose function is a Test function.
 * Returns a new string ("TestFoo") or NULL.
 */
char *lg_leak_attribute_test(const struct lg_goroutine *g);

/* Test name from a function name: "x/y.TestFoo.func1" -> "TestFoo", or NULL. */
char *lg_leak_test_from_func(const char *func);

/*
 * The seed's leak pattern of one goroutine, by the classifier lg_leak_find
 * uses: sets *id ("recv-no-sender", ...), *title and *hint to static
 * strings.  `module_root` (may be NULL) picks the frame the goroutine is
 * blocked in; with `read_sources` that frame's source line is read, when
 * the file exists, to tell patterns such as range and receive apart.
 */
void lg_leak_pattern(const struct lg_goroutine *g, const char *module_root, int read_sources,
		     const char **id, const char **title, const char **hint);

/* file relative to root when inside it, else a copy. */
char *lg_relpath(const char *root, const char *file);

#endif
