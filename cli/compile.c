/*
 * Compiling a scenario source (-f x.c) into a shared object with the system
 * compiler, and caching the result. The cache key (compile_key.h) hashes
 * the command with its flags, the compiler, the library and ABI versions,
 * and every file the compiler read, as its dependency output lists them:
 * the source, the headers it includes (its own, liblocust's, the system's).
 * A change in any of them builds the scenario again.
 *
 * Scenarios are built with -fstack-clash-protection: a function with a
 * big frame (a large local array) then touches its stack a page at a time,
 * so that it faults in the user's guard region, and is reported as a stack
 * overflow, instead of jumping over it into another user's stack.
 *
 * Entries are written under a temporary name and renamed into place, so a
 * run never loads a half-written object, even with several runs at once.
 */
#include "compile_key.h"
#include "scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The compiler's output kept for an error message. */
#define MAX_OUTPUT (64 * 1024)
/* A compiler still running after this long is stopped. */
#define COMPILE_TIMEOUT_S 300
/* Most words in a compiler command line. */
#define MAX_ARGS 256

#ifndef LOCUST_CLI_BUILDDIR
#define LOCUST_CLI_BUILDDIR ""
#endif
#ifndef LOCUST_CLI_SRC_INCLUDEDIR
#define LOCUST_CLI_SRC_INCLUDEDIR ""
#endif
#ifndef LOCUST_CLI_INCLUDEDIR
#define LOCUST_CLI_INCLUDEDIR "/usr/local/include"
#endif

bool cli_is_source(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash)) return false;
    return !strcmp(dot, ".c") || !strcmp(dot, ".cc") || !strcmp(dot, ".cpp") || !strcmp(dot, ".cxx");
}

static bool is_cxx(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot && strcmp(dot, ".c") != 0;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* ---- running a program and capturing its output --------------------------------- */

/*
 * Runs argv with stdout and stderr captured into `out` (at most `outlen`-1
 * bytes kept). Returns the exit status (0..255), 127 if it could not be
 * started, or -1 if it timed out or crashed (`out` then says so).
 */
static int run_capture(char *const *argv, char *out, size_t outlen)
{
    int fds[2];
    out[0] = '\0';
    if (pipe2(fds, O_CLOEXEC) < 0) {
        snprintf(out, outlen, "pipe: %s\n", strerror(errno));
        return 127;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(out, outlen, "fork: %s\n", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return 127;
    }
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        dup2(fds[1], STDERR_FILENO);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0) dup2(null, STDIN_FILENO);
        execvp(argv[0], argv);
        dprintf(STDERR_FILENO, "cannot run '%s': %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    size_t have = 0;
    time_t deadline = time(NULL) + COMPILE_TIMEOUT_S;
    bool timed_out = false;
    for (;;) {
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        int left = (int)(deadline - time(NULL));
        if (left <= 0) {
            timed_out = true;
            break;
        }
        int rc = poll(&p, 1, left * 1000);
        if (rc < 0 && errno == EINTR) continue;
        if (rc <= 0) {
            timed_out = rc == 0;
            break;
        }
        char buf[4096];
        ssize_t n = read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        /* Keep the head of the output (the first errors matter most), drain the rest. */
        size_t keep = have + 1 < outlen ? outlen - 1 - have : 0;
        if ((size_t)n < keep) keep = (size_t)n;
        memcpy(out + have, buf, keep);
        have += keep;
        out[have] = '\0';
    }
    close(fds[0]);
    if (timed_out) kill(pid, SIGKILL);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) {
        snprintf(out + have, outlen - have, "\n(stopped after %d s)\n", COMPILE_TIMEOUT_S);
        return -1;
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    snprintf(out + have, outlen - have, "\n(killed by signal %d)\n", WTERMSIG(status));
    return -1;
}

/* Splits `s` at blanks into argv (no quoting, as make's $(CC) splitting). */
static size_t split_words(char *s, char **argv, size_t max)
{
    size_t n = 0;
    for (char *save = NULL, *w = strtok_r(s, " \t\n", &save); w && n < max;
         w = strtok_r(NULL, " \t\n", &save))
        argv[n++] = w;
    return n;
}

/* ---- where things are --------------------------------------------------------------- */

int cli_cache_dir(char *out, size_t len)
{
    const char *env = getenv("LOCUST_CACHE_DIR");
    if (env && *env) return snprintf(out, len, "%s", env) < (int)len ? 0 : -1;
    env = getenv("XDG_CACHE_HOME");
    if (env && *env == '/') return snprintf(out, len, "%s/liblocust", env) < (int)len ? 0 : -1;
    env = getenv("HOME");
    if (env && *env) return snprintf(out, len, "%s/.cache/liblocust", env) < (int)len ? 0 : -1;
    return -1;
}

/* mkdir -p with mode 0700 for the folders it creates. */
static int make_dirs(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return -ENAMETOOLONG;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0700) < 0 && errno != EEXIST) return -errno;
        *p = '/';
    }
    if (mkdir(buf, 0700) < 0 && errno != EEXIST) return -errno;
    return access(buf, W_OK | X_OK) == 0 ? 0 : -errno;
}

