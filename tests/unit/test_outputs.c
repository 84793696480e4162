/*
 * test_outputs.c — the report formats table (outputs.h): --format parsing
 * driven by the table (every kind parses, unknown kinds and malformed specs
 * are refused with the table's kind list), the kind lists in the help of
 * run, report and merge (doc/leakgate-*.txt) naming exactly the table's
 * kinds, and every kind giving the same bytes to "-", to a file and from
 * lg_output_render; markdown appends, the others replace.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "help.h"
#include "outputs.h"
#include "report_fixture.h"
#include "check_tmp.h"

static char tmpdir[512];

static void test_table(void)
{
	size_t n, i, j;
	const struct lg_output_format *f = lg_output_formats(&n);

	CHECK_INT(n, LG_OUT_KIND_COUNT);
	for (i = 0; i < n; i++) {
		CHECK(f[i].kind && *f[i].kind);
		CHECK(f[i].render != NULL);
		CHECK_STR(lg_output_kind_name((enum lg_output_kind)i), f[i].kind);
		CHECK_INT(f[i].append, i == LG_OUT_MARKDOWN);
		for (j = 0; j < i; j++)
			CHECK(strcmp(f[i].kind, f[j].kind) != 0);
	}
	CHECK_STR(lg_output_kind_name(LG_OUT_KIND_COUNT), "unknown");
	CHECK_STR(f[LG_OUT_CODEQUALITY].kind, "gitlab-codequality");
}

static void test_parse_every_kind(void)
{
	size_t n, i;
	const struct lg_output_format *f = lg_output_formats(&n);
	struct lg_outputs o = { NULL, 0, 0 };
	struct lg_err err;

	for (i = 0; i < n; i++) {
		char *spec = lg_xasprintf("%s=out.%zu", f[i].kind, i), *path = lg_xasprintf("out.%zu", i);

		CHECK_INT(lg_outputs_parse(&o, spec, &err), 0);
		CHECK_INT(o.n, i + 1);
		if (o.n == i + 1) {
			CHECK_INT(o.v[i].kind, i);
			CHECK_STR(o.v[i].path, path);
		}
		CHECK_STR(lg_outputs_find(&o, (enum lg_output_kind)i), path);
		free(spec);
		free(path);
	}
	lg_outputs_release(&o);
	CHECK(lg_outputs_find(&o, LG_OUT_JSON) == NULL);
}

static void test_parse_refused(void)
{
	static const struct {
		const char *spec, *msg;
	} cases[] = {
		{ "pdf=x.pdf", "unknown report format 'pdf' (kinds: junit, json, markdown, github, "
			       "sarif, gitlab-codequality, html)" },
		{ "jun=x", "unknown report format 'jun'" },
		{ "junitx=x", "unknown report format 'junitx'" },
		{ "JSON=x", "unknown report format 'JSON'" },
		{ "junit", "'junit' is not KIND=FILE (kinds: junit, json, markdown, github, sarif, "
			   "gitlab-codequality, html; FILE '-' is stdout)" },
		{ "junit=", "'junit=' is not KIND=FILE" },
		{ "=x", "'=x' is not KIND=FILE" },
		{ "", "'' is not KIND=FILE" },
	};
	struct lg_outputs o = { NULL, 0, 0 };
	struct lg_err err;
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		CHECK_INT(lg_outputs_parse(&o, cases[i].spec, &err), -1);
		CHECK(strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) == 0);
		if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)))
			fprintf(stderr, "  got: %s\n", err.msg);
	}
	CHECK_INT(o.n, 0);
}

/*
 * The kinds a help text lists after "kinds:", in order: words separated by
 * ", " up to the first one without a comma (a following "(see ...)" ends it).
 */
static size_t doc_kinds(const char *help, char kinds[][32], size_t max)
{
	const char *p = strstr(help, "kinds:");
	size_t n = 0;

	if (!p)
		return 0;
	p += 6;
	while (n < max) {
		size_t len;

		while (*p == ' ' || *p == '\n')
			p++;
		len = strspn(p, "abcdefghijklmnopqrstuvwxyz-");
		if (!len || len >= 32)
			break;
		memcpy(kinds[n], p, len);
		kinds[n++][len] = '\0';
		p += len;
		if (*p != ',')
			break;
		p++;
	}
	return n;
}

