/*
 * proc.c — child processes with deadlines, process groups and capped output.
 *
 * One poll loop per child: it reads both pipes, checks the deadline and
 * reaps the child.  Several children may run at once, one per thread.  The
 * table of live process groups is what lg_proc_interrupt walks from a signal
 * handler, so it holds plain sig_atomic_t values and is never resized.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

static volatile sig_atomic_t groups[LG_PROC_MAX_GROUPS];
static volatile sig_atomic_t interrupted;

void lg_capture_init(struct lg_capture *c, size_t head_cap, size_t tail_cap)
{
	memset(c, 0, sizeof(*c));
	lg_buf_init(&c->head);
	c->head_cap = head_cap;
	c->tail_cap = tail_cap;
	c->ring = tail_cap ? lg_xmalloc(tail_cap) : NULL;
}

void lg_capture_add(struct lg_capture *c, const char *data, size_t len)
{
	size_t room = c->head.len < c->head_cap ? c->head_cap - c->head.len : 0;
	size_t n = len < room ? len : room;

	c->total += len;
	lg_buf_add(&c->head, data, n);
	data += n;
	len -= n;
	if (!c->tail_cap)
		return;
	if (len > c->tail_cap) {
		data += len - c->tail_cap;
		len = c->tail_cap;
	}
	while (len) {
		size_t chunk = c->tail_cap - c->ring_pos;

		if (chunk > len)
			chunk = len;
		memcpy(c->ring + c->ring_pos, data, chunk);
		c->ring_pos = (c->ring_pos + chunk) % c->tail_cap;
		if (c->ring_len < c->tail_cap)
			c->ring_len = c->ring_len + chunk > c->tail_cap ? c->tail_cap
									: c->ring_len + chunk;
		data += chunk;
		len -= chunk;
	}
}

void lg_capture_text(const struct lg_capture *c, struct lg_buf *out)
{
	size_t dropped = c->total - c->head.len - c->ring_len;
	size_t start;

	lg_buf_add(out, c->head.buf, c->head.len);
	if (!c->ring_len)
		return;
	if (dropped)
		lg_buf_addf(out, "\n[... %zu bytes dropped ...]\n", dropped);
	start = c->ring_len < c->tail_cap ? 0 : c->ring_pos;
	if (start == 0) {
		lg_buf_add(out, c->ring, c->ring_len);
	} else {
		lg_buf_add(out, c->ring + start, c->tail_cap - start);
		lg_buf_add(out, c->ring, start);
	}
}

void lg_capture_release(struct lg_capture *c)
{
	lg_buf_release(&c->head);
	free(c->ring);
	c->ring = NULL;
	c->ring_len = c->ring_pos = c->total = 0;
}

static int group_register(pid_t pgid)
{
	size_t i;

	for (i = 0; i < LG_PROC_MAX_GROUPS; i++) {
		if (__sync_bool_compare_and_swap(&groups[i], 0, (sig_atomic_t)pgid))
			return (int)i;
	}
	return -1;
}

static void group_unregister(int slot)
{
	/* atomic like the register's CAS: another worker may be registering
	 * in the next slot, and the interrupt handler reads every slot */
	if (slot >= 0)
		__atomic_store_n(&groups[slot], 0, __ATOMIC_SEQ_CST);
}

void lg_proc_interrupt(void)
{
	size_t i;

	/* atomic: the workers poll it while the signal handler sets it */
	__atomic_store_n(&interrupted, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < LG_PROC_MAX_GROUPS; i++) {
		pid_t g = (pid_t)__atomic_load_n(&groups[i], __ATOMIC_SEQ_CST);

		if (g > 0)
			kill(-g, SIGKILL);
	}
}

int lg_proc_interrupted(void)
{
	return __atomic_load_n(&interrupted, __ATOMIC_SEQ_CST);
}

/* In the child after fork: only async-signal-safe calls until exec. */
static void child_exec(const struct lg_proc_opts *o, int out_w, int err_w)
{
	struct rlimit rl = { 0, 0 };

	setpgid(0, 0);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (!o->allow_core)
		setrlimit(RLIMIT_CORE, &rl);
	if (o->dir && chdir(o->dir) < 0)
		_exit(127);
	dup2(out_w, 1);
	dup2(o->merge_stderr ? out_w : err_w, 2);
	if (out_w > 2)
		close(out_w);
	if (err_w > 2)
		close(err_w);
	{
		int devnull = open("/dev/null", O_RDONLY);

		if (devnull >= 0) {
			dup2(devnull, 0);
			if (devnull > 2)
				close(devnull);
		}
	}
	if (o->envp)
		execvpe(o->argv[0], o->argv, o->envp);
	else
		execvp(o->argv[0], o->argv);
	_exit(127);
}

