/*
 * test_group.c — unit tests of the streaming parse, grouping and diffing.
 *
 * The streaming parser must give exactly what the whole-buffer parser gives
 * whatever the chunk size, on every real dump fixture; grouping is checked
 * at its three levels on hand-written dumps whose differences are known, on
 * real debug=1 and debug=2 dumps, and on the real pprof fixtures
 * (tests/fixtures/pprof/README.md names what they hold).
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "group.h"
#include "input.h"
#include "dump.h"

static char *fixture(const char *rel)
{
	const char *src = getenv("LG_SOURCE_DIR");

	return lg_xasprintf("%s/tests/fixtures/%s", src ? src : ".", rel);
}

static void parse_text(struct lg_dump *d, const char *text)
{
	struct lg_err err;

	lg_dump_init(d);
	CHECK_INT(lg_dump_parse(d, text, strlen(text), "text", &err), 0);
}

/* Groups a text at a level; the dump must outlive the set. */
static void group_text(struct lg_dump *d, struct lg_group_set *s, const char *text,
		       const struct lg_group_opts *o)
{
	parse_text(d, text);
	lg_group_set_init(s, o);
	lg_group_add_dump(s, d);
	lg_group_finish(s, 0);
}

static struct lg_group_opts opts_by(enum lg_group_by by)
{
	struct lg_group_opts o;

	memset(&o, 0, sizeof(o));
	o.by = by;
	return o;
}

/* ---------------------------------------------------------------------- */
/* Streaming gives what the whole-buffer parse gives. */

struct collect {
	size_t n;
	int64_t idsum, frames;
};

static void collect_visit(void *ctx, const struct lg_dump *d, const struct lg_goroutine *g)
{
	struct collect *c = ctx;

	(void)d;
	c->n++;
	c->idsum += g->id;
	c->frames += (int64_t)g->nframes;
}

static void stream_in_chunks(const char *text, size_t len, size_t chunk, struct lg_dump *d,
			     struct collect *c)
{
	struct lg_dump_stream *s;
	struct lg_err err;
	size_t pos;

	lg_dump_init(d);
	memset(c, 0, sizeof(*c));
	s = lg_dump_stream_new(d, "chunks", collect_visit, c);
	for (pos = 0; pos < len; pos += chunk)
		CHECK_INT(lg_dump_stream_feed(s, text + pos, len - pos < chunk ? len - pos : chunk, &err), 0);
	lg_dump_stream_finish(s);
}

static void test_stream_equals_whole(void)
{
	static const size_t chunks[] = { 1, 3, 64, 4093, 1 << 20 };
	char *dir = fixture("dumps");
	DIR *dh = opendir(dir);
	struct dirent *e;
	int files = 0;

	CHECK(dh != NULL);
	while (dh && (e = readdir(dh)) != NULL) {
		struct lg_buf text = LG_BUF_INIT;
		struct lg_dump whole, part;
		struct lg_err err;
		char *path;
		size_t i, k;
		int64_t idsum = 0, frames = 0;

		if (!lg_ends_with(e->d_name, ".txt"))
			continue;
		files++;
		path = lg_xasprintf("%s/%s", dir, e->d_name);
		CHECK_INT(lg_read_file(path, (size_t)1 << 26, &text, &err), 0);
		parse_text(&whole, text.buf);
		for (i = 0; i < whole.n; i++) {
			idsum += whole.g[i].id;
			frames += (int64_t)whole.g[i].nframes;
		}
		CHECK_INT(whole.nseen, whole.n);
		for (k = 0; k < LG_ARRAY_SIZE(chunks); k++) {
			struct collect c;

			stream_in_chunks(text.buf, text.len, chunks[k], &part, &c);
			CHECK_INT(c.n, whole.n);
			CHECK_INT(part.nseen, whole.n);
			CHECK_INT(c.idsum, idsum);
			CHECK_INT(c.frames, frames);
			CHECK_INT(part.bad_lines, whole.bad_lines);
			CHECK_INT(part.lines, whole.lines);
			CHECK_INT(part.nrunning_tests, whole.nrunning_tests);
			CHECK_INT(part.kind, whole.kind);
			CHECK((part.message == NULL) == (whole.message == NULL));
			for (i = 0; i < part.nbad && i < whole.nbad; i++) {
				CHECK_INT(part.bad[i].line, whole.bad[i].line);
				CHECK_STR(part.bad[i].text, whole.bad[i].text);
			}
			lg_dump_release(&part);
		}
		lg_dump_release(&whole);
		lg_buf_release(&text);
		free(path);
	}
	if (dh)
		closedir(dh);
	CHECK(files >= 20);
	free(dir);
}

/* A frame line cut off by the end of the input, across a chunk border. */
static void test_stream_pending_frame_across_chunks(void)
{
	const char *text = "goroutine 5 [chan receive]:\nmain.f()\n\tx.go:3 +0x1\nmain.g()\n";
	struct lg_dump d;
	struct collect c;

	stream_in_chunks(text, strlen(text), 5, &d, &c);
	CHECK_INT(c.n, 1);
	CHECK_INT(d.bad_lines, 1);
	CHECK_INT(d.nbad, 1);
	if (d.nbad) {
		CHECK_INT(d.bad[0].line, 4);
		CHECK_STR(d.bad[0].text, "main.g()");
	}
	lg_dump_release(&d);
}

/* An overlong line inside a block is bad even when it arrives in pieces. */
static void test_stream_long_line(void)
{
	struct lg_buf text = LG_BUF_INIT;
	struct lg_dump d, whole;
	struct collect c;
	size_t i;

	lg_buf_adds(&text, "goroutine 5 [chan receive]:\n");
	for (i = 0; i < LG_TB_MAX_LINE + 100; i++)
		lg_buf_addch(&text, 'x');
	lg_buf_adds(&text, "\n\ngoroutine 6 [select]:\nmain.h()\n\tx.go:9 +0x1\n");
	parse_text(&whole, text.buf);
	stream_in_chunks(text.buf, text.len, 1000, &d, &c);
	CHECK_INT(c.n, 2);
	CHECK_INT(d.bad_lines, whole.bad_lines);
	CHECK_INT(d.bad_lines, 1);
	CHECK(d.nbad == 1 && strlen(d.bad[0].text) == 200);
	lg_dump_release(&d);
	lg_dump_release(&whole);
	lg_buf_release(&text);
}

