/*
 * test_heapgrowth.c — heap growth by kind and site, on real profiles and on
 * hand-made stacks.
 *
 * The growth_*.pb.gz fixtures under tests/fixtures/pprof are the hook's own
 * before/after heap profiles (MemProfileRate 4096, as leakgate runs it) of
 * three packages of tests/fixtures/gomod, built with -trimpath so file
 * names do not depend on the machine (README there): onceheap (tables
 * built through sync.Once and sync.OnceValue), goburst (200,000 goroutines
 * that all end) and sliceleak (a real leak through bytes.Clone).  Numbers
 * asserted on them were read off `go tool pprof -top -diff_base`, with
 * margins wide enough for a regenerated profile.  The stacks below the
 * fixtures pin each rule of heapgrowth.h, including the ones a real run
 * seldom shows (an example on the main goroutine under the hook, package
 * initialisers, a GOROOT checkout as the module).
 */
#include <stdlib.h>
#include <string.h>

#include "heapgrowth.h"
#include "util.h"
#include "check.h"

#define ROOT "leakgate.test/fixtures" /* module root of the -trimpath'd fixtures */
#define MIB ((int64_t)1 << 20)

static int load_pair(struct lg_pprof *before, struct lg_pprof *after, const char *name)
{
	const char *dir = getenv("LG_SOURCE_DIR");
	char *b = lg_xasprintf("%s/tests/fixtures/pprof/growth_%s_before.pb.gz",
			       dir && *dir ? dir : ".", name);
	char *a = lg_xasprintf("%s/tests/fixtures/pprof/growth_%s_after.pb.gz",
			       dir && *dir ? dir : ".", name);
	struct lg_err err;
	int ok;

	lg_pprof_init(before);
	lg_pprof_init(after);
	ok = !lg_pprof_parse_file(before, b, &err) && !lg_pprof_parse_file(after, a, &err);
	if (!ok)
		fprintf(stderr, "loading %s: %s\n", name, err.msg);
	CHECK(ok);
	free(a);
	free(b);
	return ok;
}

static const struct lg_heapgrowth_site *top_site(const struct lg_heapgrowth *g,
						 enum lg_heapgrowth_kind k)
{
	size_t i;

	for (i = 0; i < g->nsites; i++)
		if (g->sites[i].kind == k)
			return &g->sites[i];
	return NULL;
}

static int has_site(const struct lg_heapgrowth *g, enum lg_heapgrowth_kind k, const char *func)
{
	size_t i;

	for (i = 0; i < g->nsites; i++)
		if (g->sites[i].kind == k && strstr(g->sites[i].func, func))
			return 1;
	return 0;
}

static void classify(const char *name, struct lg_heapgrowth *g)
{
	struct lg_pprof before, after;
	struct lg_err err;

	memset(g, 0, sizeof(*g));
	if (load_pair(&before, &after, name))
		CHECK(lg_heapgrowth_classify(&before, &after, ROOT, 5, g, &err) == 0);
	lg_pprof_release(&before);
	lg_pprof_release(&after);
}

static void test_once_fixture(void)
{
	struct lg_heapgrowth g;
	const struct lg_heapgrowth_site *s;
	int scaled;

	classify("once", &g);
	CHECK(g.net[LG_HEAPGROWTH_ONCE] > 3 * MIB + MIB / 2); /* 4 MiB of tables */
	CHECK(g.net[LG_HEAPGROWTH_COUNTED] < MIB / 16);
	CHECK_INT(g.sample_rate, 4096);
	s = top_site(&g, LG_HEAPGROWTH_ONCE);
	CHECK(s != NULL);
	if (s) {
		CHECK_STR(s->func, "leakgate.test/fixtures/onceheap.buildTable");
		CHECK_STR(s->file, "onceheap/onceheap.go");
		CHECK_INT(s->line, 27);
	}
	/* the OnceValue closure, named inside the package's init */
	CHECK(has_site(&g, LG_HEAPGROWTH_ONCE, "onceheap.init.func1"));
	/* HeapInuse grew 4.16 MiB in that run: nothing left to count */
	CHECK(lg_heapgrowth_discount(&g, 4362240, &scaled) > 4362240 - MIB / 16);
	/* the hook's gzip writer builds its CRC table under a sync.Once: hook, not once */
	s = top_site(&g, LG_HEAPGROWTH_HOOK);
	CHECK(s && strstr(s->func, "(*leakgateState).snapshot") != NULL);
	lg_heapgrowth_release(&g);
}

