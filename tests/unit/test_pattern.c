/*
 * test_pattern.c — the leak pattern of a stuck goroutine, on goroutines
 * parsed from text in the exact form Go prints them: each wait class, the
 * stacks that decide before the wait does (os/exec, HTTP client and
 * server loops, handlers), timers told by frames and by the source line,
 * range told from receive only by reading the source, and a lock wait told
 * "never released" from "still held" by the rest of the dump.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_tmp.h"
#include "pattern.h"

static char tmpdir[512];

static void parse(struct lg_dump *d, const char *text)
{
	struct lg_err err;

	lg_dump_init(d);
	if (lg_dump_parse(d, text, strlen(text), "test", &err) || d->n < 1) {
		fprintf(stderr, "cannot parse: %s\n", text);
		lg_check_failures++;
	}
}

#define G(status, frames) "goroutine 30 [" status "]:\n" frames "created by example.com/m/pkg.TestX in goroutine 29\n\t/src/m/pkg/x_test.go:9 +0x1\n"
#define F(func, file, line) func "(...)\n\t" file ":" #line " +0x1\n"

static void test_without_sources(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ G("chan send", F("example.com/m/pkg.pub", "/src/m/pkg/p.go", 5)), "send-no-receiver" },
		{ G("chan receive", F("example.com/m/pkg.sub", "/src/m/pkg/p.go", 5)), "recv-no-sender" },
		{ G("chan receive (nil chan)", F("example.com/m/pkg.sub", "/src/m/pkg/p.go", 5)), "nil-channel" },
		{ G("select", F("runtime.selectgo", "/go/src/runtime/select.go", 351) F("example.com/m/pkg.loop", "/src/m/pkg/p.go", 5)),
		  "select-no-ready-case" },
		{ G("select (no cases)", F("example.com/m/pkg.forever", "/src/m/pkg/p.go", 5)), "select-forever" },
		{ G("sync.WaitGroup.Wait", F("sync.(*WaitGroup).Wait", "/go/src/sync/waitgroup.go", 118)
			F("example.com/m/pkg.waitAll", "/src/m/pkg/p.go", 5)), "waitgroup-never-done" },
		{ G("sync.Cond.Wait", F("sync.(*Cond).Wait", "/go/src/sync/cond.go", 70)
			F("example.com/m/pkg.waitCond", "/src/m/pkg/p.go", 5)), "cond-never-signalled" },
		{ G("sleep", F("time.Sleep", "/go/src/runtime/time.go", 300) F("example.com/m/pkg.nap", "/src/m/pkg/p.go", 5)),
		  "sleep-outlives-test" },
		{ G("IO wait", F("internal/poll.runtime_pollWait", "/go/src/runtime/netpoll.go", 351)
			F("example.com/m/pkg.read", "/src/m/pkg/p.go", 5)), "io-never-closed" },
		/* Go 1.19-1.22 print semacquire for a mutex: the frames tell */
		{ G("semacquire", F("sync.(*Mutex).Lock", "/go/src/sync/mutex.go", 81) F("example.com/m/pkg.lock", "/src/m/pkg/p.go", 5)),
		  "lock-wait" },
		/* a timer's channel, by frames */
		{ G("chan receive", F("time.(*Timer).Reset", "/go/src/time/sleep.go", 1) F("example.com/m/pkg.tick", "/src/m/pkg/p.go", 5)),
		  "timer-wait" },
		/* the stack decides before the wait class */
		{ "goroutine 8 [IO wait]:\n" F("os/exec.(*Cmd).writerDescriptor.func1", "/go/src/os/exec/exec.go", 580)
		  "created by os/exec.(*Cmd).Start in goroutine 7\n\t/go/src/os/exec/exec.go:775 +0x1\n", "exec-not-waited" },
		{ "goroutine 9 [IO wait]:\n" F("net/http.(*persistConn).readLoop", "/go/src/net/http/transport.go", 2395)
		  "created by net/http.(*Transport).dialConn in goroutine 7\n\t/go/src/net/http/transport.go:1944 +0x1\n",
		  "client-not-closed" },
		{ "goroutine 10 [IO wait]:\n" F("net/http.(*conn).serve", "/go/src/net/http/server.go", 2100)
		  "created by net/http.(*Server).Serve in goroutine 7\n\t/go/src/net/http/server.go:3454 +0x1\n",
		  "server-not-closed" },
		/* an HTTP/2 server conn's frame reader, started inside an h2c handler:
		 * the connection is open, no handler forgot a goroutine */
		{ "goroutine 12 [IO wait]:\n" F("internal/poll.runtime_pollWait", "/go/src/runtime/netpoll.go", 351)
		  F("golang.org/x/net/http2.(*serverConn).readFrames", "/src/x/http2/server.go", 701)
		  "created by golang.org/x/net/http2.(*serverConn).serve in goroutine 8\n\t/src/x/http2/server.go:826 +0x1\n"
		  "[originating from goroutine 8]:\n"
		  F("golang.org/x/net/http2.(*serverConn).serve", "/src/x/http2/server.go", 828)
		  F("golang.org/x/net/http2/h2c.h2cHandler.ServeHTTP", "/src/x/http2/h2c/h2c.go", 130)
		  F("net/http.serverHandler.ServeHTTP", "/go/src/net/http/server.go", 3312)
		  "created by net/http.(*Server).Serve\n\t/go/src/net/http/server.go:3464\n",
		  "h2-server-conn-open" },
		{ "goroutine 13 [select]:\n" F("net/http.(*http2serverConn).serve", "/go/src/net/http/h2_bundle.go", 4900)
		  "created by net/http.(*http2Server).ServeConn in goroutine 7\n\t/go/src/net/http/h2_bundle.go:4500 +0x1\n",
		  "h2-server-conn-open" },
		{ "goroutine 11 [runnable]:\n" F("example.com/m/pkg.spin", "/src/m/pkg/p.go", 5)
		  "created by example.com/m/pkg.init in goroutine 1\n\t/src/m/pkg/p.go:3 +0x1\n", "blocked-goroutine" },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		struct lg_dump d;
		const struct lg_pattern *p;

		parse(&d, cases[i].text);
		if (!d.n)
			continue;
		p = lg_pattern_of(&d.g[0], "/src/m", 0, NULL);
		if (strcmp(p->id, cases[i].want)) {
			fprintf(stderr, "case %zu: pattern %s, want %s\n", i, p->id, cases[i].want);
			lg_check_failures++;
		}
		CHECK(p->title && *p->title && p->hint && *p->hint);
		lg_dump_release(&d);
	}
}