static void test_stream_input_cap(void)
{
	struct lg_dump d;
	struct lg_dump_stream *s;
	struct lg_err err;
	static const char byte = 'x';

	lg_dump_init(&d);
	s = lg_dump_stream_new(&d, "big", NULL, NULL);
	/* the cap counts bytes fed; pretend most of it already went by */
	CHECK_INT(lg_dump_stream_feed(s, &byte, 1, &err), 0);
	CHECK_INT(lg_dump_stream_feed(s, (const char *)&byte, LG_TB_MAX_INPUT, &err), -1);
	CHECK(strstr(err.msg, "big: input larger than") != NULL);
	lg_dump_stream_free(s);
	lg_dump_release(&d);
}

/* ---------------------------------------------------------------------- */
/* Levels. */

static const char levels_dump[] =
	"goroutine 10 [chan receive]:\n"
	"runtime.gopark(0x1)\n\t/go/src/runtime/proc.go:435 +0x1\n"
	"main.worker(0xc000)\n\t/src/main.go:42 +0x1c\n"
	"created by main.start in goroutine 1\n\t/src/main.go:30 +0x2\n"
	"\n"
	"goroutine 11 [chan receive, 3 minutes]:\n"
	"runtime.gopark(0x2)\n\t/go/src/runtime/proc.go:435 +0x1\n"
	"main.worker(0xc001)\n\t/src/main.go:42 +0x1c\n"
	"created by main.start in goroutine 1\n\t/src/main.go:30 +0x2\n"
	"\n"
	/* same function, other line: differs at exact and lines, not funcs */
	"goroutine 12 [chan receive, 1 minutes]:\n"
	"runtime.gopark(0x2)\n\t/go/src/runtime/proc.go:435 +0x1\n"
	"main.worker(0xc001)\n\t/src/main.go:44 +0x1c\n"
	"created by main.start in goroutine 1\n\t/src/main.go:30 +0x2\n"
	"\n"
	/* no runtime frame (another GOTRACEBACK level): differs only at exact */
	"goroutine 13 [chan receive]:\n"
	"main.worker(0xc002)\n\t/src/main.go:42 +0x1c\n"
	"created by main.start in goroutine 1\n\t/src/main.go:30 +0x2\n"
	"\n"
	"goroutine 14 [select]:\n"
	"main.loop()\n\t/src/main.go:60 +0x1c\n"
	"created by main.start in goroutine 1\n\t/src/main.go:31 +0x2\n";

static void test_levels(void)
{
	static const struct {
		enum lg_group_by by;
		size_t groups;
		int64_t biggest;
	} cases[] = {
		{ LG_GROUP_EXACT, 4, 2 },
		{ LG_GROUP_LINES, 3, 3 },
		{ LG_GROUP_FUNCS, 2, 4 },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		struct lg_group_opts o = opts_by(cases[i].by);
		struct lg_dump d;
		struct lg_group_set s;

		group_text(&d, &s, levels_dump, &o);
		CHECK_INT(s.n, cases[i].groups);
		CHECK_INT(s.total, 5);
		CHECK_INT(s.seen, 5);
		if (s.n) {
			const struct lg_group *g = &s.g[0];

			CHECK_INT(g->count, cases[i].biggest);
			CHECK_STR(lg_group_dump_of(g)->status, "chan receive");
			CHECK_INT(g->wait, LG_WAIT_CHAN);
			CHECK_STR(g->pattern->id, "recv-no-sender");
			CHECK_INT(lg_group_dump_of(g)->ids[0], 10);
			CHECK_INT(lg_group_dump_of(g)->min_minutes, 0);
			CHECK_INT(lg_group_dump_of(g)->max_minutes, 3);
			CHECK_STR(lg_group_dump_of(g)->creator.func, "main.start");
			CHECK_INT(lg_group_dump_of(g)->creator.line, 30);
			CHECK_INT(strlen(g->id), 16);
			CHECK_INT(strlen(g->signature), 16);
		}
		if (cases[i].by == LG_GROUP_FUNCS && s.n == 2) {
			CHECK_STR(s.g[0].id, s.g[0].signature);
			CHECK_INT(lg_group_dump_of(&s.g[0])->nids, 4);
			CHECK_INT(lg_group_dump_of(&s.g[0])->ids[3], 13);
			CHECK_STR(s.g[1].pattern->id, "select-no-ready-case");
		}
		lg_group_set_release(&s);
		lg_dump_release(&d);
	}
}

/* The funcs-level id is the goroutine signature run and baselines use. */
static void test_funcs_id_is_signature(void)
{
	struct lg_group_opts o = opts_by(LG_GROUP_FUNCS);
	struct lg_dump d;
	struct lg_group_set s;
	char sig[17];

	group_text(&d, &s, levels_dump, &o);
	lg_goroutine_signature(lg_dump_find(&d, 11), sig);
	CHECK(lg_group_find(&s, sig) >= 0);
	lg_group_set_release(&s);
	lg_dump_release(&d);
}

/* The same stack in two dumps gets the same id at every level. */
static void test_ids_stable_across_inputs(void)
{
	enum lg_group_by by;

	for (by = LG_GROUP_EXACT; by <= LG_GROUP_FUNCS; by++) {
		struct lg_group_opts o = opts_by(by);
		struct lg_dump d1, d2;
		struct lg_group_set s1, s2;
		size_t i;

		group_text(&d1, &s1, levels_dump, &o);
		group_text(&d2, &s2, levels_dump + 0, &o);
		CHECK_INT(s1.n, s2.n);
		for (i = 0; i < s1.n; i++)
			CHECK(lg_group_find(&s2, s1.g[i].id) == (long)i);
		lg_group_set_release(&s1);
		lg_group_set_release(&s2);
		lg_dump_release(&d1);
		lg_dump_release(&d2);
	}
}

