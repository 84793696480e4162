/*
 * test_config.c — sizes, durations, and leakgate.json: defaults, every key,
 * and the errors a user sees for typos, wrong types and broken JSON.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"

static char *write_tmp(const char *text)
{
	char *path = lg_xstrdup("/tmp/lg-config-XXXXXX");
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fputs(text, f);
	fclose(f);
	return path;
}

static void test_sizes(void)
{
	static const struct { const char *in; int64_t want; int ok; } cases[] = {
		{ "0", 0, 1 }, { "1048576", 1048576, 1 }, { "1MiB", 1048576, 1 },
		{ "512KiB", 524288, 1 }, { "2MB", 2000000, 1 }, { "1.5MiB", 1572864, 1 },
		{ "1G", 1073741824, 1 }, { "", 0, 0 }, { "MiB", 0, 0 }, { "-1", 0, 0 },
		{ "1 MiB", 0, 0 }, { "1TiB", 0, 0 }, { "1e30", 0, 0 }, { "nan", 0, 0 },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		int64_t v = -7;
		int r = lg_parse_size(cases[i].in, &v);

		CHECK_INT(r == 0, cases[i].ok);
		if (cases[i].ok)
			CHECK_INT(v, cases[i].want);
	}
}

static void test_durations(void)
{
	static const struct { const char *in; double want; int ok; } cases[] = {
		{ "10m", 600, 1 }, { "500ms", 0.5, 1 }, { "1.5s", 1.5, 1 }, { "1h30m", 5400, 1 },
		{ "0", 0, 1 }, { "250us", 0.00025, 1 }, { "", 0, 0 }, { "10", 0, 0 },
		{ "-1s", 0, 0 }, { "1x", 0, 0 }, { "s", 0, 0 }, { "1e12h", 0, 0 }, { " 1s", 0, 0 },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		double v = -7;
		int r = lg_parse_duration(cases[i].in, &v);

		CHECK_INT(r == 0, cases[i].ok);
		if (cases[i].ok)
			CHECK(v > cases[i].want - 1e-9 && v < cases[i].want + 1e-9);
	}
}

static void test_defaults_and_full_file(void)
{
	struct lg_config c;
	struct lg_err err;
	char *path = write_tmp("{\"$schema\": \"x\", \"version\": 1, \"max_leaked_goroutines\": 2,\n"
			       " \"max_heap_growth\": \"4MiB\", \"timeout\": \"90s\", \"grace\": \"1s\",\n"
			       " \"settle\": \"1s\", \"schedtrace_ms\": 250, \"traceback_ancestors\": 3,\n"
			       " \"leaks\": \"proven\", \"heap_passes\": 3,\n"
			       " \"deadlock_after\": \"500ms\", \"fail_fast_deadlock\": true, \"stress\": \"30s\",\n"
			       " \"ignore\": [{\"creator\": \"x.(*W).start\", \"reason\": \"singleton\"},\n"
			       "  {\"top_function\": \"y.loop*\", \"wait_reason\": \"select\"}]}\n");

	lg_config_init(&c);
	CHECK_INT(c.max_leaks, 0);
	CHECK_INT(c.max_heap_growth, 1 << 20);
	CHECK(c.timeout == 600);
	CHECK_INT(c.leaks, LG_LEAKS_ALIVE);
	CHECK_INT(c.heap_passes, LG_DEFAULT_HEAP_PASSES);
	CHECK(c.deadlock_after == 2 && c.stress == 0 && !c.fail_fast_deadlock);
	CHECK_INT(lg_config_load(&c, path, 0, &err), 0);
	CHECK_INT(c.leaks, LG_LEAKS_PROVEN);
	CHECK_INT(c.heap_passes, 3);
	CHECK_STR(lg_leaks_mode_name(c.leaks), "proven");
	CHECK(c.deadlock_after == 0.5 && c.stress == 30 && c.fail_fast_deadlock);
	CHECK_INT(c.max_leaks, 2);
	CHECK_INT(c.max_heap_growth, 4 << 20);
	CHECK(c.timeout == 90 && c.grace == 1 && c.settle == 1);
	CHECK_INT(c.schedtrace_ms, 250);
	CHECK_INT(c.ancestors, 3);
	CHECK_INT(c.nignores, 2);
	if (c.nignores == 2) {
		CHECK_STR(c.ignores[0].creator, "x.(*W).start");
		CHECK_STR(c.ignores[1].top_func, "y.loop*");
		CHECK_STR(c.ignores[1].wait, "select");
	}
	lg_config_release(&c);
	unlink(path);
	free(path);
}

static void test_errors(void)
{
	static const struct { const char *text; const char *want; } cases[] = {
		{ "{\"max_leaked_goroutine\": 1}", "unknown key 'max_leaked_goroutine'" },
		{ "{\"timeout\": 600}", "timeout: expected a duration" },
		{ "{\"stress\": 30}", "stress: expected a duration" },
		{ "{\"fail_fast_deadlock\": 1}", "fail_fast_deadlock: expected true or false" },
		{ "{\"max_heap_growth\": \"big\"}", "max_heap_growth: expected bytes" },
		{ "{\"version\": 2}", "reads config version 1" },
		{ "{\"heap_passes\": 0}", "heap_passes" },
		{ "{\"heap_passes\": \"2\"}", "heap_passes" },
		{ "{\"leaks\": \"stuck\"}", "leaks: expected \"alive\" or \"proven\"" },
		{ "{\"leaks\": true}", "leaks: expected \"alive\" or \"proven\"" },
		{ "{\"ignore\": {}}", "ignore: expected an array" },
		{ "{\"ignore\": [{\"reason\": \"x\"}]}", "ignore[0]: a rule needs" },
		{ "{\"ignore\": [{\"func\": \"x\"}]}", "ignore[0]: unknown key 'func'" },
		{ "{\"ignore\": [{\"creator\": 7}]}", "ignore[0]: expected a string" },
		{ "[1, 2]", "expected a JSON object" },
		{ "{\"timeout\": \"1m\",\n \"ignore\": [", ":2:" },
		{ "", ":1:" },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		struct lg_config c;
		struct lg_err err = { "" };
		char *path = write_tmp(cases[i].text);

		lg_config_init(&c);
		CHECK_INT(lg_config_load(&c, path, 0, &err), -1);
		if (!strstr(err.msg, cases[i].want) || !strstr(err.msg, path)) {
			fprintf(stderr, "case %zu: '%s' lacks '%s' or the path\n", i, err.msg, cases[i].want);
			lg_check_failures++;
		}
		lg_config_release(&c);
		unlink(path);
		free(path);
	}
}

static void test_missing(void)
{
	struct lg_config c;
	struct lg_err err;

	lg_config_init(&c);
	CHECK_INT(lg_config_load(&c, "/nonexistent/leakgate.json", 1, &err), 0);
	CHECK_INT(lg_config_load(&c, "/nonexistent/leakgate.json", 0, &err), -1);
	CHECK(strstr(err.msg, "cannot open '/nonexistent/leakgate.json'") != NULL);
	lg_config_release(&c);
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "sizes", test_sizes },
		{ "durations", test_durations },
		{ "defaults_and_full_file", test_defaults_and_full_file },
		{ "errors", test_errors },
		{ "missing", test_missing },
	};

	return LG_CHECK_RUN(cases);
}
