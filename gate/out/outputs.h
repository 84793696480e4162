/*
 * outputs.h — the report formats a command can write, named on the command
 * line as KIND=FILE (`--format sarif=leakgate.sarif`, `-` for stdout):
 *
 *   junit               JUnit XML (junit.h)
 *   json                the JSON run report (json.h)
 *   markdown            step summary for $GITHUB_STEP_SUMMARY (markdown.h)
 *   github              GitHub workflow-command annotations (github.h)
 *   sarif               SARIF 2.1.0 (sarif.h)
 *   gitlab-codequality  GitLab code quality JSON (gitlab_codequality.h)
 *   html                the self-contained HTML report (html.h)
 *
 * The list is one table (outputs.c: kind, renderer, append or replace):
 * --format parsing and its messages, file writing and the kind lists of
 * doc/leakgate-{run,report,merge}.txt (checked by test_outputs) follow it.
 * `leakgate run`, `report` and `merge` share it, so every format can be
 * written live or re-rendered from a saved run.  Files are replaced
 * atomically except `markdown`, which is appended to when the file exists:
 * $GITHUB_STEP_SUMMARY is shared by all steps of a job, and a step must add
 * to it, not replace it.
 */
#ifndef LG_OUTPUTS_H
#define LG_OUTPUTS_H

#include <stdio.h>

#include "model.h"
#include "util.h"

enum lg_output_kind {
	LG_OUT_JUNIT,
	LG_OUT_JSON,
	LG_OUT_MARKDOWN,
	LG_OUT_GITHUB,
	LG_OUT_SARIF,
	LG_OUT_CODEQUALITY,
	LG_OUT_HTML,
	LG_OUT_KIND_COUNT
};

struct lg_output {
	enum lg_output_kind kind;
	char *path; /* "-" = the caller's stream */
};

struct lg_outputs {
	struct lg_output *v;
	size_t n, alloc;
};

struct lg_output_opts {
	int file_line;           /* JUnit file/line attributes */
	const char *path_prefix; /* module root in the repository; NULL: from the CI environment */
	FILE *stream;            /* where "-" goes (the command passes stdout) */
};

/*
 * One report format: its --format kind, how it renders (appending to
 * `out`; `prefix` is the module root's path in the repository, for
 * locations), and whether a file is appended to instead of replaced.
 */
struct lg_output_format {
	const char *kind;
	int (*render)(const struct lg_run *run, const struct lg_output_opts *opts,
		      const char *prefix, struct lg_buf *out, struct lg_err *err);
	int append;
};

/* The format table, indexed by enum lg_output_kind; *n gets LG_OUT_KIND_COUNT. */
const struct lg_output_format *lg_output_formats(size_t *n);

/* "junit", "gitlab-codequality", ...; "unknown" out of range. */
const char *lg_output_kind_name(enum lg_output_kind k);

/* Adds "KIND=FILE".  -1 with `err` for an unknown kind or an empty file. */
int lg_outputs_parse(struct lg_outputs *o, const char *spec, struct lg_err *err);
void lg_outputs_add(struct lg_outputs *o, enum lg_output_kind kind, const char *path);
void lg_outputs_release(struct lg_outputs *o);

/* The path of the first output of `kind`, or NULL. */
const char *lg_outputs_find(const struct lg_outputs *o, enum lg_output_kind kind);

/*
 * Renders `kind` into `out` (appending).  Returns -1 with `err` only when
 * an encoder fails.
 */
int lg_output_render(enum lg_output_kind kind, const struct lg_run *run,
		     const struct lg_output_opts *opts, struct lg_buf *out, struct lg_err *err);

/*
 * Writes every output in order: "-" to opts->stream, an appending format
 * appended to its file, any other replaced atomically (lg_write_file_atomic).
 * Stops at the first failure (-1 with `err` naming the file).
 */
int lg_outputs_write(const struct lg_outputs *o, const struct lg_run *run,
		     const struct lg_output_opts *opts, struct lg_err *err);

#endif
