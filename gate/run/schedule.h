/*
 * schedule.h — longest-first scheduling of the packages of a run.
 *
 * Packages run in parallel (-p), so the run ends when its longest package
 * ends: started last, a long package (one that also needs an evidence run)
 * sets the wall time alone while the other workers sit idle.  Each run
 * records every package's measured time in leakgate's build cache (one
 * small file per cache directory, i.e. per module root and build
 * configuration: times.json), and the next run starts packages in
 * decreasing order of expected time.  The file is a cache: missing, corrupt,
 * truncated or written by a newer leakgate, it is ignored (with a note for
 * the last three), never an error.
 */
#ifndef LG_SCHEDULE_H
#define LG_SCHEDULE_H

#include <stddef.h>

#include "hashmap.h"
#include "util.h"

#define LG_SCHED_TIMES_VERSION 1
#define LG_SCHED_TIMES_FILE "times.json"
/* More entries than this: not a file leakgate wrote, read as corrupt. */
#define LG_SCHED_TIMES_MAX 100000
/* Times are kept at most this long (seconds): a longer one is recorded as this. */
#define LG_SCHED_MAX_SECONDS 1e9

/*
 * What a package's last run needed beyond one lean run.  The next run of a
 * package that needed a whole evidence run for its leaks starts with the
 * evidence settings (its first run is its evidence run): a package that
 * failed last time most likely fails again, and the lean run before would
 * be spent for nothing.  Not one whose tests behind the leaks a targeted
 * run named: a lean run and that run cost less than the whole package with
 * ancestry.
 */
enum lg_sched_need {
	LG_SCHED_LEAN,     /* one lean run decided (or a baseline accepted what it found) */
	LG_SCHED_EVIDENCE, /* leak groups the lean run could not attribute */
	LG_SCHED_PER_PASS, /* a failed heap check: the evidence run with heap passes */
	LG_SCHED_TARGETED  /* leak groups a run of only the tests around them named:
			      the next run is lean again, the cheaper way to the same */
};

/* One package's cost as its last run measured it. */
struct lg_sched_time {
	char *import_path;
	double lean_seconds;   /* its first run (lean, or with the evidence settings) */
	enum lg_sched_need need;
};

/* The recorded times of one module root, keyed by import path. */
struct lg_sched_times {
	char *module_root;
	struct lg_sched_time *v;
	size_t n, alloc;
	struct lg_hmap map;
	int newer; /* the file is a newer leakgate's: use none of it, keep it */
};

/* An empty table for `module_root` (copied). */
void lg_sched_times_init(struct lg_sched_times *t, const char *module_root);
void lg_sched_times_release(struct lg_sched_times *t);

/*
 * Reads the table from `len` bytes of `text` (named `name` in notes) into
 * `t`, which lg_sched_times_init prepared.  Never fails: a text that is not
 * a complete version-1 times file of t's module root (bad JSON, truncated,
 * a wrong field, a negative or non-finite time, too many entries, another
 * module root) leaves `t` empty and returns a note saying why and that the
 * packages keep the go list order; a file of a newer version also sets
 * t->newer (the caller should not overwrite it).  Returns NULL when the
 * table was read, else the note (the caller frees it).
 */
char *lg_sched_times_parse(struct lg_sched_times *t, const char *text, size_t len,
			   const char *name);

/*
 * lg_sched_times_parse on the file at `path`.  A missing file is the first
 * run (no note); one that cannot be read gets a note like a corrupt one.
 */
char *lg_sched_times_read(struct lg_sched_times *t, const char *path);

/*
 * Records (or replaces) the measured time of `import_path` and what it
 * needed.  A negative or non-finite time is not recorded; one over
 * LG_SCHED_MAX_SECONDS is recorded as that.
 */
void lg_sched_times_set(struct lg_sched_times *t, const char *import_path,
			double lean_seconds, enum lg_sched_need need);

/*
 * Expected run time of `import_path`: its first run's time, doubled when
 * it needed a whole evidence run last time; -1 when unknown.
 */
double lg_sched_expected(const struct lg_sched_times *t, const char *import_path);

/* What `import_path` needed last time; LG_SCHED_LEAN when unknown. */
enum lg_sched_need lg_sched_needed(const struct lg_sched_times *t, const char *import_path);

/*
 * Writes the table to `path` atomically (lg_write_file; unchanged bytes are
 * not rewritten), entries sorted by import path.  Returns 0, or -1 with
 * `err` (the caller notes it: a cache that cannot be written is no failure).
 */
int lg_sched_times_write(const struct lg_sched_times *t, const char *path, struct lg_err *err);

/*
 * The order to start n packages in: order[k] is the index of the k-th.
 * Packages of unknown time (expected[i] < 0) come first, in index order —
 * an unknown package may be the longest, and the first run of a module
 * keeps the go list order —, then the known ones by decreasing expected
 * time, equal times in index order.  Cannot fail.
 */
void lg_sched_order(const double *expected, size_t n, size_t *order);

#endif
