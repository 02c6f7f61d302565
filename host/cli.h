/* cli.h: the subcommands of the ardiff program and small shared helpers. */
#ifndef ARDIFF_CLI_H
#define ARDIFF_CLI_H

#include "ardiff.h"

int cmd_devices(int argc, char **argv);
int cmd_selftest(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);

/* Prints "ardiff: <what>: <last error>" on one line (and a build log after it, if any). */
void cli_error(const char *what);

/* Collects every --device/-d value (several allowed, also "a,b") into spec (comma-joined). */
int cli_device_arg(int argc, char **argv, int *i, char *spec, size_t cap);

#endif
