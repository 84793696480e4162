/*
 * display.h — the terminal view of a gate run: one line per package as
 * `go test` prints it, the problems of a failed package as compiler-style
 * "file:line: message" lines, the progress line on a terminal, live notes,
 * and the closing summary on stderr.
 *
 * Package lines and problems go to the caller's stream (`leakgate run`
 * passes stdout); progress, notes and summaries go to stderr, so a
 * redirected stdout holds the verdicts only.  Nothing here fails: a write
 * error shows up in ferror() of the stream, which the command checks.
 */
#ifndef LG_DISPLAY_H
#define LG_DISPLAY_H

#include <stdio.h>

#include "model.h"
#include "runner.h"

struct lg_display {
	int tty;   /* stderr is a terminal (and not CI): draw the progress line */
	int quiet; /* passing packages print no line */
	int defer; /* package lines wait until baselines re-decided the checks */
	FILE *out; /* where package lines and problems go */
};

/* The package's line, and its problems when it failed (respects quiet). */
void lg_display_package(const struct lg_display *d, const struct lg_package *p);

/* A runner progress callback (ctx: a struct lg_display). */
void lg_display_progress(void *ctx, enum lg_runner_event ev, const struct lg_package *p,
			 size_t done, size_t total);

/* A runner note callback (ctx: a struct lg_display): "leakgate: PKG: LINE" on stderr. */
void lg_display_note(void *ctx, const struct lg_package *p, const char *line);

/* Erases the progress line, when one is drawn. */
void lg_display_clear(const struct lg_display *d);

/*
 * The closing lines on stderr: how the hook got into the packages, where
 * leak checks were skipped and why, and the package totals.
 */
void lg_display_summary(const struct lg_run *run);

#endif
