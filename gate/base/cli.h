/*
 * cli.h — how leakgate ends: the exit codes and the one error line.
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

/* Prints "leakgate: error: MSG" to stderr and returns `code`. */
int lg_cli_fail(int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

#endif
