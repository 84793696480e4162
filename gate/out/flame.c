/*
 * flame.c — flame graph trees and their SVG drawing.
 *
 * The tree is stored flat (an array of nodes linked parent/child/next) and
 * found by a hash of (parent, name), so adding a stack costs its depth
 * whatever the fan-out.  Drawing sorts siblings by name (the flame graph
 * convention: x position means nothing but alphabetical order, width is
 * weight) and skips boxes narrower than a pixel fraction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "flame.h"

#define ROW 18
#define TOP 34
#define MIN_PX 0.25

/* A child looked up in the index: its parent and name. */
struct child_key {
	const struct lg_flame *f;
	size_t parent;
	const char *name;
};

/* The index's hash of (parent, name): in memory only. */
static uint64_t child_hash(size_t parent, const char *name)
{
	return lg_hash_mix(lg_hash_bytes(name, strlen(name)), (uint64_t)parent);
}

/* lg_hmap callback: whether node k is the child key->name of key->parent. */
static int same_child(const void *ctx, uint32_t k)
{
	const struct child_key *key = ctx;
	const struct lg_flame_node *n = &key->f->nodes[k];

	return n->parent == key->parent && !strcmp(n->name, key->name);
}

void lg_flame_init(struct lg_flame *f)
{
	memset(f, 0, sizeof(*f));
}

/* The root and the index are made on first use, so init allocates nothing. */
static void ensure_root(struct lg_flame *f)
{
	if (f->n)
		return;
	LG_GROW(f->nodes, f->alloc, 1);
	memset(&f->nodes[0], 0, sizeof(f->nodes[0]));
	f->n = 1;
}

void lg_flame_release(struct lg_flame *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->nodes[i].name);
	free(f->nodes);
	lg_hmap_release(&f->index);
	lg_flame_init(f);
}

/* The child of `parent` named `name`, created when missing; 0 at the cap. */
static size_t child(struct lg_flame *f, size_t parent, const char *name)
{
	struct child_key key = { f, parent, name };
	uint64_t h = child_hash(parent, name);
	uint32_t found = lg_hmap_find(&f->index, h, same_child, &key);
	struct lg_flame_node *c;
	size_t id;

	if (found != LG_HMAP_NONE)
		return found;
	if (f->n >= LG_FLAME_MAX_NODES)
		return 0;
	LG_GROW(f->nodes, f->alloc, f->n + 1);
	id = f->n++;
	c = &f->nodes[id];
	memset(c, 0, sizeof(*c));
	c->name = lg_xstrdup(name);
	c->parent = parent;
	c->depth = f->nodes[parent].depth + 1;
	c->next = f->nodes[parent].child;
	f->nodes[parent].child = id;
	if (c->depth > f->max_depth)
		f->max_depth = c->depth;
	lg_hmap_add(&f->index, h, (uint32_t)id);
	return id;
}

void lg_flame_add(struct lg_flame *f, const char *const *names, size_t n, int64_t weight, int hot)
{
	size_t i, at = 0, next;

	if (weight <= 0)
		return;
	ensure_root(f);
	f->stacks++;
	if (n > LG_FLAME_MAX_DEPTH) {
		n = LG_FLAME_MAX_DEPTH;
		f->dropped++;
	}
	f->nodes[0].total += weight;
	f->nodes[0].hot += hot ? weight : 0;
	for (i = 0; i < n; i++) {
		next = child(f, at, names[i] ? names[i] : "?");
		if (!next) {
			f->dropped++;
			return;
		}
		at = next;
		f->nodes[at].total += weight;
		f->nodes[at].hot += hot ? weight : 0;
	}
}

/* --- goroutines and profiles ----------------------------------------------- */

struct names {
	const char **v;
	size_t n, alloc;
};

static void push_name(struct names *s, const char *name)
{
	if (name && !strcmp(name, "runtime.goexit"))
		return;
	LG_GROW(s->v, s->alloc, s->n + 1);
	s->v[s->n++] = name;
}

static void push_frames(struct names *s, const struct lg_frame *fr, size_t n)
{
	while (n--)
		push_name(s, fr[n].func);
}

void lg_flame_add_goroutine(struct lg_flame *f, const struct lg_goroutine *g, int hot)
{
	struct names s = { NULL, 0, 0 };
	const char *status = g->status && *g->status ? g->status : lg_wait_class_name(g->wait);
	char *leaf = lg_xasprintf("[%s]", status);
	size_t a = g->nancestors;

	while (a--)
		push_frames(&s, g->ancestors[a].frames, g->ancestors[a].nframes);
	if (!g->nancestors && g->creator.func)
		push_name(&s, g->creator.func);
	push_frames(&s, g->frames, g->nframes);
	push_name(&s, leaf);
	lg_flame_add(f, s.v, s.n, g->count > 0 ? g->count : 1, hot);
	free(leaf);
	free(s.v);
}