static void test_smallest_ids_kept(void)
{
	struct lg_buf text = LG_BUF_INIT;
	struct lg_group_opts o = opts_by(LG_GROUP_FUNCS);
	struct lg_dump d;
	struct lg_group_set s;
	int i;

	for (i = 100; i > 0; i--)
		lg_buf_addf(&text, "goroutine %d [sleep]:\ntime.Sleep(0x1)\n\t/go/time.go:1 +0x1\n"
				   "main.nap()\n\t/src/n.go:5 +0x1\n\n", i * 3);
	group_text(&d, &s, text.buf, &o);
	CHECK_INT(s.n, 1);
	CHECK_INT(s.g[0].count, 100);
	CHECK_INT(lg_group_dump_of(&s.g[0])->nids, LG_GROUP_MAX_IDS);
	for (i = 0; i < LG_GROUP_MAX_IDS; i++)
		CHECK_INT(lg_group_dump_of(&s.g[0])->ids[i], (i + 1) * 3);
	CHECK_STR(s.g[0].pattern->id, "sleep-outlives-test");
	lg_group_set_release(&s);
	lg_dump_release(&d);
	lg_buf_release(&text);
}

static void test_min_count(void)
{
	struct lg_group_opts o = opts_by(LG_GROUP_FUNCS);
	struct lg_dump d;
	struct lg_group_set s;

	parse_text(&d, levels_dump);
	lg_group_set_init(&s, &o);
	lg_group_add_dump(&s, &d);
	lg_group_finish(&s, 2);
	CHECK_INT(s.n, 1);
	CHECK_INT(s.hidden, 1);
	CHECK_INT(s.hidden_count, 1);
	lg_group_set_release(&s);
	lg_dump_release(&d);
}

/* Finishes levels_dump at level `by` with opts.skip `skip` and `min_count`. */
static void finish_skipping(struct lg_dump *d, struct lg_group_set *s, enum lg_group_by by,
			    unsigned skip, int64_t min_count)
{
	struct lg_group_opts o = opts_by(by);

	o.skip = skip;
	parse_text(d, levels_dump);
	lg_group_set_init(s, &o);
	lg_group_add_dump(s, d);
	lg_group_finish(s, min_count);
}

/*
 * What opts.skip leaves out is left out, and only that: SIGNATURE leaves
 * ids, order and patterns as a full finish makes them (and signatures at
 * funcs, where they are the ids); ORDER keeps the groups in the order first
 * seen, with no id, and drops those under min_count all the same.
 */
static void test_finish_skip(void)
{
	struct lg_dump d0, d1;
	struct lg_group_set full, s;
	enum lg_group_by by;
	size_t i;
	int64_t sum = 0;

	for (by = LG_GROUP_EXACT; by <= LG_GROUP_FUNCS; by++) {
		finish_skipping(&d0, &full, by, 0, 0);
		finish_skipping(&d1, &s, by, LG_GROUP_SKIP_SIGNATURE, 0);
		CHECK_INT(s.n, full.n);
		for (i = 0; i < s.n && i < full.n; i++) {
			CHECK_STR(s.g[i].id, full.g[i].id);
			CHECK_INT(s.g[i].count, full.g[i].count);
			CHECK(s.g[i].pattern == full.g[i].pattern);
			CHECK_STR(s.g[i].signature, by == LG_GROUP_FUNCS ? full.g[i].signature : "");
			CHECK_INT(strlen(full.g[i].signature), 16);
		}
		lg_group_set_release(&s);
		lg_group_set_release(&full);
		lg_dump_release(&d0);
		lg_dump_release(&d1);
	}
	/* exact: counts 2, 1, 1, 1 in the order first seen (first line 1, 11, 16, 20) */
	finish_skipping(&d1, &s, LG_GROUP_EXACT, LG_GROUP_SKIP_ORDER, 0);
	CHECK_INT(s.n, 4);
	CHECK_INT(s.hidden, 0);
	for (i = 0; i < s.n; i++) {
		CHECK(i == 0 || lg_group_dump_of(&s.g[i])->first_line >
					lg_group_dump_of(&s.g[i - 1])->first_line);
		CHECK_STR(s.g[i].id, "");
		CHECK_STR(s.g[i].signature, "");
		sum += s.g[i].count;
	}
	CHECK_INT(sum, 5);
	lg_group_set_release(&s);
	lg_dump_release(&d1);
	finish_skipping(&d1, &s, LG_GROUP_EXACT, LG_GROUP_SKIP_ORDER, 2);
	CHECK_INT(s.n, 1);
	CHECK_INT(s.hidden, 3);
	CHECK_INT(s.hidden_count, 3);
	CHECK_INT(s.n ? s.g[0].count : 0, 2);
	lg_group_set_release(&s);
	lg_dump_release(&d1);
	/* a set dropping every group */
	finish_skipping(&d1, &s, LG_GROUP_FUNCS, LG_GROUP_SKIP_ORDER, 100);
	CHECK_INT(s.n, 0);
	CHECK_INT(s.hidden, 2);
	CHECK_INT(s.hidden_count, 5);
	lg_group_set_release(&s);
	lg_dump_release(&d1);
}

/* ---------------------------------------------------------------------- */
/* Filters and labels. */

static void test_labels_get(void)
{
	static const struct {
		const char *text, *key, *want;
	} cases[] = {
		{ "{\"role\": \"worker two\", \"test\": \"TestLabelled\"}", "role", "worker two" },
		{ "{\"role\": \"worker two\", \"test\": \"TestLabelled\"}", "test", "TestLabelled" },
		{ "{role: \"worker two\", test: TestLabelled}", "test", "TestLabelled" },
		{ "{role: \"worker two\", test: TestLabelled}", "role", "worker two" },
		{ "{\"role\":\"worker two\", \"test\":\"TestLabelled\"}", "role", "worker two" },
		{ "{\"a\": \"x, y: \\\"z\\\"\", b: c}", "b", "c" },
		{ "{\"a\": \"x, y: \\\"z\\\"\", b: c}", "a", "x, y: \"z\"" },
		{ "{role: x}", "nope", NULL },
		{ "role: x", "role", NULL },
		{ "{role x}", "role", NULL },
		{ "{\"role\": \"unterminated}", "role", NULL },
		{ "{}", "role", NULL },
	};
	struct lg_buf v = LG_BUF_INIT;
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		int rc = lg_labels_get(cases[i].text, cases[i].key, &v);

		if (cases[i].want) {
			CHECK_INT(rc, 0);
			CHECK_STR(v.buf, cases[i].want);
		} else {
			CHECK_INT(rc, -1);
		}
	}
	CHECK_INT(lg_labels_get(NULL, "x", &v), -1);
	lg_buf_release(&v);
}

