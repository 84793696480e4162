/*
 * test_gobuild.c — the parts of the toolchain driver that need no toolchain:
 * which Go versions have the goroutineleak profile (--leaks proven), and the
 * test binary names `go test -c -o DIR/` gives.
 */
#include <stdlib.h>

#include "check.h"
#include "gobuild.h"

static void test_leak_profile_versions(void)
{
	static const struct {
		const char *version, *experiment;
		int want;
	} cases[] = {
		{ "go1.27.3", "", 1 },
		{ "go1.27rc1", "", 1 },
		{ "go1.28", NULL, 1 },
		{ "go1.26.8", "", 0 },
		{ "go1.26.8", NULL, 0 },
		{ "go1.26.8", "goroutineleakprofile", 1 },
		{ "go1.26.8", "arenas,goroutineleakprofile", 1 },
		{ "go1.26.8", "nogoroutineleakprofile", 0 },
		{ "go1.26.8", "goroutineleakprofilex", 0 },
		{ "go1.25.4", "goroutineleakprofile", 0 },
		{ "go1.9", "", 0 },
		{ "devel go1.28-abcdef", "", -1 },
		{ "", "", -1 },
		{ NULL, NULL, -1 },
		{ "go1.x", "", -1 },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		int got = lg_go_has_leak_profile(cases[i].version, cases[i].experiment);

		if (got != cases[i].want) {
			fprintf(stderr, "case %zu: %s [%s]: %d, want %d\n", i,
				cases[i].version ? cases[i].version : "(null)",
				cases[i].experiment ? cases[i].experiment : "(null)", got, cases[i].want);
			lg_check_failures++;
		}
	}
}

static void test_binary_names(void)
{
	char *n = lg_go_test_binary_name("example.com/m/api");

	CHECK_STR(n, "api.test");
	free(n);
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "leak_profile_versions", test_leak_profile_versions },
		{ "binary_names", test_binary_names },
	};

	return lg_check_main(cases, LG_ARRAY_SIZE(cases));
}