static int blocked_in_user_code(const struct lg_goroutine *g)
{
	size_t i;

	switch (g->wait) {
	case LG_WAIT_CHAN: case LG_WAIT_NIL_CHAN: case LG_WAIT_SELECT:
	case LG_WAIT_SELECT_NOCASES: case LG_WAIT_MUTEX: case LG_WAIT_RWMUTEX:
	case LG_WAIT_WAITGROUP: case LG_WAIT_COND: case LG_WAIT_SEMACQUIRE:
		break;
	default:
		return 0;
	}
	for (i = 0; i < g->nframes; i++)
		if (g->frames[i].func && !lg_starts_with(g->frames[i].func, "runtime.") &&
		    !lg_starts_with(g->frames[i].func, "testing."))
			return 1;
	return 0;
}

/* "N goroutines like this one:" on the line before 1-based line `at`, else 1. */
static int64_t group_weight(const char *const *line_starts, size_t nlines, const char *end,
			    size_t at)
{
	const char *s, *e;
	long long n;
	char tail[32];

	if (at < 2 || at - 2 >= nlines)
		return 1;
	s = line_starts[at - 2];
	e = at - 1 < nlines ? line_starts[at - 1] : end;
	if (e - s > 60 || sscanf(s, "%lld goroutines like this one%31[:]", &n, tail) != 2 || n < 1)
		return 1;
	return n;
}

void lg_flame_add_dump(struct lg_flame *f, const struct lg_dump *d, const char *text, size_t len,
		       int hot_blocked)
{
	const char **starts = NULL;
	size_t nlines = 0, alloc = 0, i;
	const char *p = text, *end = text + len;

	while (text && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		LG_GROW(starts, alloc, nlines + 1);
		starts[nlines++] = p;
		p = nl ? nl + 1 : end;
	}
	for (i = 0; i < d->n; i++) {
		struct lg_goroutine g = d->g[i];
		int hot = g.leaked || (hot_blocked && blocked_in_user_code(&g));

		if (g.count <= 1 && text)
			g.count = group_weight(starts, nlines, end, g.first_line);
		lg_flame_add_goroutine(f, &g, hot);
	}
	free(starts);
}

int lg_flame_add_pprof(struct lg_flame *f, const struct lg_pprof *p, int sample_index,
		       struct lg_err *err)
{
	struct names s = { NULL, 0, 0 };
	size_t i, k;

	if (sample_index < 0 || (size_t)sample_index >= p->nsample_types)
		return lg_error(err, "sample type %d out of range (the profile has %zu)",
				sample_index, p->nsample_types);
	for (i = 0; i < p->nsamples; i++) {
		const struct lg_pprof_sample *sm = &p->samples[i];

		s.n = 0;
		for (k = sm->nframes; k-- > 0;)
			push_name(&s, sm->frames[k].func);
		lg_flame_add(f, s.v, s.n, sm->values[sample_index], 0);
	}
	free(s.v);
	return 0;
}

/* --- drawing ----------------------------------------------------------------- */

struct draw {
	const struct lg_flame *f;
	struct lg_buf *out;
	double scale; /* pixels per unit of weight */
	const char *unit;
};

static void amount(struct lg_buf *b, int64_t v, const char *unit)
{
	if (!strcmp(unit, "bytes") && v >= 1024 * 1024)
		lg_buf_addf(b, "%.1f MiB", (double)v / 1048576.0);
	else if (!strcmp(unit, "bytes") && v >= 1024)
		lg_buf_addf(b, "%.1f KiB", (double)v / 1024.0);
	else if (!strcmp(unit, "nanoseconds") && v >= 1000000)
		lg_buf_addf(b, "%.1f ms", (double)v / 1e6);
	else if (v == 1 && !strcmp(unit, "goroutines"))
		lg_buf_adds(b, "1 goroutine");
	else
		lg_buf_addf(b, "%lld %s", (long long)v, unit);
}

/*
 * Stable colours from the name (FNV-1a, pinned by a golden test): cold
 * frames in cool greys and blues, hot in reds.
 */
static void colour(struct lg_buf *b, const struct lg_flame_node *n)
{
	unsigned h = (unsigned)lg_fnv1a_bytes(LG_FNV_OFFSET, n->name, strlen(n->name));
	int status = n->name[0] == '[';
	double hot = n->total ? (double)n->hot / (double)n->total : 0;

	if (hot >= 0.5)
		lg_buf_addf(b, "hsl(%u,78%%,%u%%)", 354 + h % 12, 50 + (h >> 8) % 10);
	else if (hot > 0)
		lg_buf_addf(b, "hsl(%u,85%%,%u%%)", 22 + h % 14, 55 + (h >> 8) % 8);
	else if (status)
		lg_buf_addf(b, "hsl(%u,35%%,%u%%)", 262 + h % 16, 72 + (h >> 8) % 8);
	else if (lg_starts_with(n->name, "runtime.") || lg_starts_with(n->name, "testing."))
		lg_buf_addf(b, "hsl(%u,10%%,%u%%)", 200 + h % 20, 76 + (h >> 8) % 8);
	else
		lg_buf_addf(b, "hsl(%u,%u%%,%u%%)", 190 + h % 30, 40 + (h >> 4) % 20, 66 + (h >> 8) % 10);
}

