/*
 * html.c — the self-contained HTML report: what a developer opens from a
 * CI artefact to understand a failed gate without rerunning anything.
 *
 * The page is built top-down from the run model only.  Pictures are inline
 * SVG drawn here (flame graphs by flame.c, the scheduler chart and the heap
 * bars below), so the file works offline and under a strict
 * Content-Security-Policy.  Text from the run goes through lg_escape_html
 * without exception; attribute values are always double-quoted.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "findings.h"
#include "flame.h"
#include "html.h"
#include "dump.h"

#ifndef LG_VERSION
#define LG_VERSION "0.0.0"
#endif

const char lg_html_css[] =
	":root{--bg:#f6f7f9;--card:#fff;--ink:#1d2330;--mute:#5d6677;--line:#e3e6ec;"
	"--bad:#d1242f;--bad-bg:#ffebe9;--ok:#1a7f37;--ok-bg:#dafbe1;--warn:#9a6700;"
	"--warn-bg:#fff8c5;--accent:#0969da}"
	"*{box-sizing:border-box}"
	"body{margin:0;background:var(--bg);color:var(--ink);"
	"font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}"
	"header{background:#1d2330;color:#fff;padding:18px 28px}"
	"header h1{margin:0;font-size:20px;font-weight:600;display:flex;gap:12px;align-items:center}"
	"header .meta{color:#b8c0cc;margin-top:4px;font-size:13px}"
	"main{padding:20px 28px;max-width:1320px;margin:0 auto}"
	".pill{display:inline-block;padding:2px 10px;border-radius:999px;font-size:12px;font-weight:600}"
	".pill.bad{background:var(--bad);color:#fff}.pill.ok{background:var(--ok);color:#fff}"
	".pill.warn{background:var(--warn-bg);color:var(--warn)}.pill.mute{background:#eef0f4;color:var(--mute)}"
	".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:12px;margin:4px 0 20px}"
	".card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}"
	".card .n{font-size:24px;font-weight:650}.card .l{color:var(--mute);font-size:12px}"
	".card.bad .n{color:var(--bad)}.card.ok .n{color:var(--ok)}"
	"section{background:var(--card);border:1px solid var(--line);border-radius:8px;"
	"padding:16px 20px;margin:0 0 18px}"
	"section h2{margin:0 0 10px;font-size:17px;word-break:break-all}"
	"section h2.mono{font-size:15px}"
	"h3{font-size:14px;margin:18px 0 8px;color:#333}"
	"table{border-collapse:collapse;width:100%}"
	"th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}"
	"th{font-size:12px;color:var(--mute);font-weight:600;background:#fafbfc}"
	"td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}"
	"tr.fail td:first-child{border-left:3px solid var(--bad)}"
	"tr.pass td:first-child{border-left:3px solid var(--ok)}"
	"tr.none td:first-child{border-left:3px solid #c9ced6}"
	"a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}"
	"code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}"
	"pre{background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:10px;"
	"overflow:auto;max-height:420px;white-space:pre;margin:6px 0}"
	".finding{border-left:3px solid var(--bad);background:var(--bad-bg);padding:8px 12px;"
	"border-radius:4px;margin:6px 0}"
	".finding.warning{border-color:var(--warn);background:var(--warn-bg)}"
	".finding .t{font-weight:600}.finding .m{white-space:pre-wrap}"
	".leak{border:1px solid var(--line);border-radius:8px;padding:10px 14px;margin:10px 0}"
	".leak .hd{display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}"
	".leak .cnt{font-size:18px;font-weight:650;color:var(--bad)}"
	".kv{display:grid;grid-template-columns:110px 1fr;gap:2px 12px;margin:8px 0}"
	".kv div:nth-child(odd){color:var(--mute)}"
	".fix{background:var(--ok-bg);border-radius:4px;padding:6px 10px;margin:6px 0}"
	".chart{overflow-x:auto;border:1px solid var(--line);border-radius:6px;background:#fbfbfd;margin:6px 0}"
	"svg.flame,svg.sched{display:block}svg.flame{width:100%;height:auto}"
	"details>summary{cursor:pointer;color:var(--accent);margin:4px 0}"
	".controls{display:flex;gap:14px;align-items:center;margin:0 0 10px}"
	".controls input[type=search]{padding:5px 8px;border:1px solid var(--line);border-radius:6px;width:280px}"
	".bars{display:grid;grid-template-columns:120px 1fr 190px;gap:4px 10px;align-items:center;margin:8px 0}"
	".bar{height:10px;border-radius:3px;background:#8fb8e8}.bar.after{background:#e0787f}"
	".muted{color:var(--mute)}.small{font-size:12px}"
	"footer{color:var(--mute);font-size:12px;text-align:center;padding:10px 0 30px}";

/* The page's only script: table filtering; it marks the page when it ran. */
static const char script[] =
	"(function(){\n"
	"  var q = document.getElementById('filter');\n"
	"  var only = document.getElementById('onlyfail');\n"
	"  var rows = document.querySelectorAll('#pkgs tbody tr');\n"
	"  function apply() {\n"
	"    var t = q.value.toLowerCase(), shown = 0;\n"
	"    for (var i = 0; i < rows.length; i++) {\n"
	"      var r = rows[i];\n"
	"      var ok = (!only.checked || r.classList.contains('fail')) &&\n"
	"               r.getAttribute('data-pkg').toLowerCase().indexOf(t) >= 0;\n"
	"      r.style.display = ok ? '' : 'none';\n"
	"      if (ok) shown++;\n"
	"    }\n"
	"    document.getElementById('shown').textContent = shown + ' of ' + rows.length + ' shown';\n"
	"  }\n"
	"  if (q && only) {\n"
	"    q.addEventListener('input', apply);\n"
	"    only.addEventListener('change', apply);\n"
	"    apply();\n"
	"  }\n"
	"  document.documentElement.setAttribute('data-ok', '1');\n"
	"})();\n";

