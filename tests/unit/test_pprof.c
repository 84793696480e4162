/*
 * test_pprof.c — the pprof decoder on real Go profiles and on hostile ones.
 *
 * The fixtures under tests/fixtures/pprof were written by the Go program in
 * tests/fixtures/pprof/gen (see the README there); every number asserted on
 * them was read off `go tool pprof -raw` / `-traces` for the same file.
 * The rest of the inputs are built here: a tiny protobuf encoder writes
 * profiles with packed and unpacked repeated fields, inlined frames and
 * labels, and then breaks them one reference at a time; zlib makes gzip
 * streams that are truncated, concatenated, followed by junk or a bomb.
 * Every bad input must fail with a message that names it, and nothing may
 * leak (the test runs under ASan with leak checking).
 *
 * The way back out — lg_pprof_diff and lg_pprof_write_file — is judged by
 * the real `go tool pprof`: what we write must open there, with the same
 * sample types, sample count and per-type totals that we hold (read off
 * -raw), labels shown by -traces, and it must decode back sample by sample.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "pprof.h"
#include "pprof_wire.h"
#include "util.h"
#include "check_tmp.h"

#define MAIN_GO "leakgate.test/pprofgen/main.go"

static const char *source_dir(void)
{
	const char *s = getenv("LG_SOURCE_DIR");

	return s && *s ? s : ".";
}

/* Parses fixture `name`; on failure the message is printed and CHECKed. */
static int load(struct lg_pprof *p, const char *name)
{
	char *path = lg_xasprintf("%s/tests/fixtures/pprof/%s", source_dir(), name);
	struct lg_err err;
	int ret;

	lg_pprof_init(p);
	ret = lg_pprof_parse_file(p, path, &err);
	if (ret)
		fprintf(stderr, "load %s: %s\n", path, err.msg);
	CHECK(ret == 0);
	free(path);
	return ret;
}

static void read_fixture(const char *name, struct lg_buf *b)
{
	char *path = lg_xasprintf("%s/tests/fixtures/pprof/%s", source_dir(), name);
	struct lg_err err;

	CHECK(lg_read_file(path, (size_t)1 << 24, b, &err) == 0);
	free(path);
}

/* Does any frame of sample `s` belong to function `func`? */
static int has_func(const struct lg_pprof_sample *s, const char *func)
{
	size_t i;

	for (i = 0; i < s->nframes; i++)
		if (!strcmp(s->frames[i].func, func))
			return 1;
	return 0;
}

/* The first sample whose stack contains `func`, or NULL. */
static const struct lg_pprof_sample *find_sample(const struct lg_pprof *p, const char *func)
{
	size_t i;

	for (i = 0; i < p->nsamples; i++)
		if (has_func(&p->samples[i], func))
			return &p->samples[i];
	return NULL;
}

/* Expects parsing `len` bytes to fail with a message containing `want`. */
static void expect_fail(const void *data, size_t len, const char *name, const char *want)
{
	struct lg_pprof p;
	struct lg_err err;
	int ret;

	lg_pprof_init(&p);
	err.msg[0] = '\0';
	ret = lg_pprof_parse(&p, data, len, name, &err);
	CHECK_INT(ret, -1);
	if (!strstr(err.msg, want)) {
		fprintf(stderr, "error for %s: \"%s\", want it to contain \"%s\"\n", name,
			err.msg, want);
		CHECK(0);
	}
	CHECK_INT(p.nsamples, 0);
	CHECK(p.priv == NULL);
	lg_pprof_release(&p);
}

/* ---- a minimal protobuf writer for hand-made profiles ---- */

static void pb_varint(struct lg_buf *b, uint64_t v)
{
	while (v >= 0x80) {
		lg_buf_addch(b, (int)(v & 0x7f) | 0x80);
		v >>= 7;
	}
	lg_buf_addch(b, (int)v);
}

static void pb_uint(struct lg_buf *b, int field, uint64_t v)
{
	pb_varint(b, (uint64_t)field << 3);
	pb_varint(b, v);
}

static void pb_bytes(struct lg_buf *b, int field, const void *data, size_t len)
{
	pb_varint(b, (uint64_t)field << 3 | 2);
	pb_varint(b, len);
	lg_buf_add(b, data, len);
}

/* Appends sub-message `sub` as field `field` and empties it. */
static void pb_msg(struct lg_buf *b, int field, struct lg_buf *sub)
{
	pb_bytes(b, field, sub->buf, sub->len);
	lg_buf_reset(sub);
}

/* A repeated integer field, packed or as one tag per value. */
static void pb_repeated(struct lg_buf *b, int field, const uint64_t *v, size_t n, int packed)
{
	struct lg_buf sub = LG_BUF_INIT;
	size_t i;

	if (!packed) {
		for (i = 0; i < n; i++)
			pb_uint(b, field, v[i]);
		return;
	}
	for (i = 0; i < n; i++)
		pb_varint(&sub, v[i]);
	pb_bytes(b, field, sub.buf, sub.len);
	lg_buf_release(&sub);
}

/* Knobs that turn the good hand-made profile into a broken one. */
struct spec {
	int packed;
	int64_t f1_name;      /* string index of function 1's name */
	uint64_t line_fid;    /* function id on location 2's line */
	uint64_t sample_loc;  /* second location id of sample 1 */
	uint64_t loc_mapping; /* mapping id of location 1 */
	int nvalues;
	const char *first_string;
};

static const char *const strings[] = {
	"", "count", "bytes", "main.inner", "a.go", "role", "fetcher",
	"main.outer", "b.go", "runtime.mallocgc", "samples",
};

static struct spec good_spec(int packed)
{
	struct spec s = { packed, 3, 2, 2, 1, 2, "" };

	return s;
}

/*
 * Writes a profile: sample types samples/count and bytes/bytes; function 1
 * main.inner (a.go), 2 main.outer (b.go), 3 runtime.mallocgc; location 1
 * has main.inner:10 inlined into main.outer:20, location 2 is
 * main.outer:30, location 3 runtime.mallocgc:5; sample 1 = [3, 1, 2] with
 * values 5, 640, labels role=fetcher and bytes=64 (bytes), sample 2 = [2]
 * with values 1, 100.  The pieces below write it a part at a time, so
 * tests can put the parts in another order or swap in samples of their own.
 */
static void build_sample_types(struct lg_buf *out)
{
	struct lg_buf m = LG_BUF_INIT;

	pb_uint(&m, 1, 10);
	pb_uint(&m, 2, 1);
	pb_msg(out, 1, &m);
	pb_uint(&m, 1, 2);
	pb_uint(&m, 2, 2);
	pb_msg(out, 1, &m);
	lg_buf_release(&m);
}

/* The labels of sample 1 (role=fetcher, bytes=64 bytes) into Sample `m`. */
static void hand_labels(struct lg_buf *m)
{
	struct lg_buf sub = LG_BUF_INIT;

	pb_uint(&sub, 1, 5);
	pb_uint(&sub, 2, 6);
	pb_msg(m, 3, &sub);
	pb_uint(&sub, 1, 2);
	pb_uint(&sub, 3, 64);
	pb_uint(&sub, 4, 2);
	pb_msg(m, 3, &sub);
	lg_buf_release(&sub);
}

static void build_sample1(struct lg_buf *out, const struct spec *s)
{
	struct lg_buf m = LG_BUF_INIT;
	uint64_t locs[3] = { 3, 1, 0 }, vals[2] = { 5, 640 };

	locs[2] = s->sample_loc;
	pb_repeated(&m, 1, locs, 3, s->packed);
	pb_repeated(&m, 2, vals, (size_t)s->nvalues, s->packed);
	hand_labels(&m);
	pb_msg(out, 2, &m);
	lg_buf_release(&m);
}

static void build_sample2(struct lg_buf *out)
{
	struct lg_buf m = LG_BUF_INIT;

	pb_uint(&m, 1, 2);
	pb_uint(&m, 2, 1);
	pb_uint(&m, 2, 100);
	pb_msg(out, 2, &m);
	lg_buf_release(&m);
}

/*
 * Everything but the samples and sample types: mapping, locations,
 * functions, strings, period.  *mid (if non-NULL) gets the length of `out`
 * after the locations, a field boundary to put other fields at.
 */
static void build_tables(struct lg_buf *out, const struct spec *s, size_t *mid)
{
	struct lg_buf m = LG_BUF_INIT, sub = LG_BUF_INIT;
	size_t i;

	pb_uint(&m, 1, 1);
	pb_uint(&m, 2, 0x400000);
	pb_uint(&m, 3, 0x500000);
	pb_msg(out, 3, &m);

	/* location 1: two lines, the inlined callee first */
	pb_uint(&m, 1, 1);
	pb_uint(&m, 2, s->loc_mapping);
	pb_uint(&m, 3, 0x401000);
	pb_uint(&sub, 1, 1);
	pb_uint(&sub, 2, 10);
	pb_msg(&m, 4, &sub);
	pb_uint(&sub, 1, 2);
	pb_uint(&sub, 2, 20);
	pb_msg(&m, 4, &sub);
	pb_msg(out, 4, &m);
	pb_uint(&m, 1, 2);
	pb_uint(&sub, 1, s->line_fid);
	pb_uint(&sub, 2, 30);
	pb_msg(&m, 4, &sub);
	pb_msg(out, 4, &m);
	pb_uint(&m, 1, 3);
	pb_uint(&sub, 1, 3);
	pb_uint(&sub, 2, 5);
	pb_msg(&m, 4, &sub);
	pb_msg(out, 4, &m);
	if (mid)
		*mid = out->len;

	pb_uint(&m, 1, 1);
	pb_uint(&m, 2, (uint64_t)s->f1_name);
	pb_uint(&m, 4, 4);
	pb_msg(out, 5, &m);
	pb_uint(&m, 1, 2);
	pb_uint(&m, 2, 7);
	pb_uint(&m, 4, 8);
	pb_msg(out, 5, &m);
	pb_uint(&m, 1, 3);
	pb_uint(&m, 2, 9);
	pb_uint(&m, 4, 4);
	pb_msg(out, 5, &m);

	for (i = 0; i < LG_ARRAY_SIZE(strings); i++) {
		const char *str = i ? strings[i] : s->first_string;

		pb_bytes(out, 6, str, strlen(str));
	}
	pb_uint(out, 12, 1);
	lg_buf_release(&m);
	lg_buf_release(&sub);
}

