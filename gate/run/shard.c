/*
 * shard.c — the deterministic package partition behind `--shard K/N`.
 * Determinism is the whole contract: shards run on different machines and
 * never talk to each other, so the same package list and the same recorded
 * times must give the same assignment everywhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "shard.h"

int lg_shard_parse(const char *s, struct lg_shard *out, struct lg_err *err)
{
	int k, n, used = 0;

	if (sscanf(s, "%d/%d%n", &k, &n, &used) != 2 || s[used] != '\0' || k < 1 || n < 1 ||
	    k > n || n > LG_SHARD_MAX || s[0] < '0' || s[0] > '9')
		return lg_error(err, "'%s' is not a shard K/N with 1 <= K <= N <= %d", s, LG_SHARD_MAX);
	out->index = k;
	out->total = n;
	return 0;
}

static int env_int(const char *name, int *out)
{
	const char *v = getenv(name);
	char *end;
	long x;

	if (!v || !*v)
		return 0;
	x = strtol(v, &end, 10);
	if (*end || x < 0 || x > LG_SHARD_MAX)
		return -1;
	*out = (int)x;
	return 1;
}

int lg_shard_from_env(struct lg_shard *out, struct lg_err *err)
{
	int k = 0, n = 0, hk = env_int("CI_NODE_INDEX", &k), hn = env_int("CI_NODE_TOTAL", &n);

	if (hn == 0 || (hn > 0 && n <= 1))
		return 0; /* unset, or one node: nothing to split */
	if (hn < 0 || hk <= 0 || k < 1 || k > n)
		return lg_error(err, "CI_NODE_INDEX='%s' and CI_NODE_TOTAL='%s' are not a shard "
				"1 <= INDEX <= TOTAL <= %d",
				getenv("CI_NODE_INDEX") ? getenv("CI_NODE_INDEX") : "",
				getenv("CI_NODE_TOTAL") ? getenv("CI_NODE_TOTAL") : "", LG_SHARD_MAX);
	out->index = k;
	out->total = n;
	return 1;
}

/* The tie-break of equal weights: FNV-1a of the path's bytes (no NUL), pinned by a golden. */
static uint64_t path_hash(const char *s)
{
	return lg_fnv1a_bytes(LG_FNV_OFFSET, s, strlen(s));
}

struct item {
	const char *path;
	double weight;
	uint64_t hash;
	size_t index;
};

static int heaviest_first(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return strcmp(x->path, y->path);
}

void lg_shard_assign(const char *const *paths, size_t n, int total, lg_shard_weight_fn weight,
		     void *ctx, int *shard_of)
{
	struct item *it = lg_xcalloc(n ? n : 1, sizeof(*it));
	double *load = lg_xcalloc((size_t)(total > 0 ? total : 1), sizeof(*load));
	double known = 0, mean;
	size_t i, nknown = 0;
	int s, best;

	for (i = 0; i < n; i++) {
		it[i].path = paths[i];
		it[i].hash = path_hash(paths[i]);
		it[i].index = i;
		it[i].weight = weight ? weight(ctx, paths[i]) : -1;
		if (it[i].weight >= 0) {
			known += it[i].weight;
			nknown++;
		}
	}
	mean = nknown ? known / (double)nknown : 1;
	for (i = 0; i < n; i++)
		if (it[i].weight < 0)
			it[i].weight = mean;
	qsort(it, n, sizeof(*it), heaviest_first);
	for (i = 0; i < n; i++) {
		for (best = 0, s = 1; s < total; s++)
			if (load[s] < load[best])
				best = s;
		load[best] += it[i].weight;
		shard_of[it[i].index] = best + 1;
	}
	free(load);
	free(it);
}

double lg_shard_baseline_seconds(void *ctx, const char *import_path)
{
	struct lg_baseline b;
	struct lg_err err;
	char *name = lg_baseline_file_name(import_path, &err), *path;
	double secs = -1;

	if (!name || !ctx)
		goto out;
	path = lg_xasprintf("%s/%s", (const char *)ctx, name);
	lg_baseline_init(&b);
	if (lg_baseline_load(&b, path, &err) == 0 && b.test_seconds >= 0)
		secs = b.test_seconds;
	lg_baseline_release(&b);
	free(path);
out:
	free(name);
	return secs;
}

size_t lg_shard_filter(struct lg_golist *l, const struct lg_shard *s, lg_shard_weight_fn weight,
		       void *ctx)
{
	const char **paths;
	int *shard_of;
	size_t i, kept = 0;

	if (!s || s->total <= 0)
		return l->n;
	paths = lg_xcalloc(l->n ? l->n : 1, sizeof(*paths));
	shard_of = lg_xcalloc(l->n ? l->n : 1, sizeof(*shard_of));
	for (i = 0; i < l->n; i++)
		paths[i] = l->pkgs[i].import_path;
	lg_shard_assign(paths, l->n, s->total, weight, ctx, shard_of);
	for (i = 0; i < l->n; i++) {
		if (shard_of[i] == s->index) {
			l->pkgs[kept++] = l->pkgs[i];
			continue;
		}
		/* the fields lg_golist_release would free */
		lg_gopkg_release(&l->pkgs[i]);
	}
	l->n = kept;
	free(paths);
	free(shard_of);
	return kept;
}

size_t lg_shard_apply(struct lg_golist *l, const struct lg_shard *s, const char *dir)
{
	char *d;
	size_t kept;

	if (!s || s->total <= 0)
		return l->n;
	d = dir ? lg_xstrdup(dir) : lg_xasprintf("%s/%s", l->module_root ? l->module_root : ".",
						  LG_BASELINE_DIR);
	kept = lg_shard_filter(l, s, lg_shard_baseline_seconds, d);
	free(d);
	return kept;
}
