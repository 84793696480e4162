/*
 * group.c — grouping goroutines and profile samples by stack: the core
 * (interning, keys, the group table, finishing) and goroutines of dumps;
 * profiles come in through group_profile.c, set diffs are group_diff.c.
 *
 * Grouping runs once per goroutine or sample of inputs that may hold
 * millions of them, so the hot path does no allocation and no string work:
 * frames are looked up by pointer in a per-set table that gives their
 * canonical strings and a hash of their content, so a key is hashed with a
 * few multiplications per frame and compared by pointer, and the same hash
 * is the group's stable id.  Work that needs the strings (signatures, leak
 * patterns) happens once per group in lg_group_finish.
 *
 * Groups hold their frames as 32-bit ids into the set's table of distinct
 * frames (s->frames): a profile of 100,000 distinct stacks made of a few
 * dozen frames is then a few megabytes of ids that stay in cache, and the
 * writers format each distinct frame once and index by id.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "group_int.h"
#include "pattern.h"

#define NO_ID LG_HMAP_NONE

/* FNV's prime inverted mod 2^64: undoes the step lg_fnv1a takes for the NUL. */
#define FNV_PRIME_INV 0xce965057aff6957bull

static int is_runtime(const struct lg_frame *f)
{
	return !f->func || !strncmp(f->func, "runtime.", 8);
}

/* Waits the signature tells apart by their reason text. */
static int reason_matters(enum lg_wait_class w)
{
	return w == LG_WAIT_RUNTIME || w == LG_WAIT_OTHER;
}
/* ---------------------------------------------------------------------- */
/* Hashing and interning. */

/*
 * The content hash of a string: FNV-1a of its bytes without the NUL (NULL
 * apart from "").  Group ids are made of it, so its values never change;
 * it is lg_fnv1a, which also hashes the NUL, with that last step undone.
 */
static uint64_t hash_content(const char *s)
{
	if (!s)
		return 0x6e756c6cull;
	return lg_fnv1a(LG_FNV_OFFSET, s) * FNV_PRIME_INV;
}

/* The in-memory hash of a frame key: its string pointers and line. */
static uint64_t frame_key_hash(const char *func, const char *file, int line)
{
	return lg_hash_mix(lg_hash_ptr(func) ^ (lg_hash_ptr(file) * 31), (uint64_t)(uint32_t)line);
}

/* Is string entry k the pointer looked up? */
static int str_ptr_eq(const void *ctx, uint32_t k)
{
	const struct priv *pv = ctx;

	return pv->strs[k].ptr == pv->key_ptr;
}

/* Is string entry k's canonical string the content looked up? */
static int str_content_eq(const void *ctx, uint32_t k)
{
	const struct priv *pv = ctx;
	const char *s = pv->key_ptr, *c = pv->strs[k].canon;

	return pv->strs[k].hash == pv->key_hash && (s && c ? !strcmp(c, s) : c == s);
}

/* Is frame entry k the (func, file, line) pointers looked up? */
static int frame_eq(const void *ctx, uint32_t k)
{
	const struct priv *pv = ctx;
	const struct frame_ent *e = &pv->frames[k];

	return e->func == pv->key_frame->func && e->file == pv->key_frame->file &&
	       e->line == pv->key_frame->line;
}

/* Is table frame k the canonical frame looked up (inlined mark included)? */
static int tab_eq(const void *ctx, uint32_t k)
{
	const struct priv *pv = ctx;
	const struct lg_frame *a = &pv->tab[k], *b = pv->key_frame;

	return a->func == b->func && a->file == b->file && a->line == b->line &&
	       a->inlined == b->inlined;
}

/* The interned entry of string `s` (by pointer, then by content). */
static const struct str_ent *intern_str(struct priv *pv, const char *s)
{
	uint64_t hp = lg_hash_ptr(s), hc;
	uint32_t k, c;

	pv->key_ptr = s;
	k = lg_hmap_find(&pv->by_ptr, hp, str_ptr_eq, pv);
	if (k != LG_HMAP_NONE)
		return &pv->strs[k];
	hc = hash_content(s);
	pv->key_hash = hc;
	c = lg_hmap_find(&pv->by_content, hc, str_content_eq, pv);
	LG_GROW(pv->strs, pv->strs_alloc, pv->nstrs + 1);
	k = (uint32_t)pv->nstrs++;
	pv->strs[k].ptr = s;
	pv->strs[k].hash = hc;
	pv->strs[k].canon = c != LG_HMAP_NONE ? pv->strs[c].canon : s;
	if (c == LG_HMAP_NONE)
		lg_hmap_add(&pv->by_content, hc, k);
	lg_hmap_add(&pv->by_ptr, hp, k);
	return &pv->strs[k];
}