/*
 * A private cache in $TMPDIR for when the usual one cannot be written (a
 * read-only home): it must be a folder of ours that nobody else can write.
 */
static int private_tmp_cache(char *out, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(out, len, "%s/liblocust-cache-%ld", tmp && *tmp ? tmp : "/tmp", (long)getuid());
    if (mkdir(out, 0700) < 0 && errno != EEXIST) return -errno;
    struct stat st;
    if (lstat(out, &st) < 0) return -errno;
    if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 022)) return -EPERM;
    return 0;
}

/* The real path of this program (the binary, not a libtool wrapper script). */
static bool self_path(char *out, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", out, len - 1);
    if (n <= 0) return false;
    out[n] = '\0';
    return true;
}

static bool has_header(const char *dir)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/locust/locust.h", dir);
    return *dir && file_exists(path);
}

/* The include folder, or "" when only pkg-config knows. */
static int include_dir(char *dir, size_t len, char *err, size_t errlen)
{
    const char *env = getenv("LOCUST_INCLUDE_DIR");
    if (env && *env) {
        if (!has_header(env)) {
            snprintf(err, errlen, "LOCUST_INCLUDE_DIR=%s has no locust/locust.h", env);
            return -1;
        }
        snprintf(dir, len, "%s", env);
        return 0;
    }
    char exe[PATH_MAX], build[PATH_MAX];
    if (self_path(exe, sizeof exe)) {
        /* Run from its build tree: use the headers of the source tree it was built from. */
        if (*LOCUST_CLI_BUILDDIR && realpath(LOCUST_CLI_BUILDDIR, build)) {
            size_t bl = strlen(build);
            if (strncmp(exe, build, bl) == 0 && exe[bl] == '/' && has_header(LOCUST_CLI_SRC_INCLUDEDIR)) {
                snprintf(dir, len, "%s", LOCUST_CLI_SRC_INCLUDEDIR);
                return 0;
            }
        }
        /* Installed: <prefix>/bin/locust-run next to <prefix>/include (also under a DESTDIR). */
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char cand[PATH_MAX + 16];
            snprintf(cand, sizeof cand, "%s/../include", exe);
            if (has_header(cand) && realpath(cand, build)) {
                snprintf(dir, len, "%s", build);
                return 0;
            }
        }
    }
    if (has_header(LOCUST_CLI_INCLUDEDIR)) {
        snprintf(dir, len, "%s", LOCUST_CLI_INCLUDEDIR);
        return 0;
    }
    dir[0] = '\0';
    return 0;
}

int cli_include_flags(char *out, size_t len, char *err, size_t errlen)
{
    char dir[PATH_MAX];
    if (include_dir(dir, sizeof dir, err, errlen)) return -1;
    if (*dir) return snprintf(out, len, "-I%s", dir) < (int)len ? 0 : -1;
    char *argv[] = {"pkg-config", "--cflags", "liblocust", NULL};
    char buf[4096];
    if (run_capture(argv, buf, sizeof buf) == 0) {
        buf[strcspn(buf, "\n")] = '\0';
        return snprintf(out, len, "%s", buf) < (int)len ? 0 : -1;
    }
    snprintf(err, errlen,
             "cannot find liblocust's headers (locust/locust.h) to compile the scenario: set "
             "LOCUST_INCLUDE_DIR to the folder that holds locust/");
    return -1;
}

