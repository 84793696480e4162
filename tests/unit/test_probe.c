/*
 * test_probe.c — the deadlock prober on hand-made probes: when it asks the
 * hook (idle time, a running test, the hook's manifest present, one probe
 * at a time), and what it concludes from the dumps: proven with a leaked
 * test goroutine, suspected after two unchanged probes, stopped only when
 * proven or with fail_fast, and nothing for a test that sleeps.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "probe.h"
#include "util.h"

static const char *const running[] = { "TestX" };

#define TEST_G(status) \
	"goroutine 7 [" status "]:\n" \
	"example.com/m/p.TestX(0xc000102000)\n" \
	"\t/src/m/p/p_test.go:9 +0x25\n" \
	"testing.tRunner(0xc000102000, 0x5)\n" \
	"\t/usr/local/go/src/testing/testing.go:1690 +0xf4\n" \
	"created by testing.(*T).Run in goroutine 1\n" \
	"\t/usr/local/go/src/testing/testing.go:1743 +0x390\n\n"

#define SLEEP_G \
	"goroutine 7 [sleep]:\n" \
	"time.Sleep(0x4a817c800)\n" \
	"\t/usr/local/go/src/runtime/time.go:300 +0x116\n" \
	"example.com/m/p.TestX(0xc000102000)\n" \
	"\t/src/m/p/p_test.go:9 +0x25\n" \
	"testing.tRunner(0xc000102000, 0x5)\n" \
	"\t/usr/local/go/src/testing/testing.go:1690 +0xf4\n" \
	"created by testing.(*T).Run in goroutine 1\n" \
	"\t/usr/local/go/src/testing/testing.go:1743 +0x390\n\n"

/* a package goroutine, not the test's, that keeps polling */
#define POLLER_G \
	"goroutine 9 [sleep]:\n" \
	"time.Sleep(0x2faf080)\n" \
	"\t/usr/local/go/src/runtime/time.go:300 +0x116\n" \
	"example.com/m/p.init.0.func1()\n" \
	"\t/src/m/p/p.go:20 +0x25\n" \
	"created by example.com/m/p.init.0 in goroutine 1\n" \
	"\t/src/m/p/p.go:18 +0x1a\n\n"

static char dir[256];

static void put(const char *name, const char *text)
{
	char *path = lg_xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	free(path);
}

