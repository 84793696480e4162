/*
 * view.h — how `leakgate stacks` and `leakgate diff` show groups: the
 * compact text view and folded stacks for flame graph tools, and what the
 * text and JSON (stackjson.h) views of a diff share.  Everything here
 * appends to a buffer.
 */
#ifndef LG_VIEW_H
#define LG_VIEW_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "group.h"
#include "input.h"
#include "util.h"

struct lg_view {
	int color;      /* ANSI colour (a TTY without NO_COLOR) */
	int max_frames; /* frames shown per group in text, 0 = all */
	const char *cwd; /* file paths under it are shown relative */
	/*
	 * When set, the text and folded views write their output buffer here
	 * whenever it passes 64 KiB, and at the end, leaving it empty: a view
	 * of 100,000 groups streams instead of piling up tens of megabytes.
	 */
	FILE *stream;
};

/* The unit of what an input's group counts: "goroutines", or the sample unit. */
const char *lg_view_unit(const struct lg_input *in);

/* "1.5 MiB", "12.0ms", "3" — `v` in `unit` ("bytes", "nanoseconds", other). */
void lg_view_value(int64_t v, const char *unit, struct lg_buf *out);

/* The whole text view of an input's groups, with its summary line first. */
void lg_view_stacks_text(const struct lg_input *in, const struct lg_view *v, struct lg_buf *out);

/* One group in text, as the stacks view shows it (used by the diff view). */
void lg_view_group_text(const struct lg_input *in, const struct lg_group *g,
			const struct lg_view *v, struct lg_buf *out);

/*
 * Folded stacks, "root;...;leaf count" per line, equal stacks merged,
 * sorted.  With `changes`, the growth between two inputs: the positive
 * deltas only.  Only v->stream is read (NULL v: no stream).
 */
void lg_view_folded(const struct lg_input *in, const struct lg_view *v, struct lg_buf *out);
void lg_view_folded_growth(const struct lg_input *after, const struct lg_group_change *c,
			   size_t n, const struct lg_view *v, struct lg_buf *out);

/* What a diff holds: changes of each kind (below min_delta counts as same). */
struct lg_view_tally {
	size_t kinds[5]; /* by enum lg_change_kind */
	int growth;      /* some change counts as growth */
};
void lg_view_tally(const struct lg_group_change *c, size_t n, int64_t min_delta,
		   struct lg_view_tally *t);

/* 1 when a change is worth showing: big enough, or long-lived. */
int lg_view_change_shown(const struct lg_group_change *c, int64_t min_delta);

/* The diff in text: a summary line, then each change with its stack. */
void lg_view_diff_text(const struct lg_input *before, const struct lg_input *after,
		       const struct lg_group_change *c, size_t n, int64_t min_delta,
		       const struct lg_view *v, struct lg_buf *out);

/* 1 when a change counts as growth (new or grown by at least min_delta). */
int lg_view_is_growth(const struct lg_group_change *c, int64_t min_delta);

#endif
