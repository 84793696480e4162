/*
 * jsonw.h — a streaming JSON writer for documents too big to hold as a
 * jansson tree (the groups of a profile with 100,000+ stacks).
 *
 * The writer appends to a buffer and hands it to a FILE in 64 KiB pieces;
 * it does no structure tracking: the caller writes keys, commas and
 * brackets itself (lg_jw_raw), the writer makes values safe.  Strings are
 * untrusted: malformed UTF-8 becomes U+FFFD, quotes, backslashes and
 * control characters are escaped, so the output is always valid JSON text.
 * A failed write is remembered and lg_jw_finish reports it; writing after a
 * failure is a no-op.
 */
#ifndef LG_JSONW_H
#define LG_JSONW_H

#include <stdint.h>
#include <stdio.h>

#include "util.h"

struct lg_jw {
	struct lg_buf b;
	FILE *f;
	int failed;
};

void lg_jw_init(struct lg_jw *w, FILE *f);
/* Flushes what is buffered; 0, or -1 when any write failed.  Releases `w`. */
int lg_jw_finish(struct lg_jw *w);

/* Text written as is (the caller's own JSON punctuation and keys). */
void lg_jw_raw(struct lg_jw *w, const char *s);
void lg_jw_rawn(struct lg_jw *w, const char *s, size_t n);
/* The same for a string literal, its length known at compile time. */
#define lg_jw_lit(w, lit) lg_jw_rawn((w), "" lit, sizeof(lit) - 1)
/* A JSON string for `s`, or null when `s` is NULL. */
void lg_jw_str(struct lg_jw *w, const char *s);
void lg_jw_int(struct lg_jw *w, int64_t v);
void lg_jw_bool(struct lg_jw *w, int v);

#endif
