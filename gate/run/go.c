/*
 * go.c — `go env`, `go list` and `go test -c`, run as children.
 *
 * go list speaks a stream of JSON objects (one per package); jansson reads
 * them one after the other.  TestMain detection reads the package's test
 * files, capped, looking for a top-level `func TestMain(` declaration.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "go.h"
#include "proc.h"

#define TEST_FILE_CAP ((size_t)8 << 20)

struct sink {
	struct lg_buf *buf;
	size_t cap;
	int overflow;
};

static void sink_add(void *ctx, const char *data, size_t len)
{
	struct sink *s = ctx;

	if (s->buf->len + len > s->cap) {
		s->overflow = 1;
		return;
	}
	lg_buf_add(s->buf, data, len);
}

/* Runs a go command in `dir`, collecting stdout (and stderr when merged). */
static int run_go_env(char **argv, const char *dir, char *const *envp, double timeout,
		      int merge, size_t cap, struct lg_buf *out, struct lg_buf *errout,
		      int *status, double *secs, struct lg_err *err)
{
	struct sink s = { out, cap, 0 };
	struct lg_capture cap_err;
	struct lg_proc_opts o;
	struct lg_proc_result r;
	int ret;

	lg_capture_init(&cap_err, 1 << 20, 1 << 20);
	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.dir = dir;
	o.envp = envp;
	o.timeout = timeout;
	o.grace = 2;
	o.merge_stderr = merge;
	o.on_stdout = sink_add;
	o.ctx = &s;
	o.err_capture = &cap_err;
	ret = lg_proc_run(&o, &r, err);
	if (!ret) {
		*status = r.exit_code;
		if (secs)
			*secs = r.seconds;
		if (errout)
			lg_capture_text(&cap_err, errout);
		if (r.exit_code == 127)
			ret = lg_error(err, "cannot run '%s': not found in PATH", argv[0]);
		else if (r.timed_out)
			ret = lg_error(err, "'%s %s' did not finish within %.0fs", argv[0],
				       argv[1], timeout);
		else if (s.overflow)
			ret = lg_error(err, "'%s %s' printed more than %zu bytes", argv[0],
				       argv[1], cap);
	}
	lg_capture_release(&cap_err);
	return ret;
}

static int run_go(char **argv, const char *dir, double timeout, int merge, size_t cap,
		  struct lg_buf *out, struct lg_buf *errout, int *status, double *secs,
		  struct lg_err *err)
{
	return run_go_env(argv, dir, NULL, timeout, merge, cap, out, errout, status, secs, err);
}

static void argv_push(char ***argv, size_t *n, size_t *alloc, const char *s)
{
	LG_GROW(*argv, *alloc, *n + 2);
	(*argv)[(*n)++] = (char *)s;
	(*argv)[*n] = NULL;
}

void lg_gopkg_release(struct lg_gopkg *p)
{
	free(p->import_path);
	free(p->name);
	free(p->dir);
	free(p->list_error);
	lg_strv_free(p->gofiles);
	lg_strv_free(p->testgofiles);
	lg_strv_free(p->xtestgofiles);
	memset(p, 0, sizeof(*p));
}

void lg_golist_release(struct lg_golist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		lg_gopkg_release(&l->pkgs[i]);
	free(l->pkgs);
	free(l->module_path);
	free(l->module_root);
	free(l->go_version);
	free(l->goroot);
	free(l->gomodcache);
	free(l->go_experiment);
	memset(l, 0, sizeof(*l));
}

/* Does the source text declare a top-level TestMain? */
static int declares_testmain(const char *text)
{
	const char *p = text;

	while ((p = strstr(p, "func TestMain(")) != NULL) {
		if (p == text || p[-1] == '\n')
			return 1;
		p++;
	}
	return 0;
}

