/*
 * watchreport.c — JSON, JUnit and HTML reports of a watch or a soak.
 *
 * JSON is built with jansson, JUnit goes through junit.h as a run of one
 * package with one goroutine-leaks check, and the HTML page reuses the
 * report's style sheet and flame.c; its chart is drawn here as inline SVG.
 * Every string from the service (function names, files, labels, errors)
 * is escaped by the writer that outputs it.
 */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "flame.h"
#include "html.h"
#include "junit.h"
#include "model.h"
#include "watchreport.h"

size_t lg_watch_top_series(const struct lg_watch *w, const struct lg_watch_suspects *s,
			   size_t *out, size_t max)
{
	size_t n = 0, i, j;

	for (i = 0; s && i < s->n && n < max; i++)
		out[n++] = s->v[i].series;
	while (n < max) {
		long best = -1;

		for (i = 0; i < w->nseries; i++) {
			for (j = 0; j < n && out[j] != i; j++)
				;
			if (j < n)
				continue;
			if (best < 0 || w->series[i].max > w->series[best].max)
				best = (long)i;
		}
		if (best < 0)
			break;
		out[n++] = (size_t)best;
	}
	return n;
}

void lg_watch_suspect_text(const struct lg_watch *w, const struct lg_watch_suspect *s,
			   struct lg_buf *out)
{
	const struct lg_group *g = s->g;

	lg_buf_addf(out, "%s: %lld -> %lld goroutines (+%lld): %s\n", w->series[s->series].name,
		    (long long)s->first, (long long)s->last, (long long)(s->last - s->first), s->why);
	if (s->go_stmt)
		lg_buf_addf(out, "  go statement: %s in %s\n", s->go_stmt, s->created_by);
	if (g && g->pattern)
		lg_buf_addf(out, "  pattern: %s (%s)\n  fix: %s\n", g->pattern->title, g->pattern->id,
			    g->pattern->hint);
	if (s->stack)
		lg_buf_addf(out, "\n%s\n", s->stack);
}