/* The entry of frame (func, file, line), interned when new; its index in pv->frames. */
static uint32_t intern_frame(struct priv *pv, const char *func, const char *file, int line)
{
	uint64_t h = frame_key_hash(func, file, line);
	struct lg_frame key = { func, file, line, 0 };
	const char *cfunc, *cfile;
	uint64_t hfunc, hfile;
	struct frame_ent *e;
	uint32_t k;

	pv->key_frame = &key;
	k = lg_hmap_find(&pv->frame_tab, h, frame_eq, pv);
	if (k != LG_HMAP_NONE)
		return k;
	/* each call may move pv->strs: keep values, not entries */
	cfunc = intern_str(pv, func)->canon;
	hfunc = intern_str(pv, func)->hash;
	cfile = intern_str(pv, file)->canon;
	hfile = intern_str(pv, file)->hash;
	LG_GROW(pv->frames, pv->frames_alloc, pv->nframes + 1);
	k = (uint32_t)pv->nframes++;
	e = &pv->frames[k];
	e->func = func;
	e->file = file;
	e->line = line;
	e->cfunc = cfunc;
	e->cfile = cfile;
	e->hfunc = hfunc;
	e->hfull = lg_hash_mix(lg_hash_mix(hfunc, hfile), (uint64_t)(uint32_t)line);
	e->runtime = is_runtime(&key);
	e->id[0] = e->id[1] = NO_ID;
	lg_hmap_add(&pv->frame_tab, h, k);
	return k;
}

/* The id in the frame table of entry `e` with this inlined flag, added when new. */
static uint32_t table_id(struct priv *pv, struct frame_ent *e, int inlined)
{
	struct lg_frame key = { e->cfunc, e->cfile, e->line, (unsigned)inlined };
	uint64_t h;
	uint32_t k;

	if (e->id[inlined] != NO_ID)
		return e->id[inlined];
	h = frame_key_hash(e->cfunc, e->cfile, e->line) ^ (uint64_t)inlined;
	pv->key_frame = &key;
	k = lg_hmap_find(&pv->tab_slots, h, tab_eq, pv);
	if (k == LG_HMAP_NONE) {
		LG_GROW(pv->tab, pv->tab_alloc, pv->ntab + 1);
		LG_GROW(pv->tab_rt, pv->tab_rt_alloc, pv->ntab + 1);
		LG_GROW(pv->tab_flen, pv->tab_flen_alloc, pv->ntab + 1);
		pv->tab[pv->ntab] = key;
		pv->tab_rt[pv->ntab] = e->runtime;
		pv->tab_flen[pv->ntab] = key.func ? (uint32_t)strlen(key.func) : 0;
		k = (uint32_t)pv->ntab++;
		lg_hmap_add(&pv->tab_slots, h, k);
	}
	e->id[inlined] = k;
	return k;
}

/* Frame i of an entry is entry e: its table id into pv->ids, its content into h. */
static inline uint64_t mix_frame(struct priv *pv, enum lg_group_by by, size_t i, uint32_t fe,
				 int inlined, uint64_t h)
{
	struct frame_ent *e = &pv->frames[fe];

	pv->ids[i] = table_id(pv, e, inlined);
	if (by == LG_GROUP_EXACT || !e->runtime)
		h = lg_hash_mix(h, by == LG_GROUP_FUNCS ? e->hfunc : e->hfull);
	return h;
}

/*
 * Interns an entry's frames into pv->ids (ids in the frame table) and
 * returns the content hash of what the level looks at: wait, reason,
 * flags, frames, creator and the grouping label.  Being made of contents
 * only, it is equal across inputs and is the group's stable id at the
 * exact and lines levels.  `g` gets the canonical status and creator.
 * The frames are g's, or those of locations locs[0..nlocs) of `p`.
 */
