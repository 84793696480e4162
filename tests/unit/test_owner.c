/*
 * test_owner.c — who a goroutine belongs to, on goroutines parsed from text
 * in the exact form Go prints them: the module and the hook's frames, the
 * runtime's and testing's own goroutines, the test a goroutine is
 * attributed to (created by, ancestry, AfterFunc), its creation site in the
 * user's code, and the frame it is blocked in.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "owner.h"

#define ROOT "/src/m"

/* The first goroutine of `text` (a dump); the dump keeps its strings. */
static const struct lg_goroutine *one(struct lg_dump *d, const char *text)
{
	struct lg_err err;

	lg_dump_init(d);
	if (lg_dump_parse(d, text, strlen(text), "test", &err) || d->n < 1) {
		fprintf(stderr, "cannot parse: %s\n", text);
		lg_check_failures++;
		return NULL;
	}
	return &d->g[0];
}

static void test_in_module_and_hook(void)
{
	static const struct {
		const char *file, *root;
		int want;
	} in[] = {
		{ "/src/m/pkg/a.go", ROOT, 1 },
		{ "/src/m/a.go", ROOT, 1 },
		{ "/src/mod/a.go", ROOT, 0 },  /* a sibling whose name starts the same */
		{ "/src/m", ROOT, 0 },
		{ "/usr/local/go/src/net/http/server.go", ROOT, 0 },
		{ NULL, ROOT, 0 },
		{ "/src/m/a.go", NULL, 0 },
	};
	static const struct {
		const char *func, *file;
		int want;
	} hook[] = {
		{ "example.com/m/pkg.leakgateRun", "/src/m/pkg/zz_leakgate_hook_test.go", 1 },
		{ "example.com/m/pkg.helper", "/tmp/x/zz_leakgate_hook_test.go", 1 }, /* by file */
		{ "example.com/m/pkg.(*leakgateState).snapshot", "/tmp/x/zz_leakgate_hook_test.go", 1 },
		{ "example.com/m/pkg.leakgateRun.func1", "/tmp/x/other.go", 1 }, /* by name */
		{ "leakgate.dev/leakgatehook.Main", "/x/api.go", 1 },
		{ "example.com/m/pkg.TestX", "/src/m/pkg/x_test.go", 0 },
		{ "example.com/leakgateway.Run", "/src/m/gw.go", 0 },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(in); i++)
		CHECK_INT(lg_owner_in_module(in[i].file, in[i].root), in[i].want);
	for (i = 0; i < LG_ARRAY_SIZE(hook); i++) {
		struct lg_frame f = { 0 };

		f.func = hook[i].func;
		f.file = hook[i].file;
		CHECK_INT(lg_owner_hook_frame(&f), hook[i].want);
		CHECK_INT(lg_owner_user_frame(&f, ROOT),
			  !hook[i].want && lg_owner_in_module(hook[i].file, ROOT));
	}
}

static void test_test_names(void)
{
	static const struct { const char *func, *want; } cases[] = {
		{ "example.com/m/pkg.TestFoo", "TestFoo" },
		{ "example.com/m/pkg.TestFoo.func1.2", "TestFoo" },
		{ "example.com/m/pkg_test.TestBar", "TestBar" },
		{ "example.com/m/pkg.Testing", NULL },
		{ "example.com/m/pkg.(*T).TestMethod", NULL },
		{ "example.com/m/pkg.helper", NULL },
		{ "main.Test", "Test" },
		{ "example.com/m/pkg.TestGeneric[...]", "TestGeneric" },
		{ "example.com/m/pkg_test.TestMain", NULL }, /* runs the tests, is none */
		{ "example.com/m/pkg.TestMainPage", "TestMainPage" },
		{ "", NULL },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		char *got = lg_owner_test_from_func(cases[i].func);

		if (cases[i].want)
			CHECK_STR(got, cases[i].want);
		else
			CHECK(got == NULL);
		free(got);
	}
	CHECK(lg_owner_test_from_func(NULL) == NULL);
}

static void test_system_goroutines(void)
{
	static const struct {
		const char *text;
		int want;
	} cases[] = {
		{ "goroutine 1 [chan receive]:\ntesting.(*T).Run(0xc0000, {0x1, 0x2}, 0x3)\n\t/go/src/testing/testing.go:1750 +0x3ab\n"
		  "testing.runTests(0xc000)\n\t/go/src/testing/testing.go:2161 +0x41\nmain.main()\n\t_testmain.go:45 +0x9b\n", 1 },
		{ "goroutine 3 [GC worker (idle)]:\nruntime.gopark(0x0)\n\t/go/src/runtime/proc.go:435 +0xce\n"
		  "created by runtime.gcBgMarkStartWorkers in goroutine 1\n\t/go/src/runtime/mgc.go:1373 +0x105\n", 1 },
		{ "goroutine 9 [select]:\nexample.com/m/pkg.leakgateRun.func2()\n\t/src/m/pkg/zz_leakgate_hook_test.go:80 +0x1\n"
		  "created by example.com/m/pkg.leakgateRun in goroutine 1\n\t/src/m/pkg/zz_leakgate_hook_test.go:70 +0x1\n", 1 },
		{ "goroutine 7 [syscall]:\nos/signal.signal_recv()\n\t/go/src/runtime/sigqueue.go:149 +0x25\n"
		  "os/signal.loop()\n\t/go/src/os/signal/signal_unix.go:23 +0x13\n"
		  "created by os/signal.Notify.func1.1 in goroutine 1\n\t/go/src/os/signal/signal.go:152 +0x1f\n", 1 },
		{ "goroutine 21 [chan send]:\nexample.com/m/pkg.work()\n\t/src/m/pkg/w.go:5 +0x1\n"
		  "created by example.com/m/pkg.TestWork in goroutine 20\n\t/src/m/pkg/w_test.go:9 +0x1\n", 0 },
		/* testing's own goroutine of a test still running is not the user's */
		{ "goroutine 20 [chan receive]:\ntesting.tRunner.func1()\n\t/go/src/testing/testing.go:1700 +0x1\n"
		  "testing.tRunner(0xc0000)\n\t/go/src/testing/testing.go:1798 +0x1\n"
		  "created by testing.(*T).Run in goroutine 1\n\t/go/src/testing/testing.go:1851 +0x1\n", 1 },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		struct lg_dump d;
		const struct lg_goroutine *g = one(&d, cases[i].text);

		if (g && lg_owner_system(g) != cases[i].want) {
			fprintf(stderr, "case %zu: lg_owner_system == %d\n", i, !cases[i].want);
			lg_check_failures++;
		}
		lg_dump_release(&d);
	}
}

