/*
 * test2json.c — turns the framed stdout of a Go test binary run with
 * -test.v=test2json into per-test results, without trusting the binary.
 *
 * The stream is cut into lines by a small byte lexer: '\n' ends a line, and
 * so does an unescaped 0x16 that is not at line start (a test printed text
 * without a newline and the framing followed).  Go 1.27 also brackets error
 * output with ^O ... ^N and escapes marker bytes inside logged text with ^[;
 * the lexer removes those markers, remembers that a line was error output
 * (its "file.go:N:" is the best location for a failure), and only treats ^[
 * as an escape when a marker byte follows, so that colour sequences printed
 * by Go 1.26 tests ("\x1b[31m") survive intact.
 *
 * Only lines that start with an unescaped 0x16 are framing; everything else
 * is output of the test the framing last named.  Every store is capped:
 * lines are split at LG_T2J_MAX_LINE, a test keeps the tail of its output,
 * the output of all tests together is squeezed (finished tests first) when
 * it passes LG_T2J_MAX_TOTAL_OUTPUT, names are cut at LG_T2J_MAX_NAME and at
 * most LG_T2J_MAX_TESTS tests are recorded.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "test2json.h"
#include "util.h"

#define MARK_FRAMING 0x16
#define MARK_ERR_BEGIN 0x0f
#define MARK_ERR_END 0x0e
#define MARK_ESCAPE 0x1b

/* What a finished test keeps when the total output budget runs out. */
#define SQUEEZED_OUTPUT 4096

/* Output of a test, with the locations found in it. */
struct t2j_out {
	struct lg_buf text;
	int truncated;
	struct lg_location loc_any; /* first "x.go:N:" line */
	struct lg_location loc_err; /* first one inside ^O error output */
};

/*
 * Every run of one test name (-test.count=N runs each test N times) is
 * folded into one record, so memory and reports do not grow with N: counts
 * and times are summed, and one run's output is kept — the first failure's,
 * else the latest run's.  `out` holds that output; a repeated run writes to
 * `again` until it is folded (at the next run of the name, or at take).
 */
struct t2j_test {
	char *name;
	size_t name_len;
	enum lg_test_result result; /* of the current (latest) run */
	int done;                   /* the current run reported and is not folded yet */
	double elapsed;             /* of the current run */
	int repeat;                 /* the current run is not the first: it writes to `again` */
	int runs, failures, passes; /* runs started; folded runs that failed, passed */
	double total, max;          /* elapsed of the folded runs */
	struct t2j_out out;
	struct t2j_out again;
};

struct lg_t2j {
	/* the line being assembled, markers already removed */
	struct lg_buf line;
	int line_marked;   /* it began with an unescaped 0x16 */
	size_t err_at;     /* offset of ^O (Go 1.27 error output) or SIZE_MAX */
	int esc_pending;   /* previous byte was an unresolved ^[ */
	int continuation;  /* line is the rest of an over-long line */
	int drop_rest;     /* rest of an over-long framing line: ignore */

	struct t2j_test *tests;
	size_t ntests, alloc_tests;
	/* distinct names: name id (an lg_hmap entry) -> the latest test so named */
	struct lg_hmap names;
	uint32_t *latest;
	size_t nnames, alloc_names;
	const char *key; /* the name looked up, for same_name */
	size_t keylen;
	long current;  /* index of the test output belongs to, or -1 */
	size_t dropped_tests;

	size_t total_out;    /* bytes held by all tests' outputs */
	size_t next_squeeze; /* squeeze when total_out passes this */

	struct lg_buf stray;
	int stray_truncated;
	struct lg_buf last_run; /* name of the last "=== RUN", recorded or not */

	int framed;
	int complete;

	const char **running;
	size_t alloc_running;
};

struct lg_t2j *lg_test2json_new(void)
{
	struct lg_t2j *t = lg_xcalloc(1, sizeof(*t));

	lg_buf_init(&t->line);
	lg_buf_init(&t->stray);
	lg_buf_init(&t->last_run);
	t->current = -1;
	t->err_at = SIZE_MAX;
	t->next_squeeze = LG_T2J_MAX_TOTAL_OUTPUT;
	return t;
}

