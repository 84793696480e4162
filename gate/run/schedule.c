/*
 * schedule.c — the recorded package times (times.json in the build cache)
 * and the longest-first start order built on them (schedule.h).
 *
 * The file, written whole and atomically after each run:
 *   {"version": 1, "module_root": "/abs/root",
 *    "packages": {"example.com/m/pkg": {"lean_seconds": 1.23, "evidence": false}, ...}}
 * where "evidence" says the package needed an evidence run, and an optional
 * "heap_passes": true that it was for a failed heap check, or "targeted":
 * true that a run of only the tests around its leaks did (absent: false;
 * an older leakgate reads the file without them).
 * Everything read from it is checked; anything wrong makes the whole file
 * ignored (a cache rebuilt by the next run), never a failed gate.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jsonutil.h"
#include "schedule.h"

struct key {
	const struct lg_sched_times *t;
	const char *path;
};

static int same_path(const void *ctx, uint32_t k)
{
	const struct key *q = ctx;

	return strcmp(q->t->v[k].import_path, q->path) == 0;
}

static uint64_t path_hash(const char *s)
{
	return lg_hash_bytes(s, strlen(s));
}

void lg_sched_times_init(struct lg_sched_times *t, const char *module_root)
{
	memset(t, 0, sizeof(*t));
	t->module_root = module_root ? lg_xstrdup(module_root) : NULL;
}

/* Forgets the entries (not the module root): the file is being ignored. */
static void clear_entries(struct lg_sched_times *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i].import_path);
	free(t->v);
	t->v = NULL;
	t->n = t->alloc = 0;
	lg_hmap_release(&t->map);
}

void lg_sched_times_release(struct lg_sched_times *t)
{
	clear_entries(t);
	free(t->module_root);
	t->module_root = NULL;
}

/* The entry of `path`, or NULL. */
static struct lg_sched_time *find(const struct lg_sched_times *t, const char *path)
{
	struct key q = { t, path };
	uint32_t k = lg_hmap_find(&t->map, path_hash(path), same_path, &q);

	return k == LG_HMAP_NONE ? NULL : &t->v[k];
}

void lg_sched_times_set(struct lg_sched_times *t, const char *import_path,
			double lean_seconds, enum lg_sched_need need)
{
	struct lg_sched_time *e;

	if (!import_path || !isfinite(lean_seconds) || lean_seconds < 0)
		return;
	e = find(t, import_path);
	if (!e) {
		LG_GROW(t->v, t->alloc, t->n + 1);
		e = &t->v[t->n];
		e->import_path = lg_xstrdup(import_path);
		lg_hmap_add(&t->map, path_hash(import_path), (uint32_t)t->n);
		t->n++;
	}
	/* beyond any deadline; keeps the millisecond rounding in range */
	e->lean_seconds = lean_seconds < LG_SCHED_MAX_SECONDS ? lean_seconds : LG_SCHED_MAX_SECONDS;
	e->need = need;
}

double lg_sched_expected(const struct lg_sched_times *t, const char *import_path)
{
	const struct lg_sched_time *e = import_path ? find(t, import_path) : NULL;

	if (!e)
		return -1;
	/* a targeted run repeats a few tests: about the lean run alone */
	return e->need == LG_SCHED_EVIDENCE || e->need == LG_SCHED_PER_PASS ? 2 * e->lean_seconds
									  : e->lean_seconds;
}

enum lg_sched_need lg_sched_needed(const struct lg_sched_times *t, const char *import_path)
{
	const struct lg_sched_time *e = import_path ? find(t, import_path) : NULL;

	return e ? e->need : LG_SCHED_LEAN;
}

/* The note of an ignored file; clears what was read of it. */
static char *ignored(struct lg_sched_times *t, const char *why)
{
	clear_entries(t);
	return lg_xasprintf("package times ignored (%s): packages start in go list order; "
			    "this run records them again", why);
}

