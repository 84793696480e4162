/*
 * html.h — the run as one self-contained HTML page (`leakgate report
 * RUN.json -o report.html`, `--format html=FILE`).
 *
 * The page holds the verdict and counts, a filterable table of packages,
 * the baseline delta (groups a baseline accepted or judged), and for each
 * failing package: its findings, leak groups with stacks and source
 * locations, a flame graph of the goroutines its tests left behind (leaked
 * ones in red), a flame graph of each deadlock, hang or crash dump, a
 * scheduler-trace chart (threads, run queue, idle Ps over time) and the
 * heap before and after the tests with the allocation sites that grew.
 *
 * Nothing is loaded from the network: styles, SVG and one small script are
 * inline, and a Content-Security-Policy forbids everything else (and eval).
 * Every string from the run is HTML-escaped.  The script sets
 * data-ok="1" on <html> when it ran to the end, so a headless browser can
 * tell that no script error occurred.
 */
#ifndef LG_HTML_H
#define LG_HTML_H

#include "model.h"
#include "util.h"

#define LG_HTML_MAX_BODY ((size_t)64 * 1024) /* stack, output or dump shown per item */

/* The page's style sheet, shared by the other HTML pages leakgate writes (watch.h). */
extern const char lg_html_css[];

/* Appends the page for `run` to `out`. */
void lg_html_render(const struct lg_run *run, struct lg_buf *out);

#endif
