/*
 * wait.c — what a parked goroutine waits for, as one class: from the wait
 * reason the runtime prints in a goroutine header and, where that says too
 * little (Go 1.19-1.22 print "semacquire" for every sync primitive; debug=1
 * profiles print no reason at all), from the frames of its stack.  The
 * classes drive leak patterns, deadlock judgement and signatures, so their
 * names (lg_wait_class_name) are part of persisted signatures and never
 * change.
 */
#include <string.h>

#include "util.h"
#include "wait.h"

/* Class of a wait reason printed in the header, ignoring frames. */
static enum lg_wait_class classify_status(const char *s)
{
	static const struct {
		const char *status;
		enum lg_wait_class w;
	} exact[] = {
		{ "chan receive", LG_WAIT_CHAN },
		{ "chan send", LG_WAIT_CHAN },
		{ "chan receive (nil chan)", LG_WAIT_NIL_CHAN },
		{ "chan send (nil chan)", LG_WAIT_NIL_CHAN },
		{ "select", LG_WAIT_SELECT },
		{ "select (no cases)", LG_WAIT_SELECT_NOCASES },
		{ "sync.Mutex.Lock", LG_WAIT_MUTEX },
		{ "sync.RWMutex.RLock", LG_WAIT_RWMUTEX },
		{ "sync.RWMutex.Lock", LG_WAIT_RWMUTEX },
		{ "sync.WaitGroup.Wait", LG_WAIT_WAITGROUP },
		{ "sync.Cond.Wait", LG_WAIT_COND },
		{ "sleep", LG_WAIT_SLEEP },
		{ "IO wait", LG_WAIT_IO },
		{ "syscall", LG_WAIT_SYSCALL },
		{ "semacquire", LG_WAIT_SEMACQUIRE },
		{ "running", LG_WAIT_NONE },
		{ "runnable", LG_WAIT_NONE },
		{ "idle", LG_WAIT_NONE },
		{ "dead", LG_WAIT_NONE },
		{ "copystack", LG_WAIT_NONE },
		{ "preempted", LG_WAIT_NONE },
		{ "", LG_WAIT_NONE },
		{ "finalizer wait", LG_WAIT_RUNTIME },
		{ "cleanup wait", LG_WAIT_RUNTIME },
		{ "force gc (idle)", LG_WAIT_RUNTIME },
		{ "trace reader (blocked)", LG_WAIT_RUNTIME },
		{ "wait for GC cycle", LG_WAIT_RUNTIME },
		{ "garbage collection", LG_WAIT_RUNTIME },
		{ "garbage collection scan", LG_WAIT_RUNTIME },
		{ "GOMAXPROCS updater (idle)", LG_WAIT_RUNTIME },
		{ "dumping heap", LG_WAIT_RUNTIME },
		{ "panicwait", LG_WAIT_RUNTIME },
		{ "debug call", LG_WAIT_RUNTIME },
		{ "stopping the world", LG_WAIT_RUNTIME },
		{ "flushing proc caches", LG_WAIT_RUNTIME },
		{ "trace goroutine status", LG_WAIT_RUNTIME },
		{ "trace proc status", LG_WAIT_RUNTIME },
		{ "page trace flush", LG_WAIT_RUNTIME },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(exact); i++)
		if (!strcmp(s, exact[i].status))
			return exact[i].w;
	if (!strncmp(s, "GC ", 3))
		return LG_WAIT_RUNTIME;
	return LG_WAIT_OTHER;
}

/*
 * Which sync primitive a goroutine is parked in, judged from its frames
 * (innermost first): Go 1.19-1.22 print "semacquire" for all of them, and
 * debug=1 profiles print no status at all.  Returns LG_WAIT_NONE when no
 * frame tells.
 */
