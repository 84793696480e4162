/*
 * probe.h — early partial-deadlock proof while a test binary runs.
 *
 * The runner feeds the scheduler samples and the tests test2json says are
 * running.  When every P has been idle with empty run queues for
 * `after` seconds and a test is still running, the prober asks the hook
 * (SIGUSR1, hook/README.md "Probes") for a goroutine dump and, where the
 * runtime has it, the goroutineleak profile, and judges them:
 *
 *   proven     the running test's goroutine (or every goroutine of the test
 *              it waits for) is marked (leaked): a partial deadlock; the
 *              binary is stopped.
 *   global     no leak profile, and two probes with unchanged stacks show
 *              every goroutine of the process blocked on a channel, lock,
 *              WaitGroup or Cond (no timer, I/O, sleep or syscall): what the
 *              runtime would have called "all goroutines are asleep", had the
 *              hook's signal listener not kept it from checking; stopped.
 *   suspected  no leak profile, and two probes with unchanged stacks show
 *              every goroutine of the running test (its own and those it
 *              created) blocked that way; the binary runs on to its deadline
 *              unless `fail_fast`.
 *
 * A probe the hook aggregated (more goroutines than it dumps in full: the
 * goroutine profile, entries without ids) gives no verdict and restarts
 * the unchanged-state watch.
 *
 * A test that sleeps, waits on I/O, a timer or a child process is never
 * reported: such goroutines are not blocked on a synchronisation primitive,
 * and the goroutineleak profile never marks them.  Probe files are
 * untrusted input, parsed with the traceback parser's caps.
 */
#ifndef LG_PROBE_H
#define LG_PROBE_H

#include <stddef.h>

#include "model.h"
#include "util.h"

#define LG_PROBE_MAX 16        /* probes asked of one binary */
#define LG_PROBE_MAX_WATCH 256 /* goroutines compared between two probes */

enum lg_probe_kind {
	LG_PROBE_NONE,
	LG_PROBE_PROVEN,
	LG_PROBE_GLOBAL,
	LG_PROBE_SUSPECTED
};

enum lg_probe_action {
	LG_PROBE_WAIT,   /* nothing to do */
	LG_PROBE_SIGNAL, /* send SIGUSR1 to the binary */
	LG_PROBE_STOP    /* stop the binary (SIGQUIT, then SIGKILL) */
};

struct lg_probe_opts {
	double after;      /* seconds all Ps must idle before a probe; 0 = off */
	int fail_fast;     /* stop on a suspected deadlock too */
	const char *hookdir;
	const char *module_root;
	int read_sources;
};

/* What the probes found; strings owned, NULL when unknown. */
struct lg_probe_finding {
	enum lg_probe_kind kind;
	char *test;
	char *message; /* one line */
	char *detail;  /* the goroutines, with file:line */
	struct lg_location loc;
	double seconds; /* since the binary started, when it was found */
	int stopped;    /* the runner stopped the binary for it */
};

struct lg_probe {
	struct lg_probe_opts o;
	int probes;          /* probes asked for */
	int answered;        /* probes read back */
	double asked_ms;     /* sample time when the last probe was asked */
	double idle_from_ms; /* first sample of the current idle run; <0 none */
	size_t seen;         /* samples looked at */
	int hooked;          /* the hook's manifest exists */
	double idle_at_ask_ms;   /* start of the idle run the last probe was asked in */
	double first_blocked_ms; /* when the unchanged state was first seen */
	uint64_t watch[LG_PROBE_MAX_WATCH]; /* last probe's state of the watched goroutines */
	size_t nwatch;
	int watch_global;    /* that state covered every goroutine */
	struct lg_probe_finding found;
};

void lg_probe_init(struct lg_probe *pr, const struct lg_probe_opts *o);
void lg_probe_release(struct lg_probe *pr);

/*
 * One step, called often while the binary runs.  `s` are all samples so
 * far, `running` the tests started and not finished (leaf names are used).
 * Reads an answered probe and judges it.  Returns what the runner must do.
 * Never fails: an unreadable probe is ignored.
 */
enum lg_probe_action lg_probe_tick(struct lg_probe *pr, const struct lg_sched_sample *s,
				   size_t n, const char *const *running, size_t nrunning,
				   double elapsed);

/* "partial-deadlock", "deadlock", "suspected-deadlock" or "none". */
const char *lg_probe_kind_name(enum lg_probe_kind k);

#endif
