/*
 * util.c — allocation, buffers, file reading and error formatting used by
 * every other module.  Nothing here knows about Go or tests.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* MADV_HUGEPAGE */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

char lg_buf_empty[1];

static void (*oom_hook)(void);

void lg_set_oom_hook(void (*fn)(void))
{
	oom_hook = fn;
}

/*
 * Out of memory: one line and exit LG_OOM_EXIT at once.  No abort (no core
 * dump, no "Aborted"), and _exit rather than exit: no stdio buffer holding
 * half a document is flushed, no atexit handler runs (and allocates).  The
 * message is formatted on the stack and written with write(2).  Files are
 * never torn by this: every output file is written whole to a temporary
 * name and renamed (lg_write_file), which allocates nothing in between.
 * The first thread to get here reports and exits; another one waits for
 * that exit (exiting itself could end the process before the line is out).
 */
static void die_oom(size_t n)
{
	static int dying;
	char line[80];
	int len;

	if (__atomic_exchange_n(&dying, 1, __ATOMIC_SEQ_CST))
		for (;;)
			pause();
	if (oom_hook)
		oom_hook();
	len = snprintf(line, sizeof(line), "leakgate: out of memory (%zu bytes)\n", n);
	if (len > 0 && write(STDERR_FILENO, line, (size_t)len) < 0)
		len = 0; /* nothing left to tell it to */
	_exit(LG_OOM_EXIT);
}

size_t lg_huge_range(uintptr_t p, size_t n, uintptr_t *start)
{
	uintptr_t lo = (p + LG_HUGE_PAGE - 1) & ~(uintptr_t)(LG_HUGE_PAGE - 1);
	uintptr_t hi = (p + n) & ~(uintptr_t)(LG_HUGE_PAGE - 1);

	if (n < LG_HUGE_PAGE || p + n < p || hi <= lo)
		return 0;
	*start = lo;
	return (size_t)(hi - lo);
}

/*
 * Asks the kernel for huge pages under the 2 MiB-aligned middle of the
 * block [p, p + n) (MADV_HUGEPAGE: transparent huge pages are often in
 * `madvise` mode): one fault per 2 MiB instead of one per 4 KiB when a big
 * array is filled.  Only blocks of LG_HUGE_MIN bytes or more, which malloc
 * hands out from mappings of their own and which are filled soon after:
 * a huge page makes all of its 2 MiB resident, so an array lg_grow
 * doubles costs up to 2 MiB of its unfilled tail (the profile path frees
 * more than that elsewhere: see group_profile.c's add_each).  A hint: a
 * failure (no THP, an old kernel) changes nothing and is ignored.
 */
static void hint_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	uintptr_t start;
	size_t len;

	if (n < LG_HUGE_MIN)
		return;
	len = lg_huge_range((uintptr_t)p, n, &start);
	if (len)
		(void)madvise((void *)start, len, MADV_HUGEPAGE);
#else
	(void)p;
	(void)n;
#endif
}

void *lg_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die_oom(n);
	hint_huge(p, n);
	return p;
}

void *lg_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		die_oom(nmemb * size);
	hint_huge(p, nmemb * size);
	return p;
}

void *lg_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		die_oom(n);
	hint_huge(q, n);
	return q;
}

char *lg_xstrdup(const char *s)
{
	return lg_xstrndup(s, strlen(s));
}

char *lg_xstrndup(const char *s, size_t n)
{
	char *p = lg_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *lg_xasprintf(const char *fmt, ...)
{
	struct lg_buf b = LG_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	lg_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	return lg_buf_detach(&b, NULL);
}

void lg_grow(void **p, size_t *alloc, size_t need, size_t elem)
{
	size_t n;

	if (need <= *alloc)
		return;
	n = *alloc ? *alloc : 8;
	while (n < need) {
		if (n > SIZE_MAX / 2 / elem)
			die_oom(SIZE_MAX);
		n *= 2;
	}
	*p = lg_xrealloc(*p, n * elem);
	*alloc = n;
}

void lg_buf_init(struct lg_buf *b)
{
	b->buf = lg_buf_empty;
	b->len = 0;
	b->alloc = 0;
}

void lg_buf_release(struct lg_buf *b)
{
	if (b->alloc)
		free(b->buf);
	lg_buf_init(b);
}

void lg_buf_reset(struct lg_buf *b)
{
	b->len = 0;
	if (b->alloc)
		b->buf[0] = '\0';
}

static void buf_reserve(struct lg_buf *b, size_t extra)
{
	size_t need;

	if (extra > SIZE_MAX - b->len - 1)
		die_oom(SIZE_MAX);
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return;
	if (!b->alloc)
		b->buf = NULL;
	lg_grow((void **)&b->buf, &b->alloc, need, 1);
}

void lg_buf_reserve(struct lg_buf *b, size_t extra)
{
	buf_reserve(b, extra);
}

void lg_buf_add_grow(struct lg_buf *b, const void *data, size_t len)
{
	if (!len)
		return;
	buf_reserve(b, len);
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

uint64_t lg_fnv1a(uint64_t h, const char *s)
{
	if (!s)
		s = "";
	return lg_fnv1a_bytes(h, s, strlen(s) + 1);
}


void lg_hex16(uint64_t v, char out[17])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 15; i >= 0; i--, v >>= 4)
		out[i] = digits[v & 15];
	out[16] = '\0';
}

