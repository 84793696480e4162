/*
 * junit.c — turns a run into JUnit XML for CI dashboards, and checks such a
 * file against an XSD.  This is the only module that touches libxml2.
 *
 * CI systems are unforgiving readers: one illegal byte in a test's output
 * makes GitLab or Jenkins drop the whole report, duplicate classname+name
 * pairs silently hide failures, and counts that do not match the testcases
 * confuse summaries.  So every string is cleaned to XML-legal UTF-8 before it
 * reaches the writer, bodies are capped (keeping the tail, where the panic or
 * failure message usually is), names are made unique per suite, and the
 * counts are derived from the very list of testcases that gets written.
 *
 * Passing tests carry no output: the report stays small and dashboards only
 * need the output of what went wrong.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlwriter.h>

#include "hashmap.h"
#include "junit.h"
#include "model.h"
#include "util.h"

/* Attribute values are one-liners; a runaway message must not bloat the file. */
#define ATTR_CAP ((size_t)16 * 1024)
/* Room kept for the "[... N bytes cut ...]" marker so capped text stays under the cap. */
#define MARKER_ROOM 64
/* How many schema problems lg_junit_validate reports. */
#define MAX_VALIDATION_ERRORS 3

enum outcome { OUT_OK, OUT_FAILURE, OUT_ERROR, OUT_SKIPPED };

/* One <testcase> as it will be written; strings other than `name` are borrowed raw. */
struct jcase {
	char *name;            /* cleaned and unique within its suite (owned) */
	enum outcome outcome;
	double time;
	const char *message;
	const char *type;
	const char *body;
	int body_truncated;    /* the runner already cut this output */
	const struct lg_location *loc;
	const char *baseline_note; /* written as <system-out>: which verdict the baseline made */
	char *own_message, *own_body; /* owned text that message/body point to, or NULL */
};

struct jsuite {
	struct jcase *cases;
	size_t n, alloc;
	size_t failures, errors, skipped;
};

/* Where libxml2's output goes: the caller's buffer (files: util's atomic writer). */
struct sink {
	struct lg_buf *out;
};

struct writer {
	xmlTextWriterPtr w;
	const struct lg_junit_opts *opts;
	struct lg_buf scratch;
	int failed; /* a libxml2 writer call returned an error */
};

