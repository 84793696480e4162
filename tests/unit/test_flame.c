/*
 * test_flame.c — flame trees from hand-made stacks, real goroutine dumps
 * and real pprof profiles (tests/fixtures), the SVG they draw, and the caps
 * that keep hostile input bounded.
 */
#include <stdlib.h>

#include "check.h"
#include "flame.h"
#include "report_fixture.h"

static char *fixture(const char *rel)
{
	const char *src = getenv("LG_SOURCE_DIR");

	return lg_xasprintf("%s/tests/fixtures/%s", src ? src : ".", rel);
}

static size_t find(const struct lg_flame *f, size_t parent, const char *name)
{
	size_t c;

	for (c = f->nodes[parent].child; c; c = f->nodes[c].next)
		if (!strcmp(f->nodes[c].name, name))
			return c;
	return 0;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)); hay++)
		n++;
	return n;
}

static void test_tree(void)
{
	static const char *const a[] = { "main", "serve", "read" };
	static const char *const b[] = { "main", "serve", "write" };
	static const char *const c[] = { "main", "gc" };
	struct lg_flame f;
	size_t m, s;

	lg_flame_init(&f);
	lg_flame_add(&f, a, 3, 5, 1);
	lg_flame_add(&f, b, 3, 2, 0);
	lg_flame_add(&f, c, 2, 1, 0);
	lg_flame_add(&f, c, 2, 0, 1); /* zero weight: ignored */
	CHECK_INT(f.nodes[0].total, 8);
	CHECK_INT(f.nodes[0].hot, 5);
	m = find(&f, 0, "main");
	s = find(&f, m, "serve");
	CHECK_INT(f.nodes[s].total, 7);
	CHECK_INT(f.nodes[find(&f, s, "read")].hot, 5);
	CHECK_INT(f.max_depth, 3);
	CHECK_INT(f.stacks, 3);
	lg_flame_release(&f);
	lg_flame_release(&f); /* safe twice */
}

static void test_goroutine_ancestry(void)
{
	struct lg_dump d;
	struct lg_flame f;
	size_t n;

	lg_dump_init(&d);
	lg_flame_init(&f);
	CHECK_INT(lg_dump_parse(&d, RF_STACK, strlen(RF_STACK), "stack", NULL), 0);
	CHECK_INT(d.n, 1);
	lg_flame_add_goroutine(&f, &d.g[0], 1);
	/* oldest ancestor first, then the goroutine, then its status */
	n = find(&f, 0, "testing.tRunner");
	n = find(&f, n, "example.com/svc/api.TestSum");
	n = find(&f, n, "example.com/svc/api.Sum");
	n = find(&f, n, "example.com/svc/api.consume");
	n = find(&f, n, "[chan receive]");
	CHECK(n != 0);
	CHECK(n && f.nodes[n].hot == 1);
	lg_flame_release(&f);
	lg_dump_release(&d);
}

static void test_grouped_dump(void)
{
	struct lg_dump d;
	struct lg_flame f;
	size_t n;

	lg_dump_init(&d);
	lg_flame_init(&f);
	CHECK_INT(lg_dump_parse(&d, RF_DUMP, strlen(RF_DUMP), "dump", NULL), 0);
	lg_flame_add_dump(&f, &d, RF_DUMP, strlen(RF_DUMP), 1);
	CHECK_INT(f.nodes[0].total, 4); /* "3 goroutines like this one" + 1 */
	CHECK_INT(f.nodes[0].hot, 4);   /* both blocked in user code */
	n = find(&f, 0, "example.com/svc/db.TestPool");
	CHECK(n && f.nodes[n].total == 3);
	lg_flame_release(&f);
	lg_dump_release(&d);
}