static void out_release(struct t2j_out *o)
{
	lg_buf_release(&o->text);
	lg_location_release(&o->loc_any);
	lg_location_release(&o->loc_err);
	o->truncated = 0;
}

/* Frees every recorded test and forgets the names. */
static void clear_tests(struct lg_t2j *t)
{
	size_t i;

	for (i = 0; i < t->ntests; i++) {
		free(t->tests[i].name);
		out_release(&t->tests[i].out);
		out_release(&t->tests[i].again);
	}
	t->ntests = 0;
	lg_hmap_clear(&t->names);
	t->nnames = 0;
	t->current = -1;
	t->dropped_tests = 0;
	t->total_out = 0;
	t->next_squeeze = LG_T2J_MAX_TOTAL_OUTPUT;
}

void lg_test2json_free(struct lg_t2j *t)
{
	if (!t)
		return;
	clear_tests(t);
	free(t->tests);
	lg_hmap_release(&t->names);
	free(t->latest);
	free(t->running);
	lg_buf_release(&t->line);
	lg_buf_release(&t->stray);
	lg_buf_release(&t->last_run);
	free(t);
}

int lg_test2json_complete(const struct lg_t2j *t)
{
	return t->complete;
}

int lg_test2json_framed(const struct lg_t2j *t)
{
	return t->framed;
}

/* ---- test names ---------------------------------------------------- */

/* lg_hmap callback: whether name id k is t->key (names are attacker-chosen; compared in full). */
static int same_name(const void *ctx, uint32_t k)
{
	const struct lg_t2j *t = ctx;
	const struct t2j_test *x = &t->tests[t->latest[k]];

	return x->name_len == t->keylen && memcmp(x->name, t->key, t->keylen) == 0;
}

/* Index of the latest test called `name`, or -1 (none). */
static long find_test(struct lg_t2j *t, const char *name, size_t n)
{
	uint32_t k;

	t->key = name;
	t->keylen = n;
	k = lg_hmap_find(&t->names, lg_hash_bytes(name, n), same_name, t);
	return k == LG_HMAP_NONE ? -1 : (long)t->latest[k];
}

/* Makes test `i` the latest one called name[0..n).  Cannot fail. */
static void set_latest(struct lg_t2j *t, const char *name, size_t n, size_t i)
{
	uint32_t k;

	t->key = name;
	t->keylen = n;
	k = lg_hmap_find_or_add(&t->names, lg_hash_bytes(name, n), same_name, t, (uint32_t)t->nnames);
	if (k == t->nnames) {
		LG_GROW(t->latest, t->alloc_names, t->nnames + 1);
		t->nnames++;
	}
	t->latest[k] = (uint32_t)i;
}

/*
 * Makes `raw` a name we are willing to store: at most LG_T2J_MAX_NAME bytes
 * (cut at a UTF-8 boundary) and no NUL, which would end the C string early.
 * Lookups go through the same function, so a cut name still matches itself.
 */
static void clean_name(struct lg_buf *dst, const char *raw, size_t n)
{
	size_t i;

	if (n > LG_T2J_MAX_NAME) {
		n = LG_T2J_MAX_NAME;
		while (n > 0 && ((unsigned char)raw[n] & 0xc0) == 0x80)
			n--;
	}
	lg_buf_reset(dst);
	lg_buf_add(dst, raw, n);
	for (i = 0; i < dst->len; i++)
		if (dst->buf[i] == '\0')
			dst->buf[i] = '?';
}

/* Records a new test that started; returns its index, or -1 past the cap. */
static long add_test(struct lg_t2j *t, const char *name, size_t n)
{
	struct t2j_test *x;

	if (t->ntests >= LG_T2J_MAX_TESTS) {
		t->dropped_tests++;
		return -1;
	}
	LG_GROW(t->tests, t->alloc_tests, t->ntests + 1);
	x = &t->tests[t->ntests];
	memset(x, 0, sizeof(*x));
	x->name = lg_xstrndup(name, n);
	x->name_len = n;
	x->result = LG_TEST_UNFINISHED;
	x->runs = 1;
	lg_buf_init(&x->out.text);
	lg_buf_init(&x->again.text);
	set_latest(t, name, n, t->ntests);
	return (long)t->ntests++;
}

