/*
 * locust-run's reports and verdicts as a real process against a real
 * locust-demo-target: a Locust 2.x headless command line, configuration
 * files and LOCUST_* variables with 2.x's precedence, thresholds and their
 * exit status, --threshold-abort, the JSON summary, JUnit and 2.x's CSV
 * files. Every run is bounded: a few seconds of load, a kill after a
 * timeout.
 */
#include <cjson/cJSON.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_proc.h"
#include "target.h"
#include "testutil.h"

static locust_test_target target;
static char scenario[1024];

static void setup_all(void)
{
    cli_test_setup();
    snprintf(scenario, sizeof scenario, "%s", cli_scenario_path("reports.c"));
    ck_assert_int_eq(locust_test_target_start(&target, NULL), 0);
    cli_proc p;
    int rc = CLI_RUN(&p, 60, "-f", scenario, "--list");
    ck_assert_msg(rc == 0, "cannot build %s:\n%s", scenario, cli_tail(p.err));
    cli_proc_free(&p);
}

static void teardown_all(void)
{
    locust_test_target_stop(&target);
    cli_test_teardown();
}

/* Writes a small file under the test's folder and returns its path. */
static const char *put_file(const char *name, const char *text)
{
    const char *path = cli_tmp_path(name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* ---- 2.x's command line and configuration -------------------------------------------- */

START_TEST(a_locust_2x_headless_command_line_runs_unchanged)
{
    /* Every spelling of a 2.x headless command line, with 2.x's meaning: the log goes to --logfile, a
     * failed request gives --exit-code-on-error's status, --autostart (and its --autoquit) are ignored
     * with a warning as 2.x does without the web UI. */
    cli_proc p;
    const char *base = cli_tmp_path("v2");
    char html[600], log[600];
    snprintf(html, sizeof html, "%s", cli_tmp_path("v2.html"));
    snprintf(log, sizeof log, "%s", cli_tmp_path("v2.log"));
    int rc = CLI_RUN(&p, 30, "-f", scenario, "--headless", "-u", "2", "--spawn-rate", "2", "-t", "2s",
                     "--host", target.host, "--csv", base, "--csv-full-history", "--html", html,
                     "--exit-code-on-error", "4", "--loglevel", "INFO", "--logfile", log, "--autostart",
                     "--autoquit", "5", "--only-summary", "Web");
    ck_assert_msg(rc == 4, "exit %d:\n%s", rc, cli_tail(p.err));
    double took = p.ended - p.started;
    ck_assert_msg(took < 15, "the run took %.1f s", took);
    char *logged = cli_slurp(log);
    ASSERT_CONTAINS(
        logged, "Option --autostart (and its --autoquit) is ignored for headless mode and worker process.");
    ASSERT_CONTAINS(logged, "Hatching and swarming 2 clients at the rate 2 clients/s");
    ASSERT_CONTAINS(logged, "Run time limit set to 2 seconds");
    ASSERT_CONTAINS(logged, "Shutting down (exit code 4)");
    free(logged);
    ck_assert_int_eq(cli_count(p.err, "INFO/locust.main"), 0);
    /* 0.9's files stay, 2.x's come next to them. */
    static const char *const files[] = {"v2_requests.csv", "v2_distribution.csv", "v2_stats_history.csv",
                                        "v2_failures.csv", "v2_exceptions.csv",   "v2.html"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        struct stat st;
        ck_assert_msg(stat(cli_tmp_path(files[i]), &st) == 0 && st.st_size > 0, "%s missing", files[i]);
    }
    char *hist = cli_slurp(cli_tmp_path("v2_stats_history.csv"));
    /* --csv-full-history: every entry's row before each Aggregated row. */
    ASSERT_CONTAINS(hist, ",GET,/,");
    ASSERT_CONTAINS(hist, ",GET,/status/500,");
    ASSERT_CONTAINS(hist, ",,Aggregated,");
    free(hist);
    char *fails = cli_slurp(cli_tmp_path("v2_failures.csv"));
    ASSERT_CONTAINS(fails, "Method,Name,Error,Occurrences\r\nGET,/status/500,");
    free(fails);
    cli_proc_free(&p);
}
END_TEST

/* The users a run hatched, from its log. */
static int hatched_users(const char *err)
{
    const char *s = strstr(err, "Hatching and swarming ");
    ck_assert_msg(s != NULL, "no hatch line in:\n%s", cli_tail(err));
    return atoi(s + strlen("Hatching and swarming "));
}

START_TEST(config_files_then_environment_then_command_line_as_in_2x)
{
    char dir[600], home[600];
    snprintf(dir, sizeof dir, "%s", cli_tmp_path("cfgrun"));
    snprintf(home, sizeof home, "%s", cli_tmp_path("cfghome"));
    mkdir(dir, 0700);
    mkdir(home, 0700);
    char conf[2400];
    snprintf(conf, sizeof conf,
             "# locust.conf as 2.x reads it\n[locust]\nlocustfile = %s\nhost: %s\nheadless\nusers = 3\n"
             "spawn-rate = 10\nrun-time 1s ; a comment\nexit-code-on-error = 0\nonly-summary = true\n",
             scenario, target.host);
    char path[1200];
    snprintf(path, sizeof path, "%s/locust.conf", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(conf, f);
    fclose(f);
    /* ~/.locust.conf is read first: ./locust.conf wins over it. */
    snprintf(path, sizeof path, "%s/.locust.conf", home);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("users = 7\nprint-stats = false\n", f);
    fclose(f);
    char home_env[700];
    snprintf(home_env, sizeof home_env, "HOME=%s", home);

    cli_proc p;
    cli_start_v(&p, dir, (const char *const[]){home_env, NULL}, (const char *const[]){"Fast", NULL});
    ck_assert_int_eq(cli_proc_wait(&p, 30), 0);
    ck_assert_int_eq(hatched_users(p.err), 3);
    cli_proc_free(&p);

    cli_start_v(&p, dir, (const char *const[]){home_env, "LOCUST_USERS=4", NULL},
                (const char *const[]){"Fast", NULL});
    ck_assert_int_eq(cli_proc_wait(&p, 30), 0);
    ck_assert_int_eq(hatched_users(p.err), 4);
    cli_proc_free(&p);

    cli_start_v(&p, dir, (const char *const[]){home_env, "LOCUST_USERS=4", NULL},
                (const char *const[]){"-u", "5", "Fast", NULL});
    ck_assert_int_eq(cli_proc_wait(&p, 30), 0);
    ck_assert_int_eq(hatched_users(p.err), 5);
    cli_proc_free(&p);

    /* --config FILE comes after locust.conf. */
    const char *extra = put_file("extra.conf", "users = 6\n");
    cli_start_v(&p, dir, (const char *const[]){home_env, NULL},
                (const char *const[]){"--config", extra, "Fast", NULL});
    ck_assert_int_eq(cli_proc_wait(&p, 30), 0);
    ck_assert_int_eq(hatched_users(p.err), 6);
    cli_proc_free(&p);
}
END_TEST

START_TEST(an_unknown_config_key_or_a_bad_value_is_a_usage_error_naming_file_and_line)
{
    const char *conf = put_file("bad.conf", "# ok\nusers = 2\nuserz = 3\n");
    cli_proc p;
    int rc = CLI_RUN(&p, 30, "-f", scenario, "--config", conf, "--headless");
    ck_assert_int_eq(rc, 2);
    char want[800];
    snprintf(want, sizeof want, "locust-run: error: %s:3: unknown option 'userz' in the config file", conf);
    ASSERT_CONTAINS(p.err, want);
    cli_proc_free(&p);
    rc = CLI_RUN(&p, 30, "-f", scenario, "--config", cli_tmp_path("missing.conf"), "--headless");
    ck_assert_int_eq(rc, 2);
    ASSERT_CONTAINS(p.err, "cannot read the config file");
    cli_proc_free(&p);
    /* A known key with a bad value names the line too. */
    conf = put_file("badvalue.conf", "headless\nusers = many\n");
    rc = CLI_RUN(&p, 30, "-f", scenario, "--config", conf);
    ck_assert_int_eq(rc, 2);
    snprintf(want, sizeof want, "locust-run: error: %s:2: option --users: invalid value 'many'", conf);
    ASSERT_CONTAINS(p.err, want);
    cli_proc_free(&p);
}
END_TEST

/* ---- thresholds ------------------------------------------------------------------------- */

START_TEST(a_malformed_threshold_is_a_usage_error_naming_it)
{
    cli_proc p;
    int rc = CLI_RUN(&p, 30, "-f", scenario, "--headless", "--threshold", "p95<300", "--threshold", "p95<<3");
    ck_assert_int_eq(rc, 2);
    ASSERT_CONTAINS(p.err, "option --threshold: invalid threshold 'p95<<3'");
    cli_proc_free(&p);
}
END_TEST

START_TEST(exit_status_3_for_a_failed_threshold_wins_over_1_for_failed_requests)
{
    cli_proc p;
    char junit[600];
    snprintf(junit, sizeof junit, "%s", cli_tmp_path("t.xml"));
    /* Web's /status/500 fails half the requests. */
    int rc = CLI_RUN(&p, 30, "-f", scenario, "--headless", "-u", "2", "-r", "10", "-t", "1s", "-H",
                     target.host, "--only-summary", "--threshold", "fail_ratio<0.9", "--threshold",
                     "GET /:p50<10000", "--junit", junit, "Web");
    ck_assert_msg(rc == 1, "exit %d:\n%s", rc, cli_tail(p.err));
    ASSERT_CONTAINS(p.err, " 0 of 2 thresholds failed");
    cli_proc_free(&p);

    rc = CLI_RUN(&p, 30, "-f", scenario, "--headless", "-u", "2", "-r", "10", "-t", "1s", "-H", target.host,
                 "--only-summary", "--threshold", "fail_ratio<0.1", "--threshold", "GET /:p50<10000",
                 "--junit", junit, "Web");
    ck_assert_msg(rc == 3, "exit %d:\n%s", rc, cli_tail(p.err));
    ASSERT_CONTAINS(p.err, " 1 of 2 thresholds failed");
    ASSERT_CONTAINS(p.err, "Shutting down (exit code 3)");
    char *xml = cli_slurp(junit);
    ASSERT_CONTAINS(xml, "tests=\"3\" failures=\"2\"");
    ASSERT_CONTAINS(xml,
                    "<testcase classname=\"locust.thresholds\" name=\"fail_ratio&lt;0.1\">\n      <failure");
    ASSERT_CONTAINS(
        xml, "<testcase classname=\"locust.thresholds\" name=\"GET /:p50&lt;10000\">\n    </testcase>");
    free(xml);
    cli_proc_free(&p);

    /* --exit-code-on-error 0 tolerates failed requests; thresholds still judge. */
    rc = CLI_RUN(&p, 30, "-f", scenario, "--headless", "-u", "2", "-r", "10", "-t", "1s", "-H", target.host,
                 "--only-summary", "--exit-code-on-error", "0", "--threshold", "num_failures<1000000", "Web");
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, cli_tail(p.err));
    cli_proc_free(&p);
}
END_TEST

START_TEST(threshold_abort_stops_the_test_after_the_grace_period)
{
    cli_proc p;
    int rc = CLI_RUN(&p, 60, "-f", scenario, "--headless", "-u", "2", "-r", "10", "-t", "30s", "-H",
                     target.host, "--only-summary", "--threshold", "p50<100", "--threshold-abort",
                     "--threshold-grace", "2", "Slow");
    ck_assert_msg(rc == 3, "exit %d:\n%s", rc, cli_tail(p.err));
    double took = p.ended - p.started;
    ck_assert_msg(took < 15, "the run took %.1f s", took);
    ASSERT_CONTAINS(p.err, "Threshold 'p50<100' has failed for 2 s");
    ASSERT_CONTAINS(p.err, "stopping the test (--threshold-abort)");
    cli_proc_free(&p);
}
END_TEST

START_TEST(thresholds_are_judged_on_the_masters_merged_numbers)
{
    /* --processes 2: two local slaves make the requests, the master judges their sum. */
    cli_proc p;
    int rc = CLI_RUN(&p, 60, "-f", scenario, "--headless", "-u", "4", "-r", "20", "-t", "2s", "-H",
                     target.host, "--processes", "2", "--only-summary", "--json", "--threshold",
                     "num_failures<1", "--threshold", "GET /:num_failures==0", "Web");
    ck_assert_msg(rc == 3, "exit %d:\n%s", rc, cli_tail(p.err));
    cJSON *j = cJSON_Parse(p.out);
    ck_assert_msg(j != NULL, "stdout is not JSON:\n%s", cli_tail(p.out));
    cJSON *tot = cJSON_GetObjectItem(j, "total");
    cJSON *t0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "thresholds"), 0);
    /* The command line, as a shell takes it back: the expressions with '<', '=' or a space quoted. */
    const char *cmd =
        cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "settings"), "command_line"));
    ck_assert_ptr_nonnull(cmd);
    ASSERT_CONTAINS(cmd, " --threshold 'num_failures<1' --threshold 'GET /:num_failures==0' Web");
    ASSERT_CONTAINS(cmd, " -u 4 -r 20 -t 2s -H http://127.0.0.1:");
    /* The verdict's value is the merged Total's, which the slaves' requests make up. */
    ck_assert_int_gt(cJSON_GetObjectItem(tot, "num_failures")->valueint, 10);
    ck_assert_double_eq(cJSON_GetObjectItem(t0, "value")->valuedouble,
                        cJSON_GetObjectItem(tot, "num_failures")->valuedouble);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(t0, "passed")));
    ck_assert(cJSON_IsTrue(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "thresholds"), 1), "passed")));
    cJSON_Delete(j);
    cli_proc_free(&p);
}
END_TEST

