/*
 * schedtrace.c — reads the runtime's GODEBUG=schedtrace summary lines and
 * judges, from the last few of them, whether a hung test binary was idle
 * (every P idle, nothing runnable: goroutines blocked on each other, a
 * deadlock the runtime cannot see because a timer or the signal handler is
 * still alive) or busy (Ps running or work queued: a livelock, a spin, or a
 * test that is merely slow).
 *
 * The lines come from the stderr of a program we do not trust, so parsing
 * is strict: every known field must be a plain non-negative number that
 * fits an int, every "[...]" list must be closed, and a line that breaks
 * any rule is rejected whole rather than half-used.
 */
#include <limits.h>
#include <string.h>

#include "schedtrace.h"
#include "util.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Length of the "SCHED <digits>ms:" head of `line`, or 0 when the line
 * does not start with one.
 */
static size_t head_len(const char *line, size_t len)
{
	size_t i = 6;

	if (len < 10 || memcmp(line, "SCHED ", 6) != 0 || !is_digit(line[i]))
		return 0;
	while (i < len && is_digit(line[i]))
		i++;
	if (len - i < 3 || memcmp(line + i, "ms:", 3) != 0)
		return 0;
	return i + 3;
}

int lg_sched_is_line(const char *line, size_t len)
{
	return head_len(line, len) != 0;
}

int lg_sched_is_detail_line(const char *line, size_t len)
{
	size_t i = 3;

	if (len < 5 || line[0] != ' ' || line[1] != ' ' ||
	    (line[2] != 'P' && line[2] != 'M' && line[2] != 'G') || !is_digit(line[3]))
		return 0;
	while (i < len && is_digit(line[i]))
		i++;
	return i < len && line[i] == ':';
}

/* Parses s[0..n) as a non-negative int; -1 when empty, signed or too big. */
static int parse_int(const char *s, size_t n, int *out)
{
	long long v = 0;
	size_t i;

	if (n == 0 || n > 10)
		return -1;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > INT_MAX)
		return -1;
	*out = (int)v;
	return 0;
}

/*
 * Parses a "[ 1 0 ]" list starting at *p (which points at '[') and adds
 * its numbers into *sum.  Returns 0 and moves *p past ']', or -1 when the
 * list is unterminated or holds anything but numbers.
 */
static int parse_list(const char **p, const char *end, long long *sum)
{
	const char *s = *p + 1;

	*sum = 0;
	for (;;) {
		const char *d;
		int v;

		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if (s == end)
			return -1;
		if (*s == ']')
			break;
		for (d = s; d < end && is_digit(*d); d++)
			;
		if (parse_int(s, (size_t)(d - s), &v) < 0)
			return -1;
		*sum += v;
		if (*sum > INT_MAX)
			return -1;
		s = d;
	}
	*p = s + 1;
	return 0;
}

/* Points at the sample field a schedtrace key fills, or NULL to ignore it. */
static int *field_for(struct lg_sched_sample *s, const char *key, size_t n)
{
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
		{ "gomaxprocs", offsetof(struct lg_sched_sample, gomaxprocs) },
		{ "idleprocs", offsetof(struct lg_sched_sample, idleprocs) },
		{ "threads", offsetof(struct lg_sched_sample, threads) },
		{ "spinningthreads", offsetof(struct lg_sched_sample, spinningthreads) },
		{ "idlethreads", offsetof(struct lg_sched_sample, idlethreads) },
		{ "runqueue", offsetof(struct lg_sched_sample, runqueue) },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(fields); i++)
		if (strlen(fields[i].key) == n && memcmp(fields[i].key, key, n) == 0)
			return (int *)((char *)s + fields[i].off);
	return NULL;
}

