/*
 * baseline.c — the baseline store: file names from import paths, the
 * deterministic JSON text (jansson), a strict reader for untrusted files,
 * and crash-safe locked writes.  Comparing runs with baselines lives in
 * baseline_cmp.c; both implement baseline.h.
 *
 * Crash safety is the point of the write path: util's atomic writer
 * (lg_write_file_atomic: temporary file beside the target, fsync, rename,
 * fsync of the directory).  A writer killed at any moment leaves the old
 * file intact plus, at worst, a stale ".<name>.tmp.*" file, which the next
 * writer removes once it holds the directory lock.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "jsonutil.h"
#include "baseline.h"

#ifndef LG_VERSION
#define LG_VERSION "0.0.0"
#endif

#define DUMP_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))
#define TMP_MARK ".tmp."

void lg_baseline_init(struct lg_baseline *b)
{
	memset(b, 0, sizeof(*b));
	b->schema_version = LG_BASELINE_SCHEMA_VERSION;
	b->goroutines = -1;
}

static void leak_release(struct lg_baseline_leak *e)
{
	free(e->signature);
	free(e->wait_reason);
	free(e->creator_func);
	free(e->example);
	free(e->pattern);
	free(e->reason);
	free(e->owner);
	free(e->expires);
}

void lg_baseline_release(struct lg_baseline *b)
{
	size_t i;

	for (i = 0; i < b->nleaks; i++)
		leak_release(&b->leaks[i]);
	free(b->leaks);
	free(b->tool_version);
	free(b->go_version);
	free(b->package);
	lg_baseline_init(b);
}

/* --- file names ----------------------------------------------------------- */

static int plain_byte(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '_' || c == '+' || c == '-';
}

/* Refuses what could name something other than one file in the directory. */
static int check_import_path(const char *s, struct lg_err *err)
{
	const char *el = s, *p;

	if (!*s)
		return lg_error(err, "empty import path has no baseline file");
	if (*s == '/')
		return lg_error(err, "import path '%.200s' is absolute", s);
	for (p = s;; p++) {
		if (*p == '\\')
			return lg_error(err, "import path '%.200s' holds a backslash", s);
		if (*p && (unsigned char)*p < 0x20)
			return lg_error(err, "import path holds control byte 0x%02x", (unsigned char)*p);
		if (*p && *p != '/')
			continue;
		if (p == el || (p - el == 1 && el[0] == '.') ||
		    (p - el == 2 && el[0] == '.' && el[1] == '.'))
			return lg_error(err, "import path '%.200s' has an empty, '.' or '..' element", s);
		if (!*p)
			return 0;
		el = p + 1;
	}
}

char *lg_baseline_file_name(const char *import_path, struct lg_err *err)
{
	struct lg_buf b = LG_BUF_INIT;
	const unsigned char *p;

	if (check_import_path(import_path, err))
		return NULL;
	for (p = (const unsigned char *)import_path; *p; p++) {
		if (*p == '/')
			lg_buf_addch(&b, '~');
		else if (plain_byte(*p) && !(p == (const unsigned char *)import_path && *p == '.'))
			lg_buf_addch(&b, *p);
		else
			lg_buf_addf(&b, "%%%02X", *p);
	}
	lg_buf_adds(&b, ".json");
	if (b.len > LG_BASELINE_MAX_NAME) {
		lg_error(err, "import path '%.200s...' is too long for a baseline file name", import_path);
		lg_buf_release(&b);
		return NULL;
	}
	return lg_buf_detach(&b, NULL);
}

/* --- writing the text ----------------------------------------------------- */

/* The user-editable fields are always present so reviewers see the slots. */
static json_t *jeditable(const char *s)
{
	return json_string(s ? s : "");
}

static void set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v);
}

static json_t *jleak(const struct lg_baseline_leak *e)
{
	json_t *o = json_object();

	set(o, "signature", lg_json_str(e->signature));
	set(o, "count", json_integer(e->count));
	set(o, "wait_reason", lg_json_str(e->wait_reason));
	set(o, "creator_func", lg_json_str(e->creator_func));
	set(o, "example", lg_json_str(e->example));
	set(o, "pattern", lg_json_str(e->pattern));
	set(o, "reason", jeditable(e->reason));
	set(o, "owner", jeditable(e->owner));
	set(o, "expires", jeditable(e->expires));
	return o;
}

