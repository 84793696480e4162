/*
 * github.c — the `github` output: workflow commands that put each
 * leak, deadlock, hang, crash and failed test on its source line in the
 * pull request, plus the raw output behind them in collapsed log groups.
 *
 * Everything that comes from the code under test (names, messages, output)
 * is escaped or fenced: a test named "x::error::y" or printing
 * "::add-mask::" must not be able to forge or hide an annotation.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "github.h"
#include "escape.h"
#include "findings.h"

void lg_github_token(char out[33])
{
	unsigned char raw[16];
	FILE *f = fopen("/dev/urandom", "rb");
	size_t got = f ? fread(raw, 1, sizeof(raw), f) : 0, i;

	if (f)
		fclose(f);
	if (got != sizeof(raw)) {
		/* no /dev/urandom: still unpredictable enough for a log fence */
		uint64_t x = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)clock();

		for (i = 0; i < sizeof(raw); i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			raw[i] = (unsigned char)(x >> 56);
		}
	}
	for (i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

static const char *level_name(enum lg_finding_level l)
{
	return l == LG_LEVEL_ERROR ? "error" : "warning";
}

static void command(struct lg_buf *out, const struct lg_finding *f, const char *prefix)
{
	struct lg_buf path = LG_BUF_INIT;
	int exact;

	lg_buf_addf(out, "::%s ", level_name(f->level));
	lg_finding_path(f, prefix, &path, &exact);
	if (exact) {
		lg_buf_adds(out, "file=");
		lg_escape_workflow_prop(out, path.buf);
		if (f->loc->line > 0)
			lg_buf_addf(out, ",line=%d", f->loc->line);
		lg_buf_addch(out, ',');
	}
	lg_buf_adds(out, "title=");
	lg_escape_workflow_prop(out, f->title);
	lg_buf_adds(out, "::");
	lg_escape_workflow_data(out, f->message);
	lg_buf_adds(out, " (");
	lg_escape_workflow_data(out, f->pkg->import_path);
	lg_buf_adds(out, ")\n");
	lg_buf_release(&path);
}

static void annotate(struct lg_buf *out, const struct lg_findings *fs, enum lg_finding_level lvl,
		     const char *prefix, size_t cap)
{
	size_t i, total = 0, shown = 0;

	for (i = 0; i < fs->n; i++)
		total += fs->v[i].level == lvl;
	for (i = 0; i < fs->n; i++) {
		if (fs->v[i].level != lvl)
			continue;
		if (total > cap && shown == cap - 1)
			break;
		command(out, &fs->v[i], prefix);
		shown++;
	}
	if (shown < total)
		lg_buf_addf(out, "::%s title=leakgate::%zu more %s%s not annotated (GitHub shows "
			    "%zu per step): see the job summary, the JUnit report or the log below\n",
			    level_name(lvl), total - shown, level_name(lvl),
			    total - shown == 1 ? "" : "s", cap);
}

/* True when `token` occurs in any body, so the fence could be closed early. */
static int token_used(const struct lg_findings *fs, const char *token)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (fs->v[i].body && strstr(fs->v[i].body, token))
			return 1;
	return 0;
}

static void raw_output(struct lg_buf *out, const struct lg_finding *f, const char *token,
		       size_t max)
{
	size_t len = strlen(f->body);

	lg_buf_adds(out, "::group::");
	lg_escape_workflow_data(out, f->pkg->import_path);
	lg_buf_adds(out, ": ");
	lg_escape_workflow_data(out, f->title);
	lg_buf_addf(out, "\n::stop-commands::%s\n", token);
	lg_escape_utf8(out, f->body, len > max ? max : len);
	if (out->len && out->buf[out->len - 1] != '\n')
		lg_buf_addch(out, '\n');
	if (len > max)
		lg_buf_addf(out, "[... %zu more bytes in the JUnit and JSON reports]\n", len - max);
	lg_buf_addf(out, "::%s::\n::endgroup::\n", token);
}

void lg_github_render(const struct lg_run *run, const struct lg_github_opts *o,
			   struct lg_buf *out)
{
	struct lg_findings fs;
	char token[33];
	size_t cap = o && o->max_per_level ? o->max_per_level : LG_ANNOTATIONS_MAX_PER_LEVEL;
	size_t max = o && o->max_body ? o->max_body : LG_ANNOTATIONS_MAX_BODY, i;
	const char *prefix = o && o->path_prefix ? o->path_prefix : "";

	lg_findings_collect(run, &fs);
	if (o && o->token && strlen(o->token) < sizeof(token)) {
		memcpy(token, o->token, strlen(o->token) + 1);
	} else {
		lg_github_token(token);
	}
	while (token_used(&fs, token))
		lg_github_token(token);
	annotate(out, &fs, LG_LEVEL_ERROR, prefix, cap);
	annotate(out, &fs, LG_LEVEL_WARNING, prefix, cap);
	for (i = 0; i < fs.n; i++)
		if (fs.v[i].body && fs.v[i].body[0])
			raw_output(out, &fs.v[i], token, max);
	lg_findings_release(&fs);
}
