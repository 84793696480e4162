/*
 * dump_lines.c — the line grammars of goroutine dumps and the state
 * machine over them: headers ("goroutine 7 [chan receive, 3 minutes]:"),
 * function and file lines, created-by and ancestry blocks, debug=1 profile
 * groups, "running tests:" lists, panic, fatal error and signal preambles.
 * Each line is parsed from its bytes alone (dump.c splits the input
 * into lines), so a line seen before is answered from a small cache of
 * parsed lines; a line that breaks a goroutine block is counted as bad and
 * parsing resumes at the next header.
 */
#define _GNU_SOURCE /* memrchr */
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump_int.h"
#include "wait.h"

/* ---------------------------------------------------------------------- */
/* The line cache. */

/*
 * The goroutines of a big dump are mostly parked in a few places, so most
 * of its function, file, created-by and header lines are, byte for byte,
 * lines seen before.  Their parses are functions of the line's bytes alone
 * (a header's of the bytes after its id), so a small direct-mapped cache
 * keyed by a hash of those bytes keeps what each parsed to, and an equal
 * line is one hash and one memcmp instead of scanning, number parsing and
 * interning (whose strings live as long as the dump).  Only lines that
 * parsed are kept, and only lines of at most LC_TEXT bytes; a slot holds
 * the last line hashed to it.
 */
#define LC_SLOTS 1024 /* a power of two */
#define LC_TEXT 256

enum lc_kind { LC_NONE, LC_FUNC, LC_FILE, LC_CREATED, LC_HEADER };

struct line_cache {
	uint64_t h;
	unsigned short len;
	unsigned char kind;    /* enum lc_kind; LC_NONE: empty */
	unsigned char flags;   /* header: 1 locked, 2 leaked, 4 durable */
	unsigned char wclass;  /* header: lg_wait_class_of_status(status) */
	int minutes;           /* header */
	struct lg_frame f;     /* func and inlined (function lines), file and line,
	                          func (created by lines) */
	int64_t num;           /* created by: the parent id; header: the bubble */
	const char *status;    /* header */
	const char *labels;    /* header */
	char text[LC_TEXT];
};

/* The hash of a line's bytes for the cache. */
static inline uint64_t lc_hash(struct span l)
{
	return lg_hash_sampled(l.p, l.n);
}

/* The slot of line l (hash h) of `kind` when it holds it, else NULL. */
static inline struct line_cache *lc_find(struct parser *ps, enum lc_kind kind, struct span l,
					 uint64_t h)
{
	struct line_cache *c;

	if (!ps->lcache)
		return NULL;
	c = &ps->lcache[h & (LC_SLOTS - 1)];
	if (c->h != h || c->kind != kind || c->len != l.n || memcmp(c->text, l.p, l.n))
		return NULL;
	return c;
}

/* The slot to keep line l (hash h) of `kind` in, filled but for the parse; NULL when too long. */
static struct line_cache *lc_keep(struct parser *ps, enum lc_kind kind, struct span l, uint64_t h)
{
	struct line_cache *c;

	if (!l.n || l.n > LC_TEXT)
		return NULL;
	if (!ps->lcache)
		ps->lcache = lg_xcalloc(LC_SLOTS, sizeof(*ps->lcache));
	c = &ps->lcache[h & (LC_SLOTS - 1)];
	memset(c, 0, offsetof(struct line_cache, text));
	c->h = h;
	c->kind = (unsigned char)kind;
	c->len = (unsigned short)l.n;
	memcpy(c->text, l.p, l.n);
	return c;
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
 * Parses what follows the id of a header, "[ gp=.. m=.. mp=..] [status...][
 * {labels}]:", into g.  Returns 0, or -1 when the line is not a header.
 */
static int parse_header_rest(struct parser *ps, struct span s, struct lg_goroutine *g)
{
	struct span body;
	const char *close;
	long lab;

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
	return parse_status(ps, body, g);
}

/*
 * Parses "goroutine N[ gp=.. m=.. mp=..] [status...][ {labels}]:" (labels
 * inside the brackets as " labels:{...}" in Go 1.26, after them in 1.27).
 * Fills a fresh ps->cur; what follows the id goes through the line cache.
 * Returns 0, or -1 when the line is not a header.
 */
