/*
 * main.c — leakgate's entry point: global flags and the command table.
 * Each command lives in its own cmd_*.c file with one entry function.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "util.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* Sorted by name. */
static const struct command commands[] = {
	{ "baseline", lg_cmd_baseline, "record, show and diff baselines of known leaks" },
	{ "diff", lg_cmd_diff, "compare two goroutine dumps or two profiles, stack by stack" },
	{ "flame", lg_cmd_flame, "draw the flame graph of a goroutine dump or profile (SVG)" },
	{ "merge", lg_cmd_merge, "merge the run reports of the shards of one gate" },
	{ "report", lg_cmd_report, "render HTML, SARIF, Markdown, ... from a saved run report" },
	{ "run", lg_cmd_run, "build and run Go test binaries under the gate" },
	{ "soak", lg_cmd_soak, "gate a load test: goroutines and heap must come back after it" },
	{ "stacks", lg_cmd_stacks, "group a goroutine dump or pprof profile by stack" },
	{ "watch", lg_cmd_watch, "sample a running service's goroutines and name what only grows" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: leakgate [--version] [--help] <command> [<args>]\n\n"
		   "leakgate gates Go test suites on goroutine leaks, deadlocks, hangs,\n"
		   "crashes and heap growth, and writes JUnit XML for CI.\n\ncommands:\n");
	for (i = 0; i < LG_ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'leakgate <command> --help' describes a command.\n"
		   "exit codes: 0 gate passed, 1 gate failed, 2 usage error,\n"
		   "3 environment error, 4 internal error, 130 interrupted\n");
}

static int finish(int code)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "leakgate: error: writing output failed\n");
		return code ? code : LG_EXIT_ENV;
	}
	return code;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return LG_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return finish(LG_EXIT_OK);
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("leakgate %s (hook protocol 1)\n", LG_VERSION);
		return finish(LG_EXIT_OK);
	}
	for (i = 0; i < LG_ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return finish(commands[i].fn(argc - 1, argv + 1));
	fprintf(stderr, "leakgate: error: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return LG_EXIT_USAGE;
}
