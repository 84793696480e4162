/*
 * stackcli.h — the flags `leakgate stacks` and `leakgate diff` share
 * (grouping, filters, profile sample type, output form, HTTP options for
 * URLs), parsed once in stackcli.c for every command that takes them.
 */
#ifndef LG_STACKCLI_H
#define LG_STACKCLI_H

#include <getopt.h>
#include <regex.h>
#include <stdint.h>

#include "group.h"
#include "http.h"
#include "input.h"
#include "view.h"

enum {
	LG_SOPT_BY = 400, LG_SOPT_BY_LABEL, LG_SOPT_STATE, LG_SOPT_FUNC, LG_SOPT_LABEL,
	LG_SOPT_MIN_COUNT, LG_SOPT_SAMPLE_TYPE, LG_SOPT_JSON, LG_SOPT_FOLDED, LG_SOPT_NO_SOURCE,
	LG_SOPT_FRAMES, LG_SOPT_HEADER, LG_SOPT_USER, LG_SOPT_CACERT, LG_SOPT_CERT, LG_SOPT_KEY,
	LG_SOPT_INSECURE, LG_SOPT_TIMEOUT, LG_SOPT_HELP, LG_SOPT_OUTPUT, LG_SOPT_MIN_DELTA
};

/* The options of reading from a URL, and --help: the tail of every table below. */
#define LG_SOPT_URL_LONGOPTS                                                        \
	{ "header", required_argument, NULL, LG_SOPT_HEADER },                     \
	{ "user", required_argument, NULL, LG_SOPT_USER },                         \
	{ "cacert", required_argument, NULL, LG_SOPT_CACERT },                     \
	{ "cert", required_argument, NULL, LG_SOPT_CERT },                         \
	{ "key", required_argument, NULL, LG_SOPT_KEY },                           \
	{ "insecure", no_argument, NULL, LG_SOPT_INSECURE },                       \
	{ "timeout", required_argument, NULL, LG_SOPT_TIMEOUT },                   \
	{ "help", no_argument, NULL, LG_SOPT_HELP }

/* getopt_long entries of the shared flags (end the table with your own). */
#define LG_STACK_LONGOPTS                                                          \
	{ "by", required_argument, NULL, LG_SOPT_BY },                             \
	{ "by-label", required_argument, NULL, LG_SOPT_BY_LABEL },                 \
	{ "state", required_argument, NULL, LG_SOPT_STATE },                       \
	{ "func", required_argument, NULL, LG_SOPT_FUNC },                         \
	{ "label", required_argument, NULL, LG_SOPT_LABEL },                       \
	{ "sample-type", required_argument, NULL, LG_SOPT_SAMPLE_TYPE },           \
	{ "json", no_argument, NULL, LG_SOPT_JSON },                               \
	{ "folded", no_argument, NULL, LG_SOPT_FOLDED },                           \
	{ "no-source", no_argument, NULL, LG_SOPT_NO_SOURCE },                     \
	{ "frames", required_argument, NULL, LG_SOPT_FRAMES },                     \
	LG_SOPT_URL_LONGOPTS

struct lg_stack_flags {
	struct lg_group_opts group;
	struct lg_http_opts http;
	struct lg_view view;
	char **headers;
	size_t nheaders, headers_alloc;
	const char *sample_type;
	int json, folded;
	regex_t re;
	int have_re;
	char *label_key; /* of --label K=V; the value follows its '=' */
	char cwd[4096];
};

void lg_stack_flags_init(struct lg_stack_flags *f);
void lg_stack_flags_release(struct lg_stack_flags *f);

/*
 * Applies shared option `c`.  Returns 0 when applied, -1 when `c` is not a
 * shared option, or LG_EXIT_USAGE after printing what is wrong.
 */
int lg_stack_flags_apply(struct lg_stack_flags *f, int c, const char *arg);

/* Parses a count >= 0 for --min-count and the like; -1 when it is not one. */
int lg_stack_parse_count(const char *s, int64_t *out);

/*
 * Loads one input with the flags; on failure prints the error and returns
 * LG_EXIT_ENV (3), else 0.  Malformed dump lines are printed to stderr as
 * "NAME:LINE: ..." and *malformed set.
 */
int lg_stack_load(struct lg_input *in, const char *src, const struct lg_stack_flags *f,
		  int64_t min_count, int *malformed);

#endif
