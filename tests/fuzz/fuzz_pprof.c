/*
 * fuzz_pprof.c — libFuzzer target for the pprof decoder, diff and writer.
 *
 * Feeds raw bytes to lg_pprof_parse (gzip is detected by magic, so the
 * engine explores both layers) and, when a profile decodes, runs everything
 * that consumes a decoded profile: the allocation-site growth against
 * itself and against nothing, the heap growth classifier (heapgrowth.h)
 * against itself, the diff of the profile with itself (which
 * must come out empty), and a round trip through lg_pprof_write_file and
 * lg_pprof_parse_file, which must give back as many samples with the same
 * values.  A broken invariant aborts, so the engine reports it as a crash.
 * Written files go to /dev/shm when it exists (the writer fsyncs).
 * Seed corpus: tests/fixtures/pprof.
 */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heapgrowth.h"
#include "pprof.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *roundtrip_path(void)
{
	static char *path;

	if (!path)
		path = lg_xasprintf("%s/fuzz_pprof_%ld.pb.gz",
				    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
				    (long)getpid());
	return path;
}

/* Writes `p`, reads it back and checks that the samples survived. */
static void roundtrip(const struct lg_pprof *p)
{
	struct lg_pprof q;
	struct lg_err err;
	size_t i, j;

	lg_pprof_init(&q);
	if (lg_pprof_write_file(p, roundtrip_path(), &err))
		return; /* an I/O error, not a finding */
	if (lg_pprof_parse_file(&q, roundtrip_path(), &err)) {
		fprintf(stderr, "written profile does not parse: %s\n", err.msg);
		abort();
	}
	if (q.nsamples != p->nsamples || q.nsample_types != p->nsample_types)
		abort();
	for (i = 0; i < p->nsamples; i++) {
		if (q.samples[i].nframes != p->samples[i].nframes ||
		    q.samples[i].nlabels != p->samples[i].nlabels)
			abort();
		for (j = 0; j < p->nsample_types; j++)
			if (q.samples[i].values[j] != p->samples[i].values[j])
				abort();
	}
	lg_pprof_release(&q);
	unlink(roundtrip_path());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lg_pprof p, d;
	struct lg_heapgrowth g;
	struct lg_pprof_site *sites = NULL;
	int scaled;
	struct lg_err err;
	size_t n = 0;
	const char *type;

	lg_pprof_init(&p);
	lg_pprof_init(&d);
	memset(&g, 0, sizeof(g));
	if (lg_pprof_parse(&p, data, size, "fuzz.pb", &err) == 0) {
		type = p.nsample_types ? p.sample_types[p.nsample_types - 1].type : "none";
		if (lg_pprof_site_growth(&p, &p, type, 8, &sites, &n, &err) == 0)
			lg_pprof_sites_free(sites, n);
		if (lg_pprof_site_growth(NULL, &p, type, 8, &sites, &n, &err) == 0)
			lg_pprof_sites_free(sites, n);
		if (lg_heapgrowth_classify(&p, &p, "/m", 4, &g, &err) == 0 &&
		    lg_heapgrowth_discount(&g, INT64_MAX, &scaled) < 0)
			abort(); /* clamped at 0 */
		lg_heapgrowth_release(&g);
		if (lg_pprof_diff(&p, &p, &d, &err) || d.nsamples)
			abort(); /* a profile minus itself is empty */
		roundtrip(&p);
	}
	lg_pprof_release(&d);
	lg_pprof_release(&p);
	return 0;
}
