/*
 * rewrite.c — builds and runs the TestMain rewriter (see rewrite.h).
 *
 * The rewriter is a Go program, so it is compiled by the user's own
 * toolchain, once: its directory in the cache is named after a hash of its
 * source and the Go version, and the binary appears there by rename only
 * when the build succeeded.  Its answer is untrusted input like any other:
 * capped in size, every field type-checked, every path it hands back for
 * the overlay checked to lie in the package directory (originals) or in
 * the directory leakgate gave it (copies).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "go.h"
#include "jsonutil.h"
#include "proc.h"
#include "rewrite.h"

void lg_rewrite_out_release(struct lg_rewrite_out *o)
{
	size_t i;

	free(o->reason);
	free(o->hook_package);
	lg_strv_free(o->replace);
	for (i = 0; i < o->nignores; i++)
		lg_ignore_rule_release(&o->ignores[i]);
	free(o->ignores);
	lg_strv_free(o->notes);
	memset(o, 0, sizeof(*o));
}

int lg_rewrite_tool(const char *cache_root, const char *go_version, double timeout,
		    char **tool, struct lg_err *err)
{
	static const char gomod[] = "module leakgate.dev/rewrite\n\ngo 1.21\n";
	uint64_t h = LG_FNV_OFFSET;
	char hex[17], *dir = NULL, *src = NULL, *mod = NULL, *tmp = NULL, *bin = NULL;
	struct lg_buf log = LG_BUF_INIT;
	int ret = 0;

	*tool = NULL;
	/* NUL-free source: lg_fnv1a over the text is a hash of the bytes. */
	{
		char *text = lg_xstrndup((const char *)lg_rewrite_go_src, lg_rewrite_go_src_len);

		h = lg_fnv1a(h, text);
		free(text);
	}
	lg_hex16(h, hex);
	dir = lg_xasprintf("%s/tools/rewrite-%s-%s", cache_root, hex,
			   go_version && *go_version ? go_version : "go");
	bin = lg_xasprintf("%s/rewrite", dir);
	if (access(bin, X_OK) == 0)
		goto out;
	if (lg_mkdir_p(dir, 0700, err)) {
		ret = -1;
		goto out;
	}
	src = lg_xasprintf("%s/main.go", dir);
	mod = lg_xasprintf("%s/go.mod", dir);
	tmp = lg_xasprintf("%s/rewrite.tmp.%ld", dir, (long)getpid());
	if (lg_write_file_atomic(src, lg_rewrite_go_src, lg_rewrite_go_src_len, err) ||
	    lg_write_file_atomic(mod, gomod, strlen(gomod), err) ||
	    lg_go_build_tool(dir, tmp, timeout, &log, err)) {
		ret = -1;
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, bin) != 0) {
		ret = lg_error(err, "cannot rename '%s' to '%s': %s", tmp, bin, strerror(errno));
		unlink(tmp);
	}
out:
	if (!ret)
		*tool = bin;
	else
		free(bin);
	lg_buf_release(&log);
	free(dir);
	free(src);
	free(mod);
	free(tmp);
	return ret;
}

static json_t *str_array(char *const *v)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static char *write_request(const char *workdir, const char *root,
			   const struct lg_rewrite_in *in, size_t n, struct lg_err *err)
{
	json_t *doc = json_object(), *pkgs = json_array();
	char *path = lg_xasprintf("%s/rewrite-request.json", workdir), *text;
	size_t i;
	int ret;

	json_object_set_new(doc, "root", json_string(root ? root : ""));
	json_object_set_new(doc, "packages", pkgs);
	for (i = 0; i < n; i++) {
		json_t *p = json_object();
		char key[32];

		snprintf(key, sizeof(key), "%zu", i);
		json_object_set_new(p, "key", json_string(key));
		json_object_set_new(p, "dir", json_string(in[i].dir));
		json_object_set_new(p, "files", str_array(in[i].files));
		json_object_set_new(p, "xfiles", str_array(in[i].xfiles));
		json_object_set_new(p, "out", json_string(in[i].out));
		json_array_append_new(pkgs, p);
	}
	text = json_dumps(doc, JSON_COMPACT);
	ret = text ? lg_write_file_atomic(path, text, strlen(text), err)
		   : lg_error(err, "cannot encode the rewrite request");
	free(text);
	json_decref(doc);
	if (ret) {
		free(path);
		return NULL;
	}
	return path;
}

