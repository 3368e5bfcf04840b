/*
 * locust-run's configuration as Locust 2.x reads it (cli/config.c): the
 * config file's line forms, flags, lists, LOCUST_* variables, the order of
 * the sources (so that the command line wins), and the errors that name
 * the file and the line.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cli/config.h"
#include "../cli/options.h"
#include "testutil.h"

static char dir[256];

static void setup(void)
{
    snprintf(dir, sizeof dir, "%s/cfgtest-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(chdir(dir), 0);
    /* No ~/.locust.conf of the machine's user, and no stray variables. */
    setenv("HOME", dir, 1);
    static const char *const vars[] = {"LOCUST_USERS",
                                       "LOCUST_HEADLESS",
                                       "LOCUST_MODE_WORKER",
                                       "LOCUST_MODE_MASTER",
                                       "LOCUST_MASTER_NODE_HOST",
                                       "LOCUST_MASTER_NODE_PORT",
                                       "LOCUST_MASTER_PORT",
                                       "LOCUST_MASTER_HOST",
                                       "LOCUST_PORT",
                                       "LOCUST_MASTER",
                                       "LOCUST_WORKER"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
}

static void teardown(void)
{
    unlink("locust.conf");
    unlink(".locust.conf");
    rmdir(dir);
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* The arguments the sources give, joined by '|', after argv[0]. */
static const char *joined(int argc, char **argv)
{
    static char buf[4096];
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 1; i < argc; i++)
        off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s", i > 1 ? "|" : "", argv[i]);
    return buf;
}

START_TEST(every_line_form_of_2x_becomes_an_option)
{
    put("locust.conf", "# comment\n; comment\n[locust]\n\nusers = 5\nhost: http://h\nrun-time 1m\nheadless\n"
                       "only-summary = false\nprint-stats = true\n--spawn-rate=2 # trailing comment\n"
                       "threshold = [p95<300, \"avg<100\"]\ncsv = 'out'\n");
    int argc;
    char **argv, err[512];
    char *cmd[] = {"locust-run", "-u", "7", NULL};
    ck_assert_int_eq(cli_config_argv(3, cmd, &argc, &argv, err, sizeof err), 0);
    ck_assert_str_eq(joined(argc, argv),
                     "--users=5|--host=http://h|--run-time=1m|--headless|--print-stats|"
                     "--spawn-rate=2|--threshold=p95<300|--threshold=avg<100|--csv=out|-u|7");
    /* Parsed, the command line's -u wins over the file's users. */
    cli_options o;
    ck_assert_int_eq(cli_options_parse(&o, argc, argv, err, sizeof err), 0);
    ck_assert_uint_eq(o.clients, 7);
    ck_assert(o.no_web);
    ck_assert(!o.only_summary);
    ck_assert_uint_eq(o.n_thresholds, 2);
    ck_assert_str_eq(o.csv_base, "out");
    cli_config_argv_free(argc, argv, 3);
}
END_TEST

START_TEST(sources_come_in_2x_order_home_file_config_environment_command_line)
{
    put(".locust.conf", "users = 1\n");
    put("locust.conf", "users = 2\n");
    put("extra.conf", "users = 3\n");
    setenv("LOCUST_USERS", "4", 1);
    setenv("LOCUST_HEADLESS", "true", 1);
    int argc;
    char **argv, err[512];
    char *cmd[] = {"locust-run", "--config", "extra.conf", "-u", "5", NULL};
    ck_assert_int_eq(cli_config_argv(5, cmd, &argc, &argv, err, sizeof err), 0);
    ck_assert_str_eq(joined(argc, argv),
                     "--users=1|--users=2|--users=3|--users=4|--headless|--config|extra.conf|-u|5");
    cli_config_argv_free(argc, argv, 5);
    unlink("extra.conf");
}
END_TEST

START_TEST(an_unknown_key_or_a_bad_flag_value_names_the_file_and_the_line)
{
    put("locust.conf", "users = 2\n\nuserz = 3\n");
    int argc;
    char **argv, err[512];
    char *cmd[] = {"locust-run", NULL};
    ck_assert_int_eq(cli_config_argv(1, cmd, &argc, &argv, err, sizeof err), -1);
    ck_assert_str_eq(err, "locust.conf:3: unknown option 'userz' in the config file");
    put("locust.conf", "headless = maybe\n");
    ck_assert_int_eq(cli_config_argv(1, cmd, &argc, &argv, err, sizeof err), -1);
    ck_assert_str_eq(err, "locust.conf:1: 'headless' takes true or false, not 'maybe'");
    /* A variable with a bad flag value is named too. */
    unlink("locust.conf");
    setenv("LOCUST_HEADLESS", "sometimes", 1);
    ck_assert_int_eq(cli_config_argv(1, cmd, &argc, &argv, err, sizeof err), -1);
    ck_assert_str_eq(err, "LOCUST_HEADLESS: 'headless' takes true or false, not 'sometimes'");
    /* --config of a missing file is an error; a missing locust.conf is not. */
    char *cmd2[] = {"locust-run", "--config=nope.conf", NULL};
    unsetenv("LOCUST_HEADLESS");
    ck_assert_int_eq(cli_config_argv(2, cmd2, &argc, &argv, err, sizeof err), -1);
    ck_assert_str_eq(err, "cannot read the config file nope.conf: No such file or directory");
}
END_TEST

