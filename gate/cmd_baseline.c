/*
 * cmd_baseline.c — `leakgate baseline update|show|diff`, and the baseline
 * step of `leakgate run` (loading each package's baseline from the
 * directory or a published URL and re-deciding its checks).
 *
 * update and diff run the gate with exactly `leakgate run`'s flags
 * (lg_cmd_run_gate) and then record or compare instead of reporting.  A
 * baseline that cannot be read is an error that stops the command: treating
 * it as absent would silently let every recorded leak fail, or worse, a
 * missing remote baseline would pass as "nothing to compare".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "baseline.h"
#include "cli.h"
#include "cmd_gate.h"
#include "help.h"
#include "http.h"




char *lg_gate_baselines_dir(const struct lg_gate *g, const char *module_root)
{
	if (g && g->baselines_dir)
		return lg_xstrdup(g->baselines_dir);
	if (module_root)
		return lg_xasprintf("%s/%s", module_root, LG_BASELINE_DIR);
	return lg_xstrdup(LG_BASELINE_DIR);
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void today_utc(char out[16])
{
	time_t now = time(NULL);
	struct tm tm;

	if (!gmtime_r(&now, &tm) || !strftime(out, 16, "%Y-%m-%d", &tm))
		snprintf(out, 16, "9999-12-31");
}

/* Leak and heap figures exist only when the hook completed. */
static const char *unrecordable(const struct lg_package *p)
{
	size_t i;

	if (!p->built)
		return "the test binary did not build";
	if (p->hook != LG_HOOK_DONE)
		return p->hook_note ? p->hook_note : "the hook did not finish";
	for (i = 0; i < p->nchecks; i++)
		if (p->checks[i].kind == LG_CHECK_LEAK && p->checks[i].status == LG_STATUS_SKIPPED)
			return p->checks[i].message ? p->checks[i].message : "leak check skipped";
	return NULL;
}

/* --- where baselines come from -------------------------------------------- */

struct source {
	char *dir;       /* local directory, or NULL */
	const char *url; /* published set, or NULL */
	char *shown;     /* how to name the directory in messages */
	double timeout;
};

static void source_init(struct source *s, const struct lg_gate *g, const char *module_root)
{
	memset(s, 0, sizeof(*s));
	s->url = g->baseline_url;
	s->timeout = g->fetch_timeout;
	if (s->url) {
		s->shown = lg_http_redact(s->url);
		return;
	}
	s->dir = lg_gate_baselines_dir(g, module_root);
	s->shown = lg_xstrdup(g->baselines_dir ? g->baselines_dir : LG_BASELINE_DIR);
}

static void source_release(struct source *s)
{
	free(s->dir);
	free(s->shown);
}

/* `<URL>/<name>` with '%' escaped: names keep %XX of odd import path bytes. */
static char *join_url(const char *url, const char *name)
{
	struct lg_buf b = LG_BUF_INIT;
	size_t n = strlen(url);

	lg_buf_adds(&b, url);
	if (!n || url[n - 1] != '/')
		lg_buf_addch(&b, '/');
	for (; *name; name++)
		lg_buf_adds(&b, *name == '%' ? "%25" : (char[]){ *name, '\0' });
	return lg_buf_detach(&b, NULL);
}

/* A file:// URL that names no file is a 404 of its own kind. */
static int file_url_missing(const char *url)
{
	const char *path = url + 7;
	struct stat st;

	if (!strncmp(path, "localhost/", 10))
		path += 9;
	return stat(path, &st) < 0 && errno == ENOENT;
}

/* 0 read, 1 no baseline, -1 error (err) and *exit_code set. */
static int fetch_baseline(const struct source *s, const char *name, struct lg_baseline *b,
			  char **where, int *exit_code, struct lg_err *err)
{
	struct lg_http_opts ho;
	struct lg_buf body = LG_BUF_INIT;
	char *url = join_url(s->url, name);
	long status = 0;
	int ret;

	memset(&ho, 0, sizeof(ho));
	ho.timeout = s->timeout;
	ho.max_bytes = LG_BASELINE_MAX_BYTES + 1;
	*where = lg_http_redact(url);
	if (!strncasecmp(url, "file://", 7) && file_url_missing(url)) {
		ret = 1;
		goto out;
	}
	if (lg_http_fetch(url, &ho, &body, &status, err)) {
		ret = status == 404 ? 1 : -1;
		if (ret < 0)
			*exit_code = LG_EXIT_ENV;
		goto out;
	}
	ret = lg_baseline_parse(b, body.buf, body.len, *where, err);
	if (ret)
		*exit_code = LG_EXIT_USAGE;
out:
	lg_buf_release(&body);
	free(url);
	return ret;
}

