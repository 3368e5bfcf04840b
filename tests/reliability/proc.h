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

#include "cli_proc.h"
#include "target.h"

/*
 * The processes are those of tests/lib/cli_proc.h: these names only fix the
 * reliability tests' conventions on top (the test's folder from
 * rely_setup(), the scenario rely.c passed to every locust-run), so the
 * spawning, waiting and reading is written once.
 */
typedef cli_proc rely_proc;

/* Monotonic seconds. */
static inline double rely_now(void)
{
    return cli_now();
}
static inline void rely_sleep_ms(long ms)
{
    cli_sleep_ms(ms);
}
/* A whole (small) file as a malloc'ed string, or NULL. */
static inline char *rely_slurp(const char *path)
{
    return cli_slurp(path);
}
/* Occurrences of `needle` in `hay`. */
static inline int rely_count(const char *hay, const char *needle)
{
    return cli_count(hay, needle);
}

/*
 * Makes the test program's temporary folder with the compile cache
 * (cli_test_setup()) and compiles the scenario once (locust-run --list),
 * so that timings exclude it.
 */
void rely_setup(void);
/* Removes the folder. */
void rely_teardown(void);
/* rely_setup(), then starts the demo target `t` for the whole test program. */
void rely_setup_with_target(locust_test_target *t);
/* Stops the demo target `t`, then rely_teardown(). */
void rely_teardown_with_target(locust_test_target *t);
/* The demo target of a test program that needs one for all its tests, and
 * the unchecked fixture that starts and stops it (tcase_add_unchecked_fixture). */
extern locust_test_target rely_target;
void rely_fixture_setup(void);
void rely_fixture_teardown(void);
/* The folder's NAME (cli_tmp_path()). */
static inline const char *rely_tmp(const char *name)
{
    return cli_tmp_path(name);
}
/* $LOCUST_SRCDIR/tests/reliability/rely.c. */
const char *rely_scenario(void);

/*
 * Starts argv[0] (a path) with "NAME=value" strings of `env` added to the
 * environment (NULL-terminated, may be NULL), its output in the test's
 * folder. When `nofile` > 0 the child runs with RLIMIT_NOFILE set to it
 * (see cli_proc_start_limited()). Returns 0 or -1.
 */
int rely_start(rely_proc *p, const char *const *argv, const char *const *env, long nofile);
/*
 * locust-run -f rely.c with `args` and the test's compile cache. Returns 0:
 * a locust-run that cannot be started fails the test there and then.
 */
int rely_start_run(rely_proc *p, const char *const *env, long nofile, const char *const *args);
/*
 * Waits at most `timeout` s for the process to end, then reads its output.
 * Returns its status (exit code or 128 + signal), or -1 after a timeout
 * (the process is then killed with SIGKILL).
 */
static inline int rely_wait(rely_proc *p, double timeout)
{
    return cli_proc_wait(p, timeout);
}
static inline bool rely_alive(rely_proc *p)
{
    return cli_proc_alive(p);
}
/* Sends a signal to a running process. */
static inline void rely_signal(rely_proc *p, int sig)
{
    cli_proc_signal(p, sig);
}
/* Waits at most `timeout` s until the process's stderr holds `text`. */
static inline bool rely_wait_log(rely_proc *p, const char *text, double timeout)
{
    return cli_proc_wait_err(p, text, timeout);
}
static inline void rely_free(rely_proc *p)
{
    cli_proc_free(p);
}

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
static inline const char *rely_tail(const char *text)
{
    return cli_tail(text);
}

#define RELY_CONTAINS(hay, needle) ASSERT_CONTAINS(hay, needle)
#define RELY_LACKS(hay, needle)    ASSERT_LACKS(hay, needle)

#endif /* LOCUST_TEST_RELY_PROC_H */
