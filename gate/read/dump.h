/*
 * dump.h — the goroutine dump parser and its model.
 *
 * Reads everything the Go runtime prints about goroutines (Go 1.21-1.27, and
 * older forms tolerated): runtime.Stack(all) output, pprof goroutine debug=2,
 * goroutineleak debug=2, crash output (panics, fatal errors such as
 * "all goroutines are asleep - deadlock!", test timeouts, SIGQUIT/SIGABRT
 * dumps with register lines), ancestry blocks from GODEBUG=tracebackancestors.
 * Lines that are not part of a dump (test output, SCHED lines) are skipped.
 * Malformed lines never crash the parser: they are counted, and the first few
 * are kept with their line numbers for the caller to report.
 *
 * Memory: all strings of one lg_dump live in its own string pool and are
 * interned (each distinct function or file name is stored once), so the
 * pointers in frames stay valid until lg_dump_release.  Strings from the
 * pool may be compared by pointer within one dump.
 */
#ifndef LG_DUMP_H
#define LG_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "wait.h"
#include "util.h"

/* Caps on untrusted input. */
#define LG_TB_MAX_LINE (64 * 1024)          /* longer lines are truncated and counted
                                               (inside a goroutine block; elsewhere
                                               they are skipped as noise) */
#define LG_TB_MAX_INPUT ((size_t)4 << 30)  /* whole input */
#define LG_TB_MAX_FRAMES 4096               /* frames kept per goroutine */
#define LG_TB_MAX_BAD_LINES 16              /* malformed lines kept for reporting */
#define LG_TB_MAX_RUNNING_TESTS 10000       /* "running tests:" names kept */
#define LG_TB_CHUNK ((size_t)1 << 20)       /* read size of lg_dump_parse_fd */

/* Where a goroutine was started, from "created by F in goroutine N". */
struct lg_creator {
	const char *func; /* NULL for goroutines nobody created (goroutine 1) */
	const char *file;
	int line;
	int64_t parent_id; /* -1 when not printed */
};

/* One "[originating from goroutine N]:" block. */
struct lg_ancestor {
	int64_t id;
	struct lg_frame *frames;
	size_t nframes;
	struct lg_creator creator;
};

struct lg_goroutine {
	int64_t id;
	const char *status;      /* status text as printed without flags: "chan receive" */
	enum lg_wait_class wait; /* classified from status and, for semacquire, from frames */
	int minutes;             /* ", N minutes"; 0 when absent */
	unsigned locked : 1;     /* "locked to thread" */
	unsigned leaked : 1;     /* "(leaked)" */
	unsigned durable : 1;    /* "(durable)" */
	unsigned frames_elided : 1;
	const char *labels;      /* the raw "{...}" text of labels:, or NULL (Go 1.26
	                            prints it as " labels:{...}" inside the brackets,
	                            1.27 as " {...}" after them; debug=1 "# labels:") */
	int64_t bubble;          /* synctest bubble id, 0 if none */
	struct lg_frame *frames; /* innermost first */
	size_t nframes;
	struct lg_creator creator;
	struct lg_ancestor *ancestors;
	size_t nancestors;
	size_t first_line; /* 1-based line of the header in the input */
	/*
	 * How many goroutines this entry stands for: 1 for a goroutine of a
	 * debug=2 style dump; for a group of a debug=1 profile ("N @ 0x..."),
	 * N, with id -1, status "" and wait inferred from the frames.
	 */
	int64_t count;
};

/* What preceded or surrounded the goroutines. */
enum lg_dump_kind {
	LG_DUMP_PLAIN,    /* just goroutines */
	LG_DUMP_PANIC,    /* "panic: ..." */
	LG_DUMP_FATAL,    /* "fatal error: ..." (deadlock is one) */
	LG_DUMP_TIMEOUT,  /* "panic: test timed out after ..." */
	LG_DUMP_SIGNAL    /* "SIGQUIT: quit", "SIGABRT: abort", "SIGSEGV: ..." */
};

struct lg_bad_line {
	size_t line;
	char *text; /* truncated to 200 bytes */
};

