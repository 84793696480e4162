/*
 * fuzz_pprof.c — libFuzzer target for the pprof decoder.
 *
 * Feeds raw bytes to lg_pprof_parse (gzip is detected by magic, so the
 * engine explores both layers) and, when a profile decodes, runs the
 * allocation-site growth of the profile against itself and against
 * nothing, which walks every resolved frame and sums untrusted values.
 * Seed corpus: tests/fixtures/pprof.
 */
#include <stddef.h>
#include <stdint.h>

#include "pprof.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lg_pprof p;
	struct lg_pprof_site *sites = NULL;
	struct lg_err err;
	size_t n = 0;
	const char *type;

	lg_pprof_init(&p);
	if (lg_pprof_parse(&p, data, size, "fuzz.pb", &err) == 0) {
		type = p.nsample_types ? p.sample_types[p.nsample_types - 1].type : "none";
		if (lg_pprof_site_growth(&p, &p, type, 8, &sites, &n, &err) == 0)
			lg_pprof_sites_free(sites, n);
		if (lg_pprof_site_growth(NULL, &p, type, 8, &sites, &n, &err) == 0)
			lg_pprof_sites_free(sites, n);
	}
	lg_pprof_release(&p);
	return 0;
}