/* --- JSON ----------------------------------------------------------------- */

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *json_samples(const struct lg_watch *w)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < w->nsamples; i++) {
		const struct lg_watch_sample *s = &w->samples[i];
		json_t *o = json_object();

		json_object_set_new(o, "t", json_real(s->t));
		json_object_set_new(o, "ok", json_boolean(s->ok));
		json_object_set_new(o, "total", s->ok ? json_integer(s->total) : json_null());
		if (s->heap_live >= 0)
			json_object_set_new(o, "heap_live", json_integer(s->heap_live));
		if (s->phase)
			json_object_set_new(o, "phase", json_string(s->phase));
		if (s->error)
			json_object_set_new(o, "error", json_string(s->error));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *json_series(const struct lg_watch *w, size_t at)
{
	const struct lg_watch_series *s = &w->series[at];
	json_t *o = json_object(), *c = json_array();
	size_t i;

	json_object_set_new(o, "id", json_string(s->id));
	json_object_set_new(o, "name", json_string(s->name));
	for (i = 0; i < w->nsamples; i++)
		json_array_append_new(c, s->counts[i] < 0 ? json_null() : json_integer(s->counts[i]));
	json_object_set_new(o, "counts", c);
	return o;
}

static json_t *json_suspect(const struct lg_watch *w, const struct lg_watch_suspect *s)
{
	json_t *o = json_object();
	const struct lg_group *g = s->g;

	json_object_set_new(o, "id", json_string(w->series[s->series].id));
	json_object_set_new(o, "name", json_string(w->series[s->series].name));
	json_object_set_new(o, "first", json_integer(s->first));
	json_object_set_new(o, "last", json_integer(s->last));
	json_object_set_new(o, "why", json_string(s->why));
	json_object_set_new(o, "go_statement", jstr(s->go_stmt));
	json_object_set_new(o, "created_by", jstr(s->created_by));
	json_object_set_new(o, "label", jstr(g ? g->label : NULL));
	json_object_set_new(o, "wait", jstr(g ? lg_wait_class_name(g->wait) : NULL));
	json_object_set_new(o, "pattern", jstr(g && g->pattern ? g->pattern->id : NULL));
	json_object_set_new(o, "pattern_title", jstr(g && g->pattern ? g->pattern->title : NULL));
	json_object_set_new(o, "hint", jstr(g && g->pattern ? g->pattern->hint : NULL));
	json_object_set_new(o, "stack", jstr(s->stack));
	return o;
}

int lg_watch_write_json(const struct lg_watch_report *r, const char *path, struct lg_err *err)
{
	json_t *doc = json_object(), *a;
	size_t top[LG_WATCHREPORT_TOP], n, i;
	char *text;
	int ret;

	json_object_set_new(doc, "version", json_integer(1));
	json_object_set_new(doc, "command", json_string(r->command));
	json_object_set_new(doc, "url", json_string(r->url));
	json_object_set_new(doc, "interval", json_real(r->interval));
	json_object_set_new(doc, "failed", json_boolean(r->failed));
	json_object_set_new(doc, "verdict", jstr(r->verdict));
	json_object_set_new(doc, "ended", jstr(r->ended));
	json_object_set_new(doc, "heap", jstr(r->heap_note));
	json_object_set_new(doc, "samples", json_samples(r->w));
	n = lg_watch_top_series(r->w, r->suspects, top, LG_WATCHREPORT_TOP);
	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_series(r->w, top[i]));
	json_object_set_new(doc, "groups", a);
	a = json_array();
	for (i = 0; r->suspects && i < r->suspects->n; i++)
		json_array_append_new(a, json_suspect(r->w, &r->suspects->v[i]));
	json_object_set_new(doc, "suspects", a);
	text = json_dumps(doc, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_decref(doc);
	if (!text)
		return lg_error(err, "cannot encode the JSON report '%s'", path);
	ret = lg_write_file_atomic(path, text, strlen(text), err);
	free(text);
	return ret;
}

/* --- JUnit ---------------------------------------------------------------- */

int lg_watch_write_junit(const struct lg_watch_report *r, const char *path, struct lg_err *err)
{
	struct lg_junit_opts jo = { 1, NULL };
	struct lg_run run;
	struct lg_package *p;
	struct lg_check *c;
	struct lg_buf body = LG_BUF_INIT;
	size_t i;
	int ret;

	memset(&run, 0, sizeof(run));
	run.module_path = lg_xasprintf("leakgate %s", r->command);
	run.seconds = r->w->nsamples ? r->w->samples[r->w->nsamples - 1].t : 0;
	p = lg_run_add_package(&run);
	p->import_path = lg_xasprintf("%s %s", r->command, r->url);
	p->built = 1;
	p->hook = LG_HOOK_DONE;
	p->run_seconds = run.seconds;
	c = lg_package_add_check(p, LG_CHECK_LEAK, r->failed ? LG_STATUS_FAILED : LG_STATUS_PASSED);
	c->message = lg_xstrdup(r->verdict ? r->verdict : "");
	for (i = 0; r->suspects && i < r->suspects->n; i++) {
		const struct lg_watch_suspect *s = &r->suspects->v[i];

		lg_watch_suspect_text(r->w, s, &body);
		if (!c->loc.file && s->go_stmt) {
			const char *colon = strrchr(s->go_stmt, ':');

			c->loc.file = lg_xstrndup(s->go_stmt, (size_t)(colon - s->go_stmt));
			c->loc.line = atoi(colon + 1);
		}
	}
	if (r->heap_note)
		lg_buf_addf(&body, "heap: %s\n", r->heap_note);
	c->detail = lg_buf_detach(&body, NULL);
	ret = lg_junit_write(&run, &jo, path, err);
	lg_run_release(&run);
	return ret;
}

/* --- HTML ----------------------------------------------------------------- */

#define CHART_W 1100
#define CHART_H 300
#define CHART_L 60
#define CHART_B 30

static const char *const palette[] = { "#d1242f", "#0969da", "#1a7f37", "#9a6700",
				       "#8250df", "#bf3989", "#0a7f8f", "#6e7781" };

static const char script[] =
	"(function(){\n"
	"  var rows = document.querySelectorAll('#samples tbody tr');\n"
	"  var gaps = 0;\n"
	"  for (var i = 0; i < rows.length; i++) if (rows[i].classList.contains('gap')) gaps++;\n"
	"  var n = document.getElementById('gapcount');\n"
	"  if (n) n.textContent = gaps + ' of ' + rows.length + ' samples were gaps';\n"
	"  document.documentElement.setAttribute('data-ok', '1');\n"
	"})();\n";

static void esc(struct lg_buf *b, const char *s)
{
	lg_escape_html(b, s);
}

static double x_of(const struct lg_watch *w, double t)
{
	double span = w->nsamples ? w->samples[w->nsamples - 1].t : 0;

	return CHART_L + (span > 0 ? t / span : 0.5) * (CHART_W - CHART_L - 20);
}

static double y_of(double v, double top)
{
	return 10 + (CHART_H - CHART_B - 10) * (1 - (top > 0 ? v / top : 0));
}

/* One polyline per series; a gap breaks the line. */
static void chart_line(struct lg_buf *b, const struct lg_watch *w, const int64_t *v,
		       const char *colour, double top, int thick)
{
	size_t i;
	int open = 0;

	for (i = 0; i < w->nsamples; i++) {
		if (v[i] < 0) {
			if (open)
				lg_buf_adds(b, "\"/>\n");
			open = 0;
			continue;
		}
		if (!open)
			lg_buf_addf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%d\" points=\"",
				    colour, thick);
		lg_buf_addf(b, "%.1f,%.1f ", x_of(w, w->samples[i].t), y_of((double)v[i], top));
		open = 1;
	}
	if (open)
		lg_buf_adds(b, "\"/>\n");
	for (i = 0; i < w->nsamples; i++)
		if (v[i] >= 0)
			lg_buf_addf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n",
				    x_of(w, w->samples[i].t), y_of((double)v[i], top), colour);
}