struct lg_dump {
	struct lg_goroutine *g;
	size_t n;
	enum lg_dump_kind kind;
	char *message;        /* "all goroutines are asleep - deadlock!", panic value, ... */
	size_t message_line;  /* 1-based line of that message */
	int deadlock;         /* the fatal error was the global deadlock */
	char **running_tests; /* from "running tests:" (names only, no durations) */
	size_t nrunning_tests;
	size_t bad_lines;     /* malformed lines seen (within a dump) */
	struct lg_bad_line bad[LG_TB_MAX_BAD_LINES];
	size_t nbad;
	size_t lines;         /* lines read */
	void *pool;           /* private: the string pool */
	size_t nseen;         /* goroutine entries parsed, also those only visited */
};

void lg_dump_init(struct lg_dump *d);
void lg_dump_release(struct lg_dump *d);

/*
 * Parses `len` bytes of `text` (need not be NUL-terminated) into `d`, which
 * must be freshly initialised.  Never fails on malformed content: returns 0
 * and counts bad lines.  Returns -1 with `err` filled ("NAME: input larger
 * than ...") only when a hard cap is exceeded; `name` is used in messages.
 */
int lg_dump_parse(struct lg_dump *d, const char *text, size_t len, const char *name,
		  struct lg_err *err);

/* Convenience: reads and parses a file in chunks (cap LG_TB_MAX_INPUT). */
int lg_dump_parse_file(struct lg_dump *d, const char *path, struct lg_err *err);

/*
 * Streaming.  The parser can also be fed its input in chunks of any size
 * (lines may be split anywhere between chunks) and hand each goroutine to a
 * visitor as soon as its block ends instead of keeping it, so that memory
 * grows with the distinct strings of the input, not with its goroutines.
 *
 * The visitor gets the dump (for its pool and preamble fields as far as they
 * have been read) and the goroutine.  The goroutine's frames and ancestors
 * arrays are scratch space, valid only during the call; its strings are
 * interned in d's pool and stay valid until lg_dump_release(d), and compare
 * by pointer.  With visit NULL goroutines are kept in d->g as by
 * lg_dump_parse.  Either way d->nseen counts them and everything else in d
 * (message, bad lines, running tests, lines) is filled as usual.
 */
typedef void (*lg_dump_visit_fn)(void *ctx, const struct lg_dump *d,
				 const struct lg_goroutine *g);
struct lg_dump_stream;

/* Starts a streaming parse into d (freshly initialised); `name` for messages. */
struct lg_dump_stream *lg_dump_stream_new(struct lg_dump *d, const char *name,
					  lg_dump_visit_fn visit, void *ctx);
/*
 * Feeds the next `len` bytes.  Returns 0, or -1 with `err` when the input
 * passes LG_TB_MAX_INPUT in total; the stream must then only be freed.
 */
int lg_dump_stream_feed(struct lg_dump_stream *s, const char *data, size_t len,
			struct lg_err *err);
/* Ends the input (the last line and block are completed) and frees `s`. */
void lg_dump_stream_finish(struct lg_dump_stream *s);
/* Frees a stream without finishing it (after an error).  NULL is fine. */
void lg_dump_stream_free(struct lg_dump_stream *s);

/*
 * Reads `fd` to its end through a stream (visit as above, NULL to keep the
 * goroutines) in LG_TB_CHUNK pieces (read, never mapped: a file truncated
 * under a mapping would raise SIGBUS).  Does not close fd.  Returns 0, or -1 with `err` on a read error
 * or past the input cap.
 */
int lg_dump_parse_fd(struct lg_dump *d, int fd, const char *name, lg_dump_visit_fn visit,
		     void *ctx, struct lg_err *err);

/* Finds a goroutine by id, or NULL. */
const struct lg_goroutine *lg_dump_find(const struct lg_dump *d, int64_t id);

/*
 * The package path of a function name: "net/http.(*conn).serve" ->
 * "net/http"; "main.main" -> "main".  Writes into `out` (reset first).
 */
void lg_func_package(const char *func, struct lg_buf *out);

/*
 * A stable signature for grouping that survives code edits: the functions of
 * all frames (no args, addresses, ids or line numbers) and the wait reason,
 * hashed to 16 hex digits.  `out` must hold 17 bytes.  Frames of package
 * runtime are left out, so one blocking point gets one signature whether the
 * dump came from GOTRACEBACK=single, system/crash or a debug=1 profile.
 */
void lg_goroutine_signature(const struct lg_goroutine *g, char out[17]);

/*
 * Appends the goroutine as Go printed it (header, frames, created by,
 * ancestors), normalised: one frame per two lines, no args.
 */
void lg_goroutine_format(const struct lg_goroutine *g, struct lg_buf *out);

#endif
