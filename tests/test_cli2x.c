/*
 * locust-run with Locust 2.x's model, run as a process: -T/-E and the task
 * ratio, a class left without tasks, Class=N counts, --stages driving a
 * run to its end, and the exit code a quitting listener sets.
 */
#include <string.h>

#include "cli_proc.h"
#include "testutil.h"

static char scenario[1024];

static void setup_all(void)
{
    cli_test_setup();
    snprintf(scenario, sizeof scenario, "%s", cli_scenario_path("model2x.c"));
}

START_TEST(the_task_ratio_reflects_the_tags)
{
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 60, "-f", scenario, "--show-task-ratio", "-T", "read"), 0);
    ASSERT_CONTAINS(p.out, "browse");
    ASSERT_LACKS(p.out, "checkout");
    cli_proc_free(&p);
    ck_assert_int_eq(CLI_RUN(&p, 30, "-f", scenario, "--show-task-ratio", "-E", "read"), 1);
    ASSERT_CONTAINS(p.err, "class 'Admin' has no task left after filtering by tags (--tags (none), "
                           "--exclude-tags read)");
    cli_proc_free(&p);
    /* Selecting only Shopper leaves Admin out of the filter's reach. */
    ck_assert_int_eq(
        CLI_RUN(&p, 30, "-f", scenario, "--show-task-ratio", "--exclude-tags", "read", "Shopper"), 0);
    ASSERT_CONTAINS(p.out, "checkout");
    ASSERT_LACKS(p.out, "browse");
    cli_proc_free(&p);
}
END_TEST

START_TEST(bad_2x_arguments_are_named)
{
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 10, "--stages", "30s:10"), 2);
    ASSERT_CONTAINS(p.err, "option --stages: stage 1 ('30s:10'): expected duration:users:spawn_rate");
    cli_proc_free(&p);
    /* With --rate a stage gives a rate (duration:rate[:pool]), whichever option comes first. */
    ck_assert_int_eq(CLI_RUN(&p, 10, "--stages", "30s:10,1m:fast", "--rate", "5"), 2);
    ASSERT_CONTAINS(p.err,
                    "option --stages: stage 2 ('1m:fast'): with --rate a stage is duration:rate[:pool]");
    cli_proc_free(&p);
    ck_assert_int_eq(CLI_RUN(&p, 10, "-T", " , "), 2);
    ASSERT_CONTAINS(p.err, "option -T/--tags: no tag name in ' , '");
    cli_proc_free(&p);
    ck_assert_int_eq(CLI_RUN(&p, 30, "-f", scenario, "--no-web", "Admin=many"), 1);
    ASSERT_CONTAINS(p.err, "Bad class argument 'Admin=many': expected Class or Class=N");
    cli_proc_free(&p);
}
END_TEST

START_TEST(class_counts_and_the_listener_exit_code)
{
    cli_proc p;
    /* Admin=3 overrides its fixed count of 1; the other 2 users are Shoppers. */
    ck_assert_int_eq(
        CLI_RUN(&p, 60, "-f", scenario, "--no-web", "-c", "5", "-r", "100", "-t", "1", "Admin=3", "Shopper"),
        7);
    ASSERT_CONTAINS(p.err, "All locusts hatched: Shopper: 2, Admin: 3");
    ASSERT_CONTAINS(p.err, "Shutting down (exit code 7)");
    cli_proc_free(&p);
}
END_TEST

START_TEST(stages_drive_a_run_to_its_end)
{
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 60, "-f", scenario, "--no-web", "--stages", "1s:2:100,1s:4:100"), 7);
    ASSERT_CONTAINS(p.err, "Shape test updating to 2 users at 100.00 spawn rate");
    ASSERT_CONTAINS(p.err, "Shape test updating to 4 users at 100.00 spawn rate");
    ASSERT_CONTAINS(p.err, "Shape test stopping");
    cli_proc_free(&p);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("cli2x");
    TCase *tc = tcase_create("cli2x");
    tcase_add_unchecked_fixture(tc, setup_all, cli_test_teardown);
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, the_task_ratio_reflects_the_tags);
    tcase_add_test(tc, bad_2x_arguments_are_named);
    tcase_add_test(tc, class_counts_and_the_listener_exit_code);
    tcase_add_test(tc, stages_drive_a_run_to_its_end);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
