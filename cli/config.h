/*
 * Locust 2.x's configuration sources for locust-run: config files and
 * LOCUST_* environment variables (see config.c for the format and order).
 */
#ifndef LOCUST_CLI_CONFIG_H
#define LOCUST_CLI_CONFIG_H

#include <stddef.h>

/*
 * Builds the argument vector to parse: the options of ~/.locust.conf,
 * ./locust.conf and --config FILE, then of the LOCUST_* variables, then
 * argv[1..]. Returns 0 with a NULL-terminated vector that lives until the
 * program ends, or -1 with a message naming the file and line (or variable)
 * at fault in `err` (a usage error: exit status 2).
 */
int cli_config_argv(int argc, char **argv, int *out_argc, char ***out_argv, char *err, size_t errlen);
/* Frees what cli_config_argv() made of a command line of `argc` arguments. */
void cli_config_argv_free(int all_argc, char **all_argv, int argc);
/*
 * After cli_options_parse() failed on the vector cli_config_argv() made:
 * when the argument at fault came from a file or a variable, puts
 * "FILE:LINE: " or "LOCUST_X: " before the message in `err`.
 */
void cli_config_blame(int argc, char **argv, char *err, size_t errlen);

#endif /* LOCUST_CLI_CONFIG_H */
