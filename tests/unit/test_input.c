/*
 * test_input.c — input.h: telling a pprof profile from a text dump by its
 * first bytes (table), choosing the sample type (asked for, the profile's
 * default, else the last), and lg_input_load on a dump from a file and from
 * a pipe on stdin (the same groups), on a real profile fixture, and on what
 * it must refuse with the input named: a missing file, an empty file, text
 * without a goroutine, an unknown sample type.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"
#include "util.h"
#include "check.h"
#include "stack_fixture.h"

static int contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

static void test_is_profile_table(void)
{
	static const struct {
		const char *bytes;
		size_t n;
		int want;
	} cases[] = {
		{ "\x1f\x8b\x08\x00", 4, 1 },                /* gzip magic */
		{ "\x0a\x0d\x0a\x09goroutine\x10\x01", 15, 1 }, /* field 1, bytes, binary after */
		{ "\x08\x01\x10\x02", 4, 1 },                /* field 1 varint, then a control byte */
		{ "goroutine 1 [running]:\n", 23, 0 },
		{ "\x0a" "goroutine 1 [running]:\n", 24, 0 }, /* a tag-like first byte, then text */
		{ "\x78\x01\x02", 3, 1 },                    /* field 15, varint, binary after */
		{ "\x80\x01\x02", 3, 0 },                    /* field 16: not a profile's */
		{ "\x0b\x01\x02", 3, 0 },                    /* wire type 3 */
		{ "", 0, 0 },
		{ "\x1f", 1, 0 },                            /* half a gzip magic */
		{ "panic: boom\n\ngoroutine 1 [running]:\n\x1b[0m", 40, 0 }, /* ESC is text */
		{ "panic: boom\n\x01", 13, 1 },              /* 'p' reads as field 14, varint */
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		int got = lg_input_is_profile((const unsigned char *)cases[i].bytes, cases[i].n);

		if (got != cases[i].want)
			fprintf(stderr, "case %zu\n", i);
		CHECK_INT(got, cases[i].want);
	}
}

static void test_sample_index_table(void)
{
	static struct lg_pprof_value_type heap[] = {
		{ "alloc_objects", "count" }, { "alloc_space", "bytes" },
		{ "inuse_objects", "count" }, { "inuse_space", "bytes" },
	};
	static const struct {
		const char *dflt, *want_type;
		int want;
	} cases[] = {
		{ NULL, NULL, 3 },                /* no default: the last type */
		{ "", NULL, 3 },
		{ "alloc_space", NULL, 1 },       /* the profile's default */
		{ "nonesuch", NULL, 3 },          /* a default it does not have: the last */
		{ "alloc_space", "inuse_objects", 2 }, /* asked for wins */
		{ NULL, "alloc_objects", 0 },
		{ NULL, "delay", -1 },            /* asked for and absent */
	};
	struct lg_pprof p;
	size_t i;

	memset(&p, 0, sizeof(p));
	p.sample_types = heap;
	p.nsample_types = LG_ARRAY_SIZE(heap);
	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		p.default_sample_type = cases[i].dflt;
		CHECK_INT(lg_input_sample_index(&p, cases[i].want_type), cases[i].want);
	}
	p.nsample_types = 0;
	CHECK_INT(lg_input_sample_index(&p, NULL), -1);
}

/* The groups of a loaded dump as "count:status" in order, for comparing. */
static void summary(const struct lg_input *in, struct lg_buf *out)
{
	size_t i;

	for (i = 0; i < in->groups.n; i++)
		lg_buf_addf(out, "%lld:%s:%s;", (long long)in->groups.g[i].count,
			    lg_group_dump_of(&in->groups.g[i])->status, in->groups.g[i].id);
}

