/*
 * fuzz_schedtrace.c — libFuzzer target for the scheduler-trace reader.
 *
 * Splits the input into lines, classifies each (SCHED sample, scheddetail
 * line, other), parses the samples and judges the collected series over
 * every window size, so a malformed line can neither crash the reader nor
 * produce a sample with negative counts.  Seed corpus: tests/fixtures/t2j
 * (the sched_*.err captures).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "schedtrace.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct lg_sched_sample s[64];
	struct lg_buf why = LG_BUF_INIT;
	size_t n = 0, w;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		(void)lg_sched_is_detail_line(p, len);
		if (lg_sched_is_line(p, len) && n < 64 && lg_sched_parse_line(p, len, &s[n]) == 0) {
			if (s[n].gomaxprocs < 0 || s[n].idleprocs < 0 || s[n].runqueue < 0 ||
			    s[n].ms < 0)
				__builtin_trap();
			n++;
		}
		p += len + (nl != NULL);
	}
	for (w = 0; w <= n + 1; w++) {
		lg_buf_reset(&why);
		(void)lg_sched_judge(s, n, w, &why);
	}
	lg_buf_release(&why);
	return 0;
}
