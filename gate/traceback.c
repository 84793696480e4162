/*
 * traceback.c — the goroutine dump parser.
 *
 * Turns the text the Go runtime and runtime/pprof print about goroutines
 * (runtime.Stack(all), pprof goroutine debug=1 and debug=2, goroutineleak
 * profiles, panics, fatal errors, test timeouts and signal dumps) into the
 * lg_dump model of traceback.h.  The input is untrusted: it may be cut off
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

#include "arena.h"
#include "hashmap.h"
#include "wait.h"
#include "traceback.h"

#define BAD_TEXT_MAX 200
#define MAX_ANCESTORS 256 /* GODEBUG=tracebackancestors caps itself at 50 */
#define LG_TB_FLAG_BLOCK ((size_t)128 << 10)

/* ---------------------------------------------------------------------- */
/* The string pool: the library interner, whose arena also holds frames. */

struct pool {
	struct lg_intern in;
};

static struct pool *pool_new(void)
{
	return lg_xcalloc(1, sizeof(struct pool));
}

static void pool_free(struct pool *p)
{
	if (!p)
		return;
	lg_intern_release(&p->in);
	free(p);
}

/* Returns the pool's NUL-terminated copy of s[0..n), stored once. */
static const char *intern(struct pool *p, const char *s, size_t n)
{
	return lg_intern(&p->in, s, n);
}

/* ---------------------------------------------------------------------- */
/* Small scanning helpers over (pointer, length) slices of the input. */

struct span {
	const char *p;
	size_t n;
};

/* The first byte is tested apart: most lines fail there, without a memcmp call. */
static int sp_starts(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n >= n && (!n || (s.p[0] == lit[0] && !memcmp(s.p, lit, n)));
}

static int sp_ends(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n >= n && !memcmp(s.p + s.n - n, lit, n);
}

static int sp_eq(struct span s, const char *lit)
{
	return s.n == strlen(lit) && (!s.n || (s.p[0] == lit[0] && !memcmp(s.p, lit, s.n)));
}

static struct span sp_skip(struct span s, size_t k)
{
	if (k > s.n)
		k = s.n;
	s.p += k;
	s.n -= k;
	return s;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Finds `lit` in s, returning its offset or -1 (lines are capped, so an
 * O(n*m) search stays cheap). */
static long sp_find(struct span s, const char *lit)
{
	size_t m = strlen(lit), i;

	if (m > s.n)
		return -1;
	for (i = 0; i + m <= s.n; i++) {
		const char *q = memchr(s.p + i, lit[0], s.n - m - i + 1);

		if (!q)
			return -1;
		i = (size_t)(q - s.p);
		if (!memcmp(q, lit, m))
			return (long)i;
	}
	return -1;
}

/*
 * Parses a decimal number at the start of *s into *out and advances *s.
 * Returns 0, or -1 when there is no digit or the value overflows `max`.
 */
static int sp_num(struct span *s, int64_t max, int64_t *out)
{
	int64_t v = 0;
	size_t i = 0;

	while (i < s->n && is_digit((unsigned char)s->p[i])) {
		int d = s->p[i] - '0';

		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
		i++;
	}
	if (!i)
		return -1;
	*out = v;
	*s = sp_skip(*s, i);
	return 0;
}

/* Whole span is a decimal number <= max. */
static int sp_whole_num(struct span s, int64_t max, int64_t *out)
{
	return sp_num(&s, max, out) || s.n ? -1 : 0;
}

/* ---------------------------------------------------------------------- */
/* The parser. */

enum state {
	ST_OUTSIDE,     /* between goroutines: unknown lines are noise */
	ST_IN_G,        /* in a goroutine block, expecting a frame or the end */
	ST_EXPECT_FILE, /* after a function line, expecting "\tfile:line" */
	ST_GROUP,       /* in a debug=1 profile group */
	ST_TESTS        /* after "running tests:" */
};

enum pending_kind { PEND_FRAME, PEND_CREATOR, PEND_CGO };

struct anc_scratch {
	struct lg_ancestor a;
	size_t start; /* first frame in parser.afr */
};

struct parser {
	struct lg_dump *d;
	struct pool *pool;
	enum state st;
	size_t lineno;
	size_t galloc; /* allocated elements of d->g */

