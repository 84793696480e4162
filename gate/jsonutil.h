/*
 * jsonutil.h — what the modules that read or write JSON with jansson share:
 * turning untrusted bytes into JSON strings, and error messages that name
 * the file and the JSON path of a problem ("'run.json':
 * packages[2].tests[0].elapsed: expected a number, found a string").
 */
#ifndef LG_JSONUTIL_H
#define LG_JSONUTIL_H

#include <stdarg.h>

#include <jansson.h>

#include "util.h"

/*
 * A new JSON string for `s`, or JSON null when `s` is NULL (unknown).  Go
 * strings and test output may hold any bytes; malformed UTF-8 becomes
 * U+FFFD because JSON cannot carry it.  Never NULL.
 */
json_t *lg_json_str(const char *s);

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

/*
 * Makes jansson allocate with lg_xmalloc, so that out of memory inside it is
 * util.h's one line and exit, not a NULL that reads as a parse error.
 * Called once, before any JSON is made.
 */
void lg_json_use_xalloc(void);

#endif