static void scan_test_files(struct lg_gopkg *pkg, json_t *files)
{
	size_t i;
	json_t *f;

	json_array_foreach(files, i, f) {
		struct lg_buf text = LG_BUF_INIT;
		char *path;

		if (!json_is_string(f))
			continue;
		pkg->has_tests = 1;
		path = lg_xasprintf("%s/%s", pkg->dir, json_string_value(f));
		if (!lg_read_file(path, TEST_FILE_CAP, &text, NULL)) {
			if (declares_testmain(text.buf))
				pkg->own_testmain = 1;
			if (strstr(text.buf, "leakgatehook."))
				pkg->calls_hook = 1;
		}
		free(path);
		lg_buf_release(&text);
	}
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A NULL-terminated copy of a go list file-name array (never NULL). */
static char **file_list(json_t *files)
{
	size_t n = json_is_array(files) ? json_array_size(files) : 0, k = 0, i;
	char **v = lg_xcalloc(n + 1, sizeof(*v));
	json_t *f;

	json_array_foreach(files, i, f) {
		if (json_is_string(f))
			v[k++] = lg_xstrdup(json_string_value(f));
	}
	return v;
}

static void add_package(struct lg_golist *l, json_t *o)
{
	struct lg_gopkg *p;
	json_t *e = json_object_get(o, "Error");
	const char *s;

	l->pkgs = lg_xrealloc(l->pkgs, (l->n + 1) * sizeof(*l->pkgs));
	p = &l->pkgs[l->n++];
	memset(p, 0, sizeof(*p));
	p->import_path = lg_xstrdup((s = jstr(o, "ImportPath")) ? s : "?");
	p->name = lg_xstrdup((s = jstr(o, "Name")) ? s : "");
	p->dir = lg_xstrdup((s = jstr(o, "Dir")) ? s : "");
	if (json_is_object(e) && (s = jstr(e, "Err")))
		p->list_error = lg_xstrdup(s);
	if (!l->module_path) {
		json_t *m = json_object_get(o, "Module");

		if (json_is_object(m) && jstr(m, "Path"))
			l->module_path = lg_xstrdup(jstr(m, "Path"));
	}
	scan_test_files(p, json_object_get(o, "TestGoFiles"));
	scan_test_files(p, json_object_get(o, "XTestGoFiles"));
	p->gofiles = file_list(json_object_get(o, "GoFiles"));
	p->testgofiles = file_list(json_object_get(o, "TestGoFiles"));
	p->xtestgofiles = file_list(json_object_get(o, "XTestGoFiles"));
}

/*
 * `go list -json` prints a stream of objects, one after another, not one
 * document, so this reads them with json_loadb(JSON_DISABLE_EOF_CHECK) in
 * a loop instead of the capped one-document reader (lg_json_load); the
 * output is go's own and capped where it is captured.  0, or -1 with `err`.
 */
static int parse_list(struct lg_golist *l, const struct lg_buf *out, struct lg_err *err)
{
	size_t off = 0;

	while (off < out->len) {
		json_error_t je;
		json_t *o;

		while (off < out->len && strchr(" \t\r\n", out->buf[off]))
			off++;
		if (off >= out->len)
			break;
		o = json_loadb(out->buf + off, out->len - off, JSON_DISABLE_EOF_CHECK, &je);
		if (!o)
			return lg_error(err, "go list: cannot parse its output at byte %zu: %s",
					off, je.text);
		off += je.position;
		if (json_is_object(o))
			add_package(l, o);
		json_decref(o);
	}
	return 0;
}

static char *trim_dup(const struct lg_buf *b)
{
	size_t n = b->len;

	while (n && (b->buf[n - 1] == '\n' || b->buf[n - 1] == '\r'))
		n--;
	return lg_xstrndup(b->buf, n);
}

static int go_env(struct lg_golist *l, double timeout, struct lg_err *err)
{
	char *argv[] = { "go", "env", "GOMOD", "GOVERSION", "GOEXPERIMENT", "GOROOT", "GOMODCACHE", NULL };
	struct lg_buf out = LG_BUF_INIT, errs = LG_BUF_INIT;
	char *nl;
	int status = 0, ret;

	ret = run_go(argv, NULL, timeout, 0, 1 << 20, &out, &errs, &status, NULL, err);
	if (ret)
		goto out;
	if (status != 0) {
		ret = lg_error(err, "go env failed: %s", errs.buf);
		goto out;
	}
	nl = strchr(out.buf, '\n');
	if (!nl || nl == out.buf || lg_starts_with(out.buf, "/dev/null\n") ||
	    !lg_starts_with(out.buf, "/")) {
		ret = lg_error(err, "not inside a Go module (go env GOMOD is empty): "
				    "run leakgate from a directory with a go.mod");
		goto out;
	}
	*nl = '\0';
	{
		char *slash = strrchr(out.buf, '/');

		l->module_root = lg_xstrndup(out.buf, slash > out.buf ? (size_t)(slash - out.buf) : 1);
	}
	{
		struct lg_buf v = LG_BUF_INIT;
		char *version = nl + 1, *exp = strchr(version, '\n'), *root = NULL;
		char *modcache = NULL;

		if (exp)
			*exp++ = '\0';
		if (exp && (root = strchr(exp, '\n')))
			*root++ = '\0';
		if (root && (modcache = strchr(root, '\n')))
			*modcache++ = '\0';
		lg_buf_adds(&v, version);
		l->go_version = trim_dup(&v);
		lg_buf_reset(&v);
		lg_buf_adds(&v, exp ? exp : "");
		l->go_experiment = trim_dup(&v);
		lg_buf_reset(&v);
		lg_buf_adds(&v, root ? root : "");
		l->goroot = trim_dup(&v);
		lg_buf_reset(&v);
		lg_buf_adds(&v, modcache ? modcache : "");
		l->gomodcache = trim_dup(&v);
		lg_buf_release(&v);
	}
out:
	lg_buf_release(&out);
	lg_buf_release(&errs);
	return ret;
}

/* 1 when the comma-separated list `list` holds `item`. */
static int has_item(const char *list, const char *item)
{
	size_t n = strlen(item);

	while (list && *list) {
		const char *end = strchr(list, ',');
		size_t len = end ? (size_t)(end - list) : strlen(list);

		if (len == n && strncmp(list, item, n) == 0)
			return 1;
		list = end ? end + 1 : NULL;
	}
	return 0;
}

int lg_go_has_leak_profile(const char *go_version, const char *go_experiment)
{
	char *end;
	long minor;

	if (!go_version || !lg_starts_with(go_version, "go1."))
		return -1;
	minor = strtol(go_version + 4, &end, 10);
	if (end == go_version + 4)
		return -1;
	if (minor >= 27)
		return 1;
	if (minor == 26)
		return has_item(go_experiment, "goroutineleakprofile");
	return 0;
}

int lg_go_list(char *const *patterns, size_t npatterns, const struct lg_goflags *flags,
	       struct lg_golist *out, struct lg_err *err)
{
	char **argv = NULL;
	size_t n = 0, alloc = 0, i;
	struct lg_buf stdout_buf = LG_BUF_INIT, errs = LG_BUF_INIT;
	int status = 0, ret;

	memset(out, 0, sizeof(*out));
	ret = go_env(out, flags->timeout, err);
	if (ret)
		goto out;
	argv_push(&argv, &n, &alloc, "go");
	argv_push(&argv, &n, &alloc, "list");
	argv_push(&argv, &n, &alloc, "-e");
	argv_push(&argv, &n, &alloc, "-json=ImportPath,Name,Dir,GoFiles,TestGoFiles,XTestGoFiles,Error,Module");
	for (i = 0; i < flags->nargs; i++)
		argv_push(&argv, &n, &alloc, flags->args[i]);
	argv_push(&argv, &n, &alloc, "--");
	for (i = 0; i < npatterns; i++)
		argv_push(&argv, &n, &alloc, patterns[i]);
	ret = run_go(argv, NULL, flags->timeout, 0, LG_GO_MAX_LIST_OUTPUT, &stdout_buf, &errs,
		     &status, NULL, err);
	if (ret)
		goto out;
	ret = parse_list(out, &stdout_buf, err);
	if (!ret && out->n == 0)
		ret = lg_error(err, "go list matched no packages%s%s",
			       errs.len ? ": " : "", errs.buf);
	if (!out->module_path)
		out->module_path = lg_xstrdup("");
out:
	free(argv);
	lg_buf_release(&stdout_buf);
	lg_buf_release(&errs);
	return ret;
}

int lg_go_build_test(const struct lg_gopkg *pkg, const char *module_root,
		     const struct lg_goflags *flags, const char *overlay,
		     const char *binary, int *built, struct lg_buf *output,
		     double *seconds, struct lg_err *err)
{
	char **argv = NULL;
	size_t n = 0, alloc = 0, i;
	char *overlay_arg = NULL, *out_arg = NULL;
	int status = 0, ret;

	*built = 0;
	argv_push(&argv, &n, &alloc, "go");
	argv_push(&argv, &n, &alloc, "test");
	argv_push(&argv, &n, &alloc, "-c");
	out_arg = lg_xasprintf("-o=%s", binary);
	argv_push(&argv, &n, &alloc, out_arg);
	if (overlay) {
		overlay_arg = lg_xasprintf("-overlay=%s", overlay);
		argv_push(&argv, &n, &alloc, overlay_arg);
	}
	for (i = 0; i < flags->nargs; i++)
		argv_push(&argv, &n, &alloc, flags->args[i]);
	argv_push(&argv, &n, &alloc, pkg->import_path);
	ret = run_go(argv, module_root, flags->timeout, 1, LG_GO_MAX_BUILD_OUTPUT, output, NULL,
		     &status, seconds, err);
	if (!ret)
		*built = status == 0;
	free(argv);
	free(overlay_arg);
	free(out_arg);
	return ret;
}

char *lg_go_test_binary_name(const char *import_path)
{
	const char *end = import_path + strlen(import_path), *start, *prev;

	start = end;
	while (start > import_path && start[-1] != '/')
		start--;
	/*
	 * A major-version suffix (".../foo/v2") names the binary after foo, as
	 * cmd/go's DefaultExecName does: v2 and up, so ".../api/v1" stays v1.
	 */
	if (start > import_path && start[0] == 'v' && start[1] >= '1' && start[1] <= '9' &&
	    !(start[1] == '1' && end - start == 2) &&
	    strspn(start + 1, "0123456789") == (size_t)(end - start - 1)) {
		prev = start - 1;
		while (prev > import_path && prev[-1] != '/')
			prev--;
		if (prev < start - 1) {
			end = start - 1;
			start = prev;
		}
	}
	return lg_xasprintf("%.*s.test", (int)(end - start), start);
}

void lg_gobuild_result_release(struct lg_gobuild_result *r)
{
	free(r->binary);
	lg_buf_release(&r->output);
	r->binary = NULL;
	r->built = 0;
}

/* "# import/path" or "# import/path [import/path.test]" heads a package's errors. */
static int section_matches(const char *line, size_t len, const char *import_path)
{
	size_t n = strlen(import_path);

	if (len < 2 + n || strncmp(line, "# ", 2) != 0 || strncmp(line + 2, import_path, n) != 0)
		return 0;
	return len == 2 + n || line[2 + n] == ' ';
}

/* Splits combined go output into per-package sections; returns which had one. */
static void split_output(const struct lg_buf *out, const struct lg_gopkg *const *pkgs, size_t n,
			 struct lg_gobuild_result *res, int *had_section)
{
	const char *p = out->buf, *end = out->buf + out->len;
	long cur = -1;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t i;

		if (len > 2 && p[0] == '#' && p[1] == ' ') {
			cur = -1;
			for (i = 0; i < n; i++)
				if (section_matches(p, len, pkgs[i]->import_path)) {
					cur = (long)i;
					had_section[i] = 1;
				}
		}
		if (cur >= 0) {
			lg_buf_add(&res[cur].output, p, len);
			lg_buf_addch(&res[cur].output, '\n');
		}
		p += len + (nl ? 1 : 0);
	}
}

