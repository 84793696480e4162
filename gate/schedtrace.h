/*
 * schedtrace.h — reads GODEBUG=schedtrace lines out of a test binary's
 * stderr and judges what the scheduler was doing when a binary hung.
 *
 * A line looks like
 *   SCHED 101ms: gomaxprocs=2 idleprocs=0 threads=5 spinningthreads=0
 *   needspinning=0 idlethreads=0 runqueue=0 [1 1]
 * (fields may be missing or in newer versions added; unknown keys are
 * ignored; scheddetail=1 per-P/M/G lines are recognised and skipped).
 */
#ifndef LG_SCHEDTRACE_H
#define LG_SCHEDTRACE_H

#include <stddef.h>

#include "model.h"

#define LG_SCHED_MAX_SAMPLES 100000

/* 1 when `line` (without newline, `len` bytes) is a schedtrace line. */
int lg_sched_is_line(const char *line, size_t len);

/*
 * Parses a "SCHED ..." line into `out`.  Returns 0, or -1 when the line is
 * a scheddetail sub-line or malformed (the caller drops it).
 */
int lg_sched_parse_line(const char *line, size_t len, struct lg_sched_sample *out);

enum lg_sched_verdict {
	LG_SCHED_UNKNOWN, /* too few samples */
	LG_SCHED_IDLE,    /* all Ps idle, empty run queues: deadlock-like */
	LG_SCHED_BUSY     /* Ps busy or work queued: livelock or just slow */
};

/*
 * Looks at the last `window` samples (at most n) and says whether the
 * process was idle or busy; `why` gets one human line explaining it.
 */
enum lg_sched_verdict lg_sched_judge(const struct lg_sched_sample *s, size_t n,
				     size_t window, struct lg_buf *why);

#endif