/* ---- output storage ------------------------------------------------ */

/*
 * Keeps only the last `keep` bytes of a test's output, starting at a line
 * boundary when one is near, and gives the memory back.
 */
static void keep_tail(struct lg_t2j *t, struct t2j_out *o, size_t keep)
{
	struct lg_buf nb = LG_BUF_INIT;
	size_t from;
	const char *nl;

	if (o->text.len <= keep)
		return;
	from = o->text.len - keep;
	if (from > 0 && o->text.buf[from - 1] != '\n') {
		size_t look = keep < 4096 ? keep : 4096;

		nl = memchr(o->text.buf + from, '\n', look);
		if (nl && (size_t)(nl + 1 - o->text.buf) < o->text.len)
			from = (size_t)(nl + 1 - o->text.buf);
	}
	lg_buf_add(&nb, o->text.buf + from, o->text.len - from);
	t->total_out -= o->text.len - nb.len;
	lg_buf_release(&o->text);
	o->text = nb;
	o->truncated = 1;
}

/* Where the current run of `x` writes its output. */
static struct t2j_out *run_out(struct t2j_test *x)
{
	return x->repeat ? &x->again : &x->out;
}

/* Drops an output, giving its bytes back to the budget. */
static void drop_out(struct lg_t2j *t, struct t2j_out *o)
{
	t->total_out -= o->text.len;
	out_release(o);
}

/*
 * Folds the finished current run of `x` into its totals.  A repeated run's
 * output replaces the kept one when it is the first failure, or when no run
 * has failed (the latest passing output); otherwise it is dropped.
 */
static void fold_run(struct lg_t2j *t, struct t2j_test *x)
{
	int first_failure = x->result == LG_TEST_FAIL && !x->failures;

	x->failures += x->result == LG_TEST_FAIL;
	x->passes += x->result == LG_TEST_PASS;
	x->total += x->elapsed;
	if (x->elapsed > x->max)
		x->max = x->elapsed;
	if (x->repeat) {
		if (first_failure || !x->failures) {
			drop_out(t, &x->out);
			x->out = x->again;
			memset(&x->again, 0, sizeof(x->again));
			lg_buf_init(&x->again.text);
		} else {
			drop_out(t, &x->again);
		}
	}
	x->done = 0;
}

/* Starts another run of a test whose current run reported. */
static void restart(struct lg_t2j *t, struct t2j_test *x)
{
	fold_run(t, x);
	x->result = LG_TEST_UNFINISHED;
	x->elapsed = 0;
	x->repeat = 1;
	if (x->runs < INT_MAX)
		x->runs++;
}

/*
 * Brings the output of all tests back under budget by squeezing finished
 * tests: passed and skipped ones first, failures last, first to a short tail
 * and then to nothing.  Running tests keep their own cap.
 */
static void squeeze(struct lg_t2j *t)
{
	static const struct {
		int failed;
		size_t keep;
	} stages[] = {
		{ 0, SQUEEZED_OUTPUT }, { 1, SQUEEZED_OUTPUT }, { 0, 0 }, { 1, 0 },
	};
	size_t target = LG_T2J_MAX_TOTAL_OUTPUT / 4 * 3;
	size_t s, i;

	for (s = 0; s < LG_ARRAY_SIZE(stages) && t->total_out > target; s++) {
		for (i = 0; i < t->ntests && t->total_out > target; i++) {
			struct t2j_test *x = &t->tests[i];

			if ((x->result == LG_TEST_FAIL || x->failures) != stages[s].failed)
				continue;
			/* the kept output of a repeated test belongs to a finished run */
			if (x->done || x->repeat)
				keep_tail(t, &x->out, stages[s].keep);
			if (x->done && x->repeat)
				keep_tail(t, &x->again, stages[s].keep);
		}
	}
	/* Running tests alone may hold more: do not rescan on every line. */
	t->next_squeeze = t->total_out + LG_T2J_MAX_TOTAL_OUTPUT / 4;
	if (t->next_squeeze < LG_T2J_MAX_TOTAL_OUTPUT)
		t->next_squeeze = LG_T2J_MAX_TOTAL_OUTPUT;
}