static void build(struct lg_buf *out, const struct spec *s)
{
	build_sample_types(out);
	build_sample1(out, s);
	build_sample2(out);
	build_tables(out, s, NULL);
}

/* gzip-compresses `len` bytes; `times` repeats them (for bombs). */
static void gzip_bytes(const void *data, size_t len, size_t times, struct lg_buf *out)
{
	z_stream zs;
	unsigned char chunk[1 << 16];
	size_t i;
	int zret;

	memset(&zs, 0, sizeof(zs));
	CHECK(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 9,
			   Z_DEFAULT_STRATEGY) == Z_OK);
	for (i = 0; i <= times; i++) {
		int flush = i == times ? Z_FINISH : Z_NO_FLUSH;

		zs.next_in = (Bytef *)data;
		zs.avail_in = i == times ? 0 : (uInt)len;
		do {
			zs.next_out = chunk;
			zs.avail_out = sizeof(chunk);
			zret = deflate(&zs, flush);
			CHECK(zret != Z_STREAM_ERROR);
			lg_buf_add(out, chunk, sizeof(chunk) - zs.avail_out);
		} while (zs.avail_out == 0 || (flush == Z_FINISH && zret != Z_STREAM_END));
	}
	deflateEnd(&zs);
}

/* ---- real Go profiles ---- */

static void test_heap_fixture(void)
{
	struct lg_pprof p;
	const struct lg_pprof_sample *s = NULL;
	size_t i;

	if (load(&p, "heap_after.pb.gz"))
		return;
	CHECK_INT(p.nsample_types, 4);
	CHECK_STR(p.sample_types[0].type, "alloc_objects");
	CHECK_STR(p.sample_types[0].unit, "count");
	CHECK_STR(p.sample_types[3].type, "inuse_space");
	CHECK_STR(p.sample_types[3].unit, "bytes");
	CHECK_STR(p.period_type.type, "space");
	CHECK_STR(p.period_type.unit, "bytes");
	CHECK_INT(p.period, 1);
	CHECK(p.time_nanos > 0);
	CHECK_INT(p.nsamples, 138);
	CHECK_INT(lg_pprof_sample_index(&p, "inuse_space"), 3);
	CHECK_INT(lg_pprof_sample_index(&p, "goroutine"), -1);
	CHECK_INT(lg_pprof_sample_index(&p, NULL), -1);
	/* The 256 x 4 KiB blocks: one sample, labelled with the block size. */
	for (i = 0; i < p.nsamples; i++)
		if (p.samples[i].values[0] == 256)
			s = &p.samples[i];
	CHECK(s != NULL);
	if (!s)
		goto out;
	CHECK_INT(s->values[1], 1048576);
	CHECK_INT(s->values[3], 1048576);
	CHECK(s->nframes >= 2);
	CHECK_STR(s->frames[0].func, "main.growHeapForLeakgate");
	CHECK_STR(s->frames[0].file, MAIN_GO);
	CHECK_INT(s->frames[0].line, 41);
	CHECK_STR(s->frames[1].func, "main.main");
	CHECK_INT(s->nlabels, 1);
	if (s->nlabels == 1) {
		CHECK_STR(s->labels[0].key, "bytes");
		CHECK(s->labels[0].str == NULL);
		CHECK_INT(s->labels[0].num, 4096);
	}
out:
	lg_pprof_release(&p);
	CHECK(p.priv == NULL && p.samples == NULL);
}

static void test_allocs_fixture(void)
{
	struct lg_pprof p;

	if (load(&p, "allocs.pb.gz"))
		return;
	CHECK_INT(p.nsample_types, 4);
	CHECK_INT(p.nsamples, 267);
	/* Same data as heap; only the preferred view differs. */
	CHECK_STR(p.default_sample_type, "alloc_space");
	CHECK(find_sample(&p, "main.growHeapForLeakgate") != NULL);
	lg_pprof_release(&p);
}

static void test_goroutine_labels(void)
{
	struct lg_pprof p;
	const struct lg_pprof_sample *s;

	if (load(&p, "goroutine.pb.gz"))
		return;
	CHECK_INT(p.nsample_types, 1);
	CHECK_STR(p.sample_types[0].type, "goroutine");
	CHECK_STR(p.sample_types[0].unit, "count");
	CHECK_STR(p.default_sample_type, "");
	CHECK_INT(p.nsamples, 2);
	s = find_sample(&p, "main.waitForRelease");
	CHECK(s != NULL);
	if (s) {
		CHECK_INT(s->values[0], 3);
		CHECK_INT(s->nframes, 4);
		CHECK_STR(s->frames[0].func, "runtime.gopark");
		CHECK_STR(s->frames[3].func, "main.waitForRelease");
		CHECK_INT(s->frames[3].line, 95);
		CHECK_INT(s->nlabels, 2);
		if (s->nlabels == 2) {
			CHECK_STR(s->labels[0].key, "role");
			CHECK_STR(s->labels[0].str, "fetcher");
			CHECK_STR(s->labels[1].key, "shard");
			CHECK_STR(s->labels[1].str, "7");
		}
	}
	s = find_sample(&p, "main.write");
	CHECK(s != NULL && s->nlabels == 0 && s->values[0] == 1);
	lg_pprof_release(&p);
}

static void test_mutex_inlined(void)
{
	struct lg_pprof p;
	const struct lg_pprof_sample *s;

	if (load(&p, "mutex.pb.gz"))
		return;
	CHECK_INT(p.nsample_types, 2);
	CHECK_STR(p.sample_types[0].type, "contentions");
	CHECK_STR(p.sample_types[1].type, "delay");
	CHECK_STR(p.sample_types[1].unit, "nanoseconds");
	CHECK_INT(p.nsamples, 4);
	/* One location, two lines: Unlock was inlined into the closure. */
	s = find_sample(&p, "main.contendMutex.func1");
	CHECK(s != NULL);
	if (s) {
		CHECK_INT(s->values[0], 79);
		CHECK_INT(s->values[1], 255554580);
		CHECK_INT(s->nframes, 2);
		CHECK_STR(s->frames[0].func, "sync.(*Mutex).Unlock");
		CHECK_STR(s->frames[0].file, "sync/mutex.go");
		CHECK_INT(s->frames[0].line, 65);
		CHECK_STR(s->frames[1].func, "main.contendMutex.func1");
		CHECK_INT(s->frames[1].line, 57);
	}
	lg_pprof_release(&p);
}

static void test_block_fixture(void)
{
	struct lg_pprof p;
	const struct lg_pprof_sample *s;

	if (load(&p, "block.pb.gz"))
		return;
	CHECK_INT(p.nsamples, 6);
	CHECK_STR(p.sample_types[0].type, "contentions");
	s = find_sample(&p, "main.blockOnChannel");
	CHECK(s != NULL);
	if (s) {
		CHECK_INT(s->values[0], 10);
		CHECK_INT(s->values[1], 11063490);
		CHECK_STR(s->frames[0].func, "runtime.chanrecv2");
	}
	lg_pprof_release(&p);
}

static void test_goroutineleak_fixture(void)
{
	struct lg_pprof p;
	const struct lg_pprof_sample *s;

	if (load(&p, "goroutineleak.pb.gz"))
		return;
	CHECK_STR(p.sample_types[0].type, "goroutineleak");
	CHECK_STR(p.period_type.type, "goroutineleak");
	CHECK_INT(p.nsamples, 1);
	s = find_sample(&p, "main.leakReceiver.func1");
	CHECK(s != NULL);
	if (s)
		CHECK_INT(s->values[0], 2);
	lg_pprof_release(&p);
}

/* The raw (not gzipped) protobuf decodes to the same profile. */
static void test_raw_protobuf(void)
{
	struct lg_buf gz = LG_BUF_INIT;
	unsigned char *raw = lg_xmalloc(1 << 20);
	uLongf rawlen = 1 << 20;
	struct lg_pprof p;
	struct lg_err err;
	z_stream zs;

	read_fixture("mutex.pb.gz", &gz);
	memset(&zs, 0, sizeof(zs));
	inflateInit2(&zs, 16 + MAX_WBITS);
	zs.next_in = (Bytef *)gz.buf;
	zs.avail_in = (uInt)gz.len;
	zs.next_out = raw;
	zs.avail_out = (uInt)rawlen;
	CHECK(inflate(&zs, Z_FINISH) == Z_STREAM_END);
	rawlen = zs.total_out;
	inflateEnd(&zs);

	lg_pprof_init(&p);
	CHECK(lg_pprof_parse(&p, raw, rawlen, "mutex.pb", &err) == 0);
	CHECK_INT(p.nsamples, 4);
	lg_pprof_release(&p);
	/* A protobuf cut inside its last varint is not a profile. */
	expect_fail(raw, rawlen - 1, "cut.pb", "'cut.pb': truncated or corrupt profile protobuf");
	expect_fail(raw, rawlen / 2, "half.pb", "'half.pb': ");
	free(raw);
	lg_buf_release(&gz);
}

