/*
 * pprof_encode.c — writes a profile in the resolved form of pprof.h back
 * out as a gzipped profile.proto that `go tool pprof` opens (what
 * `leakgate diff -o` writes).
 *
 * The encode module: with the decode module, the only user of protobuf-c
 * and zlib.  The flattened form no longer knows which frames shared a
 * location, so strings, functions (name, file) and locations (function,
 * line) are deduplicated again as they are met: strings by the interner,
 * the others by index maps (hashmap.h) over the message's own arrays.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "hashmap.h"
#include "pprof.h"
#include "profile.pb-c.h"

#define GZIP_CHUNK ((size_t)64 << 10)

/* ---- lg_pprof_write_file ---- */

/* A profile.proto message under construction. */
struct writer {
	struct lg_intern strs; /* the string table: ids are indexes */
	struct lg_hmap functab, loctab;
	Leakgate__Pprof__Function *fns; /* function id i + 1 is fns[i] */
	size_t nfns, fns_alloc;
	Leakgate__Pprof__Line *lines; /* location i + 1 has the one line lines[i] */
	size_t nlines, lines_alloc;
	int64_t key_a, key_b; /* the key being looked up */
};

/* The string-table index of s (NULL as ""), added when new; cannot fail. */
static int64_t w_str(struct writer *w, const char *s)
{
	if (!s)
		s = "";
	return (int64_t)lg_intern_id(&w->strs, s, strlen(s));
}

/* Is function k the one named key_a in file key_b? */
static int same_function(const void *ctx, uint32_t k)
{
	const struct writer *w = ctx;

	return w->fns[k].name == w->key_a && w->fns[k].filename == w->key_b;
}

/* Is location k's line the one of function key_a at line key_b? */
static int same_line(const void *ctx, uint32_t k)
{
	const struct writer *w = ctx;

	return w->lines[k].function_id == (uint64_t)w->key_a && w->lines[k].line == w->key_b;
}

/* The in-memory hash of a pair of integers. */
static uint64_t pair_hash(int64_t a, int64_t b)
{
	int64_t k[2] = { a, b };

	return lg_hash_bytes(k, sizeof(k));
}

/*
 * The location id of a resolved frame.  The flattened form no longer knows
 * which frames shared a location (inlining), so each distinct function and
 * line becomes a location of its own with one line.  Cannot fail.
 */
static uint64_t w_frame(struct writer *w, const struct lg_frame *f)
{
	int64_t name = w_str(w, f->func), file = w_str(w, f->file);
	uint32_t k;

	w->key_a = name;
	w->key_b = file;
	k = lg_hmap_find_or_add(&w->functab, pair_hash(name, file), same_function, w,
				(uint32_t)w->nfns);
	if (k == w->nfns) {
		Leakgate__Pprof__Function init = LEAKGATE__PPROF__FUNCTION__INIT;

		LG_GROW(w->fns, w->fns_alloc, w->nfns + 1);
		init.id = k + 1;
		init.name = init.system_name = name;
		init.filename = file;
		w->fns[w->nfns++] = init;
	}
	w->key_a = (int64_t)k + 1;
	w->key_b = f->line;
	k = lg_hmap_find_or_add(&w->loctab, pair_hash(w->key_a, w->key_b), same_line, w,
				(uint32_t)w->nlines);
	if (k == w->nlines) {
		Leakgate__Pprof__Line init = LEAKGATE__PPROF__LINE__INIT;

		LG_GROW(w->lines, w->lines_alloc, w->nlines + 1);
		init.function_id = (uint64_t)w->key_a;
		init.line = f->line;
		w->lines[w->nlines++] = init;
	}
	return (uint64_t)k + 1;
}

/* Everything the message points to, freed together. */
struct wmsg {
	Leakgate__Pprof__Profile msg;
	Leakgate__Pprof__ValueType *vts, **vtp;
	Leakgate__Pprof__Sample *samples, **samplep;
	Leakgate__Pprof__Label *labels, **labelp;
	uint64_t *loc_ids;
	Leakgate__Pprof__Function **fnp;
	Leakgate__Pprof__Location *locs, **locp;
	Leakgate__Pprof__Line **linep;
	Leakgate__Pprof__Mapping mapping, *mappingp;
	char **strp;
};