START_TEST(an_unwritable_csv_path_ends_the_run_before_any_2x_file_is_tried)
{
    /* The CSV files are checked before any user starts (exit 2, naming 0.9's
     * first file); 2.x's companions are never tried, so nothing else is said. */
    cli_proc p;
    int rc =
        CLI_RUN(&p, 30, "-f", scenario, "--headless", "-u", "1", "-r", "10", "-t", "1s", "-H", target.host,
                "--only-summary", "--csv", "/nonexistent-folder/base", "--csv-interval", "0.1", "Fast");
    ck_assert_msg(rc == 2, "exit %d:\n%s", rc, cli_tail(p.err));
    ck_assert_int_eq(cli_count(p.err, "option --csv: cannot write /nonexistent-folder/base_requests.csv"), 1);
    ck_assert_int_eq(cli_count(p.err, "base_stats_history.csv"), 0);
    ck_assert_int_eq(cli_count(p.err, "base_failures.csv"), 0);
    cli_proc_free(&p);
}
END_TEST

/* ---- JSON ------------------------------------------------------------------------------- */

START_TEST(json_prints_the_summary_on_stdout_and_json_file_writes_it)
{
    cli_proc p;
    char jf[600];
    snprintf(jf, sizeof jf, "%s", cli_tmp_path("s.json"));
    int rc =
        CLI_RUN(&p, 30, "-f", scenario, "--headless", "-u", "1", "-r", "10", "-t", "1s", "-H", target.host,
                "--only-summary", "--json", "--json-file", jf, "--threshold", "rps>0", "Fast");
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, cli_tail(p.err));
    cJSON *j = cJSON_Parse(p.out);
    ck_assert_msg(j != NULL, "stdout is not JSON:\n%s", cli_tail(p.out));
    ck_assert_int_eq(cJSON_GetObjectItem(j, "version")->valueint, 1);
    cJSON *tot = cJSON_GetObjectItem(j, "total");
    int requests = cJSON_GetObjectItem(tot, "num_requests")->valueint;
    ck_assert_int_gt(requests, 10);
    ck_assert_str_eq(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "entries"), 0), "name")->valuestring,
        "/");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "thresholds_passed")));
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "settings"), "host")->valuestring,
                     target.host);
    /* The same document in the file. */
    char *file = cli_slurp(jf);
    ck_assert_str_eq(file, p.out);
    free(file);
    /* Its count is the 0.9 CSV's: the same numbers in another format. */
    cJSON_Delete(j);
    cli_proc_free(&p);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("cli_reports");
    TCase *tc = tcase_create("reports");
    tcase_set_timeout(tc, 240);
    tcase_add_unchecked_fixture(tc, setup_all, teardown_all);
    tcase_add_test(tc, a_locust_2x_headless_command_line_runs_unchanged);
    tcase_add_test(tc, config_files_then_environment_then_command_line_as_in_2x);
    tcase_add_test(tc, an_unknown_config_key_or_a_bad_value_is_a_usage_error_naming_file_and_line);
    tcase_add_test(tc, a_malformed_threshold_is_a_usage_error_naming_it);
    tcase_add_test(tc, exit_status_3_for_a_failed_threshold_wins_over_1_for_failed_requests);
    tcase_add_test(tc, threshold_abort_stops_the_test_after_the_grace_period);
    tcase_add_test(tc, json_prints_the_summary_on_stdout_and_json_file_writes_it);
    tcase_add_test(tc, thresholds_are_judged_on_the_masters_merged_numbers);
    tcase_add_test(tc, an_unwritable_csv_path_ends_the_run_before_any_2x_file_is_tried);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
