/*
 * config.h — the gate's limits and ignore rules, from defaults, from the
 * JSON config file at the module root (leakgate.json) and from flags, in
 * that order of precedence (flags win).
 *
 * The config file is checked strictly: an unknown key is an error (a typo
 * must not silently disable a limit), and every error names the file and
 * the key.
 */
#ifndef LG_CONFIG_H
#define LG_CONFIG_H

#include <stdint.h>

#include <jansson.h>

#include "util.h"

#define LG_CONFIG_FILE "leakgate.json"
#define LG_CONFIG_MAX_BYTES (1 << 20)
#define LG_CONFIG_MAX_IGNORES 1000
/* One heap profile sample per 4 KiB allocated: the heap check subtracts
 * profile estimates, which at Go's default (512 KiB) are off by megabytes
 * for small objects; 1 (every allocation) slows allocation-heavy tests
 * several times for little more precision.  README "heap growth". */
#define LG_DEFAULT_MEM_PROFILE_RATE 4096
/*
 * The lean first run samples the heap every 64 KiB: fine enough that
 * one-time growth near the limit is found and discounted there (at Go's
 * default 512 KiB, x/net's http2 grew 1.0-1.6 MiB against a 1 MiB limit
 * and was discounted in some runs only, each miss costing an evidence
 * run), and still cheap: a sample per 64 KiB allocated.
 */
#define LG_LEAN_MEM_PROFILE_RATE 65536
/*
 * tracebackancestors depth of the evidence run (--ancestors).  Each new
 * goroutine copies up to this many ancestor records of its creator, which
 * is what ancestry costs tests that start many goroutines: on x/net's http2
 * (2 runs each) depth 10 took 10.3-10.6 s, 3 took 9.0-9.1 s, 2 took
 * 8.2-8.6 s, and 3 was the least that named the same test for every leak
 * group of x/net's five leaking packages as 10 did (2 lost one in
 * http2/h2c).  A group whose chain a run at this depth cut before any test
 * gets one more run at LG_ANCESTORS_DEEP.
 */
#define LG_DEFAULT_ANCESTORS 3
#define LG_ANCESTORS_DEEP 50 /* leakgate's choice: the runtime has no cap */
/* passes of the tests in the evidence run of a package whose heap check failed */
#define LG_DEFAULT_HEAP_PASSES 2

/*
 * Which goroutines left behind fail the leak check (--leaks, key "leaks").
 * alive: every goroutine the tests started that is still there after the
 * settle wait (the settle wait lets sleeps and timers due within it end).
 * proven: only those Go's goroutineleak profile proves stuck; needs Go 1.27,
 * or Go 1.26 built with GOEXPERIMENT=goroutineleakprofile.
 */
/*
 * An ignore rule: every field that is set must match.  A value ending in '*'
 * matches by prefix, otherwise exactly.
 */
struct lg_ignore_rule {
	char *top_func; /* innermost frame */
	char *any_func; /* any frame */
	char *creator;  /* the function holding the `go` statement */
	char *wait;     /* wait reason as printed ("chan receive") */
};

enum lg_leaks_mode {
	LG_LEAKS_ALIVE,
	LG_LEAKS_PROVEN
};

struct lg_config {
	int max_leaks;           /* leaked goroutines allowed per package (0) */
	enum lg_leaks_mode leaks; /* which leftovers count (alive) */
	int64_t max_heap_growth; /* bytes of HeapInuse growth allowed (1 MiB) */
	/* times the evidence run of a package whose heap check failed runs its
	 * tests in one process; >= 2: the heap check judges growth per pass
	 * (--heap-passes, key "heap_passes"; LG_DEFAULT_HEAP_PASSES) */
	int heap_passes;
	double timeout;          /* per test binary, seconds (600) */
	double grace;            /* between SIGQUIT and SIGKILL, seconds (5) */
	double settle;           /* hook's settle budget, seconds (0.5) */
	int schedtrace_ms;       /* GODEBUG=schedtrace period (1000) */
	int ancestors;           /* GODEBUG=tracebackancestors depth (3) */
	/* runtime.MemProfileRate the hook sets (LEAKGATE_MEMPROFILERATE): bytes
	 * per heap profile sample; 0 leaves Go's default (512 KiB) */
	int mem_profile_rate;
	/* every P idle this long with a test running: probe for a deadlock
	 * (probe.h); 0 = off (2) */
	double deadlock_after;
	int fail_fast_deadlock; /* stop the binary on a suspected deadlock too */
	double stress;          /* rerun a passing package's tests this long (0) */
	struct lg_ignore_rule *ignores;
	size_t nignores;
};

void lg_config_init(struct lg_config *c);
void lg_config_release(struct lg_config *c);

/*
 * Loads `path` over the current values.  A missing file is not an error
 * when `optional` is set.
 */
int lg_config_load(struct lg_config *c, const char *path, int optional, struct lg_err *err);

/*
 * One ignore rule from a JSON object with the config file's keys
 * (top_function, function, creator, wait_reason, reason), as config files
 * and the TestMain rewriter (goleak options) give them.  Errors name `path`
 * and ignore[idx].  The rule owns its strings: lg_ignore_rule_release.
 */
int lg_ignore_rule_load(json_t *o, struct lg_ignore_rule *r, const char *path, size_t idx,
			struct lg_err *err);
void lg_ignore_rule_release(struct lg_ignore_rule *r);

/* "alive" or "proven". */
const char *lg_leaks_mode_name(enum lg_leaks_mode m);
/* Parses "alive" or "proven". Returns 0, or -1 for anything else. */
int lg_leaks_mode_parse(const char *s, enum lg_leaks_mode *out);

/* Parses a size such as "1048576", "512KiB", "1MiB", "2MB". Returns 0 or -1. */
int lg_parse_size(const char *s, int64_t *out);
/* Parses a Go-style duration such as "10m", "500ms", "1.5s", "1h30m". */
int lg_parse_duration(const char *s, double *secs);

#endif
