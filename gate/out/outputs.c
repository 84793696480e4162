/*
 * outputs.c — the report formats as one table (outputs.h): each kind, its
 * renderer and whether its file is appended to.  --format parsing, the
 * kind lists in messages and writing to files or to the caller's stream
 * all come from the table, for `leakgate run`, `report` and `merge`.
 *
 * Every format renders into a buffer, so the bytes are the same wherever
 * they go: a file (replaced atomically, or appended), or "-".
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "github.h"
#include "gitlab_codequality.h"
#include "findings.h"
#include "html.h"
#include "junit.h"
#include "markdown.h"
#include "outputs.h"
#include "json.h"
#include "sarif.h"

static int render_junit(const struct lg_run *run, const struct lg_output_opts *opts,
			const char *prefix, struct lg_buf *out, struct lg_err *err)
{
	struct lg_junit_opts jo = { opts ? opts->file_line : 1, NULL };

	return lg_junit_render(run, &jo, out, err);
}

static int render_json(const struct lg_run *run, const struct lg_output_opts *opts,
		       const char *prefix, struct lg_buf *out, struct lg_err *err)
{
	return lg_json_render_report(run, out, err);
}

static int render_markdown(const struct lg_run *run, const struct lg_output_opts *opts,
			   const char *prefix, struct lg_buf *out, struct lg_err *err)
{
	struct lg_markdown_opts mo = { prefix, 0 };

	lg_markdown_render(run, &mo, out);
	return 0;
}

static int render_github(const struct lg_run *run, const struct lg_output_opts *opts,
			 const char *prefix, struct lg_buf *out, struct lg_err *err)
{
	struct lg_github_opts ao = { prefix, NULL, 0, 0 };

	lg_github_render(run, &ao, out);
	return 0;
}

static int render_sarif(const struct lg_run *run, const struct lg_output_opts *opts,
			const char *prefix, struct lg_buf *out, struct lg_err *err)
{
	struct lg_sarif_opts so = { prefix };

	return lg_sarif_render(run, &so, out, err);
}

static int render_codequality(const struct lg_run *run, const struct lg_output_opts *opts,
			      const char *prefix, struct lg_buf *out, struct lg_err *err)
{
	struct lg_gitlab_codequality_opts co = { prefix };

	return lg_gitlab_codequality_render(run, &co, out, err);
}

static int render_html(const struct lg_run *run, const struct lg_output_opts *opts,
		       const char *prefix, struct lg_buf *out, struct lg_err *err)
{
	lg_html_render(run, out);
	return 0;
}

static const struct lg_output_format formats[LG_OUT_KIND_COUNT] = {
	[LG_OUT_JUNIT] = { "junit", render_junit, 0 },
	[LG_OUT_JSON] = { "json", render_json, 0 },
	[LG_OUT_MARKDOWN] = { "markdown", render_markdown, 1 },
	[LG_OUT_GITHUB] = { "github", render_github, 0 },
	[LG_OUT_SARIF] = { "sarif", render_sarif, 0 },
	[LG_OUT_CODEQUALITY] = { "gitlab-codequality", render_codequality, 0 },
	[LG_OUT_HTML] = { "html", render_html, 0 },
};

const struct lg_output_format *lg_output_formats(size_t *n)
{
	*n = LG_OUT_KIND_COUNT;
	return formats;
}

const char *lg_output_kind_name(enum lg_output_kind k)
{
	return (unsigned)k < LG_OUT_KIND_COUNT ? formats[k].kind : "unknown";
}

/* "junit, json, ..., html": the kinds in table order. */
static void kind_list(struct lg_buf *b)
{
	size_t k;

	for (k = 0; k < LG_OUT_KIND_COUNT; k++)
		lg_buf_addf(b, "%s%s", k ? ", " : "", formats[k].kind);
}

void lg_outputs_add(struct lg_outputs *o, enum lg_output_kind kind, const char *path)
{
	LG_GROW(o->v, o->alloc, o->n + 1);
	o->v[o->n].kind = kind;
	o->v[o->n].path = lg_xstrdup(path);
	o->n++;
}

