/*
 * gate_baselines.c — baselines in the gate (gate.h): where they come from
 * (the module's baselines directory, --baselines DIR, or a published
 * --baseline URL) and `leakgate run`'s baseline step, which re-decides each
 * package's leak and heap checks against its baseline (baseline_cmp.c).
 *
 * A baseline that cannot be read is an error that stops the command:
 * treating it as absent would silently let every recorded leak fail, or
 * worse, a missing remote baseline would pass as "nothing to compare".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "gate.h"
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
const char *lg_gate_unrecordable(const struct lg_package *p)
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

void lg_gate_source_init(struct lg_gate_source *s, const struct lg_gate *g,
			 const char *module_root)
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

void lg_gate_source_release(struct lg_gate_source *s)
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
static int fetch_baseline(const struct lg_gate_source *s, const char *name, struct lg_baseline *b,
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

int lg_gate_source_load(const struct lg_gate_source *s, const char *import_path,
			struct lg_baseline *b, char **where, int *exit_code, struct lg_err *err)
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

/* --- before the evidence run --------------------------------------------- */

int lg_gate_baseline_accepts(void *ctx, const char *module_root, const struct lg_package *p)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER; /* one fetch at a time */
	const struct lg_gate *g = ctx;
	struct lg_gate_source s;
	struct lg_baseline b;
	struct lg_err err;
	char today[16], *where = NULL;
	int code, ok = 0;

	pthread_mutex_lock(&mu);
	lg_gate_source_init(&s, g, module_root);
	today_utc(today);
	lg_baseline_init(&b);
	if ((s.url || is_dir(s.dir)) &&
	    lg_gate_source_load(&s, p->import_path, &b, &where, &code, &err) == 0) {
		struct lg_baseline_cmp_opts o = { where, today, g->strict, g->cfg->max_leaks,
						  g->cfg->max_heap_growth };

		ok = lg_baseline_accepts(&b, p, &o);
	}
	lg_baseline_release(&b);
	free(where);
	lg_gate_source_release(&s);
	pthread_mutex_unlock(&mu);
	return ok;
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
	struct lg_gate_source s;
	struct lg_baseline b;
	struct lg_err err;
	char today[16], *where = NULL;
	size_t i, compared = 0, without = 0;
	int ret = -1, code;

	lg_gate_source_init(&s, g, g->run.module_root);
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

		if (lg_gate_unrecordable(p))
			continue;
		lg_baseline_init(&b);
		free(where);
		rc = lg_gate_source_load(&s, p->import_path, &b, &where, &code, &err);
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
	lg_gate_source_release(&s);
	return ret;
}
