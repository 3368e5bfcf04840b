/* Child processes for the process tests; see cli_proc.h. */
#include "cli_proc.h"

#include <check.h>
#include <limits.h>
#include <sys/stat.h>

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

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/*
 * dir/sub + name in one of 32 buffers used in turn: the tests pass paths
 * straight into argument lists, several per call, and never free them.
 */
static const char *joined(const char *dir, const char *sub, const char *name)
{
    static char bufs[32][4096];
    static unsigned next;
    char *b = bufs[next++ % 32];
    snprintf(b, sizeof bufs[0], "%s/%s%s", dir, sub, name);
    return b;
}

/* The value of environment variable `var`, or `fallback` when it is unset or empty. */
static const char *env_or(const char *var, const char *fallback)
{
    const char *v = getenv(var);
    return v && *v ? v : fallback;
}

const char *cli_build_path(const char *name)
{
    return joined(env_or("LOCUST_BUILDDIR", "."), "", name);
}

const char *cli_proc_locust_run(void)
{
    return cli_build_path("locust-run");
}

int cli_proc_start(cli_proc *p, const char *tmpdir, const char *cwd, const char *const *argv,
                   const char *const *env)
{
    return cli_proc_start_limited(p, tmpdir, cwd, argv, env, 0);
}

int cli_proc_start_limited(cli_proc *p, const char *tmpdir, const char *cwd, const char *const *argv,
                           const char *const *env, long nofile)
{
    static int seq;
    memset(p, 0, sizeof *p);
    p->status = -1;
    seq++;
    /*
     * The pid is in the names because Check forks every test from the same
     * parent: each child counts `seq` on from the same value, and tests that
     * share one folder (an unchecked fixture's) must not share files.
     */
    snprintf(p->out_path, sizeof p->out_path, "%.500s/proc%d-%d.out", tmpdir, (int)getpid(), seq);
    snprintf(p->err_path, sizeof p->err_path, "%.500s/proc%d-%d.err", tmpdir, (int)getpid(), seq);
    /* The binary behind a libtool wrapper: <dir>/.libs/<name>. */
    char real[PATH_MAX], libs[PATH_MAX + 32];
    const char *prog = argv[0];
    const char *slash = strrchr(prog, '/');
    struct stat st;
    libs[0] = '\0';
    if (slash &&
        snprintf(real, sizeof real, "%.*s/.libs/%s", (int)(slash - prog), prog, slash + 1) <
            (int)sizeof real &&
        stat(real, &st) == 0 && S_ISREG(st.st_mode)) {
        /* liblocust.so is in the build tree's .libs (not the program's, for examples/). */
        const char *build = getenv("LOCUST_BUILDDIR");
        if (build && *build)
            snprintf(libs, sizeof libs, "LD_LIBRARY_PATH=%s/.libs", build);
        else
            snprintf(libs, sizeof libs, "LD_LIBRARY_PATH=%.*s/.libs", (int)(slash - prog), prog);
        prog = real;
    }
    p->started = cli_now();
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
        if (cwd && chdir(cwd) != 0) _exit(126);
        if (libs[0]) putenv(libs);
        for (size_t i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        if (nofile > 0) {
            struct rlimit rl = {(rlim_t)nofile, (rlim_t)nofile};
            if (setrlimit(RLIMIT_NOFILE, &rl) != 0) _exit(125);
        }
        /*
         * Nothing but the standard descriptors goes to the child: a test's
         * sockets or files held open by it would count against `nofile` and
         * keep the test's own peers alive after it closed them.
         */
        for (int fd = 3; fd < 1024; fd++)
            close(fd);
        /* Signals the test sends must reach the default handlers of the child. */
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execv(prog, (char *const *)argv);
        dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    p->pid = pid;
    return 0;
}

bool cli_proc_alive(cli_proc *p)
{
    if (p->pid <= 0) return false;
    int status;
    pid_t r = waitpid(p->pid, &status, WNOHANG);
    if (r == p->pid) {
        p->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        p->ended = cli_now();
        p->pid = 0;
        return false;
    }
    return r == 0;
}

void cli_proc_signal(cli_proc *p, int sig)
{
    if (p->pid > 0) kill(p->pid, sig);
}

bool cli_proc_wait_err(cli_proc *p, const char *text, double timeout)
{
    for (double until = cli_now() + timeout; cli_now() < until;) {
        char *err = cli_slurp(p->err_path);
        bool found = err != NULL && strstr(err, text) != NULL;
        free(err);
        if (found) return true;
        cli_sleep_ms(20);
    }
    return false;
}

int cli_proc_wait(cli_proc *p, double timeout)
{
    double deadline = cli_now() + timeout;
    while (cli_proc_alive(p) && cli_now() < deadline)
        cli_sleep_ms(10);
    if (p->pid > 0) {
        fprintf(stderr, "process %d still running after %.1f s: killed\n", (int)p->pid, timeout);
        kill(p->pid, SIGKILL);
        waitpid(p->pid, NULL, 0);
        p->pid = 0;
        p->status = -1;
        p->ended = cli_now();
    }
    free(p->out);
    free(p->err);
    p->out = cli_slurp(p->out_path);
    p->err = cli_slurp(p->err_path);
    if (!p->out) p->out = strdup("");
    if (!p->err) p->err = strdup("");
    return p->status;
}

void cli_proc_free(cli_proc *p)
{
    if (p->pid > 0) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, NULL, 0);
        p->pid = 0;
    }
    free(p->out);
    free(p->err);
    p->out = p->err = NULL;
    unlink(p->out_path);
    unlink(p->err_path);
}

