/*
 * view.c — text and folded views of grouped stacks and of the
 * changes between two inputs (the JSON documents are stackjson.c's).
 *
 * A profile can make 100,000 groups of a dozen frames each, so the per-frame
 * and per-group work avoids printf: strings are appended as they are and
 * padded by hand, and the folded lines are made in one buffer and sorted as
 * offsets into it.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

#define FUNC_COLUMN_MAX 64
#define PREFETCH_GROUPS 4 /* groups ahead whose frame ids are fetched */

/* ---------------------------------------------------------------------- */
/* Small helpers. */

static const char *col(const struct lg_view *v, const char *code)
{
	return v && v->color ? code : "";
}
#define BOLD "\033[1m"
#define DIM "\033[2m"
#define YELLOW "\033[33m"
#define CYAN "\033[36m"
#define GREEN "\033[32m"
#define RED "\033[31m"
#define RESET "\033[0m"

const char *lg_view_unit(const struct lg_input *in)
{
	const struct lg_pprof_value_type *t;

	if (in->kind == LG_INPUT_DUMP)
		return "goroutines";
	t = &in->prof.sample_types[in->sample_index];
	if (!strcmp(t->type, "goroutine") || !strcmp(t->type, "goroutineleak"))
		return "goroutines";
	return t->unit && *t->unit ? t->unit : "count";
}

static int counts_goroutines(const struct lg_input *in)
{
	return !strcmp(lg_view_unit(in), "goroutines");
}