static void esc(struct lg_buf *b, const char *s)
{
	lg_escape_html(b, s);
}

static void bytes(struct lg_buf *b, double v)
{
	double a = v < 0 ? -v : v;

	if (a >= 1024.0 * 1024 * 1024)
		lg_buf_addf(b, "%.2f GiB", v / (1024.0 * 1024 * 1024));
	else if (a >= 1024.0 * 1024)
		lg_buf_addf(b, "%.2f MiB", v / (1024.0 * 1024));
	else if (a >= 1024.0)
		lg_buf_addf(b, "%.1f KiB", v / 1024.0);
	else
		lg_buf_addf(b, "%.0f B", v);
}

/* A <pre> block with at most `max` bytes of `s`. */
static void pre(struct lg_buf *b, const char *s, size_t max)
{
	size_t len = s ? strlen(s) : 0;
	char *cut = lg_xstrndup(s ? s : "", len > max ? max : len);

	lg_buf_adds(b, "<pre>");
	esc(b, cut);
	if (len > max)
		lg_buf_addf(b, "\n[... %zu more bytes in the JSON report]", len - max);
	lg_buf_adds(b, "</pre>\n");
	free(cut);
}

static void location(struct lg_buf *b, const struct lg_location *l)
{
	if (!l || !l->file) {
		lg_buf_adds(b, "<span class=\"muted\">unknown</span>");
		return;
	}
	lg_buf_adds(b, "<code>");
	esc(b, l->file);
	if (l->line > 0)
		lg_buf_addf(b, ":%d", l->line);
	lg_buf_adds(b, "</code>");
}

/* --- counts -------------------------------------------------------------- */


static size_t leaked_in(const struct lg_package *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->nleaks; i++)
		n += p->leaks[i].count > 0 ? (size_t)p->leaks[i].count : 0;
	return n;
}



