/*
 * owner.c — who a goroutine belongs to, read from its stack: the user's
 * module, leakgate's hook, the runtime or the testing package; which Go test
 * created it; and the frames of the user's code that created it and that it
 * is blocked in.  Leak grouping, the pattern classifier, heap growth and the
 * probes all ask these questions of the same lg_goroutine (dump.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "hook_manifest.h"
#include "owner.h"

int lg_owner_in_module(const char *file, const char *root)
{
	size_t n = root ? strlen(root) : 0;

	return file && n && strncmp(file, root, n) == 0 && file[n] == '/';
}

int lg_owner_hook_frame(const struct lg_frame *f)
{
	const char *base = f->file ? strrchr(f->file, '/') : NULL;

	if (base && (strcmp(base + 1, LG_HOOK_FILE_NAME) == 0 ||
		     strcmp(base + 1, LG_HOOK_TESTDEPS_FILE) == 0))
		return 1;
	return f->func && (strstr(f->func, ".leakgate") ||
			   lg_starts_with(f->func, "leakgate.dev/leakgatehook"));
}

int lg_owner_hook_goroutine(const struct lg_goroutine *g)
{
	size_t i, j;
	int signal_loop = 0;

	for (i = 0; i < g->nframes; i++) {
		if (lg_owner_hook_frame(&g->frames[i]))
			return 1;
		signal_loop |= g->frames[i].func && !strcmp(g->frames[i].func, "os/signal.loop");
	}
	for (i = 0; signal_loop && i < g->nancestors; i++)
		for (j = 0; j < g->ancestors[i].nframes; j++)
			if (lg_owner_hook_frame(&g->ancestors[i].frames[j]))
				return 1;
	return 0;
}

int lg_owner_user_frame(const struct lg_frame *f, const char *root)
{
	return lg_owner_in_module(f->file, root) && !lg_owner_hook_frame(f);
}

char *lg_owner_test_from_func(const char *func)
{
	const char *slash, *dot, *end;

	if (!func)
		return NULL;
	slash = strrchr(func, '/');
	dot = strchr(slash ? slash : func, '.');
	if (!dot || strncmp(dot + 1, "Test", 4) != 0)
		return NULL;
	if (islower((unsigned char)dot[5]))
		return NULL;
	end = dot + 1;
	while (*end && *end != '.' && *end != '[' && *end != '(')
		end++;
	/* TestMain runs the tests; it is none of them (and the hook's is injected). */
	if (end - dot - 1 == 8 && strncmp(dot + 1, "TestMain", 8) == 0)
		return NULL;
	return lg_xstrndup(dot + 1, (size_t)(end - dot - 1));
}

static char *test_in_frames(const struct lg_frame *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *t = lg_owner_test_from_func(f[i].func);

		if (t)
			return t;
	}
	return NULL;
}

char *lg_owner_attribute_test(const struct lg_goroutine *g)
{
	char *t = lg_owner_test_from_func(g->creator.func);
	size_t i;

	for (i = 0; !t && i < g->nancestors; i++) {
		t = test_in_frames(g->ancestors[i].frames, g->ancestors[i].nframes);
		if (!t)
			t = lg_owner_test_from_func(g->ancestors[i].creator.func);
	}
	/* A goroutine started by the runtime on the test's behalf (time.AfterFunc
	 * runs its func from time.goFunc, with no ancestry) still runs a closure
	 * named after the test: pkg.TestX.func1. */
	if (!t && g->creator.func && lg_starts_with(g->creator.func, "time."))
		t = test_in_frames(g->frames, g->nframes);
	return t;
}

/* Started by time.AfterFunc: the runtime's timer code ran the `go`. */
static int from_after_func(const struct lg_goroutine *g)
{
	return g->creator.func && strcmp(g->creator.func, "time.goFunc") == 0;
}

const struct lg_frame *lg_owner_creation_frame(const struct lg_goroutine *g, const char *root)
{
	size_t i, j;

	if (!root || lg_owner_in_module(g->creator.file, root))
		return NULL;
	if (from_after_func(g)) {
		/* Ancestry here is whichever goroutine ran the timer: meaningless.
		 * The func given to AfterFunc is the outermost frame. */
		for (i = g->nframes; i-- > 0;)
			if (lg_owner_user_frame(&g->frames[i], root))
				return &g->frames[i];
		return NULL;
	}
	for (i = 0; i < g->nancestors; i++) {
		const struct lg_ancestor *a = &g->ancestors[i];

		for (j = 0; j < a->nframes; j++)
			if (lg_owner_user_frame(&a->frames[j], root))
				return &a->frames[j];
	}
	return NULL;
}

int lg_owner_system(const struct lg_goroutine *g)
{
	size_t i;
	int all_testing = g->nframes > 0;

	if (g->wait == LG_WAIT_RUNTIME)
		return 1;
	if (!g->creator.func)
		return 1; /* goroutine 1 and runtime-started ones */
	if (lg_starts_with(g->creator.func, "runtime.") ||
	    lg_starts_with(g->creator.func, "os/signal.") ||
	    lg_starts_with(g->creator.func, "runtime/"))
		return 1;
	for (i = 0; i < g->nframes; i++) {
		const char *f = g->frames[i].func;

		if (!f)
			continue;
		if (lg_owner_hook_frame(&g->frames[i]))
			return 1;
		if (strcmp(f, "os/signal.signal_recv") == 0)
			return 1;
		if (!lg_starts_with(f, "testing.") && !lg_starts_with(f, "runtime."))
			all_testing = 0;
	}
	return all_testing && lg_starts_with(g->creator.func, "testing.");
}

const struct lg_frame *lg_owner_blocked_frame(const struct lg_goroutine *g, const char *root)
{
	size_t i;

	for (i = 0; root && i < g->nframes; i++)
		if (lg_owner_user_frame(&g->frames[i], root))
			return &g->frames[i];
	for (i = 0; i < g->nframes; i++)
		if (g->frames[i].func && !lg_starts_with(g->frames[i].func, "runtime.") &&
		    !lg_starts_with(g->frames[i].func, "sync.") &&
		    !lg_starts_with(g->frames[i].func, "time.") &&
		    !lg_starts_with(g->frames[i].func, "internal/"))
			return &g->frames[i];
	return g->nframes ? &g->frames[0] : NULL;
}
