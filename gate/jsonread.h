/*
 * jsonread.h — what every reader of untrusted JSON (run reports, baselines)
 * shares: error messages that name the file and the JSON path of the
 * problem ("'run.json': packages[2].tests[0].elapsed: expected a number,
 * found a string"), and the names of JSON types in those messages.
 */
#ifndef LG_JSONREAD_H
#define LG_JSONREAD_H

#include <stdarg.h>

#include <jansson.h>

#include "util.h"

/* "an object", "a string", ... for messages. */
const char *lg_json_type_name(const json_t *j);

/*
 * Fills `err` with "<what>'<file>': <path>.<key>: <message>" (the path and
 * key parts only when non-empty; `what` may be "" or e.g. "baseline ") and
 * returns -1.
 */
int lg_json_vfail(struct lg_err *err, const char *what, const char *file,
		  const struct lg_buf *path, const char *key, const char *fmt, va_list ap)
	LG_PRINTF(6, 0);

#endif
