/*
 * stackjson.h — the JSON documents of `leakgate stacks --json` and
 * `leakgate diff --json` (schema/stacks.schema.json, schema_version 2).
 *
 * Both are written as streams, compact, one group (or change) per line, so
 * a profile with 100,000+ distinct stacks costs neither a tree of millions
 * of values nor hundreds of megabytes of text: every distinct frame is
 * written once, in the document's "frames" table (after the groups), and
 * a group's "frames" lists indexes into it, innermost first.  Fields that
 * only goroutine dumps have (state, minutes, ids, locked, leaked,
 * created_by, first_line) are left out of profile groups.
 */
#ifndef LG_STACKJSON_H
#define LG_STACKJSON_H

#include <stdint.h>
#include <stdio.h>

#include "group.h"
#include "input.h"

#define LG_STACKJSON_VERSION 2

/* The stacks document of one input.  Returns 0, or -1 when a write failed. */
int lg_stackjson_stacks(const struct lg_input *in, FILE *f);

/*
 * The diff document: the changes shown (as the text view: big enough, or
 * long-lived) with their group from `after`, or `before` when gone.
 */
int lg_stackjson_diff(const struct lg_input *before, const struct lg_input *after,
		      const struct lg_group_change *c, size_t n, int64_t min_delta, FILE *f);

#endif
