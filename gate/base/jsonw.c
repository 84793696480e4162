/*
 * jsonw.c — the streaming JSON writer: a buffer handed to the stream
 * whenever it passes 64 KiB.
 */
#include <string.h>

#include "escape.h"
#include "jsonw.h"

#define FLUSH_AT ((size_t)64 << 10)

static void flush(struct lg_jw *w)
{
	if (w->b.len && !w->failed && fwrite(w->b.buf, 1, w->b.len, w->f) != w->b.len)
		w->failed = 1;
	lg_buf_reset(&w->b);
}

static void maybe_flush(struct lg_jw *w)
{
	if (w->b.len >= FLUSH_AT)
		flush(w);
}

void lg_jw_init(struct lg_jw *w, FILE *f)
{
	lg_buf_init(&w->b);
	w->f = f;
	w->failed = 0;
}

int lg_jw_finish(struct lg_jw *w)
{
	int ret;

	flush(w);
	ret = w->failed ? -1 : 0;
	lg_buf_release(&w->b);
	return ret;
}

void lg_jw_rawn(struct lg_jw *w, const char *s, size_t n)
{
	lg_buf_add(&w->b, s, n);
	maybe_flush(w);
}

void lg_jw_raw(struct lg_jw *w, const char *s)
{
	lg_jw_rawn(w, s, strlen(s));
}

void lg_jw_str(struct lg_jw *w, const char *s)
{
	if (!s) {
		lg_buf_add(&w->b, "null", 4);
	} else {
		lg_buf_addch(&w->b, '"');
		lg_escape_json(&w->b, s);
		lg_buf_addch(&w->b, '"');
	}
	maybe_flush(w);
}

void lg_jw_int(struct lg_jw *w, int64_t v)
{
	lg_buf_add_int(&w->b, v);
	maybe_flush(w);
}

void lg_jw_bool(struct lg_jw *w, int v)
{
	if (v)
		lg_buf_add(&w->b, "true", 4);
	else
		lg_buf_add(&w->b, "false", 5);
	maybe_flush(w);
}