/* dir + "/" is a prefix of path, and path has no ".." component. */
static int inside(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && path[n] == '/' && !strstr(path, "/../") &&
	       !lg_ends_with(path, "/..");
}

static int get_strv(json_t *a, const char *what, char ***out, struct lg_err *err)
{
	size_t i, n;
	json_t *v;

	if (!a) {
		*out = lg_xcalloc(1, sizeof(char *));
		return 0;
	}
	if (!json_is_array(a))
		return lg_error(err, "rewriter: %s: expected an array", what);
	n = json_array_size(a);
	*out = lg_xcalloc(n + 1, sizeof(char *));
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			return lg_error(err, "rewriter: %s[%zu]: expected a string", what, i);
		(*out)[i] = lg_xstrdup(json_string_value(v));
	}
	return 0;
}

static int read_replace(json_t *o, const struct lg_rewrite_in *in, struct lg_rewrite_out *r,
			struct lg_err *err)
{
	const char *orig;
	json_t *copy;
	size_t k = 0;

	if (!json_is_object(o) || json_object_size(o) == 0)
		return lg_error(err, "rewriter: a rewritten package without files to replace");
	r->replace = lg_xcalloc(2 * json_object_size(o) + 1, sizeof(char *));
	json_object_foreach(o, orig, copy) {
		if (!json_is_string(copy) || !inside(in->dir, orig) ||
		    !inside(in->out, json_string_value(copy)))
			return lg_error(err, "rewriter: replace '%s': not a file of '%s' mapped "
					     "into '%s'", orig, in->dir, in->out);
		r->replace[k++] = lg_xstrdup(orig);
		r->replace[k++] = lg_xstrdup(json_string_value(copy));
	}
	return 0;
}

static int read_result(json_t *o, const struct lg_rewrite_in *in, struct lg_rewrite_out *r,
		       struct lg_err *err)
{
	const char *mode = json_string_value(json_object_get(o, "mode"));
	const char *reason = json_string_value(json_object_get(o, "reason"));
	json_t *ign = json_object_get(o, "ignores");
	size_t i;
	json_t *v;

	if (!mode)
		return lg_error(err, "rewriter: a result without a mode");
	if (strcmp(mode, "rewritten") == 0) {
		const char *hp = json_string_value(json_object_get(o, "hook_package"));

		if (!hp || !*hp || strspn(hp, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					      "0123456789_") != strlen(hp))
			return lg_error(err, "rewriter: bad hook_package");
		r->via = LG_VIA_REWRITTEN;
		r->hook_package = lg_xstrdup(hp);
		if (read_replace(json_object_get(o, "replace"), in, r, err))
			return -1;
	} else if (strcmp(mode, "user") == 0) {
		r->via = LG_VIA_USER;
	} else if (strcmp(mode, "absent") == 0) {
		r->via = LG_VIA_INJECTED;
	} else if (strcmp(mode, "testing") == 0) {
		r->via = LG_VIA_NONE;
		r->through_testing = 1;
		r->reason = lg_xstrdup(reason ? reason : "the TestMain rewriter gave no reason");
	} else if (strcmp(mode, "none") == 0) {
		r->via = LG_VIA_NONE;
		r->reason = lg_xstrdup(reason ? reason : "the TestMain rewriter gave no reason");
	} else {
		return lg_error(err, "rewriter: unknown mode '%s'", mode);
	}
	if (get_strv(json_object_get(o, "notes"), "notes", &r->notes, err))
		return -1;
	if (!ign)
		return 0;
	if (!json_is_array(ign) || json_array_size(ign) > LG_CONFIG_MAX_IGNORES)
		return lg_error(err, "rewriter: ignores: expected an array of rules");
	r->ignores = lg_xcalloc(json_array_size(ign) + 1, sizeof(*r->ignores));
	json_array_foreach(ign, i, v) {
		if (lg_ignore_rule_load(v, &r->ignores[i], "rewriter", i, err))
			return -1;
		r->nignores++;
	}
	return 0;
}