/* ---- hand-made profiles ---- */

static void check_hand_profile(const struct lg_pprof *p)
{
	const struct lg_pprof_sample *s;

	CHECK_INT(p->nsample_types, 2);
	CHECK_INT(p->nsamples, 2);
	if (p->nsamples != 2)
		return;
	s = &p->samples[0];
	CHECK_INT(s->values[0], 5);
	CHECK_INT(s->values[1], 640);
	CHECK_INT(s->nframes, 4);
	if (s->nframes == 4) {
		CHECK_STR(s->frames[0].func, "runtime.mallocgc");
		CHECK_STR(s->frames[1].func, "main.inner");
		CHECK_STR(s->frames[1].file, "a.go");
		CHECK_INT(s->frames[1].line, 10);
		CHECK_STR(s->frames[2].func, "main.outer");
		CHECK_INT(s->frames[2].line, 20);
		CHECK_STR(s->frames[3].func, "main.outer");
		CHECK_STR(s->frames[3].file, "b.go");
		CHECK_INT(s->frames[3].line, 30);
	}
	CHECK_INT(s->nlabels, 2);
	if (s->nlabels == 2) {
		CHECK_STR(s->labels[0].key, "role");
		CHECK_STR(s->labels[0].str, "fetcher");
		CHECK_STR(s->labels[1].key, "bytes");
		CHECK(s->labels[1].str == NULL);
		CHECK_INT(s->labels[1].num, 64);
		CHECK_STR(s->labels[1].unit, "bytes");
	}
	s = &p->samples[1];
	CHECK_INT(s->nframes, 1);
	CHECK_INT(s->values[1], 100);
	CHECK_INT(s->nlabels, 0);
}

/* protobuf-c must read packed and one-per-tag repeated fields alike. */
static void test_packed_and_unpacked(void)
{
	struct lg_buf a = LG_BUF_INIT, b = LG_BUF_INIT, gz = LG_BUF_INIT;
	struct spec sa = good_spec(1), sb = good_spec(0);
	struct lg_pprof p;
	struct lg_err err;

	build(&a, &sa);
	build(&b, &sb);
	CHECK(a.len != b.len); /* really two different encodings */

	lg_pprof_init(&p);
	CHECK(lg_pprof_parse(&p, (unsigned char *)a.buf, a.len, "packed.pb", &err) == 0);
	check_hand_profile(&p);
	lg_pprof_release(&p);
	CHECK(lg_pprof_parse(&p, (unsigned char *)b.buf, b.len, "unpacked.pb", &err) == 0);
	check_hand_profile(&p);
	lg_pprof_release(&p);
	/* Parsing over a profile replaces it without leaking. */
	gzip_bytes(b.buf, b.len, 1, &gz);
	CHECK(lg_pprof_parse(&p, (unsigned char *)a.buf, a.len, "packed.pb", &err) == 0);
	CHECK(lg_pprof_parse(&p, (unsigned char *)gz.buf, gz.len, "unpacked.pb.gz", &err) == 0);
	check_hand_profile(&p);
	lg_pprof_release(&p);
	lg_buf_release(&a);
	lg_buf_release(&b);
	lg_buf_release(&gz);
}

static void expect_spec_fail(const struct spec *s, const char *want)
{
	struct lg_buf b = LG_BUF_INIT;

	build(&b, s);
	expect_fail(b.buf, b.len, "hand.pb", want);
	lg_buf_release(&b);
}

static void test_bad_references(void)
{
	struct spec s;

	s = good_spec(1);
	s.f1_name = 99;
	expect_spec_fail(&s, "'hand.pb': string index 99 out of range (table has 11)");
	s = good_spec(0);
	s.f1_name = -1;
	expect_spec_fail(&s, "'hand.pb': string index -1 out of range (table has 11)");
	s = good_spec(1);
	s.line_fid = 7;
	expect_spec_fail(&s, "'hand.pb': location 2 refers to missing function id 7");
	s = good_spec(1);
	s.line_fid = 0;
	expect_spec_fail(&s, "'hand.pb': location 2 refers to missing function id 0");
	s = good_spec(1);
	s.sample_loc = 9;
	expect_spec_fail(&s, "'hand.pb': sample 1 refers to missing location id 9");
	s = good_spec(0);
	s.loc_mapping = 4;
	expect_spec_fail(&s, "'hand.pb': location 1 refers to missing mapping id 4");
	s = good_spec(0);
	s.nvalues = 1;
	expect_spec_fail(&s, "'hand.pb': sample 1 has 1 values, want 2");
	s = good_spec(1);
	s.first_string = "x";
	expect_spec_fail(&s, "'hand.pb': not a pprof profile");
}

static void test_duplicate_and_zero_ids(void)
{
	struct lg_buf b = LG_BUF_INIT, f = LG_BUF_INIT;
	struct spec s = good_spec(1);

	/* A second function 2 appended to a good profile. */
	build(&b, &s);
	pb_uint(&f, 1, 2);
	pb_uint(&f, 2, 3);
	pb_msg(&b, 5, &f);
	expect_fail(b.buf, b.len, "dup.pb", "'dup.pb': duplicate function id 2");
	lg_buf_reset(&b);
	build(&b, &s);
	pb_uint(&f, 2, 1);
	pb_msg(&b, 4, &f);
	expect_fail(b.buf, b.len, "zero.pb", "'zero.pb': location 4 has the reserved id 0");
	lg_buf_release(&b);
	lg_buf_release(&f);
}

/* A location with a line, referenced again and again, must hit the cap. */
static void test_frame_cap(void)
{
	struct lg_buf b = LG_BUF_INIT, m = LG_BUF_INIT, sub = LG_BUF_INIT;
	size_t i, nlines = 4096, nrefs = LG_PPROF_MAX_FRAMES / 4096 + 1;
	uint64_t *refs = lg_xcalloc(nrefs, sizeof(*refs));

	pb_uint(&m, 1, 1);
	for (i = 0; i < nlines; i++) {
		pb_uint(&sub, 1, 1);
		pb_msg(&m, 4, &sub);
	}
	pb_msg(&b, 4, &m);
	pb_uint(&m, 1, 1);
	pb_msg(&b, 5, &m);
	for (i = 0; i < nrefs; i++)
		refs[i] = 1;
	pb_repeated(&m, 1, refs, nrefs, 1);
	pb_msg(&b, 2, &m);
	pb_bytes(&b, 6, "", 0);
	expect_fail(b.buf, b.len, "frames.pb", "'frames.pb': profile expands to more than");
	free(refs);
	lg_buf_release(&b);
	lg_buf_release(&m);
	lg_buf_release(&sub);
}

static void test_unsymbolised_location(void)
{
	struct lg_buf b = LG_BUF_INIT, m = LG_BUF_INIT;
	uint64_t one = 7;
	struct lg_pprof p;
	struct lg_err err;

	pb_uint(&m, 1, 7);
	pb_uint(&m, 3, 0x4e2bbd);
	pb_msg(&b, 4, &m);
	pb_repeated(&m, 1, &one, 1, 0);
	pb_msg(&b, 2, &m);
	pb_bytes(&b, 6, "", 0);
	lg_pprof_init(&p);
	CHECK(lg_pprof_parse(&p, (unsigned char *)b.buf, b.len, "addr.pb", &err) == 0);
	CHECK_INT(p.nsamples, 1);
	if (p.nsamples == 1 && p.samples[0].nframes == 1)
		CHECK_STR(p.samples[0].frames[0].func, "0x4e2bbd");
	lg_pprof_release(&p);
	lg_buf_release(&b);
	lg_buf_release(&m);
}

/* ---- the hand-written Sample decoder ---- */

/* A profile: the hand-made sample types and tables around `samples` (field 2s). */
static void with_samples(struct lg_buf *out, const struct lg_buf *samples)
{
	struct spec s = good_spec(1);

	build_sample_types(out);
	lg_buf_add(out, samples->buf, samples->len);
	build_tables(out, &s, NULL);
}

/*
 * Parses `b` as is, or gzipped: the decoder cuts the samples out of an
 * inflated profile in place, and out of a raw one into a copy, so both
 * ways have to be tried.
 */
static int parse_as(struct lg_pprof *p, const struct lg_buf *b, int gzipped, const char *name)
{
	struct lg_buf gz = LG_BUF_INIT;
	struct lg_err err;
	int ret;

	lg_pprof_init(p);
	if (gzipped)
		gzip_bytes(b->buf, b->len, 1, &gz);
	ret = gzipped ? lg_pprof_parse(p, (unsigned char *)gz.buf, gz.len, name, &err)
		      : lg_pprof_parse(p, (unsigned char *)b->buf, b->len, name, &err);
	if (ret)
		fprintf(stderr, "%s (%s): %s\n", name, gzipped ? "gzipped" : "raw", err.msg);
	CHECK_INT(ret, 0);
	lg_buf_release(&gz);
	return ret;
}

/* Expects `b`, raw and gzipped, to fail with "'NAME': " `tail` (NAME.gz gzipped). */
static void expect_fail_both(const struct lg_buf *b, const char *name, const char *tail)
{
	struct lg_buf gz = LG_BUF_INIT;
	char *gzname = lg_xasprintf("%s.gz", name);
	char *want = lg_xasprintf("'%s': %s", name, tail);
	char *gzwant = lg_xasprintf("'%s': %s", gzname, tail);

	expect_fail(b->buf, b->len, name, want);
	gzip_bytes(b->buf, b->len, 1, &gz);
	expect_fail(gz.buf, gz.len, gzname, gzwant);
	lg_buf_release(&gz);
	free(gzname);
	free(want);
	free(gzwant);
}

