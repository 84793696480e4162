/*
 * cmd_watch.c — `leakgate watch URL`: samples a running service's
 * goroutines every --interval, shows what grows, and at the end (or when a
 * --fail-on threshold trips) names the suspect groups with their stacks,
 * leak pattern and fix hint.  The flags and the closing report it shares
 * with `leakgate soak` are watchcli.c's.
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

#include "cmd.h"
#include "help.h"
#include "config.h"
#include "proc.h"
#include "watchcli.h"

/* --- watch ---------------------------------------------------------------- */

struct fail_on {
	int64_t total_above; /* total>N; -1 none */
	int grow;            /* grow=K; 0 none */
	double rate;         /* rate=N/min; < 0 none */
};

static int parse_fail_on(struct fail_on *fo, const char *arg)
{
	char *copy = lg_xstrdup(arg), *save = NULL, *tok, *end;
	int ret = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		errno = 0;
		if (lg_starts_with(tok, "total>")) {
			fo->total_above = strtoll(tok + 6, &end, 10);
			if (end == tok + 6 || *end || errno || fo->total_above < 0)
				break;
		} else if (lg_starts_with(tok, "grow=")) {
			long k = strtol(tok + 5, &end, 10);

			if (end == tok + 5 || *end || k < 1 || k > 10000)
				break;
			fo->grow = (int)k;
		} else if (lg_starts_with(tok, "rate=")) {
			fo->rate = strtod(tok + 5, &end);
			if (end == tok + 5 || strcmp(end, "/min") || fo->rate < 0)
				break;
		} else {
			break;
		}
	}
	if (tok)
		ret = lg_cli_fail(LG_EXIT_USAGE, "--fail-on: '%s' is not total>N, grow=K or rate=N/min", tok);
	free(copy);
	return ret;
}

/* The first threshold the watch passed, as text to show; NULL when none. */
static char *tripped(const struct lg_watch *w, const struct fail_on *fo)
{
	const struct lg_watch_sample *s = w->nsamples ? &w->samples[w->nsamples - 1] : NULL;
	size_t i;

	if (!s || !s->ok)
		return NULL;
	if (fo->total_above >= 0 && s->total > fo->total_above)
		return lg_xasprintf("total>%lld: %lld goroutines", (long long)fo->total_above,
				    (long long)s->total);
	for (i = 0; fo->grow && i < w->nseries; i++) {
		struct lg_watch_trend t;

		lg_watch_trend(w, i, &t);
		if (t.streak >= fo->grow)
			return lg_xasprintf("grow=%d: %s grew in %d samples in a row", fo->grow,
					    w->series[i].name, t.streak);
	}
	if (fo->rate >= 0 && w->first && w->nok > 1) {
		const struct lg_watch_sample *a = &w->samples[w->first_at];
		double mins = (s->t - a->t) / 60, r = mins > 0 ? (double)(s->total - a->total) / mins : 0;

		if (r > fo->rate)
			return lg_xasprintf("rate=%g/min: %.1f goroutines a minute", fo->rate, r);
	}
	return NULL;
}

static const struct option watch_options[] = {
	LG_WATCH_LONGOPTS,
	{ "duration", required_argument, NULL, LG_WOPT_DURATION },
	{ "fail-on", required_argument, NULL, LG_WOPT_FAIL_ON },
	{ NULL, 0, NULL, 0 }
};

static void print_usage(FILE *f)
{
	fputs(lg_help_watch, f);
}

struct watch_args {
	double duration;
	struct fail_on fo;
	const char *url;
};

static int parse_args(int argc, char **argv, struct lg_watch_flags *f, struct watch_args *a)
{
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", watch_options, NULL)) != -1) {
		if (c == LG_SOPT_HELP) {
			print_usage(stdout);
			return -1;
		}
		if (c == LG_WOPT_DURATION) {
			if (lg_parse_duration(optarg, &a->duration) || a->duration <= 0)
				return lg_cli_fail(LG_EXIT_USAGE, "--duration: '%s' is not a duration", optarg);
			continue;
		}
		if (c == LG_WOPT_FAIL_ON) {
			if (parse_fail_on(&a->fo, optarg))
				return LG_EXIT_USAGE;
			continue;
		}
		if (lg_watch_flags_other(f, c, optarg, lg_help_watch))
			return LG_EXIT_USAGE;
	}
	if (argc - optind != 1)
		return lg_cli_fail(LG_EXIT_USAGE, "watch takes one URL");
	a->url = argv[optind];
	if (!lg_http_is_url(a->url))
		return lg_cli_fail(LG_EXIT_USAGE, "'%s' is not an http, https or file URL", a->url);
	lg_watch_flags_finish(f);
	return 0;
}