/* Appends to the stray output, keeping the head. */
static void add_stray(struct lg_t2j *t, const char *s, size_t n)
{
	size_t room = LG_T2J_MAX_STRAY - t->stray.len;

	if (n > room) {
		n = room;
		t->stray_truncated = 1;
	}
	lg_buf_add(&t->stray, s, n);
}

/* Appends to the output of test `i` (or stray when -1), keeping its tail. */
static void add_output(struct lg_t2j *t, long i, const char *s, size_t n)
{
	struct t2j_out *o;

	if (i < 0) {
		add_stray(t, s, n);
		return;
	}
	o = run_out(&t->tests[i]);
	lg_buf_add(&o->text, s, n);
	t->total_out += n;
	/* Trim at twice the cap so trimming costs O(1) per byte on average. */
	if (o->text.len > 2 * (size_t)LG_T2J_MAX_TEST_OUTPUT)
		keep_tail(t, o, LG_T2J_MAX_TEST_OUTPUT);
	if (t->total_out > t->next_squeeze)
		squeeze(t);
}

/*
 * Parses "file.go:N:" at the start of a log line (after its indent) into
 * `loc`.  Returns 1 when found.  Stack frames ("file.go:12 +0x1d") do not
 * match because the line number must be followed by ':'.
 */
static int parse_loc(const char *s, size_t n, struct lg_location *loc)
{
	size_t i = 0, start, end;
	long line = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	start = i;
	while (i < n && s[i] != ':' && s[i] != ' ' && s[i] != '\t' &&
	       (unsigned char)s[i] >= 0x20)
		i++;
	end = i;
	if (i >= n || s[i] != ':' || end - start < 4 || end - start > 4096 ||
	    memcmp(s + end - 3, ".go", 3) != 0)
		return 0;
	i++;
	if (i >= n || s[i] < '0' || s[i] > '9')
		return 0;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		if (line > INT_MAX / 10)
			return 0;
		line = line * 10 + (s[i] - '0');
		i++;
	}
	if (i >= n || s[i] != ':' || line <= 0 || line > INT_MAX)
		return 0;
	loc->file = lg_xstrndup(s + start, end - start);
	loc->line = (int)line;
	return 1;
}

/*
 * Remembers the first location seen in a line of test `i`'s output.  Error
 * output may begin mid-line (after a fmt.Print without newline), so the
 * text after ^O, at `err_at`, is tried as well.
 */
static void note_loc(struct lg_t2j *t, long i, const char *s, size_t n, size_t err_at)
{
	struct t2j_out *o;

	if (i < 0)
		return;
	o = run_out(&t->tests[i]);
	if (!o->loc_any.file && !parse_loc(s, n, &o->loc_any) && err_at < n)
		parse_loc(s + err_at, n - err_at, &o->loc_any);
	if (err_at < n && !o->loc_err.file)
		parse_loc(s + err_at, n - err_at, &o->loc_err);
}

/* ---- framing ------------------------------------------------------- */

static int has_prefix(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);

	return n >= k && memcmp(s, p, k) == 0;
}

/* Strips spaces on both ends of s[0..*n) and returns the new start. */
static const char *trim_spaces(const char *s, size_t *n)
{
	while (*n && *s == ' ') {
		s++;
		(*n)--;
	}
	while (*n && s[*n - 1] == ' ')
		(*n)--;
	return s;
}

/* Makes test `name` current, creating it if `start`; -1 when unknown. */
static void set_current(struct lg_t2j *t, const char *name, size_t n, int start)
{
	struct lg_buf clean = LG_BUF_INIT;

	name = trim_spaces(name, &n);
	if (!n) {
		t->current = -1;
		goto out;
	}
	clean_name(&clean, name, n);
	if (start) {
		lg_buf_reset(&t->last_run);
		lg_buf_add(&t->last_run, clean.buf, clean.len);
	}
	t->current = find_test(t, clean.buf, clean.len);
	if (start && t->current >= 0 && t->tests[t->current].done)
		restart(t, &t->tests[t->current]); /* -test.count: the same test again */
	else if (start)
		t->current = add_test(t, clean.buf, clean.len);
out:
	lg_buf_release(&clean);
}

