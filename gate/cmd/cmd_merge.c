/*
 * cmd_merge.c — `leakgate merge A.json B.json ... [--format KIND=FILE ...]
 * [--junit FILE] [--json FILE]`:
 * puts the run reports of the shards of one sharded gate back together, so
 * CI shows one JUnit file, one JSON report and one HTML page.
 *
 * Packages are concatenated and sorted by import path (the order `go list`
 * gives an unsharded run).  A package that appears in two reports is an
 * error naming both files: with `--shard` every package runs in exactly one
 * shard, so a duplicate means two jobs ran the same shard (a retried job
 * whose old artefact was kept, a wrong index), and silently picking one
 * result could hide a failure.  The run's start is the earliest shard's,
 * its duration the longest shard's (shards run side by side).
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


enum { OPT_FORMAT = 256, OPT_JUNIT, OPT_JSON, OPT_NO_FILE_LINE, OPT_HELP };

static const struct option merge_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "no-file-line", no_argument, NULL, OPT_NO_FILE_LINE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 }
};

/* A package and the report it came from, for sorting and duplicate errors. */
struct origin {
	struct lg_package pkg;
	const char *file;
};

static int by_import_path(const void *a, const void *b)
{
	const struct origin *x = a, *y = b;

	return strcmp(x->pkg.import_path, y->pkg.import_path);
}

static int same(const char *a, const char *b)
{
	return !a || !b || !*a || !*b || !strcmp(a, b);
}

/* Moves the packages of `part` (read from `file`) into `all`. */
static int take(struct lg_run *merged, struct lg_run *part, const char *file,
		struct origin **all, size_t *n, size_t *alloc, struct lg_err *err)
{
	size_t i;

	if (!merged->module_path) {
		merged->module_path = part->module_path, part->module_path = NULL;
		merged->module_root = part->module_root, part->module_root = NULL;
		merged->go_version = part->go_version, part->go_version = NULL;
		merged->started_unix = part->started_unix;
	} else if (!same(merged->module_path, part->module_path)) {
		return lg_error(err, "'%s' is a report of module '%s', not '%s'", file,
				part->module_path, merged->module_path);
	}
	if (part->started_unix > 0 && (merged->started_unix <= 0 || part->started_unix < merged->started_unix))
		merged->started_unix = part->started_unix;
	if (part->seconds > merged->seconds)
		merged->seconds = part->seconds;
	for (i = 0; i < part->npkgs; i++) {
		LG_GROW(*all, *alloc, *n + 1);
		(*all)[*n].pkg = part->pkgs[i];
		(*all)[*n].file = file;
		(*n)++;
	}
	free(part->pkgs);
	part->pkgs = NULL;
	part->npkgs = 0;
	return 0;
}

/* Sorts, refuses duplicates, and hands the packages to `merged`. */
static int settle(struct lg_run *merged, struct origin *all, size_t n, struct lg_err *err)
{
	size_t i;
	int ret = 0;

	qsort(all, n, sizeof(*all), by_import_path);
	for (i = 1; i < n && !ret; i++)
		if (!strcmp(all[i].pkg.import_path, all[i - 1].pkg.import_path))
			ret = lg_error(err, "package '%s' is in both '%s' and '%s': were two jobs given "
				       "the same --shard?", all[i].pkg.import_path, all[i - 1].file,
				       all[i].file);
	for (i = 0; i < n; i++) {
		if (ret) {
			lg_package_release(&all[i].pkg);
			continue;
		}
		*lg_run_add_package(merged) = all[i].pkg;
	}
	return ret;
}

static int merge_files(char **files, size_t nfiles, struct lg_run *merged, struct lg_err *err)
{
	struct origin *all = NULL;
	size_t n = 0, alloc = 0, i;
	int ret = 0;

	for (i = 0; i < nfiles && !ret; i++) {
		struct lg_run part;

		ret = lg_json_read_report(&part, files[i], err);
		if (!ret)
			ret = take(merged, &part, files[i], &all, &n, &alloc, err);
		lg_run_release(&part);
	}
	if (ret) {
		for (i = 0; i < n; i++)
			lg_package_release(&all[i].pkg);
	} else {
		ret = settle(merged, all, n, err);
	}
	free(all);
	return ret;
}

static int parse_flags(int argc, char **argv, struct lg_outputs *outs, struct lg_output_opts *oo)
{
	struct lg_err err;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:", merge_options, NULL)) != -1) {
		if (c == OPT_HELP) {
			fputs(lg_help_merge, stdout);
			return LG_EXIT_OK;
		} else if (c == 'o' || c == OPT_JSON) {
			lg_outputs_add(outs, LG_OUT_JSON, optarg);
		} else if (c == OPT_JUNIT) {
			lg_outputs_add(outs, LG_OUT_JUNIT, optarg);
		} else if (c == OPT_FORMAT) {
			if (lg_outputs_parse(outs, optarg, &err) < 0)
				return lg_cli_fail(LG_EXIT_USAGE, "merge: --format: %s", err.msg);
		} else if (c == OPT_NO_FILE_LINE) {
			oo->file_line = 0;
		} else {
			return lg_cli_fail(LG_EXIT_USAGE, "merge: unknown or incomplete option '%s' "
					   "(see leakgate merge --help)", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return lg_cli_fail(LG_EXIT_USAGE, "merge: no reports given (see leakgate merge --help)");
	if (!outs->n)
		lg_outputs_add(outs, LG_OUT_JSON, "-");
	return -1;
}

int lg_cmd_merge(int argc, char **argv)
{
	struct lg_outputs outs = { NULL, 0, 0 };
	struct lg_output_opts oo = { 1, NULL, stdout };
	struct lg_run merged;
	struct lg_err err;
	size_t i;
	int ret;

	memset(&merged, 0, sizeof(merged));
	ret = parse_flags(argc, argv, &outs, &oo);
	if (ret >= 0)
		goto out;
	ret = 0;
	if (merge_files(argv + optind, (size_t)(argc - optind), &merged, &err) < 0) {
		ret = lg_cli_fail(LG_EXIT_USAGE, "%s", err.msg);
		goto out;
	}
	if (lg_outputs_write(&outs, &merged, &oo, &err) < 0) {
		ret = lg_cli_fail(LG_EXIT_ENV, "%s", err.msg);
		goto out;
	}
	for (i = 0; i < merged.npkgs; i++)
		if (!lg_package_passed(&merged.pkgs[i]))
			ret = LG_EXIT_FAILED;
	fprintf(stderr, "leakgate: merged %d report%s: %zu packages%s\n", argc - optind,
		argc - optind == 1 ? "" : "s", merged.npkgs, ret ? ", gate failed" : ", gate passed");
out:
	lg_run_release(&merged);
	lg_outputs_release(&outs);
	return ret;
}