	/* The goroutine being built (valid while st is IN_G/EXPECT_FILE/GROUP). */
	struct lg_goroutine cur;
	struct lg_frame *fr;
	size_t nfr, fr_alloc;
	struct anc_scratch *anc;
	size_t nanc, anc_alloc;
	struct lg_frame *afr; /* ancestor frames, all ancestors back to back */
	size_t nafr, afr_alloc;
	int in_ancestor;
	int stack_unavailable;

	/* A function or created-by line waiting for its file line. */
	enum pending_kind pend;
	struct lg_frame pframe;
	int64_t pparent;
	struct span ptext;
	size_t pline;
	struct lg_buf ptext_own; /* ptext's bytes once its input chunk is gone */

	/*
	 * Whether the current input piece holds a NUL or a 0x16 byte at all:
	 * most do not, and then no line needs scanning for them.
	 */
	int may_nul, may_mark;

	/* Lines parsed before, by frame depth (see line_memo). */
	struct line_memo *memo;

	/* Streaming: goroutines go to visit instead of d->g. */
	lg_dump_visit_fn visit;
	void *ctx;
	struct lg_ancestor *anc_out; /* the visited goroutine's ancestors */
	size_t anc_out_alloc;
};

static void add_bad(struct parser *ps, size_t line, struct span text)
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
static int is_noise(struct span l)
{
	return (l.n && l.p[0] == 0x16) || sp_starts(l, "SCHED ");
}

static void reset_cur(struct parser *ps)
{
	memset(&ps->cur, 0, sizeof(ps->cur));
	ps->cur.creator.parent_id = -1;
	ps->cur.count = 1;
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
	g->wait = lg_wait_classify(g->status, g->id < 0, g->frames, g->nframes);
	ps->visit(ps->ctx, ps->d, g);
	reset_cur(ps);
	ps->st = ST_OUTSIDE;
}

/* Moves the goroutine being built into the dump and leaves the block. */
static void end_goroutine(struct parser *ps)
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
	g->wait = lg_wait_classify(g->status, g->id < 0, g->frames, g->nframes);
	LG_GROW(d->g, ps->galloc, d->n + 1);
	d->g[d->n++] = *g;
	reset_cur(ps);
	ps->st = ST_OUTSIDE;
}

/* Adds a frame to the goroutine or to its current ancestor. */
static void push_frame(struct parser *ps, const struct lg_frame *f)
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
	LG_GROW(ps->fr, ps->fr_alloc, ps->nfr + 1);
	ps->fr[ps->nfr++] = *f;
}

/* ---------------------------------------------------------------------- */
/* Line grammars. */

/*
 * Splits the bracketed part of a header, "chan receive (leaked), 3 minutes,
 * locked to thread, synctest bubble 2", into the goroutine's fields.
 */
static int parse_status(struct parser *ps, struct span s, struct lg_goroutine *g)
{
	struct span st = s, part;
	long comma = sp_find(s, ", ");
	int changed;

	if (comma >= 0)
		st.n = (size_t)comma;
	do {
		changed = 0;
		if (sp_ends(st, " (leaked)")) {
			g->leaked = 1;
			st.n -= 9;
			changed = 1;
		} else if (sp_ends(st, " (durable)")) {
			g->durable = 1;
			st.n -= 10;
			changed = 1;
		} else if (sp_ends(st, " (scan)")) {
			st.n -= 7;
			changed = 1;
		}
	} while (changed);
	g->status = intern(ps->pool, st.p, st.n);
	while (comma >= 0) {
		int64_t v;

		s = sp_skip(s, (size_t)comma + 2);
		comma = sp_find(s, ", ");
		part = s;
		if (comma >= 0)
			part.n = (size_t)comma;
		if (sp_ends(part, " minutes") || sp_ends(part, " minute")) {
			part.n -= sp_ends(part, " minutes") ? 8 : 7;
			if (sp_whole_num(part, INT_MAX, &v))
				return -1;
			g->minutes = (int)v;
		} else if (sp_eq(part, "locked to thread")) {
			g->locked = 1;
		} else if (sp_starts(part, "synctest bubble ")) {
			if (sp_whole_num(sp_skip(part, 16), INT64_MAX, &v))
				return -1;
			g->bubble = v;
		} else {
			return -1;
		}
	}
	return 0;
}

