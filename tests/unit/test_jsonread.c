/*
 * test_jsonread.c — the one capped JSON reader (lg_json_load,
 * lg_json_read_file in jsonutil.h): a good object comes back; an oversized
 * text or file, a duplicate key, bad UTF-8, a NUL, a truncated or empty
 * text, trailing bytes, a top level that is not an object, a string or key
 * over the cap and nesting past the cap (ours, and jansson's own 2048) are
 * refused with a message naming the file and, for syntax, line:column or,
 * for caps, the JSON path.  Each cap is tested at its limit and one past.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "jsonutil.h"

static int contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

/* Loads `text` with `caps`; expects a failure whose message holds every `want` (NULL-ended). */
static void expect_fail(const char *text, size_t len, const struct lg_json_caps *caps, const char *want1,
			const char *want2)
{
	struct lg_err err;
	json_t *j;

	err.msg[0] = '\0';
	j = lg_json_load(text, len, "thing ", "f.json", caps, &err);
	CHECK(j == NULL);
	json_decref(j);
	if (!contains(err.msg, "thing 'f.json'") || !contains(err.msg, want1) ||
	    (want2 && !contains(err.msg, want2)))
		fprintf(stderr, "  got \"%s\", want \"%s\" and \"%s\"\n", err.msg, want1,
			want2 ? want2 : "");
	CHECK(contains(err.msg, "thing 'f.json'"));
	CHECK(contains(err.msg, want1));
	CHECK(!want2 || contains(err.msg, want2));
}

static json_t *load_ok(const char *text, const struct lg_json_caps *caps)
{
	struct lg_err err;
	json_t *j;

	err.msg[0] = '\0';
	j = lg_json_load(text, strlen(text), "", "ok.json", caps, &err);
	if (!j)
		fprintf(stderr, "  refused \"%.60s\": %s\n", text, err.msg);
	CHECK(j != NULL);
	return j;
}

#define FAIL(text, caps, w1, w2) expect_fail(text, sizeof(text) - 1, caps, w1, w2)

static void test_good(void)
{
	json_t *j = load_ok("{\"a\": [1, {\"b\": \"caf\xc3\xa9\"}], \"c\": null}", NULL);

	CHECK(json_is_object(j));
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(j, "a"), 1), "b")),
		  "caf\xc3\xa9");
	json_decref(j);
}

static void test_syntax(void)
{
	FAIL("{\"a\": 1, \"a\": 2}", NULL, "'f.json':1:", "duplicate");
	FAIL("{\"a\": \"\xff\xfe\"}", NULL, "'f.json':1:", NULL);          /* bad UTF-8 */
	FAIL("{\"a\": \"\xc3\"}", NULL, "'f.json':1:", NULL);              /* cut sequence */
	FAIL("{\"a\": \"x\\u0000y\"}", NULL, "'f.json':1:", NULL);          /* NUL */
	FAIL("{\"a\": [1,\n  2,", NULL, "'f.json':2:", NULL);             /* truncated */
	FAIL("{} {}", NULL, "'f.json':1:", NULL);                          /* trailing bytes */
	FAIL("", NULL, "empty file", NULL);
	FAIL("[1, 2]", NULL, "expected a JSON object at the top level, found an array", NULL);
	FAIL("\"s\"", NULL, "'f.json':1:", NULL);
}

static void test_size(void)
{
	static const struct lg_json_caps caps = { 10, 0, 0 };
	json_t *j = load_ok("{\"a\":\"12\"}", &caps); /* exactly 10 bytes */

	json_decref(j);
	FAIL("{\"a\":\"123\"}", &caps, "11 bytes, more than the 10 allowed", NULL);
}