static void test_attribution_and_sites(void)
{
	static const struct {
		const char *text;
		const char *test;          /* lg_owner_attribute_test */
		const char *site;          /* lg_owner_creation_frame: "file:line", NULL when none */
		const char *blocked;       /* lg_owner_blocked_frame's function */
	} cases[] = {
		/* created by the test itself: the go statement is in the module, no site needed */
		{ "goroutine 21 [chan send]:\nexample.com/m/pkg.work()\n\t/src/m/pkg/w.go:5 +0x1\n"
		  "created by example.com/m/pkg.TestWork.func1 in goroutine 20\n\t/src/m/pkg/w_test.go:9 +0x1\n",
		  "TestWork", NULL, "example.com/m/pkg.work" },
		/* started inside net/http, on behalf of a test: ancestry names the test and the call site */
		{ "goroutine 44 [select]:\nnet/http.(*persistConn).readLoop(0xc0001)\n\t/go/src/net/http/transport.go:2395 +0x1\n"
		  "created by net/http.(*Transport).dialConn in goroutine 43\n\t/go/src/net/http/transport.go:1944 +0x1\n"
		  "[originating from goroutine 43]:\nnet/http.(*Transport).dialConnFor(...)\n\t/go/src/net/http/transport.go:1550 +0x1\n"
		  "created by net/http.(*Transport).queueForDial in goroutine 40\n\t/go/src/net/http/transport.go:1500 +0x1\n"
		  "[originating from goroutine 40]:\nnet/http.(*Client).Do(...)\n\t/go/src/net/http/client.go:590 +0x1\n"
		  "example.com/m/pkg.fetch(...)\n\t/src/m/pkg/fetch.go:12 +0x1\n"
		  "example.com/m/pkg.TestFetch(...)\n\t/src/m/pkg/fetch_test.go:30 +0x1\n",
		  "TestFetch", "/src/m/pkg/fetch.go:12", "net/http.(*persistConn).readLoop" },
		/* time.AfterFunc: ancestry is the timer's goroutine, the func is the outermost module frame */
		{ "goroutine 60 [chan receive]:\nexample.com/m/pkg.TestLater.func1()\n\t/src/m/pkg/later_test.go:15 +0x1\n"
		  "created by time.goFunc\n\t/go/src/time/sleep.go:215 +0x1\n",
		  "TestLater", "/src/m/pkg/later_test.go:15", "example.com/m/pkg.TestLater.func1" },
		/* nothing of the module anywhere: no test, no site; blocked frame outside runtime/sync/time */
		{ "goroutine 70 [sync.Mutex.Lock]:\nsync.runtime_SemacquireMutex(0x1)\n\t/go/src/runtime/sema.go:95 +0x1\n"
		  "sync.(*Mutex).Lock(0xc0)\n\t/go/src/sync/mutex.go:81 +0x1\n"
		  "github.com/dep/cache.(*C).Get(0xc0)\n\t/mod/github.com/dep/cache/c.go:40 +0x1\n"
		  "created by github.com/dep/cache.New in goroutine 1\n\t/mod/github.com/dep/cache/c.go:20 +0x1\n",
		  NULL, NULL, "github.com/dep/cache.(*C).Get" },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		struct lg_dump d;
		const struct lg_goroutine *g = one(&d, cases[i].text);
		const struct lg_frame *f, *b;
		char *t, site[256];

		if (!g) {
			lg_dump_release(&d);
			continue;
		}
		t = lg_owner_attribute_test(g);
		if (cases[i].test)
			CHECK_STR(t, cases[i].test);
		else
			CHECK(t == NULL);
		free(t);
		f = lg_owner_creation_frame(g, ROOT);
		if (cases[i].site) {
			CHECK(f != NULL);
			if (f) {
				snprintf(site, sizeof(site), "%s:%d", f->file, f->line);
				CHECK_STR(site, cases[i].site);
			}
		} else {
			CHECK(f == NULL);
		}
		b = lg_owner_blocked_frame(g, ROOT);
		CHECK(b != NULL);
		if (b)
			CHECK_STR(b->func, cases[i].blocked);
		CHECK(lg_owner_creation_frame(g, NULL) == NULL);
		lg_dump_release(&d);
	}
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "in module, hook frames", test_in_module_and_hook },
		{ "test names", test_test_names },
		{ "system goroutines", test_system_goroutines },
		{ "attribution and sites", test_attribution_and_sites },
	};

	return LG_CHECK_RUN(cases);
}
