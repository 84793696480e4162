/*
 * pattern.h — the leak pattern of a stuck goroutine (id, title, fix hint).
 */
#ifndef LG_PATTERN_H
#define LG_PATTERN_H

#include "dump.h"

struct lg_pattern {
	const char *id;    /* "recv-no-sender", ...: stable, in reports and baselines */
	const char *title; /* one line for people */
	const char *hint;  /* the fix */
};

/*
 * The pattern of goroutine g (static storage; never NULL: the catch-all is
 * "blocked-goroutine").  `module_root` (may be NULL) picks the frame g is
 * blocked in; with `read_sources` that frame's source line is read, when
 * the file exists, to tell patterns such as range and receive apart.
 * `dump` (may be NULL) is the dump g comes from: with it a lock wait is
 * told "never released" (no goroutine left that could hold the lock) from
 * "still held".
 */
const struct lg_pattern *lg_pattern_of(const struct lg_goroutine *g, const char *module_root,
				      int read_sources, const struct lg_dump *dump);

#endif
