/*
 * test_github.c — GitHub workflow commands from a hostile run, read
 * back the way the Actions runner reads a log: line by line, commands only
 * at line start, nothing inside a stop-commands fence.  No forged command
 * may get through, escaping must round-trip, and the per-type cap holds.
 */
#include <stdlib.h>

#include "github.h"
#include "check.h"
#include "report_fixture.h"

#define TOKEN "0123456789abcdef0123456789abcdef"

struct seen {
	int errors, warnings, groups, endgroups, fences, forged;
	int in_fence;
	char token[64];
	char first_error[4096];
};

/* Acts like the runner on one line. */
static void runner_line(struct seen *s, const char *line)
{
	char close[80];

	if (s->in_fence) {
		snprintf(close, sizeof(close), "::%s::", s->token);
		if (!strcmp(line, close))
			s->in_fence = 0;
		return;
	}
	if (strncmp(line, "::", 2) != 0)
		return;
	if (!strncmp(line, "::error ", 8) || !strncmp(line, "::error::", 9)) {
		if (!s->errors++)
			snprintf(s->first_error, sizeof(s->first_error), "%s", line);
		if (strstr(line, "forged"))
			s->forged++;
	} else if (!strncmp(line, "::warning ", 10)) {
		s->warnings++;
		s->forged += strstr(line, "forged") != NULL;
	} else if (!strncmp(line, "::group::", 9)) {
		s->groups++;
	} else if (!strcmp(line, "::endgroup::")) {
		s->endgroups++;
	} else if (!strncmp(line, "::stop-commands::", 17)) {
		snprintf(s->token, sizeof(s->token), "%s", line + 17);
		s->in_fence = 1;
		s->fences++;
	} else {
		s->forged++; /* any other command came from the test's output */
	}
}

static void runner_read(struct seen *s, const char *text)
{
	char *copy = lg_xstrdup(text), *line = copy, *nl;

	memset(s, 0, sizeof(*s));
	for (; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		runner_line(s, line);
	}
	free(copy);
}

static void test_hostile(void)
{
	struct lg_run r;
	struct lg_buf out = LG_BUF_INIT;
	struct lg_github_opts o = { "svc/", TOKEN, 0, 0 };
	struct seen s;

	rf_build(&r);
	lg_github_render(&r, &o, &out);
	runner_read(&s, out.buf);
	CHECK_INT(s.forged, 0);
	CHECK_INT(s.in_fence, 0);
	CHECK_INT(s.errors, 3); /* leak, deadlock, failed test */
	CHECK_INT(s.fences, s.groups);
	CHECK_INT(s.groups, s.endgroups);
	CHECK(s.fences >= 2);
	/* the hostile name is one property value: no raw ':' ',' or newline */
	CHECK(strstr(out.buf, "title=goroutine leak in TestX/<script>alert(1)</script>%3A%3Aerror"
			      "%3A%3Afake%2Cline=1%3A%250A\xef\xbf\xbd%3A range") != NULL);
	CHECK(strstr(s.first_error, "::error file=svc/api/api.go,line=13,title=") == s.first_error);
	/* raw output is fenced verbatim, forged lines included */
	CHECK(strstr(out.buf, "::stop-commands::" TOKEN "\nordinary line\n::error file=a.go,line=1::forged\n") != NULL);
	CHECK(strstr(out.buf, "::" TOKEN "::\n::endgroup::\n") != NULL);
	lg_buf_release(&out);
	lg_run_release(&r);
}

/* A body that contains the requested token must get another one. */
static void test_token_collision(void)
{
	struct lg_run r;
	struct lg_buf out = LG_BUF_INIT;
	struct lg_github_opts o = { "", TOKEN, 0, 0 };
	struct seen s;

	rf_build(&r);
	free(r.pkgs[0].tests[0].output);
	r.pkgs[0].tests[0].output = lg_xstrdup("::" TOKEN "::\n::error::forged after a fake close\n");
	lg_github_render(&r, &o, &out);
	runner_read(&s, out.buf);
	CHECK_INT(s.forged, 0);
	CHECK(strcmp(s.token, TOKEN) != 0);
	CHECK_INT((int)strlen(s.token), 32);
	lg_buf_release(&out);
	lg_run_release(&r);
}

static void test_cap(void)
{
	struct lg_run r;
	struct lg_buf out = LG_BUF_INIT;
	struct lg_github_opts o = { "", NULL, 0, 0 };
	struct seen s;
	char sig[32];
	int i;

	rf_build(&r);
	for (i = 0; i < 25; i++) {
		snprintf(sig, sizeof(sig), "%016d", i);
		rf_leak(&r.pkgs[0], sig, "TestMany", 100 + i);
	}
	lg_github_render(&r, &o, &out);
	runner_read(&s, out.buf);
	CHECK_INT(s.errors, LG_ANNOTATIONS_MAX_PER_LEVEL);
	CHECK(strstr(out.buf, "::error title=leakgate::19 more errors not annotated") != NULL);
	CHECK_INT(s.forged, 0);
	lg_buf_release(&out);
	lg_run_release(&r);
}

static void test_token(void)
{
	char a[33], b[33];
	size_t i;

	lg_github_token(a);
	lg_github_token(b);
	CHECK_INT((int)strlen(a), 32);
	CHECK(strcmp(a, b) != 0);
	for (i = 0; i < 32; i++)
		CHECK(strchr("0123456789abcdef", a[i]) != NULL);
}

int main(void)
{
	static const struct lg_check_case t[] = {
		{ "hostile", test_hostile },
		{ "token_collision", test_token_collision },
		{ "cap", test_cap },
		{ "token", test_token },
	};

	return LG_CHECK_RUN(t);
}
