/*
 * cmd.h — the commands' entry points, which the dispatcher in main.c calls.
 * Each is defined in its own cmd_<name>.c; no command calls another.
 */
#ifndef LG_CMD_H
#define LG_CMD_H

#include "cli.h"

/* Each command: argv[0] is the command name. Returns an lg_exit code. */
int lg_cmd_run(int argc, char **argv);
int lg_cmd_baseline(int argc, char **argv);
int lg_cmd_diff(int argc, char **argv);
int lg_cmd_stacks(int argc, char **argv);
int lg_cmd_flame(int argc, char **argv);
int lg_cmd_merge(int argc, char **argv);
int lg_cmd_report(int argc, char **argv);
int lg_cmd_hook(int argc, char **argv);
int lg_cmd_soak(int argc, char **argv);
int lg_cmd_watch(int argc, char **argv);

#endif
