/*
 * fuzz_group.c — libFuzzer target for the streaming parse and grouping.
 *
 * Feeds arbitrary bytes through lg_dump_stream in pieces whose sizes come
 * from the input itself (so lines split at every place), grouping on the
 * fly at one of the three levels, by a label; then finishes the groups,
 * folds them, diffs the set against itself, and checks what must hold:
 * the group counts add up and a set has no change against itself.  Seed
 * corpus: tests/fixtures/dumps.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "dump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void group_stream(const uint8_t *data, size_t size, size_t piece,
			 struct lg_dump *d, struct lg_group_set *s)
{
	struct lg_dump_stream *st = lg_dump_stream_new(d, "fuzz", lg_group_visit, s);
	struct lg_err err;
	size_t pos;

	for (pos = 0; pos < size; pos += piece)
		if (lg_dump_stream_feed(st, (const char *)data + pos,
					size - pos < piece ? size - pos : piece, &err)) {
			lg_dump_stream_free(st);
			return;
		}
	lg_dump_stream_finish(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lg_group_opts o;
	struct lg_dump d1, d2;
	struct lg_group_set s1, s2;
	struct lg_group_change *c = NULL;
	struct lg_buf b = LG_BUF_INIT;
	size_t i, n, piece = size ? (size_t)data[0] % 97 + 1 : 1;
	int64_t sum = 0;

	memset(&o, 0, sizeof(o));
	o.by = size ? (enum lg_group_by)(data[size - 1] % 3) : LG_GROUP_EXACT;
	o.by_label = "role";
	lg_dump_init(&d1);
	lg_dump_init(&d2);
	lg_group_set_init(&s1, &o);
	lg_group_set_init(&s2, &o);
	group_stream(data, size, piece, &d1, &s1);
	group_stream(data, size, size ? size : 1, &d2, &s2);
	lg_group_finish(&s1, 0);
	lg_group_finish(&s2, 0);
	if (s1.n != s2.n || s1.total != s2.total || d1.nseen != d2.nseen || d1.bad_lines != d2.bad_lines)
		__builtin_trap();
	for (i = 0; i < s1.n; i++) {
		sum += s1.g[i].count;
		lg_buf_reset(&b);
		lg_group_folded(&s1, &s1.g[i], &b);
		if (strlen(s1.g[i].id) != 16 || strlen(s1.g[i].signature) != 16)
			__builtin_trap();
	}
	if (sum != s1.total)
		__builtin_trap();
	n = lg_group_diff(&s1, &s2, &c);
	for (i = 0; i < n; i++)
		if (c[i].kind != LG_CHANGE_SAME || c[i].delta != 0)
			__builtin_trap();
	/* the label reader on raw bytes too */
	{
		char *text = malloc(size + 1);

		memcpy(text, data, size);
		text[size] = '\0';
		if (lg_labels_get(text, "role", &b) == 0 && b.len > LG_GROUP_MAX_LABEL)
			__builtin_trap();
		free(text);
	}
	free(c);
	lg_buf_release(&b);
	lg_group_set_release(&s1);
	lg_group_set_release(&s2);
	lg_dump_release(&d1);
	lg_dump_release(&d2);
	return 0;
}