void lg_view_value(int64_t v, const char *unit, struct lg_buf *out)
{
	static const char *const bytes[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double d = (double)v, a = d < 0 ? -d : d;
	size_t i = 0;

	if (!strcmp(unit, "bytes")) {
		while (a >= 1024 && i + 1 < LG_ARRAY_SIZE(bytes)) {
			a /= 1024;
			d /= 1024;
			i++;
		}
		if (i == 0) {
			lg_buf_add_int(out, v);
			lg_buf_add(out, " B", 2);
		} else
			lg_buf_addf(out, "%.1f %s", d, bytes[i]);
	} else if (!strcmp(unit, "nanoseconds")) {
		if (a >= 1e9)
			lg_buf_addf(out, "%.2fs", d / 1e9);
		else if (a >= 1e6)
			lg_buf_addf(out, "%.2fms", d / 1e6);
		else if (a >= 1e3)
			lg_buf_addf(out, "%.2fus", d / 1e3);
		else
			lg_buf_addf(out, "%" PRId64 "ns", v);
	} else {
		lg_buf_add_int(out, v);
	}
}

/* "dir/file.go": the last two elements of a path, enough to find it. */
static const char *short_path(const char *file, const struct lg_view *v)
{
	const char *last, *prev;
	size_t n;

	if (!file)
		return "?";
	if (v && v->cwd && (n = strlen(v->cwd)) && !strncmp(file, v->cwd, n) && file[n] == '/')
		return file + n + 1;
	last = strrchr(file, '/');
	for (prev = last; prev && prev > file;)
		if (*--prev == '/')
			return prev + 1;
	return file;
}

/* ---------------------------------------------------------------------- */
/* Text. */

#define STREAM_AT ((size_t)64 << 10)

/* Hands `out` to the view's stream past STREAM_AT bytes, or at the `end`. */
static void stream_out(const struct lg_view *v, struct lg_buf *out, int end)
{
	if (!v || !v->stream || (!end && out->len < STREAM_AT))
		return;
	fwrite(out->buf, 1, out->len, v->stream);
	lg_buf_reset(out);
}

static void group_header(const struct lg_input *in, const struct lg_group *g,
			 const struct lg_view *v, struct lg_buf *out)
{
	const char *unit = lg_view_unit(in);

	lg_buf_adds(out, col(v, BOLD));
	if (counts_goroutines(in))
		lg_buf_addf(out, "%" PRId64 " goroutine%s", g->count, g->count == 1 ? "" : "s");
	else {
		lg_view_value(g->count, unit, out);
		lg_buf_addch(out, ' ');
		lg_buf_adds(out, in->prof.sample_types[in->sample_index].type);
	}
	lg_buf_adds(out, col(v, RESET));
	if (in->kind == LG_INPUT_PROFILE && g->entries > 1) {
		lg_buf_add(out, " (", 2);
		lg_buf_add_int(out, g->entries);
		lg_buf_adds(out, " samples)");
	}
	if (counts_goroutines(in)) {
		const struct lg_group_dump *d = lg_group_dump_of(g);

		lg_buf_addf(out, " %s[%s", col(v, YELLOW),
			    d->status && *d->status ? d->status : lg_wait_class_name(g->wait));
		if (d->leaked)
			lg_buf_adds(out, " (leaked)");
		if (d->max_minutes)
			lg_buf_addf(out, ", %d-%d minutes", d->min_minutes, d->max_minutes);
		if (d->locked)
			lg_buf_adds(out, ", locked to thread");
		lg_buf_addf(out, "]%s  %s%s%s", col(v, RESET), col(v, CYAN),
			    g->pattern ? g->pattern->id : "?", col(v, RESET)); /* set unless skipped */
	}
	if (g->label && in->groups.opts.by_label)
		lg_buf_addf(out, "  %s=%s", in->groups.opts.by_label, g->label);
	lg_buf_add(out, "  ", 2);
	lg_buf_adds(out, col(v, DIM));
	lg_buf_add(out, "id ", 3);
	lg_buf_add(out, g->id, sizeof(g->id) - 1);
	lg_buf_adds(out, col(v, RESET));
	lg_buf_addch(out, '\n');
}

/*
 * The text of each distinct frame of a set, made on first use and kept
 * for the view: "    func" and "  dir/file.go:line\n" (with colours) one
 * after the other, so that a frame line is two copies and the padding to
 * the group's widest function between them.
 */
struct frame_lines {
	const struct lg_group_set *set;
	size_t *at;         /* per table frame: its text in `text`; SIZE_MAX: not yet */
	uint32_t *func_len; /* of the function as shown */
	uint32_t *len;      /* of the whole text */
	struct lg_buf text;
};

static void frame_lines_init(struct frame_lines *fl, const struct lg_group_set *s)
{
	size_t i;

	fl->set = s;
	fl->at = lg_xmalloc((s->nframes + 1) * sizeof(*fl->at));
	fl->func_len = lg_xmalloc((s->nframes + 1) * sizeof(*fl->func_len));
	fl->len = lg_xmalloc((s->nframes + 1) * sizeof(*fl->len));
	for (i = 0; i < s->nframes; i++)
		fl->at[i] = SIZE_MAX;
	lg_buf_init(&fl->text);
}

static void frame_lines_release(struct frame_lines *fl)
{
	free(fl->at);
	free(fl->func_len);
	free(fl->len);
	lg_buf_release(&fl->text);
}

/* Frame `id`'s text, made when first asked for; its length in *len. */
static const char *frame_text(struct frame_lines *fl, uint32_t id, const struct lg_view *v,
			      size_t *len)
{
	const struct lg_frame *f = &fl->set->frames[id];
	const char *func = f->func ? f->func : "?";
	size_t at = fl->at[id];

	if (at == SIZE_MAX) {
		at = fl->at[id] = fl->text.len;
		fl->func_len[id] = (uint32_t)strlen(func);
		lg_buf_add(&fl->text, "    ", 4);
		lg_buf_add(&fl->text, func, fl->func_len[id]);
		lg_buf_add(&fl->text, "  ", 2);
		lg_buf_adds(&fl->text, col(v, DIM));
		lg_buf_adds(&fl->text, short_path(f->file, v));
		lg_buf_addch(&fl->text, ':');
		lg_buf_add_int(&fl->text, f->line);
		lg_buf_adds(&fl->text, col(v, RESET));
		lg_buf_addch(&fl->text, '\n');
		fl->len[id] = (uint32_t)(fl->text.len - at);
	}
	*len = fl->len[id];
	return fl->text.buf + at;
}

/*
 * The lines of frames ids[0..n), "    func<pad to width>  dir/file.go:line\n"
 * each (frame_text made every one's text), copied straight into `out`
 * after one reservation: `need` is their length with the padding.
 */
static void frame_lines_add(const struct frame_lines *fl, const uint32_t *ids, size_t n,
			    size_t width, size_t need, struct lg_buf *out)
{
	char *p;
	size_t i;

	lg_buf_reserve(out, need);
	p = out->buf + out->len;
	for (i = 0; i < n; i++) {
		const char *text = fl->text.buf + fl->at[ids[i]];
		size_t head = 4 + fl->func_len[ids[i]], len = fl->len[ids[i]];

		memcpy(p, text, head);
		p += head;
		if (fl->func_len[ids[i]] < width) {
			memset(p, ' ', width - fl->func_len[ids[i]]);
			p += width - fl->func_len[ids[i]];
		}
		memcpy(p, text + head, len - head);
		p += len - head;
	}
	*p = '\0';
	out->len = (size_t)(p - out->buf);
}

static void group_text(const struct lg_input *in, const struct lg_group *g,
		       const struct lg_view *v, struct frame_lines *fl, struct lg_buf *out)
{
	size_t i, width = 0, shown = g->nframes, need = 0;

	group_header(in, g, v, out);
	if (g->labels) {
		lg_buf_adds(out, "    labels ");
		lg_buf_adds(out, g->labels);
		lg_buf_addch(out, '\n');
	}
	if (v && v->max_frames > 0 && shown > (size_t)v->max_frames)
		shown = (size_t)v->max_frames;
	for (i = 0; i < shown; i++) {
		size_t len, w;

		frame_text(fl, g->frames[i], v, &len);
		need += len;
		w = fl->func_len[g->frames[i]];
		if (w > width)
			width = w < FUNC_COLUMN_MAX ? w : FUNC_COLUMN_MAX;
	}
	frame_lines_add(fl, g->frames, shown, width, need + shown * width, out);
	if (shown < g->nframes || g->frames_elided)
		lg_buf_addf(out, "    ...%s\n", g->frames_elided ? " frames elided" : "");
	if (lg_group_dump_of(g)->creator.func) {
		const struct lg_creator *c = &g->dump->creator;

		lg_buf_addf(out, "  created by %s", c->func);
		if (c->file)
			lg_buf_addf(out, "  %s%s:%d%s", col(v, DIM), short_path(c->file, v),
				    c->line, col(v, RESET));
		lg_buf_addch(out, '\n');
	}
	if (g->dump && g->dump->nids) {
		const struct lg_group_dump *d = g->dump;

		lg_buf_adds(out, "  goroutines");
		for (i = 0; i < d->nids; i++)
			lg_buf_addf(out, " %" PRId64, d->ids[i]);
		if ((int64_t)d->nids < g->entries)
			lg_buf_adds(out, " ...");
		lg_buf_addch(out, '\n');
	}
}

void lg_view_group_text(const struct lg_input *in, const struct lg_group *g,
			const struct lg_view *v, struct lg_buf *out)
{
	struct frame_lines fl;

	frame_lines_init(&fl, &in->groups);
	group_text(in, g, v, &fl, out);
	frame_lines_release(&fl);
}

static void summary_line(const struct lg_input *in, const struct lg_view *v, struct lg_buf *out)
{
	const struct lg_group_set *s = &in->groups;

	lg_buf_addf(out, "%s%s%s: ", col(v, BOLD), in->name, col(v, RESET));
	if (counts_goroutines(in))
		lg_buf_addf(out, "%" PRId64 " goroutines", s->total);
	else {
		lg_view_value(s->total, lg_view_unit(in), out);
		lg_buf_addf(out, " %s", in->prof.sample_types[in->sample_index].type);
	}
	lg_buf_addf(out, " in %zu group%s (by %s", s->n, s->n == 1 ? "" : "s",
		    lg_group_by_name(s->opts.by));
	if (s->opts.by_label)
		lg_buf_addf(out, " and label %s", s->opts.by_label);
	lg_buf_adds(out, ")");
	if (s->filtered)
		lg_buf_addf(out, ", %" PRId64 " filtered out", s->filtered);
	if (s->hidden)
		lg_buf_addf(out, ", %zu small group%s hidden", s->hidden, s->hidden == 1 ? "" : "s");
	lg_buf_addch(out, '\n');
	if (in->kind == LG_INPUT_DUMP && in->dump.message)
		lg_buf_addf(out, "%s%s%s%s\n", col(v, RED),
			    in->dump.kind == LG_DUMP_FATAL ? "fatal error: "
			    : in->dump.kind == LG_DUMP_SIGNAL ? "" : "panic: ",
			    in->dump.message, col(v, RESET));
}

/* The order groups are shown in: by label total first when grouped by label. */
struct order {
	const struct lg_group *g;
	int64_t label_total;
	size_t pos;
};

static int cmp_order(const void *x, const void *y)
{
	const struct order *a = x, *b = y;
	int c;

	if (a->label_total != b->label_total)
		return a->label_total < b->label_total ? 1 : -1;
	if ((a->g->label == NULL) != (b->g->label == NULL))
		return a->g->label ? -1 : 1;
	if (a->g->label && (c = strcmp(a->g->label, b->g->label)))
		return c;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static struct order *display_order(const struct lg_group_set *s)
{
	struct order *o = lg_xcalloc(s->n + 1, sizeof(*o));
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		o[i].g = &s->g[i];
		o[i].pos = i;
	}
	if (!s->opts.by_label)
		return o;
	for (i = 0; i < s->n; i++)
		for (j = 0; j < s->n; j++)
			if ((s->g[i].label == NULL && s->g[j].label == NULL) ||
			    (s->g[i].label && s->g[j].label && !strcmp(s->g[i].label, s->g[j].label)))
				o[i].label_total += s->g[j].count;
	qsort(o, s->n, sizeof(*o), cmp_order);
	return o;
}

void lg_view_stacks_text(const struct lg_input *in, const struct lg_view *v, struct lg_buf *out)
{
	const struct lg_group_set *s = &in->groups;
	struct order *o = display_order(s);
	const char *key = s->opts.by_label;
	struct frame_lines fl;
	size_t i;

	frame_lines_init(&fl, s);
	summary_line(in, v, out);
	for (i = 0; i < s->n; i++) {
		const struct lg_group *g = o[i].g;

		/*
		 * Groups are sorted, their frame ids are not (they stay where
		 * grouping put them): ask for a later group's ids ahead of time.
		 */
		if (i + PREFETCH_GROUPS < s->n)
			__builtin_prefetch(o[i + PREFETCH_GROUPS].g->frames);

		if (key && (i == 0 || (g->label == NULL) != (o[i - 1].g->label == NULL) ||
			    (g->label && strcmp(g->label, o[i - 1].g->label)))) {
			lg_buf_addf(out, "\n%s", col(v, BOLD));
			if (g->label)
				lg_buf_addf(out, "%s=%s: ", key, g->label);
			else
				lg_buf_addf(out, "(no %s label): ", key);
			lg_view_value(o[i].label_total, counts_goroutines(in) ? "" : lg_view_unit(in), out);
			lg_buf_addf(out, " %s%s\n", counts_goroutines(in) ? "goroutines" : "",
				    col(v, RESET));
		}
		lg_buf_addch(out, '\n');
		group_text(in, g, v, &fl, out);
		stream_out(v, out, 0);
	}
	stream_out(v, out, 1);
	frame_lines_release(&fl);
	free(o);
}

/* ---------------------------------------------------------------------- */
/* Folded. */

/*
 * Folded lines are collected in one buffer (`text`, each stack followed by
 * its NUL) and sorted as offsets into it: one allocation for all groups.
 */
struct folded {
	const char *stack; /* set once `text` is complete */
	size_t at;         /* offset in text until then */
	int64_t count;
};

struct folded_list {
	struct folded *f;
	size_t n;
	struct lg_buf text;
};

static int cmp_folded(const void *x, const void *y)
{
	return strcmp(((const struct folded *)x)->stack, ((const struct folded *)y)->stack);
}

/* Adds group g's folded stack with `count`. */
static void folded_add(struct folded_list *l, const struct lg_group_set *s,
		       const struct lg_group *g, int64_t count)
{
	l->f[l->n].at = l->text.len;
	l->f[l->n++].count = count;
	lg_group_folded(s, g, &l->text);
	lg_buf_add(&l->text, "", 1); /* the NUL that ends the stack */
}

/* Ends a folded line, its stack already in `out`: " COUNT\n", then streams. */
static void end_folded_line(const struct lg_view *v, int64_t count, struct lg_buf *out)
{
	lg_buf_addch(out, ' ');
	lg_buf_add_int(out, count);
	lg_buf_addch(out, '\n');
	stream_out(v, out, 0);
}

/* Sorts, merges equal stacks, prints "stack count" lines and frees `l`. */
static void emit_folded(struct folded_list *l, const struct lg_view *v, struct lg_buf *out)
{
	struct folded *f = l->f;
	size_t i = 0, n = l->n;

	for (i = 0; i < n; i++)
		f[i].stack = l->text.buf + f[i].at;
	qsort(f, n, sizeof(*f), cmp_folded);
	i = 0;
	while (i < n) {
		size_t j = i + 1;
		int64_t sum = f[i].count;

		for (; j < n && !strcmp(f[j].stack, f[i].stack); j++)
			sum += f[j].count;
		if (sum > 0) {
			lg_buf_adds(out, f[i].stack);
			end_folded_line(v, sum, out);
		}
		i = j;
	}
	stream_out(v, out, 1);
	free(f);
	lg_buf_release(&l->text);
}

/*
 * A set's groups are put in order by lg_group_folded_order, as sequences of
 * ranked frames, and only the lines printed are made: the same lines in the
 * same order as emit_folded's string sort, at a fraction of the work.
 */
void lg_view_folded(const struct lg_input *in, const struct lg_view *v, struct lg_buf *out)
{
	const struct lg_group_set *s = &in->groups;
	uint32_t *order = lg_xmalloc((s->n + 1) * sizeof(*order));
	unsigned char *same = lg_xmalloc(s->n + 1);
	size_t i = 0, j;

	lg_group_folded_order(s, order, same);
	while (i < s->n) {
		int64_t sum = s->g[order[i]].count;

		for (j = i + 1; j < s->n && same[j]; j++)
			sum += s->g[order[j]].count;
		if (sum > 0) {
			lg_group_folded(s, &s->g[order[i]], out);
			end_folded_line(v, sum, out);
		}
		i = j;
	}
	stream_out(v, out, 1);
	free(same);
	free(order);
}

void lg_view_folded_growth(const struct lg_input *after, const struct lg_group_change *c,
			   size_t n, const struct lg_view *v, struct lg_buf *out)
{
	struct folded_list l = { lg_xcalloc(n + 1, sizeof(*l.f)), 0, LG_BUF_INIT };
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i].delta > 0 && c[i].after)
			folded_add(&l, &after->groups, c[i].after, c[i].delta);
	emit_folded(&l, v, out);
}