/*
 * Parses "(1.23s)" at the end of a report; returns the seconds or -1 when
 * the text does not end in a plausible elapsed time.
 */
static double parse_elapsed(const char *s, size_t n)
{
	char tmp[40];
	char *end;
	double v;

	if (n < 4 || s[0] != '(' || s[n - 2] != 's' || s[n - 1] != ')' || n - 3 >= sizeof(tmp))
		return -1;
	memcpy(tmp, s + 1, n - 3);
	tmp[n - 3] = '\0';
	if (tmp[0] < '0' || tmp[0] > '9')
		return -1;
	v = strtod(tmp, &end);
	if (*end || !isfinite(v) || v < 0)
		return -1;
	return v;
}

/* Handles "--- PASS: name (1.23s)" (indent already removed). */
static void report(struct lg_t2j *t, enum lg_test_result r, const char *s, size_t n)
{
	struct lg_buf clean = LG_BUF_INIT;
	double elapsed = 0;
	size_t k;
	long i;

	s = trim_spaces(s, &n);
	for (k = n; k >= 2; k--) {
		if (s[k - 2] == ' ' && s[k - 1] == '(') {
			double v = parse_elapsed(s + k - 1, n - k + 1);

			if (v >= 0) {
				elapsed = v;
				n = k - 2;
			}
			break;
		}
	}
	s = trim_spaces(s, &n);
	if (!n)
		goto out;
	clean_name(&clean, s, n);
	i = find_test(t, clean.buf, clean.len);
	/*
	 * A report without a RUN (a lost line) is still worth recording, as
	 * another run of a known name or as a new test; past the cap its RUN
	 * was already counted as dropped.
	 */
	if (i >= 0 && t->tests[i].done)
		restart(t, &t->tests[i]);
	else if (i < 0 && t->ntests < LG_T2J_MAX_TESTS)
		i = add_test(t, clean.buf, clean.len);
	t->current = i;
	if (i < 0)
		goto out;
	t->tests[i].done = 1;
	t->tests[i].result = r;
	t->tests[i].elapsed = elapsed;
out:
	lg_buf_release(&clean);
}

/*
 * Interprets a line that began with 0x16.  Returns 0 when it was framing,
 * -1 when it is ordinary text that merely started with the marker.
 */
static int framing(struct lg_t2j *t, const char *s, size_t n)
{
	static const char *const updates[] = {
		"=== RUN   ", "=== PAUSE ", "=== CONT  ", "=== NAME  ",
		"=== PASS  ", "=== FAIL  ", "=== SKIP  ",
	};
	/* these name the test first, then carry a payload */
	static const char *const payloads[] = { "=== ATTR  ", "=== ARTIFACTS " };
	static const struct {
		const char *prefix;
		enum lg_test_result r;
	} reports[] = {
		{ "--- PASS: ", LG_TEST_PASS },
		{ "--- FAIL: ", LG_TEST_FAIL },
		{ "--- SKIP: ", LG_TEST_SKIP },
	};
	size_t i;

	if (n && s[n - 1] == '\n')
		n--;
	if (n && s[n - 1] == '\r')
		n--;
	if ((n == 4 && (!memcmp(s, "PASS", 4) || !memcmp(s, "FAIL", 4))) ||
	    has_prefix(s, n, "FAIL\t")) {
		t->complete = 1;
		t->current = -1;
		return 0;
	}
	/* "=== NAME" loses its trailing spaces when the name is empty. */
	if (n == 8 && !memcmp(s, "=== NAME", 8)) {
		t->current = -1;
		return 0;
	}
	for (i = 0; i < LG_ARRAY_SIZE(updates); i++) {
		size_t k = strlen(updates[i]);

		if (has_prefix(s, n, updates[i])) {
			set_current(t, s + k, n - k, i == 0);
			return 0;
		}
	}
	/* ATTR and ARTIFACTS name the test first, then their payload. */
	for (i = 0; i < LG_ARRAY_SIZE(payloads); i++) {
		size_t k = strlen(payloads[i]);
		const char *name = s + k, *sp;
		size_t m = n - k;

		if (!has_prefix(s, n, payloads[i]))
			continue;
		name = trim_spaces(name, &m);
		sp = memchr(name, ' ', m);
		set_current(t, name, sp ? (size_t)(sp - name) : m, 0);
		return 0;
	}
	while (has_prefix(s, n, "    ")) {
		s += 4;
		n -= 4;
	}
	for (i = 0; i < LG_ARRAY_SIZE(reports); i++) {
		size_t k = strlen(reports[i].prefix);

		if (has_prefix(s, n, reports[i].prefix)) {
			report(t, reports[i].r, s + k, n - k);
			return 0;
		}
	}
	if (has_prefix(s, n, "--- BENCH: "))
		return 0;
	return -1;
}

