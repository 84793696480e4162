/*
 * watchreport.h — the reports of `leakgate watch` and `leakgate soak`:
 * JSON (every sample, the top series, the suspects), JUnit (one testsuite,
 * one goroutine-leaks testcase whose failure lists the suspects, through
 * junit.h) and one self-contained HTML page (the total and the top groups
 * over time as inline SVG, the flame graph of the growth between the first
 * and the latest good sample by flame.c, the suspects with stacks, pattern
 * and fix hint).
 *
 * The report only reads the watch; every file is written atomically.
 */
#ifndef LG_WATCHREPORT_H
#define LG_WATCHREPORT_H

#include "util.h"
#include "watch.h"

#define LG_WATCHREPORT_TOP 8 /* series drawn in the chart and listed in JSON */

struct lg_watch_report {
	const char *command;  /* "watch" or "soak" */
	const char *url;      /* redacted */
	double interval;      /* seconds */
	const struct lg_watch *w;
	const struct lg_watch_suspects *suspects;
	int failed;           /* the verdict: suspects, a tripped threshold, heap growth */
	const char *verdict;  /* one line */
	const char *ended;    /* why sampling stopped: "duration", "interrupted", ... */
	const char *heap_note; /* soak: what the heap did, or NULL */
};

/* Each returns 0, or -1 with `err` naming the file it could not write. */
int lg_watch_write_json(const struct lg_watch_report *r, const char *path, struct lg_err *err);
int lg_watch_write_junit(const struct lg_watch_report *r, const char *path, struct lg_err *err);
int lg_watch_write_html(const struct lg_watch_report *r, const char *path, struct lg_err *err);

/* Appends the HTML page to `out`. */
void lg_watch_render_html(const struct lg_watch_report *r, struct lg_buf *out);

/* Appends one suspect as the terminal and JUnit show it. */
void lg_watch_suspect_text(const struct lg_watch *w, const struct lg_watch_suspect *s,
			   struct lg_buf *out);

/*
 * Indices of the series to show, most interesting first: suspects, then
 * the highest counts.  Fills up to `max` entries of `out`; returns how many.
 */
size_t lg_watch_top_series(const struct lg_watch *w, const struct lg_watch_suspects *s,
			   size_t *out, size_t max);

/*
 * Writes each report whose path is not NULL; stops at the first failure
 * (-1 with `err`).
 */
int lg_watch_write_outputs(const struct lg_watch_report *r, const char *json, const char *junit,
			   const char *html, struct lg_err *err);

/*
 * What the terminal shows after each sample: one plain line ("sample 3
 * +2.0s: 104 goroutines (+20); growing: main.audit 100 (+20, 2 in a
 * row)"), or the live view a TTY redraws (total, the top groups with
 * counts, change and a trend sparkline, groups that only grow marked).
 */
void lg_watch_sample_line(const struct lg_watch *w, struct lg_buf *out);
void lg_watch_live_view(const struct lg_watch *w, const char *title, int color, struct lg_buf *out);

#endif
