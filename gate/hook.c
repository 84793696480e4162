/*
 * hook.c — generates the hook overlay and reads the hook's manifest.
 *
 * The embedded hook source declares `package leakgatehook` on a line of its
 * own; the overlay copy swaps that line for the test package that gets the
 * hook and, when that package has no TestMain, appends one.  Every identifier in the
 * hook is prefixed, so the copy cannot collide with the package's names.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "hook.h"

/* The hook source with its package clause replaced. */
static int render_hook(const struct lg_hook_target *t, struct lg_buf *out, struct lg_err *err)
{
	static const char clause[] = "package leakgatehook\n";
	const char *src = (const char *)lg_hook_go_src;
	const char *at = strstr(src, clause);

	if (!at || (at != src && at[-1] != '\n'))
		return lg_error(err, "embedded hook source has no 'package leakgatehook' line");
	lg_buf_add(out, src, (size_t)(at - src));
	lg_buf_addf(out, "package %s\n", t->clause);
	lg_buf_adds(out, at + strlen(clause));
	if (t->with_main)
		lg_buf_adds(out, "\n// TestMain is injected by leakgate run; see leakgate.dev/leakgatehook.\n"
				 "func TestMain(m *leakgatetesting.M) { leakgateMain(m) }\n");
	return 0;
}

static int write_source(const char *dir, const struct lg_hook_target *t, char **path,
			struct lg_err *err)
{
	struct lg_buf src = LG_BUF_INIT;
	char *sub = lg_xasprintf("%s/%s%s", dir, t->clause, t->with_main ? ".main" : "");
	int ret;

	*path = NULL;
	if (mkdir(sub, 0700) != 0 && errno != EEXIST) {
		ret = lg_error(err, "cannot create '%s': %s", sub, strerror(errno));
		goto out;
	}
	ret = render_hook(t, &src, err);
	if (ret)
		goto out;
	*path = lg_xasprintf("%s/leakgate_hook_test.go", sub);
	ret = lg_write_file(*path, src.buf, src.len, LG_WRITE_IF_CHANGED, err);
out:
	lg_buf_release(&src);
	free(sub);
	return ret;
}

int lg_hook_write_overlay(const char *dir, const struct lg_hook_target *t, size_t n,
			  const char *overlay_path, struct lg_err *err)
{
	json_t *root = json_object(), *replace = json_object();
	char *json = NULL;
	size_t i;
	int ret = 0;

	json_object_set_new(root, "Replace", replace);
	for (i = 0; i < n && !ret; i++) {
		char *src = NULL, *target;

		ret = write_source(dir, &t[i], &src, err);
		if (ret)
			break;
		target = lg_xasprintf("%s/%s", t[i].pkg_dir, LG_HOOK_FILE_NAME);
		json_object_set_new(replace, target, json_string(src));
		free(target);
		free(src);
		for (size_t k = 0; t[i].replace && t[i].replace[k] && t[i].replace[k + 1]; k += 2)
			json_object_set_new(replace, t[i].replace[k], json_string(t[i].replace[k + 1]));
	}
	if (!ret) {
		json = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
		ret = lg_write_file(overlay_path, json, strlen(json), LG_WRITE_IF_CHANGED, err);
	}
	free(json);
	json_decref(root);
	return ret;
}

void lg_hook_manifest_release(struct lg_hook_manifest *m)
{
	size_t i;
	struct lg_hook_snapshot *s[2] = { &m->before, &m->after };

	free(m->go_version);
	for (i = 0; i < 2; i++) {
		free(s[i]->stacks);
		free(s[i]->heap_profile);
		free(s[i]->leak_stacks);
	}
	for (i = 0; i < m->npasses; i++) {
		free(m->passes[i].snap.stacks);
		free(m->passes[i].snap.heap_profile);
		free(m->passes[i].snap.leak_stacks);
	}
	free(m->passes);
	for (i = 0; i < m->nerrors; i++)
		free(m->errors[i]);
	free(m->errors);
	memset(m, 0, sizeof(*m));
}