/* --- page head and summary ------------------------------------------------ */

static void head(struct lg_buf *b, const struct lg_run *run, const struct lg_run_totals *t)
{
	char when[64] = "";
	time_t ts = (time_t)run->started_unix;
	struct tm tm;

	if (run->started_unix > 0 && gmtime_r(&ts, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	lg_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		    "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<title>leakgate report: ");
	esc(b, run->module_path ? run->module_path : "?");
	lg_buf_addf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>leakgate report "
		    "<span class=\"pill %s\">%s</span></h1>\n<div class=\"meta\"><span class=\"mono\">",
		    lg_html_css, t->failed ? "bad" : "ok", t->failed ? "GATE FAILED" : "GATE PASSED");
	esc(b, run->module_path ? run->module_path : "?");
	lg_buf_adds(b, "</span> · ");
	esc(b, run->go_version && *run->go_version ? run->go_version : "go ?");
	lg_buf_addf(b, " · %s%s%.1fs · leakgate %s</div>\n</header>\n<main>\n", when,
		    *when ? " · " : "", run->seconds, LG_VERSION);
}

static void card(struct lg_buf *b, size_t n, const char *label, const char *cls)
{
	lg_buf_addf(b, "<div class=\"card %s\"><div class=\"n\">%zu</div><div class=\"l\">%s</div></div>\n",
		    n ? cls : "", n, label);
}

static void cards(struct lg_buf *b, const struct lg_run *run, const struct lg_run_totals *t)
{
	lg_buf_adds(b, "<div class=\"cards\">\n");
	card(b, run->npkgs, "packages", "");
	card(b, t->failed, "packages failed", "bad");
	card(b, t->passed, "packages passed", "ok");
	card(b, t->tests, "tests", "");
	card(b, t->leaked, "leaked goroutines", "bad");
	card(b, t->groups, "leak groups", "bad");
	card(b, t->by_kind[LG_CHECK_DEADLOCK], "deadlocks", "bad");
	card(b, t->by_kind[LG_CHECK_HANG], "hangs", "bad");
	card(b, t->by_kind[LG_CHECK_CRASH], "crashes", "bad");
	card(b, t->by_kind[LG_CHECK_EXIT], "non-zero exits", "bad");
	card(b, t->by_kind[LG_CHECK_HEAP], "heap growth", "bad");
	card(b, t->by_kind[LG_CHECK_BUILD], "build failures", "bad");
	card(b, t->failed_tests, "failed tests", "bad");
	lg_buf_adds(b, "</div>\n");
}

/* --- package table --------------------------------------------------------- */

static const char *pkg_state(const struct lg_package *p)
{
	return p->no_tests ? "none" : lg_package_passed(p) ? "pass" : "fail";
}

static void problems_text(struct lg_buf *b, const struct lg_package *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->nchecks; i++) {
		const struct lg_check *c = &p->checks[i];

		if (lg_check_failed(c) && !(c->kind == LG_CHECK_LEAK && p->nleaks))
			lg_buf_addf(b, "%s<span class=\"pill %s\">%s</span>", n++ ? " " : "",
				    c->status == LG_STATUS_ERROR ? "bad" : "warn",
				    lg_check_kind_name(c->kind));
	}
	if (p->nleaks)
		lg_buf_addf(b, "%s<span class=\"pill bad\">%zu leaked</span>", n++ ? " " : "",
			    leaked_in(p));
	if (p->built && p->hook != LG_HOOK_DONE && !p->no_tests)
		lg_buf_addf(b, "%s<span class=\"pill mute\">leak checks skipped</span>", n++ ? " " : "");
}