/* ---- compiling ----------------------------------------------------------------------- */

/* The stem of a cache entry's name: the source's base name, made safe. */
static void entry_stem(const char *src, char *out, size_t len)
{
    const char *base = strrchr(src, '/');
    base = base ? base + 1 : src;
    size_t n = 0;
    for (; base[n] && base[n] != '.' && n + 1 < len && n < 64; n++) {
        char c = base[n];
        out[n] =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ? c : '_';
    }
    out[n] = '\0';
}

/* The cache folder, or a private one in $TMPDIR when it cannot be written. */
static int cache_folder(const char *src, char *dir, size_t len, char *err, size_t errlen)
{
    if (cli_cache_dir(dir, len) == 0 && make_dirs(dir) == 0) return 0;
    char fallback[PATH_MAX];
    int e = private_tmp_cache(fallback, sizeof fallback);
    if (e) {
        snprintf(err, errlen,
                 "%s: no folder to compile into: neither %s nor %s can be written (%s); set "
                 "LOCUST_CACHE_DIR",
                 src, *dir ? dir : "~/.cache/liblocust", fallback, strerror(-e));
        return -1;
    }
    locust_log(LOCUST_LOG_WARNING, "locust.main", "Cannot write the cache folder %s; using %s", dir,
               fallback);
    snprintf(dir, len, "%s", fallback);
    return 0;
}

/* "<dir>/<stem>-<key>.so". */
static int entry_path(char *so, size_t solen, const char *dir, const char *stem, cli_hash key)
{
    if (snprintf(so, solen, "%s/%s-%016llx%016llx.so", dir, stem, (unsigned long long)(key >> 64),
                 (unsigned long long)key) < (int)solen)
        return 0;
    errno = ENAMETOOLONG;
    return -1;
}

/* Runs the compiler; returns 0, or -1 with its output in `err`. */
static int run_compiler(const char *src, char *const *argv, char *err, size_t errlen)
{
    char *output = malloc(MAX_OUTPUT);
    if (!output) {
        snprintf(err, errlen, "%s: out of memory", src);
        return -1;
    }
    int status = run_capture(argv, output, MAX_OUTPUT);
    if (status != 0) {
        if (status == 127 && strstr(output, "cannot run '"))
            snprintf(err, errlen, "%s: cannot compile: %s(set %s to the compiler to use)", src, output,
                     is_cxx(src) ? "CXX" : "CC");
        else
            snprintf(err, errlen, "%s: compilation failed (%s exited with status %d):\n%s", src, argv[0],
                     status, output);
        free(output);
        return -1;
    }
    /* Warnings are worth seeing even when the build works. */
    if (output[0]) locust_log(LOCUST_LOG_WARNING, "locust.main", "Compiler output for %s:\n%s", src, output);
    free(output);
    return 0;
}

