/*
 * jsonread.c — error messages and type names for the JSON readers.
 */
#include "jsonread.h"

const char *lg_json_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "something else";
}

int lg_json_vfail(struct lg_err *err, const char *what, const char *file,
		  const struct lg_buf *path, const char *key, const char *fmt, va_list ap)
{
	struct lg_buf msg = LG_BUF_INIT;

	lg_buf_addf(&msg, "%s'%s': ", what, file);
	lg_buf_add(&msg, path->buf, path->len);
	if (key)
		lg_buf_addf(&msg, "%s%s", path->len ? "." : "", key);
	if (path->len || key)
		lg_buf_adds(&msg, ": ");
	lg_buf_vaddf(&msg, fmt, ap);
	lg_error(err, "%s", msg.buf);
	lg_buf_release(&msg);
	return -1;
}
