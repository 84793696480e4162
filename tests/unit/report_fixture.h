/*
 * report_fixture.h — a run model full of hostile strings, shared by the unit
 * tests of the report outputs (annotations, markdown, sarif, codequality,
 * html).  Test names and output carry markup, workflow commands, escaped
 * newlines (%0A), real newlines, commas and colons, and invalid UTF-8, as
 * code under test can print anything.  The leak stack and the deadlock dump
 * are real Go output shapes, so the flame graphs have something to parse.
 */
#ifndef LG_REPORT_FIXTURE_H
#define LG_REPORT_FIXTURE_H

#include <string.h>

#include "model.h"
#include "util.h"

#define RF_SCRIPT "<script>alert(1)</script>"
#define RF_TEST "TestX/" RF_SCRIPT "::error::fake,line=1:%0A\xff"
#define RF_OUTPUT "ordinary line\n::error file=a.go,line=1::forged\n::add-mask::secret\n" \
	"%0A::warning::also forged\r\nbad utf8 \xc3\x28 end"
#define RF_STACK "goroutine 18 [chan receive]:\n" \
	"example.com/svc/api.consume(...)\n\t/src/svc/api/api.go:19\n" \
	"created by example.com/svc/api.Sum in goroutine 17\n\t/src/svc/api/api.go:13\n" \
	"[originating from goroutine 17]:\n" \
	"example.com/svc/api.Sum(...)\n\t/src/svc/api/api.go:14\n" \
	"example.com/svc/api.TestSum(...)\n\t/src/svc/api/api_test.go:7\n" \
	"testing.tRunner(...)\n\t/usr/local/go/src/testing/testing.go:2039\n" \
	"created by testing.(*T).Run\n\t/usr/local/go/src/testing/testing.go:2101\n"
#define RF_DUMP "fatal error: all goroutines are asleep - deadlock!\n\n" \
	"3 goroutines like this one:\n" \
	"goroutine 7 [chan send]:\n" \
	"example.com/svc/db.(*Pool).put(...)\n\t/src/svc/db/pool.go:40\n" \
	"example.com/svc/db.TestPool.func1()\n\t/src/svc/db/pool_test.go:12 +0x1d\n" \
	"created by example.com/svc/db.TestPool in goroutine 6\n\t/src/svc/db/pool_test.go:11 +0x2a\n\n" \
	"goroutine 6 [semacquire]:\n" \
	"sync.runtime_Semacquire(0xc000012345?)\n\t/usr/local/go/src/runtime/sema.go:71 +0x25\n" \
	"sync.(*WaitGroup).Wait(0xc000012340)\n\t/usr/local/go/src/sync/waitgroup.go:118 +0x48\n" \
	"example.com/svc/db.TestPool(0xc0000a6000)\n\t/src/svc/db/pool_test.go:15 +0x85\n" \
	"testing.tRunner(0xc0000a6000, 0x5a6b88)\n\t/usr/local/go/src/testing/testing.go:2039 +0xe9\n" \
	"created by testing.(*T).Run in goroutine 1\n\t/usr/local/go/src/testing/testing.go:2101 +0x4c5\n"

static inline void rf_loc(struct lg_location *l, const char *file, int line)
{
	l->file = file ? lg_xstrdup(file) : NULL;
	l->line = line;
}

/* Adds a leak group; `name` makes signature and pattern distinct. */
static inline void rf_leak(struct lg_package *p, const char *sig, const char *test, int line)
{
	struct lg_leak_group *g;

	p->leaks = lg_xrealloc(p->leaks, (p->nleaks + 1) * sizeof(*p->leaks));
	g = &p->leaks[p->nleaks++];
	memset(g, 0, sizeof(*g));
	g->signature = lg_xstrdup(sig);
	g->top_func = lg_xstrdup("example.com/svc/api.consume");
	g->wait_reason = lg_xstrdup("chan receive");
	g->count = 2;
	g->creator_func = lg_xstrdup("example.com/svc/api.Sum");
	rf_loc(&g->created_at, "api/api.go", line);
	rf_loc(&g->blocked_at, "api/api.go", 19);
	g->test = lg_xstrdup(test);
	g->pattern = lg_xstrdup("range-unclosed-chan");
	g->pattern_title = lg_xstrdup("range over a channel that is never closed");
	g->hint = lg_xstrdup("close the channel when the last sender is done");
	g->stack = lg_xstrdup(RF_STACK);
}

/* One failing package with a leak, a failed hostile test and a deadlock, one passing. */
static inline void rf_build(struct lg_run *r)
{
	struct lg_package *p;
	struct lg_test *t;
	struct lg_check *c;
	int i;

	memset(r, 0, sizeof(*r));
	r->module_path = lg_xstrdup("example.com/svc");
	r->module_root = lg_xstrdup("/src/svc");
	r->go_version = lg_xstrdup("go1.26.8");
	r->started_unix = 1795687200;
	r->seconds = 3.5;

	p = lg_run_add_package(r);
	p->import_path = lg_xstrdup("example.com/svc/api");
	p->dir = lg_xstrdup("/src/svc/api");
	p->rel_dir = lg_xstrdup("api");
	p->built = 1;
	p->hook = LG_HOOK_DONE;
	p->before.heap_inuse = 400000;
	p->after.heap_inuse = 9000000;
	p->heap_growth = 8600000;
	t = lg_package_add_test(p);
	t->name = lg_xstrdup(RF_TEST);
	t->result = LG_TEST_FAIL;
	t->output = lg_xstrdup(RF_OUTPUT);
	rf_loc(&t->loc, "api/api_test.go", 30);
	c = lg_package_add_check(p, LG_CHECK_LEAK, LG_STATUS_FAILED);
	c->message = lg_xstrdup("2 goroutines leaked in 1 group (limit 0)");
	rf_leak(p, "6e75e78d38f850a9", RF_TEST, 13);
	p->sched = lg_xcalloc(5, sizeof(*p->sched));
	p->nsched = 5;
	for (i = 0; i < 5; i++) {
		p->sched[i].ms = i * 1000.0;
		p->sched[i].gomaxprocs = 2;
		p->sched[i].idleprocs = i % 3;
		p->sched[i].threads = 4 + i;
		p->sched[i].runqueue = i;
	}

	p = lg_run_add_package(r);
	p->import_path = lg_xstrdup("example.com/svc/db");
	p->dir = lg_xstrdup("/src/svc/db");
	p->rel_dir = lg_xstrdup("db");
	p->built = 1;
	p->exit_code = 2;
	t = lg_package_add_test(p);
	t->name = lg_xstrdup("TestPool");
	t->result = LG_TEST_UNFINISHED;
	c = lg_package_add_check(p, LG_CHECK_DEADLOCK, LG_STATUS_ERROR);
	c->message = lg_xstrdup("all goroutines are asleep - deadlock! (in TestPool)");
	c->detail = lg_xstrdup(RF_DUMP);
	c->test = lg_xstrdup("TestPool");
	rf_loc(&c->loc, "db/pool_test.go", 15);

	p = lg_run_add_package(r);
	p->import_path = lg_xstrdup("example.com/svc/ok");
	p->rel_dir = lg_xstrdup("ok");
	p->built = 1;
	p->hook = LG_HOOK_DONE;
	t = lg_package_add_test(p);
	t->name = lg_xstrdup("TestFine");
}

#endif
