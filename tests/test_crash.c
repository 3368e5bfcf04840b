/*
 * Scenario code that misbehaves is never silent, as a specification: a
 * task that crashes is reported (the signal, the class, task set and task)
 * and the process dies of the same signal, in a slave too; a frame too big
 * for a user's stack stops the run as a stack overflow naming the stack
 * size to raise, instead of overwriting another user's stack; a task that
 * blocks the event loop is named as such, not mistaken for a CPU-bound
 * process.
 */
#include <signal.h>
#include <string.h>

#include "base/base.h"
#include "cli_proc.h"
#include "testutil.h"

static char scenario[1024];

static void setup_all(void)
{
    cli_test_setup();
    snprintf(scenario, sizeof scenario, "%s", cli_scenario_path("misbehave.c"));
    /* Compile once, so that the runs below time only themselves. */
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 120, "-f", scenario, "-l"), 0);
    cli_proc_free(&p);
}

/* AddressSanitizer handles these signals itself and reports in its own words. */
static bool skip_under_asan(void)
{
#ifdef LOCUST__ASAN
    fprintf(stderr, "crash reports are AddressSanitizer's own in this build\n");
    return true;
#else
    return false;
#endif
}

/* Runs one class of the scenario headless; returns its status (128 + signal when killed). */
static int run_class(cli_proc *p, const char *cls, const char *users, const char *run_time)
{
    return CLI_RUN(p, 30, "-f", scenario, "-H", "http://127.0.0.1:9", "--no-web", "-c", users, "-r", "100",
                   "-t", run_time, cls);
}

START_TEST(a_crashing_task_is_named_and_the_process_dies_of_its_signal)
{
    if (skip_under_asan()) return;
    static const struct {
        const char *cls;
        int sig;
        const char *what, *task;
    } crashes[] = {
        {"Segv", SIGSEGV, "SIGSEGV (invalid memory access) at address 0x10", "write_null"},
        {"Fpe", SIGFPE, "SIGFPE (arithmetic error", "divide_by_zero"},
        {"Ill", SIGILL, "SIGILL (illegal instruction", "trap"},
        {"Abort", SIGABRT, "SIGABRT (abort()", "failed_assert"},
        {"Bus", SIGBUS, "SIGBUS (bus error", "bus_error"},
    };
    for (size_t i = 0; i < sizeof crashes / sizeof crashes[0]; i++) {
        cli_proc p;
        int status = run_class(&p, crashes[i].cls, "1", "10");
        ck_assert_msg(status == 128 + crashes[i].sig, "%s: status %d, expected %d:\n%s", crashes[i].cls,
                      status, 128 + crashes[i].sig, cli_tail(p.err));
        char want[512];
        snprintf(want, sizeof want, "/CRITICAL/locust.crash: the process crashed: %s", crashes[i].what);
        ASSERT_CONTAINS(p.err, want);
        snprintf(want, sizeof want, " in a user of class %s, task set %sTasks, task %s. ", crashes[i].cls,
                 crashes[i].cls, crashes[i].task);
        ASSERT_CONTAINS(p.err, want);
        ck_assert_int_eq(cli_count(p.err, "locust.crash"), 1);
        cli_proc_free(&p);
    }
}
END_TEST

START_TEST(a_frame_bigger_than_the_stack_stops_the_run_naming_the_stack_size)
{
    if (skip_under_asan()) return;
    cli_proc p;
    /* Several users: the overflow of one must not go on in another's stack. */
    int status = run_class(&p, "Big", "4", "10");
    ck_assert_msg(status == 128 + SIGSEGV, "status %d:\n%s", status, cli_tail(p.err));
    ASSERT_CONTAINS(p.err,
                    "/CRITICAL/locust.crash: stack overflow in a user of class Big: raise .stack_size, now "
                    "64 KiB (in task set BigTasks, task big_frame: ");
    ASSERT_LACKS(p.err, "Shutting down");
    cli_proc_free(&p);
}
END_TEST

START_TEST(a_slave_whose_task_crashes_reports_it_too)
{
    if (skip_under_asan()) return;
    cli_proc p;
    int status = CLI_RUN(&p, 60, "-f", scenario, "-H", "http://127.0.0.1:9", "--no-web", "--processes", "2",
                         "-c", "2", "-r", "100", "-t", "10", "Segv");
    /* Both slaves crash; the master says so and ends. */
    ck_assert_msg(status >= 0, "the master did not end:\n%s", cli_tail(p.err));
    ASSERT_CONTAINS(p.err, "/CRITICAL/locust.crash: the process crashed: SIGSEGV (invalid memory access) at "
                           "address 0x10 in a user of class Segv, task set SegvTasks, task write_null.");
    ASSERT_CONTAINS(p.err, "ended (status 139) before the test did");
    cli_proc_free(&p);
}
END_TEST

START_TEST(a_task_that_blocks_the_loop_is_named_not_taken_for_cpu_load)
{
    cli_proc p;
    int status = run_class(&p, "Blocker", "2", "4");
    ck_assert_msg(status == 0, "status %d:\n%s", status, cli_tail(p.err));
    ASSERT_CONTAINS(p.err, "/WARNING/locust.runners: The event loop was blocked for ");
    ASSERT_CONTAINS(p.err, "task nap_blocking of class Blocker made a blocking call");
    ASSERT_CONTAINS(p.err, "locust_wait_fd()");
    ASSERT_LACKS(p.err, "CPU bound");
    cli_proc_free(&p);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("crash");
    TCase *tc = tcase_create("misbehaving scenarios");
    tcase_add_unchecked_fixture(tc, setup_all, cli_test_teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, a_crashing_task_is_named_and_the_process_dies_of_its_signal);
    tcase_add_test(tc, a_frame_bigger_than_the_stack_stops_the_run_naming_the_stack_size);
    tcase_add_test(tc, a_slave_whose_task_crashes_reports_it_too);
    tcase_add_test(tc, a_task_that_blocks_the_loop_is_named_not_taken_for_cpu_load);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
