/*
 * pprof_wire.h — the decode module's inner layer (not a public header):
 * the byte budget a decode draws on, gunzip under caps, and the Sample
 * messages read straight off the wire into flat pools.
 *
 * Only pprof_decode.c includes it; with pprof_wire.c it is the decode
 * module, one of the two places (with pprof_encode.c) that use zlib and
 * protobuf-c.  Everything here reports failure through struct lg_err or a
 * -1 return and never exits on untrusted input.
 */
#ifndef LG_PPROF_WIRE_H
#define LG_PPROF_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "pprof.h"

/*
 * The allocator protobuf-c unpacks with: counts what it hands out and
 * refuses past the cap, and carves it from an arena, because a profile is
 * hundreds of thousands of tiny messages that all die together — one
 * malloc and one free each cost more than the decoding itself.  The sample
 * pools, and what flatten will make of them, are charged to it too.
 */
struct pw_budget {
	size_t used;
	size_t cap;
	int refused;
	struct lg_arena arena;
};

/* A label as the wire has it: string indexes and a number. */
struct pw_label {
	int64_t key, str, num, num_unit;
};

/*
 * Where a sample's part of each pool starts; the next sample's start ends
 * it.  Every pool entry took a byte of the inflated profile at least, so
 * 32 bits hold any offset.
 */
struct pw_span {
	uint32_t loc, val, label;
};
_Static_assert(LG_PPROF_MAX_DECODED < UINT32_MAX, "pool offsets fit a pw_span");

/* A growable array of varints. */
struct pw_u64_pool {
	uint64_t *v;
	size_t n, alloc;
};

/*
 * The samples, decoded by hand into flat pools, one allocation each
 * instead of protobuf-c's few per sample: sample i owns
 * locs.v[spans[i].loc .. spans[i + 1].loc), and likewise its values and
 * labels.  Values are stored as the wire's uint64 and read as int64.
 * Every pool is charged to the budget as it grows.
 */
struct pw_pools {
	struct pw_u64_pool locs, vals;
	struct pw_label *labels;
	struct pw_span *spans; /* nsamples + 1 entries */
	size_t nsamples, nlabels;
	size_t labels_alloc, spans_alloc;
};

/* Counts `size` bytes against the cap; -1 (and remembered) past it. */
int pw_budget_charge(struct pw_budget *b, size_t size);
/* protobuf-c's alloc: NULL past the cap (protobuf-c then fails the unpack). */
void *pw_budget_alloc(void *budget, size_t size);
/* protobuf-c's free: a no-op, the arena is freed whole (cannot fail). */
void pw_budget_free(void *budget, void *ptr);

/* Gives the pools their first room (so none is NULL) and sample 0's start; cannot fail. */
void pw_pools_init(struct pw_pools *sp, struct pw_budget *b);
/* Frees the pools only decoding needs (locations, labels, spans); the values stay. */
void pw_pools_drop_scratch(struct pw_pools *sp);

/*
 * Inflates the gzip stream `in` (one or more members) into a new buffer
 * returned in *out / *outlen.  Fails (-1, err naming `name`) past the size
 * and ratio caps, on a stream that ends early ("truncated"), on trailing
 * garbage, and on anything else zlib rejects ("corrupt").
 */
int pw_gunzip(const unsigned char *in, size_t len, const char *name, unsigned char **out,
	      size_t *outlen, struct lg_err *err);

/* What the samples of a profile put in the pools. */
struct pw_counts {
	size_t samples, locs, vals, labels;
};

/*
 * Counts the samples of the Profile message [pb, pb + len) and the location
 * ids, values and labels in them (a packed run counts its bytes without the
 * continuation bit), as pw_split_profile will decode them from a
 * well-formed message; reading stops quietly at anything malformed (the
 * decode reports it), so the counts are then a part.  No failure.
 */
void pw_count_samples(const unsigned char *pb, size_t len, struct pw_counts *c);

/*
 * Splits the top-level Profile message [pb, pb + len): each Sample is
 * decoded into `sp`, and every other field is copied byte for byte, in
 * order, to `rest` (room for len bytes; may be pb itself), for protobuf-c
 * to unpack the tables from; *restlen gets what it holds.  Fails (-1, err
 * naming `name` and the sample) on a malformed field, a wire type a field
 * cannot have, or past the budget.
 */
int pw_split_profile(struct pw_budget *b, struct pw_pools *sp, const unsigned char *pb,
		     size_t len, unsigned char *rest, size_t *restlen, const char *name,
		     struct lg_err *err);

#endif