int lg_outputs_parse(struct lg_outputs *o, const char *spec, struct lg_err *err)
{
	const char *eq = strchr(spec, '=');
	struct lg_buf kinds = LG_BUF_INIT;
	size_t k;
	int ret;

	if (eq && eq != spec && eq[1]) {
		for (k = 0; k < LG_OUT_KIND_COUNT; k++) {
			if (strlen(formats[k].kind) == (size_t)(eq - spec) &&
			    !strncmp(spec, formats[k].kind, (size_t)(eq - spec))) {
				lg_outputs_add(o, (enum lg_output_kind)k, eq + 1);
				return 0;
			}
		}
	}
	kind_list(&kinds);
	if (!eq || eq == spec || !eq[1])
		ret = lg_error(err, "'%s' is not KIND=FILE (kinds: %s; FILE '-' is stdout)", spec,
			       kinds.buf);
	else
		ret = lg_error(err, "unknown report format '%.*s' (kinds: %s)", (int)(eq - spec),
			       spec, kinds.buf);
	lg_buf_release(&kinds);
	return ret;
}

void lg_outputs_release(struct lg_outputs *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		free(o->v[i].path);
	free(o->v);
	memset(o, 0, sizeof(*o));
}

const char *lg_outputs_find(const struct lg_outputs *o, enum lg_output_kind kind)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (o->v[i].kind == kind)
			return o->v[i].path;
	return NULL;
}

int lg_output_render(enum lg_output_kind kind, const struct lg_run *run,
		     const struct lg_output_opts *opts, struct lg_buf *out, struct lg_err *err)
{
	char *prefix;
	int ret;

	if ((unsigned)kind >= LG_OUT_KIND_COUNT)
		return lg_error(err, "unknown report format %d", (int)kind);
	prefix = opts && opts->path_prefix ? lg_xstrdup(opts->path_prefix)
					   : lg_findings_repo_prefix(run);
	ret = formats[kind].render(run, opts, prefix, out, err);
	free(prefix);
	return ret;
}

/* Appends to `path` (created when missing): the step summary is shared by a job's steps. */
static int append_file(const char *path, const char *data, size_t len, struct lg_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644), ret = 0;
	size_t done = 0;

	if (fd < 0)
		return lg_error(err, "cannot open '%s': %s", path, strerror(errno));
	while (done < len && !ret) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno != EINTR)
			ret = lg_error(err, "cannot write '%s': %s", path, strerror(errno));
		else if (n > 0)
			done += (size_t)n;
	}
	if (close(fd) < 0 && !ret)
		ret = lg_error(err, "cannot write '%s': %s", path, strerror(errno));
	return ret;
}

static int to_stream(FILE *f, const char *data, size_t len, struct lg_err *err)
{
	if (!f)
		return lg_error(err, "no stream for '-'");
	if (fwrite(data, 1, len, f) != len || fflush(f) != 0)
		return lg_error(err, "writing output failed: %s", strerror(errno));
	return 0;
}

int lg_outputs_write(const struct lg_outputs *o, const struct lg_run *run,
		     const struct lg_output_opts *opts, struct lg_err *err)
{
	struct lg_buf text = LG_BUF_INIT;
	struct lg_err why;
	size_t i;
	int ret = 0;

	for (i = 0; i < o->n && !ret; i++) {
		const struct lg_output *out = &o->v[i];

		lg_buf_reset(&text);
		ret = lg_output_render(out->kind, run, opts, &text, &why);
		if (ret) {
			lg_error(err, "cannot write '%s': %s", out->path, why.msg);
			break;
		}
		if (!strcmp(out->path, "-"))
			ret = to_stream(opts ? opts->stream : NULL, text.buf, text.len, err);
		else if (formats[out->kind].append)
			ret = append_file(out->path, text.buf, text.len, err);
		else
			ret = lg_write_file_atomic(out->path, text.buf, text.len, err);
	}
	lg_buf_release(&text);
	return ret;
}
