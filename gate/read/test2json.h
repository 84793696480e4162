/*
 * test2json.h — decodes the framing a Go test binary prints under
 * -test.v=test2json into per-test results.
 *
 * Framing lines (=== RUN, === PAUSE, === CONT, === NAME, --- PASS/FAIL/SKIP,
 * final PASS/FAIL) start with byte 0x16; a line ends at '\n' or just before
 * a 0x16 that is not at line start.  Unmarked look-alikes are plain output
 * of the current test.  Each 4 spaces of indent on "---" is one subtest level.
 * Output is attributed to the test named by the last RUN/CONT/NAME.  Tests
 * that started and never reported are LG_TEST_UNFINISHED (the runner
 * synthesises their result after a timeout or crash).
 *
 * The decoder is incremental: feed it stdout in chunks of any size.  Output
 * kept per test is capped; output that belongs to no test (before the first
 * framing line or after the final PASS/FAIL) is kept, capped, as "stray".
 *
 * Go 1.27 also wraps error output in ^O ... ^N and escapes marker bytes in
 * logged text with ^[; the decoder removes these markers (a ^[ only escapes
 * when a marker byte follows, so colour codes stay) and prefers the location
 * of error output for `loc`.  A line cut short by framing gets a '\n' in the
 * stored output.
 */
#ifndef LG_TEST2JSON_H
#define LG_TEST2JSON_H

#include <stddef.h>

#include "model.h"
#include "util.h"

#define LG_T2J_MAX_TEST_OUTPUT (256 * 1024) /* per test, the tail is kept */
#define LG_T2J_MAX_STRAY (1024 * 1024)
#define LG_T2J_MAX_TESTS 100000
#define LG_T2J_MAX_LINE (1024 * 1024)       /* longer lines are split */
/*
 * Added with the implementation: the output of all tests together; past it
 * finished tests are cut to a short tail (passed first, failed last).
 */
#define LG_T2J_MAX_TOTAL_OUTPUT (64 * 1024 * 1024)
/* Longer test names are cut (at a UTF-8 boundary); NUL becomes '?'. */
#define LG_T2J_MAX_NAME 4096

struct lg_t2j;

struct lg_t2j *lg_test2json_new(void);
void lg_test2json_free(struct lg_t2j *t);

/* Feeds a chunk of the binary's stdout. */
void lg_test2json_feed(struct lg_t2j *t, const char *data, size_t len);
/* Flushes a final unterminated line. */
void lg_test2json_finish(struct lg_t2j *t);

/* 1 once the final "PASS" or "FAIL" line was seen. */
int lg_test2json_complete(const struct lg_t2j *t);
/* 1 once any framing line was seen (the binary speaks test2json). */
int lg_test2json_framed(const struct lg_t2j *t);

/*
 * Moves the results into `p` (appending to p->tests in the order tests
 * started, and setting p->stray_output).  Tests still running are
 * LG_TEST_UNFINISHED with the elapsed time unknown (0).  A test's `loc` is
 * the first "name_test.go:N:" reference in its output (file relative to the
 * package directory as Go prints it; the caller makes it module-relative).
 */
void lg_test2json_take(struct lg_t2j *t, struct lg_package *p);

/* Names of tests started and not finished, in start order (borrowed). */
/* (Added: the array and names stay valid until the next call on t.) */
size_t lg_test2json_running(const struct lg_t2j *t, const char ***names);

/*
 * The name of the test of the last "=== RUN" line, also when the test was
 * not recorded (past LG_T2J_MAX_TESTS); NULL before the first.  Borrowed,
 * valid until the next feed.
 */
const char *lg_test2json_last_run(const struct lg_t2j *t);

#endif