char *lg_sched_times_parse(struct lg_sched_times *t, const char *text, size_t len,
			   const char *name)
{
	static const struct lg_json_caps caps = { (size_t)16 << 20, (size_t)8 << 10, 3 };
	struct lg_err err;
	json_t *doc = lg_json_load(text, len, "", name, &caps, &err), *v, *pkgs, *e;
	const char *path;
	char *note = NULL, *why = NULL;

	clear_entries(t);
	t->newer = 0;
	if (!doc)
		return ignored(t, err.msg);
	v = json_object_get(doc, "version");
	if (!json_is_integer(v)) {
		why = lg_xasprintf("'%s': version: expected an integer", name);
		goto bad;
	}
	if (json_integer_value(v) > LG_SCHED_TIMES_VERSION) {
		t->newer = 1;
		note = lg_xasprintf("package times '%s' are of a newer leakgate (version %lld, this "
				    "one reads %d): ignored and left as they are; packages start in "
				    "go list order", name, (long long)json_integer_value(v),
				    LG_SCHED_TIMES_VERSION);
		clear_entries(t);
		json_decref(doc);
		return note;
	}
	if (json_integer_value(v) != LG_SCHED_TIMES_VERSION) {
		why = lg_xasprintf("'%s': version %lld is not one leakgate wrote", name,
				   (long long)json_integer_value(v));
		goto bad;
	}
	v = json_object_get(doc, "module_root");
	if (!json_is_string(v) || (t->module_root && strcmp(json_string_value(v), t->module_root))) {
		why = lg_xasprintf("'%s': module_root: not this module's root", name);
		goto bad;
	}
	pkgs = json_object_get(doc, "packages");
	if (!json_is_object(pkgs) || json_object_size(pkgs) > LG_SCHED_TIMES_MAX) {
		why = lg_xasprintf("'%s': packages: expected an object of at most %d entries", name,
				   LG_SCHED_TIMES_MAX);
		goto bad;
	}
	json_object_foreach(pkgs, path, e) {
		json_t *secs = json_object_get(e, "lean_seconds"), *ev = json_object_get(e, "evidence");
		json_t *hp = json_object_get(e, "heap_passes"), *tg = json_object_get(e, "targeted");

		if (!json_is_object(e) || !json_is_number(secs) || !json_is_boolean(ev) || !*path ||
		    (hp && !json_is_boolean(hp)) || (tg && !json_is_boolean(tg)) ||
		    !isfinite(json_number_value(secs)) || json_number_value(secs) < 0) {
			why = lg_xasprintf("'%s': packages.%s: expected {\"lean_seconds\": a time >= 0, "
					   "\"evidence\": true or false, \"heap_passes\" and "
					   "\"targeted\": true or false (optional)}", name, path);
			goto bad;
		}
		lg_sched_times_set(t, path, json_number_value(secs),
				   !json_is_true(ev) ? LG_SCHED_LEAN
				   : json_is_true(hp) ? LG_SCHED_PER_PASS
				   : json_is_true(tg) ? LG_SCHED_TARGETED : LG_SCHED_EVIDENCE);
	}
	json_decref(doc);
	return NULL;
bad:
	json_decref(doc);
	note = ignored(t, why);
	free(why);
	return note;
}

char *lg_sched_times_read(struct lg_sched_times *t, const char *path)
{
	struct lg_buf b = LG_BUF_INIT;
	struct lg_err err;
	struct stat st;
	char *note;

	clear_entries(t);
	t->newer = 0;
	if (stat(path, &st) != 0 && errno == ENOENT)
		return NULL;
	if (lg_read_file(path, (size_t)16 << 20, &b, &err)) {
		lg_buf_release(&b);
		return ignored(t, err.msg);
	}
	note = lg_sched_times_parse(t, b.buf ? b.buf : "", b.len, path);
	lg_buf_release(&b);
	return note;
}

int lg_sched_times_write(const struct lg_sched_times *t, const char *path, struct lg_err *err)
{
	json_t *doc = json_object(), *pkgs = json_object();
	char *text;
	size_t i;
	int ret;

	json_object_set_new(doc, "version", json_integer(LG_SCHED_TIMES_VERSION));
	json_object_set_new(doc, "module_root", lg_json_str(t->module_root ? t->module_root : ""));
	for (i = 0; i < t->n; i++) {
		json_t *e = json_object();

		/* to the millisecond: the order needs no more, and a rerun of the
		 * same times leaves the file's bytes alone */
		json_object_set_new(e, "lean_seconds",
				    json_real((double)(long long)(t->v[i].lean_seconds * 1000 + 0.5) / 1000));
		json_object_set_new(e, "evidence", json_boolean(t->v[i].need != LG_SCHED_LEAN));
		if (t->v[i].need == LG_SCHED_PER_PASS)
			json_object_set_new(e, "heap_passes", json_true());
		if (t->v[i].need == LG_SCHED_TARGETED)
			json_object_set_new(e, "targeted", json_true());
		json_object_set_new(pkgs, t->v[i].import_path, e);
	}
	json_object_set_new(doc, "packages", pkgs);
	text = json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS | JSON_REAL_PRECISION(12));
	json_decref(doc);
	if (!text)
		return lg_error(err, "cannot encode the package times for '%s'", path);
	ret = lg_write_file(path, text, strlen(text), LG_WRITE_IF_CHANGED, err);
	free(text);
	return ret;
}

struct slot {
	double expected;
	size_t index;
};

static int longest_first(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;
	int ux = x->expected < 0, uy = y->expected < 0;

	if (ux != uy)
		return ux ? -1 : 1; /* unknown first */
	if (!ux && x->expected != y->expected)
		return x->expected > y->expected ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

void lg_sched_order(const double *expected, size_t n, size_t *order)
{
	struct slot *s = lg_xcalloc(n ? n : 1, sizeof(*s));
	size_t i;

	for (i = 0; i < n; i++) {
		/* NaN is unknown too: it would break the comparison */
		s[i].expected = expected[i] >= 0 ? expected[i] : -1;
		s[i].index = i;
	}
	qsort(s, n, sizeof(*s), longest_first);
	for (i = 0; i < n; i++)
		order[i] = s[i].index;
	free(s);
}
