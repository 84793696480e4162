/*
 * test_html.c — the HTML report's guarantees that need no browser: every
 * hostile string is text, nothing refers to the network, the script is the
 * page's own, and each section a failing package needs is there.  (The e2e
 * test opens a real run's page in headless Chromium.)
 */
#include <stdlib.h>

#include "check.h"
#include "html.h"
#include "report_fixture.h"

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)); hay++)
		n++;
	return n;
}

static void test_page(void)
{
	struct lg_run r;
	struct lg_buf out = LG_BUF_INIT;

	rf_build(&r);
	free(r.pkgs[0].import_path);
	r.pkgs[0].import_path = lg_xstrdup("example.com/svc/api\"><img src=x onerror=alert(1)>");
	lg_html_render(&r, &out);
	CHECK(lg_starts_with(out.buf, "<!DOCTYPE html>"));
	CHECK_INT(count(out.buf, "<script"), 1);
	CHECK_INT(count(out.buf, RF_SCRIPT), 0);
	CHECK(count(out.buf, "&lt;script&gt;alert(1)&lt;/script&gt;") >= 2);
	CHECK_INT(count(out.buf, "<img"), 0);
	CHECK(strstr(out.buf, "data-pkg=\"example.com/svc/api&quot;&gt;&lt;img") != NULL);
	CHECK(strstr(out.buf, "\xff") == NULL);
	/* self-contained: only the SVG namespace looks like a URL */
	CHECK_INT(count(out.buf, "http://") + count(out.buf, "https://"),
		  count(out.buf, "xmlns=\"http://www.w3.org/2000/svg\""));
	CHECK(strstr(out.buf, "Content-Security-Policy") != NULL);
	CHECK(strstr(out.buf, "eval(") == NULL);
	CHECK(strstr(out.buf, "setAttribute('data-ok', '1')") != NULL);
	/* sections */
	CHECK_INT(count(out.buf, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"flame\""), 2);
	CHECK_INT(count(out.buf, "class=\"sched\""), 1);
	CHECK(strstr(out.buf, "Heap before and after the tests") != NULL);
	CHECK(strstr(out.buf, "Goroutines left after the tests") != NULL);
	CHECK(strstr(out.buf, "deadlock dump") != NULL);
	CHECK(strstr(out.buf, "id=\"pkg-0\"") && strstr(out.buf, "id=\"pkg-1\"") && !strstr(out.buf, "id=\"pkg-2\""));
	CHECK(strstr(out.buf, "Baseline delta") == NULL);
	CHECK_INT(count(out.buf, "<tr class=\"fail\""), 2);
	CHECK_INT(count(out.buf, "<tr class=\"pass\""), 1);
	lg_buf_release(&out);
	lg_run_release(&r);
}

static void test_baseline_delta(void)
{
	struct lg_run r;
	struct lg_buf out = LG_BUF_INIT;

	rf_build(&r);
	r.pkgs[0].leaks[0].baselined = 1;
	r.pkgs[0].leaks[0].baseline_note = lg_xstrdup("within baseline <2 goroutines>");
	lg_html_render(&r, &out);
	CHECK(strstr(out.buf, "Baseline delta") != NULL);
	CHECK(strstr(out.buf, "accepted by baseline") != NULL);
	CHECK(strstr(out.buf, "within baseline &lt;2 goroutines&gt;") != NULL);
	lg_buf_release(&out);
	lg_run_release(&r);
}

int main(void)
{
	static const struct lg_check_case t[] = {
		{ "page", test_page },
		{ "baseline_delta", test_baseline_delta },
	};

	return LG_CHECK_RUN(t);
}
