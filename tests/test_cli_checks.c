/*
 * locust-run refuses at its start what would spoil a whole test later, as
 * a specification: a --csv path that cannot be written and a malformed
 * --host exit 2 naming the value and the reason before any user starts; a
 * class with a malformed .host is named with its field; a scenario is
 * compiled again when a header it includes changes.
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_proc.h"
#include "testutil.h"

/* The scenario with the test classes (tests/cli_scenarios/cli.c). */
static char scenario[1024];

static void setup_all(void)
{
    cli_test_setup();
    snprintf(scenario, sizeof scenario, "%s", cli_scenario_path("cli.c"));
}

/* Writes `text` to cli_tmpdir/name and returns the path (valid as cli_tmp_path()'s). */
static const char *write_file(const char *name, const char *text)
{
    const char *path = cli_tmp_path(name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert(fputs(text, f) >= 0);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

/* ---- --csv ------------------------------------------------------------------------------- */

START_TEST(a_csv_path_in_a_missing_folder_exits_2_before_any_user_starts)
{
    char base[1100];
    snprintf(base, sizeof base, "%s/no/such/folder/run", cli_tmpdir);
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 30, "-f", scenario, "-H", "http://127.0.0.1:9", "--no-web", "-c", "1", "-t",
                             "5", "--csv", base, "Idle"),
                     2);
    char want[1300];
    snprintf(want, sizeof want,
             "/ERROR/locust.main: option --csv: cannot write %s_requests.csv: No such file or "
             "directory",
             base);
    ASSERT_CONTAINS(p.err, want);
    ASSERT_LACKS(p.err, "Hatching");
    ASSERT_LACKS(p.err, "Starting Locust");
    cli_proc_free(&p);
}
END_TEST

START_TEST(a_csv_path_under_a_file_exits_2_naming_the_reason)
{
    /* A regular file where a folder should be: refused whoever runs the test (root included). */
    write_file("plainfile", "not a folder\n");
    char base[1100];
    snprintf(base, sizeof base, "%s/plainfile/run", cli_tmpdir);
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 30, "-f", scenario, "--no-web", "-c", "1", "-t", "5", "--csv", base, "Idle"),
                     2);
    ASSERT_CONTAINS(p.err, "option --csv: cannot write ");
    ASSERT_CONTAINS(p.err, "plainfile/run_requests.csv: Not a directory");
    ASSERT_LACKS(p.err, "Hatching");
    cli_proc_free(&p);
}
END_TEST

START_TEST(a_writable_csv_path_is_written_from_the_start)
{
    char base[1100], path[1200];
    snprintf(base, sizeof base, "%s/fine", cli_tmpdir);
    snprintf(path, sizeof path, "%s_requests.csv", base);
    cli_proc p;
    CLI_START(&p, "-f", scenario, "--no-web", "-c", "1", "-r", "100", "-t", "3", "--csv", base, "Idle");
    /* The files exist as soon as the test runs, before the first interval. */
    struct stat st;
    bool seen = false;
    for (int i = 0; i < 100 && !seen; i++) {
        seen = stat(path, &st) == 0;
        if (!seen) cli_sleep_ms(20);
    }
    ck_assert_msg(seen, "%s was not written at the start", path);
    ck_assert_int_eq(cli_proc_wait(&p, 30), 0);
    cli_proc_free(&p);
}
END_TEST

/* ---- hosts ------------------------------------------------------------------------------- */

