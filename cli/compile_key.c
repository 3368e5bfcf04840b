/*
 * The compile cache's key and the manifests of the files each build read.
 * See compile_key.h.
 */
#include "compile_key.h"
#include "file_write.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Largest file hashed. */
#define MAX_HASHED_FILE (64 * 1024 * 1024)
/* Most files in a dependency list (a C++ scenario may read a few hundred headers). */
#define MAX_DEPS 16384
/* Largest dependency file or manifest read. */
#define MAX_LIST_BYTES (16 * 1024 * 1024)

cli_hash cli_hash_init(void)
{
    return ((cli_hash)0x6c62272e07bb0142ULL << 64) | 0x62b821756295c58dULL;
}

void cli_hash_bytes(cli_hash *h, const void *data, size_t n)
{
    const cli_hash prime = ((cli_hash)1 << 88) + 0x13b;
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        *h ^= p[i];
        *h *= prime;
    }
}

void cli_hash_str(cli_hash *h, const char *s)
{
    cli_hash_bytes(h, s, strlen(s) + 1);
}

int cli_hash_file(cli_hash *h, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -errno;
    char buf[65536];
    size_t n, total = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        cli_hash_bytes(h, buf, n);
        total += n;
        if (total > MAX_HASHED_FILE) {
            fclose(f);
            return -EFBIG;
        }
    }
    int err = ferror(f) ? -EIO : 0;
    fclose(f);
    return err;
}

/*
 * Cheaper than running `cc --version` on every run, and it changes when the
 * compiler is upgraded.
 */
void cli_hash_program(cli_hash *h, const char *name)
{
    char path[PATH_MAX], real[PATH_MAX];
    const char *found = NULL;
    if (strchr(name, '/')) {
        found = name;
    } else {
        const char *env = getenv("PATH");
        for (const char *p = env ? env : "/usr/bin:/bin"; *p;) {
            size_t n = strcspn(p, ":");
            if (snprintf(path, sizeof path, "%.*s/%s", (int)n, p, name) < (int)sizeof path &&
                access(path, X_OK) == 0) {
                found = path;
                break;
            }
            p += n + (p[n] == ':');
        }
    }
    struct stat st;
    if (!found || !realpath(found, real) || stat(real, &st) != 0) {
        cli_hash_str(h, name);
        return;
    }
    char id[PATH_MAX + 64];
    snprintf(id, sizeof id, "%s %lld %lld.%09ld", real, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
             st.st_mtim.tv_nsec);
    cli_hash_str(h, id);
}

/* ---- dependency lists ------------------------------------------------------------------ */

void cli_deps_free(cli_deps *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->paths[i]);
    free(d->paths);
    d->paths = NULL;
    d->n = 0;
}

/* Appends a path (made absolute against the current folder). */
static int deps_add(cli_deps *d, const char *p, size_t len, const char *cwd)
{
    if (d->n >= MAX_DEPS) return -E2BIG;
    if (d->n % 64 == 0) {
        char **v = realloc(d->paths, (d->n + 64) * sizeof *v);
        if (!v) return -ENOMEM;
        d->paths = v;
    }
    bool rel = p[0] != '/';
    size_t need = len + (rel ? strlen(cwd) + 1 : 0) + 1;
    char *s = malloc(need);
    if (!s) return -ENOMEM;
    snprintf(s, need, "%s%s%.*s", rel ? cwd : "", rel ? "/" : "", (int)len, p);
    d->paths[d->n++] = s;
    return 0;
}

/* Reads a whole (bounded) file into a NUL-terminated buffer. */
static char *slurp(const char *path, int *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *err = -errno;
        return NULL;
    }
    size_t cap = 8192, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (len + 1 >= cap) {
            char *b = cap < MAX_LIST_BYTES ? realloc(buf, cap * 2) : NULL;
            if (!b) {
                free(buf);
                buf = NULL;
                *err = cap < MAX_LIST_BYTES ? -ENOMEM : -EFBIG;
                break;
            }
            buf = b;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - 1 - len, f);
        if (n == 0) break;
        len += n;
    }
    if (buf) buf[len] = '\0';
    if (!buf && !*err) *err = -ENOMEM;
    fclose(f);
    return buf;
}

int cli_deps_read_make(cli_deps *d, const char *path)
{
    int err = 0;
    d->paths = NULL;
    d->n = 0;
    char *text = slurp(path, &err), cwd[PATH_MAX];
    if (!text) return err;
    if (!getcwd(cwd, sizeof cwd)) {
        free(text);
        return -errno;
    }
    /* The target ends at the first ": " (a path may hold a colon, not ": "). */
    char *p = strstr(text, ": ");
    if (!p) p = strstr(text, ":\n");
    if (!p) {
        free(text);
        return -EPROTO;
    }
    p++;
    char word[PATH_MAX];
    while (*p && !err) {
        size_t n = 0;
        while (*p == ' ' || *p == '\t' || *p == '\n' || (*p == '\\' && p[1] == '\n'))
            p += *p == '\\' ? 2 : 1;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && !(*p == '\\' && p[1] == '\n')) {
            if (*p == '\\' && (p[1] == ' ' || p[1] == '#' || p[1] == '\\'))
                p++;
            else if (*p == '$' && p[1] == '$')
                p++;
            if (n + 1 < sizeof word) word[n++] = *p;
            p++;
        }
        if (n) err = deps_add(d, word, n, cwd);
    }
    free(text);
    if (err) cli_deps_free(d);
    return err;
}

static int deps_lines(void *udata, FILE *f)
{
    const cli_deps *d = udata;
    for (size_t i = 0; i < d->n; i++)
        fprintf(f, "%s\n", d->paths[i]);
    return 0;
}

int cli_deps_write(const cli_deps *d, const char *path)
{
    char err[PATH_MAX + 256]; /* the caller words its own message from the code */
    return cli_write_file(path, deps_lines, (void *)d, err, sizeof err);
}

int cli_deps_read(cli_deps *d, const char *path)
{
    int err = 0;
    d->paths = NULL;
    d->n = 0;
    char *text = slurp(path, &err);
    if (!text) return err;
    for (char *line = text; *line && !err;) {
        size_t n = strcspn(line, "\n");
        if (n) err = line[0] == '/' ? deps_add(d, line, n, "") : -EPROTO;
        line += n + (line[n] == '\n');
    }
    free(text);
    if (err) cli_deps_free(d);
    return err;
}

int cli_deps_hash(cli_hash *h, const cli_deps *d)
{
    for (size_t i = 0; i < d->n; i++) {
        cli_hash_str(h, d->paths[i]);
        int err = cli_hash_file(h, d->paths[i]);
        if (err) return err;
    }
    return 0;
}
