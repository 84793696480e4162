/*
 * group_diff.c — what changed between two group sets grouped alike
 * (`leakgate diff`): groups matched by their stable id, each pair or lone
 * group classified (new, gone, grown, shrunk, same) and marked long-lived
 * when one of its oldest goroutines is still there or its wait grew.
 *
 * Uses only group.h's public form of a finished set; allocation failure
 * exits (lg_xmalloc), nothing else can fail.
 */
#include <stdlib.h>
#include <string.h>

#include "group.h"

/* qsort order of group pointers by id. */
static int cmp_by_id(const void *x, const void *y)
{
	const struct lg_group *a = *(const struct lg_group *const *)x;
	const struct lg_group *b = *(const struct lg_group *const *)y;

	return strcmp(a->id, b->id);
}

/* The set's groups as pointers sorted by id (caller frees). */
static const struct lg_group **sorted_by_id(const struct lg_group_set *s)
{
	const struct lg_group **v = lg_xmalloc((s->n ? s->n : 1) * sizeof(*v));
	size_t i;

	for (i = 0; i < s->n; i++)
		v[i] = &s->g[i];
	qsort(v, s->n, sizeof(*v), cmp_by_id);
	return v;
}

/* Do the two groups keep a goroutine id in common? */
static int shares_id(const struct lg_group_dump *a, const struct lg_group_dump *b)
{
	size_t i, j;

	for (i = 0; i < a->nids; i++)
		for (j = 0; j < b->nids; j++)
			if (a->ids[i] == b->ids[j])
				return 1;
	return 0;
}

/* Fills change c for group a (before) and b (after), either NULL. */
static void set_change(struct lg_group_change *c, const struct lg_group *a, const struct lg_group *b)
{
	memset(c, 0, sizeof(*c));
	c->before = a;
	c->after = b;
	c->delta = (b ? b->count : 0) - (a ? a->count : 0);
	if (!a)
		c->kind = LG_CHANGE_NEW;
	else if (!b)
		c->kind = LG_CHANGE_GONE;
	else
		c->kind = c->delta > 0 ? LG_CHANGE_GROWN : c->delta < 0 ? LG_CHANGE_SHRUNK : LG_CHANGE_SAME;
	if (a && b)
		c->long_lived = shares_id(lg_group_dump_of(a), lg_group_dump_of(b)) ||
				lg_group_dump_of(b)->max_minutes > lg_group_dump_of(a)->max_minutes;
}

/* |v| (v is a difference of saturated counts). */
static int64_t abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

/* Bigger change first, then bigger after count, then id. */
static int cmp_changes(const void *x, const void *y)
{
	const struct lg_group_change *a = x, *b = y;
	int64_t ca = a->after ? a->after->count : 0, cb = b->after ? b->after->count : 0;
	const char *ia = a->after ? a->after->id : a->before->id;
	const char *ib = b->after ? b->after->id : b->before->id;

	if (abs64(a->delta) != abs64(b->delta))
		return abs64(a->delta) < abs64(b->delta) ? 1 : -1;
	if (ca != cb)
		return ca < cb ? 1 : -1;
	return strcmp(ia, ib);
}

size_t lg_group_diff(const struct lg_group_set *before, const struct lg_group_set *after,
		     struct lg_group_change **out)
{
	const struct lg_group **a = sorted_by_id(before), **b = sorted_by_id(after);
	struct lg_group_change *c = lg_xmalloc((before->n + after->n + 1) * sizeof(*c));
	size_t i = 0, j = 0, n = 0;

	while (i < before->n || j < after->n) {
		int cmp = i == before->n ? 1 : j == after->n ? -1 : strcmp(a[i]->id, b[j]->id);

		if (cmp < 0)
			set_change(&c[n++], a[i++], NULL);
		else if (cmp > 0)
			set_change(&c[n++], NULL, b[j++]);
		else
			set_change(&c[n++], a[i++], b[j++]);
	}
	qsort(c, n, sizeof(*c), cmp_changes);
	free(a);
	free(b);
	*out = c;
	return n;
}

const char *lg_change_kind_name(enum lg_change_kind k)
{
	static const char *const names[] = { "new", "gone", "grown", "shrunk", "same" };

	return (unsigned)k < LG_ARRAY_SIZE(names) ? names[k] : "unknown";
}
