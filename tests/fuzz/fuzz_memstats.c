/*
 * fuzz_memstats.c — libFuzzer target for the runtime.MemStats reader of
 * text heap profiles (what `soak` reads its live heap from).  Looks up a
 * few fields, one a prefix of others; a value found must be non-negative
 * and an error must say something.  Seed corpus: tests/fixtures/pprof
 * (svc_heap_debug1.txt among the binary profiles).
 */
#include <stddef.h>
#include <stdint.h>

#include "memstats.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "HeapAlloc", "Alloc", "Heap", "Stack", "NextGC" };
	struct lg_err err;
	int64_t v;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		v = -1;
		err.msg[0] = '\0';
		if (lg_memstats_field((const char *)data, size, names[i], "fuzz", &v, &err)) {
			if (!err.msg[0])
				__builtin_trap();
		} else if (v < 0) {
			__builtin_trap();
		}
	}
	return 0;
}