/* The Char production of XML 1.0. */
static int xml_char_ok(uint32_t c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
	       (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/*
 * Appends `s` (NULL counts as empty) to `out` with every malformed byte and
 * every character XML 1.0 forbids replaced by U+FFFD, so the result is always
 * something a conforming parser accepts.
 */
static void xml_clean(struct lg_buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), i = 0, len;
	uint32_t c;

	while (i < n) {
		len = lg_utf8_decode(p + i, n - i, &c);
		if (len && xml_char_ok(c)) {
			lg_buf_add(out, p + i, len);
			i += len;
		} else {
			lg_buf_adds(out, "\xef\xbf\xbd");
			i++;
		}
	}
}

/*
 * Cuts the valid UTF-8 in `b` down to at most `cap` bytes, keeping the tail
 * and putting a marker saying how much went in front of it.
 */
static void cap_keep_tail(struct lg_buf *b, size_t cap)
{
	struct lg_buf out = LG_BUF_INIT;
	size_t cut;

	if (b->len <= cap || cap <= MARKER_ROOM)
		return;
	cut = b->len - (cap - MARKER_ROOM);
	while (cut < b->len && ((unsigned char)b->buf[cut] & 0xc0) == 0x80)
		cut++;
	lg_buf_addf(&out, "[... %zu bytes cut ...]\n", cut);
	lg_buf_add(&out, b->buf + cut, b->len - cut);
	lg_buf_release(b);
	*b = out;
}

/* Never negative, never NaN: dashboards sum these. */
static double clean_time(double t)
{
	return isfinite(t) && t > 0 ? t : 0;
}

/* "%.3f" without trusting the process locale to use '.' as decimal point. */
static void format_time(char *dst, size_t size, double t)
{
	long long ms;

	t = clean_time(t);
	if (t > 1e12)
		t = 1e12;
	ms = (long long)(t * 1000.0 + 0.5); /* no libm: the build does not link it */
	snprintf(dst, size, "%lld.%03lld", ms / 1000, ms % 1000);
}

/* --- output into a buffer ------------------------------------------------- */

static int sink_write(void *ctx, const char *data, int len)
{
	struct sink *s = ctx;

	if (len > 0)
		lg_buf_add(s->out, data, (size_t)len);
	return len;
}

static int sink_close(void *ctx)
{
	return 0; /* the buffer is the caller's */
}

/* --- building the testcase list ------------------------------------------ */

/* The name lookup of make_names_unique: the suite and the candidate name. */
struct name_key {
	const struct jsuite *s;
	const char *cand;
};

/* lg_hmap callback: whether case k is named key->cand. */
static int same_case_name(const void *ctx, uint32_t k)
{
	const struct name_key *key = ctx;

	return !strcmp(key->s->cases[k].name, key->cand);
}

/*
 * Makes every case name in the suite unique by appending " #2", " #3", ...
 * to repeats.  GitLab keeps only the first of equal classname+name pairs,
 * which would hide a second failure.  Cannot fail.
 */
static void make_names_unique(struct jsuite *s)
{
	struct lg_hmap seen = LG_HMAP_INIT; /* cases 0..i-1, by their final name */
	struct name_key key = { s, NULL };
	size_t i;

	lg_hmap_reserve(&seen, s->n);
	for (i = 0; i < s->n; i++) {
		char *base = s->cases[i].name, *cand = lg_xstrdup(base);
		uint64_t h = lg_hash_bytes(cand, strlen(cand));
		int dup = 1;

		for (;;) {
			key.cand = cand;
			if (lg_hmap_find(&seen, h, same_case_name, &key) == LG_HMAP_NONE)
				break;
			free(cand);
			cand = lg_xasprintf("%s #%d", base, ++dup);
			h = lg_hash_bytes(cand, strlen(cand));
		}
		free(base);
		s->cases[i].name = cand;
		lg_hmap_add(&seen, h, (uint32_t)i);
	}
	lg_hmap_release(&seen);
}

static struct jcase *suite_add(struct jsuite *s, const char *raw_name, enum outcome o)
{
	struct lg_buf name = LG_BUF_INIT;
	struct jcase *c;

	LG_GROW(s->cases, s->alloc, s->n + 1);
	c = &s->cases[s->n++];
	memset(c, 0, sizeof(*c));
	xml_clean(&name, raw_name);
	cap_keep_tail(&name, ATTR_CAP);
	c->name = lg_buf_detach(&name, NULL);
	c->outcome = o;
	if (o == OUT_FAILURE)
		s->failures++;
	else if (o == OUT_ERROR)
		s->errors++;
	else if (o == OUT_SKIPPED)
		s->skipped++;
	return c;
}

/*
 * A test run many times (-test.count) is one testcase: the body is one
 * run's output (the first failure's, or the unfinished run's) and says how
 * many of the runs failed, at the end, where a capped body still shows it.
 */
static void repeated_test(struct jcase *c, const struct lg_test *t)
{
	struct lg_buf b = LG_BUF_INIT;

	if (t->result == LG_TEST_FAIL)
		c->message = c->own_message = lg_xasprintf("test failed in %d of %d runs",
							    t->failures, t->runs);
	else
		c->message = c->own_message = lg_xasprintf("test did not finish (run %d of %d)",
							    t->runs, t->runs);
	lg_buf_adds(&b, t->output ? t->output : "");
	if (b.len && b.buf[b.len - 1] != '\n')
		lg_buf_addch(&b, '\n');
	lg_buf_addf(&b, "failed %d of %d runs%s\n", t->failures, t->runs,
		    t->result == LG_TEST_FAIL ? " (the output is the first failure's)"
		    : "; the last one did not finish (its output is shown)");
	c->body = c->own_body = lg_buf_detach(&b, NULL);
}

static void add_test(struct jsuite *s, const struct lg_test *t)
{
	static const struct {
		enum outcome o;
		const char *message, *type;
	} map[] = {
		[LG_TEST_PASS] = { OUT_OK, NULL, NULL },
		[LG_TEST_FAIL] = { OUT_FAILURE, "test failed", "fail" },
		[LG_TEST_SKIP] = { OUT_SKIPPED, "test skipped", "skip" },
		[LG_TEST_UNFINISHED] = { OUT_ERROR, "test did not finish", "unfinished" },
	};
	unsigned r = (unsigned)t->result < LG_ARRAY_SIZE(map) ? (unsigned)t->result
							      : LG_TEST_UNFINISHED;
	struct jcase *c = suite_add(s, t->name ? t->name : "(unnamed test)", map[r].o);

	c->time = t->elapsed;
	c->message = map[r].message;
	c->type = map[r].type;
	c->body = t->output;
	c->body_truncated = t->output_truncated;
	c->loc = &t->loc;
	if (t->runs > 1 && (t->failures || t->result == LG_TEST_UNFINISHED))
		repeated_test(c, t);
}

/*
 * Crashes, deadlocks, hangs and build failures are the binary breaking, which
 * JUnit calls an error whatever status the runner gave them.  A non-zero exit
 * after the tests passed is a check failing after m.Run (goleak's
 * VerifyTestMain, a teardown): a failure, like a leak.
 */
static enum outcome check_outcome(const struct lg_check *c)
{
	switch (c->status) {
	case LG_STATUS_PASSED:
		return OUT_OK;
	case LG_STATUS_SKIPPED:
		return OUT_SKIPPED;
	case LG_STATUS_ERROR:
		return OUT_ERROR;
	case LG_STATUS_FAILED:
		break;
	}
	if (c->kind == LG_CHECK_LEAK || c->kind == LG_CHECK_HEAP || c->kind == LG_CHECK_EXIT)
		return OUT_FAILURE;
	return OUT_ERROR;
}

static void add_check(struct jsuite *s, const struct lg_check *chk, double time)
{
	struct lg_buf name = LG_BUF_INIT;
	enum outcome o = check_outcome(chk);
	struct jcase *c;

	lg_buf_addf(&name, "leakgate:%s", lg_check_kind_name(chk->kind));
	c = suite_add(s, name.buf, o);
	lg_buf_release(&name);
	c->time = time;
	c->message = chk->message;
	if (!c->message)
		c->message = o == OUT_SKIPPED ? "check skipped" : "check failed";
	c->type = lg_check_kind_name(chk->kind);
	c->body = chk->detail;
	c->loc = &chk->loc;
	c->baseline_note = chk->baseline_note;
}

/*
 * Lists the testcases of one package.  A package that did not build has no
 * known tests: only its build check is reported, synthesised if the runner
 * did not record one.
 */
static void build_suite(struct jsuite *s, const struct lg_package *p)
{
	size_t i;
	int have_build = 0;

	memset(s, 0, sizeof(*s));
	if (!p->built) {
		for (i = 0; i < p->nchecks; i++) {
			if (p->checks[i].kind != LG_CHECK_BUILD)
				continue;
			add_check(s, &p->checks[i], p->build_seconds);
			have_build = 1;
		}
		if (!have_build) {
			struct jcase *c = suite_add(s, "leakgate:build", OUT_ERROR);

			c->time = p->build_seconds;
			c->message = "test binary did not build";
			c->type = lg_check_kind_name(LG_CHECK_BUILD);
			c->body = p->stray_output;
		}
	} else {
		for (i = 0; i < p->ntests; i++)
			add_test(s, &p->tests[i]);
		for (i = 0; i < p->nchecks; i++)
			add_check(s, &p->checks[i],
				  p->checks[i].kind == LG_CHECK_BUILD ? p->build_seconds : 0);
	}
	make_names_unique(s);
}

static void suite_release(struct jsuite *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->cases[i].name);
		free(s->cases[i].own_message);
		free(s->cases[i].own_body);
	}
	free(s->cases);
	memset(s, 0, sizeof(*s));
}

