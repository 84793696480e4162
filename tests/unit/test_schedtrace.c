/*
 * test_schedtrace.c — checks the schedtrace reader on real stderr captured
 * from Go 1.26 test binaries (tests/fixtures/t2j/sched_*.err: an idle
 * process whose goroutines are all blocked, a busy one spinning on every P,
 * and the scheddetail=1 form) and on malformed lines, which must be
 * rejected without touching the output sample.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "model.h"
#include "schedtrace.h"
#include "util.h"

#define MAX_SAMPLES 64

struct trace {
	struct lg_sched_sample s[MAX_SAMPLES];
	size_t n;
	size_t detail; /* scheddetail sub-lines seen */
	size_t other;  /* lines that are neither */
};

/* Splits a captured stderr into lines and sorts them the way the runner does. */
static int load_trace(const char *name, struct trace *t)
{
	const char *root = getenv("LG_SOURCE_DIR");
	struct lg_buf b = LG_BUF_INIT;
	struct lg_err err;
	char *path = lg_xasprintf("%s/tests/fixtures/t2j/%s", root ? root : ".", name);
	const char *p, *end;
	int ret = lg_read_file(path, 1024 * 1024, &b, &err);

	memset(t, 0, sizeof(*t));
	if (ret) {
		fprintf(stderr, "%s\n", err.msg);
		goto out;
	}
	for (p = b.buf, end = b.buf + b.len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (lg_sched_is_line(p, len)) {
			CHECK(!lg_sched_is_detail_line(p, len));
			if (t->n < MAX_SAMPLES && lg_sched_parse_line(p, len, &t->s[t->n]) == 0)
				t->n++;
			else
				CHECK(t->n == MAX_SAMPLES);
		} else if (lg_sched_is_detail_line(p, len)) {
			struct lg_sched_sample dummy;

			CHECK(lg_sched_parse_line(p, len, &dummy) == -1);
			t->detail++;
		} else {
			t->other++;
		}
		p += len + 1;
	}
out:
	free(path);
	lg_buf_release(&b);
	return ret;
}

static void test_real_line(void)
{
	static const char line[] = "SCHED 108ms: gomaxprocs=2 idleprocs=1 threads=4 "
				   "spinningthreads=3 needspinning=1 idlethreads=1 "
				   "runqueue=1 [ 1 2 ] schedticks=[ 8 11 ]";
	static const char old[] = "SCHED 101ms: gomaxprocs=2 idleprocs=0 threads=5 "
				  "spinningthreads=0 needspinning=0 idlethreads=0 runqueue=0 [1 1]";
	struct lg_sched_sample s;

	CHECK(lg_sched_is_line(line, strlen(line)));
	CHECK_INT(lg_sched_parse_line(line, strlen(line), &s), 0);
	CHECK(s.ms == 108);
	CHECK_INT(s.gomaxprocs, 2);
	CHECK_INT(s.idleprocs, 1);
	CHECK_INT(s.threads, 4);
	CHECK_INT(s.spinningthreads, 3);
	CHECK_INT(s.idlethreads, 1);
	/* global 1 plus the local queues 1 and 2; schedticks are not queues */
	CHECK_INT(s.runqueue, 4);

	CHECK_INT(lg_sched_parse_line(old, strlen(old), &s), 0);
	CHECK(s.ms == 101);
	CHECK_INT(s.threads, 5);
	CHECK_INT(s.runqueue, 2);
}

static void test_idle_trace(void)
{
	struct trace t;
	struct lg_buf why = LG_BUF_INIT;
	size_t i;

	CHECK(load_trace("sched_idle.err", &t) == 0);
	CHECK(t.n >= 8);
	CHECK_INT(t.other, 0);
	for (i = 1; i < t.n; i++) {
		CHECK(t.s[i].ms > t.s[i - 1].ms);
		CHECK_INT(t.s[i].gomaxprocs, 2);
	}
	CHECK_INT(lg_sched_judge(t.s, t.n, 3, &why), LG_SCHED_IDLE);
	CHECK_STR(why.buf, "all 2 Ps idle and run queues empty in the last 3 schedtrace samples: "
			   "blocked (waiting on I/O, a child process, a timer or a deadlock)");
	/* the startup sample is busy, but one busy sample of many is not "all" */
	CHECK_INT(lg_sched_judge(t.s, t.n, 0, &why), LG_SCHED_UNKNOWN);
	CHECK(lg_starts_with(why.buf, "the scheduler was idle in "));
	lg_buf_release(&why);
}