struct pump {
	const struct lg_proc_opts *o;
	struct pollfd fds[2];
	int open;
	size_t err_bytes; /* read from stderr so far */
};

/* Progress of a dump after the SIGQUIT (lg_proc_opts.grace_max). */
struct dumpwatch {
	double at;          /* last look */
	double progress_at; /* last progress seen */
	size_t err_bytes;
	long long cpu;      /* utime + stime in clock ticks, -1 unknown */
};

/* Reads what is ready on the pipes; closes a pipe at EOF. */
static void pump_once(struct pump *p, int wait_ms)
{
	char chunk[65536];
	int i;

	if (!p->open) {
		if (wait_ms > 0)
			poll(NULL, 0, wait_ms);
		return;
	}
	if (poll(p->fds, 2, wait_ms) <= 0)
		return;
	for (i = 0; i < 2; i++) {
		ssize_t n;

		if (p->fds[i].fd < 0 || !(p->fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = read(p->fds[i].fd, chunk, sizeof(chunk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			close(p->fds[i].fd);
			p->fds[i].fd = -1;
			p->open--;
			continue;
		}
		if (i == 1)
			p->err_bytes += (size_t)n;
		if (i == 0 && p->o->on_stdout)
			p->o->on_stdout(p->o->ctx, chunk, (size_t)n);
		else if (i == 1 && p->o->on_stderr)
			p->o->on_stderr(p->o->ctx, chunk, (size_t)n);
		else if (i == 1 && p->o->err_capture)
			lg_capture_add(p->o->err_capture, chunk, (size_t)n);
	}
}

static void record_status(struct lg_proc_result *r, int status)
{
	if (WIFEXITED(status)) {
		r->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		r->exit_code = -1;
		r->term_signal = WTERMSIG(status);
	}
}

/*
 * Processes other than `pid` in process group `pid`: what the tests started
 * and still wait for.  Read from /proc/N/stat (field 5 is the group, after
 * the parenthesised command, which may hold spaces); -1 without /proc.
 */
static int group_members(pid_t pid)
{
	DIR *dir = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!dir)
		return -1;
	while ((e = readdir(dir)) != NULL) {
		char path[300], line[512];
		const char *close;
		long pgrp = 0;
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9' || atol(e->d_name) == (long)pid)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) && (close = strrchr(line, ')')) != NULL &&
		    sscanf(close + 1, " %*c %*d %ld", &pgrp) == 1 && pgrp == (long)pid)
			n++;
		fclose(f);
	}
	closedir(dir);
	return n;
}

/*
 * CPU time (utime + stime, clock ticks) of `pid` from /proc/N/stat, fields
 * 14 and 15 (counted after the parenthesised command); -1 when unknown.
 */
static long long cpu_ticks(pid_t pid)
{
	char path[64], line[1024];
	const char *close;
	unsigned long long ut = 0, st = 0;
	FILE *f;
	int ok = 0;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f) && (close = strrchr(line, ')')) != NULL &&
	    sscanf(close + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		   &ut, &st) == 2)
		ok = 1;
	fclose(f);
	return ok ? (long long)(ut + st) : -1;
}

/*
 * 1 while a dump looks under way (see lg_proc_opts.grace_max): stderr grew,
 * or the busy file exists and the CPU time grew, within the last second.
 */
static int dump_progressing(const struct lg_proc_opts *o, const struct pump *p,
			    struct dumpwatch *w, pid_t pid, double now)
{
	if (now - w->at >= 0.5) {
		long long cpu = cpu_ticks(pid);
		int busy = o->busy_file && access(o->busy_file, F_OK) == 0;

		if (p->err_bytes != w->err_bytes || (busy && cpu >= 0 && cpu > w->cpu))
			w->progress_at = now;
		w->err_bytes = p->err_bytes;
		w->cpu = cpu;
		w->at = now;
	}
	return now - w->progress_at < 1.0;
}

/*
 * The deadline logic: SIGQUIT once, SIGKILL to the group after the grace,
 * postponed up to grace_max while a dump makes progress.
 */
static void enforce_deadline(const struct lg_proc_opts *o, struct lg_proc_result *r,
			     pid_t pid, double start, double *quit_at, const struct pump *p,
			     struct dumpwatch *w)
{
	double now = lg_now();