int lg_go_build_tests(const struct lg_gopkg *const *pkgs, size_t n, const char *module_root,
		      const struct lg_goflags *flags, const char *overlay, const char *outdir,
		      struct lg_gobuild_result *res, double *seconds, struct lg_err *err)
{
	char **argv = NULL, *out_arg = NULL, *overlay_arg = NULL;
	size_t argc = 0, alloc = 0, i;
	struct lg_buf output = LG_BUF_INIT;
	int status = 0, ret, *had = lg_xcalloc(n ? n : 1, sizeof(int));

	argv_push(&argv, &argc, &alloc, "go");
	argv_push(&argv, &argc, &alloc, "test");
	argv_push(&argv, &argc, &alloc, "-c");
	out_arg = lg_xasprintf("-o=%s/", outdir);
	argv_push(&argv, &argc, &alloc, out_arg);
	if (overlay) {
		overlay_arg = lg_xasprintf("-overlay=%s", overlay);
		argv_push(&argv, &argc, &alloc, overlay_arg);
	}
	for (i = 0; i < flags->nargs; i++)
		argv_push(&argv, &argc, &alloc, flags->args[i]);
	for (i = 0; i < n; i++)
		argv_push(&argv, &argc, &alloc, pkgs[i]->import_path);
	ret = run_go(argv, module_root, flags->timeout, 1, LG_GO_MAX_BUILD_OUTPUT * 4, &output,
		     NULL, &status, seconds, err);
	if (ret)
		goto out;
	split_output(&output, pkgs, n, res, had);
	for (i = 0; i < n && !ret; i++) {
		char *name = lg_go_test_binary_name(pkgs[i]->import_path);
		char *bin = lg_xasprintf("%s/%s", outdir, name);
		int exists = access(bin, X_OK) == 0;

		free(name);
		if (status == 0) {
			res[i].built = exists;
		} else if (!had[i]) {
			/* The combined run failed, but not visibly here: decide alone. */
			lg_buf_reset(&res[i].output);
			ret = lg_go_build_test(pkgs[i], module_root, flags, overlay, bin,
					       &res[i].built, &res[i].output, NULL, err);
		}
		if (res[i].built)
			res[i].binary = bin;
		else
			free(bin);
	}
out:
	free(had);
	free(argv);
	free(out_arg);
	free(overlay_arg);
	lg_buf_release(&output);
	return ret;
}

