/*
 * test_escape.c — the escapers every output relies on: each hostile input
 * against the exact bytes each format must get.
 */
#include <stdlib.h>

#include "check.h"
#include "escape.h"

#define FFFD "\xef\xbf\xbd"

typedef void (*escaper)(struct lg_buf *, const char *);

struct esc_case {
	escaper fn;
	const char *in, *want;
};

static const struct esc_case cases[] = {
	{ lg_escape_html, "<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" },
	{ lg_escape_html, "a&b \"q\"", "a&amp;b &quot;q&quot;" },
	{ lg_escape_html, "bell\x07 del\x7f tab\tnl\n", "bell" FFFD " del" FFFD " tab\tnl\n" },
	{ lg_escape_html, "bad \xff\xfe end \xc3\x28", "bad " FFFD FFFD " end " FFFD "(" },
	{ lg_escape_html, "surrogate \xed\xa0\x80 ok \xc3\xa9", "surrogate " FFFD FFFD FFFD " ok \xc3\xa9" },
	{ lg_escape_markdown, "a|b *c* _d_ [e](f) <g> `h`", "a\\|b \\*c\\* \\_d\\_ \\[e\\](f) &lt;g&gt; \\`h\\`" },
	{ lg_escape_markdown, "line1\nline2\r\n# h", "line1 line2  \\# h" },
	{ lg_escape_markdown, "![img](x) ~~s~~", "\\!\\[img\\](x) \\~\\~s\\~\\~" },
	{ lg_escape_workflow_data, "100% done\r\nnext::error::x", "100%25 done%0D%0Anext::error::x" },
	{ lg_escape_workflow_data, "literal %0A stays", "literal %250A stays" },
	{ lg_escape_workflow_prop, "a:b,c%d\ne", "a%3Ab%2Cc%25d%0Ae" },
	{ lg_escape_workflow_prop, "TestX/::error::y", "TestX/%3A%3Aerror%3A%3Ay" },
	{ lg_escape_workflow_prop, NULL, "" },
	{ lg_escape_json, "main.(*T).Run.func1", "main.(*T).Run.func1" },
	{ lg_escape_json, "q\"b\\s\n\r\t\x01\x1f\x7f", "q\\\"b\\\\s\\n\\r\\t\\u0001\\u001f\\u007f" },
	{ lg_escape_json, "bad \xff end \xc3\x28 ok \xc3\xa9 \xf0\x9f\x98\x80", "bad " FFFD " end " FFFD "( ok \xc3\xa9 \xf0\x9f\x98\x80" },
	{ lg_escape_json, "cut \xe2\x82", "cut " FFFD FFFD },
	{ lg_escape_json, NULL, "" },
};

static void test_table(void)
{
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		struct lg_buf b = LG_BUF_INIT;

		cases[i].fn(&b, cases[i].in);
		CHECK_STR(b.buf, cases[i].want);
		lg_buf_release(&b);
	}
}

static void test_utf8(void)
{
	struct lg_buf b = LG_BUF_INIT;

	lg_escape_utf8(&b, "ok\xe2\x82\xac" "cut\xe2\x82", 10);
	CHECK_STR(b.buf, "ok\xe2\x82\xac" "cut" FFFD FFFD);
	CHECK_INT(lg_utf8_seq_len((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
	CHECK_INT(lg_utf8_seq_len((const unsigned char *)"\xf0\x9f\x98", 3), 0);
	CHECK_INT(lg_utf8_seq_len((const unsigned char *)"\xc0\xaf", 2), 0); /* overlong */
	CHECK_INT(lg_utf8_seq_len((const unsigned char *)"\xf4\x90\x80\x80", 4), 0); /* > U+10FFFF */
	lg_buf_release(&b);
}

static void test_backticks(void)
{
	CHECK_INT(lg_longest_backtick_run("no ticks"), 0);
	CHECK_INT(lg_longest_backtick_run("a `b` ```c```` d"), 4);
	CHECK_INT(lg_longest_backtick_run(NULL), 0);
}

int main(void)
{
	static const struct lg_check_case t[] = {
		{ "table", test_table },
		{ "utf8", test_utf8 },
		{ "backticks", test_backticks },
	};

	return LG_CHECK_RUN(t);
}
