/*
 * test_junit.c — the JUnit writer on a realistic, hostile run.
 *
 * Builds a run in code (passing, failing, skipped, unfinished tests and
 * subtests, every check kind and status, a package that did not build,
 * strings full of markup, control bytes and broken UTF-8, a 3 MB output),
 * writes it, validates it against the project's XSD and Jenkins' junit-10,
 * then parses it back with libxml2 and checks what CI systems rely on:
 * counts that add up, unique names, text that survives, cut bodies marked.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "junit.h"
#include "model.h"
#include "util.h"
#include "check_tmp.h"

#define FFFD "\xef\xbf\xbd"
#define HOSTILE "<script>alert(1)</script> ]]> A\x01" "B\x1b" "C\xff\xfe" "D\xed\xa0\x80" "E &amp; \"q\" 'a'"
#define HOSTILE_CLEAN "<script>alert(1)</script> ]]> A" FFFD "B" FFFD "C" FFFD FFFD "D" FFFD FFFD FFFD "E &amp; \"q\" 'a'"
#define BIG_SIZE (3u * 1024 * 1024)

static char tmpdir[512];

static const char *source_dir(void)
{
	const char *s = getenv("LG_SOURCE_DIR");

	return s && *s ? s : ".";
}

static char *tmp_path(const char *name)
{
	return lg_xasprintf("%s/%s", tmpdir, name);
}

static void set_loc(struct lg_location *l, const char *file, int line)
{
	l->file = lg_xstrdup(file);
	l->line = line;
}

static struct lg_test *add_test(struct lg_package *p, const char *name,
				enum lg_test_result r, double elapsed, const char *output)
{
	struct lg_test *t = lg_package_add_test(p);

	t->name = lg_xstrdup(name);
	t->result = r;
	t->elapsed = elapsed;
	t->output = output ? lg_xstrdup(output) : NULL;
	return t;
}

static struct lg_check *add_check(struct lg_package *p, enum lg_check_kind k,
				  enum lg_check_status s, const char *msg, const char *detail)
{
	struct lg_check *c = lg_package_add_check(p, k, s);

	c->message = msg ? lg_xstrdup(msg) : NULL;
	c->detail = detail ? lg_xstrdup(detail) : NULL;
	return c;
}

static char *big_output(void)
{
	char *s = lg_xmalloc(BIG_SIZE + 1);
	size_t i;

	for (i = 0; i < BIG_SIZE; i++)
		s[i] = (i % 64 == 63) ? '\n' : (char)('a' + i % 26);
	memcpy(s + BIG_SIZE - 14, "END-OF-OUTPUT\n", 14);
	s[BIG_SIZE] = '\0';
	return s;
}

/* The run every test here writes; see the file comment. */
static void build_run(struct lg_run *r)
{
	struct lg_package *p;
	struct lg_test *t;
	struct lg_check *c;

	memset(r, 0, sizeof(*r));
	r->module_path = lg_xstrdup("example.com/svc");
	r->module_root = lg_xstrdup("/src/svc");
	r->go_version = lg_xstrdup("go1.26.8");
	r->started_unix = 1795687200; /* 2026-11-26T10:00:00Z */
	r->seconds = 12.3456;

	p = lg_run_add_package(r);
	p->import_path = lg_xstrdup("example.com/svc/api");
	p->built = 1;
	p->exit_code = 1;
	p->build_seconds = 1.5;
	p->run_seconds = 4.25;
	add_test(p, "TestOK", LG_TEST_PASS, 0.01, "=== RUN TestOK\n--- PASS\n");
	t = add_test(p, "TestFail", LG_TEST_FAIL, 0.2, "    api_test.go:12: " HOSTILE "\n");
	set_loc(&t->loc, "api/api_test.go", 12);
	t = add_test(p, "TestFail/sub_case", LG_TEST_FAIL, 0.1, "    api_test.go:30: boom\n");
	set_loc(&t->loc, "api/api_test.go", 30);
	add_test(p, "TestSkip", LG_TEST_SKIP, 0, "    api_test.go:40: needs a database\n");
	add_test(p, "TestHang", LG_TEST_UNFINISHED, 600, "=== RUN TestHang\n");
	add_test(p, "TestDup", LG_TEST_PASS, 0.001, NULL);
	add_test(p, "TestDup", LG_TEST_FAIL, 0.001, "dup failed\n");
	add_test(p, "TestDup #2", LG_TEST_PASS, 0.001, NULL);
	add_test(p, "TestNeg", LG_TEST_PASS, -3, NULL);
	add_test(p, "TestNaN", LG_TEST_FAIL, NAN, "nan\n");
	add_test(p, "TestInf", LG_TEST_PASS, INFINITY, NULL);
	t = add_test(p, "TestBig", LG_TEST_FAIL, 1, NULL);
	t->output = big_output();
	t->output_truncated = 1;
	add_test(p, HOSTILE, LG_TEST_FAIL, 0, HOSTILE);
	c = add_check(p, LG_CHECK_BUILD, LG_STATUS_PASSED, NULL, NULL);
	c = add_check(p, LG_CHECK_LEAK, LG_STATUS_FAILED, "3 goroutines leaked in 1 group",
		      "goroutine 7 [chan receive, 2 minutes]:\nmain.worker()\n\t/src/svc/api/w.go:10 +0x1d\n" HOSTILE);
	set_loc(&c->loc, "api/w.go", 10);
	c->test = lg_xstrdup("TestFail");
	add_check(p, LG_CHECK_LEAK, LG_STATUS_FAILED, "second leak check", "more stacks");
	c = add_check(p, LG_CHECK_HEAP, LG_STATUS_FAILED, "heap grew by 64 MiB", "api/cache.go:88 +64 MiB");
	set_loc(&c->loc, "api/cache.go", 88);
	add_check(p, LG_CHECK_DEADLOCK, LG_STATUS_ERROR, "all goroutines are asleep", "fatal error: deadlock");
	add_check(p, LG_CHECK_HANG, LG_STATUS_FAILED, "timed out after 10m", NULL);
	add_check(p, LG_CHECK_CRASH, LG_STATUS_ERROR, HOSTILE, "panic: " HOSTILE);
	add_check(p, LG_CHECK_CRASH, LG_STATUS_SKIPPED, NULL, NULL);
	add_check(p, LG_CHECK_EXIT, LG_STATUS_FAILED,
		  "the tests passed, then the test binary exited with status 3",
		  "stderr:\nteardown: cannot drop the test database\n");
	p->stray_output = lg_xstrdup("stray " HOSTILE "\n");

	p = lg_run_add_package(r);
	p->import_path = lg_xstrdup("example.com/svc/db");
	p->built = 1;
	p->run_seconds = 0.5;
	add_test(p, "TestQuery", LG_TEST_PASS, 0.3, "ok\n");
	add_test(p, "TestQuery/select", LG_TEST_PASS, 0.1, NULL);
	t = add_test(p, "TestFlaky", LG_TEST_FAIL, 2.5, "    db_test.go:9: conn reset\n");
	t->runs = 2000; /* -test.count=2000, aggregated: one testcase */
	t->failures = 3;
	t = add_test(p, "TestRepeatOK", LG_TEST_PASS, 2, "ok\n");
	t->runs = 2000;
	t = add_test(p, "TestRepeatCrash", LG_TEST_UNFINISHED, 1, "panic: boom\n");
	t->runs = 7;
	add_check(p, LG_CHECK_BUILD, LG_STATUS_PASSED, NULL, NULL);
	add_check(p, LG_CHECK_LEAK, LG_STATUS_SKIPPED, "hook absent: TestMain calls os.Exit", NULL);
	add_check(p, LG_CHECK_HEAP, LG_STATUS_SKIPPED, "hook absent", NULL);
	add_check(p, LG_CHECK_HEAP, LG_STATUS_PASSED, NULL, NULL);
	add_check(p, LG_CHECK_DEADLOCK, LG_STATUS_PASSED, NULL, NULL);
	add_check(p, LG_CHECK_HANG, LG_STATUS_PASSED, NULL, NULL);
	add_check(p, LG_CHECK_CRASH, LG_STATUS_PASSED, NULL, NULL);

	p = lg_run_add_package(r);
	p->import_path = lg_xstrdup("example.com/svc/broken");
	p->built = 0;
	p->build_seconds = 0.75;
	add_test(p, "TestNeverRan", LG_TEST_FAIL, 1, "must not appear");
	c = add_check(p, LG_CHECK_BUILD, LG_STATUS_ERROR, "build failed",
		      "broken/x.go:3:2: undefined: foo\n");
	set_loc(&c->loc, "broken/x.go", 3);
	add_check(p, LG_CHECK_LEAK, LG_STATUS_SKIPPED, "not built", NULL);

	p = lg_run_add_package(r);
	p->import_path = lg_xstrdup("example.com/svc/broken2");
	p->built = 0;
	p->stray_output = lg_xstrdup("# example.com/svc/broken2\nbroken2/y.go:1:1: expected 'package'\n");

	p = lg_run_add_package(r);
	p->import_path = lg_xstrdup("example.com/svc/notests");
	p->built = 1;
	p->no_tests = 1;
}

