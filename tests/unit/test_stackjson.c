/*
 * test_stackjson.c — stackjson.h on the inline dumps of stack_fixture.h:
 * the stacks and diff documents parse as JSON, one group (or change) per
 * line, with schema_version 2, the totals, each group's fields, and frame
 * indexes that resolve in the "frames" table to the right functions (each
 * distinct frame written once); dump-only fields are present for dumps; a
 * write to a failing stream returns -1.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "stackjson.h"
#include "util.h"
#include "check.h"
#include "stack_fixture.h"

/* The function names a group's "frames" indexes resolve to, innermost first, ";"-joined. */
static void frames_of(json_t *group, json_t *table, struct lg_buf *out)
{
	size_t i;
	json_t *ix;

	json_array_foreach(json_object_get(group, "frames"), i, ix) {
		json_t *fr = json_array_get(table, (size_t)json_integer_value(ix));

		lg_buf_addf(out, "%s%s", i ? ";" : "",
			    fr ? json_string_value(json_object_get(fr, "func")) : "?");
	}
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_stacks_document(void)
{
	struct lg_input in;
	char *text = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&text, &len);
	json_error_t jerr;
	json_t *doc, *groups, *table, *g;
	struct lg_buf fr = LG_BUF_INIT;

	sf_load_named(&in, SF_AFTER, LG_GROUP_EXACT, "after.txt");
	CHECK_INT(lg_stackjson_stacks(&in, f), 0);
	fclose(f);
	/* one line for the head, one per group, one for the frames head, one per frame */
	CHECK_INT(count_lines(text), 1 + 2 + 1 + 2);
	doc = json_loads(text, 0, &jerr);
	CHECK(doc != NULL);
	if (!doc) {
		fprintf(stderr, "%s\n%s\n", jerr.text, text);
		goto out;
	}
	CHECK_INT(json_integer_value(json_object_get(doc, "schema_version")), LG_STACKJSON_VERSION);
	CHECK_STR(json_string_value(json_object_get(doc, "command")), "stacks");
	CHECK_STR(json_string_value(json_object_get(doc, "source")), "after.txt");
	CHECK_STR(json_string_value(json_object_get(doc, "input")), "dump");
	CHECK_STR(json_string_value(json_object_get(doc, "by")), "exact");
	CHECK_INT(json_integer_value(json_object_get(doc, "total")), 3);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(doc, "dump"), "entries")), 3);
	CHECK(json_is_null(json_object_get(doc, "profile")));
	groups = json_object_get(doc, "groups");
	table = json_object_get(doc, "frames");
	CHECK_INT(json_array_size(groups), 2);
	CHECK_INT(json_array_size(table), 2); /* each distinct frame once */
	g = json_array_get(groups, 0);
	CHECK_STR(json_string_value(json_object_get(g, "id")), in.groups.g[0].id);
	CHECK_INT(json_integer_value(json_object_get(g, "count")), 2);
	CHECK_STR(json_string_value(json_object_get(g, "state")), "chan receive");
	CHECK_STR(json_string_value(json_object_get(g, "wait")), "chan");
	CHECK_INT(json_integer_value(json_object_get(json_object_get(g, "minutes"), "max")), 5);
	CHECK_INT(json_integer_value(json_array_get(json_object_get(g, "ids"), 1)), 8);
	CHECK_STR(json_string_value(json_object_get(json_object_get(g, "pattern"), "id")),
		  "recv-no-sender");
	CHECK_STR(json_string_value(json_object_get(json_object_get(g, "created_by"), "func")),
		  "example.com/m/p.Start");
	CHECK_INT(json_integer_value(json_object_get(json_object_get(g, "created_by"), "line")), 13);
	frames_of(g, table, &fr);
	CHECK_STR(fr.buf, "example.com/m/p.consume");
	lg_buf_reset(&fr);
	g = json_array_get(groups, 1);
	CHECK(json_is_null(json_object_get(g, "created_by")));
	frames_of(g, table, &fr);
	CHECK_STR(fr.buf, "main.main");
	for (i = 0; i < json_array_size(table); i++)
		CHECK(json_is_string(json_object_get(json_array_get(table, i), "file")));
	json_decref(doc);
