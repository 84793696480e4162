/*
 * fuzz_json.c — libFuzzer target for the JSON readers of untrusted files:
 * baselines (a file per package, possibly fetched over HTTP), saved run
 * reports (`leakgate report`/`merge`), the config file and the hook's
 * manifest (written by code running inside the user's test binary).
 *
 * The first input byte picks the reader; the rest is the document.  Readers
 * that take a path get it through a file in a private temporary directory.
 * Each must either succeed or fail with a message naming its input — never
 * crash, leak or return an error without a message.  Seed corpus:
 * baselines/ and schema/ (JSON documents of every shape).
 */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baseline.h"
#include "config.h"
#include "hook_manifest.h"
#include "model.h"
#include "json.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *tmpdir;

static int put(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(data, 1, size, f) == size;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static void must_explain(int rc, const struct lg_err *err)
{
	if (rc < 0 && !err->msg[0])
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lg_err err;
	char *path = NULL;
	int which, rc;

	if (size < 1)
		return 0;
	if (!tmpdir) {
		char tmpl[] = "/tmp/lg-fuzz-json-XXXXXX";

		if (!mkdtemp(tmpl))
			return 0;
		tmpdir = lg_xstrdup(tmpl);
	}
	which = data[0] % 4;
	data++, size--;
	memset(&err, 0, sizeof(err));
	switch (which) {
	case 0: {
		struct lg_baseline b;

		lg_baseline_init(&b);
		rc = lg_baseline_parse(&b, (const char *)data, size, "fuzz.json", &err);
		must_explain(rc, &err);
		lg_baseline_release(&b);
		break;
	}
	case 1: {
		struct lg_run run;

		path = lg_xasprintf("%s/run.json", tmpdir);
		if (put(path, data, size))
			break;
		memset(&run, 0, sizeof(run));
		rc = lg_json_read_report(&run, path, &err);
		must_explain(rc, &err);
		lg_run_release(&run);
		break;
	}
	case 2: {
		struct lg_config c;

		path = lg_xasprintf("%s/leakgate.json", tmpdir);
		if (put(path, data, size))
			break;
		lg_config_init(&c);
		rc = lg_config_load(&c, path, 0, &err);
		must_explain(rc, &err);
		lg_config_release(&c);
		break;
	}
	default: {
		struct lg_hook_manifest m;

		path = lg_xasprintf("%s/hook.json", tmpdir);
		if (put(path, data, size))
			break;
		memset(&m, 0, sizeof(m));
		rc = lg_hook_read_manifest(tmpdir, &m, &err);
		must_explain(rc, &err);
		lg_hook_manifest_release(&m);
		break;
	}
	}
	if (path)
		unlink(path);
	free(path);
	return 0;
}