/*
 * Loads the baseline of `import_path`: 0 read, 1 none, -1 error with
 * *exit_code.  *where names the file or URL (caller frees).
 */
static int load_for(const struct source *s, const char *import_path, struct lg_baseline *b,
		    char **where, int *exit_code, struct lg_err *err)
{
	char *name = lg_baseline_file_name(import_path, err), *path;
	int ret;

	*where = NULL;
	*exit_code = LG_EXIT_USAGE;
	if (!name)
		return -1;
	if (s->url) {
		ret = fetch_baseline(s, name, b, where, exit_code, err);
		free(name);
		return ret;
	}
	path = lg_xasprintf("%s/%s", s->dir, name);
	*where = lg_xasprintf("%s/%s", s->shown, name);
	ret = lg_baseline_load(b, path, err);
	free(path);
	free(name);
	return ret;
}

/* --- leakgate run's baseline step ----------------------------------------- */

static void note_stale(struct lg_buf *out, const struct lg_package *p, int stale,
		       const char *where)
{
	lg_buf_addf(out, "note: %s: %d baseline entr%s no longer occur%s: fixed — shrink the "
		     "baseline (%s; leakgate baseline update)\n", p->import_path, stale,
		stale == 1 ? "y" : "ies", stale == 1 ? "s" : "", where);
}

int lg_gate_apply_baselines(struct lg_gate *g)
{
	struct source s;
	struct lg_baseline b;
	struct lg_err err;
	char today[16], *where = NULL;
	size_t i, compared = 0, without = 0;
	int ret = -1, code;

	source_init(&s, g, g->run.module_root);
	if (!s.url && !is_dir(s.dir)) {
		if (g->baselines_dir)
			ret = lg_cli_fail(LG_EXIT_USAGE, "--baselines: '%s' is not a directory", s.dir);
		goto out;
	}
	today_utc(today);
	for (i = 0; i < g->run.npkgs; i++) {
		struct lg_package *p = &g->run.pkgs[i];
		struct lg_baseline_cmp_opts o = { NULL, today, g->strict, g->cfg->max_leaks,
						  g->cfg->max_heap_growth };
		int rc, stale;

		if (unrecordable(p))
			continue;
		lg_baseline_init(&b);
		free(where);
		rc = load_for(&s, p->import_path, &b, &where, &code, &err);
		if (rc < 0) {
			ret = lg_cli_fail(code, "%s", err.msg);
			goto out;
		}
		if (rc == 1) {
			without++;
			if (s.url)
				lg_buf_addf(&g->notes, "note: %s: no published baseline (404 at %s)\n",
					p->import_path, where);
			continue;
		}
		o.source = where;
		stale = lg_baseline_compare(&b, p, &o);
		if (stale && !g->strict)
			note_stale(&g->notes, p, stale, where);
		lg_baseline_release(&b);
		compared++;
	}
	fprintf(stderr, "leakgate: baselines from %s: %zu package%s compared, %zu without a "
			"baseline\n", s.shown, compared, compared == 1 ? "" : "s", without);
out:
	free(where);
	source_release(&s);
	return ret;
}

/* --- update and diff ------------------------------------------------------ */

struct record_stats {
	size_t written, unchanged, changed, skipped;
};

static void print_indented(FILE *out, const char *text)
{
	const char *line, *nl;

	for (line = text; *line; line = *nl ? nl + 1 : nl) {
		nl = line + strcspn(line, "\n");
		fprintf(out, "    %.*s\n", (int)(nl - line), line);
	}
}

/* Records or compares one package; returns 0 or an exit code. */
static int record_one(struct lg_gate *g, const struct source *s, size_t idx, int write,
		      struct record_stats *st)
{
	struct lg_package *p = &g->run.pkgs[idx];
	struct lg_baseline old, cur;
	struct lg_buf changes = LG_BUF_INIT;
	struct lg_err err;
	char *where = NULL;
	int rc, code, n, ret = 0;

	lg_baseline_init(&old);
	lg_baseline_init(&cur);
	rc = load_for(s, p->import_path, &old, &where, &code, &err);
	if (rc < 0) {
		ret = lg_cli_fail(code, "%s%s", err.msg,
				  write ? " (fix or delete the file; it is not overwritten)" : "");
		goto out;
	}
	lg_baseline_from_package(&cur, p, &g->bands[idx], rc == 0 ? &old : NULL,
				 g->run.go_version);
	n = lg_baseline_diff(rc == 0 ? &old : NULL, &cur, &changes);
	if (!n && !(write && g->force)) {
		st->unchanged++;
		goto out;
	}
	st->changed += n > 0;
	if (write && lg_baseline_write(&cur, s->dir, &err)) {
		ret = lg_cli_fail(LG_EXIT_ENV, "%s", err.msg);
		goto out;
	}
	st->written += write;
	fprintf(g->out, "%s %s (%s)\n", write ? "recorded" : "would change", p->import_path, where);
	print_indented(g->out, changes.len ? changes.buf : "(rewritten: --force)\n");
out:
	free(where);
	lg_buf_release(&changes);
	lg_baseline_release(&old);
	lg_baseline_release(&cur);
	return ret;
}