	if (!r->stopped && !r->quit_sent && o->on_tick &&
	    o->on_tick(o->ctx, (int)pid, now - start))
		r->stopped = 1;
	if (!r->stopped && (o->timeout <= 0 || now - start < o->timeout))
		return;
	if (!r->stopped)
		r->timed_out = 1;
	if (!r->quit_sent) {
		r->children_at_deadline = group_members(pid);
		kill(pid, SIGQUIT);
		r->quit_sent = 1;
		*quit_at = now;
		w->at = w->progress_at = now;
		w->err_bytes = p->err_bytes;
		w->cpu = cpu_ticks(pid);
	} else if (!r->killed && now - *quit_at >= o->grace) {
		if (o->grace_max > o->grace && now - *quit_at < o->grace_max &&
		    dump_progressing(o, p, w, pid, now)) {
			r->grace_extended = now - *quit_at - o->grace;
			return;
		}
		kill(-pid, SIGKILL);
		r->killed = 1;
	}
}

int lg_proc_run(const struct lg_proc_opts *o, struct lg_proc_result *r, struct lg_err *err)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	struct pump p;
	struct dumpwatch w;
	double start, quit_at = 0, exited_at = 0;
	pid_t pid = -1;
	int slot = -1, status = 0, reaped = 0, ret = 0;

	memset(r, 0, sizeof(*r));
	memset(&p, 0, sizeof(p));
	memset(&w, 0, sizeof(w));
	p.fds[0].fd = p.fds[1].fd = -1;
	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		ret = lg_error(err, "cannot create pipes: %s", strerror(errno));
		goto out;
	}
	start = lg_now();
	pid = fork();
	if (pid < 0) {
		ret = lg_error(err, "cannot fork '%s': %s", o->argv[0], strerror(errno));
		goto out;
	}
	if (pid == 0)
		child_exec(o, outp[1], errp[1]);
	setpgid(pid, pid); /* also in the parent: no race with kill(-pid) */
	slot = group_register(pid);
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;

	p.o = o;
	p.fds[0].fd = outp[0];
	p.fds[0].events = POLLIN;
	p.fds[1].fd = errp[0];
	p.fds[1].events = POLLIN;
	p.open = 2;
	outp[0] = errp[0] = -1; /* owned by the pump now */

	for (;;) {
		pump_once(&p, 50);
		if (!reaped && waitpid(pid, &status, WNOHANG) == pid) {
			reaped = 1;
			exited_at = lg_now();
			record_status(r, status);
			/* Stragglers in the group may hold the pipes open. */
			kill(-pid, SIGKILL);
		}
		if (reaped && (!p.open || lg_now() - exited_at > 2.0))
			break;
		if (!reaped)
			enforce_deadline(o, r, pid, start, &quit_at, &p, &w);
	}
	r->interrupted = lg_proc_interrupted();
	r->seconds = lg_now() - start;
out:
	group_unregister(slot);
	if (p.fds[0].fd >= 0)
		close(p.fds[0].fd);
	if (p.fds[1].fd >= 0)
		close(p.fds[1].fd);
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	return ret;
}

int lg_proc_spawn(struct lg_proc_bg *b, char *const *argv, char *const *envp, int out_fd,
		  struct lg_err *err)
{
	struct lg_proc_opts o;
	pid_t pid;

	memset(b, 0, sizeof(*b));
	b->slot = -1;
	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.envp = envp;
	pid = fork();
	if (pid < 0)
		return lg_error(err, "cannot fork '%s': %s", argv[0], strerror(errno));
	if (pid == 0)
		child_exec(&o, out_fd, out_fd);
	setpgid(pid, pid); /* also in the parent: no race with kill(-pid) */
	b->pid = pid;
	b->slot = group_register(pid);
	return 0;
}

static void bg_reaped(struct lg_proc_bg *b, int status)
{
	b->reaped = 1;
	b->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	b->term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	/* what the child left running in its group goes with it */
	kill(-b->pid, SIGKILL);
}

int lg_proc_poll(struct lg_proc_bg *b)
{
	int status;

	if (!b->pid || b->reaped)
		return 1;
	if (waitpid(b->pid, &status, WNOHANG) == b->pid)
		bg_reaped(b, status);
	return b->reaped;
}

void lg_proc_stop(struct lg_proc_bg *b, double grace)
{
	double until;
	int status;

	if (!b->pid)
		return;
	if (!b->reaped) {
		kill(-b->pid, SIGTERM);
		until = lg_now() + grace;
		while (!lg_proc_poll(b) && lg_now() < until)
			usleep(20000);
		if (!b->reaped) {
			kill(-b->pid, SIGKILL);
			if (waitpid(b->pid, &status, 0) == b->pid)
				bg_reaped(b, status);
		}
	}
	kill(-b->pid, SIGKILL);
	group_unregister(b->slot);
	b->slot = -1;
	b->pid = 0;
}
