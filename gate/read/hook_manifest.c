/*
 * hook_manifest.c — reads the hook's manifest (hook.json) and the snapshot
 * files it names, checking every field: a missing manifest means the hook
 * never ran, anything malformed is an error naming the file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "hook_manifest.h"
#include "jsonutil.h"

void lg_hook_manifest_release(struct lg_hook_manifest *m)
{
	size_t i;
	struct lg_hook_snapshot *s[2] = { &m->before, &m->after };

	free(m->go_version);
	for (i = 0; i < 2; i++) {
		free(s[i]->stacks);
		free(s[i]->heap_profile);
		free(s[i]->leak_stacks);
		free(s[i]->sample_stacks);
	}
	for (i = 0; i < m->npasses; i++) {
		free(m->passes[i].snap.stacks);
		free(m->passes[i].snap.heap_profile);
		free(m->passes[i].snap.leak_stacks);
		free(m->passes[i].snap.sample_stacks);
	}
	free(m->passes);
	for (i = 0; i < m->nerrors; i++)
		free(m->errors[i]);
	free(m->errors);
	free(m->test_starts);
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
	s->aggregated = json_is_true(json_object_get(o, "aggregated"));
	s->sample_cut = json_is_true(json_object_get(o, "sample_cut"));
	if (!ret && s->aggregated)
		ret = file_ref(dir, o, "sample_stacks", &s->sample_stacks, mpath, err);
	return ret;
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
		m->settle_counted = json_is_true(json_object_get(settle, "counted"));
	}
	read_errors(json_object_get(root, "errors"), m);
	ret = read_snapshot(dir, json_object_get(root, "before"), &m->before, mpath, err);
	if (!ret)
		ret = read_snapshot(dir, json_object_get(root, "after"), &m->after, mpath, err);
	if (!ret)
		ret = read_passes(dir, json_object_get(root, "passes"), m, mpath, err);
	if (!ret)
		ret = file_ref(dir, root, "test_starts", &m->test_starts, mpath, err);
	if (!ret && m->phase == LG_HOOK_DONE && !m->after.present)
		ret = lg_error(err, "'%s': phase \"after\" without an after snapshot", mpath);
	return ret;
}

int lg_hook_read_manifest(const char *dir, struct lg_hook_manifest *m, struct lg_err *err)
{
	static const struct lg_json_caps caps = { LG_HOOK_MAX_MANIFEST, 0, 0 };
	char *path = lg_xasprintf("%s/%s", dir, LG_HOOK_MANIFEST);
	json_t *root = NULL;
	int ret = 0;

	memset(m, 0, sizeof(*m));
	m->phase = LG_HOOK_ABSENT;
	if (access(path, F_OK) != 0)
		goto out;
	root = lg_json_read_file(path, "", &caps, err);
	ret = root ? read_fields(dir, root, m, path, err) : -1;
out:
	if (ret)
		lg_hook_manifest_release(m);
	json_decref(root);
	free(path);
	return ret;
}