static uint64_t intern_entry(struct lg_group_set *s, struct lg_goroutine *g, const char *label,
			     const struct lg_pprof *p, const uint32_t *locs, size_t nlocs)
{
	struct priv *pv = s->priv;
	enum lg_group_by by = s->opts.by;
	uint64_t h = lg_hash_mix(lg_hash_mix(0x51ed27, (uint64_t)by), (uint64_t)g->wait);
	size_t i, j, n = 0;

	if (by == LG_GROUP_EXACT || reason_matters(g->wait)) {
		const struct str_ent *st = intern_str(pv, g->status);

		g->status = st->canon;
		h = lg_hash_mix(h, st->hash);
	}
	if (by == LG_GROUP_EXACT)
		h = lg_hash_mix(h, (uint64_t)(g->locked | g->leaked << 1));
	LG_GROW(pv->ids, pv->ids_alloc, g->nframes + 1);
	if (p) {
		/* each location frame is interned once, on first use */
		for (i = 0; i < nlocs; i++) {
			const struct lg_pprof_location *l = &p->locations[locs[i]];

			for (j = l->first; j < l->first + l->n; j++, n++) {
				const struct lg_frame *f = &p->loc_frames[j];

				if (pv->loc_fe[j] == NO_ID)
					pv->loc_fe[j] = intern_frame(pv, f->func, f->file, f->line);
				h = mix_frame(pv, by, n, pv->loc_fe[j], f->inlined, h);
			}
		}
	} else {
		for (i = 0; i < g->nframes; i++) {
			const struct lg_frame *f = &g->frames[i];

			h = mix_frame(pv, by, i, intern_frame(pv, f->func, f->file, f->line),
				      f->inlined, h);
		}
	}
	if (by != LG_GROUP_FUNCS && g->creator.func) {
		uint32_t k = intern_frame(pv, g->creator.func, g->creator.file, g->creator.line);
		const struct frame_ent *e = &pv->frames[k]; /* after the call: it may move frames */

		g->creator.func = e->cfunc;
		g->creator.file = e->cfile;
		h = lg_hash_mix(h, e->hfull);
	} else if (by != LG_GROUP_FUNCS) {
		h = lg_hash_mix(h, 0xc0ffee);
	}
	if (label)
		h = lg_hash_mix(h, hash_content(label));
	return h;
}

/* The next frame id at index >= i that the level looks at, or n. */
static size_t next_frame(const struct priv *pv, enum lg_group_by by, const uint32_t *id,
			 size_t n, size_t i)
{
	while (i < n && by != LG_GROUP_EXACT && pv->tab_rt[id[i]])
		i++;
	return i;
}

/*
 * A group's frames against an entry's (pv->ids).  The table holds
 * canonical strings: equal content is equal pointers.  The inlined mark
 * is no part of a key.
 */
static int same_frames(const struct lg_group_set *s, const struct lg_group *grp,
		       const struct lg_goroutine *g)
{
	const struct priv *pv = s->priv;
	enum lg_group_by by = s->opts.by;
	size_t i = 0, j = 0;

	if (by == LG_GROUP_EXACT && grp->nframes != g->nframes)
		return 0;
	for (;;) {
		const struct lg_frame *a, *b;

		i = next_frame(pv, by, grp->frames, grp->nframes, i);
		j = next_frame(pv, by, pv->ids, g->nframes, j);
		if (i == grp->nframes || j == g->nframes)
			return i == grp->nframes && j == g->nframes;
		if (grp->frames[i++] == pv->ids[j++])
			continue;
		a = &pv->tab[grp->frames[i - 1]];
		b = &pv->tab[pv->ids[j - 1]];
		if (a->func != b->func)
			return 0;
		if (by != LG_GROUP_FUNCS && (a->line != b->line || a->file != b->file))
			return 0;
	}
}

static int key_equal(const struct lg_group_set *s, const struct lg_group *grp,
		     const struct lg_goroutine *g, const char *label)
{
	enum lg_group_by by = s->opts.by;
	const struct lg_group_dump *d = grp->dump;

	if (grp->wait != g->wait)
		return 0;
	/* without dump fields (a profile's set) every entry has status "", no flags, no creator */
	if (d && by == LG_GROUP_EXACT && (d->status != g->status ||
					  d->locked != g->locked || d->leaked != g->leaked))
		return 0;
	if (d && by != LG_GROUP_EXACT && reason_matters(g->wait) && d->status != g->status)
		return 0;
	if (d && by != LG_GROUP_FUNCS &&
	    (d->creator.line != g->creator.line || d->creator.func != g->creator.func ||
	     d->creator.file != g->creator.file))
		return 0;
	if ((grp->label == NULL) != (label == NULL) || (label && strcmp(grp->label, label)))
		return 0;
	return same_frames(s, grp, g);
}
/* ---------------------------------------------------------------------- */
/* The table. */

/* Is group k the entry looked up (pv->key_g, key_label, key_hash)? */
static int group_eq(const void *ctx, uint32_t k)
{
	const struct lg_group_set *s = ctx;
	const struct priv *pv = s->priv;

	return pv->hash[k] == pv->key_hash && key_equal(s, &s->g[k], pv->key_g, pv->key_label);
}

void lg_group_reserve_(struct lg_group_set *s, size_t n)
{
	struct priv *pv = s->priv;
	size_t before = pv->galloc;

	if (n > LG_GROUP_MAX_GROUPS)
		n = LG_GROUP_MAX_GROUPS;
	LG_GROW(s->g, pv->galloc, n);
	if (pv->galloc != before) {
		pv->hash = lg_xrealloc(pv->hash, pv->galloc * sizeof(*pv->hash));
		/* the map too, so that it is not rehashed while groups are added */
		lg_hmap_reserve(&pv->groups, n);
	}
}