/* Real Go 1.26 and 1.27 label forms, filtered and grouped by label. */
static void test_labels_in_fixtures(void)
{
	static const char *const files[] = { "dumps/go126_pprof2.txt", "dumps/go127_pprof2.txt",
					     "dumps/go126_pprof1.txt", "dumps/go127_pprof1.txt" };
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(files); i++) {
		struct lg_group_opts o = opts_by(LG_GROUP_FUNCS);
		struct lg_dump d;
		struct lg_group_set s;
		struct lg_err err;
		char *path = fixture(files[i]);
		size_t k;
		int found = 0;

		o.filter.label_key = "role";
		o.filter.label_value = "worker two";
		o.by_label = "test";
		lg_dump_init(&d);
		CHECK_INT(lg_dump_parse_file(&d, path, &err), 0);
		lg_group_set_init(&s, &o);
		lg_group_add_dump(&s, &d);
		lg_group_finish(&s, 0);
		CHECK(s.n >= 1);
		CHECK(s.filtered > 0);
		for (k = 0; k < s.n; k++) {
			CHECK_STR(s.g[k].label, "TestLabelled");
			found += s.g[k].label != NULL;
		}
		CHECK(found >= 1);
		lg_group_set_release(&s);
		lg_dump_release(&d);
		free(path);
	}
}

static void test_state_and_func_filters(void)
{
	static const struct {
		const char *state, *re;
		int64_t total;
	} cases[] = {
		{ "chan", NULL, 4 },
		{ "chan receive", NULL, 4 },
		{ "select", NULL, 1 },
		{ "mutex", NULL, 0 },
		{ NULL, "^main\\.loop$", 1 },
		{ NULL, "gopark", 3 },
		{ "select", "worker", 0 },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		struct lg_group_opts o = opts_by(LG_GROUP_EXACT);
		struct lg_dump d;
		struct lg_group_set s;
		regex_t re;

		o.filter.state = cases[i].state;
		if (cases[i].re) {
			CHECK_INT(regcomp(&re, cases[i].re, REG_EXTENDED | REG_NOSUB), 0);
			o.filter.func = &re;
		}
		group_text(&d, &s, levels_dump, &o);
		CHECK_INT(s.total, cases[i].total);
		CHECK_INT(s.filtered, 5 - cases[i].total);
		lg_group_set_release(&s);
		lg_dump_release(&d);
		if (cases[i].re)
			regfree(&re);
	}
}

/* ---------------------------------------------------------------------- */
/* Real dumps. */

/* A debug=1 profile's groups weigh their count; its total is Go's total. */
static void test_debug1_total(void)
{
	static const char *const files[] = { "dumps/go126_pprof1.txt", "dumps/go127_pprof1.txt" };
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(files); i++) {
		struct lg_group_opts o = opts_by(LG_GROUP_EXACT);
		struct lg_group_set s;
		struct lg_dump d;
		struct lg_err err;
		char *path = fixture(files[i]);

		lg_dump_init(&d);
		lg_group_set_init(&s, &o);
		CHECK_INT(lg_dump_parse_fd(&d, -1, path, lg_group_visit, &s, &err), -1);
		lg_dump_release(&d);
		lg_group_set_release(&s);

		lg_dump_init(&d);
		lg_group_set_init(&s, &o);
		{
			FILE *f = fopen(path, "rb");

			CHECK(f != NULL);
			if (f) {
				CHECK_INT(lg_dump_parse_fd(&d, fileno(f), path, lg_group_visit, &s, &err), 0);
				fclose(f);
			}
		}
		lg_group_finish(&s, 0);
		CHECK_INT(d.n, 0); /* streamed, not kept */
		CHECK_INT(s.total, 20);
		CHECK(s.n < 20);
		lg_group_set_release(&s);
		lg_dump_release(&d);
		free(path);
	}
}

/* ---------------------------------------------------------------------- */
/* Profiles through lg_input. */

static void load(struct lg_input *in, const char *rel, const struct lg_group_opts *g,
		 const char *type, int want)
{
	struct lg_input_opts o;
	struct lg_err err;
	char *path = fixture(rel);
	int rc;

	memset(&o, 0, sizeof(o));
	o.group = g;
	o.sample_type = type;
	lg_input_init(in);
	rc = lg_input_load(in, path, &o, &err);
	if (rc != want)
		fprintf(stderr, "%s: %s\n", rel, rc ? err.msg : "loaded");
	CHECK_INT(rc, want);
	free(path);
}

static void test_profile_goroutine_by_label(void)
{
	struct lg_group_opts o = opts_by(LG_GROUP_FUNCS);
	struct lg_input in;
	size_t i;
	int fetchers = 0;

	o.by_label = "role";
	load(&in, "pprof/goroutine.pb.gz", &o, NULL, 0);
	CHECK_INT(in.kind, LG_INPUT_PROFILE);
	CHECK_STR(in.prof.sample_types[in.sample_index].type, "goroutine");
	for (i = 0; i < in.groups.n; i++) {
		const struct lg_group *g = &in.groups.g[i];

		if (g->label && !strcmp(g->label, "fetcher")) {
			size_t k;
			int in_wait = 0;

			fetchers += (int)g->count;
			for (k = 0; k < g->nframes; k++)
				in_wait |= !strcmp(lg_group_frame(&in.groups, g, k)->func,
						   "main.waitForRelease");
			CHECK(in_wait);
			CHECK(g->labels && strstr(g->labels, "shard: \"7\""));
		}
	}
	CHECK_INT(fetchers, 3);
	lg_input_release(&in);
}

