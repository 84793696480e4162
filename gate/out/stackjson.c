/*
 * stackjson.c — the stacks and diff JSON documents, written as streams.
 *
 * The document head (a few dozen small values) is made with jansson and
 * written without its closing brace; groups and the frame table, which
 * grow with the input, go through the streaming writer (jsonw.h).
 *
 * The frame table gives each distinct frame — function, file, line and
 * the inlined mark, by content — one index.  Groups hold ids into their
 * set's frame table (group.h), distinct by content within the set, so each
 * id is looked up by content once and then by id: the diff document mixes
 * frames of two sets.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "escape.h"
#include "hashmap.h"
#include "jsonutil.h"
#include "jsonw.h"
#include "stackjson.h"
#include "view.h"

#define HEAD_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER)
#define PREFETCH_GROUPS 4 /* groups ahead whose frame ids are fetched */

static const char *const dump_forms[] = {
	[LG_DUMP_PLAIN] = "plain", [LG_DUMP_PANIC] = "panic", [LG_DUMP_FATAL] = "fatal",
	[LG_DUMP_TIMEOUT] = "timeout", [LG_DUMP_SIGNAL] = "signal",
};

/* ---------------------------------------------------------------------- */
/* The frame table. */

struct fkey {
	const char *func, *file;
	int line, inlined;
	uint64_t hash; /* of the content */
};

/* A frame's index in the document as the decimal text written. */
struct index_text {
	char digits[11]; /* not NUL-terminated */
	unsigned char len; /* 0: not looked up yet */
};

/*
 * A group set's frame ids mapped to the document's indexes: each distinct
 * frame of a set is looked up by content once, then by id, and its index
 * is formatted then too.  A diff document reads two sets.
 */
struct set_map {
	const struct lg_group_set *set;
	struct index_text *index;
	size_t n;
};

struct ftab {
	struct fkey *ent; /* distinct frames by content: the table written */
	size_t n, alloc;
	struct lg_hmap by_content; /* entry numbers of ent, by content_hash */
	const struct fkey *key;    /* the content looked up, for same_entry */
	struct set_map map[2];
	/*
	 * The last labels text written and its JSON: groups of a profile
	 * share their labels text (group_profile.c), so it is escaped once.
	 */
	const char *labels;
	struct lg_buf labels_json;
};

static uint64_t content_hash(const struct fkey *k)
{
	uint64_t h = lg_fnv1a(lg_fnv1a(LG_FNV_OFFSET, k->func), k->file);

	h = lg_hash_mix(h, (uint64_t)(uint32_t)k->line << 1 | (uint64_t)k->inlined);
	return h ^ (h >> 31);
}

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static int same_content(const struct fkey *a, const struct fkey *b)
{
	return a->hash == b->hash && a->line == b->line && a->inlined == b->inlined &&
	       same_str(a->func, b->func) && same_str(a->file, b->file);
}

/* lg_hmap callback: whether table entry k has the content t->key. */
static int same_entry(const void *ctx, uint32_t k)
{
	const struct ftab *t = ctx;

	return same_content(&t->ent[k], t->key);
}

/* The table index of frame content `k` (its hash set), added when new.  Cannot fail. */
static uint32_t content_index(struct ftab *t, const struct fkey *k)
{
	uint32_t i;

	t->key = k;
	i = lg_hmap_find_or_add(&t->by_content, k->hash, same_entry, t, (uint32_t)t->n);
	if (i == t->n) {
		LG_GROW(t->ent, t->alloc, t->n + 1);
		t->ent[t->n++] = *k;
	}
	return i;
}

/* The map of set `s`, made on first use (a document reads two sets at most). */
static struct set_map *set_map(struct ftab *t, const struct lg_group_set *s)
{
	struct set_map *m = t->map[0].set == s || !t->map[0].set ? &t->map[0] : &t->map[1];

	if (!m->set) {
		m->set = s;
		m->n = s->nframes;
		m->index = lg_xcalloc(m->n + 1, sizeof(*m->index));
	}
	return m;
}