out:
	lg_buf_release(&fr);
	free(text);
	lg_input_release(&in);
}

static void test_diff_document(void)
{
	static const struct {
		const char *change, *func;
		int before, after, delta, long_lived;
	} want[] = {
		{ "new", "example.com/m/p.consume", 0, 2, 2, 0 },
		{ "gone", "example.com/m/q.loop", 1, 0, -1, 0 },
		{ "same", "main.main", 1, 1, 0, 1 },
	};
	struct lg_input before, after;
	struct lg_group_change *c = NULL;
	char *text = NULL;
	size_t len = 0, n, i;
	FILE *f = open_memstream(&text, &len);
	json_error_t jerr;
	json_t *doc, *changes, *table, *sum;
	struct lg_buf fr = LG_BUF_INIT;

	sf_load_named(&before, SF_BEFORE, LG_GROUP_FUNCS, "d0.txt");
	sf_load_named(&after, SF_AFTER, LG_GROUP_FUNCS, "d1.txt");
	n = lg_group_diff(&before.groups, &after.groups, &c);
	CHECK_INT(lg_stackjson_diff(&before, &after, c, n, 1, f), 0);
	fclose(f);
	doc = json_loads(text, 0, &jerr);
	CHECK(doc != NULL);
	if (!doc)
		goto out;
	CHECK_STR(json_string_value(json_object_get(doc, "command")), "diff");
	CHECK_INT(json_integer_value(json_object_get(json_object_get(doc, "before"), "total")), 2);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(doc, "after"), "total")), 3);
	sum = json_object_get(doc, "summary");
	CHECK_INT(json_integer_value(json_object_get(sum, "new")), 1);
	CHECK_INT(json_integer_value(json_object_get(sum, "gone")), 1);
	CHECK_INT(json_integer_value(json_object_get(sum, "same")), 1);
	CHECK(json_is_true(json_object_get(sum, "growth")));
	changes = json_object_get(doc, "changes");
	table = json_object_get(doc, "frames");
	CHECK_INT(json_array_size(changes), LG_ARRAY_SIZE(want));
	CHECK_INT(json_array_size(table), 3);
	for (i = 0; i < json_array_size(changes) && i < LG_ARRAY_SIZE(want); i++) {
		json_t *x = json_array_get(changes, i);

		CHECK_STR(json_string_value(json_object_get(x, "change")), want[i].change);
		CHECK_INT(json_integer_value(json_object_get(x, "before")), want[i].before);
		CHECK_INT(json_integer_value(json_object_get(x, "after")), want[i].after);
		CHECK_INT(json_integer_value(json_object_get(x, "delta")), want[i].delta);
		CHECK_INT(json_is_true(json_object_get(x, "long_lived")), want[i].long_lived);
		lg_buf_reset(&fr);
		frames_of(json_object_get(x, "group"), table, &fr);
		CHECK_STR(fr.buf, want[i].func);
	}
	json_decref(doc);

	/* with min_delta 3 only the long-lived group is shown, and nothing grows */
	free(text);
	text = NULL;
	f = open_memstream(&text, &len);
	CHECK_INT(lg_stackjson_diff(&before, &after, c, n, 3, f), 0);
	fclose(f);
	doc = json_loads(text, 0, &jerr);
	CHECK_INT(json_array_size(json_object_get(doc, "changes")), 1);
	CHECK(json_is_false(json_object_get(json_object_get(doc, "summary"), "growth")));
	json_decref(doc);
out:
	lg_buf_release(&fr);
	free(c);
	free(text);
	lg_input_release(&before);
	lg_input_release(&after);
}

static void test_write_error(void)
{
	struct lg_input in;
	FILE *f = fopen("/dev/full", "w");

	if (!f) {
		fprintf(stderr, "note: no /dev/full, write error not tested\n");
		return;
	}
	setvbuf(f, NULL, _IONBF, 0);
	sf_load_named(&in, SF_AFTER, LG_GROUP_EXACT, "after.txt");
	CHECK_INT(lg_stackjson_stacks(&in, f), -1);
	fclose(f);
	lg_input_release(&in);
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "stacks document", test_stacks_document },
		{ "diff document", test_diff_document },
		{ "write error", test_write_error },
	};

	return LG_CHECK_RUN(cases);
}