/*
 * A new group for entry g (its frame ids in pv->ids) under key hash h; a
 * dump's group gets its dump fields from the set's arena.  Cannot fail
 * (exhaustion exits).
 */
static struct lg_group *new_group(struct lg_group_set *s, const struct lg_goroutine *g,
				  const char *label, uint64_t h)
{
	struct priv *pv = s->priv;
	struct lg_group *grp;
	size_t gn = s->n;

	lg_group_reserve_(s, s->n + 1);
	grp = &s->g[s->n++];
	memset(grp, 0, sizeof(*grp));
	pv->hash[gn] = h;
	lg_hmap_add(&pv->groups, h, (uint32_t)gn);
	grp->wait = g->wait;
	grp->frames_elided = g->frames_elided;
	grp->labels = g->labels;
	grp->label = label ? lg_arena_strndup(&pv->arena, label, strlen(label)) : NULL;
	if (g->nframes) {
		uint32_t *ids = lg_arena_alloc(&pv->arena, g->nframes * sizeof(*ids), 4);

		memcpy(ids, pv->ids, g->nframes * sizeof(*ids));
		grp->frames = ids;
	}
	grp->nframes = (uint32_t)g->nframes; /* <= LG_TB_MAX_FRAMES, LG_PPROF_MAX_FRAMES */
	if (!pv->profile) {
		struct lg_group_dump *d = lg_arena_alloc(&pv->arena, sizeof(*d), _Alignof(int64_t));

		memset(d, 0, sizeof(*d));
		d->status = g->status ? g->status : "";
		d->creator = g->creator;
		d->locked = g->locked;
		d->leaked = g->leaked;
		d->durable = g->durable;
		d->min_minutes = d->max_minutes = g->minutes;
		d->first_line = g->first_line;
		grp->dump = d;
	}
	return grp;
}

/* Keeps the smallest ids in d: the oldest goroutines of a group.  Cannot fail. */
static void add_id(struct lg_group_dump *d, int64_t id)
{
	size_t i;

	if (id < 0)
		return;
	if (d->nids == LG_GROUP_MAX_IDS && id >= d->ids[LG_GROUP_MAX_IDS - 1])
		return;
	i = d->nids < LG_GROUP_MAX_IDS ? d->nids++ : LG_GROUP_MAX_IDS - 1;
	while (i > 0 && d->ids[i - 1] > id) {
		d->ids[i] = d->ids[i - 1];
		i--;
	}
	d->ids[i] = id;
}

void lg_group_add_entry_(struct lg_group_set *s, const struct lg_goroutine *g0, int64_t weight,
			 int64_t entries, const char *label, const struct lg_pprof *p,
			 const uint32_t *locs, size_t nlocs)
{
	struct priv *pv = s->priv;
	struct lg_goroutine g = *g0;
	uint64_t h = intern_entry(s, &g, label, p, locs, nlocs);
	struct lg_group *grp = NULL;
	uint32_t k;

	pv->key_g = &g;
	pv->key_label = label;
	pv->key_hash = h;
	k = lg_hmap_find(&pv->groups, h, group_eq, s);
	if (k != LG_HMAP_NONE)
		grp = &s->g[k];
	if (!grp) {
		if (s->n >= LG_GROUP_MAX_GROUPS) {
			s->overflow += entries;
			return;
		}
		grp = new_group(s, &g, label, h);
	}
	grp->count = lg_sat_add64(grp->count, weight);
	grp->entries += entries;
	s->total = lg_sat_add64(s->total, weight);
	if (grp->dump) {
		struct lg_group_dump *d = grp->dump;

		if (g.minutes < d->min_minutes)
			d->min_minutes = g.minutes;
		if (g.minutes > d->max_minutes)
			d->max_minutes = g.minutes;
		d->leaked |= g.leaked;
		add_id(d, g.id);
	}
	s->frames = pv->tab;
	s->nframes = pv->ntab;
}

/* ---------------------------------------------------------------------- */
/* Labels. */

/* Reads a %q-quoted or bare token at *p into out; bare ends at any of `stop`. */
static int read_token(const char **p, const char *stop, struct lg_buf *out)
{
	const char *q = *p;

	if (*q == '"') {
		for (q++; *q && *q != '"'; q++) {
			if (*q == '\\' && q[1])
				q++;
			if (out->len < LG_GROUP_MAX_LABEL)
				lg_buf_addch(out, *q);
		}
		if (*q != '"')
			return -1;
		*p = q + 1;
		return 0;
	}
	while (*q && !strchr(stop, *q))
		q++;
	if (q == *p)
		return -1;
	lg_buf_add(out, *p, (size_t)(q - *p) > LG_GROUP_MAX_LABEL ? LG_GROUP_MAX_LABEL : (size_t)(q - *p));
	*p = q;
	return 0;
}

