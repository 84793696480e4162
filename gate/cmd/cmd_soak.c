/*
 * cmd_soak.c — `leakgate soak --url URL --load CMD`: a CI gate for a load
 * test.  Starts the service when asked (--start, its own process group,
 * killed at the end), waits for its pprof URL, samples goroutines and heap
 * before the load, during it and after a cool-down, and fails when groups
 * do not come back to their pre-load count within --tolerance or the live
 * heap after GC (runtime.MemStats HeapAlloc, exact) keeps rising.  The verdict names each group that stayed
 * with its `go` statement and the handler it came from.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "help.h"
#include "config.h"
#include "proc.h"
#include "watchcli.h"

enum { OPT_URL = 700, OPT_LOAD, OPT_START, OPT_COOL_DOWN, OPT_TOLERANCE, OPT_READY,
       OPT_HEAP_TOLERANCE };

static const struct option soak_options[] = {
	LG_WATCH_LONGOPTS,
	{ "url", required_argument, NULL, OPT_URL },
	{ "load", required_argument, NULL, OPT_LOAD },
	{ "start", required_argument, NULL, OPT_START },
	{ "cool-down", required_argument, NULL, OPT_COOL_DOWN },
	{ "tolerance", required_argument, NULL, OPT_TOLERANCE },
	{ "heap-tolerance", required_argument, NULL, OPT_HEAP_TOLERANCE },
	{ "ready-timeout", required_argument, NULL, OPT_READY },
	{ NULL, 0, NULL, 0 }
};

static void print_usage(FILE *f)
{
	fputs(lg_help_soak, f);
}

struct soak_args {
	const char *url, *load, *start;
	double cool_down, ready;
	int64_t tolerance, heap_tolerance;
};

static int parse_args(int argc, char **argv, struct lg_watch_flags *f, struct soak_args *a)
{
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", soak_options, NULL)) != -1) {
		switch (c) {
		case LG_SOPT_HELP: print_usage(stdout); return -1;
		case OPT_URL: a->url = optarg; continue;
		case OPT_LOAD: a->load = optarg; continue;
		case OPT_START: a->start = optarg; continue;
		case OPT_COOL_DOWN:
			if (lg_parse_duration(optarg, &a->cool_down) || a->cool_down < 0)
				return lg_cli_fail(LG_EXIT_USAGE, "--cool-down: '%s' is not a duration", optarg);
			continue;
		case OPT_READY:
			if (lg_parse_duration(optarg, &a->ready) || a->ready <= 0)
				return lg_cli_fail(LG_EXIT_USAGE, "--ready-timeout: '%s' is not a duration", optarg);
			continue;
		case OPT_TOLERANCE:
			if (lg_stack_parse_count(optarg, &a->tolerance))
				return lg_cli_fail(LG_EXIT_USAGE, "--tolerance: '%s' is not a count", optarg);
			continue;
		case OPT_HEAP_TOLERANCE:
			if (lg_parse_size(optarg, &a->heap_tolerance) || a->heap_tolerance < 0)
				return lg_cli_fail(LG_EXIT_USAGE, "--heap-tolerance: '%s' is not a size", optarg);
			continue;
		}
		if (lg_watch_flags_other(f, c, optarg, lg_help_soak))
			return LG_EXIT_USAGE;
	}
	if (optind < argc)
		return lg_cli_fail(LG_EXIT_USAGE, "soak takes no arguments, only flags ('%s')", argv[optind]);
	if (!a->url || !a->load)
		return lg_cli_fail(LG_EXIT_USAGE, "soak needs --url and --load");
	if (!lg_http_is_url(a->url))
		return lg_cli_fail(LG_EXIT_USAGE, "--url: '%s' is not an http or https URL", a->url);
	lg_watch_flags_finish(f);
	return 0;
}

static int spawn_sh(struct lg_proc_bg *b, const char *cmd, struct lg_err *err)
{
	char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };

	/* the children's output goes to stderr: stdout is the gate's */
	return lg_proc_spawn(b, argv, NULL, STDERR_FILENO, err);
}

