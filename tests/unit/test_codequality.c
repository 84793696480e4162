/*
 * test_codequality.c — GitLab code quality issues: required fields, valid
 * severities, fingerprints that ignore line numbers but not signatures,
 * and no two issues sharing one.
 */
#include <stdlib.h>

#include <jansson.h>

#include "check.h"
#include "codequality.h"
#include "report_fixture.h"

static json_t *render(struct lg_run *r)
{
	struct lg_buf out = LG_BUF_INIT;
	struct lg_codequality_opts o = { "" };
	struct lg_err err;
	json_error_t jerr;
	json_t *j;

	CHECK_INT(lg_codequality_render(r, &o, &out, &err), 0);
	j = json_loads(out.buf, 0, &jerr);
	CHECK(j != NULL && json_is_array(j));
	lg_buf_release(&out);
	return j;
}

static void test_fields(void)
{
	static const char *const sev[] = { "info", "minor", "major", "critical", "blocker" };
	struct lg_run r;
	json_t *j, *x;
	size_t i, k;

	rf_build(&r);
	j = render(&r);
	CHECK_INT(json_array_size(j), 3);
	json_array_foreach(j, i, x) {
		const char *s = json_string_value(json_object_get(x, "severity"));
		int ok = 0;

		for (k = 0; s && k < 5; k++)
			ok |= !strcmp(s, sev[k]);
		CHECK(ok);
		CHECK(json_string_length(json_object_get(x, "fingerprint")) == 32);
		CHECK(json_string_value(json_object_get(x, "description")) != NULL);
		CHECK(!strchr(json_string_value(json_object_get(x, "description")), '\n'));
		CHECK(json_string_value(json_object_get(x, "check_name")) != NULL);
		CHECK(json_integer_value(json_object_get(json_object_get(json_object_get(x, "location"), "lines"), "begin")) >= 1);
	}
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_array_get(j, 0), "location"), "path")),
		  "api/api.go");
	json_decref(j);
	lg_run_release(&r);
}

static void test_stable(void)
{
	struct lg_run r;
	json_t *a, *b;
	char sig[32];
	size_t i, k;

	rf_build(&r);
	a = render(&r);
	r.pkgs[0].leaks[0].created_at.line = 99;
	r.pkgs[0].tests[0].loc.line = 7;
	b = render(&r);
	for (i = 0; i < json_array_size(a); i++)
		CHECK_STR(json_string_value(json_object_get(json_array_get(a, i), "fingerprint")),
			  json_string_value(json_object_get(json_array_get(b, i), "fingerprint")));
	json_decref(a);
	json_decref(b);
	/* the same signature twice still gives distinct fingerprints */
	rf_leak(&r.pkgs[0], "6e75e78d38f850a9", "TestSum", 50);
	for (i = 0; i < 5; i++) {
		snprintf(sig, sizeof(sig), "sig%zu", i);
		rf_leak(&r.pkgs[0], sig, "TestSum", 60);
	}
	a = render(&r);
	for (i = 0; i < json_array_size(a); i++)
		for (k = i + 1; k < json_array_size(a); k++)
			CHECK(strcmp(json_string_value(json_object_get(json_array_get(a, i), "fingerprint")),
				     json_string_value(json_object_get(json_array_get(a, k), "fingerprint"))));
	json_decref(a);
	lg_run_release(&r);
}

static void test_fingerprint_fn(void)
{
	char a[33], b[33], c[33];

	lg_codequality_fingerprint("p", "k", "s", 0, a);
	lg_codequality_fingerprint("p", "k", "s", 1, b);
	lg_codequality_fingerprint("pk", "", "s", 0, c);
	CHECK(strcmp(a, b) != 0);
	CHECK(strcmp(a, c) != 0);
	lg_codequality_fingerprint("p", "k", "s", 0, b);
	CHECK_STR(a, b);
}

int main(void)
{
	static const struct lg_check_case t[] = {
		{ "fields", test_fields },
		{ "stable", test_stable },
		{ "fingerprint_fn", test_fingerprint_fn },
	};

	return LG_CHECK_RUN(t);
}
