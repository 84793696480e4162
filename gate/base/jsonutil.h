/*
 * jsonutil.h — what the modules that read or write JSON with jansson share:
 * turning untrusted bytes into JSON strings, the one capped JSON reader
 * (lg_json_load, lg_json_read_file: every JSON document leakgate reads
 * whole — reports, baselines, the config, the hook manifest, the TestMain
 * rewriter's answer — goes through it, each with its own caps), and error
 * messages that name the file and the JSON path of a problem ("'run.json':
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

/*
 * Caps of the JSON reader.  A field left 0 takes the default below.
 * Strings are counted in bytes, keys included; depth counts arrays and
 * objects, the top-level object being 1.
 */
struct lg_json_caps {
	size_t max_bytes;
	size_t max_string;
	int max_depth;
};

#define LG_JSON_MAX_BYTES ((size_t)1 << 20)
#define LG_JSON_MAX_STRING ((size_t)64 << 10)
#define LG_JSON_MAX_DEPTH 32

/*
 * Parses `len` bytes of `text` as one JSON object, strictly: jansson with
 * JSON_REJECT_DUPLICATES (and its defaults: valid UTF-8 only, no NUL in
 * strings, nothing after the object), then the caps of `caps` (NULL: the
 * defaults), checked over the whole tree.  Returns the object (the caller
 * owns it), or NULL with `err`: "<what>'<name>':LINE:COLUMN: <jansson's
 * reason>" for a syntax error, a duplicate key, bad UTF-8 or a truncated
 * text; "<what>'<name>': <JSON path>: ..." for a cap; "... empty file
 * (truncated?)", "... N bytes, more than the M allowed" and "... expected a
 * JSON object at the top level, found X" otherwise.  `what` is "" or a
 * prefix such as "baseline ".
 */
json_t *lg_json_load(const char *text, size_t len, const char *what, const char *name,
		     const struct lg_json_caps *caps, struct lg_err *err);

/*
 * Reads the file `path` with lg_read_file (capped at caps->max_bytes) and
 * parses it with lg_json_load, naming it `path`.  Returns the object, or
 * NULL with `err` (lg_read_file's message when the file cannot be read or
 * is over the cap).
 */
json_t *lg_json_read_file(const char *path, const char *what, const struct lg_json_caps *caps,
			  struct lg_err *err);

#endif
