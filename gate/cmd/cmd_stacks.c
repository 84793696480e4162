/*
 * cmd_stacks.c — `leakgate stacks [FILE|URL|-]`: a goroutine dump or a
 * pprof profile grouped by stack, biggest group first, as text, JSON or
 * folded stacks.  The flags it shares with `leakgate diff` and `leakgate
 * watch` are stackcli.c's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "help.h"
#include "config.h"
#include "stackcli.h"
#include "stackjson.h"

static const struct option stacks_options[] = {
	LG_STACK_LONGOPTS,
	{ "min-count", required_argument, NULL, LG_SOPT_MIN_COUNT },
	{ NULL, 0, NULL, 0 }
};

static void print_usage(FILE *f)
{
	fputs(lg_help_stacks, f);
}

static void write_out(const struct lg_buf *b)
{
	fwrite(b->buf, 1, b->len, stdout);
}

int lg_cmd_stacks(int argc, char **argv)
{
	struct lg_stack_flags f;
	struct lg_input in;
	struct lg_buf out = LG_BUF_INIT;
	int64_t min_count = 0;
	int c, ret = LG_EXIT_OK, malformed = 0;

	lg_stack_flags_init(&f);
	lg_input_init(&in);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", stacks_options, NULL)) != -1) {
		int r;

		if (c == LG_SOPT_HELP) {
			print_usage(stdout);
			goto out;
		}
		if (c == LG_SOPT_MIN_COUNT) {
			if (lg_stack_parse_count(optarg, &min_count)) {
				ret = lg_cli_fail(LG_EXIT_USAGE, "--min-count: '%s' is not a count", optarg);
				goto out;
			}
			continue;
		}
		r = c == '?' ? -1 : lg_stack_flags_apply(&f, c, optarg);
		if (r) {
			if (r < 0)
				print_usage(stderr);
			ret = LG_EXIT_USAGE;
			goto out;
		}
	}
	if (argc - optind > 1 || (f.json && f.folded)) {
		ret = lg_cli_fail(LG_EXIT_USAGE, argc - optind > 1 ? "stacks takes one input"
								  : "--json and --folded exclude each other");
		goto out;
	}
	/* what the view will not read, finishing need not make */
	if (f.folded)
		f.group.skip = LG_GROUP_SKIP_SIGNATURE | LG_GROUP_SKIP_ORDER;
	else if (!f.json)
		f.group.skip = LG_GROUP_SKIP_SIGNATURE;
	ret = lg_stack_load(&in, optind < argc ? argv[optind] : "-", &f, min_count, &malformed);
	if (ret)
		goto out;
	if (f.json) {
		if (lg_stackjson_stacks(&in, stdout) || fflush(stdout)) {
			ret = lg_cli_fail(LG_EXIT_ENV, "writing the JSON output failed");
			goto out;
		}
	} else if (f.folded) {
		f.view.stream = stdout;
		lg_view_folded(&in, &f.view, &out);
	} else {
		f.view.stream = stdout;
		lg_view_stacks_text(&in, &f.view, &out);
	}
	write_out(&out);
	ret = malformed ? LG_EXIT_ENV : LG_EXIT_OK;
out:
	lg_buf_release(&out);
	lg_input_release(&in);
	lg_stack_flags_release(&f);
	return ret;
}
