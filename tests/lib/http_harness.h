/*
 * Harness of the HTTP tests: one demo target per test program, users of a
 * class pointed at it, and every request_success/request_failure and
 * locust_error event recorded for the assertions.
 */
#ifndef LOCUST_HTTP_HARNESS_H
#define LOCUST_HTTP_HARNESS_H

#include <locust/locust.h>
#include <stdbool.h>
#include <stdint.h>

#include "target.h"

typedef struct http_record {
    bool success;
    char method[32];
    char name[256];
    double response_time;
    int64_t length;
    char error[512];
} http_record;

#define HTTP_MAX_RECORDS 512

typedef struct http_run {
    locust_runner *runner;
    unsigned successes, failures, task_errors;
    unsigned n_records; /* records kept, at most HTTP_MAX_RECORDS */
    http_record records[HTTP_MAX_RECORDS];
    char task_error[512]; /* the last locust_error message */
    double seconds;       /* how long the run took */
} http_run;

/* The demo target of this test program, and what the last run recorded. */
extern locust_test_target target;
extern http_run run;

/* Unchecked fixtures: start and stop the demo target once per test case. */
void harness_target_up(void);
void harness_target_down(void);

/*
 * Runs `users` users of a class with task set `ts` (host: the target, or
 * `host` when not NULL), hatched at `rate` per second, until every user
 * has stopped (locust_stop_user) or `limit` seconds have passed. The
 * records are in `run`.
 */
/* The runners' stop_timeout (0: the library's default grace of 10 s). */
extern double harness_stop_timeout;

void harness_run(const locust_taskset *ts, const char *host, unsigned users, double rate, double limit);

/* Runs a single user through `task` once, then stops it. */
void harness_run_task(locust_task_fn task);

/* The field `name` (a string) of the demo target's /echo answer, or of its
 * object `obj` ("headers", ...) when not NULL; "" when absent. */
const char *harness_echo_field(locust_response *r, const char *obj, const char *name);

/* The i-th record, failing the test when there is none. */
const http_record *harness_record(unsigned i);

#endif /* LOCUST_HTTP_HARNESS_H */
