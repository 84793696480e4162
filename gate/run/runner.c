/*
 * runner.c — the `leakgate run` pipeline: list the packages, build their
 * test binaries (hook overlay, TestMain rewriting, go test -c under the
 * cache's lock, in a thread of its own), while worker threads take the
 * packages in turn, each as soon as its binary is built, and run each
 * one's steps: the first run, the evidence run of a failing package,
 * --stress (runner_exec.c, runner_judge.c, runner_rerun.c).
 *
 * A package's work directory holds the hook's snapshots of its runs; it is
 * removed afterwards unless asked to keep it.  Test binaries and overlays
 * live in the build cache, kept between runs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runner_int.h"
#include "schedule.h"

/* How a reason for skipped leak checks begins (verdict.c prints it as is). */
#define LG_SKIPPED "leak checks skipped: "

void lg_runner_note(struct pool *pl, const struct lg_package *p, const char *line)
{
	if (!pl->o->note)
		return;
	pthread_mutex_lock(&pl->mu);
	pl->o->note(pl->o->ctx, p, line);
	pthread_mutex_unlock(&pl->mu);
}

void lg_runner_notify(struct pool *pl, enum lg_runner_event ev, const struct lg_package *p)
{
	if (!pl->o->progress)
		return;
	pthread_mutex_lock(&pl->mu);
	pl->o->progress(pl->o->ctx, ev, p, pl->done, pl->list->n);
	pthread_mutex_unlock(&pl->mu);
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

void lg_runner_build_failed(struct lg_package *p, const char *why, struct lg_buf *output)
{
	struct lg_check *c = lg_package_add_check(p, LG_CHECK_BUILD, LG_STATUS_ERROR);

	c->message = lg_xstrdup(why);
	if (output) {
		compiler_loc(output->buf, &c->loc);
		c->detail = lg_xstrndup(output->buf, output->len);
	}
}

/* dir relative to the module root, "." for the root, dir itself when outside it. */
static char *rel_dir(const char *root, const char *dir)
{
	size_t n = strlen(root);

	if (strcmp(root, dir) == 0)
		return lg_xstrdup(".");
	if (strncmp(dir, root, n) == 0 && dir[n] == '/')
		return lg_xstrdup(dir + n + 1);
	return lg_xstrdup(dir);
}

/* Package i of the run gets its names from go list. */
static void identify(struct pool *pl, size_t i)
{
	const struct lg_gopkg *gp = &pl->list->pkgs[i];
	struct lg_package *p = &pl->run->pkgs[i];

	p->import_path = lg_xstrdup(gp->import_path);
	p->dir = lg_xstrdup(gp->dir);
	p->rel_dir = rel_dir(pl->list->module_root, gp->dir);
}

/* Runs package i's test binary (the build phase is over). */
static void process(struct pool *pl, size_t i)
{
	const struct lg_gopkg *gp = &pl->list->pkgs[i];
	struct lg_package *p = &pl->run->pkgs[i];
	struct pkgstate *st = &pl->st[i];
	char *dir = NULL, *hookdir = NULL;
	enum lg_sched_need need;
	int direct, built;

	if (gp->list_error) {
		lg_runner_build_failed(p, gp->list_error, NULL);
		goto out;
	}
	if (!gp->has_tests) {
		p->built = 1;
		p->no_tests = 1;
		goto out;
	}
	pthread_mutex_lock(&pl->mu);
	while (!st->build_done && !pl->build_over)
		pthread_cond_wait(&pl->built, &pl->mu);
	built = st->build_done;
	pthread_mutex_unlock(&pl->mu);
	if (!built)
		goto out; /* interrupted before its build: mark_unrun says so */
	p->built = st->br.built;
	if (!p->built) {
		lg_runner_build_failed(p, st->br.output.len ? "test binary failed to build"
						 : "test binary was not built", &st->br.output);
		goto out;
	}
	dir = lg_xasprintf("%s/%zu", pl->workdir, i);
	hookdir = lg_xasprintf("%s/hook", dir);
	if (mkdir(dir, 0700) || mkdir(hookdir, 0700)) {
		lg_runner_build_failed(p, "cannot create a work directory", NULL);
		goto out;
	}
	/*
	 * A package whose leak groups needed an evidence run last time gets
	 * the evidence settings in its first run: it most likely leaks again,
	 * and a lean run before would be spent for nothing.  Not one whose heap
	 * check failed: its evidence run repeats the tests (heap passes), and
	 * only a lean run's test verdicts count.  One that passes runs lean
	 * next time.
	 */
	direct = pl->o->rerun && st->last_need == LG_SCHED_EVIDENCE;
	lg_runner_run_binary(pl, gp, p, st, hookdir, NULL, pl->o->cfg->timeout,
			     !pl->o->rerun || direct ? LG_RUN_EVIDENCE : LG_RUN_LEAN, 1);
	st->lean_seconds = p->run_seconds;
	st->timed = p->run_seconds > 0 && !lg_proc_interrupted();
	if (direct)
		p->evidence = LG_EVIDENCE_FIRST_RUN;
	need = lg_runner_wants_evidence(p, !pl->o->rerun || direct);
	/* signatures leave ancestry out: a lean run's groups match a baseline
	 * recorded from an evidence run */
	if (need != LG_SCHED_LEAN && pl->o->rerun && pl->o->accepted && p->hook == LG_HOOK_DONE &&
	    pl->o->accepted(pl->o->accepted_ctx, pl->list->module_root, p)) {
		if (!direct)
			p->evidence = LG_EVIDENCE_BASELINED;
		need = LG_SCHED_LEAN;
	}
	st->need = need;
	if (pl->o->rerun && !lg_proc_interrupted() &&
	    (direct ? need == LG_SCHED_PER_PASS : need != LG_SCHED_LEAN)) {
		if (need == LG_SCHED_EVIDENCE && lg_runner_targeted_run(pl, gp, p, st, dir))
			st->need = LG_SCHED_TARGETED;
		else
			lg_runner_evidence_run(pl, gp, p, st, dir);
	}
	if (need != LG_SCHED_LEAN) /* not for leaks a baseline accepts */
		lg_runner_deeper_run(pl, gp, p, st, dir);
	lg_runner_stress(pl, gp, p, st, dir);
out:
	free(dir);
	free(hookdir);
}

/* A worker thread: takes the next package until none is left or Ctrl-C. */
static void *worker(void *arg)
{
	struct pool *pl = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&pl->mu);
		i = pl->next < pl->list->n ? pl->order[pl->next] : pl->list->n;
		pl->next++;
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

/* nftw callback removing the work directory; a failure leaves the entry. */
static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

/*
 * The work directory's owner file, "<pid> <pid namespace>": a run killed
 * before it could remove its work directory (the OOM killer, SIGKILL)
 * leaves it behind with this file, and the next run removes it.
 */
#define WORK_OWNER "owner"
#define WORK_PREFIX "leakgate-"

#define WORK_OWNER_MAX 160

/* "<pid> pid:[inode]\n" of this process into buf (WORK_OWNER_MAX bytes);
 * pid namespace "" when /proc does not say.  Allocates nothing. */
static void work_owner(char *buf)
{
	char ns[128];
	ssize_t n = readlink("/proc/self/ns/pid", ns, sizeof(ns) - 1);

	ns[n > 0 ? n : 0] = '\0';
	snprintf(buf, WORK_OWNER_MAX, "%ld %s\n", (long)getpid(), ns);
}

/*
 * Writes the owner file into the new work directory `dir`.  It allocates
 * nothing, so a run that cannot allocate any more still leaves a directory
 * the next run can sweep.  A failure leaves the directory without it.
 */
static void write_work_owner(const char *dir, const char *text)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/" WORK_OWNER, dir) >= (int)sizeof(path))
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, text, strlen(text)) < 0)
		(void)unlink(path); /* half an owner is none */
	close(fd);
}

