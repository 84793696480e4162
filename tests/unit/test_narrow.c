/*
 * test_narrow.c — the -test.run filter of an evidence run: only the tests
 * the lean run named behind the leak groups (top-level names, each once),
 * and the full run (NULL) whenever narrowing could lose or change a
 * verdict: a failed heap check, a group without a test, a name that is
 * not a plain identifier, no groups, or tests the user chose.
 */
#include <stdlib.h>

#include "check.h"
#include "narrow.h"
#include "pkg_fixture.h"

/* p with groups created in `tests` (NULL entry: a group without a test). */
static void with_groups(struct lg_package *p, const char *const *tests, size_t n)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	lg_package_add_check(p, LG_CHECK_LEAK, LG_STATUS_FAILED);
	lg_package_add_check(p, LG_CHECK_HEAP, LG_STATUS_PASSED);
	for (i = 0; i < n; i++) {
		char sig[16];

		snprintf(sig, sizeof(sig), "s%zu", i);
		add_group(p, sig, 1);
		free(p->leaks[i].test);
		p->leaks[i].test = tests[i] ? lg_xstrdup(tests[i]) : NULL;
	}
}

static void expect(const char *const *tests, size_t n, char *const *args, size_t nargs,
		   const char *want)
{
	struct lg_package p;
	char *got;

	with_groups(&p, tests, n);
	got = lg_narrow_evidence_filter(&p, args, nargs);
	if (want)
		CHECK_STR(got, want);
	else if (got) {
		fprintf(stderr, "got \"%s\", want NULL (the full run)\n", got);
		lg_check_failures++;
	}
	free(got);
	lg_package_release(&p);
}

static void test_narrowed(void)
{
	const char *one[] = { "TestTransportH2c", "TestTransportH2c", "TestTransportH2c" };
	const char *two[] = { "TestA", "TestB/sub", "TestA/x" };

	expect(one, 3, NULL, 0, "-test.run=^(TestTransportH2c)$");
	expect(two, 3, NULL, 0, "-test.run=^(TestA|TestB)$");
	/* a prefix of another name is another name */
	{
		const char *pre[] = { "TestAB", "TestA" };

		expect(pre, 2, NULL, 0, "-test.run=^(TestAB|TestA)$");
	}
}

static void test_every_test_of_a_group(void)
{
	const char *t[] = { "TestA" };
	struct lg_package p;
	char *got;

	with_groups(&p, t, 1);
	p.leaks[0].tests = lg_xcalloc(2, sizeof(*p.leaks[0].tests));
	p.leaks[0].tests[0].name = lg_xstrdup("TestA");
	p.leaks[0].tests[1].name = lg_xstrdup("TestC");
	p.leaks[0].ntests = 2;
	got = lg_narrow_evidence_filter(&p, NULL, 0);
	CHECK_STR(got, "-test.run=^(TestA|TestC)$");
	free(got);
	lg_package_release(&p);
}

static void test_full_run(void)
{
	const char *missing[] = { "TestA", NULL };
	const char *odd[] = { "Test(A)" };
	const char *t[] = { "TestA" };
	char *run[] = { "-test.run=Foo" }, *run2[] = { "-run", "Foo" }, *other[] = { "-test.short" };
	struct lg_package p;

	expect(missing, 2, NULL, 0, NULL);
	expect(odd, 1, NULL, 0, NULL);
	expect(t, 0, NULL, 0, NULL); /* no group */
	expect(t, 1, run, 1, NULL);
	expect(t, 1, run2, 2, NULL);
	expect(t, 1, other, 1, "-test.run=^(TestA)$");
	/* heap growth needs every test */
	with_groups(&p, t, 1);
	p.checks[1].status = LG_STATUS_FAILED;
	CHECK(lg_narrow_evidence_filter(&p, NULL, 0) == NULL);
	lg_package_release(&p);
}

int main(void)
{
	static const struct lg_check_case t[] = {
		{ "narrowed", test_narrowed },
		{ "every_test_of_a_group", test_every_test_of_a_group },
		{ "full_run", test_full_run },
	};

	return LG_CHECK_RUN(t);
}