/* ---- line assembly ------------------------------------------------- */

/*
 * Dispatches the assembled line.  `cut` says why it ended: 0 at '\n' (kept
 * in the text), 1 before a framing marker or at end of input, 2 because it
 * reached LG_T2J_MAX_LINE and more of it follows.
 */
static void end_line(struct lg_t2j *t, int cut)
{
	const char *s = t->line.buf;
	size_t n = t->line.len;

	if (t->drop_rest)
		goto done;
	if (t->line_marked && !t->continuation) {
		t->framed = 1;
		if (framing(t, s, n) == 0) {
			/* the rest of an over-long framing line is noise */
			if (cut == 2)
				t->drop_rest = 1;
			goto done;
		}
	}
	if (n) {
		if (!t->continuation)
			note_loc(t, t->current, s, n, t->err_at);
		add_output(t, t->current, s, n);
	}
	/* A line cut short by framing still ends a line of output. */
	if (cut == 1 && ((n && s[n - 1] != '\n') || (!n && t->continuation)))
		add_output(t, t->current, "\n", 1);
done:
	lg_buf_reset(&t->line);
	t->line_marked = 0;
	t->err_at = SIZE_MAX;
	t->continuation = cut == 2;
	if (cut != 2)
		t->drop_rest = 0;
}

/* Adds text to the current line, splitting it at LG_T2J_MAX_LINE. */
static void line_add(struct lg_t2j *t, const char *s, size_t n)
{
	while (n && !t->drop_rest) {
		size_t room = LG_T2J_MAX_LINE - t->line.len;
		size_t k = n < room ? n : room;

		lg_buf_add(&t->line, s, k);
		s += k;
		n -= k;
		if (t->line.len == LG_T2J_MAX_LINE)
			end_line(t, 2);
	}
}

static int is_special(unsigned char c)
{
	return c == '\n' || c == MARK_FRAMING || c == MARK_ESCAPE ||
	       c == MARK_ERR_BEGIN || c == MARK_ERR_END;
}

static int is_marker(unsigned char c)
{
	return c == MARK_FRAMING || c == MARK_ESCAPE || c == MARK_ERR_BEGIN ||
	       c == MARK_ERR_END;
}

/* Handles one of the bytes is_special() singles out. */
static void special(struct lg_t2j *t, unsigned char c)
{
	char ch = (char)c;

	switch (c) {
	case '\n':
		line_add(t, "\n", 1);
		end_line(t, 0);
		break;
	case MARK_ESCAPE:
		t->esc_pending = 1;
		break;
	case MARK_FRAMING:
		if (t->line.len || t->line_marked || t->continuation)
			end_line(t, 1);
		t->line_marked = 1;
		break;
	case MARK_ERR_BEGIN:
		if (t->err_at == SIZE_MAX)
			t->err_at = t->line.len;
		break;
	case MARK_ERR_END:
		break;
	default:
		line_add(t, &ch, 1);
	}
}