static void package_row(struct lg_buf *b, const struct lg_package *p, size_t idx)
{
	size_t i, pass = 0, fail = 0, skip = 0;
	const char *state = pkg_state(p);

	for (i = 0; i < p->ntests; i++) {
		pass += p->tests[i].result == LG_TEST_PASS;
		fail += p->tests[i].result == LG_TEST_FAIL || p->tests[i].result == LG_TEST_UNFINISHED;
		skip += p->tests[i].result == LG_TEST_SKIP;
	}
	lg_buf_addf(b, "<tr class=\"%s\" data-pkg=\"", state);
	esc(b, p->import_path);
	lg_buf_addf(b, "\"><td><span class=\"pill %s\">%s</span></td><td class=\"mono\">",
		    !strcmp(state, "fail") ? "bad" : !strcmp(state, "pass") ? "ok" : "mute",
		    !strcmp(state, "fail") ? "FAIL" : !strcmp(state, "pass") ? "ok" : "no tests");
	if (!strcmp(state, "fail"))
		lg_buf_addf(b, "<a href=\"#pkg-%zu\">", idx);
	esc(b, p->import_path);
	if (!strcmp(state, "fail"))
		lg_buf_adds(b, "</a>");
	lg_buf_addf(b, "</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td><td>",
		    pass, fail, skip);
	problems_text(b, p);
	lg_buf_adds(b, "</td><td class=\"num\">");
	if (p->hook == LG_HOOK_DONE)
		bytes(b, (double)p->heap_growth);
	lg_buf_addf(b, "</td><td class=\"num\">%.2fs</td></tr>\n", p->build_seconds + p->run_seconds);
}

