/*
 * cli.h — what every subcommand shares: exit codes and the entry points the
 * dispatcher in main.c calls.
 *
 * Exit codes are part of the interface (README, "Exit codes"):
 *   0 gate passed, 1 gate failed, 2 usage error, 3 environment error
 *   (go missing, not in a module, cannot write output, out of memory:
 *   util.h's LG_OOM_EXIT), 4 internal error,
 *   130 interrupted.
 */
#ifndef LG_CLI_H
#define LG_CLI_H

enum lg_exit {
	LG_EXIT_OK = 0,
	LG_EXIT_FAILED = 1,
	LG_EXIT_USAGE = 2,
	LG_EXIT_ENV = 3,
	LG_EXIT_INTERNAL = 4,
	LG_EXIT_INTERRUPTED = 130
};

/* Each command: argv[0] is the command name. Returns an lg_exit code. */
int lg_cmd_run(int argc, char **argv);
int lg_cmd_baseline(int argc, char **argv);
int lg_cmd_diff(int argc, char **argv);
int lg_cmd_stacks(int argc, char **argv);
int lg_cmd_flame(int argc, char **argv);
int lg_cmd_merge(int argc, char **argv);
int lg_cmd_report(int argc, char **argv);
int lg_cmd_hook(int argc, char **argv);
int lg_cmd_soak(int argc, char **argv);
int lg_cmd_watch(int argc, char **argv);

/* Prints "leakgate: error: MSG" to stderr and returns `code`. */
int lg_cli_fail(int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

#endif
