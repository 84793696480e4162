/*
 * stack_fixture.h — two small goroutine dumps (debug=2 form) and a loader,
 * shared by the unit tests of input, stackview and stackjson.  SF_AFTER
 * holds 3 goroutines in 2 exact groups: two [chan receive] in
 * p.consume (3 and 5 minutes, created by p.Start) and main.main running.
 * SF_BEFORE holds main.main and one [select] in q.loop: against SF_AFTER,
 * one group new, one gone, one the same.
 */
#ifndef LG_STACK_FIXTURE_H
#define LG_STACK_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "group.h"
#include "input.h"
#include "util.h"

#define SF_MAIN "goroutine 1 [running]:\nmain.main()\n\t/src/m/main.go:10 +0x1d\n\n"
#define SF_AFTER SF_MAIN \
	"goroutine 7 [chan receive, 3 minutes]:\n" \
	"example.com/m/p.consume(0xc000012345)\n\t/src/m/p/p.go:19 +0x25\n" \
	"created by example.com/m/p.Start in goroutine 1\n\t/src/m/p/p.go:13 +0x2a\n\n" \
	"goroutine 8 [chan receive, 5 minutes]:\n" \
	"example.com/m/p.consume(0xc000012346)\n\t/src/m/p/p.go:19 +0x25\n" \
	"created by example.com/m/p.Start in goroutine 1\n\t/src/m/p/p.go:13 +0x2a\n\n"
#define SF_BEFORE SF_MAIN \
	"goroutine 9 [select]:\nexample.com/m/q.loop()\n\t/src/m/q/q.go:5 +0x25\n" \
	"created by example.com/m/q.Run in goroutine 1\n\t/src/m/q/q.go:3 +0x2a\n\n"

/* Writes `text` to a new file in $TMPDIR (or /tmp); returns its path. */
static inline char *sf_write(const char *text, size_t len)
{
	const char *base = getenv("TMPDIR");
	char *path = lg_xasprintf("%s/lg-stack-XXXXXX", base && *base ? base : "/tmp");
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;

	if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
	return path;
}

/* Loads `text` as a file through lg_input_load, grouped `by`; 0 or -1 with err. */
static inline int sf_load(struct lg_input *in, const char *text, size_t len,
			  enum lg_group_by by, struct lg_err *err)
{
	struct lg_group_opts g;
	struct lg_input_opts o;
	char *path = sf_write(text, len);
	int ret;

	memset(&g, 0, sizeof(g));
	memset(&o, 0, sizeof(o));
	g.by = by;
	o.group = &g;
	lg_input_init(in);
	ret = lg_input_load(in, path, &o, err);
	unlink(path);
	free(path);
	return ret;
}

/* sf_load that must succeed, the input then named `name` for stable output. */
static inline void sf_load_named(struct lg_input *in, const char *text, enum lg_group_by by,
				 const char *name)
{
	struct lg_err err = { "" };

	if (sf_load(in, text, strlen(text), by, &err)) {
		fprintf(stderr, "load: %s\n", err.msg);
		exit(2);
	}
	free(in->name);
	in->name = lg_xstrdup(name);
}

#endif
