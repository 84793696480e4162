/*
 * gate.h — the gate as a whole, shared by every command that runs it
 * (`leakgate run`, `leakgate baseline update|diff`), so they take exactly
 * the same flags and config file: parsing the run flags, loading the
 * config, running the packages --count times and merging the runs,
 * applying baselines, and locating the module root.
 *
 * Implemented by gate.c (flags, config, runs, module root), gate_merge.c
 * (merging repeated runs) and gate_baselines.c (where baselines come from
 * and what they do to a finished run).  The terminal view is display.h's.
 * A command says what happens to the finished gate with an lg_gate_mode;
 * no command calls another.
 */
#ifndef LG_GATE_H
#define LG_GATE_H

#include <stdio.h>

#include "baseline.h"
#include "config.h"
#include "display.h"
#include "model.h"
#include "outputs.h"
#include "shard.h"

struct lg_gate;

/* What a command does with the finished gate; returns an lg_exit code. */
typedef int (*lg_gate_fn)(struct lg_gate *g, void *ctx);

struct lg_gate_mode {
	const char *name;  /* "run", "baseline update": in messages */
	const char *usage; /* printed for --help */
	lg_gate_fn after;  /* what happens to the finished gate */
	void *ctx;
	int live;          /* package lines shown as packages finish (unless a
			      baseline may change them, then `after` shows them) */
	int baselines;     /* `after` judges packages by their baselines: a package
			      whose baseline accepts its lean run needs no evidence run */
};

/* The run flags; -1 / NULL = not given, so config and defaults apply. */
struct lg_gate_flags {
	const char *junit, *json, *config;
	int file_line, quiet, inject, rewrite, rerun, history, allow_core, keep;
	int jobs, max_leaks, schedtrace, ancestors, mem_rate;
	int leaks; /* enum lg_leaks_mode, -1 = not given */
	int64_t max_heap;
	int heap_passes;
	double timeout, grace, settle, deadlock_after, stress;
	int fail_fast_deadlock;
	char **build, **test; /* go build flags, test binary flags (owned) */
	size_t nbuild, ntest, build_alloc, test_alloc;
	const char *baselines, *baseline_url;
	int count, strict, force;
	double baseline_timeout;
	struct lg_outputs outs; /* --format KIND=FILE */
	struct lg_shard shard;  /* --shard K/N; total 0 = not given */
	char **patterns;        /* package patterns (into argv), NULL: none given */
	size_t npatterns;
};

void lg_gate_flags_init(struct lg_gate_flags *f);
void lg_gate_flags_release(struct lg_gate_flags *f);

/*
 * Parses the run flags of argv (argv[0] is the command name; the remaining
 * non-options are package patterns).  Returns -1 to go on, or an lg_exit
 * code: LG_EXIT_OK after printing mode->usage for --help, LG_EXIT_USAGE
 * after printing the error.
 */
int lg_gate_flags_parse(int argc, char **argv, struct lg_gate_flags *f,
			const struct lg_gate_mode *mode);

/* Lets the flags that were given override the config file's values. */
void lg_gate_flags_apply(const struct lg_gate_flags *f, struct lg_config *cfg);

struct lg_gate {
	struct lg_run run;            /* merged over the --count runs */
	struct lg_heap_band *bands;   /* one per run.pkgs: heap growth over the runs */
	const struct lg_config *cfg;  /* config file and flags applied */
	const struct lg_gate_flags *flags;
	const char *baselines_dir;    /* --baselines DIR, else NULL */
	const char *baseline_url;     /* --baseline URL, else NULL */
	int strict;                   /* --strict: stale baseline entries fail */
	int force;                    /* --force: baseline update rewrites every file */
	int count;                    /* --count N, >= 1 */
	double fetch_timeout;         /* --baseline-timeout, seconds (0: 30) */
	int quiet;
	FILE *out;                    /* where package lines and notes go */
	struct lg_display display;    /* display.defer: package lines not shown yet */
	struct lg_buf notes;          /* baseline notes, printed after the package lines */
};

