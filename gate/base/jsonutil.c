/*
 * jsonutil.c — JSON strings from untrusted bytes, the one capped JSON
 * reader, and the JSON readers' error messages.
 *
 * The reader lets jansson parse (it rejects duplicates, bad UTF-8, NUL in
 * strings and nesting past its own 2048 levels, which bounds the walk
 * below), then walks the tree once for the string and depth caps, keeping
 * the way down in an array so that only a failure formats a JSON path.
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

/* The cap walk: the caps and the way down (key or index per level). */
struct walk {
	size_t max_string;
	int max_depth;
	const char **key; /* per level: the key, or NULL for an array index */
	size_t *index;
	int fail_depth;   /* levels of the way down to the failure */
};

/* The JSON path of the failure, e.g. "packages[2].tests[0].output". */
static void walk_path(const struct walk *w, struct lg_buf *out)
{
	int i;

	for (i = 0; i < w->fail_depth; i++) {
		if (w->key[i])
			lg_buf_addf(out, "%s%s", out->len ? "." : "", w->key[i]);
		else
			lg_buf_addf(out, "[%zu]", w->index[i]);
	}
}

/*
 * Checks `j`, found `depth` levels down, and everything under it: 0, or
 * -1 with w->fail_depth set and *why the reason ("string", "key", "depth").
 */
static int walk(struct walk *w, const json_t *j, int depth, const char **why)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_string(j)) {
		if (json_string_length(j) <= w->max_string)
			return 0;
		*why = "string";
		w->fail_depth = depth;
		return -1;
	}
	if (!json_is_object(j) && !json_is_array(j))
		return 0;
	if (depth >= w->max_depth) {
		*why = "depth";
		w->fail_depth = depth;
		return -1;
	}
	if (json_is_array(j)) {
		json_array_foreach(j, i, v) {
			w->key[depth] = NULL;
			w->index[depth] = i;
			if (walk(w, v, depth + 1, why))
				return -1;
		}
		return 0;
	}
	json_object_foreach((json_t *)j, key, v) {
		w->key[depth] = key;
		if (strlen(key) > w->max_string) {
			*why = "key";
			w->fail_depth = depth; /* the object holding it */
			return -1;
		}
		if (walk(w, v, depth + 1, why))
			return -1;
	}
	return 0;
}

/* Fills `err` for a cap the tree breaks; returns -1. */
static int cap_fail(struct walk *w, const char *why, const char *what, const char *name,
		    struct lg_err *err)
{
	struct lg_buf path = LG_BUF_INIT;

	walk_path(w, &path);
	if (!strcmp(why, "string"))
		lg_error(err, "%s'%s': %s%sa string longer than the %zu bytes allowed", what, name,
			 path.buf ? path.buf : "", path.len ? ": " : "", w->max_string);
	else if (!strcmp(why, "key"))
		lg_error(err, "%s'%s': %s%sa key longer than the %zu bytes allowed", what, name,
			 path.buf ? path.buf : "", path.len ? ": " : "", w->max_string);
	else
		lg_error(err, "%s'%s': %s%snested deeper than the %d levels allowed", what, name,
			 path.buf ? path.buf : "", path.len ? ": " : "", w->max_depth);
	lg_buf_release(&path);
	return -1;
}

json_t *lg_json_load(const char *text, size_t len, const char *what, const char *name,
		     const struct lg_json_caps *caps, struct lg_err *err)
{
	size_t max_bytes = caps && caps->max_bytes ? caps->max_bytes : LG_JSON_MAX_BYTES;
	struct walk w;
	json_error_t je;
	json_t *root;
	const char *why = NULL;
	int bad;

	if (len > max_bytes) {
		lg_error(err, "%s'%s': %zu bytes, more than the %zu allowed", what, name, len,
			 max_bytes);
		return NULL;
	}
	if (!len) {
		lg_error(err, "%s'%s':1:0: empty file (truncated?)", what, name);
		return NULL;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		lg_error(err, "%s'%s':%d:%d: %s", what, name, je.line, je.column, je.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		lg_error(err, "%s'%s': expected a JSON object at the top level, found %s", what, name,
			 lg_json_type_name(root));
		json_decref(root);
		return NULL;
	}
	memset(&w, 0, sizeof(w));
	w.max_string = caps && caps->max_string ? caps->max_string : LG_JSON_MAX_STRING;
	w.max_depth = caps && caps->max_depth > 0 ? caps->max_depth : LG_JSON_MAX_DEPTH;
	w.key = lg_xcalloc((size_t)w.max_depth + 1, sizeof(*w.key));
	w.index = lg_xcalloc((size_t)w.max_depth + 1, sizeof(*w.index));
	bad = walk(&w, root, 0, &why);
	if (bad)
		cap_fail(&w, why, what, name, err);
	free(w.key);
	free(w.index);
	if (bad) {
		json_decref(root);
		return NULL;
	}
	return root;
}

json_t *lg_json_read_file(const char *path, const char *what, const struct lg_json_caps *caps,
			  struct lg_err *err)
{
	size_t max_bytes = caps && caps->max_bytes ? caps->max_bytes : LG_JSON_MAX_BYTES;
	struct lg_buf text = LG_BUF_INIT;
	json_t *root = NULL;

	if (lg_read_file(path, max_bytes, &text, err) == 0)
		root = lg_json_load(text.buf ? text.buf : "", text.len, what, path, caps, err);
	lg_buf_release(&text);
	return root;
}
