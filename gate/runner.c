/*
 * runner.c — the `leakgate run` pipeline for each package: overlay, build,
 * run under the gate's environment, collect, judge.
 *
 * A package's work directory holds its test binary, the overlay and the
 * hook's snapshots; it is removed afterwards unless asked to keep it.
 * stderr is split line by line: schedtrace lines become samples, the rest
 * (crash and SIGQUIT dumps, test noise) is kept within a head+tail budget.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hook.h"
#include "proc.h"
#include "runner.h"
#include "schedtrace.h"
#include "test2json.h"
#include "verdict.h"

extern char **environ;

#define STDERR_HEAD ((size_t)8 << 20)
#define STDERR_TAIL ((size_t)56 << 20)
#define STDERR_MAX_LINE (64 * 1024)

struct pool {
	const struct lg_runner_opts *o;
	struct lg_golist *list;
	struct lg_run *run;
	char *workdir;
	size_t next, done;
	pthread_mutex_t mu;
};

/* Collects one binary's output while it runs. */
struct collect {
	struct lg_t2j *t2j;
	struct lg_capture err;
	struct lg_buf line;
	struct lg_package *p;
	size_t sched_alloc;
};

static void on_stdout(void *ctx, const char *data, size_t len)
{
	struct collect *c = ctx;

	lg_t2j_feed(c->t2j, data, len);
}

static void stderr_line(struct collect *c, const char *s, size_t len, int nl)
{
	struct lg_sched_sample smp;
	struct lg_package *p = c->p;

	if (lg_sched_is_line(s, len)) {
		if (p->nsched < LG_SCHED_MAX_SAMPLES && !lg_sched_parse_line(s, len, &smp)) {
			LG_GROW(p->sched, c->sched_alloc, p->nsched + 1);
			p->sched[p->nsched++] = smp;
		}
		return;
	}
	if (lg_sched_is_detail_line(s, len))
		return;
	lg_capture_add(&c->err, s, len);
	if (nl)
		lg_capture_add(&c->err, "\n", 1);
}

static void on_stderr(void *ctx, const char *data, size_t len)
{
	struct collect *c = ctx;

	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;

		if (!nl) {
			lg_buf_add(&c->line, data, n);
			if (c->line.len > STDERR_MAX_LINE) {
				stderr_line(c, c->line.buf, c->line.len, 0);
				lg_buf_reset(&c->line);
			}
			return;
		}
		if (c->line.len) {
			lg_buf_add(&c->line, data, n);
			stderr_line(c, c->line.buf, c->line.len, 1);
			lg_buf_reset(&c->line);
		} else {
			stderr_line(c, data, n, 1);
		}
		data += n + 1;
		len -= n + 1;
	}
}