static int record_all(struct lg_gate *g, int write)
{
	struct record_stats st = { 0, 0, 0, 0 };
	struct source s;
	struct lg_err err;
	size_t i;
	int ret = 0, lock = -1;

	source_init(&s, g, g->run.module_root);
	if (write && s.url) {
		ret = lg_cli_fail(LG_EXIT_USAGE, "baseline update: --baseline URL is read-only; "
				  "record into a directory (--baselines DIR) and publish that");
		goto out;
	}
	if (write && (lock = lg_baseline_lock(s.dir, &err)) < 0) {
		ret = lg_cli_fail(LG_EXIT_ENV, "%s", err.msg);
		goto out;
	}
	for (i = 0; i < g->run.npkgs && !ret; i++) {
		const struct lg_package *p = &g->run.pkgs[i];
		const char *why = unrecordable(p);

		if (p->no_tests)
			continue;
		if (why) {
			st.skipped++;
			fprintf(g->out, "not recorded %s: %s\n", p->import_path, why);
			continue;
		}
		ret = record_one(g, &s, i, write, &st);
	}
	if (!ret)
		fprintf(stderr, "leakgate: baseline %s (%s): %zu %s, %zu unchanged, %zu not "
				"recordable\n", write ? "update" : "diff", s.shown,
			write ? st.written : st.changed, write ? "written" : "would change",
			st.unchanged, st.skipped);
	if (!ret && !write && st.changed)
		ret = LG_EXIT_FAILED;
out:
	lg_baseline_unlock(lock);
	source_release(&s);
	return ret;
}

static int update_after(struct lg_gate *g, void *ctx)
{
	return record_all(g, 1);
}

static int diff_after(struct lg_gate *g, void *ctx)
{
	return record_all(g, 0);
}

/* --- show ----------------------------------------------------------------- */

static void show_baseline(FILE *out, const struct lg_baseline *b, const char *where)
{
	size_t i;
	int goroutines = 0;

	for (i = 0; i < b->nleaks; i++)
		goroutines += b->leaks[i].count;
	fprintf(out, "%s: %s (recorded with %s, leakgate %s)\n", where, b->package,
		b->go_version ? b->go_version : "an unknown Go",
		b->tool_version ? b->tool_version : "?");
	fprintf(out, "  leaks: %zu group%s, %d goroutine%s\n", b->nleaks, b->nleaks == 1 ? "" : "s",
		goroutines, goroutines == 1 ? "" : "s");
	for (i = 0; i < b->nleaks; i++) {
		const struct lg_baseline_leak *e = &b->leaks[i];

		fprintf(out, "    %s  %d × %s in %s (%s) [%s]\n", e->signature, e->count,
			e->wait_reason ? e->wait_reason : "running",
			e->creator_func ? e->creator_func : "?", e->example ? e->example : "?",
			e->pattern ? e->pattern : "?");
		if (e->reason || e->owner || e->expires)
			fprintf(out, "      reason: %s; owner: %s; expires: %s\n",
				e->reason ? e->reason : "-", e->owner ? e->owner : "-",
				e->expires ? e->expires : "never");
	}
	if (b->heap_runs > 0)
		fprintf(out, "  heap growth: min %.1f, median %.1f, max %.1f KiB over %d run%s; "
			     "limit %.1f KiB\n", (double)b->heap_min / 1024, (double)b->heap_median / 1024,
			(double)b->heap_max / 1024, b->heap_runs, b->heap_runs == 1 ? "" : "s",
			(double)lg_baseline_heap_limit(b) / 1024);
	else
		fprintf(out, "  heap growth: not recorded\n");
	if (b->goroutines >= 0)
		fprintf(out, "  goroutines after settle: %lld\n", (long long)b->goroutines);
	fprintf(out, "  test time: %.2fs\n", b->test_seconds);
}

/* "module x" from the root's go.mod, for ./relative package arguments. */
static char *module_path(const char *root)
{
	char *gomod = lg_xasprintf("%s/go.mod", root), *line = NULL, *out = NULL;
	size_t cap = 0;
	FILE *f = fopen(gomod, "r");

	while (f && getline(&line, &cap, f) > 0) {
		char *p = line, *e;

		if (strncmp(p, "module", 6) || (p[6] != ' ' && p[6] != '\t'))
			continue;
		p += 7;
		p += strspn(p, " \t\"");
		e = p + strcspn(p, " \t\"\r\n");
		out = lg_xstrndup(p, (size_t)(e - p));
		break;
	}
	if (f)
		fclose(f);
	free(line);
	free(gomod);
	return out;
}