static void test_busy_trace(void)
{
	struct trace t;
	struct lg_buf why = LG_BUF_INIT;

	CHECK(load_trace("sched_busy.err", &t) == 0);
	CHECK(t.n >= 8);
	CHECK_INT(t.other, 0);
	CHECK_INT(lg_sched_judge(t.s, t.n, 3, &why), LG_SCHED_BUSY);
	CHECK(lg_starts_with(why.buf, "2 of 2 Ps busy, run queue "));
	CHECK(lg_ends_with(why.buf, " on average in the last 3 samples (livelock or slow test)"));
	CHECK_INT(lg_sched_judge(t.s, t.n, 1000, NULL), LG_SCHED_BUSY);
	lg_buf_release(&why);
}

static void test_detail_trace(void)
{
	struct trace t;
	struct lg_buf why = LG_BUF_INIT;

	CHECK(load_trace("sched_detail.err", &t) == 0);
	CHECK(t.n >= 3);
	CHECK(t.detail > 3 * t.n);
	CHECK_INT(t.other, 0);
	CHECK_INT(lg_sched_judge(t.s, t.n, 2, &why), LG_SCHED_IDLE);
	lg_buf_release(&why);
}

static void test_detail_lines(void)
{
	static const char *const yes[] = {
		"  P0: status=1 schedtick=0 syscalltick=0 m=0 runqsize=0",
		"  M12: p=nil curg=nil",
		"  G7: status=4(sleep) m=nil lockedm=nil",
	};
	static const char *const no[] = {
		"SCHED 0ms: gomaxprocs=1 idleprocs=0", "  P: x", "  Px: x", "   P0: x",
		"  X0: x", "  P0 x", "  P0", "",
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(yes); i++)
		CHECK(lg_sched_is_detail_line(yes[i], strlen(yes[i])));
	for (i = 0; i < LG_ARRAY_SIZE(no); i++)
		CHECK(!lg_sched_is_detail_line(no[i], strlen(no[i])));
}

static void test_malformed(void)
{
	static const char *const bad[] = {
		"",
		"SCHED",
		"SCHED 10ms",
		"SCHED ms: gomaxprocs=1 idleprocs=0",
		"SCHED 10s: gomaxprocs=1 idleprocs=0",
		"SCHED 10ms: gomaxprocs=2 idlepro",                  /* truncated key */
		"SCHED 10ms: gomaxprocs=2 idleprocs=",               /* truncated value */
		"SCHED 10ms: gomaxprocs=2 idleprocs=0 runqueue=0 [ 1", /* open list */
		"SCHED 10ms: gomaxprocs=2 idleprocs=0 runqueue=0 [ 1 x ]",
		"SCHED 10ms: gomaxprocs=2 idleprocs=0 schedticks=[ 1 2",
		"SCHED 10ms: gomaxprocs 2 idleprocs 0",              /* missing '=' */
		"SCHED 10ms: gomaxprocs=2 idleprocs=-1",
		"SCHED 10ms: gomaxprocs=-2 idleprocs=0",
		"SCHED 10ms: gomaxprocs=99999999999999999999 idleprocs=0",
		"SCHED 10ms: gomaxprocs=2147483648 idleprocs=0",
		"SCHED 10ms: gomaxprocs=2 idleprocs=0 runqueue=2147483647 [ 1 ]",
		"SCHED 10ms: gomaxprocs=2 idleprocs=0 runqueue=0 [ 2147483647 1 ]",
		"SCHED 10ms: gomaxprocs=2 idleprocs=3",              /* more idle than Ps */
		"SCHED 10ms: gomaxprocs=0 idleprocs=0",
		"SCHED 10ms: idleprocs=0 runqueue=0",                /* no gomaxprocs */
		"SCHED 10ms: gomaxprocs=2",                          /* no idleprocs */
		"SCHED 10ms: gomaxprocs=2x idleprocs=0",
		"SCHED 10ms: gomaxprocs=2 idleprocs=0 runqueue=[ 1 ]",
		"SCHED 99999999999999999999ms: gomaxprocs=2 idleprocs=0",
		"  P0: status=1 schedtick=0",
		"xSCHED 10ms: gomaxprocs=2 idleprocs=0",
	};
	static const char ok_huge[] = "SCHED 10ms: gomaxprocs=2 idleprocs=0 runqueue=2147483647";
	static const char ok_unknown[] = "SCHED 10ms: gomaxprocs=4 idleprocs=4 future=x newlist=[ 1 2 ]"
					 " gcwaiting=false";
	struct lg_sched_sample s;
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(bad); i++) {
		memset(&s, 0x5a, sizeof(s));
		if (lg_sched_parse_line(bad[i], strlen(bad[i]), &s) != -1) {
			fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
			CHECK(0);
		}
		/* a rejected line leaves the sample alone */
		CHECK_INT(s.gomaxprocs, 0x5a5a5a5a);
	}
	/* the line need not be NUL-terminated: parsing stops at len */
	CHECK_INT(lg_sched_parse_line(ok_huge, strlen(ok_huge) - 3, &s), 0);
	CHECK_INT(s.runqueue, 2147483);
	CHECK_INT(lg_sched_parse_line(ok_huge, strlen(ok_huge), &s), 0);
	CHECK_INT(s.runqueue, 2147483647);
	CHECK_INT(lg_sched_parse_line(ok_unknown, strlen(ok_unknown), &s), 0);
	CHECK_INT(s.gomaxprocs, 4);
	CHECK_INT(s.idleprocs, 4);
	CHECK_INT(s.runqueue, 0);
	CHECK_INT(s.threads, 0);
}