/* --- reading the output back ---------------------------------------------- */

static long attr_long(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	long r = v ? strtol((const char *)v, NULL, 10) : -1;

	xmlFree(v);
	return r;
}

static int attr_is(xmlNodePtr n, const char *name, const char *want)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	int r = v && !strcmp((const char *)v, want);

	xmlFree(v);
	return r;
}

static int has_attr(xmlNodePtr n, const char *name)
{
	return xmlHasProp(n, BAD_CAST name) != NULL;
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
	for (n = n ? n->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name))
			return n;
	return NULL;
}

static xmlNodePtr find_suite(xmlDocPtr doc, const char *name)
{
	xmlNodePtr n;

	for (n = xmlDocGetRootElement(doc)->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && attr_is(n, "name", name))
			return n;
	return NULL;
}

static xmlNodePtr find_case(xmlNodePtr suite, const char *name)
{
	xmlNodePtr n;

	for (n = suite ? suite->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, "testcase") &&
		    attr_is(n, "name", name))
			return n;
	return NULL;
}

/* Text of a testcase's outcome element, or NULL; caller frees with xmlFree. */
static char *outcome_text(xmlNodePtr tc, const char *element)
{
	xmlNodePtr o = child(tc, element);

	return o ? (char *)xmlNodeGetContent(o) : NULL;
}

