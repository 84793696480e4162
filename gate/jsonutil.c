/*
 * jsonutil.c — JSON strings from untrusted bytes, and the JSON readers'
 * error messages.
 */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "jsonutil.h"

json_t *lg_json_str(const char *s)
{
	struct lg_buf b = LG_BUF_INIT;
	json_t *j;

	if (!s)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	lg_escape_utf8(&b, s, strlen(s));
	j = json_stringn(b.buf, b.len);
	lg_buf_release(&b);
	return j ? j : json_string("");
}

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

void lg_json_use_xalloc(void)
{
	json_set_alloc_funcs(lg_xmalloc, free);
}