/*
 * Removes the work directories in `tmp` that earlier runs of this user were
 * killed before removing: a leakgate-XXXXXX directory whose owner file
 * names a process of this pid namespace that no longer exists.  One without
 * the file (--keep-work removes it; the run may have just made it), of
 * another user, of another pid namespace (a container sharing the
 * directory) or whose owner lives is left alone.  Cannot fail.
 */
static void sweep_stale_workdirs(const char *tmp)
{
	char mine[WORK_OWNER_MAX], *myns;
	DIR *d = opendir(tmp);
	struct dirent *e;

	work_owner(mine);
	myns = strchr(mine, ' ');
	while (d && (e = readdir(d))) {
		struct lg_buf text = LG_BUF_INIT;
		char *dir, *file, *ns, *end;
		struct stat sb;
		long pid;

		if (strncmp(e->d_name, WORK_PREFIX, strlen(WORK_PREFIX)) != 0 ||
		    strlen(e->d_name) != strlen(WORK_PREFIX) + 6)
			continue;
		dir = lg_xasprintf("%s/%s", tmp, e->d_name);
		file = lg_xasprintf("%s/%s", dir, WORK_OWNER);
		if (lstat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) && sb.st_uid == getuid() &&
		    !lg_read_file(file, 256, &text, NULL) && text.len) {
			pid = strtol(text.buf, &end, 10);
			ns = strchr(text.buf, ' ');
			if (pid > 0 && end != text.buf && ns && strlen(myns) > 2 &&
			    strcmp(ns, myns) == 0 && kill((pid_t)pid, 0) == -1 && errno == ESRCH)
				nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		}
		lg_buf_release(&text);
		free(file);
		free(dir);
	}
	if (d)
		closedir(d);
}