static xmlDocPtr read_doc(const char *path)
{
	xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);

	CHECK(doc != NULL);
	return doc;
}

static int write_run(const char *path, int file_line)
{
	struct lg_run run;
	struct lg_junit_opts opts = { file_line, "ci-runner-7\x01" };
	struct lg_err err = { "" };
	int rc;

	build_run(&run);
	rc = lg_junit_write(&run, &opts, path, &err);
	if (rc)
		fprintf(stderr, "lg_junit_write: %s\n", err.msg);
	lg_run_release(&run);
	return rc;
}

/* --- tests ---------------------------------------------------------------- */

static void test_counts_add_up(void)
{
	char *path = tmp_path("counts.xml");
	xmlDocPtr doc;
	xmlNodePtr root, s, tc;
	long tot_tests = 0, tot_fail = 0, tot_err = 0;

	CHECK_INT(write_run(path, 1), 0);
	doc = read_doc(path);
	if (!doc)
		goto out;
	root = xmlDocGetRootElement(doc);
	CHECK_STR((const char *)root->name, "testsuites");
	CHECK(attr_is(root, "name", "leakgate"));
	for (s = root->children; s; s = s->next) {
		long n = 0, f = 0, e = 0, k = 0;

		if (s->type != XML_ELEMENT_NODE)
			continue;
		CHECK_STR((const char *)s->name, "testsuite");
		for (tc = s->children; tc; tc = tc->next) {
			if (tc->type != XML_ELEMENT_NODE || strcmp((const char *)tc->name, "testcase"))
				continue;
			n++;
			f += child(tc, "failure") != NULL;
			e += child(tc, "error") != NULL;
			k += child(tc, "skipped") != NULL;
			CHECK((child(tc, "failure") != NULL) + (child(tc, "error") != NULL) +
			      (child(tc, "skipped") != NULL) <= 1);
		}
		CHECK_INT(attr_long(s, "tests"), n);
		CHECK_INT(attr_long(s, "failures"), f);
		CHECK_INT(attr_long(s, "errors"), e);
		CHECK_INT(attr_long(s, "skipped"), k);
		tot_tests += n;
		tot_fail += f;
		tot_err += e;
	}
	CHECK_INT(attr_long(root, "tests"), tot_tests);
	CHECK_INT(attr_long(root, "failures"), tot_fail);
	CHECK_INT(attr_long(root, "errors"), tot_err);
	CHECK(attr_is(root, "time", "12.346"));

	s = find_suite(doc, "example.com/svc/api");
	CHECK(s != NULL);
	/* 13 tests + 8 checks; failures: 6 tests + 3 leak/heap checks */
	CHECK_INT(attr_long(s, "tests"), 22);
	CHECK_INT(attr_long(s, "failures"), 10);
	CHECK_INT(attr_long(s, "errors"), 4);
	CHECK_INT(attr_long(s, "skipped"), 2);
	CHECK(attr_is(s, "package", "example.com/svc/api"));
	CHECK(attr_is(s, "timestamp", "2026-11-26T10:00:00"));
	CHECK(attr_is(s, "hostname", "ci-runner-7" FFFD));
	CHECK(attr_is(s, "id", "0"));
	CHECK(attr_is(s, "time", "5.750"));
	xmlFreeDoc(doc);
out:
	unlink(path);
	free(path);
}

