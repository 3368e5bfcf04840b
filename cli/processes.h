/*
 * --processes N: this locust-run becomes the master of N slave processes
 * of its own (the same program and scenario, started with --slave), bound
 * to the loopback interface, so that one command uses N cores. One process
 * runs its users on one core (one libev loop); a CPU-bound generator
 * reports response times that are too high, so it should spread out.
 */
#ifndef LOCUST_CLI_PROCESSES_H
#define LOCUST_CLI_PROCESSES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "options.h"

#define CLI_MAX_PROCESSES 1024

typedef struct cli_processes {
    pid_t pids[CLI_MAX_PROCESSES];
    int status[CLI_MAX_PROCESSES];
    bool exited[CLI_MAX_PROCESSES];
    bool reported[CLI_MAX_PROCESSES]; /* its end was logged (cli_processes_watch) */
    unsigned n;
} cli_processes;

/* A free pair of consecutive loopback ports (the 0.9 protocol uses PORT and PORT + 1), or -1. */
int cli_processes_port(void);

/*
 * Starts n slaves of the master on 127.0.0.1:port: this program with
 * -f locustfile --slave, the host, log level, log file, seed and class
 * names of `o`. Returns 0, or -1 with the reason in err (the slaves started
 * so far are stopped).
 */
int cli_processes_start(cli_processes *p, unsigned n, int port, const cli_options *o, const char *locustfile,
                        char *err, size_t errlen);

/* Reaps the slaves that ended; returns how many have ended so far. */
unsigned cli_processes_poll(cli_processes *p);

/*
 * Reaps the slaves that ended and logs each end once: as an ERROR naming
 * the slave and its status while the test should still be running, at
 * DEBUG level when `expected` (the master has begun to quit, so it told
 * its slaves to quit, or the program is shutting down). The master reads a
 * slave's last messages after the slave has exited, so the exit alone does
 * not say which it was. Returns how many have ended so far.
 */
unsigned cli_processes_watch(cli_processes *p, bool expected);

/* Waits up to `timeout` seconds for every slave to end, then ends the rest (SIGTERM, then SIGKILL). */
void cli_processes_stop(cli_processes *p, double timeout);

#endif /* LOCUST_CLI_PROCESSES_H */
