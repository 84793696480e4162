/*
 * test_wait.c — wait classes: from the printed wait reason, from frames
 * where the reason says too little ("semacquire" before Go 1.23, no reason
 * in debug=1 profiles), and their stable names (part of signatures).
 */
#include <string.h>

#include "check.h"
#include "util.h"
#include "wait.h"

static void test_from_status(void)
{
	static const struct {
		const char *status;
		enum lg_wait_class want;
	} cases[] = {
		{ "chan receive", LG_WAIT_CHAN },
		{ "chan send", LG_WAIT_CHAN },
		{ "chan send (nil chan)", LG_WAIT_NIL_CHAN },
		{ "select", LG_WAIT_SELECT },
		{ "select (no cases)", LG_WAIT_SELECT_NOCASES },
		{ "sync.Mutex.Lock", LG_WAIT_MUTEX },
		{ "sync.RWMutex.RLock", LG_WAIT_RWMUTEX },
		{ "sync.WaitGroup.Wait", LG_WAIT_WAITGROUP },
		{ "sync.Cond.Wait", LG_WAIT_COND },
		{ "sleep", LG_WAIT_SLEEP },
		{ "IO wait", LG_WAIT_IO },
		{ "syscall", LG_WAIT_SYSCALL },
		{ "running", LG_WAIT_NONE },
		{ "finalizer wait", LG_WAIT_RUNTIME },
		{ "GC worker (idle)", LG_WAIT_RUNTIME },
		{ "semacquire", LG_WAIT_SEMACQUIRE }, /* no frame tells */
		{ "something new in Go 1.30", LG_WAIT_OTHER },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++)
		CHECK_INT(lg_wait_classify(cases[i].status, 0, NULL, 0), cases[i].want);
}

static void test_from_frames(void)
{
	struct lg_frame mutex[2] = { { 0 } }, wg[2] = { { 0 } }, recv[2] = { { 0 } }, user[1] = { { 0 } };

	mutex[0].func = "sync.runtime_SemacquireMutex";
	mutex[1].func = "sync.(*Mutex).Lock";
	wg[0].func = "sync.runtime_SemacquireWaitGroup";
	wg[1].func = "sync.(*WaitGroup).Wait";
	recv[0].func = "runtime.chanrecv1";
	recv[1].func = "example.com/m.f";
	user[0].func = "example.com/m.f";
	/* semacquire resolved by sync frames only */
	CHECK_INT(lg_wait_classify("semacquire", 0, mutex, 2), LG_WAIT_MUTEX);
	CHECK_INT(lg_wait_classify("semacquire", 0, wg, 2), LG_WAIT_WAITGROUP);
	CHECK_INT(lg_wait_classify("semacquire", 0, recv, 2), LG_WAIT_SEMACQUIRE);
	/* a printed reason wins over frames */
	CHECK_INT(lg_wait_classify("chan receive", 0, mutex, 2), LG_WAIT_CHAN);
	/* an aggregated entry without a reason: frames alone, any package */
	CHECK_INT(lg_wait_classify("", 1, recv, 2), LG_WAIT_CHAN);
	CHECK_INT(lg_wait_classify("", 1, user, 1), LG_WAIT_NONE);
	CHECK_INT(lg_wait_class_of_frames(wg, 2), LG_WAIT_WAITGROUP);
	CHECK_INT(lg_wait_class_of_func("internal/poll.runtime_pollWait"), LG_WAIT_IO);
	CHECK_INT(lg_wait_class_of_func("time.Sleep"), LG_WAIT_SLEEP);
	CHECK_INT(lg_wait_class_of_func("sync.(*RWMutex).RLock"), LG_WAIT_RWMUTEX);
	CHECK_INT(lg_wait_class_of_func(NULL), LG_WAIT_NONE);
}

static void test_names(void)
{
	/* persisted in signatures: these words never change */
	CHECK_STR(lg_wait_class_name(LG_WAIT_CHAN), "chan");
	CHECK_STR(lg_wait_class_name(LG_WAIT_NIL_CHAN), "nil-chan");
	CHECK_STR(lg_wait_class_name(LG_WAIT_SELECT_NOCASES), "select-no-cases");
	CHECK_STR(lg_wait_class_name(LG_WAIT_WAITGROUP), "waitgroup");
	CHECK_STR(lg_wait_class_name(LG_WAIT_OTHER), "other");
	CHECK_STR(lg_wait_class_name((enum lg_wait_class)99), "unknown");
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "from status", test_from_status },
		{ "from frames", test_from_frames },
		{ "names", test_names },
	};

	return LG_CHECK_RUN(cases);
}
