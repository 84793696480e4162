/*
 * group_int.h — what the grouping modules share inside (not a public
 * header): the private part of a group set and the entry points of the
 * core (group.c) that the profile front end (group_profile.c) feeds.
 *
 * Strings and frames are interned per set: a string by its content (so a
 * profile whose string table repeats a string still groups by content),
 * a frame by its (func, file, line) pointers.  Each interned string and
 * frame carries a hash of its content, computed once, so that a group's
 * key and stable id are a few multiplications per frame.  Every table is
 * an lg_hmap index map (hashmap.h) over an array kept here.
 */
#ifndef LG_GROUP_INT_H
#define LG_GROUP_INT_H

#include "arena.h"
#include "group.h"
#include "hashmap.h"

struct str_ent {
	const char *ptr;   /* as offered */
	const char *canon; /* the first pointer seen with this content */
	uint64_t hash;     /* of the content */
};

struct frame_ent {
	const char *func, *file; /* as offered (the lookup key) */
	int line;
	const char *cfunc, *cfile; /* canonical */
	uint64_t hfull, hfunc;     /* content: func+file+line, func alone */
	uint32_t id[2];            /* in the set's frame table, not inlined / inlined;
	                              LG_HMAP_NONE until first needed */
	unsigned runtime : 1;
};

/* A direct-mapped memo of lg_wait_class_of_func by function pointer. */
#define LG_GROUP_WAIT_MEMO 256
struct wait_memo {
	const char *func;
	enum lg_wait_class wait;
};

/*
 * A direct-mapped memo of profile label text by the labels' content as
 * decoded (key, value and unit pointers, numbers): a heap profile labels
 * every sample "{bytes: N}" with a handful of sizes, so groups share the
 * text instead of each formatting and storing its own.
 */
#define LG_GROUP_LABELS_MEMO 64
struct labels_memo {
	const struct lg_pprof_label *labels; /* a sample's labels with this text */
	size_t n;
	const char *text;
};

struct priv {
	uint64_t *hash; /* per group: its content key (level, wait, frames, ...) */
	size_t galloc;
	struct lg_hmap groups;
	struct str_ent *strs;
	size_t nstrs, strs_alloc;
	struct lg_hmap by_ptr, by_content;
	struct frame_ent *frames;
	size_t nframes, frames_alloc;
	struct lg_hmap frame_tab;
	struct lg_frame *tab;  /* the set's frame table: distinct by content (s->frames) */
	unsigned char *tab_rt; /* per table frame: a runtime frame */
	uint32_t *tab_flen;    /* per table frame: strlen of its function (NULL: 0) */
	size_t ntab, tab_alloc, tab_rt_alloc, tab_flen_alloc;
	struct lg_hmap tab_slots; /* by canonical pointers, line and inlined */
	uint32_t *ids;            /* scratch: one entry's frame ids */
	size_t ids_alloc;
	/* the key being looked up, for the maps' equality callbacks */
	const void *key_ptr;
	const struct lg_frame *key_frame;
	uint64_t key_hash;
	const struct lg_goroutine *key_g;
	const char *key_label;
	/* profiles: per frame of the location table, its frame_ent (or NONE) */
	uint32_t *loc_fe;
	struct wait_memo wait_memo[LG_GROUP_WAIT_MEMO];
	struct labels_memo labels_memo[LG_GROUP_LABELS_MEMO];
	/*
	 * After lg_group_finish: table frame k's function as folded text,
	 * ";func" with any ';' in it made ':', is fold.buf[fold_at[k] ..
	 * fold_at[k + 1]), so that a folded stack is a copy per frame.
	 */
	struct lg_buf fold;
	size_t *fold_at;
	struct lg_frame *fr; /* scratch: a group's frames as structs (finish) */
	size_t fr_alloc;
	const void *input; /* the one dump or profile the set reads */
	int finished;
	int profile;     /* the input is a profile: groups get no dump fields */
	int no_patterns; /* a profile that does not count goroutines */
	struct lg_buf scratch;
	struct lg_arena arena; /* groups' frames, label values, profile label text */
};

/* Claims the set for one input: 0 when `input` is (now) the set's, -1 when taken or finished. */
int lg_group_claim_(struct lg_group_set *s, const void *input);
/* Room for `n` groups (capped at LG_GROUP_MAX_GROUPS); allocation failure exits. */
void lg_group_reserve_(struct lg_group_set *s, size_t n);
/* Does g pass the state filter `want` (NULL: all do)? */
int lg_group_state_matches_(const char *want, const struct lg_goroutine *g);
/* Does a frame of f[0..n) have a function `re` matches (NULL: all do)? */
int lg_group_func_matches_(const regex_t *re, const struct lg_frame *f, size_t n);

/*
 * Adds one entry with `weight` and `entries` members to its group, made
 * when new (past LG_GROUP_MAX_GROUPS counted in overflow instead).  Its
 * frames are g->frames, or, when `p` is non-NULL, the frames of locations
 * locs[0..nlocs) of decoded profile `p` (g->nframes frames in all).
 * Cannot fail.
 */
void lg_group_add_entry_(struct lg_group_set *s, const struct lg_goroutine *g, int64_t weight,
			 int64_t entries, const char *label, const struct lg_pprof *p,
			 const uint32_t *locs, size_t nlocs);

#endif
