/*
 * lgfault.c — an LD_PRELOAD shim that makes leakgate's own I/O fail, so the
 * error paths of the report, JUnit and baseline writers (and the readers)
 * really run in tests/e2e/test_faults.py.
 *
 * Only I/O on regular files is touched: pipes to the test binaries, the
 * terminal and sockets behave normally, so a run still runs.  Settings come
 * from the environment when the library loads:
 *
 *   LGFAULT_WRITE_AFTER=N   write(2) to a regular file fails after N
 *                           successful calls (N=0: the first one fails)
 *   LGFAULT_ERRNO=ENOSPC|EIO|EDQUOT  the errno of a failed write (ENOSPC)
 *   LGFAULT_SHORT_WRITE=1   a write(2) to a regular file writes at most 3 bytes
 *   LGFAULT_FSYNC=1         fsync(2) and fdatasync(2) fail with EIO
 *   LGFAULT_SHORT_READ=1    read(2) from a regular file returns at most 7 bytes
 *   LGFAULT_MALLOC_AFTER=N  malloc, calloc and realloc fail (NULL, ENOMEM)
 *                           after N successful calls, and every call after
 *                           that too: the memory is gone, as on a real
 *                           exhaustion.  Calls made before the shim loaded
 *                           its settings are not counted.
 *
 * LGFAULT_MALLOC_AFTER counts every allocation of the process, the C
 * library's and jansson's, libxml2's and libcurl's included, so a fault
 * lands where leakgate's own code does not look as well.
 * The shim removes LD_PRELOAD from the environment at load, so processes
 * leakgate starts (go, the test binaries) run without it.  It is a test
 * tool only: never installed, never linked into leakgate.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_read)(int, void *, size_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);

static long write_after = -1; /* -1: off */
static long writes_ok;
static int fail_errno = ENOSPC;
static int short_write, fail_fsync, short_read;
static long malloc_after = -1; /* -1: off */
static long mallocs_ok;         /* updated atomically: the runner has threads */

/* glibc's own allocator, which the wrappers below call: dlsym itself allocates. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static long env_long(const char *name, long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtol(v, NULL, 10) : dflt;
}

__attribute__((constructor)) static void lgfault_init(void)
{
	const char *e = getenv("LGFAULT_ERRNO");

	real_write = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	real_read = (ssize_t(*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
	real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	real_fdatasync = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	write_after = env_long("LGFAULT_WRITE_AFTER", -1);
	short_write = env_long("LGFAULT_SHORT_WRITE", 0) != 0;
	fail_fsync = env_long("LGFAULT_FSYNC", 0) != 0;
	short_read = env_long("LGFAULT_SHORT_READ", 0) != 0;
	malloc_after = env_long("LGFAULT_MALLOC_AFTER", -1);
	if (e && !strcmp(e, "EIO"))
		fail_errno = EIO;
	else if (e && !strcmp(e, "EDQUOT"))
		fail_errno = EDQUOT;
	unsetenv("LD_PRELOAD");
}

static int regular(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	if (n && regular(fd)) {
		if (write_after >= 0 && writes_ok >= write_after) {
			errno = fail_errno;
			return -1;
		}
		writes_ok++;
		if (short_write && n > 3)
			n = 3;
	}
	return real_write(fd, buf, n);
}

ssize_t read(int fd, void *buf, size_t n)
{
	if (short_read && n > 7 && regular(fd))
		n = 7;
	return real_read(fd, buf, n);
}

int fsync(int fd)
{
	if (fail_fsync) {
		errno = EIO;
		return -1;
	}
	return real_fsync(fd);
}

int fdatasync(int fd)
{
	if (fail_fsync) {
		errno = EIO;
		return -1;
	}
	return real_fdatasync(fd);
}

/* 1 when this allocation is to fail (and counts it when it does not). */
static int malloc_fails(void)
{
	if (malloc_after < 0)
		return 0;
	if (__atomic_fetch_add(&mallocs_ok, 1, __ATOMIC_RELAXED) < malloc_after)
		return 0;
	errno = ENOMEM;
	return 1;
}

void *malloc(size_t n)
{
	return malloc_fails() ? NULL : __libc_malloc(n);
}

void *calloc(size_t nmemb, size_t size)
{
	return malloc_fails() ? NULL : __libc_calloc(nmemb, size);
}

void *realloc(void *p, size_t n)
{
	/* realloc(p, 0) frees; a failing realloc leaves p as it was */
	if (p && !n)
		return __libc_realloc(p, n);
	return malloc_fails() ? NULL : __libc_realloc(p, n);
}