static void test_string_cap(void)
{
	static const struct lg_json_caps caps = { 0, 4, 0 };
	json_t *j = load_ok("{\"k\": {\"abcd\": [\"1234\", \"\xc3\xa9\xc3\xa9\"]}}", &caps);

	json_decref(j);
	FAIL("{\"k\": {\"abcd\": [\"1234\", \"12345\"]}}", &caps, "k.abcd[1]: a string longer than the 4 bytes", NULL);
	FAIL("{\"k\": {\"abcde\": 1}}", &caps, "k: a key longer than the 4 bytes", NULL);
	FAIL("{\"k\": \"\xc3\xa9\xc3\xa9\xc3\xa9\"}", &caps, "k: a string longer", NULL); /* bytes, not characters */
	/* the default cap */
	{
		size_t n = LG_JSON_MAX_STRING + 1;
		char *big = lg_xmalloc(n + 16);

		memcpy(big, "{\"s\":\"", 6);
		memset(big + 6, 'x', n);
		memcpy(big + 6 + n, "\"}", 3);
		expect_fail(big, strlen(big), NULL, "s: a string longer than the 65536 bytes", NULL);
		big[6 + n - 1] = '"';
		big[6 + n] = '}';
		big[6 + n + 1] = '\0';
		j = load_ok(big, NULL); /* 65536 bytes: at the cap */
		json_decref(j);
		free(big);
	}
}

/* `levels` nested arrays under key "a" of the top object ({"a":[[...]]}). */
static char *nested(int levels)
{
	struct lg_buf b = LG_BUF_INIT;
	int i;

	lg_buf_adds(&b, "{\"a\":");
	for (i = 0; i < levels; i++)
		lg_buf_addch(&b, '[');
	for (i = 0; i < levels; i++)
		lg_buf_addch(&b, ']');
	lg_buf_addch(&b, '}');
	return lg_buf_detach(&b, NULL);
}

static void test_depth(void)
{
	static const struct lg_json_caps three = { 0, 0, 3 };
	char *t;
	json_t *j;

	j = load_ok("{\"a\": [[1]], \"b\": {\"c\": {}}}", &three); /* three levels */
	json_decref(j);
	FAIL("{\"a\": [[[1]]]}", &three, "a[0][0]: nested deeper than the 3 levels allowed", NULL);
	FAIL("{\"b\": {\"c\": {\"d\": {}}}}", &three, "b.c.d: nested deeper", NULL);
	t = nested(LG_JSON_MAX_DEPTH - 1); /* the top object is one level */
	j = load_ok(t, NULL);
	json_decref(j);
	free(t);
	t = nested(LG_JSON_MAX_DEPTH);
	expect_fail(t, strlen(t), NULL, "nested deeper than the 32 levels allowed", NULL);
	free(t);
	t = nested(100000); /* past jansson's own limit: a syntax error, no deep walk */
	expect_fail(t, strlen(t), NULL, "'f.json':1:", NULL);
	free(t);
}

static void test_read_file(void)
{
	static const struct lg_json_caps caps = { 16, 0, 0 };
	const char *base = getenv("TMPDIR");
	char *path = lg_xasprintf("%s/lg-jsonread-%ld.json", base && *base ? base : "/tmp", (long)getpid());
	struct lg_err err;
	FILE *f;
	json_t *j;

	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		goto out;
	fputs("{\"a\": \"0123456789\"}", f); /* 19 bytes */
	fclose(f);
	err.msg[0] = '\0';
	CHECK(lg_json_read_file(path, "", &caps, &err) == NULL);
	CHECK(contains(err.msg, path) && contains(err.msg, "16 byte limit"));
	j = lg_json_read_file(path, "", NULL, &err);
	CHECK(j != NULL && json_is_string(json_object_get(j, "a")));
	json_decref(j);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		goto out;
	fputs("{\n\"a\": 1,\n\"a\": 2\n}", f);
	fclose(f);
	err.msg[0] = '\0';
	CHECK(lg_json_read_file(path, "baseline ", NULL, &err) == NULL);
	CHECK(contains(err.msg, "baseline '") && contains(err.msg, ".json':3:") && contains(err.msg, "duplicate"));
	unlink(path);
	err.msg[0] = '\0';
	CHECK(lg_json_read_file(path, "", NULL, &err) == NULL);
	CHECK(contains(err.msg, "cannot open") && contains(err.msg, path));
out:
	free(path);
}

int main(void)
{
	static const struct lg_check_case t[] = {
		{ "good", test_good },
		{ "syntax", test_syntax },
		{ "size", test_size },
		{ "string_cap", test_string_cap },
		{ "depth", test_depth },
		{ "read_file", test_read_file },
	};

	return LG_CHECK_RUN(t);
}