static int by_name(const void *a, const void *b)
{
	const struct lg_flame_node *x = *(const struct lg_flame_node *const *)a;
	const struct lg_flame_node *y = *(const struct lg_flame_node *const *)b;

	return strcmp(x->name, y->name);
}

static void box(struct draw *d, const struct lg_flame_node *n, double x, double w)
{
	double y = TOP + (double)n->depth * ROW;
	const struct lg_flame_node *root = &d->f->nodes[0];
	size_t chars = (size_t)((w - 6) / 6.6);

	lg_buf_adds(d->out, "<g class=\"fr\"><title>");
	lg_escape_html(d->out, n->name);
	lg_buf_adds(d->out, " — ");
	amount(d->out, n->total, d->unit);
	lg_buf_addf(d->out, " (%.1f%%)", root->total ? 100.0 * (double)n->total / (double)root->total : 0);
	if (n->hot)
		lg_buf_addf(d->out, ", %lld leaked", (long long)n->hot);
	lg_buf_addf(d->out, "</title><rect x=\"%.2f\" y=\"%.0f\" width=\"%.2f\" height=\"%d\" rx=\"2\" fill=\"",
		    x, y, w > 1 ? w - 0.5 : w, ROW - 1);
	colour(d->out, n);
	lg_buf_addf(d->out, "\"%s/>", n->hot ? " class=\"hot\"" : "");
	if (chars >= 3) {
		size_t len = strlen(n->name);
		struct lg_buf label = LG_BUF_INIT;

		if (len > chars) {
			lg_buf_add(&label, n->name, chars - 2);
			lg_buf_adds(&label, "..");
		} else {
			lg_buf_adds(&label, n->name);
		}
		lg_buf_addf(d->out, "<text x=\"%.2f\" y=\"%.0f\">", x + 3, y + ROW - 5);
		lg_escape_html(d->out, label.buf);
		lg_buf_adds(d->out, "</text>");
		lg_buf_release(&label);
	}
	lg_buf_adds(d->out, "</g>\n");
}

/* Draws node `id` at x and its children below it, alphabetically. */
static void draw_node(struct draw *d, size_t id, double x)
{
	const struct lg_flame_node *n = &d->f->nodes[id];
	const struct lg_flame_node **kids = NULL;
	size_t nk = 0, alloc = 0, c, i;
	double w = (double)n->total * d->scale;

	if (w < MIN_PX)
		return;
	if (id)
		box(d, n, x, w);
	for (c = n->child; c; c = d->f->nodes[c].next) {
		LG_GROW(kids, alloc, nk + 1);
		kids[nk++] = &d->f->nodes[c];
	}
	if (nk > 1)
		qsort(kids, nk, sizeof(*kids), by_name);
	for (i = 0; i < nk; i++) {
		draw_node(d, (size_t)(kids[i] - d->f->nodes), x);
		x += (double)kids[i]->total * d->scale;
	}
	free(kids);
}

void lg_flame_svg(const struct lg_flame *f, const struct lg_flame_svg_opts *o, struct lg_buf *out)
{
	int width = o && o->width > 0 ? o->width : 1200;
	int height = TOP + (f->max_depth + 1) * ROW + 4;
	struct draw d = { f, out, 0, o && o->unit ? o->unit : "goroutines" };
	static const struct lg_flame_node empty;
	const struct lg_flame_node *root = f->n ? &f->nodes[0] : &empty;

	if (o && o->standalone)
		lg_buf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	lg_buf_addf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"%s\" width=\"%d\" "
		    "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n",
		    o && o->css_class ? o->css_class : "flame", width, height, width, height);
	lg_buf_adds(out, "<style>.fr text{font:11px ui-monospace,Menlo,Consolas,monospace;fill:#1a1a1a;"
		    "pointer-events:none}.fr:hover rect{stroke:#111;stroke-width:1}"
		    ".hd{font:13px system-ui,sans-serif;fill:#333}</style>\n");
	lg_buf_addf(out, "<rect width=\"%d\" height=\"%d\" fill=\"#fbfbfd\"/>\n", width, height);
	lg_buf_adds(out, "<text class=\"hd\" x=\"6\" y=\"20\">");
	lg_escape_html(out, o && o->title ? o->title : "flame graph");
	lg_buf_adds(out, " — ");
	amount(out, root->total, d.unit);
	if (root->hot)
		lg_buf_addf(out, ", %lld leaked (red)", (long long)root->hot);
	if (f->dropped)
		lg_buf_addf(out, ", %zu stacks cut at the size caps", f->dropped);
	lg_buf_adds(out, "</text>\n");
	if (root->total > 0) {
		d.scale = (double)(width - 2) / (double)root->total;
		draw_node(&d, 0, 1);
	}
	lg_buf_adds(out, "</svg>\n");
}