START_TEST(the_environment_has_2x_variable_names_and_ignores_kubernetes_service_variables)
{
    /* 2.x's names for the distributed options (its Docker and Kubernetes setups use them). */
    setenv("LOCUST_MODE_WORKER", "true", 1);
    setenv("LOCUST_MASTER_NODE_HOST", "master.example", 1);
    setenv("LOCUST_MASTER_NODE_PORT", "6557", 1);
    /* What Kubernetes sets in every pod for the services "locust-master" and "locust": 2.x reads none of
     * them (it renamed its variables so), and they are no option here either. */
    setenv("LOCUST_MASTER_PORT", "tcp://10.0.0.7:5557", 1);
    setenv("LOCUST_MASTER_HOST", "10.0.0.7", 1);
    setenv("LOCUST_PORT", "tcp://10.0.0.8:8089", 1);
    int argc;
    char **argv, err[512];
    char *cmd[] = {"locust-run", NULL};
    ck_assert_int_eq(cli_config_argv(1, cmd, &argc, &argv, err, sizeof err), 0);
    ck_assert_str_eq(joined(argc, argv), "--master-host=master.example|--master-port=6557|--worker");
    cli_options o;
    ck_assert_int_eq(cli_options_parse(&o, argc, argv, err, sizeof err), 0);
    ck_assert(o.slave);
    ck_assert_str_eq(o.master_host, "master.example");
    ck_assert_int_eq(o.master_port, 6557);
    cli_config_argv_free(argc, argv, 1);
    setenv("LOCUST_MODE_MASTER", "true", 1);
    unsetenv("LOCUST_MODE_WORKER");
    ck_assert_int_eq(cli_config_argv(1, cmd, &argc, &argv, err, sizeof err), 0);
    ck_assert_str_eq(joined(argc, argv), "--master|--master-host=master.example|--master-port=6557");
    cli_config_argv_free(argc, argv, 1);
}
END_TEST

START_TEST(a_bad_value_from_a_file_or_a_variable_names_where_it_came_from)
{
    put("locust.conf", "headless\nusers = abc\n");
    int argc;
    char **argv, err[512];
    char *cmd[] = {"locust-run", "Web", NULL};
    ck_assert_int_eq(cli_config_argv(2, cmd, &argc, &argv, err, sizeof err), 0);
    cli_options o;
    ck_assert_int_eq(cli_options_parse(&o, argc, argv, err, sizeof err), -1);
    cli_config_blame(argc, argv, err, sizeof err);
    ck_assert_str_eq(err,
                     "locust.conf:2: option --users: invalid value 'abc' (expected a whole number from 0 to "
                     "10000000)");
    cli_config_argv_free(argc, argv, 2);

    unlink("locust.conf");
    setenv("LOCUST_SPAWN_RATE", "fast", 1);
    ck_assert_int_eq(cli_config_argv(2, cmd, &argc, &argv, err, sizeof err), 0);
    ck_assert_int_eq(cli_options_parse(&o, argc, argv, err, sizeof err), -1);
    cli_config_blame(argc, argv, err, sizeof err);
    ck_assert_msg(strncmp(err, "LOCUST_SPAWN_RATE: option -r/--hatch-rate: invalid value 'fast'", 63) == 0,
                  "%s", err);
    cli_config_argv_free(argc, argv, 2);
    unsetenv("LOCUST_SPAWN_RATE");

    /* The command line's own mistakes are told as before. */
    put("locust.conf", "users = 3\n");
    char *bad[] = {"locust-run", "-u", "abc", NULL};
    ck_assert_int_eq(cli_config_argv(3, bad, &argc, &argv, err, sizeof err), 0);
    ck_assert_int_eq(cli_options_parse(&o, argc, argv, err, sizeof err), -1);
    char before[512];
    snprintf(before, sizeof before, "%s", err);
    cli_config_blame(argc, argv, err, sizeof err);
    ck_assert_str_eq(err, before);
    cli_config_argv_free(argc, argv, 3);
}
END_TEST

START_TEST(locust_2x_spellings_mean_what_0_9s_do)
{
    cli_options o;
    char err[512];
    char *argv[] = {"locust-run",       "--headless", "-u",         "9", "--spawn-rate", "3", "--worker",
                    "--expect-workers", "4",          "--expect=5", NULL};
    ck_assert_int_eq(cli_options_parse(&o, 10, argv, err, sizeof err), 0);
    ck_assert(o.no_web);
    ck_assert_uint_eq(o.clients, 9);
    ck_assert_double_eq(o.hatch_rate, 3);
    ck_assert(o.slave);
    ck_assert_uint_eq(o.expect_slaves, 5); /* the last one given, under either name */
    char *bad[] = {"locust-run", "--autoquit", "5", NULL};
    ck_assert_int_eq(cli_options_parse(&o, 3, bad, err, sizeof err), -1);
    ck_assert_str_eq(err, "option --autoquit: only used together with --autostart (or --headless)");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_config");
    TCase *tc = tcase_create("config");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_line_form_of_2x_becomes_an_option);
    tcase_add_test(tc, sources_come_in_2x_order_home_file_config_environment_command_line);
    tcase_add_test(tc, an_unknown_key_or_a_bad_flag_value_names_the_file_and_the_line);
    tcase_add_test(tc, the_environment_has_2x_variable_names_and_ignores_kubernetes_service_variables);
    tcase_add_test(tc, a_bad_value_from_a_file_or_a_variable_names_where_it_came_from);
    tcase_add_test(tc, locust_2x_spellings_mean_what_0_9s_do);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
