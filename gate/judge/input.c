/*
 * input.c — loading a dump or a profile for `stacks` and `diff`.
 *
 * Files and stdin are read in LG_TB_CHUNK pieces.  The first piece decides
 * the kind; a dump then flows through the streaming parser straight into
 * the group set, while a profile is collected (within the pprof cap) and
 * decoded whole.  URLs are fetched whole by the http module, within its
 * body cap, and then go the same way.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"

void lg_input_init(struct lg_input *in)
{
	memset(in, 0, sizeof(*in));
	lg_dump_init(&in->dump);
	lg_pprof_init(&in->prof);
	lg_group_set_init(&in->groups, NULL);
}

void lg_input_release(struct lg_input *in)
{
	/* groups point into the dump and the profile: release them first */
	lg_group_set_release(&in->groups);
	lg_dump_release(&in->dump);
	lg_pprof_release(&in->prof);
	free(in->name);
	lg_input_init(in);
}

/* Control bytes that no goroutine dump or test output holds. */
static int is_binary_byte(unsigned char c)
{
	return c < 0x09 || (c > 0x0d && c < 0x20 && c != 0x16 && c != 0x1b);
}

int lg_input_is_profile(const unsigned char *p, size_t n)
{
	size_t i, lim = n < 4096 ? n : 4096;
	unsigned field;

	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return 1;
	if (!n)
		return 0;
	/* a profile.proto opens with a field tag: numbers 1-15, varint or bytes */
	field = p[0] >> 3;
	if (field < 1 || field > 15 || ((p[0] & 7) != 0 && (p[0] & 7) != 2))
		return 0;
	for (i = 0; i < lim; i++)
		if (is_binary_byte(p[i]))
			return 1;
	return 0;
}

int lg_input_sample_index(const struct lg_pprof *p, const char *want)
{
	int i;

	if (want)
		return lg_pprof_sample_index(p, want);
	if (p->default_sample_type && *p->default_sample_type) {
		i = lg_pprof_sample_index(p, p->default_sample_type);
		if (i >= 0)
			return i;
	}
	return p->nsample_types ? (int)p->nsample_types - 1 : -1;
}

static int unknown_type(struct lg_input *in, const char *want, struct lg_err *err)
{
	struct lg_buf have = LG_BUF_INIT;
	size_t i;
	int ret;

	for (i = 0; i < in->prof.nsample_types; i++)
		lg_buf_addf(&have, "%s%s", i ? ", " : "", in->prof.sample_types[i].type);
	ret = lg_error(err, "%s: no sample type '%s' in this profile (it has: %s)", in->name,
		       want ? want : "", have.len ? have.buf : "none");
	lg_buf_release(&have);
	return ret;
}

static int group_profile(struct lg_input *in, const unsigned char *data, size_t len,
			 const struct lg_input_opts *o, struct lg_err *err)
{
	in->kind = LG_INPUT_PROFILE;
	/* location ids only: grouping needs no per-sample frames (lg_pprof_expand) */
	if (lg_pprof_decode(&in->prof, data, len, in->name, err))
		return -1;
	in->sample_index = lg_input_sample_index(&in->prof, o->sample_type);
	if (in->sample_index < 0)
		return unknown_type(in, o->sample_type, err);
	lg_group_add_profile(&in->groups, &in->prof, in->sample_index);
	return 0;
}

/* A dump read without any goroutine is not a dump. */
static int check_dump(struct lg_input *in, struct lg_err *err)
{
	if (in->dump.nseen)
		return 0;
	if (in->dump.nbad)
		return lg_error(err, "%s:%zu: no goroutine could be read (malformed: %s)", in->name,
				in->dump.bad[0].line, in->dump.bad[0].text);
	return lg_error(err, "%s: no goroutines found: not a goroutine dump or pprof profile",
			in->name);
}

static int load_buffer(struct lg_input *in, const struct lg_buf *b, const struct lg_input_opts *o,
		       struct lg_err *err)
{
	if (lg_input_is_profile((const unsigned char *)b->buf, b->len))
		return group_profile(in, (const unsigned char *)b->buf, b->len, o, err);
	in->kind = LG_INPUT_DUMP;
	{
		struct lg_dump_stream *s =
			lg_dump_stream_new(&in->dump, in->name, lg_group_visit, &in->groups);

		if (lg_dump_stream_feed(s, b->buf, b->len, err)) {
			lg_dump_stream_free(s);
			return -1;
		}
		lg_dump_stream_finish(s);
	}
	return check_dump(in, err);
}

