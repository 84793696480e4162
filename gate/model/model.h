/*
 * model.h — what one `leakgate run` found: packages, Go tests, gate checks,
 * leak groups, memory figures and scheduler samples.
 *
 * The runner fills it; the JUnit writer, the JSON report and the terminal
 * output only read it.  Every string is owned by the struct that holds it
 * (heap-allocated, freed by lg_run_release); NULL means "unknown".
 * Times are seconds and never negative.  File paths in lg_location are
 * relative to the module root when the file lies inside it.
 */
#ifndef LG_MODEL_H
#define LG_MODEL_H

#include <stddef.h>
#include <stdint.h>

struct lg_location {
	char *file; /* NULL when unknown */
	int line;   /* 0 when unknown */
};

enum lg_test_result {
	LG_TEST_PASS,
	LG_TEST_FAIL,
	LG_TEST_SKIP,
	LG_TEST_UNFINISHED /* started, never reported: timeout, crash, hang */
};

/*
 * One test name with all its runs (-test.count=N runs it N times): reports
 * hold one entry per name whatever N is.  `result` is FAIL when any run
 * failed, UNFINISHED when the last run never reported, SKIP when every run
 * skipped, else PASS.  `output` and `loc` are of one run: the first that
 * failed, else the unfinished one, else the latest.
 */
struct lg_test {
	char *name; /* full name, subtests joined with '/': "TestA/case_1" */
	enum lg_test_result result;
	double elapsed;        /* total over the runs that reported */
	double max_elapsed;    /* of the slowest run */
	int runs;              /* runs started, >= 1 */
	int failures;          /* runs that failed */
	char *output;          /* the test's own output, capped */
	int output_truncated;  /* 1 when the cap cut it */
	struct lg_location loc; /* first "file_test.go:N:" in the output */
};

/* The gate's own verdicts, each reported as a testcase of its own. */
enum lg_check_kind {
	LG_CHECK_BUILD,
	LG_CHECK_LEAK,
	LG_CHECK_HEAP,
	LG_CHECK_DEADLOCK,
	LG_CHECK_HANG,
	LG_CHECK_CRASH,
	LG_CHECK_EXIT, /* the tests reported, then the binary exited non-zero */
	LG_CHECK_INTERRUPTED, /* leakgate was interrupted (Ctrl-C) while the binary ran */
	LG_CHECK_KIND_COUNT
};

enum lg_check_status {
	LG_STATUS_PASSED,
	LG_STATUS_FAILED,  /* an assertion-like failure: leaks, heap growth */
	LG_STATUS_ERROR,   /* the binary broke: build, crash, deadlock, hang */
	LG_STATUS_SKIPPED  /* the check could not run; message says why */
};

struct lg_check {
	enum lg_check_kind kind;
	enum lg_check_status status;
	char *message; /* one line, shown as the failure message */
	char *detail;  /* multi-line body: grouped stacks, compiler output */
	struct lg_location loc;
	char *test;    /* the Go test it is attributed to, or NULL */
	int baselined;       /* the status was decided against a baseline */
	char *baseline_note; /* what the baseline decided, or NULL */
};

/* A test that created goroutines of a leak group, and how many. */
struct lg_leak_test {
	char *name;
	int count;
};

/* One group of leaked goroutines that share a signature. */
#define LG_LEAK_GOIDS 16

struct lg_leak_group {
	char *signature;   /* stable id: hash of functions + wait reason */
	char *top_func;    /* innermost frame's function */
	char *wait_reason; /* "chan receive", "select", ... */
	int count;
	int min_minutes, max_minutes;
	char *creator_func;
	struct lg_location created_at; /* the `go` statement, or the innermost frame in
	                                  the module on the way to it (see created_via) */
	char *created_via;   /* "F at file:line": the `go` statement outside the module
	                        when created_at is a module frame further out, or NULL */
	struct lg_location blocked_at; /* innermost non-runtime frame */
	char *blocked_in;    /* the wait primitive's function when blocked_at is not the
	                        innermost frame ("sync.(*Mutex).Lock"), or NULL */
	char *test;          /* tests[0].name, or NULL */
	struct lg_leak_test *tests; /* every test that created goroutines of the group:
	                               count descending, then name */
	size_t ntests;
	char *pattern;       /* machine id, e.g. "range-unclosed-chan" */
	char *pattern_title; /* "range over a channel that is never closed" */
	char *hint;          /* how to fix it */
	int proven;          /* listed by the goroutineleak profile */
	char *stack;         /* one representative stack, as Go printed it */
	int baselined;       /* accepted: within its baseline entry's count */
	char *baseline_note; /* the baseline's verdict on the group, or NULL */
	int unnamed_ancestors; /* the longest ancestry (tracebackancestors blocks) of its
	                          goroutines no test could be named for: at the run's depth,
	                          the chain may have been cut before a test (not in reports) */
	int64_t goids[LG_LEAK_GOIDS]; /* ids of some of its goroutines and of their
	                                 creators, for picking the tests to run again
	                                 (not in reports) */
	int ngoids;
};