/* Sample 1 of the hand profile followed by one Sample whose body is `bad`. */
static void expect_bad_sample2(const struct lg_buf *bad, const char *name, const char *tail)
{
	struct lg_buf smp = LG_BUF_INIT, b = LG_BUF_INIT;
	struct spec s = good_spec(1);

	build_sample1(&smp, &s);
	pb_bytes(&smp, 2, bad->buf, bad->len);
	with_samples(&b, &smp);
	expect_fail_both(&b, name, tail);
	lg_buf_release(&smp);
	lg_buf_release(&b);
}

/* Appends raw bytes (a hand-made field) to `b`. */
static void raw_bytes(struct lg_buf *b, const char *bytes, size_t n)
{
	lg_buf_add(b, bytes, n);
}

/* Location ids and values: packed runs and one-per-tag values, mixed, concatenate. */
static void test_mixed_packing(void)
{
	struct lg_buf smp = LG_BUF_INIT, m = LG_BUF_INIT, b = LG_BUF_INIT;
	uint64_t three = 3, one_two[] = { 1, 2 }, v640 = 640, v1 = 1;
	struct lg_pprof p;
	int gz;

	pb_repeated(&m, 1, &three, 1, 1); /* a packed run of one */
	pb_uint(&m, 2, 5);                /* a value, one per tag */
	pb_bytes(&m, 1, "", 0);           /* an empty packed run */
	hand_labels(&m);                  /* labels between the location ids */
	pb_repeated(&m, 2, &v640, 1, 1);
	pb_uint(&m, 1, one_two[0]);       /* a location id, one per tag */
	pb_repeated(&m, 1, &one_two[1], 1, 1);
	pb_msg(&smp, 2, &m);
	pb_repeated(&m, 2, &v1, 1, 1);
	pb_repeated(&m, 1, &one_two[1], 1, 0);
	pb_uint(&m, 2, 100);
	pb_msg(&smp, 2, &m);
	with_samples(&b, &smp);
	for (gz = 0; gz < 2; gz++) {
		if (parse_as(&p, &b, gz, "mixed.pb") == 0)
			check_hand_profile(&p);
		lg_pprof_release(&p);
	}
	lg_buf_release(&smp);
	lg_buf_release(&m);
	lg_buf_release(&b);
}

/*
 * pw_count_samples counts what pw_split_profile then decodes: samples,
 * location ids, values and labels, packed or not (`b` is a raw profile),
 * so the pools are sized once.  Returns the counts.
 */
static struct pw_counts check_counts(const struct lg_buf *b)
{
	struct pw_budget budget;
	struct pw_pools sp;
	struct pw_counts c;
	struct lg_err err;
	unsigned char *rest = lg_xmalloc(b->len + 1);
	size_t restlen;

	memset(&budget, 0, sizeof(budget));
	budget.cap = LG_PPROF_MAX_UNPACKED;
	pw_pools_init(&sp, &budget);
	pw_count_samples((const unsigned char *)b->buf, b->len, &c);
	CHECK_INT(pw_split_profile(&budget, &sp, (const unsigned char *)b->buf, b->len, rest,
				   &restlen, "counted.pb", &err), 0);
	CHECK_INT(c.samples, sp.nsamples);
	CHECK_INT(c.locs, sp.locs.n);
	CHECK_INT(c.vals, sp.vals.n);
	CHECK_INT(c.labels, sp.nlabels);
	/* the pools got that room at once (past their first 64): no more, and enough */
	CHECK_INT(sp.locs.alloc, c.locs + 1 > 64 ? c.locs + 1 : 64);
	CHECK_INT(sp.spans_alloc, c.samples + 2 > 64 ? c.samples + 2 : 64);
	pw_pools_drop_scratch(&sp);
	free(sp.vals.v);
	lg_arena_release(&budget.arena);
	free(rest);
	return c;
}

/* Counting a profile cut anywhere stays within the whole one's counts. */
static void check_cut_counts(const struct lg_buf *b, const struct pw_counts *whole)
{
	size_t cut;

	for (cut = 0; cut < b->len; cut += 1 + cut / 8) {
		struct pw_counts c;

		pw_count_samples((const unsigned char *)b->buf, cut, &c);
		CHECK(c.samples <= whole->samples && c.locs <= whole->locs &&
		      c.vals <= whole->vals && c.labels <= whole->labels);
	}
}

static void test_sample_counts(void)
{
	static const char *const files[] = { "heap_after.pb.gz", "goroutine.pb.gz", "mutex.pb.gz" };
	struct lg_buf smp = LG_BUF_INIT, m = LG_BUF_INIT, b = LG_BUF_INIT, gz = LG_BUF_INIT;
	uint64_t three = 3, one_two[] = { 1, 2 }, v640 = 640;
	struct spec sa = good_spec(1), sb = good_spec(0);
	struct pw_counts c;
	size_t i;

	/* mixed packing: ids 3, 1, 2 and values 5, 640 with two labels */
	pb_repeated(&m, 1, &three, 1, 1);
	pb_uint(&m, 2, 5);
	pb_bytes(&m, 1, "", 0);
	hand_labels(&m);
	pb_repeated(&m, 2, &v640, 1, 1);
	pb_uint(&m, 1, one_two[0]);
	pb_repeated(&m, 1, &one_two[1], 1, 1);
	pb_msg(&smp, 2, &m);
	with_samples(&b, &smp);
	c = check_counts(&b);
	CHECK_INT(c.samples, 1);
	CHECK_INT(c.locs, 3);
	CHECK_INT(c.vals, 2);
	CHECK(c.labels > 0);
	check_cut_counts(&b, &c);
	lg_buf_reset(&b);
	build(&b, &sa);
	c = check_counts(&b);
	CHECK(c.samples > 0 && c.locs > 0);
	lg_buf_reset(&b);
	build(&b, &sb);
	check_counts(&b);
	for (i = 0; i < LG_ARRAY_SIZE(files); i++) {
		unsigned char *raw = NULL;
		size_t rawlen = 0;
		struct lg_err err;

		lg_buf_reset(&gz);
		read_fixture(files[i], &gz);
		CHECK_INT(pw_gunzip((unsigned char *)gz.buf, gz.len, files[i], &raw, &rawlen, &err), 0);
		lg_buf_reset(&b);
		lg_buf_add(&b, raw, rawlen);
		c = check_counts(&b);
		CHECK(c.samples > 0 && c.locs >= c.samples);
		check_cut_counts(&b, &c);
		free(raw);
	}
	lg_buf_release(&smp);
	lg_buf_release(&m);
	lg_buf_release(&b);
	lg_buf_release(&gz);
}

/* Ten bytes is the longest varint (2^64 - 1); eleven are corrupt, wherever they are. */
static void test_overlong_varint(void)
{
	static const char max[] = "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01";
	static const char eleven[] = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01";
	struct lg_buf m = LG_BUF_INIT, sub = LG_BUF_INIT;

	raw_bytes(&m, max, sizeof(max) - 1);
	raw_bytes(&m, "\x10\x01\x10\x02", 4); /* two values */
	expect_bad_sample2(&m, "max.pb", "sample 2 refers to missing location id "
					 "18446744073709551615");
	lg_buf_reset(&m);
	raw_bytes(&m, "\x08", 1); /* location id, one per tag */
	raw_bytes(&m, eleven, sizeof(eleven) - 1);
	expect_bad_sample2(&m, "long.pb", "sample 2: varint longer than 10 bytes in location ids");
	lg_buf_reset(&m);
	pb_bytes(&m, 2, eleven, sizeof(eleven) - 1); /* in a packed run */
	expect_bad_sample2(&m, "long.pb", "sample 2: varint longer than 10 bytes in values");
	lg_buf_reset(&m);
	raw_bytes(&sub, "\x18", 1); /* label num */
	raw_bytes(&sub, eleven, sizeof(eleven) - 1);
	pb_msg(&m, 3, &sub);
	expect_bad_sample2(&m, "long.pb",
			   "sample 2: varint longer than 10 bytes in label field 3");
	lg_buf_reset(&m);
	raw_bytes(&m, eleven, sizeof(eleven) - 1); /* a tag */
	expect_bad_sample2(&m, "long.pb", "sample 2: varint longer than 10 bytes in sample");
	lg_buf_release(&m);
	lg_buf_release(&sub);
}

/* Lengths that run past the end of the sample, or of the whole profile. */
static void test_sample_past_end(void)
{
	struct lg_buf b = LG_BUF_INIT, m = LG_BUF_INIT, sub = LG_BUF_INIT;
	struct spec s = good_spec(1);

	/* The last sample says 50 bytes; 3 are left. */
	build_sample_types(&b);
	build_tables(&b, &s, NULL);
	build_sample1(&b, &s);
	raw_bytes(&b, "\x12\x32\x08\x01\x10", 5);
	expect_fail_both(&b, "cut.pb", "sample 2: truncated sample");
	/* Inside a sample: a packed run, a varint, a label cut short. */
	raw_bytes(&m, "\x0a\x05\x01\x02", 4);
	expect_bad_sample2(&m, "cut.pb", "sample 2: truncated location ids");
	lg_buf_reset(&m);
	raw_bytes(&m, "\x08\x01\x10\x80", 4);
	expect_bad_sample2(&m, "cut.pb", "sample 2: truncated values");
	lg_buf_reset(&m);
	raw_bytes(&m, "\x1a\x04\x08\x05", 4);
	expect_bad_sample2(&m, "cut.pb", "sample 2: truncated label");
	lg_buf_reset(&m);
	raw_bytes(&sub, "\x08", 1); /* a key tag without its value */
	pb_msg(&m, 3, &sub);
	expect_bad_sample2(&m, "cut.pb", "sample 2: truncated label field 1");
	lg_buf_reset(&m);
	raw_bytes(&m, "\x4a\x09junk", 6); /* an unknown field */
	expect_bad_sample2(&m, "cut.pb", "sample 2: truncated sample field 9");
	lg_buf_reset(&m);
	raw_bytes(&m, "\x49\x01\x02\x03", 4); /* fixed64 with 3 bytes */
	expect_bad_sample2(&m, "cut.pb", "sample 2: truncated sample field 9");
	lg_buf_release(&b);
	lg_buf_release(&m);
	lg_buf_release(&sub);
}