/* Writes `src` as tmpdir/name and returns the path (caller frees). */
static char *source(const char *name, const char *src)
{
	char *path = lg_xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f) {
		fputs(src, f);
		fclose(f);
	}
	return path;
}

static void test_source_lines(void)
{
	static const char src[] =
		"package pkg\n"
		"func consume(ch chan int) {\n"
		"\tfor v := range ch {\n"
		"\t\t_ = v\n"
		"\t}\n"
		"\t<-ch\n"
		"\t<-time.After(time.Hour)\n"
		"}\n";
	static const struct {
		int line, read;
		const char *want;
	} cases[] = {
		{ 3, 1, "range-unclosed-chan" },
		{ 3, 0, "recv-no-sender" }, /* the same stack, without the source */
		{ 6, 1, "recv-no-sender" },
		{ 7, 1, "timer-wait" },
		{ 99, 1, "recv-no-sender" }, /* past the end of the file */
	};
	char *path = source("consume.go", src);
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		char *text = lg_xasprintf("goroutine 30 [chan receive]:\nexample.com/m/pkg.consume(0xc0)\n\t%s:%d +0x1\n"
					  "created by example.com/m/pkg.TestX in goroutine 29\n\t%s:%d +0x1\n",
					  path, cases[i].line, path, 1);
		struct lg_dump d;

		parse(&d, text);
		if (d.n) {
			const char *got = lg_pattern_of(&d.g[0], tmpdir, cases[i].read, NULL)->id;

			if (strcmp(got, cases[i].want)) {
				fprintf(stderr, "line %d read %d: pattern %s, want %s\n", cases[i].line,
					cases[i].read, got, cases[i].want);
				lg_check_failures++;
			}
		}
		lg_dump_release(&d);
		free(text);
	}
	free(path);
}

static void test_lock_held_or_not(void)
{
	static const char waiter[] =
		"goroutine 30 [sync.Mutex.Lock]:\n"
		"sync.runtime_SemacquireMutex(0x1)\n\t/go/src/runtime/sema.go:95 +0x1\n"
		"sync.(*Mutex).Lock(0xc0)\n\t/go/src/sync/mutex.go:81 +0x1\n"
		"example.com/m/pkg.take(0xc0)\n\t/src/m/pkg/p.go:9 +0x1\n"
		"created by example.com/m/pkg.TestX in goroutine 29\n\t/src/m/pkg/x_test.go:9 +0x1\n";
	static const char holder[] =
		"\ngoroutine 31 [chan receive]:\n"
		"example.com/m/pkg.hold(0xc0)\n\t/src/m/pkg/p.go:20 +0x1\n"
		"created by example.com/m/pkg.TestX in goroutine 29\n\t/src/m/pkg/x_test.go:10 +0x1\n";
	char *both = lg_xasprintf("%s%s", waiter, holder);
	struct lg_dump alone, with;

	parse(&alone, waiter);
	parse(&with, both);
	if (alone.n && with.n == 2) {
		/* nobody left who could hold it */
		CHECK_STR(lg_pattern_of(&alone.g[0], "/src/m", 0, &alone)->id, "lock-never-released");
		/* a live goroutine of the user's may hold it */
		CHECK_STR(lg_pattern_of(&with.g[0], "/src/m", 0, &with)->id, "lock-wait");
		/* without the dump only the wait is known */
		CHECK_STR(lg_pattern_of(&alone.g[0], "/src/m", 0, NULL)->id, "lock-wait");
	} else {
		lg_check_failures++;
	}
	lg_dump_release(&alone);
	lg_dump_release(&with);
	free(both);
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "every wait class and deciding stacks", test_without_sources },
		{ "source lines", test_source_lines },
		{ "lock held or never released", test_lock_held_or_not },
	};

	return LG_CHECK_RUN_TMP(cases, "lg-pattern", tmpdir);
}
