/*
 * input.h — what `leakgate stacks` and `leakgate diff` read: a goroutine
 * dump in any text form Go prints, or a pprof profile, from a file, from
 * stdin ("-") or from a URL, told apart by content, and grouped.
 *
 * Dumps are parsed while they are read, in chunks, and grouped on the fly
 * (group.h): memory grows with the distinct stacks, not with the size of
 * the dump.  Profiles are read whole (they are capped by pprof.h).
 */
#ifndef LG_INPUT_H
#define LG_INPUT_H

#include <stddef.h>

#include "group.h"
#include "http.h"
#include "pprof.h"
#include "dump.h"
#include "util.h"

enum lg_input_kind { LG_INPUT_DUMP, LG_INPUT_PROFILE };

struct lg_input {
	enum lg_input_kind kind;
	char *name;          /* for messages: the path, "<stdin>", or the redacted URL */
	struct lg_dump dump; /* dumps: preamble, bad lines, pool; goroutines went to groups */
	struct lg_pprof prof; /* profiles */
	int sample_index;    /* profiles: the sample type grouped */
	struct lg_group_set groups; /* finished */
};

struct lg_input_opts {
	const struct lg_group_opts *group;
	const struct lg_http_opts *http; /* for URLs; NULL = defaults */
	const char *sample_type;         /* profiles: NULL = the profile's default */
	int64_t min_count;               /* passed to lg_group_finish */
};

void lg_input_init(struct lg_input *in);
void lg_input_release(struct lg_input *in);

/*
 * Reads `src` (a path, "-" for stdin, or a URL lg_http_is_url accepts),
 * detects its kind and groups it.  Returns 0, or -1 with `err` naming the
 * input: cannot open or read it, the fetch failed, a corrupt profile, an
 * unknown sample type, or no goroutine in it at all ("not a goroutine dump
 * or pprof profile").  Malformed lines inside a dump are not an error here:
 * they are in in->dump.bad_lines for the caller to report.
 */
int lg_input_load(struct lg_input *in, const char *src, const struct lg_input_opts *o,
		  struct lg_err *err);

/*
 * 1 when the first `n` bytes look like a pprof profile: gzip's magic, or a
 * raw profile.proto (field 1, length-delimited, then binary bytes no text
 * dump holds).
 */
int lg_input_is_profile(const unsigned char *p, size_t n);

/*
 * Index of the sample type to use: `want` when given (-1 when the profile
 * has no such type), else the profile's default_sample_type, else the last
 * type (pprof's rule).
 */
int lg_input_sample_index(const struct lg_pprof *p, const char *want);

#endif