static uint64_t ju64(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

/* A manifest file name must name a plain file inside the hook directory. */
static int file_ref(const char *dir, json_t *o, const char *key, char **out,
		    const char *mpath, struct lg_err *err)
{
	json_t *v = json_object_get(o, key);
	const char *s;

	if (!v)
		return 0;
	if (!json_is_string(v))
		return lg_error(err, "'%s': %s: expected a file name", mpath, key);
	s = json_string_value(v);
	if (!*s || strchr(s, '/') || strcmp(s, "..") == 0 || strcmp(s, ".") == 0)
		return lg_error(err, "'%s': %s: '%s' is not a plain file name", mpath, key, s);
	*out = lg_xasprintf("%s/%s", dir, s);
	if (access(*out, R_OK) != 0) {
		free(*out);
		*out = NULL;
	}
	return 0;
}

static int read_snapshot(const char *dir, json_t *o, struct lg_hook_snapshot *s,
			 const char *mpath, struct lg_err *err)
{
	json_t *ms;
	int ret;

	if (!json_is_object(o))
		return 0;
	s->present = 1;
	s->time_unix_nano = (int64_t)ju64(o, "time_unix_nano");
	s->mem.num_goroutine = (int64_t)ju64(o, "num_goroutine");
	ms = json_object_get(o, "memstats");
	if (json_is_object(ms)) {
		s->mem.heap_alloc = ju64(ms, "heap_alloc");
		s->mem.heap_inuse = ju64(ms, "heap_inuse");
		s->mem.heap_objects = ju64(ms, "heap_objects");
		s->mem.total_alloc = ju64(ms, "total_alloc");
		s->mem.mallocs = ju64(ms, "mallocs");
		s->mem.frees = ju64(ms, "frees");
		s->mem.stack_inuse = ju64(ms, "stack_inuse");
		s->mem.sys = ju64(ms, "sys");
		s->mem.num_gc = ju64(ms, "num_gc");
	}
	ret = file_ref(dir, o, "stacks", &s->stacks, mpath, err);
	if (!ret)
		ret = file_ref(dir, o, "heap_profile", &s->heap_profile, mpath, err);
	if (!ret)
		ret = file_ref(dir, o, "leak_stacks", &s->leak_stacks, mpath, err);
	return ret;
}

/*
 * The "passes" array: each entry an object with a pass number that follows
 * the one before (2, 3, ...); anything else is an error naming the manifest.
 * No array is no passes.
 */
static int read_passes(const char *dir, json_t *arr, struct lg_hook_manifest *m,
		       const char *mpath, struct lg_err *err)
{
	size_t i;
	json_t *v;

	if (!arr)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > LG_HOOK_MAX_PASSES)
		return lg_error(err, "'%s': passes: expected an array of at most %d passes", mpath,
				LG_HOOK_MAX_PASSES);
	m->passes = lg_xcalloc(json_array_size(arr) + 1, sizeof(*m->passes));
	json_array_foreach(arr, i, v) {
		struct lg_hook_pass *p = &m->passes[m->npasses];
		json_t *n = json_object_get(v, "pass");

		if (!json_is_object(v) || !json_is_integer(n) ||
		    json_integer_value(n) != (json_int_t)i + 2)
			return lg_error(err, "'%s': passes[%zu]: expected an object for pass %zu",
					mpath, i, i + 2);
		p->pass = (int)i + 2;
		p->exit_code = (int)json_integer_value(json_object_get(v, "exit_code"));
		p->remaining = (int)ju64(v, "remaining");
		m->npasses++;
		if (read_snapshot(dir, v, &p->snap, mpath, err))
			return -1;
	}
	return 0;
}

static void read_errors(json_t *arr, struct lg_hook_manifest *m)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return;
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v) || m->nerrors >= 32)
			continue;
		m->errors = lg_xrealloc(m->errors, (m->nerrors + 1) * sizeof(char *));
		m->errors[m->nerrors++] = lg_xstrdup(json_string_value(v));
	}
}

static int read_fields(const char *dir, json_t *root, struct lg_hook_manifest *m,
		       const char *mpath, struct lg_err *err)
{
	json_t *v = json_object_get(root, "protocol");
	json_t *settle = json_object_get(root, "settle");
	const char *phase = json_string_value(json_object_get(root, "phase"));
	int ret;

	if (!json_is_integer(v))
		return lg_error(err, "'%s': protocol: expected an integer", mpath);
	m->protocol = (int)json_integer_value(v);
	if (m->protocol > LG_HOOK_PROTOCOL || m->protocol < 1)
		return lg_error(err, "'%s': hook protocol %d is not supported (this leakgate speaks %d)",
				mpath, m->protocol, LG_HOOK_PROTOCOL);
	if (!phase || (strcmp(phase, "before") && strcmp(phase, "after")))
		return lg_error(err, "'%s': phase: expected \"before\" or \"after\"", mpath);
	m->phase = strcmp(phase, "after") == 0 ? LG_HOOK_DONE : LG_HOOK_BEFORE;
	if (json_is_string(json_object_get(root, "go_version")))
		m->go_version = lg_xstrdup(json_string_value(json_object_get(root, "go_version")));
	m->gomaxprocs = (int)ju64(root, "gomaxprocs");
	m->exit_code = (int)json_integer_value(json_object_get(root, "exit_code"));
	m->leak_profile = json_is_true(json_object_get(root, "leak_profile"));
	if (json_is_object(settle)) {
		m->settle_waited_ms = json_number_value(json_object_get(settle, "waited_ms"));
		m->settle_rounds = (int)ju64(settle, "rounds");
		m->settle_remaining = (int)ju64(settle, "remaining");
	}
	read_errors(json_object_get(root, "errors"), m);
	ret = read_snapshot(dir, json_object_get(root, "before"), &m->before, mpath, err);
	if (!ret)
		ret = read_snapshot(dir, json_object_get(root, "after"), &m->after, mpath, err);
	if (!ret)
		ret = read_passes(dir, json_object_get(root, "passes"), m, mpath, err);
	if (!ret && m->phase == LG_HOOK_DONE && !m->after.present)
		ret = lg_error(err, "'%s': phase \"after\" without an after snapshot", mpath);
	return ret;
}

int lg_hook_read_manifest(const char *dir, struct lg_hook_manifest *m, struct lg_err *err)
{
	struct lg_buf text = LG_BUF_INIT;
	char *path = lg_xasprintf("%s/%s", dir, LG_HOOK_MANIFEST);
	json_error_t je;
	json_t *root = NULL;
	int ret = 0;

	memset(m, 0, sizeof(*m));
	m->phase = LG_HOOK_ABSENT;
	if (access(path, F_OK) != 0)
		goto out;
	ret = lg_read_file(path, LG_HOOK_MAX_MANIFEST, &text, err);
	if (ret)
		goto out;
	root = json_loadb(text.buf, text.len, 0, &je);
	if (!root) {
		ret = lg_error(err, "'%s':%d: %s", path, je.line, je.text);
		goto out;
	}
	if (!json_is_object(root)) {
		ret = lg_error(err, "'%s': expected a JSON object", path);
		goto out;
	}
	ret = read_fields(dir, root, m, path, err);
out:
	if (ret)
		lg_hook_manifest_release(m);
	json_decref(root);
	lg_buf_release(&text);
	free(path);
	return ret;
}
