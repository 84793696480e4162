/*
 * json.h — the JSON run report (schema/run-report.schema.json).
 *
 * Written by `leakgate run --json FILE`, read back by later commands
 * (baselines, reports, merge).  The writer is deterministic: same run, same
 * bytes (apart from the timing fields).  The reader refuses reports whose
 * "schema_version" is newer than it knows and names the file and the problem
 * for anything malformed; it caps the file size, each string and the
 * nesting (lg_json_read_file).
 */
#ifndef LG_JSON_H
#define LG_JSON_H

#include "model.h"
#include "util.h"

#define LG_REPORT_SCHEMA_VERSION 1
#define LG_REPORT_MAX_BYTES ((size_t)512 << 20)
/*
 * Longest string a report may hold: above the 64 MiB of stderr the runner
 * keeps (runner.c), from which a check's detail is made.
 */
#define LG_REPORT_MAX_STRING ((size_t)128 << 20)

/* Renders `run` as the JSON report into `out` (appending); -1 with `err` if jansson fails. */
int lg_json_render_report(const struct lg_run *run, struct lg_buf *out, struct lg_err *err);

/* Writes `run` to `path` atomically (lg_write_file_atomic). */
int lg_json_write_report(const struct lg_run *run, const char *path, struct lg_err *err);

/* Reads a report into a freshly zeroed `run`. On error `run` is left empty. */
int lg_json_read_report(struct lg_run *run, const char *path, struct lg_err *err);

#endif
