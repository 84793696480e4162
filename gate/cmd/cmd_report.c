/*
 * cmd_report.c — `leakgate report RUN.json [--format KIND=FILE ...] [-o FILE]
 * [--junit FILE] [--json FILE]`:
 * renders any report format from a saved JSON run report, so the HTML page,
 * SARIF or a step summary can be made after the fact, on another machine.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "help.h"
#include "outputs.h"
#include "json.h"


enum { OPT_FORMAT = 256, OPT_JUNIT, OPT_JSON, OPT_NO_FILE_LINE, OPT_PREFIX, OPT_HELP };

static const struct option report_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "no-file-line", no_argument, NULL, OPT_NO_FILE_LINE },
	{ "path-prefix", required_argument, NULL, OPT_PREFIX },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 }
};

int lg_cmd_report(int argc, char **argv)
{
	struct lg_outputs outs = { NULL, 0, 0 };
	struct lg_output_opts oo = { 1, NULL, stdout };
	struct lg_run run;
	struct lg_err err;
	char *prefix = NULL;
	int c, ret = 0;

	memset(&run, 0, sizeof(run));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:", report_options, NULL)) != -1) {
		if (c == OPT_HELP) {
			fputs(lg_help_report, stdout);
			goto out;
		} else if (c == 'o') {
			lg_outputs_add(&outs, LG_OUT_HTML, optarg);
		} else if (c == OPT_JUNIT) {
			lg_outputs_add(&outs, LG_OUT_JUNIT, optarg);
		} else if (c == OPT_JSON) {
			lg_outputs_add(&outs, LG_OUT_JSON, optarg);
		} else if (c == OPT_FORMAT) {
			if (lg_outputs_parse(&outs, optarg, &err) < 0) {
				ret = lg_cli_fail(LG_EXIT_USAGE, "report: --format: %s", err.msg);
				goto out;
			}
		} else if (c == OPT_NO_FILE_LINE) {
			oo.file_line = 0;
		} else if (c == OPT_PREFIX) {
			free(prefix);
			prefix = lg_xasprintf("%s%s", optarg, *optarg && optarg[strlen(optarg) - 1] != '/' ? "/" : "");
			oo.path_prefix = prefix;
		} else {
			ret = lg_cli_fail(LG_EXIT_USAGE, "report: unknown or incomplete option '%s' "
					  "(see leakgate report --help)", argv[optind - 1]);
			goto out;
		}
	}
	if (optind != argc - 1 || !outs.n) {
		ret = lg_cli_fail(LG_EXIT_USAGE, "report: need one RUN.json and at least one output "
				  "(-o FILE, --junit FILE, --json FILE or --format KIND=FILE)");
		goto out;
	}
	if (lg_json_read_report(&run, argv[optind], &err) < 0) {
		ret = lg_cli_fail(LG_EXIT_USAGE, "%s", err.msg);
		goto out;
	}
	if (lg_outputs_write(&outs, &run, &oo, &err) < 0)
		ret = lg_cli_fail(LG_EXIT_ENV, "%s", err.msg);
out:
	lg_run_release(&run);
	lg_outputs_release(&outs);
	free(prefix);
	return ret;
}
