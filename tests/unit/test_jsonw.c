/*
 * test_jsonw.c — the streaming JSON writer: values made safe, output that
 * passes 64 KiB arrives whole and in order, and a failed write is reported.
 */
#include <stdlib.h>

#include <jansson.h>

#include "check.h"
#include "jsonw.h"

/* What the writer produced for `fill` through a temporary file. */
static char *written(void (*fill)(struct lg_jw *w), int *rc)
{
	FILE *f = tmpfile();
	struct lg_jw w;
	char *text;
	long n;

	lg_jw_init(&w, f);
	fill(&w);
	*rc = lg_jw_finish(&w);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	if (fread(text, 1, (size_t)n, f) != (size_t)n)
		text[0] = '\0';
	fclose(f);
	return text;
}

static void fill_values(struct lg_jw *w)
{
	lg_jw_lit(w, "{\"s\":");
	lg_jw_str(w, "tab\there \"q\" \\ \x01 \xff");
	lg_jw_lit(w, ",\"null\":");
	lg_jw_str(w, NULL);
	lg_jw_lit(w, ",\"ints\":[");
	lg_jw_int(w, 0);
	lg_jw_raw(w, ",");
	lg_jw_int(w, -42);
	lg_jw_raw(w, ",");
	lg_jw_int(w, INT64_MIN);
	lg_jw_raw(w, ",");
	lg_jw_int(w, INT64_MAX);
	lg_jw_lit(w, "],\"t\":");
	lg_jw_bool(w, 1);
	lg_jw_lit(w, ",\"f\":");
	lg_jw_bool(w, 0);
	lg_jw_lit(w, "}");
}

static void test_values(void)
{
	int rc;
	char *text = written(fill_values, &rc);
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	CHECK_INT(rc, 0);
	CHECK_STR(text, "{\"s\":\"tab\\there \\\"q\\\" \\\\ \\u0001 \xef\xbf\xbd\",\"null\":null,"
			"\"ints\":[0,-42,-9223372036854775808,9223372036854775807],\"t\":true,\"f\":false}");
	CHECK(j != NULL);
	CHECK(json_is_null(json_object_get(j, "null")));
	CHECK(json_integer_value(json_array_get(json_object_get(j, "ints"), 2)) == INT64_MIN);
	json_decref(j);
	free(text);
}

static void fill_big(struct lg_jw *w)
{
	int i;

	lg_jw_lit(w, "[");
	for (i = 0; i < 100000; i++) {
		if (i)
			lg_jw_lit(w, ",");
		lg_jw_int(w, i);
	}
	lg_jw_lit(w, "]");
}

static void test_big(void)
{
	int rc;
	char *text = written(fill_big, &rc);
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	CHECK_INT(rc, 0);
	CHECK(j && json_array_size(j) == 100000);
	CHECK_INT(json_integer_value(json_array_get(j, 99999)), 99999);
	json_decref(j);
	free(text);
}

static void test_failed_write(void)
{
	FILE *f = fopen("/dev/full", "w");
	struct lg_jw w;

	if (!f)
		return; /* no /dev/full: nothing to test with */
	setvbuf(f, NULL, _IONBF, 0);
	lg_jw_init(&w, f);
	fill_big(&w);
	CHECK(w.failed);
	CHECK_INT(lg_jw_finish(&w), -1);
	fclose(f);
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "values", test_values },
		{ "big", test_big },
		{ "failed write", test_failed_write },
	};

	return lg_check_main(cases, LG_ARRAY_SIZE(cases));
}