static void test_burst_fixture(void)
{
	struct lg_heapgrowth g;
	const struct lg_heapgrowth_site *s;
	size_t i;
	int scaled;

	classify("burst", &g);
	CHECK(g.net[LG_HEAPGROWTH_RUNTIME] > 5 * MIB);
	CHECK(g.net[LG_HEAPGROWTH_COUNTED] < MIB / 8);
	s = top_site(&g, LG_HEAPGROWTH_RUNTIME);
	CHECK(s != NULL);
	if (s) {
		CHECK_STR(s->func, "runtime.malg"); /* not runtime.mallocgc */
		CHECK(lg_ends_with(s->file, "runtime/proc.go"));
		CHECK(s->chain && strstr(s->chain, "runtime.mallocgc") != NULL);
	}
	for (i = 0; i < g.nsites; i++)
		CHECK(!lg_ends_with(g.sites[i].file, "runtime/malloc.go"));
	/* HeapInuse grew 7.25 MiB, the objects explain ~6.2: span overhead in proportion */
	CHECK(lg_heapgrowth_discount(&g, 7602176, &scaled) > 7602176 - MIB / 8);
	CHECK(scaled);
	lg_heapgrowth_release(&g);
}

static void test_slice_fixture(void)
{
	struct lg_heapgrowth g;
	const struct lg_heapgrowth_site *s;
	int scaled;

	classify("slice", &g);
	CHECK(g.net[LG_HEAPGROWTH_COUNTED] > 4 * MIB - MIB / 4);
	s = top_site(&g, LG_HEAPGROWTH_COUNTED);
	CHECK(s != NULL);
	if (s) {
		/* the fixture's own line, not bytes.go or malloc.go */
		CHECK_STR(s->func, "leakgate.test/fixtures/sliceleak.Record");
		CHECK_STR(s->file, "sliceleak/sliceleak.go");
		CHECK_INT(s->line, 16);
		CHECK_STR(s->chain, "bytes.Clone");
		CHECK(s->caller && lg_starts_with(s->caller, "leakgate.test/fixtures/sliceleak.TestRecord "
							       "(sliceleak/sliceleak_test.go:"));
	}
	CHECK(lg_heapgrowth_discount(&g, 4321280, &scaled) < MIB / 16);
	lg_heapgrowth_release(&g);
}

static void test_no_inuse_space(void)
{
	struct lg_pprof p;
	struct lg_heapgrowth g;
	struct lg_err err;
	const char *dir = getenv("LG_SOURCE_DIR");
	char *path = lg_xasprintf("%s/tests/fixtures/pprof/goroutine.pb.gz", dir && *dir ? dir : ".");

	lg_pprof_init(&p);
	CHECK(lg_pprof_parse_file(&p, path, &err) == 0);
	CHECK(lg_heapgrowth_classify(&p, &p, ROOT, 5, &g, &err) == -1);
	CHECK(strstr(err.msg, "earlier heap profile has no sample type 'inuse_space'") != NULL);
	CHECK_INT(g.nsites, 0);
	lg_heapgrowth_release(&g);
	lg_pprof_release(&p);
	free(path);
}

/* A stack written root last, as profiles hold it: {func, file} pairs, NULL-ended. */
struct stack_case {
	const char *name;
	const char *frames[16][2];
	enum lg_heapgrowth_kind kind;
	const char *site; /* function of the site frame */
	const char *root;
};

#define R(f) { "runtime." f, "/go/src/runtime/x.go" }
#define M "/home/u/m"

