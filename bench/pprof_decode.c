/*
 * pprof_decode.c — the stand-in bench/pprof_vs_gotool.sh times when the
 * leakgate binary has no `stacks` command: it decodes a profile with the
 * pprof module and prints every sample the way `go tool pprof -traces`
 * does (labels, the value of the default sample type, one frame a line),
 * so both sides do the same work: gunzip, decode, resolve, print.
 * With -n it only decodes, which shows the decoder's share.
 *
 * usage: pprof_decode [-n] PROFILE
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pprof.h"

int main(int argc, char **argv)
{
	struct lg_pprof p;
	struct lg_err err;
	size_t i, j;
	int vi, quiet = argc == 3 && !strcmp(argv[1], "-n");

	if (argc != 2 + quiet) {
		fprintf(stderr, "usage: pprof_decode [-n] PROFILE\n");
		return 2;
	}
	lg_pprof_init(&p);
	if (lg_pprof_parse_file(&p, argv[1 + quiet], &err)) {
		fprintf(stderr, "pprof_decode: %s\n", err.msg);
		return 1;
	}
	vi = lg_pprof_sample_index(&p, p.default_sample_type);
	if (vi < 0)
		vi = (int)p.nsample_types - 1;
	if (quiet)
		vi = -1;
	for (i = 0; i < p.nsamples && vi >= 0; i++) {
		const struct lg_pprof_sample *s = &p.samples[i];

		printf("-----------+-------------------------------------------------------\n");
		for (j = 0; j < s->nlabels; j++) {
			if (s->labels[j].str)
				printf("%10s:  %s\n", s->labels[j].key, s->labels[j].str);
			else
				printf("%10s:  %" PRId64 " %s\n", s->labels[j].key,
				       s->labels[j].num, s->labels[j].unit);
		}
		for (j = 0; j < s->nframes; j++) {
			if (j) { /* the bulk of the output: no format parsing */
				fputs("             ", stdout);
				fputs(s->frames[j].func, stdout);
				putchar('\n');
			} else {
				printf("%10" PRId64 "   %s\n", s->values[vi], s->frames[j].func);
			}
		}
	}
	lg_pprof_release(&p);
	return fflush(stdout) ? 1 : 0;
}