/* Known fields with a wire type they cannot have are corrupt. */
static void test_wrong_wire_types(void)
{
	struct lg_buf b = LG_BUF_INIT, m = LG_BUF_INIT, sub = LG_BUF_INIT;

	pb_uint(&m, 3, 5); /* a label as a varint */
	expect_bad_sample2(&m, "wt.pb", "sample 2: wrong wire type 0 for label");
	lg_buf_reset(&m);
	pb_bytes(&sub, 1, "k", 1); /* a label key as bytes */
	pb_msg(&m, 3, &sub);
	expect_bad_sample2(&m, "wt.pb", "sample 2: wrong wire type 2 for label field 1");
	lg_buf_reset(&m);
	raw_bytes(&sub, "\x25\x01\x02\x03\x04", 5); /* num_unit as fixed32 */
	pb_msg(&m, 3, &sub);
	expect_bad_sample2(&m, "wt.pb", "sample 2: wrong wire type 5 for label field 4");
	lg_buf_reset(&m);
	raw_bytes(&m, "\x09\x01\x00\x00\x00\x00\x00\x00\x00", 9); /* location id as fixed64 */
	expect_bad_sample2(&m, "wt.pb", "sample 2: wrong wire type 1 for location ids");
	lg_buf_reset(&m);
	raw_bytes(&m, "\x15\x01\x00\x00\x00", 5); /* value as fixed32 */
	expect_bad_sample2(&m, "wt.pb", "sample 2: wrong wire type 5 for values");
	lg_buf_reset(&m);
	raw_bytes(&m, "\x4b", 1); /* a proto2 group */
	expect_bad_sample2(&m, "wt.pb", "sample 2: unknown wire type 3 for sample field 9");
	lg_buf_reset(&m);
	raw_bytes(&m, "\x00\x01", 2); /* field number 0 */
	expect_bad_sample2(&m, "wt.pb", "sample 2: invalid field tag in sample");
	lg_buf_reset(&m);
	raw_bytes(&m, "\xc8\x80\x80\x80\x80\x00\x01", 7); /* field 9 padded to 6 bytes */
	expect_bad_sample2(&m, "wt.pb", "sample 2: invalid field tag in sample");
	lg_buf_reset(&m);
	raw_bytes(&m, "\xc8\x80\x80\x80\x00\x01", 6); /* padded to 5: still a tag */
	raw_bytes(&m, "\x08\x09\x10\x01\x10\x02", 6);
	expect_bad_sample2(&m, "wt.pb", "sample 2 refers to missing location id 9");
	/* A whole sample as a varint. */
	build_sample_types(&b);
	pb_uint(&b, 2, 7);
	expect_fail_both(&b, "wt.pb", "sample 1: wrong wire type 0 for sample");
	lg_buf_reset(&b);
	/* Outside the samples a bad wire type is still caught, by the splitter. */
	raw_bytes(&b, "\x4f", 1);
	expect_fail_both(&b, "wt.pb", "truncated or corrupt profile protobuf");
	lg_buf_release(&b);
	lg_buf_release(&m);
	lg_buf_release(&sub);
}

/* Fields the decoder does not know, of every wire type, are skipped; in a label the last key wins. */
static void test_unknown_sample_fields(void)
{
	struct lg_buf smp = LG_BUF_INIT, m = LG_BUF_INIT, sub = LG_BUF_INIT, b = LG_BUF_INIT;
	uint64_t locs[] = { 3, 1, 2 }, vals[] = { 5, 640 };
	struct spec s = good_spec(1);
	struct lg_pprof p;
	int gz;

	pb_uint(&m, 9, 77);
	pb_repeated(&m, 1, locs, 3, 1);
	pb_bytes(&m, 10, "junk", 4);
	raw_bytes(&m, "\x59\x01\x02\x03\x04\x05\x06\x07\x08", 9); /* 11, fixed64 */
	pb_repeated(&m, 2, vals, 2, 1);
	raw_bytes(&m, "\x65\x01\x02\x03\x04", 5); /* 12, fixed32 */
	pb_uint(&sub, 1, 9);
	pb_uint(&sub, 7, 1234);
	pb_bytes(&sub, 8, "x", 1);
	pb_uint(&sub, 1, 5); /* the key that counts */
	pb_uint(&sub, 2, 6);
	pb_msg(&m, 3, &sub);
	pb_uint(&sub, 1, 2);
	pb_uint(&sub, 3, 64);
	pb_uint(&sub, 4, 2);
	pb_msg(&m, 3, &sub);
	pb_msg(&smp, 2, &m);
	build_sample2(&smp);
	build_sample_types(&b);
	lg_buf_add(&b, smp.buf, smp.len);
	pb_uint(&b, 99, 1); /* and an unknown top-level field, for protobuf-c */
	build_tables(&b, &s, NULL);
	for (gz = 0; gz < 2; gz++) {
		if (parse_as(&p, &b, gz, "unknown.pb") == 0)
			check_hand_profile(&p);
		lg_pprof_release(&p);
	}
	lg_buf_release(&smp);
	lg_buf_release(&m);
	lg_buf_release(&sub);
	lg_buf_release(&b);
}

/* Samples anywhere among the other top-level fields: first, between tables, last. */
static void test_interleaved_samples(void)
{
	struct lg_buf t = LG_BUF_INIT, b = LG_BUF_INIT;
	struct spec s = good_spec(0);
	struct lg_pprof p;
	size_t mid;
	int gz, layout;

	build_tables(&t, &s, &mid);
	for (layout = 0; layout < 2; layout++) {
		lg_buf_reset(&b);
		build_sample1(&b, &s);
		if (layout == 0) { /* sample, tables, types, sample, tables */
			lg_buf_add(&b, t.buf, mid);
			build_sample_types(&b);
			build_sample2(&b);
			lg_buf_add(&b, t.buf + mid, t.len - mid);
		} else { /* sample, types, tables, sample */
			build_sample_types(&b);
			lg_buf_add(&b, t.buf, t.len);
			build_sample2(&b);
		}
		for (gz = 0; gz < 2; gz++) {
			if (parse_as(&p, &b, gz, "interleaved.pb") == 0)
				check_hand_profile(&p);
			lg_pprof_release(&p);
		}
	}
	lg_buf_release(&t);
	lg_buf_release(&b);
}

/* No location ids (no field, or an empty run) is an empty stack; no values is an error. */
static void test_zero_location_ids(void)
{
	struct lg_buf smp = LG_BUF_INIT, m = LG_BUF_INIT, b = LG_BUF_INIT;
	uint64_t vals[] = { 7, 8 };
	struct lg_pprof p;
	int gz;

	pb_repeated(&m, 2, vals, 2, 1);
	hand_labels(&m);
	pb_msg(&smp, 2, &m);
	pb_bytes(&m, 1, "", 0);
	pb_repeated(&m, 2, vals, 2, 0);
	pb_msg(&smp, 2, &m);
	build_sample2(&smp);
	with_samples(&b, &smp);
	for (gz = 0; gz < 2; gz++) {
		if (parse_as(&p, &b, gz, "nolocs.pb") == 0 && p.nsamples == 3) {
			CHECK_INT(p.samples[0].nframes, 0);
			CHECK_INT(p.samples[0].values[0], 7);
			CHECK_INT(p.samples[0].values[1], 8);
			CHECK_INT(p.samples[0].nlabels, 2);
			CHECK_INT(p.samples[1].nframes, 0);
			CHECK_INT(p.samples[1].nlabels, 0);
			CHECK_INT(p.samples[1].values[1], 8);
			CHECK_INT(p.samples[2].nframes, 1);
			CHECK_STR(p.samples[2].frames[0].func, "main.outer");
		}
		CHECK_INT(p.nsamples, 3);
		lg_pprof_release(&p);
	}
	lg_buf_reset(&m);
	expect_bad_sample2(&m, "empty.pb", "sample 2 has 0 values, want 2");
	lg_buf_release(&smp);
	lg_buf_release(&m);
	lg_buf_release(&b);
}

/* Samples with the same location-id list share one frames array (group.c relies on it). */
static void test_shared_frames(void)
{
	struct lg_buf smp = LG_BUF_INIT, b = LG_BUF_INIT;
	struct spec packed = good_spec(1), unpacked = good_spec(0);
	struct lg_pprof p;

	build_sample1(&smp, &packed);
	build_sample2(&smp);
	build_sample1(&smp, &unpacked); /* the same list, encoded the other way */
	with_samples(&b, &smp);
	if (parse_as(&p, &b, 1, "shared.pb") == 0 && p.nsamples == 3) {
		CHECK(p.samples[0].frames == p.samples[2].frames);
		CHECK(p.samples[0].frames != p.samples[1].frames);
		CHECK_INT(p.samples[2].nframes, 4);
		CHECK(p.samples[0].labels != p.samples[2].labels);
		CHECK_STR(p.samples[2].labels[0].str, "fetcher");
	}
	lg_pprof_release(&p);
	lg_buf_release(&smp);
	lg_buf_release(&b);
}

