/*
 * sarif.c — SARIF 2.1.0 output (jansson).  Code scanning keys alerts on the
 * rule id and partialFingerprints, so both are stable: rule ids name the
 * leak pattern or verdict kind, and the fingerprint hashes the package, the
 * rule and the group signature or test name, never a line number, so an
 * edit above a leak does not open a new alert.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "escape.h"
#include "findings.h"
#include "jsonutil.h"
#include "sarif.h"

/* SARIF and code quality want "" rather than null for unknown text. */
static json_t *str_or_empty(const char *s)
{
	return lg_json_str(s ? s : "");
}

#ifndef LG_VERSION
#define LG_VERSION "0.0.0"
#endif

static json_t *text(const char *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "text", str_or_empty(s));
	return o;
}

/* One field of the fingerprint: FNV-1a of its bytes, then ^ 0xff, which separates "ab"+"c" from "a"+"bc". */
static uint64_t field_hash(uint64_t h, const char *s)
{
	return lg_fnv1a_bytes(h, s, s ? strlen(s) : 0) ^ 0xff;
}

static char *fingerprint(const struct lg_finding *f)
{
	uint64_t h = LG_FNV_OFFSET;

	h = field_hash(h, f->pkg->import_path);
	h = field_hash(h, f->rule);
	h = field_hash(h, f->identity);
	return lg_xasprintf("%016llx", (unsigned long long)h);
}

/* RFC 3986: keep unreserved characters and '/', percent-encode the rest. */
static void uri_encode(struct lg_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~/", c)) {
			lg_buf_addch(out, c);
		} else {
			lg_buf_addch(out, '%');
			lg_buf_addch(out, hex[c >> 4]);
			lg_buf_addch(out, hex[c & 15]);
		}
	}
}

static json_t *rule(const struct lg_finding *f)
{
	json_t *r = json_object(), *cfg = json_object(), *props = json_object(), *tags;
	char *help_md = lg_xasprintf("**%s**\n\n%s", f->rule_title, f->rule_help);
	json_t *help = text(f->rule_help);

	json_object_set_new(help, "markdown", str_or_empty(help_md));
	json_object_set_new(r, "id", str_or_empty(f->rule));
	json_object_set_new(r, "name", str_or_empty(f->rule_title));
	json_object_set_new(r, "shortDescription", text(f->rule_title));
	json_object_set_new(r, "fullDescription", text(f->rule_help));
	json_object_set_new(r, "help", help);
	json_object_set_new(cfg, "level", json_string(f->level == LG_LEVEL_ERROR ? "error" : "warning"));
	json_object_set_new(r, "defaultConfiguration", cfg);
	tags = json_pack("[ss]", "go", strncmp(f->rule, "goroutine-leak", 14) ? "reliability" : "goroutine-leak");
	json_object_set_new(props, "tags", tags);
	json_object_set_new(r, "properties", props);
	free(help_md);
	return r;
}

static json_t *location(const struct lg_finding *f, const char *prefix)
{
	struct lg_buf path = LG_BUF_INIT, uri = LG_BUF_INIT;
	json_t *art = json_object(), *phys = json_object(), *loc = json_object();
	int exact;

	lg_finding_path(f, prefix, &path, &exact);
	uri_encode(&uri, path.buf);
	json_object_set_new(art, "uri", str_or_empty(uri.buf));
	json_object_set_new(art, "uriBaseId", json_string("%SRCROOT%"));
	json_object_set_new(phys, "artifactLocation", art);
	if (exact && f->loc->line > 0)
		json_object_set_new(phys, "region", json_pack("{sI}", "startLine", (json_int_t)f->loc->line));
	json_object_set_new(loc, "physicalLocation", phys);
	lg_buf_release(&path);
	lg_buf_release(&uri);
	return loc;
}

static json_t *result(const struct lg_finding *f, size_t rule_index, const char *prefix)
{
	json_t *r = json_object(), *fp = json_object(), *props = json_object();
	char *msg = lg_xasprintf("%s\n%s\npackage: %s", f->title, f->message, f->pkg->import_path);
	char *print = fingerprint(f);

	json_object_set_new(r, "ruleId", str_or_empty(f->rule));
	json_object_set_new(r, "ruleIndex", json_integer((json_int_t)rule_index));
	json_object_set_new(r, "level", json_string(f->level == LG_LEVEL_ERROR ? "error" : "warning"));
	json_object_set_new(r, "message", text(msg));
	json_object_set_new(r, "locations", json_pack("[o]", location(f, prefix)));
	json_object_set_new(fp, "leakgate/v1", str_or_empty(print));
	json_object_set_new(r, "partialFingerprints", fp);
	json_object_set_new(props, "package", str_or_empty(f->pkg->import_path));
	if (f->test)
		json_object_set_new(props, "test", str_or_empty(f->test));
	json_object_set_new(r, "properties", props);
	free(msg);
	free(print);
	return r;
}

/* Index of f's rule in `rules`, adding it when new. */
static size_t rule_index(json_t *rules, const struct lg_finding *f)
{
	size_t i;
	json_t *r;

	json_array_foreach(rules, i, r)
		if (!strcmp(json_string_value(json_object_get(r, "id")), f->rule))
			return i;
	json_array_append_new(rules, rule(f));
	return json_array_size(rules) - 1;
}

int lg_sarif_render(const struct lg_run *run, const struct lg_sarif_opts *o, struct lg_buf *out,
		    struct lg_err *err)
{
	struct lg_findings fs;
	json_t *root, *rules = json_array(), *results = json_array(), *driver, *runobj;
	const char *prefix = o && o->path_prefix ? o->path_prefix : "";
	char *textout;
	size_t i;
	int ret = 0;

	lg_findings_collect(run, &fs);
	for (i = 0; i < fs.n; i++) {
		size_t k = rule_index(rules, &fs.v[i]);

		json_array_append_new(results, result(&fs.v[i], k, prefix));
	}
	driver = json_pack("{ss ss ss so}", "name", "leakgate", "version", LG_VERSION,
			   "semanticVersion", LG_VERSION, "rules", rules);
	runobj = json_pack("{s{so} so s{s{s{ss}}}}", "tool", "driver", driver, "results", results,
			   "originalUriBaseIds", "%SRCROOT%", "description", "text",
			   "the root of the repository checkout");
	root = json_pack("{ss ss s[o]}", "$schema", "https://json.schemastore.org/sarif-2.1.0.json",
			 "version", "2.1.0", "runs", runobj);
	textout = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	if (!textout)
		ret = lg_error(err, "cannot encode the SARIF log");
	else
		lg_buf_adds(out, textout), lg_buf_addch(out, '\n');
	free(textout);
	json_decref(root);
	lg_findings_release(&fs);
	return ret;
}
