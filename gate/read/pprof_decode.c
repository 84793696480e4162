/*
 * pprof_decode.c — turns a pprof profile (what Go's runtime/pprof writes
 * with debug=0) into the resolved form of pprof.h: locations resolved
 * once, samples as location ids.
 *
 * pprof_wire.c inflates the input and decodes the samples by hand into
 * flat pools; the tables (strings, functions, locations, mappings, sample
 * types) are unpacked here by protobuf-c (generated from
 * schema/profile.proto) from the rest of the message, into the wire
 * layer's budgeted arena.  Then every cross reference is checked before it
 * is followed: string-table indexes, location -> mapping and function ids,
 * and sample -> location ids; the total number of frames the samples
 * expand to is capped too (one location with many inlined lines,
 * referenced by many samples, multiplies out).
 *
 * Only then is the result built: each location's frames once, in one
 * table; each distinct location list once, as 32-bit location indexes
 * that its samples share, with a dense stack id (a goroutine profile with
 * a label per request is 100,000 samples and a handful of stacks; a heap
 * profile can be 100,000 distinct stacks, and then ids are a seventh of
 * the size of copied frames).  lg_pprof_expand makes the per-sample frame
 * arrays for the consumers that want them, one per distinct stack.
 *
 * The resolved strings point into the unpacked message, and the values
 * into the value pool, which the profile keeps alive in its private
 * storage until lg_pprof_release.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "pprof_wire.h"
#include "profile.pb-c.h"

typedef Leakgate__Pprof__Profile pb_profile;
typedef Leakgate__Pprof__Location pb_location;

/* What lg_pprof.priv points to for a decoded profile. */
struct store {
	struct lg_pprof_owner owner; /* first: lg_pprof_release frees through it */
	pb_profile *msg; /* the tables; its samples are in `pools` */
	ProtobufCAllocator alloc; /* over budget: msg lives in its arena */
	struct pw_budget budget;
	struct pw_pools pools; /* only vals outlives lg_pprof_decode */
	struct lg_pprof_location *locations;
	struct lg_frame *loc_frames;
	uint32_t *stack_locs;   /* each distinct location list once */
	uint32_t *stack_sample; /* per stack: its first sample */
	struct lg_frame *frames; /* lg_pprof_expand's */
	struct lg_pprof_label *labels;
	char **extra; /* strings we made up (names of unsymbolised addresses) */
	size_t nextra, extra_alloc;
};

/* An id -> array index pair, sorted by id for bsearch. */
struct id_index {
	uint64_t id;
	size_t idx;
};

/*
 * Finds objects by id.  Go numbers them 1..n, so usually a direct array
 * does; sparse ids from other producers fall back to binary search.
 */
struct id_table {
	struct id_index *sorted;
	size_t n;
	long *direct; /* index by id, -1 for none; NULL when sparse */
	uint64_t ndirect;
};

/* The state of one decode: input name, message and lookup tables. */
struct resolver {
	const char *name;
	const pb_profile *msg;
	struct store *st;
	struct id_table funcs, maps, locs;
	struct lg_err *err;
};