static void test_profile_heap_sample_types(void)
{
	struct lg_group_opts o = opts_by(LG_GROUP_FUNCS);
	struct lg_input in;
	size_t i;
	int found = 0;

	load(&in, "pprof/heap_after.pb.gz", &o, NULL, 0);
	CHECK_STR(in.prof.sample_types[in.sample_index].type, "inuse_space");
	for (i = 0; i < in.groups.n; i++)
		for (size_t k = 0; k < in.groups.g[i].nframes; k++)
			if (!strcmp(lg_group_frame(&in.groups, &in.groups.g[i], k)->func,
				    "main.growHeapForLeakgate")) {
				found = 1;
				CHECK(in.groups.g[i].count >= 1056768);
			}
	CHECK(found);
	lg_input_release(&in);
	load(&in, "pprof/heap_after.pb.gz", &o, "alloc_objects", 0);
	CHECK_STR(in.prof.sample_types[in.sample_index].type, "alloc_objects");
	lg_input_release(&in);
	load(&in, "pprof/heap_after.pb.gz", &o, "no_such_type", -1);
	lg_input_release(&in);
	load(&in, "pprof/mutex.pb.gz", &o, NULL, 0);
	CHECK_STR(in.prof.sample_types[in.sample_index].type, "delay");
	lg_input_release(&in);
}

static void test_profile_heap_diff(void)
{
	struct lg_group_opts o = opts_by(LG_GROUP_FUNCS);
	struct lg_input a, b;
	struct lg_group_change *c = NULL;
	size_t n, i;
	int found = 0;

	load(&a, "pprof/heap_before.pb.gz", &o, NULL, 0);
	load(&b, "pprof/heap_after.pb.gz", &o, NULL, 0);
	n = lg_group_diff(&a.groups, &b.groups, &c);
	CHECK(n > 0);
	for (i = 0; i < n; i++) {
		const struct lg_group *g = c[i].after;

		if (g && g->nframes &&
		    !strcmp(lg_group_frame(&b.groups, g, 0)->func, "main.growHeapForLeakgate")) {
			found = 1;
			CHECK(c[i].delta >= 1056768);
			CHECK(c[i].kind == LG_CHANGE_NEW || c[i].kind == LG_CHANGE_GROWN);
		}
		if (i)
			CHECK(llabs((long long)c[i - 1].delta) >= llabs((long long)c[i].delta));
	}
	CHECK(found);
	free(c);
	lg_input_release(&a);
	lg_input_release(&b);
}

/*
 * Samples are merged by stack and label before grouping: what a hand-made
 * profile shows about the edges the real fixtures do not reach — a first
 * sample the label filter drops, equal stacks in separate frames arrays,
 * numeric --by-label values, sums past int64.
 */
static struct lg_pprof_value_type goroutine_type[] = { { "goroutine", "count" } };

static void hand_profile(struct lg_pprof *p, struct lg_pprof_sample *sm, size_t n)
{
	memset(p, 0, sizeof(*p));
	p->sample_types = goroutine_type;
	p->nsample_types = 1;
	p->samples = sm;
	p->nsamples = n;
}

static void test_profile_merge(void)
{
	static const struct lg_frame park[] = {
		{ "runtime.gopark", "runtime/proc.go", 460, 0 },
		{ "runtime.chanrecv1", "runtime/chan.go", 506, 0 },
		{ "main.worker", "main.go", 12, 0 },
	};
	/* the same stack in another array: merges by content, not by pointer */
	static const struct lg_frame park2[] = {
		{ "runtime.gopark", "runtime/proc.go", 460, 0 },
		{ "runtime.chanrecv1", "runtime/chan.go", 506, 0 },
		{ "main.worker", "main.go", 12, 0 },
	};
	static struct lg_pprof_label la = { "role", "a", 0, "" }, lb = { "role", "b", 0, "" };
	int64_t one = 1, two = 2, big = INT64_MAX;
	struct lg_pprof_sample sm[] = {
		{ &one, (struct lg_frame *)park, 3, &la, 1, NULL, 0, 0 },
		{ &two, (struct lg_frame *)park, 3, &lb, 1, NULL, 0, 0 },
		{ &one, (struct lg_frame *)park2, 3, &lb, 1, NULL, 0, 0 },
		{ &big, (struct lg_frame *)park, 3, &la, 1, NULL, 0, 0 },
	};
	struct lg_group_opts o = opts_by(LG_GROUP_EXACT);
	struct lg_group_set s;
	struct lg_pprof p;

	hand_profile(&p, sm, 3);
	o.filter.label_key = "role";
	o.filter.label_value = "b";
	lg_group_set_init(&s, &o);
	lg_group_add_profile(&s, &p, 0);
	lg_group_finish(&s, 0);
	CHECK_INT(s.n, 1);
	CHECK_INT(s.seen, 3);
	CHECK_INT(s.filtered, 1);
	if (s.n) {
		CHECK_INT(s.g[0].count, 3);
		CHECK_INT(s.g[0].entries, 2);
		/* the first sample the filter kept, not the first of the stack */
		CHECK_STR(s.g[0].labels, "{role: \"b\"}");
		CHECK_INT(s.g[0].wait, LG_WAIT_CHAN);
	}
	lg_group_set_release(&s);

	hand_profile(&p, sm, 4); /* 1 + INT64_MAX: held at INT64_MAX */
	o = opts_by(LG_GROUP_FUNCS);
	lg_group_set_init(&s, &o);
	lg_group_add_profile(&s, &p, 0);
	lg_group_finish(&s, 0);
	CHECK_INT(s.n, 1);
	if (s.n) {
		CHECK(s.g[0].count == INT64_MAX);
		CHECK_INT(s.g[0].entries, 4);
		CHECK_STR(s.g[0].labels, "{role: \"a\"}");
	}
	CHECK(s.total == INT64_MAX);
	lg_group_set_release(&s);
}

