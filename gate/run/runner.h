/*
 * runner.h — `leakgate run` without the command line: list the packages,
 * build each test binary (hook injected by overlay), run it under the gate's
 * environment with an outside deadline, and turn what it left into a
 * lg_package of the run model.
 *
 * Packages are processed by `jobs` worker threads, started longest first
 * by the times the last run recorded in the build cache (schedule.h);
 * results keep the order of `go list`.  The progress callback is called under a lock, once per
 * package phase, so a terminal display needs no locking of its own.
 *
 * Judging a binary that has ended is one function of what it left
 * (lg_runner_judge_recorded): a live run goes through the same code, so a
 * recorded run gives the checks the live one would.
 */
#ifndef LG_RUNNER_H
#define LG_RUNNER_H

#include "config.h"
#include "go.h"
#include "model.h"
#include "probe.h"
#include "proc.h"
#include "shard.h"
#include "util.h"

enum lg_runner_event {
	LG_EV_BUILD,  /* a build started */
	LG_EV_RUN,    /* the binary started */
	LG_EV_DONE    /* the package is finished: p is complete */
};

struct lg_runner_opts {
	char *const *patterns;
	size_t npatterns;
	struct lg_goflags goflags;
	const struct lg_config *cfg;
	int jobs;          /* parallel packages, >= 1 */
	int inject;        /* inject the hook into packages without TestMain */
	int rewrite;       /* and rewrite the TestMain of packages with one */
	int rerun;         /* lean first run; failing packages again with the evidence
	                      settings (ancestry, fine heap sampling); 0: one full run */
	int history;       /* use what earlier runs recorded (times.json): the start
	                      order, and the evidence settings in the first run of
	                      a package that needed an evidence run; 0: go list
	                      order, lean first runs (this run is still recorded) */
	int allow_core;    /* keep core dumps */
	int keep_tmp;      /* leave the work directory behind */
	char *const *test_args; /* extra -test.* flags for every binary */
	size_t ntest_args;
	void (*progress)(void *ctx, enum lg_runner_event ev, const struct lg_package *p,
			 size_t done, size_t total);
	/* A line worth showing while the run goes on (a deadlock found, stress
	 * progress, where --keep-work kept things); p may be NULL.  Called under
	 * the same lock as progress.  May be NULL. */
	void (*note)(void *ctx, const struct lg_package *p, const char *line);
	void *ctx;
	/* Whether the package's baseline already accepts what its lean run
	 * failed on: then its evidence run is skipped, since the baseline step
	 * decides its verdicts either way.  Called from the runner's threads;
	 * may be NULL (every failing package gets its evidence run). */
	int (*accepted)(void *ctx, const char *module_root, const struct lg_package *p);
	void *accepted_ctx;
	struct lg_shard shard;       /* run only shard K of N (total 0: all packages) */
	const char *shard_times_dir; /* baselines with package times; NULL: <root>/baselines */
};

/*
 * Runs the gate.  Fills `run` (which must be zeroed) package by package.
 * Returns 0 when the run happened (whatever the verdicts), -1 with `err`
 * when it could not (go missing, not in a module, no packages, no temp dir).
 */
int lg_runner_run(const struct lg_runner_opts *o, struct lg_run *run, struct lg_err *err);

/*
 * Judging one finished test binary — what lg_runner_run does after each
 * binary ends, with nothing started: the same code judges a live run and a
 * recorded one.  The options say what the runner knew of the package
 * before it ran; the record is what the binary left.
 */
struct lg_runner_judge_opts {
	const struct lg_config *cfg;
	const char *module_root;
	const char *hookdir;          /* the hook's directory (hook.json and snapshots) */
	enum lg_hook_via via;         /* how the hook got in */
	const char *via_reason;       /* for LG_VIA_NONE: why not; else why the
					 hook did not run, when known */
	const char *const *via_notes; /* NULL-terminated or NULL */
	const struct lg_ignore_rule *extra_ignores; /* the package's own (its TestMain's) */
	size_t nextra_ignores;
	int heap_passes;              /* passes asked of the hook; 1 when it is not in */
	int read_sources;             /* look at the module's sources (owner, patterns) */
	size_t stderr_head, stderr_tail; /* stderr kept; 0: the runner's 8 + 56 MiB */
};

struct lg_runner_recorded {
	const char *stdout_text;  /* what the binary printed under -test.v=test2json */
	size_t stdout_len;
	const char *stderr_text;  /* as the binary wrote it, schedtrace lines included */
	size_t stderr_len;
	const struct lg_proc_result *proc; /* how it ended */
	const struct lg_probe_finding *probe; /* the deadlock probes' finding; may be NULL */
};

/*
 * Fills `p` (identified, with no tests yet: import path, dir, rel_dir) from
 * a recorded run: its tests (locations module-relative), scheduler samples,
 * exit status and the checks of the verdict, exactly as a live run would.
 * Does not fail: unreadable hook files become skipped checks with the reason.
 */
void lg_runner_judge_recorded(const struct lg_runner_judge_opts *o,
			      const struct lg_runner_recorded *rec, struct lg_package *p);

#endif