void lg_test2json_feed(struct lg_t2j *t, const char *data, size_t len)
{
	size_t i = 0, j;

	while (i < len) {
		unsigned char c = (unsigned char)data[i];

		if (t->esc_pending) {
			t->esc_pending = 0;
			if (is_marker(c)) {
				line_add(t, data + i, 1);
				i++;
				continue;
			}
			/* not an escape after all: a lone ESC, e.g. a colour code */
			line_add(t, "\x1b", 1);
		}
		if (is_special(c)) {
			special(t, c);
			i++;
			continue;
		}
		for (j = i; j < len && !is_special((unsigned char)data[j]); j++)
			;
		line_add(t, data + i, j - i);
		i = j;
	}
}

void lg_test2json_finish(struct lg_t2j *t)
{
	if (t->esc_pending) {
		t->esc_pending = 0;
		line_add(t, "\x1b", 1);
	}
	if (t->line.len || t->line_marked)
		end_line(t, 1);
	t->continuation = 0;
	t->drop_rest = 0;
}

const char *lg_test2json_last_run(const struct lg_t2j *t)
{
	return t->last_run.len ? t->last_run.buf : NULL;
}

size_t lg_test2json_running(const struct lg_t2j *t, const char ***names)
{
	/* The list is a cache inside t; it changes nothing callers can see. */
	struct lg_t2j *w = (struct lg_t2j *)t;
	size_t i, n = 0;

	for (i = 0; i < t->ntests; i++) {
		if (t->tests[i].done)
			continue;
		LG_GROW(w->running, w->alloc_running, n + 1);
		w->running[n++] = t->tests[i].name;
	}
	*names = w->running;
	return n;
}

/*
 * Moves one recorded test, all its runs folded, into the model's
 * representation.  Failed when any run failed; unfinished when the last
 * run never reported, with that run's output (what it did when the binary
 * broke); skipped when every run skipped.
 */
static void move_test(struct lg_t2j *t, struct t2j_test *x, struct lg_test *out)
{
	int finished = x->done;
	struct t2j_out *o = &x->out;

	memset(out, 0, sizeof(*out));
	if (x->done)
		fold_run(t, x);
	out->name = x->name;
	x->name = NULL;
	out->runs = x->runs;
	out->failures = x->failures;
	out->elapsed = x->total;
	out->max_elapsed = x->max;
	if (!finished)
		out->result = LG_TEST_UNFINISHED;
	else if (x->failures)
		out->result = LG_TEST_FAIL;
	else if (x->passes)
		out->result = LG_TEST_PASS;
	else
		out->result = x->result;
	if (!finished && x->repeat)
		o = &x->again;
	if (o->text.len > LG_T2J_MAX_TEST_OUTPUT)
		keep_tail(t, o, LG_T2J_MAX_TEST_OUTPUT);
	out->output = lg_buf_detach(&o->text, NULL);
	out->output_truncated = o->truncated;
	if (o->loc_err.file) {
		out->loc = o->loc_err;
		o->loc_err.file = NULL;
	} else {
		out->loc = o->loc_any;
		o->loc_any.file = NULL;
	}
}

void lg_test2json_take(struct lg_t2j *t, struct lg_package *p)
{
	size_t i;

	lg_test2json_finish(t);
	if (t->ntests) {
		p->tests = lg_xrealloc(p->tests, (p->ntests + t->ntests) * sizeof(*p->tests));
		for (i = 0; i < t->ntests; i++)
			move_test(t, &t->tests[i], &p->tests[p->ntests++]);
	}
	if (t->dropped_tests)
		lg_buf_addf(&t->stray, "leakgate: %zu more tests were not recorded (limit %d)\n",
			    t->dropped_tests, LG_T2J_MAX_TESTS);
	if (t->stray_truncated)
		lg_buf_addf(&t->stray, "\nleakgate: output outside tests cut at %d bytes\n",
			    LG_T2J_MAX_STRAY);
	free(p->stray_output);
	p->stray_output = t->stray.len ? lg_buf_detach(&t->stray, NULL) : NULL;
	lg_buf_release(&t->stray);
	t->stray_truncated = 0;
	clear_tests(t);
}
