/*
 * owner.h — who a goroutine belongs to (the user's module, the hook, the
 * runtime, testing), the test that created it, and where in the user's code
 * it was created and is blocked.  Pure functions of one lg_goroutine.
 */
#ifndef LG_OWNER_H
#define LG_OWNER_H

#include "dump.h"

/* 1 when `file` lies under `root` (a directory, no trailing '/'); NULL-safe. */
int lg_owner_in_module(const char *file, const char *root);

/*
 * 1 for a frame of leakgate's hook: the injected zz_leakgate_hook_test.go,
 * leakgate* functions, package leakgate.dev/leakgatehook.
 */
int lg_owner_hook_frame(const struct lg_frame *f);

/*
 * 1 for a goroutine of leakgate's hook: one with a hook frame, or the
 * os/signal loop the hook's probe listener started (its ancestry shows it).
 */
int lg_owner_hook_goroutine(const struct lg_goroutine *g);

/* A frame of the user's code: in the module and not the hook's. */
int lg_owner_user_frame(const struct lg_frame *f, const char *root);

/* Test name from a function name: "x/y.TestFoo.func1" -> "TestFoo", or NULL. */
char *lg_owner_test_from_func(const char *func);

/*
 * The Go test a goroutine is attributed to: the first frame, walking the
 * creator and then each ancestry block, whose function is a Test function.
 * Returns a new string ("TestFoo") or NULL.
 */
char *lg_owner_attribute_test(const struct lg_goroutine *g);

/*
 * The creation site in the user's code when the `go` statement is not: a
 * goroutine started inside the standard library or a dependency
 * (net/http.(*Transport).dialConn) is attributed to the innermost frame
 * inside `root` found in its ancestry blocks (innermost block first); one
 * started by time.AfterFunc (created by time.goFunc, whose ancestry is
 * whatever goroutine ran the timer) to the outermost module frame of its
 * own stack, the func given to AfterFunc.  Frames of the hook are skipped.
 * Ancestry frames carry the line of the call's return address, which can be
 * the line after the call (the runtime prints it unadjusted).
 * Returns NULL when the `go` statement is in the module, when `root` is
 * NULL, or when no such frame exists.  The frame belongs to g.
 */
const struct lg_frame *lg_owner_creation_frame(const struct lg_goroutine *g, const char *root);

/*
 * 1 for a goroutine of the runtime, the testing package or the hook: never
 * a leak of the user's (runtime waits, no creator, created by runtime or
 * os/signal, running leakgate's hook, or only testing frames).
 */
int lg_owner_system(const struct lg_goroutine *g);

/*
 * The frame a goroutine is blocked in, as the user reads it: the innermost
 * frame of the user's code under `root` (may be NULL), else the innermost
 * outside runtime, sync, time and internal packages, else the first frame;
 * NULL for a goroutine without frames.  The frame belongs to g.
 */
const struct lg_frame *lg_owner_blocked_frame(const struct lg_goroutine *g, const char *root);

#endif
