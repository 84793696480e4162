/*
 * frame.h — one stack frame: function, file, line.  The one frame type of
 * leakgate: the dump parser (dump.h) and the profile decoder (pprof.h)
 * both make it, and the grouper (group.h) and every writer take it as they
 * get it, without converting stacks from one form to another.
 */
#ifndef LG_FRAME_H
#define LG_FRAME_H

struct lg_frame {
	const char *func; /* "pkg/path.(*T).Method.func1", as printed minus args;
	                     owned by the dump or profile that made it */
	const char *file; /* absolute path as printed, or NULL (dumps; "" in profiles) */
	int line;         /* profiles: held within INT_MIN..INT_MAX */
	unsigned inlined : 1; /* printed with "(...)"; never set for profiles */
};

#endif