/* --- writing -------------------------------------------------------------- */

static void attr_raw(struct writer *wr, const char *name, const char *value)
{
	if (xmlTextWriterWriteAttribute(wr->w, (const xmlChar *)name,
					(const xmlChar *)value) < 0)
		wr->failed = 1;
}

/* Writes an attribute whose value comes from the run: cleaned and capped. */
static void attr(struct writer *wr, const char *name, const char *value)
{
	lg_buf_reset(&wr->scratch);
	xml_clean(&wr->scratch, value);
	cap_keep_tail(&wr->scratch, ATTR_CAP);
	attr_raw(wr, name, wr->scratch.buf);
}

static void attr_num(struct writer *wr, const char *name, long long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", v);
	attr_raw(wr, name, num);
}

static void attr_time(struct writer *wr, const char *name, double t)
{
	char num[48];

	format_time(num, sizeof(num), t);
	attr_raw(wr, name, num);
}

static void start(struct writer *wr, const char *element)
{
	if (xmlTextWriterStartElement(wr->w, (const xmlChar *)element) < 0)
		wr->failed = 1;
}

static void end(struct writer *wr)
{
	if (xmlTextWriterEndElement(wr->w) < 0)
		wr->failed = 1;
}

/* Writes `prefix` + `text` as element content, cleaned and capped. */
static void text(struct writer *wr, const char *prefix, const char *body)
{
	lg_buf_reset(&wr->scratch);
	lg_buf_adds(&wr->scratch, prefix);
	xml_clean(&wr->scratch, body);
	cap_keep_tail(&wr->scratch, LG_JUNIT_MAX_BODY);
	if (xmlTextWriterWriteString(wr->w, (const xmlChar *)wr->scratch.buf) < 0)
		wr->failed = 1;
}

