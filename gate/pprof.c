/*
 * pprof.c — turns a pprof profile (what Go's runtime/pprof writes with
 * debug=0) into the flattened, fully resolved form of pprof.h.
 *
 * A profile is untrusted input that arrives in two layers, and each layer
 * gets its own guard:
 *  - gzip: inflated by zlib into a buffer that may not grow past
 *    LG_PPROF_MAX_DECODED, nor past LG_PPROF_MAX_RATIO times the compressed
 *    bytes consumed so far once it holds more than 1 MiB, so a small file
 *    cannot make us allocate gigabytes;
 *  - protobuf: unpacked by protobuf-c (generated from schema/profile.proto)
 *    through an allocator with a byte budget, because empty sub-messages
 *    cost a few bytes on the wire but a hundred in memory.
 * After that every cross reference is checked before it is followed:
 * string-table indexes, location -> mapping and function ids, and
 * sample -> location ids.  Only then are the samples flattened, and the
 * total number of frames is capped too (one location with many inlined
 * lines, referenced by many samples, multiplies out).
 *
 * The resolved strings point into the unpacked message, which the profile
 * keeps alive in its private storage until lg_pprof_release.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "profile.pb-c.h"
#include "pprof.h"

#define GZIP_CHUNK ((size_t)64 << 10)
#define RATIO_FLOOR ((size_t)1 << 20) /* ratio cap applies past this */

typedef Leakgate__Pprof__Profile pb_profile;
typedef Leakgate__Pprof__Location pb_location;
typedef Leakgate__Pprof__Sample pb_sample;

/* Counts what protobuf-c allocates and refuses past the cap. */
struct budget {
	size_t used;
	size_t cap;
	int refused;
};

/* What lg_pprof.priv points to. */
struct store {
	pb_profile *msg;
	ProtobufCAllocator alloc; /* must free msg with the allocator that made it */
	struct budget budget;
	struct lg_pprof_frame *frames;
	struct lg_pprof_label *labels;
	char **extra; /* strings we made up (names of unsymbolised addresses) */
	size_t nextra, extra_alloc;
};

/* An id -> array index pair, sorted by id for bsearch. */
struct id_index {
	uint64_t id;
	size_t idx;
};

/* The state of one decode: input name, message and lookup tables. */
struct resolver {
	const char *name;
	const pb_profile *msg;
	struct store *st;
	struct id_index *funcs, *maps, *locs;
	size_t *loc_nframes; /* frames each location expands to */
	struct lg_err *err;
};

static void *budget_alloc(void *data, size_t size)
{
	struct budget *b = data;

	if (size > b->cap - b->used) {
		b->refused = 1;
		return NULL; /* protobuf-c turns this into a failed unpack */
	}
	b->used += size;
	return malloc(size ? size : 1);
}

static void budget_free(void *data, void *ptr)
{
	free(ptr);
}

void lg_pprof_init(struct lg_pprof *p)
{
	memset(p, 0, sizeof(*p));
}

static void store_free(struct store *st)
{
	size_t i;

	if (!st)
		return;
	if (st->msg)
		leakgate__pprof__profile__free_unpacked(st->msg, &st->alloc);
	free(st->frames);
	free(st->labels);
	for (i = 0; i < st->nextra; i++)
		free(st->extra[i]);
	free(st->extra);
	free(st);
}

void lg_pprof_release(struct lg_pprof *p)
{
	/* Frames, labels and values live in the store. */
	free(p->sample_types);
	free(p->samples);
	store_free(p->priv);
	lg_pprof_init(p);
}

/*
 * Inflates the gzip stream `in` (one or more members) into a new buffer
 * returned in *out / *outlen.  Enforces the size and ratio caps; a stream
 * that ends early is "truncated", anything else zlib rejects is "corrupt".
 */
