/*
 * group.h — goroutines and profile samples grouped by stack: what
 * `leakgate stacks` shows and `leakgate diff` compares.
 *
 * A group set is filled from one input: either goroutines of one dump, one
 * at a time (lg_group_visit is an lg_dump_visit_fn, so a streaming parse
 * groups on the fly and memory grows with distinct stacks, not goroutines),
 * or the samples of one pprof profile weighted by one sample type.
 *
 * Three levels of sameness:
 *   exact  same wait reason as printed, flags (locked, leaked), every frame
 *          (function, file, line, runtime frames included) and creator
 *          (function, file, line): goroutines that differ only in id, age
 *          and labels;
 *   lines  same wait class and the same non-runtime frames and creator by
 *          function, file and line: what differs is only the runtime's
 *          detail (GOTRACEBACK level, exact reason text);
 *   funcs  the stable signature of lg_goroutine_signature: wait class and
 *          non-runtime functions, no lines, so it survives code edits.
 * Arguments are never part of a group (the parser drops them).
 *
 * Strings in groups (function and file names, status, raw labels) point
 * into the dump's pool or the profile and are only valid while that input
 * is; the frame table, frame ids, label values and ids are owned by the set.
 */
#ifndef LG_GROUP_H
#define LG_GROUP_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "pprof.h"
#include "dump.h"
#include "pattern.h"
#include "util.h"

#define LG_GROUP_MAX_IDS 8          /* smallest goroutine ids kept per group */
#define LG_GROUP_MAX_GROUPS 1000000 /* distinct groups kept from one input */
#define LG_GROUP_MAX_LABEL 1024     /* label values longer are cut */

enum lg_group_by { LG_GROUP_EXACT, LG_GROUP_LINES, LG_GROUP_FUNCS };

/* Which goroutines or samples take part; every field set must match. */
struct lg_group_filter {
	const char *state;       /* wait reason as printed, or a wait class name */
	const regex_t *func;     /* some frame's function matches */
	const char *label_key;   /* has this label ... */
	const char *label_value; /* ... with this value (NULL: any value) */
};

struct lg_group_opts {
	enum lg_group_by by;
	const char *by_label;    /* also group by this label's value, or NULL */
	struct lg_group_filter filter;
	const char *module_root; /* for the leak pattern's blocked frame, or NULL */
	int read_sources;        /* let the pattern classifier read source lines */
	unsigned skip;           /* LG_GROUP_SKIP_*: what lg_group_finish may leave out */
};

/*
 * What a caller that will not read it lets lg_group_finish leave out (the
 * fields stay empty strings): SIGNATURE, the signatures, unless the funcs
 * level makes ids of them (the text view shows none); ORDER, ids,
 * signatures, patterns and the sort too (`stacks --folded`, which orders
 * by folded text and sums by it).  Groups under min_count are dropped
 * either way.
 */
#define LG_GROUP_SKIP_SIGNATURE 1u
#define LG_GROUP_SKIP_ORDER 2u

/*
 * What only groups of goroutines from a dump have.  A profile's groups have
 * none (lg_group_dump_of gives them lg_group_no_dump), which keeps struct
 * lg_group small: a profile has up to LG_GROUP_MAX_GROUPS groups, and
 * each byte of a group is a byte made, sorted and read per group.
 */
struct lg_group_dump {
	const char *status; /* of the first goroutine */
	struct lg_creator creator;
	int min_minutes, max_minutes;
	unsigned locked : 1, leaked : 1, durable : 1;
	size_t first_line;  /* dump line of the first member's header */
	size_t nids;
	int64_t ids[LG_GROUP_MAX_IDS]; /* the nids smallest (oldest) ids, ascending */
};

/*
 * A profile group's dump fields: status "", no creator (parent_id -1), no
 * ids, no flags, 0 minutes and lines.
 */
extern const struct lg_group_dump lg_group_no_dump;

struct lg_group {
	char id[17];        /* the group's key at its level, hashed from its strings:
	                       equal across inputs for equal stacks */
	char signature[17]; /* lg_goroutine_signature (the funcs level) */
	unsigned frames_elided : 1; /* these three fill the 6 bytes up to count */
	enum lg_wait_class wait : 8;
	uint32_t nframes;   /* <= LG_TB_MAX_FRAMES or LG_PPROF_MAX_FRAMES */
	int64_t count;      /* goroutines; for profiles the sum of the sample value */
	int64_t entries;    /* goroutine entries or samples merged */
	const char *label;  /* value of opts.by_label (owned by the set), or NULL */
	const char *labels; /* labels of the first member as text, or NULL */
	const uint32_t *frames; /* of the first member, innermost first: indexes
	                           into the set's frame table (lg_group_frame) */
	const struct lg_pattern *pattern; /* static; NULL for a profile that does
	                                     not count goroutines, or when skipped */
	struct lg_group_dump *dump; /* owned by the set; NULL for profile groups:
	                               read it with lg_group_dump_of */
};

/* The dump fields of group `g`: lg_group_no_dump for a profile's group.  Never NULL. */
static inline const struct lg_group_dump *lg_group_dump_of(const struct lg_group *g)
{
	return g->dump ? g->dump : &lg_group_no_dump;
}

