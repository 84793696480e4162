/*
 * fuzz_dump.c — libFuzzer target for the goroutine dump parser.
 *
 * Parses arbitrary bytes as a dump, then formats every goroutine and computes
 * its signature and package, so that every pointer the parser hands out is
 * dereferenced under ASan.  Seed corpus: tests/fixtures/dumps.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lg_dump d;
	struct lg_err err;
	struct lg_buf out = LG_BUF_INIT, pkg = LG_BUF_INIT;
	char sig[17];
	size_t i, j;

	lg_dump_init(&d);
	if (lg_dump_parse(&d, (const char *)data, size, "fuzz", &err))
		goto out;
	for (i = 0; i < d.n; i++) {
		const struct lg_goroutine *g = &d.g[i];

		lg_goroutine_format(g, &out);
		lg_goroutine_signature(g, sig);
		if (strlen(sig) != 16)
			__builtin_trap();
		for (j = 0; j < g->nframes; j++)
			lg_func_package(g->frames[j].func, &pkg);
		(void)lg_wait_class_name(g->wait);
		if (lg_dump_find(&d, g->id) == NULL)
			__builtin_trap();
	}
	for (i = 0; i < d.nbad; i++)
		if (strlen(d.bad[i].text) > 200)
			__builtin_trap();
	for (i = 0; i < d.nrunning_tests; i++)
		(void)strlen(d.running_tests[i]);
	if (d.message)
		(void)strlen(d.message);
out:
	lg_buf_release(&out);
	lg_buf_release(&pkg);
	lg_dump_release(&d);
	return 0;
}
