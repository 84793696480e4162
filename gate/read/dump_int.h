/*
 * dump_int.h — the dump parser's insides, shared by dump.c (the
 * string pool, the goroutine being built, streaming and the API) and
 * dump_lines.c (the line grammars and the state machine over them).
 * Not part of the module's contract: nothing outside these two files
 * includes it.
 */
#ifndef LG_DUMP_INT_H
#define LG_DUMP_INT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "hashmap.h"
#include "dump.h"

#define BAD_TEXT_MAX 200
#define MAX_ANCESTORS 256 /* GODEBUG=tracebackancestors caps itself at 50 */
#define LG_TB_FLAG_BLOCK ((size_t)128 << 10)

/* ---------------------------------------------------------------------- */
/* The string pool: the library interner, whose arena also holds frames. */

struct pool {
	struct lg_intern in;
};

static inline struct pool *pool_new(void)
{
	return lg_xcalloc(1, sizeof(struct pool));
}

static inline void pool_free(struct pool *p)
{
	if (!p)
		return;
	lg_intern_release(&p->in);
	free(p);
}

/* Returns the pool's NUL-terminated copy of s[0..n), stored once. */
static inline const char *intern(struct pool *p, const char *s, size_t n)
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
static inline int sp_starts(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n >= n && (!n || (s.p[0] == lit[0] && !memcmp(s.p, lit, n)));
}

static inline int sp_ends(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n >= n && !memcmp(s.p + s.n - n, lit, n);
}

static inline int sp_eq(struct span s, const char *lit)
{
	return s.n == strlen(lit) && (!s.n || (s.p[0] == lit[0] && !memcmp(s.p, lit, s.n)));
}

static inline struct span sp_skip(struct span s, size_t k)
{
	if (k > s.n)
		k = s.n;
	s.p += k;
	s.n -= k;
	return s;
}

static inline int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Finds `lit` in s, returning its offset or -1 (lines are capped, so an
 * O(n*m) search stays cheap). */
static inline long sp_find(struct span s, const char *lit)
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
static inline int sp_num(struct span *s, int64_t max, int64_t *out)
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
static inline int sp_whole_num(struct span s, int64_t max, int64_t *out)
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
	int cur_wclass; /* lg_wait_class_of_status(cur.status), or -1: not known */
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

	/* Lines parsed before, by a hash of their bytes (see line_cache). */
	struct line_cache *lcache;

	/* Streaming: goroutines go to visit instead of d->g. */
	lg_dump_visit_fn visit;
	void *ctx;
	struct lg_ancestor *anc_out; /* the visited goroutine's ancestors */
	size_t anc_out_alloc;
};

/* dump.c: the goroutine being built. */

/* Counts a malformed line and keeps its first BAD_TEXT_MAX bytes (up to LG_TB_MAX_BAD_LINES lines). */
void lg_dump_add_bad_(struct parser *ps, size_t line, struct span text);
/* True for lines that may interleave anywhere and never mean anything here. */
int lg_dump_is_noise_(struct span l);
/* Empties the goroutine being built. */
void lg_dump_reset_cur_(struct parser *ps);
/* Moves the goroutine being built into the dump (or to the visitor) and leaves the block. */
void lg_dump_end_goroutine_(struct parser *ps);
/* Adds a frame to the goroutine or to its current ancestor (capped at LG_TB_MAX_FRAMES). */
void lg_dump_push_frame_(struct parser *ps, const struct lg_frame *f);

/* dump_lines.c: the state machine. */

/* Parses one complete line (without its newline) in the parser's state. */
void lg_dump_handle_line_(struct parser *ps, struct span l);
/* Ends the input: a pending frame line without its file line is bad, the last goroutine is kept. */
void lg_dump_finish_(struct parser *ps);

#endif