static void test_names_unique(void)
{
	char *path = tmp_path("unique.xml");
	xmlDocPtr doc;
	xmlNodePtr s, tc, tc2;

	CHECK_INT(write_run(path, 1), 0);
	doc = read_doc(path);
	if (!doc)
		goto out;
	for (s = xmlDocGetRootElement(doc)->children; s; s = s->next) {
		if (s->type != XML_ELEMENT_NODE)
			continue;
		for (tc = s->children; tc; tc = tc->next) {
			xmlChar *a, *b;

			if (tc->type != XML_ELEMENT_NODE || strcmp((const char *)tc->name, "testcase"))
				continue;
			a = xmlGetProp(tc, BAD_CAST "name");
			b = xmlGetProp(s, BAD_CAST "name");
			CHECK(attr_is(tc, "classname", (const char *)b));
			for (tc2 = tc->next; tc2; tc2 = tc2->next)
				if (tc2->type == XML_ELEMENT_NODE &&
				    !strcmp((const char *)tc2->name, "testcase"))
					CHECK(!attr_is(tc2, "name", (const char *)a));
			xmlFree(a);
			xmlFree(b);
		}
	}
	s = find_suite(doc, "example.com/svc/api");
	CHECK(find_case(s, "TestDup") && !child(find_case(s, "TestDup"), "failure"));
	CHECK(child(find_case(s, "TestDup #2"), "failure") != NULL);
	/* the literal "TestDup #2" came after the generated one */
	CHECK(find_case(s, "TestDup #2 #2") != NULL);
	CHECK(find_case(s, "leakgate:goroutine-leaks") != NULL);
	CHECK(find_case(s, "leakgate:goroutine-leaks #2") != NULL);
	CHECK(find_case(s, "leakgate:crash #2") != NULL);
	s = find_suite(doc, "example.com/svc/db");
	CHECK(find_case(s, "leakgate:heap-growth #2") != NULL);
	xmlFreeDoc(doc);
out:
	unlink(path);
	free(path);
}

