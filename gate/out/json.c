/*
 * json.c — the JSON run report: everything one `leakgate run` found, in a
 * form later commands (baselines, reports, merge) and other tools read back.
 * This is where jansson is used for the run model; schema/run-report.schema.json
 * describes the format.
 *
 * The writer is deterministic so reports diff cleanly and a round trip
 * (write, read, write) gives the same bytes: keys come in a fixed order,
 * the indent is fixed, reals are printed with 15 significant digits (few
 * enough that reading and printing again cannot change them), and strings
 * that are not valid UTF-8 are cleaned once, before they are written.
 *
 * The reader treats the file as untrusted: it caps its size, refuses newer
 * schema versions instead of misreading them, checks every type and range,
 * and names the file and the JSON path of the first problem.  Derived values
 * ("summary", "passed") are written for other tools and ignored on reading.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "model.h"
#include "json.h"
#include "jsonutil.h"
#include "util.h"

#ifndef LG_VERSION
#define LG_VERSION "0.0.0"
#endif

#define DUMP_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

static const char *const hook_names[] = {
	[LG_HOOK_ABSENT] = "absent",
	[LG_HOOK_BEFORE] = "before",
	[LG_HOOK_DONE] = "done",
};

/* --- writing -------------------------------------------------------------- */

/* Times are never negative or NaN in a report, whatever the runner measured. */
static json_t *jtime(double t)
{
	return json_real(isfinite(t) && t > 0 ? t : 0);
}