int cli_count(const char *hay, const char *needle)
{
    int n = 0;
    size_t len = strlen(needle);
    /* An empty needle would match forever at the same place. */
    for (const char *s = hay; len && (s = strstr(s, needle)); s += len)
        n++;
    return n;
}

char *cli_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            if (cap >= ((size_t)64 << 20)) break; /* capped: tests read small files */
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) break;
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) buf[len] = '\0';
    return buf;
}

int cli_mkdtemp(char *out, size_t len, const char *prefix)
{
    snprintf(out, len, "%s/%s-XXXXXX", env_or("TMPDIR", "/tmp"), prefix);
    return mkdtemp(out) ? 0 : -1;
}

void cli_rmtree(const char *dir)
{
    if (!dir || !*dir || strcmp(dir, "/") == 0) return;
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", "--", dir, (char *)NULL);
        _exit(127);
    }
    if (pid > 0) waitpid(pid, NULL, 0);
}

const char *cli_tail(const char *text)
{
    if (text == NULL) return "";
    size_t n = strlen(text);
    return n > 3000 ? text + n - 3000 : text;
}

/* ---- running locust-run in a test program ------------------------------------------- */

char cli_tmpdir[512];
static char cache_env[600];

void cli_test_setup(void)
{
    ck_assert_int_eq(cli_mkdtemp(cli_tmpdir, sizeof cli_tmpdir, "cli-test"), 0);
    snprintf(cache_env, sizeof cache_env, "LOCUST_CACHE_DIR=%s/cache", cli_tmpdir);
}

void cli_test_teardown(void)
{
    cli_rmtree(cli_tmpdir);
}

const char *cli_scenario_path(const char *name)
{
    return joined(env_or("LOCUST_SRCDIR", ".."), "tests/cli_scenarios/", name);
}

const char *cli_tmp_path(const char *name)
{
    return joined(cli_tmpdir, "", name);
}

void cli_start_v(cli_proc *p, const char *cwd, const char *const *extra_env, const char *const *args)
{
    cli_start_limited_v(p, cwd, extra_env, 0, args);
}

void cli_start_limited_v(cli_proc *p, const char *cwd, const char *const *extra_env, long nofile,
                         const char *const *args)
{
    const char *argv[64] = {cli_proc_locust_run()};
    size_t n = 1;
    for (; *args && n < 63; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    const char *env[32] = {cache_env};
    size_t e = 1;
    for (; extra_env && *extra_env && e < 31; extra_env++)
        env[e++] = *extra_env;
    env[e] = NULL;
    ck_assert_int_eq(cli_proc_start_limited(p, cli_tmpdir, cwd, argv, env, nofile), 0);
}

static size_t discard(char *ptr, size_t size, size_t n, void *udata)
{
    (void)ptr;
    (void)udata;
    return size * n;
}

long cli_http_status(const char *url, const char *userpwd, const char *form)
{
    CURL *e = curl_easy_init();
    if (!e) return 0;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    if (userpwd) curl_easy_setopt(e, CURLOPT_USERPWD, userpwd);
    if (form) curl_easy_setopt(e, CURLOPT_POSTFIELDS, form);
    long status = 0;
    if (curl_easy_perform(e) == CURLE_OK) curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(e);
    return status;
}