static void chart(struct lg_buf *b, const struct lg_watch_report *r, const size_t *top, size_t n)
{
	const struct lg_watch *w = r->w;
	int64_t *totals = lg_xmalloc((w->nsamples + 1) * sizeof(*totals));
	double ymax = 1;
	size_t i;

	for (i = 0; i < w->nsamples; i++) {
		totals[i] = w->samples[i].ok ? w->samples[i].total : -1;
		if (totals[i] > ymax)
			ymax = (double)totals[i];
	}
	ymax *= 1.1;
	lg_buf_addf(b, "<div class=\"chart\"><svg class=\"sched\" id=\"series\" xmlns=\"http://www.w3.org/2000/svg\" "
		    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n"
		    "<title>goroutines over time</title>\n", CHART_W, CHART_H, CHART_W, CHART_H);
	for (i = 0; i <= 4; i++) {
		double v = ymax * (double)i / 4;

		lg_buf_addf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e6ec\"/>"
			    "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\" fill=\"#5d6677\">%.0f</text>\n",
			    CHART_L, CHART_W - 20, y_of(v, ymax), y_of(v, ymax), CHART_L - 6,
			    y_of(v, ymax) + 4, v);
	}
	for (i = 0; i < w->nsamples; i++) {
		if (w->samples[i].ok)
			continue;
		lg_buf_addf(b, "<rect class=\"gap\" x=\"%.1f\" y=\"10\" width=\"4\" height=\"%d\" "
			    "fill=\"#f4b4b8\"><title>gap: ", x_of(w, w->samples[i].t) - 2,
			    CHART_H - CHART_B - 10);
		esc(b, w->samples[i].error);
		lg_buf_adds(b, "</title></rect>\n");
	}
	lg_buf_addf(b, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#5d6677\">0s</text>"
		    "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\" fill=\"#5d6677\">%.0fs</text>\n",
		    CHART_L, CHART_H - 10, CHART_W - 20, CHART_H - 10,
		    w->nsamples ? w->samples[w->nsamples - 1].t : 0.0);
	chart_line(b, w, totals, "#1d2330", ymax, 3);
	for (i = 0; i < n; i++)
		chart_line(b, w, w->series[top[i]].counts, palette[i % LG_ARRAY_SIZE(palette)], ymax, 2);
	lg_buf_adds(b, "</svg></div>\n<div class=\"small\"><span style=\"color:#1d2330\">&#9632;</span> total");
	for (i = 0; i < n; i++) {
		lg_buf_addf(b, " &nbsp; <span style=\"color:%s\">&#9632;</span> <span class=\"mono\">",
			    palette[i % LG_ARRAY_SIZE(palette)]);
		esc(b, w->series[top[i]].name);
		lg_buf_adds(b, "</span>");
	}
	lg_buf_adds(b, "</div>\n");
	free(totals);
}

static void add_growth(void *ctx, const char *const *names, size_t n, int64_t delta, int suspect)
{
	lg_flame_add(ctx, names, n, delta, suspect);
}