static json_t *jheap(const struct lg_baseline *b)
{
	json_t *o;

	if (b->heap_runs <= 0)
		return json_null();
	o = json_object();
	set(o, "runs", json_integer(b->heap_runs));
	set(o, "min", json_integer(b->heap_min));
	set(o, "median", json_integer(b->heap_median));
	set(o, "max", json_integer(b->heap_max));
	return o;
}

char *lg_baseline_format(const struct lg_baseline *b)
{
	json_t *o = json_object(), *a = json_array();
	double secs = isfinite(b->test_seconds) && b->test_seconds > 0 && b->test_seconds < 1e9
			      ? b->test_seconds : 0;
	char *text, *out;
	size_t i;

	set(o, "schema_version", json_integer(LG_BASELINE_SCHEMA_VERSION));
	set(o, "tool", json_string("leakgate"));
	set(o, "tool_version", lg_json_str(b->tool_version ? b->tool_version : LG_VERSION));
	set(o, "go_version", lg_json_str(b->go_version));
	set(o, "package", lg_json_str(b->package));
	for (i = 0; i < b->nleaks; i++)
		json_array_append_new(a, jleak(&b->leaks[i]));
	set(o, "leaks", a);
	set(o, "heap_growth", jheap(b));
	set(o, "goroutines_after_settle",
	    b->goroutines >= 0 ? json_integer(b->goroutines) : json_null());
	/* Hundredths: finer digits would only be noise in a review diff. */
	set(o, "test_seconds", json_real((double)(long long)(secs * 100 + 0.5) / 100));
	text = json_dumps(o, DUMP_FLAGS);
	json_decref(o);
	if (!text) /* jansson fails only on memory exhaustion here */
		abort();
	out = lg_xasprintf("%s\n", text);
	free(text);
	return out;
}

/* --- reading -------------------------------------------------------------- */

struct reader {
	const char *name;
	struct lg_buf path; /* JSON path of the current object: "leaks[3]" */
	struct lg_err *err;
};

static int fail(struct reader *rd, const char *key, const char *fmt, ...) LG_PRINTF(3, 4);
static int fail(struct reader *rd, const char *key, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = lg_json_vfail(rd->err, "baseline ", rd->name, &rd->path, key, fmt, ap);
	va_end(ap);
	return ret;
}

/* Every key of `o` must be in `known` (NULL-terminated): typos are errors. */
static int only_keys(struct reader *rd, json_t *o, const char *const *known)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(o, key, v) {
		for (i = 0; known[i] && strcmp(known[i], key); i++)
			;
		if (!known[i])
			return fail(rd, NULL, "unknown key \"%.64s\"", key);
	}
	return 0;
}

/* A string member; null, "" and absence give NULL unless `required`. */
static int get_str(struct reader *rd, json_t *o, const char *key, int required, char **out)
{
	json_t *j = json_object_get(o, key);

	if (!j || json_is_null(j) || (json_is_string(j) && !json_string_length(j))) {
		if (required)
			return fail(rd, key, j ? "must not be empty" : "missing");
		return 0;
	}
	if (!json_is_string(j))
		return fail(rd, key, "expected a string, found %s", lg_json_type_name(j));
	/* lg_json_load capped its length at LG_BASELINE_MAX_STRING; jansson refuses NUL */
	*out = lg_xstrdup(json_string_value(j));
	return 0;
}

static int get_int(struct reader *rd, json_t *o, const char *key, int required,
		   long long min, long long max, long long *out)
{
	json_t *j = json_object_get(o, key);

	if (!j || json_is_null(j))
		return required ? fail(rd, key, "missing") : 0;
	if (!json_is_integer(j))
		return fail(rd, key, "expected an integer, found %s", lg_json_type_name(j));
	*out = json_integer_value(j);
	if (*out < min || *out > max)
		return fail(rd, key, "%lld is out of range [%lld, %lld]", *out, min, max);
	return 0;
}

