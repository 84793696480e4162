/*
 * baseline.h — the baseline store: known, reviewed goroutine leaks and heap
 * envelopes, one JSON file per package (schema/baseline.schema.json), and
 * the comparison of a run with them.
 *
 * A baseline lets a team adopt the gate on an old code base: what it
 * records is accepted, anything new fails.  Files live in one directory
 * (default <module root>/baselines); the file of a package is derived from
 * its import path by lg_baseline_file_name, which cannot name anything
 * outside that directory.  Content is deterministic (fixed key order, leak
 * groups sorted by signature, fixed indent) so a change reads well in
 * review.  `reason`, `owner` and `expires` are for people to edit; an update
 * keeps them on entries that persist.
 *
 * Writes go through a temporary file in the same directory (fsync, rename,
 * fsync of the directory), so a reader sees the old or the new file, never
 * a torn one; writers serialise on an flock'ed lock file in the directory.
 * Files are untrusted input: size and counts are capped, a newer
 * schema_version is refused, and every problem names the file and the JSON
 * path.  A corrupt file is an error, never an empty baseline.
 */
#ifndef LG_BASELINE_H
#define LG_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "util.h"

#define LG_BASELINE_SCHEMA_VERSION 1
#define LG_BASELINE_DIR "baselines"
#define LG_BASELINE_LOCK ".leakgate-baseline.lock"
#define LG_BASELINE_MAX_BYTES ((size_t)4 << 20)
#define LG_BASELINE_MAX_LEAKS 10000
#define LG_BASELINE_MAX_STRING 4096
#define LG_BASELINE_MAX_NAME 240 /* bytes of a file name, below NAME_MAX */

/*
 * Heap tolerance: growth up to max(max * 5/4, max + 256 KiB) of the
 * recorded maximum (taken as 0 when negative) is within the envelope.  The
 * proportional part absorbs noise of big heaps, the constant part the noise
 * of small ones (runtime and testing allocations vary by tens of KiB).
 */
#define LG_BASELINE_HEAP_SLACK ((int64_t)256 << 10)

/* One accepted leak group. */
struct lg_baseline_leak {
	char *signature;    /* lg_leak_group.signature; required */
	int count;          /* goroutines accepted */
	char *wait_reason;  /* as Go prints it, or NULL */
	char *creator_func; /* function with the go statement, or NULL */
	char *example;      /* "file:line" of the go statement, or NULL */
	char *pattern;      /* leak pattern id, or NULL */
	char *reason, *owner; /* user-editable; NULL when empty */
	char *expires;      /* user-editable "YYYY-MM-DD"; NULL = never */
};

struct lg_baseline {
	int schema_version;
	char *tool_version;
	char *go_version;
	char *package;      /* import path; required */
	struct lg_baseline_leak *leaks; /* sorted by signature */
	size_t nleaks;
	int heap_runs;      /* runs the envelope is made of; 0 = no heap recorded */
	int64_t heap_min, heap_median, heap_max; /* HeapInuse growth, bytes */
	int64_t goroutines; /* goroutines after the settle wait, -1 unknown */
	double test_seconds; /* the package's test binary run time */
};

/* HeapInuse growth of one package over repeated runs (--count). */
struct lg_heap_band {
	int runs; /* runs that measured the heap; 0 = none */
	int64_t min, median, max;
};

void lg_baseline_init(struct lg_baseline *b);
void lg_baseline_release(struct lg_baseline *b);

/*
 * The file name ("<encoded>.json", no directory) of the baseline of
 * `import_path`: bytes [A-Za-z0-9._+-] stay, '/' becomes '~', anything else
 * (including '~' and '%') becomes %XX, so the mapping is reversible and
 * the result never holds '/', '\\' or a leading '.'.  Refuses (NULL and
 * `err`) empty paths, absolute ones, empty, "." or ".." elements,
 * backslashes, control bytes and names over LG_BASELINE_MAX_NAME.  The
 * caller frees the result.
 */
char *lg_baseline_file_name(const char *import_path, struct lg_err *err);

/*
 * Parses a baseline from `text` (`len` bytes); `name` (a file or URL) is
 * used in error messages.  `b` must be initialised; on error it is left
 * released.  Returns 0 or -1.
 */
int lg_baseline_parse(struct lg_baseline *b, const char *text, size_t len, const char *name,
		      struct lg_err *err);

/*
 * Reads the baseline at `path`.  Returns 0 when read, 1 when the file does
 * not exist (b untouched), -1 with `err` naming the file for anything else.
 */
