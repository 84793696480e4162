/*
 * pprof.h — pprof profiles (profile.proto, gzipped or raw): decoded,
 * compared and written back.
 *
 * Three modules share this header: decode (pprof_decode.c with its wire
 * layer pprof_wire.c) and encode (pprof_encode.c) are the only users of
 * protobuf-c and zlib; profile diff (pprof_diff.c) works on decoded
 * profiles only.  The wire format is the project's own
 * schema/profile.proto.  Input is untrusted: decompression is capped in
 * output size and ratio (a gzip bomb is an error, not an OOM), string-table
 * and id references are checked, and a corrupt or truncated profile is an
 * error naming the file, never a crash.
 *
 * A decoded profile keeps its locations once: each location is a run of
 * resolved frames (function/file/line, inlined frames expanded, callee
 * first; frame.h's type, the one dumps have too) in one table, and each
 * sample names its stack as location indexes into it, leaf first, with the
 * dense id of its distinct location list.  Consumers that want a sample's
 * frames as one array get them from lg_pprof_parse, or from
 * lg_pprof_expand after lg_pprof_decode, which only makes location ids.
 */
#ifndef LG_PPROF_H
#define LG_PPROF_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "util.h"

#define LG_PPROF_MAX_COMPRESSED ((size_t)256 << 20) /* input bytes */
#define LG_PPROF_MAX_DECODED ((size_t)1 << 30)      /* bytes after gunzip */
#define LG_PPROF_MAX_RATIO 200                       /* decoded / compressed, past 1 MiB */
/* protobuf-c allocations while unpacking (empty sub-messages inflate ~40x) */
#define LG_PPROF_MAX_UNPACKED ((size_t)2 << 30)
/* resolved frames over all samples (inlined lines multiply with samples) */
#define LG_PPROF_MAX_FRAMES ((size_t)1 << 24)


struct lg_pprof_label {
	const char *key;
	const char *str; /* NULL for numeric labels */
	int64_t num;
	const char *unit;
};

struct lg_pprof_sample {
	int64_t *values; /* nsample_types values */
	struct lg_frame *frames; /* leaf first; NULL until expanded (see above) */
	size_t nframes;
	struct lg_pprof_label *labels;
	size_t nlabels;
	const uint32_t *locs; /* location indexes (lg_pprof.locations), leaf first */
	size_t nlocs;
	uint32_t stack; /* dense id of the location list: equal lists, equal ids */
};

struct lg_pprof_value_type {
	const char *type; /* "inuse_space", "goroutine", "contentions", ... */
	const char *unit;
};

/* A location: its frames are lg_pprof.loc_frames[first .. first + n). */
struct lg_pprof_location {
	uint32_t first, n;
};

struct lg_pprof {
	struct lg_pprof_value_type *sample_types;
	size_t nsample_types;
	struct lg_pprof_value_type period_type;
	int64_t period;
	int64_t time_nanos, duration_nanos;
	struct lg_pprof_sample *samples;
	size_t nsamples;
	const char *default_sample_type;
	void *priv; /* private: storage for strings and frames */
	/* Locations and stacks: NULL and 0 in a built profile (a diff). */
	const struct lg_pprof_location *locations;
	size_t nlocations;
	const struct lg_frame *loc_frames;
	size_t nstacks; /* distinct location lists: sample.stack < nstacks */
};

/*
 * Private: lg_pprof.priv points to storage that starts with this, so that
 * each module that makes a profile (decode, diff) frees its own kind.
 */
struct lg_pprof_owner {
	void (*release)(struct lg_pprof_owner *self);
};

/* An empty profile (cannot fail). */
void lg_pprof_init(struct lg_pprof *p);
/* Frees what `p` owns, decoded or built; `p` is empty again (cannot fail). */
void lg_pprof_release(struct lg_pprof *p);

/*
 * Decodes `len` bytes (gzip detected by magic) into locations and samples
 * with location ids; samples' frames stay NULL.  `name` names the input in
 * errors.  On success any previous contents of `p` are released; on error
 * (-1, err set) `p` is left as it was.  Strings in the result are never
 * NULL except label.str.
 */
int lg_pprof_decode(struct lg_pprof *p, const unsigned char *data, size_t len,
		    const char *name, struct lg_err *err);
/*
 * Gives every sample of a decoded profile its frames as one array, shared
 * by the samples of one stack (equal `stack`).  Idempotent; a no-op on a
 * built profile; cannot fail (allocation failure exits).
 */
void lg_pprof_expand(struct lg_pprof *p);
/* lg_pprof_decode then lg_pprof_expand; fails as lg_pprof_decode does. */
int lg_pprof_parse(struct lg_pprof *p, const unsigned char *data, size_t len,
		   const char *name, struct lg_err *err);
/* lg_pprof_parse of a file's bytes; also fails when the file cannot be read. */
int lg_pprof_parse_file(struct lg_pprof *p, const char *path, struct lg_err *err);

/* Index of the sample type named `type`, or -1. */
int lg_pprof_sample_index(const struct lg_pprof *p, const char *type);

/*
 * True for frames of the Go runtime itself ("runtime.", "runtime/internal/",
 * "internal/runtime/"), which are never an allocation's "site".
 */
int lg_pprof_is_runtime(const char *func);

/*
 * Growth per allocation site between two heap profiles: sums the values of
 * sample type `type` (e.g. "inuse_space") per leaf-most frame whose function
 * is not in runtime/ (the allocation site), subtracts `before` from
 * `after`, and returns up to `max` sites with positive growth, biggest first.
 * `before` may be NULL (all of `after` counts as growth).  A stack made only
 * of runtime frames is charged to its leaf.  No sites: *out NULL, *nout 0.
 * Both profiles need their frames (lg_pprof_parse or lg_pprof_expand).
 * Fails (-1, err set) when a profile has no sample type `type`.
 */
struct lg_pprof_site {
	char *func; /* owned by the array */
	char *file;
	int64_t line;
	int64_t delta;
};
int lg_pprof_site_growth(const struct lg_pprof *before, const struct lg_pprof *after,
			 const char *type, size_t max, struct lg_pprof_site **out,
			 size_t *nout, struct lg_err *err);
void lg_pprof_sites_free(struct lg_pprof_site *s, size_t n);

/*
 * The difference of two profiles of the same kind: one sample per distinct
 * stack (and label set) with value after - before for every sample type;
 * stacks whose values are all zero are dropped.  Both profiles need their
 * frames (lg_pprof_parse or lg_pprof_expand).  `out` must be initialised;
 * it owns its strings, has frames and no locations.  Fails (-1, err set,
 * `out` untouched) when the sample types differ.
 */
int lg_pprof_diff(const struct lg_pprof *before, const struct lg_pprof *after,
		  struct lg_pprof *out, struct lg_err *err);

/*
 * Writes `p` as a gzipped profile.proto that `go tool pprof` opens
 * (functions and locations rebuilt from the samples' frames, which `p`
 * must have).  Atomic; fails (-1, err set) when the file cannot be
 * written, leaving any old file in place.
 */
int lg_pprof_write_file(const struct lg_pprof *p, const char *path, struct lg_err *err);

#endif
