/*
 * cmd_baseline.c — `leakgate baseline update|show|diff`.
 *
 * update and diff run the gate with exactly `leakgate run`'s flags
 * (lg_gate_main, gate.h) and then record or compare instead of reporting.
 * A baseline that cannot be read is an error that stops the command (the
 * file is not overwritten).  Where baselines come from and what they do to
 * `leakgate run` is the gate module's (gate_baselines.c).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "baseline.h"
#include "cmd.h"
#include "gate.h"
#include "help.h"

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
static int record_one(struct lg_gate *g, const struct lg_gate_source *s, size_t idx, int write,
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
	rc = lg_gate_source_load(s, p->import_path, &old, &where, &code, &err);
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
	struct lg_gate_source s;
	struct lg_err err;
	size_t i;
	int ret = 0, lock = -1;

	lg_gate_source_init(&s, g, g->run.module_root);
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
		const char *why = lg_gate_unrecordable(p);

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
	lg_gate_source_release(&s);
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

/* An argument: a file, "./dir" of the module, or an import path. */
static char *show_target(const char *arg, const char *dir, const char *root, char **pkg)
{
	struct stat st;
	char *mod, *name;
	struct lg_err err;

	*pkg = NULL;
	if (stat(arg, &st) == 0 && S_ISREG(st.st_mode))
		return lg_xstrdup(arg);
	if ((!strcmp(arg, ".") || !strncmp(arg, "./", 2)) && root && (mod = lg_gate_module_path(root))) {
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
	static const struct lg_gate_mode update = { "baseline update", lg_help_baseline_update, update_after, NULL, 0, 0 };
	static const struct lg_gate_mode diff = { "baseline diff", lg_help_baseline_diff, diff_after, NULL, 0, 0 };

	if (argc < 2) {
		fputs(lg_help_baseline, stderr);
		return LG_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(lg_help_baseline, stdout);
		return LG_EXIT_OK;
	}
	if (!strcmp(argv[1], "update"))
		return lg_gate_main(argc - 1, argv + 1, &update);
	if (!strcmp(argv[1], "diff"))
		return lg_gate_main(argc - 1, argv + 1, &diff);
	if (!strcmp(argv[1], "show"))
		return cmd_show(argc - 1, argv + 1);
	return lg_cli_fail(LG_EXIT_USAGE, "baseline: unknown subcommand '%s' (update, diff, show)",
			   argv[1]);
}