/* Reads up to `want` bytes (fewer only at the end); -1 on error. */
static ssize_t read_full(int fd, char *buf, size_t want)
{
	size_t got = 0;

	while (got < want) {
		ssize_t n = read(fd, buf + got, want - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* The rest of a profile, after its first chunk, within the pprof cap. */
static int slurp_rest(int fd, struct lg_buf *b, const char *name, struct lg_err *err)
{
	char chunk[65536];

	for (;;) {
		ssize_t n = read_full(fd, chunk, sizeof(chunk));

		if (n < 0)
			return lg_error(err, "cannot read '%s': %s", name, strerror(errno));
		if (n == 0)
			return 0;
		if (b->len + (size_t)n > LG_PPROF_MAX_COMPRESSED)
			return lg_error(err, "%s: profile larger than %zu MiB", name,
					LG_PPROF_MAX_COMPRESSED >> 20);
		lg_buf_add(b, chunk, (size_t)n);
	}
}

static int stream_dump(struct lg_input *in, int fd, char *chunk, size_t first,
		       struct lg_err *err)
{
	struct lg_dump_stream *s = lg_dump_stream_new(&in->dump, in->name, lg_group_visit, &in->groups);
	ssize_t n = (ssize_t)first;
	int ret = 0;

	in->kind = LG_INPUT_DUMP;
	while (n > 0) {
		if (lg_dump_stream_feed(s, chunk, (size_t)n, err)) {
			ret = -1;
			goto out;
		}
		n = read_full(fd, chunk, LG_TB_CHUNK);
	}
	if (n < 0) {
		ret = lg_error(err, "cannot read '%s': %s", in->name, strerror(errno));
		goto out;
	}
	lg_dump_stream_finish(s);
	s = NULL;
	ret = check_dump(in, err);
out:
	lg_dump_stream_free(s);
	return ret;
}

/*
 * A regular file is peeked at with pread, so that a dump can then be
 * handed whole to lg_dump_parse_fd, which reads it in chunks from the
 * start (it does not map it: a file cut short while mapped would SIGBUS).
 * Returns 1 when the input is not such a dump (the caller reads it).
 */
static int load_regular_dump(struct lg_input *in, int fd, struct lg_err *err)
{
	unsigned char head[4096];
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || lseek(fd, 0, SEEK_CUR) != 0)
		return 1;
	n = pread(fd, head, sizeof(head), 0);
	if (n < 0 || lg_input_is_profile(head, (size_t)n))
		return 1;
	in->kind = LG_INPUT_DUMP;
	if (lg_dump_parse_fd(&in->dump, fd, in->name, lg_group_visit, &in->groups, err))
		return -1;
	return check_dump(in, err);
}

static int load_fd(struct lg_input *in, int fd, const struct lg_input_opts *o, struct lg_err *err)
{
	char *chunk;
	struct lg_buf prof = LG_BUF_INIT;
	ssize_t n;
	int ret = load_regular_dump(in, fd, err);

	if (ret <= 0)
		return ret;
	chunk = lg_xmalloc(LG_TB_CHUNK);
	n = read_full(fd, chunk, LG_TB_CHUNK);
	if (n < 0) {
		ret = lg_error(err, "cannot read '%s': %s", in->name, strerror(errno));
		goto out;
	}
	if (!lg_input_is_profile((unsigned char *)chunk, (size_t)n)) {
		ret = stream_dump(in, fd, chunk, (size_t)n, err);
		goto out;
	}
	lg_buf_add(&prof, chunk, (size_t)n);
	ret = slurp_rest(fd, &prof, in->name, err);
	if (!ret)
		ret = group_profile(in, (unsigned char *)prof.buf, prof.len, o, err);
out:
	lg_buf_release(&prof);
	free(chunk);
	return ret;
}

static int load_url(struct lg_input *in, const char *url, const struct lg_input_opts *o,
		    struct lg_err *err)
{
	struct lg_http_opts defaults;
	struct lg_buf body = LG_BUF_INIT;
	int ret;

	memset(&defaults, 0, sizeof(defaults));
	ret = lg_http_fetch(url, o->http ? o->http : &defaults, &body, NULL, err);
	if (!ret)
		ret = load_buffer(in, &body, o, err);
	lg_buf_release(&body);
	return ret;
}

int lg_input_load(struct lg_input *in, const char *src, const struct lg_input_opts *o,
		  struct lg_err *err)
{
	int fd = -1, ret;

	lg_group_set_release(&in->groups);
	lg_group_set_init(&in->groups, o->group);
	if (lg_http_is_url(src)) {
		in->name = lg_http_redact(src);
		ret = load_url(in, src, o, err);
		goto out;
	}
	if (!strcmp(src, "-")) {
		in->name = lg_xstrdup("<stdin>");
		ret = load_fd(in, 0, o, err);
		goto out;
	}
	in->name = lg_xstrdup(src);
	fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = lg_error(err, "cannot open '%s': %s", src, strerror(errno));
		goto out;
	}
	ret = load_fd(in, fd, o, err);
out:
	if (fd >= 0)
		close(fd);
	if (!ret)
		lg_group_finish(&in->groups, o->min_count);
	return ret;
}
