/*
 * narrow.c — the -test.run filter of an evidence run that only needs to
 * attribute leak groups whose tests the lean run already named (narrow.h).
 */
#include <stdlib.h>
#include <string.h>

#include "narrow.h"

/* A user flag that chooses tests: narrowing must not override it. */
static int chooses_tests(const char *arg)
{
	static const char *const flags[] = { "-test.run", "--test.run", "-run", "--run" };
	size_t i, n;

	for (i = 0; i < LG_ARRAY_SIZE(flags); i++) {
		n = strlen(flags[i]);
		if (strncmp(arg, flags[i], n) == 0 && (arg[n] == '\0' || arg[n] == '='))
			return 1;
	}
	return 0;
}

/* Letters, digits, '_' and non-ASCII bytes (Unicode letters): no regexp syntax. */
static int plain_name(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(c >= 0x80 || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z')))
			return 0;
	}
	return 1;
}

/* Adds the top-level part of `test` to the alternation unless it is there; -1 if not plain. */
static int add_name(struct lg_buf *alt, const char *test)
{
	size_t n = strcspn(test, "/");
	const char *p = alt->buf;

	if (!plain_name(test, n))
		return -1;
	while (p && *p) { /* alt is "A|B|C" */
		size_t m = strcspn(p, "|");

		if (m == n && strncmp(p, test, n) == 0)
			return 0;
		p += m;
		if (*p == '|')
			p++;
	}
	lg_buf_addf(alt, "%s%.*s", alt->len ? "|" : "", (int)n, test);
	return 0;
}

char *lg_narrow_evidence_filter(const struct lg_package *p, char *const *test_args,
				size_t ntest_args)
{
	struct lg_buf alt = LG_BUF_INIT;
	char *out;
	size_t i, j;

	if (!p->nleaks)
		return NULL;
	for (i = 0; i < p->nchecks; i++)
		if (p->checks[i].kind == LG_CHECK_HEAP && p->checks[i].status == LG_STATUS_FAILED)
			return NULL;
	for (i = 0; i < ntest_args; i++)
		if (test_args[i] && chooses_tests(test_args[i]))
			return NULL;
	for (i = 0; i < p->nleaks; i++) {
		const struct lg_leak_group *g = &p->leaks[i];

		if (!g->test || add_name(&alt, g->test))
			goto full;
		for (j = 0; j < g->ntests; j++)
			if (!g->tests[j].name || add_name(&alt, g->tests[j].name))
				goto full;
	}
	out = lg_xasprintf("-test.run=^(%s)$", alt.buf);
	lg_buf_release(&alt);
	return out;
full:
	lg_buf_release(&alt);
	return NULL;
}