int cli_compile(const char *src, char *so, size_t solen, bool *from_cache, char *err, size_t errlen)
{
    *from_cache = false;
    /* The command: compiler, our flags, the include flags, the user's flags. */
    char cc_buf[1024], inc_dir[PATH_MAX + 2], inc_buf[4096], user_buf[4096];
    const char *cc = getenv(is_cxx(src) ? "CXX" : "CC");
    snprintf(cc_buf, sizeof cc_buf, "%s", cc && *cc ? cc : is_cxx(src) ? "c++" : "cc");
    inc_buf[0] = '\0';
    if (include_dir(inc_dir + 2, sizeof inc_dir - 2, err, errlen)) return -1;
    if (!inc_dir[2] && cli_include_flags(inc_buf, sizeof inc_buf, err, errlen)) return -1;
    const char *user = getenv("LOCUST_CFLAGS");
    snprintf(user_buf, sizeof user_buf, "%s", user ? user : "");

    char *argv[MAX_ARGS + 8];
    size_t n = split_words(cc_buf, argv, 16), n_cc = n;
    if (n == 0) {
        snprintf(err, errlen, "%s: cannot compile: the compiler command ($%s) is empty", src,
                 is_cxx(src) ? "CXX" : "CC");
        return -1;
    }
    static char shared[] = "-shared", fpic[] = "-fPIC", opt[] = "-O2", dbg[] = "-g", dash_o[] = "-o",
                clash[] = "-fstack-clash-protection";
    argv[n++] = shared;
    argv[n++] = fpic;
    argv[n++] = opt;
    argv[n++] = dbg;
    argv[n++] = clash;
    /* A known folder is one word (it may hold blanks); pkg-config's flags are split. */
    if (inc_dir[2]) {
        inc_dir[0] = '-', inc_dir[1] = 'I';
        argv[n++] = inc_dir;
    } else {
        n += split_words(inc_buf, argv + n, 64);
    }
    size_t n_flags = n;
    argv[n++] = (char *)src;
    n += split_words(user_buf, argv + n, MAX_ARGS - n);

    /* The command's key: versions, the command (without the output path), the compiler, the source. */
    cli_hash h = cli_hash_init();
    char ver[64];
    snprintf(ver, sizeof ver, "liblocust %s api %d", locust_version(), LOCUST_API_VERSION);
    cli_hash_str(&h, ver);
    for (size_t i = 0; i < n; i++)
        cli_hash_str(&h, i == n_flags ? "<source>" : argv[i]);
    /* The same compiler name may be another compiler after an upgrade. */
    for (size_t i = 0; i < n_cc; i++)
        cli_hash_program(&h, argv[i]);
    int rc = cli_hash_file(&h, src);
    if (rc) {
        snprintf(err, errlen, "%s: cannot read the source: %s", src, strerror(-rc));
        return -1;
    }

    char dir[PATH_MAX], stem[80], manifest[PATH_MAX + 128];
    if (cache_folder(src, dir, sizeof dir, err, errlen)) return -1;
    entry_stem(src, stem, sizeof stem);
    snprintf(manifest, sizeof manifest, "%s/%s-%016llx%016llx.deps", dir, stem, (unsigned long long)(h >> 64),
             (unsigned long long)h);
    /* The files the last build of this command read, hashed as they are now. */
    cli_deps deps;
    cli_hash full = h;
    if (cli_deps_read(&deps, manifest) == 0) {
        rc = cli_deps_hash(&full, &deps);
        cli_deps_free(&deps);
        if (rc == 0 && entry_path(so, solen, dir, stem, full) == 0 && file_exists(so)) {
            *from_cache = true;
            locust_log(LOCUST_LOG_DEBUG, "locust.main", "Using the cached build of %s: %s", src, so);
            return 0;
        }
    }

    char tmp[sizeof manifest + 32], dfile[sizeof manifest + 32];
    snprintf(tmp, sizeof tmp, "%s.tmp%ld.so", manifest, (long)getpid());
    snprintf(dfile, sizeof dfile, "%s.tmp%ld.d", manifest, (long)getpid());
    static char md[] = "-MD", mf[] = "-MF";
    argv[n++] = md;
    argv[n++] = mf;
    argv[n++] = dfile;
    argv[n++] = dash_o;
    argv[n++] = tmp;
    argv[n] = NULL;
    locust_log(LOCUST_LOG_INFO, "locust.main", "Compiling %s", src);
    if (run_compiler(src, argv, err, errlen)) {
        unlink(tmp);
        unlink(dfile);
        return -1;
    }
    /* The entry's key covers every file the compiler read. Without a usable
     * list the entry gets no manifest, so the next run builds it again. */
    full = h;
    rc = cli_deps_read_make(&deps, dfile);
    unlink(dfile);
    bool listed = rc == 0 && cli_deps_hash(&full, &deps) == 0;
    if (!listed) {
        full = h;
        cli_hash_str(&full, "<no dependency list>");
    }
    if (entry_path(so, solen, dir, stem, full) || rename(tmp, so) < 0) {
        int e = errno;
        unlink(tmp);
        snprintf(err, errlen, "%s: cannot store the build in %s: %s", src, so, strerror(e));
        if (rc == 0) cli_deps_free(&deps);
        return -1;
    }
    if (listed && (rc = cli_deps_write(&deps, manifest)) != 0)
        locust_log(LOCUST_LOG_WARNING, "locust.main", "Cannot write %s: %s (%s will be compiled again)",
                   manifest, strerror(-rc), src);
    if (rc == 0) cli_deps_free(&deps);
    return 0;
}
