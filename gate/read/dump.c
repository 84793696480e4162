/*
 * dump.c — the goroutine dump parser.
 *
 * Turns the text the Go runtime and runtime/pprof print about goroutines
 * (runtime.Stack(all), pprof goroutine debug=1 and debug=2, goroutineleak
 * profiles, panics, fatal errors, test timeouts and signal dumps) into the
 * lg_dump model of dump.h.  The input is untrusted: it may be cut off
 * anywhere, interleaved with test output, or not a dump at all.
 *
 * The parser is one pass over the lines with a small state machine.  Lines it
 * does not recognise outside a goroutine block are noise and skipped; a line
 * that breaks a block is counted as bad and parsing resumes at the next
 * header.  Every string ends up interned in one pool per dump, and frames
 * are gathered in scratch arrays and copied into the pool once per goroutine,
 * so memory grows with distinct names and the parser does not allocate per
 * line.
 */
#define _GNU_SOURCE /* memrchr */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump_int.h"
#include "wait.h"
void lg_dump_add_bad_(struct parser *ps, size_t line, struct span text)
{
	struct lg_dump *d = ps->d;

	d->bad_lines++;
	if (d->nbad < LG_TB_MAX_BAD_LINES) {
		d->bad[d->nbad].line = line;
		d->bad[d->nbad].text = lg_xstrndup(text.p, text.n > BAD_TEXT_MAX ? BAD_TEXT_MAX : text.n);
		d->nbad++;
	}
}

/* True for lines that may interleave anywhere and never mean anything here. */
int lg_dump_is_noise_(struct span l)
{
	return (l.n && l.p[0] == 0x16) || sp_starts(l, "SCHED ");
}

void lg_dump_reset_cur_(struct parser *ps)
{
	memset(&ps->cur, 0, sizeof(ps->cur));
	ps->cur.creator.parent_id = -1;
	ps->cur.count = 1;
	ps->cur_wclass = -1;
	ps->nfr = ps->nanc = ps->nafr = 0;
	ps->in_ancestor = 0;
	ps->stack_unavailable = 0;
}

static struct lg_frame *copy_frames(struct parser *ps, const struct lg_frame *f, size_t n)
{
	struct lg_frame *out;

	if (!n)
		return NULL;
	out = lg_arena_alloc(&ps->pool->in.arena, n * sizeof(*f), 16);
	memcpy(out, f, n * sizeof(*f));
	return out;
}

/*
 * lg_wait_classify for the goroutine being built, from the class its
 * header's status gave (the line cache keeps it) when the frames cannot
 * change it: a string compare less per goroutine.
 */
static enum lg_wait_class classify(const struct parser *ps, const struct lg_goroutine *g)
{
	int w = ps->cur_wclass;

	if (w < 0 || w == LG_WAIT_SEMACQUIRE || g->id < 0)
		return lg_wait_classify(g->status, g->id < 0, g->frames, g->nframes);
	return (enum lg_wait_class)w;
}

/*
 * The streaming twin of end_goroutine: hands the goroutine to the visitor
 * with frames still in the scratch arrays, so nothing per goroutine is kept.
 */
static void visit_goroutine(struct parser *ps)
{
	struct lg_goroutine *g = &ps->cur;
	size_t i;

	g->frames = ps->nfr ? ps->fr : NULL;
	g->nframes = ps->nfr;
	if (ps->nanc) {
		LG_GROW(ps->anc_out, ps->anc_out_alloc, ps->nanc);
		for (i = 0; i < ps->nanc; i++) {
			ps->anc_out[i] = ps->anc[i].a;
			ps->anc_out[i].frames = ps->anc[i].a.nframes ? ps->afr + ps->anc[i].start : NULL;
		}
		g->ancestors = ps->anc_out;
		g->nancestors = ps->nanc;
	}
	g->wait = classify(ps, g);
	ps->visit(ps->ctx, ps->d, g);
	lg_dump_reset_cur_(ps);
	ps->st = ST_OUTSIDE;
}

/* Moves the goroutine being built into the dump and leaves the block. */
void lg_dump_end_goroutine_(struct parser *ps)
{
	struct lg_dump *d = ps->d;
	struct lg_goroutine *g = &ps->cur;
	size_t i;

	if (ps->st != ST_IN_G && ps->st != ST_EXPECT_FILE && ps->st != ST_GROUP)
		return;
	d->nseen++;
	if (ps->visit) {
		visit_goroutine(ps);
		return;
	}
	g->frames = copy_frames(ps, ps->fr, ps->nfr);
	g->nframes = ps->nfr;
	if (ps->nanc) {
		g->ancestors = lg_arena_alloc(&ps->pool->in.arena, ps->nanc * sizeof(*g->ancestors), 16);
		for (i = 0; i < ps->nanc; i++) {
			struct lg_ancestor *a = &g->ancestors[i];

			*a = ps->anc[i].a;
			a->frames = copy_frames(ps, ps->afr + ps->anc[i].start, a->nframes);
		}
		g->nancestors = ps->nanc;
	}
	g->wait = classify(ps, g);
	LG_GROW(d->g, ps->galloc, d->n + 1);
	d->g[d->n++] = *g;
	lg_dump_reset_cur_(ps);
	ps->st = ST_OUTSIDE;
}

