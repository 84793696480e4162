/*
 * watchcli.h — what `leakgate watch` and `leakgate soak` share on the
 * command line: sampling flags, the URL options of `stacks` (through
 * stackcli.h), report files, the interruptible sleep between samples and
 * the closing report.  Parsed and implemented once, in watchcli.c.
 */
#ifndef LG_WATCHCLI_H
#define LG_WATCHCLI_H

#include <getopt.h>

#include "stackcli.h"
#include "watch.h"
#include "watchreport.h"

enum {
	LG_WOPT_INTERVAL = 600, LG_WOPT_DURATION, LG_WOPT_DEBUG, LG_WOPT_FAIL_ON,
	LG_WOPT_MAX_FAILURES, LG_WOPT_JSON, LG_WOPT_JUNIT, LG_WOPT_HTML
};

/* getopt_long entries of the shared flags (end the table with your own). */
#define LG_WATCH_LONGOPTS                                                          \
	{ "interval", required_argument, NULL, LG_WOPT_INTERVAL },                 \
	{ "debug", required_argument, NULL, LG_WOPT_DEBUG },                       \
	{ "max-failures", required_argument, NULL, LG_WOPT_MAX_FAILURES },         \
	{ "json", required_argument, NULL, LG_WOPT_JSON },                         \
	{ "junit", required_argument, NULL, LG_WOPT_JUNIT },                       \
	{ "html", required_argument, NULL, LG_WOPT_HTML },                         \
	{ "by", required_argument, NULL, LG_SOPT_BY },                             \
	{ "by-label", required_argument, NULL, LG_SOPT_BY_LABEL },                 \
	{ "state", required_argument, NULL, LG_SOPT_STATE },                       \
	{ "func", required_argument, NULL, LG_SOPT_FUNC },                         \
	{ "label", required_argument, NULL, LG_SOPT_LABEL },                       \
	{ "no-source", no_argument, NULL, LG_SOPT_NO_SOURCE },                     \
	LG_SOPT_URL_LONGOPTS

struct lg_watch_flags {
	struct lg_stack_flags sf;  /* grouping, filters, URL options */
	double interval;           /* seconds, >= 1 */
	int debug;                 /* 0 or 2 */
	int max_failures;          /* gaps in a row that end the watch */
	const char *json, *junit, *html;
	int timeout_set;
};

void lg_watch_flags_init(struct lg_watch_flags *f, double interval);
void lg_watch_flags_release(struct lg_watch_flags *f);

/* Like lg_stack_flags_apply for the shared flags: 0, -1 not ours, or LG_EXIT_USAGE. */
int lg_watch_flags_apply(struct lg_watch_flags *f, int c, const char *arg);

/*
 * What a command does with an option it does not handle itself (getopt's
 * `c`, '?' included): applies a shared flag, or prints `help` to stderr for
 * an unknown one.  Returns 0, or LG_EXIT_USAGE.
 */
int lg_watch_flags_other(struct lg_watch_flags *f, int c, const char *arg, const char *help);

/* Gives --timeout its default (the interval, within 1s..30s). */
void lg_watch_flags_finish(struct lg_watch_flags *f);

/* SIGINT/SIGTERM end the sampling (and kill lg_proc's groups); set once. */
void lg_watch_signals(void);
int lg_watch_stopped(void);

/* Sleeps until lg_now() reaches `until` or a signal stops the watch. */
void lg_watch_sleep_until(double until);

/*
 * Prints the closing report (ended how, verdict, suspects) to stdout and
 * writes the report files.  Returns 0, or LG_EXIT_ENV when a file could not
 * be written (after saying so).
 */
int lg_watch_finish_report(const struct lg_watch_report *r, const struct lg_watch_flags *f);

#endif
