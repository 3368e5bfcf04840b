/*
 * locust-run's start as a specification, run as a process (docs/compatibility.md §4.7,
 * §5.1, §5.2): the command line's exit codes, every way a scenario can fail
 * to load and the message naming the file, the compile cache, --list and
 * the task ratio. No load is generated here; test_cli_run.c runs tests.
 */
#include <string.h>
#include <unistd.h>

#include "cli_expected.h"
#include "cli_proc.h"
#include "testutil.h"

/* The scenario with the test classes (tests/cli_scenarios/cli.c). */
static char scenario[1024];

static void setup_all(void)
{
    cli_test_setup();
    snprintf(scenario, sizeof scenario, "%s", cli_scenario_path("cli.c"));
}

START_TEST(a_bad_command_line_exits_2_naming_the_option)
{
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 10, "-c", "many"), 2);
    ASSERT_CONTAINS(p.err, "locust-run: error: option -c/--clients: invalid value 'many'");
    ASSERT_CONTAINS(p.err, "Try 'locust-run --help'");
    ck_assert_str_eq(p.out, "");
    cli_proc_free(&p);
    ck_assert_int_eq(CLI_RUN(&p, 10, "--no-such-thing"), 2);
    ASSERT_CONTAINS(p.err, "no such option: --no-such-thing");
    cli_proc_free(&p);
    ck_assert_int_eq(CLI_RUN(&p, 10, "--run-time"), 2);
    ASSERT_CONTAINS(p.err, "option -t/--run-time requires a value");
    cli_proc_free(&p);
}
END_TEST
START_TEST(help_and_version_go_to_stdout_and_exit_0)
{
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 10, "--help"), 0);
    ck_assert(strncmp(p.out, "Usage: locust-run [options]", 27) == 0);
    ASSERT_CONTAINS(p.out, "--show-task-ratio-json");
    ck_assert_str_eq(p.err, "");
    cli_proc_free(&p);
    ck_assert_int_eq(CLI_RUN(&p, 10, "-V"), 0);
    ck_assert(strncmp(p.out, "locust-run " LOCUST_VERSION_STRING " (liblocust ", 20) == 0);
    cli_proc_free(&p);
}
END_TEST
START_TEST(bad_run_times_exit_1_with_locust_09s_messages)
{
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 10, "-f", scenario, "--no-web", "-t", "5M"), 1);
    ASSERT_CONTAINS(
        p.err, "/ERROR/locust.main: Valid --run-time formats are: 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc.");
    cli_proc_free(&p);
    ck_assert_int_eq(CLI_RUN(&p, 10, "-f", scenario, "-t", "10"), 1);
    ASSERT_CONTAINS(p.err, "The --run-time argument can only be used together with --no-web");
    cli_proc_free(&p);
    ck_assert_int_eq(CLI_RUN(&p, 10, "-f", scenario, "--slave", "--no-web", "-t", "10"), 1);
    ASSERT_CONTAINS(p.err, "--run-time should be specified on the master node, and not on slave nodes");
    cli_proc_free(&p);
}
END_TEST
START_TEST(a_missing_locustfile_is_named)
{
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 10, "-f", cli_tmp_path("absent.so")), 1);
    ASSERT_CONTAINS(p.err, "Could not find any locustfile! '");
    ASSERT_CONTAINS(p.err, "absent.so' does not exist");
    cli_proc_free(&p);
    /* The default locustfile is looked up in the current folder and its parents. */
    cli_start_v(&p, "/", NULL, (const char *const[]){"--list", NULL});
    ck_assert_int_eq(cli_proc_wait(&p, 10), 1);
    ASSERT_CONTAINS(p.err,
                    "Could not find any locustfile! No 'locustfile' (also with .so and .c appended) in /");
    cli_proc_free(&p);
}
END_TEST
START_TEST(the_default_locustfile_is_found_in_a_parent_folder)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/proj/sub/deeper' && cp '%s' '%s/proj/locustfile.c' && cp '%s' '%s/proj'",
             cli_tmpdir, cli_scenario_path("ratio.c"), cli_tmpdir, cli_scenario_path("ratio_classes.h"),
             cli_tmpdir);
    ck_assert_int_eq(system(cmd), 0);
    cli_proc p;
    cli_start_v(&p, cli_tmp_path("proj/sub/deeper"), NULL, (const char *const[]){"-l", NULL});
    ck_assert_int_eq(cli_proc_wait(&p, 60), 0);
    ck_assert_str_eq(p.out, "Available Locusts:\n    UnlikelyLocust\n    MoreLikelyLocust\n");
    cli_proc_free(&p);
}
END_TEST
START_TEST(a_file_that_is_not_a_shared_object_is_named)
{
    FILE *f = fopen(cli_tmp_path("text.so"), "w");
    fputs("this is text\n", f);
    fclose(f);
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 10, "-f", cli_tmp_path("text.so")), 1);
    ASSERT_CONTAINS(p.err, "text.so: not a shared object (no ELF header)");
    cli_proc_free(&p);
}
END_TEST
START_TEST(compile_errors_show_the_compilers_output)
{
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 60, "-f", cli_scenario_path("syntax_error.c")), 1);
    ASSERT_CONTAINS(p.err, "syntax_error.c: compilation failed (");
    ASSERT_CONTAINS(p.err, "this_identifier_is_not_declared");
    ASSERT_CONTAINS(p.err, "syntax_error.c:6:12: error:");
    cli_proc_free(&p);
}
END_TEST
START_TEST(a_scenario_without_classes_is_named)
{
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 60, "-f", cli_scenario_path("no_classes.c")), 1);
    ASSERT_CONTAINS(p.err, "/ERROR/locust.main: No Locust class found! (");
    ASSERT_CONTAINS(p.err, "no_classes.c declares none");
    cli_proc_free(&p);
    /* -l runs before that check, as in 0.9.0, and lists nothing. */
    ck_assert_int_eq(CLI_RUN(&p, 60, "-f", cli_scenario_path("no_classes.c"), "-l"), 0);
    ck_assert_str_eq(p.out, "Available Locusts:\n");
    cli_proc_free(&p);
}
END_TEST
START_TEST(a_shared_object_without_the_scenario_symbol_is_named)
{
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 60, "-f", cli_scenario_path("no_symbol.c")), 1);
    ASSERT_CONTAINS(p.err, "no_symbol.c: no '" LOCUST_SCENARIO_SYMBOL "' symbol");
    cli_proc_free(&p);
}
END_TEST
START_TEST(unknown_class_names_are_listed)
{
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 10, "-f", scenario, "Hello", "Nope", "Other", "Nope"), 1);
    ASSERT_CONTAINS(p.err, "/ERROR/locust.main: Unknown Locust(s): Nope, Other (in ");
    cli_proc_free(&p);
}
END_TEST
START_TEST(a_scenario_of_another_abi_is_refused_naming_both_versions)
{
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 60, "-f", cli_scenario_path("bad_abi.c")), 1);
    char want[256];
    snprintf(want, sizeof want, "bad_abi.c: built for liblocust scenario ABI version %d, but this locust-run",
             LOCUST_API_VERSION + 998);
    ASSERT_CONTAINS(p.err, want);
    snprintf(want, sizeof want, "uses ABI version %d: rebuild", LOCUST_API_VERSION);
    ASSERT_CONTAINS(p.err, want);
    cli_proc_free(&p);
}
END_TEST
START_TEST(an_invalid_class_is_named_with_its_field)
{
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 60, "-f", cli_scenario_path("bad_class.c"), "--no-web"), 1);
    ASSERT_CONTAINS(p.err, "bad_class.c: invalid locust class: class 'Broken': field .task_set is NULL");
    cli_proc_free(&p);
}
END_TEST
START_TEST(a_source_is_compiled_once_and_then_taken_from_the_cache)
{
    /* A compiler wrapper that counts the builds (not the --version probes). */
    char wrapper[1100], src[1100], cc_env[1200], cache[1200], cmd[8192];
    snprintf(wrapper, sizeof wrapper, "%s/cc-wrap", cli_tmpdir);
    snprintf(src, sizeof src, "%s/cached.c", cli_tmpdir);
    snprintf(cmd, sizeof cmd,
             "printf '#!/bin/sh\\ncase \"$*\" in *-shared*) echo build >> %s/builds;; esac\\nexec cc "
             "\"$@\"\\n' > '%s'"
             " && chmod +x '%s' && cp '%s' '%s' && cp '%s' '%s'",
             cli_tmpdir, wrapper, wrapper, cli_scenario_path("ratio.c"), src,
             cli_scenario_path("ratio_classes.h"), cli_tmpdir);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cc_env, sizeof cc_env, "CC=%s", wrapper);
    snprintf(cache, sizeof cache, "LOCUST_CACHE_DIR=%s/cache2", cli_tmpdir);
    const char *env[] = {cc_env, cache, NULL};
    const char *args[] = {"-f", src, "-l", NULL};
    cli_proc p;
    for (int run = 1; run <= 3; run++) {
        if (run == 3) {
            /* A changed source is built again. */
            FILE *f = fopen(src, "a");
            fputs("/* changed */\n", f);
            fclose(f);
        }
        cli_start_v(&p, NULL, env, args);
        ck_assert_int_eq(cli_proc_wait(&p, 60), 0);
        ck_assert_str_eq(p.out, "Available Locusts:\n    UnlikelyLocust\n    MoreLikelyLocust\n");
        if (run == 2)
            ASSERT_LACKS(p.err, "Compiling");
        else
            ASSERT_CONTAINS(p.err, "/INFO/locust.main: Compiling ");
        cli_proc_free(&p);
        char *builds = cli_slurp(cli_tmp_path("builds"));
        ck_assert_int_eq(cli_count(builds, "build\n"), run == 3 ? 2 : 1);
        free(builds);
    }
    /* The entries: two objects with the lists of the files their builds read, no temporary files. */
    snprintf(
        cmd, sizeof cmd,
        "test $(ls '%s/cache2' | grep -c '^cached-.*\\.so$') -eq 2 && "
        "test $(ls '%s/cache2' | grep -c '^cached-.*\\.deps$') -eq 2 && test $(ls '%s/cache2' | wc -l) -eq 4",
        cli_tmpdir, cli_tmpdir, cli_tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST
START_TEST(a_cxx_source_is_compiled_with_the_cxx_compiler)
{
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 60, "-f", cli_scenario_path("cxx.cpp"), "-l"), 0);
    ck_assert_str_eq(p.out, "Available Locusts:\n    CxxUser\n");
    ASSERT_LACKS(p.err, "Compiler output");
    cli_proc_free(&p);
}
END_TEST