static const struct stack_case stacks[] = {
	{ "hook dump buffer",
	  { { "example.com/m/pkg_test.(*leakgateState).dump", M "/pkg/zz_leakgate_hook_test.go" },
	    { "example.com/m/pkg_test.(*leakgateState).settle", M "/pkg/zz_leakgate_hook_test.go" },
	    { "example.com/m/pkg_test.leakgateRun", M "/pkg/zz_leakgate_hook_test.go" },
	    { "example.com/m/pkg_test.TestMain", M "/pkg/zz_leakgate_hook_test.go" },
	    { "main.main", "_testmain.go" }, R("main") },
	  LG_HEAPGROWTH_HOOK, "example.com/m/pkg_test.(*leakgateState).dump", M },
	{ "hook through the standard library",
	  { { "encoding/json.Marshal", "/go/src/encoding/json/encode.go" },
	    { "leakgate.dev/leakgatehook.leakgateObject", "/x/hook/core.go" },
	    { "leakgate.dev/leakgatehook.Main", "/x/hook/hook.go" } },
	  LG_HEAPGROWTH_HOOK, "leakgate.dev/leakgatehook.leakgateObject", M },
	{ "hook copy in testing/internal/testdeps (all standard library)",
	  { R("mallocgc"), R("makeslice"),
	    { "testing/internal/testdeps.(*leakgateState).dump",
	      "/go/src/testing/internal/testdeps/zz_leakgate_hook.go" },
	    { "testing/internal/testdeps.leakgateBegin",
	      "/go/src/testing/internal/testdeps/zz_leakgate_hook.go" },
	    { "testing/internal/testdeps.leakgateExit0",
	      "/go/src/testing/internal/testdeps/zz_leakgate_hook.go" },
	    { "testing/internal/testdeps.TestDeps.SetPanicOnExit0",
	      "/go/src/testing/internal/testdeps/deps.go" },
	    { "testing.(*M).before", "/go/src/testing/testing.go" },
	    { "testing.(*M).Run", "/go/src/testing/testing.go" }, { "main.main", "_testmain.go" } },
	  LG_HEAPGROWTH_HOOK, "testing/internal/testdeps.(*leakgateState).dump", M },
	{ "example on the main goroutine under the hook is the tests'",
	  { { "example.com/m/pkg.Grow", M "/pkg/grow.go" },
	    { "example.com/m/pkg_test.ExampleGrow", M "/pkg/example_test.go" },
	    { "testing.runExample", "/go/src/testing/run_example.go" },
	    { "testing.(*M).Run", "/go/src/testing/testing.go" },
	    { "example.com/m/pkg_test.leakgateRun", M "/pkg/zz_leakgate_hook_test.go" } },
	  LG_HEAPGROWTH_COUNTED, "example.com/m/pkg.Grow", M },
	{ "sync.Once in the standard library",
	  { { "mime.setExtensionType", "/go/src/mime/type.go" },
	    { "mime.initMime", "/go/src/mime/type.go" },
	    { "sync.(*Once).doSlow", "/go/src/sync/once.go" },
	    { "sync.(*Once).Do", "/go/src/sync/once.go" },
	    { "mime.TypeByExtension", "/go/src/mime/type.go" },
	    { "golang.org/x/net/webdav.(*memFile).contentType", "/mod/webdav/file.go" } },
	  LG_HEAPGROWTH_ONCE, "golang.org/x/net/webdav.(*memFile).contentType", "/mod" },
	{ "OnceValue closure",
	  { { "example.com/m/pkg.load", M "/pkg/load.go" },
	    { "sync.OnceValue[...].func1", "/go/src/sync/oncefunc.go" } },
	  LG_HEAPGROWTH_ONCE, "example.com/m/pkg.load", M },
	{ "OnceValue inlined into the caller",
	  { { "example.com/m/pkg.init.OnceValue[go.shape.[]uint8].func2", M "/pkg/load.go" } },
	  LG_HEAPGROWTH_ONCE, "example.com/m/pkg.init.OnceValue[go.shape.[]uint8].func2", M },
	{ "numbered package initialiser",
	  { { "example.com/m/pkg.init.0", M "/pkg/tables.go" }, R("doInit1"), R("doInit") },
	  LG_HEAPGROWTH_ONCE, "example.com/m/pkg.init.0", M },
	{ "a function named like init is not one",
	  { { "example.com/m/pkg.initTables", M "/pkg/tables.go" } },
	  LG_HEAPGROWTH_COUNTED, "example.com/m/pkg.initTables", M },
	{ "goroutine structures",
	  { { "runtime.mallocgc", "/go/src/runtime/malloc.go" },
	    { "runtime.newobject", "/go/src/runtime/malloc.go" },
	    { "runtime.malg", "/go/src/runtime/proc.go" }, R("newproc1"), R("newproc.func1"),
	    R("systemstack") },
	  LG_HEAPGROWTH_RUNTIME, "runtime.malg", M },
	{ "leak through the standard library: the module's line",
	  { { "runtime.growslice", "/go/src/runtime/slice.go" },
	    { "bytes.Clone", "/go/src/bytes/bytes.go" },
	    { "example.com/m/pkg.Record", M "/pkg/rec.go" },
	    { "example.com/m/pkg.TestRecord", M "/pkg/rec_test.go" },
	    { "testing.tRunner", "/go/src/testing/testing.go" } },
	  LG_HEAPGROWTH_COUNTED, "example.com/m/pkg.Record", M },
	{ "outside the module: the first frame outside the standard library",
	  { { "strings.Repeat", "/go/src/strings/strings.go" },
	    { "github.com/dep/lib.Pad", "/mod/lib/pad.go" },
	    { "example.com/m/pkg.F", "/elsewhere/f.go" } },
	  LG_HEAPGROWTH_COUNTED, "github.com/dep/lib.Pad", M },
	{ "a GOROOT checkout as the module: std frames are the module's, runtime is not",
	  { { "runtime.mallocgc", "/go/src/runtime/malloc.go" },
	    { "runtime.growslice", "/go/src/runtime/slice.go" },
	    { "encoding/json.Marshal", "/go/src/encoding/json/encode.go" },
	    { "encoding/json.codeInit", "/go/src/encoding/json/bench_test.go" } },
	  LG_HEAPGROWTH_COUNTED, "encoding/json.Marshal", "/go/src" },
};

