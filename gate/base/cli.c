/*
 * cli.c — what the command files share beyond their own flags (cli.h):
 * the one way an error reaches the user.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

int lg_cli_fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("leakgate: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}
