/*
 * schedtrace.h — reads GODEBUG=schedtrace lines out of a test binary's
 * stderr and judges what the scheduler was doing when a binary hung.
 *
 * A line looks like
 *   SCHED 101ms: gomaxprocs=2 idleprocs=0 threads=5 spinningthreads=0
 *   needspinning=0 idlethreads=0 runqueue=0 [1 1]
 * (fields may be missing or in newer versions added; unknown keys are
 * ignored; scheddetail=1 per-P/M/G lines are recognised and skipped).
 *
 * struct lg_sched_sample has no field for the per-P local run queues (the
 * "[1 1]" list, printed as "[ 1 1 ]" since Go 1.25), so lg_sched_parse_line
 * stores runqueue = global run queue + sum of the local ones: all work that
 * was runnable and waiting.  scheddetail=1 summary lines carry no such list;
 * there runqueue is the global queue alone.
 */
#ifndef LG_SCHEDTRACE_H
#define LG_SCHEDTRACE_H

#include <stddef.h>

#include "model.h"
#include "util.h" /* struct lg_buf (added: it was used undeclared) */

#define LG_SCHED_MAX_SAMPLES 100000

/* 1 when `line` (without newline, `len` bytes) is a schedtrace line. */
int lg_sched_is_line(const char *line, size_t len);

/*
 * Added with the implementation: 1 when `line` is a scheddetail=1 sub-line
 * ("  P0: status=1 ...", "  M2: p=nil ...", "  G7: status=4(sleep) ..."),
 * so the runner can drop those from the stderr it shows too.
 */
int lg_sched_is_detail_line(const char *line, size_t len);

/*
 * Parses a "SCHED ..." line into `out`.  Returns 0, or -1 when the line is
 * a scheddetail sub-line or malformed (the caller drops it).
 */
int lg_sched_parse_line(const char *line, size_t len, struct lg_sched_sample *out);

enum lg_sched_verdict {
	LG_SCHED_UNKNOWN, /* too few samples */
	LG_SCHED_IDLE,    /* all Ps idle, empty run queues: blocked on something */
	LG_SCHED_BUSY     /* Ps busy or work queued: livelock or just slow */
};

/*
 * Looks at the last `window` samples (at most n) and says whether the
 * process was idle or busy; `why` gets one human line explaining it.
 */
enum lg_sched_verdict lg_sched_judge(const struct lg_sched_sample *s, size_t n,
				     size_t window, struct lg_buf *why);

#endif
