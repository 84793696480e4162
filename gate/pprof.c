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
 *  - protobuf: split in two.  The samples — the bulk, 100,000 small
 *    messages in a big goroutine profile — are decoded by hand, straight
 *    into three flat pools (location ids, values, labels); the tables
 *    (strings, functions, locations, mappings, sample types) are unpacked
 *    by protobuf-c (generated from schema/profile.proto) from a copy of the
 *    profile with the samples cut out.  Both draw on one byte budget,
 *    because empty sub-messages cost a few bytes on the wire but a hundred
 *    in memory; protobuf-c allocates from an arena, freed whole.  The hand
 *    decoder refuses what protobuf-c would: truncated fields, varints past
 *    10 bytes, wire types a field cannot have.
 * After that every cross reference is checked before it is followed:
 * string-table indexes, location -> mapping and function ids, and
 * sample -> location ids.  Only then are the samples flattened, and the
 * total number of frames is capped too (one location with many inlined
 * lines, referenced by many samples, multiplies out).
 *
 * The resolved strings point into the unpacked message, and the values
 * into the value pool, which the profile keeps alive in its private
 * storage until lg_pprof_release.
 *
 * The way back out is here too, so protobuf-c and zlib stay in one module:
 * lg_pprof_diff subtracts two resolved profiles stack by stack, and
 * lg_pprof_write_file rebuilds a profile.proto message from resolved
 * samples (strings, functions and locations deduplicated through hash
 * tables) and writes it gzipped, the way `go tool pprof` expects.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fsync */
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "arena.h"
#include "profile.pb-c.h"
#include "pprof.h"

#define GZIP_CHUNK ((size_t)64 << 10)
#define RATIO_FLOOR ((size_t)1 << 20) /* ratio cap applies past this */

typedef Leakgate__Pprof__Profile pb_profile;
typedef Leakgate__Pprof__Location pb_location;

/*
 * The allocator protobuf-c unpacks with: counts what it hands out and
 * refuses past the cap, and carves it from an arena, because a profile is
 * hundreds of thousands of tiny messages that all die together — one
 * malloc and one free each cost more than the decoding itself.  The sample
 * pools, and what flatten will make of them, are charged to it too.
 */
struct budget {
	size_t used;
	size_t cap;
	int refused;
	struct lg_arena arena;
};

/* A label as the wire has it: string indexes and a number. */
struct raw_label {
	int64_t key, str, num, num_unit;
};

/*
 * Where a sample's part of each pool starts; the next sample's start ends
 * it.  Every pool entry took a byte of the inflated profile at least, so
 * 32 bits hold any offset (see the assertion below).
 */
struct sample_span {
	uint32_t loc, val, label;
};
_Static_assert(LG_PPROF_MAX_DECODED < UINT32_MAX, "pool offsets fit a sample_span");

/* A growable array of varints. */
struct u64_pool {
	uint64_t *v;
	size_t n, alloc;
};

/*
 * The samples, decoded by hand (see decode_sample) into flat pools, one
 * allocation each instead of protobuf-c's few per sample: sample i owns
 * locs.v[spans[i].loc .. spans[i + 1].loc), and likewise its values and
 * labels.  Values are stored as the wire's uint64 and read as int64.
 * Every pool is charged to the budget as it grows.
 */
struct sample_pools {
	struct u64_pool locs, vals;
	struct raw_label *labels;
	struct sample_span *spans; /* nsamples + 1 entries */
	size_t nsamples, nlabels;
	size_t labels_alloc, spans_alloc;
};

/* What lg_pprof.priv points to. */
struct store {
	pb_profile *msg; /* the tables; its samples are in `pools` */
	ProtobufCAllocator alloc; /* over budget: msg lives in its arena */
	struct budget budget;
	struct sample_pools pools; /* only vals outlives lg_pprof_parse */
	struct lg_frame *frames;
	struct lg_pprof_label *labels;
	char **extra; /* strings we made up (names of unsymbolised addresses) */
	size_t nextra, extra_alloc;
	int64_t *values; /* sample values of a profile we built (a diff) */
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
	/* Location index i expands to loc_frames[loc_first[i] .. loc_first[i + 1]). */
	size_t *loc_first;
	struct lg_frame *loc_frames;
	struct lg_err *err;
};

/* Counts `size` bytes against the cap; -1 (and remembered) past it. */
static int budget_charge(struct budget *b, size_t size)
{
	if (size > b->cap - b->used) {
		b->refused = 1;
		return -1;
	}
	b->used += size;
	return 0;
}

_Static_assert(_Alignof(max_align_t) <= 16, "the arena aligns to 16 at most");

static void *budget_alloc(void *data, size_t size)
{
	struct budget *b = data;

	if (budget_charge(b, size))
		return NULL; /* protobuf-c turns this into a failed unpack */
	return lg_arena_alloc(&b->arena, size ? size : 1, _Alignof(max_align_t));
}

/* Messages die together with the arena (store_free), never one by one. */
static void budget_free(void *data, void *ptr)
{
}

/*
 * Makes room for `need` elements of `size` bytes in the array *arr of
 * *alloc, charging what it adds to the budget: -1 when that would pass the
 * cap.  Grows geometrically, but never past the cap when `need` still fits.
 */
