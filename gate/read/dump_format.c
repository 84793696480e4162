/*
 * dump_format.c — goroutines as text and as signatures: the package of
 * a function name, the stable signature that groups goroutines blocked at
 * the same place (persisted in baselines: never change its bytes), and a
 * goroutine printed back the way the runtime prints it.
 */
#include <inttypes.h>
#include <string.h>

#include "dump.h"

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

void lg_func_package(const char *func, struct lg_buf *out)
{
	const char *end, *slash = NULL, *p, *dot;

	lg_buf_reset(out);
	if (!func)
		return;
	/* Generic arguments may hold '/' and '.': look only before them. */
	end = strchr(func, '[');
	if (!end)
		end = func + strlen(func);
	for (p = func; p < end; p++)
		if (*p == '/')
			slash = p;
	p = slash ? slash + 1 : func;
	dot = memchr(p, '.', (size_t)(end - p));
	/* gopkg.in/yaml.v3.Unmarshal: a ".vN" element is part of the path */
	if (dot && dot[1] == 'v' && is_digit((unsigned char)dot[2])) {
		const char *q = dot + 2;

		while (is_digit((unsigned char)*q))
			q++;
		if (*q == '.')
			dot = q;
	}
	if (!dot)
		dot = end;
	lg_buf_add(out, func, (size_t)(dot - func));
}

void lg_goroutine_signature(const struct lg_goroutine *g, char out[17])
{
	uint64_t h = LG_FNV_OFFSET;
	const char *cls = lg_wait_class_name(g->wait);
	size_t i;

	h = lg_fnv1a(h, cls);
	/* Runtime and unknown waits are told apart by their reason only. */
	if ((g->wait == LG_WAIT_RUNTIME || g->wait == LG_WAIT_OTHER) && g->status)
		h = lg_fnv1a(h, g->status);
	for (i = 0; i < g->nframes; i++) {
		const char *fn = g->frames[i].func;

		/*
		 * Frames of package runtime show only at GOTRACEBACK=system
		 * and in debug=1 profiles: leave them out so that one
		 * blocking point has one signature at every level.
		 */
		if (!fn || (fn[0] == 'r' && !strncmp(fn, "runtime.", 8)))
			continue;
		h = lg_fnv1a(h, fn);
	}
	lg_hex16(h, out);
}

static void format_frame(const struct lg_frame *f, struct lg_buf *out)
{
	lg_buf_addf(out, "%s%s\n", f->func ? f->func : "?", f->inlined ? "(...)" : "()");
	if (f->file)
		lg_buf_addf(out, "\t%s:%d\n", f->file, f->line);
}

static void format_creator(const struct lg_creator *c, struct lg_buf *out)
{
	if (!c->func)
		return;
	lg_buf_addf(out, "created by %s", c->func);
	if (c->parent_id >= 0)
		lg_buf_addf(out, " in goroutine %" PRId64, c->parent_id);
	lg_buf_addch(out, '\n');
	if (c->file)
		lg_buf_addf(out, "\t%s:%d\n", c->file, c->line);
}

void lg_goroutine_format(const struct lg_goroutine *g, struct lg_buf *out)
{
	const char *status = g->status && g->status[0] ? g->status : lg_wait_class_name(g->wait);
	size_t i, j;

	if (g->id >= 0)
		lg_buf_addf(out, "goroutine %" PRId64 " [%s", g->id, status);
	else
		lg_buf_addf(out, "%" PRId64 " goroutines [%s", g->count, status);
	if (g->leaked)
		lg_buf_adds(out, " (leaked)");
	if (g->durable)
		lg_buf_adds(out, " (durable)");
	if (g->minutes > 0)
		lg_buf_addf(out, ", %d minutes", g->minutes);
	if (g->locked)
		lg_buf_adds(out, ", locked to thread");
	if (g->bubble)
		lg_buf_addf(out, ", synctest bubble %" PRId64, g->bubble);
	lg_buf_adds(out, "]");
	if (g->labels)
		lg_buf_addf(out, " %s", g->labels);
	lg_buf_adds(out, ":\n");
	for (i = 0; i < g->nframes; i++)
		format_frame(&g->frames[i], out);
	if (g->frames_elided)
		lg_buf_adds(out, "...additional frames elided...\n");
	format_creator(&g->creator, out);
	for (i = 0; i < g->nancestors; i++) {
		const struct lg_ancestor *a = &g->ancestors[i];

		lg_buf_addf(out, "[originating from goroutine %" PRId64 "]:\n", a->id);
		for (j = 0; j < a->nframes; j++)
			format_frame(&a->frames[j], out);
		format_creator(&a->creator, out);
	}
}
