/*
 * memstats.c — the runtime.MemStats block of a text heap profile (see
 * memstats.h).  Lines before "# runtime.MemStats" are the profile's records
 * and are skipped; within the block every line is "# Name = value", and a
 * field is looked up by its exact name, so "HeapAlloc" never matches
 * "NextGC" or a later field that merely starts the same.
 */
#include <string.h>

#include "memstats.h"

/*
 * The next line of [*p, end) without its newline; advances *p past it.
 * *ended is 0 for a last line with no newline (a body cut short).
 */
static const char *next_line(const char **p, const char *end, size_t *n, int *ended)
{
	const char *s = *p, *nl = memchr(s, '\n', (size_t)(end - s));

	*n = (size_t)((nl ? nl : end) - s);
	*p = nl ? nl + 1 : end;
	*ended = nl != NULL;
	return s;
}

/* Parses [s, s+n) as a non-negative decimal fitting int64; 0 or -1. */
static int parse_count(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	while (n && (s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	if (!n)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (INT64_MAX - (s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int lg_memstats_field(const char *body, size_t len, const char *name, const char *what,
		      int64_t *out, struct lg_err *err)
{
	const char *p = body, *end = body + len, *line;
	size_t n, nlen = strlen(name), lineno = 0, block_at = 0;
	int in_block = 0, ended;

	while (p < end) {
		line = next_line(&p, end, &n, &ended);
		lineno++;
		if (!in_block) {
			in_block = n >= 18 && !memcmp(line, "# runtime.MemStats", 18) &&
				   (n == 18 || line[18] == '\r');
			block_at = lineno;
			continue;
		}
		if (n < 2 + nlen + 3 || memcmp(line, "# ", 2) || memcmp(line + 2, name, nlen) ||
		    memcmp(line + 2 + nlen, " = ", 3))
			continue;
		/* the runtime ends every line; a value without its newline may be cut */
		if (!ended || parse_count(line + 2 + nlen + 3, n - (2 + nlen + 3), out))
			return lg_error(err, "%s:%zu: %s is %s", what, lineno, name,
					ended ? "not a byte count" : "cut short (no newline)");
		return 0;
	}
	if (!in_block)
		return lg_error(err, "%s: no runtime.MemStats block (not a text heap profile, ?debug=1)",
				what);
	return lg_error(err, "%s:%zu: the runtime.MemStats block here has no %s line", what,
			block_at, name);
}
