/*
 * cmd_gate.h — the gate as `leakgate run` runs it, shared with the commands
 * that record or compare its result (`leakgate baseline update|diff`), so
 * that they take exactly the same flags and config file as `run`.
 *
 * cmd_run.c owns option parsing, config loading, the runner calls (repeated
 * and merged for --count) and the terminal display; cmd_baseline.c owns
 * what baselines do to a finished run.
 */
#ifndef LG_CMD_GATE_H
#define LG_CMD_GATE_H

#include "baseline.h"
#include "config.h"
#include "model.h"

struct lg_gate {
	struct lg_run run;            /* merged over the --count runs */
	struct lg_heap_band *bands;   /* one per run.pkgs: heap growth over the runs */
	const struct lg_config *cfg;  /* config file and flags applied */
	const char *baselines_dir;    /* --baselines DIR, else NULL */
	const char *baseline_url;     /* --baseline URL, else NULL */
	int strict;                   /* --strict: stale baseline entries fail */
	int force;                    /* --force: baseline update rewrites every file */
	int count;                    /* --count N, >= 1 */
	double fetch_timeout;         /* --baseline-timeout, seconds (0: 30) */
	int quiet;
	FILE *out;                    /* where package lines and notes go */
	struct lg_buf notes;          /* baseline notes, printed after the package lines */
};

/* What a command does with the finished gate; returns an lg_exit code. */
typedef int (*lg_gate_fn)(struct lg_gate *g, void *ctx);

struct lg_gate_mode {
	const char *name;   /* "run", "baseline update": in messages */
	const char *usage;  /* printed for --help; NULL: run's */
	lg_gate_fn after;   /* NULL: `leakgate run` (baselines, reports, summary) */
	void *ctx;
};

/*
 * Parses `leakgate run` flags from argv (argv[0] is the command name; the
 * remaining non-options are package patterns), runs the gate --count times,
 * merges the runs and hands the result to mode->after.  Returns an lg_exit
 * code; prints its own errors.
 */
int lg_cmd_run_gate(int argc, char **argv, const struct lg_gate_mode *mode);

/* The nearest directory upwards holding a go.mod, or NULL; caller frees. */
char *lg_gate_module_root(void);

/* The default baselines directory of the module at `module_root`; caller frees. */
char *lg_gate_baselines_dir(const struct lg_gate *g, const char *module_root);

/*
 * `leakgate run`'s baseline step (cmd_baseline.c): compares every package
 * of g->run that has a baseline (in the directory, or fetched from the URL)
 * and re-decides its leak and heap checks.  Appends notes (fixed entries,
 * packages without a published baseline) to g->notes.  Returns -1 to go on,
 * or an exit code when a baseline could not be read or fetched.
 */
int lg_gate_apply_baselines(struct lg_gate *g);

#endif
