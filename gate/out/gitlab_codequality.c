/*
 * gitlab_codequality.c — GitLab code quality JSON (jansson).  The merge request
 * widget shows which findings are new on a branch by comparing
 * fingerprints, so they are built from what identifies a problem across
 * commits: package, rule, and the leak signature or test name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gitlab_codequality.h"
#include "escape.h"
#include "findings.h"
#include "jsonutil.h"

static const char *const severities[] = { "info", "minor", "major", "critical", "blocker" };

/* SARIF and code quality want "" rather than null for unknown text. */
static json_t *str_or_empty(const char *s)
{
	return lg_json_str(s ? s : "");
}

/* One field: FNV-1a of its bytes and a 0xff end byte, so "ab"+"c" differs from "a"+"bc". */
static uint64_t fnv(uint64_t h, const char *s)
{
	return lg_fnv1a_bytes(lg_fnv1a_bytes(h, s, s ? strlen(s) : 0), "\xff", 1);
}

void lg_gitlab_codequality_fingerprint(const char *pkg, const char *kind, const char *signature,
				unsigned ordinal, char out[33])
{
	/* two FNV streams with different offsets: 128 bits, the width GitLab's own tools use */
	uint64_t a = LG_FNV_OFFSET, b = 0x84222325cbf29ce4ULL; /* b: the offset's halves swapped */
	char ord[16];

	snprintf(ord, sizeof(ord), "%u", ordinal);
	a = fnv(fnv(fnv(fnv(a, pkg), kind), signature), ordinal ? ord : NULL);
	b = fnv(fnv(fnv(fnv(b, signature), kind), pkg), ordinal ? ord : NULL);
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
}

static json_t *issue(const struct lg_finding *f, const char *prefix, const char *print)
{
	struct lg_buf path = LG_BUF_INIT, desc = LG_BUF_INIT;
	json_t *o;
	int exact, sev = f->severity < 0 ? 0 : f->severity > 4 ? 4 : f->severity;

	lg_finding_path(f, prefix, &path, &exact);
	lg_buf_addf(&desc, "%s: %s", f->title, f->message);
	for (size_t i = 0; i < desc.len; i++)
		if (desc.buf[i] == '\n')
			desc.buf[i] = ' ';
	o = json_pack("{so so ss ss s{so s{si}}}", "description", str_or_empty(desc.buf),
		      "check_name", str_or_empty(f->rule), "fingerprint", print,
		      "severity", severities[sev], "location", "path", str_or_empty(path.buf),
		      "lines", "begin", exact && f->loc->line > 0 ? f->loc->line : 1);
	lg_buf_release(&path);
	lg_buf_release(&desc);
	return o;
}

/* Whether an earlier issue in `arr` already has fingerprint `fp`. */
static int taken(json_t *arr, const char *fp)
{
	size_t i;
	json_t *x;

	json_array_foreach(arr, i, x)
		if (!strcmp(json_string_value(json_object_get(x, "fingerprint")), fp))
			return 1;
	return 0;
}

int lg_gitlab_codequality_render(const struct lg_run *run, const struct lg_gitlab_codequality_opts *o,
			  struct lg_buf *out, struct lg_err *err)
{
	struct lg_findings fs;
	json_t *arr = json_array();
	const char *prefix = o && o->path_prefix ? o->path_prefix : "";
	char print[33], *textout;
	size_t i;
	int ret = 0;

	lg_findings_collect(run, &fs);
	for (i = 0; i < fs.n; i++) {
		const struct lg_finding *f = &fs.v[i];
		unsigned ord = 0;

		do
			lg_gitlab_codequality_fingerprint(f->pkg->import_path, f->rule, f->identity, ord++, print);
		while (taken(arr, print));
		json_array_append_new(arr, issue(f, prefix, print));
	}
	textout = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!textout)
		ret = lg_error(err, "cannot encode the code quality report");
	else
		lg_buf_adds(out, textout), lg_buf_addch(out, '\n');
	free(textout);
	json_decref(arr);
	lg_findings_release(&fs);
	return ret;
}