static void test_load_dump_file_and_pipe(void)
{
	struct lg_input file, pipe_in;
	struct lg_err err = { "" };
	struct lg_buf a = LG_BUF_INIT, b = LG_BUF_INIT;
	struct lg_group_opts g;
	struct lg_input_opts o;
	int fds[2], saved;

	CHECK_INT(sf_load(&file, SF_AFTER, strlen(SF_AFTER), LG_GROUP_EXACT, &err), 0);
	CHECK_INT(file.kind, LG_INPUT_DUMP);
	CHECK_INT(file.groups.n, 2);
	CHECK_INT(file.groups.total, 3);
	CHECK_INT(file.dump.nseen, 3);
	if (file.groups.n == 2) {
		CHECK_INT(file.groups.g[0].count, 2); /* biggest first */
		CHECK_STR(lg_group_dump_of(&file.groups.g[0])->status, "chan receive");
		CHECK_INT(lg_group_dump_of(&file.groups.g[0])->min_minutes, 3);
		CHECK_INT(lg_group_dump_of(&file.groups.g[0])->max_minutes, 5);
		CHECK_INT(lg_group_dump_of(&file.groups.g[0])->nids, 2);
		CHECK_INT(lg_group_dump_of(&file.groups.g[0])->ids[0], 7);
		CHECK_INT(file.groups.g[1].count, 1);
		CHECK_STR(lg_group_dump_of(&file.groups.g[1])->status, "running");
	}

	/* the same bytes through a pipe on stdin: the streaming path */
	CHECK_INT(pipe(fds), 0);
	CHECK_INT(write(fds[1], SF_AFTER, strlen(SF_AFTER)), (long long)strlen(SF_AFTER));
	close(fds[1]);
	saved = dup(0);
	dup2(fds[0], 0);
	close(fds[0]);
	memset(&g, 0, sizeof(g));
	memset(&o, 0, sizeof(o));
	o.group = &g;
	lg_input_init(&pipe_in);
	CHECK_INT(lg_input_load(&pipe_in, "-", &o, &err), 0);
	dup2(saved, 0);
	close(saved);
	CHECK_STR(pipe_in.name, "<stdin>");
	summary(&file, &a);
	summary(&pipe_in, &b);
	CHECK_STR(b.buf, a.buf);
	lg_buf_release(&a);
	lg_buf_release(&b);
	lg_input_release(&file);
	lg_input_release(&pipe_in);
}

static void test_load_profile_fixture(void)
{
	const char *src = getenv("LG_SOURCE_DIR");
	char *path = lg_xasprintf("%s/tests/fixtures/pprof/allocs.pb.gz", src ? src : ".");
	struct lg_group_opts g;
	struct lg_input_opts o;
	struct lg_input in;
	struct lg_err err = { "" };
	const char *want[] = { NULL, "alloc_objects" };
	size_t i;

	memset(&g, 0, sizeof(g));
	memset(&o, 0, sizeof(o));
	o.group = &g;
	for (i = 0; i < LG_ARRAY_SIZE(want); i++) {
		o.sample_type = want[i];
		lg_input_init(&in);
		CHECK_INT(lg_input_load(&in, path, &o, &err), 0);
		CHECK_INT(in.kind, LG_INPUT_PROFILE);
		CHECK(in.sample_index >= 0 && (size_t)in.sample_index < in.prof.nsample_types);
		if (in.sample_index >= 0)
			CHECK_STR(in.prof.sample_types[in.sample_index].type,
				  want[i] ? want[i] : "alloc_space"); /* Go's default for allocs */
		CHECK(in.groups.n > 1);
		CHECK(in.groups.total > 0);
		lg_input_release(&in);
	}
	o.sample_type = "delay";
	lg_input_init(&in);
	CHECK_INT(lg_input_load(&in, path, &o, &err), -1);
	CHECK(contains(err.msg, "no sample type 'delay' in this profile (it has: alloc_objects, "
				"alloc_space, inuse_objects, inuse_space)"));
	CHECK(contains(err.msg, "allocs.pb.gz"));
	lg_input_release(&in);
	free(path);
}

static void test_load_refused(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "", "no goroutines found: not a goroutine dump or pprof profile" },
		{ "hello\nworld\n", "no goroutines found: not a goroutine dump or pprof profile" },
		{ "PASS\nok  example.com/m 0.01s\n", "no goroutines found" },
	};
	struct lg_input in;
	struct lg_err err;
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		memset(&err, 0, sizeof(err));
		CHECK_INT(sf_load(&in, cases[i].text, strlen(cases[i].text), LG_GROUP_EXACT, &err), -1);
		CHECK(contains(err.msg, cases[i].want));
		CHECK(contains(err.msg, "lg-stack-")); /* the input is named */
		lg_input_release(&in);
	}
	memset(&err, 0, sizeof(err));
	lg_input_init(&in);
	{
		struct lg_input_opts o;

		memset(&o, 0, sizeof(o));
		CHECK_INT(lg_input_load(&in, "/nonexistent/dump.txt", &o, &err), -1);
	}
	CHECK(contains(err.msg, "cannot open '/nonexistent/dump.txt': No such file or directory"));
	lg_input_release(&in);
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "profile or dump, by the first bytes", test_is_profile_table },
		{ "sample type", test_sample_index_table },
		{ "dump from a file and from a pipe", test_load_dump_file_and_pipe },
		{ "profile fixture", test_load_profile_fixture },
		{ "refused inputs", test_load_refused },
	};

	return LG_CHECK_RUN(cases);
}
