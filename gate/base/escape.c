/*
 * escape.c — escaping untrusted text for HTML, Markdown, GitHub workflow
 * commands and JSON strings.  Test names and output come from the code under test,
 * so a name such as "<script>" or "::error::x" must reach every reader as
 * text, never as markup or a command.
 *
 * All escapers share one UTF-8 walker: a malformed byte is replaced by
 * U+FFFD and skipped, so every output is valid UTF-8.
 */
#include <string.h>

#include "escape.h"

#define FFFD "\xef\xbf\xbd"

size_t lg_utf8_seq_len(const unsigned char *s, size_t n)
{
	return lg_utf8_decode(s, n, NULL);
}

/*
 * Walks `s`, handing each ASCII byte to `ascii` (which appends whatever it
 * stands for) and copying well-formed multi-byte sequences unchanged.
 */
static void walk(struct lg_buf *out, const char *s, size_t n,
		 void (*ascii)(struct lg_buf *out, unsigned char c))
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;

	while (i < n) {
		len = lg_utf8_seq_len(p + i, n - i);
		if (!len) {
			lg_buf_adds(out, FFFD);
			i++;
		} else if (len == 1) {
			ascii(out, p[i]);
			i++;
		} else {
			lg_buf_add(out, p + i, len);
			i += len;
		}
	}
}

static void plain_ascii(struct lg_buf *out, unsigned char c)
{
	lg_buf_addch(out, c);
}

void lg_escape_utf8(struct lg_buf *out, const char *s, size_t n)
{
	if (s)
		walk(out, s, n, plain_ascii);
}

static int is_bad_control(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
}

static void html_ascii(struct lg_buf *out, unsigned char c)
{
	switch (c) {
	case '&': lg_buf_adds(out, "&amp;"); return;
	case '<': lg_buf_adds(out, "&lt;"); return;
	case '>': lg_buf_adds(out, "&gt;"); return;
	case '"': lg_buf_adds(out, "&quot;"); return;
	case '\'': lg_buf_adds(out, "&#39;"); return;
	}
	if (is_bad_control(c))
		lg_buf_adds(out, FFFD);
	else
		lg_buf_addch(out, c);
}

void lg_escape_html(struct lg_buf *out, const char *s)
{
	if (s)
		walk(out, s, strlen(s), html_ascii);
}

static void markdown_ascii(struct lg_buf *out, unsigned char c)
{
	if (c == '\n' || c == '\r' || c == '\t') {
		lg_buf_addch(out, ' ');
	} else if (c && strchr("\\`*_{}[]#|~!", c)) {
		/* emphasis, code, links, images, headings, tables, strikethrough */
		lg_buf_addch(out, '\\');
		lg_buf_addch(out, c);
	} else {
		html_ascii(out, c);
	}
}

void lg_escape_markdown(struct lg_buf *out, const char *s)
{
	if (s)
		walk(out, s, strlen(s), markdown_ascii);
}

static void data_ascii(struct lg_buf *out, unsigned char c)
{
	switch (c) {
	case '%': lg_buf_adds(out, "%25"); return;
	case '\r': lg_buf_adds(out, "%0D"); return;
	case '\n': lg_buf_adds(out, "%0A"); return;
	}
	lg_buf_addch(out, c);
}

static void prop_ascii(struct lg_buf *out, unsigned char c)
{
	switch (c) {
	case ':': lg_buf_adds(out, "%3A"); return;
	case ',': lg_buf_adds(out, "%2C"); return;
	}
	data_ascii(out, c);
}

void lg_escape_workflow_data(struct lg_buf *out, const char *s)
{
	if (s)
		walk(out, s, strlen(s), data_ascii);
}

void lg_escape_workflow_prop(struct lg_buf *out, const char *s)
{
	if (s)
		walk(out, s, strlen(s), prop_ascii);
}

size_t lg_longest_backtick_run(const char *s)
{
	size_t best = 0, run = 0;

	for (; s && *s; s++) {
		run = *s == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

/* Bytes a JSON string holds as they are. */
static int json_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* One byte that is not JSON-plain, or the multi-byte sequence it starts. */
static size_t json_escape_one(struct lg_buf *out, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char u[7] = "\\u00";
	size_t len;

	switch (*p) {
	case '"': lg_buf_add(out, "\\\"", 2); return 1;
	case '\\': lg_buf_add(out, "\\\\", 2); return 1;
	case '\n': lg_buf_add(out, "\\n", 2); return 1;
	case '\r': lg_buf_add(out, "\\r", 2); return 1;
	case '\t': lg_buf_add(out, "\\t", 2); return 1;
	}
	if (*p < 0x20 || *p == 0x7f) {
		u[4] = hex[*p >> 4];
		u[5] = hex[*p & 15];
		lg_buf_add(out, u, 6);
		return 1;
	}
	len = lg_utf8_decode(p, n, NULL);
	if (!len) {
		lg_buf_add(out, FFFD, 3);
		return 1;
	}
	lg_buf_add(out, p, len);
	return len;
}

void lg_escape_json(struct lg_buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), i = 0, run;

	while (i < n) {
		for (run = i; run < n && json_plain(p[run]); run++)
			;
		lg_buf_add(out, p + i, run - i);
		i = run;
		if (i < n)
			i += json_escape_one(out, p + i, n - i);
	}
}
