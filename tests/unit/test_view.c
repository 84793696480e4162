/*
 * test_view.c — view.h on the inline dumps of stack_fixture.h:
 * values in their units (table), the whole text view byte for byte (summary
 * line, groups biggest first, minutes, pattern, creator, ids, paths relative
 * to the cwd or the last two path elements), folded stacks, and a diff's tally, which
 * changes are shown and which count as growth (table), and its text.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "view.h"
#include "util.h"
#include "check.h"
#include "stack_fixture.h"

static int contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

static void test_value_table(void)
{
	static const struct {
		int64_t v;
		const char *unit, *want;
	} cases[] = {
		{ 0, "bytes", "0 B" },
		{ 1023, "bytes", "1023 B" },
		{ 1024, "bytes", "1.0 KiB" },
		{ 1536 * 1024, "bytes", "1.5 MiB" },
		{ -2048, "bytes", "-2.0 KiB" },
		{ (int64_t)3 << 40, "bytes", "3.0 TiB" },
		{ (int64_t)5 << 50, "bytes", "5120.0 TiB" }, /* no unit past TiB */
		{ 999, "nanoseconds", "999ns" },
		{ 1500, "nanoseconds", "1.50us" },
		{ 12000000, "nanoseconds", "12.00ms" },
		{ 2500000000LL, "nanoseconds", "2.50s" },
		{ -3000000, "nanoseconds", "-3.00ms" },
		{ 3, "goroutines", "3" },
		{ -7, "count", "-7" },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		struct lg_buf b = LG_BUF_INIT;

		lg_view_value(cases[i].v, cases[i].unit, &b);
		CHECK_STR(b.buf, cases[i].want);
		lg_buf_release(&b);
	}
}

static void test_stacks_text(void)
{
	struct lg_view v = { 0, 0, "/src/m", NULL };
	struct lg_input in;
	struct lg_buf b = LG_BUF_INIT;

	sf_load_named(&in, SF_AFTER, LG_GROUP_EXACT, "after.txt");
	CHECK_STR(lg_view_unit(&in), "goroutines");
	lg_view_stacks_text(&in, &v, &b);
	CHECK_STR(b.buf,
		  "after.txt: 3 goroutines in 2 groups (by exact)\n"
		  "\n"
		  "2 goroutines [chan receive, 3-5 minutes]  recv-no-sender  id cd4104edca01b4a3\n"
		  "    example.com/m/p.consume  p/p.go:19\n"
		  "  created by example.com/m/p.Start  p/p.go:13\n"
		  "  goroutines 7 8\n"
		  "\n"
		  "1 goroutine [running]  blocked-goroutine  id 816aef8eda4f4ccf\n"
		  "    main.main  main.go:10\n"
		  "  goroutines 1\n");
	/* outside the cwd: the last two elements of the path */
	lg_buf_reset(&b);
	v.cwd = "/elsewhere";
	lg_view_group_text(&in, &in.groups.g[1], &v, &b);
	CHECK(contains(b.buf, "    main.main  m/main.go:10\n"));
	lg_buf_reset(&b);
	lg_view_folded(&in, NULL, &b);
	CHECK_STR(b.buf, "example.com/m/p.consume 2\nmain.main 1\n");
	lg_buf_release(&b);
	lg_input_release(&in);
}