int lg_sched_parse_line(const char *line, size_t len, struct lg_sched_sample *out)
{
	struct lg_sched_sample s;
	const char *p, *end = line + len;
	size_t head = head_len(line, len);
	long long local = 0, ms = 0;
	int have_local = 0, have_procs = 0, have_idle = 0;

	if (!head || head - 9 > 15) /* "SCHED " + "ms:" around the digits */
		return -1;
	memset(&s, 0, sizeof(s));
	for (p = line + 6; is_digit(*p); p++)
		ms = ms * 10 + (*p - '0');
	s.ms = (double)ms;
	p = line + head;
	for (;;) {
		const char *key, *val;
		long long sum;
		int *field;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end)
			break;
		if (*p == '[') {
			/* the first bare list is the per-P local run queues */
			if (parse_list(&p, end, &sum) < 0)
				return -1;
			if (!have_local++)
				local = sum;
			continue;
		}
		for (key = p; p < end && (*p == '_' || is_digit(*p) ||
					  (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'));
		     p++)
			;
		if (p == key || p == end || *p != '=')
			return -1;
		field = field_for(&s, key, (size_t)(p - key));
		p++;
		if (p < end && *p == '[') {
			/* a list value such as schedticks=[ 0 0 ]: checked, unused */
			if (parse_list(&p, end, &sum) < 0 || field)
				return -1;
			continue;
		}
		for (val = p; p < end && *p != ' ' && *p != '\t'; p++)
			;
		if (!field)
			continue;
		if (parse_int(val, (size_t)(p - val), field) < 0)
			return -1;
		have_procs |= field == &s.gomaxprocs;
		have_idle |= field == &s.idleprocs;
	}
	if (!have_procs || !have_idle || s.gomaxprocs < 1 || s.idleprocs > s.gomaxprocs)
		return -1;
	if ((long long)s.runqueue + local > INT_MAX)
		return -1;
	s.runqueue += (int)local;
	*out = s;
	return 0;
}

/* Appends v with one decimal, or none when it is a whole number. */
static void add_number(struct lg_buf *b, double v)
{
	double r = (double)(long long)(v + 0.5);

	if (v - r < 0.05 && r - v < 0.05)
		lg_buf_addf(b, "%.0f", r);
	else
		lg_buf_addf(b, "%.1f", v);
}

static int sample_idle(const struct lg_sched_sample *s)
{
	return s->idleprocs >= s->gomaxprocs && s->runqueue == 0;
}

enum lg_sched_verdict lg_sched_judge(const struct lg_sched_sample *s, size_t n,
				     size_t window, struct lg_buf *why)
{
	struct lg_buf tmp = LG_BUF_INIT;
	struct lg_buf *w = why ? why : &tmp;
	enum lg_sched_verdict v;
	size_t k, i, idle = 0;
	double busy_ps = 0, queued = 0;
	int procs;

	k = window && window < n ? window : n;
	lg_buf_reset(w);
	if (k < 2) {
		lg_buf_addf(w, "only %zu schedtrace sample%s; at least 2 are needed to judge", k,
			    k == 1 ? "" : "s");
		v = LG_SCHED_UNKNOWN;
		goto out;
	}
	s += n - k;
	for (i = 0; i < k; i++) {
		idle += sample_idle(&s[i]);
		if (s[i].gomaxprocs > s[i].idleprocs)
			busy_ps += s[i].gomaxprocs - s[i].idleprocs;
		queued += s[i].runqueue;
	}
	procs = s[k - 1].gomaxprocs;
	if (idle == k) {
		/* Idle Ps alone do not make a deadlock: a test waiting for a
		 * child process, a socket or a timer idles them as well. */
		lg_buf_addf(w, "all %d Ps idle and run queues empty in the last %zu schedtrace "
			       "samples: blocked (waiting on I/O, a child process, a timer or a "
			       "deadlock)",
			    procs, k);
		v = LG_SCHED_IDLE;
	} else if ((k - idle) * 2 > k) {
		add_number(w, busy_ps / (double)k);
		lg_buf_addf(w, " of %d Ps busy, run queue ", procs);
		add_number(w, queued / (double)k);
		lg_buf_addf(w, " on average in the last %zu samples (livelock or slow test)", k);
		v = LG_SCHED_BUSY;
	} else {
		lg_buf_addf(w, "the scheduler was idle in %zu and busy in %zu of the last %zu "
			       "schedtrace samples; no clear picture",
			    idle, k - idle, k);
		v = LG_SCHED_UNKNOWN;
	}
out:
	lg_buf_release(&tmp);
	return v;
}