/*
 * Parses "goroutine N[ gp=.. m=.. mp=..] [status...][ {labels}]:" (labels
 * inside the brackets as " labels:{...}" in Go 1.26, after them in 1.27).
 * Fills a fresh ps->cur.  Returns 0, or -1 when the line is not a header.
 */
static int parse_header(struct parser *ps, struct span l)
{
	struct lg_goroutine *g = &ps->cur;
	struct span s = sp_skip(l, 10), body;
	const char *close;
	long lab;

	if (sp_num(&s, INT64_MAX, &g->id))
		return -1;
	while (s.n && s.p[0] == ' ' && !sp_starts(s, " [")) {
		const char *sp;

		if (!sp_starts(s, " gp=") && !sp_starts(s, " m=") && !sp_starts(s, " mp="))
			return -1;
		sp = memchr(s.p + 1, ' ', s.n - 1);
		if (!sp)
			return -1;
		s = sp_skip(s, (size_t)(sp - s.p));
	}
	if (!sp_starts(s, " [") || !sp_ends(s, ":"))
		return -1;
	s = sp_skip(s, 2);
	s.n--; /* the ':' */
	close = memchr(s.p, ']', s.n);
	body = s;
	lab = sp_find(s, " labels:{");
	if (lab >= 0 && (!close || s.p + lab < close)) {
		/* 1.26: [status labels:{...}] — values may hold ']' */
		if (!sp_ends(s, "}]"))
			return -1;
		body.n = (size_t)lab;
		g->labels = intern(ps->pool, s.p + lab + 8, s.n - (size_t)lab - 9);
	} else {
		struct span rest;

		if (!close)
			return -1;
		body.n = (size_t)(close - s.p);
		rest = sp_skip(s, body.n + 1);
		if (rest.n) {
			/* 1.27: [status] {k: v, ...} */
			if (!sp_starts(rest, " {") || !sp_ends(rest, "}"))
				return -1;
			g->labels = intern(ps->pool, rest.p + 1, rest.n - 1);
		}
	}
	if (parse_status(ps, body, g))
		return -1;
	g->first_line = ps->lineno;
	return 0;
}

/* True when the line's last word is "pc=0x<hex>". */
static int is_hex_tail(struct span l)
{
	const char *sp = memrchr(l.p, ' ', l.n), *eq;
	size_t i = sp ? (size_t)(sp - l.p) + 1 : 0;

	/* i: just after the last ' ' or '=' (0 when there is none) */
	eq = memrchr(l.p + i, '=', l.n - i);
	if (eq)
		i = (size_t)(eq - l.p) + 1;
	return i >= 5 && l.p[i - 1] == '=' && !memcmp(l.p + i - 3, "pc=", 3) &&
	       i + 1 < l.n && l.p[i] == '0' && l.p[i + 1] == 'x';
}

/* Drops a " fp=0x.. sp=0x.. pc=0x.." suffix (GOTRACEBACK=system and up). */
static struct span strip_fp(struct span l)
{
	long fp;

	/* the suffix ends in " pc=0x...": look no further on other lines */
	if (l.n < 8 || !is_hex_tail(l))
		return l;
	fp = sp_find(l, " fp=0x");