/* Adds a frame to the goroutine or to its current ancestor. */
void lg_dump_push_frame_(struct parser *ps, const struct lg_frame *f)
{
	if (ps->in_ancestor) {
		struct anc_scratch *a = &ps->anc[ps->nanc - 1];

		if (a->a.nframes >= LG_TB_MAX_FRAMES)
			return;
		LG_GROW(ps->afr, ps->afr_alloc, ps->nafr + 1);
		ps->afr[ps->nafr++] = *f;
		a->a.nframes++;
		return;
	}
	if (ps->nfr >= LG_TB_MAX_FRAMES) {
		ps->cur.frames_elided = 1;
		return;
	}
	if (ps->nfr == ps->fr_alloc) /* lg_grow is a call: most frames fit */
		LG_GROW(ps->fr, ps->fr_alloc, ps->nfr + 1);
	ps->fr[ps->nfr++] = *f;
}

/* ---------------------------------------------------------------------- */
/* The API. */

void lg_dump_init(struct lg_dump *d)
{
	memset(d, 0, sizeof(*d));
}

void lg_dump_release(struct lg_dump *d)
{
	size_t i;

	free(d->g);
	free(d->message);
	for (i = 0; i < d->nrunning_tests; i++)
		free(d->running_tests[i]);
	free(d->running_tests);
	for (i = 0; i < d->nbad; i++)
		free(d->bad[i].text);
	pool_free(d->pool);
	lg_dump_init(d);
}

/* ---------------------------------------------------------------------- */
/* Streaming: input in chunks of any size, lines split anywhere. */

struct lg_dump_stream {
	struct parser ps;
	char *name;
	size_t total;        /* bytes fed, against LG_TB_MAX_INPUT */
	struct lg_buf carry; /* the start of a line whose end has not come yet */
	int carry_long;      /* that line passed the cap; the rest is dropped */
};

/* One complete line; `too_long` when its tail was already dropped. */
static void stream_line(struct parser *ps, struct span l, int too_long)
{
	ps->lineno++;
	if (!too_long && l.n && l.p[l.n - 1] == '\r')
		l.n--;
	if (too_long || l.n > LG_TB_MAX_LINE) {
		/* A dump line is never this long: inside a block it is
		 * broken; elsewhere it is someone's output. */
		if (ps->st != ST_OUTSIDE && ps->st != ST_TESTS) {
			if (ps->st == ST_EXPECT_FILE)
				lg_dump_add_bad_(ps, ps->pline, ps->ptext);
			if (l.n > LG_TB_MAX_LINE)
				l.n = LG_TB_MAX_LINE;
			lg_dump_add_bad_(ps, ps->lineno, l);
			if (ps->st == ST_EXPECT_FILE)
				ps->st = ST_IN_G;
			lg_dump_end_goroutine_(ps);
		}
		ps->st = ST_OUTSIDE;
		return;
	}
	lg_dump_handle_line_(ps, l);
}

/* A pending frame line must outlive the chunk it points into. */
static void keep_ptext(struct parser *ps)
{
	if (ps->st != ST_EXPECT_FILE || ps->ptext.p == ps->ptext_own.buf)
		return;
	lg_buf_reset(&ps->ptext_own);
	lg_buf_add(&ps->ptext_own, ps->ptext.p, ps->ptext.n);
	ps->ptext.p = ps->ptext_own.buf;
}

/* Appends to the carried partial line, keeping at most cap + 1 bytes. */
static void carry_add(struct lg_dump_stream *s, const char *p, size_t n)
{
	size_t room = LG_TB_MAX_LINE + 1 - s->carry.len;

	if (n > room) {
		n = room;
		s->carry_long = 1;
	}
	lg_buf_add(&s->carry, p, n);
}

struct lg_dump_stream *lg_dump_stream_new(struct lg_dump *d, const char *name,
					  lg_dump_visit_fn visit, void *ctx)
{
	struct lg_dump_stream *s = lg_xcalloc(1, sizeof(*s));
	struct parser *ps = &s->ps;

	ps->d = d;
	if (!d->pool)
		d->pool = pool_new();
	ps->pool = d->pool;
	ps->galloc = d->n;
	ps->visit = visit;
	ps->ctx = ctx;
	lg_buf_init(&ps->ptext_own);
	lg_buf_init(&s->carry);
	lg_dump_reset_cur_(ps);
	s->name = lg_xstrdup(name ? name : "dump");
	return s;
}

/* Sets the parser's NUL and 0x16 flags for data[0..n). */
static void scan_flags(struct parser *ps, const char *data, size_t n)
{
	ps->may_nul = memchr(data, '\0', n) != NULL;
	ps->may_mark = memchr(data, 0x16, n) != NULL;
}