static void test_judge(void)
{
	struct lg_sched_sample s[4];
	struct lg_buf why = LG_BUF_INIT;
	size_t i;

	memset(s, 0, sizeof(s));
	for (i = 0; i < 4; i++) {
		s[i].gomaxprocs = 2;
		s[i].idleprocs = 2;
	}
	CHECK_INT(lg_sched_judge(s, 0, 3, &why), LG_SCHED_UNKNOWN);
	CHECK_STR(why.buf, "only 0 schedtrace samples; at least 2 are needed to judge");
	CHECK_INT(lg_sched_judge(s, 1, 3, &why), LG_SCHED_UNKNOWN);
	CHECK_INT(lg_sched_judge(s, 4, 1, &why), LG_SCHED_UNKNOWN);
	CHECK_INT(lg_sched_judge(s, 2, 3, &why), LG_SCHED_IDLE);
	CHECK_STR(why.buf, "all 2 Ps idle and run queues empty in the last 2 schedtrace samples: "
			   "blocked (waiting on I/O, a child process, a timer or a deadlock)");

	/* work queued with every P idle is not idle */
	s[3].runqueue = 4;
	CHECK_INT(lg_sched_judge(s, 4, 2, &why), LG_SCHED_UNKNOWN);
	s[2].idleprocs = 1;
	s[2].runqueue = 4;
	s[1].idleprocs = 1;
	s[1].runqueue = 4;
	CHECK_INT(lg_sched_judge(s, 4, 3, &why), LG_SCHED_BUSY);
	CHECK_STR(why.buf, "0.7 of 2 Ps busy, run queue 4 on average in the last 3 samples "
			   "(livelock or slow test)");
	s[3].idleprocs = 1;
	CHECK_INT(lg_sched_judge(s, 4, 3, &why), LG_SCHED_BUSY);
	CHECK_STR(why.buf, "1 of 2 Ps busy, run queue 4 on average in the last 3 samples "
			   "(livelock or slow test)");
	/* two busy samples of four are not "most" */
	s[1].idleprocs = 2;
	s[1].runqueue = 0;
	CHECK_INT(lg_sched_judge(s, 4, 4, &why), LG_SCHED_UNKNOWN);
	CHECK_STR(why.buf, "the scheduler was idle in 2 and busy in 2 of the last 4 schedtrace "
			   "samples; no clear picture");
	lg_buf_release(&why);
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "real_line", test_real_line },
		{ "idle_trace", test_idle_trace },
		{ "busy_trace", test_busy_trace },
		{ "detail_trace", test_detail_trace },
		{ "detail_lines", test_detail_lines },
		{ "malformed", test_malformed },
		{ "judge", test_judge },
	};

	return LG_CHECK_RUN(cases);
}
