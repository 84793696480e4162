/*
 * test_gitlab_codequality.c — GitLab code quality issues: required fields, valid
 * severities, fingerprints that ignore line numbers but not signatures,
 * and no two issues sharing one.
 */
#include <stdlib.h>

#include <jansson.h>

#include "check.h"
#include "gitlab_codequality.h"
#include "report_fixture.h"

static json_t *render(struct lg_run *r)
{
	struct lg_buf out = LG_BUF_INIT;
	struct lg_gitlab_codequality_opts o = { "" };
	struct lg_err err;
	json_error_t jerr;
	json_t *j;

	CHECK_INT(lg_gitlab_codequality_render(r, &o, &out, &err), 0);
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

	lg_gitlab_codequality_fingerprint("p", "k", "s", 0, a);
	lg_gitlab_codequality_fingerprint("p", "k", "s", 1, b);
	lg_gitlab_codequality_fingerprint("pk", "", "s", 0, c);
	CHECK(strcmp(a, b) != 0);
	CHECK(strcmp(a, c) != 0);
	lg_gitlab_codequality_fingerprint("p", "k", "s", 0, b);
	CHECK_STR(a, b);
}

/*
 * Golden: GitLab's merge request widget tells new findings from old by
 * these bytes, so they are pinned to what leakgate has always written —
 * for the fixture run and for edge cases of the function (empty and NULL
 * fields, an ordinal, bytes above 0x7f).
 */
static void test_fingerprint_golden(void)
{
	static const struct {
		const char *pkg, *kind, *sig;
		unsigned ord;
		const char *want;
	} g[] = {
		{ "p", "k", "s", 0, "a8dc2adfb8a4e2396eb01a41ef39b816" },
		{ "p", "k", "s", 1, "93f9a026c1007a984e3d87097e787691" },
		{ "example.com/m/api", "goroutine-leak", "6e75e78d38f850a9", 12, "9dfbc72d1e08a611b04e1d864433dfb8" },
		{ "", "", "", 0, "994f76653e2a3951ddf81aae532ade80" },
		{ NULL, NULL, NULL, 0, "994f76653e2a3951ddf81aae532ade80" },
		{ "p\xc3\xa9", "k\xff", "s", 3, "1686d5280edb13b38d49b90410db0f72" },
	};
	static const char *const run_want[] = { "52136d0c6e4c77de0bc75079062ce089", "985fb8438d4dda63ba51588b91223ba2", "23d213bc38ef9a3f57f12894f5d231aa" };
	struct lg_run r;
	json_t *j;
	char out[33];
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(g); i++) {
		lg_gitlab_codequality_fingerprint(g[i].pkg, g[i].kind, g[i].sig, g[i].ord, out);
		CHECK_STR(out, g[i].want);
	}
	rf_build(&r);
	j = render(&r);
	CHECK_INT(json_array_size(j), LG_ARRAY_SIZE(run_want));
	for (i = 0; i < LG_ARRAY_SIZE(run_want); i++)
		CHECK_STR(json_string_value(json_object_get(json_array_get(j, i), "fingerprint")), run_want[i]);
	json_decref(j);
	lg_run_release(&r);
}

int main(void)
{
	static const struct lg_check_case t[] = {
		{ "fields", test_fields },
		{ "stable", test_stable },
		{ "fingerprint_fn", test_fingerprint_fn },
		{ "fingerprint_golden", test_fingerprint_golden },
	};

	return LG_CHECK_RUN(t);
}
