/*
 * group_fold.c — the order of a set's folded stacks without making their
 * text: part of the group module (group.c makes the folded text itself).
 *
 * `leakgate stacks --folded` prints one line per distinct folded stack in
 * strcmp order.  Making and comparing 100,000 strings that share long
 * roots was most of that view's time; here each group's folded stack is a
 * sequence of tokens instead, and sequences compare as integers.
 *
 * Why integer order is strcmp order: a folded stack is elements (the
 * "key=value" label, the functions root first, or the wait class alone)
 * each followed by ';', the last one by the end of the string.  No element
 * holds a ';' (lg_group_folded makes them ':') or a NUL.  Take a token to
 * be an element with the byte that follows it (';' or NUL).  Two stacks
 * agree up to their first differing token, and that token pair decides:
 * neither token can be a proper prefix of the other (its last byte, ';' or
 * NUL, would have to be a byte of the other's element), so strcmp's first
 * differing byte lies inside the pair.  Tokens are ranked once by their
 * bytes (equal bytes, equal rank), and stacks compare as rank sequences.
 * tests/unit/test_group.c checks this against strcmp on names that are
 * prefixes of each other, ';' in names, labels and empty stacks.
 */
#include <stdlib.h>
#include <string.h>

#include "group_int.h"

/* A token being ranked: an element's bytes, the byte after it, where its rank goes. */
struct tok {
	const char *p;
	size_t len;
	unsigned char term; /* ';' or 0 */
	uint32_t *rank;
};

/* strcmp order of tokens' bytes (element then terminator). */
static int tok_cmp(const void *x, const void *y)
{
	const struct tok *a = x, *b = y;
	size_t m = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->p, b->p, m);
	unsigned char ca, cb;

	if (c)
		return c;
	ca = a->len > m ? (unsigned char)a->p[m] : a->term;
	cb = b->len > m ? (unsigned char)b->p[m] : b->term;
	return ca < cb ? -1 : ca > cb;
}

/* One group as a token sequence: [label] frames root first, or its wait class alone. */
struct seq {
	const uint32_t *frames; /* the group's, innermost first */
	uint32_t nframes;
	uint32_t len;       /* tokens */
	uint32_t label;     /* has a label token (index 0) */
	uint32_t lmid, llast, wlast; /* its label's ranks (not last / last), wait class rank */
};

struct ctx {
	const struct seq *q;
	const uint32_t *rmid, *rlast; /* per table frame */
};

/* Rank of token i of sequence q. */
static inline uint32_t tok_at(const struct ctx *c, const struct seq *q, uint32_t i)
{
	uint32_t last = i + 1 == q->len;

	if (q->label && i == 0)
		return last ? q->llast : q->lmid;
	if (!q->nframes)
		return q->wlast;
	i -= q->label;
	return (last ? c->rlast : c->rmid)[q->frames[q->nframes - 1 - i]];
}

/* Sorts k[0..n) ascending (a bottom-up merge sort; tmp holds n). */
static void sort_u64(uint64_t *k, uint64_t *tmp, size_t n)
{
	uint64_t *a = k, *b = tmp, *t;
	size_t w, i;

	for (w = 1; w < n; w *= 2, t = a, a = b, b = t) {
		for (i = 0; i < n; i += 2 * w) {
			size_t m = i + w < n ? i + w : n, r = i + 2 * w < n ? i + 2 * w : n;
			size_t x = i, y = m, j = i;

			while (x < m && y < r)
				b[j++] = a[y] < a[x] ? a[y++] : a[x++];
			while (x < m)
				b[j++] = a[x++];
			while (y < r)
				b[j++] = a[y++];
		}
	}
	if (a != k)
		memcpy(k, a, n * sizeof(*k));
}

/* A range of `order` whose sequences agree on their first `depth` tokens. */
struct range {
	size_t lo, hi, depth;
};

/*
 * Sorts order[0..n) by the token sequences tok[at[i] .. at[i] + len[i]),
 * most significant token first: each range is split by its next token
 * only, so every token is looked at about once (a shared root costs one
 * pass, not one walk per comparison).  Allocation failure exits.
 */
static void sort_seqs(const uint32_t *tok, const size_t *at, const uint32_t *len,
		      uint32_t *order, size_t n)
{
	uint64_t *key = lg_xmalloc((n ? n : 1) * sizeof(*key));
	uint64_t *tmp = lg_xmalloc((n ? n : 1) * sizeof(*tmp));
	struct range *st = NULL;
	size_t nst = 0, alloc = 0, i;

	LG_GROW(st, alloc, 1);
	st[nst++] = (struct range){ 0, n, 0 };
	while (nst) {
		struct range r = st[--nst];
		size_t d = r.depth, lo = r.lo;
		uint32_t first;
		int alike = 1;

		if (r.hi - r.lo < 2)
			continue;
		first = tok[at[order[r.lo]] + d];
		for (i = r.lo; i < r.hi && alike; i++)
			alike = tok[at[order[i]] + d] == first;
		if (!alike) {
			for (i = r.lo; i < r.hi; i++)
				key[i - r.lo] = (uint64_t)tok[at[order[i]] + d] << 32 | order[i];
			sort_u64(key, tmp, r.hi - r.lo);
			for (i = r.lo; i < r.hi; i++)
				order[i] = (uint32_t)key[i - r.lo];
		}
		/* runs of one token go on; a last token ends equal stacks */
		for (i = r.lo + 1; i <= r.hi; i++) {
			if (i < r.hi && tok[at[order[i]] + d] == tok[at[order[lo]] + d])
				continue;
			if (i - lo > 1 && d + 1 < len[order[lo]]) {
				LG_GROW(st, alloc, nst + 1);
				st[nst++] = (struct range){ lo, i, d + 1 };
			}
			lo = i;
		}
	}
	free(st);
	free(tmp);
	free(key);
}

