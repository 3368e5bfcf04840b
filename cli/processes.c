/*
 * Local slaves for --processes. See processes.h.
 */
#include "processes.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static bool port_free(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) return false;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = bind(s, (struct sockaddr *)&a, sizeof a) == 0;
    close(s);
    return ok;
}

int cli_processes_port(void)
{
    /*
     * Below the kernel's ephemeral range (32768 and up by default): a
     * slave that keeps reconnecting to a port in that range before the
     * master listens could be handed that very port as its own end.
     */
    unsigned seed = (unsigned)getpid() ^ (unsigned)time(NULL);
    for (int i = 0; i < 1000; i++) {
        int port = 20000 + (int)(rand_r(&seed) % 12000);
        if (port_free(port) && port_free(port + 1)) return port;
    }
    return -1;
}

static const char *level_name(locust_log_level l)
{
    return l <= LOCUST_LOG_DEBUG     ? "DEBUG"
           : l <= LOCUST_LOG_INFO    ? "INFO"
           : l <= LOCUST_LOG_WARNING ? "WARNING"
           : l <= LOCUST_LOG_ERROR   ? "ERROR"
                                     : "CRITICAL";
}

int cli_processes_start(cli_processes *p, unsigned n, int port, const cli_options *o, const char *locustfile,
                        char *err, size_t errlen)
{
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) {
        snprintf(err, errlen, "cannot find this program (/proc/self/exe): %s", strerror(errno));
        return -1;
    }
    exe[len] = '\0';
    if (n > CLI_MAX_PROCESSES) n = CLI_MAX_PROCESSES;
    char port_s[16], seed_s[32], stop_s[32];
    snprintf(port_s, sizeof port_s, "%d", port);
    memset(p, 0, sizeof *p);
    for (unsigned i = 0; i < n; i++) {
        const char *argv[32 + CLI_MAX_CLASS_NAMES];
        size_t k = 0;
        argv[k++] = exe;
        argv[k++] = "-f";
        argv[k++] = locustfile;
        argv[k++] = "--slave";
        argv[k++] = "--master-host";
        argv[k++] = "127.0.0.1";
        argv[k++] = "--master-port";
        argv[k++] = port_s;
        /* The master prints the statistics; a slave's own are empty. */
        argv[k++] = "--only-summary";
        argv[k++] = "-L";
        argv[k++] = level_name(o->loglevel);
        if (o->host) {
            argv[k++] = "-H";
            argv[k++] = o->host;
        }
        if (o->logfile) {
            argv[k++] = "--logfile";
            argv[k++] = o->logfile;
        }
        if (o->seed_set) {
            /* Each slave its own stream, all of them repeatable. */
            snprintf(seed_s, sizeof seed_s, "%llu", (unsigned long long)(o->seed + i + 1));
            argv[k++] = "--seed";
            argv[k++] = seed_s;
        }
        if (o->stop_timeout_set) {
            /* The slaves run the users, so the grace is theirs. */
            snprintf(stop_s, sizeof stop_s, "%.17g", o->stop_timeout);
            argv[k++] = "--stop-timeout";
            argv[k++] = stop_s;
        }
        /*
         * No -T/-E: the master's tag filter goes with its hatch jobs, so the
         * slaves follow the web UI's changes too (with their own -T, they
         * would fall back to it when the form clears the filter).
         */
        for (size_t c = 0; c < o->n_class_names; c++)
            argv[k++] = o->class_names[c];
        argv[k] = NULL;
        int rc = posix_spawn(&p->pids[i], exe, NULL, NULL, (char *const *)argv, environ);
        if (rc != 0) {
            snprintf(err, errlen, "cannot start local slave %u of %u (%s): %s", i + 1, n, exe, strerror(rc));
            cli_processes_stop(p, 0);
            return -1;
        }
        p->n = i + 1;
    }
    return 0;
}

unsigned cli_processes_poll(cli_processes *p)
{
    unsigned ended = 0;
    for (unsigned i = 0; i < p->n; i++) {
        if (!p->exited[i] && waitpid(p->pids[i], &p->status[i], WNOHANG) == p->pids[i]) p->exited[i] = true;
        ended += p->exited[i];
    }
    return ended;
}

unsigned cli_processes_watch(cli_processes *p, bool expected)
{
    unsigned ended = cli_processes_poll(p);
    for (unsigned i = 0; i < p->n; i++) {
        if (!p->exited[i] || p->reported[i]) continue;
        p->reported[i] = true;
        int st = p->status[i];
        int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (expected)
            locust_log(LOCUST_LOG_DEBUG, "locust.main", "Local slave %u (pid %d) ended (status %d)", i + 1,
                       (int)p->pids[i], code);
        else
            locust_log(LOCUST_LOG_ERROR, "locust.main",
                       "Local slave %u (pid %d) ended (status %d) before the test did", i + 1,
                       (int)p->pids[i], code);
    }
    return ended;
}

void cli_processes_stop(cli_processes *p, double timeout)
{
    struct timespec nap = {0, 20 * 1000 * 1000};
    for (double waited = 0; cli_processes_poll(p) < p->n && waited < timeout; waited += 0.02)
        nanosleep(&nap, NULL);
    for (int sig = 0; sig < 2 && cli_processes_poll(p) < p->n; sig++) {
        for (unsigned i = 0; i < p->n; i++)
            if (!p->exited[i]) kill(p->pids[i], sig == 0 ? SIGTERM : SIGKILL);
        for (int t = 0; t < 100 && cli_processes_poll(p) < p->n; t++)
            nanosleep(&nap, NULL);
    }
}
