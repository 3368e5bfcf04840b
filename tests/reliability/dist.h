/*
 * Distributed runs of the reliability tests (test_faults_dist.c,
 * test_truth_dist.c): a C master and its C slaves as locust-run processes
 * of the scenario rely.c, on a free pair of loopback ports.
 */
#ifndef LOCUST_TEST_RELY_DIST_H
#define LOCUST_TEST_RELY_DIST_H

#include "proc.h"

/* A port for a master (it binds P and P + 1), also written as text into `portarg`. */
int rely_dist_port(char portarg[16]);

/*
 * Starts a headless C master on 127.0.0.1:`portarg` that waits for 2
 * slaves, hatches `users` users at 1000/s, runs them for `run_time` and
 * writes its CSV files at `csv` (a path prefix).
 */
void rely_start_master(rely_proc *m, const char *portarg, const char *users, const char *run_time,
                       const char *csv);

/*
 * Starts a C slave of master protocol `protocol` ("1" or "2") for the
 * master at 127.0.0.1:`portarg`, its users requesting `host`, with the
 * "NAME=value" strings of `env` (may be NULL).
 */
void rely_start_slave(rely_proc *s, const char *const *env, const char *portarg, const char *protocol,
                      const char *host);

#endif /* LOCUST_TEST_RELY_DIST_H */
