/*
 * narrow.h — which tests an evidence run needs.  The evidence run exists to
 * attribute leak groups (tracebackancestors finds the `go` statement in the
 * module); when the lean run already named the test behind every group,
 * running only those tests gives the same attribution for a fraction of
 * the time (x/net's http2: one test of 14 s of tests).  Heap growth needs
 * every test, so a failed heap check always means the full run.
 */
#ifndef LG_NARROW_H
#define LG_NARROW_H

#include <stddef.h>

#include "model.h"
#include "util.h"

/*
 * The -test.run flag ("-test.run=^(TestA|TestB)$", top-level names, each
 * once, in the order the groups list them) that limits p's evidence run to
 * the tests behind its leak groups; the caller frees it.  NULL — run every
 * test — when p's heap check failed, p has no leak group, a group names no
 * test, a name is not a plain Go identifier, or the user's own test flags
 * (`test_args`) choose tests (-test.run, -run: narrowing could widen them).
 * Cannot fail.
 */
char *lg_narrow_evidence_filter(const struct lg_package *p, char *const *test_args,
				size_t ntest_args);

#endif
