/*
 * hook.c — generates the hook overlay (the manifest is hook_manifest.c's).
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
#include "jsonutil.h"

/* The hook source with its package clause made `package <clause>`. */
static int render_source(const char *clause_name, struct lg_buf *out, struct lg_err *err)
{
	static const char clause[] = "package leakgatehook\n";
	const char *src = (const char *)lg_hook_go_src;
	const char *at = strstr(src, clause);

	if (!at || (at != src && at[-1] != '\n'))
		return lg_error(err, "embedded hook source has no 'package leakgatehook' line");
	lg_buf_add(out, src, (size_t)(at - src));
	lg_buf_addf(out, "package %s\n", clause_name);
	lg_buf_adds(out, at + strlen(clause));
	return 0;
}

/* The hook source for one target: its clause, and a TestMain when it has none. */
static int render_hook(const struct lg_hook_target *t, struct lg_buf *out, struct lg_err *err)
{
	if (render_source(t->clause, out, err))
		return -1;
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

/*
 * Where the body of the function whose opening line is `head` starts, in
 * *body: the line must begin a line of [deps_go, end).  Returns 0 (*body
 * NULL when the line is missing), or -1 when it is there twice.
 */
static int body_of(const char *deps_go, const char *end, const char *head, const char **body)
{
	const char *h = deps_go;
	size_t n = strlen(head);

	*body = NULL;
	while ((h = memmem(h, (size_t)(end - h), head, n)) != NULL) {
		if (h == deps_go || h[-1] == '\n') {
			if (*body)
				return -1;
			*body = h + n;
		}
		h++;
	}
	return 0;
}

int lg_hook_patch_testdeps(const char *deps_go, size_t len, struct lg_buf *out)
{
	/* SetPanicOnExit0 is the route itself; MatchString only gives the
	   test starts, so a deps.go without it still gets the hook */
	static const struct {
		const char *head, *call;
		int required;
	} hooks[] = {
		{ "func (TestDeps) MatchString(pat, str string) (result bool, err error) {\n",
		  "\tleakgateMatched(str) // added by leakgate run\n", 0 },
		{ "func (TestDeps) SetPanicOnExit0(v bool) {\n",
		  "\tleakgateExit0(v) // added by leakgate run\n", 1 },
	};
	const char *end = deps_go + len, *at[2], *from = deps_go;
	size_t i, order[2] = { 0, 1 };

	for (i = 0; i < 2; i++) {
		if (body_of(deps_go, end, hooks[i].head, &at[i]) || (!at[i] && hooks[i].required))
			return -1;
	}
	if (at[0] && at[1] && at[1] < at[0]) {
		order[0] = 1;
		order[1] = 0;
	}
	for (i = 0; i < 2; i++) {
		size_t k = order[i];

		if (!at[k])
			continue;
		lg_buf_add(out, from, (size_t)(at[k] - from));
		lg_buf_adds(out, hooks[k].call);
		from = at[k];
	}
	lg_buf_add(out, from, (size_t)(end - from));
	return 0;
}

char **lg_hook_testdeps_overlay(const char *goroot, const char *modcache, const char *dir,
				struct lg_err *err)
{
	char *pkg = lg_xasprintf("%s/src/testing/internal/testdeps", goroot ? goroot : "");
	char *deps = lg_xasprintf("%s/deps.go", pkg), *sub = lg_xasprintf("%s/testdeps", dir);
	char *copy = lg_xasprintf("%s/deps.go", sub), *hook = lg_xasprintf("%s/%s", sub,
									      LG_HOOK_TESTDEPS_FILE);
	struct lg_buf orig = LG_BUF_INIT, patched = LG_BUF_INIT, src = LG_BUF_INIT;
	char **pairs = NULL;

	if (!goroot || !*goroot) {
		lg_error(err, "go env GOROOT is empty");
		goto out;
	}
	if (modcache && *modcache && lg_starts_with(goroot, modcache) &&
	    goroot[strlen(modcache)] == '/') {
		/* go refuses overlays of files beneath GOMODCACHE */
		lg_error(err, "the Go toolchain (%s) is one go downloaded into the module cache, "
			      "whose files go does not let an overlay replace", goroot);
		goto out;
	}
	if (lg_read_file(deps, 1 << 20, &orig, err))
		goto out;
	if (lg_hook_patch_testdeps(orig.buf, orig.len, &patched)) {
		lg_error(err, "'%s' has no single 'func (TestDeps) SetPanicOnExit0(v bool) {' line "
			      "to hook", deps);
		goto out;
	}
	if (mkdir(sub, 0700) != 0 && errno != EEXIST) {
		lg_error(err, "cannot create '%s': %s", sub, strerror(errno));
		goto out;
	}
	if (render_source("testdeps", &src, err) ||
	    lg_write_file(copy, patched.buf, patched.len, LG_WRITE_IF_CHANGED, err) ||
	    lg_write_file(hook, src.buf, src.len, LG_WRITE_IF_CHANGED, err))
		goto out;
	pairs = lg_xcalloc(5, sizeof(*pairs));
	pairs[0] = deps;
	pairs[1] = copy;
	pairs[2] = lg_xasprintf("%s/%s", pkg, LG_HOOK_TESTDEPS_FILE);
	pairs[3] = hook;
	deps = copy = hook = NULL;
out:
	lg_buf_release(&orig);
	lg_buf_release(&patched);
	lg_buf_release(&src);
	free(pkg);
	free(deps);
	free(sub);
	free(copy);
	free(hook);
	return pairs;
}

int lg_hook_write_overlay(const char *dir, const struct lg_hook_target *t, size_t n,
			  char *const *common, const char *overlay_path, struct lg_err *err)
{
	json_t *root = json_object(), *replace = json_object();
	char *json = NULL;
	size_t i;
	int ret = 0;

	json_object_set_new(root, "Replace", replace);
	for (i = 0; common && common[i] && common[i + 1]; i += 2)
		json_object_set_new(replace, common[i], json_string(common[i + 1]));
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