struct lg_heap_site {
	char *func;
	struct lg_location loc;
	int64_t growth_bytes; /* inuse_space after minus before */
};

struct lg_memstats {
	uint64_t heap_alloc, heap_inuse, heap_objects, total_alloc;
	uint64_t mallocs, frees, stack_inuse, sys, num_gc;
	int64_t num_goroutine;
};

struct lg_sched_sample {
	double ms;
	int gomaxprocs, idleprocs, threads, spinningthreads, idlethreads, runqueue;
};

enum lg_hook_state {
	LG_HOOK_ABSENT, /* no manifest: leak and heap checks skipped */
	LG_HOOK_BEFORE, /* only the before snapshot: the binary died in m.Run */
	LG_HOOK_DONE    /* both snapshots */
};

/* How the hook got into a package's test binary (report field "hook_via"). */
enum lg_hook_via {
	LG_VIA_NONE,      /* it did not: hook_note says why */
	LG_VIA_INJECTED,  /* no TestMain: leakgate's TestMain was added by overlay */
	LG_VIA_REWRITTEN, /* the package's TestMain was rewritten by overlay */
	LG_VIA_USER,      /* the package's TestMain calls leakgatehook itself */
	LG_VIA_KEPT,      /* the package's TestMain runs as it is; the hook comes in
			     through package testing when it calls m.Run */
	LG_VIA_COUNT
};

/* "none", "injected", "rewritten", "called by user code", "TestMain kept". */
const char *lg_hook_via_name(enum lg_hook_via v);

/* Whether a second, evidence run decided the leak and heap verdicts. */
enum lg_evidence {
	LG_EVIDENCE_NONE,         /* one run decided everything */
	LG_EVIDENCE_USED,         /* leak and heap verdicts are the evidence run's */
	LG_EVIDENCE_INCONCLUSIVE, /* the evidence run broke: the first run's verdicts stand */
	LG_EVIDENCE_BASELINED,    /* not run: the baseline accepts what the lean run failed on */
	LG_EVIDENCE_FIRST_RUN     /* the first run had the evidence settings: the package
				     needed an evidence run last time */
};

/* "none", "used", "inconclusive", "baselined", "first-run". */
const char *lg_evidence_name(enum lg_evidence e);

/* What decided the heap check (report "heap_method"). */
enum lg_heap_method {
	LG_HEAP_TOTAL,        /* growth over the whole run of the tests */
	LG_HEAP_PER_PASS,     /* growth per pass, the tests run heap_passes times in one process */
	LG_HEAP_INCONCLUSIVE  /* per pass was asked for and could not be measured (a later
	                         pass failed or died): the total decided */
};

/* "total", "per-pass", "per-pass-inconclusive". */
const char *lg_heap_method_name(enum lg_heap_method m);

/* What --stress did with a package after its normal run (aggregate only). */
struct lg_stress {
	double budget;      /* seconds asked for; 0: not stressed */
	double seconds;     /* spent rerunning */
	int64_t iterations; /* repetitions of the package's tests that ran */
	int chunks;         /* test binary runs */
	int failed;         /* a failing verdict was found and stopped it */
	char *exposed_by;   /* the chunk's flags: "-test.count=… -test.cpu=… -test.shuffle=…" */
	char *command;      /* a command that reruns the failing test that way */
	char *note;         /* why stress did not run or stopped early, or NULL */
};