/*
 * A profile of mostly distinct stacks is grouped sample by sample, without
 * the table of merged stacks; the groups must be those merging makes.
 * --by-label with a label no sample has forces merging and changes
 * nothing else, so each fixture, at each level and with filters, is
 * grouped both ways and compared group by group.
 */
static void test_profile_each_sample(void)
{
	static const char *const files[] = {
		"pprof/heap_after.pb.gz", "pprof/heap_before.pb.gz", "pprof/mutex.pb.gz",
		"pprof/block.pb.gz", "pprof/goroutine.pb.gz",
	};
	regex_t re;
	size_t f, i, k, alone = 0, compared = 0;
	enum lg_group_by by;
	int variant;

	CHECK_INT(regcomp(&re, "main\\.", REG_EXTENDED | REG_NOSUB), 0);
	for (f = 0; f < LG_ARRAY_SIZE(files); f++)
		for (by = LG_GROUP_EXACT; by <= LG_GROUP_FUNCS; by++)
			for (variant = 0; variant < 3; variant++) {
				struct lg_group_opts o = opts_by(by), om;
				struct lg_input a, b;

				if (variant == 1)
					o.filter.func = &re;
				if (variant == 2)
					o.filter.label_key = "bytes";
				om = o;
				om.by_label = "no-such-label";
				load(&a, files[f], &o, NULL, 0);
				load(&b, files[f], &om, NULL, 0);
				alone += a.prof.nstacks * 2 >= a.prof.nsamples && a.prof.nstacks > 1;
				CHECK_INT(a.groups.n, b.groups.n);
				CHECK_INT(a.groups.seen, b.groups.seen);
				CHECK_INT(a.groups.filtered, b.groups.filtered);
				CHECK(a.groups.total == b.groups.total);
				for (i = 0; i < a.groups.n && i < b.groups.n; i++) {
					const struct lg_group *x = &a.groups.g[i], *y = &b.groups.g[i];

					CHECK_STR(x->id, y->id);
					CHECK(x->count == y->count);
					CHECK(x->entries == y->entries);
					CHECK_STR(x->labels ? x->labels : "-", y->labels ? y->labels : "-");
					CHECK_INT(x->nframes, y->nframes);
					for (k = 0; k < x->nframes && k < y->nframes; k++)
						CHECK_STR(lg_group_frame(&a.groups, x, k)->func,
							  lg_group_frame(&b.groups, y, k)->func);
					compared++;
				}
				lg_input_release(&a);
				lg_input_release(&b);
			}
	regfree(&re);
	CHECK(alone > 0);     /* some fixture takes the sample-by-sample way */
	CHECK(compared > 100);
}

static void test_profile_numeric_by_label(void)
{
	static const struct lg_frame alloc[] = { { "main.fill", "main.go", 30, 0 } };
	static struct lg_pprof_label small = { "bytes", NULL, 64, "" },
				     large = { "bytes", NULL, -4096, "B" };
	int64_t v[] = { 64, 128, 4096 };
	struct lg_pprof_sample sm[] = {
		{ &v[0], (struct lg_frame *)alloc, 1, &small, 1, NULL, 0, 0 },
		{ &v[1], (struct lg_frame *)alloc, 1, &small, 1, NULL, 0, 0 },
		{ &v[2], (struct lg_frame *)alloc, 1, &large, 1, NULL, 0, 0 },
	};
	struct lg_group_opts o = opts_by(LG_GROUP_LINES);
	struct lg_group_set s;
	struct lg_pprof p;

	hand_profile(&p, sm, 3);
	o.by_label = "bytes";
	lg_group_set_init(&s, &o);
	lg_group_add_profile(&s, &p, 0);
	lg_group_finish(&s, 0);
	CHECK_INT(s.n, 2);
	if (s.n == 2) {
		CHECK_STR(s.g[0].label, "-4096");
		CHECK_INT(s.g[0].count, 4096);
		CHECK_STR(s.g[0].labels, "{bytes: -4096 B}");
		CHECK_STR(s.g[1].label, "64");
		CHECK_INT(s.g[1].count, 192);
		CHECK_INT(s.g[1].entries, 2);
	}
	lg_group_set_release(&s);
}

static void test_input_detection(void)
{
	static const unsigned char gz[] = { 0x1f, 0x8b, 8, 0 };
	static const unsigned char raw[] = { 0x0a, 0x04, 0x08, 0x01, 0x10, 0x02 };
	static const char text[] = "\ngoroutine 1 [running]:\n";

	CHECK_INT(lg_input_is_profile(gz, sizeof(gz)), 1);
	CHECK_INT(lg_input_is_profile(raw, sizeof(raw)), 1);
	CHECK_INT(lg_input_is_profile((const unsigned char *)text, strlen(text)), 0);
	CHECK_INT(lg_input_is_profile((const unsigned char *)"", 0), 0);
}

static void test_input_errors(void)
{
	struct lg_group_opts o = opts_by(LG_GROUP_EXACT);
	struct lg_input in;
	struct lg_input_opts io;
	struct lg_err err;

	memset(&io, 0, sizeof(io));
	io.group = &o;
	lg_input_init(&in);
	CHECK_INT(lg_input_load(&in, "/nonexistent/dump.txt", &io, &err), -1);
	CHECK(strstr(err.msg, "cannot open '/nonexistent/dump.txt'") != NULL);
	lg_input_release(&in);
	/* a text with no goroutine is not a dump */
	load(&in, "pprof/README.md", &o, NULL, -1);
	lg_input_release(&in);
}

/* ---------------------------------------------------------------------- */
/* Diff. */

static const char before_dump[] =
	"goroutine 10 [chan receive]:\nmain.worker()\n\t/src/main.go:42 +0x1\n"
	"created by main.start in goroutine 1\n\t/src/main.go:30 +0x2\n\n"
	"goroutine 20 [select]:\nmain.loop()\n\t/src/main.go:60 +0x1\n\n"
	"goroutine 21 [select]:\nmain.loop()\n\t/src/main.go:60 +0x1\n\n"
	"goroutine 30 [sleep]:\nmain.nap()\n\t/src/main.go:70 +0x1\n\n";
