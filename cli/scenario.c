/*
 * Finding and loading the scenario. A scenario is a shared object that
 * exports a `locust_scenario` record (LOCUST_SCENARIO in locust.h); a source
 * file is compiled into one first (compile.c). Each way this can go wrong
 * has its own message naming the file, since it is the first thing a new
 * user of locust-run runs into.
 */
#include "scenario.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool known_extension(const char *name)
{
    const char *dot = strrchr(name, '.');
    const char *slash = strrchr(name, '/');
    return dot && (!slash || dot > slash) && (strcmp(dot, ".so") == 0 || cli_is_source(name));
}

/* The names to try for -f NAME, in order (NAME is shorter than PATH_MAX - 4). */
static size_t candidates(const char *name, char out[3][PATH_MAX])
{
    static const char *const suffixes[] = {".so", ".c", ""};
    size_t n = known_extension(name) ? 1 : 3;
    for (size_t i = 0; i < n; i++)
        if (snprintf(out[i], PATH_MAX, "%s%s", name, n == 1 ? "" : suffixes[i]) >= PATH_MAX) out[i][0] = '\0';
    return n;
}

char *cli_find_locustfile(const char *name, char *err, size_t errlen)
{
    char names[3][PATH_MAX], path[PATH_MAX * 2 + 2];
    if (!name || !*name) {
        snprintf(err, errlen, "Could not find any locustfile! The name given with -f is empty.");
        return NULL;
    }
    if (strlen(name) >= PATH_MAX - 8) {
        snprintf(err, errlen, "Could not find any locustfile! The name given with -f is too long.");
        return NULL;
    }
    /* Expand "~/" as the shell would have. */
    char expanded[PATH_MAX];
    const char *home = getenv("HOME");
    if (strncmp(name, "~/", 2) == 0 && home)
        snprintf(expanded, sizeof expanded, "%s/%s", home, name + 2);
    else
        snprintf(expanded, sizeof expanded, "%s", name);
    size_t n = candidates(expanded, names);
    const char *tried = n == 1 ? "" : " (also with .so and .c appended)";

    if (strchr(expanded, '/')) {
        for (size_t i = 0; i < n; i++)
            if (names[i][0] && regular_file(names[i])) return realpath(names[i], NULL);
        snprintf(
            err, errlen,
            "Could not find any locustfile! '%s' does not exist%s. Ensure the file ends in '.so' or '.c' "
            "and see --help for available options.",
            name, tried);
        return NULL;
    }
    /* A bare name: the current folder, then each parent up to the root. */
    char dir[PATH_MAX], cwd[PATH_MAX];
    if (!getcwd(dir, sizeof dir)) {
        snprintf(err, errlen, "Could not find any locustfile! Cannot read the current folder: %s",
                 strerror(errno));
        return NULL;
    }
    snprintf(cwd, sizeof cwd, "%s", dir);
    for (;;) {
        for (size_t i = 0; i < n; i++) {
            if (snprintf(path, sizeof path, "%s/%s", strcmp(dir, "/") ? dir : "", names[i]) >=
                (int)sizeof path)
                continue;
            if (names[i][0] && regular_file(path)) return realpath(path, NULL);
        }
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir) {
            if (strcmp(dir, "/") == 0) break;
            strcpy(dir, "/");
            continue;
        }
        *slash = '\0';
    }
    snprintf(
        err, errlen,
        "Could not find any locustfile! No '%s'%s in %s or its parent folders. Ensure the file ends in '.so' "
        "or '.c' and see --help for available options.",
        name, tried, cwd);
    return NULL;
}

static int load_error(cli_scenario *sc, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int load_error(cli_scenario *sc, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    cli_scenario_close(sc);
    return -1;
}

int cli_scenario_load(cli_scenario *sc, const char *path, char *err, size_t errlen)
{
    memset(sc, 0, sizeof *sc);
    sc->path = strdup(path);
    if (!sc->path) return load_error(sc, err, errlen, "%s: out of memory", path);
    if (cli_is_source(path)) {
        char so[PATH_MAX];
        if (cli_compile(path, so, sizeof so, &sc->from_cache, err, errlen)) {
            cli_scenario_close(sc);
            return -1;
        }
        sc->so_path = strdup(so);
    } else {
        sc->so_path = strdup(path);
    }
    if (!sc->so_path) return load_error(sc, err, errlen, "%s: out of memory", path);

    /* dlopen()'s message for a text file ("invalid ELF header") says less than this. */
    unsigned char magic[4] = {0};
    int fd = open(sc->so_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return load_error(sc, err, errlen, "%s: cannot open: %s", sc->so_path, strerror(errno));
    ssize_t got = read(fd, magic, sizeof magic);
    close(fd);
    if (got != 4 || memcmp(magic, "\177ELF", 4) != 0)
        return load_error(sc, err, errlen,
                          "%s: not a shared object (no ELF header). Give a scenario .so built with "
                          "LOCUST_SCENARIO, or its .c source to compile.",
                          path);
    dlerror();
    sc->handle = dlopen(sc->so_path, RTLD_NOW | RTLD_LOCAL);
    if (!sc->handle) {
        const char *why = dlerror();
        return load_error(sc, err, errlen, "%s: cannot load the shared object: %s", path,
                          why ? why : "unknown error");
    }
    sc->scenario = dlsym(sc->handle, LOCUST_SCENARIO_SYMBOL);
    if (!sc->scenario)
        return load_error(sc, err, errlen,
                          "%s: no '" LOCUST_SCENARIO_SYMBOL
                          "' symbol: declare the scenario with LOCUST_SCENARIO(init, "
                          "&class1, ...)",
                          path);
    /* api_version is the record's first field in every ABI version, so it can be read first. */
    if (sc->scenario->api_version != LOCUST_API_VERSION)
        return load_error(
            sc, err, errlen,
            "%s: built for liblocust scenario ABI version %d, but this locust-run (liblocust %s) "
            "uses ABI version %d: rebuild the scenario against this liblocust",
            path, sc->scenario->api_version, locust_version(), LOCUST_API_VERSION);
    size_t max = sizeof sc->classes / sizeof sc->classes[0];
    for (const locust_class *const *c = sc->scenario->classes; c && *c; c++) {
        if (sc->n_classes == max)
            return load_error(sc, err, errlen, "%s: more than %zu locust classes", path, max);
        sc->classes[sc->n_classes++] = *c;
    }
    return 0;
}

void cli_scenario_close(cli_scenario *sc)
{
    if (sc->handle) dlclose(sc->handle);
    free(sc->path);
    free(sc->so_path);
    sc->handle = NULL;
    sc->path = sc->so_path = NULL;
    sc->scenario = NULL;
    sc->n_classes = 0;
}