/* Appends `s` with each ';' made ':' (as lg_group_folded shows it). */
static void add_clean(struct lg_buf *b, const char *s)
{
	size_t at = b->len;
	char *p;

	lg_buf_adds(b, s);
	for (p = b->buf + at; (p = strchr(p, ';')); p++)
		*p = ':';
}

void lg_group_folded_order(const struct lg_group_set *s, uint32_t *order, unsigned char *same)
{
	const struct priv *pv = s->priv;
	size_t n = s->n, ntab = s->nframes, i, ntok = 0, r;
	struct seq *q = lg_xcalloc(n + 1, sizeof(*q));
	uint32_t *rmid = lg_xmalloc((ntab + 1) * sizeof(*rmid));
	uint32_t *rlast = lg_xmalloc((ntab + 1) * sizeof(*rlast));
	struct tok *t = lg_xmalloc((2 * ntab + 2 * n + 1) * sizeof(*t));
	size_t *text_at = lg_xmalloc((n + 1) * sizeof(*text_at));
	struct lg_buf text = LG_BUF_INIT; /* label and wait class elements */
	struct ctx c = { q, rmid, rlast };
	size_t *at = lg_xmalloc((n + 1) * sizeof(*at));
	uint32_t *slen = lg_xmalloc((n + 1) * sizeof(*slen)), *tokv;

	for (i = 0; i < n; i++) {
		const struct lg_group *g = &s->g[i];

		q[i].frames = g->frames;
		q[i].nframes = (uint32_t)g->nframes;
		q[i].label = g->label && s->opts.by_label;
		q[i].len = q[i].label + q[i].nframes + (!q[i].label && !q[i].nframes);
		text_at[i] = text.len;
		if (q[i].label) {
			add_clean(&text, s->opts.by_label);
			lg_buf_addch(&text, '=');
			add_clean(&text, g->label);
		} else if (!q[i].nframes) {
			add_clean(&text, lg_wait_class_name(g->wait));
		}
		lg_buf_add(&text, "", 1); /* the NUL that ends it, not part of it */
	}
	/* pointers into `text` only now that it no longer moves */
	for (i = 0; i < n; i++) {
		const char *e = text.buf + text_at[i];
		size_t len = strlen(e);

		if (q[i].label) {
			t[ntok++] = (struct tok){ e, len, ';', &q[i].lmid };
			t[ntok++] = (struct tok){ e, len, 0, &q[i].llast };
		} else if (!q[i].nframes) {
			t[ntok++] = (struct tok){ e, len, 0, &q[i].wlast };
		}
	}
	for (i = 0; i < ntab; i++) {
		/* ";func" in the set's folded names: the element without its ';' */
		const char *e = pv->fold.buf + pv->fold_at[i] + 1;
		size_t len = pv->fold_at[i + 1] - pv->fold_at[i] - 1;

		t[ntok++] = (struct tok){ e, len, ';', &rmid[i] };
		t[ntok++] = (struct tok){ e, len, 0, &rlast[i] };
	}
	qsort(t, ntok, sizeof(*t), tok_cmp);
	for (i = 0, r = 0; i < ntok; i++) {
		if (i && tok_cmp(&t[i - 1], &t[i]))
			r++;
		*t[i].rank = (uint32_t)r;
	}
	/* every sequence as ranks in one array, for the sort to read */
	for (i = 0, r = 0; i < n; i++) {
		at[i] = r;
		slen[i] = q[i].len;
		r += q[i].len;
	}
	tokv = lg_xmalloc((r ? r : 1) * sizeof(*tokv));
	for (i = 0; i < n; i++) {
		uint32_t k;

		for (k = 0; k < q[i].len; k++)
			tokv[at[i] + k] = tok_at(&c, &q[i], k);
		order[i] = (uint32_t)i;
	}
	sort_seqs(tokv, at, slen, order, n);
	for (i = 0; i < n; i++) {
		uint32_t a = i ? order[i - 1] : 0, b = order[i];

		same[i] = i && slen[a] == slen[b] &&
			  !memcmp(tokv + at[a], tokv + at[b], slen[a] * sizeof(*tokv));
	}
	free(tokv);
	free(at);
	free(slen);
	lg_buf_release(&text);
	free(text_at);
	free(t);
	free(rlast);
	free(rmid);
	free(q);
}
