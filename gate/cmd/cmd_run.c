/*
 * cmd_run.c — `leakgate run [flags] [packages]`: the gate (gate.h) and
 * then what `run` does with it: apply baselines, show the package lines
 * that waited for them, write the reports and print the summary.  The
 * flags, config and runs are the gate module's, shared with `leakgate
 * baseline update|diff`; the work itself is runner.c's, the verdicts
 * verdict.c's, the terminal view display.c's.
 */
#include <stdio.h>

#include "cmd.h"
#include "gate.h"
#include "help.h"
#include "outputs.h"

/* --junit and --json first, then every --format, in the order given. */
static int write_outputs(const struct lg_gate_flags *f, const struct lg_run *run)
{
	struct lg_outputs outs = { NULL, 0, 0 };
	struct lg_output_opts oo = { f->file_line, NULL, stdout };
	struct lg_err err;
	size_t i;
	int ret = 0;

	if (f->junit)
		lg_outputs_add(&outs, LG_OUT_JUNIT, f->junit);
	if (f->json)
		lg_outputs_add(&outs, LG_OUT_JSON, f->json);
	for (i = 0; i < f->outs.n; i++)
		lg_outputs_add(&outs, f->outs.v[i].kind, f->outs.v[i].path);
	if (lg_outputs_write(&outs, run, &oo, &err))
		ret = lg_cli_fail(LG_EXIT_ENV, "%s", err.msg);
	lg_outputs_release(&outs);
	return ret;
}

static int summarise(const struct lg_gate_flags *f, const struct lg_run *run)
{
	struct lg_run_totals t;

	lg_display_summary(run);
	if (f->junit)
		fprintf(stderr, "leakgate: JUnit XML written to %s\n", f->junit);
	if (f->json)
		fprintf(stderr, "leakgate: JSON report written to %s\n", f->json);
	lg_run_totals(run, &t);
	return t.failed ? LG_EXIT_FAILED : LG_EXIT_OK;
}

/* After the runner: baselines, deferred lines, reports, summary. */
static int finish_run(struct lg_gate *g, void *ctx)
{
	size_t i;
	int ret = lg_gate_apply_baselines(g);

	if (ret >= 0)
		return ret;
	for (i = 0; g->display.defer && i < g->run.npkgs; i++)
		lg_display_package(&g->display, &g->run.pkgs[i]);
	fputs(g->notes.buf, g->out);
	ret = write_outputs(g->flags, &g->run);
	return ret ? ret : summarise(g->flags, &g->run);
}

int lg_cmd_run(int argc, char **argv)
{
	static const struct lg_gate_mode run_mode = { "run", lg_help_run, finish_run, NULL, 1, 1 };

	return lg_gate_main(argc, argv, &run_mode);
}
