/*
 * flame.h — flame graphs (drawn as icicles: callers on top, callees below)
 * of goroutine dumps and pprof profiles, rendered as SVG.
 *
 * A flame is a tree of frames weighted by goroutines (or by a profile's
 * sample values).  Each stack is added root first; a goroutine's stack is
 * its ancestry (GODEBUG=tracebackancestors blocks, oldest first), then its
 * own frames, then its status as a leaf ("[chan receive]"), so the graph
 * shows which test started what and where it waits.  Weight flagged "hot"
 * (leaked goroutines) is tracked separately and drawn in red.
 *
 * Input is untrusted: at most LG_FLAME_MAX_NODES nodes and
 * LG_FLAME_MAX_DEPTH levels; stacks past the caps are cut or dropped and
 * counted in `dropped`.  The SVG escapes every name and needs no script.
 */
#ifndef LG_FLAME_H
#define LG_FLAME_H

#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"
#include "pprof.h"
#include "dump.h"
#include "util.h"

#define LG_FLAME_MAX_NODES 200000
#define LG_FLAME_MAX_DEPTH 256

struct lg_flame_node {
	char *name;
	int64_t total; /* weight of every stack through this node */
	int64_t hot;   /* the part of total that is hot */
	size_t parent, child, next; /* indices; 0 = none (node 0 is the root) */
	int depth;
};

struct lg_flame {
	struct lg_flame_node *nodes; /* nodes[0] is the root */
	size_t n, alloc;
	struct lg_hmap index; /* private: (parent, name) -> node */
	int max_depth;  /* deepest level used */
	size_t stacks;  /* stacks added */
	size_t dropped; /* stacks dropped or cut at a cap */
};

void lg_flame_init(struct lg_flame *f);
void lg_flame_release(struct lg_flame *f);

/*
 * Adds one stack of `n` names, root first, with `weight` (> 0; others are
 * ignored).  Names are copied.  Stacks deeper than the cap are cut.
 */
void lg_flame_add(struct lg_flame *f, const char *const *names, size_t n, int64_t weight, int hot);

/* Adds a goroutine (ancestry, frames, status leaf) with weight g->count. */
void lg_flame_add_goroutine(struct lg_flame *f, const struct lg_goroutine *g, int hot);

/*
 * Adds every goroutine of `d`, parsed from `text` (`len` bytes).  A header
 * line preceded by "N goroutines like this one:" (leakgate's grouped
 * bodies) weighs N.  Goroutines marked "(leaked)" are hot; with
 * `hot_blocked`, so is every goroutine blocked on a channel, select, lock,
 * WaitGroup or Cond in code outside the runtime (a deadlock or hang dump).
 */
void lg_flame_add_dump(struct lg_flame *f, const struct lg_dump *d, const char *text, size_t len,
		       int hot_blocked);

/*
 * Adds every sample of `p` weighted by its value at `sample_index`
 * (negative values, as in a diff, are left out).  Returns -1 with `err`
 * when the index is out of range.
 */
int lg_flame_add_pprof(struct lg_flame *f, const struct lg_pprof *p, int sample_index,
		       struct lg_err *err);

struct lg_flame_svg_opts {
	int width;          /* pixels; 0: 1200 */
	const char *title;  /* shown on top; NULL: none */
	const char *unit;   /* "goroutines", "bytes", ...; NULL: "goroutines" */
	int standalone;     /* write an XML declaration and the xmlns */
	const char *css_class; /* class of the <svg> element, or NULL */
};

/* Appends the flame graph as an SVG document or element. */
void lg_flame_svg(const struct lg_flame *f, const struct lg_flame_svg_opts *o, struct lg_buf *out);

#endif
