/*
 * util.h — memory, growable buffers and error reporting shared by every module.
 *
 * Ownership rule of the whole code base, stated once: whoever calls an
 * `_init`/`_new`/`_parse` function owns what it returns and gives it back with
 * the matching `_release` (frees the contents of a caller-owned struct) or
 * `_free` (frees a heap-allocated object).  `_release` is always safe on a
 * struct that was initialised and never used, and leaves it initialised.
 *
 * Out of memory is not an error leakgate recovers from: the x*alloc helpers
 * print "leakgate: out of memory (N bytes)" to stderr and exit with
 * LG_OOM_EXIT, so no caller checks for NULL.
 */
#ifndef LG_UTIL_H
#define LG_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define LG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define LG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define LG_PRINTF(f, a)
#endif

/*
 * The exit status on exhaustion: LG_EXIT_ENV of cli.h (an environment error,
 * like a full disk; 4, "internal error", is for leakgate's own bugs).
 * main.c checks that the two agree.
 */
#define LG_OOM_EXIT 3

/*
 * Called once, before the exit, when memory runs out: must not allocate
 * (lg_proc_interrupt, which kills the running tests' process groups).
 */
void lg_set_oom_hook(void (*fn)(void));

/*
 * Allocation helpers: never return NULL (exit LG_OOM_EXIT on exhaustion).
 * Blocks of LG_HUGE_MIN bytes or more get the kernel's huge-page hint for
 * their 2 MiB-aligned middle (fewer page faults while they are filled).
 */
void *lg_xmalloc(size_t n);
void *lg_xcalloc(size_t nmemb, size_t size);
void *lg_xrealloc(void *p, size_t n);
char *lg_xstrdup(const char *s);

#define LG_HUGE_PAGE ((size_t)2 << 20)
#define LG_HUGE_MIN ((size_t)4 << 20)
/*
 * The 2 MiB-aligned middle of the block [p, p + n): its length (0 when no
 * whole huge page fits, or the block wraps around) and *start (set only
 * then).  Cannot fail.
 */
size_t lg_huge_range(uintptr_t p, size_t n, uintptr_t *start);
char *lg_xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string. */
char *lg_xasprintf(const char *fmt, ...) LG_PRINTF(1, 2);

/*
 * Grow the array *p of *alloc elements of size `elem` so that it can hold
 * at least `need` elements.  Growth is geometric.
 */
void lg_grow(void **p, size_t *alloc, size_t need, size_t elem);
#define LG_GROW(arr, alloc, need) \
	lg_grow((void **)&(arr), &(alloc), (need), sizeof(*(arr)))

/*
 * A growable, always NUL-terminated byte buffer (git's strbuf idea).
 * `buf` is never NULL after lg_buf_init or LG_BUF_INIT; `len` excludes the NUL.
 */
struct lg_buf {
	char *buf;
	size_t len;
	size_t alloc;
};
extern char lg_buf_empty[];
#define LG_BUF_INIT { lg_buf_empty, 0, 0 }

void lg_buf_init(struct lg_buf *b);
/* Frees the contents and re-initialises `b`. */
void lg_buf_release(struct lg_buf *b);
/* Empties without freeing. */
void lg_buf_reset(struct lg_buf *b);
/* lg_buf_add's path that grows the buffer. */
void lg_buf_add_grow(struct lg_buf *b, const void *data, size_t len);
/*
 * Makes room for `extra` more bytes and the NUL, adding none: a writer
 * that knows how much it appends then fills buf + len itself and sets len
 * and the NUL.  Cannot fail (exhaustion exits).
 */
void lg_buf_reserve(struct lg_buf *b, size_t extra);

/*
 * Appends `len` bytes.  Inline: writers append a few bytes at a time,
 * millions of times, and the call would cost more than the copy.
 */
static inline void lg_buf_add(struct lg_buf *b, const void *data, size_t len)
{
	if (len < b->alloc - b->len) {
		memcpy(b->buf + b->len, data, len);
		b->len += len;
		b->buf[b->len] = '\0';
	} else {
		lg_buf_add_grow(b, data, len);
	}
}

static inline void lg_buf_adds(struct lg_buf *b, const char *s)
{
	lg_buf_add(b, s, strlen(s));
}