static int gunzip(const unsigned char *in, size_t len, const char *name,
		  unsigned char **out, size_t *outlen, struct lg_err *err)
{
	z_stream zs;
	unsigned char *dec = NULL;
	size_t dlen = 0, dalloc = 0, consumed;
	int zret, ret = -1, live = 0;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
		lg_error(err, "'%s': cannot initialise zlib", name);
		goto out;
	}
	live = 1;
	zs.next_in = (Bytef *)in; /* zlib does not write through next_in */
	zs.avail_in = (uInt)len;  /* len <= LG_PPROF_MAX_COMPRESSED fits */
	for (;;) {
		size_t room;

		LG_GROW(dec, dalloc, dlen + GZIP_CHUNK);
		room = dalloc - dlen;
		if (room > LG_PPROF_MAX_DECODED + 1 - dlen)
			room = LG_PPROF_MAX_DECODED + 1 - dlen;
		zs.next_out = dec + dlen;
		zs.avail_out = (uInt)(room > GZIP_CHUNK ? GZIP_CHUNK : room);
		zret = inflate(&zs, Z_NO_FLUSH);
		dlen = (size_t)(zs.next_out - dec);
		consumed = len - zs.avail_in;
		if (dlen > LG_PPROF_MAX_DECODED) {
			lg_error(err, "'%s': decompressed profile exceeds the %zu byte limit",
				 name, LG_PPROF_MAX_DECODED);
			goto out;
		}
		if (dlen > RATIO_FLOOR && dlen / (consumed ? consumed : 1) > LG_PPROF_MAX_RATIO) {
			lg_error(err, "'%s': gzip bomb: %zu bytes inflated from %zu "
				 "(more than %d times)", name, dlen, consumed,
				 LG_PPROF_MAX_RATIO);
			goto out;
		}
		if (zret == Z_STREAM_END) {
			if (!zs.avail_in)
				break;
			/* Concatenated members are legal gzip; trailing junk is not. */
			if (zs.avail_in < 2 || zs.next_in[0] != 0x1f || zs.next_in[1] != 0x8b) {
				lg_error(err, "'%s': %u bytes of trailing garbage after the gzip stream",
					 name, zs.avail_in);
				goto out;
			}
			inflateReset(&zs);
			continue;
		}
		/* Input used up with the stream still open: it was cut short. */
		if ((zret == Z_BUF_ERROR || zret == Z_OK) && !zs.avail_in && zs.avail_out) {
			lg_error(err, "'%s': truncated gzip stream", name);
			goto out;
		}
		if (zret != Z_OK) {
			lg_error(err, "'%s': corrupt gzip stream (%s)", name,
				 zs.msg ? zs.msg : zError(zret));
			goto out;
		}
	}
	*out = dec;
	*outlen = dlen;
	dec = NULL;
	ret = 0;
out:
	if (live)
		inflateEnd(&zs);
	free(dec);
	return ret;
}

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

/*
 * Builds the sorted id table for `n` objects whose ids are ids[i]; ids must
 * be non-zero (0 means "none" in the format) and unique.
 */
static int index_ids(struct resolver *r, const char *what, const uint64_t *ids, size_t n,
		     struct id_index **out)
{
	struct id_index *t = lg_xcalloc(n, sizeof(*t));
	size_t i;