static int read_answer(const struct lg_buf *text, const struct lg_rewrite_in *in, size_t n,
		       struct lg_rewrite_out *out, struct lg_err *err)
{
	static const struct lg_json_caps caps = { LG_REWRITE_MAX_OUTPUT, 0, 0 };
	json_t *root = lg_json_load(text->buf ? text->buf : "", text->len, "rewriter: ", "answer",
				    &caps, err), *pkgs, *o;
	size_t i;
	int ret = 0;

	if (!root)
		return -1;
	pkgs = json_object_get(root, "packages");
	if (!json_is_array(pkgs) || json_array_size(pkgs) != n) {
		ret = lg_error(err, "rewriter: expected %zu results", n);
		goto out;
	}
	json_array_foreach(pkgs, i, o) {
		const char *key = json_string_value(json_object_get(o, "key"));
		char want[32];

		snprintf(want, sizeof(want), "%zu", i);
		if (!json_is_object(o) || !key || strcmp(key, want) != 0) {
			ret = lg_error(err, "rewriter: result %zu is out of order", i);
			goto out;
		}
		if (read_result(o, &in[i], &out[i], err)) {
			ret = -1;
			goto out;
		}
	}
out:
	json_decref(root);
	return ret;
}

static void sink(void *ctx, const char *data, size_t len)
{
	struct lg_buf *b = ctx;

	if (b->len + len <= LG_REWRITE_MAX_OUTPUT)
		lg_buf_add(b, data, len);
	else
		b->len = LG_REWRITE_MAX_OUTPUT + 1; /* marks the overflow */
}

int lg_rewrite_run(const char *tool, const char *workdir, const char *root,
		   const struct lg_rewrite_in *in, size_t n, double timeout,
		   struct lg_rewrite_out *out, struct lg_err *err)
{
	struct lg_buf text = LG_BUF_INIT, errtext = LG_BUF_INIT;
	struct lg_capture cap;
	struct lg_proc_opts o;
	struct lg_proc_result r;
	char *req = NULL, *argv[3];
	size_t i;
	int ret = 0;

	memset(out, 0, n * sizeof(*out));
	lg_capture_init(&cap, 1 << 16, 1 << 16);
	req = write_request(workdir, root, in, n, err);
	if (!req) {
		ret = -1;
		goto out;
	}
	argv[0] = (char *)tool;
	argv[1] = req;
	argv[2] = NULL;
	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.timeout = timeout;
	o.grace = 1;
	o.on_stdout = sink;
	o.ctx = &text;
	o.err_capture = &cap;
	if (lg_proc_run(&o, &r, err)) {
		ret = -1;
		goto out;
	}
	lg_capture_text(&cap, &errtext);
	if (r.exit_code != 0 || r.timed_out)
		ret = lg_error(err, "the TestMain rewriter %s: %s",
			       r.timed_out ? "did not finish in time" : "failed",
			       errtext.len ? errtext.buf : "(no output)");
	else
		ret = read_answer(&text, in, n, out, err);
out:
	if (ret) {
		for (i = 0; i < n; i++) {
			lg_rewrite_out_release(&out[i]);
			out[i].via = LG_VIA_NONE;
			out[i].reason = lg_xasprintf("TestMain not rewritten: %s", err->msg);
		}
	}
	free(req);
	lg_buf_release(&text);
	lg_buf_release(&errtext);
	lg_capture_release(&cap);
	return ret;
}