static const char after_dump[] =
	"goroutine 10 [chan receive, 2 minutes]:\nmain.worker()\n\t/src/main.go:42 +0x1\n"
	"created by main.start in goroutine 1\n\t/src/main.go:30 +0x2\n\n"
	"goroutine 40 [chan receive]:\nmain.worker()\n\t/src/main.go:42 +0x1\n"
	"created by main.start in goroutine 1\n\t/src/main.go:30 +0x2\n\n"
	"goroutine 20 [select]:\nmain.loop()\n\t/src/main.go:60 +0x1\n\n"
	"goroutine 50 [IO wait]:\nmain.serve()\n\t/src/main.go:80 +0x1\n\n"
	"goroutine 51 [IO wait]:\nmain.serve()\n\t/src/main.go:80 +0x1\n\n"
	"goroutine 52 [IO wait]:\nmain.serve()\n\t/src/main.go:80 +0x1\n\n";

static const struct lg_group_change *change_of(const struct lg_group_set *a,
					       const struct lg_group_set *b,
					       const struct lg_group_change *c, size_t n,
					       const char *func)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct lg_group *g = c[i].after ? c[i].after : c[i].before;
		const struct lg_group_set *s = c[i].after ? b : a;

		if (g->nframes && !strcmp(lg_group_frame(s, g, 0)->func, func))
			return &c[i];
	}
	return NULL;
}

static void test_diff_dumps(void)
{
	struct lg_group_opts o = opts_by(LG_GROUP_FUNCS);
	struct lg_dump da, db;
	struct lg_group_set a, b;
	struct lg_group_change *c = NULL;
	const struct lg_group_change *x;
	size_t n;

	group_text(&da, &a, before_dump, &o);
	group_text(&db, &b, after_dump, &o);
	n = lg_group_diff(&a, &b, &c);
	CHECK_INT(n, 4);
	CHECK_STR(lg_group_frame(&b, c[0].after, 0)->func, "main.serve"); /* +3 first */
	x = change_of(&a, &b, c, n, "main.serve");
	CHECK(x && x->kind == LG_CHANGE_NEW && x->delta == 3 && !x->long_lived);
	x = change_of(&a, &b, c, n, "main.worker");
	CHECK(x && x->kind == LG_CHANGE_GROWN && x->delta == 1 && x->long_lived);
	x = change_of(&a, &b, c, n, "main.loop");
	CHECK(x && x->kind == LG_CHANGE_SHRUNK && x->delta == -1 && x->long_lived);
	x = change_of(&a, &b, c, n, "main.nap");
	CHECK(x && x->kind == LG_CHANGE_GONE && x->delta == -1 && x->after == NULL);
	CHECK_STR(lg_change_kind_name(LG_CHANGE_SHRUNK), "shrunk");
	free(c);
	lg_group_set_release(&a);
	lg_group_set_release(&b);
	lg_dump_release(&da);
	lg_dump_release(&db);
}

static void test_by_names(void)
{
	enum lg_group_by by;

	CHECK_INT(lg_group_by_parse("lines", &by), 0);
	CHECK_INT(by, LG_GROUP_LINES);
	CHECK_INT(lg_group_by_parse("signature", &by), 0);
	CHECK_INT(by, LG_GROUP_FUNCS);
	CHECK_INT(lg_group_by_parse("Lines", &by), -1);
	CHECK_STR(lg_group_by_name(LG_GROUP_EXACT), "exact");
}

static void test_folded(void)
{
	struct lg_group_opts o = opts_by(LG_GROUP_FUNCS);
	struct lg_dump d;
	struct lg_group_set s;
	struct lg_buf b = LG_BUF_INIT;

	group_text(&d, &s, levels_dump, &o);
	lg_group_folded(&s, &s.g[0], &b);
	CHECK_STR(b.buf, "main.worker;runtime.gopark");
	lg_group_set_release(&s);
	lg_dump_release(&d);
	lg_buf_release(&b);
}

/*
 * lg_group_finish hashes signatures from its frame table (kept lengths and
 * runtime marks) for speed: every group of every dump and profile fixture,
 * at every level, must get exactly lg_goroutine_signature of its own
 * frames, the persisted definition.  A change to either side fails here.
 */
static void test_signature_from_table(void)
{
	static const char *const files[] = {
		"dumps/go126_sigquit.txt", "dumps/go127_sigquit_crash.txt", "dumps/go126_pprof1.txt",
		"dumps/go127_pprof2.txt", "dumps/go127_leak1.txt", "dumps/go126_gen11_h2.txt",
		"pprof/goroutine.pb.gz", "pprof/goroutineleak.pb.gz", "pprof/heap_after.pb.gz",
		"pprof/mutex.pb.gz", "pprof/block.pb.gz",
	};
	size_t f, i, k, checked = 0;
	enum lg_group_by by;

	for (f = 0; f < LG_ARRAY_SIZE(files); f++)
		for (by = LG_GROUP_EXACT; by <= LG_GROUP_FUNCS; by++) {
			struct lg_group_opts o = opts_by(by);
			struct lg_input in;

			load(&in, files[f], &o, NULL, 0);
			for (i = 0; i < in.groups.n; i++) {
				const struct lg_group *g = &in.groups.g[i];
				struct lg_frame *fr = lg_xcalloc(g->nframes + 1, sizeof(*fr));
				struct lg_goroutine gr;
				char sig[17];

				for (k = 0; k < g->nframes; k++)
					fr[k] = *lg_group_frame(&in.groups, g, k);
				memset(&gr, 0, sizeof(gr));
				gr.status = lg_group_dump_of(g)->status;
				gr.wait = g->wait;
				gr.frames = fr;
				gr.nframes = g->nframes;
				lg_goroutine_signature(&gr, sig);
				CHECK_STR(g->signature, sig);
				checked++;
				free(fr);
			}
			lg_input_release(&in);
		}
	CHECK(checked > 100);
}

