/*
 * test_jsonutil.c — jsonutil.h: JSON strings from untrusted bytes (NULL is
 * null, valid UTF-8 kept byte for byte, each malformed sequence one U+FFFD,
 * table-driven), the type names of messages, and the reader's error format
 * "<what>'<file>': <path>.<key>: <message>" with each part present or not.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "util.h"
#include "check.h"

static void test_str_table(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "", "" },
		{ "plain", "plain" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
		{ "bad \xff end", "bad \xef\xbf\xbd end" },
		{ "cut \xc3", "cut \xef\xbf\xbd" },
		{ "\xc3\x28", "\xef\xbf\xbd(" },
		{ "over\xc0\xaflong", "over\xef\xbf\xbd\xef\xbf\xbdlong" },
		{ "tab\tand \"quote\"\n", "tab\tand \"quote\"\n" },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		json_t *j = lg_json_str(cases[i].in);

		CHECK(json_is_string(j));
		CHECK_STR(json_string_value(j), cases[i].want);
		json_decref(j);
	}
	CHECK(json_is_null(lg_json_str(NULL)));
}

static void test_type_names(void)
{
	json_t *v[] = { json_object(), json_array(), json_string("x"), json_integer(1),
			json_real(1.5), json_true(), json_false(), json_null() };
	static const char *const want[] = { "an object", "an array", "a string", "an integer",
					    "a number", "a boolean", "a boolean", "null" };
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(v); i++) {
		CHECK_STR(lg_json_type_name(v[i]), want[i]);
		json_decref(v[i]);
	}
}

static int fail(struct lg_err *err, const char *what, const char *file, const char *path,
		const char *key, const char *fmt, ...) LG_PRINTF(6, 7);

static int fail(struct lg_err *err, const char *what, const char *file, const char *path,
		const char *key, const char *fmt, ...)
{
	struct lg_buf p = LG_BUF_INIT;
	va_list ap;
	int ret;

	lg_buf_adds(&p, path);
	va_start(ap, fmt);
	ret = lg_json_vfail(err, what, file, &p, key, fmt, ap);
	va_end(ap);
	lg_buf_release(&p);
	return ret;
}

static void test_fail_format(void)
{
	static const struct {
		const char *what, *path, *key, *want;
	} cases[] = {
		{ "", "packages[2].tests[0]", "elapsed",
		  "'run.json': packages[2].tests[0].elapsed: expected a number, found a string" },
		{ "baseline ", "", "version",
		  "baseline 'run.json': version: expected a number, found a string" },
		{ "", "packages[1]", NULL, "'run.json': packages[1]: expected a number, found a string" },
		{ "", "", NULL, "'run.json': expected a number, found a string" },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		struct lg_err err = { "" };

		CHECK_INT(fail(&err, cases[i].what, "run.json", cases[i].path, cases[i].key,
			       "expected %s, found %s", "a number", "a string"), -1);
		CHECK_STR(err.msg, cases[i].want);
	}
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "strings from untrusted bytes", test_str_table },
		{ "type names", test_type_names },
		{ "error format", test_fail_format },
	};

	return LG_CHECK_RUN(cases);
}