/* ---- broken files ---- */

static void test_truncated_gzip(void)
{
	struct lg_buf b = LG_BUF_INIT;

	read_fixture("heap_after.pb.gz", &b);
	expect_fail(b.buf, b.len / 2, "heap.pb.gz", "'heap.pb.gz': truncated gzip stream");
	/* Without the CRC and size trailer. */
	expect_fail(b.buf, b.len - 4, "heap.pb.gz", "'heap.pb.gz': truncated gzip stream");
	expect_fail(b.buf, 2, "magic.pb.gz", "'magic.pb.gz': truncated gzip stream");
	lg_buf_release(&b);
}

static void test_corrupt_gzip(void)
{
	struct lg_buf b = LG_BUF_INIT, two = LG_BUF_INIT, gz = LG_BUF_INIT;
	struct lg_pprof p;
	struct lg_err err;

	read_fixture("goroutine.pb.gz", &b);
	b.buf[b.len / 2] ^= 0x55;
	expect_fail(b.buf, b.len, "flip.pb.gz", "'flip.pb.gz': ");
	b.buf[b.len / 2] ^= 0x55;
	lg_buf_add(&b, "junk", 4);
	expect_fail(b.buf, b.len, "junk.pb.gz", "'junk.pb.gz': 4 bytes of trailing garbage");
	b.len -= 4;

	/* Two gzip members, each half of the protobuf, are one valid stream. */
	{
		struct lg_buf raw = LG_BUF_INIT;
		struct spec s = good_spec(1);

		build(&raw, &s);
		gzip_bytes(raw.buf, raw.len / 2, 1, &two);
		gzip_bytes(raw.buf + raw.len / 2, raw.len - raw.len / 2, 1, &two);
		lg_pprof_init(&p);
		CHECK(lg_pprof_parse(&p, (unsigned char *)two.buf, two.len, "two.pb.gz", &err) == 0);
		check_hand_profile(&p);
		lg_pprof_release(&p);
		lg_buf_release(&raw);
	}
	gzip_bytes("", 0, 1, &gz);
	expect_fail(gz.buf, gz.len, "nothing.pb.gz", "'nothing.pb.gz': empty profile");
	lg_buf_release(&b);
	lg_buf_release(&two);
	lg_buf_release(&gz);
}

static void test_gzip_bomb(void)
{
	size_t chunk = (size_t)1 << 20;
	unsigned char *zeros = lg_xcalloc(chunk, 1);
	struct lg_buf gz = LG_BUF_INIT;

	gzip_bytes(zeros, chunk, 300, &gz); /* 300 MiB of zeros */
	CHECK(gz.len < ((size_t)1 << 20));
	expect_fail(gz.buf, gz.len, "bomb.pb.gz", "'bomb.pb.gz': gzip bomb");
	free(zeros);
	lg_buf_release(&gz);
}

static void test_random_and_empty(void)
{
	unsigned char junk[4096];
	uint64_t x = 0x9e3779b97f4a7c15u;
	struct lg_pprof p;
	struct lg_err err;
	char path[] = "/tmp/lg_pprof_emptyXXXXXX";
	int seed, fd;
	size_t i;

	for (seed = 0; seed < 16; seed++) {
		for (i = 0; i < sizeof(junk); i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			junk[i] = (unsigned char)x;
		}
		if (junk[0] == 0x1f)
			junk[0] = 0;
		expect_fail(junk, sizeof(junk), "random.pb", "'random.pb': ");
		/* A valid gzip header over random deflate data. */
		junk[0] = 0x1f;
		junk[1] = 0x8b;
		junk[2] = 8;
		junk[3] = 0;
		expect_fail(junk, sizeof(junk), "random.pb.gz", "'random.pb.gz': ");
	}
	expect_fail("", 0, "empty.pb", "'empty.pb': empty profile");

	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd >= 0) {
		close(fd);
		lg_pprof_init(&p);
		CHECK(lg_pprof_parse_file(&p, path, &err) == -1);
		CHECK(strstr(err.msg, path) != NULL && strstr(err.msg, "empty profile") != NULL);
		unlink(path);
		CHECK(lg_pprof_parse_file(&p, path, &err) == -1);
		CHECK(strstr(err.msg, "cannot open") != NULL);
		lg_pprof_release(&p);
	}
}

/* ---- allocation-site growth ---- */

static void test_site_growth(void)
{
	struct lg_pprof before, after;
	struct lg_pprof_site *s = NULL;
	struct lg_err err;
	size_t n = 0;

	if (load(&before, "heap_before.pb.gz"))
		return;
	if (load(&after, "heap_after.pb.gz")) {
		lg_pprof_release(&before);
		return;
	}
	CHECK(lg_pprof_site_growth(&before, &after, "inuse_space", 5, &s, &n, &err) == 0);
	CHECK_INT(n, 5);
	if (n) {
		/* 256 x 4096 bytes plus the 8 KiB slice that holds them. */
		CHECK_STR(s[0].func, "main.growHeapForLeakgate");
		CHECK_STR(s[0].file, MAIN_GO);
		CHECK_INT(s[0].line, 41);
		CHECK_INT(s[0].delta, 1056768);
		CHECK_STR(s[1].func, "hash/crc32.slicingMakeTable");
		CHECK_INT(s[1].delta, 8192);
		CHECK(s[4].delta > 0 && s[4].delta <= s[1].delta);
	}
	lg_pprof_sites_free(s, n);

	/* No baseline: everything in use counts. */
	CHECK(lg_pprof_site_growth(NULL, &after, "inuse_space", 1, &s, &n, &err) == 0);
	CHECK_INT(n, 1);
	if (n)
		CHECK_INT(s[0].delta, 1056768);
	lg_pprof_sites_free(s, n);

	/* A profile against itself has grown nowhere. */
	CHECK(lg_pprof_site_growth(&after, &after, "inuse_space", 10, &s, &n, &err) == 0);
	CHECK_INT(n, 0);
	CHECK(s == NULL);
	lg_pprof_sites_free(s, n);

	CHECK(lg_pprof_site_growth(&before, &after, "inuse_space", 0, &s, &n, &err) == 0);
	CHECK_INT(n, 0);
	CHECK(lg_pprof_site_growth(&before, &after, "delay", 5, &s, &n, &err) == -1);
	CHECK(strstr(err.msg, "no sample type 'delay'") != NULL);
	lg_pprof_release(&before);
	lg_pprof_release(&after);
}

/* The site skips runtime frames; identical sites are summed. */
static void test_site_skips_runtime(void)
{
	struct lg_buf b = LG_BUF_INIT;
	struct spec sp = good_spec(1);
	struct lg_pprof p;
	struct lg_pprof_site *s = NULL;
	struct lg_err err;
	size_t n = 0;

	build(&b, &sp);
	lg_pprof_init(&p);
	CHECK(lg_pprof_parse(&p, (unsigned char *)b.buf, b.len, "hand.pb", &err) == 0);
	CHECK(lg_pprof_site_growth(NULL, &p, "bytes", 10, &s, &n, &err) == 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(s[0].func, "main.inner"); /* not runtime.mallocgc */
		CHECK_INT(s[0].line, 10);
		CHECK_INT(s[0].delta, 640);
		CHECK_STR(s[1].func, "main.outer");
		CHECK_INT(s[1].line, 30);
		CHECK_INT(s[1].delta, 100);
	}
	lg_pprof_sites_free(s, n);
	lg_pprof_release(&p);
	lg_buf_release(&b);
}

/* ---- diff and writer, checked against `go tool pprof` ---- */

static char tmpdir[512];

static char *tmp_path(const char *name)
{
	return lg_xasprintf("%s/%s", tmpdir, name);
}

/* Runs `go tool pprof ARGS PATH`; returns its exit status, output in `out`. */
static int go_pprof(const char *args, const char *path, struct lg_buf *out)
{
	char *cmd = lg_xasprintf("go tool pprof %s '%s' 2>&1", args, path);
	FILE *f = popen(cmd, "r");
	char chunk[4096];
	size_t n;
	int st;

	free(cmd);
	CHECK(f != NULL);
	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		lg_buf_add(out, chunk, n);
	st = pclose(f);
	if (st)
		fprintf(stderr, "go tool pprof %s: status %d\n%s\n", args, st, out->buf);
	return st;
}

/*
 * What `go tool pprof -raw` says about the file: the sample-type header
 * line (into `header`), the number of samples and the per-type totals.
 * Returns -1 when the output does not have that shape.
 */
