/*
 * rewrite.h — gating packages that have their own TestMain, without edits.
 *
 * Through testdeps (hook.h) the hook sees m.Run wherever a TestMain calls
 * it, so a package's TestMain runs as it is; where the hook must be in the
 * test package instead (heap passes, a toolchain Go will not overlay), the
 * TestMain must run the tests through it: the rewriter (hook/rewrite/main.go,
 * a stdlib-only Go program embedded in leakgate) reads such packages with
 * go/parser and writes overlay copies of the files it changes, with each
 * m.Run() made leakgateRun(m) and each goleak.VerifyTestMain(m, opts...)
 * made leakgateMain(m).  Its answer also carries goleak's options
 * translated into ignore rules and why a TestMain cannot be hooked (no
 * m.Run).  This module builds that program once per Go toolchain into
 * leakgate's cache, runs it over the packages asked about (the runner asks
 * for all at once, or for one when a run needs the answer), and reads its
 * answer back as untrusted input.
 */
#ifndef LG_REWRITE_H
#define LG_REWRITE_H

#include <stddef.h>

#include "config.h"
#include "model.h"
#include "util.h"

#define LG_REWRITE_MAX_OUTPUT ((size_t)16 << 20) /* its answer, read by lg_json_load */

/* The rewriter source, embedded at build time from hook/rewrite/main.go. */
extern const unsigned char lg_rewrite_go_src[];
extern const size_t lg_rewrite_go_src_len;

/* One package with a TestMain, as go list described it. */
struct lg_rewrite_in {
	const char *dir;           /* absolute package directory */
	char *const *files;        /* internal test package: GoFiles then TestGoFiles */
	char *const *xfiles;       /* external test package: XTestGoFiles */
	const char *out;           /* directory for its rewritten files */
};

/* How the hook gets into one package, as the rewriter decided. */
struct lg_rewrite_out {
	enum lg_hook_via via;  /* REWRITTEN, USER, NONE; INJECTED: no TestMain after all */
	char *reason;          /* for NONE: why leak checks cannot run (or the file cannot be rewritten) */
	int through_testing;   /* NONE, but the hook can come through testdeps (hook.h), which
				  sees m.Run wherever TestMain hands m */
	char *hook_package;    /* for REWRITTEN: package clause of the hook file */
	char **replace;        /* for REWRITTEN: original, copy, original, copy, ..., NULL */
	struct lg_ignore_rule *ignores; /* translated goleak options */
	size_t nignores;
	char **notes;          /* NULL-terminated; options kept, calls not followed */
};

void lg_rewrite_out_release(struct lg_rewrite_out *o);

/*
 * Makes sure the rewriter is built for `go_version` under `cache_root`
 * (`<cache_root>/tools/rewrite-<source hash>-<go_version>/rewrite`, built
 * with `go build` on first use, atomically, so concurrent leakgates agree)
 * and sets *tool to its path (caller frees).  Fails with `err` when it
 * cannot be built.
 */
int lg_rewrite_tool(const char *cache_root, const char *go_version, double timeout,
		    char **tool, struct lg_err *err);

/*
 * Runs the rewriter `tool` over `n` packages, writing the request to
 * `workdir`; positions in its messages are relative to the module `root`.  Fills out[0..n-1] (which the caller releases).  A package the
 * rewriter cannot handle is an lg_rewrite_out with via NONE and the reason;
 * the call fails (-1, `err`) only when the rewriter itself could not run or
 * answered something unreadable, and then every out[] is left as NONE with
 * that reason.
 */
int lg_rewrite_run(const char *tool, const char *workdir, const char *root,
		   const struct lg_rewrite_in *in, size_t n, double timeout,
		   struct lg_rewrite_out *out, struct lg_err *err);

#endif
