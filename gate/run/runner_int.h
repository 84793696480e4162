/*
 * runner_int.h — what the runner's files share inside (not a public
 * header).  The runner is four files: runner.c schedules (go list, the
 * build phase, the worker threads, one package's steps), runner_exec.c
 * starts one test binary under the gate's environment and deadline,
 * runner_judge.c turns what a finished binary left into checks (the seam
 * that recorded runs are fed through, runner.h), runner_rerun.c runs a
 * package again (the evidence run of a failing package, --stress).
 *
 * Functions here are called from the worker threads; the ones that call the
 * caller's callbacks take the pool's lock themselves.
 */
#ifndef LG_RUNNER_INT_H
#define LG_RUNNER_INT_H

#include <pthread.h>

#include "hook.h"
#include "proc.h"
#include "rewrite.h"
#include "runner.h"
#include "schedule.h"
#include "test2json.h"

/* What the build phase left for each package. */
struct pkgstate {
	int buildable; /* has tests and go list had no error */
	int inject;    /* the hook goes into the test package (injected or rewritten TestMain) */
	int testdeps;  /* the hook comes through testing/internal/testdeps (hook.h) */
	int rw_pending; /* its TestMain is left as it is and the rewriter not yet
			   asked (lg_runner_rewrite_one; under pool.rwmu) */
	enum lg_hook_via via;
	char *clause;  /* package clause of the injected hook file */
	struct lg_rewrite_out rw; /* what the TestMain rewriter decided */
	struct lg_gobuild_result br;
	double lean_seconds; /* the first run's time, for the next run's order */
	int timed;           /* lean_seconds was measured (the run was not cut short) */
	enum lg_sched_need last_need; /* what the last run needed (times.json) */
	enum lg_sched_need need;      /* what this run needed, for the next one */
	int build_done;      /* br is final (under pool.mu; pool.built signals it) */
};

struct pool {
	const struct lg_runner_opts *o;
	struct lg_golist *list;
	struct lg_run *run;
	struct pkgstate *st;
	char *workdir;  /* this run's snapshots; removed at the end */
	char *cachedir; /* binaries and overlays kept between runs */
	char **testdeps; /* overlay pairs of the testdeps route, NULL when not used */
	size_t next, done;
	size_t *order;  /* the k-th package to start is order[k] (schedule.h) */
	pthread_mutex_t mu;
	pthread_cond_t built; /* a package's build_done was set, or building ended */
	int build_over;       /* the build thread is done (under mu) */
	pthread_mutex_t rwmu; /* the rewriter, asked for one package at a time */
	char *rwtool;         /* the rewriter's path once built (under rwmu) */
	char *rwtool_error;   /* why it could not be built (under rwmu) */
};

/*
 * Asks the rewriter about package i, whose TestMain was left as it is
 * because the hook comes in through testdeps (rw_pending): once, and only
 * when a run needs its answer: goleak's options as ignore rules when
 * goroutines were left, why the hook did not run when it did not
 * (`hook_absent`: the run left no usable manifest), the rewritten files
 * for heap passes.  The rewriter is built on the run's first call.
 * Afterwards pl->st[i].rw holds the answer, and rw.reason why the hook
 * would not run; with `hook_absent` and a TestMain the rewriter finds no
 * m.Run in, via becomes NONE.  A rewriter that cannot run leaves a note
 * saying what was not read.  Thread-safe; cannot fail.
 */
void lg_runner_rewrite_one(struct pool *pl, size_t i, int hook_absent);

/*
 * Builds package i's test binary once more with the hook in the test
 * package (as for a package without the testdeps route; a package with its
 * own TestMain gets the rewriter's copy of it, lg_runner_rewrite_one), into
 * a directory of its own, for a run that calls m.Run again (heap passes).
 * Returns the
 * binary's path (caller frees), or NULL with `err` saying why (the build
 * failed: its output).
 */
char *lg_runner_build_in_package(struct pool *pl, size_t i, struct lg_err *err);

/*
 * One binary's output as it arrives (live from lg_proc_run's callbacks, or
 * a recorded run in one piece): stdout goes to the test2json decoder,
 * stderr is split into lines, schedtrace lines become p->sched samples and
 * the rest is kept within a head+tail budget.
 */
struct lg_runner_collect {
	struct lg_package *p;
	struct lg_t2j *t2j;
	struct lg_capture err;
	struct lg_buf line; /* an unfinished stderr line */
	size_t sched_alloc;
};

/* Starts collecting into `p`; head/tail 0: the runner's stderr budget.  Cannot fail. */
void lg_runner_collect_init(struct lg_runner_collect *c, struct lg_package *p,
			    size_t err_head, size_t err_tail);
/* Feeds a chunk of stdout or stderr (any size, lines may straddle chunks). */
void lg_runner_collect_stdout(struct lg_runner_collect *c, const char *data, size_t len);
void lg_runner_collect_stderr(struct lg_runner_collect *c, const char *data, size_t len);
/* Frees what the collector owns (not p). */
void lg_runner_collect_release(struct lg_runner_collect *c);