/* Samples until the duration, a threshold, the service's end or a signal. */
static char *sample_loop(struct lg_watch *w, const struct lg_watch_flags *f,
			 const struct watch_args *a, const char *shown, char **trip)
{
	int tty = isatty(STDOUT_FILENO);
	const char *nc = getenv("NO_COLOR");
	char *title = lg_xasprintf("leakgate watch %s every %gs", shown, f->interval);
	double next = lg_now();
	struct lg_buf b = LG_BUF_INIT;
	struct lg_err err;
	char *ended = NULL;

	for (;;) {
		lg_watch_take(w, NULL, &err);
		lg_buf_reset(&b);
		if (tty)
			lg_watch_live_view(w, title, !(nc && *nc), &b);
		else
			lg_watch_sample_line(w, &b);
		fwrite(b.buf, 1, b.len, stdout);
		fflush(stdout);
		if ((*trip = tripped(w, &a->fo))) {
			ended = lg_xasprintf("threshold %s", *trip);
			break;
		}
		if (w->failures_in_row >= f->max_failures) {
			ended = lg_xasprintf("the service stopped answering (%d failed samples in a row; "
					     "last: %s)", w->failures_in_row,
					     w->samples[w->nsamples - 1].error);
			break;
		}
		next += f->interval;
		if (a->duration > 0 && next - w->started > a->duration + 1e-6) {
			ended = lg_xasprintf("--duration %gs reached", a->duration);
			break;
		}
		lg_watch_sleep_until(next);
		if (lg_watch_stopped()) {
			ended = lg_xstrdup("interrupted");
			break;
		}
	}
	free(title);
	lg_buf_release(&b);
	return ended;
}

int lg_cmd_watch(int argc, char **argv)
{
	struct lg_watch_flags f;
	struct watch_args a;
	struct lg_watch w;
	struct lg_watch_opts wo;
	struct lg_watch_suspects sus = { NULL, 0, 0 };
	struct lg_watch_report rep;
	struct lg_err err;
	char *url = NULL, *shown = NULL, *ended = NULL, *trip = NULL, *verdict = NULL, *dump = NULL;
	int ret;

	lg_watch_flags_init(&f, 30);
	memset(&a, 0, sizeof(a));
	a.fo.total_above = -1;
	a.fo.rate = -1;
	memset(&w, 0, sizeof(w));
	ret = parse_args(argc, argv, &f, &a);
	if (ret) {
		ret = ret < 0 ? LG_EXIT_OK : ret;
		goto out;
	}
	url = lg_watch_profile_url(a.url, f.debug);
	shown = lg_http_redact(url);
	memset(&wo, 0, sizeof(wo));
	wo.url = url;
	wo.http = &f.sf.http;
	wo.group = &f.sf.group;
	lg_watch_init(&w, &wo);
	lg_watch_signals();
	ended = sample_loop(&w, &f, &a, shown, &trip);
	if (!w.nok) {
		ret = lg_cli_fail(LG_EXIT_ENV, "no sample of %s could be fetched: %s", shown,
				  w.nsamples ? w.samples[w.nsamples - 1].error : "none taken");
		goto out;
	}
	lg_watch_find_growing(&w, a.fo.grow ? a.fo.grow : 2, &sus);
	if (sus.n && !lg_watch_stopped() && !strstr(ended, "stopped answering")) {
		dump = lg_watch_profile_url(a.url, 2);
		if (f.debug != 2 && lg_watch_name_creators(&w, &sus, dump, &err))
			fprintf(stderr, "leakgate: warning: cannot name the go statements: %s\n", err.msg);
	}
	if (trip)
		verdict = lg_xasprintf("threshold tripped: %s; %zu suspect group%s", trip, sus.n,
				       sus.n == 1 ? "" : "s");
	else if (sus.n)
		verdict = lg_xasprintf("%zu group%s only grew", sus.n, sus.n == 1 ? "" : "s");
	else
		verdict = lg_xstrdup("no group only grew");
	memset(&rep, 0, sizeof(rep));
	rep.command = "watch";
	rep.url = shown;
	rep.interval = f.interval;
	rep.w = &w;
	rep.suspects = &sus;
	rep.failed = trip || sus.n;
	rep.verdict = verdict;
	rep.ended = ended;
	ret = lg_watch_finish_report(&rep, &f);
	if (!ret)
		ret = rep.failed ? LG_EXIT_FAILED : LG_EXIT_OK;
out:
	lg_watch_suspects_release(&sus);
	lg_watch_release(&w);
	free(url);
	free(shown);
	free(ended);
	free(trip);
	free(verdict);
	free(dump);
	lg_watch_flags_release(&f);
	return ret;
}