/* "YYYY-MM-DD" with a plausible month and day: compared as a string later. */
static int valid_date(const char *s)
{
	int y, m, d, n = 0;

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
		return 0;
	return isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[5]) &&
	       isdigit((unsigned char)s[8]) && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

static int read_leak(struct reader *rd, json_t *o, struct lg_baseline_leak *e)
{
	static const char *const keys[] = { "signature", "count", "wait_reason", "creator_func",
					    "example", "pattern", "reason", "owner", "expires", NULL };
	long long count = 0;

	if (!json_is_object(o))
		return fail(rd, NULL, "expected an object, found %s", lg_json_type_name(o));
	if (only_keys(rd, o, keys) || get_str(rd, o, "signature", 1, &e->signature) ||
	    get_int(rd, o, "count", 1, 1, INT_MAX, &count) ||
	    get_str(rd, o, "wait_reason", 0, &e->wait_reason) ||
	    get_str(rd, o, "creator_func", 0, &e->creator_func) ||
	    get_str(rd, o, "example", 0, &e->example) || get_str(rd, o, "pattern", 0, &e->pattern) ||
	    get_str(rd, o, "reason", 0, &e->reason) || get_str(rd, o, "owner", 0, &e->owner) ||
	    get_str(rd, o, "expires", 0, &e->expires))
		return -1;
	e->count = (int)count;
	if (e->expires && !valid_date(e->expires))
		return fail(rd, "expires", "\"%.32s\" is not a date of the form YYYY-MM-DD",
			    e->expires);
	return 0;
}

static int cmp_leak(const void *a, const void *b)
{
	return strcmp(((const struct lg_baseline_leak *)a)->signature,
		      ((const struct lg_baseline_leak *)b)->signature);
}

static int read_leaks(struct reader *rd, json_t *root, struct lg_baseline *b)
{
	json_t *a = json_object_get(root, "leaks"), *el;
	size_t i, mark;

	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return fail(rd, "leaks", "expected an array, found %s", lg_json_type_name(a));
	if (json_array_size(a) > LG_BASELINE_MAX_LEAKS)
		return fail(rd, "leaks", "%zu entries, more than the %d allowed", json_array_size(a),
			    LG_BASELINE_MAX_LEAKS);
	b->leaks = lg_xcalloc(json_array_size(a) + 1, sizeof(*b->leaks));
	json_array_foreach(a, i, el) {
		int rc;

		mark = rd->path.len;
		lg_buf_addf(&rd->path, "leaks[%zu]", i);
		b->nleaks++;
		rc = read_leak(rd, el, &b->leaks[i]);
		rd->path.len = mark;
		rd->path.buf[mark] = '\0';
		if (rc)
			return -1;
	}
	qsort(b->leaks, b->nleaks, sizeof(*b->leaks), cmp_leak);
	for (i = 1; i < b->nleaks; i++)
		if (!strcmp(b->leaks[i - 1].signature, b->leaks[i].signature))
			return fail(rd, "leaks", "signature %.64s is listed twice",
				    b->leaks[i].signature);
	return 0;
}

static int read_heap(struct reader *rd, json_t *root, struct lg_baseline *b)
{
	static const char *const keys[] = { "runs", "min", "median", "max", NULL };
	json_t *o = json_object_get(root, "heap_growth");
	long long runs = 0, mn = 0, med = 0, mx = 0;
	int ret;

	if (!o || json_is_null(o))
		return 0;
	if (!json_is_object(o))
		return fail(rd, "heap_growth", "expected an object, found %s", lg_json_type_name(o));
	lg_buf_adds(&rd->path, "heap_growth");
	ret = only_keys(rd, o, keys) || get_int(rd, o, "runs", 1, 1, 1000000, &runs) ||
	      get_int(rd, o, "min", 1, LLONG_MIN, LLONG_MAX, &mn) ||
	      get_int(rd, o, "median", 1, LLONG_MIN, LLONG_MAX, &med) ||
	      get_int(rd, o, "max", 1, LLONG_MIN, LLONG_MAX, &mx);
	if (!ret && !(mn <= med && med <= mx))
		ret = fail(rd, NULL, "expected min <= median <= max");
	lg_buf_reset(&rd->path);
	if (ret)
		return -1;
	b->heap_runs = (int)runs;
	b->heap_min = mn;
	b->heap_median = med;
	b->heap_max = mx;
	return 0;
}

