/*
 * junit.h — writes a run as JUnit XML (the only user of libxml2).
 *
 * One <testsuite> per package under a <testsuites> root; one <testcase> per
 * Go test and subtest; each gate check (build, goroutine-leaks, heap-growth,
 * deadlock, hang, crash) is a testcase of its own named "leakgate:<kind>".
 * classname is the package import path.  Failed leak/heap checks and failed
 * tests are <failure>; build failures, crashes, deadlocks, hangs and
 * unfinished tests are <error>; skipped tests and skipped checks <skipped>.
 * Bodies carry the test output or the grouped stacks.  Counts add up,
 * classname+name pairs are unique (duplicates get " #2"), characters illegal
 * in XML 1.0 and invalid UTF-8 become U+FFFD, times are never negative.
 *
 * With `file_line` set, testcases carry file= and line= (the extension GitLab
 * and the GitHub JUnit actions read; schema/junit.xsd documents it); without
 * it the output validates against the plain Jenkins junit-10 schema.
 */
#ifndef LG_JUNIT_H
#define LG_JUNIT_H

#include "model.h"
#include "util.h"

#define LG_JUNIT_MAX_BODY (1024 * 1024) /* per failure body; the tail is cut, marked */

struct lg_junit_opts {
	int file_line; /* emit file/line attributes (default on in the CLI) */
	const char *hostname; /* may be NULL */
};

/*
 * Renders the report into `out` (appending).  Returns 0, or -1 with `err`
 * when libxml2 fails (out of memory inside libxml2).
 */
int lg_junit_render(const struct lg_run *run, const struct lg_junit_opts *opts,
		    struct lg_buf *out, struct lg_err *err);

/* Writes the report to `path` with lg_write_file_atomic (util.h). */
int lg_junit_write(const struct lg_run *run, const struct lg_junit_opts *opts,
		   const char *path, struct lg_err *err);

/*
 * Makes libxml2 allocate with the x*alloc helpers (util.h: out of memory is
 * one line and an exit).  Called once, before libxml2 is used.
 */
void lg_junit_use_xalloc(void);

/*
 * Validates the XML file at `xml_path` against the XSD at `xsd_path` with
 * libxml2.  Returns 0 when valid, -1 with the first problems in `err`.
 */
int lg_junit_validate(const char *xml_path, const char *xsd_path, struct lg_err *err);

#endif
