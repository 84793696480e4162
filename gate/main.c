/*
 * main.c — leakgate's entry point: global flags and the command table.
 * Each command lives in its own cmd_*.c file with one entry function; its
 * --help text, man page and completions come from doc/leakgate-<command>.txt.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "help.h"
#include "hook_manifest.h"
#include "jsonutil.h"
#include "junit.h"
#include "proc.h"
#include "util.h"

_Static_assert(LG_OOM_EXIT == LG_EXIT_ENV, "out of memory exits as an environment error");

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

/* Sorted by name. */
static const struct command commands[] = {
	{ "baseline", lg_cmd_baseline },
	{ "diff", lg_cmd_diff },
	{ "flame", lg_cmd_flame },
	{ "hook", lg_cmd_hook },
	{ "merge", lg_cmd_merge },
	{ "report", lg_cmd_report },
	{ "run", lg_cmd_run },
	{ "soak", lg_cmd_soak },
	{ "stacks", lg_cmd_stacks },
	{ "watch", lg_cmd_watch },
};

/* doc/leakgate.txt, with each command's summary from its own doc. */
static void usage(FILE *f)
{
	fputs(lg_help_main, f);
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

	/* Out of memory anywhere, jansson and libxml2 included, is one line and
	 * exit 3 (util.c), with the tests' process groups killed first. */
	lg_set_oom_hook(lg_proc_interrupt);
	lg_json_use_xalloc();
	lg_junit_use_xalloc();
	if (argc < 2) {
		usage(stderr);
		return LG_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return finish(LG_EXIT_OK);
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("leakgate %s (hook protocol %d)\n", LG_VERSION, LG_HOOK_PROTOCOL);
		return finish(LG_EXIT_OK);
	}
	for (i = 0; i < LG_ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return finish(commands[i].fn(argc - 1, argv + 1));
	fprintf(stderr, "leakgate: error: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return LG_EXIT_USAGE;
}