static int has_key(const char *godebug, const char *key)
{
	size_t n = strlen(key);
	const char *p = godebug;

	while (p && *p) {
		if (strncmp(p, key, n) == 0 && p[n] == '=')
			return 1;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return 0;
}

/* The user's GODEBUG with the gate's settings added where the user has none. */
static char *godebug_value(const struct lg_config *cfg)
{
	const char *user = getenv("GODEBUG");
	struct lg_buf b = LG_BUF_INIT;

	if (user && *user)
		lg_buf_adds(&b, user);
	if (cfg->schedtrace_ms > 0 && !has_key(user, "schedtrace"))
		lg_buf_addf(&b, "%sschedtrace=%d", b.len ? "," : "", cfg->schedtrace_ms);
	if (cfg->ancestors > 0 && !has_key(user, "tracebackancestors"))
		lg_buf_addf(&b, "%stracebackancestors=%d", b.len ? "," : "", cfg->ancestors);
	return lg_buf_detach(&b, NULL);
}

static char **build_env(const struct lg_config *cfg, const char *hookdir)
{
	char **env = NULL, *gd = godebug_value(cfg);
	size_t n = 0, alloc = 0, i;

	for (i = 0; environ[i]; i++) {
		if (lg_starts_with(environ[i], "GODEBUG=") || lg_starts_with(environ[i], "GOTRACEBACK=") ||
		    lg_starts_with(environ[i], "LEAKGATE_"))
			continue;
		LG_GROW(env, alloc, n + 1);
		env[n++] = lg_xstrdup(environ[i]);
	}
	LG_GROW(env, alloc, n + 7);
	env[n++] = lg_xasprintf("GODEBUG=%s", gd);
	env[n++] = lg_xstrdup("GOTRACEBACK=crash");
	env[n++] = lg_xasprintf("LEAKGATE_HOOK_DIR=%s", hookdir);
	env[n++] = lg_xasprintf("LEAKGATE_HOOK_PROTOCOL=%d", LG_HOOK_PROTOCOL);
	env[n++] = lg_xasprintf("LEAKGATE_SETTLE=%.0fms", cfg->settle * 1000.0);
	env[n] = NULL;
	free(gd);
	return env;
}

static void free_strv(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* "file.go:12:3: message" -> location (paths are relative to the module root). */
static void compiler_loc(const char *out, struct lg_location *loc)
{
	const char *line = out;

	while (line && *line) {
		const char *go = strstr(line, ".go:");
		const char *nl = strchr(line, '\n');

		if (go && (!nl || go < nl) && *line != '#') {
			const char *start = line;

			while (*start == ' ' || *start == '\t')
				start++;
			if (lg_starts_with(start, "./"))
				start += 2;
			loc->file = lg_xstrndup(start, (size_t)(go + 3 - start));
			loc->line = atoi(go + 4);
			return;
		}
		line = nl ? nl + 1 : NULL;
	}
}

static void build_failed(struct lg_package *p, const char *why, struct lg_buf *output)
{
	struct lg_check *c = lg_package_add_check(p, LG_CHECK_BUILD, LG_STATUS_ERROR);

	c->message = lg_xstrdup(why);
	if (output) {
		compiler_loc(output->buf, &c->loc);
		c->detail = lg_xstrndup(output->buf, output->len);
	}
}

static char *join_rel(const char *rel_dir, const char *file)
{
	if (!rel_dir || strcmp(rel_dir, ".") == 0 || strchr(file, '/'))
		return lg_xstrdup(file);
	return lg_xasprintf("%s/%s", rel_dir, file);
}

static void fix_test_locations(struct lg_package *p)
{
	size_t i;

	for (i = 0; i < p->ntests; i++) {
		struct lg_location *l = &p->tests[i].loc;
		char *f;

		if (!l->file)
			continue;
		f = join_rel(p->rel_dir, l->file);
		free(l->file);
		l->file = f;
	}
}

static char **binary_argv(const struct lg_runner_opts *o, const char *binary)
{
	char **argv = lg_xcalloc(o->ntest_args + 4, sizeof(char *));
	size_t n = 0, i;

	argv[n++] = (char *)binary;
	argv[n++] = "-test.timeout=0";
	argv[n++] = "-test.v=test2json";
	for (i = 0; i < o->ntest_args; i++)
		argv[n++] = o->test_args[i];
	argv[n] = NULL;
	return argv;
}

static void notify(struct pool *pl, enum lg_runner_event ev, const struct lg_package *p)
{
	if (!pl->o->progress)
		return;
	pthread_mutex_lock(&pl->mu);
	pl->o->progress(pl->o->ctx, ev, p, pl->done, pl->list->n);
	pthread_mutex_unlock(&pl->mu);
}

/* Runs the built binary and judges it. */
static void run_binary(struct pool *pl, const struct lg_gopkg *gp, struct lg_package *p,
		       const char *binary, const char *hookdir, int inject)
{
	const struct lg_runner_opts *o = pl->o;
	struct collect c;
	struct lg_proc_opts po;
	struct lg_proc_result r;
	struct lg_hook_manifest m;
	struct lg_verdict_in vin;
	struct lg_buf errtext = LG_BUF_INIT;
	struct lg_err err, herr;
	char **env = build_env(o->cfg, hookdir), **argv = binary_argv(o, binary);
	int hook_failed;

	memset(&c, 0, sizeof(c));
	c.t2j = lg_t2j_new();
	c.p = p;
	lg_capture_init(&c.err, STDERR_HEAD, STDERR_TAIL);
	lg_buf_init(&c.line);
	memset(&po, 0, sizeof(po));
	po.argv = argv;
	po.dir = gp->dir;
	po.envp = env;
	po.timeout = o->cfg->timeout;
	po.grace = o->cfg->grace;
	po.allow_core = o->allow_core;
	po.on_stdout = on_stdout;
	po.on_stderr = on_stderr;
	po.ctx = &c;
	notify(pl, LG_EV_RUN, p);
	if (lg_proc_run(&po, &r, &err)) {
		build_failed(p, err.msg, NULL);
		goto out;
	}
	if (c.line.len)
		stderr_line(&c, c.line.buf, c.line.len, 0);
	lg_t2j_finish(c.t2j);
	p->exit_code = r.exit_code;
	p->term_signal = r.term_signal;
	p->run_seconds = r.seconds;
	memset(&vin, 0, sizeof(vin));
	vin.t2j_complete = lg_t2j_complete(c.t2j);
	lg_t2j_take(c.t2j, p);
	fix_test_locations(p);
	lg_capture_text(&c.err, &errtext);
	hook_failed = lg_hook_read_manifest(hookdir, &m, &herr);
	vin.cfg = o->cfg;
	vin.module_root = pl->list->module_root;
	vin.proc = &r;
	vin.stderr_text = errtext.buf;
	vin.stderr_len = errtext.len;
	vin.hook = &m;
	vin.hook_error = hook_failed ? herr.msg : NULL;
	vin.own_testmain = gp->own_testmain;
	vin.inject = inject;
	vin.read_sources = 1;
	lg_verdict_package(&vin, p);
	lg_hook_manifest_release(&m);
out:
	lg_t2j_free(c.t2j);
	lg_capture_release(&c.err);
	lg_buf_release(&c.line);
	lg_buf_release(&errtext);
	free_strv(env);
	free(argv);
}

static char *rel_dir(const char *root, const char *dir)
{
	size_t n = strlen(root);

	if (strcmp(root, dir) == 0)
		return lg_xstrdup(".");
	if (strncmp(dir, root, n) == 0 && dir[n] == '/')
		return lg_xstrdup(dir + n + 1);
	return lg_xstrdup(dir);
}

static void process(struct pool *pl, size_t i)
{
	const struct lg_gopkg *gp = &pl->list->pkgs[i];
	struct lg_package *p = &pl->run->pkgs[i];
	char *dir = NULL, *hookdir = NULL, *binary = NULL, *overlay = NULL;
	struct lg_buf out = LG_BUF_INIT;
	struct lg_err err;
	int inject = pl->o->inject && !gp->own_testmain;

	p->import_path = lg_xstrdup(gp->import_path);
	p->dir = lg_xstrdup(gp->dir);
	p->rel_dir = rel_dir(pl->list->module_root, gp->dir);
	p->exit_code = 0;
	if (gp->list_error) {
		build_failed(p, gp->list_error, NULL);
		goto out;
	}
	if (!gp->has_tests) {
		p->built = 1;
		p->no_tests = 1;
		goto out;
	}
	dir = lg_xasprintf("%s/%zu", pl->workdir, i);
	hookdir = lg_xasprintf("%s/hook", dir);
	binary = lg_xasprintf("%s/pkg.test", dir);
	if (mkdir(dir, 0700) || mkdir(hookdir, 0700)) {
		build_failed(p, "cannot create a work directory", NULL);
		goto out;
	}
	if (inject && lg_hook_write_overlay(dir, gp->dir, gp->name, &overlay, &err)) {
		build_failed(p, err.msg, NULL);
		goto out;
	}
	notify(pl, LG_EV_BUILD, p);
	if (lg_go_build_test(gp, pl->list->module_root, &pl->o->goflags, overlay, binary,
			     &p->built, &out, &p->build_seconds, &err)) {
		build_failed(p, err.msg, NULL);
		goto out;
	}
	if (!p->built) {
		build_failed(p, "test binary failed to build", &out);
		goto out;
	}
	if (access(binary, X_OK) != 0) {
		p->no_tests = 1; /* go test -c wrote nothing: no tests after all */
		goto out;
	}
	run_binary(pl, gp, p, binary, hookdir, inject);
out:
	free(dir);
	free(hookdir);
	free(binary);
	free(overlay);
	lg_buf_release(&out);
}

static void *worker(void *arg)
{
	struct pool *pl = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&pl->mu);
		i = pl->next++;
		pthread_mutex_unlock(&pl->mu);
		if (i >= pl->list->n || lg_proc_interrupted())
			break;
		process(pl, i);
		pthread_mutex_lock(&pl->mu);
		pl->done++;
		if (pl->o->progress)
			pl->o->progress(pl->o->ctx, LG_EV_DONE, &pl->run->pkgs[i], pl->done,
					pl->list->n);
		pthread_mutex_unlock(&pl->mu);
	}
	return NULL;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void mark_unrun(struct pool *pl)
{
	size_t i;

	for (i = 0; i < pl->list->n; i++) {
		struct lg_package *p = &pl->run->pkgs[i];

		if (p->import_path)
			continue;
		p->import_path = lg_xstrdup(pl->list->pkgs[i].import_path);
		p->dir = lg_xstrdup(pl->list->pkgs[i].dir);
		p->rel_dir = rel_dir(pl->list->module_root, pl->list->pkgs[i].dir);
		build_failed(p, "not run: leakgate was interrupted", NULL);
	}
}

static int start_pool(struct pool *pl, int jobs)
{
	pthread_t *th = lg_xcalloc((size_t)jobs, sizeof(*th));
	int i, started = 0;

	for (i = 0; i < jobs; i++)
		if (pthread_create(&th[i], NULL, worker, pl) == 0)
			started++;
		else
			break;
	if (!started)
		worker(pl);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	return 0;
}

int lg_runner_run(const struct lg_runner_opts *o, struct lg_run *run, struct lg_err *err)
{
	struct lg_golist list;
	struct pool pl;
	const char *tmp = getenv("TMPDIR");
	double start = lg_now();
	int ret;

	memset(&pl, 0, sizeof(pl));
	run->started_unix = (int64_t)time(NULL);
	ret = lg_go_list(o->patterns, o->npatterns, &o->goflags, &list, err);
	if (ret)
		goto out;
	run->module_path = lg_xstrdup(list.module_path);
	run->module_root = lg_xstrdup(list.module_root);
	run->go_version = lg_xstrdup(list.go_version ? list.go_version : "");
	pl.workdir = lg_xasprintf("%s/leakgate-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(pl.workdir)) {
		ret = lg_error(err, "cannot create a work directory in '%s': %s",
			       tmp && *tmp ? tmp : "/tmp", strerror(errno));
		goto out;
	}
	run->pkgs = lg_xcalloc(list.n, sizeof(*run->pkgs));
	run->npkgs = list.n;
	pl.o = o;
	pl.list = &list;
	pl.run = run;
	pthread_mutex_init(&pl.mu, NULL);
	start_pool(&pl, o->jobs > 0 ? o->jobs : 1);
	pthread_mutex_destroy(&pl.mu);
	mark_unrun(&pl);
	if (!o->keep_tmp)
		nftw(pl.workdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
out:
	run->seconds = lg_now() - start;
	free(pl.workdir);
	lg_golist_release(&list);
	return ret;
}