static void test_outcomes(void)
{
	char *path = tmp_path("outcomes.xml");
	xmlDocPtr doc;
	xmlNodePtr s, tc;
	char *txt;

	CHECK_INT(write_run(path, 1), 0);
	doc = read_doc(path);
	if (!doc)
		goto out;
	s = find_suite(doc, "example.com/svc/api");
	tc = find_case(s, "TestOK");
	CHECK(tc && !tc->children); /* passing tests carry no output */
	CHECK(attr_is(tc, "time", "0.010"));
	tc = find_case(s, "TestFail/sub_case");
	CHECK(attr_is(child(tc, "failure"), "message", "test failed"));
	CHECK(attr_is(child(tc, "failure"), "type", "fail"));
	CHECK(attr_is(tc, "file", "api/api_test.go") && attr_is(tc, "line", "30"));
	tc = find_case(s, "TestSkip");
	txt = outcome_text(tc, "skipped");
	CHECK(txt && strstr(txt, "needs a database"));
	xmlFree(txt);
	tc = find_case(s, "TestHang");
	CHECK(attr_is(child(tc, "error"), "message", "test did not finish"));
	CHECK(attr_is(child(tc, "error"), "type", "unfinished"));
	CHECK(attr_is(tc, "time", "600.000"));
	CHECK(attr_is(find_case(s, "TestNeg"), "time", "0.000"));
	CHECK(attr_is(find_case(s, "TestNaN"), "time", "0.000"));
	CHECK(attr_is(find_case(s, "TestInf"), "time", "0.000"));
	CHECK(!has_attr(find_case(s, "TestOK"), "file"));

	tc = find_case(s, "leakgate:goroutine-leaks");
	CHECK(attr_is(child(tc, "failure"), "message", "3 goroutines leaked in 1 group"));
	CHECK(attr_is(child(tc, "failure"), "type", "goroutine-leaks"));
	CHECK(attr_is(tc, "file", "api/w.go") && attr_is(tc, "line", "10"));
	CHECK(attr_is(tc, "classname", "example.com/svc/api"));
	txt = outcome_text(tc, "failure");
	CHECK(txt && strstr(txt, "goroutine 7 [chan receive, 2 minutes]:\nmain.worker()\n\t/src/svc/api/w.go:10"));
	xmlFree(txt);
	CHECK(child(find_case(s, "leakgate:heap-growth"), "failure") != NULL);
	CHECK(attr_is(child(find_case(s, "leakgate:deadlock"), "error"), "type", "deadlock"));
	/* a hang is the binary breaking even when the runner called it failed */
	CHECK(child(find_case(s, "leakgate:hang"), "error") != NULL);
	CHECK(child(find_case(s, "leakgate:crash"), "error") != NULL);
	CHECK(attr_is(child(find_case(s, "leakgate:crash #2"), "skipped"), "message", "check skipped"));
	/* code after m.Run failing is a failure of the package, never invisible */
	tc = find_case(s, "leakgate:exit-status");
	CHECK(attr_is(child(tc, "failure"), "type", "exit-status"));
	txt = outcome_text(tc, "failure");
	CHECK(txt && strstr(txt, "cannot drop the test database"));
	xmlFree(txt);
	CHECK(find_case(s, "leakgate:build") && !find_case(s, "leakgate:build")->children);
	txt = (char *)xmlNodeGetContent(child(s, "system-out"));
	CHECK(txt && strstr(txt, "stray <script>"));
	xmlFree(txt);

	s = find_suite(doc, "example.com/svc/db");
	CHECK(attr_is(child(find_case(s, "leakgate:goroutine-leaks"), "skipped"), "message",
		      "hook absent: TestMain calls os.Exit"));
	CHECK(child(s, "system-out") == NULL);
	tc = find_case(s, "TestFlaky");
	CHECK(attr_is(child(tc, "failure"), "message", "test failed in 3 of 2000 runs"));
	txt = outcome_text(tc, "failure");
	CHECK(txt && lg_starts_with(txt, "    db_test.go:9: conn reset\nfailed 3 of 2000 runs"));
	xmlFree(txt);
	CHECK(attr_is(tc, "time", "2.500"));
	CHECK(find_case(s, "TestFlaky #2") == NULL);
	CHECK(find_case(s, "TestRepeatOK") && !find_case(s, "TestRepeatOK")->children);
	tc = find_case(s, "TestRepeatCrash");
	CHECK(attr_is(child(tc, "error"), "message", "test did not finish (run 7 of 7)"));
	txt = outcome_text(tc, "error");
	CHECK(txt && strstr(txt, "panic: boom\nfailed 0 of 7 runs; the last one did not finish"));
	xmlFree(txt);

	s = find_suite(doc, "example.com/svc/broken");
	CHECK_INT(attr_long(s, "tests"), 1);
	CHECK_INT(attr_long(s, "errors"), 1);
	tc = find_case(s, "leakgate:build");
	CHECK(tc != NULL);
	CHECK(find_case(s, "TestNeverRan") == NULL);
	CHECK(attr_is(tc, "time", "0.750"));
	txt = outcome_text(tc, "error");
	CHECK(txt && !strcmp(txt, "broken/x.go:3:2: undefined: foo\n"));
	xmlFree(txt);

	s = find_suite(doc, "example.com/svc/broken2");
	CHECK_INT(attr_long(s, "tests"), 1);
	tc = find_case(s, "leakgate:build");
	CHECK(attr_is(child(tc, "error"), "type", "build"));
	txt = outcome_text(tc, "error");
	CHECK(txt && strstr(txt, "expected 'package'"));
	xmlFree(txt);

	s = find_suite(doc, "example.com/svc/notests");
	CHECK_INT(attr_long(s, "tests"), 0);
	xmlFreeDoc(doc);
out:
	unlink(path);
	free(path);
}

