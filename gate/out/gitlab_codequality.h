/*
 * gitlab_codequality.h — the run's findings as a GitLab code quality report
 * (artifacts:reports:codequality): a JSON array of issues, each with
 * description, check_name, fingerprint, severity and location.path /
 * location.lines.begin.
 *
 * GitLab compares reports of the source and target branch by fingerprint,
 * so a fingerprint depends on the package, the kind of finding and its
 * signature (leak group signature, test name), never on line numbers: a
 * leak that moves stays the same issue.  Two findings that would share a
 * fingerprint get distinct ones deterministically (ordinal suffix).
 */
#ifndef LG_GITLAB_CODEQUALITY_H
#define LG_GITLAB_CODEQUALITY_H

#include "model.h"
#include "util.h"

struct lg_gitlab_codequality_opts {
	const char *path_prefix; /* module root inside the repository, "" or "dir/" */
};

/* Appends the report (a JSON array) to `out`; -1 only if jansson fails. */
int lg_gitlab_codequality_render(const struct lg_run *run, const struct lg_gitlab_codequality_opts *o,
			  struct lg_buf *out, struct lg_err *err);

/* The fingerprint of (package, kind, signature) with the n-th duplicate ordinal: 32 hex digits. */
void lg_gitlab_codequality_fingerprint(const char *pkg, const char *kind, const char *signature,
				unsigned ordinal, char out[33]);

#endif