/* The wait class one frame's function tells (sync_only: of package sync only). */
static enum lg_wait_class classify_func(const char *fn, int sync_only)
{
	static const struct {
		const char *func;
		int prefix;
		int sync;
		enum lg_wait_class w;
	} known[] = {
		{ "sync.(*WaitGroup).Wait", 0, 1, LG_WAIT_WAITGROUP },
		{ "sync.(*Mutex).Lock", 0, 1, LG_WAIT_MUTEX },
		{ "sync.(*Mutex).lockSlow", 0, 1, LG_WAIT_MUTEX },
		{ "internal/sync.(*Mutex).lockSlow", 0, 1, LG_WAIT_MUTEX },
		{ "sync.(*RWMutex).", 1, 1, LG_WAIT_RWMUTEX },
		{ "sync.(*Cond).Wait", 0, 1, LG_WAIT_COND },
		{ "runtime.chanrecv", 1, 0, LG_WAIT_CHAN },
		{ "runtime.chansend", 1, 0, LG_WAIT_CHAN },
		{ "runtime.selectgo", 0, 0, LG_WAIT_SELECT },
		{ "runtime.block", 0, 0, LG_WAIT_SELECT_NOCASES },
		{ "time.Sleep", 0, 0, LG_WAIT_SLEEP },
		{ "internal/poll.runtime_pollWait", 0, 0, LG_WAIT_IO },
	};
	size_t k;

	/* asked once per frame of many stacks: test the first byte first */
	for (k = 0; fn && k < LG_ARRAY_SIZE(known); k++) {
		if (fn[0] != known[k].func[0] || (sync_only && !known[k].sync))
			continue;
		if (known[k].prefix ? !strncmp(fn, known[k].func, strlen(known[k].func))
				    : !strcmp(fn, known[k].func))
			return known[k].w;
	}
	return LG_WAIT_NONE;
}

/* The class of the innermost frame that tells one. */
static enum lg_wait_class classify_frames(const struct lg_frame *f, size_t n, int sync_only)
{
	enum lg_wait_class w = LG_WAIT_NONE;
	size_t i;

	for (i = 0; i < n && w == LG_WAIT_NONE; i++)
		w = classify_func(f[i].func, sync_only);
	return w;
}

enum lg_wait_class lg_wait_class_of_func(const char *func)
{
	return classify_func(func, 0);
}

enum lg_wait_class lg_wait_class_of_frames(const struct lg_frame *f, size_t n)
{
	return classify_frames(f, n, 0);
}

enum lg_wait_class lg_wait_class_of_status(const char *status)
{
	return classify_status(status);
}

enum lg_wait_class lg_wait_classify(const char *status, int aggregated, const struct lg_frame *f, size_t n)
{
	enum lg_wait_class w;

	if (!status[0] && aggregated)
		return classify_frames(f, n, 0);
	w = classify_status(status);
	if (w == LG_WAIT_SEMACQUIRE) {
		enum lg_wait_class fw = classify_frames(f, n, 1);

		if (fw != LG_WAIT_NONE)
			w = fw;
	}
	return w;
}

const char *lg_wait_class_name(enum lg_wait_class w)
{
	static const char *const names[] = {
		[LG_WAIT_NONE] = "none",
		[LG_WAIT_CHAN] = "chan",
		[LG_WAIT_NIL_CHAN] = "nil-chan",
		[LG_WAIT_SELECT] = "select",
		[LG_WAIT_SELECT_NOCASES] = "select-no-cases",
		[LG_WAIT_MUTEX] = "mutex",
		[LG_WAIT_RWMUTEX] = "rwmutex",
		[LG_WAIT_WAITGROUP] = "waitgroup",
		[LG_WAIT_COND] = "cond",
		[LG_WAIT_SLEEP] = "sleep",
		[LG_WAIT_IO] = "io",
		[LG_WAIT_SYSCALL] = "syscall",
		[LG_WAIT_SEMACQUIRE] = "semacquire",
		[LG_WAIT_RUNTIME] = "runtime",
		[LG_WAIT_OTHER] = "other",
	};

	if ((unsigned)w >= LG_ARRAY_SIZE(names) || !names[w])
		return "unknown";
	return names[w];
}
