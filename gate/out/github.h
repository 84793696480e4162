/*
 * github.h — GitHub Actions workflow commands for a run: one
 * `::error file=F,line=L,title=T::message` per finding (see findings.h) on
 * the `go` statement, check or test location, then the raw output behind
 * each finding in a collapsed group.
 *
 * GitHub shows about 10 annotations of each type per step; more are
 * dropped silently, so at most `max_per_level` are written per level and,
 * when there are more, the last slot says how many were left out.
 * Properties and messages are escaped (% CR LF, and : , in properties), and
 * raw test output is fenced with `::stop-commands::TOKEN` ... `::TOKEN::`
 * under a random token, so nothing a test prints can run a command.
 */
#ifndef LG_GITHUB_H
#define LG_GITHUB_H

#include "model.h"
#include "util.h"

#define LG_ANNOTATIONS_MAX_PER_LEVEL 10
#define LG_ANNOTATIONS_MAX_BODY ((size_t)64 * 1024) /* raw output shown per finding */

struct lg_github_opts {
	const char *path_prefix; /* module root inside the repository, "" or "dir/" */
	const char *token;       /* stop-commands token; NULL: a random one */
	size_t max_per_level;    /* 0: LG_ANNOTATIONS_MAX_PER_LEVEL */
	size_t max_body;         /* 0: LG_ANNOTATIONS_MAX_BODY */
};

/* Appends the commands for `run` to `out`. */
void lg_github_render(const struct lg_run *run, const struct lg_github_opts *o,
			   struct lg_buf *out);

/* Fills `out` with 32 random hex digits (from /dev/urandom, else the clock). */
void lg_github_token(char out[33]);

#endif
