/*
 * watchcli.c — what `leakgate watch` and `leakgate soak` share on the
 * command line (watchcli.h): sampling flags, the interruptible sleep
 * between samples, the signals that end sampling, and the closing report.
 * A module of its own so that no command file calls into another.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "proc.h"
#include "watchcli.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
	lg_proc_interrupt();
}

void lg_watch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: a sleep ends at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int lg_watch_stopped(void)
{
	return stop_requested;
}

void lg_watch_sleep_until(double until)
{
	while (!stop_requested) {
		double left = until - lg_now();
		struct timespec ts;

		if (left <= 0)
			return;
		if (left > 0.2)
			left = 0.2;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
}

void lg_watch_flags_init(struct lg_watch_flags *f, double interval)
{
	memset(f, 0, sizeof(*f));
	lg_stack_flags_init(&f->sf);
	f->sf.group.by = LG_GROUP_FUNCS;
	f->interval = interval;
	f->max_failures = 3;
}

void lg_watch_flags_release(struct lg_watch_flags *f)
{
	lg_stack_flags_release(&f->sf);
}

int lg_watch_flags_apply(struct lg_watch_flags *f, int c, const char *arg)
{
	int64_t n;

	switch (c) {
	case LG_WOPT_INTERVAL:
		if (lg_parse_duration(arg, &f->interval) || f->interval < 1)
			return lg_cli_fail(LG_EXIT_USAGE, "--interval: '%s' is not a duration of at least 1s", arg);
		return 0;
	case LG_WOPT_DEBUG:
		if (strcmp(arg, "0") && strcmp(arg, "2"))
			return lg_cli_fail(LG_EXIT_USAGE, "--debug: '%s' is not 0 or 2", arg);
		f->debug = atoi(arg);
		return 0;
	case LG_WOPT_MAX_FAILURES:
		if (lg_stack_parse_count(arg, &n) || n < 1 || n > 1000)
			return lg_cli_fail(LG_EXIT_USAGE, "--max-failures: '%s' is not a count 1..1000", arg);
		f->max_failures = (int)n;
		return 0;
	case LG_WOPT_JSON: f->json = arg; return 0;
	case LG_WOPT_JUNIT: f->junit = arg; return 0;
	case LG_WOPT_HTML: f->html = arg; return 0;
	case LG_SOPT_TIMEOUT: f->timeout_set = 1; break;
	}
	return lg_stack_flags_apply(&f->sf, c, arg);
}

void lg_watch_flags_finish(struct lg_watch_flags *f)
{
	if (!f->timeout_set)
		f->sf.http.timeout = f->interval < 1 ? 1 : f->interval > 30 ? 30 : f->interval;
}

int lg_watch_finish_report(const struct lg_watch_report *r, const struct lg_watch_flags *f)
{
	const struct lg_watch *w = r->w;
	struct lg_buf b = LG_BUF_INIT;
	struct lg_err err;
	size_t i, gaps = 0;
	int ret = 0;

	for (i = 0; i < w->nsamples; i++)
		gaps += !w->samples[i].ok;
	lg_buf_addf(&b, "\nleakgate %s: %zu sample%s (%zu gap%s) of %s; ended: %s\n", r->command,
		    w->nsamples, w->nsamples == 1 ? "" : "s", gaps, gaps == 1 ? "" : "s", r->url, r->ended);
	lg_buf_addf(&b, "%s: %s\n", r->failed ? "FAIL" : "ok", r->verdict);
	if (r->heap_note)
		lg_buf_addf(&b, "heap: %s\n", r->heap_note);
	for (i = 0; r->suspects && i < r->suspects->n; i++) {
		lg_buf_addch(&b, '\n');
		lg_watch_suspect_text(w, &r->suspects->v[i], &b);
	}
	fwrite(b.buf, 1, b.len, stdout);
	fflush(stdout);
	lg_buf_release(&b);
	if (lg_watch_write_outputs(r, f->json, f->junit, f->html, &err))
		ret = lg_cli_fail(LG_EXIT_ENV, "%s", err.msg);
	return ret;
}

int lg_watch_flags_other(struct lg_watch_flags *f, int c, const char *arg, const char *help)
{
	int r = c == '?' ? -1 : lg_watch_flags_apply(f, c, arg);

	if (!r)
		return 0;
	if (r < 0)
		fputs(help, stderr);
	return LG_EXIT_USAGE;
}
