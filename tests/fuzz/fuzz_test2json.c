/*
 * fuzz_test2json.c — libFuzzer target for the test2json stream decoder.
 *
 * The first input byte picks a chunk size, so the same bytes reach the
 * decoder split at every possible place (lines and 0x16 markers cut across
 * reads, as a pipe delivers them); the rest is the binary's stdout.  The
 * results are moved into a package and every string is read under ASan.
 * Seed corpus: tests/fixtures/t2j.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model.h"
#include "test2json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lg_t2j *t;
	struct lg_package p;
	const char **running;
	size_t chunk, off, i, nrun;

	if (size < 1)
		return 0;
	chunk = (size_t)data[0] + 1;
	data++, size--;
	t = lg_test2json_new();
	for (off = 0; off < size; off += chunk) {
		lg_test2json_feed(t, (const char *)data + off, size - off < chunk ? size - off : chunk);
		nrun = lg_test2json_running(t, &running);
		for (i = 0; i < nrun; i++)
			(void)strlen(running[i]);
	}
	lg_test2json_finish(t);
	(void)lg_test2json_complete(t);
	(void)lg_test2json_framed(t);
	memset(&p, 0, sizeof(p));
	lg_test2json_take(t, &p);
	for (i = 0; i < p.ntests; i++) {
		const struct lg_test *x = &p.tests[i];

		if (!x->name || strlen(x->name) > LG_T2J_MAX_NAME + 4)
			__builtin_trap();
		if (x->output)
			(void)strlen(x->output);
		if (x->elapsed < 0)
			__builtin_trap();
		(void)lg_test_result_name(x->result);
	}
	if (p.stray_output)
		(void)strlen(p.stray_output);
	lg_package_release(&p);
	lg_test2json_free(t);
	return 0;
}
