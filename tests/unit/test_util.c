/*
 * test_util.c — util's one atomic file writer (lg_write_file): new files,
 * replacing, "write only if changed" (same bytes: the file is not touched),
 * mode 0644, no temporary file left after success or failure, a path
 * without a directory, and errors that name the file; and the one FNV-1a
 * (lg_fnv1a_bytes, lg_fnv1a) against the published test vectors.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "check_tmp.h"

static char tmpdir[512];

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	while (d && (de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

static void expect_content(const char *path, const char *want)
{
	struct lg_buf b = LG_BUF_INIT;
	struct lg_err err;

	CHECK_INT(lg_read_file(path, 1 << 20, &b, &err), 0);
	CHECK_STR(b.buf, want);
	lg_buf_release(&b);
}

static void test_write_table(void)
{
	static const struct {
		const char *text;
		unsigned flags;
		int same_inode; /* 1: the file must not have been replaced */
	} steps[] = {
		{ "first\n", 0, 0 },
		{ "second\n", 0, 0 },
		{ "second\n", LG_WRITE_IF_CHANGED, 1 },
		{ "third\n", LG_WRITE_IF_CHANGED, 0 },
		{ "third\n", 0, 0 },
		{ "", 0, 0 },
		{ "", LG_WRITE_IF_CHANGED, 1 },
	};
	char *path = lg_xasprintf("%s/w/out.txt", tmpdir), *dir = lg_xasprintf("%s/w", tmpdir);
	struct lg_err err;
	struct stat before, after;
	size_t i;

	CHECK_INT(lg_mkdir_p(dir, 0755, &err), 0);
	for (i = 0; i < LG_ARRAY_SIZE(steps); i++) {
		int had = stat(path, &before) == 0;

		CHECK_INT(lg_write_file(path, steps[i].text, strlen(steps[i].text), steps[i].flags,
					&err), 0);
		expect_content(path, steps[i].text);
		CHECK_INT(stat(path, &after), 0);
		CHECK_INT(after.st_mode & 0777, 0644);
		if (had)
			CHECK_INT(before.st_ino == after.st_ino, steps[i].same_inode);
		CHECK_INT(entries(dir), 1); /* no temporary file left */
	}
	free(path);
	free(dir);
}

static void test_errors(void)
{
	char *missing = lg_xasprintf("%s/no/such/dir/x.json", tmpdir);
	char *ro = lg_xasprintf("%s/ro", tmpdir), *in_ro = lg_xasprintf("%s/ro/x.json", tmpdir);
	struct lg_err err;

	CHECK_INT(lg_write_file_atomic(missing, "x", 1, &err), -1);
	CHECK(strstr(err.msg, "cannot create a temporary file for '") != NULL);
	CHECK(strstr(err.msg, missing) != NULL);
	CHECK_INT(lg_mkdir_p(ro, 0555, &err), 0);
	if (geteuid() != 0) { /* root writes anywhere */
		CHECK_INT(lg_write_file_atomic(in_ro, "x", 1, &err), -1);
		CHECK(strstr(err.msg, in_ro) != NULL);
		CHECK_INT(entries(ro), 0);
	}
	free(missing);
	free(ro);
	free(in_ro);
}

/* A bare file name is written in the current directory. */
static void test_bare_name(void)
{
	char *cwd = getcwd(NULL, 0);
	char *dir = lg_xasprintf("%s/bare", tmpdir);
	struct lg_err err;

	CHECK_INT(lg_mkdir_p(dir, 0755, &err), 0);
	CHECK_INT(chdir(dir), 0);
	CHECK_INT(lg_write_file_atomic("plain.txt", "bare\n", 5, &err), 0);
	expect_content("plain.txt", "bare\n");
	CHECK_INT(entries("."), 1);
	CHECK_INT(chdir(cwd), 0);
	free(cwd);
	free(dir);
}

/*
 * lg_fnv1a_bytes is 64-bit FNV-1a (the published test vectors), and
 * lg_fnv1a is it over the string and its NUL, NULL hashing as "".
 */
static void test_fnv1a(void)
{
	CHECK(lg_fnv1a_bytes(LG_FNV_OFFSET, NULL, 0) == 0xcbf29ce484222325ull);
	CHECK(lg_fnv1a_bytes(LG_FNV_OFFSET, "a", 1) == 0xaf63dc4c8601ec8cull);
	CHECK(lg_fnv1a_bytes(LG_FNV_OFFSET, "foobar", 6) == 0x85944171f73967e8ull);
	/* continuing a hash is hashing the concatenation */
	CHECK(lg_fnv1a_bytes(lg_fnv1a_bytes(LG_FNV_OFFSET, "foo", 3), "bar", 3) == 0x85944171f73967e8ull);
	CHECK(lg_fnv1a(LG_FNV_OFFSET, "foobar") == lg_fnv1a_bytes(LG_FNV_OFFSET, "foobar", 7));
	CHECK(lg_fnv1a(LG_FNV_OFFSET, NULL) == lg_fnv1a(LG_FNV_OFFSET, ""));
	CHECK(lg_fnv1a(LG_FNV_OFFSET, "") == 0xaf63bd4c8601b7dfull); /* FNV-1a of one NUL byte */
}

/*
 * The huge-page hint covers only whole 2 MiB pages inside the block:
 * aligned blocks whole, unaligned ones rounded inward, nothing for a
 * block with no whole page in it or one that wraps around; and a big
 * allocation, hinted, is still memory to use.
 */
static void test_huge_range(void)
{
	const uintptr_t M2 = LG_HUGE_PAGE;
	uintptr_t start = 7;
	unsigned char *big;

	CHECK(lg_huge_range(4 * M2, 3 * M2, &start) == 3 * M2 && start == 4 * M2);
	CHECK(lg_huge_range(4 * M2 + 16, 3 * M2, &start) == 2 * M2 && start == 5 * M2);
	CHECK(lg_huge_range(4 * M2 - 16, M2 + 32, &start) == M2 && start == 4 * M2);
	start = 7;
	CHECK(lg_huge_range(4 * M2 + 16, 2 * M2 - 32, &start) == 0 && start == 7);
	CHECK(lg_huge_range(4 * M2 + 16, M2, &start) == 0 && start == 7);
	CHECK(lg_huge_range(4 * M2, M2 - 1, &start) == 0 && start == 7);
	CHECK(lg_huge_range(UINTPTR_MAX - M2, 4 * M2, &start) == 0 && start == 7);
	big = lg_xcalloc(1, LG_HUGE_MIN + 4096);
	CHECK(big[0] == 0 && big[LG_HUGE_MIN + 4095] == 0);
	big[LG_HUGE_MIN] = 1;
	big = lg_xrealloc(big, 2 * LG_HUGE_MIN);
	CHECK(big[LG_HUGE_MIN] == 1);
	free(big);
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "write, replace, only if changed", test_write_table },
		{ "errors name the file", test_errors },
		{ "bare file name", test_bare_name },
		{ "FNV-1a", test_fnv1a },
		{ "huge-page range", test_huge_range },
	};
	return LG_CHECK_RUN_TMP(cases, "lg-util", tmpdir);
}