struct lg_group_set {
	struct lg_group *g; /* after lg_group_finish: biggest count first */
	size_t n;
	struct lg_group_opts opts;
	int64_t seen;       /* entries offered (goroutine entries or samples) */
	int64_t filtered;   /* of those, left out by the filter */
	int64_t overflow;   /* entries past LG_GROUP_MAX_GROUPS distinct groups */
	int64_t total;      /* sum of count over the groups */
	size_t hidden;      /* groups lg_group_finish dropped under min_count */
	int64_t hidden_count;
	/*
	 * The frame table: every distinct frame of the groups (function, file,
	 * line and inlined mark, by content) once, in the order first seen;
	 * groups' frames index it.  Adding entries may move it.
	 */
	const struct lg_frame *frames;
	size_t nframes;
	void *priv;
};

/* Frame `i` (innermost first) of group `g` of set `s`. */
static inline const struct lg_frame *lg_group_frame(const struct lg_group_set *s,
						    const struct lg_group *g, size_t i)
{
	return &s->frames[g->frames[i]];
}

/* `o` is copied; what it points to must outlive the set. */
void lg_group_set_init(struct lg_group_set *s, const struct lg_group_opts *o);
void lg_group_set_release(struct lg_group_set *s);

/*
 * Adds one goroutine with weight g->count (1, or N for a debug=1 group).
 * `set` is a struct lg_group_set; the signature is lg_dump_visit_fn's so
 * that this can be the visitor of a streaming parse.  A set takes
 * goroutines from one dump only (their strings are compared by pointer).
 */
void lg_group_visit(void *set, const struct lg_dump *d, const struct lg_goroutine *g);

/* Adds every goroutine a (non-streamed) dump holds. */
void lg_group_add_dump(struct lg_group_set *s, const struct lg_dump *d);

/*
 * Adds the samples of `p` weighted by sample type `index` (checked by the
 * caller with lg_pprof_sample_index).  A set takes one profile only.
 */
void lg_group_add_profile(struct lg_group_set *s, const struct lg_pprof *p, int index);

/*
 * Completes the groups: ids, signatures and leak patterns, sorted biggest
 * count first (ties: first seen first), then groups whose count is below
 * `min_count` dropped (counted in hidden, hidden_count); less as
 * opts.skip allows (with LG_GROUP_SKIP_ORDER the groups stay in the order
 * first seen).  Call once; cannot fail.
 */
void lg_group_finish(struct lg_group_set *s, int64_t min_count);

/* Index of the group with this id, or -1. */
long lg_group_find(const struct lg_group_set *s, const char *id);

/*
 * Appends the folded form of a group's stack: functions root first joined
 * by ';' (a "KEY=value" root when grouped by label), without the count.
 * After lg_group_finish each frame is a copy of text made once per set.
 */
void lg_group_folded(const struct lg_group_set *s, const struct lg_group *g, struct lg_buf *out);

/*
 * The groups of a finished set in the strcmp order of their folded stacks
 * (lg_group_folded), worked out without making the text: order[0..s->n)
 * gets group indexes, and same[i] is 1 when group order[i]'s folded stack
 * equals group order[i - 1]'s (equal stacks are adjacent; same[0] is 0).
 * The caller gives both arrays, s->n long.  Cannot fail (allocation
 * failure exits).
 */
void lg_group_folded_order(const struct lg_group_set *s, uint32_t *order, unsigned char *same);

/*
 * Looks up `key` in a goroutine's raw label text in any form Go prints:
 * `{"k": "v", ...}` (1.26 tracebacks), `{k: "v w", k2: v2}` (1.27) or
 * `{"k":"v", ...}` (debug=1 profiles).  Puts the unquoted value in `out`
 * (reset first).  Returns 0, or -1 when the key is absent or the text is
 * not a label set.
 */
int lg_labels_get(const char *labels, const char *key, struct lg_buf *out);

/*
 * What changed between two sets grouped alike (same level and label): groups
 * are matched by id.  A group in both is long-lived when one of its oldest
 * goroutines is still there (same id) or its wait grew in minutes: the
 * seed's "unchanged goroutine that outlives snapshots".
 */
enum lg_change_kind { LG_CHANGE_NEW, LG_CHANGE_GONE, LG_CHANGE_GROWN, LG_CHANGE_SHRUNK,
		      LG_CHANGE_SAME };

struct lg_group_change {
	enum lg_change_kind kind;
	const struct lg_group *before, *after; /* NULL when absent; point into the sets */
	int64_t delta;                         /* after - before count */
	int long_lived;
};

/*
 * Fills *out (caller frees) with one change per group of either set, sorted
 * by the size of the change, biggest first (ties: bigger after count, then
 * id).  Returns the number of changes.
 */
size_t lg_group_diff(const struct lg_group_set *before, const struct lg_group_set *after,
		     struct lg_group_change **out);
const char *lg_change_kind_name(enum lg_change_kind k);

/* "exact", "lines", "funcs"; lg_group_by_parse returns 0 or -1. */
const char *lg_group_by_name(enum lg_group_by by);
int lg_group_by_parse(const char *s, enum lg_group_by *out);

#endif
