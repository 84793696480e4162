/*
 * test_sarif.c — the SARIF log read back with jansson: the 2.1.0 structure
 * code scanning requires, rules referenced by id and index, repository-
 * relative URIs, and fingerprints that survive a moved line.  (The e2e test
 * validates a real run's log against the OASIS JSON schema.)
 */
#include <stdlib.h>

#include <jansson.h>

#include "check.h"
#include "report_fixture.h"
#include "sarif.h"

static json_t *render(struct lg_run *r, const char *prefix)
{
	struct lg_buf out = LG_BUF_INIT;
	struct lg_sarif_opts o = { prefix };
	struct lg_err err;
	json_error_t jerr;
	json_t *j;

	CHECK_INT(lg_sarif_render(r, &o, &out, &err), 0);
	j = json_loads(out.buf, 0, &jerr);
	CHECK(j != NULL);
	lg_buf_release(&out);
	return j;
}

static void test_structure(void)
{
	struct lg_run r;
	json_t *j, *run, *rules, *results, *res;
	size_t i;

	rf_build(&r);
	j = render(&r, "svc/");
	CHECK_STR(json_string_value(json_object_get(j, "version")), "2.1.0");
	run = json_array_get(json_object_get(j, "runs"), 0);
	rules = json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
	results = json_object_get(run, "results");
	CHECK_INT(json_array_size(rules), 3);
	CHECK_INT(json_array_size(results), 3);
	json_array_foreach(results, i, res) {
		json_t *phys = json_object_get(json_array_get(json_object_get(res, "locations"), 0),
					       "physicalLocation");
		const char *uri = json_string_value(json_object_get(json_object_get(phys, "artifactLocation"), "uri"));
		size_t k = (size_t)json_integer_value(json_object_get(res, "ruleIndex"));
		json_t *rule = json_array_get(rules, k);

		CHECK_STR(json_string_value(json_object_get(rule, "id")),
			  json_string_value(json_object_get(res, "ruleId")));
		CHECK(json_object_get(rule, "shortDescription") && json_object_get(rule, "fullDescription") &&
		      json_object_get(rule, "help"));
		CHECK(uri && uri[0] != '/' && !strncmp(uri, "svc/", 4));
		CHECK(json_integer_value(json_object_get(json_object_get(phys, "region"), "startLine")) >= 1);
		CHECK(json_string_value(json_object_get(json_object_get(res, "message"), "text")) != NULL);
	}
	res = json_array_get(results, 0);
	CHECK_STR(json_string_value(json_object_get(res, "ruleId")), "goroutine-leak/range-unclosed-chan");
	res = json_object_get(json_array_get(json_object_get(res, "locations"), 0), "physicalLocation");
	res = json_object_get(json_object_get(res, "artifactLocation"), "uri");
	CHECK_STR(json_string_value(res), "svc/api/api.go");
	json_decref(j);
	lg_run_release(&r);
}

static const char *fingerprint(json_t *j, size_t k)
{
	json_t *res = json_array_get(json_object_get(json_array_get(json_object_get(j, "runs"), 0), "results"), k);

	return json_string_value(json_object_get(json_object_get(res, "partialFingerprints"), "leakgate/v1"));
}

static void test_fingerprint(void)
{
	struct lg_run r;
	json_t *a, *b, *c;

	rf_build(&r);
	a = render(&r, "");
	r.pkgs[0].leaks[0].created_at.line += 40;
	b = render(&r, "");
	free(r.pkgs[0].leaks[0].signature);
	r.pkgs[0].leaks[0].signature = lg_xstrdup("ffffffffffffffff");
	c = render(&r, "");
	CHECK_STR(fingerprint(a, 0), fingerprint(b, 0));
	CHECK(strcmp(fingerprint(a, 0), fingerprint(c, 0)) != 0);
	json_decref(a);
	json_decref(b);
	json_decref(c);
	lg_run_release(&r);
}

/*
 * Golden: code scanning matches alerts across runs by these bytes, so the
 * fingerprints of the fixture run are pinned to what leakgate has always
 * written (package, rule, identity; FNV-1a with a 0xff field end).
 */
static void test_fingerprint_golden(void)
{
	static const char *const want[] = { "73b1df487263b723", "9e9b2955878f1f02", "0f4cca43867b524a" };
	struct lg_run r;
	json_t *a;
	size_t i;

	rf_build(&r);
	a = render(&r, "svc/");
	for (i = 0; i < LG_ARRAY_SIZE(want); i++)
		CHECK_STR(fingerprint(a, i), want[i]);
	CHECK(fingerprint(a, LG_ARRAY_SIZE(want)) == NULL);
	json_decref(a);
	lg_run_release(&r);
}

/* Unknown and outside-module files fall back to the package directory, no region. */
static void test_fallback_location(void)
{
	struct lg_run r;
	json_t *j, *phys;

	rf_build(&r);
	free(r.pkgs[0].leaks[0].created_at.file);
	r.pkgs[0].leaks[0].created_at.file = lg_xstrdup("/usr/local/go/src/net/http/server.go");
	j = render(&r, "");
	phys = json_object_get(json_array_get(json_object_get(json_array_get(json_object_get(
		json_array_get(json_object_get(j, "runs"), 0), "results"), 0), "locations"), 0),
		"physicalLocation");
	CHECK_STR(json_string_value(json_object_get(json_object_get(phys, "artifactLocation"), "uri")), "api");
	CHECK(json_object_get(phys, "region") == NULL);
	json_decref(j);
	lg_run_release(&r);
}

int main(void)
{
	static const struct lg_check_case t[] = {
		{ "structure", test_structure },
		{ "fingerprint", test_fingerprint },
		{ "fingerprint_golden", test_fingerprint_golden },
		{ "fallback_location", test_fallback_location },
	};

	return LG_CHECK_RUN(t);
}