/* Packages the interrupted run never reached still get a result. */
static void mark_unrun(struct pool *pl)
{
	size_t i;

	for (i = 0; i < pl->list->n; i++) {
		struct lg_package *p = &pl->run->pkgs[i];

		if (p->built || p->nchecks || p->no_tests)
			continue;
		lg_runner_build_failed(p, "not run: leakgate was interrupted", NULL);
	}
}

/*
 * The build cache of this module and configuration: test binaries and the
 * hook overlay keep their paths between runs, so `go test -c` finds them up
 * to date and skips compiling and linking.  Safe to delete at any time.
 */
static char *cache_root(void)
{
	const char *base = getenv("LEAKGATE_CACHE"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");

	if (base && *base)
		return lg_xstrdup(base);
	if (xdg && *xdg == '/')
		return lg_xasprintf("%s/leakgate", xdg);
	if (home && *home == '/')
		return lg_xasprintf("%s/.cache/leakgate", home);
	return lg_xasprintf("/tmp/leakgate-cache-%ld", (long)getuid());
}

/* <root>/<hash of the module root, go flags and GO* variables>. */
static char *cache_dir(const struct lg_runner_opts *o, const char *root, const char *module_root)
{
	static const char *const vars[] = { "GOFLAGS", "GOOS", "GOARCH", "CGO_ENABLED",
					    "GOEXPERIMENT", "GOTOOLCHAIN", "GOARM", "GOAMD64" };
	uint64_t h = LG_FNV_OFFSET;
	size_t i;

	h = lg_fnv1a(h, module_root);
	for (i = 0; i < o->goflags.nargs; i++)
		h = lg_fnv1a(h, o->goflags.args[i]);
	for (i = 0; i < LG_ARRAY_SIZE(vars); i++)
		h = lg_fnv1a(h, getenv(vars[i]));
	return lg_xasprintf("%s/%016llx", root, (unsigned long long)h);
}

/*
 * Groups buildable packages into batches whose binary names differ (one
 * `go test -c -o DIR/` writes <name>.test files); batch[i] = batch of i.
 */
static size_t plan_batches(struct pool *pl, int *batch)
{
	size_t i, j, nb = 0;

	for (i = 0; i < pl->list->n; i++) {
		char *name;

		batch[i] = -1;
		if (!pl->st[i].buildable)
			continue;
		name = lg_go_test_binary_name(pl->list->pkgs[i].import_path);
		batch[i] = 0;
		for (j = 0; j < i; j++) {
			char *other;

			if (batch[j] != batch[i])
				continue;
			other = lg_go_test_binary_name(pl->list->pkgs[j].import_path);
			if (strcmp(name, other) == 0) {
				batch[i]++;
				j = (size_t)-1; /* restart: the new batch may clash too */
			}
			free(other);
		}
		if ((size_t)batch[i] + 1 > nb)
			nb = (size_t)batch[i] + 1;
		free(name);
	}
	return nb;
}

/*
 * Builds job j, packages of batch k (their binaries go to bin/<k>): the
 * overlay for the injected packages, then one go test -c.  Each package's
 * result is published (build_done) for the worker waiting for it.
 */
static void build_job(struct pool *pl, const int *job, int j, int k)
{
	const struct lg_gopkg **pkgs = lg_xcalloc(pl->list->n, sizeof(*pkgs));
	struct lg_hook_target *targets = lg_xcalloc(pl->list->n, sizeof(*targets));
	struct lg_gobuild_result *res = lg_xcalloc(pl->list->n, sizeof(*res));
	size_t *idx = lg_xcalloc(pl->list->n, sizeof(*idx));
	char *hookdir = lg_xasprintf("%s/hook", pl->cachedir);
	char *overlay = lg_xasprintf("%s/overlay-%d.json", pl->cachedir, j);
	char *outdir = lg_xasprintf("%s/bin/%d", pl->cachedir, k);
	size_t n = 0, nt = 0, i;
	double secs = 0;
	struct lg_err err;
	int failed = 0;

	for (i = 0; i < pl->list->n; i++) {
		if (job[i] != j)
			continue;
		idx[n] = i;
		pkgs[n] = &pl->list->pkgs[i];
		lg_buf_init(&res[n].output);
		if (pl->st[i].inject) {
			targets[nt].pkg_dir = pkgs[n]->dir;
			targets[nt].clause = pl->st[i].clause;
			targets[nt].with_main = pl->st[i].via == LG_VIA_INJECTED;
			targets[nt++].replace = pl->st[i].rw.replace;
		}
		n++;
	}
	lg_runner_notify(pl, LG_EV_BUILD, &pl->run->pkgs[idx[0]]);
	if (lg_mkdir_p(hookdir, 0700, NULL) || lg_mkdir_p(outdir, 0700, NULL)) {
		failed = lg_error(&err, "cannot create the build cache '%s': %s", pl->cachedir,
				  strerror(errno));
	} else if ((nt || pl->testdeps) &&
		   lg_hook_write_overlay(hookdir, targets, nt, pl->testdeps, overlay, &err)) {
		failed = -1;
	} else if (lg_go_build_tests(pkgs, n, pl->list->module_root, &pl->o->goflags,
				     nt || pl->testdeps ? overlay : NULL, outdir, res, &secs, &err)) {
		failed = -1;
	}
	for (i = 0; i < n; i++) {
		struct pkgstate *st = &pl->st[idx[i]];

		if (failed) {
			lg_buf_reset(&res[i].output);
			lg_buf_adds(&res[i].output, err.msg);
		}
		st->br = res[i];
		/* go test -c builds a batch in one process and times none of its
		 * packages: rather than a made-up share, the batch's time, marked */
		pl->run->pkgs[idx[i]].build_batched = n > 1;
		pl->run->pkgs[idx[i]].build_seconds = n > 1 ? 0 : secs;
		pl->run->pkgs[idx[i]].build_batch_seconds = secs;
	}
	pthread_mutex_lock(&pl->mu);
	for (i = 0; i < n; i++)
		pl->st[idx[i]].build_done = 1;
	pthread_cond_broadcast(&pl->built);
	pthread_mutex_unlock(&pl->mu);
	free(pkgs);
	free(targets);
	free(res);
	free(idx);
	free(hookdir);
	free(overlay);
	free(outdir);
}

char *lg_runner_build_in_package(struct pool *pl, size_t i, struct lg_err *err)
{
	const struct lg_gopkg *gp = &pl->list->pkgs[i];
	struct lg_hook_target t;
	struct lg_gobuild_result res;
	char *dir = lg_xasprintf("%s/in-package/%zu", pl->cachedir, i);
	char *overlay = lg_xasprintf("%s/overlay.json", dir), *bin = NULL;
	char *clause = lg_xasprintf("%s_test", gp->name);
	double secs = 0;

	memset(&t, 0, sizeof(t));
	t.pkg_dir = gp->dir;
	t.clause = clause;
	t.with_main = 1;
	lg_buf_init(&res.output);
	res.built = 0;
	res.binary = NULL;
	if (gp->own_testmain) {
		const struct lg_rewrite_out *rw = &pl->st[i].rw;

		lg_runner_rewrite_one(pl, i, 0);
		if (rw->via != LG_VIA_REWRITTEN || !rw->hook_package) {
			const char *why = rw->reason ? rw->reason : "no m.Run call to rewrite";

			if (lg_starts_with(why, LG_SKIPPED))
				why += strlen(LG_SKIPPED);
			lg_error(err, "its TestMain could not be rewritten (%s)",
				 rw->through_testing ? "it hands m where the rewriter cannot follow it"
				 : why);
			goto out;
		}
		t.clause = rw->hook_package;
		t.with_main = 0;
		t.replace = rw->replace;
	}
	if (lg_mkdir_p(dir, 0700, err) || lg_hook_write_overlay(dir, &t, 1, NULL, overlay, err) ||
	    lg_go_build_tests(&gp, 1, pl->list->module_root, &pl->o->goflags, overlay, dir, &res,
			      &secs, err))
		goto out;
	if (!res.built || !res.binary) {
		lg_error(err, "%s", res.output.len ? res.output.buf : "go test -c built no binary");
		goto out;
	}
	bin = res.binary;
	res.binary = NULL;
out:
	lg_gobuild_result_release(&res);
	free(dir);
	free(overlay);
	free(clause);
	return bin;
}

/*
 * Longest first: the order the workers start packages in, from the times
 * the last run recorded in the build cache (schedule.h), and what each
 * package needed then.  A times file that cannot be used is noted and
 * leaves the go list order; without --history (o->history 0) it is read
 * only to be kept for packages this run leaves out.  Cannot fail.
 */
static void plan_order(struct pool *pl, struct lg_sched_times *times)
{
	char *file = lg_xasprintf("%s/%s", pl->cachedir, LG_SCHED_TIMES_FILE);
	char *why = lg_sched_times_read(times, file);
	double *expected = lg_xcalloc(pl->list->n ? pl->list->n : 1, sizeof(*expected));
	size_t i;

	if (why)
		lg_runner_note(pl, NULL, why);
	for (i = 0; i < pl->list->n; i++) {
		const char *path = pl->list->pkgs[i].import_path;

		expected[i] = pl->o->history ? lg_sched_expected(times, path) : -1;
		pl->st[i].last_need = pl->o->history ? lg_sched_needed(times, path) : LG_SCHED_LEAN;
	}
	pl->order = lg_xcalloc(pl->list->n ? pl->list->n : 1, sizeof(*pl->order));
	lg_sched_order(expected, pl->list->n, pl->order);
	free(expected);
	free(why);
	free(file);
}

/*
 * Records the measured time of every package whose first run finished
 * (lean time, and whether it needed an evidence run) for the next run's
 * order; the other packages keep what was recorded.  A file of a newer
 * leakgate is left alone; one that cannot be written is noted, no failure.
 */
static void record_times(struct pool *pl, struct lg_sched_times *times)
{
	char *file = lg_xasprintf("%s/%s", pl->cachedir, LG_SCHED_TIMES_FILE);
	struct lg_err err;
	size_t i, n = 0;

	for (i = 0; i < pl->list->n; i++) {
		const struct lg_package *p = &pl->run->pkgs[i];

		if (!pl->st[i].timed)
			continue;
		lg_sched_times_set(times, p->import_path, pl->st[i].lean_seconds, pl->st[i].need);
		n++;
	}
	if (n && !times->newer && lg_sched_times_write(times, file, &err)) {
		char *line = lg_xasprintf("package times not recorded: %s", err.msg);

		lg_runner_note(pl, NULL, line);
		free(line);
	}
	free(file);
}

/* Runs `jobs` workers and waits; with no thread started, works in this one. */
static void start_pool(struct pool *pl, int jobs)
{
	pthread_t *th = lg_xcalloc((size_t)jobs, sizeof(*th));
	int i, started = 0;

	for (i = 0; i < jobs; i++) {
		if (pthread_create(&th[i], NULL, worker, pl) != 0)
			break;
		started++;
	}
	if (!started)
		worker(pl);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
}

/* The hook gets into a package without TestMain: through testdeps when
 * that route is available, else into its test package with a TestMain. */
static void use_testdeps(struct pool *pl, struct pkgstate *st, const struct lg_gopkg *gp)
{
	if (pl->testdeps) {
		st->testdeps = 1;
		return;
	}
	st->inject = 1;
	st->clause = lg_xasprintf("%s_test", gp->name);
}

/* The rewriter's input for package i; returns the file list to free with
 * in->out. */
static char **rewrite_input(struct pool *pl, size_t i, struct lg_rewrite_in *in)
{
	const struct lg_gopkg *gp = &pl->list->pkgs[i];
	size_t ng = lg_strv_len(gp->gofiles), nt = lg_strv_len(gp->testgofiles);
	char **both = lg_xcalloc(ng + nt + 1, sizeof(*both));

	memcpy(both, gp->gofiles, ng * sizeof(*both));
	memcpy(both + ng, gp->testgofiles, nt * sizeof(*both));
	in->dir = gp->dir;
	in->files = both;
	in->xfiles = gp->xtestgofiles;
	in->out = lg_xasprintf("%s/rewrite/%zu-%016llx", pl->cachedir, i,
			       (unsigned long long)lg_fnv1a(LG_FNV_OFFSET, gp->dir));
	return both;
}

/* Appends `line` (taken) to a NULL-terminated note list. */
static void add_note(char ***notes, char *line)
{
	size_t n = lg_strv_len(*notes);

	*notes = lg_xrealloc(*notes, (n + 2) * sizeof(char *));
	(*notes)[n] = line;
	(*notes)[n + 1] = NULL;
}

void lg_runner_rewrite_one(struct pool *pl, size_t i, int hook_absent)
{
	struct pkgstate *st = &pl->st[i];
	struct lg_rewrite_in in;
	struct lg_rewrite_out out;
	struct lg_err err;
	char **files;
	int failed;

	pthread_mutex_lock(&pl->rwmu);
	if (!st->rw_pending) {
		pthread_mutex_unlock(&pl->rwmu);
		return;
	}
	st->rw_pending = 0;
	if (!pl->rwtool && !pl->rwtool_error) {
		char *root = cache_root();

		if (lg_rewrite_tool(root, pl->list->go_version, pl->o->goflags.timeout,
				    &pl->rwtool, &err))
			pl->rwtool_error = lg_xstrdup(err.msg);
		free(root);
	}
	memset(&out, 0, sizeof(out));
	files = rewrite_input(pl, i, &in);
	failed = pl->rwtool_error ? lg_error(&err, "%s", pl->rwtool_error)
		 : lg_rewrite_run(pl->rwtool, pl->workdir, pl->list->module_root, &in, 1,
				  pl->o->goflags.timeout, &out, &err);
	free(files);
	free((char *)in.out);
	if (failed) {
		lg_rewrite_out_release(&out);
		add_note(&st->rw.notes, lg_xasprintf("TestMain not read (%s): goleak options in it "
						     "are not applied to leakgate's check", err.msg));
		free(st->rw.reason);
		st->rw.reason = lg_xasprintf("%sTestMain not read (%s)", LG_SKIPPED, err.msg);
		pthread_mutex_unlock(&pl->rwmu);
		return;
	}
	lg_rewrite_out_release(&st->rw);
	st->rw = out;
	if (out.via == LG_VIA_NONE && !out.through_testing && hook_absent) {
		/* the hook never came in: no m.Run, as the rewriter says why */
		char *r = st->rw.reason;

		st->via = LG_VIA_NONE;
		st->rw.reason = lg_xasprintf("%s%s", LG_SKIPPED, r ? r : "no reason given");
		free(r);
		pthread_mutex_unlock(&pl->rwmu);
		return;
	}
	if (out.via == LG_VIA_NONE) {
		/* the hook runs at m.Run all the same; what the rewriter could not
		   follow is worth a note (goleak options it did not read, where m went) */
		add_note(&st->rw.notes, out.through_testing
			 ? lg_xasprintf("TestMain hands m on (%s): the hook came in through "
					"package testing", out.reason ? out.reason : "")
			 : lg_xasprintf("TestMain not read (%s): goleak options in it are not "
					"applied to leakgate's check", out.reason ? out.reason : ""));
	}
	/* used only when the hook did not run: m.Run was not reached */
	free(st->rw.reason);
	st->rw.reason = lg_xstrdup(LG_SKIPPED "TestMain ended before it reached m.Run (an early "
				   "os.Exit or return)");
	pthread_mutex_unlock(&pl->rwmu);
}

/*
 * Packages with a TestMain of their own: the rewriter decides, for all of
 * them in one call, how the hook gets in.  Without the rewriter (--no-rewrite,
 * or it could not be built) each gets the reason its leak checks are skipped.
 */
static void rewrite_testmains(struct pool *pl)
{
	struct lg_rewrite_in *in = lg_xcalloc(pl->list->n + 1, sizeof(*in));
	struct lg_rewrite_out *out = lg_xcalloc(pl->list->n + 1, sizeof(*out));
	size_t *idx = lg_xcalloc(pl->list->n + 1, sizeof(*idx));
	char **files = lg_xcalloc(pl->list->n + 1, sizeof(*files));
	char *root = NULL, *tool = NULL;
	struct lg_err err;
	size_t n = 0, i;

	for (i = 0; i < pl->list->n; i++) {
		const struct lg_gopkg *gp = &pl->list->pkgs[i];

		if (!pl->o->inject || !gp->own_testmain || !pl->st[i].buildable ||
		    pl->st[i].rw_pending)
			continue;
		if (!pl->o->rewrite && gp->calls_hook) {
			pl->st[i].via = LG_VIA_USER;
			continue;
		}
		if (!pl->o->rewrite) {
			pl->st[i].rw.reason = lg_xstrdup(
				"leak checks skipped: the package has its own TestMain and "
				"--no-rewrite is set (call leakgatehook.Run(m) from it)");
			continue;
		}
		files[n] = (char *)rewrite_input(pl, i, &in[n]);
		idx[n++] = i;
	}
	if (!n)
		goto out;
	root = cache_root();
	if (lg_rewrite_tool(root, pl->list->go_version, pl->o->goflags.timeout, &tool, &err) ||
	    lg_rewrite_run(tool, pl->workdir, pl->list->module_root, in, n,
			   pl->o->goflags.timeout, out, &err)) {
		for (i = 0; i < n; i++) {
			lg_rewrite_out_release(&out[i]);
			out[i].via = LG_VIA_NONE;
			out[i].reason = lg_xasprintf("leak checks skipped: TestMain not rewritten: %s",
						     err.msg);
		}
	}
	for (i = 0; i < n; i++) {
		struct pkgstate *st = &pl->st[idx[i]];
		const struct lg_gopkg *gp = &pl->list->pkgs[idx[i]];

		st->rw = out[i];
		st->via = out[i].via;
		if (st->via == LG_VIA_REWRITTEN) {
			st->inject = 1;
			st->clause = lg_xstrdup(out[i].hook_package);
		} else if (st->via == LG_VIA_INJECTED) {
			use_testdeps(pl, st, gp);
		} else if (st->via == LG_VIA_NONE && st->rw.through_testing && pl->testdeps) {
			/* the TestMain stays as it is; testing's hook point sees m.Run */
			st->via = LG_VIA_KEPT;
			st->testdeps = 1;
			add_note(&st->rw.notes, lg_xasprintf("TestMain not rewritten (%s): the hook "
							     "came in through package testing",
							     st->rw.reason));
			free(st->rw.reason);
			st->rw.reason = NULL;
		} else if (st->via == LG_VIA_NONE) {
			char *r = st->rw.reason;

			st->rw.reason = lg_xasprintf("leak checks skipped: %s", r ? r : "no reason given");
			free(r);
		}
	}
out:
	for (i = 0; i < n; i++) {
		free(files[i]);
		free((char *)in[i].out);
	}
	free(files);
	free(in);
	free(out);
	free(idx);
	free(root);
	free(tool);
}

/* What the build thread works through: jobs in start order. */
struct build_plan {
	struct pool *pl;
	int *job;      /* job of package i, -1: not built */
	int *jobbatch; /* the batch (output directory) of job j */
	int njobs;
};

/*
 * One job, one go test -c, per batch.  Each go command loads the packages
 * and hashes their inputs anew, and that is most of what a build costs once
 * the hook leaves the user's packages to Go's cache (testdeps route):
 * splitting a first run into jobs of 2, 4, 8, ... packages, so the first
 * tests ran while the rest were still being built, was measured slower on
 * both first runs, zap 5.4-5.8 -> 4.9-5.1 s on a Go cache go test filled,
 * x/net 88 -> 76 s and zap 34-35 -> 32.5-33 s on empty caches (2 cores;
 * x/net on a filled cache the same).  The workers still wait for the build
 * thread, so a batch's tests start as soon as it is built.  Cannot fail.
 */
static void plan_jobs(struct build_plan *bp, const int *batch, size_t nb)
{
	struct pool *pl = bp->pl;
	size_t n = pl->list->n, i, k;

	bp->job = lg_xcalloc(n ? n : 1, sizeof(int));
	bp->jobbatch = lg_xcalloc(n ? n : 1, sizeof(int));
	for (i = 0; i < n; i++)
		bp->job[i] = -1;
	for (k = 0; k < nb; k++) {
		int used = 0;

		for (i = 0; i < n; i++) {
			size_t pk = pl->order[i];

			if (batch[pk] != (int)k)
				continue;
			if (!used) {
				bp->jobbatch[bp->njobs++] = (int)k;
				used = 1;
			}
			bp->job[pk] = bp->njobs - 1;
		}
	}
}

/*
 * The build thread: runs the jobs in order under the cache's lock (another
 * leakgate building the same cache waits), then says building is over, so
 * that a worker waiting for a binary that was never built (interrupted)
 * goes on.
 */
static void *build_thread(void *arg)
{
	struct build_plan *bp = arg;
	struct pool *pl = bp->pl;
	char *lockpath = NULL;
	int lock = -1, j;

	if (bp->njobs && !lg_mkdir_p(pl->cachedir, 0700, NULL)) {
		lockpath = lg_xasprintf("%s/lock", pl->cachedir);
		lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (lock >= 0)
			flock(lock, LOCK_EX);
	}
	for (j = 0; j < bp->njobs && !lg_proc_interrupted(); j++)
		build_job(pl, bp->job, j, bp->jobbatch[j]);
	if (lock >= 0)
		close(lock);
	free(lockpath);
	pthread_mutex_lock(&pl->mu);
	pl->build_over = 1;
	pthread_cond_broadcast(&pl->built);
	pthread_mutex_unlock(&pl->mu);
	return NULL;
}

/*
 * Decides how each package gets the hook, rewrites TestMains and plans the
 * build jobs (pl->order must be set); packages that are not built are done
 * building at once.  Cannot fail.
 */
static void plan_build(struct pool *pl, struct build_plan *bp)
{
	int *batch = lg_xcalloc(pl->list->n ? pl->list->n : 1, sizeof(int));
	size_t nb, i;

	if (pl->o->inject) {
		char *hookdir = lg_xasprintf("%s/hook", pl->cachedir);
		struct lg_err err;

		if (lg_mkdir_p(hookdir, 0700, &err) == 0)
			pl->testdeps = lg_hook_testdeps_overlay(pl->list->goroot, pl->list->gomodcache,
							       hookdir, &err);
		if (!pl->testdeps) {
			char *line = lg_xasprintf("the hook goes into each test package (slower to "
						  "build): %s", err.msg);

			lg_runner_note(pl, NULL, line);
			free(line);
		}
		free(hookdir);
	}
	for (i = 0; i < pl->list->n; i++) {
		const struct lg_gopkg *gp = &pl->list->pkgs[i];
		struct pkgstate *st = &pl->st[i];

		st->buildable = gp->has_tests && !gp->list_error;
		lg_buf_init(&st->br.output);
		if (!pl->o->inject) {
			st->via = LG_VIA_NONE;
			st->rw.reason = lg_xstrdup("leak checks disabled (--no-hook)");
		} else if (gp->own_testmain && pl->testdeps && pl->o->rewrite && !gp->calls_hook) {
			/* no file of the package changes, so Go's cache keeps it: the
			   rewriter is asked only when a run needs its answer */
			st->via = LG_VIA_KEPT;
			st->testdeps = 1;
			st->rw_pending = 1;
		} else if (gp->own_testmain) {
			st->via = LG_VIA_NONE; /* rewrite_testmains decides */
		} else {
			st->via = LG_VIA_INJECTED;
			use_testdeps(pl, st, gp);
		}
	}
	rewrite_testmains(pl);
	nb = plan_batches(pl, batch);
	memset(bp, 0, sizeof(*bp));
	bp->pl = pl;
	plan_jobs(bp, batch, nb);
	for (i = 0; i < pl->list->n; i++)
		if (bp->job[i] < 0)
			pl->st[i].build_done = 1;
	free(batch);
}

int lg_runner_run(const struct lg_runner_opts *o, struct lg_run *run, struct lg_err *err)
{
	struct lg_golist list;
	struct lg_sched_times times;
	struct build_plan bp;
	struct pool pl;
	pthread_t builder;
	int built_in_thread = 0;
	const char *tmp = getenv("TMPDIR");
	double start = lg_now();
	char owner_text[WORK_OWNER_MAX];
	size_t i;
	int ret;

	memset(&pl, 0, sizeof(pl));
	memset(&list, 0, sizeof(list));
	run->started_unix = (int64_t)time(NULL);
	ret = lg_go_list(o->patterns, o->npatterns, &o->goflags, &list, err);
	if (ret)
		goto out;
	if (o->cfg->leaks == LG_LEAKS_PROVEN &&
	    !lg_go_has_leak_profile(list.go_version, list.go_experiment)) {
		/* before building anything: every package would fail the same way */
		ret = lg_error(err, "--leaks proven needs Go's goroutineleak profile, which %s "
				    "(GOEXPERIMENT=\"%s\") does not have: use Go 1.27 or later, or "
				    "Go 1.26 with GOEXPERIMENT=goroutineleakprofile (or --leaks alive)",
			       list.go_version, list.go_experiment ? list.go_experiment : "");
		goto out;
	}
	lg_shard_apply(&list, &o->shard, o->shard_times_dir); /* other shards' packages go */
	run->module_path = lg_xstrdup(list.module_path);
	run->module_root = lg_xstrdup(list.module_root);
	run->go_version = lg_xstrdup(list.go_version ? list.go_version : "");
	work_owner(owner_text);
	sweep_stale_workdirs(tmp && *tmp ? tmp : "/tmp");
	pl.workdir = lg_xasprintf("%s/" WORK_PREFIX "XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(pl.workdir)) {
		ret = lg_error(err, "cannot create a work directory in '%s': %s",
			       tmp && *tmp ? tmp : "/tmp", strerror(errno));
		goto out;
	}
	write_work_owner(pl.workdir, owner_text);
	run->pkgs = lg_xcalloc(list.n, sizeof(*run->pkgs));
	run->npkgs = list.n;
	pl.o = o;
	pl.list = &list;
	pl.run = run;
	pl.st = lg_xcalloc(list.n ? list.n : 1, sizeof(*pl.st));
	{
		char *root = cache_root();

		char *real;

		pl.cachedir = cache_dir(o, root, list.module_root);
		free(root);
		/* Canonical, so paths built on it compare with what Go tools print
		 * (a LEAKGATE_CACHE with ".." or a symlink would not). */
		if (!lg_mkdir_p(pl.cachedir, 0700, NULL) && (real = realpath(pl.cachedir, NULL))) {
			free(pl.cachedir);
			pl.cachedir = real;
		}
	}
	for (i = 0; i < list.n; i++)
		identify(&pl, i);
	pthread_mutex_init(&pl.mu, NULL);
	pthread_mutex_init(&pl.rwmu, NULL);
	pthread_cond_init(&pl.built, NULL);
	lg_sched_times_init(&times, list.module_root);
	plan_order(&pl, &times);
	plan_build(&pl, &bp);
	if (pthread_create(&builder, NULL, build_thread, &bp) == 0)
		built_in_thread = 1;
	else
		build_thread(&bp); /* no thread: everything is built first */
	start_pool(&pl, o->jobs > 0 ? o->jobs : 1);
	if (built_in_thread)
		pthread_join(builder, NULL);
	free(bp.job);
	free(bp.jobbatch);
	record_times(&pl, &times);
	lg_sched_times_release(&times);
	pthread_cond_destroy(&pl.built);
	pthread_mutex_destroy(&pl.mu);
	pthread_mutex_destroy(&pl.rwmu);
	mark_unrun(&pl);
	if (!o->keep_tmp) {
		nftw(pl.workdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	} else {
		char *owner = lg_xasprintf("%s/" WORK_OWNER, pl.workdir);

		unlink(owner); /* kept: not for the next run to sweep */
		free(owner);
		if (o->note) {
			char *line = lg_xasprintf("work directory kept in %s (test binaries in "
						  "%s/bin)", pl.workdir, pl.cachedir);

			o->note(o->ctx, NULL, line);
			free(line);
		}
	}
out:
	run->seconds = lg_now() - start;
	for (i = 0; pl.st && i < list.n; i++) {
		lg_gobuild_result_release(&pl.st[i].br);
		lg_rewrite_out_release(&pl.st[i].rw);
		free(pl.st[i].clause);
	}
	free(pl.st);
	free(pl.order);
	lg_strv_free(pl.testdeps);
	free(pl.rwtool);
	free(pl.rwtool_error);
	free(pl.cachedir);
	free(pl.workdir);
	lg_golist_release(&list);
	return ret;
}
