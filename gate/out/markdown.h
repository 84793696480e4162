/*
 * markdown.h — the compact run summary for $GITHUB_STEP_SUMMARY (GitHub
 * flavoured Markdown): the verdict, counts by kind, a table of the packages
 * that failed, then each finding with its location, fix hint and stack in
 * a collapsed block.
 *
 * GitHub rejects a step summary over 1 MiB, so the output is kept under
 * `max_bytes` (default LG_MARKDOWN_MAX): sections are added whole while
 * they fit, and a closing note says what was left out.  All text from the
 * run is escaped; stacks sit in code fences longer than any backtick run
 * inside them.
 */
#ifndef LG_MARKDOWN_H
#define LG_MARKDOWN_H

#include "model.h"
#include "util.h"

#define LG_MARKDOWN_MAX ((size_t)1000 * 1024)
#define LG_MARKDOWN_MAX_BODY ((size_t)8 * 1024) /* stack or output per finding */

struct lg_markdown_opts {
	const char *path_prefix; /* module root inside the repository, "" or "dir/" */
	size_t max_bytes;        /* 0: LG_MARKDOWN_MAX; at least 2048 is used */
};

/* Appends the summary of `run` to `out`; never more than max_bytes. */
void lg_markdown_render(const struct lg_run *run, const struct lg_markdown_opts *o,
			struct lg_buf *out);

#endif
