/*
 * findings.h — the problems of a run as one flat list, the shape every
 * "problem" output wants (GitHub annotations, SARIF, GitLab code quality,
 * the Markdown summary): one entry per leak group, per failed gate check
 * (other than the leak check, which the groups stand for), per failed Go
 * test, and a warning per package whose leak checks were skipped.
 *
 * Rule ids are stable across runs and versions: "goroutine-leak/<pattern>",
 * "deadlock", "hang", "crash", "build", "heap-growth", "test-failure",
 * "leak-check-skipped".  Locations stay module-relative; lg_finding_path
 * makes them repository-relative.
 */
#ifndef LG_FINDINGS_H
#define LG_FINDINGS_H

#include "model.h"
#include "util.h"

enum lg_finding_level { LG_LEVEL_ERROR, LG_LEVEL_WARNING };

struct lg_finding {
	const struct lg_package *pkg;
	enum lg_finding_level level;
	char *rule;        /* stable id, see above */
	char *rule_title;  /* "goroutine leak: range over a channel that is never closed" */
	char *rule_help;   /* what the rule means and how to fix it */
	char *title;       /* one line: "goroutine leak in TestSum" */
	char *message;     /* one paragraph, may hold newlines */
	char *identity;    /* what stays the same across runs: signature, test name */
	const struct lg_location *loc; /* points into the run; file may be NULL */
	const char *test;  /* Go test involved, or NULL */
	const char *body;  /* raw output (test output, check detail), or NULL */
	int severity;      /* 1 (minor) .. 4 (blocker), for GitLab */
};

struct lg_findings {
	struct lg_finding *v;
	size_t n, alloc;
};

/* Collects the findings of `run` in package order (the run must outlive them). */
void lg_findings_collect(const struct lg_run *run, struct lg_findings *out);
void lg_findings_release(struct lg_findings *f);

/*
 * The repository-relative path of a finding's file: `prefix` (the module
 * root's path inside the repository, "" or ending in '/') + the module-
 * relative file.  Files outside the module (absolute paths) and unknown
 * files give the package directory instead; *exact is set to 1 only when
 * the path names the finding's own file.  Appends to `out`.
 */
void lg_finding_path(const struct lg_finding *f, const char *prefix, struct lg_buf *out,
		     int *exact);

/*
 * The module root's path inside the repository checked out at $GITHUB_WORKSPACE
 * or $CI_PROJECT_DIR ("" when it is the root or the variables are unset or
 * do not contain it; else "sub/dir/").  Returns a new string.
 */
char *lg_findings_repo_prefix(const struct lg_run *run);

#endif
