/*
 * memstats.h — reads the runtime.MemStats block that Go's text heap
 * profile (/debug/pprof/heap?debug=1) ends with:
 *
 *   # runtime.MemStats
 *   # Alloc = 287736
 *   # TotalAlloc = 10446528
 *   ...
 *   # HeapAlloc = 287736
 *
 * Those figures are exact, where the profile's own inuse_space is an
 * estimate scaled from one sample per 512 KiB allocated (by default): on a
 * service whose live heap is a few hundred KiB, one sample more or less
 * moves that estimate by half a MiB.  With ?gc=1 the handler runs a full
 * GC (and sweep) first, so HeapAlloc is then the live heap.
 */
#ifndef LG_MEMSTATS_H
#define LG_MEMSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * Finds "# <name> = <decimal>" in the runtime.MemStats block of `body`
 * (`len` bytes, not NUL-terminated, untrusted) and stores the value in
 * `*out`.  Returns 0; or -1 with `err` naming `what` (the URL or file) and
 * the line when there is no MemStats block, the field is missing, or its
 * value is not a non-negative decimal that fits in int64.
 */
int lg_memstats_field(const char *body, size_t len, const char *name, const char *what,
		      int64_t *out, struct lg_err *err);

#endif
