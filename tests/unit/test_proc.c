/*
 * test_proc.c — child processes: exit status, signals, the outside
 * deadline (SIGQUIT, then SIGKILL to the group, postponed while a dump is
 * in progress), capped capture, and no survivors.  Uses /bin/sh programs: real processes, real signals.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "proc.h"

struct sink {
	struct lg_buf out;
};

static void to_buf(void *ctx, const char *data, size_t len)
{
	struct sink *s = ctx;

	lg_buf_add(&s->out, data, len);
}

/* Alive and not a zombie waiting for init to reap it. */
static int process_alive(int pid)
{
	char path[64], buf[512];
	FILE *f;
	char *paren;
	int alive = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (paren = strrchr(buf, ')')) != NULL)
		alive = paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
	fclose(f);
	return alive;
}

static int run_sh(const char *script, double timeout, double grace, struct lg_proc_result *r,
		  struct sink *s, struct lg_capture *err)
{
	char *argv[] = { "sh", "-c", (char *)script, NULL };
	struct lg_proc_opts o;
	struct lg_err e;

	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.timeout = timeout;
	o.grace = grace;
	o.on_stdout = to_buf;
	o.ctx = s;
	o.err_capture = err;
	return lg_proc_run(&o, r, &e);
}

static void test_exit_and_output(void)
{
	struct sink s = { LG_BUF_INIT };
	struct lg_capture err;
	struct lg_proc_result r;
	struct lg_buf text = LG_BUF_INIT;

	lg_capture_init(&err, 1024, 1024);
	CHECK_INT(run_sh("echo out; echo err >&2; exit 3", 10, 1, &r, &s, &err), 0);
	CHECK_INT(r.exit_code, 3);
	CHECK_INT(r.term_signal, 0);
	CHECK_INT(r.timed_out, 0);
	CHECK_STR(s.out.buf, "out\n");
	lg_capture_text(&err, &text);
	CHECK_STR(text.buf, "err\n");
	lg_buf_release(&text);
	lg_buf_release(&s.out);
	lg_capture_release(&err);
}

static void test_signal_exit(void)
{
	struct sink s = { LG_BUF_INIT };
	struct lg_proc_result r;

	CHECK_INT(run_sh("kill -9 $$", 10, 1, &r, &s, NULL), 0);
	CHECK_INT(r.exit_code, -1);
	CHECK_INT(r.term_signal, SIGKILL);
	lg_buf_release(&s.out);
}

static void test_deadline_quit(void)
{
	struct sink s = { LG_BUF_INIT };
	struct lg_proc_result r;

	/* Reacts to SIGQUIT by printing and exiting, like a Go binary dumping. */
	CHECK_INT(run_sh("trap 'echo dumped; exit 2' QUIT; while :; do sleep 0.05; done", 0.3, 5,
			 &r, &s, NULL), 0);
	CHECK_INT(r.timed_out, 1);
	CHECK_INT(r.quit_sent, 1);
	CHECK_INT(r.killed, 0);
	CHECK_INT(r.exit_code, 2);
	CHECK_STR(s.out.buf, "dumped\n");
	CHECK(r.seconds < 4);
	lg_buf_release(&s.out);
}

static void test_deadline_ignored_quit_and_children(void)
{
	struct sink s = { LG_BUF_INIT };
	struct lg_proc_result r;

	/* Ignores SIGQUIT and leaves a child behind: both die with the group. */
	CHECK_INT(run_sh("trap '' QUIT; sleep 4711 & echo $!; while :; do sleep 0.05; done", 0.3,
			 0.3, &r, &s, NULL), 0);
	CHECK_INT(r.timed_out, 1);
	CHECK_INT(r.killed, 1);
	CHECK_INT(r.term_signal, SIGKILL);
	CHECK(r.seconds < 5);
	usleep(200000);
	CHECK_INT(process_alive(atoi(s.out.buf)), 0);
	lg_buf_release(&s.out);
}

static void test_child_left_after_exit(void)
{
	struct sink s = { LG_BUF_INIT };
	struct lg_proc_result r;
	/* The binary exits but its child keeps stdout open: not waited for. */
	CHECK_INT(run_sh("sleep 4712 & echo $!; exit 0", 10, 1, &r, &s, NULL), 0);
	CHECK_INT(r.exit_code, 0);
	CHECK(r.seconds < 4);
	usleep(200000);
	CHECK_INT(process_alive(atoi(s.out.buf)), 0);
	lg_buf_release(&s.out);
}

static void test_not_found(void)
{
	char *argv[] = { "leakgate-no-such-program", NULL };
	struct lg_proc_opts o;
	struct lg_proc_result r;
	struct lg_err e;

	memset(&o, 0, sizeof(o));
	o.argv = argv;
	CHECK_INT(lg_proc_run(&o, &r, &e), 0);
	CHECK_INT(r.exit_code, 127);
}

