/*
 * cmd_hook.c — `leakgate hook vendor DIR`: writes the hook module
 * (leakgate.dev/leakgatehook: go.mod, core.go, api.go) into the user's
 * repository, byte for byte as this leakgate embeds it, so that a package
 * with its own TestMain can import the hook through a `replace` to a path
 * inside the repository instead of one developer's checkout of leakgate.
 *
 * Files that already hold the embedded bytes are left alone; a file that
 * differs (an older leakgate's hook, local edits) is an error unless
 * --force, so a vendored copy never changes behind the user's back.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "gate.h"
#include "help.h"
#include "hook.h"
#include "util.h"

#define HOOK_MODULE "leakgate.dev/leakgatehook"
#define MAX_EXISTING (4 << 20)

struct hook_file {
	const char *name;
	const unsigned char *src;
	const size_t *len;
};

static const struct hook_file hook_files[] = {
	{ "go.mod", lg_hook_gomod_src, &lg_hook_gomod_src_len },
	{ "core.go", lg_hook_go_src, &lg_hook_go_src_len },
	{ "api.go", lg_hook_api_src, &lg_hook_api_src_len },
};

/*
 * Writes one file into dir unless it already holds the embedded bytes.
 * Returns 1 written, 0 unchanged, or -1 with err (it differs and !force,
 * or it cannot be written).
 */
static int write_one(const char *dir, const struct hook_file *hf, int force, struct lg_err *err)
{
	struct lg_buf old;
	struct lg_err ignored;
	char *path = lg_xasprintf("%s/%s", dir, hf->name);
	int ret;

	lg_buf_init(&old);
	if (lg_read_file(path, MAX_EXISTING, &old, &ignored) == 0) {
		if (old.len == *hf->len && !memcmp(old.buf, hf->src, old.len)) {
			ret = 0;
			goto out;
		}
		if (!force) {
			ret = lg_error(err, "'%s' differs from this leakgate's hook "
					    "(--force overwrites it)", path);
			goto out;
		}
	}
	ret = lg_write_file_atomic(path, hf->src, *hf->len, err) ? -1 : 1;
out:
	lg_buf_release(&old);
	free(path);
	return ret;
}

/* The `replace` target for dir: "./rel" inside the module at root, else absolute. */
static char *replace_path(const char *dir, const char *root)
{
	char real_dir[PATH_MAX], real_root[PATH_MAX];
	size_t n;

	if (!realpath(dir, real_dir))
		return lg_xstrdup(dir);
	if (!root || !realpath(root, real_root))
		return lg_xstrdup(real_dir);
	n = strlen(real_root);
	if (!strncmp(real_dir, real_root, n) && real_dir[n] == '/')
		return lg_xasprintf("./%s", real_dir + n + 1);
	return lg_xstrdup(real_dir);
}

static int cmd_vendor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct lg_err err;
	char *root = NULL, *target = NULL;
	const char *dir;
	int c, force = 0, written = 0, ret = LG_EXIT_OK;
	size_t i;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(lg_help_hook, stdout);
			return LG_EXIT_OK;
		}
		if (c != 'f')
			return lg_cli_fail(LG_EXIT_USAGE, "hook vendor: unknown option '%s' (see "
					   "leakgate hook --help)", argv[optind - 1]);
		force = 1;
	}
	if (optind + 1 != argc)
		return lg_cli_fail(LG_EXIT_USAGE, "hook vendor: need exactly one DIR");
	dir = argv[optind];
	if (lg_mkdir_p(dir, 0755, &err))
		return lg_cli_fail(LG_EXIT_ENV, "%s", err.msg);
	for (i = 0; i < LG_ARRAY_SIZE(hook_files); i++) {
		int r = write_one(dir, &hook_files[i], force, &err);

		if (r < 0) {
			ret = lg_cli_fail(LG_EXIT_ENV, "%s", err.msg);
			goto out;
		}
		written += r;
	}
	root = lg_gate_module_root();
	target = replace_path(dir, root);
	printf("%s: %s the hook module %s (hook protocol %d, leakgate %s)\n", dir,
	       written ? "wrote" : "already holds", HOOK_MODULE, LG_HOOK_PROTOCOL, LG_VERSION);
	printf("point your module at it (in %s):\n"
	       "  go mod edit -require=%s@v0.0.0 -replace=%s=%s\n",
	       root ? root : "your module root", HOOK_MODULE, HOOK_MODULE, target);
	if (target[0] == '/')
		printf("note: %s is outside the module in the current directory; a replace to an "
		       "absolute path works on this machine only\n", target);
out:
	free(target);
	free(root);
	return ret;
}

int lg_cmd_hook(int argc, char **argv)
{
	if (argc < 2) {
		fputs(lg_help_hook, stderr);
		return LG_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(lg_help_hook, stdout);
		return LG_EXIT_OK;
	}
	if (!strcmp(argv[1], "vendor"))
		return cmd_vendor(argc - 1, argv + 1);
	return lg_cli_fail(LG_EXIT_USAGE, "hook: unknown subcommand '%s' (vendor)", argv[1]);
}
