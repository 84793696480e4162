/*
 * pprof_diff.c — analysis of decoded profiles: growth per allocation site
 * between two heap profiles (what the gate's heap check reports), and the
 * difference of two profiles stack by stack (`leakgate diff -o`).
 *
 * Works on the resolved form of pprof.h, with samples' frames (the
 * callers parse with lg_pprof_parse or expand); it never sees the wire
 * format, so it uses neither protobuf-c nor zlib.  A difference is a
 * profile of its own, built here: its strings interned (hashmap.h's
 * lg_intern) and owned by its storage, freed by lg_pprof_release.
 * Sample values are untrusted: sums saturate instead of overflowing.
 */
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "pprof.h"

/* One (site, value) contribution while summing growth. */
struct site_acc {
	const char *func, *file;
	int64_t line;
	int64_t value;
};

int lg_pprof_is_runtime(const char *func)
{
	return lg_starts_with(func, "runtime.") || lg_starts_with(func, "runtime/internal/") ||
	       lg_starts_with(func, "internal/runtime/");
}

/* a + b clamped to the int64 range (no failure): sample values are untrusted. */
static int64_t sat_add(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

/* -v, with INT64_MIN made INT64_MAX (no failure). */
static int64_t sat_neg(int64_t v)
{
	return v == INT64_MIN ? INT64_MAX : -v;
}

/*
 * Appends, for every sample of `p` with a stack, its value `vi` (negated
 * when `sign` < 0) keyed by the allocation site: the leaf-most non-runtime
 * frame, or the leaf when the whole stack is runtime.
 */
static void collect_sites(const struct lg_pprof *p, int vi, int sign, struct site_acc **acc,
			  size_t *n, size_t *alloc)
{
	size_t i, j;

	for (i = 0; i < p->nsamples; i++) {
		const struct lg_pprof_sample *s = &p->samples[i];
		const struct lg_frame *f;
		struct site_acc *a;

		if (!s->nframes)
			continue;
		f = &s->frames[0];
		for (j = 0; j < s->nframes; j++) {
			if (!lg_pprof_is_runtime(s->frames[j].func)) {
				f = &s->frames[j];
				break;
			}
		}
		LG_GROW(*acc, *alloc, *n + 1);
		a = &(*acc)[(*n)++];
		a->func = f->func;
		a->file = f->file;
		a->line = f->line;
		a->value = sign < 0 ? sat_neg(s->values[vi]) : s->values[vi];
	}
}

static int cmp_site_key(const void *x, const void *y)
{
	const struct site_acc *a = x, *b = y;
	int c = strcmp(a->func, b->func);

	if (c)
		return c;
	c = strcmp(a->file, b->file);
	if (c)
		return c;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* Biggest growth first; ties in name order so output is stable. */
static int cmp_site_delta(const void *x, const void *y)
{
	const struct site_acc *a = x, *b = y;

	if (a->value != b->value)
		return a->value > b->value ? -1 : 1;
	return cmp_site_key(x, y);
}

/* Index of sample type `type` in `p`, or an error naming what exists. */
static int need_type(const struct lg_pprof *p, const char *type, const char *which,
		     struct lg_err *err)
{
	int i = lg_pprof_sample_index(p, type);

	if (i < 0)
		return lg_error(err, "%s heap profile has no sample type '%s'", which,
				type ? type : "(null)");
	return i;
}

int lg_pprof_site_growth(const struct lg_pprof *before, const struct lg_pprof *after,
			 const char *type, size_t max, struct lg_pprof_site **out,
			 size_t *nout, struct lg_err *err)
{
	struct site_acc *acc = NULL;
	size_t n = 0, alloc = 0, i, k = 0;
	int ia, ib = -1;

	*out = NULL;
	*nout = 0;
	ia = need_type(after, type, "the later", err);
	if (ia < 0)
		return -1;
	if (before) {
		ib = need_type(before, type, "the earlier", err);
		if (ib < 0)
			return -1;
		collect_sites(before, ib, -1, &acc, &n, &alloc);
	}
	collect_sites(after, ia, 1, &acc, &n, &alloc);
	if (n)
		qsort(acc, n, sizeof(*acc), cmp_site_key);
	/* Merge equal sites in place; acc[k] is the running sum. */
	for (i = 0; i < n; i++) {
		if (k && !cmp_site_key(&acc[k - 1], &acc[i]))
			acc[k - 1].value = sat_add(acc[k - 1].value, acc[i].value);
		else
			acc[k++] = acc[i];
	}
	n = k;
	for (i = k = 0; i < n; i++)
		if (acc[i].value > 0)
			acc[k++] = acc[i];
	n = k;
	if (n)
		qsort(acc, n, sizeof(*acc), cmp_site_delta);
	if (n > max)
		n = max;
	if (n) {
		*out = lg_xcalloc(n, sizeof(**out));
		for (i = 0; i < n; i++) {
			(*out)[i].func = lg_xstrdup(acc[i].func);
			(*out)[i].file = lg_xstrdup(acc[i].file);
			(*out)[i].line = acc[i].line;
			(*out)[i].delta = acc[i].value;
		}
	}
	*nout = n;
	free(acc);
	return 0;
}

void lg_pprof_sites_free(struct lg_pprof_site *s, size_t n)
{
	size_t i;

	for (i = 0; s && i < n; i++) {
		free(s[i].func);
		free(s[i].file);
	}
	free(s);
}


/* ---- lg_pprof_diff ---- */

/* What lg_pprof.priv points to for a built profile (a difference). */
struct built {
	struct lg_pprof_owner owner; /* first: lg_pprof_release frees through it */
	struct lg_intern strings;
	int64_t *values;
	struct lg_frame *frames;
	struct lg_pprof_label *labels;
};

/* Frees a built profile's storage (lg_pprof_owner.release; no failure). */
static void built_free(struct lg_pprof_owner *owner)
{
	struct built *b = (struct built *)owner;

	lg_intern_release(&b->strings);
	free(b->values);
	free(b->frames);
	free(b->labels);
	free(b);
}

/* s, or "" for NULL. */
static const char *nz(const char *s)
{
	return s ? s : "";
}

/* The built profile's own copy of s (NULL as ""); cannot fail. */
static const char *intern_copy(struct built *b, const char *s)
{
	s = nz(s);
	return lg_intern(&b->strings, s, strlen(s));
}

/* One sample of either profile while diffing. */
struct diff_ent {
	const struct lg_pprof_sample *s;
	const struct lg_pprof_label **labels; /* s->labels in canonical order */
	int sign;
};

/* A distinct stack and label set with its summed values. */
struct diff_group {
	size_t first; /* its first entry */
	int64_t *values;
	int64_t order; /* the value it is ranked by */
};

/* Label order: key, then numeric before string, then value and unit. */
static int cmp_label(const struct lg_pprof_label *a, const struct lg_pprof_label *b)
{
	int c = strcmp(nz(a->key), nz(b->key));

	if (c)
		return c;
	if (!a->str != !b->str)
		return a->str ? 1 : -1; /* numeric first */
	if (a->str)
		return strcmp(a->str, b->str);
	if (a->num != b->num)
		return a->num < b->num ? -1 : 1;
	return strcmp(nz(a->unit), nz(b->unit));
}

static int cmp_label_ptr(const void *x, const void *y)
{
	return cmp_label(*(const struct lg_pprof_label *const *)x,
			 *(const struct lg_pprof_label *const *)y);
}

/* Orders samples by stack, then by label set: equal keys are one stack. */
static int cmp_diff_key(const void *x, const void *y)
{
	const struct diff_ent *a = x, *b = y;
	size_t i;
	int c;

	if (a->s->nframes != b->s->nframes)
		return a->s->nframes < b->s->nframes ? -1 : 1;
	for (i = 0; i < a->s->nframes; i++) {
		const struct lg_frame *fa = &a->s->frames[i], *fb = &b->s->frames[i];

		if ((c = strcmp(nz(fa->func), nz(fb->func))) || (c = strcmp(nz(fa->file), nz(fb->file))))
			return c;
		if (fa->line != fb->line)
			return fa->line < fb->line ? -1 : 1;
	}
	if (a->s->nlabels != b->s->nlabels)
		return a->s->nlabels < b->s->nlabels ? -1 : 1;
	for (i = 0; i < a->s->nlabels; i++)
		if ((c = cmp_label(a->labels[i], b->labels[i])))
			return c;
	return 0;
}

/* Biggest first; equal values keep the stack order. */
static int cmp_group(const void *x, const void *y)
{
	const struct diff_group *a = x, *b = y;

	if (a->order != b->order)
		return a->order > b->order ? -1 : 1;
	return a->first < b->first ? -1 : a->first > b->first;
}

static void describe_types(struct lg_buf *b, const struct lg_pprof *p)
{
	size_t i;

	for (i = 0; i < p->nsample_types; i++)
		lg_buf_addf(b, "%s%s/%s", i ? " " : "", p->sample_types[i].type,
			    p->sample_types[i].unit);
	if (!p->nsample_types)
		lg_buf_adds(b, "none");
}

static int same_types(const struct lg_pprof *a, const struct lg_pprof *b, struct lg_err *err)
{
	struct lg_buf m = LG_BUF_INIT;
	size_t i;

	if (a->nsample_types == b->nsample_types) {
		for (i = 0; i < a->nsample_types; i++)
			if (strcmp(a->sample_types[i].type, b->sample_types[i].type) ||
			    strcmp(a->sample_types[i].unit, b->sample_types[i].unit))
				break;
		if (i == a->nsample_types)
			return 0;
	}
	lg_buf_adds(&m, "cannot diff profiles with different sample types: before has ");
	describe_types(&m, a);
	lg_buf_adds(&m, ", after has ");
	describe_types(&m, b);
	lg_error(err, "%s", m.buf);
	lg_buf_release(&m);
	return -1;
}

/* One entry per sample of `p`, its labels sorted into `lp`. */
static void diff_entries(const struct lg_pprof *p, int sign, struct diff_ent *ents, size_t *n,
			 const struct lg_pprof_label **lp, size_t *nlp)
{
	size_t i, j;

	for (i = 0; i < p->nsamples; i++) {
		const struct lg_pprof_sample *s = &p->samples[i];
		struct diff_ent *e = &ents[(*n)++];

		e->s = s;
		e->sign = sign;
		e->labels = lp + *nlp;
		for (j = 0; j < s->nlabels; j++)
			lp[(*nlp)++] = &s->labels[j];
		if (s->nlabels > 1)
			qsort(e->labels, s->nlabels, sizeof(*e->labels), cmp_label_ptr);
	}
}

/*
 * Sums the sorted entries into groups of equal keys and keeps the groups
 * with a non-zero value; `vals` has room for nents * nt values.
 */
static size_t diff_groups(const struct diff_ent *ents, size_t nents, size_t nt, int order_by,
			  int64_t *vals, struct diff_group *groups)
{
	size_t i, j, ng = 0;

	for (i = 0; i < nents; i++) {
		struct diff_group *g;

		if (!ng || cmp_diff_key(&ents[groups[ng - 1].first], &ents[i])) {
			if (ng) { /* close the previous group: drop it when all zero */
				g = &groups[ng - 1];
				for (j = 0; j < nt && !g->values[j]; j++)
					;
				if (j == nt)
					ng--;
			}
			g = &groups[ng++];
			g->first = i;
			g->values = vals + (ng - 1) * nt;
			memset(g->values, 0, nt * sizeof(*g->values));
		}
		g = &groups[ng - 1];
		for (j = 0; j < nt; j++)
			g->values[j] = sat_add(g->values[j], ents[i].sign < 0
							     ? sat_neg(ents[i].s->values[j])
							     : ents[i].s->values[j]);
	}
	if (ng) {
		struct diff_group *g = &groups[ng - 1];

		for (j = 0; j < nt && !g->values[j]; j++)
			;
		if (j == nt)
			ng--;
	}
	for (i = 0; i < ng; i++)
		groups[i].order = order_by >= 0 ? groups[i].values[order_by] : 0;
	return ng;
}

/* Copies the groups into `out` (empty), every string interned into its store. */
static void diff_build(struct lg_pprof *out, struct built *in, const struct diff_ent *ents,
		       const struct diff_group *groups, size_t ng, size_t nt)
{
	struct built *st = in;
	size_t i, j, nframes = 0, nlabels = 0, fi = 0, li = 0;

	for (i = 0; i < ng; i++) {
		nframes += ents[groups[i].first].s->nframes;
		nlabels += ents[groups[i].first].s->nlabels;
	}
	st->values = lg_xcalloc(ng * nt + 1, sizeof(*st->values));
	st->frames = lg_xcalloc(nframes ? nframes : 1, sizeof(*st->frames));
	st->labels = lg_xcalloc(nlabels ? nlabels : 1, sizeof(*st->labels));
	out->samples = lg_xcalloc(ng ? ng : 1, sizeof(*out->samples));
	out->nsamples = ng;
	for (i = 0; i < ng; i++) {
		const struct diff_ent *e = &ents[groups[i].first];
		struct lg_pprof_sample *s = &out->samples[i];

		s->values = st->values + i * nt;
		memcpy(s->values, groups[i].values, nt * sizeof(*s->values));
		s->frames = st->frames + fi;
		s->nframes = e->s->nframes;
		for (j = 0; j < s->nframes; j++, fi++) {
			st->frames[fi].func = intern_copy(in, e->s->frames[j].func);
			st->frames[fi].file = intern_copy(in, e->s->frames[j].file);
			st->frames[fi].line = e->s->frames[j].line;
		}
		s->labels = st->labels + li;
		s->nlabels = e->s->nlabels;
		for (j = 0; j < s->nlabels; j++, li++) {
			const struct lg_pprof_label *l = e->labels[j];

			st->labels[li].key = intern_copy(in, l->key);
			st->labels[li].str = l->str ? intern_copy(in, l->str) : NULL;
			st->labels[li].num = l->num;
			st->labels[li].unit = intern_copy(in, l->unit);
		}
	}
}

/* The header fields of the difference: types and period of `after`. */
static void diff_header(struct lg_pprof *out, struct built *in, const struct lg_pprof *before,
			const struct lg_pprof *after)
{
	size_t i;

	out->nsample_types = after->nsample_types;
	out->sample_types = lg_xcalloc(out->nsample_types ? out->nsample_types : 1,
				       sizeof(*out->sample_types));
	for (i = 0; i < out->nsample_types; i++) {
		out->sample_types[i].type = intern_copy(in, after->sample_types[i].type);
		out->sample_types[i].unit = intern_copy(in, after->sample_types[i].unit);
	}
	out->period_type.type = intern_copy(in, after->period_type.type);
	out->period_type.unit = intern_copy(in, after->period_type.unit);
	out->period = after->period;
	out->default_sample_type = intern_copy(in, after->default_sample_type);
	out->time_nanos = after->time_nanos;
	/* The difference covers the time between the two snapshots. */
	out->duration_nanos = before->time_nanos > 0 && after->time_nanos > before->time_nanos
				      ? after->time_nanos - before->time_nanos
				      : after->duration_nanos;
}

int lg_pprof_diff(const struct lg_pprof *before, const struct lg_pprof *after,
		  struct lg_pprof *out, struct lg_err *err)
{
	struct lg_pprof np;
	struct built *in;
	struct diff_ent *ents = NULL;
	struct diff_group *groups = NULL;
	const struct lg_pprof_label **lp = NULL;
	int64_t *vals = NULL;
	size_t i, n = 0, nlp = 0, nlabels = 0, ng, nt;
	int order_by;

	if (same_types(before, after, err))
		return -1;
	lg_pprof_init(&np);
	in = lg_xcalloc(1, sizeof(*in));
	in->owner.release = built_free;
	np.priv = in;
	nt = after->nsample_types;
	n = before->nsamples + after->nsamples;
	for (i = 0; i < before->nsamples; i++)
		nlabels += before->samples[i].nlabels;
	for (i = 0; i < after->nsamples; i++)
		nlabels += after->samples[i].nlabels;
	ents = lg_xcalloc(n ? n : 1, sizeof(*ents));
	groups = lg_xcalloc(n ? n : 1, sizeof(*groups));
	lp = lg_xcalloc(nlabels ? nlabels : 1, sizeof(*lp));
	vals = lg_xcalloc(n * nt + 1, sizeof(*vals));
	n = 0;
	diff_entries(before, -1, ents, &n, lp, &nlp);
	diff_entries(after, 1, ents, &n, lp, &nlp);
	if (n)
		qsort(ents, n, sizeof(*ents), cmp_diff_key);
	order_by = lg_pprof_sample_index(after, after->default_sample_type);
	if (order_by < 0)
		order_by = (int)nt - 1;
	ng = diff_groups(ents, n, nt, order_by, vals, groups);
	if (ng)
		qsort(groups, ng, sizeof(*groups), cmp_group);
	diff_header(&np, in, before, after);
	diff_build(&np, in, ents, groups, ng, nt);

	lg_pprof_release(out);
	*out = np;
	free(ents);
	free(groups);
	free(lp);
	free(vals);
	return 0;
}