/* Looks up string `idx`; on a bad index fills err naming `what`. */
static int str_at(struct resolver *r, int64_t idx, const char **out, const char *what,
		  uint64_t which)
{
	if (idx < 0 || (uint64_t)idx >= r->msg->n_string_table)
		return lg_error(r->err, "'%s': string index %" PRId64
				" out of range (table has %zu) in %s %" PRIu64,
				r->name, idx, r->msg->n_string_table, what, which);
	*out = r->msg->string_table[idx];
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	const struct id_index *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Fills the direct table of dense ids; fails on a duplicate. */
static int index_direct(struct resolver *r, const char *what, const uint64_t *ids, size_t n,
			uint64_t maxid, struct id_table *out)
{
	size_t i;

	out->ndirect = maxid + 1;
	out->direct = lg_xmalloc((size_t)out->ndirect * sizeof(*out->direct));
	memset(out->direct, 0xff, (size_t)out->ndirect * sizeof(*out->direct)); /* -1 */
	for (i = 0; i < n; i++) {
		if (out->direct[ids[i]] >= 0)
			return lg_error(r->err, "'%s': duplicate %s id %" PRIu64,
					r->name, what, ids[i]);
		out->direct[ids[i]] = (long)i;
	}
	return 0;
}

/*
 * Builds the id table for `n` objects whose ids are ids[i]; ids must be
 * non-zero (0 means "none" in the format) and unique.
 */
static int index_ids(struct resolver *r, const char *what, const uint64_t *ids, size_t n,
		     struct id_table *out)
{
	struct id_index *t;
	uint64_t maxid = 0;
	size_t i;

	out->n = n;
	for (i = 0; i < n; i++) {
		if (!ids[i])
			return lg_error(r->err, "'%s': %s %zu has the reserved id 0",
					r->name, what, i + 1);
		if (ids[i] > maxid)
			maxid = ids[i];
	}
	if (maxid <= 2 * (uint64_t)n + 64)
		return index_direct(r, what, ids, n, maxid, out);
	t = lg_xcalloc(n, sizeof(*t));
	out->sorted = t;
	for (i = 0; i < n; i++) {
		t[i].id = ids[i];
		t[i].idx = i;
	}
	qsort(t, n, sizeof(*t), cmp_id);
	for (i = 1; i < n; i++)
		if (t[i].id == t[i - 1].id)
			return lg_error(r->err, "'%s': duplicate %s id %" PRIu64,
					r->name, what, t[i].id);
	return 0;
}

/* Array index of the object with `id`, or -1. */
static long find_id(const struct id_table *t, uint64_t id)
{
	struct id_index key = { id, 0 };
	const struct id_index *hit;

	if (t->direct)
		return id < t->ndirect ? t->direct[id] : -1;
	if (!t->n)
		return -1;
	hit = bsearch(&key, t->sorted, t->n, sizeof(*t->sorted), cmp_id);
	return hit ? (long)hit->idx : -1;
}

static void id_table_release(struct id_table *t)
{
	free(t->sorted);
	free(t->direct);
}

/* Collects the ids of a repeated message field into a scratch array. */
#define COLLECT_IDS(arr, n, ids)                                          \
	do {                                                              \
		size_t i_;                                                \
		ids = lg_xcalloc((n) ? (n) : 1, sizeof(uint64_t));        \
		for (i_ = 0; i_ < (n); i_++)                              \
			ids[i_] = (arr)[i_]->id;                          \
	} while (0)

/* Checks the string table and builds the id tables. */
static int check_tables(struct resolver *r)
{
	const pb_profile *m = r->msg;
	uint64_t *ids = NULL;
	int ret;

	if (!m->n_string_table || m->string_table[0][0])
		return lg_error(r->err, "'%s': not a pprof profile (string table entry 0 "
				"must be the empty string)", r->name);
	COLLECT_IDS(m->function, m->n_function, ids);
	ret = index_ids(r, "function", ids, m->n_function, &r->funcs);
	free(ids);
	if (ret)
		return ret;
	COLLECT_IDS(m->mapping, m->n_mapping, ids);
	ret = index_ids(r, "mapping", ids, m->n_mapping, &r->maps);
	free(ids);
	if (ret)
		return ret;
	COLLECT_IDS(m->location, m->n_location, ids);
	ret = index_ids(r, "location", ids, m->n_location, &r->locs);
	free(ids);
	return ret;
}

/* Checks the strings of functions and mappings and the profile header. */
static int check_strings(struct resolver *r)
{
	const pb_profile *m = r->msg;
	const char *s;
	size_t i;

	for (i = 0; i < m->n_function; i++) {
		const Leakgate__Pprof__Function *f = m->function[i];

		if (str_at(r, f->name, &s, "function", f->id) ||
		    str_at(r, f->system_name, &s, "function", f->id) ||
		    str_at(r, f->filename, &s, "function", f->id))
			return -1;
	}
	for (i = 0; i < m->n_mapping; i++) {
		const Leakgate__Pprof__Mapping *mp = m->mapping[i];

		if (str_at(r, mp->filename, &s, "mapping", mp->id) ||
		    str_at(r, mp->build_id, &s, "mapping", mp->id))
			return -1;
	}
	for (i = 0; i < m->n_comment; i++)
		if (str_at(r, m->comment[i], &s, "comment", i + 1))
			return -1;
	if (str_at(r, m->drop_frames, &s, "profile field", 7) ||
	    str_at(r, m->keep_frames, &s, "profile field", 8) ||
	    str_at(r, m->doc_url, &s, "profile field", 15))
		return -1;
	return 0;
}

/* Checks each location's mapping and function ids; counts its frames. */
/*
 * Checks each location's mapping and function ids and gives it its run of
 * frames in the location frame table (an unsymbolised one has one frame).
 */
static int check_locations(struct resolver *r)
{
	const pb_profile *m = r->msg;
	struct lg_pprof_location *out;
	size_t i, j, at = 0;

	out = r->st->locations = lg_xcalloc(m->n_location + 1, sizeof(*out));
	for (i = 0; i < m->n_location; i++) {
		const pb_location *l = m->location[i];

		if (l->mapping_id && find_id(&r->maps, l->mapping_id) < 0)
			return lg_error(r->err, "'%s': location %" PRIu64
					" refers to missing mapping id %" PRIu64,
					r->name, l->id, l->mapping_id);
		for (j = 0; j < l->n_line; j++)
			if (find_id(&r->funcs, l->line[j]->function_id) < 0)
				return lg_error(r->err, "'%s': location %" PRIu64
						" refers to missing function id %" PRIu64,
						r->name, l->id, l->line[j]->function_id);
		/* a line takes two bytes on the wire at least: 32 bits hold any count */
		out[i].first = (uint32_t)at;
		out[i].n = (uint32_t)(l->n_line ? l->n_line : 1);
		at += out[i].n;
	}
	return 0;
}

/* Fills a value type from its two string indexes. */
static int value_type(struct resolver *r, const Leakgate__Pprof__ValueType *vt,
		      struct lg_pprof_value_type *out, const char *what, uint64_t which)
{
	out->type = out->unit = "";
	if (!vt)
		return 0;
	if (str_at(r, vt->type, &out->type, what, which) ||
	    str_at(r, vt->unit, &out->unit, what, which))
		return -1;
	return 0;
}

/*
 * Checks every sample (value count, location ids, label strings) and counts
 * the frames the expanded form needs, within the frame cap.  Each location
 * id in the pool is replaced by its location's index.
 */
static int check_samples(struct resolver *r)
{
	struct pw_pools *sp = &r->st->pools;
	const struct lg_pprof_location *loc = r->st->locations;
	const size_t ntypes = r->msg->n_sample_type;
	const char *s;
	size_t i, j, nframes = 0;

	for (i = 0; i < sp->nsamples; i++) {
		const struct pw_span *a = &sp->spans[i], *b = a + 1;

		if (b->val - a->val != ntypes)
			return lg_error(r->err, "'%s': sample %zu has %zu values, want %zu "
					"(one per sample type)", r->name, i + 1,
					(size_t)(b->val - a->val), ntypes);
		for (j = a->loc; j < b->loc; j++) {
			long li = find_id(&r->locs, sp->locs.v[j]);

			if (li < 0)
				return lg_error(r->err, "'%s': sample %zu refers to missing "
						"location id %" PRIu64, r->name, i + 1,
						sp->locs.v[j]);
			sp->locs.v[j] = (uint64_t)li;
			nframes += loc[li].n;
			if (nframes > LG_PPROF_MAX_FRAMES)
				return lg_error(r->err, "'%s': profile expands to more than %zu "
						"stack frames", r->name,
						(size_t)LG_PPROF_MAX_FRAMES);
		}
		for (j = a->label; j < b->label; j++) {
			const struct pw_label *lb = &sp->labels[j];

			if (str_at(r, lb->key, &s, "label of sample", i + 1) ||
			    str_at(r, lb->str, &s, "label of sample", i + 1) ||
			    str_at(r, lb->num_unit, &s, "label of sample", i + 1))
				return -1;
		}
	}
	return 0;
}

/* Keeps a string we made up alive as long as the profile. */
static const char *store_extra(struct store *st, char *s)
{
	LG_GROW(st->extra, st->extra_alloc, st->nextra + 1);
	st->extra[st->nextra++] = s;
	return s;
}

/*
 * Writes the frames of location index `li` at `f` (inlined callee first, as
 * the format orders them).  Indexes were checked.
 */
static void emit_location(struct resolver *r, size_t li, struct lg_frame *f)
{
	const pb_profile *m = r->msg;
	const pb_location *l = m->location[li];
	size_t j;

	if (!l->n_line) {
		/* Unsymbolised: the address is all we can show. */
		f->func = store_extra(r->st, lg_xasprintf("0x%" PRIx64, l->address));
		f->file = "";
		f->line = 0;
		f->inlined = 0;
		return;
	}
	for (j = 0; j < l->n_line; j++) {
		const Leakgate__Pprof__Function *fn =
			m->function[find_id(&r->funcs, l->line[j]->function_id)];

		f[j].func = m->string_table[fn->name];
		f[j].file = m->string_table[fn->filename];
		f[j].line = l->line[j]->line > INT_MAX   ? INT_MAX
			    : l->line[j]->line < INT_MIN ? INT_MIN
							 : (int)l->line[j]->line;
		f[j].inlined = 0;
	}
}

/* Resolves every location once into the location frame table. */
static void resolve_locations(struct resolver *r, struct lg_pprof *p)
{
	struct store *st = r->st;
	size_t i, n = r->msg->n_location;
	size_t total = n ? st->locations[n - 1].first + st->locations[n - 1].n : 0;

	st->loc_frames = lg_xcalloc(total ? total : 1, sizeof(*st->loc_frames));
	for (i = 0; i < n; i++)
		emit_location(r, i, st->loc_frames + st->locations[i].first);
	p->locations = st->locations;
	p->nlocations = n;
	p->loc_frames = st->loc_frames;
}

/*
 * Samples with the same location list share one stack id and one copy of
 * the list: an index map (hashmap.h) over the stacks, keyed by the list's
 * bytes, finds the stack a sample's list already is.  A sample costs two
 * bytes on the wire at least, so LG_PPROF_MAX_DECODED keeps stack ids in
 * 32 bits.
 */
_Static_assert(LG_PPROF_MAX_DECODED / 2 < UINT32_MAX, "stack ids fit 32 bits");

/*
 * The lookup key: sample `i` of the pools (its location indexes still
 * 64-bit in the pool), against the stacks made so far (32-bit, packed at
 * the pool's start: first_loc[k] is stack k's first, its length that of
 * its first sample).
 */
struct stack_key {
	const struct pw_pools *sp;
	const uint32_t *stack_sample;
	const uint32_t *packed;
	const uint32_t *first_loc;
	size_t i;
};

/* Is stack k's location list sample key->i's? */
static int same_stack(const void *ctx, uint32_t k)
{
	const struct stack_key *key = ctx;
	const struct pw_span *a = &key->sp->spans[key->stack_sample[k]];
	const struct pw_span *b = &key->sp->spans[key->i];
	const uint32_t *x = key->packed + key->first_loc[k];
	const uint64_t *y = key->sp->locs.v + b->loc;
	size_t n = a[1].loc - a->loc, j;

	if (n != b[1].loc - b->loc)
		return 0;
	for (j = 0; j < n; j++)
		if (x[j] != y[j])
			return 0;
	return 1;
}

/* Resolves the raw labels of the pools, in order, into `out`. */
static void flatten_labels(const struct resolver *r, struct lg_pprof_label *out)
{
	const struct pw_pools *sp = &r->st->pools;
	char **strs = r->msg->string_table;
	size_t j;

	for (j = 0; j < sp->nlabels; j++) {
		const struct pw_label *lb = &sp->labels[j];

		out[j].key = strs[lb->key];
		/* A string label has a non-empty value; else it is numeric. */
		out[j].str = lb->str ? strs[lb->str] : NULL;
		out[j].num = lb->num;
		out[j].unit = strs[lb->num_unit];
	}
}

/*
 * Samples whose stack hashes are worked out ahead, their table slots
 * prefetched: the table of 100,000 distinct stacks is megabytes, and each
 * lookup would otherwise wait for its own cache miss.
 */
#define STACK_AHEAD 4

/* The in-memory hash of sample i's location list, as read from the pool. */
static uint64_t sample_hash(const struct pw_pools *sp, size_t i)
{
	const struct pw_span *a = &sp->spans[i];

	return lg_hash_bytes(sp->locs.v + a->loc, (a[1].loc - a->loc) * sizeof(*sp->locs.v));
}

/*
 * Gives back the tail of the pool past its `nl` packed stack entries and
 * makes it st->stack_locs.  A shrinking realloc may still move the block
 * (glibc's does not): the samples' pointers are then made again from
 * first_loc.  Cannot fail (exhaustion exits).
 */
static void keep_stack_locs(struct store *st, struct lg_pprof *p, void *packed, size_t nl,
			    const uint32_t *first_loc)
{
	uintptr_t was = (uintptr_t)packed;
	uint32_t *now = lg_xrealloc(packed, (nl ? nl : 1) * sizeof(*now));
	size_t i;

	st->stack_locs = now;
	if ((uintptr_t)now == was)
		return;
	for (i = 0; i < p->nsamples; i++)
		p->samples[i].locs = now + first_loc[p->samples[i].stack];
}

/*
 * Builds the samples, with stack ids, once everything has been checked.
 * The distinct location lists are packed as 32-bit indexes into the start
 * of the pool that held them as 64-bit ones, which then becomes
 * st->stack_locs: the packed stacks never catch up with the sample being
 * read (stack entry nl is written at byte 4 nl, after pool entry j >= nl,
 * at byte 8 j, is read), and a profile of 100,000 distinct stacks makes
 * no second array of millions of entries.
 */
static void flatten(struct resolver *r, struct lg_pprof *p)
{
	struct pw_pools *sp = &r->st->pools;
	struct store *st = r->st;
	struct lg_hmap stacks = LG_HMAP_INIT;
	struct stack_key key = { sp, NULL, NULL, NULL, 0 };
	unsigned char *packed = (unsigned char *)sp->locs.v;
	uint64_t ahead[STACK_AHEAD];
	uint32_t *first_loc;
	size_t i, j, nl = 0, ns = 0;

	resolve_locations(r, p);
	st->labels = lg_xcalloc(sp->nlabels ? sp->nlabels : 1, sizeof(*st->labels));
	flatten_labels(r, st->labels);
	st->stack_sample = lg_xmalloc((sp->nsamples ? sp->nsamples : 1) * sizeof(*st->stack_sample));
	first_loc = lg_xmalloc((sp->nsamples ? sp->nsamples : 1) * sizeof(*first_loc));
	key.stack_sample = st->stack_sample;
	key.packed = (const uint32_t *)(void *)packed;
	key.first_loc = first_loc;
	lg_hmap_reserve(&stacks, sp->nsamples);
	p->samples = lg_xcalloc(sp->nsamples ? sp->nsamples : 1, sizeof(*p->samples));
	p->nsamples = sp->nsamples;
	for (i = 0; i < STACK_AHEAD && i < sp->nsamples; i++) {
		ahead[i] = sample_hash(sp, i);
		lg_hmap_prefetch(&stacks, ahead[i]);
	}
	for (i = 0; i < sp->nsamples; i++) {
		const struct pw_span *a = &sp->spans[i], *b = a + 1;
		struct lg_pprof_sample *out = &p->samples[i];
		uint64_t h = ahead[i % STACK_AHEAD];
		uint32_t k;

		/* sample i + STACK_AHEAD is still 64-bit: packing has not reached it */
		if (i + STACK_AHEAD < sp->nsamples) {
			ahead[i % STACK_AHEAD] = sample_hash(sp, i + STACK_AHEAD);
			lg_hmap_prefetch(&stacks, ahead[i % STACK_AHEAD]);
		}
		key.i = i;
		k = lg_hmap_find_or_add(&stacks, h, same_stack, &key, (uint32_t)ns);
		if (k == ns) {
			st->stack_sample[ns++] = (uint32_t)i;
			first_loc[k] = (uint32_t)nl;
			for (j = a->loc; j < b->loc; j++, nl++) {
				uint32_t li = (uint32_t)sp->locs.v[j]; /* read before the bytes are reused */

				memcpy(packed + nl * sizeof(li), &li, sizeof(li));
			}
		}
		out->values = (int64_t *)(sp->vals.v + a->val); /* the wire's two's complement */
		out->locs = (const uint32_t *)(void *)packed + first_loc[k];
		out->nlocs = b->loc - a->loc;
		out->stack = k;
		out->labels = st->labels + a->label;
		out->nlabels = b->label - a->label;
	}
	p->nstacks = ns;
	/* the pool is the stacks' now, out of drop_scratch's reach */
	sp->locs.v = NULL;
	sp->locs.n = sp->locs.alloc = 0;
	keep_stack_locs(st, p, packed, nl, first_loc);
	free(first_loc);
	lg_hmap_release(&stacks);
}

void lg_pprof_expand(struct lg_pprof *p)
{
	struct store *st = p->priv;
	struct lg_frame **at;
	size_t i, j, total = 0;

	if (!p->locations || !st || st->frames)
		return; /* built (frames made with it), empty, or expanded */
	for (i = 0; i < p->nstacks; i++) {
		const struct lg_pprof_sample *s = &p->samples[st->stack_sample[i]];

		for (j = 0; j < s->nlocs; j++)
			total += p->locations[s->locs[j]].n;
	}
	st->frames = lg_xcalloc(total ? total : 1, sizeof(*st->frames));
	at = lg_xcalloc(p->nstacks ? p->nstacks : 1, sizeof(*at));
	total = 0;
	for (i = 0; i < p->nsamples; i++) {
		struct lg_pprof_sample *s = &p->samples[i];

		if (!at[s->stack]) {
			at[s->stack] = st->frames + total;
			for (j = 0; j < s->nlocs; j++) {
				const struct lg_pprof_location *l = &p->locations[s->locs[j]];

				memcpy(st->frames + total, p->loc_frames + l->first,
				       l->n * sizeof(*st->frames));
				total += l->n;
			}
		}
		s->frames = at[s->stack];
		s->nframes = 0;
		for (j = 0; j < s->nlocs; j++)
			s->nframes += p->locations[s->locs[j]].n;
	}
	free(at);
}

/* Checks and resolves the unpacked message into `p` (which is empty). */
static int resolve(struct resolver *r, struct lg_pprof *p)
{
	const pb_profile *m = r->msg;
	size_t i;

	if (check_tables(r) || check_strings(r) || check_locations(r))
		return -1;
	p->sample_types = lg_xcalloc(m->n_sample_type ? m->n_sample_type : 1,
				     sizeof(*p->sample_types));
	p->nsample_types = m->n_sample_type;
	for (i = 0; i < m->n_sample_type; i++)
		if (value_type(r, m->sample_type[i], &p->sample_types[i], "sample type", i + 1))
			return -1;
	if (value_type(r, m->period_type, &p->period_type, "period type", 1) ||
	    str_at(r, m->default_sample_type, &p->default_sample_type,
		   "default sample type", 1))
		return -1;
	p->period = m->period;
	p->time_nanos = m->time_nanos;
	p->duration_nanos = m->duration_nanos;
	if (check_samples(r))
		return -1;
	flatten(r, p);
	return 0;
}

/* Frees a decoded profile's storage (lg_pprof_owner.release; no failure). */
static void store_free(struct lg_pprof_owner *owner)
{
	struct store *st = (struct store *)owner;
	size_t i;

	lg_arena_release(&st->budget.arena); /* the unpacked message, all of it */
	pw_pools_drop_scratch(&st->pools);
	free(st->pools.vals.v);
	free(st->locations);
	free(st->loc_frames);
	free(st->stack_locs);
	free(st->stack_sample);
	free(st->frames);
	free(st->labels);
	for (i = 0; i < st->nextra; i++)
		free(st->extra[i]);
	free(st->extra);
	free(st);
}

/* A store with its budget, allocator and pools set up, and nothing decoded. */
static struct store *store_new(void)
{
	struct store *st = lg_xcalloc(1, sizeof(*st));

	st->owner.release = store_free;
	st->budget.cap = LG_PPROF_MAX_UNPACKED;
	st->alloc.alloc = pw_budget_alloc;
	st->alloc.free = pw_budget_free;
	st->alloc.allocator_data = &st->budget;
	pw_pools_init(&st->pools, &st->budget);
	return st;
}

/*
 * Decodes the protobuf [pb, pb + len) into `st`: the samples by hand into
 * its pools, the tables with protobuf-c into st->msg.  `rest` is where the
 * tables are gathered (room for len bytes; may be pb, which it clobbers).
 * Fails (-1, err set) on a malformed message or past the budget.
 */
static int unpack_profile(struct store *st, const unsigned char *pb, size_t len,
			  unsigned char *rest, const char *name, struct lg_err *err)
{
	size_t restlen = 0;

	if (pw_split_profile(&st->budget, &st->pools, pb, len, rest, &restlen, name, err))
		return -1;
	st->msg = leakgate__pprof__profile__unpack(&st->alloc, restlen, rest);
	if (!st->msg && st->budget.refused)
		return lg_error(err, "'%s': profile needs more than %zu bytes of memory "
				"to decode", name, (size_t)LG_PPROF_MAX_UNPACKED);
	if (!st->msg)
		return lg_error(err, "'%s': truncated or corrupt profile protobuf", name);
	return 0;
}

int lg_pprof_decode(struct lg_pprof *p, const unsigned char *data, size_t len,
		    const char *name, struct lg_err *err)
{
	struct lg_pprof np;
	struct resolver r;
	unsigned char *dec = NULL, *rest = NULL;
	const unsigned char *pb = data;
	size_t pblen = len;
	int ret = -1;

	lg_pprof_init(&np);
	memset(&r, 0, sizeof(r));
	if (!name)
		name = "(profile)";
	if (!len) {
		lg_error(err, "'%s': empty profile", name);
		goto out;
	}
	if (len > LG_PPROF_MAX_COMPRESSED) {
		lg_error(err, "'%s': profile is larger than the %zu byte limit", name,
			 LG_PPROF_MAX_COMPRESSED);
		goto out;
	}
	if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
		if (pw_gunzip(data, len, name, &dec, &pblen, err))
			goto out;
		pb = dec;
	}
	if (!pblen) {
		lg_error(err, "'%s': empty profile", name);
		goto out;
	}

	r.st = store_new();
	np.priv = r.st;
	/* The tables are cut out in place when the buffer is ours (inflated). */
	rest = dec ? dec : lg_xmalloc(pblen);
	if (unpack_profile(r.st, pb, pblen, rest, name, err))
		goto out;
	r.name = name;
	r.msg = r.st->msg;
	r.err = err;
	if (resolve(&r, &np))
		goto out;
	pw_pools_drop_scratch(&r.st->pools);

	lg_pprof_release(p);
	*p = np;
	lg_pprof_init(&np);
	ret = 0;
out:
	id_table_release(&r.funcs);
	id_table_release(&r.maps);
	id_table_release(&r.locs);
	if (rest != dec)
		free(rest);
	free(dec);
	lg_pprof_release(&np);
	return ret;
}