static void test_change_table(void)
{
	static const struct {
		enum lg_change_kind kind;
		int64_t delta;
		int long_lived;
		int64_t min_delta;
		int shown, growth;
	} cases[] = {
		{ LG_CHANGE_NEW, 2, 0, 1, 1, 1 },
		{ LG_CHANGE_NEW, 2, 0, 3, 0, 0 },   /* below min_delta */
		{ LG_CHANGE_GROWN, 5, 0, 5, 1, 1 }, /* exactly min_delta */
		{ LG_CHANGE_SHRUNK, -5, 0, 5, 1, 0 },
		{ LG_CHANGE_GONE, -1, 0, 1, 1, 0 },
		{ LG_CHANGE_SAME, 0, 0, 1, 0, 0 },
		{ LG_CHANGE_SAME, 0, 1, 1, 1, 0 },  /* long-lived: shown, not growth */
		{ LG_CHANGE_GROWN, 1, 1, 10, 1, 0 },
	};
	struct lg_group_change c[LG_ARRAY_SIZE(cases)];
	struct lg_view_tally t;
	size_t i;

	memset(c, 0, sizeof(c));
	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		c[i].kind = cases[i].kind;
		c[i].delta = cases[i].delta;
		c[i].long_lived = cases[i].long_lived;
		CHECK_INT(lg_view_change_shown(&c[i], cases[i].min_delta), cases[i].shown);
		CHECK_INT(lg_view_is_growth(&c[i], cases[i].min_delta), cases[i].growth);
	}
	/* min_delta 2: the new +2 and the grown +5 stay, the rest under it count as same */
	lg_view_tally(c, LG_ARRAY_SIZE(c), 2, &t);
	CHECK_INT(t.kinds[LG_CHANGE_NEW], 2);
	CHECK_INT(t.kinds[LG_CHANGE_GROWN], 1);
	CHECK_INT(t.kinds[LG_CHANGE_SHRUNK], 1);
	CHECK_INT(t.kinds[LG_CHANGE_GONE], 0);
	CHECK_INT(t.kinds[LG_CHANGE_SAME], 4);
	CHECK_INT(t.growth, 1);
	lg_view_tally(c + 3, 4, 1, &t); /* shrunk, gone, same, same */
	CHECK_INT(t.growth, 0);
}

static void test_diff_text(void)
{
	struct lg_view v = { 0, 0, "/src/m", NULL };
	struct lg_input before, after;
	struct lg_group_change *c = NULL;
	struct lg_buf b = LG_BUF_INIT;
	size_t n;

	sf_load_named(&before, SF_BEFORE, LG_GROUP_FUNCS, "d0.txt");
	sf_load_named(&after, SF_AFTER, LG_GROUP_FUNCS, "d1.txt");
	n = lg_group_diff(&before.groups, &after.groups, &c);
	CHECK_INT(n, 3);
	lg_view_diff_text(&before, &after, c, n, 1, &v, &b);
	CHECK_STR(b.buf,
		  "d0.txt -> d1.txt (by funcs): 2 -> 3 goroutines; 1 new, 1 gone, 0 grown, 0 shrunk, "
		  "1 unchanged\n"
		  "\n"
		  "+2 new (0 -> 2)\n"
		  "2 goroutines [chan receive, 3-5 minutes]  recv-no-sender  id c2834ff32b6c5d15\n"
		  "    example.com/m/p.consume  p/p.go:19\n"
		  "  created by example.com/m/p.Start  p/p.go:13\n"
		  "  goroutines 7 8\n"
		  "\n"
		  "-1 gone (1 -> 0)\n"
		  "1 goroutine [select]  select-no-ready-case  id cffad4666d54138c\n"
		  "    example.com/m/q.loop  q/q.go:5\n"
		  "  created by example.com/m/q.Run  q/q.go:3\n"
		  "  goroutines 9\n"
		  "\n"
		  "0 same (1 -> 1)  long-lived: same goroutines still waiting\n"
		  "1 goroutine [running]  blocked-goroutine  id 9985842cc97285b5\n"
		  "    main.main  main.go:10\n"
		  "  goroutines 1\n");
	lg_buf_reset(&b);
	lg_view_folded_growth(&after, c, n, NULL, &b);
	CHECK_STR(b.buf, "example.com/m/p.consume 2\n");
	free(c);
	lg_buf_release(&b);
	lg_input_release(&before);
	lg_input_release(&after);
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "values", test_value_table },
		{ "stacks text and folded", test_stacks_text },
		{ "changes shown, growth, tally", test_change_table },
		{ "diff text and folded growth", test_diff_text },
	};

	return LG_CHECK_RUN(cases);
}