static void package_table(struct lg_buf *b, const struct lg_run *run)
{
	size_t i;

	lg_buf_adds(b, "<section>\n<h2>Packages</h2>\n<div class=\"controls\">"
		    "<input type=\"search\" id=\"filter\" placeholder=\"filter packages\">"
		    "<label><input type=\"checkbox\" id=\"onlyfail\"> failing only</label>"
		    "<span id=\"shown\" class=\"muted small\"></span></div>\n"
		    "<table id=\"pkgs\"><thead><tr><th></th><th>package</th><th class=\"num\">passed</th>"
		    "<th class=\"num\">failed</th><th class=\"num\">skipped</th><th>problems</th>"
		    "<th class=\"num\">heap growth</th><th class=\"num\">time</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < run->npkgs; i++)
		package_row(b, &run->pkgs[i], i);
	lg_buf_adds(b, "</tbody></table>\n</section>\n");
}

/* --- baseline delta ------------------------------------------------------- */

static void baseline_row(struct lg_buf *b, const struct lg_package *p, const char *what,
			 const char *sig, int accepted, const char *note)
{
	lg_buf_adds(b, "<tr><td class=\"mono\">");
	esc(b, p->import_path);
	lg_buf_adds(b, "</td><td>");
	esc(b, what);
	lg_buf_adds(b, "</td><td class=\"mono\">");
	esc(b, sig ? sig : "");
	lg_buf_addf(b, "</td><td><span class=\"pill %s\">%s</span></td><td>", accepted ? "ok" : "bad",
		    accepted ? "accepted by baseline" : "outside baseline");
	esc(b, note ? note : "");
	lg_buf_adds(b, "</td></tr>\n");
}

static void baseline_delta(struct lg_buf *b, const struct lg_run *run, const struct lg_run_totals *t)
{
	size_t i, j;

	if (!t->baselined)
		return;
	lg_buf_adds(b, "<section>\n<h2>Baseline delta</h2>\n<p class=\"muted\">Findings compared "
		    "with the stored baselines: accepted ones do not fail the gate.</p>\n<table>"
		    "<thead><tr><th>package</th><th>finding</th><th>signature</th><th>verdict</th>"
		    "<th>note</th></tr></thead><tbody>\n");
	for (i = 0; i < run->npkgs; i++) {
		const struct lg_package *p = &run->pkgs[i];

		for (j = 0; j < p->nleaks; j++) {
			const struct lg_leak_group *g = &p->leaks[j];

			if (g->baselined || g->baseline_note)
				baseline_row(b, p, g->pattern_title ? g->pattern_title : "goroutine leak",
					     g->signature, g->baselined, g->baseline_note);
		}
		for (j = 0; j < p->nchecks; j++) {
			const struct lg_check *c = &p->checks[j];

			if (c->baselined || c->baseline_note)
				baseline_row(b, p, lg_check_kind_name(c->kind), NULL,
					     !lg_check_failed(c), c->baseline_note);
		}
	}
	lg_buf_adds(b, "</tbody></table>\n</section>\n");
}

/* --- pictures -------------------------------------------------------------- */

static void flame_block(struct lg_buf *b, const struct lg_flame *f, const char *title)
{
	struct lg_flame_svg_opts o = { 1240, title, "goroutines", 0, "flame" };

	if (!f->stacks)
		return;
	lg_buf_adds(b, "<div class=\"chart\">\n");
	lg_flame_svg(f, &o, b);
	lg_buf_adds(b, "</div>\n");
}

/* The goroutines a package's tests left behind: its leak groups, weighted by count. */
static void leak_flame(struct lg_buf *b, const struct lg_package *p)
{
	struct lg_flame f;
	size_t i;

	lg_flame_init(&f);
	for (i = 0; i < p->nleaks; i++) {
		const struct lg_leak_group *g = &p->leaks[i];
		struct lg_dump d;

		if (!g->stack)
			continue;
		lg_dump_init(&d);
		if (!lg_dump_parse(&d, g->stack, strlen(g->stack), "stack", NULL) && d.n) {
			struct lg_goroutine one = d.g[0];

			one.count = g->count > 0 ? g->count : 1;
			lg_flame_add_goroutine(&f, &one, 1);
		}
		lg_dump_release(&d);
	}
	lg_buf_adds(b, "<h3>Goroutines left after the tests</h3>\n");
	flame_block(b, &f, "goroutines left after the tests, by origin (leaked in red)");
	lg_flame_release(&f);
}

static void dump_flame(struct lg_buf *b, const struct lg_check *c)
{
	struct lg_flame f;
	struct lg_dump d;
	char *title;

	if (!c->detail)
		return;
	lg_flame_init(&f);
	lg_dump_init(&d);
	if (!lg_dump_parse(&d, c->detail, strlen(c->detail), "detail", NULL) && d.n) {
		lg_flame_add_dump(&f, &d, c->detail, strlen(c->detail), 1);
		title = lg_xasprintf("%s dump: every goroutine, blocked ones in user code in red",
				     lg_check_kind_name(c->kind));
		flame_block(b, &f, title);
		free(title);
	}
	lg_dump_release(&d);
	lg_flame_release(&f);
}

struct series {
	const char *name, *colour;
	int (*get)(const struct lg_sched_sample *s);
};

static int s_threads(const struct lg_sched_sample *s) { return s->threads; }
static int s_runq(const struct lg_sched_sample *s) { return s->runqueue; }
static int s_idle(const struct lg_sched_sample *s) { return s->idleprocs; }
static int s_procs(const struct lg_sched_sample *s) { return s->gomaxprocs; }

/* Threads, run queue, idle Ps and GOMAXPROCS over time, as polylines. */
static void sched_chart(struct lg_buf *b, const struct lg_package *p)
{
	static const struct series ser[] = {
		{ "threads", "#0969da", s_threads }, { "run queue", "#e16f24", s_runq },
		{ "idle Ps", "#1a7f37", s_idle }, { "GOMAXPROCS", "#8c959f", s_procs },
	};
	const int W = 640, H = 190, L = 44, R = 130, T = 14, B = 30;
	double tmax = 0, vmax = 1;
	size_t i, k, step = p->nsched > 1200 ? p->nsched / 1200 + 1 : 1;

	if (p->nsched < 2)
		return;
	for (i = 0; i < p->nsched; i++) {
		tmax = p->sched[i].ms > tmax ? p->sched[i].ms : tmax;
		for (k = 0; k < LG_ARRAY_SIZE(ser); k++)
			vmax = ser[k].get(&p->sched[i]) > vmax ? ser[k].get(&p->sched[i]) : vmax;
	}
	if (tmax <= 0)
		tmax = 1;
	lg_buf_addf(b, "<h3>Scheduler trace</h3>\n<div class=\"chart\"><svg class=\"sched\" "
		    "xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		    "role=\"img\" font-family=\"system-ui,sans-serif\" font-size=\"11\">\n", W, H, W, H);
	lg_buf_addf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>"
		    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n",
		    L, H - B, W - R, H - B, L, T, L, H - B);
	for (k = 0; k <= 4; k++) {
		double v = vmax * (double)k / 4, y = H - B - (H - B - T) * (double)k / 4;

		lg_buf_addf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
			    "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#666\">%.0f</text>\n",
			    L + 1, y, W - R, y, L - 5, y + 4, v);
	}
	lg_buf_addf(b, "<text x=\"%d\" y=\"%d\" fill=\"#666\">0</text><text x=\"%d\" y=\"%d\" "
		    "text-anchor=\"end\" fill=\"#666\">%.*f%s</text>\n", L, H - 10, W - R, H - 10,
		    tmax >= 1000 ? 1 : 0, tmax >= 1000 ? tmax / 1000.0 : tmax, tmax >= 1000 ? "s" : "ms");
	for (k = 0; k < LG_ARRAY_SIZE(ser); k++) {
		lg_buf_addf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s points=\"",
			    ser[k].colour, k == 3 ? "1" : "2", k == 3 ? " stroke-dasharray=\"4 3\"" : "");
		for (i = 0; i < p->nsched; i += step)
			lg_buf_addf(b, "%.1f,%.1f ", L + (W - R - L) * p->sched[i].ms / tmax,
				    H - B - (H - B - T) * ser[k].get(&p->sched[i]) / vmax);
		lg_buf_addf(b, "\"/>\n<rect x=\"%d\" y=\"%zu\" width=\"12\" height=\"3\" fill=\"%s\"/>"
			    "<text x=\"%d\" y=\"%zu\" fill=\"#333\">%s</text>\n", W - R + 14,
			    T + 4 + k * 18, ser[k].colour, W - R + 32, T + 8 + k * 18, ser[k].name);
	}
	lg_buf_addf(b, "</svg></div>\n<p class=\"muted small\">%zu samples of GODEBUG=schedtrace</p>\n",
		    p->nsched);
}

