/*
 * escape.h — making untrusted text (test names, test output, stacks,
 * messages) safe for each output format leakgate writes: HTML, Markdown,
 * GitHub workflow commands, and JSON (which needs valid UTF-8).
 *
 * Every function appends to `out` and treats `s == NULL` as the empty
 * string.  Malformed UTF-8 always becomes U+FFFD, so the output of each is
 * valid UTF-8 whatever the input held.  None of them fails.
 */
#ifndef LG_ESCAPE_H
#define LG_ESCAPE_H

#include <stddef.h>

#include "util.h"

/* Length of the well-formed UTF-8 sequence at s (n bytes left), or 0. */
size_t lg_utf8_seq_len(const unsigned char *s, size_t n);

/* `n` bytes of `s` with malformed sequences replaced by U+FFFD. */
void lg_escape_utf8(struct lg_buf *out, const char *s, size_t n);

/*
 * HTML text and attribute values (quoted with " or '): & < > " ' become
 * entities; control characters other than tab, LF and CR become U+FFFD.
 */
void lg_escape_html(struct lg_buf *out, const char *s);

/*
 * Inline Markdown (GitHub flavour) such as a table cell: HTML-escaped as
 * above, ASCII punctuation that Markdown interprets backslash-escaped, and
 * line breaks turned into spaces so the text stays on one line.
 */
void lg_escape_markdown(struct lg_buf *out, const char *s);

/* The message part of a workflow command: % CR LF as %25 %0D %0A. */
void lg_escape_workflow_data(struct lg_buf *out, const char *s);

/* A property value of a workflow command: the above plus : and , (%3A %2C). */
void lg_escape_workflow_prop(struct lg_buf *out, const char *s);

/*
 * The contents of a JSON string (without the quotes): " \ and control
 * characters escaped, malformed UTF-8 as U+FFFD.  Runs of plain ASCII are
 * copied at once: function names and paths are mostly that.
 */
void lg_escape_json(struct lg_buf *out, const char *s);

/*
 * The longest run of consecutive backticks in `s`: a Markdown code fence
 * must be longer than that to hold `s` verbatim.
 */
size_t lg_longest_backtick_run(const char *s);

#endif
