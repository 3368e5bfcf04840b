/*
 * Whole files written at once (file_write.c).
 */
#ifndef LOCUST_CLI_FILE_WRITE_H
#define LOCUST_CLI_FILE_WRITE_H

#include <stddef.h>
#include <stdio.h>

/*
 * Writes a whole file through "<path>.tmp<pid>" and a rename, so that a
 * reader never sees half of it: `write` fills the stream and returns 0 or a
 * negative error. Returns 0, or a negative errno (or LOCUST_E*) with
 * "cannot write PATH: reason" in `err`. Every file locust-run writes goes
 * through it.
 */
int cli_write_file(const char *path, int (*write)(void *ctx, FILE *f), void *ctx, char *err, size_t errlen);

#endif /* LOCUST_CLI_FILE_WRITE_H */