/* An argument: a file, "./dir" of the module, or an import path. */
static char *show_target(const char *arg, const char *dir, const char *root, char **pkg)
{
	struct stat st;
	char *mod, *name;
	struct lg_err err;

	*pkg = NULL;
	if (stat(arg, &st) == 0 && S_ISREG(st.st_mode))
		return lg_xstrdup(arg);
	if ((!strcmp(arg, ".") || !strncmp(arg, "./", 2)) && root && (mod = module_path(root))) {
		*pkg = strcmp(arg, ".") && strcmp(arg, "./") ? lg_xasprintf("%s/%s", mod, arg + 2)
							     : lg_xstrdup(mod);
		free(mod);
	} else {
		*pkg = lg_xstrdup(arg);
	}
	name = lg_baseline_file_name(*pkg, &err);
	if (!name)
		return NULL;
	mod = lg_xasprintf("%s/%s", dir, name);
	free(name);
	return mod;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every baseline file of `dir`, sorted; lock and temporary files left out. */
static char **list_dir(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t alloc = 0;

	*n = 0;
	while (d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !lg_ends_with(de->d_name, ".json"))
			continue;
		LG_GROW(v, alloc, *n + 1);
		v[(*n)++] = lg_xasprintf("%s/%s", dir, de->d_name);
	}
	if (d)
		closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_str);
	return v;
}

static int show_file(const char *path, const char *pkg, FILE *out, int *missing)
{
	struct lg_baseline b;
	struct lg_err err;
	int rc;

	lg_baseline_init(&b);
	rc = lg_baseline_load(&b, path, &err);
	if (rc < 0)
		return lg_cli_fail(LG_EXIT_USAGE, "%s", err.msg);
	if (rc == 1) {
		fprintf(out, "%s: no baseline (%s does not exist)\n", pkg ? pkg : path, path);
		*missing = 1;
		return 0;
	}
	show_baseline(out, &b, path);
	lg_baseline_release(&b);
	return 0;
}

static int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "baselines", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct lg_gate g;
	char *root = lg_gate_module_root(), *dir, **files = NULL;
	size_t n = 0, i;
	int c, ret = 0, missing = 0;

	memset(&g, 0, sizeof(g));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(lg_help_baseline, stdout);
			free(root);
			return LG_EXIT_OK;
		}
		if (c != 'd') {
			free(root);
			return lg_cli_fail(LG_EXIT_USAGE, "baseline show: unknown or incomplete option "
					   "'%s'", argv[optind - 1]);
		}
		g.baselines_dir = optarg;
	}
	dir = lg_gate_baselines_dir(&g, root);
	if (optind == argc) {
		files = list_dir(dir, &n);
		if (!n)
			fprintf(stdout, "no baselines in %s\n", dir);
	}
	for (i = 0; i < n && !ret; i++)
		ret = show_file(files[i], NULL, stdout, &missing);
	for (i = (size_t)optind; i < (size_t)argc && !ret; i++) {
		char *pkg, *path = show_target(argv[i], dir, root, &pkg);

		ret = path ? show_file(path, pkg, stdout, &missing)
			   : lg_cli_fail(LG_EXIT_USAGE, "'%s' is neither a baseline file nor a "
					 "package import path", argv[i]);
		free(path);
		free(pkg);
	}
	for (i = 0; i < n; i++)
		free(files[i]);
	free(files);
	free(dir);
	free(root);
	return ret ? ret : missing ? LG_EXIT_FAILED : LG_EXIT_OK;
}

int lg_cmd_baseline(int argc, char **argv)
{
	static const struct lg_gate_mode update = { "baseline update", lg_help_baseline_update, update_after, NULL };
	static const struct lg_gate_mode diff = { "baseline diff", lg_help_baseline_diff, diff_after, NULL };

	if (argc < 2) {
		fputs(lg_help_baseline, stderr);
		return LG_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(lg_help_baseline, stdout);
		return LG_EXIT_OK;
	}
	if (!strcmp(argv[1], "update"))
		return lg_cmd_run_gate(argc - 1, argv + 1, &update);
	if (!strcmp(argv[1], "diff"))
		return lg_cmd_run_gate(argc - 1, argv + 1, &diff);
	if (!strcmp(argv[1], "show"))
		return cmd_show(argc - 1, argv + 1);
	return lg_cli_fail(LG_EXIT_USAGE, "baseline: unknown subcommand '%s' (update, diff, show)",
			   argv[1]);
}
