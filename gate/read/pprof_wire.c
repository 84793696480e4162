/*
 * pprof_wire.c — the decode module's wire layer: a profile's bytes up to
 * flat pools of samples, under caps.
 *
 * A profile is untrusted input that arrives in two layers, and each layer
 * gets its own guard:
 *  - gzip: inflated by zlib into a buffer that may not grow past
 *    LG_PPROF_MAX_DECODED, nor past LG_PPROF_MAX_RATIO times the compressed
 *    bytes consumed so far once it holds more than 1 MiB, so a small file
 *    cannot make us allocate gigabytes;
 *  - protobuf: the samples — the bulk, 100,000 small messages in a big
 *    goroutine profile — are decoded here by hand, straight into three
 *    flat pools (location ids, values, labels); the rest of the message is
 *    copied out for protobuf-c (pprof_decode.c) to unpack the tables from.
 *    Both draw on one byte budget (struct pw_budget), because empty
 *    sub-messages cost a few bytes on the wire but a hundred in memory.
 *    The hand decoder refuses what protobuf-c would: truncated fields,
 *    varints past 10 bytes, wire types a field cannot have.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "pprof_wire.h"

#define GZIP_CHUNK ((size_t)64 << 10)
#define RATIO_FLOOR ((size_t)1 << 20) /* ratio cap applies past this */


/* Counts `size` bytes against the cap; -1 (and remembered) past it. */
int pw_budget_charge(struct pw_budget *b, size_t size)
{
	if (size > b->cap - b->used) {
		b->refused = 1;
		return -1;
	}
	b->used += size;
	return 0;
}

_Static_assert(_Alignof(max_align_t) <= 16, "the arena aligns to 16 at most");

void *pw_budget_alloc(void *data, size_t size)
{
	struct pw_budget *b = data;

	if (pw_budget_charge(b, size))
		return NULL; /* protobuf-c turns this into a failed unpack */
	return lg_arena_alloc(&b->arena, size ? size : 1, _Alignof(max_align_t));
}

/* Messages die together with the arena (pprof_decode.c frees it), never one by one. */
void pw_budget_free(void *data, void *ptr)
{
}

/*
 * Makes room for `need` elements of `size` bytes in the array *arr of
 * *alloc, charging what it adds to the budget: -1 when that would pass the
 * cap.  Grows geometrically (exactly to `need` when `exact`), but never
 * past the cap when `need` still fits.
 */
static int pool_reserve(struct pw_budget *b, void **arr, size_t *alloc, size_t need, size_t size,
			int exact)
{
	size_t n = *alloc ? *alloc : 64;

	if (need <= *alloc)
		return 0;
	while (n < need) /* need is bounded by the input bytes: no overflow */
		n *= 2;
	if (exact)
		n = need;
	if (n - *alloc > (b->cap - b->used) / size)
		n = need;
	if (n - *alloc > (b->cap - b->used) / size || pw_budget_charge(b, (n - *alloc) * size)) {
		b->refused = 1;
		return -1;
	}
	*arr = lg_xrealloc(*arr, n * size);
	*alloc = n;
	return 0;
}
#define POOL_RESERVE(b, arr, alloc, need) \
	pool_reserve((b), (void **)&(arr), &(alloc), (need), sizeof(*(arr)), 0)
#define POOL_RESERVE_EXACT(b, arr, alloc, need) \
	pool_reserve((b), (void **)&(arr), &(alloc), (need), sizeof(*(arr)), 1)