static void fresh_dir(int with_manifest)
{
	char cmd[300];

	if (dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		CHECK(system(cmd) == 0);
	}
	snprintf(dir, sizeof(dir), "%s/lg-probe-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
	if (with_manifest)
		put("hook.json", "{}\n");
}

static void idle(struct lg_sched_sample *s, double ms)
{
	memset(s, 0, sizeof(*s));
	s->ms = ms;
	s->gomaxprocs = s->idleprocs = 2;
}

static void init(struct lg_probe *pr, int fail_fast)
{
	struct lg_probe_opts o = { 2.0, fail_fast, dir, "/src/m", 0 };

	lg_probe_init(pr, &o);
}

static enum lg_probe_action tick(struct lg_probe *pr, struct lg_sched_sample *s, size_t n)
{
	return lg_probe_tick(pr, s, n, running, 1, s[n - 1].ms / 1000.0);
}

static void test_when_to_ask(void)
{
	struct lg_sched_sample s[8];
	struct lg_probe pr;
	int i;

	for (i = 0; i < 8; i++)
		idle(&s[i], i * 1000.0);
	fresh_dir(0);
	init(&pr, 0);
	CHECK_INT(tick(&pr, s, 4), LG_PROBE_WAIT); /* no hook.json: no hook, no signal */
	lg_probe_release(&pr);

	fresh_dir(1);
	init(&pr, 0);
	CHECK_INT(tick(&pr, s, 2), LG_PROBE_WAIT); /* idle 1 s of 2 */
	CHECK_INT(lg_probe_tick(&pr, s, 3, running, 0, 2.0), LG_PROBE_WAIT); /* no test runs */
	CHECK_INT(tick(&pr, s, 3), LG_PROBE_SIGNAL);
	CHECK_INT(tick(&pr, s, 5), LG_PROBE_WAIT); /* unanswered */
	lg_probe_release(&pr);

	fresh_dir(1);
	init(&pr, 0);
	s[1].idleprocs = 1; /* busy at 1 s: the idle run starts again at 2 s */
	CHECK_INT(tick(&pr, s, 4), LG_PROBE_WAIT);
	CHECK_INT(tick(&pr, s, 5), LG_PROBE_SIGNAL);
	lg_probe_release(&pr);
}

/* Two probes of the same stacks; returns the action after the second. */
static enum lg_probe_action two_probes(struct lg_probe *pr, const char *stacks)
{
	struct lg_sched_sample s[8];
	int i;

	for (i = 0; i < 8; i++)
		idle(&s[i], i * 1000.0);
	CHECK_INT(tick(pr, s, 3), LG_PROBE_SIGNAL);
	put("probe-1.stacks", stacks);
	put("probe-1.json", "{}\n");
	CHECK_INT(tick(pr, s, 3), LG_PROBE_WAIT);
	CHECK_INT(pr->found.kind, LG_PROBE_NONE);
	CHECK_INT(tick(pr, s, 4), LG_PROBE_SIGNAL); /* a second later */
	put("probe-2.stacks", stacks);
	put("probe-2.json", "{}\n");
	return tick(pr, s, 4);
}

static void test_suspected(void)
{
	struct lg_probe pr;

	fresh_dir(1);
	init(&pr, 0);
	CHECK_INT(two_probes(&pr, TEST_G("chan receive") POLLER_G), LG_PROBE_WAIT);
	CHECK_INT(pr.found.kind, LG_PROBE_SUSPECTED);
	CHECK(pr.found.message && strncmp(pr.found.message,
		"suspected deadlock: all goroutines of TestX blocked for ", 56) == 0);
	CHECK_STR(pr.found.test, "TestX");
	CHECK_STR(pr.found.loc.file, "p/p_test.go");
	CHECK_INT(pr.found.loc.line, 9);
	lg_probe_release(&pr);

	fresh_dir(1);
	init(&pr, 1);
	CHECK_INT(two_probes(&pr, TEST_G("chan receive") POLLER_G), LG_PROBE_STOP); /* fail fast */
	lg_probe_release(&pr);

	/* nothing else alive: the global deadlock the runtime would report */
	fresh_dir(1);
	init(&pr, 0);
	CHECK_INT(two_probes(&pr, TEST_G("chan receive")), LG_PROBE_STOP);
	CHECK_INT(pr.found.kind, LG_PROBE_GLOBAL);
	CHECK(pr.found.message && strncmp(pr.found.message,
		"all goroutines are asleep - deadlock! (in TestX", 47) == 0);
	lg_probe_release(&pr);
}

static void test_proven(void)
{
	struct lg_sched_sample s[4];
	struct lg_probe pr;
	int i;

	for (i = 0; i < 4; i++)
		idle(&s[i], i * 1000.0);
	fresh_dir(1);
	init(&pr, 0);
	CHECK_INT(tick(&pr, s, 3), LG_PROBE_SIGNAL);
	put("probe-1.stacks", TEST_G("chan receive"));
	put("probe-1.leak.stacks", TEST_G("chan receive (leaked)"));
	put("probe-1.json", "{}\n");
	CHECK_INT(tick(&pr, s, 3), LG_PROBE_STOP);
	CHECK_INT(pr.found.kind, LG_PROBE_PROVEN);
	CHECK(pr.found.message && strstr(pr.found.message, "partial deadlock in TestX"));
	CHECK(pr.found.detail && strstr(pr.found.detail,
		"goroutine 7 [chan receive] (leaked) at p/p_test.go:9"));
	lg_probe_release(&pr);

	/* the profile is there and does not mark the test: no report */
	fresh_dir(1);
	init(&pr, 0);
	CHECK_INT(tick(&pr, s, 3), LG_PROBE_SIGNAL);
	put("probe-1.stacks", TEST_G("chan receive"));
	put("probe-1.leak.stacks", "");
	put("probe-1.json", "{}\n");
	CHECK_INT(tick(&pr, s, 3), LG_PROBE_WAIT);
	CHECK_INT(pr.found.kind, LG_PROBE_NONE);
	lg_probe_release(&pr);
}

static void test_sleep_is_innocent(void)
{
	struct lg_probe pr;

	fresh_dir(1);
	init(&pr, 1);
	CHECK_INT(two_probes(&pr, SLEEP_G POLLER_G), LG_PROBE_WAIT);
	CHECK_INT(pr.found.kind, LG_PROBE_NONE);
	lg_probe_release(&pr);
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "when_to_ask", test_when_to_ask },
		{ "suspected", test_suspected },
		{ "proven", test_proven },
		{ "sleep_is_innocent", test_sleep_is_innocent },
	};
	int ret = LG_CHECK_RUN(cases);
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		ret = 1;
	return ret;
}