int lg_labels_get(const char *labels, const char *key, struct lg_buf *out)
{
	struct lg_buf k = LG_BUF_INIT;
	const char *p = labels;
	int ret = -1;

	if (!p || *p++ != '{')
		goto out;
	for (;;) {
		int match;

		while (*p == ' ')
			p++;
		if (*p == '}' || !*p)
			goto out;
		lg_buf_reset(&k);
		lg_buf_reset(out);
		if (read_token(&p, ":", &k) || *p++ != ':')
			goto out;
		while (*p == ' ')
			p++;
		match = !strcmp(k.buf, key);
		if (read_token(&p, ",}", out))
			goto out;
		if (match) {
			ret = 0;
			goto out;
		}
		if (*p == ',')
			p++;
		else if (*p != '}')
			goto out;
	}
out:
	if (ret)
		lg_buf_reset(out);
	lg_buf_release(&k);
	return ret;
}

/* ---------------------------------------------------------------------- */
/* Goroutines. */

int lg_group_state_matches_(const char *want, const struct lg_goroutine *g)
{
	if (!want)
		return 1;
	if (g->status && !strcmp(want, g->status))
		return 1;
	return !strcmp(want, lg_wait_class_name(g->wait));
}

int lg_group_func_matches_(const regex_t *re, const struct lg_frame *f, size_t n)
{
	size_t i;

	if (!re)
		return 1;
	for (i = 0; i < n; i++)
		if (f[i].func && regexec(re, f[i].func, 0, NULL, 0) == 0)
			return 1;
	return 0;
}

/* The private part, made on first use so that an unused set owns nothing. */
static struct priv *priv_of(struct lg_group_set *s)
{
	struct priv *pv = s->priv;

	if (!pv) {
		pv = lg_xcalloc(1, sizeof(*pv));
		lg_buf_init(&pv->scratch);
		lg_buf_init(&pv->fold);
		s->priv = pv;
	}
	return pv;
}

int lg_group_claim_(struct lg_group_set *s, const void *input)
{
	struct priv *pv = priv_of(s);

	if (pv->finished || (pv->input && pv->input != input))
		return -1;
	pv->input = input;
	return 0;
}

void lg_group_visit(void *set, const struct lg_dump *d, const struct lg_goroutine *g)
{
	struct lg_group_set *s = set;
	const struct lg_group_filter *f = &s->opts.filter;
	struct lg_buf *val;
	const char *label = NULL;

	if (lg_group_claim_(s, d))
		return;
	val = &((struct priv *)s->priv)->scratch;
	s->seen++;
	if (!lg_group_state_matches_(f->state, g) || !lg_group_func_matches_(f->func, g->frames, g->nframes))
		goto filtered;
	if (f->label_key && (lg_labels_get(g->labels, f->label_key, val) ||
			     (f->label_value && strcmp(val->buf, f->label_value))))
		goto filtered;
	if (s->opts.by_label && lg_labels_get(g->labels, s->opts.by_label, val) == 0)
		label = val->buf;
	lg_group_add_entry_(s, g, g->count, 1, label, NULL, NULL, 0);
	return;
filtered:
	s->filtered++;
}

void lg_group_add_dump(struct lg_group_set *s, const struct lg_dump *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		lg_group_visit(s, d, &d->g[i]);
}
/* ---------------------------------------------------------------------- */
/* Finishing. */

/*
 * The bytes lg_goroutine_signature hashes for a group, from the frame
 * table, appended to `out`: the wait class name, the reason when it
 * matters, each non-runtime function, each with its NUL, using the lengths
 * and runtime marks the table keeps, so no strlen or prefix test per
 * frame.  tests/unit/test_group.c checks the hashes against
 * lg_goroutine_signature.  Cannot fail.
 */
static void signature_bytes(const struct priv *pv, const struct lg_group *grp, struct lg_buf *out)
{
	const char *w = lg_wait_class_name(grp->wait);
	const char *status = lg_group_dump_of(grp)->status;
	size_t i;

	lg_buf_add(out, w, strlen(w) + 1);
	if ((grp->wait == LG_WAIT_RUNTIME || grp->wait == LG_WAIT_OTHER) && status)
		lg_buf_add(out, status, strlen(status) + 1);
	for (i = 0; i < grp->nframes; i++) {
		uint32_t k = grp->frames[i];

		if (!pv->tab_rt[k])
			lg_buf_add(out, pv->tab[k].func, pv->tab_flen[k] + 1);
	}
}

#define SIG_LANES 4
#define FNV_PRIME 0x100000001b3ull