static void test_capture_caps(void)
{
	struct lg_capture c;
	struct lg_buf text = LG_BUF_INIT;
	char big[1000];
	int i;

	memset(big, 'x', sizeof(big));
	lg_capture_init(&c, 10, 10);
	lg_capture_add(&c, "HEAD-ABCDEFG", 12);
	for (i = 0; i < 1000; i++)
		lg_capture_add(&c, big, sizeof(big));
	lg_capture_add(&c, "0123456789TAIL", 14);
	lg_capture_text(&c, &text);
	CHECK(lg_starts_with(text.buf, "HEAD-ABCDE"));
	CHECK(lg_ends_with(text.buf, "456789TAIL"));
	CHECK(strstr(text.buf, "bytes dropped") != NULL);
	CHECK(text.len < 100);
	CHECK_INT(c.total, 12 + 1000 * 1000 + 14);
	lg_buf_release(&text);
	lg_capture_release(&c);

	lg_capture_init(&c, 100, 100);
	lg_capture_add(&c, "short", 5);
	lg_capture_text(&c, &text);
	CHECK_STR(text.buf, "short");
	lg_buf_release(&text);
	lg_capture_release(&c);
}

static void test_flood_bounded(void)
{
	struct lg_capture err;
	struct lg_proc_result r;
	char *argv[] = { "sh", "-c", "yes leakgate-flood-line >&2", NULL };
	struct lg_proc_opts o;
	struct lg_err e;

	lg_capture_init(&err, 4096, 4096);
	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.timeout = 0.5;
	o.grace = 0.2;
	o.err_capture = &err;
	CHECK_INT(lg_proc_run(&o, &r, &e), 0);
	CHECK_INT(r.timed_out, 1);
	CHECK(err.total > 8192);
	CHECK(err.head.len <= 4096);
	lg_capture_release(&err);
}

/*
 * Runs `script` with a deadline of 0.3 s, a grace of 0.3 s and a postponement
 * bound of `grace_max` for a dump in progress, `busy` as the busy marker.
 */
static int run_dumping(const char *script, double grace_max, const char *busy,
		       struct lg_proc_result *r)
{
	char *argv[] = { "sh", "-c", (char *)script, NULL };
	struct lg_proc_opts o;
	struct lg_capture err;
	struct lg_err e;
	int ret;

	memset(&o, 0, sizeof(o));
	lg_capture_init(&err, 1024, 1024);
	o.argv = argv;
	o.timeout = 0.3;
	o.grace = 0.3;
	o.grace_max = grace_max;
	o.busy_file = busy;
	o.err_capture = &err;
	ret = lg_proc_run(&o, r, &e);
	lg_capture_release(&err);
	return ret;
}

/* A SIGQUIT dump still flowing to stderr past the grace postpones the SIGKILL. */
static void test_grace_dump_flowing(void)
{
	struct lg_proc_result r;

	/* on SIGQUIT: 2 s of output, a line every 50 ms, then exit 2 */
	CHECK_INT(run_dumping("trap 'i=0; while [ $i -lt 40 ]; do echo goroutine $i >&2; "
			      "sleep 0.05; i=$((i+1)); done; exit 2' QUIT; "
			      "while :; do sleep 0.05; done", 10, NULL, &r), 0);
	CHECK_INT(r.quit_sent, 1);
	CHECK_INT(r.killed, 0);
	CHECK_INT(r.exit_code, 2);
	CHECK(r.grace_extended > 1.0);
	CHECK(r.seconds < 5);
}

/* The busy marker with CPU time growing postpones it too; without the marker it does not. */
static void test_grace_busy_marker(void)
{
	char dir[] = "/tmp/lg_test_proc_XXXXXX";
	char *busy, *script;
	struct lg_proc_result r;

	CHECK(mkdtemp(dir) != NULL);
	busy = lg_xasprintf("%s/busy.json", dir);
	/* ignores SIGQUIT, burns CPU silently for about 2 s with the marker, removes it, exits 3 */
	script = lg_xasprintf("trap '' QUIT; echo '{}' > %s; end=$(($(date +%%s) + 3)); "
			      "while [ $(date +%%s) -lt $end ]; do :; done; rm -f %s; exit 3",
			      busy, busy);
	CHECK_INT(run_dumping(script, 10, busy, &r), 0);
	CHECK_INT(r.killed, 0);
	CHECK_INT(r.exit_code, 3);
	CHECK(r.grace_extended > 1.0);
	/* the same without telling proc about the marker: killed after the grace */
	CHECK_INT(run_dumping(script, 10, NULL, &r), 0);
	CHECK_INT(r.killed, 1);
	CHECK(r.seconds < 2.2); /* about 0.6 s; the script would end by itself at 3 s */
	/* and the postponement is bounded: grace_max 1 s kills it at about 1.6 s */
	CHECK_INT(run_dumping(script, 1.0, busy, &r), 0);
	CHECK_INT(r.killed, 1);
	CHECK(r.seconds < 2.8); /* slack for a loaded machine, still before the script's end */
	unlink(busy);
	rmdir(dir);
	free(script);
	free(busy);
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "exit_and_output", test_exit_and_output },
		{ "signal_exit", test_signal_exit },
		{ "deadline_quit", test_deadline_quit },
		{ "deadline_ignored_quit_and_children", test_deadline_ignored_quit_and_children },
		{ "child_left_after_exit", test_child_left_after_exit },
		{ "not_found", test_not_found },
		{ "capture_caps", test_capture_caps },
		{ "flood_bounded", test_flood_bounded },
		{ "grace_dump_flowing", test_grace_dump_flowing },
		{ "grace_busy_marker", test_grace_busy_marker },
	};

	return LG_CHECK_RUN(cases);
}
