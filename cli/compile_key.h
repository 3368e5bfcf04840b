/*
 * The compile cache's key (compile.c): a 128-bit FNV-1a hash (a cache key,
 * not a security measure) of the command, the compiler, and every file the
 * compiler read. Which files those are is known only after a build, from
 * the compiler's own dependency output (-MD -MF), so each entry has a
 * manifest, keyed by the command and the source, that lists them; a later
 * run hashes the files listed, and a change in any of them (a header the
 * scenario includes, liblocust's headers, the system's) gives another key.
 */
#ifndef LOCUST_CLI_COMPILE_KEY_H
#define LOCUST_CLI_COMPILE_KEY_H

#include <stddef.h>

typedef unsigned __int128 cli_hash;

/* The FNV-1a offset basis. */
cli_hash cli_hash_init(void);
void cli_hash_bytes(cli_hash *h, const void *data, size_t n);
/* Hashes a string with its terminating NUL, so "ab","c" differs from "a","bc". */
void cli_hash_str(cli_hash *h, const char *s);
/* Hashes a file's content. Returns 0 or a negative errno. */
int cli_hash_file(cli_hash *h, const char *path);
/* Hashes what identifies an installed program: its real path, size and modification time. */
void cli_hash_program(cli_hash *h, const char *name);

/* A list of the files a build read, as absolute paths. */
typedef struct cli_deps {
    char **paths;
    size_t n;
} cli_deps;

/*
 * Reads the dependency file a compiler wrote with -MD -MF (make syntax: the
 * target, a colon, then the files, with "\ " for a blank in a name and
 * backslash-newline between lines). Relative paths are made absolute.
 * Returns 0 or a negative errno.
 */
int cli_deps_read_make(cli_deps *d, const char *path);
/* Writes the list as a manifest, one path per line, through a temporary file renamed into place. */
int cli_deps_write(const cli_deps *d, const char *path);
/* Reads a manifest written by cli_deps_write(). Returns 0 or a negative errno. */
int cli_deps_read(cli_deps *d, const char *path);
/* Hashes every listed file's path and content. Returns 0, or a negative errno when one cannot be read. */
int cli_deps_hash(cli_hash *h, const cli_deps *d);
void cli_deps_free(cli_deps *d);

#endif /* LOCUST_CLI_COMPILE_KEY_H */