/* What the file claims to be is checked before anything else is trusted. */
static int read_header(struct reader *rd, json_t *root, struct lg_baseline *b)
{
	json_t *j = json_object_get(root, "schema_version");

	if (!j)
		return fail(rd, "schema_version", "missing");
	if (!json_is_integer(j))
		return fail(rd, "schema_version", "expected an integer, found %s", lg_json_type_name(j));
	if (json_integer_value(j) > LG_BASELINE_SCHEMA_VERSION)
		return lg_error(rd->err, "baseline '%s': written by a newer leakgate (schema %lld, "
				"this one reads up to %d); update leakgate or re-record it",
				rd->name, (long long)json_integer_value(j),
				LG_BASELINE_SCHEMA_VERSION);
	if (json_integer_value(j) < 1)
		return fail(rd, "schema_version", "%lld is not a valid schema version",
			    (long long)json_integer_value(j));
	b->schema_version = (int)json_integer_value(j);
	j = json_object_get(root, "tool");
	if (!j || !json_is_string(j) || strcmp(json_string_value(j), "leakgate"))
		return fail(rd, "tool", "expected \"leakgate\": not a leakgate baseline");
	return 0;
}

static int read_baseline(struct reader *rd, json_t *root, struct lg_baseline *b)
{
	static const char *const keys[] = { "schema_version", "tool", "tool_version", "go_version",
					    "package", "leaks", "heap_growth",
					    "goroutines_after_settle", "test_seconds", NULL };
	long long gor = -1;
	json_t *secs;

	if (read_header(rd, root, b) || only_keys(rd, root, keys) ||
	    get_str(rd, root, "tool_version", 0, &b->tool_version) ||
	    get_str(rd, root, "go_version", 0, &b->go_version) ||
	    get_str(rd, root, "package", 1, &b->package) || read_leaks(rd, root, b) ||
	    read_heap(rd, root, b) ||
	    get_int(rd, root, "goroutines_after_settle", 0, 0, LLONG_MAX, &gor))
		return -1;
	b->goroutines = gor;
	secs = json_object_get(root, "test_seconds");
	if (secs && !json_is_null(secs)) {
		if (!json_is_number(secs) || !isfinite(json_number_value(secs)) ||
		    json_number_value(secs) < 0)
			return fail(rd, "test_seconds", "expected a non-negative number");
		b->test_seconds = json_number_value(secs);
	}
	return 0;
}

int lg_baseline_parse(struct lg_baseline *b, const char *text, size_t len, const char *name,
		      struct lg_err *err)
{
	static const struct lg_json_caps caps = { LG_BASELINE_MAX_BYTES, LG_BASELINE_MAX_STRING, 8 };
	struct reader rd = { name, LG_BUF_INIT, err };
	json_t *root;
	int ret;

	root = lg_json_load(text, len, "baseline ", name, &caps, err);
	if (!root) {
		ret = -1;
		goto out;
	}
	ret = read_baseline(&rd, root, b);
out:
	if (ret)
		lg_baseline_release(b);
	json_decref(root);
	lg_buf_release(&rd.path);
	return ret;
}

int lg_baseline_load(struct lg_baseline *b, const char *path, struct lg_err *err)
{
	struct lg_buf text = LG_BUF_INIT;
	struct stat st;
	int ret;

	if (stat(path, &st) < 0 && errno == ENOENT)
		return 1;
	ret = lg_read_file(path, LG_BASELINE_MAX_BYTES, &text, err);
	if (!ret)
		ret = lg_baseline_parse(b, text.buf, text.len, path, err);
	lg_buf_release(&text);
	return ret ? -1 : 0;
}

/* --- locked, atomic writes ------------------------------------------------ */

/* Interrupted writers' temporary files; only called with the lock held. */
static void remove_stale_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' || !strstr(de->d_name, ".json" TMP_MARK))
			continue;
		unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

