/*
 * Loading a scenario for locust-run: finding the locustfile (as 0.9.0 looks
 * for locustfile.py), compiling a .c/.cpp source into a cached shared
 * object, dlopen()ing it and checking its locust_scenario record.
 */
#ifndef LOCUST_CLI_SCENARIO_H
#define LOCUST_CLI_SCENARIO_H

#include <locust/locust.h>
#include <stdbool.h>
#include <stddef.h>

/* A loaded scenario. */
typedef struct cli_scenario {
    char *path;    /* the locustfile found (absolute) */
    char *so_path; /* the shared object loaded (the cache entry for a source) */
    void *handle;  /* dlopen() handle */
    const locust_scenario *scenario;
    const locust_class *classes[1024]; /* the scenario's classes, in file order */
    size_t n_classes;
    bool from_cache; /* a source whose build was found in the cache */
} cli_scenario;

/*
 * Finds the locustfile `name` (-f): a name with a directory part is taken
 * as a path; a bare name is looked up in the current folder, then in each
 * parent. A name without a known extension (.so, .c, .cc, .cpp, .cxx) is
 * tried with ".so", then ".c" appended, before it is tried as it is.
 * Returns a malloc'd absolute path, or NULL with a message in `err`.
 */
char *cli_find_locustfile(const char *name, char *err, size_t errlen);

/*
 * Where compiled scenarios are kept: $LOCUST_CACHE_DIR, else
 * $XDG_CACHE_HOME/liblocust, else ~/.cache/liblocust. Writes it to `out`.
 */
int cli_cache_dir(char *out, size_t len);

/*
 * The folder that holds <locust/locust.h> for compiling scenarios:
 * $LOCUST_INCLUDE_DIR; else, when this program runs from its build tree,
 * the source tree's include/; else ../include next to the program, the
 * include dir configured at build time, or `pkg-config --cflags liblocust`.
 * Writes "-I<dir>" style flags to `out`. Returns 0 or -1 with `err`.
 */
int cli_include_flags(char *out, size_t len, char *err, size_t errlen);

/*
 * Loads the scenario at `path` (from cli_find_locustfile()). A source file
 * is compiled first, or taken from the cache when the same source was built
 * before with the same compiler, flags and library version. Returns 0, or
 * -1 with a message naming the file in `err` (compiler output included).
 */
int cli_scenario_load(cli_scenario *sc, const char *path, char *err, size_t errlen);

/* Unloads a scenario (the runner using its classes must be freed first). */
void cli_scenario_close(cli_scenario *sc);

/*
 * Compiles the source `src` into a shared object in the cache (see
 * cli_cache_dir()), unless an entry built from the same source, headers,
 * compiler, flags and library version is already there. Writes the path of
 * the shared object to `so` and sets *from_cache. Returns 0, or -1 with a
 * message naming the file in `err` (with the compiler's output).
 */
int cli_compile(const char *src, char *so, size_t solen, bool *from_cache, char *err, size_t errlen);

/* True when `path` names a source file locust-run compiles (.c, .cc, .cpp, .cxx). */
bool cli_is_source(const char *path);

#endif /* LOCUST_CLI_SCENARIO_H */