int lg_baseline_load(struct lg_baseline *b, const char *path, struct lg_err *err);

/* The deterministic JSON text of `b`, newline-terminated; caller frees. */
char *lg_baseline_format(const struct lg_baseline *b);

/*
 * Takes the exclusive lock of directory `dir` (creating the directory and
 * the lock file when missing), waiting for other writers.  Returns the lock
 * descriptor (give it to lg_baseline_unlock) or -1 with `err`.  Stale
 * temporary files of interrupted writers are removed once it is held.
 */
int lg_baseline_lock(const char *dir, struct lg_err *err);
void lg_baseline_unlock(int fd);

/*
 * Writes `b` to dir/<file name of b->package> atomically (temp file, fsync,
 * rename, fsync of dir).  Hold the directory lock.  Returns 0 or -1.
 */
int lg_baseline_write(const struct lg_baseline *b, const char *dir, struct lg_err *err);

/*
 * Fills the freshly initialised `b` from a package of a run whose hook ran
 * (p->hook == LG_HOOK_DONE): its leak groups, the heap `band` (NULL: the
 * package's single heap_growth), goroutines and run time.  Entries of `old`
 * (may be NULL) with the same signature give their reason/owner/expires.
 */
void lg_baseline_from_package(struct lg_baseline *b, const struct lg_package *p,
			      const struct lg_heap_band *band, const struct lg_baseline *old,
			      const char *go_version);

/* The entry of `b` with signature `sig`, or NULL. */
const struct lg_baseline_leak *lg_baseline_find(const struct lg_baseline *b, const char *sig);

/* Heap growth allowed by `b`'s envelope plus tolerance (INT64_MAX: none recorded). */
int64_t lg_baseline_heap_limit(const struct lg_baseline *b);

struct lg_baseline_cmp_opts {
	const char *source;  /* the file or URL, named in notes */
	const char *today;   /* "YYYY-MM-DD" (UTC); entries that expire before it fail */
	int strict;          /* stale entries fail; the heap limit is the envelope alone */
	int max_leaks;       /* goroutines allowed beyond the baseline */
	int64_t max_heap;    /* the configured heap limit */
};

/*
 * Compares package `p` (its leak and heap checks already decided by the
 * verdict) with its baseline `b` and re-decides those two checks:
 *  - a leak group not in the baseline, or with more goroutines than
 *    recorded, counts against max_leaks; over it the check fails;
 *  - a group within its recorded count is accepted (baselined = 1), unless
 *    its entry expired, which fails;
 *  - a recorded entry that did not occur passes with a "fixed — shrink the
 *    baseline" note, and fails under `strict`;
 *  - heap growth above max(the configured limit, the envelope limit) fails
 *    (under `strict` the envelope limit alone applies).
 * Checks that were skipped (the hook did not run) stay as they are.  Sets
 * baselined/baseline_note on the checks and groups and prefixes the check
 * details with what the baseline decided.  Returns the number of stale
 * entries (fixed leaks).
 */
int lg_baseline_compare(const struct lg_baseline *b, struct lg_package *p,
			const struct lg_baseline_cmp_opts *o);

/*
 * Whether `b` already accepts what package `p` failed on, before any
 * baseline step has touched `p`: every leak group has an entry that has not
 * expired, the goroutines beyond the entries' counts are within
 * o->max_leaks, no entry is stale under o->strict, and the heap check's
 * counted growth is within the limit lg_baseline_compare would apply (a
 * baseline without a heap envelope accepts no failed heap check): exactly
 * when lg_baseline_compare would leave neither check failed.  The
 * runner asks this to skip the evidence run of such a package: its verdicts
 * cannot change.  Reads `b` and `p` only; 1 accepted, 0 not; never fails.
 */
int lg_baseline_accepts(const struct lg_baseline *b, const struct lg_package *p,
			const struct lg_baseline_cmp_opts *o);

/*
 * What recording `cur` over `old` (may be NULL: no baseline yet) would
 * change that matters to the gate: leak groups added, removed or with other
 * counts, a heap envelope that moved beyond the tolerance, an older schema.
 * Timings, goroutine counts and heap noise within the tolerance are not
 * changes.  Appends one line per change to `out` (may be NULL) and returns
 * their number.
 */
int lg_baseline_diff(const struct lg_baseline *old, const struct lg_baseline *cur,
		     struct lg_buf *out);

#endif