int lg_pprof_parse(struct lg_pprof *p, const unsigned char *data, size_t len,
		   const char *name, struct lg_err *err)
{
	if (lg_pprof_decode(p, data, len, name, err))
		return -1;
	lg_pprof_expand(p);
	return 0;
}


int lg_pprof_parse_file(struct lg_pprof *p, const char *path, struct lg_err *err)
{
	struct lg_buf b = LG_BUF_INIT;
	int ret;

	ret = lg_read_file(path, LG_PPROF_MAX_COMPRESSED, &b, err);
	if (!ret)
		ret = lg_pprof_parse(p, (const unsigned char *)b.buf, b.len, path, err);
	lg_buf_release(&b);
	return ret;
}

int lg_pprof_sample_index(const struct lg_pprof *p, const char *type)
{
	size_t i;

	if (!type)
		return -1;
	for (i = 0; i < p->nsample_types; i++)
		if (!strcmp(p->sample_types[i].type, type))
			return (int)i;
	return -1;
}



void lg_pprof_init(struct lg_pprof *p)
{
	memset(p, 0, sizeof(*p));
}

void lg_pprof_release(struct lg_pprof *p)
{
	struct lg_pprof_owner *owner = p->priv;

	/* Frames, labels and values live in the owner's storage. */
	free(p->sample_types);
	free(p->samples);
	if (owner)
		owner->release(owner);
	lg_pprof_init(p);
}