static void test_docs_list_the_table(void)
{
	static const struct {
		const char *name, *help;
	} docs[] = {
		{ "leakgate-run", lg_help_run },
		{ "leakgate-report", lg_help_report },
		{ "leakgate-merge", lg_help_merge },
	};
	size_t n, i, k;
	const struct lg_output_format *f = lg_output_formats(&n);

	for (i = 0; i < LG_ARRAY_SIZE(docs); i++) {
		char kinds[32][32];
		size_t got = doc_kinds(docs[i].help, kinds, 32);

		if (got != n)
			fprintf(stderr, "doc/%s.txt lists %zu kinds, the table has %zu\n", docs[i].name,
				got, n);
		CHECK_INT(got, n);
		for (k = 0; k < got && k < n; k++) {
			if (strcmp(kinds[k], f[k].kind))
				fprintf(stderr, "doc/%s.txt: kind %zu is '%s', the table's is '%s'\n",
					docs[i].name, k, kinds[k], f[k].kind);
			CHECK_STR(kinds[k], f[k].kind);
		}
	}
	/* the parser of this test is not fooled by a wrong list */
	{
		char kinds[8][32];

		CHECK_INT(doc_kinds("kinds: junit, json,\n    html (see x)", kinds, 8), 3);
		CHECK_STR(kinds[2], "html");
		CHECK_INT(doc_kinds("no list here", kinds, 8), 0);
	}
	CHECK(strstr(lg_help_report, "--junit FILE") && strstr(lg_help_report, "--json FILE"));
	CHECK(strstr(lg_help_merge, "--junit FILE") && strstr(lg_help_merge, "--json FILE"));
}

static void read_all(const char *path, struct lg_buf *b)
{
	struct lg_err err;

	lg_buf_reset(b);
	CHECK_INT(lg_read_file(path, (size_t)64 << 20, b, &err), 0);
}

/* Same bytes; github's random stop-commands token only has the same length. */
static int same(const struct lg_buf *a, const struct lg_buf *b, size_t kind)
{
	return a->len == b->len && (kind == LG_OUT_GITHUB || !memcmp(a->buf, b->buf, a->len));
}

/* Every kind: the same bytes rendered, to a file, and to the stream. */
static void test_same_bytes_everywhere(void)
{
	struct lg_run run;
	struct lg_output_opts oo = { 1, "src/", NULL };
	struct lg_buf want = LG_BUF_INIT, got = LG_BUF_INIT;
	struct lg_err err;
	size_t k;

	rf_build(&run);
	for (k = 0; k < LG_OUT_KIND_COUNT; k++) {
		struct lg_outputs o = { NULL, 0, 0 };
		char *file = lg_xasprintf("%s/out.%zu", tmpdir, k);
		char *stream_file = lg_xasprintf("%s/stream.%zu", tmpdir, k);
		FILE *stream = fopen(stream_file, "w+");

		lg_buf_reset(&want);
		CHECK_INT(lg_output_render((enum lg_output_kind)k, &run, &oo, &want, &err), 0);
		CHECK(want.len > 0);
		lg_outputs_add(&o, (enum lg_output_kind)k, file);
		lg_outputs_add(&o, (enum lg_output_kind)k, "-");
		oo.stream = stream;
		CHECK_INT(lg_outputs_write(&o, &run, &oo, &err), 0);
		fclose(stream);
		read_all(file, &got);
		CHECK(same(&got, &want, k));
		read_all(stream_file, &got);
		CHECK(same(&got, &want, k));
		/* a second write: markdown appends, the others replace */
		oo.stream = NULL;
		o.n = 1;
		CHECK_INT(lg_outputs_write(&o, &run, &oo, &err), 0);
		read_all(file, &got);
		CHECK_INT(got.len, want.len * (k == LG_OUT_MARKDOWN ? 2 : 1));
		o.n = 2;
		lg_outputs_release(&o);
		free(file);
		free(stream_file);
	}
	lg_buf_release(&want);
	lg_buf_release(&got);
	lg_run_release(&run);
}

/* A file that cannot be written names itself; "-" without a stream is an error. */
static void test_write_errors(void)
{
	struct lg_run run;
	struct lg_outputs o = { NULL, 0, 0 };
	struct lg_output_opts oo = { 1, NULL, NULL };
	struct lg_err err;
	char *bad = lg_xasprintf("%s/no/such/dir/r.json", tmpdir);

	rf_build(&run);
	lg_outputs_add(&o, LG_OUT_JSON, bad);
	CHECK_INT(lg_outputs_write(&o, &run, &oo, &err), -1);
	CHECK(strstr(err.msg, bad) != NULL);
	lg_outputs_release(&o);
	lg_outputs_add(&o, LG_OUT_JUNIT, "-");
	CHECK_INT(lg_outputs_write(&o, &run, &oo, &err), -1);
	CHECK(strstr(err.msg, "no stream") != NULL);
	lg_outputs_release(&o);
	CHECK_INT(lg_output_render(LG_OUT_KIND_COUNT, &run, &oo, NULL, &err), -1);
	free(bad);
	lg_run_release(&run);
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "table", test_table },
		{ "parse every kind", test_parse_every_kind },
		{ "parse refused", test_parse_refused },
		{ "docs list the table's kinds", test_docs_list_the_table },
		{ "same bytes everywhere", test_same_bytes_everywhere },
		{ "write errors", test_write_errors },
	};
	return LG_CHECK_RUN_TMP(cases, "lg-outputs", tmpdir);
}
