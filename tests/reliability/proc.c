/* Child processes and numbers for the reliability tests; see proc.h. */
#include "proc.h"

#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char rely_tmpdir[512];

double rely_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void rely_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

char *rely_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) return NULL;
    size_t cap = 4096, n = 0;
    char *s = malloc(cap);
    for (size_t got; s != NULL && (got = fread(s + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (n + 1 == cap) {
            char *t = cap < (64u << 20) ? realloc(s, cap * 2) : NULL;
            if (t == NULL) break;
            s = t;
            cap *= 2;
        }
    }
    fclose(f);
    if (s != NULL) s[n] = '\0';
    return s;
}

int rely_count(const char *hay, const char *needle)
{
    int n = 0;
    size_t len = strlen(needle);
    for (const char *p = hay; len && (p = strstr(p, needle)) != NULL; p += len)
        n++;
    return n;
}

const char *rely_tmp(const char *name)
{
    static char bufs[8][1024];
    static unsigned next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", rely_tmpdir, name);
    return b;
}

const char *rely_build_path(const char *name)
{
    static char bufs[4][1024];
    static unsigned next;
    char *b = bufs[next++ % 4];
    const char *dir = getenv("LOCUST_BUILDDIR");
    snprintf(b, sizeof bufs[0], "%s/%s", dir && *dir ? dir : ".", name);
    return b;
}

const char *rely_scenario(void)
{
    static char path[1024];
    const char *dir = getenv("LOCUST_SRCDIR");
    snprintf(path, sizeof path, "%s/tests/reliability/rely.c", dir && *dir ? dir : ".");
    return path;
}

void rely_setup(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(rely_tmpdir, sizeof rely_tmpdir, "%s/locust-rely-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    ck_assert_msg(mkdtemp(rely_tmpdir) != NULL, "mkdtemp: %s", strerror(errno));
    rely_proc p;
    ck_assert_int_eq(rely_start_run(&p, NULL, 0, RELY_ARGS("--list")), 0);
    int rc = rely_wait(&p, 120);
    ck_assert_msg(rc == 0, "cannot build %s (exit %d):\n%s", rely_scenario(), rc, rely_tail(p.err));
    rely_free(&p);
}

void rely_teardown(void)
{
    if (!rely_tmpdir[0]) return;
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", rely_tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", rely_tmpdir);
    rely_tmpdir[0] = '\0';
}

int rely_start(rely_proc *p, const char *const *argv, const char *const *env, long nofile)
{
    static int seq;
    memset(p, 0, sizeof *p);
    p->status = -1;
    seq++;
    snprintf(p->out_path, sizeof p->out_path, "%.500s/proc%d-%d.out", rely_tmpdir, (int)getpid(), seq);
    snprintf(p->err_path, sizeof p->err_path, "%.500s/proc%d-%d.err", rely_tmpdir, (int)getpid(), seq);
    p->started = rely_now();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        /* The child must not outlive a test that crashed. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int out = open(p->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(p->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int in = open("/dev/null", O_RDONLY);
        if (out < 0 || err < 0 || in < 0) _exit(126);
        dup2(in, STDIN_FILENO);
        dup2(out, STDOUT_FILENO);
        dup2(err, STDERR_FILENO);
        for (size_t i = 0; env != NULL && env[i] != NULL; i++)
            putenv((char *)env[i]);
        if (nofile > 0) {
            struct rlimit rl = {(rlim_t)nofile, (rlim_t)nofile};
            if (setrlimit(RLIMIT_NOFILE, &rl) != 0) _exit(125);
        }
        /* Nothing but the standard descriptors goes to the child. */
        for (int fd = 3; fd < 1024; fd++)
            close(fd);
        execv(argv[0], (char *const *)argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    p->pid = pid;
    return 0;
}

int rely_start_run(rely_proc *p, const char *const *env, long nofile, const char *const *args)
{
    const char *argv[64] = {rely_build_path("locust-run"), "-f", rely_scenario()};
    size_t n = 3;
    for (size_t i = 0; args[i] != NULL && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    static char cache[600];
    snprintf(cache, sizeof cache, "LOCUST_CACHE_DIR=%s/cache", rely_tmpdir);
    const char *envv[32] = {cache};
    size_t m = 1;
    for (size_t i = 0; env != NULL && env[i] != NULL && m < 31; i++)
        envv[m++] = env[i];
    envv[m] = NULL;
    return rely_start(p, argv, envv, nofile);
}

static void reap(rely_proc *p, int status)
{
    p->ended = rely_now();
    p->pid = 0;
    p->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int rely_wait(rely_proc *p, double timeout)
{
    double until = rely_now() + timeout;
    while (p->pid > 0) {
        int status;
        pid_t r = waitpid(p->pid, &status, WNOHANG);
        if (r == p->pid) {
            reap(p, status);
            break;
        }
        if (rely_now() > until) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, &status, 0);
            p->pid = 0;
            p->ended = rely_now();
            p->status = -1;
            break;
        }
        rely_sleep_ms(10);
    }
    free(p->out);
    free(p->err);
    p->out = rely_slurp(p->out_path);
    p->err = rely_slurp(p->err_path);
    if (p->out == NULL) p->out = strdup("");
    if (p->err == NULL) p->err = strdup("");
    return p->status;
}

bool rely_alive(rely_proc *p)
{
    if (p->pid <= 0) return false;
    int status;
    if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
        reap(p, status);
        return false;
    }
    return true;
}

void rely_signal(rely_proc *p, int sig)
{
    if (p->pid > 0) kill(p->pid, sig);
}

void rely_free(rely_proc *p)
{
    if (p->pid > 0) rely_wait(p, 0);
    free(p->out);
    free(p->err);
    p->out = p->err = NULL;
    unlink(p->out_path);
    unlink(p->err_path);
}

/* ---- the numbers -------------------------------------------------------------------- */

bool rely_csv_row(const char *csv, const char *method, const char *name, rely_row *out)
{
    char key[600];
    snprintf(key, sizeof key, "\"%s\",\"%s\",", method, name);
    for (const char *p = csv; p != NULL && (p = strstr(p, key)) != NULL; p++) {
        if (p != csv && p[-1] != '\n') continue;
        memset(out, 0, sizeof *out);
        return sscanf(p + strlen(key), "%ld,%ld,%ld,%ld,%ld,%ld", &out->requests, &out->failures,
                      &out->median, &out->avg, &out->min, &out->max) == 6;
    }
    return false;
}

bool rely_begun_returned(const char *log, long *begun, long *returned)
{
    *begun = *returned = 0;
    bool any = false;
    for (const char *p = log; (p = strstr(p, "rely: ")) != NULL; p++) {
        long b, r;
        if (sscanf(p, "rely: %ld requests begun, %ld returned", &b, &r) == 2) {
            *begun += b;
            *returned += r;
            any = true;
        }
    }
    return any;
}

static size_t collect(char *p, size_t size, size_t n, void *udata)
{
    char *buf = udata;
    size_t have = strlen(buf), len = size * n;
    if (have + len >= 512) return 0;
    memcpy(buf + have, p, len);
    buf[have + len] = '\0';
    return len;
}

static long json_long(const char *body, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *p = strstr(body, k);
    return p ? strtol(p + strlen(k), NULL, 10) : -1;
}

bool rely_target_counts(locust_test_target *t, rely_counts *out)
{
    char body[512] = "";
    CURL *e = curl_easy_init();
    if (e == NULL) return false;
    curl_easy_setopt(e, CURLOPT_URL, locust_test_target_url(t, "/counter"));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(e);
    curl_easy_cleanup(e);
    out->requests = json_long(body, "requests");
    out->completed = json_long(body, "completed");
    out->server_errors = json_long(body, "server_errors");
    return rc == CURLE_OK && out->requests >= 0 && out->completed >= 0 && out->server_errors >= 0;
}

double rely_number_after(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    return p ? strtod(p + strlen(key), NULL) : -1;
}

const char *rely_tail(const char *text)
{
    if (text == NULL) return "";
    size_t n = strlen(text);
    return n > 3000 ? text + n - 3000 : text;
}