static void growth_flame(struct lg_buf *b, const struct lg_watch_report *r)
{
	struct lg_flame f;
	struct lg_flame_svg_opts o = { 1240, "growth between the first and the latest good sample",
				       "goroutines", 0, "flame" };

	lg_flame_init(&f);
	lg_watch_growth(r->w, r->suspects, add_growth, &f);
	lg_buf_adds(b, "<section><h2>Flame graph of the growth</h2>\n");
	if (f.stacks) {
		lg_buf_adds(b, "<p class=\"muted small\">goroutines added between the first and the "
			    "latest good sample, by stack; suspect groups in red</p>\n<div class=\"chart\">\n");
		lg_flame_svg(&f, &o, b);
		lg_buf_adds(b, "</div>\n");
	} else {
		lg_buf_adds(b, "<p class=\"muted\">no group grew between the first and the latest good sample</p>\n");
	}
	lg_buf_adds(b, "</section>\n");
	lg_flame_release(&f);
}

static void kv(struct lg_buf *b, const char *k, const char *v)
{
	if (!v)
		return;
	lg_buf_addf(b, "<div>%s</div><div class=\"mono\">", k);
	esc(b, v);
	lg_buf_adds(b, "</div>\n");
}

static void suspect_card(struct lg_buf *b, const struct lg_watch *w, const struct lg_watch_suspect *s)
{
	const struct lg_group *g = s->g;

	lg_buf_addf(b, "<div class=\"leak\"><div class=\"hd\"><span class=\"cnt\">+%lld</span> <span class=\"mono\">",
		    (long long)(s->last - s->first));
	esc(b, w->series[s->series].name);
	lg_buf_adds(b, "</span>");
	if (g && g->pattern) {
		lg_buf_adds(b, " <span class=\"pill warn\">");
		esc(b, g->pattern->title);
		lg_buf_adds(b, "</span>");
	}
	lg_buf_adds(b, "</div>\n<div class=\"kv\">\n");
	kv(b, "trend", s->why);
	kv(b, "go statement", s->go_stmt);
	kv(b, "created by", s->created_by);
	kv(b, "label", g ? g->label : NULL);
	lg_buf_adds(b, "</div>\n");
	if (g && g->pattern) {
		lg_buf_adds(b, "<div class=\"fix\">fix: ");
		esc(b, g->pattern->hint);
		lg_buf_adds(b, "</div>\n");
	}
	if (s->stack) {
		lg_buf_adds(b, "<pre>");
		esc(b, s->stack);
		lg_buf_adds(b, "</pre>\n");
	}
	lg_buf_adds(b, "</div>\n");
}

static void samples_table(struct lg_buf *b, const struct lg_watch *w)
{
	size_t i;

	lg_buf_adds(b, "<section><h2>Samples</h2><p class=\"small muted\" id=\"gapcount\"></p>\n"
		    "<table id=\"samples\"><thead><tr><th class=\"num\">#</th><th class=\"num\">time</th>"
		    "<th>phase</th><th class=\"num\">goroutines</th><th class=\"num\">live heap</th>"
		    "<th>note</th></tr></thead><tbody>\n");
	for (i = 0; i < w->nsamples; i++) {
		const struct lg_watch_sample *s = &w->samples[i];

		lg_buf_addf(b, "<tr class=\"%s\"><td class=\"num\">%zu</td><td class=\"num\">%.1fs</td><td>%s</td>",
			    s->ok ? "pass" : "gap fail", i + 1, s->t, s->phase ? s->phase : "");
		if (s->ok)
			lg_buf_addf(b, "<td class=\"num\">%lld</td>", (long long)s->total);
		else
			lg_buf_adds(b, "<td class=\"num\">gap</td>");
		if (s->heap_live >= 0)
			lg_buf_addf(b, "<td class=\"num\">%lld</td>", (long long)s->heap_live);
		else
			lg_buf_adds(b, "<td></td>");
		lg_buf_adds(b, "<td class=\"mono\">");
		esc(b, s->error);
		lg_buf_adds(b, "</td></tr>\n");
	}
	lg_buf_adds(b, "</tbody></table></section>\n");
}