int lg_baseline_lock(const char *dir, struct lg_err *err)
{
	char *path = NULL;
	int fd = -1;

	if (lg_mkdir_p(dir, 0755, err))
		goto out;
	path = lg_xasprintf("%s/%s", dir, LG_BASELINE_LOCK);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		lg_error(err, "cannot open the lock file '%s': %s", path, strerror(errno));
		goto out;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		lg_error(err, "cannot lock '%s': %s", path, strerror(errno));
		close(fd);
		fd = -1;
		goto out;
	}
	remove_stale_temps(dir);
out:
	free(path);
	return fd;
}

void lg_baseline_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

int lg_baseline_write(const struct lg_baseline *b, const char *dir, struct lg_err *err)
{
	char *name = b->package ? lg_baseline_file_name(b->package, err) : NULL;
	char *text = NULL, *path;
	int ret;

	if (!b->package)
		return lg_error(err, "baseline without a package cannot be written");
	if (!name)
		return -1;
	text = lg_baseline_format(b);
	path = lg_xasprintf("%s/%s", dir, name);
	ret = lg_write_file_atomic(path, text, strlen(text), err);
	free(path);
	free(text);
	free(name);
	return ret;
}

/* --- from a run ----------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
	return s && *s ? lg_xstrdup(s) : NULL;
}

static const struct lg_baseline_leak *find_entry(const struct lg_baseline *b, const char *sig)
{
	struct lg_baseline_leak key;

	if (!b || !sig || !b->nleaks)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.signature = (char *)sig;
	return bsearch(&key, b->leaks, b->nleaks, sizeof(*b->leaks), cmp_leak);
}

static void entry_from_group(struct lg_baseline_leak *e, const struct lg_leak_group *g,
			     const struct lg_baseline_leak *old)
{
	const struct lg_location *l = g->created_at.file ? &g->created_at : &g->blocked_at;

	e->signature = lg_xstrdup(g->signature);
	e->count = g->count;
	e->wait_reason = dup_or_null(g->wait_reason);
	e->creator_func = dup_or_null(g->creator_func);
	if (l->file)
		e->example = lg_xasprintf("%s:%d", l->file, l->line);
	e->pattern = dup_or_null(g->pattern);
	if (old) {
		e->reason = dup_or_null(old->reason);
		e->owner = dup_or_null(old->owner);
		e->expires = dup_or_null(old->expires);
	}
}

void lg_baseline_from_package(struct lg_baseline *b, const struct lg_package *p,
			      const struct lg_heap_band *band, const struct lg_baseline *old,
			      const char *go_version)
{
	size_t i, j;

	b->package = lg_xstrdup(p->import_path);
	b->tool_version = lg_xstrdup(LG_VERSION);
	b->go_version = dup_or_null(p->go_version ? p->go_version : go_version);
	b->leaks = lg_xcalloc(p->nleaks + 1, sizeof(*b->leaks));
	for (i = 0; i < p->nleaks; i++) {
		const struct lg_leak_group *g = &p->leaks[i];

		if (!g->signature || g->count <= 0)
			continue;
		for (j = 0; j < b->nleaks && strcmp(b->leaks[j].signature, g->signature); j++)
			;
		if (j < b->nleaks) { /* one signature, two groups: keep the larger count */
			if (g->count > b->leaks[j].count)
				b->leaks[j].count = g->count;
			continue;
		}
		entry_from_group(&b->leaks[b->nleaks++], g, find_entry(old, g->signature));
	}
	qsort(b->leaks, b->nleaks, sizeof(*b->leaks), cmp_leak);
	if (band && band->runs > 0) {
		b->heap_runs = band->runs;
		b->heap_min = band->min;
		b->heap_median = band->median;
		b->heap_max = band->max;
	} else if (!band && p->hook == LG_HOOK_DONE) {
		b->heap_runs = 1;
		b->heap_min = b->heap_median = b->heap_max = lg_package_heap_counted(p);
	}
	b->goroutines = p->hook == LG_HOOK_DONE ? p->after.num_goroutine : -1;
	b->test_seconds = p->run_seconds;
}

const struct lg_baseline_leak *lg_baseline_find(const struct lg_baseline *b, const char *sig)
{
	return find_entry(b, sig);
}
