/*
 * proc.h — runs one child process with an outside deadline and captured,
 * capped output.  This is what keeps a misbehaving test binary (one that
 * hangs, floods output, ignores signals or leaves children running) from
 * hurting leakgate.
 *
 * The child gets its own process group.  Its stdout is streamed to a
 * callback (so test2json can be decoded while it runs); its stderr is kept
 * as head + tail within a fixed budget.  At the deadline the child receives
 * SIGQUIT (a Go binary then prints every goroutine), and after the grace
 * period the whole group receives SIGKILL.  When the child exits, whatever
 * is left of its group is killed too, so no process outlives the run.
 *
 * lg_proc_interrupt() (async-signal-safe) kills every running group; the
 * caller's SIGINT/SIGTERM handler calls it.
 */
#ifndef LG_PROC_H
#define LG_PROC_H

#include <stddef.h>

#include "util.h"

#define LG_PROC_MAX_GROUPS 64

/* Keeps the first `head` and the last `tail` bytes of a stream. */
struct lg_capture {
	struct lg_buf head;
	char *ring; /* tail ring buffer of `tail_cap` bytes */
	size_t head_cap, tail_cap, ring_len, ring_pos;
	size_t total; /* bytes seen */
};
void lg_capture_init(struct lg_capture *c, size_t head_cap, size_t tail_cap);
void lg_capture_add(struct lg_capture *c, const char *data, size_t len);
/* Head, a "[... N bytes dropped ...]" marker line when needed, and tail. */
void lg_capture_text(const struct lg_capture *c, struct lg_buf *out);
void lg_capture_release(struct lg_capture *c);

struct lg_proc_opts {
	char *const *argv;      /* argv[0] is looked up in PATH */
	const char *dir;        /* working directory, NULL = inherit */
	char *const *envp;      /* NULL = inherit */
	double timeout;         /* seconds; 0 = no deadline */
	double grace;           /* seconds between SIGQUIT and SIGKILL */
	/*
	 * A dump in progress postpones the SIGKILL past `grace`, up to
	 * `grace_max` seconds after the SIGQUIT (0: never postponed): while
	 * stderr keeps receiving bytes (the runtime printing its SIGQUIT dump),
	 * or while `busy_file` exists (the hook's busy marker, may be NULL)
	 * and the child's CPU time keeps growing.  Progress is looked at every
	 * half second; a second without it ends the postponement.
	 */
	double grace_max;
	const char *busy_file;
	int allow_core;         /* keep the core-dump limit instead of 0 */
	int merge_stderr;       /* send stderr to the stdout callback too */
	/* Called with each chunk of stdout as it arrives. */
	void (*on_stdout)(void *ctx, const char *data, size_t len);
	void *ctx;
	/* Called with each chunk of stderr; when NULL, err_capture gets it. */
	void (*on_stderr)(void *ctx, const char *data, size_t len);
	struct lg_capture *err_capture; /* receives stderr; may be NULL */
	/*
	 * Called about every 50ms while the child runs, with its pid (it may
	 * signal it).  Returning 1 stops the child as at the deadline: SIGQUIT,
	 * then SIGKILL to the group after the grace.  May be NULL.
	 */
	int (*on_tick)(void *ctx, int pid, double elapsed);
};

struct lg_proc_result {
	int exit_code;   /* exit status, or -1 when ended by a signal */
	int term_signal; /* signal that ended it, 0 if none */
	int timed_out;   /* the deadline passed */
	int stopped;     /* on_tick asked to stop it before the deadline */
	int quit_sent;   /* SIGQUIT was sent */
	int killed;      /* SIGKILL was needed */
	double grace_extended; /* seconds the SIGKILL was postponed for a dump in progress */
	int interrupted; /* lg_proc_interrupt() ended it */
	int children_at_deadline; /* other live processes in its group when the deadline
	                             passed (the tests' child processes); -1 unknown */
	double seconds;  /* wall time */
};

/*
 * Runs the process to completion.  Returns 0 when it ran (whatever its exit
 * status), -1 with `err` when it could not be started.
 */
int lg_proc_run(const struct lg_proc_opts *o, struct lg_proc_result *r, struct lg_err *err);

/*
 * A child that runs in the background while the caller does other work (a
 * service under test, a load generator): its own process group, stdin from
 * /dev/null, stdout and stderr on `out_fd`.  The group is registered like
 * lg_proc_run's, so lg_proc_interrupt kills it too.
 */
struct lg_proc_bg {
	int pid;        /* 0 when not started */
	int slot;       /* in the interrupt table, -1 when none */
	int reaped;     /* the child was waited for */
	int exit_code;  /* exit status, or -1 when ended by a signal */
	int term_signal;
};

/*
 * Starts argv[0] (looked up in PATH) with `envp` (NULL = inherit).
 * Returns 0, or -1 with `err` when it could not be forked; a program that
 * cannot be executed exits 127.
 */
int lg_proc_spawn(struct lg_proc_bg *b, char *const *argv, char *const *envp, int out_fd,
		  struct lg_err *err);

/* 1 once the child has exited (b->exit_code set), 0 while it runs. */
int lg_proc_poll(struct lg_proc_bg *b);

/*
 * Ends the child's whole group: SIGTERM, then SIGKILL after `grace`
 * seconds; reaps the child and unregisters the group.  Safe on a struct
 * that never started or already stopped.
 */
void lg_proc_stop(struct lg_proc_bg *b, double grace);

/* Kills every process group started by lg_proc_run that is still running. */
void lg_proc_interrupt(void);
/* 1 once lg_proc_interrupt() was called. */
int lg_proc_interrupted(void);

#endif
