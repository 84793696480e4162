/*
 * heapgrowth.h — what the heap growth between the hook's two heap profiles
 * is made of: the tests' own allocations, or memory a correct program keeps
 * anyway.
 *
 * Every sample of the before and after profiles (inuse_space) is put in one
 * kind by its allocation stack, and attributed to one site, the frame a
 * reader should look at.  The heap check counts only LG_HEAPGROWTH_COUNTED
 * against --max-heap-growth; the other kinds are reported, never hidden.
 *
 * Kinds, first match wins (a stack is leaf first, inlined frames expanded):
 *  - hook: the innermost frame outside the runtime and the standard
 *    library is leakgate's hook — its function name, after the package
 *    path, starts with "leakgate" or "(*leakgate" (the injected code is
 *    named so; see hook/core.go).  The tests' own frames come first on
 *    their stacks, so an example run on the main goroutine under
 *    leakgateRun stays counted.
 *  - one-time initialisation: any frame is sync.(*Once).doSlow, a
 *    sync.OnceFunc/OnceValue/OnceValues function or closure (also inlined
 *    into the caller: "pkg.F.OnceValue[...].func2"), runtime.doInit
 *    or runtime.doInit1, or a package initialiser (pkg.init, pkg.init.N,
 *    pkg.init.func1, ...);
 *  - runtime goroutine bookkeeping: every frame is the runtime's own
 *    (runtime.malg, newproc1, allgadd, saveAncestors on the system stack):
 *    goroutine structures the runtime keeps for reuse and never frees;
 *  - counted: everything else.
 *
 * The site is the innermost frame inside the module (file under
 * `module_root`, not a runtime frame), else the innermost frame outside the
 * runtime and the standard library, else the innermost non-runtime frame,
 * else the innermost runtime frame that is not an allocation primitive
 * (runtime/malloc.go, growslice, makeslice, ...), else the leaf.  So an append through bytes.Clone is charged to the line
 * that called bytes.Clone, never to runtime/malloc.go.
 */
#ifndef LG_HEAPGROWTH_H
#define LG_HEAPGROWTH_H

#include <stddef.h>
#include <stdint.h>

#include "pprof.h"
#include "util.h"

enum lg_heapgrowth_kind {
	LG_HEAPGROWTH_COUNTED,
	LG_HEAPGROWTH_ONCE,
	LG_HEAPGROWTH_RUNTIME,
	LG_HEAPGROWTH_HOOK,
	LG_HEAPGROWTH_NKINDS
};

struct lg_heapgrowth_site {
	enum lg_heapgrowth_kind kind;
	char *func; /* the site's frame; strings owned by the site */
	char *file; /* relative to module_root when inside it */
	int64_t line;
	/* "f (file:line) -> g (...) -> runtime.mallocgc": the calls from the
	 * site down to the allocation, of the sample that grew most; NULL when
	 * the site is the allocating frame itself */
	char *chain;
	char *caller;  /* "f (file:line)", the frame that called the site, or NULL */
	int64_t delta; /* inuse_space after minus before, > 0 */
};

struct lg_heapgrowth {
	int64_t net[LG_HEAPGROWTH_NKINDS]; /* after minus before per kind; may be < 0 */
	int64_t total;                     /* sum of net[] */
	int64_t sample_rate;               /* the after profile's period: bytes per sample */
	struct lg_heapgrowth_site *sites;  /* grouped by kind (enum order), biggest first */
	size_t nsites;
};

/*
 * Classifies the growth between `before` and `after` (sample type
 * inuse_space) and keeps up to `max_sites` growing sites per kind.  File
 * names inside `module_root` (may be NULL) are made relative to it.  On
 * error (a profile without inuse_space) returns -1 with `err` set and `out`
 * zeroed; `out` needs lg_heapgrowth_release either way.
 */
int lg_heapgrowth_classify(const struct lg_pprof *before, const struct lg_pprof *after,
			   const char *module_root, size_t max_sites, struct lg_heapgrowth *out,
			   struct lg_err *err);
void lg_heapgrowth_release(struct lg_heapgrowth *g);

/*
 * How many of `heap_inuse_growth` bytes (HeapInuse after minus before) are
 * not counted.  D is the profile's growth of the kinds other than counted
 * (each kind's net, negative ones as 0), C the counted kind's (0 if
 * negative).  A profile measures object bytes, HeapInuse whole spans, so
 * HeapInuse usually grows more than the profile explains; that remainder
 * (span overhead) is split in proportion: the result is
 * heap_inuse_growth * D / (C + D) when C + D < heap_inuse_growth (*scaled
 * set), else D.  Clamped to 0..heap_inuse_growth.
 */
int64_t lg_heapgrowth_discount(const struct lg_heapgrowth *g, int64_t heap_inuse_growth,
			       int *scaled);

/*
 * Divides every figure of `g` (each kind's net, the total, each site's
 * delta) by `passes`, rounding toward zero: a classification of the growth
 * over `passes` runs of the tests becomes the growth per run.  passes <= 1
 * leaves `g` as it is; never fails.
 */
void lg_heapgrowth_per_pass(struct lg_heapgrowth *g, int passes);

/* The kind of one allocation stack (leaf first); never fails. */
enum lg_heapgrowth_kind lg_heapgrowth_kind_of(const struct lg_frame *f, size_t n);
/* Index of the site frame of a stack of n >= 1 frames (see above). */
size_t lg_heapgrowth_site_of(const struct lg_frame *f, size_t n, const char *module_root);
/* "counted", "one-time initialisation", "runtime goroutine bookkeeping", "leakgate's hook" */
const char *lg_heapgrowth_kind_title(enum lg_heapgrowth_kind k);
/* Machine name for reports: "counted", "once", "runtime", "hook". */
const char *lg_heapgrowth_kind_name(enum lg_heapgrowth_kind k);

#endif