static int parse_header(struct parser *ps, struct span l)
{
	struct lg_goroutine *g = &ps->cur;
	struct span s = sp_skip(l, 10);
	struct line_cache *c;
	uint64_t h;

	if (sp_num(&s, INT64_MAX, &g->id))
		return -1;
	h = lc_hash(s);
	c = lc_find(ps, LC_HEADER, s, h);
	if (c) {
		g->status = c->status;
		g->labels = c->labels;
		g->minutes = c->minutes;
		g->bubble = c->num;
		g->locked = c->flags & 1;
		g->leaked = (c->flags >> 1) & 1;
		g->durable = (c->flags >> 2) & 1;
		ps->cur_wclass = c->wclass;
	} else {
		if (parse_header_rest(ps, s, g))
			return -1;
		ps->cur_wclass = (int)lg_wait_class_of_status(g->status);
		c = lc_keep(ps, LC_HEADER, s, h);
		if (c) {
			c->status = g->status;
			c->labels = g->labels;
			c->minutes = g->minutes;
			c->num = g->bubble;
			c->flags = (unsigned char)(g->locked | g->leaked << 1 | g->durable << 2);
			c->wclass = (unsigned char)ps->cur_wclass;
		}
	}
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

/* parse_file_line through the cache: sets f's file and line. */
static int parse_file_line_cached(struct parser *ps, struct span l, struct lg_frame *f)
{
	uint64_t h = lc_hash(l);
	struct line_cache *c = lc_find(ps, LC_FILE, l, h);

	if (c) {
		f->file = c->f.file;
		f->line = c->f.line;
		return 0;
	}
	if (parse_file_line(ps, l, f))
		return -1;
	c = lc_keep(ps, LC_FILE, l, h);
	if (c) {
		c->f.file = f->file;
		c->f.line = f->line;
	}
	return 0;
}

/*
 * A function line through the cache: 0 with *f set to the frame so far
 * (func and inlined, the rest zero), or -1 with *f untouched.
 */
static int parse_func_line_cached(struct parser *ps, struct span l, struct lg_frame *f)
{
	uint64_t h = lc_hash(l);
	struct line_cache *c = lc_find(ps, LC_FUNC, l, h);
	struct lg_frame nf;
	struct span func;
	int inl;

	if (c) {
		*f = c->f;
		return 0;
	}
	if (parse_func_line(l, &func, &inl))
		return -1;
	memset(&nf, 0, sizeof(nf));
	nf.func = intern(ps->pool, func.p, func.n);
	nf.inlined = inl ? 1 : 0;
	*f = nf;
	c = lc_keep(ps, LC_FUNC, l, h);
	if (c)
		c->f = nf;
	return 0;
}

/* "created by F[ in goroutine N]": sets ps->pframe (func only), pparent and pend. */
static int parse_created_by(struct parser *ps, struct span l)
{
	struct span f = sp_skip(l, 11);
	uint64_t h = lc_hash(l);
	struct line_cache *c = lc_find(ps, LC_CREATED, l, h);
	long in;
	int64_t parent = -1;

	if (c) {
		memset(&ps->pframe, 0, sizeof(ps->pframe));
		ps->pframe.func = c->f.func;
		ps->pparent = c->num;
		ps->pend = PEND_CREATOR;
		return 0;
	}
	in = sp_find(f, " in goroutine ");
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
	c = lc_keep(ps, LC_CREATED, l, h);
	if (c) {
		c->f.func = ps->pframe.func;
		c->num = parent;
	}
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
		lg_dump_end_goroutine_(ps);
		return;
	}
	if (lg_dump_is_noise_(l))
		return;
	if (ps->may_nul && memchr(l.p, '\0', l.n)) {
		lg_dump_add_bad_(ps, ps->lineno, l);
		lg_dump_end_goroutine_(ps);
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
			lg_dump_push_frame_(ps, &ps->pframe);
			return;
		}
		ps->pend = PEND_CGO;
		start_pending(ps, l);
		return;
	} else if (sp_starts(l, "goroutine ")) {
		lg_dump_end_goroutine_(ps);
		handle_outside(ps, l);
		return;
	} else if (parse_func_line_cached(ps, l, &ps->pframe) == 0) {
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
		lg_dump_add_bad_(ps, ps->lineno, l);
		lg_dump_end_goroutine_(ps);
		return;
	}
	lg_dump_end_goroutine_(ps);
	handle_outside(ps, l);
}

/* The line after a function or created-by line. */
static void handle_expect_file(struct parser *ps, struct span l)
{
	struct lg_frame *f = &ps->pframe;

	if (l.n && lg_dump_is_noise_(l))
		return;
	if (l.n && ps->may_nul && memchr(l.p, '\0', l.n)) {
		lg_dump_add_bad_(ps, ps->lineno, l);
		ps->st = ST_IN_G;
		lg_dump_end_goroutine_(ps);
		return;
	}
	if (ps->pend == PEND_CGO && l.n && l.p[0] == '\t') {
		lg_dump_push_frame_(ps, f);
		ps->st = ST_IN_G;
		return;
	}
	if (parse_file_line_cached(ps, l, f) == 0) {
		ps->st = ST_IN_G;
		if (ps->pend == PEND_FRAME) {
			lg_dump_push_frame_(ps, f);
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
	lg_dump_add_bad_(ps, ps->pline, ps->ptext);
	ps->st = ST_IN_G;
	lg_dump_end_goroutine_(ps);
	handle_outside(ps, l);
}

/* "N @ 0x1 0x2 ..." starts a debug=1 profile group. */
static int parse_group(struct parser *ps, struct span l)
{
	struct span s = l;
	int64_t count;

	if (sp_num(&s, INT64_MAX, &count) || !sp_starts(s, " @"))
		return -1;
	lg_dump_reset_cur_(ps);
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
		lg_dump_end_goroutine_(ps);
		return;
	}
	if (lg_dump_is_noise_(l))
		return;
	if (sp_starts(l, "# labels: ")) {
		ps->cur.labels = intern(ps->pool, l.p + 10, l.n - 10);
		return;
	}
	if (l.p[0] == '#') {
		if (parse_group_frame(ps, l, &f) == 0) {
			lg_dump_push_frame_(ps, &f);
			return;
		}
		lg_dump_add_bad_(ps, ps->lineno, l);
		lg_dump_end_goroutine_(ps);
		return;
	}
	lg_dump_end_goroutine_(ps);
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
			lg_dump_reset_cur_(ps);
			if (parse_header(ps, l) == 0) {
				ps->st = ST_IN_G;
			} else {
				lg_dump_add_bad_(ps, ps->lineno, l);
				lg_dump_reset_cur_(ps);
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

void lg_dump_handle_line_(struct parser *ps, struct span l)
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

void lg_dump_finish_(struct parser *ps)
{
	if (ps->st == ST_EXPECT_FILE) {
		lg_dump_add_bad_(ps, ps->pline, ps->ptext);
		ps->st = ST_IN_G;
	}
	lg_dump_end_goroutine_(ps);
}