static void heap_bar(struct lg_buf *b, const char *name, double before, double after)
{
	double max = before > after ? before : after;

	if (max <= 0)
		max = 1;
	lg_buf_addf(b, "<div>%s</div><div><div class=\"bar\" style=\"width:%.1f%%\"></div>"
		    "<div class=\"bar after\" style=\"width:%.1f%%;margin-top:2px\"></div></div><div "
		    "class=\"small mono\">", name, 100 * before / max, 100 * after / max);
	bytes(b, before);
	lg_buf_adds(b, " → ");
	bytes(b, after);
	lg_buf_adds(b, "</div>\n");
}

static void heap_section(struct lg_buf *b, const struct lg_package *p)
{
	size_t i;

	if (p->hook != LG_HOOK_DONE)
		return;
	lg_buf_adds(b, "<h3>Heap before and after the tests</h3>\n<p class=\"small muted\">"
		    "<span class=\"pill mute\">blue: before</span> <span class=\"pill mute\">red: after</span> "
		    "growth of HeapInuse after GC: <b>");
	bytes(b, (double)p->heap_growth);
	lg_buf_adds(b, "</b></p>\n<div class=\"bars\">\n");
	heap_bar(b, "HeapInuse", (double)p->before.heap_inuse, (double)p->after.heap_inuse);
	heap_bar(b, "HeapAlloc", (double)p->before.heap_alloc, (double)p->after.heap_alloc);
	heap_bar(b, "StackInuse", (double)p->before.stack_inuse, (double)p->after.stack_inuse);
	heap_bar(b, "Sys", (double)p->before.sys, (double)p->after.sys);
	lg_buf_addf(b, "</div>\n<p class=\"small muted\">objects %llu → %llu · goroutines %lld → %lld · "
		    "GC cycles %llu → %llu</p>\n", (unsigned long long)p->before.heap_objects,
		    (unsigned long long)p->after.heap_objects, (long long)p->before.num_goroutine,
		    (long long)p->after.num_goroutine, (unsigned long long)p->before.num_gc,
		    (unsigned long long)p->after.num_gc);
	if (!p->nheap_sites)
		return;
	lg_buf_adds(b, "<table><thead><tr><th>allocation site</th><th>location</th>"
		    "<th class=\"num\">growth</th></tr></thead><tbody>\n");
	for (i = 0; i < p->nheap_sites; i++) {
		lg_buf_adds(b, "<tr><td class=\"mono\">");
		esc(b, p->heap_sites[i].func);
		lg_buf_adds(b, "</td><td>");
		location(b, &p->heap_sites[i].loc);
		lg_buf_adds(b, "</td><td class=\"num\">");
		bytes(b, (double)p->heap_sites[i].growth_bytes);
		lg_buf_adds(b, "</td></tr>\n");
	}
	lg_buf_adds(b, "</tbody></table>\n");
}

