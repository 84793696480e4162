/*
 * cmd_flame.c — `leakgate flame FILE -o flame.svg`: the flame graph of any
 * goroutine dump (crash output, SIGQUIT dump, runtime.Stack, pprof
 * goroutine debug=1/2, goroutineleak) or pprof profile (gzipped or raw
 * profile.proto), as one SVG file.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "help.h"
#include "flame.h"
#include "pprof.h"
#include "dump.h"


enum { OPT_SAMPLE = 256, OPT_BLOCKED, OPT_TITLE, OPT_WIDTH, OPT_HELP };

static const struct option flame_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "sample", required_argument, NULL, OPT_SAMPLE },
	{ "blocked", no_argument, NULL, OPT_BLOCKED },
	{ "title", required_argument, NULL, OPT_TITLE },
	{ "width", required_argument, NULL, OPT_WIDTH },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 }
};

struct flame_flags {
	const char *output, *sample, *title;
	int blocked, width;
};

/* Adds a profile; *unit gets the sample type's unit. Returns 0 or -1 with err. */
static int from_profile(struct lg_flame *f, const struct lg_buf *data, const char *path,
			const struct flame_flags *fl, const char **unit, struct lg_err *err)
{
	struct lg_pprof p;
	const char *want;
	int idx, ret;

	lg_pprof_init(&p);
	ret = lg_pprof_parse(&p, (const unsigned char *)data->buf, data->len, path, err);
	if (ret)
		goto out;
	want = fl->sample ? fl->sample : p.default_sample_type && *p.default_sample_type ?
	       p.default_sample_type : NULL;
	idx = want ? lg_pprof_sample_index(&p, want) : (int)p.nsample_types - 1;
	if (idx < 0) {
		ret = lg_error(err, "'%s': no sample type '%s'", path, want);
		goto out;
	}
	*unit = !strcmp(p.sample_types[idx].unit, "count") ? "goroutines" :
		!strcmp(p.sample_types[idx].unit, "bytes") ? "bytes" :
		!strcmp(p.sample_types[idx].unit, "nanoseconds") ? "nanoseconds" : "samples";
	ret = lg_flame_add_pprof(f, &p, idx, err);
out:
	lg_pprof_release(&p);
	return ret;
}

static int build(struct lg_flame *f, const char *path, const struct flame_flags *fl,
		 const char **unit, struct lg_err *err)
{
	struct lg_buf data = LG_BUF_INIT;
	struct lg_dump d;
	int ret;

	lg_dump_init(&d);
	ret = lg_read_file(path, LG_PPROF_MAX_COMPRESSED, &data, err);
	if (ret)
		goto out;
	if (data.len >= 2 && (unsigned char)data.buf[0] == 0x1f && (unsigned char)data.buf[1] == 0x8b) {
		ret = from_profile(f, &data, path, fl, unit, err);
		goto out;
	}
	ret = lg_dump_parse(&d, data.buf, data.len, path, err);
	if (!ret && d.n) {
		size_t i;

		/* every goroutine of a goroutineleak profile is leaked, also in debug=1 form */
		for (i = 0; lg_starts_with(data.buf, "goroutineleak profile:") && i < d.n; i++)
			d.g[i].leaked = 1;
		lg_flame_add_dump(f, &d, data.buf, data.len, fl->blocked);
		*unit = "goroutines";
	} else if (!ret && from_profile(f, &data, path, fl, unit, err) < 0) {
		ret = lg_error(err, "'%s': neither a goroutine dump nor a pprof profile", path);
	}
out:
	lg_dump_release(&d);
	lg_buf_release(&data);
	return ret;
}

static int parse_flags(int argc, char **argv, struct flame_flags *fl)
{
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:", flame_options, NULL)) != -1) {
		switch (c) {
		case OPT_HELP: fputs(lg_help_flame, stdout); return LG_EXIT_OK;
		case 'o': fl->output = optarg; break;
		case OPT_SAMPLE: fl->sample = optarg; break;
		case OPT_BLOCKED: fl->blocked = 1; break;
		case OPT_TITLE: fl->title = optarg; break;
		case OPT_WIDTH:
			fl->width = atoi(optarg);
			if (fl->width < 200 || fl->width > 20000)
				return lg_cli_fail(LG_EXIT_USAGE, "flame: --width: '%s' is not 200..20000", optarg);
			break;
		default:
			return lg_cli_fail(LG_EXIT_USAGE, "flame: unknown or incomplete option '%s' "
					   "(see leakgate flame --help)", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return lg_cli_fail(LG_EXIT_USAGE, "flame: need exactly one FILE (see leakgate flame --help)");
	return -1;
}

int lg_cmd_flame(int argc, char **argv)
{
	struct flame_flags fl = { "-", NULL, NULL, 0, 0 };
	struct lg_flame f;
	struct lg_buf svg = LG_BUF_INIT;
	struct lg_err err;
	const char *unit = "goroutines";
	int ret;

	lg_flame_init(&f);
	ret = parse_flags(argc, argv, &fl);
	if (ret >= 0)
		goto out;
	ret = 0;
	if (build(&f, argv[optind], &fl, &unit, &err) < 0) {
		ret = lg_cli_fail(LG_EXIT_USAGE, "%s", err.msg);
		goto out;
	}
	{
		struct lg_flame_svg_opts o = { fl.width, fl.title ? fl.title : argv[optind], unit, 1, "flame" };

		lg_flame_svg(&f, &o, &svg);
	}
	if (!strcmp(fl.output, "-")) {
		if (fwrite(svg.buf, 1, svg.len, stdout) != svg.len)
			ret = lg_cli_fail(LG_EXIT_ENV, "writing output failed");
	} else if (lg_write_file_atomic(fl.output, svg.buf, svg.len, &err) < 0) {
		ret = lg_cli_fail(LG_EXIT_ENV, "%s", err.msg);
	}
out:
	lg_flame_release(&f);
	lg_buf_release(&svg);
	return ret;
}
