/*
 * cmd_diff.c — `leakgate diff BEFORE AFTER`: what changed between two
 * goroutine dumps (groups new, gone, grown, shrunk; long-lived ones) or two
 * profiles of one kind (growth per stack of the chosen sample type), the
 * biggest change first.  For profiles, `-o FILE` also writes the
 * difference as a profile `go tool pprof` opens.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "help.h"
#include "stackcli.h"
#include "stackjson.h"


static const struct option diff_options[] = {
	LG_STACK_LONGOPTS,
	{ "output", required_argument, NULL, 'o' },
	{ "min-delta", required_argument, NULL, LG_SOPT_MIN_DELTA },
	{ NULL, 0, NULL, 0 }
};

static void print_usage(FILE *f)
{
	fputs(lg_help_diff, f);
}

struct diff_args {
	const char *output;
	int64_t min_delta;
};

static int parse_args(int argc, char **argv, struct lg_stack_flags *f, struct diff_args *a)
{
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:", diff_options, NULL)) != -1) {
		int r;

		if (c == LG_SOPT_HELP) {
			print_usage(stdout);
			return -1;
		}
		if (c == 'o') {
			a->output = optarg;
			continue;
		}
		if (c == LG_SOPT_MIN_DELTA) {
			if (lg_stack_parse_count(optarg, &a->min_delta) || a->min_delta < 1)
				return lg_cli_fail(LG_EXIT_USAGE, "--min-delta: '%s' is not a count >= 1", optarg);
			continue;
		}
		r = c == '?' ? -1 : lg_stack_flags_apply(f, c, optarg);
		if (r) {
			if (r < 0)
				print_usage(stderr);
			return LG_EXIT_USAGE;
		}
	}
	if (argc - optind != 2)
		return lg_cli_fail(LG_EXIT_USAGE, "diff takes two inputs, BEFORE and AFTER");
	if (f->json && f->folded)
		return lg_cli_fail(LG_EXIT_USAGE, "--json and --folded exclude each other");
	if (!strcmp(argv[optind], "-") && !strcmp(argv[optind + 1], "-"))
		return lg_cli_fail(LG_EXIT_USAGE, "only one input can be stdin");
	return 0;
}

/* The two inputs must be comparable: dumps, or profiles of the same type. */
static int check_kinds(const struct lg_input *a, const struct lg_input *b, const struct diff_args *d)
{
	if (a->kind != b->kind)
		return lg_cli_fail(LG_EXIT_USAGE, "cannot compare %s (a %s) with %s (a %s)", a->name,
				   a->kind == LG_INPUT_DUMP ? "dump" : "profile", b->name,
				   b->kind == LG_INPUT_DUMP ? "dump" : "profile");
	if (d->output && a->kind == LG_INPUT_DUMP)
		return lg_cli_fail(LG_EXIT_USAGE, "-o writes a profile: it needs two profiles");
	if (a->kind == LG_INPUT_PROFILE &&
	    strcmp(a->prof.sample_types[a->sample_index].type, b->prof.sample_types[b->sample_index].type))
		return lg_cli_fail(LG_EXIT_USAGE, "%s counts %s but %s counts %s: choose --sample-type",
				   a->name, a->prof.sample_types[a->sample_index].type, b->name,
				   b->prof.sample_types[b->sample_index].type);
	return 0;
}

/* Writes after - before of two profiles to `path`; on failure the exit code of an I/O error. */
static int write_profile(struct lg_input *a, struct lg_input *b, const char *path)
{
	struct lg_pprof d;
	struct lg_err err;
	int ret = 0;

	lg_pprof_init(&d);
	lg_pprof_expand(&a->prof); /* the diff works on frames */
	lg_pprof_expand(&b->prof);
	if (lg_pprof_diff(&a->prof, &b->prof, &d, &err) || lg_pprof_write_file(&d, path, &err))
		ret = lg_cli_fail(LG_EXIT_ENV, "%s", err.msg);
	lg_pprof_release(&d);
	return ret;
}

int lg_cmd_diff(int argc, char **argv)
{
	struct lg_stack_flags f;
	struct diff_args a = { NULL, 1 };
	struct lg_input before, after;
	struct lg_group_change *changes = NULL;
	struct lg_buf out = LG_BUF_INIT;
	size_t n = 0, i;
	int ret, malformed = 0, growth = 0;

	lg_stack_flags_init(&f);
	f.group.by = LG_GROUP_FUNCS;
	lg_input_init(&before);
	lg_input_init(&after);
	ret = parse_args(argc, argv, &f, &a);
	if (ret) {
		ret = ret < 0 ? LG_EXIT_OK : ret;
		goto out;
	}
	ret = lg_stack_load(&before, argv[optind], &f, 0, &malformed);
	if (!ret)
		ret = lg_stack_load(&after, argv[optind + 1], &f, 0, &malformed);
	if (!ret)
		ret = check_kinds(&before, &after, &a);
	if (ret)
		goto out;
	if (a.output && (ret = write_profile(&before, &after, a.output)))
		goto out;
	n = lg_group_diff(&before.groups, &after.groups, &changes);
	for (i = 0; i < n; i++)
		growth |= lg_view_is_growth(&changes[i], a.min_delta);
	if (f.json) {
		if (lg_stackjson_diff(&before, &after, changes, n, a.min_delta, stdout) ||
		    fflush(stdout)) {
			ret = lg_cli_fail(LG_EXIT_ENV, "writing the JSON output failed");
			goto out;
		}
	} else if (f.folded) {
		f.view.stream = stdout;
		lg_view_folded_growth(&after, changes, n, &f.view, &out);
	} else {
		f.view.stream = stdout;
		lg_view_diff_text(&before, &after, changes, n, a.min_delta, &f.view, &out);
	}
	fwrite(out.buf, 1, out.len, stdout);
	ret = malformed ? LG_EXIT_ENV : growth ? LG_EXIT_FAILED : LG_EXIT_OK;
out:
	free(changes);
	lg_buf_release(&out);
	lg_input_release(&after);
	lg_input_release(&before);
	lg_stack_flags_release(&f);
	return ret;
}
