/* Runs locust-demo-target for tests; see target.h. */
#include "target.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *locust_test_target_program(void)
{
    static char path[4096];
    const char *env = getenv("LOCUST_DEMO_TARGET");
    if (env != NULL && *env) return env;
    const char *dir = getenv("LOCUST_BUILDDIR");
    snprintf(path, sizeof path, "%s/locust-demo-target", dir && *dir ? dir : ".");
    return path;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int locust_test_target_start(locust_test_target *t, const char *const *args)
{
    memset(t, 0, sizeof *t);
    const char *prog = locust_test_target_program();
    const char *tmp = getenv("TMPDIR");
    snprintf(t->port_file, sizeof t->port_file, "%s/locust-target-%ld-%ld.port", tmp && *tmp ? tmp : "/tmp",
             (long)getpid(), (long)time(NULL) ^ (long)random());
    unlink(t->port_file);
    const char *argv[32] = {prog, "--port", "0", "--port-file", t->port_file};
    size_t n = 5;
    for (size_t i = 0; args != NULL && args[i] != NULL && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "target: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* The server must not outlive a test that crashed. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) dup2(null, STDOUT_FILENO);
        execv(prog, (char *const *)argv);
        fprintf(stderr, "target: cannot run %s: %s\n", prog, strerror(errno));
        _exit(127);
    }
    t->pid = pid;
    const char *scheme = "http";
    for (size_t i = 0; args != NULL && args[i] != NULL; i++)
        if (strcmp(args[i], "--tls-cert") == 0) scheme = "https";
    for (int i = 0; i < 1000; i++) {
        FILE *f = fopen(t->port_file, "r");
        if (f != NULL) {
            unsigned port = 0;
            int ok = fscanf(f, "%u", &port);
            fclose(f);
            if (ok == 1 && port > 0) {
                t->port = port;
                snprintf(t->host, sizeof t->host, "%s://127.0.0.1:%u", scheme, port);
                return 0;
            }
        }
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr, "target: %s exited (status %d) before listening\n", prog, status);
            t->pid = 0;
            return -1;
        }
        sleep_ms(10);
    }
    fprintf(stderr, "target: %s did not write %s within 10 s\n", prog, t->port_file);
    locust_test_target_stop(t);
    return -1;
}

void locust_test_data_path(char *out, size_t n, const char *name)
{
    const char *src = getenv("LOCUST_SRCDIR");
    snprintf(out, n, "%s/tests/data/%s", src && *src ? src : ".", name);
}

int locust_test_target_start_tls(locust_test_target *t)
{
    char cert[1024], key[1024];
    locust_test_data_path(cert, sizeof cert, "tls-server.pem");
    locust_test_data_path(key, sizeof key, "tls-server.key");
    const char *args[] = {"--tls-cert", cert, "--tls-key", key, NULL};
    return locust_test_target_start(t, args);
}

int locust_test_target_stop(locust_test_target *t)
{
    int status = 0;
    if (t->pid > 0) {
        kill(t->pid, SIGTERM);
        for (int i = 0; i < 500; i++) {
            if (waitpid(t->pid, &status, WNOHANG) == t->pid) {
                t->pid = 0;
                break;
            }
            sleep_ms(10);
        }
        if (t->pid > 0) {
            fprintf(stderr, "target: no exit 5 s after SIGTERM: killing it\n");
            kill(t->pid, SIGKILL);
            waitpid(t->pid, &status, 0);
            t->pid = 0;
        }
    }
    if (t->port_file[0]) unlink(t->port_file);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

const char *locust_test_target_url(locust_test_target *t, const char *path)
{
    char *buf = t->urls[t->next_url++ % 8];
    snprintf(buf, sizeof t->urls[0], "%s%s", t->host, path);
    return buf;
}

/* The body so far and the room it has. */
typedef struct get_body {
    char *p;
    size_t n, cap;
} get_body;

static size_t collect(char *p, size_t size, size_t n, void *udata)
{
    get_body *b = udata;
    size_t len = size * n;
    if (b->n + len >= b->cap) return 0;
    memcpy(b->p + b->n, p, len);
    b->n += len;
    b->p[b->n] = '\0';
    return len;
}

int locust_test_http_get(const char *url, char *body, size_t cap)
{
    get_body b = {.p = body, .cap = cap};
    if (cap == 0) return CURLE_BAD_FUNCTION_ARGUMENT;
    body[0] = '\0';
    CURL *e = curl_easy_init();
    if (e == NULL) return CURLE_FAILED_INIT;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(e);
    curl_easy_cleanup(e);
    return (int)rc;
}

/* GETs a /counter route and returns its "requests" number. */
static long counter_get(locust_test_target *t, const char *path)
{
    char body[256];
    int rc = locust_test_http_get(locust_test_target_url(t, path), body, sizeof body);
    const char *p = strstr(body, "\"requests\":");
    if (rc != CURLE_OK || p == NULL) return -1;
    return strtol(p + 11, NULL, 10);
}

long locust_test_target_counter(locust_test_target *t)
{
    return counter_get(t, "/counter");
}

int locust_test_target_reset_counter(locust_test_target *t)
{
    return counter_get(t, "/counter/reset") == 0 ? 0 : -1;
}