void lg_watch_render_html(const struct lg_watch_report *r, struct lg_buf *out)
{
	const struct lg_watch *w = r->w;
	size_t top[LG_WATCHREPORT_TOP], n, i, gaps = 0;

	for (i = 0; i < w->nsamples; i++)
		gaps += !w->samples[i].ok;
	lg_buf_adds(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		    "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>leakgate ");
	esc(out, r->command);
	lg_buf_adds(out, ": ");
	esc(out, r->url);
	lg_buf_addf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>leakgate %s "
		    "<span class=\"pill %s\">%s</span></h1>\n<div class=\"meta\"><span class=\"mono\">",
		    lg_html_css, r->command, r->failed ? "bad" : "ok", r->failed ? "SUSPECT" : "CLEAN");
	esc(out, r->url);
	lg_buf_addf(out, "</span> · every %.1fs · leakgate %s</div>\n</header>\n<main>\n", r->interval,
		    LG_VERSION);
	lg_buf_adds(out, "<section><h2>Verdict</h2><p>");
	esc(out, r->verdict);
	lg_buf_adds(out, "</p><p class=\"muted small\">sampling ended: ");
	esc(out, r->ended);
	lg_buf_adds(out, "</p>");
	if (r->heap_note) {
		lg_buf_adds(out, "<p>heap: ");
		esc(out, r->heap_note);
		lg_buf_adds(out, "</p>");
	}
	lg_buf_addf(out, "<div class=\"cards\">\n"
		    "<div class=\"card\"><div class=\"n\">%zu</div><div class=\"l\">samples</div></div>\n"
		    "<div class=\"card %s\"><div class=\"n\">%zu</div><div class=\"l\">gaps</div></div>\n"
		    "<div class=\"card %s\"><div class=\"n\">%zu</div><div class=\"l\">suspect groups</div></div>\n"
		    "</div></section>\n", w->nsamples, gaps ? "bad" : "", gaps,
		    r->suspects && r->suspects->n ? "bad" : "ok", r->suspects ? r->suspects->n : 0);
	n = lg_watch_top_series(w, r->suspects, top, LG_WATCHREPORT_TOP);
	lg_buf_adds(out, "<section><h2>Goroutines over time</h2>\n");
	chart(out, r, top, n);
	lg_buf_adds(out, "</section>\n");
	growth_flame(out, r);
	if (r->suspects && r->suspects->n) {
		lg_buf_adds(out, "<section><h2>Suspect groups</h2>\n");
		for (i = 0; i < r->suspects->n; i++)
			suspect_card(out, w, &r->suspects->v[i]);
		lg_buf_adds(out, "</section>\n");
	}
	samples_table(out, w);
	lg_buf_addf(out, "</main>\n<footer>written by leakgate %s; self-contained, no network</footer>\n"
		    "<script>\n%s</script>\n</body>\n</html>\n", LG_VERSION, script);
}

int lg_watch_write_html(const struct lg_watch_report *r, const char *path, struct lg_err *err)
{
	struct lg_buf b = LG_BUF_INIT;
	int ret;

	lg_watch_render_html(r, &b);
	ret = lg_write_file_atomic(path, b.buf, b.len, err);
	lg_buf_release(&b);
	return ret;
}

int lg_watch_write_outputs(const struct lg_watch_report *r, const char *json, const char *junit,
			   const char *html, struct lg_err *err)
{
	if (json && lg_watch_write_json(r, json, err))
		return -1;
	if (junit && lg_watch_write_junit(r, junit, err))
		return -1;
	if (html && lg_watch_write_html(r, html, err))
		return -1;
	return 0;
}

/* --- terminal ------------------------------------------------------------- */

struct moving {
	size_t series;
	int64_t delta;
	struct lg_watch_trend t;
};

static int cmp_moving(const void *x, const void *y)
{
	const struct moving *a = x, *b = y;

	if (a->delta != b->delta)
		return a->delta < b->delta ? 1 : -1;
	return a->series < b->series ? -1 : a->series > b->series;
}

/* Series that grew at the latest sample, biggest growth first; caller frees. */
static struct moving *growing_now(const struct lg_watch *w, size_t *n)
{
	struct moving *m = NULL;
	size_t alloc = 0, i;

	*n = 0;
	for (i = 0; i < w->nseries; i++) {
		struct lg_watch_trend t;

		lg_watch_trend(w, i, &t);
		if (t.streak < 1)
			continue;
		LG_GROW(m, alloc, *n + 1);
		m[*n].series = i;
		m[*n].delta = t.last - t.prev;
		m[*n].t = t;
		(*n)++;
	}
	if (*n > 1)
		qsort(m, *n, sizeof(*m), cmp_moving);
	return m;
}