/* --- one failing package ------------------------------------------------------ */

static void findings_list(struct lg_buf *b, const struct lg_findings *fs, const struct lg_package *p)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		const struct lg_finding *f = &fs->v[i];

		if (f->pkg != p || !strncmp(f->rule, "goroutine-leak/", 15))
			continue;
		lg_buf_addf(b, "<div class=\"finding%s\"><div class=\"t\">",
			    f->level == LG_LEVEL_WARNING ? " warning" : "");
		esc(b, f->title);
		lg_buf_adds(b, " <span class=\"small muted\">at</span> ");
		location(b, f->loc);
		lg_buf_adds(b, "</div><div class=\"m\">");
		esc(b, f->message);
		lg_buf_adds(b, "</div>");
		if (f->body && *f->body) {
			lg_buf_adds(b, "<details><summary>output</summary>");
			pre(b, f->body, LG_HTML_MAX_BODY);
			lg_buf_adds(b, "</details>");
		}
		lg_buf_adds(b, "</div>\n");
	}
}

static void kv(struct lg_buf *b, const char *k, const char *v, int mono)
{
	if (!v)
		return;
	lg_buf_addf(b, "<div>%s</div><div%s>", k, mono ? " class=\"mono\"" : "");
	esc(b, v);
	lg_buf_adds(b, "</div>");
}

static void leak_card(struct lg_buf *b, const struct lg_leak_group *g)
{
	lg_buf_addf(b, "<div class=\"leak\"><div class=\"hd\"><span class=\"cnt\">%d</span> "
		    "<span>leaked goroutine%s</span> <span class=\"pill mute\">", g->count,
		    g->count == 1 ? "" : "s");
	esc(b, g->wait_reason ? g->wait_reason : "running");
	lg_buf_adds(b, "</span> <b>");
	esc(b, g->pattern_title ? g->pattern_title : "goroutine leak");
	lg_buf_adds(b, "</b>");
	if (g->proven)
		lg_buf_adds(b, " <span class=\"pill bad\">proven stuck</span>");
	if (g->baselined)
		lg_buf_adds(b, " <span class=\"pill ok\">in baseline</span>");
	lg_buf_adds(b, "</div>\n<div class=\"kv\"><div>created at</div><div>");
	location(b, &g->created_at);
	lg_buf_adds(b, "</div><div>blocked at</div><div>");
	location(b, &g->blocked_at);
	lg_buf_adds(b, "</div>");
	kv(b, "test", g->test, 1);
	kv(b, "created by", g->creator_func, 1);
	kv(b, "blocked in", g->top_func, 1);
	kv(b, "pattern", g->pattern, 1);
	kv(b, "signature", g->signature, 1);
	kv(b, "baseline", g->baseline_note, 0);
	lg_buf_adds(b, "</div>\n");
	if (g->hint) {
		lg_buf_adds(b, "<div class=\"fix\"><b>fix:</b> ");
		esc(b, g->hint);
		lg_buf_adds(b, "</div>\n");
	}
	if (g->stack) {
		lg_buf_adds(b, "<details><summary>stack</summary>");
		pre(b, g->stack, LG_HTML_MAX_BODY);
		lg_buf_adds(b, "</details>\n");
	}
	lg_buf_adds(b, "</div>\n");
}

