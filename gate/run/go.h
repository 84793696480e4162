/*
 * go.h — drives the Go toolchain: lists packages with `go list` and
 * builds test binaries with `go test -c`.
 *
 * `go` runs as a child process through proc.h, so a stuck toolchain is
 * bounded by a deadline too.  A package that fails to build is a result,
 * not an error: the compiler output is returned for the report.
 */
#ifndef LG_GO_H
#define LG_GO_H

#include <stddef.h>

#include "util.h"

#define LG_GO_MAX_LIST_OUTPUT ((size_t)256 << 20)
#define LG_GO_MAX_BUILD_OUTPUT ((size_t)4 << 20)

struct lg_gopkg {
	char *import_path;
	char *name;        /* package clause name */
	char *dir;         /* absolute */
	int has_tests;     /* any _test.go files */
	int own_testmain;  /* a test file declares func TestMain */
	int calls_hook;    /* a test file refers to leakgatehook. */
	char *list_error;  /* go list's error for this package, or NULL */
	/* File names (NULL-terminated, never NULL) as go list gives them. */
	char **gofiles, **testgofiles, **xtestgofiles;
};

struct lg_golist {
	struct lg_gopkg *pkgs;
	size_t n;
	char *module_path; /* of the main module, "" outside one */
	char *module_root; /* directory holding go.mod */
	char *go_version;  /* "go1.26.8" */
	char *go_experiment; /* `go env GOEXPERIMENT`: "" or "goroutineleakprofile,..." */
	char *goroot;      /* `go env GOROOT`: "" when go env did not say */
	char *gomodcache;  /* `go env GOMODCACHE` */
};

/* Build settings shared by list and build. */
struct lg_goflags {
	char **args; /* extra build flags: "-tags=x", "-race", ... */
	size_t nargs;
	double timeout; /* per toolchain call, seconds */
};

/* Frees what a package owns (the list holding it keeps its slot). */
void lg_gopkg_release(struct lg_gopkg *p);
void lg_golist_release(struct lg_golist *l);

/*
 * Whether test binaries built by this toolchain have Go's goroutineleak
 * profile, from `go env GOVERSION` and `go env GOEXPERIMENT`: 1 on Go 1.27
 * and later, and on Go 1.26 with the goroutineleakprofile experiment; 0 on
 * older Go or Go 1.26 without it; -1 when the version cannot be told (a
 * devel toolchain), so the test binaries' own profiles must decide.
 */
int lg_go_has_leak_profile(const char *go_version, const char *go_experiment);

/*
 * Runs `go env` and `go list` for `patterns` in the current directory.
 * Fails (-1) when go is missing or not inside a module; a pattern matching
 * nothing or a broken package is reported per package in list_error.
 */
int lg_go_list(char *const *patterns, size_t npatterns, const struct lg_goflags *flags,
	       struct lg_golist *out, struct lg_err *err);

/*
 * Builds the test binary of `pkg` into `binary` (with `overlay` when not
 * NULL).  Sets *built to 1 on success; compiler output goes to `output`.
 * Returns -1 only when go could not be run at all.
 */
int lg_go_build_test(const struct lg_gopkg *pkg, const char *module_root,
		     const struct lg_goflags *flags, const char *overlay,
		     const char *binary, int *built, struct lg_buf *output,
		     double *seconds, struct lg_err *err);

/* The file name `go test -c -o DIR/` gives a package's test binary. */
char *lg_go_test_binary_name(const char *import_path);

struct lg_gobuild_result {
	int built;            /* the binary is fresh and may be run */
	char *binary;         /* its path (allocated), NULL when not built */
	struct lg_buf output; /* this package's compiler output */
};
void lg_gobuild_result_release(struct lg_gobuild_result *r);

/*
 * Builds the test binaries of `n` packages with one `go test -c -o DIR/`
 * (their binary names must differ).  `res` has n initialised elements.  One
 * package failing does not stop the others; its part of the output is
 * split off by the "# import/path" headers go prints.  A package whose
 * outcome the combined run leaves unclear is rebuilt on its own.  Binaries
 * live in `outdir` between runs, so an unchanged package is not relinked.
 * Returns -1 only when go could not be run at all.
 */
int lg_go_build_tests(const struct lg_gopkg *const *pkgs, size_t n, const char *module_root,
		      const struct lg_goflags *flags, const char *overlay, const char *outdir,
		      struct lg_gobuild_result *res, double *seconds, struct lg_err *err);

/*
 * Builds the Go program in `srcdir` (a module of its own, stdlib only) into
 * `output` with `go build`, outside the user's workspace and GOFLAGS.  The
 * compiler's output goes to `log`.  Returns -1 with `err` when go could not
 * be run or the build failed.
 */
int lg_go_build_tool(const char *srcdir, const char *output, double timeout,
		     struct lg_buf *log, struct lg_err *err);

#endif