/* The total at the good sample before the latest, or -1. */
static int64_t previous_total(const struct lg_watch *w)
{
	size_t i = w->nsamples ? w->nsamples - 1 : 0, seen = 0;

	while (i-- > 0) {
		if (w->samples[i].ok && ++seen)
			return w->samples[i].total;
	}
	return -1;
}

void lg_watch_sample_line(const struct lg_watch *w, struct lg_buf *out)
{
	const struct lg_watch_sample *s;
	struct moving *m;
	size_t n, i;
	int64_t prev;

	if (!w->nsamples)
		return;
	s = &w->samples[w->nsamples - 1];
	lg_buf_addf(out, "sample %zu +%.1fs", w->nsamples, s->t);
	if (s->phase)
		lg_buf_addf(out, " [%s]", s->phase);
	if (!s->ok) {
		lg_buf_addf(out, ": gap: %s\n", s->error ? s->error : "?");
		return;
	}
	prev = previous_total(w);
	lg_buf_addf(out, ": %lld goroutines", (long long)s->total);
	if (prev >= 0)
		lg_buf_addf(out, " (%+lld)", (long long)(s->total - prev));
	m = growing_now(w, &n);
	for (i = 0; i < n && i < 3; i++) {
		lg_buf_addf(out, "%s %s %lld (+%lld, %d in a row%s)", i ? "," : "; growing:",
			    w->series[m[i].series].name, (long long)m[i].t.last, (long long)m[i].delta,
			    m[i].t.streak, m[i].t.only_grows && m[i].t.increases >= 2 ? ", only grows" : "");
	}
	if (n > 3)
		lg_buf_addf(out, " and %zu more", n - 3);
	lg_buf_addch(out, '\n');
	free(m);
}

/* The last `width` good counts of a series as a sparkline. */
static void sparkline(const struct lg_watch *w, const int64_t *c, size_t width, struct lg_buf *out)
{
	static const char *const bars[] = { "\u2581", "\u2582", "\u2583", "\u2584",
					    "\u2585", "\u2586", "\u2587", "\u2588" };
	size_t start = w->nsamples > width ? w->nsamples - width : 0, i;
	int64_t lo = -1, hi = 0;

	for (i = start; i < w->nsamples; i++) {
		if (c[i] < 0)
			continue;
		if (lo < 0 || c[i] < lo)
			lo = c[i];
		if (c[i] > hi)
			hi = c[i];
	}
	for (i = start; i < w->nsamples; i++) {
		if (c[i] < 0)
			lg_buf_adds(out, "\u00b7");
		else
			lg_buf_adds(out, bars[hi > lo ? (size_t)((c[i] - lo) * 7 / (hi - lo)) : 0]);
	}
	for (i = w->nsamples - start; i < width; i++)
		lg_buf_addch(out, ' ');
}

void lg_watch_live_view(const struct lg_watch *w, const char *title, int color, struct lg_buf *out)
{
	size_t top[12], n, i, gaps = 0;
	const char *bold = color ? "\033[1m" : "", *red = color ? "\033[31m" : "",
		   *reset = color ? "\033[0m" : "";

	for (i = 0; i < w->nsamples; i++)
		gaps += !w->samples[i].ok;
	lg_buf_adds(out, "\033[H\033[2J");
	lg_buf_addf(out, "%s%s%s\n", bold, title, reset);
	if (w->nsamples && !w->samples[w->nsamples - 1].ok)
		lg_buf_addf(out, "%slatest sample is a gap: %s%s\n", red,
			    w->samples[w->nsamples - 1].error, reset);
	lg_watch_sample_line(w, out);
	lg_buf_addf(out, "%zu samples, %zu gaps, %zu groups\n\n", w->nsamples, gaps, w->nseries);
	lg_buf_addf(out, "%s  count  change  trend         group%s\n", bold, reset);
	n = lg_watch_top_series(w, NULL, top, LG_ARRAY_SIZE(top));
	for (i = 0; i < n; i++) {
		struct lg_watch_trend t;

		lg_watch_trend(w, top[i], &t);
		lg_buf_addf(out, "%7lld  %+6lld  ", (long long)t.last, (long long)(t.last - t.first));
		sparkline(w, w->series[top[i]].counts, 12, out);
		lg_buf_addf(out, "  %s%s%s%s\n", t.only_grows && t.increases >= 2 ? red : "",
			    w->series[top[i]].name, t.only_grows && t.increases >= 2 ? "  only grows" : "",
			    reset);
	}
	lg_buf_adds(out, "\nCtrl-C ends the watch with the report so far\n");
}