	*out = t;
	for (i = 0; i < n; i++) {
		if (!ids[i])
			return lg_error(r->err, "'%s': %s %zu has the reserved id 0",
					r->name, what, i + 1);
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
static long find_id(const struct id_index *t, size_t n, uint64_t id)
{
	struct id_index key = { id, 0 };
	const struct id_index *hit;

	if (!n)
		return -1;
	hit = bsearch(&key, t, n, sizeof(*t), cmp_id);
	return hit ? (long)hit->idx : -1;
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
static int check_locations(struct resolver *r)
{
	const pb_profile *m = r->msg;
	size_t i, j;

	r->loc_nframes = lg_xcalloc(m->n_location ? m->n_location : 1, sizeof(size_t));
	for (i = 0; i < m->n_location; i++) {
		const pb_location *l = m->location[i];

		if (l->mapping_id && find_id(r->maps, m->n_mapping, l->mapping_id) < 0)
			return lg_error(r->err, "'%s': location %" PRIu64
					" refers to missing mapping id %" PRIu64,
					r->name, l->id, l->mapping_id);
		for (j = 0; j < l->n_line; j++)
			if (find_id(r->funcs, m->n_function, l->line[j]->function_id) < 0)
				return lg_error(r->err, "'%s': location %" PRIu64
						" refers to missing function id %" PRIu64,
						r->name, l->id, l->line[j]->function_id);
		r->loc_nframes[i] = l->n_line ? l->n_line : 1;
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
 * the frames and labels the flattened form needs, within the frame cap.
 */
static int check_samples(struct resolver *r, size_t *nframes, size_t *nlabels)
{
	const pb_profile *m = r->msg;
	const char *s;
	size_t i, j;

	*nframes = *nlabels = 0;
	for (i = 0; i < m->n_sample; i++) {
		const pb_sample *sm = m->sample[i];

		if (sm->n_value != m->n_sample_type)
			return lg_error(r->err, "'%s': sample %zu has %zu values, want %zu "
					"(one per sample type)", r->name, i + 1,
					sm->n_value, m->n_sample_type);
		for (j = 0; j < sm->n_location_id; j++) {
			long li = find_id(r->locs, m->n_location, sm->location_id[j]);

			if (li < 0)
				return lg_error(r->err, "'%s': sample %zu refers to missing "
						"location id %" PRIu64, r->name, i + 1,
						sm->location_id[j]);
			*nframes += r->loc_nframes[li];
			if (*nframes > LG_PPROF_MAX_FRAMES)
				return lg_error(r->err, "'%s': profile expands to more than %zu "
						"stack frames", r->name,
						(size_t)LG_PPROF_MAX_FRAMES);
		}
		for (j = 0; j < sm->n_label; j++) {
			const Leakgate__Pprof__Label *lb = sm->label[j];

			if (str_at(r, lb->key, &s, "label of sample", i + 1) ||
			    str_at(r, lb->str, &s, "label of sample", i + 1) ||
			    str_at(r, lb->num_unit, &s, "label of sample", i + 1))
				return -1;
		}
		*nlabels += sm->n_label;
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
 * the format orders them) and returns how many.  Indexes were checked.
 */
static size_t emit_location(struct resolver *r, long li, struct lg_pprof_frame *f)
{
	const pb_profile *m = r->msg;
	const pb_location *l = m->location[li];
	size_t j;

	if (!l->n_line) {
		/* Unsymbolised: the address is all we can show. */
		f->func = store_extra(r->st, lg_xasprintf("0x%" PRIx64, l->address));
		f->file = "";
		f->line = 0;
		return 1;
	}
	for (j = 0; j < l->n_line; j++) {
		const Leakgate__Pprof__Function *fn =
			m->function[find_id(r->funcs, m->n_function, l->line[j]->function_id)];

		f[j].func = m->string_table[fn->name];
		f[j].file = m->string_table[fn->filename];
		f[j].line = l->line[j]->line;
	}
	return l->n_line;
}

/* Builds the flattened samples once everything has been checked. */
static void flatten(struct resolver *r, struct lg_pprof *p, size_t nframes, size_t nlabels)
{
	const pb_profile *m = r->msg;
	struct store *st = r->st;
	size_t i, j, fi = 0, li = 0;

	st->frames = lg_xcalloc(nframes ? nframes : 1, sizeof(*st->frames));
	st->labels = lg_xcalloc(nlabels ? nlabels : 1, sizeof(*st->labels));
	p->samples = lg_xcalloc(m->n_sample ? m->n_sample : 1, sizeof(*p->samples));
	p->nsamples = m->n_sample;
	for (i = 0; i < m->n_sample; i++) {
		const pb_sample *sm = m->sample[i];
		struct lg_pprof_sample *out = &p->samples[i];

		out->values = sm->value;
		out->frames = st->frames + fi;
		for (j = 0; j < sm->n_location_id; j++)
			fi += emit_location(r, find_id(r->locs, m->n_location,
						       sm->location_id[j]),
					    st->frames + fi);
		out->nframes = (size_t)(st->frames + fi - out->frames);
		out->labels = st->labels + li;
		out->nlabels = sm->n_label;
		for (j = 0; j < sm->n_label; j++, li++) {
			const Leakgate__Pprof__Label *lb = sm->label[j];
			struct lg_pprof_label *l = &st->labels[li];

			l->key = m->string_table[lb->key];
			/* A string label has a non-empty value; else it is numeric. */
			l->str = lb->str ? m->string_table[lb->str] : NULL;
			l->num = lb->num;
			l->unit = m->string_table[lb->num_unit];
		}
	}
}

/* Checks and resolves the unpacked message into `p` (which is empty). */
static int resolve(struct resolver *r, struct lg_pprof *p)
{
	const pb_profile *m = r->msg;
	size_t i, nframes, nlabels;

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
	if (check_samples(r, &nframes, &nlabels))
		return -1;
	flatten(r, p, nframes, nlabels);
	return 0;
}

int lg_pprof_parse(struct lg_pprof *p, const unsigned char *data, size_t len,
		   const char *name, struct lg_err *err)
{
	struct lg_pprof np;
	struct resolver r;
	unsigned char *dec = NULL;
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
		if (gunzip(data, len, name, &dec, &pblen, err))
			goto out;
		pb = dec;
	}
	if (!pblen) {
		lg_error(err, "'%s': empty profile", name);
		goto out;
	}

	r.st = lg_xcalloc(1, sizeof(*r.st));
	np.priv = r.st;
	r.st->budget.cap = LG_PPROF_MAX_UNPACKED;
	r.st->alloc.alloc = budget_alloc;
	r.st->alloc.free = budget_free;
	r.st->alloc.allocator_data = &r.st->budget;
	r.st->msg = leakgate__pprof__profile__unpack(&r.st->alloc, pblen, pb);
	if (!r.st->msg) {
		if (r.st->budget.refused)
			lg_error(err, "'%s': profile needs more than %zu bytes of memory "
				 "to decode", name, (size_t)LG_PPROF_MAX_UNPACKED);
		else
			lg_error(err, "'%s': truncated or corrupt profile protobuf", name);
		goto out;
	}
	r.name = name;
	r.msg = r.st->msg;
	r.err = err;
	if (resolve(&r, &np))
		goto out;

	lg_pprof_release(p);
	*p = np;
	lg_pprof_init(&np);
	ret = 0;
out:
	free(r.funcs);
	free(r.maps);
	free(r.locs);
	free(r.loc_nframes);
	free(dec);
	lg_pprof_release(&np);
	return ret;
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

/* One (site, value) contribution while summing growth. */
struct site_acc {
	const char *func, *file;
	int64_t line;
	int64_t value;
};

/* True for frames of the Go runtime itself, which are never the "site". */
static int is_runtime(const char *func)
{
	return lg_starts_with(func, "runtime.") || lg_starts_with(func, "runtime/internal/") ||
	       lg_starts_with(func, "internal/runtime/");
}

/* a + b clamped to the int64 range: sample values are untrusted. */
static int64_t sat_add(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

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
		const struct lg_pprof_frame *f;
		struct site_acc *a;

		if (!s->nframes)
			continue;
		f = &s->frames[0];
		for (j = 0; j < s->nframes; j++) {
			if (!is_runtime(s->frames[j].func)) {
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