static void test_hostile_strings(void)
{
	char *path = tmp_path("hostile.xml");
	xmlDocPtr doc;
	xmlNodePtr s, tc;
	char *txt;

	CHECK_INT(write_run(path, 1), 0);
	doc = read_doc(path);
	if (!doc)
		goto out;
	s = find_suite(doc, "example.com/svc/api");
	txt = outcome_text(find_case(s, "TestFail"), "failure");
	CHECK_STR(txt, "    api_test.go:12: " HOSTILE_CLEAN "\n");
	xmlFree(txt);
	tc = find_case(s, HOSTILE_CLEAN);
	CHECK(tc != NULL);
	txt = outcome_text(tc, "failure");
	CHECK_STR(txt, HOSTILE_CLEAN);
	xmlFree(txt);
	tc = find_case(s, "leakgate:crash");
	CHECK(attr_is(child(tc, "error"), "message", HOSTILE_CLEAN));
	txt = outcome_text(tc, "error");
	CHECK_STR(txt, "panic: " HOSTILE_CLEAN);
	xmlFree(txt);
	xmlFreeDoc(doc);
out:
	unlink(path);
	free(path);
}

static void test_big_output_capped(void)
{
	char *path = tmp_path("big.xml");
	xmlDocPtr doc;
	char *txt;
	struct stat st;

	CHECK_INT(write_run(path, 1), 0);
	CHECK(stat(path, &st) == 0 && st.st_size < 2 * LG_JUNIT_MAX_BODY);
	doc = read_doc(path);
	if (!doc)
		goto out;
	txt = outcome_text(find_case(find_suite(doc, "example.com/svc/api"), "TestBig"), "failure");
	CHECK(txt != NULL);
	if (txt) {
		size_t len = strlen(txt);

		CHECK(len <= LG_JUNIT_MAX_BODY);
		CHECK(len > LG_JUNIT_MAX_BODY - 128);
		CHECK(lg_starts_with(txt, "[... "));
		CHECK(strstr(txt, " bytes cut ...]\n") != NULL);
		CHECK(lg_ends_with(txt, "END-OF-OUTPUT\n"));
	}
	xmlFree(txt);
	xmlFreeDoc(doc);
out:
	unlink(path);
	free(path);
}

static void test_file_line_off(void)
{
	char *path = tmp_path("plain.xml");
	xmlDocPtr doc;
	xmlNodePtr s, tc;

	CHECK_INT(write_run(path, 0), 0);
	doc = read_doc(path);
	if (!doc)
		goto out;
	for (s = xmlDocGetRootElement(doc)->children; s; s = s->next)
		for (tc = s->children; tc; tc = tc->next)
			if (tc->type == XML_ELEMENT_NODE)
				CHECK(!has_attr(tc, "file") && !has_attr(tc, "line"));
	xmlFreeDoc(doc);
out:
	unlink(path);
	free(path);
}

static void test_validate_own_schema(void)
{
	char *path = tmp_path("own.xml");
	char *xsd = lg_xasprintf("%s/schema/junit.xsd", source_dir());
	struct lg_err err = { "" };

	CHECK_INT(write_run(path, 1), 0);
	CHECK_INT(lg_junit_validate(path, xsd, &err), 0);
	if (err.msg[0])
		fprintf(stderr, "validate: %s\n", err.msg);
	CHECK_INT(write_run(path, 0), 0);
	CHECK_INT(lg_junit_validate(path, xsd, &err), 0);
	unlink(path);
	free(path);
	free(xsd);
}

