/*
 * The web UI end to end, as a person uses it: the demo target, a runner
 * browsing it with the web UI on (tests/web_e2e_server), and the page in
 * headless Chromium driven by tests/e2e/ui.test.mjs (playwright-core). The
 * script starts a swarm from the form, watches the table fill and the
 * charts draw, edits the user count, stops, downloads a CSV and saves a
 * screenshot to $LOCUST_BUILDDIR/tests/artifacts/web-ui.png. The same
 * script then drives locust-run's page, with examples/basic.c.
 *
 * Chromium and playwright-core come from scripts/install-e2e.sh; when they
 * cannot be installed the test is skipped (exit 77), never passed.
 */
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

#include "target.h"
#include "testutil.h"

static const char *srcdir, *builddir;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Starts argv[0] with the given arguments (stderr to `errfile` when set); it dies with this process. */
static pid_t spawn(const char *const *argv, const char *errfile)
{
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (errfile) {
            int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd >= 0) dup2(fd, STDERR_FILENO);
        }
        execv(argv[0], (char *const *)argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

/* Waits at most `seconds` for pid; kills it past that. Returns its exit status, or -1. */
static int wait_exit(pid_t pid, double seconds)
{
    int status;
    for (long i = 0; i < (long)(seconds * 100); i++) {
        if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

static int read_port(const char *file, pid_t pid)
{
    for (int i = 0; i < 1000; i++) {
        FILE *f = fopen(file, "r");
        int port = 0;
        if (f) {
            if (fscanf(f, "%d", &port) != 1) port = 0;
            fclose(f);
            if (port > 0) return port;
        }
        if (waitpid(pid, NULL, WNOHANG) == pid) return -1;
        sleep_ms(10);
    }
    return -1;
}

/* Runs tests/e2e/ui.test.mjs against the page at `port` (at most 150 s); returns its exit status. */
static int run_ui(int port, const char *mode)
{
    char artifacts[4096], script[4096], url[64];
    snprintf(artifacts, sizeof artifacts, "%s/tests/artifacts", builddir);
    snprintf(script, sizeof script, "%s/tests/e2e/ui.test.mjs", srcdir);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    mkdir(artifacts, 0755);
    pid_t node =
        spawn((const char *const[]){"/usr/bin/env", "node", script, url, artifacts, mode, NULL}, NULL);
    return wait_exit(node, 150);
}

static void screenshot_exists(const char *name)
{
    char png[4200];
    struct stat st;
    snprintf(png, sizeof png, "%s/tests/artifacts/%s", builddir, name);
    ck_assert_msg(stat(png, &st) == 0 && st.st_size > 10000, "no screenshot at %s", png);
}

START_TEST(page_runs_a_test_from_start_to_csv)
{
    locust_test_target target;
    ck_assert_msg(locust_test_target_start(&target, NULL) == 0, "the demo target did not start");
    char server[4096], port_file[4096];
    snprintf(server, sizeof server, "%s/tests/web_e2e_server", builddir);
    snprintf(port_file, sizeof port_file, "%s/tests/web-e2e-%ld.port", builddir, (long)getpid());
    unlink(port_file);

    pid_t srv =
        spawn((const char *const[]){server, "--port-file", port_file, "--target", target.host, NULL}, NULL);
    ck_assert_int_gt(srv, 0);
    int port = read_port(port_file, srv);
    ck_assert_msg(port > 0, "web_e2e_server did not start");
    int rc = run_ui(port, "website");

    /* The server quits cleanly on SIGTERM, whatever the page did. */
    kill(srv, SIGTERM);
    int src = wait_exit(srv, 10);
    unlink(port_file);
    locust_test_target_stop(&target);
    ck_assert_msg(rc == 0, "tests/e2e/ui.test.mjs failed (exit %d); see its output above", rc);
    ck_assert_int_eq(src, 0);
    screenshot_exists("web-ui.png");
}
END_TEST

/* Reads the port from locust-run's "Starting web monitor at HOST:PORT" log line (at most 30 s: it compiles
 * first). */
static int logged_port(const char *errfile, pid_t pid)
{
    for (int i = 0; i < 3000; i++) {
        FILE *f = fopen(errfile, "r");
        char line[1024];
        while (f && fgets(line, sizeof line, f)) {
            const char *p = strstr(line, "Starting web monitor at 127.0.0.1:");
            if (p) {
                fclose(f);
                return atoi(p + strlen("Starting web monitor at 127.0.0.1:"));
            }
        }
        if (f) fclose(f);
        if (waitpid(pid, NULL, WNOHANG) == pid) return -1;
        sleep_ms(10);
    }
    return -1;
}

START_TEST(locust_run_serves_the_page)
{
    locust_test_target target;
    ck_assert_msg(locust_test_target_start(&target, NULL) == 0, "the demo target did not start");
    char prog[4096], scenario[4096], errfile[4096];
    snprintf(prog, sizeof prog, "%s/locust-run", builddir);
    snprintf(scenario, sizeof scenario, "%s/examples/basic.c", srcdir);
    snprintf(errfile, sizeof errfile, "%s/tests/web-e2e-locust-run-%ld.log", builddir, (long)getpid());
    pid_t run = spawn((const char *const[]){prog, "-f", scenario, "--host", target.host, "--web-host",
                                            "127.0.0.1", "-P", "0", NULL},
                      errfile);
    int port = logged_port(errfile, run);
    ck_assert_msg(port > 0, "locust-run did not start its web UI; see %s", errfile);
    int rc = run_ui(port, "basic");
    kill(run, SIGTERM);
    int src = wait_exit(run, 15);
    locust_test_target_stop(&target);
    ck_assert_msg(rc == 0, "tests/e2e/ui.test.mjs failed against locust-run (exit %d)", rc);
    ck_assert_msg(src == 0, "locust-run exited with %d on SIGTERM; see %s", src, errfile);
    unlink(errfile);
    screenshot_exists("web-ui-locust-run.png");
}
END_TEST

int main(void)
{
    srcdir = getenv("LOCUST_SRCDIR");
    builddir = getenv("LOCUST_BUILDDIR");
    if (!srcdir || !builddir) {
        fprintf(stderr,
                "test_web_e2e: LOCUST_SRCDIR and LOCUST_BUILDDIR must be set (make check sets them)\n");
        return 99;
    }
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "sh '%s/scripts/install-e2e.sh'", srcdir);
    if (system(cmd) != 0) {
        fprintf(stderr,
                "SKIP: Chromium or playwright-core could not be installed (scripts/install-e2e.sh)\n");
        return 77;
    }
    Suite *s = suite_create("web_e2e");
    TCase *tc = tcase_create("browser");
    tcase_set_timeout(tc, 200);
    tcase_add_test(tc, page_runs_a_test_from_start_to_csv);
    tcase_add_test(tc, locust_run_serves_the_page);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
