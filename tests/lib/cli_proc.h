/*
 * Test helper: runs locust-run (or another program) as a child process with
 * its output captured in files, bounded in time. It serves every process
 * test: those of the command line and the examples (test_cli*.c,
 * test_examples.c) directly, and the reliability tests through the rely_*
 * names of tests/reliability/proc.h, so that there is one way to spawn,
 * wait for and read a child.
 */
#ifndef LOCUST_TEST_CLI_PROC_H
#define LOCUST_TEST_CLI_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct cli_proc {
    pid_t pid;
    int status;                        /* exit status, 128 + signal, or -1 while running / after a timeout */
    char out_path[640], err_path[640]; /* captured stdout and stderr */
    char *out, *err;                   /* their contents once the process has ended */
    double started, ended;             /* monotonic seconds */
} cli_proc;

/* $LOCUST_BUILDDIR/locust-run. */
const char *cli_proc_locust_run(void);

/* $LOCUST_BUILDDIR/NAME; valid for the next 31 calls of the path functions (this one and the two below). */
const char *cli_build_path(const char *name);

/*
 * Starts a program. A libtool wrapper script (a program of the build tree
 * linked to the shared liblocust) is skipped: its binary in .libs/ is run
 * directly with LD_LIBRARY_PATH set, as the wrapper would, which saves the
 * wrapper's shell start-up on every run.
 *
 * argv[0] (a path) with argv in folder `cwd` (NULL: the current one),
 * with `env` ("NAME=value" strings added to the environment, NULL-terminated,
 * may be NULL). Output goes to files in `tmpdir`. The child gets no
 * descriptor but the standard three. Returns 0 or -1.
 */
int cli_proc_start(cli_proc *p, const char *tmpdir, const char *cwd, const char *const *argv,
                   const char *const *env);

/*
 * As cli_proc_start(); when `nofile` > 0 the child runs with RLIMIT_NOFILE
 * set to it (soft and hard, as `ulimit -n` does for a non-root shell: the
 * program cannot raise it back).
 */
int cli_proc_start_limited(cli_proc *p, const char *tmpdir, const char *cwd, const char *const *argv,
                           const char *const *env, long nofile);

/*
 * Waits at most `timeout` seconds for the process to end, then reads its
 * output. Returns its status (exit code or 128 + signal), or -1 after a
 * timeout (the process is then killed).
 */
int cli_proc_wait(cli_proc *p, double timeout);

/* True while the process runs. */
bool cli_proc_alive(cli_proc *p);

/* Sends a signal to the process while it runs. */
void cli_proc_signal(cli_proc *p, int sig);

/* Waits at most `timeout` seconds until the process's stderr (so far) holds `text`. */
bool cli_proc_wait_err(cli_proc *p, const char *text, double timeout);

/* Kills the process if it still runs, frees the captured output and removes its files. */
void cli_proc_free(cli_proc *p);

/*
 * GETs a URL, or POSTs `form` (application/x-www-form-urlencoded) when not
 * NULL, with basic auth "user:password" when `userpwd` is not NULL; at most
 * 10 s. Returns the HTTP status, 0 when the request failed.
 */
long cli_http_status(const char *url, const char *userpwd, const char *form);

/* Counts the occurrences of `needle` in `hay`. */
int cli_count(const char *hay, const char *needle);

/* Monotonic seconds. */
double cli_now(void);

/* Sleeps `ms` milliseconds. */
void cli_sleep_ms(long ms);

/* Reads a whole (small) file into a malloc'd string, or NULL. */
char *cli_slurp(const char *path);

/* Creates a fresh folder under $TMPDIR (or /tmp) into `out`; returns 0 or -1. */
int cli_mkdtemp(char *out, size_t len, const char *prefix);

/* Removes a folder made by cli_mkdtemp() with everything in it. */
void cli_rmtree(const char *dir);

/*
 * The last 3000 bytes of a text (NULL gives ""). Check refuses a longer
 * failure message (and exits instead of reporting), so a whole log must
 * not go into one.
 */
const char *cli_tail(const char *text);

/* ---- running locust-run in a test program ------------------------------------------- */

/* The test program's temporary folder (made by cli_test_setup()). */
extern char cli_tmpdir[512];

/* Makes the temporary folder and its compile cache (LOCUST_CACHE_DIR for every run). */
void cli_test_setup(void);
/* Removes the temporary folder. */
void cli_test_teardown(void);

/* $LOCUST_SRCDIR/tests/cli_scenarios/NAME; valid for the next 31 calls of the path functions. */
const char *cli_scenario_path(const char *name);
/* cli_tmpdir/NAME; valid for the next 31 calls of the path functions. */
const char *cli_tmp_path(const char *name);

/*
 * Starts locust-run with `args` (NULL-terminated) in `cwd` (NULL: here),
 * with the test's compile cache and the "NAME=value" strings of `env`.
 */
void cli_start_v(cli_proc *p, const char *cwd, const char *const *env, const char *const *args);

/* As cli_start_v(), with RLIMIT_NOFILE set to `nofile` when it is > 0 (see cli_proc_start_limited()). */
void cli_start_limited_v(cli_proc *p, const char *cwd, const char *const *env, long nofile,
                         const char *const *args);

#define CLI_START(p, ...) cli_start_v((p), NULL, NULL, (const char *const[]){__VA_ARGS__, NULL})
/* Runs locust-run to its end (killed after `timeout` s) and gives its exit status. */
#define CLI_RUN(p, timeout, ...) (CLI_START(p, __VA_ARGS__), cli_proc_wait((p), (timeout)))

#define ASSERT_CONTAINS(hay, needle)                                                                         \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "expected '%s' in:\n%s", (needle), cli_tail(hay))
#define ASSERT_LACKS(hay, needle)                                                                            \
    ck_assert_msg(strstr((hay), (needle)) == NULL, "did not expect '%s' in:\n%s", (needle), cli_tail(hay))

#endif /* LOCUST_TEST_CLI_PROC_H */
