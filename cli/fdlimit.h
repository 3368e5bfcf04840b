/*
 * The open-files limit. Every simulated user holds at least one socket, so
 * a test with many users needs a high RLIMIT_NOFILE (manual §2.4).
 */
#ifndef LOCUST_CLI_FDLIMIT_H
#define LOCUST_CLI_FDLIMIT_H

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

#endif /* LOCUST_CLI_FDLIMIT_H */