int lg_go_build_tool(const char *srcdir, const char *output, double timeout,
		     struct lg_buf *log, struct lg_err *err)
{
	extern char **environ;
	char *out_arg = lg_xasprintf("-o=%s", output);
	/*
	 * No -trimpath: it changes every package's build, so the first run
	 * would compile the standard library again (about 60 packages for the
	 * rewriter) where the user's go test has it in the build cache.
	 * -ldflags=-s -w: the tool needs no debugger.
	 */
	char *argv[] = { "go", "build", "-mod=mod", "-ldflags=-s -w", out_arg, ".", NULL };
	char **env;
	size_t n = 0, i;
	int status = 0, ret;

	for (i = 0; environ[i]; i++)
		;
	env = lg_xcalloc(i + 3, sizeof(*env));
	/* The tool is its own module: the user's workspace and flags are not its. */
	for (i = 0; environ[i]; i++)
		if (!lg_starts_with(environ[i], "GOWORK=") && !lg_starts_with(environ[i], "GOFLAGS="))
			env[n++] = environ[i];
	env[n++] = "GOWORK=off";
	env[n++] = "GOFLAGS=";
	ret = run_go_env(argv, srcdir, env, timeout, 1, LG_GO_MAX_BUILD_OUTPUT, log, NULL,
			 &status, NULL, err);
	if (!ret && status != 0)
		ret = lg_error(err, "go build of '%s' failed: %s", srcdir,
			       log->len ? log->buf : "(no output)");
	free(env);
	free(out_arg);
	return ret;
}
