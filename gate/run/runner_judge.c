/*
 * runner_judge.c — from what one test binary left to its package's checks:
 * the collector its stdout and stderr go through while it runs, and the
 * judging once it has ended (the tests test2json saw, the hook's manifest
 * and snapshots, the verdict).
 *
 * This is the runner's seam: a live run (runner_exec.c) feeds the collector
 * chunk by chunk from lg_proc_run's callbacks, lg_runner_judge_recorded
 * feeds it a recorded run in one piece; both end in lg_runner_judge.
 * stderr is split line by line: schedtrace lines become samples, the rest
 * (crash and SIGQUIT dumps, test noise) is kept within a head+tail budget.
 */
#include <stdlib.h>
#include <string.h>

#include "hook_manifest.h"
#include "runner_int.h"
#include "schedtrace.h"
#include "verdict.h"

#define STDERR_HEAD ((size_t)8 << 20)
#define STDERR_TAIL ((size_t)56 << 20)
#define STDERR_MAX_LINE (64 * 1024)

void lg_runner_collect_init(struct lg_runner_collect *c, struct lg_package *p,
			    size_t err_head, size_t err_tail)
{
	memset(c, 0, sizeof(*c));
	c->p = p;
	c->t2j = lg_test2json_new();
	lg_capture_init(&c->err, err_head ? err_head : STDERR_HEAD,
			err_tail ? err_tail : STDERR_TAIL);
	lg_buf_init(&c->line);
}

void lg_runner_collect_release(struct lg_runner_collect *c)
{
	lg_test2json_free(c->t2j);
	c->t2j = NULL;
	lg_capture_release(&c->err);
	lg_buf_release(&c->line);
}

void lg_runner_collect_stdout(struct lg_runner_collect *c, const char *data, size_t len)
{
	lg_test2json_feed(c->t2j, data, len);
}

/* One stderr line (`nl`: it ended in a newline): a sample, or kept text. */
static void stderr_line(struct lg_runner_collect *c, const char *s, size_t len, int nl)
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

void lg_runner_collect_stderr(struct lg_runner_collect *c, const char *data, size_t len)
{
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

/* A test's file as Go prints it (package-relative) made module-relative. */
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

void lg_runner_judge(struct lg_runner_collect *c, const struct lg_runner_judge_opts *o,
		     const struct lg_proc_result *r, const struct lg_probe_finding *probe)
{
	struct lg_package *p = c->p;
	struct lg_hook_manifest m;
	struct lg_verdict_in vin;
	struct lg_buf errtext = LG_BUF_INIT;
	struct lg_err herr;
	char *last_run;
	int hook_failed;

	if (c->line.len)
		stderr_line(c, c->line.buf, c->line.len, 0);
	lg_buf_reset(&c->line);
	lg_test2json_finish(c->t2j);
	p->exit_code = r->exit_code;
	p->term_signal = r->term_signal;
	p->run_seconds = r->seconds;
	memset(&vin, 0, sizeof(vin));
	vin.t2j_complete = lg_test2json_complete(c->t2j);
	last_run = lg_test2json_last_run(c->t2j) ? lg_xstrdup(lg_test2json_last_run(c->t2j)) : NULL;
	lg_test2json_take(c->t2j, p);
	fix_test_locations(p);
	lg_capture_text(&c->err, &errtext);
	hook_failed = lg_hook_read_manifest(o->hookdir, &m, &herr);
	vin.cfg = o->cfg;
	vin.module_root = o->module_root;
	vin.proc = r;
	vin.stderr_text = errtext.buf;
	vin.stderr_len = errtext.len;
	vin.hook = &m;
	vin.hook_error = hook_failed ? herr.msg : NULL;
	vin.via = o->via;
	vin.via_reason = o->via_reason;
	vin.via_notes = o->via_notes;
	vin.extra_ignores = o->extra_ignores;
	vin.nextra_ignores = o->nextra_ignores;
	vin.read_sources = o->read_sources;
	vin.probe = probe;
	vin.last_run = last_run;
	vin.heap_passes = o->heap_passes;
	lg_verdict_package(&vin, p);
	lg_hook_manifest_release(&m);
	free(last_run);
	lg_buf_release(&errtext);
}

void lg_runner_judge_recorded(const struct lg_runner_judge_opts *o,
			      const struct lg_runner_recorded *rec, struct lg_package *p)
{
	struct lg_runner_collect c;

	lg_runner_collect_init(&c, p, o->stderr_head, o->stderr_tail);
	lg_runner_collect_stdout(&c, rec->stdout_text, rec->stdout_len);
	lg_runner_collect_stderr(&c, rec->stderr_text, rec->stderr_len);
	lg_runner_judge(&c, o, rec->proc, rec->probe);
	lg_runner_collect_release(&c);
}
