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
