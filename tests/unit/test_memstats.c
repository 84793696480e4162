/*
 * test_memstats.c — checks the runtime.MemStats reader on a text heap
 * profile written by a real service (tests/fixtures/pprof/
 * svc_heap_debug1.txt: net/http/pprof's /debug/pprof/heap?gc=1&debug=1 of
 * tests/fixtures/services/svc after a load) and on bodies cut or altered
 * from it, which must give an error naming the source and the line, never
 * a wrong number.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "memstats.h"
#include "util.h"

static struct lg_buf fixture;

static int load(void)
{
	const char *root = getenv("LG_SOURCE_DIR");
	struct lg_err err;
	char *path = lg_xasprintf("%s/tests/fixtures/pprof/svc_heap_debug1.txt", root ? root : ".");
	int ret;

	lg_buf_reset(&fixture);
	ret = lg_read_file(path, 1 << 20, &fixture, &err);
	if (ret)
		fprintf(stderr, "%s\n", err.msg);
	free(path);
	return ret;
}

/* The field from `body`, or -2 with the error in `msg` (64 bytes+). */
static int64_t field(const char *body, size_t len, const char *name, char *msg, size_t cap)
{
	struct lg_err err;
	int64_t v = -7;

	msg[0] = '\0';
	if (lg_memstats_field(body, len, name, "heap.txt", &v, &err)) {
		snprintf(msg, cap, "%s", err.msg);
		return -2;
	}
	return v;
}

static void test_real_profile(void)
{
	char msg[1024];

	if (load())
		CHECK(0);
	CHECK_INT(field(fixture.buf, fixture.len, "HeapAlloc", msg, sizeof(msg)), 282016);
	CHECK_INT(field(fixture.buf, fixture.len, "HeapInuse", msg, sizeof(msg)), 860160);
	CHECK_INT(field(fixture.buf, fixture.len, "NextGC", msg, sizeof(msg)), 4194304);
	/* "Alloc" is its own line, not the end of TotalAlloc or HeapAlloc */
	CHECK_INT(field(fixture.buf, fixture.len, "Alloc", msg, sizeof(msg)), 282016);
	CHECK_INT(field(fixture.buf, fixture.len, "TotalAlloc", msg, sizeof(msg)), 736512);
	/* a prefix of a field is not the field */
	CHECK_INT(field(fixture.buf, fixture.len, "Heap", msg, sizeof(msg)), -2);
	CHECK_STR(msg, "heap.txt:11: the runtime.MemStats block here has no Heap line");
	/* "Stack = 524288 / 524288" is two figures, not a count */
	CHECK_INT(field(fixture.buf, fixture.len, "Stack", msg, sizeof(msg)), -2);
	CHECK_STR(msg, "heap.txt:24: Stack is not a byte count");
}

static void test_cut_short(void)
{
	char msg[1024];
	const char *block, *value;

	if (load())
		CHECK(0);
	block = strstr(fixture.buf, "# runtime.MemStats");
	value = strstr(fixture.buf, "# HeapAlloc = ");
	CHECK(block && value);
	if (!block || !value)
		return;
	/* the records alone: no block */
	CHECK_INT(field(fixture.buf, (size_t)(block - fixture.buf), "HeapAlloc", msg, sizeof(msg)), -2);
	CHECK_STR(msg, "heap.txt: no runtime.MemStats block (not a text heap profile, ?debug=1)");
	/* cut inside the value: "# HeapAlloc = 28" must not read as 28 */
	CHECK_INT(field(fixture.buf, (size_t)(value - fixture.buf) + 16, "HeapAlloc", msg, sizeof(msg)), -2);
	CHECK_STR(msg, "heap.txt:18: HeapAlloc is cut short (no newline)");
	/* cut before the field: the block is there, the line is not */
	CHECK_INT(field(fixture.buf, (size_t)(value - fixture.buf), "HeapAlloc", msg, sizeof(msg)), -2);
	CHECK_STR(msg, "heap.txt:11: the runtime.MemStats block here has no HeapAlloc line");
	CHECK_INT(field("", 0, "HeapAlloc", msg, sizeof(msg)), -2);
}

static void test_hostile_values(void)
{
	static const struct {
		const char *body;
		int64_t want;
	} cases[] = {
		{ "# runtime.MemStats\n# HeapAlloc = 9223372036854775807\n", INT64_MAX },
		{ "# runtime.MemStats\n# HeapAlloc = 9223372036854775808\n", -2 },
		{ "# runtime.MemStats\n# HeapAlloc = 99999999999999999999999\n", -2 },
		{ "# runtime.MemStats\n# HeapAlloc = -5\n", -2 },
		{ "# runtime.MemStats\n# HeapAlloc = \n", -2 },
		{ "# runtime.MemStats\n# HeapAlloc = 12abc\n", -2 },
		{ "# runtime.MemStats\r\n# HeapAlloc = 77\r\n", 77 },
		/* before the block, a line of the same shape is not the field */
		{ "# HeapAlloc = 5\n# runtime.MemStats\n# HeapAlloc = 6\n", 6 },
		{ "# runtime.MemStatsX\n# HeapAlloc = 6\n", -2 },
		{ "# runtime.MemStats\n#HeapAlloc = 6\n# HeapAlloc  = 6\n# HeapAllocX = 6\n", -2 },
	};
	char msg[1024];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t got = field(cases[i].body, strlen(cases[i].body), "HeapAlloc", msg, sizeof(msg));

		if (got != cases[i].want)
			fprintf(stderr, "case %zu: %s\n", i, msg);
		CHECK_INT(got, cases[i].want);
	}
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "real_profile", test_real_profile },
		{ "cut_short", test_cut_short },
		{ "hostile_values", test_hostile_values },
	};
	int ret = lg_check_main(cases, sizeof(cases) / sizeof(cases[0]));

	lg_buf_release(&fixture);
	return ret;
}