static void wmsg_release(struct wmsg *m)
{
	free(m->vts);
	free(m->vtp);
	free(m->samples);
	free(m->samplep);
	free(m->labels);
	free(m->labelp);
	free(m->loc_ids);
	free(m->fnp);
	free(m->locs);
	free(m->locp);
	free(m->linep);
	free(m->strp);
}

static void w_value_type(struct writer *w, Leakgate__Pprof__ValueType *vt,
			 const struct lg_pprof_value_type *from)
{
	Leakgate__Pprof__ValueType init = LEAKGATE__PPROF__VALUE_TYPE__INIT;

	*vt = init;
	vt->type = w_str(w, from->type);
	vt->unit = w_str(w, from->unit);
}

static void w_label(struct writer *w, Leakgate__Pprof__Label *out, const struct lg_pprof_label *l)
{
	Leakgate__Pprof__Label init = LEAKGATE__PPROF__LABEL__INIT;

	*out = init;
	out->key = w_str(w, l->key);
	if (l->str) {
		out->str = w_str(w, l->str);
	} else {
		out->num = l->num;
		out->num_unit = w_str(w, l->unit);
	}
}

/* Fills m->msg's sample types and samples; frames become locations in `w`. */
static void w_samples(struct writer *w, struct wmsg *m, const struct lg_pprof *p)
{
	size_t i, j, nframes = 0, nlabels = 0, fi = 0, li = 0;

	m->vts = lg_xcalloc(p->nsample_types + 1, sizeof(*m->vts));
	m->vtp = lg_xcalloc(p->nsample_types + 1, sizeof(*m->vtp));
	for (i = 0; i < p->nsample_types; i++) {
		w_value_type(w, &m->vts[i], &p->sample_types[i]);
		m->vtp[i] = &m->vts[i];
	}
	w_value_type(w, &m->vts[p->nsample_types], &p->period_type);
	m->msg.n_sample_type = p->nsample_types;
	m->msg.sample_type = m->vtp;
	m->msg.period_type = &m->vts[p->nsample_types];
	for (i = 0; i < p->nsamples; i++) {
		nframes += p->samples[i].nframes;
		nlabels += p->samples[i].nlabels;
	}
	m->samples = lg_xcalloc(p->nsamples + 1, sizeof(*m->samples));
	m->samplep = lg_xcalloc(p->nsamples + 1, sizeof(*m->samplep));
	m->loc_ids = lg_xcalloc(nframes + 1, sizeof(*m->loc_ids));
	m->labels = lg_xcalloc(nlabels + 1, sizeof(*m->labels));
	m->labelp = lg_xcalloc(nlabels + 1, sizeof(*m->labelp));
	for (i = 0; i < p->nsamples; i++) {
		const struct lg_pprof_sample *s = &p->samples[i];
		Leakgate__Pprof__Sample init = LEAKGATE__PPROF__SAMPLE__INIT, *o = &m->samples[i];

		*o = init;
		o->location_id = m->loc_ids + fi;
		o->n_location_id = s->nframes;
		for (j = 0; j < s->nframes; j++)
			m->loc_ids[fi++] = w_frame(w, &s->frames[j]);
		o->value = s->values; /* protobuf-c only reads it */
		o->n_value = p->nsample_types;
		o->label = m->labelp + li;
		o->n_label = s->nlabels;
		for (j = 0; j < s->nlabels; j++, li++) {
			w_label(w, &m->labels[li], &s->labels[j]);
			m->labelp[li] = &m->labels[li];
		}
		m->samplep[i] = o;
	}
	m->msg.n_sample = p->nsamples;
	m->msg.sample = m->samplep;
}