START_TEST(list_prints_the_classes_in_file_order)
{
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 10, "-f", scenario, "--list"), 0);
    ck_assert_str_eq(p.out,
                     "Available Locusts:\n    Hello\n    Counted\n    Failing\n    Stopper\n    Lingering\n"
                     "    Polite\n    Idle\n");
    cli_proc_free(&p);
}
END_TEST
START_TEST(show_task_ratio_is_byte_exact_to_locust_09)
{
    cli_proc p;
    ck_assert_int_eq(CLI_RUN(&p, 60, "-f", cli_scenario_path("ratio.c"), "--show-task-ratio"), 0);
    ck_assert_str_eq(p.out, expected_task_ratio);
    cli_proc_free(&p);
    ck_assert_int_eq(CLI_RUN(&p, 60, "-f", cli_scenario_path("ratio.c"), "--show-task-ratio-json"), 0);
    ck_assert_str_eq(p.out, expected_task_ratio_json);
    cli_proc_free(&p);
    /* Only the classes named: one class has all the ratio. */
    ck_assert_int_eq(
        CLI_RUN(&p, 60, "-f", cli_scenario_path("ratio.c"), "--show-task-ratio-json", "MoreLikelyLocust"), 0);
    ck_assert(strncmp(p.out, "{\"per_class\": {\"MoreLikelyLocust\": {\"ratio\": 1.0, ", 50) == 0);
    cli_proc_free(&p);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("cli_load");
    TCase *tc = tcase_create("load");
    tcase_add_unchecked_fixture(tc, setup_all, cli_test_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_bad_command_line_exits_2_naming_the_option);
    tcase_add_test(tc, help_and_version_go_to_stdout_and_exit_0);
    tcase_add_test(tc, bad_run_times_exit_1_with_locust_09s_messages);
    tcase_add_test(tc, a_missing_locustfile_is_named);
    tcase_add_test(tc, the_default_locustfile_is_found_in_a_parent_folder);
    tcase_add_test(tc, a_file_that_is_not_a_shared_object_is_named);
    tcase_add_test(tc, compile_errors_show_the_compilers_output);
    tcase_add_test(tc, a_scenario_without_classes_is_named);
    tcase_add_test(tc, a_shared_object_without_the_scenario_symbol_is_named);
    tcase_add_test(tc, unknown_class_names_are_listed);
    tcase_add_test(tc, a_scenario_of_another_abi_is_refused_naming_both_versions);
    tcase_add_test(tc, an_invalid_class_is_named_with_its_field);
    tcase_add_test(tc, a_source_is_compiled_once_and_then_taken_from_the_cache);
    tcase_add_test(tc, a_cxx_source_is_compiled_with_the_cxx_compiler);
    tcase_add_test(tc, list_prints_the_classes_in_file_order);
    tcase_add_test(tc, show_task_ratio_is_byte_exact_to_locust_09);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
