/*
 * wait.h — the class of what a parked goroutine waits for (wait.c).
 */
#ifndef LG_WAIT_H
#define LG_WAIT_H

#include <stddef.h>

#include "frame.h"

enum lg_wait_class {
	LG_WAIT_NONE,      /* running, runnable, or unknown */
	LG_WAIT_CHAN,      /* chan send / chan receive */
	LG_WAIT_NIL_CHAN,  /* ... (nil chan) */
	LG_WAIT_SELECT,    /* select with cases */
	LG_WAIT_SELECT_NOCASES,
	LG_WAIT_MUTEX,
	LG_WAIT_RWMUTEX,
	LG_WAIT_WAITGROUP,
	LG_WAIT_COND,
	LG_WAIT_SLEEP,
	LG_WAIT_IO,        /* IO wait */
	LG_WAIT_SYSCALL,
	LG_WAIT_SEMACQUIRE, /* semacquire not otherwise resolved */
	LG_WAIT_RUNTIME,   /* GC, finalizer, cleanup and other runtime waits */
	LG_WAIT_OTHER
};

/*
 * The wait class told by frames alone (innermost first), for stacks that
 * come without a status, such as pprof goroutine profile samples.
 * LG_WAIT_NONE when no frame tells.  It is the class of the innermost frame
 * whose function lg_wait_class_of_func tells, so callers may cache that
 * per function.
 */
enum lg_wait_class lg_wait_class_of_frames(const struct lg_frame *f, size_t n);
/* The class one function name tells (NULL: LG_WAIT_NONE). */
enum lg_wait_class lg_wait_class_of_func(const char *func); /* NULL: LG_WAIT_NONE */

/*
 * The class of a goroutine from its printed wait reason `status` ("" when
 * none was printed) and its frames, innermost first: the reason decides,
 * except that "semacquire" is resolved from sync frames, and that an
 * `aggregated` entry (a debug=1 profile group, which prints no reason) is
 * judged from its frames alone.
 */
enum lg_wait_class lg_wait_classify(const char *status, int aggregated, const struct lg_frame *f, size_t n);
/*
 * The class `status` gives by itself, for callers that keep it per
 * status: lg_wait_classify returns it for that status, whatever the
 * frames, unless it is LG_WAIT_SEMACQUIRE or the entry is aggregated.
 */
enum lg_wait_class lg_wait_class_of_status(const char *status);

/* The class as a stable word ("chan", "mutex", ...): part of signatures. */
const char *lg_wait_class_name(enum lg_wait_class w);

#endif