struct lg_package {
	char *import_path;
	char *dir;     /* absolute */
	char *rel_dir; /* relative to the module root, "." for the root */
	int built;     /* 0 when the test binary failed to build */
	int no_tests;  /* package has no test files: nothing was run */
	double build_seconds, run_seconds;
	int exit_code;   /* of the test binary; -1 when killed by a signal */
	int term_signal; /* signal that ended it, 0 if none */
	enum lg_hook_state hook;
	char *hook_note; /* why the hook is absent, when it is */
	enum lg_hook_via hook_via;
	enum lg_evidence evidence; /* report "evidence_run" */
	char **hook_notes; /* NULL-terminated or NULL: what rewriting TestMain could not keep */
	int snapshot_aggregated; /* a hook snapshot was aggregated (too many goroutines to
	                            dump in full) */
	char *snapshot_note; /* what the hook aggregated or only counted, and what that
	                        means for the leak check; NULL when nothing */
	char *go_version;
	int gomaxprocs;

	struct lg_test *tests;
	size_t ntests;
	struct lg_check *checks;
	size_t nchecks;
	struct lg_leak_group *leaks;
	size_t nleaks;
	struct lg_heap_site *heap_sites;
	size_t nheap_sites;
	struct lg_memstats before, after;
	/* after.heap_inuse - before.heap_inuse; with heap_method per-pass, the
	 * growth per pass: (HeapInuse after the last pass - after the first)
	 * / (heap_passes - 1) */
	int64_t heap_growth;
	enum lg_heap_method heap_method;
	int heap_passes; /* passes of the tests that the heap check measured (1: one) */
	/* of heap_growth, what the heap profiles put down to one-time
	 * initialisation, runtime goroutine bookkeeping or the hook (0..growth);
	 * the heap check counts the rest (lg_package_heap_counted) */
	int64_t heap_discounted;
	struct lg_sched_sample *sched;
	size_t nsched;
	char *stray_output; /* output outside any test (capped) */
	int build_batched;  /* built with others in one go test -c, which times no single
	                       package: build_seconds is 0 and build_batch_seconds the
	                       batch's time (report "build_timing": "batch") */
	double build_batch_seconds;
	struct lg_stress stress;
};

struct lg_run {
	char *module_path;
	char *module_root;
	char *go_version;
	int64_t started_unix; /* seconds since the epoch */
	double seconds;
	struct lg_package *pkgs;
	size_t npkgs;
};

/*
 * The run's figures as every output states them (terminal, JSON summary,
 * Markdown, HTML): one definition, so they cannot disagree.  A package is
 * exactly one of failed, without tests (and not failed) or passed.
 */
struct lg_run_totals {
	size_t packages, passed, failed, notests;
	size_t tests, failed_tests;
	size_t groups, leaked; /* leak groups; goroutines in them */
	size_t baselined;      /* checks and groups the baseline decided or noted */
	size_t leak_skipped;   /* packages whose tests ran without leak checks */
	size_t by_via[LG_VIA_COUNT]; /* packages with tests, by how the hook got in */
	size_t by_kind[LG_CHECK_KIND_COUNT]; /* checks failed or in error */
};

/* Fills `t` from `run`; never fails. */
void lg_run_totals(const struct lg_run *run, struct lg_run_totals *t);
/* 1 when the check's status is failed or error. */
int lg_check_failed(const struct lg_check *c);
/*
 * Points check c at leak group g: its location becomes g's creation site
 * (its blocking site when the creation is unknown) and its test g's test,
 * both copied.  Never fails.
 */
void lg_check_point_at(struct lg_check *c, const struct lg_leak_group *g);

/* heap_growth - heap_discounted: what the heap check holds against the limit. */
int64_t lg_package_heap_counted(const struct lg_package *p);

/* Package passed every check and every test (no_tests counts as passed). */
int lg_package_passed(const struct lg_package *p);
/* Name used in JUnit and reports: "goroutine-leaks", "heap-growth", ... */
const char *lg_check_kind_name(enum lg_check_kind k);
const char *lg_check_status_name(enum lg_check_status s);
const char *lg_test_result_name(enum lg_test_result r);

/* Appends a zeroed element and returns it. */
struct lg_test *lg_package_add_test(struct lg_package *p);
/* The package's first check of `kind`, or NULL. */
struct lg_check *lg_package_find_check(struct lg_package *p, enum lg_check_kind kind);
struct lg_check *lg_package_add_check(struct lg_package *p, enum lg_check_kind kind,
				      enum lg_check_status status);
struct lg_package *lg_run_add_package(struct lg_run *r);

void lg_location_release(struct lg_location *l);
void lg_leak_group_release(struct lg_leak_group *g);
void lg_package_release(struct lg_package *p);
void lg_run_release(struct lg_run *r);

#endif