/*
 * The signatures of groups g[0..n) (n <= SIG_LANES) into sig[]: FNV-1a
 * of each one's signature_bytes, the lanes hashed side by side.  One
 * FNV-1a is a chain of dependent multiplications, a few cycles a byte;
 * independent chains fill the gaps, so four hash in about the time of
 * one.  Uses pv->scratch.  Cannot fail.
 */
static void group_signatures(struct priv *pv, const struct lg_group *g, size_t n, uint64_t *sig)
{
	const unsigned char *p[SIG_LANES];
	size_t at[SIG_LANES + 1], len[SIG_LANES], i, l, common;

	lg_buf_reset(&pv->scratch);
	for (l = 0; l < n; l++) {
		at[l] = pv->scratch.len;
		signature_bytes(pv, &g[l], &pv->scratch);
	}
	at[n] = pv->scratch.len;
	common = SIZE_MAX;
	for (l = 0; l < n; l++) {
		p[l] = (const unsigned char *)pv->scratch.buf + at[l];
		len[l] = at[l + 1] - at[l];
		sig[l] = LG_FNV_OFFSET;
		if (len[l] < common)
			common = len[l];
	}
	if (n == SIG_LANES) {
		uint64_t h0 = sig[0], h1 = sig[1], h2 = sig[2], h3 = sig[3];

		for (i = 0; i < common; i++) {
			h0 = (h0 ^ p[0][i]) * FNV_PRIME;
			h1 = (h1 ^ p[1][i]) * FNV_PRIME;
			h2 = (h2 ^ p[2][i]) * FNV_PRIME;
			h3 = (h3 ^ p[3][i]) * FNV_PRIME;
		}
		sig[0] = h0;
		sig[1] = h1;
		sig[2] = h2;
		sig[3] = h3;
	} else {
		common = 0;
	}
	for (l = 0; l < n; l++)
		sig[l] = lg_fnv1a_bytes(sig[l], p[l] + common, len[l] - common);
}

/*
 * `key` is the group's content hash (intern_entry): at the exact and lines
 * levels it is the stable id; at funcs the signature is, with the label
 * mixed in when grouped by one.  *sig_of is the group's signature
 * (group_signatures), or sig_of is NULL when none is made.  Returns the id's value (the number its
 * hex text spells), for sorting.  Cannot fail.
 */
static uint64_t complete(const struct lg_group_set *s, struct lg_group *grp, uint64_t key,
			 const uint64_t *sig_of)
{
	struct priv *pv = s->priv;
	uint64_t sig = 0, id;
	struct lg_goroutine g;
	size_t i;

	if (sig_of) {
		sig = *sig_of;
		lg_hex16(sig, grp->signature);
	}
	if (s->opts.by == LG_GROUP_FUNCS && !grp->label)
		id = sig;
	else if (s->opts.by == LG_GROUP_FUNCS)
		id = lg_fnv1a(lg_fnv1a(LG_FNV_OFFSET, grp->signature), grp->label);
	else
		id = key;
	lg_hex16(id, grp->id);
	if (pv->no_patterns) {
		grp->pattern = NULL;
		return id;
	}
	LG_GROW(pv->fr, pv->fr_alloc, grp->nframes + 1);
	for (i = 0; i < grp->nframes; i++)
		pv->fr[i] = pv->tab[grp->frames[i]];
	memset(&g, 0, sizeof(g));
	g.id = -1;
	g.status = lg_group_dump_of(grp)->status;
	g.wait = grp->wait;
	g.frames = pv->fr;
	g.nframes = grp->nframes;
	g.creator = lg_group_dump_of(grp)->creator;
	grp->pattern = lg_pattern_of(&g, s->opts.module_root, s->opts.read_sources, NULL);
	return id;
}

/* What groups are sorted by, kept apart from the (big) groups themselves. */
struct order {
	int64_t count;
	size_t first_line;
	uint64_t id; /* the hex id's value: compares as the text does */
	size_t at;
};

/*
 * The sort key of `o` as three unsigned words, least significant first:
 * the id, the first line, the count with its order turned (bigger count
 * first: the sign bit flipped makes signed order unsigned, the complement
 * turns it).  Ascending in word 2, then 1, then 0 is bigger count first,
 * then earlier first line, then smaller id.
 */
static inline uint64_t order_word(const struct order *o, unsigned w)
{
	if (w == 0)
		return o->id;
	if (w == 1)
		return (uint64_t)o->first_line;
	return ~((uint64_t)o->count ^ ((uint64_t)1 << 63));
}

#define ORDER_DIGITS 24 /* bytes of the three key words */

/*
 * A stable LSD radix sort of o[0..n) by order_word, a byte at a time:
 * one pass counts every byte of every key, and a byte that is the same in
 * all keys (the first line of all profile groups, the high bytes of
 * counts) costs no pass.  100,000 groups take the 8 passes of their
 * hashed ids, where a merge sort took 17 passes of comparisons whose
 * outcome was as good as random.  Stable: equal keys keep their order.
 * Cannot fail (allocation failure exits).
 */