static inline void lg_buf_addch(struct lg_buf *b, int c)
{
	char ch = (char)c;

	lg_buf_add(b, &ch, 1);
}
void lg_buf_addf(struct lg_buf *b, const char *fmt, ...) LG_PRINTF(2, 3);
void lg_buf_vaddf(struct lg_buf *b, const char *fmt, va_list ap) LG_PRINTF(2, 0);
/* A decimal integer, as "%" PRId64 would print it, without printf's cost. */
void lg_buf_add_int(struct lg_buf *b, int64_t v);
/* Hands the string to the caller (who frees it) and re-initialises `b`. */
char *lg_buf_detach(struct lg_buf *b, size_t *len);

/*
 * Reads the whole file at `path` into `out` (appending).  Refuses files larger
 * than `cap` bytes.  Returns 0, or -1 with a message in `err`.
 */
struct lg_err;
int lg_read_file(const char *path, size_t cap, struct lg_buf *out, struct lg_err *err);

/*
 * The one atomic file writer: writes `len` bytes to `path` through a
 * temporary file beside it (".<name>.tmp.XXXXXX", mode 0644) that is
 * fsync'ed, renamed over `path`, and the directory fsync'ed, so a reader —
 * or a crash at any moment — sees the old file or the new one, never half
 * of it, and the new one survives a power cut once this returns.  A failed
 * write leaves no temporary file (a killed writer may: ".<name>.tmp.*").
 * With LG_WRITE_IF_CHANGED a file that already holds exactly these bytes
 * is left alone (not rewritten, its mtime kept).
 * Returns 0, or -1 with a message naming the file and the reason.
 */
#define LG_WRITE_IF_CHANGED 1u
int lg_write_file(const char *path, const void *data, size_t len, unsigned flags,
		  struct lg_err *err);
/* lg_write_file without flags. */
int lg_write_file_atomic(const char *path, const void *data, size_t len, struct lg_err *err);

/*
 * Error reporting for library code: modules never print; they fill a
 * caller-provided lg_err and return -1.  The message is lowercase, has no
 * full stop and names its subject first ("cannot open 'x.json': ...").
 */
struct lg_err {
	char msg[1024];
};
/* Formats into err (if non-NULL) and returns -1, so `return lg_error(...)`. */
int lg_error(struct lg_err *err, const char *fmt, ...) LG_PRINTF(2, 3);

/*
 * Decodes the well-formed UTF-8 sequence at `s` (at most `n` bytes): returns
 * its length and stores the code point in *cp (may be NULL), or returns 0
 * for anything malformed (overlong forms, surrogates, past U+10FFFF, cut
 * short).  The one UTF-8 decoder every output module relies on.
 */
size_t lg_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* a + b, held at INT64_MIN / INT64_MAX instead of overflowing (untrusted sums). */
int64_t lg_sat_add64(int64_t a, int64_t b);

/*
 * The persisted hash: 64-bit FNV-1a, the one implementation of it in
 * leakgate.  Ids and fingerprints users keep (signatures, SARIF and code
 * quality fingerprints, shard assignment, flame colours) are made with
 * these, so they must never change; in-memory tables use hashmap.h.
 *
 * lg_fnv1a_bytes continues an FNV-1a hash (start: LG_FNV_OFFSET) over the
 * n bytes at p (p may be NULL when n is 0).  lg_fnv1a continues it over `s`
 * and its terminating NUL (NULL hashes as "").  Neither can fail.
 * lg_hash_mix folds a value into a hash.
 */
#define LG_FNV_OFFSET 0xcbf29ce484222325ull
uint64_t lg_fnv1a(uint64_t h, const char *s);

/* Inline: group signatures hash every function name of 100,000s of stacks. */
static inline uint64_t lg_fnv1a_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Inline: grouping mixes a few values per frame of every stack. */
static inline uint64_t lg_hash_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

/* `v` as 16 lowercase hex digits and a NUL, as "%016" PRIx64 prints it. */
void lg_hex16(uint64_t v, char out[17]);

/*
 * Creates `path` and its missing parents with `mode` (like mkdir -p); an
 * existing directory is fine.  Fails with "cannot create '<dir>': <why>"
 * naming the component that could not be made.
 */
int lg_mkdir_p(const char *path, unsigned mode, struct lg_err *err);

/* String helpers. */
int lg_starts_with(const char *s, const char *prefix);
/* Frees a NULL-terminated array of allocated strings and the array (NULL is fine). */
void lg_strv_free(char **v);
/* Number of strings in a NULL-terminated array (0 for NULL). */
size_t lg_strv_len(char *const *v);
int lg_ends_with(const char *s, const char *suffix);
/* Monotonic clock in seconds. */
double lg_now(void);

#include "banned.h"
/* `file` relative to `root` when inside it (root/...), else a copy; NULL for NULL. */
char *lg_relpath(const char *root, const char *file);

#endif