static void test_real_inputs(void)
{
	char *dump = fixture("dumps/go126_deadlock.txt"), *prof = fixture("pprof/heap_after.pb.gz");
	struct lg_dump d;
	struct lg_pprof p;
	struct lg_flame f;
	struct lg_buf svg = LG_BUF_INIT;
	struct lg_err err;
	struct lg_flame_svg_opts o = { 800, "heap <after>", "bytes", 1, NULL };

	lg_dump_init(&d);
	lg_flame_init(&f);
	CHECK_INT(lg_dump_parse_file(&d, dump, &err), 0);
	lg_flame_add_dump(&f, &d, NULL, 0, 0);
	CHECK_INT(f.nodes[0].total, (int64_t)d.n);
	lg_flame_release(&f);
	lg_pprof_init(&p);
	CHECK_INT(lg_pprof_parse_file(&p, prof, &err), 0);
	CHECK_INT(lg_flame_add_pprof(&f, &p, lg_pprof_sample_index(&p, "inuse_space"), &err), 0);
	CHECK(lg_flame_add_pprof(&f, &p, 99, &err) < 0);
	CHECK(f.nodes[0].total > 0);
	lg_flame_svg(&f, &o, &svg);
	CHECK(lg_starts_with(svg.buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns="));
	CHECK(strstr(svg.buf, "heap &lt;after&gt;") != NULL);
	CHECK(strstr(svg.buf, "MiB") || strstr(svg.buf, "KiB"));
	CHECK(count(svg.buf, "<rect") > 3);
	CHECK(count(svg.buf, "<g class=\"fr\">") == count(svg.buf, "</g>"));
	lg_buf_release(&svg);
	lg_flame_release(&f);
	lg_pprof_release(&p);
	lg_dump_release(&d);
	free(dump);
	free(prof);
}

static void test_svg_escaping(void)
{
	static const char *const s[] = { "main.<script>alert(1)</script>", "x&y\"z\xff" };
	struct lg_flame f;
	struct lg_buf svg = LG_BUF_INIT;

	lg_flame_init(&f);
	lg_flame_add(&f, s, 2, 1, 0);
	lg_flame_svg(&f, NULL, &svg);
	CHECK(strstr(svg.buf, "<script") == NULL);
	CHECK(strstr(svg.buf, "main.&lt;script&gt;") != NULL);
	CHECK(strstr(svg.buf, "x&amp;y&quot;z\xef\xbf\xbd") != NULL);
	lg_buf_release(&svg);
	lg_flame_release(&f);
	lg_flame_svg(&f, NULL, &svg); /* empty flame still draws */
	CHECK(strstr(svg.buf, "</svg>") != NULL);
	lg_buf_release(&svg);
}

/*
 * Golden: a frame's colour comes from a hash of its name, so the same
 * function has the same colour in every graph and every release; the fills
 * of one graph with each kind of box (hot, partly hot, status, runtime,
 * user code, a non-ASCII name) are pinned.
 */
static void test_colour_golden(void)
{
	static const char *const a[] = { "main.main", "runtime.gopark", "[chan receive]" };
	static const char *const b[] = { "main.main", "pkg.(*Server).Serve", "caf\xc3\xa9.Get" };
	static const char *const c[] = { "main.main", "testing.tRunner" };
	static const char *const want = "hsl(29,85%,61%) hsl(212,57%,72%) hsl(199,47%,72%) hsl(363,78%,58%) hsl(356,78%,52%) hsl(219,10%,76%) ";
	struct lg_flame f;
	struct lg_buf svg = LG_BUF_INIT, fills = LG_BUF_INIT;
	const char *p;

	lg_flame_init(&f);
	lg_flame_add(&f, a, 3, 4, 1);
	lg_flame_add(&f, b, 3, 3, 0);
	lg_flame_add(&f, c, 2, 2, 0);
	lg_flame_svg(&f, NULL, &svg);
	for (p = svg.buf; (p = strstr(p, "fill=\"hsl(")); p++) {
		const char *end = strchr(p + 6, '"');

		lg_buf_add(&fills, p + 6, (size_t)(end - (p + 6)));
		lg_buf_addch(&fills, ' ');
	}
	CHECK_STR(fills.buf, want);
	lg_buf_release(&fills);
	lg_buf_release(&svg);
	lg_flame_release(&f);
}

static void test_caps(void)
{
	const char **deep = lg_xcalloc(LG_FLAME_MAX_DEPTH + 50, sizeof(*deep));
	char (*names)[16] = lg_xcalloc(LG_FLAME_MAX_NODES + 10, sizeof(*names));
	struct lg_flame f;
	size_t i;

	lg_flame_init(&f);
	for (i = 0; i < LG_FLAME_MAX_DEPTH + 50; i++)
		deep[i] = "f";
	lg_flame_add(&f, deep, LG_FLAME_MAX_DEPTH + 50, 1, 0);
	CHECK_INT(f.max_depth, LG_FLAME_MAX_DEPTH);
	CHECK_INT(f.dropped, 1);
	for (i = 0; i < LG_FLAME_MAX_NODES + 10; i++) {
		const char *one[1];

		snprintf(names[i], sizeof(names[i]), "n%zu", i);
		one[0] = names[i];
		lg_flame_add(&f, one, 1, 1, 0);
	}
	CHECK_INT(f.n, LG_FLAME_MAX_NODES);
	CHECK(f.dropped > 1);
	lg_flame_release(&f);
	free(deep);
	free(names);
}

int main(void)
{
	static const struct lg_check_case t[] = {
		{ "tree", test_tree },
		{ "goroutine_ancestry", test_goroutine_ancestry },
		{ "grouped_dump", test_grouped_dump },
		{ "real_inputs", test_real_inputs },
		{ "svg_escaping", test_svg_escaping },
		{ "colour_golden", test_colour_golden },
		{ "caps", test_caps },
	};

	return LG_CHECK_RUN(t);
}