/* Waits until the goroutine URL answers; 0, or an exit code after saying why. */
static int wait_ready(const char *url, const char *shown, const struct lg_watch_flags *f,
		      const struct soak_args *a, struct lg_proc_bg *svc)
{
	struct lg_http_opts o = f->sf.http;
	struct lg_buf body = LG_BUF_INIT;
	struct lg_err err;
	double until = lg_now() + (a->ready > 0 ? a->ready : 30);
	int ret;

	o.timeout = 2;
	for (;;) {
		lg_buf_reset(&body);
		if (!lg_http_fetch(url, &o, &body, NULL, &err)) {
			ret = 0;
			break;
		}
		if (a->start && lg_proc_poll(svc)) {
			ret = lg_cli_fail(LG_EXIT_ENV, "the service (--start) exited with status %d before %s answered",
					  svc->exit_code, shown);
			break;
		}
		if (lg_watch_stopped() || lg_now() > until) {
			ret = lg_cli_fail(LG_EXIT_ENV, "%s did not answer: %s", shown, err.msg);
			break;
		}
		lg_watch_sleep_until(lg_now() + 0.2);
	}
	lg_buf_release(&body);
	return ret;
}

/* One sample of goroutines and heap, shown as a line. */
static void sample(struct lg_watch *w, const char *phase, const char *heap_url)
{
	struct lg_buf b = LG_BUF_INIT;
	struct lg_err err;

	if (!lg_watch_take(w, phase, &err) && lg_watch_take_heap(w, heap_url, &err))
		fprintf(stderr, "leakgate: warning: heap profile: %s\n", err.msg);
	lg_watch_sample_line(w, &b);
	fwrite(b.buf, 1, b.len, stdout);
	fflush(stdout);
	lg_buf_release(&b);
}

/* The heap verdict: NULL when fine, else what it did (caller frees). */
static char *heap_rising(const struct lg_watch *w, int64_t tolerance, char **note)
{
	int64_t first = -1, prev = -1;
	int rising = 1, n = 0;
	size_t i;

	for (i = 0; i < w->nsamples; i++) {
		int64_t h = w->samples[i].heap_live;

		if (h < 0)
			continue;
		if (first < 0)
			first = h;
		else if (h <= prev)
			rising = 0;
		prev = h;
		n++;
	}
	if (n < 2) {
		*note = lg_xstrdup("fewer than two heap samples: not judged");
		return NULL;
	}
	*note = lg_xasprintf("live after GC %lld bytes before the load, %lld at the end (%s)%s",
			     (long long)first, (long long)prev, rising ? "rose at every sample" : "did not keep rising",
			     n == 2 ? "; no sample fell during the load, so growth once (a cache filled on "
				      "first use) looks like growth per request: a shorter --interval tells them apart"
				    : "");
	if (rising && prev - first > tolerance)
		return lg_xasprintf("live heap after GC kept rising: +%lld bytes over %d samples",
				    (long long)(prev - first), n);
	return NULL;
}

struct soak_run {
	struct lg_watch w;
	struct lg_proc_bg svc, load;
	char *ended;
	char *problem; /* what failed besides groups: service gone, load failed */
};

/* Before, during and after the load; fills r->ended and r->problem. */
static void run_phases(struct soak_run *r, const struct lg_watch_flags *f,
		       const struct soak_args *a, const char *heap_url)
{
	struct lg_err err;
	double next;

	sample(&r->w, "before", heap_url);
	if (!r->w.nok)
		return;
	if (spawn_sh(&r->load, a->load, &err)) {
		r->problem = lg_xstrdup(err.msg);
		return;
	}
	next = lg_now() + f->interval;
	while (!lg_proc_poll(&r->load)) {
		lg_watch_sleep_until(next < lg_now() + 0.05 ? lg_now() + 0.05 : next);
		if (lg_watch_stopped())
			break;
		if (lg_now() >= next && !lg_proc_poll(&r->load)) {
			sample(&r->w, "load", heap_url);
			next += f->interval;
			if (r->w.failures_in_row >= f->max_failures) {
				r->problem = lg_xasprintf("the service stopped answering during the load: %s",
							  r->w.samples[r->w.nsamples - 1].error);
				return;
			}
		}
	}
	if (lg_watch_stopped()) {
		r->ended = lg_xstrdup("interrupted");
		return;
	}
	if (r->load.exit_code != 0)
		r->problem = lg_xasprintf("the load command exited with status %d", r->load.exit_code);
	lg_watch_sleep_until(lg_now() + a->cool_down);
	if (lg_watch_stopped()) {
		r->ended = lg_xstrdup("interrupted");
		return;
	}
	sample(&r->w, "after", heap_url);
	if (!r->w.samples[r->w.nsamples - 1].ok && !r->problem)
		r->problem = lg_xasprintf("the sample after the cool-down failed: %s",
					  r->w.samples[r->w.nsamples - 1].error);
	r->ended = lg_xasprintf("load done, %gs cool-down", a->cool_down);
}

