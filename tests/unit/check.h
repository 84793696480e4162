/*
 * check.h — the unit-test harness: a handful of CHECK macros and a runner.
 *
 * Each tests/unit/test_<module>.c defines test functions and a table, then
 * calls lg_check_main().  A failed CHECK prints file:line and the values, and
 * the test goes on so one run shows every failure.  The closing line is
 * "N passed, N failed" and the exit status is non-zero on any failure.
 */
#ifndef LG_CHECK_H
#define LG_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int lg_check_failures;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, \
				__LINE__, #cond);                          \
			lg_check_failures++;                               \
		}                                                          \
	} while (0)

#define CHECK_INT(a, b)                                                        \
	do {                                                                   \
		long long va_ = (long long)(a), vb_ = (long long)(b);         \
		if (va_ != vb_) {                                              \
			fprintf(stderr, "%s:%d: %s == %lld, want %lld\n", __FILE__, \
				__LINE__, #a, va_, vb_);                       \
			lg_check_failures++;                                   \
		}                                                              \
	} while (0)

#define CHECK_STR(a, b)                                                         \
	do {                                                                    \
		const char *sa_ = (a), *sb_ = (b);                              \
		if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0) {                    \
			fprintf(stderr, "%s:%d: %s == \"%s\", want \"%s\"\n",   \
				__FILE__, __LINE__, #a, sa_ ? sa_ : "(null)",  \
				sb_ ? sb_ : "(null)");                          \
			lg_check_failures++;                                    \
		}                                                               \
	} while (0)

struct lg_check_case {
	const char *name;
	void (*fn)(void);
};

static inline int lg_check_main(const struct lg_check_case *cases, size_t n)
{
	size_t i, passed = 0, failed = 0;

	for (i = 0; i < n; i++) {
		int before = lg_check_failures;

		cases[i].fn();
		if (lg_check_failures == before) {
			passed++;
		} else {
			failed++;
			fprintf(stderr, "FAIL %s\n", cases[i].name);
		}
	}
	printf("%zu passed, %zu failed\n", passed, failed);
	return failed ? 1 : 0;
}

#define LG_CHECK_RUN(table) lg_check_main(table, sizeof(table) / sizeof(table[0]))

#endif