	if (fp >= 0)
		l.n = (size_t)fp;
	return l;
}

/*
 * Parses a frame's function line "pkg.F[...](args)".  Sets *func (name
 * without args) and *inlined.  Returns -1 for lines that cannot be one, such
 * as test output, so that a block can end at them.
 */
static int parse_func_line(struct span l, struct span *func, int *inlined)
{
	size_t i, depth = 0;
	const char *open;
	unsigned char c0;

	l = strip_fp(l);
	if (!l.n || l.p[l.n - 1] != ')')
		return -1;
	c0 = (unsigned char)l.p[0];
	if (!(c0 >= 0x80 || c0 == '_' || c0 == '?' || is_digit(c0) ||
	      (c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z')))
		return -1;
	/*
	 * The args are the last balanced (...) group.  They hold no parens,
	 * so it is the last '(' unless a ')' comes between: find that with
	 * memrchr and fall back to counting only when it is not so.
	 */
	open = memrchr(l.p, '(', l.n);
	if (open && !memchr(open + 1, ')', l.n - (size_t)(open - l.p) - 2)) {
		i = (size_t)(open - l.p);
	} else {
		for (i = l.n; i-- > 0;) {
			if (l.p[i] == ')')
				depth++;
			else if (l.p[i] == '(' && --depth == 0)
				break;
		}
	}
	if (i == (size_t)-1 || i == 0)
		return -1;
	func->p = l.p;
	func->n = i;
	if (memchr(func->p, '\t', func->n) || sp_find(*func, ": ") >= 0)
		return -1;
	*inlined = (l.n - i == 5 && !memcmp(l.p + i, "(...)", 5));
	return 0;
}

/*
 * Splits "path:123[ +0x2a]" at the last ':' that is followed by digits and
 * then the end or a space (paths may hold ':' and ' ').  Returns -1 when
 * there is no line number.
 */
static int split_file_line(struct span s, struct span *file, int *line)
{
	const char *colon;
	size_t i;

	for (i = s.n; (colon = memrchr(s.p, ':', i));) {
		struct span num;
		int64_t v;

		i = (size_t)(colon - s.p);
		num = sp_skip(s, i + 1);
		if (sp_num(&num, INT_MAX, &v))
			continue;
		if (num.n && num.p[0] != ' ')
			continue;
		file->p = s.p;
		file->n = i;
		*line = (int)v;
		return i ? 0 : -1;
	}
	return -1;
}

/* Parses "\t/abs/file.go:123 +0x2a[ fp=...]" into f. */
static int parse_file_line(struct parser *ps, struct span l, struct lg_frame *f)
{
	struct span file;

	if (!l.n || l.p[0] != '\t')
		return -1;
	if (split_file_line(strip_fp(sp_skip(l, 1)), &file, &f->line))
		return -1;
	f->file = intern(ps->pool, file.p, file.n);
	return 0;
}

/*
 * The goroutines of a big dump are mostly parked in a few places, so the
 * function or file line at depth k of a goroutine is often, byte for byte,
 * the one at depth k of the goroutine before.  Both parses are functions
 * of the line's bytes alone, so each depth remembers its last line of
 * each kind and what it parsed to, and an equal line is one memcmp instead
 * of scanning, number parsing and interning (whose strings live as long as
 * the dump).  Ancestors' frames and long lines are not remembered.
 */
#define MEMO_DEPTH 64
#define MEMO_LINE 240

struct line_memo {
	unsigned short len; /* of text; 0: empty */
	char text[MEMO_LINE];
	int ret;            /* what the parse returned */
	struct lg_frame f;  /* func and inlined (function lines), file and line */
};

/* The memo for a line of `kind` (0 function, 1 file) now, or NULL. */
static struct line_memo *memo_of(struct parser *ps, int kind)
{
	if (ps->in_ancestor || ps->nfr >= MEMO_DEPTH)
		return NULL;
	if (!ps->memo)
		ps->memo = lg_xcalloc(2 * MEMO_DEPTH, sizeof(*ps->memo));
	return &ps->memo[kind * MEMO_DEPTH + ps->nfr];
}

static int memo_hit(const struct line_memo *m, struct span l)
{
	return m && m->len == l.n && l.n && !memcmp(m->text, l.p, l.n);
}

static void memo_keep(struct line_memo *m, struct span l, int ret, const struct lg_frame *f)
{
	if (!m || !l.n || l.n > MEMO_LINE)
		return;
	m->len = (unsigned short)l.n;
	memcpy(m->text, l.p, l.n);
	m->ret = ret;
	m->f = *f;
}

/* parse_file_line through the memo (for frames, not created-by lines). */
static int parse_file_line_memo(struct parser *ps, struct span l, struct lg_frame *f)
{
	struct line_memo *m = ps->pend == PEND_FRAME ? memo_of(ps, 1) : NULL;
	int ret;

	if (memo_hit(m, l)) {
		if (!m->ret) {
			f->file = m->f.file;
			f->line = m->f.line;
		}
		return m->ret;
	}
	ret = parse_file_line(ps, l, f);
	memo_keep(m, l, ret, f);
	return ret;
}

/*
 * A function line through the memo: 0 with *f set to the frame so far
 * (func and inlined, the rest zero), or -1 with *f untouched.
 */
static int parse_func_line_memo(struct parser *ps, struct span l, struct lg_frame *f)
{
	struct line_memo *m = memo_of(ps, 0);
	struct lg_frame nf;
	struct span func;
	int inl, ret;

	if (memo_hit(m, l)) {
		if (!m->ret)
			*f = m->f;
		return m->ret;
	}
	memset(&nf, 0, sizeof(nf));
	ret = parse_func_line(l, &func, &inl);
	if (!ret) {
		nf.func = intern(ps->pool, func.p, func.n);
		nf.inlined = inl ? 1 : 0;
		*f = nf;
	}
	memo_keep(m, l, ret, &nf);
	return ret;
}

/* "created by F[ in goroutine N]" */
static int parse_created_by(struct parser *ps, struct span l)
{
	struct span f = sp_skip(l, 11);
	long in = sp_find(f, " in goroutine ");
	int64_t parent = -1;

	if (in >= 0) {
		if (sp_whole_num(sp_skip(f, (size_t)in + 14), INT64_MAX, &parent))
			return -1;
		f.n = (size_t)in;
	}
	if (!f.n || memchr(f.p, ' ', f.n))
		return -1;
	memset(&ps->pframe, 0, sizeof(ps->pframe));
	ps->pframe.func = intern(ps->pool, f.p, f.n);
	ps->pparent = parent;
	ps->pend = PEND_CREATOR;
	return 0;
}

/* "[originating from goroutine N]:" */
static int parse_ancestor(struct parser *ps, struct span l)
{
	struct span s = sp_skip(l, 28);
	int64_t id;
	struct anc_scratch *a;

	if (!sp_ends(s, "]:"))
		return -1;
	s.n -= 2;
	if (sp_whole_num(s, INT64_MAX, &id))
		return -1;
	if (ps->nanc >= MAX_ANCESTORS) {
		/* keep parsing, but into the last one */
		ps->in_ancestor = 1;
		return 0;
	}
	LG_GROW(ps->anc, ps->anc_alloc, ps->nanc + 1);
	a = &ps->anc[ps->nanc++];
	memset(a, 0, sizeof(*a));
	a->a.id = id;
	a->a.creator.parent_id = -1;
	a->start = ps->nafr;
	ps->in_ancestor = 1;
	return 0;
}

/* "...N frames elided..." or "...additional frames elided..." */
static int is_elided(struct span l)
{
	return sp_starts(l, "...") && sp_ends(l, " elided...") && l.n > 13;
}

static void start_pending(struct parser *ps, struct span l)
{
	ps->ptext = l;
	ps->pline = ps->lineno;
	ps->st = ST_EXPECT_FILE;
}

static void handle_outside(struct parser *ps, struct span l);

/* A line inside a goroutine block, after the header or a complete frame. */
static void handle_in_g(struct parser *ps, struct span l)
{
	if (!l.n) {
		end_goroutine(ps);
		return;
	}
	if (is_noise(l))
		return;
	if (ps->may_nul && memchr(l.p, '\0', l.n)) {
		add_bad(ps, ps->lineno, l);
		end_goroutine(ps);
		return;
	}
	if (sp_starts(l, "created by ")) {
		if (parse_created_by(ps, l) == 0) {
			start_pending(ps, l);
			return;
		}
	} else if (sp_starts(l, "[originating from goroutine ")) {
		if (parse_ancestor(ps, l) == 0)
			return;
	} else if (is_elided(l)) {
		if (!ps->in_ancestor)
			ps->cur.frames_elided = 1;
		return;
	} else if (sp_eq(l, "\tgoroutine running on other thread; stack unavailable")) {
		ps->stack_unavailable = 1;
		return;
	} else if (sp_starts(l, "non-Go function")) {
		memset(&ps->pframe, 0, sizeof(ps->pframe));
		ps->pframe.func = intern(ps->pool, "non-Go function", 15);
		if (sp_starts(l, "non-Go function at pc=")) {
			push_frame(ps, &ps->pframe);
			return;
		}
		ps->pend = PEND_CGO;
		start_pending(ps, l);
		return;
	} else if (sp_starts(l, "goroutine ")) {
		end_goroutine(ps);
		handle_outside(ps, l);
		return;
	} else if (parse_func_line_memo(ps, l, &ps->pframe) == 0) {
		ps->pend = PEND_FRAME;
		start_pending(ps, l);
		return;
	}
	/*
	 * Not part of a goroutine.  Right after a header, or when it looks
	 * like a dump line gone wrong, it is a broken block; otherwise the
	 * block simply ended without a blank line (runtime.Stack output
	 * followed by test output) and the line belongs outside.
	 */
	if ((!ps->nfr && !ps->stack_unavailable && !ps->in_ancestor &&
	     !ps->cur.creator.func) ||
	    l.p[0] == '\t' || sp_starts(l, "created by ") ||
	    sp_starts(l, "[originating from ")) {
		add_bad(ps, ps->lineno, l);
		end_goroutine(ps);
		return;
	}
	end_goroutine(ps);
	handle_outside(ps, l);
}

/* The line after a function or created-by line. */
static void handle_expect_file(struct parser *ps, struct span l)
{
	struct lg_frame *f = &ps->pframe;

	if (l.n && is_noise(l))
		return;
	if (l.n && ps->may_nul && memchr(l.p, '\0', l.n)) {
		add_bad(ps, ps->lineno, l);
		ps->st = ST_IN_G;
		end_goroutine(ps);
		return;
	}
	if (ps->pend == PEND_CGO && l.n && l.p[0] == '\t') {
		push_frame(ps, f);
		ps->st = ST_IN_G;
		return;
	}
	if (parse_file_line_memo(ps, l, f) == 0) {
		ps->st = ST_IN_G;
		if (ps->pend == PEND_FRAME) {
			push_frame(ps, f);
		} else {
			struct lg_creator *c = ps->in_ancestor && ps->nanc
						       ? &ps->anc[ps->nanc - 1].a.creator
						       : &ps->cur.creator;

			c->func = f->func;
			c->file = f->file;
			c->line = f->line;
			c->parent_id = ps->pparent;
		}
		return;
	}
	/* The frame has no file line: the dump is broken here. */
	add_bad(ps, ps->pline, ps->ptext);
	ps->st = ST_IN_G;
	end_goroutine(ps);
	handle_outside(ps, l);
}

/* "N @ 0x1 0x2 ..." starts a debug=1 profile group. */
static int parse_group(struct parser *ps, struct span l)
{
	struct span s = l;
	int64_t count;

	if (sp_num(&s, INT64_MAX, &count) || !sp_starts(s, " @"))
		return -1;
	reset_cur(ps);
	ps->cur.id = -1;
	ps->cur.count = count;
	ps->cur.status = intern(ps->pool, "", 0);
	ps->cur.first_line = ps->lineno;
	ps->st = ST_GROUP;
	return 0;
}

/* "#\t0xpc\tpkg.F+0x1c\t/file.go:12" (tabwriter may widen the gaps). */
static int parse_group_frame(struct parser *ps, struct span l, struct lg_frame *f)
{
	struct span s = sp_skip(l, 1), func, file;
	const char *tab, *plus;

	memset(f, 0, sizeof(*f));
	while (s.n && (s.p[0] == '\t' || s.p[0] == ' '))
		s = sp_skip(s, 1);
	if (!sp_starts(s, "0x"))
		return -1;
	while (s.n && s.p[0] != '\t' && s.p[0] != ' ')
		s = sp_skip(s, 1);
	while (s.n && (s.p[0] == '\t' || s.p[0] == ' '))
		s = sp_skip(s, 1);
	if (!s.n)
		return -1;
	func = s;
	tab = memchr(s.p, '\t', s.n);
	if (tab)
		func.n = (size_t)(tab - s.p);
	s = sp_skip(s, func.n);
	/* drop "+0xoff" */
	for (plus = func.p + func.n; plus > func.p && plus[-1] != '+'; plus--)
		;
	if (plus > func.p + 1 && func.p + func.n - plus > 2 && plus[0] == '0' && plus[1] == 'x')
		func.n = (size_t)(plus - 1 - func.p);
	if (!func.n)
		return -1;
	f->func = intern(ps->pool, func.p, func.n);
	while (s.n && (s.p[0] == '\t' || s.p[0] == ' '))
		s = sp_skip(s, 1);
	if (s.n) {
		if (split_file_line(s, &file, &f->line))
			return -1;
		f->file = intern(ps->pool, file.p, file.n);
	}
	return 0;
}

static void handle_group(struct parser *ps, struct span l)
{
	struct lg_frame f;

	if (!l.n) {
		end_goroutine(ps);
		return;
	}
	if (is_noise(l))
		return;
	if (sp_starts(l, "# labels: ")) {
		ps->cur.labels = intern(ps->pool, l.p + 10, l.n - 10);
		return;
	}
	if (l.p[0] == '#') {
		if (parse_group_frame(ps, l, &f) == 0) {
			push_frame(ps, &f);
			return;
		}
		add_bad(ps, ps->lineno, l);
		end_goroutine(ps);
		return;
	}
	end_goroutine(ps);
	handle_outside(ps, l);
}

/* "\tTestX (5s)" or "\t\tTestX/sub (5s)" under "running tests:". */
static int parse_running_test(struct parser *ps, struct span l)
{
	struct lg_dump *d = ps->d;
	size_t i;

	if (!l.n || l.p[0] != '\t')
		return -1;
	while (l.n && l.p[0] == '\t')
		l = sp_skip(l, 1);
	if (!l.n || l.p[l.n - 1] != ')')
		return -1;
	for (i = l.n; i-- > 0;)
		if (l.p[i] == '(')
			break;
	if (i == (size_t)-1 || i < 2 || l.p[i - 1] != ' ')
		return -1;
	if (d->nrunning_tests >= LG_TB_MAX_RUNNING_TESTS)
		return 0;
	if (d->nrunning_tests % 16 == 0)
		d->running_tests = lg_xrealloc(d->running_tests,
					       (d->nrunning_tests + 16) * sizeof(char *));
	d->running_tests[d->nrunning_tests++] = lg_xstrndup(l.p, i - 1);
	return 0;
}

static void set_message(struct parser *ps, enum lg_dump_kind kind, struct span msg)
{
	struct lg_dump *d = ps->d;

	if (d->message)
		return;
	d->kind = kind;
	d->message = lg_xstrndup(msg.p, msg.n);
	d->message_line = ps->lineno;
}

/* "SIGQUIT: quit", "SIGSEGV: segmentation violation", ... */
static int is_signal_line(struct span l)
{
	size_t i = 3;

	if (!sp_starts(l, "SIG"))
		return 0;
	while (i < l.n && l.p[i] >= 'A' && l.p[i] <= 'Z')
		i++;
	return i > 3 && i + 1 < l.n && l.p[i] == ':' && l.p[i + 1] == ' ';
}

/* A line between goroutines: a header, a preamble, or noise. */
static void handle_outside(struct parser *ps, struct span l)
{
	if (!l.n)
		return;
	switch (l.p[0]) {
	case 'g':
		if (sp_starts(l, "goroutine ") && l.n > 10 && is_digit((unsigned char)l.p[10])) {
			reset_cur(ps);
			if (parse_header(ps, l) == 0) {
				ps->st = ST_IN_G;
			} else {
				add_bad(ps, ps->lineno, l);
				reset_cur(ps);
			}
		}
		return;
	case 'p':
		if (sp_starts(l, "panic: ")) {
			struct span m = sp_skip(l, 7);
			long rec = sp_find(m, " [recovered");

			if (rec >= 0 && sp_ends(m, "]"))
				m.n = (size_t)rec;
			set_message(ps, sp_starts(m, "test timed out after ") ? LG_DUMP_TIMEOUT
									       : LG_DUMP_PANIC,
				    m);
		}
		return;
	case 'f':
		if (sp_starts(l, "fatal error: ")) {
			struct span m = sp_skip(l, 13);

			if (sp_eq(m, "all goroutines are asleep - deadlock!"))
				ps->d->deadlock = 1;
			set_message(ps, LG_DUMP_FATAL, m);
		}
		return;
	case 'r':
	case '\t':
		if (sp_eq(l, "running tests:") || sp_eq(l, "\trunning tests:"))
			ps->st = ST_TESTS;
		return;
	case 'S':
		if (is_signal_line(l))
			set_message(ps, LG_DUMP_SIGNAL, l);
		return;
	default:
		if (is_digit((unsigned char)l.p[0]))
			parse_group(ps, l);
		return;
	}
}

static void handle_line(struct parser *ps, struct span l)
{
	/* test2json: a 0x16 not at line start begins a framing line */
	const char *mark = ps->may_mark && l.n > 1 ? memchr(l.p + 1, 0x16, l.n - 1) : NULL;

	if (mark)
		l.n = (size_t)(mark - l.p);
	switch (ps->st) {
	case ST_IN_G:
		handle_in_g(ps, l);
		break;
	case ST_EXPECT_FILE:
		handle_expect_file(ps, l);
		break;
	case ST_GROUP:
		handle_group(ps, l);
		break;
	case ST_TESTS:
		if (parse_running_test(ps, l) == 0)
			break;
		ps->st = ST_OUTSIDE;
		handle_outside(ps, l);
		break;
	case ST_OUTSIDE:
		handle_outside(ps, l);
		break;
	}
}

static void finish(struct parser *ps)
{
	if (ps->st == ST_EXPECT_FILE) {
		add_bad(ps, ps->pline, ps->ptext);
		ps->st = ST_IN_G;
	}
	end_goroutine(ps);
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
				add_bad(ps, ps->pline, ps->ptext);
			if (l.n > LG_TB_MAX_LINE)
				l.n = LG_TB_MAX_LINE;
			add_bad(ps, ps->lineno, l);
			if (ps->st == ST_EXPECT_FILE)
				ps->st = ST_IN_G;
			end_goroutine(ps);
		}
		ps->st = ST_OUTSIDE;
		return;
	}
	handle_line(ps, l);
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
	reset_cur(ps);
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
	free(s->ps.memo);
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
	finish(ps);
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