/* The document's index of frame `id` of the map's set, as text. */
static const struct index_text *frame_index(struct ftab *t, struct set_map *m, uint32_t id)
{
	struct index_text *x = &m->index[id];
	const struct lg_frame *f = &m->set->frames[id];
	char rev[sizeof(x->digits)];
	struct fkey k;
	uint32_t v;
	size_t d = 0;

	if (x->len)
		return x;
	k.func = f->func;
	k.file = f->file;
	k.line = f->line;
	k.inlined = f->inlined;
	k.hash = content_hash(&k);
	v = content_index(t, &k);
	do
		rev[d++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (d)
		x->digits[x->len++] = rev[--d];
	return x;
}

static void ftab_init(struct ftab *t)
{
	memset(t, 0, sizeof(*t));
	lg_buf_init(&t->labels_json);
}

static void ftab_release(struct ftab *t)
{
	free(t->ent);
	lg_hmap_release(&t->by_content);
	free(t->map[0].index);
	free(t->map[1].index);
	lg_buf_release(&t->labels_json);
	memset(t, 0, sizeof(*t));
}

/* `,"frames":[{...},...]}` closing the document. */
static void write_ftab(struct lg_jw *w, const struct ftab *t)
{
	size_t i;

	lg_jw_lit(w, "],\n\"frames\":[");
	for (i = 0; i < t->n; i++) {
		lg_jw_raw(w, i ? ",\n{\"func\":" : "\n{\"func\":");
		lg_jw_str(w, t->ent[i].func ? t->ent[i].func : "?");
		lg_jw_lit(w, ",\"file\":");
		lg_jw_str(w, t->ent[i].file);
		lg_jw_lit(w, ",\"line\":");
		lg_jw_int(w, t->ent[i].line < 0 ? 0 : t->ent[i].line);
		lg_jw_lit(w, ",\"inlined\":");
		lg_jw_bool(w, t->ent[i].inlined);
		lg_jw_lit(w, "}");
	}
	lg_jw_lit(w, "]}\n");
}

/* ---------------------------------------------------------------------- */
/* Groups. */

static void write_creator(struct lg_jw *w, const struct lg_creator *c)
{
	if (!c->func) {
		lg_jw_lit(w, "null");
		return;
	}
	lg_jw_lit(w, "{\"func\":");
	lg_jw_str(w, c->func);
	lg_jw_lit(w, ",\"file\":");
	lg_jw_str(w, c->file);
	lg_jw_lit(w, ",\"line\":");
	lg_jw_int(w, c->line < 0 ? 0 : c->line);
	lg_jw_lit(w, ",\"goroutine\":");
	if (c->parent_id >= 0)
		lg_jw_int(w, c->parent_id);
	else
		lg_jw_lit(w, "null");
	lg_jw_lit(w, "}");
}

static void write_dump_fields(struct lg_jw *w, const struct lg_group_dump *d)
{
	size_t i;

	lg_jw_lit(w, ",\"minutes\":{\"min\":");
	lg_jw_int(w, d->min_minutes);
	lg_jw_lit(w, ",\"max\":");
	lg_jw_int(w, d->max_minutes);
	lg_jw_lit(w, "},\"ids\":[");
	for (i = 0; i < d->nids; i++) {
		if (i)
			lg_jw_lit(w, ",");
		lg_jw_int(w, d->ids[i]);
	}
	lg_jw_lit(w, "],\"locked\":");
	lg_jw_bool(w, d->locked);
	lg_jw_lit(w, ",\"leaked\":");
	lg_jw_bool(w, d->leaked);
}

static void write_pattern(struct lg_jw *w, const struct lg_pattern *p)
{
	if (!p) {
		lg_jw_lit(w, "null");
		return;
	}
	lg_jw_lit(w, "{\"id\":");
	lg_jw_str(w, p->id);
	lg_jw_lit(w, ",\"title\":");
	lg_jw_str(w, p->title);
	lg_jw_lit(w, ",\"hint\":");
	lg_jw_str(w, p->hint);
	lg_jw_lit(w, "}");
}

/* The frame indexes, put together here: a profile has millions of them. */
static void write_frames(struct lg_jw *w, struct ftab *t, const struct lg_group_set *s,
			 const struct lg_group *g)
{
	struct set_map *m = set_map(t, s);
	char text[512];
	size_t i, n = 0;

	lg_jw_lit(w, ",\"frames\":[");
	for (i = 0; i < g->nframes; i++) {
		const struct index_text *x = frame_index(t, m, g->frames[i]);

		if (n + 1 + sizeof(x->digits) > sizeof(text)) {
			lg_jw_rawn(w, text, n);
			n = 0;
		}
		text[n] = ',';
		n += i > 0;
		memcpy(text + n, x->digits, sizeof(x->digits)); /* a fixed-size copy */
		n += x->len;
	}
	lg_jw_rawn(w, text, n);
	lg_jw_lit(w, "],\"frames_elided\":");
	lg_jw_bool(w, g->frames_elided);
}

/* A group's labels text as a JSON string (or null), escaped once per distinct pointer. */
static void write_labels(struct lg_jw *w, struct ftab *t, const char *labels)
{
	if (!labels) {
		lg_jw_lit(w, "null");
		return;
	}
	if (labels != t->labels) {
		/* as lg_jw_str writes it */
		lg_buf_reset(&t->labels_json);
		lg_buf_addch(&t->labels_json, '"');
		lg_escape_json(&t->labels_json, labels);
		lg_buf_addch(&t->labels_json, '"');
		t->labels = labels;
	}
	lg_jw_rawn(w, t->labels_json.buf, t->labels_json.len);
}

/* One group object; keys in the schema's order, dump-only ones for dumps. */
static void write_group(struct lg_jw *w, struct ftab *t, const struct lg_group_set *s,
			const struct lg_group *g, int is_dump)
{
	const struct lg_group_dump *d = lg_group_dump_of(g);

	lg_jw_lit(w, "{\"id\":\"");
	lg_jw_rawn(w, g->id, sizeof(g->id) - 1);
	lg_jw_lit(w, "\",\"signature\":\"");
	lg_jw_rawn(w, g->signature, sizeof(g->signature) - 1);
	lg_jw_lit(w, "\",\"count\":");
	lg_jw_int(w, g->count);
	lg_jw_lit(w, ",\"entries\":");
	lg_jw_int(w, g->entries);
	if (is_dump) {
		lg_jw_lit(w, ",\"state\":");
		lg_jw_str(w, d->status);
	}
	lg_jw_lit(w, ",\"wait\":\"");
	lg_jw_raw(w, lg_wait_class_name(g->wait));
	lg_jw_lit(w, "\"");
	if (is_dump)
		write_dump_fields(w, d);
	lg_jw_lit(w, ",\"label\":");
	lg_jw_str(w, g->label);
	lg_jw_lit(w, ",\"labels\":");
	write_labels(w, t, g->labels);
	lg_jw_lit(w, ",\"pattern\":");
	write_pattern(w, g->pattern);
	write_frames(w, t, s, g);
	if (is_dump) {
		lg_jw_lit(w, ",\"created_by\":");
		write_creator(w, &d->creator);
		lg_jw_lit(w, ",\"first_line\":");
		if (d->first_line)
			lg_jw_int(w, (int64_t)d->first_line);
		else
			lg_jw_lit(w, "null");
	}
	lg_jw_lit(w, "}");
}

/* ---------------------------------------------------------------------- */
/* Documents. */

/* The head object without its closing brace, then `,"KEY":[`. */
static void write_head(struct lg_jw *w, json_t *head, const char *key)
{
	char *text = json_dumps(head, HEAD_FLAGS);
	size_t n = text ? strlen(text) : 0;

	if (n < 2) {
		w->failed = 1;
	} else {
		text[n - 1] = '\0';
		lg_jw_raw(w, text);
		lg_jw_lit(w, ",\"");
		lg_jw_raw(w, key);
		lg_jw_lit(w, "\":[");
	}
	free(text);
	json_decref(head);
}

static json_t *dump_json(const struct lg_dump *d)
{
	json_t *tests = json_array(), *bad = json_array();
	size_t i;

	for (i = 0; i < d->nrunning_tests; i++)
		json_array_append_new(tests, lg_json_str(d->running_tests[i]));
	for (i = 0; i < d->nbad; i++)
		json_array_append_new(bad, json_pack("{s:I, s:o}", "line", (json_int_t)d->bad[i].line,
						     "text", lg_json_str(d->bad[i].text)));
	return json_pack("{s:s, s:o, s:b, s:o, s:I, s:I, s:I, s:o}", "form",
			 dump_forms[d->kind], "message", lg_json_str(d->message), "deadlock", d->deadlock,
			 "running_tests", tests, "lines", (json_int_t)d->lines, "entries",
			 (json_int_t)d->nseen, "malformed_lines", (json_int_t)d->bad_lines,
			 "malformed", bad);
}

static json_t *profile_json(const struct lg_input *in)
{
	const struct lg_pprof *p = &in->prof;
	json_t *types = json_array();
	size_t i;

	for (i = 0; i < p->nsample_types; i++)
		json_array_append_new(types, json_pack("{s:o, s:o}", "type",
						       lg_json_str(p->sample_types[i].type), "unit",
						       lg_json_str(p->sample_types[i].unit)));
	return json_pack("{s:o, s:o, s:o, s:I}", "sample_type",
			 lg_json_str(p->sample_types[in->sample_index].type), "unit",
			 lg_json_str(p->sample_types[in->sample_index].unit), "sample_types", types,
			 "samples", (json_int_t)p->nsamples);
}

int lg_stackjson_stacks(const struct lg_input *in, FILE *f)
{
	const struct lg_group_set *s = &in->groups;
	int is_dump = in->kind == LG_INPUT_DUMP;
	struct lg_jw w;
	struct ftab t;
	size_t i;

	lg_jw_init(&w, f);
	ftab_init(&t);
	write_head(&w, json_pack(
		"{s:i, s:s, s:s, s:o, s:s, s:s, s:o, s:s, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I}",
		"schema_version", LG_STACKJSON_VERSION, "tool", "leakgate", "command", "stacks",
		"source", lg_json_str(in->name), "input", is_dump ? "dump" : "profile",
		"by", lg_group_by_name(s->opts.by), "by_label", lg_json_str(s->opts.by_label),
		"unit", lg_view_unit(in),
		"dump", is_dump ? dump_json(&in->dump) : json_null(),
		"profile", is_dump ? json_null() : profile_json(in),
		"seen", (json_int_t)s->seen, "filtered", (json_int_t)s->filtered,
		"overflow", (json_int_t)s->overflow, "total", (json_int_t)s->total,
		"hidden_groups", (json_int_t)s->hidden, "hidden_count", (json_int_t)s->hidden_count),
		"groups");
	for (i = 0; i < s->n && !w.failed; i++) {
		/* sorted groups, unsorted frame ids: fetch a later group's ahead */
		if (i + PREFETCH_GROUPS < s->n)
			__builtin_prefetch(s->g[i + PREFETCH_GROUPS].frames);
		lg_jw_raw(&w, i ? ",\n" : "\n");
		write_group(&w, &t, s, &s->g[i], is_dump);
	}
	write_ftab(&w, &t);
	ftab_release(&t);
	return lg_jw_finish(&w);
}

static json_t *side_json(const struct lg_input *in)
{
	return json_pack("{s:o, s:I, s:I}", "source", lg_json_str(in->name), "total",
			 (json_int_t)in->groups.total, "groups", (json_int_t)in->groups.n);
}

static json_t *diff_head(const struct lg_input *before, const struct lg_input *after,
			 const struct lg_view_tally *t, int64_t min_delta)
{
	int is_dump = after->kind == LG_INPUT_DUMP;

	return json_pack(
		"{s:i, s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:b}}",
		"schema_version", LG_STACKJSON_VERSION, "tool", "leakgate", "command", "diff",
		"input", is_dump ? "dump" : "profile", "by", lg_group_by_name(after->groups.opts.by),
		"by_label", lg_json_str(after->groups.opts.by_label), "unit", lg_view_unit(after),
		"sample_type", is_dump ? json_null()
				       : lg_json_str(after->prof.sample_types[after->sample_index].type),
		"before", side_json(before), "after", side_json(after),
		"min_delta", (json_int_t)min_delta,
		"summary", "new", (json_int_t)t->kinds[LG_CHANGE_NEW], "gone",
		(json_int_t)t->kinds[LG_CHANGE_GONE], "grown", (json_int_t)t->kinds[LG_CHANGE_GROWN],
		"shrunk", (json_int_t)t->kinds[LG_CHANGE_SHRUNK], "same",
		(json_int_t)t->kinds[LG_CHANGE_SAME], "growth", t->growth);
}

static void write_change(struct lg_jw *w, struct ftab *t, const struct lg_input *before,
			 const struct lg_input *after, const struct lg_group_change *c, int is_dump)
{
	const struct lg_group *g = c->after ? c->after : c->before;
	const struct lg_group_set *s = c->after ? &after->groups : &before->groups;

	lg_jw_lit(w, "{\"change\":\"");
	lg_jw_raw(w, lg_change_kind_name(c->kind));
	lg_jw_lit(w, "\",\"id\":\"");
	lg_jw_rawn(w, g->id, sizeof(g->id) - 1);
	lg_jw_lit(w, "\",\"signature\":\"");
	lg_jw_rawn(w, g->signature, sizeof(g->signature) - 1);
	lg_jw_lit(w, "\",\"before\":");
	lg_jw_int(w, c->before ? c->before->count : 0);
	lg_jw_lit(w, ",\"after\":");
	lg_jw_int(w, c->after ? c->after->count : 0);
	lg_jw_lit(w, ",\"delta\":");
	lg_jw_int(w, c->delta);
	lg_jw_lit(w, ",\"long_lived\":");
	lg_jw_bool(w, c->long_lived);
	lg_jw_lit(w, ",\"group\":");
	write_group(w, t, s, g, is_dump);
	lg_jw_lit(w, "}");
}

int lg_stackjson_diff(const struct lg_input *before, const struct lg_input *after,
		      const struct lg_group_change *c, size_t n, int64_t min_delta, FILE *f)
{
	int is_dump = after->kind == LG_INPUT_DUMP;
	struct lg_view_tally tally;
	struct lg_jw w;
	struct ftab t;
	size_t i, shown = 0;

	lg_view_tally(c, n, min_delta, &tally);
	lg_jw_init(&w, f);
	ftab_init(&t);
	write_head(&w, diff_head(before, after, &tally, min_delta), "changes");
	for (i = 0; i < n && !w.failed; i++) {
		if (!lg_view_change_shown(&c[i], min_delta))
			continue;
		lg_jw_raw(&w, shown++ ? ",\n" : "\n");
		write_change(&w, &t, before, after, &c[i], is_dump);
	}
	write_ftab(&w, &t);
	ftab_release(&t);
	return lg_jw_finish(&w);
}
