/*
 * The open-files limit. Every simulated user holds at least one socket, so
 * a test with many users needs a high RLIMIT_NOFILE (manual §2.4).
 */
#ifndef LOCUST_CLI_FDLIMIT_H
#define LOCUST_CLI_FDLIMIT_H

#include <locust/locust.h>
#include <stdint.h>

/* File descriptors allowed for besides the users: logs, CSV files, the loop, the web UI, ... */
#define CLI_FD_SLACK 100

/*
 * Raises the soft RLIMIT_NOFILE to the hard limit (capped at the kernel's
 * nr_open). Returns the soft limit now in force, and the hard limit in
 * *hard.
 */
uint64_t cli_raise_nofile(uint64_t *hard);

/*
 * Logs a warning, with the numbers, when `users` users (about one file
 * each, plus CLI_FD_SLACK) may not fit under the soft limit `soft`.
 * Returns 1 when it warned, 0 otherwise.
 */
int cli_check_nofile(unsigned users, uint64_t soft, uint64_t hard);

/*
 * The warning of cli_check_nofile() for every test this process runs users
 * for, however it was started (the command line, the web UI's /swarm, a
 * master): listens to the runner's locust_start_hatching (a new test) and
 * hatch_complete (an edit may have raised the count) events, and warns
 * once per count that does not fit.
 */
typedef struct cli_nofile_watch {
    unsigned warned_for; /* the largest user count warned about */
} cli_nofile_watch;

/* Adds the listeners; `w` must outlive the runner's events. Returns 0 or an error code. */
int cli_nofile_watch_start(cli_nofile_watch *w, locust_runner *r);

#endif /* LOCUST_CLI_FDLIMIT_H */