static int raw_totals(const char *path, struct lg_buf *header, int64_t *totals, size_t nt,
		      size_t *nsamples)
{
	struct lg_buf out = LG_BUF_INIT;
	char *line, *save = NULL;
	int state = 0, ret = -1;
	size_t i;

	memset(totals, 0, nt * sizeof(*totals));
	*nsamples = 0;
	if (go_pprof("-raw", path, &out))
		goto done;
	/* Our profiles are symbolised: pprof must not go looking for binaries. */
	CHECK(strstr(out.buf, "not available") == NULL);
	CHECK(strstr(out.buf, "symbolization failed") == NULL);
	for (line = strtok_r(out.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line, *end;

		if (state == 0) {
			state = !strcmp(line, "Samples:");
		} else if (state == 1) {
			lg_buf_adds(header, line);
			state = 2;
		} else if (!strchr(line, ':') || lg_starts_with(line, "Locations")) {
			break;
		} else if (strstr(line, ": ") || line[strlen(line) - 1] == ':') {
			for (i = 0; i < nt; i++) {
				int64_t v = strtoll(p, &end, 10);

				if (end == p)
					break; /* a label line */
				totals[i] += v;
				p = end;
			}
			if (i == nt && *p == ':')
				(*nsamples)++;
		}
	}
	ret = state == 2 ? 0 : -1;
done:
	lg_buf_release(&out);
	return ret;
}

static void our_totals(const struct lg_pprof *p, int64_t *totals)
{
	size_t i, j;

	memset(totals, 0, p->nsample_types * sizeof(*totals));
	for (i = 0; i < p->nsamples; i++)
		for (j = 0; j < p->nsample_types; j++)
			totals[j] += p->samples[i].values[j];
}

/* `path` opens in go tool pprof with our sample types, samples and totals. */
static void check_with_go(const struct lg_pprof *p, const char *path)
{
	struct lg_buf header = LG_BUF_INIT, want = LG_BUF_INIT;
	int64_t theirs[8], ours[8];
	size_t i, n = 0;

	CHECK(p->nsample_types <= 8);
	CHECK(raw_totals(path, &header, theirs, p->nsample_types, &n) == 0);
	for (i = 0; i < p->nsample_types; i++)
		lg_buf_addf(&want, "%s%s/%s", i ? " " : "", p->sample_types[i].type,
			    p->sample_types[i].unit);
	CHECK_STR(header.buf, want.buf);
	CHECK_INT(n, p->nsamples);
	our_totals(p, ours);
	for (i = 0; i < p->nsample_types; i++)
		CHECK_INT(theirs[i], ours[i]);
	lg_buf_release(&header);
	lg_buf_release(&want);
}

/* Sample by sample, `b` is what `a` was. */
static void check_same_profile(const struct lg_pprof *a, const struct lg_pprof *b)
{
	size_t i, j;

	CHECK_INT(b->nsample_types, a->nsample_types);
	CHECK_INT(b->nsamples, a->nsamples);
	if (b->nsample_types != a->nsample_types || b->nsamples != a->nsamples)
		return;
	for (i = 0; i < a->nsample_types; i++) {
		CHECK_STR(b->sample_types[i].type, a->sample_types[i].type);
		CHECK_STR(b->sample_types[i].unit, a->sample_types[i].unit);
	}
	CHECK_STR(b->period_type.type, a->period_type.type);
	CHECK_STR(b->period_type.unit, a->period_type.unit);
	CHECK_INT(b->period, a->period);
	CHECK_INT(b->time_nanos, a->time_nanos);
	CHECK_INT(b->duration_nanos, a->duration_nanos);
	CHECK_STR(b->default_sample_type, a->default_sample_type);
	for (i = 0; i < a->nsamples; i++) {
		const struct lg_pprof_sample *x = &a->samples[i], *y = &b->samples[i];

		for (j = 0; j < a->nsample_types; j++)
			CHECK_INT(y->values[j], x->values[j]);
		CHECK_INT(y->nframes, x->nframes);
		for (j = 0; j < x->nframes && j < y->nframes; j++) {
			CHECK_STR(y->frames[j].func, x->frames[j].func);
			CHECK_STR(y->frames[j].file, x->frames[j].file);
			CHECK_INT(y->frames[j].line, x->frames[j].line);
		}
		CHECK_INT(y->nlabels, x->nlabels);
		for (j = 0; j < x->nlabels && j < y->nlabels; j++) {
			CHECK_STR(y->labels[j].key, x->labels[j].key);
			CHECK(!x->labels[j].str == !y->labels[j].str);
			if (x->labels[j].str && y->labels[j].str)
				CHECK_STR(y->labels[j].str, x->labels[j].str);
			else
				CHECK_INT(y->labels[j].num, x->labels[j].num);
		}
	}
}

/* Writes fixture `name`, reads it back, and lets go tool pprof check it. */
static void roundtrip_fixture(const char *name)
{
	struct lg_pprof p, q;
	struct lg_err err;
	char *path = tmp_path(name);

	lg_pprof_init(&q);
	if (load(&p, name))
		goto out;
	CHECK(lg_pprof_write_file(&p, path, &err) == 0);
	if (lg_pprof_parse_file(&q, path, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		CHECK(!"written profile parses");
		goto out;
	}
	check_same_profile(&p, &q);
	check_with_go(&p, path);
out:
	lg_pprof_release(&p);
	lg_pprof_release(&q);
	unlink(path);
	free(path);
}

static void test_write_fixtures(void)
{
	roundtrip_fixture("heap_after.pb.gz");
	roundtrip_fixture("mutex.pb.gz"); /* inlined frames */
	roundtrip_fixture("block.pb.gz");
}

static void test_write_labels_in_go(void)
{
	struct lg_buf out = LG_BUF_INIT;
	struct lg_pprof p;
	struct lg_err err;
	char *path = tmp_path("goroutine.pb.gz");

	if (load(&p, "goroutine.pb.gz"))
		goto out;
	CHECK(lg_pprof_write_file(&p, path, &err) == 0);
	check_with_go(&p, path);
	CHECK(go_pprof("-traces", path, &out) == 0);
	CHECK(strstr(out.buf, "role:  fetcher") != NULL);
	CHECK(strstr(out.buf, "shard:  7") != NULL);
	CHECK(strstr(out.buf, "main.waitForRelease") != NULL);
	CHECK(strstr(out.buf, "Type: goroutine") != NULL);
	lg_buf_reset(&out);
	/* Numeric labels keep their values (heap: bytes per object). */
	lg_pprof_release(&p);
	if (load(&p, "heap_after.pb.gz"))
		goto out;
	CHECK(lg_pprof_write_file(&p, path, &err) == 0);
	CHECK(go_pprof("-raw", path, &out) == 0);
	CHECK(strstr(out.buf, "bytes:[4096]") != NULL);
	CHECK(strstr(out.buf, "main.growHeapForLeakgate " MAIN_GO ":41") != NULL);
out:
	lg_pprof_release(&p);
	lg_buf_release(&out);
	unlink(path);
	free(path);
}

static void test_write_errors(void)
{
	struct lg_pprof p;
	struct lg_err err;
	char *path = tmp_path("no/such/dir/x.pb.gz"), *cmd;

	lg_pprof_init(&p);
	CHECK(lg_pprof_write_file(&p, path, &err) == -1);
	CHECK(strstr(err.msg, "cannot create a temporary file for '") != NULL);
	CHECK(strstr(err.msg, "no/such/dir/x.pb.gz'") != NULL);
	free(path);
	/* An empty profile is still a valid one, and the write leaves no temp file. */
	path = tmp_path("empty.pb.gz");
	CHECK(lg_pprof_write_file(&p, path, &err) == 0);
	CHECK(lg_pprof_parse_file(&p, path, &err) == 0);
	CHECK_INT(p.nsamples, 0);
	cmd = lg_xasprintf("test -z \"$(ls '%s' | grep '[.]tmp[.]')\"", tmpdir);
	CHECK(system(cmd) == 0);
	free(cmd);
	unlink(path);
	free(path);
	lg_pprof_release(&p);
}

static void test_diff_heap(void)
{
	struct lg_pprof before, after, d;
	int64_t tb[4], ta[4], td[4];
	const struct lg_pprof_sample *s;
	struct lg_buf out = LG_BUF_INIT;
	struct lg_err err;
	char *path = tmp_path("heap_diff.pb.gz");
	size_t i;

	lg_pprof_init(&d);
	if (load(&before, "heap_before.pb.gz"))
		goto out0;
	if (load(&after, "heap_after.pb.gz"))
		goto out1;
	CHECK(lg_pprof_diff(&before, &after, &d, &err) == 0);
	CHECK_INT(d.nsample_types, 4);
	CHECK_STR(d.sample_types[3].type, "inuse_space");
	CHECK_STR(d.period_type.type, "space");
	CHECK(d.duration_nanos > 0);
	/* Per type, the diff sums to after - before. */
	our_totals(&before, tb);
	our_totals(&after, ta);
	our_totals(&d, td);
	for (i = 0; i < 4; i++)
		CHECK_INT(td[i], ta[i] - tb[i]);
	/* Biggest inuse_space growth first: the 256 kept blocks. */
	CHECK(d.nsamples > 0);
	if (d.nsamples) {
		CHECK(has_func(&d.samples[0], "main.growHeapForLeakgate"));
		CHECK_INT(d.samples[0].values[3], 1048576);
		for (i = 1; i < d.nsamples; i++)
			CHECK(d.samples[i].values[3] <= d.samples[i - 1].values[3]);
	}
	for (i = 0; i < d.nsamples; i++) {
		size_t j, zero = 1;

		for (j = 0; j < 4; j++)
			zero = zero && !d.samples[i].values[j];
		CHECK(!zero);
	}
	s = find_sample(&d, "main.growHeapForLeakgate");
	CHECK(s && s->nlabels == 1);

	/* The difference, negative values and all, opens in go tool pprof. */
	CHECK(lg_pprof_write_file(&d, path, &err) == 0);
	check_with_go(&d, path);
	CHECK(go_pprof("-top -sample_index=inuse_space", path, &out) == 0);
	CHECK(strstr(out.buf, "main.growHeapForLeakgate") != NULL);
	CHECK(strstr(out.buf, "Type: inuse_space") != NULL);

	/* The diff owns its strings: it outlives both inputs. */
	lg_pprof_release(&after);
	lg_pprof_release(&before);
	CHECK(find_sample(&d, "main.growHeapForLeakgate") != NULL);
	goto out0;
out1:
	lg_pprof_release(&before);
out0:
	lg_pprof_release(&d);
	lg_buf_release(&out);
	unlink(path);
	free(path);
}

static void test_diff_self_and_mismatch(void)
{
	struct lg_pprof g, h, d;
	struct lg_err err;

	lg_pprof_init(&d);
	if (load(&g, "goroutine.pb.gz"))
		return;
	if (load(&h, "heap_after.pb.gz")) {
		lg_pprof_release(&g);
		return;
	}
	CHECK(lg_pprof_diff(&h, &h, &d, &err) == 0);
	CHECK_INT(d.nsamples, 0);
	CHECK_INT(d.nsample_types, 4);
	/* Replaces what `d` held; on error leaves it alone. */
	CHECK(lg_pprof_diff(&h, &g, &d, &err) == -1);
	CHECK_STR(err.msg, "cannot diff profiles with different sample types: before has "
			   "alloc_objects/count alloc_space/bytes inuse_objects/count "
			   "inuse_space/bytes, after has goroutine/count");
	CHECK_INT(d.nsample_types, 4);
	lg_pprof_release(&d);
	lg_pprof_release(&g);
	lg_pprof_release(&h);
}

/* Hand-made profiles: label order does not split a stack; label values do. */
static void test_diff_labels(void)
{
	struct lg_pprof_value_type vt = { "goroutine", "count" };
	struct lg_frame fa[] = { { "runtime.gopark", "runtime/proc.go", 1, 0 },
				 { "main.worker", "main.go", 10, 0 } };
	struct lg_frame fb[] = { { "runtime.gopark", "runtime/proc.go", 1, 0 },
				 { "main.other", "main.go", 20, 0 } };
	struct lg_pprof_label l1[] = { { "role", "fetch", 0, "" }, { "shard", "7", 0, "" } };
	struct lg_pprof_label l2[] = { { "shard", "7", 0, "" }, { "role", "fetch", 0, "" } };
	struct lg_pprof_label l3[] = { { "role", "store", 0, "" } };
	struct lg_pprof_label l4[] = { { "bytes", NULL, 64, "bytes" } };
	int64_t v[] = { 2, 5, 3, 4, 1, 1 };
	struct lg_pprof_sample sb[] = {
		{ &v[0], fa, 2, l1, 2, NULL, 0, 0 }, /* worker role=fetch shard=7: 2 */
		{ &v[4], fb, 2, NULL, 0, NULL, 0, 0 }, /* other: 1 */
		{ &v[5], fa, 2, l4, 1, NULL, 0, 0 }, /* worker bytes=64: 1 */
	};
	struct lg_pprof_sample sa[] = {
		{ &v[1], fa, 2, l2, 2, NULL, 0, 0 }, /* same labels, other order: 5 */
		{ &v[2], fa, 2, l3, 1, NULL, 0, 0 }, /* role=store: 3, new */
		{ &v[3], fa, 2, l4, 1, NULL, 0, 0 }, /* bytes=64: 4 */
	};
	struct lg_pprof before = { &vt, 1, { "goroutine", "count" }, 1, 100, 0, sb, 3, "", NULL, NULL, 0, NULL, 0 };
	struct lg_pprof after = { &vt, 1, { "goroutine", "count" }, 1, 300, 0, sa, 3, "", NULL, NULL, 0, NULL, 0 };
	struct lg_pprof d;
	struct lg_err err;
	char *path = tmp_path("labels.pb.gz");
	size_t i;

	lg_pprof_init(&d);
	CHECK(lg_pprof_diff(&before, &after, &d, &err) == 0);
	CHECK_INT(d.nsamples, 4);
	CHECK_INT(d.duration_nanos, 200);
	if (d.nsamples == 4) {
		/* Sorted by growth: store +3, bytes=64 +3, fetch/7 +3, other -1. */
		for (i = 0; i < 3; i++)
			CHECK_INT(d.samples[i].values[0], 3);
		CHECK_INT(d.samples[3].values[0], -1);
		CHECK(has_func(&d.samples[3], "main.other"));
		CHECK_INT(d.samples[3].nlabels, 0);
		for (i = 0; i < 3; i++) {
			const struct lg_pprof_sample *s = &d.samples[i];

			CHECK(has_func(s, "main.worker"));
			if (s->nlabels == 2) { /* canonical order: by key */
				CHECK_STR(s->labels[0].key, "role");
				CHECK_STR(s->labels[0].str, "fetch");
				CHECK_STR(s->labels[1].key, "shard");
			} else if (s->nlabels == 1 && !s->labels[0].str) {
				CHECK_INT(s->labels[0].num, 64);
				CHECK_STR(s->labels[0].unit, "bytes");
			} else {
				CHECK(s->nlabels == 1 && s->labels[0].str &&
				      !strcmp(s->labels[0].str, "store"));
			}
		}
	}
	/* The hand-made diff is a profile go tool pprof opens too. */
	CHECK(lg_pprof_write_file(&d, path, &err) == 0);
	check_with_go(&d, path);
	lg_pprof_release(&d);
	unlink(path);
	free(path);
}

/*
 * lg_pprof_decode gives location ids and stack ids, no frames; expanding
 * gives each sample the frames of its locations, in order, shared by the
 * samples of one stack, exactly what lg_pprof_parse gives.
 */
static void check_stack_ids(const char *name)
{
	struct lg_pprof d, e;
	struct lg_buf b = LG_BUF_INIT;
	struct lg_err err;
	size_t i, j, k, n, distinct = 0;

	read_fixture(name, &b);
	lg_pprof_init(&d);
	lg_pprof_init(&e);
	CHECK(lg_pprof_decode(&d, (unsigned char *)b.buf, b.len, name, &err) == 0);
	CHECK(lg_pprof_parse(&e, (unsigned char *)b.buf, b.len, name, &err) == 0);
	CHECK(d.nsamples == e.nsamples && d.nsamples > 0);
	CHECK(d.nlocations > 0 && d.nstacks > 0 && d.nstacks <= d.nsamples);
	for (i = 0; i < d.nsamples; i++) {
		const struct lg_pprof_sample *s = &d.samples[i];

		CHECK(s->frames == NULL && s->stack < d.nstacks);
		for (j = 0; j < s->nlocs; j++)
			CHECK(s->locs[j] < d.nlocations);
		for (j = 0; j < i; j++) {
			const struct lg_pprof_sample *o = &d.samples[j];
			int same = s->nlocs == o->nlocs &&
				   !memcmp(s->locs, o->locs, s->nlocs * sizeof(*s->locs));

			CHECK(same == (s->stack == o->stack));
		}
		for (j = 0; j < i && d.samples[j].stack != s->stack; j++)
			;
		distinct += j == i;
	}
	CHECK_INT(distinct, d.nstacks);
	lg_pprof_expand(&d);
	for (i = 0; i < d.nsamples; i++) {
		const struct lg_pprof_sample *s = &d.samples[i], *p = &e.samples[i];

		CHECK_INT(s->nframes, p->nframes);
		for (j = n = 0; j < s->nlocs; j++) {
			const struct lg_pprof_location *l = &d.locations[s->locs[j]];

			for (k = 0; k < l->n && n < s->nframes; k++, n++) {
				CHECK_STR(s->frames[n].func, d.loc_frames[l->first + k].func);
				CHECK_STR(s->frames[n].func, p->frames[n].func);
				CHECK_INT(s->frames[n].line, p->frames[n].line);
			}
		}
		CHECK_INT(n, s->nframes);
		for (j = 0; j < i; j++)
			if (d.samples[j].stack == s->stack)
				CHECK(d.samples[j].frames == s->frames);
	}
	lg_pprof_release(&d);
	lg_pprof_release(&e);
	lg_buf_release(&b);
}

static void test_stack_ids(void)
{
	check_stack_ids("goroutine.pb.gz"); /* labelled samples sharing stacks */
	check_stack_ids("mutex.pb.gz");     /* inlined frames: locations of several */
	check_stack_ids("heap_after.pb.gz");
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "heap_fixture", test_heap_fixture },
		{ "allocs_fixture", test_allocs_fixture },
		{ "goroutine_labels", test_goroutine_labels },
		{ "mutex_inlined", test_mutex_inlined },
		{ "block_fixture", test_block_fixture },
		{ "goroutineleak_fixture", test_goroutineleak_fixture },
		{ "raw_protobuf", test_raw_protobuf },
		{ "packed_and_unpacked", test_packed_and_unpacked },
		{ "bad_references", test_bad_references },
		{ "duplicate_and_zero_ids", test_duplicate_and_zero_ids },
		{ "frame_cap", test_frame_cap },
		{ "unsymbolised_location", test_unsymbolised_location },
		{ "mixed_packing", test_mixed_packing },
		{ "sample counts size the pools", test_sample_counts },
		{ "overlong_varint", test_overlong_varint },
		{ "sample_past_end", test_sample_past_end },
		{ "wrong_wire_types", test_wrong_wire_types },
		{ "unknown_sample_fields", test_unknown_sample_fields },
		{ "interleaved_samples", test_interleaved_samples },
		{ "zero_location_ids", test_zero_location_ids },
		{ "shared_frames", test_shared_frames },
		{ "stack_ids", test_stack_ids },
		{ "truncated_gzip", test_truncated_gzip },
		{ "corrupt_gzip", test_corrupt_gzip },
		{ "gzip_bomb", test_gzip_bomb },
		{ "random_and_empty", test_random_and_empty },
		{ "site_growth", test_site_growth },
		{ "site_skips_runtime", test_site_skips_runtime },
		{ "write_fixtures", test_write_fixtures },
		{ "write_labels_in_go", test_write_labels_in_go },
		{ "write_errors", test_write_errors },
		{ "diff_heap", test_diff_heap },
		{ "diff_self_and_mismatch", test_diff_self_and_mismatch },
		{ "diff_labels", test_diff_labels },
	};
	return LG_CHECK_RUN_TMP(cases, "lg-pprof", tmpdir);
}