/* Checks lg_group_folded_order on a finished set against strcmp of the text. */
static size_t check_folded_order(const struct lg_group_set *s)
{
	uint32_t *order = lg_xmalloc((s->n + 1) * sizeof(*order));
	unsigned char *same = lg_xmalloc(s->n + 1);
	struct lg_buf a = LG_BUF_INIT, b = LG_BUF_INIT;
	size_t i, bad = 0;

	lg_group_folded_order(s, order, same);
	for (i = 1; i < s->n; i++) {
		int c;

		lg_buf_reset(&a);
		lg_buf_reset(&b);
		lg_group_folded(s, &s->g[order[i - 1]], &a);
		lg_group_folded(s, &s->g[order[i]], &b);
		c = strcmp(a.buf, b.buf);
		if (c > 0 || (c == 0) != (same[i] == 1)) {
			fprintf(stderr, "folded order: \"%s\" then \"%s\" (same %d)\n", a.buf, b.buf, same[i]);
			bad++;
		}
	}
	if (s->n)
		CHECK_INT(same[0], 0);
	lg_buf_release(&a);
	lg_buf_release(&b);
	free(same);
	free(order);
	return bad;
}

/*
 * The folded view's order is worked out on ranked tokens, not text: it
 * must be strcmp's on names that are prefixes of each other ("a.f" before
 * "a.f.g" as the last frame, after it when a frame follows: ';' > '.'),
 * names holding ';' (shown as ':'), equal folded text from different
 * frames (same function, other lines), and the fixtures at every level
 * and by label.
 */
static const char fold_dump[] =
	"goroutine 1 [select]:\nmain.f()\n\t/s/m.go:1 +0x1\nmain.r()\n\t/s/m.go:9 +0x1\n\n"
	"goroutine 2 [select]:\nmain.f.g()\n\t/s/m.go:2 +0x1\nmain.r()\n\t/s/m.go:9 +0x1\n\n"
	"goroutine 3 [select]:\nmain.x()\n\t/s/m.go:3 +0x1\nmain.f()\n\t/s/m.go:1 +0x1\nmain.r()\n\t/s/m.go:9 +0x1\n\n"
	"goroutine 4 [select]:\nmain.x()\n\t/s/m.go:3 +0x1\nmain.f.g()\n\t/s/m.go:2 +0x1\nmain.r()\n\t/s/m.go:9 +0x1\n\n"
	"goroutine 5 [select]:\nmain.f()\n\t/s/m.go:7 +0x1\nmain.r()\n\t/s/m.go:9 +0x1\n\n"
	"goroutine 6 [select]:\nmain.f;g()\n\t/s/m.go:4 +0x1\nmain.r()\n\t/s/m.go:9 +0x1\n\n"
	"goroutine 7 [select]:\nmain.f:g()\n\t/s/m.go:5 +0x1\nmain.r()\n\t/s/m.go:9 +0x1\n\n"
	"goroutine 8 [select]:\nmain.r()\n\t/s/m.go:9 +0x1\n\n"
	"goroutine 9 [select]:\nmain.r.x()\n\t/s/m.go:8 +0x1\n\n"
	"goroutine 10 [select]:\nmain.f()\n\t/s/m.go:1 +0x1\nmain.r.()\n\t/s/m.go:6 +0x1\n\n";

static void test_folded_order(void)
{
	static const char *const files[] = {
		"dumps/go126_sigquit.txt", "dumps/go127_sigquit_crash.txt", "dumps/go126_pprof1.txt",
		"dumps/go127_leak1.txt", "pprof/goroutine.pb.gz", "pprof/heap_after.pb.gz",
		"pprof/mutex.pb.gz",
	};
	struct lg_dump d;
	struct lg_group_set s;
	struct lg_group_opts o = opts_by(LG_GROUP_EXACT);
	size_t f, total = 0;
	enum lg_group_by by;

	group_text(&d, &s, fold_dump, &o);
	CHECK_INT(s.n, 10);
	CHECK_INT(check_folded_order(&s), 0);
	lg_group_set_release(&s);
	lg_dump_release(&d);
	for (f = 0; f < LG_ARRAY_SIZE(files); f++)
		for (by = LG_GROUP_EXACT; by <= LG_GROUP_FUNCS; by++) {
			struct lg_input in;

			o = opts_by(by);
			o.by_label = by == LG_GROUP_LINES ? "role" : NULL;
			load(&in, files[f], &o, NULL, 0);
			CHECK_INT(check_folded_order(&in.groups), 0);
			total += in.groups.n;
			lg_input_release(&in);
		}
	CHECK(total > 100);
}

static const struct lg_check_case cases[] = {
	{ "stream_equals_whole", test_stream_equals_whole },
	{ "stream_pending_frame_across_chunks", test_stream_pending_frame_across_chunks },
	{ "stream_long_line", test_stream_long_line },
	{ "stream_input_cap", test_stream_input_cap },
	{ "levels", test_levels },
	{ "funcs_id_is_signature", test_funcs_id_is_signature },
	{ "signature_from_table", test_signature_from_table },
	{ "ids_stable_across_inputs", test_ids_stable_across_inputs },
	{ "smallest_ids_kept", test_smallest_ids_kept },
	{ "min_count", test_min_count },
	{ "finish skips what opts.skip names", test_finish_skip },
	{ "labels_get", test_labels_get },
	{ "labels_in_fixtures", test_labels_in_fixtures },
	{ "state_and_func_filters", test_state_and_func_filters },
	{ "debug1_total", test_debug1_total },
	{ "profile_goroutine_by_label", test_profile_goroutine_by_label },
	{ "profile_heap_sample_types", test_profile_heap_sample_types },
	{ "profile_heap_diff", test_profile_heap_diff },
	{ "profile_merge", test_profile_merge },
	{ "profile_numeric_by_label", test_profile_numeric_by_label },
	{ "profile grouped sample by sample as merged", test_profile_each_sample },
	{ "input_detection", test_input_detection },
	{ "input_errors", test_input_errors },
	{ "diff_dumps", test_diff_dumps },
	{ "by_names", test_by_names },
	{ "folded", test_folded },
	{ "folded_order", test_folded_order },
};

int main(void)
{
	return LG_CHECK_RUN(cases);
}