/* Frees the pools only decoding needs; the values stay with the samples (no failure). */
void pw_pools_drop_scratch(struct pw_pools *sp)
{
	free(sp->locs.v);
	free(sp->labels);
	free(sp->spans);
	sp->locs.v = NULL;
	sp->labels = NULL;
	sp->spans = NULL;
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
int pw_gunzip(const unsigned char *in, size_t len, const char *name,
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

/* Varints in the packed run [p, end): its bytes without the continuation bit. */
static size_t count_varints(const unsigned char *p, const unsigned char *end)
{
	size_t n = 0;

	for (; p < end; p++)
		n += *p < 0x80;
	return n;
}

/*
 * Appends one location_id or value field to `pool`: a varint (wire type 0)
 * or a packed run of them (wire type 2).  Either may come any number of
 * times, mixed; the values are concatenated in order.
 */
static enum wire_err read_ints(struct pw_budget *b, const unsigned char **p,
			       const unsigned char *end, unsigned wt, struct pw_u64_pool *pool)
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
	/* Each value ends in a byte under 0x80: room for all of them at once. */
	if (POOL_RESERVE(b, pool->v, pool->alloc, pool->n + count_varints(q, qend)))
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
static enum wire_err read_label(struct pw_budget *b, struct pw_pools *sp,
				const unsigned char **p, const unsigned char *end,
				uint32_t *field, unsigned *wt)
{
	struct pw_label l = { 0, 0, 0, 0 };
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
	    pw_budget_charge(b, sizeof(struct lg_pprof_label))) /* flatten resolves it */
		return WIRE_BUDGET;
	sp->labels[sp->nlabels++] = l;
	*p = qend;
	return WIRE_OK;
}

/* One Sample being decoded: where it goes and what its errors name. */
struct sample_reader {
	const char *name;
	size_t i; /* the sample's number, from 1 */
	struct pw_budget *budget;
	struct pw_pools *sp;
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
	struct pw_pools *sp = sr->sp;
	struct pw_span *next;
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
	    pw_budget_charge(sr->budget, sizeof(struct lg_pprof_sample) + 4 * sizeof(uint32_t)))
		return sample_error(sr, WIRE_BUDGET, "sample", 0, 0);
	next = &sp->spans[++sp->nsamples];
	next->loc = (uint32_t)sp->locs.n;
	next->val = (uint32_t)sp->vals.n;
	next->label = (uint32_t)sp->nlabels;
	return 0;
}

/* Gives the pools their first room (so none is NULL) and sample 0's start. */
void pw_pools_init(struct pw_pools *sp, struct pw_budget *b)
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


/* Adds the location ids, values and labels of the Sample [p, end) to *c. */
static void count_sample(const unsigned char *p, const unsigned char *end,
			 struct pw_counts *c)
{
	const unsigned char *body_end;
	uint32_t field;
	unsigned wt;

	while (p < end && !get_tag(&p, end, &field, &wt)) {
		if (field <= 3 && wt == 2) {
			if (get_body(&p, end, &body_end))
				return;
			if (field == 1)
				c->locs += count_varints(p, body_end);
			else if (field == 2)
				c->vals += count_varints(p, body_end);
			else
				c->labels++;
			p = body_end;
			continue;
		}
		if (field == 1 && wt == 0)
			c->locs++;
		else if (field == 2 && wt == 0)
			c->vals++;
		if (skip_value(&p, end, wt))
			return;
	}
}

void pw_count_samples(const unsigned char *pb, size_t len, struct pw_counts *c)
{
	const unsigned char *p = pb, *end = pb + len, *body_end;
	uint32_t field;
	unsigned wt;

	memset(c, 0, sizeof(*c));
	while (p < end && !get_tag(&p, end, &field, &wt)) {
		if (field != 2 || wt != 2) {
			if (skip_value(&p, end, wt))
				return;
			continue;
		}
		if (get_body(&p, end, &body_end))
			return;
		c->samples++;
		count_sample(p, body_end, c);
		p = body_end;
	}
}

/*
 * Gives the pools the room the counts ask for at once, when it is well
 * within the budget (else they grow as they fill, and fail as before):
 * one allocation each instead of a doubling series of copies.  No failure.
 */
static void pools_presize(struct pw_budget *b, struct pw_pools *sp, const struct pw_counts *c)
{
	size_t left = (b->cap - b->used) / 2, need;

	if (c->locs > left / sizeof(*sp->locs.v) || c->vals > left / sizeof(*sp->vals.v) ||
	    c->labels > left / sizeof(*sp->labels) || c->samples > left / sizeof(*sp->spans))
		return;
	need = (c->locs + 1) * sizeof(*sp->locs.v) + (c->vals + 1) * sizeof(*sp->vals.v) +
	       (c->labels + 1) * sizeof(*sp->labels) + (c->samples + 2) * sizeof(*sp->spans);
	if (need > left)
		return;
	POOL_RESERVE_EXACT(b, sp->locs.v, sp->locs.alloc, c->locs + 1);
	POOL_RESERVE_EXACT(b, sp->vals.v, sp->vals.alloc, c->vals + 1);
	POOL_RESERVE_EXACT(b, sp->labels, sp->labels_alloc, c->labels + 1);
	POOL_RESERVE_EXACT(b, sp->spans, sp->spans_alloc, c->samples + 2);
}

int pw_split_profile(struct pw_budget *b, struct pw_pools *sp, const unsigned char *pb,
		     size_t len, unsigned char *rest, size_t *restlen, const char *name,
		     struct lg_err *err)
{
	struct sample_reader sr = { name, 0, b, sp, err };
	struct pw_counts c;

	pw_count_samples(pb, len, &c);
	pools_presize(b, sp, &c);
	return split_profile(&sr, pb, len, rest, restlen);
}