static void package_section(struct lg_buf *b, const struct lg_package *p, size_t idx,
			    const struct lg_findings *fs)
{
	size_t i;

	lg_buf_addf(b, "<section class=\"pkg\" id=\"pkg-%zu\">\n<h2 class=\"mono\">", idx);
	esc(b, p->import_path);
	lg_buf_adds(b, "</h2>\n<div>");
	problems_text(b, p);
	lg_buf_addf(b, " <span class=\"muted small\">exit code %d%s · build %.2fs · run %.2fs · ",
		    p->exit_code, p->term_signal ? " (signal)" : "", p->build_seconds, p->run_seconds);
	esc(b, p->go_version ? p->go_version : "");
	lg_buf_adds(b, "</span></div>\n");
	if (p->hook_note) {
		lg_buf_adds(b, "<p class=\"muted\">");
		esc(b, p->hook_note);
		lg_buf_adds(b, "</p>\n");
	}
	findings_list(b, fs, p);
	if (p->nleaks) {
		lg_buf_addf(b, "<h3>Leak groups (%zu)</h3>\n", p->nleaks);
		for (i = 0; i < p->nleaks; i++)
			leak_card(b, &p->leaks[i]);
		leak_flame(b, p);
	}
	for (i = 0; i < p->nchecks; i++) {
		const struct lg_check *c = &p->checks[i];

		if (lg_check_failed(c) && (c->kind == LG_CHECK_DEADLOCK || c->kind == LG_CHECK_HANG ||
					c->kind == LG_CHECK_CRASH)) {
			lg_buf_addf(b, "<h3>%s dump</h3>\n", lg_check_kind_name(c->kind));
			dump_flame(b, c);
		}
	}
	sched_chart(b, p);
	heap_section(b, p);
	if (p->stray_output && *p->stray_output) {
		lg_buf_adds(b, "<details><summary>output outside any test</summary>");
		pre(b, p->stray_output, LG_HTML_MAX_BODY);
		lg_buf_adds(b, "</details>\n");
	}
	lg_buf_adds(b, "</section>\n");
}

void lg_html_render(const struct lg_run *run, struct lg_buf *out)
{
	struct lg_run_totals t;
	struct lg_findings fs;
	size_t i;

	lg_run_totals(run, &t);
	lg_findings_collect(run, &fs);
	head(out, run, &t);
	cards(out, run, &t);
	package_table(out, run);
	baseline_delta(out, run, &t);
	for (i = 0; i < run->npkgs; i++)
		if (!run->pkgs[i].no_tests && !lg_package_passed(&run->pkgs[i]))
			package_section(out, &run->pkgs[i], i, &fs);
	lg_buf_addf(out, "</main>\n<footer>written by leakgate %s from the run report; "
		    "self-contained, no network</footer>\n<script>\n%s</script>\n</body>\n</html>\n",
		    LG_VERSION, script);
	lg_findings_release(&fs);
}
