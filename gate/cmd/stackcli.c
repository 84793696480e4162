/*
 * stackcli.c — the flags `leakgate stacks`, `diff` and `watch` share
 * (stackcli.h): grouping, filters, profile sample type, output form and the
 * HTTP options for URLs, and loading one input with them.  A module of its
 * own so that no command file calls into another.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "stackcli.h"

#define MAX_HEADERS 64
#define MALFORMED_SHOWN 5

void lg_stack_flags_init(struct lg_stack_flags *f)
{
	const char *nc = getenv("NO_COLOR");

	memset(f, 0, sizeof(*f));
	f->group.by = LG_GROUP_EXACT;
	f->group.read_sources = 1;
	if (getcwd(f->cwd, sizeof(f->cwd))) {
		f->group.module_root = f->cwd;
		f->view.cwd = f->cwd;
	}
	f->view.color = isatty(STDOUT_FILENO) && !(nc && *nc);
}

void lg_stack_flags_release(struct lg_stack_flags *f)
{
	size_t i;

	for (i = 0; i < f->nheaders; i++)
		free(f->headers[i]);
	free(f->headers);
	free(f->label_key);
	if (f->have_re)
		regfree(&f->re);
	memset(f, 0, sizeof(*f));
}

int lg_stack_parse_count(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v < 0)
		return -1;
	*out = v;
	return 0;
}

static int set_regex(struct lg_stack_flags *f, const char *arg)
{
	char msg[256];
	int rc;

	if (f->have_re)
		regfree(&f->re);
	f->have_re = 0;
	rc = regcomp(&f->re, arg, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		regerror(rc, &f->re, msg, sizeof(msg));
		return lg_cli_fail(LG_EXIT_USAGE, "--func: bad regular expression '%s': %s", arg, msg);
	}
	f->have_re = 1;
	f->group.filter.func = &f->re;
	return 0;
}

static int set_label(struct lg_stack_flags *f, const char *arg)
{
	char *eq;

	free(f->label_key);
	f->label_key = lg_xstrdup(arg);
	eq = strchr(f->label_key, '=');
	if (eq)
		*eq = '\0';
	if (!*f->label_key)
		return lg_cli_fail(LG_EXIT_USAGE, "--label: '%s' is not KEY=VALUE", arg);
	f->group.filter.label_key = f->label_key;
	f->group.filter.label_value = eq ? eq + 1 : NULL;
	return 0;
}

static int apply_http(struct lg_stack_flags *f, int c, const char *arg)
{
	double secs;

	switch (c) {
	case LG_SOPT_HEADER:
		if (f->nheaders >= MAX_HEADERS || !strchr(arg, ':'))
			return lg_cli_fail(LG_EXIT_USAGE, "--header: expected 'Name: value' (at most %d)",
					   MAX_HEADERS);
		LG_GROW(f->headers, f->headers_alloc, f->nheaders + 1);
		f->headers[f->nheaders++] = lg_xstrdup(arg);
		f->http.headers = f->headers;
		f->http.nheaders = f->nheaders;
		return 0;
	case LG_SOPT_USER:
		if (!strchr(arg, ':'))
			return lg_cli_fail(LG_EXIT_USAGE, "--user: expected USER:PASSWORD");
		f->http.userpwd = arg;
		return 0;
	case LG_SOPT_CACERT: f->http.cacert = arg; return 0;
	case LG_SOPT_CERT: f->http.cert = arg; return 0;
	case LG_SOPT_KEY: f->http.key = arg; return 0;
	case LG_SOPT_INSECURE: f->http.insecure = 1; return 0;
	case LG_SOPT_TIMEOUT:
		if (lg_parse_duration(arg, &secs) || secs <= 0)
			return lg_cli_fail(LG_EXIT_USAGE, "--timeout: '%s' is not a duration such as 10s", arg);
		f->http.timeout = secs;
		return 0;
	}
	return -1;
}

int lg_stack_flags_apply(struct lg_stack_flags *f, int c, const char *arg)
{
	int64_t n;

	switch (c) {
	case LG_SOPT_BY:
		if (lg_group_by_parse(arg, &f->group.by))
			return lg_cli_fail(LG_EXIT_USAGE, "--by: '%s' is not exact, lines or funcs", arg);
		return 0;
	case LG_SOPT_BY_LABEL: f->group.by_label = arg; return 0;
	case LG_SOPT_STATE: f->group.filter.state = arg; return 0;
	case LG_SOPT_FUNC: return set_regex(f, arg);
	case LG_SOPT_LABEL: return set_label(f, arg);
	case LG_SOPT_SAMPLE_TYPE: f->sample_type = arg; return 0;
	case LG_SOPT_JSON: f->json = 1; return 0;
	case LG_SOPT_FOLDED: f->folded = 1; return 0;
	case LG_SOPT_NO_SOURCE: f->group.read_sources = 0; return 0;
	case LG_SOPT_FRAMES:
		if (lg_stack_parse_count(arg, &n) || n > 100000)
			return lg_cli_fail(LG_EXIT_USAGE, "--frames: '%s' is not a count", arg);
		f->view.max_frames = (int)n;
		return 0;
	}
	return apply_http(f, c, arg);
}

int lg_stack_load(struct lg_input *in, const char *src, const struct lg_stack_flags *f,
		  int64_t min_count, int *malformed)
{
	struct lg_input_opts o;
	struct lg_err err;
	size_t i;

	memset(&o, 0, sizeof(o));
	o.group = &f->group;
	o.http = &f->http;
	o.sample_type = f->sample_type;
	o.min_count = min_count;
	if (lg_input_load(in, src, &o, &err))
		return lg_cli_fail(LG_EXIT_ENV, "%s", err.msg);
	if (in->kind == LG_INPUT_DUMP && in->dump.bad_lines) {
		for (i = 0; i < in->dump.nbad && i < MALFORMED_SHOWN; i++)
			fprintf(stderr, "%s:%zu: malformed line in a goroutine block: %s\n", in->name,
				in->dump.bad[i].line, in->dump.bad[i].text);
		fprintf(stderr, "leakgate: warning: %s: %zu malformed line%s skipped\n", in->name,
			in->dump.bad_lines, in->dump.bad_lines == 1 ? "" : "s");
		*malformed = 1;
	}
	if (in->groups.overflow)
		fprintf(stderr, "leakgate: warning: %s: more than %d distinct stacks; %lld goroutines not grouped\n",
			in->name, LG_GROUP_MAX_GROUPS, (long long)in->groups.overflow);
	return 0;
}
