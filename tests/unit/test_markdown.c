/*
 * test_markdown.c — the step summary: escaped hostile names, code fences
 * that backticks in a stack cannot close, and the size cap on a run far
 * larger than GitHub's 1 MiB allows.
 */
#include <stdlib.h>

#include "check.h"
#include "markdown.h"
#include "report_fixture.h"

static void test_hostile(void)
{
	struct lg_run r;
	struct lg_buf out = LG_BUF_INIT;
	struct lg_markdown_opts o = { "", 0 };

	rf_build(&r);
	free(r.pkgs[0].leaks[0].stack);
	r.pkgs[0].leaks[0].stack = lg_xstrdup("goroutine 1 [select]:\nmain.f()\n```\n</details># injected\n````\n");
	lg_markdown_render(&r, &o, &out);
	CHECK(strstr(out.buf, "<script>") == NULL);
	CHECK(strstr(out.buf, "&lt;script&gt;") != NULL);
	CHECK(strstr(out.buf, "## ❌ leakgate: 2 of 3 packages failed") == out.buf);
	CHECK(strstr(out.buf, "**2** leaked goroutines in 1 group · **1** deadlock · **1** failed test") != NULL);
	/* the fence is longer than the longest backtick run of the body */
	CHECK(strstr(out.buf, "`````text\ngoroutine 1 [select]:") != NULL);
	CHECK(strstr(out.buf, "````\n`````\n") != NULL);
	CHECK(strstr(out.buf, "\xff") == NULL);
	CHECK(strstr(out.buf, "Truncated") == NULL);
	lg_buf_release(&out);
	lg_run_release(&r);
}

static void test_cap(void)
{
	struct lg_run r;
	struct lg_buf out = LG_BUF_INIT;
	struct lg_markdown_opts o = { "", 0 };
	char name[64];
	int i;

	rf_build(&r);
	for (i = 0; i < 3000; i++) {
		struct lg_package *p = lg_run_add_package(&r);

		snprintf(name, sizeof(name), "example.com/svc/gen/p%04d", i);
		p->import_path = lg_xstrdup(name);
		p->rel_dir = lg_xstrdup(name + 16);
		p->built = 1;
		p->hook = LG_HOOK_DONE;
		rf_leak(p, "abc", "TestBig", 5);
		lg_package_add_check(p, LG_CHECK_LEAK, LG_STATUS_FAILED);
	}
	lg_markdown_render(&r, &o, &out);
	CHECK(out.len <= LG_MARKDOWN_MAX);
	CHECK(out.len > LG_MARKDOWN_MAX - 64 * 1024);
	CHECK(strstr(out.buf, "**Truncated**") != NULL);
	lg_buf_reset(&out);
	o.max_bytes = 10000;
	lg_markdown_render(&r, &o, &out);
	CHECK(out.len <= 10000);
	CHECK(strstr(out.buf, "of 3002 failed packages") != NULL);
	lg_buf_release(&out);
	lg_run_release(&r);
}

static void test_passed(void)
{
	struct lg_run r;
	struct lg_buf out = LG_BUF_INIT;

	rf_build(&r);
	lg_package_release(&r.pkgs[0]);
	lg_package_release(&r.pkgs[1]);
	r.pkgs[0] = r.pkgs[2];
	r.npkgs = 1;
	lg_markdown_render(&r, NULL, &out);
	CHECK(strstr(out.buf, "## ✅ leakgate: 1 package passed") == out.buf);
	CHECK(strstr(out.buf, "| package |") == NULL);
	lg_buf_release(&out);
	lg_run_release(&r);
}

int main(void)
{
	static const struct lg_check_case t[] = {
		{ "hostile", test_hostile },
		{ "cap", test_cap },
		{ "passed", test_passed },
	};

	return LG_CHECK_RUN(t);
}