START_TEST(a_malformed_host_exits_2_naming_it)
{
    static const struct {
        const char *host, *why;
    } bad[] = {
        {"http://[::1", "the IPv6 address '[::1' has no closing ']'"},
        {"http://127.0.0.1:99999", "the port 99999 is not in 1..65535"},
        {"127.0.0.1:8089", "no scheme"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cli_proc p;
        ck_assert_int_eq(CLI_RUN(&p, 30, "-f", scenario, "-H", bad[i].host, "--no-web", "-c", "1", "-t", "5"),
                         2);
        char want[512];
        snprintf(want, sizeof want, "locust-run: error: option -H/--host: invalid value '%s': %s",
                 bad[i].host, bad[i].why);
        ASSERT_CONTAINS(p.err, want);
        ASSERT_LACKS(p.err, "Hatching");
        cli_proc_free(&p);
    }
}
END_TEST

START_TEST(a_class_with_a_malformed_host_is_named_with_its_field)
{
    const char *src =
        write_file("badhost.c", "#include <locust/locust.h>\n"
                                "static void t(locust_ctx *ctx) { locust_sleep(ctx, 10); }\n"
                                "static const locust_task ts_tasks[] = {LOCUST_TASK(t), "
                                "LOCUST_TASKS_END};\n"
                                "static const locust_taskset ts = {.name = \"T\", .tasks = "
                                "ts_tasks};\n"
                                "static const locust_class shop = {.name = \"Shop\", .task_set = "
                                "&ts, .host = \"http://shop:99999\"};\n"
                                "LOCUST_SCENARIO(NULL, &shop);\n");
    cli_proc p;
    /* Exit 2, as for a malformed --host. */
    ck_assert_int_eq(CLI_RUN(&p, 60, "-f", src, "--no-web", "-c", "1", "-t", "5"), 2);
    ASSERT_CONTAINS(p.err,
                    "badhost.c: invalid locust class: class 'Shop': field .host 'http://shop:99999': the "
                    "port 99999 is not in 1..65535");
    ASSERT_LACKS(p.err, "Hatching");
    cli_proc_free(&p);
}
END_TEST

/* ---- the compile cache ------------------------------------------------------------------ */

START_TEST(a_change_in_an_included_header_compiles_the_scenario_again)
{
    char dir[1100], cache[1200];
    snprintf(dir, sizeof dir, "%s/hdr", cli_tmpdir);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    snprintf(cache, sizeof cache, "LOCUST_CACHE_DIR=%s/hdrcache", cli_tmpdir);
    write_file("hdr/scenario.c", "#include <locust/locust.h>\n"
                                 "#include \"common.h\"\n"
                                 "static void t(locust_ctx *ctx) { locust_sleep(ctx, 10); }\n"
                                 "static const locust_task tasks[] = {LOCUST_TASK(t), LOCUST_TASKS_END};\n"
                                 "static const locust_taskset ts = {.name = \"T\", .tasks = tasks};\n"
                                 "static const locust_class c = {.name = CLASS_NAME, .task_set = &ts};\n"
                                 "LOCUST_SCENARIO(NULL, &c);\n");
    char src[1200];
    snprintf(src, sizeof src, "%s/scenario.c", dir);
    const char *env[] = {cache, NULL};
    const char *args[] = {"-f", src, "-l", NULL};
    static const struct {
        const char *header, *listed;
        bool compiles;
    } runs[] = {
        {"#define CLASS_NAME \"Alpha\"\n", "Available Locusts:\n    Alpha\n", true},
        {NULL, "Available Locusts:\n    Alpha\n", false}, /* nothing changed: from the cache */
        {"#define CLASS_NAME \"Beta\"\n", "Available Locusts:\n    Beta\n", true},
        {"#define CLASS_NAME \"Alpha\"\n", "Available Locusts:\n    Alpha\n",
         false}, /* the first entry again */
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        if (runs[i].header) write_file("hdr/common.h", runs[i].header);
        cli_proc p;
        cli_start_v(&p, dir, env, args);
        ck_assert_int_eq(cli_proc_wait(&p, 60), 0);
        ck_assert_msg(strcmp(p.out, runs[i].listed) == 0, "run %zu listed:\n%s", i + 1, p.out);
        if (runs[i].compiles)
            ASSERT_CONTAINS(p.err, "Compiling ");
        else
            ASSERT_LACKS(p.err, "Compiling ");
        cli_proc_free(&p);
    }
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("cli_checks");
    TCase *tc = tcase_create("checks");
    tcase_add_unchecked_fixture(tc, setup_all, cli_test_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_csv_path_in_a_missing_folder_exits_2_before_any_user_starts);
    tcase_add_test(tc, a_csv_path_under_a_file_exits_2_naming_the_reason);
    tcase_add_test(tc, a_writable_csv_path_is_written_from_the_start);
    tcase_add_test(tc, a_malformed_host_exits_2_naming_it);
    tcase_add_test(tc, a_class_with_a_malformed_host_is_named_with_its_field);
    tcase_add_test(tc, a_change_in_an_included_header_compiles_the_scenario_again);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