static void sort_orders(struct order *o, size_t n)
{
	uint32_t (*hist)[256] = lg_xcalloc(ORDER_DIGITS, sizeof(*hist));
	struct order *tmp, *a = o, *b, *t;
	size_t i;
	unsigned d;

	if (n < 2) {
		free(hist);
		return;
	}
	for (i = 0; i < n; i++)
		for (d = 0; d < ORDER_DIGITS; d++)
			hist[d][(order_word(&o[i], d / 8) >> (d % 8 * 8)) & 0xff]++;
	tmp = lg_xmalloc(n * sizeof(*tmp));
	b = tmp;
	for (d = 0; d < ORDER_DIGITS; d++) {
		uint32_t at[256], sum = 0;
		unsigned v;

		for (v = 0; v < 256 && hist[d][v] != n; v++)
			;
		if (v < 256)
			continue; /* one value in every key */
		for (v = 0; v < 256; v++) {
			at[v] = sum;
			sum += hist[d][v];
		}
		for (i = 0; i < n; i++)
			b[at[(order_word(&a[i], d / 8) >> (d % 8 * 8)) & 0xff]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	if (a != o)
		memcpy(o, a, n * sizeof(*o));
	free(tmp);
	free(hist);
}

/* Asks for the cache lines of group g before it is read. */
static inline void prefetch_group(const struct lg_group *g)
{
	const char *p = (const char *)g;
	size_t off;

	for (off = 0; off < sizeof(*g); off += 64)
		__builtin_prefetch(p + off);
	__builtin_prefetch(p + sizeof(*g) - 1);
}

/*
 * Puts the groups in the order of their keys o[0..s->n) (which it frees),
 * then drops those under min_count (the tail).  The groups move in place,
 * cycle by cycle: a profile's groups are tens of megabytes, and a sorted
 * copy would be as many again.  The cycles follow a compact copy of the
 * permutation (4 bytes a group, in cache), so the group two steps ahead
 * is known and fetched while this one moves: each step is otherwise a
 * cache miss that waits for the one before.  Cannot fail (allocation
 * failure exits).
 */
static void sort_groups(struct lg_group_set *s, struct order *o, int64_t min_count)
{
	uint32_t *perm;
	size_t i, j;

	sort_orders(o, s->n);
	perm = lg_xmalloc((s->n ? s->n : 1) * sizeof(*perm));
	for (i = 0; i < s->n; i++)
		perm[i] = (uint32_t)o[i].at; /* n <= LG_GROUP_MAX_GROUPS */
	free(o);
	/* place i gets the group at perm[i]; a placed slot points at itself */
	for (i = 0; i < s->n; i++) {
		struct lg_group keep;

		if (perm[i] == i)
			continue;
		keep = s->g[i];
		for (j = i; perm[j] != i; ) {
			size_t from = perm[j];

			prefetch_group(&s->g[perm[perm[from]]]);
			s->g[j] = s->g[from];
			perm[j] = (uint32_t)j;
			j = from;
		}
		s->g[j] = keep;
		perm[j] = (uint32_t)j;
	}
	free(perm);
	while (s->n && s->g[s->n - 1].count < min_count) {
		s->hidden++;
		s->hidden_count = lg_sat_add64(s->hidden_count, s->g[--s->n].count);
	}
}

static void add_folded(struct lg_buf *out, const char *s, int sep);

/*
 * Drops the groups under min_count (counted in hidden, hidden_count) and
 * closes the gaps, the others keeping their order: finishing without the
 * sort (LG_GROUP_SKIP_ORDER).  Cannot fail.
 */
static void drop_small(struct lg_group_set *s, int64_t min_count)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++) {
		if (s->g[i].count < min_count) {
			s->hidden++;
			s->hidden_count = lg_sat_add64(s->hidden_count, s->g[i].count);
		} else {
			if (n != i)
				s->g[n] = s->g[i];
			n++;
		}
	}
	s->n = n;
}

/* Fills pv->fold and fold_at from the frame table. */
static void fold_names(struct priv *pv)
{
	size_t k;

	pv->fold_at = lg_xmalloc((pv->ntab + 1) * sizeof(*pv->fold_at));
	for (k = 0; k < pv->ntab; k++) {
		pv->fold_at[k] = pv->fold.len;
		add_folded(&pv->fold, pv->tab[k].func ? pv->tab[k].func : "?", 1);
	}
	pv->fold_at[pv->ntab] = pv->fold.len;
}