static char *jenkins_xsd(void)
{
	const char *env = getenv("LG_JUNIT10_XSD");
	char *p;

	if (env && *env && access(env, R_OK) == 0)
		return lg_xstrdup(env);
	p = lg_xasprintf("%s/../shared/schemas/junit-10.xsd", source_dir());
	if (access(p, R_OK) == 0)
		return p;
	free(p);
	return NULL;
}

static void test_validate_jenkins_schema(void)
{
	char *path = tmp_path("jenkins.xml");
	char *xsd = jenkins_xsd();
	struct lg_err err = { "" };

	if (!xsd) {
		printf("note: junit-10.xsd not found (set LG_JUNIT10_XSD); Jenkins check skipped\n");
		free(path);
		return;
	}
	CHECK_INT(write_run(path, 0), 0);
	CHECK_INT(lg_junit_validate(path, xsd, &err), 0);
	if (err.msg[0])
		fprintf(stderr, "validate: %s\n", err.msg);
	/* the file/line extension is exactly what strict junit-10 rejects */
	CHECK_INT(write_run(path, 1), 0);
	CHECK_INT(lg_junit_validate(path, xsd, &err), -1);
	CHECK(strstr(err.msg, path) != NULL);
	CHECK(strstr(err.msg, "file") != NULL);
	unlink(path);
	free(path);
	free(xsd);
}

static void write_text(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (!f)
		return;
	fputs(s, f);
	fclose(f);
}

static void test_validate_errors(void)
{
	char *bad = tmp_path("bad.xml");
	char *wrong = tmp_path("wrong.xml");
	char *missing = tmp_path("missing.xsd");
	char *xsd = lg_xasprintf("%s/schema/junit.xsd", source_dir());
	struct lg_err err = { "" };

	write_text(bad, "<testsuites><testsuite name=\"x\"></testsuites>\n");
	CHECK_INT(lg_junit_validate(bad, xsd, &err), -1);
	CHECK(strstr(err.msg, "cannot parse") && strstr(err.msg, bad));
	write_text(wrong, "<testsuites><testsuite name=\"x\" tests=\"-1\" failures=\"0\" errors=\"0\"/></testsuites>\n");
	CHECK_INT(lg_junit_validate(wrong, xsd, &err), -1);
	CHECK(strstr(err.msg, "does not match") && strstr(err.msg, ":1: "));
	CHECK_INT(lg_junit_validate(wrong, missing, &err), -1);
	CHECK(strstr(err.msg, "cannot load schema") && strstr(err.msg, missing));
	unlink(bad);
	unlink(wrong);
	free(bad);
	free(wrong);
	free(missing);
	free(xsd);
}

static void test_write_errors_and_atomicity(void)
{
	char *path = tmp_path("no/such/dir/out.xml");
	char *good = tmp_path("atomic.xml");
	struct lg_run run;
	struct lg_err err = { "" };
	DIR *d;
	struct dirent *de;
	int leftovers = 0;

	memset(&run, 0, sizeof(run));
	CHECK_INT(lg_junit_write(&run, NULL, path, &err), -1);
	CHECK(strstr(err.msg, path) != NULL);
	/* an empty run is still a valid document; NULL opts means defaults */
	CHECK_INT(lg_junit_write(&run, NULL, good, &err), 0);
	d = opendir(tmpdir);
	CHECK(d != NULL);
	while (d && (de = readdir(d)))
		leftovers += strstr(de->d_name, ".tmp.") != NULL;
	if (d)
		closedir(d);
	CHECK_INT(leftovers, 0);
	unlink(good);
	free(path);
	free(good);
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "counts_add_up", test_counts_add_up },
		{ "names_unique", test_names_unique },
		{ "outcomes", test_outcomes },
		{ "hostile_strings", test_hostile_strings },
		{ "big_output_capped", test_big_output_capped },
		{ "file_line_off", test_file_line_off },
		{ "validate_own_schema", test_validate_own_schema },
		{ "validate_jenkins_schema", test_validate_jenkins_schema },
		{ "validate_errors", test_validate_errors },
		{ "write_errors_and_atomicity", test_write_errors_and_atomicity },
	};
	LIBXML_TEST_VERSION
	int rc = LG_CHECK_RUN_TMP(cases, "lg-junit", tmpdir);

	xmlCleanupParser();
	return rc;
}