int lg_cmd_soak(int argc, char **argv)
{
	struct lg_watch_flags f;
	struct soak_args a;
	struct soak_run r;
	struct lg_watch_opts wo;
	struct lg_watch_suspects sus = { NULL, 0, 0 };
	struct lg_watch_report rep;
	struct lg_err err;
	char *url = NULL, *shown = NULL, *heap_url = NULL, *verdict = NULL, *heap = NULL,
	     *heap_note = NULL;
	int ret;

	lg_watch_flags_init(&f, 5);
	f.debug = 2;
	memset(&a, 0, sizeof(a));
	a.cool_down = 10;
	a.heap_tolerance = 1 << 20;
	memset(&r, 0, sizeof(r));
	ret = parse_args(argc, argv, &f, &a);
	if (ret) {
		ret = ret < 0 ? LG_EXIT_OK : ret;
		goto out;
	}
	url = lg_watch_profile_url(a.url, f.debug);
	heap_url = lg_watch_pprof_url(a.url, "heap?gc=1&debug=1");
	shown = lg_http_redact(url);
	memset(&wo, 0, sizeof(wo));
	wo.url = url;
	wo.http = &f.sf.http;
	wo.group = &f.sf.group;
	lg_watch_init(&r.w, &wo);
	lg_watch_signals();
	if (a.start && spawn_sh(&r.svc, a.start, &err)) {
		ret = lg_cli_fail(LG_EXIT_ENV, "%s", err.msg);
		goto out;
	}
	if ((ret = wait_ready(url, shown, &f, &a, &r.svc)))
		goto out;
	run_phases(&r, &f, &a, heap_url);
	if (!r.w.nok) {
		ret = lg_cli_fail(LG_EXIT_ENV, "no sample of %s could be fetched: %s", shown,
				  r.w.nsamples ? r.w.samples[0].error : "none taken");
		goto out;
	}
	if (!r.ended)
		r.ended = lg_xstrdup(r.problem ? r.problem : "stopped");
	lg_watch_find_not_returned(&r.w, a.tolerance, &sus);
	if (sus.n && f.debug != 2 && !r.problem) {
		char *dump = lg_watch_profile_url(a.url, 2);

		if (lg_watch_name_creators(&r.w, &sus, dump, &err))
			fprintf(stderr, "leakgate: warning: cannot name the go statements: %s\n", err.msg);
		free(dump);
	}
	heap = heap_rising(&r.w, a.heap_tolerance, &heap_note);
	verdict = lg_xasprintf("%zu group%s did not come back to the pre-load level%s%s%s%s",
			       sus.n, sus.n == 1 ? "" : "s", heap ? "; " : "", heap ? heap : "",
			       r.problem ? "; " : "", r.problem ? r.problem : "");
	memset(&rep, 0, sizeof(rep));
	rep.command = "soak";
	rep.url = shown;
	rep.interval = f.interval;
	rep.w = &r.w;
	rep.suspects = &sus;
	rep.failed = sus.n || heap || r.problem || lg_watch_stopped();
	rep.verdict = verdict;
	rep.ended = r.ended;
	rep.heap_note = heap_note;
	ret = lg_watch_finish_report(&rep, &f);
	if (!ret)
		ret = lg_watch_stopped() ? LG_EXIT_INTERRUPTED : rep.failed ? LG_EXIT_FAILED : LG_EXIT_OK;
out:
	lg_proc_stop(&r.load, 2);
	lg_proc_stop(&r.svc, 2);
	lg_watch_suspects_release(&sus);
	lg_watch_release(&r.w);
	free(r.ended);
	free(r.problem);
	free(url);
	free(shown);
	free(heap_url);
	free(verdict);
	free(heap);
	free(heap_note);
	lg_watch_flags_release(&f);
	return ret;
}