static void write_case(struct writer *wr, const char *classname, const struct jcase *c)
{
	static const char *const element[] = {
		[OUT_FAILURE] = "failure", [OUT_ERROR] = "error", [OUT_SKIPPED] = "skipped",
	};

	start(wr, "testcase");
	attr(wr, "name", c->name);
	attr(wr, "classname", classname);
	attr_time(wr, "time", c->time);
	if (wr->opts->file_line && c->loc && c->loc->file && *c->loc->file) {
		attr(wr, "file", c->loc->file);
		if (c->loc->line > 0)
			attr_num(wr, "line", c->loc->line);
	}
	if (c->outcome != OUT_OK) {
		start(wr, element[c->outcome]);
		attr(wr, "message", c->message);
		if (c->type)
			attr(wr, "type", c->type);
		if (c->body && *c->body)
			text(wr, c->body_truncated ? "[output truncated by leakgate]\n" : "",
			     c->body);
		end(wr);
	}
	if (c->baseline_note && *c->baseline_note) {
		start(wr, "system-out");
		text(wr, "", c->baseline_note);
		end(wr);
	}
	end(wr);
}

/* ISO 8601 in UTC without a zone suffix, the form junit-10 consumers expect. */
static void format_timestamp(char *dst, size_t size, int64_t unix_seconds)
{
	time_t t = (time_t)unix_seconds;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(dst, size, "%Y-%m-%dT%H:%M:%S", &tm))
		dst[0] = '\0';
}

static void property(struct writer *wr, const char *name, const char *value)
{
	start(wr, "property");
	attr(wr, "name", name);
	attr(wr, "value", value);
	end(wr);
}

static void write_suite(struct writer *wr, const struct lg_run *run, size_t idx,
			const struct jsuite *s)
{
	const struct lg_package *p = &run->pkgs[idx];
	const char *name = p->import_path ? p->import_path : "(unknown package)";
	char stamp[64] = "";
	size_t i;

	start(wr, "testsuite");
	attr(wr, "name", name);
	attr(wr, "package", name);
	attr_num(wr, "tests", (long long)s->n);
	attr_num(wr, "failures", (long long)s->failures);
	attr_num(wr, "errors", (long long)s->errors);
	attr_num(wr, "skipped", (long long)s->skipped);
	attr_time(wr, "time", clean_time(p->build_seconds) + clean_time(p->run_seconds));
	if (run->started_unix > 0)
		format_timestamp(stamp, sizeof(stamp), run->started_unix);
	if (*stamp)
		attr_raw(wr, "timestamp", stamp);
	if (wr->opts->hostname && *wr->opts->hostname)
		attr(wr, "hostname", wr->opts->hostname);
	attr_num(wr, "id", (long long)idx);
	if (p->built && !p->no_tests) {
		start(wr, "properties");
		property(wr, "leakgate.hook", lg_hook_via_name(p->hook_via));
		if (p->hook != LG_HOOK_DONE && p->hook_note)
			property(wr, "leakgate.hook_note", p->hook_note);
		end(wr);
	}
	for (i = 0; i < s->n; i++)
		write_case(wr, name, &s->cases[i]);
	/* Output outside any test explains a package that died in TestMain or init. */
	if (p->built && !lg_package_passed(p) && p->stray_output && *p->stray_output) {
		start(wr, "system-out");
		text(wr, "", p->stray_output);
		end(wr);
	}
	end(wr);
}