int64_t lg_sat_add64(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

void lg_buf_add_int(struct lg_buf *b, int64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	lg_buf_add(b, tmp + i, sizeof(tmp) - i);
}

void lg_buf_vaddf(struct lg_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n <= 0)
		return;
	buf_reserve(b, (size_t)n);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void lg_buf_addf(struct lg_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lg_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

char *lg_buf_detach(struct lg_buf *b, size_t *len)
{
	char *s = b->alloc ? b->buf : lg_xstrdup("");

	if (len)
		*len = b->len;
	lg_buf_init(b);
	return s;
}

int lg_read_file(const char *path, size_t cap, struct lg_buf *out, struct lg_err *err)
{
	FILE *f = NULL;
	char chunk[65536];
	size_t n, total = 0;
	int ret = 0;

	f = fopen(path, "rb");
	if (!f) {
		ret = lg_error(err, "cannot open '%s': %s", path, strerror(errno));
		goto out;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		total += n;
		if (total > cap) {
			ret = lg_error(err, "'%s' is larger than the %zu byte limit", path, cap);
			goto out;
		}
		lg_buf_add(out, chunk, n);
	}
	if (ferror(f))
		ret = lg_error(err, "cannot read '%s': %s", path, strerror(errno));
out:
	if (f)
		fclose(f);
	return ret;
}

/* 1 when `path` already holds exactly `len` bytes equal to `data`. */
static int same_content(const char *path, const void *data, size_t len)
{
	struct lg_buf old = LG_BUF_INIT;
	int same = !lg_read_file(path, len + 1, &old, NULL) && old.len == len &&
		   (len == 0 || memcmp(old.buf, data, len) == 0);

	lg_buf_release(&old);
	return same;
}

/*
 * Makes a rename in `dir` durable.  A file system that cannot sync a
 * directory (EINVAL) has nothing to make durable that way.
 */
static int sync_dir(const char *dir, struct lg_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return lg_error(err, "cannot sync directory '%s': %s", dir, strerror(errno));
	if (fsync(fd) < 0 && errno != EINVAL)
		ret = lg_error(err, "cannot sync directory '%s': %s", dir, strerror(errno));
	close(fd);
	return ret;
}

static int write_all(int fd, const char *p, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

int lg_write_file(const char *path, const void *data, size_t len, unsigned flags,
		  struct lg_err *err)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? lg_xstrndup(path, slash == path ? 1 : (size_t)(slash - path))
			  : lg_xstrdup(".");
	char *tmp = lg_xasprintf("%s/.%s.tmp.XXXXXX", dir, slash ? slash + 1 : path);
	int fd = -1, ret = 0, renamed = 0;

	if ((flags & LG_WRITE_IF_CHANGED) && same_content(path, data, len))
		goto out;
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = lg_error(err, "cannot create a temporary file for '%s': %s", path,
			       strerror(errno));
		goto out;
	}
	/* mkstemp makes it private; reports and baselines are shared */
	if (fchmod(fd, 0644) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		ret = lg_error(err, "cannot write '%s': %s", path, strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		ret = lg_error(err, "cannot write '%s': %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		ret = lg_error(err, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		goto out;
	}
	renamed = 1;
	ret = sync_dir(dir, err);
out:
	if (fd >= 0)
		close(fd);
	if (fd >= 0 || (ret && !renamed))
		unlink(tmp);
	free(tmp);
	free(dir);
	return ret;
}

int lg_write_file_atomic(const char *path, const void *data, size_t len, struct lg_err *err)
{
	return lg_write_file(path, data, len, 0, err);
}

int lg_error(struct lg_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

size_t lg_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len, i;

	if (!n)
		return 0;
	if (s[0] < 0x80) {
		len = 1;
		c = s[0];
		goto out;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
out:
	if (cp)
		*cp = c;
	return len;
}

int lg_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int lg_ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

double lg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void lg_strv_free(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

size_t lg_strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

int lg_mkdir_p(const char *path, unsigned mode, struct lg_err *err)
{
	char *copy = lg_xstrdup(path), *p;
	int ret = 0;

	for (p = copy + 1;; p++) {
		char c = *p;

		if (c && c != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, (mode_t)mode) < 0 && errno != EEXIST) {
			ret = lg_error(err, "cannot create '%s': %s", copy, strerror(errno));
			break;
		}
		*p = c;
		if (!c)
			break;
	}
	free(copy);
	return ret;
}

char *lg_relpath(const char *root, const char *file)
{
	size_t n = root ? strlen(root) : 0;

	if (!file)
		return NULL;
	if (n && strncmp(file, root, n) == 0 && file[n] == '/')
		return lg_xstrdup(file + n + 1);
	return lg_xstrdup(file);
}
