/*
 * test_model.c — the run model's shared figures: lg_run_totals is the one
 * definition of "passed", "failed" and "without tests", and the JSON
 * summary and the Markdown header state the same numbers.  (They once
 * disagreed: a passing package and one without tests were "1 passed" on
 * the terminal and `"passed": 2` in the JSON summary.)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "check.h"
#include "markdown.h"
#include "model.h"
#include "json.h"
#include "util.h"

static struct lg_package *pkg(struct lg_run *r, const char *path)
{
	struct lg_package *p = lg_run_add_package(r);

	p->import_path = lg_xstrdup(path);
	p->built = 1;
	return p;
}

/* ok: passes; none: no test files; exit: tests pass, exit-status failed;
 * leaky: a failed test and a leak group of 3, one baselined check. */
static void build(struct lg_run *r)
{
	struct lg_package *p;
	struct lg_test *t;
	struct lg_check *c;

	memset(r, 0, sizeof(*r));
	r->module_path = lg_xstrdup("example.com/m");
	p = pkg(r, "example.com/m/ok");
	t = lg_package_add_test(p);
	t->name = lg_xstrdup("TestOK");
	lg_package_add_check(p, LG_CHECK_LEAK, LG_STATUS_PASSED);
	p = pkg(r, "example.com/m/none");
	p->no_tests = 1;
	p = pkg(r, "example.com/m/exit");
	p->exit_code = 3;
	t = lg_package_add_test(p);
	t->name = lg_xstrdup("TestOK");
	lg_package_add_check(p, LG_CHECK_EXIT, LG_STATUS_FAILED);
	p = pkg(r, "example.com/m/leaky");
	p->exit_code = 1;
	t = lg_package_add_test(p);
	t->name = lg_xstrdup("TestA");
	t->result = LG_TEST_FAIL;
	t = lg_package_add_test(p);
	t->name = lg_xstrdup("TestA/sub");
	c = lg_package_add_check(p, LG_CHECK_LEAK, LG_STATUS_FAILED);
	c->baselined = 1;
	lg_package_add_check(p, LG_CHECK_HEAP, LG_STATUS_SKIPPED);
	p->leaks = lg_xcalloc(1, sizeof(*p->leaks));
	p->nleaks = 1;
	p->leaks[0].count = 3;
}

static void test_find_check(void)
{
	struct lg_package p = { 0 };

	CHECK(lg_package_find_check(&p, LG_CHECK_LEAK) == NULL);
	lg_package_add_check(&p, LG_CHECK_BUILD, LG_STATUS_PASSED);
	lg_package_add_check(&p, LG_CHECK_LEAK, LG_STATUS_FAILED);
	lg_package_add_check(&p, LG_CHECK_LEAK, LG_STATUS_SKIPPED);
	CHECK(lg_package_find_check(&p, LG_CHECK_LEAK) == &p.checks[1]);
	CHECK(lg_package_find_check(&p, LG_CHECK_HEAP) == NULL);
	lg_package_release(&p);
}

static void test_totals(void)
{
	struct lg_run r;
	struct lg_run_totals t;

	build(&r);
	lg_run_totals(&r, &t);
	CHECK_INT(t.packages, 4);
	CHECK_INT(t.passed, 1);
	CHECK_INT(t.failed, 2);
	CHECK_INT(t.notests, 1);
	CHECK_INT(t.passed + t.failed + t.notests, t.packages);
	CHECK_INT(t.tests, 4);
	CHECK_INT(t.failed_tests, 1);
	CHECK_INT(t.groups, 1);
	CHECK_INT(t.leaked, 3);
	CHECK_INT(t.baselined, 1);
	CHECK_INT(t.by_kind[LG_CHECK_EXIT], 1);
	CHECK_INT(t.by_kind[LG_CHECK_LEAK], 1);
	CHECK_INT(t.by_kind[LG_CHECK_HEAP], 0); /* skipped is not failed */
	/* without test files but broken: failed, not "without tests" */
	r.pkgs[1].built = 0;
	lg_run_totals(&r, &t);
	CHECK_INT(t.failed, 3);
	CHECK_INT(t.notests, 0);
	lg_run_release(&r);

	memset(&r, 0, sizeof(r));
	lg_run_totals(&r, &t);
	CHECK_INT(t.packages + t.passed + t.failed + t.notests + t.tests, 0);
}

static void test_outputs_agree(void)
{
	struct lg_run r;
	struct lg_err err;
	struct lg_buf md = LG_BUF_INIT;
	char path[] = "/tmp/lg-test-model-XXXXXX";
	json_t *root, *sum;
	int fd;

	build(&r);
	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK_INT(lg_json_write_report(&r, path, &err), 0);
	root = json_load_file(path, 0, NULL);
	sum = json_object_get(root, "summary");
	CHECK_INT(json_integer_value(json_object_get(sum, "packages")), 4);
	CHECK_INT(json_integer_value(json_object_get(sum, "passed")), 1);
	CHECK_INT(json_integer_value(json_object_get(sum, "failed")), 2);
	CHECK_INT(json_integer_value(json_object_get(sum, "without_tests")), 1);
	CHECK_INT(json_integer_value(json_object_get(sum, "leaks")), 3);
	json_decref(root);
	unlink(path);

	lg_markdown_render(&r, NULL, &md);
	CHECK(md.buf && strstr(md.buf, "2 of 4 packages failed") != NULL);
	CHECK(md.buf && strstr(md.buf, "· 1 passed · 1 without tests") != NULL);
	CHECK(md.buf && strstr(md.buf, "non-zero exit after the tests") != NULL);
	lg_buf_release(&md);
	lg_run_release(&r);
}

int main(void)
{
	static const struct lg_check_case t[] = {
		{ "find_check", test_find_check },
		{ "totals", test_totals },
		{ "outputs_agree", test_outputs_agree },
	};

	return LG_CHECK_RUN(t);
}
