/*
 * outputs.c — dispatch from KIND=FILE to the writer of each report format,
 * shared by `leakgate run`, `report` and `merge`.
 *
 * JUnit and JSON have file writers of their own (junit.c, report.c); for
 * "-" they write to a temp file that is then copied to the stream, so the
 * bytes are the same wherever they go.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "annotations.h"
#include "codequality.h"
#include "findings.h"
#include "html.h"
#include "junit.h"
#include "markdown.h"
#include "outputs.h"
#include "report.h"
#include "sarif.h"

static const char *const kind_names[LG_OUT_KIND_COUNT] = {
	[LG_OUT_JUNIT] = "junit",
	[LG_OUT_JSON] = "json",
	[LG_OUT_MARKDOWN] = "markdown",
	[LG_OUT_GITHUB] = "github",
	[LG_OUT_SARIF] = "sarif",
	[LG_OUT_CODEQUALITY] = "gitlab-codequality",
	[LG_OUT_HTML] = "html",
};

const char *lg_output_kind_name(enum lg_output_kind k)
{
	return (unsigned)k < LG_OUT_KIND_COUNT ? kind_names[k] : "unknown";
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
	size_t k;

	if (!eq || eq == spec || !eq[1])
		return lg_error(err, "'%s' is not KIND=FILE (kinds: junit, json, markdown, github, "
				"sarif, gitlab-codequality, html; FILE '-' is stdout)", spec);
	for (k = 0; k < LG_OUT_KIND_COUNT; k++) {
		if (strlen(kind_names[k]) == (size_t)(eq - spec) &&
		    !strncmp(spec, kind_names[k], (size_t)(eq - spec))) {
			lg_outputs_add(o, (enum lg_output_kind)k, eq + 1);
			return 0;
		}
	}
	return lg_error(err, "unknown report format '%.*s' (kinds: junit, json, markdown, github, "
			"sarif, gitlab-codequality, html)", (int)(eq - spec), spec);
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
	char *prefix = opts && opts->path_prefix ? lg_xstrdup(opts->path_prefix)
						 : lg_findings_repo_prefix(run);
	int ret = 0;

	switch (kind) {
	case LG_OUT_MARKDOWN: {
		struct lg_markdown_opts mo = { prefix, 0 };

		lg_markdown_render(run, &mo, out);
		break;
	}
	case LG_OUT_GITHUB: {
		struct lg_annotations_opts ao = { prefix, NULL, 0, 0 };

		lg_annotations_render(run, &ao, out);
		break;
	}
	case LG_OUT_SARIF: {
		struct lg_sarif_opts so = { prefix };

		ret = lg_sarif_render(run, &so, out, err);
		break;
	}
	case LG_OUT_CODEQUALITY: {
		struct lg_codequality_opts co = { prefix };

		ret = lg_codequality_render(run, &co, out, err);
		break;
	}
	case LG_OUT_HTML:
		lg_html_render(run, out);
		break;
	default:
		ret = lg_error(err, "format '%s' has its own file writer", lg_output_kind_name(kind));
	}
	free(prefix);
	return ret;
}

int lg_output_write_file(const char *path, const char *data, size_t len, struct lg_err *err)
{
	return lg_write_file_atomic(path, data, len, err);
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

/* JUnit and JSON go through their own writers; "-" through a temp file. */
static int write_own(const struct lg_output *out, const struct lg_run *run,
		     const struct lg_output_opts *opts, struct lg_err *err)
{
	struct lg_junit_opts jo = { opts ? opts->file_line : 1, NULL };
	const char *tmpdir = getenv("TMPDIR");
	char *path = NULL;
	struct lg_buf text = LG_BUF_INIT;
	int ret, fd;

	if (strcmp(out->path, "-") != 0)
		return out->kind == LG_OUT_JUNIT ? lg_junit_write(run, &jo, out->path, err)
						 : lg_report_write_json(run, out->path, err);
	path = lg_xasprintf("%s/leakgate-out-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0) {
		ret = lg_error(err, "cannot create a temporary file in '%s': %s",
			       tmpdir && *tmpdir ? tmpdir : "/tmp", strerror(errno));
		goto out;
	}
	close(fd);
	ret = out->kind == LG_OUT_JUNIT ? lg_junit_write(run, &jo, path, err)
					: lg_report_write_json(run, path, err);
	if (!ret)
		ret = lg_read_file(path, (size_t)1 << 31, &text, err);
	if (!ret)
		ret = to_stream(opts ? opts->stream : NULL, text.buf, text.len, err);
	unlink(path);
out:
	free(path);
	lg_buf_release(&text);
	return ret;
}

int lg_outputs_write(const struct lg_outputs *o, const struct lg_run *run,
		     const struct lg_output_opts *opts, struct lg_err *err)
{
	struct lg_buf text = LG_BUF_INIT;
	size_t i;
	int ret = 0;

	for (i = 0; i < o->n && !ret; i++) {
		const struct lg_output *out = &o->v[i];
		int append = out->kind == LG_OUT_MARKDOWN;

		if (out->kind == LG_OUT_JUNIT || out->kind == LG_OUT_JSON) {
			ret = write_own(out, run, opts, err);
			continue;
		}
		lg_buf_reset(&text);
		ret = lg_output_render(out->kind, run, opts, &text, err);
		if (ret)
			break;
		if (!strcmp(out->path, "-"))
			ret = to_stream(opts ? opts->stream : NULL, text.buf, text.len, err);
		else if (append)
			ret = append_file(out->path, text.buf, text.len, err);
		else
			ret = lg_output_write_file(out->path, text.buf, text.len, err);
	}
	lg_buf_release(&text);
	return ret;
}