/* Root counts are the sums of the suites', computed with the same lists. */
static void write_run(struct writer *wr, const struct lg_run *run)
{
	struct jsuite *suites = lg_xcalloc(run->npkgs ? run->npkgs : 1, sizeof(*suites));
	size_t i, tests = 0, failures = 0, errors = 0;

	for (i = 0; i < run->npkgs; i++) {
		build_suite(&suites[i], &run->pkgs[i]);
		tests += suites[i].n;
		failures += suites[i].failures;
		errors += suites[i].errors;
	}
	if (xmlTextWriterStartDocument(wr->w, NULL, "UTF-8", NULL) < 0)
		wr->failed = 1;
	start(wr, "testsuites");
	attr_raw(wr, "name", "leakgate");
	attr_num(wr, "tests", (long long)tests);
	attr_num(wr, "failures", (long long)failures);
	attr_num(wr, "errors", (long long)errors);
	attr_time(wr, "time", run->seconds);
	for (i = 0; i < run->npkgs; i++)
		write_suite(wr, run, i, &suites[i]);
	end(wr);
	if (xmlTextWriterEndDocument(wr->w) < 0)
		wr->failed = 1;
	for (i = 0; i < run->npkgs; i++)
		suite_release(&suites[i]);
	free(suites);
}

/* libxml2 2.12 made the error argument const. */
#if LIBXML_VERSION >= 21200
typedef const xmlError *lg_xml_error_ptr;
#else
typedef xmlErrorPtr lg_xml_error_ptr;
#endif

static void quiet_error(void *ctx, lg_xml_error_ptr e)
{
	(void)ctx;
	(void)e;
}

int lg_junit_render(const struct lg_run *run, const struct lg_junit_opts *opts,
		    struct lg_buf *out, struct lg_err *err)
{
	static const struct lg_junit_opts defaults = { 1, NULL };
	struct sink sink = { out };
	struct writer wr = { NULL, opts ? opts : &defaults, LG_BUF_INIT, 0 };
	xmlOutputBufferPtr xo;
	xmlStructuredErrorFunc saved_fn;
	void *saved_ctx;
	int ret = 0;

	LIBXML_TEST_VERSION
	xo = xmlOutputBufferCreateIO(sink_write, sink_close, &sink, NULL);
	if (!xo)
		return lg_error(err, "libxml2 could not set up output");
	wr.w = xmlNewTextWriter(xo);
	if (!wr.w) {
		xmlOutputBufferClose(xo);
		return lg_error(err, "libxml2 could not create a writer");
	}
	xmlTextWriterSetIndent(wr.w, 1);
	xmlTextWriterSetIndentString(wr.w, (const xmlChar *)"  ");
	/* A failure is reported once, by us: keep libxml2's own messages off
	 * the user's stderr. */
	saved_fn = xmlStructuredError;
	saved_ctx = xmlStructuredErrorContext;
	xmlSetStructuredErrorFunc(NULL, quiet_error);
	write_run(&wr, run);
	xmlFreeTextWriter(wr.w); /* flushes and closes `xo` */
	xmlSetStructuredErrorFunc(saved_ctx, saved_fn);
	if (wr.failed)
		ret = lg_error(err, "libxml2 writer failed");
	lg_buf_release(&wr.scratch);
	return ret;
}