/* Points the message at the writer's functions, locations and strings. */
static void w_tables(struct writer *w, struct wmsg *m)
{
	Leakgate__Pprof__Mapping mapping_init = LEAKGATE__PPROF__MAPPING__INIT;
	size_t i;

	m->fnp = lg_xcalloc(w->nfns + 1, sizeof(*m->fnp));
	for (i = 0; i < w->nfns; i++)
		m->fnp[i] = &w->fns[i];
	m->locs = lg_xcalloc(w->nlines + 1, sizeof(*m->locs));
	m->locp = lg_xcalloc(w->nlines + 1, sizeof(*m->locp));
	m->linep = lg_xcalloc(w->nlines + 1, sizeof(*m->linep));
	/*
	 * One mapping that says "already symbolised": without it go tool pprof
	 * invents one with no file name and complains that it cannot find the
	 * binary to symbolise from.
	 */
	m->mapping = mapping_init;
	m->mapping.id = 1;
	m->mapping.has_functions = m->mapping.has_filenames = 1;
	m->mapping.has_line_numbers = 1;
	m->mappingp = &m->mapping;
	m->msg.n_mapping = 1;
	m->msg.mapping = &m->mappingp;
	for (i = 0; i < w->nlines; i++) {
		Leakgate__Pprof__Location init = LEAKGATE__PPROF__LOCATION__INIT;

		m->locs[i] = init;
		m->locs[i].id = i + 1;
		m->locs[i].mapping_id = 1;
		m->linep[i] = &w->lines[i];
		m->locs[i].line = &m->linep[i];
		m->locs[i].n_line = 1;
		m->locp[i] = &m->locs[i];
	}
	m->msg.n_function = w->nfns;
	m->msg.function = m->fnp;
	m->msg.n_location = w->nlines;
	m->msg.location = m->locp;
	m->strp = lg_xcalloc(w->strs.n + 1, sizeof(*m->strp));
	for (i = 0; i < w->strs.n; i++)
		m->strp[i] = (char *)lg_intern_str(&w->strs, (uint32_t)i); /* only read */
	m->msg.n_string_table = w->strs.n;
	m->msg.string_table = m->strp;
}

/* Gzips `len` bytes of `in` into a new buffer. */
static void gzip_bytes(const unsigned char *in, size_t len, unsigned char **out, size_t *outlen)
{
	z_stream zs;
	unsigned char *buf = NULL;
	size_t n = 0, alloc = 0, done = 0;
	int flush;

	memset(&zs, 0, sizeof(zs));
	/* Fails only on bad arguments or out of memory. */
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		fprintf(stderr, "leakgate: cannot initialise zlib\n");
		abort();
	}
	do {
		size_t chunk = len - done > ((size_t)1 << 30) ? (size_t)1 << 30 : len - done;

		zs.next_in = (Bytef *)(in + done); /* zlib does not write through next_in */
		zs.avail_in = (uInt)chunk;
		done += chunk;
		flush = done == len ? Z_FINISH : Z_NO_FLUSH;
		do {
			LG_GROW(buf, alloc, n + GZIP_CHUNK);
			zs.next_out = buf + n;
			zs.avail_out = (uInt)GZIP_CHUNK;
			deflate(&zs, flush);
			n = (size_t)(zs.next_out - buf);
		} while (zs.avail_out == 0);
	} while (flush != Z_FINISH);
	deflateEnd(&zs);
	*out = buf;
	*outlen = n;
}

int lg_pprof_write_file(const struct lg_pprof *p, const char *path, struct lg_err *err)
{
	Leakgate__Pprof__Profile init = LEAKGATE__PPROF__PROFILE__INIT;
	struct writer w;
	struct wmsg m;
	unsigned char *pb = NULL, *gz = NULL;
	size_t pblen, gzlen;
	int ret;

	memset(&w, 0, sizeof(w));
	memset(&m, 0, sizeof(m));
	m.msg = init;
	w_str(&w, ""); /* index 0 is the empty string, always */
	w_samples(&w, &m, p);
	m.msg.default_sample_type = w_str(&w, p->default_sample_type);
	m.msg.period = p->period;
	m.msg.time_nanos = p->time_nanos;
	m.msg.duration_nanos = p->duration_nanos;
	w_tables(&w, &m);
	pblen = leakgate__pprof__profile__get_packed_size(&m.msg);
	pb = lg_xmalloc(pblen ? pblen : 1);
	leakgate__pprof__profile__pack(&m.msg, pb);
	gzip_bytes(pb, pblen, &gz, &gzlen);
	ret = lg_write_file_atomic(path, gz, gzlen, err);

	free(pb);
	free(gz);
	wmsg_release(&m);
	lg_intern_release(&w.strs);
	lg_hmap_release(&w.functab);
	lg_hmap_release(&w.loctab);
	free(w.fns);
	free(w.lines);
	return ret;
}
