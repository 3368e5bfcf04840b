/*
 * Helpers of the reliability tests (tests/test_faults*.c, tests/test_truth*.c):
 * locust-run and other programs as child processes, bounded in time, with
 * their output captured in files; the scenario tests/reliability/rely.c;
 * the numbers a run reports (its CSV file, its log) and the ones the demo
 * target counted (/counter).
 */
#ifndef LOCUST_TEST_RELY_PROC_H
#define LOCUST_TEST_RELY_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../target.h"

typedef struct rely_proc {
    pid_t pid;
    int status; /* exit code, 128 + signal, or -1 while running / after a timeout */
    char out_path[640], err_path[640];
    char *out, *err; /* the captured output once the process has ended */
    double started, ended;
} rely_proc;

/* Monotonic seconds. */
double rely_now(void);
void rely_sleep_ms(long ms);
/* A whole (small) file as a malloc'ed string, or NULL. */
char *rely_slurp(const char *path);
/* Occurrences of `needle` in `hay`. */
int rely_count(const char *hay, const char *needle);

/* The test program's temporary folder, made by rely_setup(), with the compile cache. */
extern char rely_tmpdir[512];
/* Makes the folder; compiles the scenario once (locust-run --list), so that timings exclude it. */
void rely_setup(void);
/* Removes the folder. */
void rely_teardown(void);
/* rely_tmpdir/NAME; valid for 8 calls. */
const char *rely_tmp(const char *name);
/* $LOCUST_BUILDDIR/NAME. */
const char *rely_build_path(const char *name);
/* $LOCUST_SRCDIR/tests/reliability/rely.c. */
const char *rely_scenario(void);

/*
 * Starts argv[0] (a path) with "NAME=value" strings of `env` added to the
 * environment (NULL-terminated, may be NULL). When `nofile` > 0 the child
 * runs with RLIMIT_NOFILE set to it (soft and hard, as `ulimit -n` does for
 * a non-root shell: the program cannot raise it back). Returns 0 or -1.
 */
int rely_start(rely_proc *p, const char *const *argv, const char *const *env, long nofile);
/* locust-run with `args` and the test's compile cache. */
int rely_start_run(rely_proc *p, const char *const *env, long nofile, const char *const *args);
/*
 * Waits at most `timeout` s for the process to end, then reads its output.
 * Returns its status (exit code or 128 + signal), or -1 after a timeout
 * (the process is then killed with SIGKILL).
 */
int rely_wait(rely_proc *p, double timeout);
bool rely_alive(rely_proc *p);
/* Sends a signal to a running process. */
void rely_signal(rely_proc *p, int sig);
void rely_free(rely_proc *p);

#define RELY_ENV(...)  ((const char *const[]){__VA_ARGS__, NULL})
#define RELY_ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---- the numbers -------------------------------------------------------------------- */

/* One row of a _requests.csv (Locust 0.9.0's columns). */
typedef struct rely_row {
    long requests, failures;
    long median, avg, min, max; /* ms, as the CSV rounds them */
} rely_row;

/* Reads the row of `method` + `name` ("None", "Total" for the total); false when absent. */
bool rely_csv_row(const char *csv, const char *method, const char *name, rely_row *out);

/* What the teardown of rely.c logged: requests begun and returned (summed over every line). */
bool rely_begun_returned(const char *log, long *begun, long *returned);

/* The demo target's counters (/counter); false on error. */
typedef struct rely_counts {
    long requests, completed, server_errors;
} rely_counts;
bool rely_target_counts(locust_test_target *t, rely_counts *out);

/* The number after `key` in the first line of `text` that contains `key`, or -1. */
double rely_number_after(const char *text, const char *key);

/* The last 3000 bytes of a text: Check refuses longer failure messages (and exits). */
const char *rely_tail(const char *text);

#define RELY_CONTAINS(hay, needle)                                                                           \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "expected '%s' in:\n%s", (needle), rely_tail(hay))
#define RELY_LACKS(hay, needle)                                                                              \
    ck_assert_msg(strstr((hay), (needle)) == NULL, "did not expect '%s' in:\n%s", (needle), rely_tail(hay))

#endif /* LOCUST_TEST_RELY_PROC_H */