/*
 * The binary has ended with `r`: flushes the collector, moves the tests
 * into c->p (module-relative locations), reads the hook's manifest from
 * o->hookdir and appends the verdict's checks.  `probe` is what the
 * deadlock probes found (NULL: none).  Does not fail: an unreadable
 * manifest becomes skipped leak and heap checks with the reason.
 */
void lg_runner_judge(struct lg_runner_collect *c, const struct lg_runner_judge_opts *o,
		     const struct lg_proc_result *r, const struct lg_probe_finding *probe);

/* Calls o->note under the pool's lock; nothing when there is none. */
void lg_runner_note(struct pool *pl, const struct lg_package *p, const char *line);
/* Calls o->progress under the pool's lock; nothing when there is none. */
void lg_runner_notify(struct pool *pl, enum lg_runner_event ev, const struct lg_package *p);
/*
 * Adds an error build check saying `why`; with `output` (the compiler's),
 * its first file:line is the location and the output the detail.
 */
void lg_runner_build_failed(struct lg_package *p, const char *why, struct lg_buf *output);

/* What a run of a test binary records beyond a lean run (flags). */
enum {
	LG_RUN_LEAN = 0,
	LG_RUN_ANCESTRY = 1,  /* GODEBUG tracebackancestors=--ancestors: the tests
				 and `go` statements behind leak groups */
	LG_RUN_FINE_HEAP = 2, /* a heap sample every --mem-profile-rate bytes (the
				 lean run: LG_LEAN_MEM_PROFILE_RATE) */
	LG_RUN_DEEP_ANCESTRY = 4, /* with LG_RUN_ANCESTRY: the deep depth,
				     LG_ANCESTORS_DEEP, instead of --ancestors */
	LG_RUN_EVIDENCE = LG_RUN_ANCESTRY | LG_RUN_FINE_HEAP
};

/* 1 when the user's --test-flag arguments hold a -test.run. */
int lg_runner_user_run_flag(const struct lg_runner_opts *o);
/* The tracebackancestors depth a run with `settings` asks for (0: none). */
int lg_runner_ancestry(const struct lg_config *cfg, int settings);
/* 1 when the user's GODEBUG sets tracebackancestors: theirs wins, depth unknown. */
int lg_runner_user_ancestry(void);

/*
 * Runs package gp's built binary and judges it into p.  `extra` are more
 * -test. flags (NULL: none); `timeout` is the deadline in seconds;
 * `settings`: LG_RUN_* flags; `passes` >= 2: the hook runs the tests that
 * many times and the heap check judges growth per pass.
 * A binary that cannot be started becomes an error build check.
 */
void lg_runner_run_binary(struct pool *pl, const struct lg_gopkg *gp, struct lg_package *p,
			  const struct pkgstate *st, const char *hookdir, char *const *extra,
			  double timeout, int settings, int passes);

/*
 * What p's first run leaves to an evidence run: LG_SCHED_PER_PASS when its
 * heap check failed, LG_SCHED_EVIDENCE when a leak check failed with groups
 * it could not attribute (any failed leak check when the run had the
 * evidence settings already: `evidence`), else LG_SCHED_LEAN.
 */
enum lg_sched_need lg_runner_wants_evidence(const struct lg_package *p, int evidence);
/*
 * The evidence run of p in `dir` (runner_rerun.c); its leak and heap
 * verdicts replace the lean run's.  A hook directory that cannot be made
 * leaves p as it was.
 */
/*
 * After the run that decided p's leak verdict: when a leak group has no
 * test and the ancestry of its goroutines ran to the full --ancestors depth
 * (the chain may have been cut before the test), runs the binary once more
 * at LG_ANCESTORS_DEEP and takes that run's leak verdict (in `dir`/
 * hook-deep).  Under --no-rerun, or with the user's own tracebackancestors,
 * or when the deeper run cannot be made, the leak check's detail says so
 * instead.  Nothing for a package none of whose groups was cut.
 */
/*
 * For a leak-only evidence need: runs again alone, with ancestry, the tests
 * the lean run's test starts put around its leaked goroutines (in
 * `dir`/hook-targeted) and takes that run's leak verdict when it leaked
 * every group again.  Returns 1 then; 0 when the starts could not pick the
 * tests or the run did not leak the same (p's verdicts are as they were;
 * run the whole evidence run).
 */
int lg_runner_targeted_run(struct pool *pl, const struct lg_gopkg *gp, struct lg_package *p,
			   const struct pkgstate *st, const char *dir);
void lg_runner_deeper_run(struct pool *pl, const struct lg_gopkg *gp, struct lg_package *p,
			  const struct pkgstate *st, const char *dir);
void lg_runner_evidence_run(struct pool *pl, const struct lg_gopkg *gp, struct lg_package *p,
			    const struct pkgstate *st, const char *dir);
/*
 * --stress of p in `dir` (nothing when the budget is 0): the outcome in
 * p->stress, a failing chunk's verdicts in p, a note line at the end.
 */
void lg_runner_stress(struct pool *pl, const struct lg_gopkg *gp, struct lg_package *p,
		      const struct pkgstate *st, const char *dir);

#endif