/*
 * Parses the run flags, loads the config, runs the gate --count times,
 * merges the runs and hands the result to mode->after.  Returns an lg_exit
 * code; prints its own errors (stderr) and the live package lines (stdout).
 */
int lg_gate_main(int argc, char **argv, const struct lg_gate_mode *mode);

/*
 * The module root without running go: the nearest directory from `dir`
 * upwards that holds a go.mod, or NULL.  Caller frees.  (The runner asks
 * `go env GOMOD`, which also honours GOFLAGS=-modfile; this is for before
 * go runs: the config file, the baselines directory, `hook vendor`.)
 */
char *lg_gate_module_root_of(const char *dir);
/* lg_gate_module_root_of the current directory. */
char *lg_gate_module_root(void);
/* The module path ("module x") of the go.mod in `root`, or NULL.  Caller frees. */
char *lg_gate_module_path(const char *root);

/* --- merging repeated runs (gate_merge.c) --------------------------------- */

struct lg_merge_limits {
	int max_leaks;
	int64_t max_heap;
};

/*
 * Merges `runs[1..n)` into runs[0], package by package (matched by import
 * path), for --count: a package that broke in any run (build, crash,
 * deadlock, hang, failed or unfinished test) is taken from the worst run;
 * leak groups are the union with each group's highest count; heap growth is
 * the median of the runs that measured it, and the leak and heap checks are
 * re-decided from those figures with `lim`.  The runs after the first are
 * released.  Returns a newly allocated array with the min/median/max band of
 * each of runs[0]'s packages after the merge (index for index); caller frees.
 */
struct lg_heap_band *lg_gate_merge_runs(struct lg_run *runs, size_t n,
					const struct lg_merge_limits *lim);

/* --- baselines (gate_baselines.c) ----------------------------------------- */

/* Where baselines come from: a directory, or a published URL. */
struct lg_gate_source {
	char *dir;       /* local directory, or NULL */
	const char *url; /* published set, or NULL */
	char *shown;     /* how to name the directory in messages */
	double timeout;
};

/* The default baselines directory of the module at `module_root`; caller frees. */
char *lg_gate_baselines_dir(const struct lg_gate *g, const char *module_root);

void lg_gate_source_init(struct lg_gate_source *s, const struct lg_gate *g,
			 const char *module_root);
void lg_gate_source_release(struct lg_gate_source *s);

/*
 * Loads the baseline of `import_path`: 0 read, 1 none, -1 error in `err`
 * with the lg_exit code in *exit_code.  *where names the file or URL
 * (caller frees).
 */
int lg_gate_source_load(const struct lg_gate_source *s, const char *import_path,
			struct lg_baseline *b, char **where, int *exit_code, struct lg_err *err);

/* Why a package's leak and heap figures cannot be recorded, or NULL when they can. */
const char *lg_gate_unrecordable(const struct lg_package *p);

/*
 * `leakgate run`'s baseline step: compares every package of g->run that
 * has a baseline (in the directory, or fetched from the URL) and re-decides
 * its leak and heap checks.  Appends notes (fixed entries, packages without
 * a published baseline) to g->notes.  Returns -1 to go on, or an exit code
 * when a baseline could not be read or fetched (the error printed).
 */
int lg_gate_apply_baselines(struct lg_gate *g);

/*
 * The runner's question before an evidence run (struct lg_runner_opts
 * accepted): does package `p`'s baseline, from where the baseline step
 * will read it, already accept what the lean run failed on
 * (lg_baseline_accepts)?  `ctx` is the struct lg_gate.  A missing or
 * unreadable baseline is "no" (the baseline step reports the error); safe
 * to call from the runner's threads.
 */
int lg_gate_baseline_accepts(void *ctx, const char *module_root, const struct lg_package *p);

#endif
