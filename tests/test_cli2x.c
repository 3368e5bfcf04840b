/*
 * locust-run with Locust 2.x's model, run as a process: -T/-E and the task
 * ratio, a class left without tasks, Class=N counts, --stages driving a
 * run to its end, and the exit code a quitting listener sets; the master's
 * tags (command line and web form) reach its slaves and --processes.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli_proc.h"
#include "port_helper.h"
#include "testutil.h"

static char scenario[1024], select2x[1024];

static void setup_all(void)
{
    cli_test_setup();
    snprintf(scenario, sizeof scenario, "%s", cli_scenario_path("model2x.c"));
    /* Each task run of select2x.c is a request named after the task: "read" or "write". */
    snprintf(select2x, sizeof select2x, "%s", cli_scenario_path("select2x.c"));
}

/* The run's requests CSV, BASE_requests.csv (to free). */
static char *requests_csv(const char *base)
{
    char path[1024];
    snprintf(path, sizeof path, "%s_requests.csv", base);
    char *csv = cli_slurp(path);
    ck_assert_msg(csv != NULL, "no %s", path);
    return csv;
}

/* The run's requests CSV names the read task and not the write task. */
static void assert_only_reads(const char *base)
{
    char *csv = requests_csv(base);
    ASSERT_CONTAINS(csv, "\"task\",\"read\"");
    ASSERT_LACKS(csv, "\"write\"");
    free(csv);
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

/* -T on the master only: its slaves run what it chose (the filter goes with the hatch jobs). */
START_TEST(a_masters_tags_reach_its_slaves)
{
    char port[16];
    snprintf(port, sizeof port, "%d", dist_free_port_pair());
    const char *base = cli_tmp_path("master_tags");
    cli_proc master, slave;
    CLI_START(&master, "-f", select2x, "--master", "--no-web", "--expect-slaves", "1", "-c", "2", "-r", "100",
              "-t", "2", "--master-bind-host", "127.0.0.1", "--master-bind-port", port, "--csv", base, "-T",
              "read", "Mixed");
    CLI_START(&slave, "-f", select2x, "--slave", "--master-port", port, "Mixed");
    ck_assert_int_eq(cli_proc_wait(&master, 30), 0);
    ck_assert_int_eq(cli_proc_wait(&slave, 10), 0);
    ASSERT_CONTAINS(slave.err, "Tag filter for this test: --tags read, --exclude-tags (none)");
    assert_only_reads(base);
    cli_proc_free(&master);
    cli_proc_free(&slave);
}
END_TEST

/* The User Count column of BASE_stats_history.csv: true when it shows `first`, then later `then`. */
static bool history_shows(const char *base, long first, long then)
{
    char path[1024];
    snprintf(path, sizeof path, "%s_stats_history.csv", base);
    char *csv = cli_slurp(path);
    ck_assert_msg(csv != NULL, "no %s", path);
    int seen = 0;
    for (const char *line = strchr(csv, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        const char *comma = strchr(line + 1, ',');
        long users = comma ? atol(comma + 1) : -1;
        if (seen == 0 && users == first) seen = 1;
        if (seen == 1 && users == then) seen = 2;
    }
    free(csv);
    return seen == 2;
}

/* --processes: the local slaves run the master's tags and follow its stages, which the history shows. */
START_TEST(processes_follow_the_masters_tags_and_stages)
{
    const char *base = cli_tmp_path("processes_tags");
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 60, "-f", select2x, "--processes", "2", "--no-web", "--stages",
                             "3s:2:100,3s:4:100", "-E", "write", "--csv", base, "Mixed"),
                     0);
    ASSERT_CONTAINS(p.err, "Shape test updating to 4 users at 100.00 spawn rate");
    ASSERT_CONTAINS(p.err, "Shape test stopping");
    assert_only_reads(base);
    ck_assert_msg(history_shows(base, 2, 4), "the CSV history does not follow the stages (2, then 4 users)");
    cli_proc_free(&p);
}
END_TEST

/* The /swarm URL of a master's web UI, once it runs and `slaves` slaves are ready (valid until the next
 * call). */
static const char *swarm_url(cli_proc *master, int slaves)
{
    static char url[128];
    const char *prefix = "/INFO/locust.main: Starting web monitor at 127.0.0.1:";
    ck_assert_msg(cli_proc_wait_err(master, prefix, 10), "the web UI did not start");
    char *err = cli_slurp(master->err_path);
    snprintf(url, sizeof url, "http://127.0.0.1:%ld/swarm", atol(strstr(err, prefix) + strlen(prefix)));
    free(err);
    char ready[64];
    snprintf(ready, sizeof ready, "Currently %d clients ready to swarm", slaves);
    ck_assert_msg(cli_proc_wait_err(master, ready, 10), "%d slaves did not connect", slaves);
    return url;
}

/* The web UI's start form on a master: its tags reach the slave. */
START_TEST(the_web_forms_tags_on_a_master_reach_its_slave)
{
    char port[16];
    snprintf(port, sizeof port, "%d", dist_free_port_pair());
    const char *base = cli_tmp_path("web_tags");
    cli_proc master, slave;
    CLI_START(&master, "-f", select2x, "--master", "--web-host", "127.0.0.1", "-P", "0", "--master-bind-host",
              "127.0.0.1", "--master-bind-port", port, "--csv", base, "Mixed");
    CLI_START(&slave, "-f", select2x, "--slave", "--master-port", port, "Mixed");
    const char *url = swarm_url(&master, 1);
    ck_assert_int_eq(cli_http_status(url, NULL, "locust_count=2&hatch_rate=100&tags=read"), 200);
    ck_assert_msg(cli_proc_wait_err(&slave, "Tag filter for this test: --tags read", 10),
                  "the slave did not take the form's tags");
    cli_sleep_ms(1500);
    cli_proc_signal(&master, SIGINT);
    ck_assert_int_eq(cli_proc_wait(&master, 20), 0);
    ck_assert_int_eq(cli_proc_wait(&slave, 10), 0);
    assert_only_reads(base);
    cli_proc_free(&master);
    cli_proc_free(&slave);
}
END_TEST

/* --processes with the web UI: a form that clears the -T filter runs every task on the local slaves. */
START_TEST(processes_follow_the_web_form_that_clears_the_tags)
{
    const char *base = cli_tmp_path("processes_web_tags");
    cli_proc p;
    CLI_START(&p, "-f", select2x, "--processes", "2", "-T", "read", "--web-host", "127.0.0.1", "-P", "0",
              "--csv", base, "Mixed");
    const char *url = swarm_url(&p, 2);
    ck_assert_int_eq(cli_http_status(url, NULL, "locust_count=2&hatch_rate=100&tags="), 200);
    cli_sleep_ms(1500);
    cli_proc_signal(&p, SIGINT);
    ck_assert_int_eq(cli_proc_wait(&p, 20), 0);
    char *csv = requests_csv(base);
    ASSERT_CONTAINS(csv, "\"task\",\"read\"");
    ASSERT_CONTAINS(csv, "\"task\",\"write\"");
    free(csv);
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
    tcase_add_test(tc, a_masters_tags_reach_its_slaves);
    tcase_add_test(tc, processes_follow_the_masters_tags_and_stages);
    tcase_add_test(tc, the_web_forms_tags_on_a_master_reach_its_slave);
    tcase_add_test(tc, processes_follow_the_web_form_that_clears_the_tags);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
