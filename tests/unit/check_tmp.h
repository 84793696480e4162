/*
 * check_tmp.h — the unit-test runner for tests that need a scratch
 * directory.  mkdtemp needs POSIX 2008: define _GNU_SOURCE (or
 * _POSIX_C_SOURCE 200809L) before the first include of the test file.
 */
#ifndef LG_CHECK_TMP_H
#define LG_CHECK_TMP_H

#if !defined(_GNU_SOURCE) && !defined(_DEFAULT_SOURCE) && \
	!(defined(_POSIX_C_SOURCE) && _POSIX_C_SOURCE >= 200809L)
#error "check_tmp.h: define _GNU_SOURCE before the first include"
#endif

#include <stdio.h>
#include <stdlib.h>

#include "check.h"

/*
 * lg_check_main inside a fresh directory: `dir` (`size` bytes, which the
 * tests read) becomes "$TMPDIR/<prefix>-XXXXXX" (TMPDIR unset: /tmp) and is
 * removed with everything in it afterwards (read-only parts included).  Returns lg_check_main's status,
 * or 1 when the directory cannot be made.
 */
static inline int lg_check_main_tmp(const struct lg_check_case *cases, size_t n, const char *prefix,
				    char *dir, size_t size)
{
	const char *base = getenv("TMPDIR");
	char cmd[4200];
	int ret;

	snprintf(dir, size, "%s/%s-XXXXXX", base && *base ? base : "/tmp", prefix);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	ret = lg_check_main(cases, n);
	snprintf(cmd, sizeof(cmd), "chmod -R u+w '%s'; rm -rf '%s'", dir, dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return ret;
}

#define LG_CHECK_RUN_TMP(table, prefix, dir) \
	lg_check_main_tmp(table, sizeof(table) / sizeof(table[0]), prefix, dir, sizeof(dir))

#endif