/* ---------------------------------------------------------------------- */
/* Diff. */

int lg_view_is_growth(const struct lg_group_change *c, int64_t min_delta)
{
	return (c->kind == LG_CHANGE_NEW || c->kind == LG_CHANGE_GROWN) && c->delta >= min_delta &&
	       c->delta > 0;
}

int lg_view_change_shown(const struct lg_group_change *c, int64_t min_delta)
{
	int64_t d = c->delta < 0 ? -c->delta : c->delta;

	return (c->kind != LG_CHANGE_SAME && d >= min_delta) || c->long_lived;
}

void lg_view_tally(const struct lg_group_change *c, size_t n, int64_t min_delta,
		   struct lg_view_tally *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		int64_t d = c[i].delta < 0 ? -c[i].delta : c[i].delta;

		t->kinds[d < min_delta ? LG_CHANGE_SAME : c[i].kind]++;
		if (lg_view_is_growth(&c[i], min_delta))
			t->growth = 1;
	}
}

static void signed_value(int64_t v, const char *unit, struct lg_buf *out)
{
	if (v > 0)
		lg_buf_addch(out, '+');
	lg_view_value(v, unit, out);
}

void lg_view_diff_text(const struct lg_input *before, const struct lg_input *after,
		       const struct lg_group_change *c, size_t n, int64_t min_delta,
		       const struct lg_view *v, struct lg_buf *out)
{
	const char *unit = counts_goroutines(after) ? "" : lg_view_unit(after);
	struct lg_view_tally t;
	struct frame_lines fl_before, fl_after;
	size_t i;

	frame_lines_init(&fl_before, &before->groups);
	frame_lines_init(&fl_after, &after->groups);
	lg_view_tally(c, n, min_delta, &t);
	lg_buf_addf(out, "%s%s -> %s%s (by %s", col(v, BOLD), before->name, after->name,
		    col(v, RESET), lg_group_by_name(after->groups.opts.by));
	if (after->kind == LG_INPUT_PROFILE)
		lg_buf_addf(out, ", %s", after->prof.sample_types[after->sample_index].type);
	lg_buf_adds(out, "): ");
	lg_view_value(before->groups.total, unit, out);
	lg_buf_adds(out, " -> ");
	lg_view_value(after->groups.total, unit, out);
	lg_buf_addf(out, "%s; %zu new, %zu gone, %zu grown, %zu shrunk, %zu unchanged\n",
		    counts_goroutines(after) ? " goroutines" : "", t.kinds[LG_CHANGE_NEW],
		    t.kinds[LG_CHANGE_GONE], t.kinds[LG_CHANGE_GROWN], t.kinds[LG_CHANGE_SHRUNK],
		    t.kinds[LG_CHANGE_SAME]);
	for (i = 0; i < n; i++) {
		const struct lg_group *g = c[i].after ? c[i].after : c[i].before;

		if (!lg_view_change_shown(&c[i], min_delta))
			continue;
		lg_buf_addf(out, "\n%s", col(v, c[i].delta > 0 ? RED : c[i].delta < 0 ? GREEN : ""));
		signed_value(c[i].delta, unit, out);
		lg_buf_addf(out, " %s%s (", lg_change_kind_name(c[i].kind), col(v, RESET));
		lg_view_value(c[i].before ? c[i].before->count : 0, unit, out);
		lg_buf_adds(out, " -> ");
		lg_view_value(c[i].after ? c[i].after->count : 0, unit, out);
		lg_buf_addf(out, ")%s\n", c[i].long_lived ? "  long-lived: same goroutines still waiting" : "");
		if (after->groups.n && c[i].after)
			group_text(after, g, v, &fl_after, out);
		else
			group_text(before, g, v, &fl_before, out);
		stream_out(v, out, 0);
	}
	stream_out(v, out, 1);
	frame_lines_release(&fl_before);
	frame_lines_release(&fl_after);
}
