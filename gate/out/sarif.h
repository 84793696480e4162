/*
 * sarif.h — the run's findings as SARIF 2.1.0, for GitHub code scanning and
 * other SARIF viewers.
 *
 * One rule per leak pattern and per verdict kind that occurs in the run
 * (ids from findings.h: "goroutine-leak/range-unclosed-chan", "deadlock",
 * ...), each with short and full descriptions and help; one result per
 * finding with a repository-relative artifactLocation.uri (percent-encoded,
 * base %SRCROOT%) and region.startLine when the line is known, and a
 * partialFingerprints entry that does not depend on line numbers.
 */
#ifndef LG_SARIF_H
#define LG_SARIF_H

#include "model.h"
#include "util.h"

struct lg_sarif_opts {
	const char *path_prefix; /* module root inside the repository, "" or "dir/" */
};

/* Appends the SARIF log (JSON, 2-space indent) to `out`; -1 only if jansson fails. */
int lg_sarif_render(const struct lg_run *run, const struct lg_sarif_opts *o, struct lg_buf *out,
		    struct lg_err *err);

#endif