void lg_group_finish(struct lg_group_set *s, int64_t min_count)
{
	struct priv *pv = priv_of(s);
	uint64_t sig[SIG_LANES];
	struct order *o;
	size_t i;
	int want_sig;

	if (pv->finished)
		return;
	pv->finished = 1;
	fold_names(pv);
	if (s->opts.skip & LG_GROUP_SKIP_ORDER) {
		drop_small(s, min_count);
		lg_hmap_release(&pv->groups);
		return;
	}
	want_sig = s->opts.by == LG_GROUP_FUNCS || !(s->opts.skip & LG_GROUP_SKIP_SIGNATURE);
	o = lg_xmalloc((s->n ? s->n : 1) * sizeof(*o));
	for (i = 0; i < s->n; i++) {
		if (want_sig && i % SIG_LANES == 0)
			group_signatures(pv, &s->g[i], s->n - i < SIG_LANES ? s->n - i : SIG_LANES, sig);
		o[i].id = complete(s, &s->g[i], pv->hash[i], want_sig ? &sig[i % SIG_LANES] : NULL);
		o[i].count = s->g[i].count;
		o[i].first_line = lg_group_dump_of(&s->g[i])->first_line;
		o[i].at = i;
	}
	sort_groups(s, o, min_count);
	/* the table indexes the unsorted order; finding is by id from now on */
	lg_hmap_release(&pv->groups);
}

long lg_group_find(const struct lg_group_set *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->g[i].id, id))
			return (long)i;
	return -1;
}

/* ';' separates frames: none may hold one. */
static void add_folded(struct lg_buf *out, const char *s, int sep)
{
	size_t at;
	char *p;

	if (sep)
		lg_buf_addch(out, ';');
	at = out->len;
	lg_buf_adds(out, s);
	for (p = out->buf + at; (p = strchr(p, ';')); p++)
		*p = ':';
}

void lg_group_folded(const struct lg_group_set *s, const struct lg_group *g, struct lg_buf *out)
{
	size_t i;
	int sep = 0;

	if (g->label && s->opts.by_label) {
		add_folded(out, s->opts.by_label, 0);
		lg_buf_addch(out, '=');
		add_folded(out, g->label, 0);
		sep = 1;
	}
	for (i = g->nframes; i-- > 0; sep = 1) {
		const struct priv *pv = s->priv;
		uint32_t id = g->frames[i];

		if (pv->fold_at) /* ";func": without its ';' when first */
			lg_buf_add(out, pv->fold.buf + pv->fold_at[id] + !sep,
				   pv->fold_at[id + 1] - pv->fold_at[id] - !sep);
		else
			add_folded(out, s->frames[id].func ? s->frames[id].func : "?", sep);
	}
	if (!sep)
		add_folded(out, lg_wait_class_name(g->wait), 0);
}

/* ---------------------------------------------------------------------- */
/* Life cycle and names. */

const struct lg_group_dump lg_group_no_dump = { .status = "", .creator = { .parent_id = -1 } };

/* 100,000 profile groups are 14 MB made, sorted in place and read: keep them so. */
_Static_assert(sizeof(void *) != 8 || sizeof(struct lg_group) <= 96, "struct lg_group grew");

void lg_group_set_init(struct lg_group_set *s, const struct lg_group_opts *o)
{
	memset(s, 0, sizeof(*s));
	if (o)
		s->opts = *o;
}

void lg_group_set_release(struct lg_group_set *s)
{
	struct priv *pv = s->priv;

	if (!pv) {
		memset(s, 0, sizeof(*s));
		return;
	}
	free(s->g);
	free(pv->hash);
	lg_hmap_release(&pv->groups);
	lg_hmap_release(&pv->by_ptr);
	lg_hmap_release(&pv->by_content);
	lg_hmap_release(&pv->frame_tab);
	lg_hmap_release(&pv->tab_slots);
	free(pv->loc_fe);
	free(pv->tab);
	free(pv->tab_rt);
	free(pv->tab_flen);
	free(pv->ids);
	free(pv->strs);
	free(pv->frames);
	free(pv->fr);
	lg_buf_release(&pv->scratch);
	lg_buf_release(&pv->fold);
	free(pv->fold_at);
	lg_arena_release(&pv->arena);
	free(pv);
	memset(s, 0, sizeof(*s));
}

const char *lg_group_by_name(enum lg_group_by by)
{
	switch (by) {
	case LG_GROUP_LINES: return "lines";
	case LG_GROUP_FUNCS: return "funcs";
	default: return "exact";
	}
}

int lg_group_by_parse(const char *s, enum lg_group_by *out)
{
	if (!strcmp(s, "exact"))
		*out = LG_GROUP_EXACT;
	else if (!strcmp(s, "lines"))
		*out = LG_GROUP_LINES;
	else if (!strcmp(s, "funcs") || !strcmp(s, "signature"))
		*out = LG_GROUP_FUNCS;
	else
		return -1;
	return 0;
}