static json_t *ju64(uint64_t v)
{
	return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static void set(json_t *obj, const char *key, json_t *value)
{
	json_object_set_new(obj, key, value);
}

/* null for a location that says nothing, so reports stay readable. */
static json_t *jloc(const struct lg_location *l)
{
	json_t *o;

	if (!l->file && !l->line)
		return json_null();
	o = json_object();
	set(o, "file", lg_json_str(l->file));
	set(o, "line", json_integer(l->line));
	return o;
}

static json_t *jtest(const struct lg_test *t)
{
	json_t *o = json_object();

	set(o, "name", lg_json_str(t->name));
	set(o, "result", json_string(lg_test_result_name(t->result)));
	set(o, "elapsed", jtime(t->elapsed));
	set(o, "runs", json_integer(t->runs > 0 ? t->runs : 1));
	set(o, "failures", json_integer(t->failures));
	set(o, "max_elapsed", jtime(t->max_elapsed));
	set(o, "output", lg_json_str(t->output));
	set(o, "output_truncated", json_boolean(t->output_truncated));
	set(o, "loc", jloc(&t->loc));
	return o;
}

static json_t *jcheck(const struct lg_check *c)
{
	json_t *o = json_object();

	set(o, "kind", json_string(lg_check_kind_name(c->kind)));
	set(o, "status", json_string(lg_check_status_name(c->status)));
	set(o, "message", lg_json_str(c->message));
	set(o, "detail", lg_json_str(c->detail));
	set(o, "test", lg_json_str(c->test));
	set(o, "loc", jloc(&c->loc));
	set(o, "baselined", json_boolean(c->baselined));
	set(o, "baseline_note", lg_json_str(c->baseline_note));
	return o;
}

static json_t *jleak_test(const struct lg_leak_test *t)
{
	json_t *o = json_object();

	set(o, "name", lg_json_str(t->name));
	set(o, "count", json_integer(t->count));
	return o;
}

static json_t *jleak(const struct lg_leak_group *g)
{
	json_t *o = json_object(), *a;
	size_t i;

	set(o, "signature", lg_json_str(g->signature));
	set(o, "top_func", lg_json_str(g->top_func));
	set(o, "wait_reason", lg_json_str(g->wait_reason));
	set(o, "count", json_integer(g->count));
	set(o, "min_minutes", json_integer(g->min_minutes));
	set(o, "max_minutes", json_integer(g->max_minutes));
	set(o, "creator_func", lg_json_str(g->creator_func));
	set(o, "created_at", jloc(&g->created_at));
	set(o, "blocked_at", jloc(&g->blocked_at));
	set(o, "test", lg_json_str(g->test));
	set(o, "pattern", lg_json_str(g->pattern));
	set(o, "pattern_title", lg_json_str(g->pattern_title));
	set(o, "hint", lg_json_str(g->hint));
	set(o, "proven", json_boolean(g->proven));
	set(o, "stack", lg_json_str(g->stack));
	set(o, "baselined", json_boolean(g->baselined));
	set(o, "baseline_note", lg_json_str(g->baseline_note));
	/* Added in issue 11, after the original keys so that old readers and
	 * byte comparisons of the fixed key order keep working. */
	set(o, "created_via", lg_json_str(g->created_via));
	set(o, "blocked_in", lg_json_str(g->blocked_in));
	set(o, "tests", a = json_array());
	for (i = 0; i < g->ntests; i++)
		json_array_append_new(a, jleak_test(&g->tests[i]));
	return o;
}

static json_t *jheap_site(const struct lg_heap_site *h)
{
	json_t *o = json_object();

	set(o, "func", lg_json_str(h->func));
	set(o, "loc", jloc(&h->loc));
	set(o, "growth_bytes", json_integer(h->growth_bytes));
	return o;
}

static json_t *jmemstats(const struct lg_memstats *m)
{
	json_t *o = json_object();

	set(o, "heap_alloc", ju64(m->heap_alloc));
	set(o, "heap_inuse", ju64(m->heap_inuse));
	set(o, "heap_objects", ju64(m->heap_objects));
	set(o, "total_alloc", ju64(m->total_alloc));
	set(o, "mallocs", ju64(m->mallocs));
	set(o, "frees", ju64(m->frees));
	set(o, "stack_inuse", ju64(m->stack_inuse));
	set(o, "sys", ju64(m->sys));
	set(o, "num_gc", ju64(m->num_gc));
	set(o, "num_goroutine", json_integer(m->num_goroutine));
	return o;
}

static json_t *jsched(const struct lg_sched_sample *s)
{
	json_t *o = json_object();

	set(o, "ms", jtime(s->ms));
	set(o, "gomaxprocs", json_integer(s->gomaxprocs));
	set(o, "idleprocs", json_integer(s->idleprocs));
	set(o, "threads", json_integer(s->threads));
	set(o, "spinningthreads", json_integer(s->spinningthreads));
	set(o, "idlethreads", json_integer(s->idlethreads));
	set(o, "runqueue", json_integer(s->runqueue));
	return o;
}

static const char *hook_name(enum lg_hook_state h)
{
	return (unsigned)h < LG_ARRAY_SIZE(hook_names) ? hook_names[h] : "absent";
}

/* --stress, in aggregate: never one entry per repetition. */
static json_t *jstress(const struct lg_stress *st)
{
	json_t *o = json_object();

	set(o, "budget_seconds", jtime(st->budget));
	set(o, "seconds", jtime(st->seconds));
	set(o, "iterations", json_integer(st->iterations));
	set(o, "runs", json_integer(st->chunks));
	set(o, "failed", json_boolean(st->failed));
	set(o, "exposed_by", lg_json_str(st->exposed_by));
	set(o, "command", lg_json_str(st->command));
	set(o, "note", lg_json_str(st->note));
	return o;
}

static json_t *jpackage(const struct lg_package *p)
{
	json_t *o = json_object(), *a;
	size_t i;

	set(o, "import_path", lg_json_str(p->import_path));
	set(o, "dir", lg_json_str(p->dir));
	set(o, "rel_dir", lg_json_str(p->rel_dir));
	set(o, "passed", json_boolean(lg_package_passed(p)));
	set(o, "built", json_boolean(p->built));
	set(o, "no_tests", json_boolean(p->no_tests));
	set(o, "build_seconds", jtime(p->build_seconds));
	if (p->built && !p->no_tests) {
		set(o, "build_timing", json_string(p->build_batched ? "batch" : "package"));
		if (p->build_batched)
			set(o, "build_batch_seconds", jtime(p->build_batch_seconds));
	}
	set(o, "run_seconds", jtime(p->run_seconds));
	set(o, "exit_code", json_integer(p->exit_code));
	set(o, "term_signal", json_integer(p->term_signal));
	set(o, "hook", json_string(hook_name(p->hook)));
	set(o, "hook_note", lg_json_str(p->hook_note));
	set(o, "hook_via", json_string(lg_hook_via_name(p->hook_via)));
	set(o, "evidence_run", json_string(lg_evidence_name(p->evidence)));
	if (p->hook_notes) {
		set(o, "hook_notes", a = json_array());
		for (i = 0; p->hook_notes[i]; i++)
			json_array_append_new(a, lg_json_str(p->hook_notes[i]));
	}
	if (p->snapshot_aggregated)
		set(o, "snapshot_aggregated", json_true());
	if (p->snapshot_note)
		set(o, "snapshot_note", lg_json_str(p->snapshot_note));
	set(o, "go_version", lg_json_str(p->go_version));
	set(o, "gomaxprocs", json_integer(p->gomaxprocs));
	set(o, "heap_growth", json_integer(p->heap_growth));
	set(o, "heap_discounted", json_integer(p->heap_discounted));
	set(o, "heap_method", json_string(lg_heap_method_name(p->heap_method)));
	set(o, "heap_passes", json_integer(p->heap_passes > 0 ? p->heap_passes : 1));
	set(o, "before", jmemstats(&p->before));
	set(o, "after", jmemstats(&p->after));
	set(o, "tests", a = json_array());
	for (i = 0; i < p->ntests; i++)
		json_array_append_new(a, jtest(&p->tests[i]));
	set(o, "checks", a = json_array());
	for (i = 0; i < p->nchecks; i++)
		json_array_append_new(a, jcheck(&p->checks[i]));
	set(o, "leaks", a = json_array());
	for (i = 0; i < p->nleaks; i++)
		json_array_append_new(a, jleak(&p->leaks[i]));
	set(o, "heap_sites", a = json_array());
	for (i = 0; i < p->nheap_sites; i++)
		json_array_append_new(a, jheap_site(&p->heap_sites[i]));
	set(o, "sched", a = json_array());
	for (i = 0; i < p->nsched; i++)
		json_array_append_new(a, jsched(&p->sched[i]));
	set(o, "stray_output", lg_json_str(p->stray_output));
	if (p->stress.budget > 0)
		set(o, "stress", jstress(&p->stress));
	return o;
}

/* What a reader wants to see first; "leaks" counts goroutines, not groups. */
static json_t *jsummary(const struct lg_run *run)
{
	json_t *o = json_object();
	struct lg_run_totals t;

	lg_run_totals(run, &t);
	set(o, "packages", json_integer((json_int_t)t.packages));
	set(o, "passed", json_integer((json_int_t)t.passed));
	set(o, "failed", json_integer((json_int_t)t.failed));
	set(o, "without_tests", json_integer((json_int_t)t.notests));
	set(o, "tests", json_integer((json_int_t)t.tests));
	set(o, "leaks", json_integer((json_int_t)t.leaked));
	set(o, "leak_groups", json_integer((json_int_t)t.groups));
	set(o, "leak_checks_skipped", json_integer((json_int_t)t.leak_skipped));
	return o;
}

static json_t *jrun(const struct lg_run *run)
{
	json_t *o = json_object(), *a;
	size_t i;

	set(o, "schema_version", json_integer(LG_REPORT_SCHEMA_VERSION));
	set(o, "tool", json_string("leakgate"));
	set(o, "version", json_string(LG_VERSION));
	set(o, "module_path", lg_json_str(run->module_path));
	set(o, "module_root", lg_json_str(run->module_root));
	set(o, "go_version", lg_json_str(run->go_version));
	set(o, "started_unix", json_integer(run->started_unix));
	set(o, "seconds", jtime(run->seconds));
	set(o, "summary", jsummary(run));
	set(o, "packages", a = json_array());
	for (i = 0; i < run->npkgs; i++)
		json_array_append_new(a, jpackage(&run->pkgs[i]));
	return o;
}

int lg_json_render_report(const struct lg_run *run, struct lg_buf *out, struct lg_err *err)
{
	json_t *root = jrun(run);
	char *text = json_dumps(root, DUMP_FLAGS);
	int ret = 0;

	if (text) {
		lg_buf_adds(out, text);
		lg_buf_addch(out, '\n');
	} else {
		ret = lg_error(err, "jansson could not encode the report");
	}
	free(text);
	json_decref(root);
	return ret;
}

int lg_json_write_report(const struct lg_run *run, const char *path, struct lg_err *err)
{
	struct lg_buf b = LG_BUF_INIT;
	struct lg_err why;
	int ret = lg_json_render_report(run, &b, &why);

	if (ret)
		lg_error(err, "cannot write '%s': %s", path, why.msg);
	else
		ret = lg_write_file_atomic(path, b.buf, b.len, err);
	lg_buf_release(&b);
	return ret;
}

/* --- reading -------------------------------------------------------------- */

struct reader {
	const char *file;
	struct lg_buf path; /* JSON path of the object being read: "packages[2].tests[0]" */
	struct lg_err *err;
};

/* Names the file and the JSON path of `key` (NULL: the current object). */
static int fail(struct reader *rd, const char *key, const char *fmt, ...) LG_PRINTF(3, 4);
static int fail(struct reader *rd, const char *key, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = lg_json_vfail(rd->err, "", rd->file, &rd->path, key, fmt, ap);
	va_end(ap);
	return ret;
}

/* Extends the path by `key` and, if idx >= 0, "[idx]"; returns the old length. */
static size_t push(struct reader *rd, const char *key, long idx)
{
	size_t mark = rd->path.len;

	if (key)
		lg_buf_addf(&rd->path, "%s%s", rd->path.len ? "." : "", key);
	if (idx >= 0)
		lg_buf_addf(&rd->path, "[%ld]", idx);
	return mark;
}

static void pop(struct reader *rd, size_t mark)
{
	rd->path.len = mark;
	if (rd->path.alloc)
		rd->path.buf[mark] = '\0';
}

/* The member `key`, or NULL when absent; a required one must be there. */
static int member(struct reader *rd, json_t *obj, const char *key, int required, json_t **out)
{
	*out = json_object_get(obj, key);
	if (!*out && required)
		return fail(rd, key, "missing");
	return 0;
}

/* A string or null (stored as NULL); absent means NULL too. */
static int get_str(struct reader *rd, json_t *obj, const char *key, int required, char **out)
{
	json_t *j;

	if (member(rd, obj, key, required, &j) < 0)
		return -1;
	if (!j || json_is_null(j))
		return required ? fail(rd, key, "expected a string, found null") : 0;
	if (!json_is_string(j))
		return fail(rd, key, "expected a string, found %s", lg_json_type_name(j));
	*out = lg_xstrndup(json_string_value(j), json_string_length(j));
	return 0;
}

static int get_int(struct reader *rd, json_t *obj, const char *key, long long min,
		   long long max, long long *out)
{
	json_t *j;

	if (member(rd, obj, key, 0, &j) < 0 || !j)
		return 0;
	if (!json_is_integer(j))
		return fail(rd, key, "expected an integer, found %s", lg_json_type_name(j));
	*out = json_integer_value(j);
	if (*out < min || *out > max)
		return fail(rd, key, "%lld is out of range [%lld, %lld]", *out, min, max);
	return 0;
}

static int get_i32(struct reader *rd, json_t *obj, const char *key, int min, int *out)
{
	long long v = *out;

	if (get_int(rd, obj, key, min, INT_MAX, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

static int get_i64(struct reader *rd, json_t *obj, const char *key, int64_t *out)
{
	long long v = *out;

	if (get_int(rd, obj, key, LLONG_MIN, LLONG_MAX, &v) < 0)
		return -1;
	*out = v;
	return 0;
}

static int get_u64(struct reader *rd, json_t *obj, const char *key, uint64_t *out)
{
	long long v = 0;

	if (get_int(rd, obj, key, 0, LLONG_MAX, &v) < 0)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

/* Every real in the model is a time: finite and not negative. */
static int get_time(struct reader *rd, json_t *obj, const char *key, double *out)
{
	json_t *j;

	if (member(rd, obj, key, 0, &j) < 0 || !j)
		return 0;
	if (!json_is_number(j))
		return fail(rd, key, "expected a number, found %s", lg_json_type_name(j));
	*out = json_number_value(j);
	if (!isfinite(*out) || *out < 0)
		return fail(rd, key, "expected a non-negative number");
	return 0;
}

static int get_bool(struct reader *rd, json_t *obj, const char *key, int *out)
{
	json_t *j;

	if (member(rd, obj, key, 0, &j) < 0 || !j)
		return 0;
	if (!json_is_boolean(j))
		return fail(rd, key, "expected true or false, found %s", lg_json_type_name(j));
	*out = json_is_true(j);
	return 0;
}

/* Maps a name back to its enum value with the model's own naming function. */
static int get_enum(struct reader *rd, json_t *obj, const char *key, int required, int count,
		    const char *(*name)(int), int *out)
{
	struct lg_buf known = LG_BUF_INIT;
	const char *s;
	json_t *j;
	int i;

	if (member(rd, obj, key, required, &j) < 0)
		return -1;
	if (!j)
		return 0;
	if (!json_is_string(j))
		return fail(rd, key, "expected a string, found %s", lg_json_type_name(j));
	s = json_string_value(j);
	for (i = 0; i < count; i++) {
		if (!strcmp(s, name(i))) {
			*out = i;
			lg_buf_release(&known);
			return 0;
		}
		lg_buf_addf(&known, "%s\"%s\"", i ? ", " : "", name(i));
	}
	fail(rd, key, "unknown value \"%.64s\" (expected one of %s)", s, known.buf);
	lg_buf_release(&known);
	return -1;
}

static const char *test_result_name(int i) { return lg_test_result_name((enum lg_test_result)i); }
static const char *check_kind_name(int i) { return lg_check_kind_name((enum lg_check_kind)i); }
static const char *check_status_name(int i) { return lg_check_status_name((enum lg_check_status)i); }
static const char *hook_state_name(int i) { return hook_name((enum lg_hook_state)i); }
static const char *hook_via_name(int i) { return lg_hook_via_name((enum lg_hook_via)i); }
static const char *evidence_name(int i) { return lg_evidence_name((enum lg_evidence)i); }
static const char *heap_method_name(int i) { return lg_heap_method_name((enum lg_heap_method)i); }
static const char *build_timing_name(int i) { return i ? "batch" : "package"; }



/* An optional member that, when present and not null, must be an object. */
static int get_object(struct reader *rd, json_t *obj, const char *key, json_t **out)
{
	if (member(rd, obj, key, 0, out) < 0)
		return -1;
	if (*out && json_is_null(*out))
		*out = NULL;
	if (*out && !json_is_object(*out))
		return fail(rd, key, "expected an object, found %s", lg_json_type_name(*out));
	return 0;
}

static int get_array(struct reader *rd, json_t *obj, const char *key, json_t **out)
{
	if (member(rd, obj, key, 0, out) < 0)
		return -1;
	if (*out && json_is_null(*out))
		*out = NULL;
	if (*out && !json_is_array(*out))
		return fail(rd, key, "expected an array, found %s", lg_json_type_name(*out));
	return 0;
}

/* An optional array of strings, as a NULL-terminated vector (NULL when absent). */
static int get_strv(struct reader *rd, json_t *obj, const char *key, char ***out)
{
	json_t *arr, *el;
	size_t i;

	if (get_array(rd, obj, key, &arr) < 0)
		return -1;
	if (!arr)
		return 0;
	*out = lg_xcalloc(json_array_size(arr) + 1, sizeof(char *));
	json_array_foreach(arr, i, el) {
		if (!json_is_string(el))
			return fail(rd, key, "element %zu: expected a string, found %s", i,
				    lg_json_type_name(el));
		(*out)[i] = lg_xstrndup(json_string_value(el), json_string_length(el));
	}
	return 0;
}

static int read_loc(struct reader *rd, json_t *obj, const char *key, struct lg_location *l)
{
	json_t *o;
	size_t mark;
	int ret;

	if (get_object(rd, obj, key, &o) < 0)
		return -1;
	if (!o)
		return 0;
	mark = push(rd, key, -1);
	ret = get_str(rd, o, "file", 0, &l->file);
	if (!ret)
		ret = get_i32(rd, o, "line", 0, &l->line);
	pop(rd, mark);
	return ret;
}

/*
 * Reports before runs were aggregated have no runs, failures or
 * max_elapsed: one run, failed when the result says so.
 */
static int read_test(struct reader *rd, json_t *o, struct lg_test *t)
{
	int r = LG_TEST_PASS;

	t->runs = 1;
	t->failures = -1;
	t->max_elapsed = -1;
	if (get_str(rd, o, "name", 1, &t->name) < 0 ||
	    get_enum(rd, o, "result", 1, LG_TEST_UNFINISHED + 1, test_result_name, &r) < 0 ||
	    get_time(rd, o, "elapsed", &t->elapsed) < 0 ||
	    get_i32(rd, o, "runs", 1, &t->runs) < 0 ||
	    get_i32(rd, o, "failures", 0, &t->failures) < 0 ||
	    get_time(rd, o, "max_elapsed", &t->max_elapsed) < 0 ||
	    get_str(rd, o, "output", 0, &t->output) < 0 ||
	    get_bool(rd, o, "output_truncated", &t->output_truncated) < 0 ||
	    read_loc(rd, o, "loc", &t->loc) < 0)
		return -1;
	t->result = (enum lg_test_result)r;
	if (t->failures < 0)
		t->failures = t->result == LG_TEST_FAIL;
	if (t->max_elapsed < 0)
		t->max_elapsed = t->elapsed;
	if (t->failures > t->runs)
		return fail(rd, "failures", "%d failures in %d runs", t->failures, t->runs);
	return 0;
}

static int read_check(struct reader *rd, json_t *o, struct lg_check *c)
{
	int kind = 0, status = 0;

	if (get_enum(rd, o, "kind", 1, LG_CHECK_KIND_COUNT, check_kind_name, &kind) < 0 ||
	    get_enum(rd, o, "status", 1, LG_STATUS_SKIPPED + 1, check_status_name, &status) < 0 ||
	    get_str(rd, o, "message", 0, &c->message) < 0 ||
	    get_str(rd, o, "detail", 0, &c->detail) < 0 ||
	    get_str(rd, o, "test", 0, &c->test) < 0 ||
	    read_loc(rd, o, "loc", &c->loc) < 0 ||
	    get_bool(rd, o, "baselined", &c->baselined) < 0 ||
	    get_str(rd, o, "baseline_note", 0, &c->baseline_note) < 0)
		return -1;
	c->kind = (enum lg_check_kind)kind;
	c->status = (enum lg_check_status)status;
	return 0;
}

static int read_leak_tests(struct reader *rd, json_t *o, struct lg_leak_group *g);

static int read_leak(struct reader *rd, json_t *o, struct lg_leak_group *g)
{
	if (get_str(rd, o, "signature", 0, &g->signature) < 0 ||
	    get_str(rd, o, "top_func", 0, &g->top_func) < 0 ||
	    get_str(rd, o, "wait_reason", 0, &g->wait_reason) < 0 ||
	    get_i32(rd, o, "count", 0, &g->count) < 0 ||
	    get_i32(rd, o, "min_minutes", 0, &g->min_minutes) < 0 ||
	    get_i32(rd, o, "max_minutes", 0, &g->max_minutes) < 0 ||
	    get_str(rd, o, "creator_func", 0, &g->creator_func) < 0 ||
	    read_loc(rd, o, "created_at", &g->created_at) < 0 ||
	    read_loc(rd, o, "blocked_at", &g->blocked_at) < 0 ||
	    get_str(rd, o, "test", 0, &g->test) < 0 ||
	    get_str(rd, o, "pattern", 0, &g->pattern) < 0 ||
	    get_str(rd, o, "pattern_title", 0, &g->pattern_title) < 0 ||
	    get_str(rd, o, "hint", 0, &g->hint) < 0 ||
	    get_bool(rd, o, "proven", &g->proven) < 0 ||
	    get_str(rd, o, "stack", 0, &g->stack) < 0 ||
	    get_bool(rd, o, "baselined", &g->baselined) < 0 ||
	    get_str(rd, o, "baseline_note", 0, &g->baseline_note) < 0 ||
	    get_str(rd, o, "created_via", 0, &g->created_via) < 0 ||
	    get_str(rd, o, "blocked_in", 0, &g->blocked_in) < 0 ||
	    read_leak_tests(rd, o, g) < 0)
		return -1;
	return 0;
}

static int read_heap_site(struct reader *rd, json_t *o, struct lg_heap_site *h)
{
	if (get_str(rd, o, "func", 0, &h->func) < 0 || read_loc(rd, o, "loc", &h->loc) < 0 ||
	    get_i64(rd, o, "growth_bytes", &h->growth_bytes) < 0)
		return -1;
	return 0;
}

static int read_sched(struct reader *rd, json_t *o, struct lg_sched_sample *s)
{
	if (get_time(rd, o, "ms", &s->ms) < 0 ||
	    get_i32(rd, o, "gomaxprocs", 0, &s->gomaxprocs) < 0 ||
	    get_i32(rd, o, "idleprocs", 0, &s->idleprocs) < 0 ||
	    get_i32(rd, o, "threads", 0, &s->threads) < 0 ||
	    get_i32(rd, o, "spinningthreads", 0, &s->spinningthreads) < 0 ||
	    get_i32(rd, o, "idlethreads", 0, &s->idlethreads) < 0 ||
	    get_i32(rd, o, "runqueue", 0, &s->runqueue) < 0)
		return -1;
	return 0;
}

static int read_memstats(struct reader *rd, json_t *obj, const char *key, struct lg_memstats *m)
{
	json_t *o;
	size_t mark;
	int ret = 0;

	if (get_object(rd, obj, key, &o) < 0)
		return -1;
	if (!o)
		return 0;
	mark = push(rd, key, -1);
	if (get_u64(rd, o, "heap_alloc", &m->heap_alloc) < 0 ||
	    get_u64(rd, o, "heap_inuse", &m->heap_inuse) < 0 ||
	    get_u64(rd, o, "heap_objects", &m->heap_objects) < 0 ||
	    get_u64(rd, o, "total_alloc", &m->total_alloc) < 0 ||
	    get_u64(rd, o, "mallocs", &m->mallocs) < 0 ||
	    get_u64(rd, o, "frees", &m->frees) < 0 ||
	    get_u64(rd, o, "stack_inuse", &m->stack_inuse) < 0 ||
	    get_u64(rd, o, "sys", &m->sys) < 0 ||
	    get_u64(rd, o, "num_gc", &m->num_gc) < 0 ||
	    get_i64(rd, o, "num_goroutine", &m->num_goroutine) < 0)
		ret = -1;
	pop(rd, mark);
	return ret;
}

static int read_stress(struct reader *rd, json_t *obj, struct lg_stress *st)
{
	json_t *o;
	size_t mark;
	int ret = 0;

	if (get_object(rd, obj, "stress", &o) < 0)
		return -1;
	if (!o)
		return 0;
	mark = push(rd, "stress", -1);
	if (get_time(rd, o, "budget_seconds", &st->budget) < 0 ||
	    get_time(rd, o, "seconds", &st->seconds) < 0 ||
	    get_i64(rd, o, "iterations", &st->iterations) < 0 ||
	    get_i32(rd, o, "runs", 0, &st->chunks) < 0 ||
	    get_bool(rd, o, "failed", &st->failed) < 0 ||
	    get_str(rd, o, "exposed_by", 0, &st->exposed_by) < 0 ||
	    get_str(rd, o, "command", 0, &st->command) < 0 ||
	    get_str(rd, o, "note", 0, &st->note) < 0)
		ret = -1;
	pop(rd, mark);
	return ret;
}

/*
 * Reads the array `key` of `obj` element by element: `add_expr` appends a
 * zeroed element to the model and `fill` reads one object into it.  Elements
 * must be objects; the path names the one that is not.  On a problem it
 * returns -1 from the enclosing function, which is why it is a macro: the
 * six arrays differ only in element type.
 */
#define READ_ARRAY(rd, obj, key, add_expr, fill)                                \
	do {                                                                        \
		json_t *arr_, *el_;                                                 \
		size_t i_, mark_;                                                   \
		if (get_array(rd, obj, key, &arr_) < 0)                             \
			return -1;                                                  \
		json_array_foreach(arr_, i_, el_) {                                 \
			int rc_;                                                    \
			mark_ = push(rd, key, (long)i_);                            \
			if (!json_is_object(el_)) {                                 \
				rc_ = fail(rd, NULL, "expected an object, found %s", \
					   lg_json_type_name(el_));                          \
			} else {                                                    \
				rc_ = fill(rd, el_, (add_expr));                     \
			}                                                           \
			pop(rd, mark_);                                             \
			if (rc_ < 0)                                                \
				return -1;                                          \
		}                                                                   \
	} while (0)

static struct lg_leak_group *add_leak(struct lg_package *p)
{
	p->leaks = lg_xrealloc(p->leaks, (p->nleaks + 1) * sizeof(*p->leaks));
	memset(&p->leaks[p->nleaks], 0, sizeof(*p->leaks));
	return &p->leaks[p->nleaks++];
}

static struct lg_leak_test *add_leak_test(struct lg_leak_group *g)
{
	g->tests = lg_xrealloc(g->tests, (g->ntests + 1) * sizeof(*g->tests));
	memset(&g->tests[g->ntests], 0, sizeof(*g->tests));
	return &g->tests[g->ntests++];
}

static int read_leak_test(struct reader *rd, json_t *o, struct lg_leak_test *t)
{
	if (get_str(rd, o, "name", 1, &t->name) < 0 ||
	    get_i32(rd, o, "count", 0, &t->count) < 0)
		return -1;
	return 0;
}

/* The group's "tests" array (absent in reports before issue 11). */
static int read_leak_tests(struct reader *rd, json_t *o, struct lg_leak_group *g)
{
	READ_ARRAY(rd, o, "tests", add_leak_test(g), read_leak_test);
	return 0;
}

static struct lg_heap_site *add_heap_site(struct lg_package *p)
{
	p->heap_sites = lg_xrealloc(p->heap_sites, (p->nheap_sites + 1) * sizeof(*p->heap_sites));
	memset(&p->heap_sites[p->nheap_sites], 0, sizeof(*p->heap_sites));
	return &p->heap_sites[p->nheap_sites++];
}

static struct lg_sched_sample *add_sched(struct lg_package *p)
{
	p->sched = lg_xrealloc(p->sched, (p->nsched + 1) * sizeof(*p->sched));
	memset(&p->sched[p->nsched], 0, sizeof(*p->sched));
	return &p->sched[p->nsched++];
}

static int read_package(struct reader *rd, json_t *o, struct lg_package *p)
{
	int hook = LG_HOOK_ABSENT, via = -1, evidence = LG_EVIDENCE_NONE, method = LG_HEAP_TOTAL;

	if (get_str(rd, o, "import_path", 1, &p->import_path) < 0 ||
	    get_str(rd, o, "dir", 0, &p->dir) < 0 ||
	    get_str(rd, o, "rel_dir", 0, &p->rel_dir) < 0 ||
	    get_bool(rd, o, "built", &p->built) < 0 ||
	    get_bool(rd, o, "no_tests", &p->no_tests) < 0 ||
	    get_time(rd, o, "build_seconds", &p->build_seconds) < 0 ||
	    get_time(rd, o, "run_seconds", &p->run_seconds) < 0 ||
	    get_i32(rd, o, "exit_code", INT_MIN, &p->exit_code) < 0 ||
	    get_i32(rd, o, "term_signal", 0, &p->term_signal) < 0 ||
	    get_enum(rd, o, "hook", 0, LG_HOOK_DONE + 1, hook_state_name, &hook) < 0 ||
	    get_str(rd, o, "hook_note", 0, &p->hook_note) < 0 ||
	    get_enum(rd, o, "hook_via", 0, LG_VIA_COUNT, hook_via_name, &via) < 0 ||
	    get_enum(rd, o, "evidence_run", 0, LG_EVIDENCE_FIRST_RUN + 1, evidence_name,
		     &evidence) < 0 ||
	    get_strv(rd, o, "hook_notes", &p->hook_notes) < 0 ||
	    get_str(rd, o, "snapshot_note", 0, &p->snapshot_note) < 0 ||
	    get_bool(rd, o, "snapshot_aggregated", &p->snapshot_aggregated) < 0 ||
	    get_str(rd, o, "go_version", 0, &p->go_version) < 0 ||
	    get_i32(rd, o, "gomaxprocs", 0, &p->gomaxprocs) < 0 ||
	    get_i64(rd, o, "heap_growth", &p->heap_growth) < 0 ||
	    get_i64(rd, o, "heap_discounted", &p->heap_discounted) < 0 ||
	    get_enum(rd, o, "heap_method", 0, LG_HEAP_INCONCLUSIVE + 1, heap_method_name,
		     &method) < 0 ||
	    get_i32(rd, o, "heap_passes", 0, &p->heap_passes) < 0 ||
	    read_memstats(rd, o, "before", &p->before) < 0 ||
	    read_memstats(rd, o, "after", &p->after) < 0 ||
	    get_str(rd, o, "stray_output", 0, &p->stray_output) < 0 ||
	    get_enum(rd, o, "build_timing", 0, 2, build_timing_name, &p->build_batched) < 0 ||
	    get_time(rd, o, "build_batch_seconds", &p->build_batch_seconds) < 0 ||
	    read_stress(rd, o, &p->stress) < 0)
		return -1;
	p->hook = (enum lg_hook_state)hook;
	p->evidence = (enum lg_evidence)evidence;
	p->heap_method = (enum lg_heap_method)method;
	/* Reports written before hook_via existed: the hook was injected when it ran. */
	p->hook_via = via >= 0 ? (enum lg_hook_via)via
		    : hook != LG_HOOK_ABSENT ? LG_VIA_INJECTED : LG_VIA_NONE;
	READ_ARRAY(rd, o, "tests", lg_package_add_test(p), read_test);
	READ_ARRAY(rd, o, "checks", lg_package_add_check(p, LG_CHECK_BUILD, LG_STATUS_PASSED),
		   read_check);
	READ_ARRAY(rd, o, "leaks", add_leak(p), read_leak);
	READ_ARRAY(rd, o, "heap_sites", add_heap_site(p), read_heap_site);
	READ_ARRAY(rd, o, "sched", add_sched(p), read_sched);
	return 0;
}

/* Checks what the file claims to be before trusting anything else in it. */
static int read_header(struct reader *rd, json_t *root)
{
	long long version = 0;
	json_t *j;

	if (member(rd, root, "schema_version", 1, &j) < 0)
		return -1;
	if (!json_is_integer(j))
		return fail(rd, "schema_version", "expected an integer, found %s", lg_json_type_name(j));
	version = json_integer_value(j);
	if (version > LG_REPORT_SCHEMA_VERSION)
		return lg_error(rd->err,
				"'%s': written by a newer leakgate (schema %lld, this one reads up to %d)",
				rd->file, version, LG_REPORT_SCHEMA_VERSION);
	if (version < 1)
		return fail(rd, "schema_version", "%lld is not a valid schema version", version);
	j = json_object_get(root, "tool");
	if (j && (!json_is_string(j) || strcmp(json_string_value(j), "leakgate")))
		return lg_error(rd->err, "'%s': not a leakgate report (\"tool\" is not \"leakgate\")",
				rd->file);
	if (get_object(rd, root, "summary", &j) < 0)
		return -1;
	return 0;
}

static int read_run(struct reader *rd, json_t *root, struct lg_run *run)
{
	if (read_header(rd, root) < 0 ||
	    get_str(rd, root, "module_path", 0, &run->module_path) < 0 ||
	    get_str(rd, root, "module_root", 0, &run->module_root) < 0 ||
	    get_str(rd, root, "go_version", 0, &run->go_version) < 0 ||
	    get_i64(rd, root, "started_unix", &run->started_unix) < 0 ||
	    get_time(rd, root, "seconds", &run->seconds) < 0)
		return -1;
	if (!json_object_get(root, "packages"))
		return fail(rd, "packages", "missing");
	READ_ARRAY(rd, root, "packages", lg_run_add_package(run), read_package);
	return 0;
}

int lg_json_read_report(struct lg_run *run, const char *path, struct lg_err *err)
{
	static const struct lg_json_caps caps = { LG_REPORT_MAX_BYTES, LG_REPORT_MAX_STRING, 0 };
	struct reader rd = { path, LG_BUF_INIT, err };
	json_t *root;
	int ret;

	memset(run, 0, sizeof(*run));
	root = lg_json_read_file(path, "", &caps, err);
	ret = root ? read_run(&rd, root, run) : -1;
	if (ret)
		lg_run_release(run);
	json_decref(root);
	lg_buf_release(&rd.path);
	return ret;
}
