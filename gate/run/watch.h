/*
 * watch.h — goroutines of a running service over time: what `leakgate
 * watch` and `leakgate soak` share.
 *
 * A watch is a list of samples of one goroutine URL (a pprof profile or a
 * debug=2 dump, fetched and grouped by input.h at the funcs level unless
 * told otherwise) and one count series per group.  A sample that could not
 * be fetched or read is kept as a gap with its reason; it never ends the
 * watch by itself.  Only the first and the latest good samples are kept
 * whole (their groups give the stacks, patterns and the growth flame
 * graph); of the others only counts remain, so memory grows with samples x
 * distinct groups, capped by LG_WATCH_MAX_SAMPLES and LG_WATCH_MAX_SERIES.
 *
 * Suspects are groups judged from the series, with the seed's leak pattern
 * and hint from the group machinery (lg_leak_pattern through
 * lg_group_finish), never from a classifier of their own.
 *
 * Library code: nothing here prints; errors are returned in lg_err.
 */
#ifndef LG_WATCH_H
#define LG_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "group.h"
#include "http.h"
#include "input.h"
#include "util.h"

#define LG_WATCH_MAX_SAMPLES 100000
#define LG_WATCH_MAX_SERIES 10000 /* distinct groups followed; later ones are not */

struct lg_watch_sample {
	double t;           /* seconds since the watch began */
	int ok;             /* 0: a gap */
	char *error;        /* a gap's reason (URL redacted by input.h), else NULL */
	int64_t total;      /* goroutines; -1 in a gap */
	int64_t heap_live;  /* live heap bytes after GC when taken (soak), else -1 */
	const char *phase;  /* static: "before", "load", "after", or NULL */
};

struct lg_watch_series {
	char id[17];     /* the group's id at the watch's level */
	char *name;      /* innermost non-runtime function, and the label when grouped by one */
	int64_t *counts; /* one per sample: 0 when absent, -1 in a gap */
	int64_t max;     /* highest count seen */
};

struct lg_watch_opts {
	const char *url;          /* the goroutine profile or dump URL */
	const struct lg_http_opts *http;
	const struct lg_group_opts *group; /* copied; what it points to must outlive the watch */
};

struct lg_watch {
	struct lg_watch_opts opts;
	struct lg_group_opts group;
	struct lg_watch_sample *samples;
	size_t nsamples, samples_alloc;
	struct lg_watch_series *series;
	size_t nseries, series_alloc;
	size_t untracked;      /* groups past LG_WATCH_MAX_SERIES */
	struct lg_input *first; /* the first good sample, or NULL */
	struct lg_input *last;  /* the latest good sample when it is not the first, or NULL */
	size_t first_at, last_at; /* their sample indices */
	size_t nok;            /* good samples */
	int failures_in_row;   /* gaps since the last good sample */
	double started;        /* lg_now() at init */
	void *priv;            /* series index */
};

void lg_watch_init(struct lg_watch *w, const struct lg_watch_opts *o);
void lg_watch_release(struct lg_watch *w);

/*
 * Fetches and groups one sample and records it (phase: a static string or
 * NULL).  Returns 0, or -1 with `err` when it is a gap (fetch failed,
 * timed out, HTTP error, corrupt profile, not a goroutine profile) or when
 * LG_WATCH_MAX_SAMPLES are taken (then nothing is recorded).
 */
int lg_watch_take(struct lg_watch *w, const char *phase, struct lg_err *err);

/* The input of the latest good sample (first or last), or NULL. */
const struct lg_input *lg_watch_latest(const struct lg_watch *w);

/*
 * Records in the latest sample the live heap: HeapAlloc of the
 * runtime.MemStats block in the text heap profile at `heap_url` (ask for
 * ?gc=1&debug=1, so a GC runs first).  Exact, where the profile's sampled
 * inuse_space moves by 512 KiB per sample.  Returns 0, or -1 with `err`
 * (fetch failed, no MemStats block); the sample keeps -1 then.
 */
int lg_watch_take_heap(struct lg_watch *w, const char *heap_url, struct lg_err *err);

/* What the series say about one group (good samples only). */
struct lg_watch_trend {
	int64_t first, last; /* at the first and latest good samples */
	int64_t prev;        /* at the good sample before the latest, or first */
	int streak;          /* increases in a row ending at the latest good sample */
	int increases, decreases;
	int only_grows;      /* never decreased, and last > first */
};
void lg_watch_trend(const struct lg_watch *w, size_t series, struct lg_watch_trend *t);

/* A group judged a leak suspect, with what the report says about it. */
struct lg_watch_suspect {
	size_t series;
	const struct lg_group *g; /* in the latest good sample, or NULL when gone */
	int64_t first, last;      /* counts the verdict compares */
	char *why;                /* "grew in 4 of 4 samples, never fell" */
	char *go_stmt;            /* "file:line" of the `go` statement (relative), or NULL */
	char *created_by;         /* the function holding the `go` statement, or NULL */
	char *stack;              /* the group as `leakgate stacks` shows it */
};

struct lg_watch_suspects {
	struct lg_watch_suspect *v;
	size_t n, alloc;
};
void lg_watch_suspects_release(struct lg_watch_suspects *s);

/*
 * Groups that only grew across at least `min_increases` steps between good
 * samples (watch), biggest growth first.
 */
void lg_watch_find_growing(const struct lg_watch *w, int min_increases,
			   struct lg_watch_suspects *out);

/*
 * Groups whose latest count exceeds the first good sample's by more than
 * `tolerance` (soak: pre-load versus after the cool-down), biggest first;
 * none when the total did not grow (goroutines that only changed their
 * wait move between groups).  The sampler's own request (net/http's
 * conn.serve and connReader goroutines, one each) never counts.
 */
void lg_watch_find_not_returned(const struct lg_watch *w, int64_t tolerance,
				struct lg_watch_suspects *out);

/*
 * Names the `go` statement and its function for suspects whose group does
 * not know it (pprof profiles carry no creator): fetches the debug=2 dump
 * at `dump_url` and takes the creator of the group with the same
 * signature (and label).  Returns 0, or -1 with `err` when the dump could
 * not be read; suspects are left as they were then.
 */
int lg_watch_name_creators(const struct lg_watch *w, struct lg_watch_suspects *s,
			   const char *dump_url, struct lg_err *err);

/*
 * The growth between the first and the latest good samples as folded
 * stacks input for a flame graph: calls `fn` once per group that grew,
 * with its frames root first and the growth.  Returns the groups visited.
 */
typedef void (*lg_watch_growth_fn)(void *ctx, const char *const *names, size_t n, int64_t delta,
				   int suspect);
size_t lg_watch_growth(const struct lg_watch *w, const struct lg_watch_suspects *s,
		       lg_watch_growth_fn fn, void *ctx);

/* The URL of the goroutine profile for a service URL: a base
 * "http://host:port" gets "/debug/pprof/goroutine" (and "?debug=2" for
 * debug 2); a URL already naming a /debug/pprof/ path is kept.  Caller frees. */
char *lg_watch_profile_url(const char *url, int debug);

/* The same base URL's "/debug/pprof/<path>"; caller frees. */
char *lg_watch_pprof_url(const char *url, const char *path);

#endif