/* The carried line completed by data[0..take): parses it. */
static void finish_carry(struct lg_dump_stream *s, const char *data, size_t take)
{
	struct parser *ps = &s->ps;

	if (!s->carry_long)
		carry_add(s, data, take);
	scan_flags(ps, s->carry.buf, s->carry.len);
	stream_line(ps, (struct span){ s->carry.buf, s->carry.len }, s->carry_long);
	keep_ptext(ps);
	lg_buf_reset(&s->carry);
	s->carry_long = 0;
}

int lg_dump_stream_feed(struct lg_dump_stream *s, const char *data, size_t len,
			struct lg_err *err)
{
	struct parser *ps = &s->ps;
	size_t pos = 0, flagged = 0;

	if (len > LG_TB_MAX_INPUT - s->total)
		return lg_error(err, "%s: input larger than %zu MiB", s->name,
				LG_TB_MAX_INPUT >> 20);
	s->total += len;
	if (s->carry.len || s->carry_long) {
		const char *nl = memchr(data, '\n', len);

		if (!nl) {
			if (!s->carry_long)
				carry_add(s, data, len);
			return 0;
		}
		finish_carry(s, data, (size_t)(nl - data));
		pos = (size_t)(nl - data) + 1;
	}
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);

		if (!nl) {
			carry_add(s, data + pos, len - pos);
			break;
		}
		/*
		 * Flags are scanned a block at a time, ending at a line end,
		 * while the block is still in cache for its lines.
		 */
		if (pos >= flagged) {
			const char *end;

			flagged = len - pos > LG_TB_FLAG_BLOCK ? pos + LG_TB_FLAG_BLOCK : len;
			end = memchr(data + flagged - 1, '\n', len - flagged + 1);
			flagged = end ? (size_t)(end - data) + 1 : len;
			scan_flags(ps, data + pos, flagged - pos);
		}
		stream_line(ps, (struct span){ data + pos, (size_t)(nl - data) - pos }, 0);
		pos = (size_t)(nl - data) + 1;
	}
	keep_ptext(ps);
	return 0;
}

void lg_dump_stream_free(struct lg_dump_stream *s)
{
	if (!s)
		return;
	free(s->ps.fr);
	free(s->ps.anc);
	free(s->ps.afr);
	free(s->ps.anc_out);
	free(s->ps.lcache);
	lg_buf_release(&s->ps.ptext_own);
	lg_buf_release(&s->carry);
	free(s->name);
	free(s);
}

void lg_dump_stream_finish(struct lg_dump_stream *s)
{
	struct parser *ps = &s->ps;

	if (s->carry.len || s->carry_long) {
		scan_flags(ps, s->carry.buf, s->carry.len);
		stream_line(ps, (struct span){ s->carry.buf, s->carry.len }, s->carry_long);
	}
	lg_dump_finish_(ps);
	ps->d->lines = ps->lineno;
	lg_dump_stream_free(s);
}

int lg_dump_parse(struct lg_dump *d, const char *text, size_t len, const char *name,
		  struct lg_err *err)
{
	struct lg_dump_stream *s;

	if (len > LG_TB_MAX_INPUT)
		return lg_error(err, "%s: input larger than %zu MiB", name ? name : "dump",
				LG_TB_MAX_INPUT >> 20);
	s = lg_dump_stream_new(d, name, NULL, NULL);
	if (lg_dump_stream_feed(s, text, len, err)) {
		lg_dump_stream_free(s);
		return -1;
	}
	lg_dump_stream_finish(s);
	return 0;
}

int lg_dump_parse_fd(struct lg_dump *d, int fd, const char *name, lg_dump_visit_fn visit,
		     void *ctx, struct lg_err *err)
{
	/*
	 * Read, not mapped: a mapped file that someone truncates while it is
	 * read would kill leakgate with SIGBUS.  The chunk is reused, so the
	 * resident size stays flat however big the input.
	 */
	struct lg_dump_stream *s = lg_dump_stream_new(d, name, visit, ctx);
	char *chunk = lg_xmalloc(LG_TB_CHUNK);
	int ret = 0;

	for (;;) {
		ssize_t n = read(fd, chunk, LG_TB_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = lg_error(err, "cannot read '%s': %s", name ? name : "-", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (lg_dump_stream_feed(s, chunk, (size_t)n, err)) {
			ret = -1;
			goto out;
		}
	}
	lg_dump_stream_finish(s);
	s = NULL;
out:
	lg_dump_stream_free(s);
	free(chunk);
	return ret;
}

int lg_dump_parse_file(struct lg_dump *d, const char *path, struct lg_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return lg_error(err, "cannot open '%s': %s", path, strerror(errno));
	ret = lg_dump_parse_fd(d, fd, path, NULL, NULL, err);
	close(fd);
	return ret;
}

const struct lg_goroutine *lg_dump_find(const struct lg_dump *d, int64_t id)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->g[i].id == id)
			return &d->g[i];
	return NULL;
}