int lg_junit_write(const struct lg_run *run, const struct lg_junit_opts *opts,
		   const char *path, struct lg_err *err)
{
	struct lg_buf xml = LG_BUF_INIT;
	struct lg_err why;
	int ret = lg_junit_render(run, opts, &xml, &why);

	if (ret)
		lg_error(err, "cannot write '%s': %s", path, why.msg);
	else
		ret = lg_write_file_atomic(path, xml.buf, xml.len, err);
	lg_buf_release(&xml);
	return ret;
}

/* --- validation ----------------------------------------------------------- */

struct collector {
	struct lg_buf msgs;
	int count;
};

/* Keeps the first few problems, each as "file:line: message", on one line. */
static void collect_error(void *ctx, lg_xml_error_ptr e)
{
	struct collector *c = ctx;
	size_t len;
	const char *msg;

	if (!e || e->level == XML_ERR_WARNING)
		return;
	if (c->count++ >= MAX_VALIDATION_ERRORS)
		return;
	msg = e->message ? e->message : "unknown error";
	len = strlen(msg);
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		len--;
	if (c->msgs.len)
		lg_buf_adds(&c->msgs, "; ");
	if (e->file)
		lg_buf_addf(&c->msgs, "%s:%d: ", e->file, e->line);
	else if (e->line)
		lg_buf_addf(&c->msgs, "line %d: ", e->line);
	lg_buf_add(&c->msgs, msg, len);
}

static int collected_error(struct collector *c, struct lg_err *err, const char *what)
{
	if (c->count > MAX_VALIDATION_ERRORS)
		return lg_error(err, "%s: %s (and %d more)", what, c->msgs.buf,
				c->count - MAX_VALIDATION_ERRORS);
	return lg_error(err, "%s: %s", what, c->msgs.len ? c->msgs.buf : "unknown error");
}

void lg_junit_use_xalloc(void)
{
	xmlMemSetup(free, lg_xmalloc, lg_xrealloc, lg_xstrdup);
}

int lg_junit_validate(const char *xml_path, const char *xsd_path, struct lg_err *err)
{
	xmlStructuredErrorFunc saved_fn = xmlStructuredError;
	void *saved_ctx = xmlStructuredErrorContext;
	struct collector col = { LG_BUF_INIT, 0 };
	xmlSchemaParserCtxtPtr pctx = NULL;
	xmlSchemaPtr schema = NULL;
	xmlSchemaValidCtxtPtr vctx = NULL;
	xmlDocPtr doc = NULL;
	struct lg_buf what = LG_BUF_INIT;
	int ret = 0, rc;

	LIBXML_TEST_VERSION
	/* Parse errors of either file go through the global handler, not stderr. */
	xmlSetStructuredErrorFunc(&col, collect_error);
	pctx = xmlSchemaNewParserCtxt(xsd_path);
	if (pctx) {
		xmlSchemaSetParserStructuredErrors(pctx, collect_error, &col);
		schema = xmlSchemaParse(pctx);
	}
	if (!schema) {
		lg_buf_addf(&what, "cannot load schema '%s'", xsd_path);
		ret = collected_error(&col, err, what.buf);
		goto out;
	}
	doc = xmlReadFile(xml_path, NULL, XML_PARSE_NONET);
	if (!doc) {
		lg_buf_addf(&what, "cannot parse '%s'", xml_path);
		ret = collected_error(&col, err, what.buf);
		goto out;
	}
	vctx = xmlSchemaNewValidCtxt(schema);
	if (!vctx) {
		ret = lg_error(err, "cannot validate '%s': libxml2 failed", xml_path);
		goto out;
	}
	xmlSchemaSetValidStructuredErrors(vctx, collect_error, &col);
	rc = xmlSchemaValidateDoc(vctx, doc);
	if (rc != 0) {
		lg_buf_addf(&what, "'%s' does not match '%s'", xml_path, xsd_path);
		ret = collected_error(&col, err, what.buf);
	}
out:
	xmlSetStructuredErrorFunc(saved_ctx, saved_fn);
	if (vctx)
		xmlSchemaFreeValidCtxt(vctx);
	if (doc)
		xmlFreeDoc(doc);
	if (schema)
		xmlSchemaFree(schema);
	if (pctx)
		xmlSchemaFreeParserCtxt(pctx);
	lg_buf_release(&col.msgs);
	lg_buf_release(&what);
	return ret;
}