static int pool_reserve(struct budget *b, void **arr, size_t *alloc, size_t need, size_t size)
{
	size_t n = *alloc ? *alloc : 64;

	if (need <= *alloc)
		return 0;
	while (n < need) /* need is bounded by the input bytes: no overflow */
		n *= 2;
	if (n - *alloc > (b->cap - b->used) / size)
		n = need;
	if (n - *alloc > (b->cap - b->used) / size || budget_charge(b, (n - *alloc) * size)) {
		b->refused = 1;
		return -1;
	}
	*arr = lg_xrealloc(*arr, n * size);
	*alloc = n;
	return 0;
}
#define POOL_RESERVE(b, arr, alloc, need) \
	pool_reserve((b), (void **)&(arr), &(alloc), (need), sizeof(*(arr)))

/* Frees the pools only decoding needs; the values stay with the samples. */
static void pools_drop_scratch(struct sample_pools *sp)
{
	free(sp->locs.v);
	free(sp->labels);
	free(sp->spans);
	sp->locs.v = NULL;
	sp->labels = NULL;
	sp->spans = NULL;
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
	lg_arena_release(&st->budget.arena); /* the unpacked message, all of it */
	pools_drop_scratch(&st->pools);
	free(st->pools.vals.v);
	free(st->frames);
	free(st->labels);
	for (i = 0; i < st->nextra; i++)
		free(st->extra[i]);
	free(st->extra);
	free(st->values);
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
 * The room to start inflating `in` into: the size its gzip trailer (ISIZE,
 * the last member's length mod 2^32) announces when that is within the
 * caps, so a profile inflates without reallocating; else one chunk.  The
 * trailer is a hint, never trusted: the buffer still grows, capped, when
 * it is short (several members, a lie, a file cut short).
 */
static size_t gunzip_hint(const unsigned char *in, size_t len)
{
	size_t isize;

	if (len < 18) /* a 10-byte header and the 8-byte trailer */
		return GZIP_CHUNK;
	isize = (size_t)in[len - 4] | (size_t)in[len - 3] << 8 | (size_t)in[len - 2] << 16 |
		(size_t)in[len - 1] << 24;
	if (isize > LG_PPROF_MAX_DECODED ||
	    (isize > RATIO_FLOOR && isize / len > LG_PPROF_MAX_RATIO))
		return GZIP_CHUNK;
	return isize + 1; /* + 1: a full buffer is not mistaken for more to come */
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
	dalloc = gunzip_hint(in, len);
	dec = lg_xmalloc(dalloc);
	for (;;) {
		size_t room;

		if (dlen == dalloc)
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

/* ---- the samples, decoded by hand ---- */

/*
 * Why by hand: a goroutine profile with a label per goroutine is 100,000
 * Sample messages with a Label each, and protobuf-c gives every one of them
 * structs and arrays of its own, then flatten reads them once and drops
 * them.  Sample and Label are small fixed messages (schema/profile.proto),
 * so they go straight into the pools; the varied tables (strings,
 * functions, locations, mappings) stay with protobuf-c, which unpacks them
 * from a copy of the profile with the samples cut out.
 */

/* What reading one value off the wire can run into. */
enum wire_err {
	WIRE_OK,
	WIRE_CUT,    /* runs past the end of its message */
	WIRE_LONG,   /* a varint longer than 10 bytes */
	WIRE_TYPE,   /* a wire type the field cannot have */
	WIRE_FIELD,  /* field number 0, or a tag past 32 bits or 5 bytes */
	WIRE_BUDGET, /* the pools would pass LG_PPROF_MAX_UNPACKED */
};

/* Reads the varint at *p (before `end`) into *out and steps past it. */
static inline enum wire_err get_varint(const unsigned char **p, const unsigned char *end,
				       uint64_t *out)
{
	const unsigned char *s = *p;
	size_t i, avail = (size_t)(end - s);
	uint64_t v = 0;

	if (avail && s[0] < 0x80) { /* most ids, counts and indexes */
		*out = s[0];
		*p = s + 1;
		return WIRE_OK;
	}
	for (i = 0; i < 10; i++) {
		if (i == avail)
			return WIRE_CUT;
		/* Bits past 64 in the tenth byte drop out, as protobuf-c drops them. */
		v |= (uint64_t)(s[i] & 0x7f) << (7 * i);
		if (s[i] < 0x80) {
			*out = v;
			*p = s + i + 1;
			return WIRE_OK;
		}
	}
	return WIRE_LONG;
}

/*
 * Reads a field tag into its number and wire type.  A tag is a 32-bit
 * varint of 5 bytes at most, as protobuf-c reads it, and field 0 does not
 * exist.
 */
static inline enum wire_err get_tag(const unsigned char **p, const unsigned char *end,
				    uint32_t *field, unsigned *wt)
{
	const unsigned char *start = *p;
	uint64_t tag;
	enum wire_err e = get_varint(p, end, &tag);

	if (e)
		return e;
	if (!(tag >> 3) || tag > UINT32_MAX || *p - start > 5)
		return WIRE_FIELD;
	*field = (uint32_t)(tag >> 3);
	*wt = (unsigned)(tag & 7);
	return WIRE_OK;
}

/* Reads the length of a wire-type-2 value; its bytes run from *p to *body_end. */
static enum wire_err get_body(const unsigned char **p, const unsigned char *end,
			      const unsigned char **body_end)
{
	uint64_t len;
	enum wire_err e = get_varint(p, end, &len);

	if (e)
		return e;
	if (len > (uint64_t)(end - *p))
		return WIRE_CUT;
	*body_end = *p + len;
	return WIRE_OK;
}

/* Steps past the value of a field of wire type `wt` that is not read. */
static enum wire_err skip_value(const unsigned char **p, const unsigned char *end, unsigned wt)
{
	const unsigned char *body_end;
	uint64_t v, need;
	enum wire_err e;

	switch (wt) {
	case 0:
		return get_varint(p, end, &v);
	case 1:
		need = 8;
		break;
	case 2:
		if ((e = get_body(p, end, &body_end)))
			return e;
		*p = body_end;
		return WIRE_OK;
	case 5:
		need = 4;
		break;
	default: /* 3 and 4 are proto2 groups, which protobuf-c refuses too */
		return WIRE_TYPE;
	}
	if (need > (uint64_t)(end - *p))
		return WIRE_CUT;
	*p += need;
	return WIRE_OK;
}

/*
 * Appends one location_id or value field to `pool`: a varint (wire type 0)
 * or a packed run of them (wire type 2).  Either may come any number of
 * times, mixed; the values are concatenated in order.
 */
static enum wire_err read_ints(struct budget *b, const unsigned char **p,
			       const unsigned char *end, unsigned wt, struct u64_pool *pool)
{
	const unsigned char *q = *p, *qend;
	enum wire_err e;
	uint64_t *v;
	size_t n;

	if (wt == 0) {
		if (POOL_RESERVE(b, pool->v, pool->alloc, pool->n + 1))
			return WIRE_BUDGET;
		if ((e = get_varint(p, end, &pool->v[pool->n])))
			return e;
		pool->n++;
		return WIRE_OK;
	}
	if (wt != 2)
		return WIRE_TYPE;
	if ((e = get_body(&q, end, &qend)))
		return e;
	/* Every value takes a byte at least: room for all of them at once. */
	if (POOL_RESERVE(b, pool->v, pool->alloc, pool->n + (size_t)(qend - q)))
		return WIRE_BUDGET;
	v = pool->v; /* locals: stores through v cannot alias them */
	n = pool->n;
	while (q < qend) {
		if ((e = get_varint(&q, qend, &v[n])))
			return e;
		n++;
	}
	pool->n = n;
	*p = qend;
	return WIRE_OK;
}

/*
 * Appends the Label message at *p (field 3 of a Sample, wire type `wt`) to
 * the label pool.  Its four fields are varints, the last one wins; other
 * fields are skipped.  On a problem inside the label *field and *wt name
 * the field of the label it is in.
 */
static enum wire_err read_label(struct budget *b, struct sample_pools *sp,
				const unsigned char **p, const unsigned char *end,
				uint32_t *field, unsigned *wt)
{
	struct raw_label l = { 0, 0, 0, 0 };
	int64_t *slot[] = { NULL, &l.key, &l.str, &l.num, &l.num_unit };
	const unsigned char *q = *p, *qend;
	enum wire_err e;
	uint64_t v;

	*field = 0;
	if (*wt != 2)
		return WIRE_TYPE;
	if ((e = get_body(&q, end, &qend)))
		return e;
	while (q < qend) {
		*field = 0;
		if ((e = get_tag(&q, qend, field, wt)))
			return e;
		if (*field >= LG_ARRAY_SIZE(slot))
			e = skip_value(&q, qend, *wt);
		else if (*wt != 0)
			e = WIRE_TYPE;
		else if (!(e = get_varint(&q, qend, &v)))
			*slot[*field] = (int64_t)v;
		if (e)
			return e;
	}
	if (POOL_RESERVE(b, sp->labels, sp->labels_alloc, sp->nlabels + 1) ||
	    budget_charge(b, sizeof(struct lg_pprof_label))) /* flatten resolves it */
		return WIRE_BUDGET;
	sp->labels[sp->nlabels++] = l;
	*p = qend;
	return WIRE_OK;
}

/* One Sample being decoded: where it goes and what its errors name. */
struct sample_reader {
	const char *name;
	size_t i; /* the sample's number, from 1 */
	struct budget *budget;
	struct sample_pools *sp;
	struct lg_err *err;
};

/* The error for problem `e` of sample sr->i in `what` (field `field` of it, if non-zero). */
static int sample_error(const struct sample_reader *sr, enum wire_err e, const char *what,
			uint32_t field, unsigned wt)
{
	char subject[64];

	if (field)
		snprintf(subject, sizeof(subject), "%s field %" PRIu32, what, field);
	else
		snprintf(subject, sizeof(subject), "%s", what);
	switch (e) {
	case WIRE_CUT:
		return lg_error(sr->err, "'%s': sample %zu: truncated %s", sr->name, sr->i, subject);
	case WIRE_LONG:
		return lg_error(sr->err, "'%s': sample %zu: varint longer than 10 bytes in %s",
				sr->name, sr->i, subject);
	case WIRE_TYPE:
		return lg_error(sr->err, "'%s': sample %zu: %s wire type %u for %s", sr->name,
				sr->i, wt == 3 || wt == 4 || wt > 5 ? "unknown" : "wrong", wt,
				subject);
	case WIRE_FIELD:
		return lg_error(sr->err, "'%s': sample %zu: invalid field tag in %s", sr->name,
				sr->i, subject);
	default:
		return lg_error(sr->err, "'%s': profile needs more than %zu bytes of memory "
				"to decode", sr->name, (size_t)LG_PPROF_MAX_UNPACKED);
	}
}

/* Decodes the Sample message [p, end) into the pools as sample sr->i. */
static int decode_sample(struct sample_reader *sr, const unsigned char *p,
			 const unsigned char *end)
{
	struct sample_pools *sp = sr->sp;
	struct sample_span *next;
	enum wire_err e;
	uint32_t field;
	unsigned wt;

	while (p < end) {
		if ((e = get_tag(&p, end, &field, &wt)))
			return sample_error(sr, e, "sample", 0, 0);
		switch (field) {
		case 1:
			if ((e = read_ints(sr->budget, &p, end, wt, &sp->locs)))
				return sample_error(sr, e, "location ids", 0, wt);
			break;
		case 2:
			if ((e = read_ints(sr->budget, &p, end, wt, &sp->vals)))
				return sample_error(sr, e, "values", 0, wt);
			break;
		case 3:
			if ((e = read_label(sr->budget, sp, &p, end, &field, &wt)))
				return sample_error(sr, e, "label", field, wt);
			break;
		default:
			if ((e = skip_value(&p, end, wt)))
				return sample_error(sr, e, "sample", field, wt);
		}
	}
	/* Room for the sample's end, and for what flatten makes of it. */
	if (POOL_RESERVE(sr->budget, sp->spans, sp->spans_alloc, sp->nsamples + 2) ||
	    budget_charge(sr->budget, sizeof(struct lg_pprof_sample) + 4 * sizeof(uint32_t)))
		return sample_error(sr, WIRE_BUDGET, "sample", 0, 0);
	next = &sp->spans[++sp->nsamples];
	next->loc = (uint32_t)sp->locs.n;
	next->val = (uint32_t)sp->vals.n;
	next->label = (uint32_t)sp->nlabels;
	return 0;
}

/* Gives the pools their first room (so none is NULL) and sample 0's start. */
static void pools_init(struct sample_pools *sp, struct budget *b)
{
	memset(sp, 0, sizeof(*sp));
	/* Far below any budget: cannot fail. */
	POOL_RESERVE(b, sp->locs.v, sp->locs.alloc, 1);
	POOL_RESERVE(b, sp->vals.v, sp->vals.alloc, 1);
	POOL_RESERVE(b, sp->labels, sp->labels_alloc, 1);
	POOL_RESERVE(b, sp->spans, sp->spans_alloc, 1);
	memset(&sp->spans[0], 0, sizeof(sp->spans[0]));
}

static const char *wire_problem(enum wire_err e)
{
	switch (e) {
	case WIRE_CUT:
		return "a field running past the end";
	case WIRE_LONG:
		return "a varint longer than 10 bytes";
	case WIRE_TYPE:
		return "an unknown wire type";
	default:
		return "an invalid field tag";
	}
}

/*
 * Splits the top-level Profile message [pb, pb + len): each Sample (field
 * 2) is decoded into the pools, and every other field is copied byte for
 * byte, in order, to `rest`, for protobuf-c to unpack the tables from.
 * `rest` has room for len bytes and may be pb itself: the copy never
 * overtakes the reading.  *restlen gets what it holds.
 */
static int split_profile(struct sample_reader *sr, const unsigned char *pb, size_t len,
			 unsigned char *rest, size_t *restlen)
{
	const unsigned char *p = pb, *end = pb + len, *run = pb, *at = pb, *body_end;
	enum wire_err e = WIRE_OK;
	uint32_t field;
	unsigned wt;
	size_t n = 0;

	while (p < end && !e) {
		at = p;
		if ((e = get_tag(&p, end, &field, &wt)))
			break;
		if (field != 2) {
			e = skip_value(&p, end, wt);
			continue;
		}
		sr->i++;
		if (wt != 2)
			return sample_error(sr, WIRE_TYPE, "sample", 0, wt);
		if ((e = get_body(&p, end, &body_end)))
			return sample_error(sr, e, "sample", 0, wt);
		memmove(rest + n, run, (size_t)(at - run));
		n += (size_t)(at - run);
		if (decode_sample(sr, p, body_end))
			return -1;
		p = run = body_end;
	}
	if (e)
		return lg_error(sr->err, "'%s': truncated or corrupt profile protobuf "
				"(%s at byte %zu)", sr->name, wire_problem(e), (size_t)(at - pb));
	memmove(rest + n, run, (size_t)(end - run));
	*restlen = n + (size_t)(end - run);
	return 0;
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
static int check_locations(struct resolver *r)
{
	const pb_profile *m = r->msg;
	size_t i, j;

	r->loc_first = lg_xcalloc(m->n_location + 1, sizeof(*r->loc_first));
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
		r->loc_first[i + 1] = r->loc_first[i] + (l->n_line ? l->n_line : 1);
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
 * the frames the flattened form needs, within the frame cap.
 */
static int check_samples(struct resolver *r, size_t *nframes)
{
	const struct sample_pools *sp = &r->st->pools;
	const size_t ntypes = r->msg->n_sample_type;
	const char *s;
	size_t i, j;

	*nframes = 0;
	for (i = 0; i < sp->nsamples; i++) {
		const struct sample_span *a = &sp->spans[i], *b = a + 1;

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
			*nframes += r->loc_first[li + 1] - r->loc_first[li];
			if (*nframes > LG_PPROF_MAX_FRAMES)
				return lg_error(r->err, "'%s': profile expands to more than %zu "
						"stack frames", r->name,
						(size_t)LG_PPROF_MAX_FRAMES);
		}
		for (j = a->label; j < b->label; j++) {
			const struct raw_label *lb = &sp->labels[j];

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

/*
 * Resolves every location once, so that flattening a sample copies frames
 * instead of looking up functions and strings for each of its locations.
 */
static void resolve_locations(struct resolver *r)
{
	size_t i, n = r->msg->n_location;

	r->loc_frames = lg_xcalloc(r->loc_first[n] ? r->loc_first[n] : 1,
				   sizeof(*r->loc_frames));
	for (i = 0; i < n; i++)
		emit_location(r, i, r->loc_frames + r->loc_first[i]);
}

/*
 * Samples that differ only in labels or values (a goroutine profile with a
 * label per request: 100,000 samples, a handful of stacks) share one frames
 * array: a small open-addressing table maps each distinct location-id list
 * to the first sample that had it, whose frames the others point to.
 * Consumers only read frames, and group.c relies on the sharing.
 * A slot holds a sample index + 1 (0: empty); a sample costs two bytes on
 * the wire at least, so LG_PPROF_MAX_DECODED keeps the count in 32 bits.
 */
_Static_assert(LG_PPROF_MAX_DECODED / 2 < UINT32_MAX, "sample indexes fit a slot");

static uint64_t stack_hash(const uint64_t *locs, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ n;
	size_t j;

	for (j = 0; j < n; j++)
		h = (h ^ locs[j]) * 0x100000001b3ULL;
	/*
	 * The table is indexed by the low bits, which the multiplications
	 * leave poorly mixed for lists of small ids: finish like splitmix64.
	 */
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

/* Do samples a and b have the same location-id list? */
static int same_stack(const struct sample_pools *sp, size_t a, size_t b)
{
	size_t n = sp->spans[a + 1].loc - sp->spans[a].loc;

	return n == sp->spans[b + 1].loc - sp->spans[b].loc &&
	       (!n || memcmp(sp->locs.v + sp->spans[a].loc, sp->locs.v + sp->spans[b].loc,
			     n * sizeof(*sp->locs.v)) == 0);
}

/* The slot for sample i's stack: a match, or the empty slot to fill. */
static uint32_t *stack_slot(uint32_t *t, size_t mask, const struct sample_pools *sp, size_t i)
{
	const struct sample_span *a = &sp->spans[i];
	size_t k = (size_t)stack_hash(sp->locs.v + a->loc, a[1].loc - a->loc) & mask;

	while (t[k] && !same_stack(sp, t[k] - 1, i))
		k = (k + 1) & mask;
	return &t[k];
}

/* Resolves the raw labels of the pools, in order, into `out`. */
static void flatten_labels(const struct resolver *r, struct lg_pprof_label *out)
{
	const struct sample_pools *sp = &r->st->pools;
	char **strs = r->msg->string_table;
	size_t j;

	for (j = 0; j < sp->nlabels; j++) {
		const struct raw_label *lb = &sp->labels[j];

		out[j].key = strs[lb->key];
		/* A string label has a non-empty value; else it is numeric. */
		out[j].str = lb->str ? strs[lb->str] : NULL;
		out[j].num = lb->num;
		out[j].unit = strs[lb->num_unit];
	}
}

/* Builds the flattened samples once everything has been checked. */
static void flatten(struct resolver *r, struct lg_pprof *p, size_t nframes)
{
	const struct sample_pools *sp = &r->st->pools;
	struct store *st = r->st;
	uint32_t *seen;
	size_t i, j, fi = 0, mask = 15;

	resolve_locations(r);
	while (mask < 2 * sp->nsamples)
		mask = mask * 2 + 1;
	seen = lg_xcalloc(mask + 1, sizeof(*seen));
	/* Untouched pages of a big calloc cost nothing: shared stacks never fill them. */
	st->frames = lg_xcalloc(nframes ? nframes : 1, sizeof(*st->frames));
	st->labels = lg_xcalloc(sp->nlabels ? sp->nlabels : 1, sizeof(*st->labels));
	flatten_labels(r, st->labels);
	p->samples = lg_xcalloc(sp->nsamples ? sp->nsamples : 1, sizeof(*p->samples));
	p->nsamples = sp->nsamples;
	for (i = 0; i < sp->nsamples; i++) {
		const struct sample_span *a = &sp->spans[i], *b = a + 1;
		struct lg_pprof_sample *out = &p->samples[i];
		uint32_t *slot = stack_slot(seen, mask, sp, i);

		out->values = (int64_t *)(sp->vals.v + a->val); /* the wire's two's complement */
		if (*slot) {
			out->frames = p->samples[*slot - 1].frames;
			out->nframes = p->samples[*slot - 1].nframes;
		} else {
			out->frames = st->frames + fi;
			for (j = a->loc; j < b->loc; j++) {
				size_t li = (size_t)find_id(&r->locs, sp->locs.v[j]);
				size_t n = r->loc_first[li + 1] - r->loc_first[li];

				memcpy(st->frames + fi, r->loc_frames + r->loc_first[li],
				       n * sizeof(*st->frames));
				fi += n;
			}
			out->nframes = (size_t)(st->frames + fi - out->frames);
			*slot = (uint32_t)(i + 1);
		}
		out->labels = st->labels + a->label;
		out->nlabels = b->label - a->label;
	}
	free(seen);
}

/* Checks and resolves the unpacked message into `p` (which is empty). */
static int resolve(struct resolver *r, struct lg_pprof *p)
{
	const pb_profile *m = r->msg;
	size_t i, nframes;

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
	if (check_samples(r, &nframes))
		return -1;
	flatten(r, p, nframes);
	return 0;
}

/* A store with its budget, allocator and pools set up, and nothing decoded. */
static struct store *store_new(void)
{
	struct store *st = lg_xcalloc(1, sizeof(*st));

	st->budget.cap = LG_PPROF_MAX_UNPACKED;
	st->alloc.alloc = budget_alloc;
	st->alloc.free = budget_free;
	st->alloc.allocator_data = &st->budget;
	pools_init(&st->pools, &st->budget);
	return st;
}

/*
 * Decodes the protobuf [pb, pb + len) into `st`: the samples by hand into
 * its pools, the tables with protobuf-c into st->msg.  `rest` is where the
 * tables are gathered (room for len bytes; may be pb, which it clobbers).
 */
static int unpack_profile(struct store *st, const unsigned char *pb, size_t len,
			  unsigned char *rest, const char *name, struct lg_err *err)
{
	struct sample_reader sr = { name, 0, &st->budget, &st->pools, err };
	size_t restlen = 0;

	if (split_profile(&sr, pb, len, rest, &restlen))
		return -1;
	st->msg = leakgate__pprof__profile__unpack(&st->alloc, restlen, rest);
	if (!st->msg && st->budget.refused)
		return lg_error(err, "'%s': profile needs more than %zu bytes of memory "
				"to decode", name, (size_t)LG_PPROF_MAX_UNPACKED);
	if (!st->msg)
		return lg_error(err, "'%s': truncated or corrupt profile protobuf", name);
	return 0;
}

int lg_pprof_parse(struct lg_pprof *p, const unsigned char *data, size_t len,
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
		if (gunzip(data, len, name, &dec, &pblen, err))
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
	pools_drop_scratch(&r.st->pools);

	lg_pprof_release(p);
	*p = np;
	lg_pprof_init(&np);
	ret = 0;
out:
	id_table_release(&r.funcs);
	id_table_release(&r.maps);
	id_table_release(&r.locs);
	free(r.loc_first);
	free(r.loc_frames);
	if (rest != dec)
		free(rest);
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

int lg_pprof_is_runtime(const char *func)
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

/* ---- the way back out: hash tables shared by the diff and the writer ---- */

/*
 * An open-addressing table from a key to a dense index 0..n-1, in order of
 * first insertion.  A key is a string (s non-NULL) or a pair of integers;
 * one table holds one kind.  The table points at the strings, never owns
 * them.
 */
struct htab {
	struct hslot {
		const char *s;
		uint64_t a, b, hash;
		size_t idx; /* index + 1; 0 marks an empty slot */
	} *slots;
	size_t cap, n;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static uint64_t hash_pair(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x7f4a7c159e3779b9ULL + (a << 6));

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 29);
}

static void htab_release(struct htab *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* Doubles the table (it starts at 64 slots) and re-inserts every key. */
static void htab_grow(struct htab *t)
{
	struct hslot *old = t->slots;
	size_t oldcap = t->cap, i, j;

	t->cap = oldcap ? oldcap * 2 : 64;
	t->slots = lg_xcalloc(t->cap, sizeof(*t->slots));
	for (i = 0; i < oldcap; i++) {
		if (!old[i].idx)
			continue;
		for (j = old[i].hash & (t->cap - 1); t->slots[j].idx; j = (j + 1) & (t->cap - 1))
			;
		t->slots[j] = old[i];
	}
	free(old);
}

/* Index of the key (s, a, b); a key not seen before gets the next index. */
static size_t htab_put(struct htab *t, const char *s, uint64_t a, uint64_t b, int *added)
{
	uint64_t h;
	size_t i;

	if (2 * (t->n + 1) > t->cap)
		htab_grow(t);
	h = s ? hash_str(s) : hash_pair(a, b);
	for (i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		struct hslot *e = &t->slots[i];

		if (!e->idx) {
			e->s = s;
			e->a = a;
			e->b = b;
			e->hash = h;
			e->idx = ++t->n;
			*added = 1;
			return t->n - 1;
		}
		if (e->hash == h && e->a == a && e->b == b && (s ? !strcmp(e->s, s) : !e->s)) {
			*added = 0;
			return e->idx - 1;
		}
	}
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* ---- lg_pprof_diff ---- */

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

/* Owned copies of the strings of a profile being built, deduplicated. */
struct interner {
	struct htab tab;
	const char **copies;
	size_t alloc;
	struct store *st;
};

static const char *intern_copy(struct interner *in, const char *s)
{
	int added;
	size_t i = htab_put(&in->tab, nz(s), 0, 0, &added);

	if (added) {
		LG_GROW(in->copies, in->alloc, i + 1);
		in->copies[i] = store_extra(in->st, lg_xstrdup(nz(s)));
	}
	return in->copies[i];
}

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
static void diff_build(struct lg_pprof *out, struct interner *in, const struct diff_ent *ents,
		       const struct diff_group *groups, size_t ng, size_t nt)
{
	struct store *st = in->st;
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
static void diff_header(struct lg_pprof *out, struct interner *in, const struct lg_pprof *before,
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
	struct interner in;
	struct diff_ent *ents = NULL;
	struct diff_group *groups = NULL;
	const struct lg_pprof_label **lp = NULL;
	int64_t *vals = NULL;
	size_t i, n = 0, nlp = 0, nlabels = 0, ng, nt;
	int order_by;

	if (same_types(before, after, err))
		return -1;
	lg_pprof_init(&np);
	memset(&in, 0, sizeof(in));
	in.st = lg_xcalloc(1, sizeof(*in.st));
	np.priv = in.st;
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
	diff_header(&np, &in, before, after);
	diff_build(&np, &in, ents, groups, ng, nt);

	lg_pprof_release(out);
	*out = np;
	htab_release(&in.tab);
	free(in.copies);
	free(ents);
	free(groups);
	free(lp);
	free(vals);
	return 0;
}

/* ---- lg_pprof_write_file ---- */

/* A profile.proto message under construction. */
struct writer {
	struct htab strtab, functab, loctab;
	const char **strs; /* the string table, in index order */
	size_t strs_alloc;
	Leakgate__Pprof__Function *fns;
	size_t nfns, fns_alloc;
	Leakgate__Pprof__Line *lines; /* location i has the one line lines[i] */
	size_t nlines, lines_alloc;
};

static int64_t w_str(struct writer *w, const char *s)
{
	int added;
	size_t i = htab_put(&w->strtab, nz(s), 0, 0, &added);

	if (added) {
		LG_GROW(w->strs, w->strs_alloc, i + 1);
		w->strs[i] = nz(s);
	}
	return (int64_t)i;
}

/*
 * The location id of a resolved frame.  The flattened form no longer knows
 * which frames shared a location (inlining), so each distinct function and
 * line becomes a location of its own with one line.
 */
static uint64_t w_frame(struct writer *w, const struct lg_frame *f)
{
	int64_t name = w_str(w, f->func), file = w_str(w, f->file);
	uint64_t fid, lid;
	int added;

	fid = htab_put(&w->functab, NULL, (uint64_t)name, (uint64_t)file, &added) + 1;
	if (added) {
		Leakgate__Pprof__Function init = LEAKGATE__PPROF__FUNCTION__INIT;

		LG_GROW(w->fns, w->fns_alloc, w->nfns + 1);
		init.id = fid;
		init.name = init.system_name = name;
		init.filename = file;
		w->fns[w->nfns++] = init;
	}
	lid = htab_put(&w->loctab, NULL, fid, (uint64_t)f->line, &added) + 1;
	if (added) {
		Leakgate__Pprof__Line init = LEAKGATE__PPROF__LINE__INIT;

		LG_GROW(w->lines, w->lines_alloc, w->nlines + 1);
		init.function_id = fid;
		init.line = f->line;
		w->lines[w->nlines++] = init;
	}
	return lid;
}

/* Everything the message points to, freed together. */
struct wmsg {
	Leakgate__Pprof__Profile msg;
	Leakgate__Pprof__ValueType *vts, **vtp;
	Leakgate__Pprof__Sample *samples, **samplep;
	Leakgate__Pprof__Label *labels, **labelp;
	uint64_t *loc_ids;
	Leakgate__Pprof__Function **fnp;
	Leakgate__Pprof__Location *locs, **locp;
	Leakgate__Pprof__Line **linep;
	Leakgate__Pprof__Mapping mapping, *mappingp;
};

static void wmsg_release(struct wmsg *m)
{
	free(m->vts);
	free(m->vtp);
	free(m->samples);
	free(m->samplep);
	free(m->labels);
	free(m->labelp);
	free(m->loc_ids);
	free(m->fnp);
	free(m->locs);
	free(m->locp);
	free(m->linep);
}

static void w_value_type(struct writer *w, Leakgate__Pprof__ValueType *vt,
			 const struct lg_pprof_value_type *from)
{
	Leakgate__Pprof__ValueType init = LEAKGATE__PPROF__VALUE_TYPE__INIT;

	*vt = init;
	vt->type = w_str(w, from->type);
	vt->unit = w_str(w, from->unit);
}

static void w_label(struct writer *w, Leakgate__Pprof__Label *out, const struct lg_pprof_label *l)
{
	Leakgate__Pprof__Label init = LEAKGATE__PPROF__LABEL__INIT;

	*out = init;
	out->key = w_str(w, l->key);
	if (l->str) {
		out->str = w_str(w, l->str);
	} else {
		out->num = l->num;
		out->num_unit = w_str(w, l->unit);
	}
}

/* Fills m->msg's sample types and samples; frames become locations in `w`. */
static void w_samples(struct writer *w, struct wmsg *m, const struct lg_pprof *p)
{
	size_t i, j, nframes = 0, nlabels = 0, fi = 0, li = 0;

	m->vts = lg_xcalloc(p->nsample_types + 1, sizeof(*m->vts));
	m->vtp = lg_xcalloc(p->nsample_types + 1, sizeof(*m->vtp));
	for (i = 0; i < p->nsample_types; i++) {
		w_value_type(w, &m->vts[i], &p->sample_types[i]);
		m->vtp[i] = &m->vts[i];
	}
	w_value_type(w, &m->vts[p->nsample_types], &p->period_type);
	m->msg.n_sample_type = p->nsample_types;
	m->msg.sample_type = m->vtp;
	m->msg.period_type = &m->vts[p->nsample_types];
	for (i = 0; i < p->nsamples; i++) {
		nframes += p->samples[i].nframes;
		nlabels += p->samples[i].nlabels;
	}
	m->samples = lg_xcalloc(p->nsamples + 1, sizeof(*m->samples));
	m->samplep = lg_xcalloc(p->nsamples + 1, sizeof(*m->samplep));
	m->loc_ids = lg_xcalloc(nframes + 1, sizeof(*m->loc_ids));
	m->labels = lg_xcalloc(nlabels + 1, sizeof(*m->labels));
	m->labelp = lg_xcalloc(nlabels + 1, sizeof(*m->labelp));
	for (i = 0; i < p->nsamples; i++) {
		const struct lg_pprof_sample *s = &p->samples[i];
		Leakgate__Pprof__Sample init = LEAKGATE__PPROF__SAMPLE__INIT, *o = &m->samples[i];

		*o = init;
		o->location_id = m->loc_ids + fi;
		o->n_location_id = s->nframes;
		for (j = 0; j < s->nframes; j++)
			m->loc_ids[fi++] = w_frame(w, &s->frames[j]);
		o->value = s->values; /* protobuf-c only reads it */
		o->n_value = p->nsample_types;
		o->label = m->labelp + li;
		o->n_label = s->nlabels;
		for (j = 0; j < s->nlabels; j++, li++) {
			w_label(w, &m->labels[li], &s->labels[j]);
			m->labelp[li] = &m->labels[li];
		}
		m->samplep[i] = o;
	}
	m->msg.n_sample = p->nsamples;
	m->msg.sample = m->samplep;
}

/* Points the message at the writer's functions, locations and strings. */
static void w_tables(struct writer *w, struct wmsg *m)
{
	Leakgate__Pprof__Mapping mapping_init = LEAKGATE__PPROF__MAPPING__INIT;
	size_t i;

	m->fnp = lg_xcalloc(w->nfns + 1, sizeof(*m->fnp));
	for (i = 0; i < w->nfns; i++)
		m->fnp[i] = &w->fns[i];
	m->locs = lg_xcalloc(w->nlines + 1, sizeof(*m->locs));
	m->locp = lg_xcalloc(w->nlines + 1, sizeof(*m->locp));
	m->linep = lg_xcalloc(w->nlines + 1, sizeof(*m->linep));
	/*
	 * One mapping that says "already symbolised": without it go tool pprof
	 * invents one with no file name and complains that it cannot find the
	 * binary to symbolise from.
	 */
	m->mapping = mapping_init;
	m->mapping.id = 1;
	m->mapping.has_functions = m->mapping.has_filenames = 1;
	m->mapping.has_line_numbers = 1;
	m->mappingp = &m->mapping;
	m->msg.n_mapping = 1;
	m->msg.mapping = &m->mappingp;
	for (i = 0; i < w->nlines; i++) {
		Leakgate__Pprof__Location init = LEAKGATE__PPROF__LOCATION__INIT;

		m->locs[i] = init;
		m->locs[i].id = i + 1;
		m->locs[i].mapping_id = 1;
		m->linep[i] = &w->lines[i];
		m->locs[i].line = &m->linep[i];
		m->locs[i].n_line = 1;
		m->locp[i] = &m->locs[i];
	}
	m->msg.n_function = w->nfns;
	m->msg.function = m->fnp;
	m->msg.n_location = w->nlines;
	m->msg.location = m->locp;
	m->msg.n_string_table = w->strtab.n;
	m->msg.string_table = (char **)w->strs; /* protobuf-c only reads them */
}

/* Gzips `len` bytes of `in` into a new buffer. */
static void gzip_bytes(const unsigned char *in, size_t len, unsigned char **out, size_t *outlen)
{
	z_stream zs;
	unsigned char *buf = NULL;
	size_t n = 0, alloc = 0, done = 0;
	int flush;

	memset(&zs, 0, sizeof(zs));
	/* Fails only on bad arguments or out of memory. */
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		fprintf(stderr, "leakgate: cannot initialise zlib\n");
		abort();
	}
	do {
		size_t chunk = len - done > ((size_t)1 << 30) ? (size_t)1 << 30 : len - done;

		zs.next_in = (Bytef *)(in + done); /* zlib does not write through next_in */
		zs.avail_in = (uInt)chunk;
		done += chunk;
		flush = done == len ? Z_FINISH : Z_NO_FLUSH;
		do {
			LG_GROW(buf, alloc, n + GZIP_CHUNK);
			zs.next_out = buf + n;
			zs.avail_out = (uInt)GZIP_CHUNK;
			deflate(&zs, flush);
			n = (size_t)(zs.next_out - buf);
		} while (zs.avail_out == 0);
	} while (flush != Z_FINISH);
	deflateEnd(&zs);
	*out = buf;
	*outlen = n;
}

int lg_pprof_write_file(const struct lg_pprof *p, const char *path, struct lg_err *err)
{
	Leakgate__Pprof__Profile init = LEAKGATE__PPROF__PROFILE__INIT;
	struct writer w;
	struct wmsg m;
	unsigned char *pb = NULL, *gz = NULL;
	size_t pblen, gzlen;
	int ret;

	memset(&w, 0, sizeof(w));
	memset(&m, 0, sizeof(m));
	m.msg = init;
	w_str(&w, ""); /* index 0 is the empty string, always */
	w_samples(&w, &m, p);
	m.msg.default_sample_type = w_str(&w, p->default_sample_type);
	m.msg.period = p->period;
	m.msg.time_nanos = p->time_nanos;
	m.msg.duration_nanos = p->duration_nanos;
	w_tables(&w, &m);
	pblen = leakgate__pprof__profile__get_packed_size(&m.msg);
	pb = lg_xmalloc(pblen ? pblen : 1);
	leakgate__pprof__profile__pack(&m.msg, pb);
	gzip_bytes(pb, pblen, &gz, &gzlen);
	ret = lg_write_file_atomic(path, gz, gzlen, err);

	free(pb);
	free(gz);
	wmsg_release(&m);
	htab_release(&w.strtab);
	htab_release(&w.functab);
	htab_release(&w.loctab);
	free(w.strs);
	free(w.fns);
	free(w.lines);
	return ret;
}