static void test_stacks(void)
{
	size_t i, n;

	for (i = 0; i < LG_ARRAY_SIZE(stacks); i++) {
		const struct stack_case *c = &stacks[i];
		struct lg_frame f[16];
		size_t site;

		for (n = 0; n < 16 && c->frames[n][0]; n++) {
			f[n].func = c->frames[n][0];
			f[n].file = c->frames[n][1];
			f[n].line = 1;
		}
		if ((int)lg_heapgrowth_kind_of(f, n) != (int)c->kind) {
			fprintf(stderr, "stack '%s': kind %s, want %s\n", c->name,
				lg_heapgrowth_kind_name(lg_heapgrowth_kind_of(f, n)),
				lg_heapgrowth_kind_name(c->kind));
			CHECK(0);
		}
		site = lg_heapgrowth_site_of(f, n, c->root);
		if (strcmp(f[site].func, c->site) != 0) {
			fprintf(stderr, "stack '%s': site %s, want %s\n", c->name, f[site].func,
				c->site);
			CHECK(0);
		}
	}
}

static void test_discount(void)
{
	struct lg_heapgrowth g;
	int scaled;

	memset(&g, 0, sizeof(g));
	/* the profile explains all: subtract the bytes */
	g.net[LG_HEAPGROWTH_ONCE] = 2 * MIB;
	g.net[LG_HEAPGROWTH_COUNTED] = MIB;
	CHECK_INT(lg_heapgrowth_discount(&g, 3 * MIB, &scaled), 2 * MIB);
	CHECK(!scaled);
	/* span overhead: 4 MiB of HeapInuse for 3 MiB of objects, 2/3 not counted */
	CHECK_INT(lg_heapgrowth_discount(&g, 6 * MIB, &scaled), 4 * MIB);
	CHECK(scaled);
	/* negative kinds count as nothing; never more than the growth */
	g.net[LG_HEAPGROWTH_HOOK] = -5 * MIB;
	g.net[LG_HEAPGROWTH_COUNTED] = -MIB;
	CHECK_INT(lg_heapgrowth_discount(&g, MIB, &scaled), MIB);
	CHECK_INT(lg_heapgrowth_discount(&g, -MIB, &scaled), 0);
	/* nothing discounted: the whole growth counts */
	memset(&g, 0, sizeof(g));
	g.net[LG_HEAPGROWTH_COUNTED] = MIB;
	CHECK_INT(lg_heapgrowth_discount(&g, 8 * MIB, &scaled), 0);
	CHECK(!scaled);
}

/* The growth over N passes becomes the growth per pass, sites included. */
static void test_per_pass(void)
{
	struct lg_heapgrowth g;
	const struct lg_heapgrowth_site *s;
	int64_t once, counted, top;
	int scaled;

	classify("slice", &g);
	once = g.net[LG_HEAPGROWTH_ONCE];
	counted = g.net[LG_HEAPGROWTH_COUNTED];
	s = top_site(&g, LG_HEAPGROWTH_COUNTED);
	CHECK(s != NULL);
	top = s ? s->delta : 0;
	lg_heapgrowth_per_pass(&g, 1); /* one pass: nothing changes */
	CHECK_INT(g.net[LG_HEAPGROWTH_COUNTED], counted);
	lg_heapgrowth_per_pass(&g, 3);
	CHECK_INT(g.net[LG_HEAPGROWTH_COUNTED], counted / 3);
	CHECK_INT(g.net[LG_HEAPGROWTH_ONCE], once / 3);
	s = top_site(&g, LG_HEAPGROWTH_COUNTED);
	CHECK(s && s->delta == top / 3);
	/* the discount of the per-pass figures is the per-pass discount */
	CHECK(lg_heapgrowth_discount(&g, counted / 3, &scaled) <= counted / 3);
	lg_heapgrowth_release(&g);
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "once_fixture", test_once_fixture },
		{ "burst_fixture", test_burst_fixture },
		{ "slice_fixture", test_slice_fixture },
		{ "no_inuse_space", test_no_inuse_space },
		{ "stacks", test_stacks },
		{ "discount", test_discount },
		{ "per_pass", test_per_pass },
	};

	return LG_CHECK_RUN(cases);
}
