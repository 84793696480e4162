/*
 * shard.h — splitting the packages of one `leakgate run` over N CI jobs
 * (`--shard K/N`, or GitLab's CI_NODE_INDEX / CI_NODE_TOTAL).
 *
 * Every shard lists the same packages and computes the same partition, so
 * the N shards together run each package exactly once and `leakgate merge`
 * can put their reports back together.  The partition is greedy longest
 * processing time: packages sorted by weight (heaviest first; ties broken
 * by a hash of the import path, then the path), each given to the shard
 * with the least weight so far (ties: the lowest shard).  The weight is the
 * package's recorded test time when a weight function knows it (the
 * baselines store it: lg_shard_baseline_seconds), else the mean of the
 * known times, else 1 — which makes the split a balanced round robin over
 * hashed import paths.
 */
#ifndef LG_SHARD_H
#define LG_SHARD_H

#include <stddef.h>

#include "go.h"
#include "util.h"

#define LG_SHARD_MAX 1000

struct lg_shard {
	int index; /* 1-based */
	int total; /* 0: not sharded */
};

/* Parses "K/N" (1 <= K <= N <= LG_SHARD_MAX).  0, or -1 with `err`. */
int lg_shard_parse(const char *s, struct lg_shard *out, struct lg_err *err);

/*
 * Reads CI_NODE_INDEX (1-based) and CI_NODE_TOTAL.  Returns 1 when both
 * are set and valid, 0 when they are unset (or CI_NODE_TOTAL is 1:
 * nothing to split), -1 with `err` when they are set but invalid.
 */
int lg_shard_from_env(struct lg_shard *out, struct lg_err *err);

/* A package's weight in seconds, or a negative value when unknown. */
typedef double (*lg_shard_weight_fn)(void *ctx, const char *import_path);

/*
 * Assigns each of the `n` import paths a shard in 1..total (written to
 * shard_of[i]).  `weight` may be NULL (all unknown).
 */
void lg_shard_assign(const char *const *paths, size_t n, int total, lg_shard_weight_fn weight,
		     void *ctx, int *shard_of);

/*
 * Weight function over a baselines directory (`ctx` is the directory
 * path): the test_seconds of the package's baseline file, or -1 when there
 * is none or it cannot be read.
 */
double lg_shard_baseline_seconds(void *ctx, const char *import_path);

/*
 * Keeps in `l` only the packages of shard `s` (order kept); the others are
 * released.  Does nothing when s->total is 0.  Returns how many were kept.
 */
size_t lg_shard_filter(struct lg_golist *l, const struct lg_shard *s, lg_shard_weight_fn weight,
		       void *ctx);

/*
 * What the runner calls right after `go list`: lg_shard_filter weighted by
 * the test times in the baselines directory `dir` (NULL: <module root>/
 * baselines).  Packages of other shards are not built, run or reported.
 */
size_t lg_shard_apply(struct lg_golist *l, const struct lg_shard *s, const char *dir);

#endif
