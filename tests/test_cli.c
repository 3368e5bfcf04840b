/*
 * locust-run's command line, run-time spans, task ratio and CSV writer as
 * specifications (docs/compatibility.md §4.4, §4.5, §5, §5.2), tested in-process. The
 * behaviour of the whole program is in test_cli_run.c.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../cli/console.h"
#include "../cli/options.h"
#include "../cli/taskratio.h"
#include "cli_expected.h"
#include "testutil.h"

/* The spec's example classes. */
#include "cli_scenarios/ratio_classes.h"

static cli_options opts;
static char err[1024];

/* Parses a command line given as a NULL-terminated list; returns cli_options_parse()'s result. */
static int parse_v(const char *const *args)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = "locust-run";
    for (; *args; args++)
        argv[argc++] = (char *)*args;
    argv[argc] = NULL;
    err[0] = '\0';
    return cli_options_parse(&opts, argc, argv, err, sizeof err);
}
#define PARSE(...) parse_v((const char *const[]){__VA_ARGS__, NULL})

/* Asserts that a command line is refused with a message containing `needle`. */
#define ASSERT_USAGE_ERROR(needle, ...)                                                                      \
    do {                                                                                                     \
        ck_assert_int_eq(PARSE(__VA_ARGS__), -1);                                                            \
        ck_assert_msg(strstr(err, needle) != NULL, "error '%s' does not mention '%s'", err, needle);         \
    } while (0)

/* ---- options ---------------------------------------------------------------------- */

START_TEST(defaults_are_locust_09s)
{
    ck_assert_int_eq(parse_v((const char *const[]){NULL}), 0);
    ck_assert_str_eq(opts.locustfile, "locustfile");
    ck_assert_ptr_null(opts.host);
    ck_assert_str_eq(opts.web_host, "");
    ck_assert_int_eq(opts.web_port, 8089);
    ck_assert(!opts.master && !opts.slave && !opts.no_web);
    ck_assert_str_eq(opts.master_host, "127.0.0.1");
    ck_assert_int_eq(opts.master_port, 5557);
    ck_assert_str_eq(opts.master_bind_host, "*");
    ck_assert_int_eq(opts.master_bind_port, 5557);
    ck_assert_int_eq(opts.master_protocol, 1);
    ck_assert_uint_eq(opts.expect_slaves, 1);
    ck_assert_uint_eq(opts.clients, 1);
    ck_assert(opts.hatch_rate == 1.0);
    ck_assert_ptr_null(opts.run_time);
    ck_assert(!opts.stop_timeout_set); /* not given: the runner's default */
    ck_assert_int_eq(opts.loglevel, LOCUST_LOG_INFO);
    ck_assert_ptr_null(opts.logfile);
    ck_assert(!opts.print_stats && !opts.only_summary && !opts.reset_stats);
    ck_assert(!opts.list && !opts.show_task_ratio && !opts.show_task_ratio_json && !opts.version);
    ck_assert_ptr_null(opts.csv_base);
    ck_assert(opts.csv_interval == 2.0);
    ck_assert(!opts.seed_set);
    ck_assert_uint_eq(opts.n_class_names, 0);
}
END_TEST

START_TEST(values_are_taken_in_every_optparse_form)
{
    ck_assert_int_eq(PARSE("-c10", "-r", "2.5", "--host=http://h:1", "--locustfile", "x.so"), 0);
    ck_assert_uint_eq(opts.clients, 10);
    ck_assert(opts.hatch_rate == 2.5);
    ck_assert_str_eq(opts.host, "http://h:1");
    ck_assert_str_eq(opts.locustfile, "x.so");
    ck_assert_int_eq(PARSE("-c", "7", "--clients=8"), 0);
    ck_assert_uint_eq(opts.clients, 8); /* the last one wins */
    ck_assert_int_eq(PARSE("--hatch-rate", "3", "-fy.c", "-H", "https://x"), 0);
    ck_assert(opts.hatch_rate == 3.0);
    ck_assert_str_eq(opts.locustfile, "y.c");
    ck_assert_str_eq(opts.host, "https://x");
}
END_TEST

START_TEST(every_option_sets_its_field)
{
    ck_assert_int_eq(PARSE("--web-host", "127.0.0.1", "-P", "0", "--web-auth", "u:p", "--master", "--slave",
                           "--master-host=m", "--master-port", "6000", "--master-bind-host", "b",
                           "--master-bind-port", "6001", "--master-protocol", "2", "--expect-slaves", "3",
                           "--no-web", "-t", "1h30m", "--stop-timeout", "1m", "-L", "debug", "--logfile",
                           "l.log", "--print-stats", "--only-summary", "--reset-stats", "--no-reset-stats",
                           "-l", "--show-task-ratio", "--show-task-ratio-json", "--csv", "out/base",
                           "--csv-interval", "0.5", "--seed", "42", "-V", "-h"),
                     0);
    ck_assert_str_eq(opts.web_host, "127.0.0.1");
    ck_assert_int_eq(opts.web_port, 0);
    ck_assert_str_eq(opts.web_auth, "u:p");
    ck_assert(opts.master);
    ck_assert(!opts.slave); /* --master wins, as in 0.9.0 */
    ck_assert_str_eq(opts.master_host, "m");
    ck_assert_int_eq(opts.master_port, 6000);
    ck_assert_str_eq(opts.master_bind_host, "b");
    ck_assert_int_eq(opts.master_bind_port, 6001);
    ck_assert_int_eq(opts.master_protocol, 2);
    ck_assert_uint_eq(opts.expect_slaves, 3);
    ck_assert(opts.no_web);
    ck_assert_str_eq(opts.run_time, "1h30m");
    ck_assert(opts.stop_timeout == 60.0);
    ck_assert_int_eq(opts.loglevel, LOCUST_LOG_DEBUG);
    ck_assert_str_eq(opts.logfile, "l.log");
    ck_assert(opts.print_stats && opts.only_summary && opts.reset_stats);
    ck_assert(opts.list && opts.show_task_ratio && opts.show_task_ratio_json);
    ck_assert_str_eq(opts.csv_base, "out/base");
    ck_assert(opts.csv_interval == 0.5);
    ck_assert(opts.seed_set);
    ck_assert_uint_eq(opts.seed, 42);
    ck_assert(opts.version && opts.help);
}
END_TEST

START_TEST(aliases_name_the_same_option)
{
    ck_assert_int_eq(PARSE("--port", "1"), 0);
    ck_assert_int_eq(opts.web_port, 1);
    ck_assert_int_eq(PARSE("--web-port=2"), 0);
    ck_assert_int_eq(opts.web_port, 2);
    ck_assert_int_eq(PARSE("--csv-base-name", "b"), 0);
    ck_assert_str_eq(opts.csv_base, "b");
    ck_assert_int_eq(PARSE("--run-time=5s", "--loglevel=WARNING", "--list", "--version"), 0);
    ck_assert_str_eq(opts.run_time, "5s");
    ck_assert_int_eq(opts.loglevel, LOCUST_LOG_WARNING);
    ck_assert(opts.list && opts.version);
    /* A unique prefix of a long option is that option, as in optparse. */
    ck_assert_int_eq(PARSE("--expect=4", "--only"), 0);
    ck_assert_uint_eq(opts.expect_slaves, 4);
    ck_assert(opts.only_summary);
}
END_TEST

START_TEST(class_names_are_positional_and_may_be_mixed_with_options)
{
    ck_assert_int_eq(PARSE("A", "-c", "2", "B", "--no-web", "A"), 0);
    ck_assert_uint_eq(opts.n_class_names, 3);
    ck_assert_str_eq(opts.class_names[0], "A");
    ck_assert_str_eq(opts.class_names[1], "B");
    ck_assert_str_eq(opts.class_names[2], "A");
    ck_assert_uint_eq(opts.clients, 2);
    ck_assert(opts.no_web);
    /* After "--" everything is a class name. */
    ck_assert_int_eq(PARSE("--", "-c"), 0);
    ck_assert_uint_eq(opts.n_class_names, 1);
    ck_assert_str_eq(opts.class_names[0], "-c");
}
END_TEST

START_TEST(bad_command_lines_name_the_option)
{
    ASSERT_USAGE_ERROR("no such option: --bogus", "--bogus=1");
    ASSERT_USAGE_ERROR("no such option: -x", "-x");
    ASSERT_USAGE_ERROR("option -c/--clients requires a value", "-c");
    ASSERT_USAGE_ERROR("option --csv requires a value", "--csv");
    ASSERT_USAGE_ERROR("option --no-web does not take a value", "--no-web=yes");
    ASSERT_USAGE_ERROR("option -l/--list does not take a value", "--list=1");
    ASSERT_USAGE_ERROR("option -c/--clients: invalid value 'ten'", "-c", "ten");
    ASSERT_USAGE_ERROR("option -c/--clients: invalid value '-1'", "-c", "-1");
    ASSERT_USAGE_ERROR("option -c/--clients: invalid value '5x'", "-c5x");
    ASSERT_USAGE_ERROR("option -r/--hatch-rate: invalid value '0'", "-r", "0");
    ASSERT_USAGE_ERROR("option -r/--hatch-rate: invalid value 'nan'", "-r", "nan");
    ASSERT_USAGE_ERROR("option -r/--hatch-rate: invalid value 'inf'", "-r", "inf");
    ASSERT_USAGE_ERROR("option -P/--port: invalid value '65536'", "-P", "65536");
    ASSERT_USAGE_ERROR("option --master-port: invalid value '0'", "--master-port", "0");
    ASSERT_USAGE_ERROR("option --master-bind-port: invalid value 'x'", "--master-bind-port=x");
    ASSERT_USAGE_ERROR("option --master-protocol: invalid value '3'", "--master-protocol", "3");
    ASSERT_USAGE_ERROR("option --expect-slaves: invalid value ''", "--expect-slaves=");
    ASSERT_USAGE_ERROR("option -L/--loglevel: invalid log level 'LOUD'", "-L", "LOUD");
    ASSERT_USAGE_ERROR("option -H/--host: invalid value 'example.com'", "-H", "example.com");
    ASSERT_USAGE_ERROR("option -H/--host: invalid value 'http://'", "--host=http://");
    ASSERT_USAGE_ERROR("option --web-auth: invalid value 'nopassword'", "--web-auth", "nopassword");
    ASSERT_USAGE_ERROR("option --csv-interval: invalid value '-2'", "--csv-interval=-2");
    ASSERT_USAGE_ERROR("option --seed: invalid value '-3'", "--seed", "-3");
    ASSERT_USAGE_ERROR("option --csv: the base name is empty", "--csv=");
    ASSERT_USAGE_ERROR("option --processes: invalid value '0'", "--processes", "0");
    ASSERT_USAGE_ERROR("option --stop-timeout requires a value", "--stop-timeout");
    ASSERT_USAGE_ERROR("option --stop-timeout: invalid value '-1'", "--stop-timeout", "-1");
    ASSERT_USAGE_ERROR("option --stop-timeout: invalid value '10sec'", "--stop-timeout=10sec");
    ASSERT_USAGE_ERROR("option --stop-timeout: invalid value ''", "--stop-timeout=");
    ASSERT_USAGE_ERROR("option --processes: cannot be combined with --master", "--processes=2", "--master");
    ASSERT_USAGE_ERROR("option --processes: cannot be combined with --slave", "--slave", "--processes=2");
}
END_TEST

START_TEST(rate_selects_the_open_model)
{
    ck_assert_int_eq(PARSE("-c", "300"), 0);
    ck_assert(opts.rate == 0); /* the closed model by default */
    ck_assert_int_eq(PARSE("--rate", "2500.5", "-c", "300"), 0);
    ck_assert(opts.rate == 2500.5);
    ck_assert_uint_eq(opts.clients, 300);
    ck_assert_int_eq(PARSE("--rate=1e7"), 0);
    ASSERT_USAGE_ERROR("option --rate: invalid value '0' (expected a number greater than 0)", "--rate", "0");
    ASSERT_USAGE_ERROR("option --rate: invalid value 'fast'", "--rate=fast");
    ASSERT_USAGE_ERROR("option --rate: invalid value 'inf'", "--rate", "inf");
    ASSERT_USAGE_ERROR("option --rate: 2e7 is above 10000000 runs/s", "--rate", "2e7");
    ASSERT_USAGE_ERROR("option --rate requires a value", "--rate");
}
END_TEST

START_TEST(processes_sets_the_local_slave_count)
{
    ck_assert_int_eq(PARSE("--no-web"), 0);
    ck_assert_uint_eq(opts.processes, 1);
    ck_assert_int_eq(PARSE("--processes", "4"), 0);
    ck_assert_uint_eq(opts.processes, 4);
    /* One process is a plain run, with or without a master role. */
    ck_assert_int_eq(PARSE("--processes=1", "--master"), 0);
    ck_assert(opts.master);
}
END_TEST

START_TEST(parsing_twice_starts_afresh)
{
    ck_assert_int_eq(PARSE("-c", "5", "A"), 0);
    ck_assert_int_eq(PARSE("--no-web"), 0);
    ck_assert_uint_eq(opts.clients, 1);
    ck_assert_uint_eq(opts.n_class_names, 0);
}
END_TEST

START_TEST(help_text_lists_every_option)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cli_options_help(f);
    fclose(f);
    static const char *const names[] = {"--locustfile",
                                        "--host",
                                        "--web-host",
                                        "--port",
                                        "--web-port",
                                        "--web-auth",
                                        "--master",
                                        "--slave",
                                        "--master-host",
                                        "--master-port",
                                        "--master-bind-host",
                                        "--master-bind-port",
                                        "--master-protocol",
                                        "--expect-slaves",
                                        "--processes",
                                        "--no-web",
                                        "--clients",
                                        "--hatch-rate",
                                        "--run-time",
                                        "--stop-timeout",
                                        "--loglevel",
                                        "--logfile",
                                        "--print-stats",
                                        "--only-summary",
                                        "--reset-stats",
                                        "--no-reset-stats",
                                        "--list",
                                        "--show-task-ratio",
                                        "--show-task-ratio-json",
                                        "--csv",
                                        "--csv-base-name",
                                        "--csv-interval",
                                        "--seed",
                                        "--version",
                                        "--help"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        ck_assert_msg(strstr(buf, names[i]) != NULL, "--help does not mention %s", names[i]);
    static const char usage[] = "Usage: locust-run [options] [LocustClass [LocustClass2 ... ]]\n";
    ck_assert(strncmp(buf, usage, strlen(usage)) == 0);
    /* Every line fits in 80 columns. */
    for (char *line = buf; *line;) {
        size_t n = strcspn(line, "\n");
        ck_assert_msg(n <= 80, "help line too long: %.*s", (int)n, line);
        line += n + (line[n] == '\n');
    }
    free(buf);
}
END_TEST

/* ---- --run-time ------------------------------------------------------------------------ */

START_TEST(timespans_parse_as_locust_09s_parse_timespan)
{
    static const struct {
        const char *in;
        long long out; /* -1: an error */
    } cases[] = {
        {"20", 20},
        {"20s", 20},
        {"3m", 180},
        {"2h", 7200},
        {"90m", 5400},
        {"1h20m", 4800},
        {"3h30m10s", 12610},
        {"1h30mfoo", 5400},
        {"1m30", 60},
        {"0", 0},
        {"0s", 0},
        {"10s5m", 10},
        {"1h1h", 3600},
        {"007", 7},
        {"20\n", 20},
        {"5M", -1},
        {"q", -1},
        {"", -1},
        {"h", -1},
        {"-5", -1},
        {" 5", -1},
        {"s10", -1},
        {"99999999999999999999", -1},
        {"99999999999999999h", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t v = 12345;
        int rc = cli_parse_timespan(cases[i].in, &v);
        if (cases[i].out < 0) {
            ck_assert_msg(rc == -1, "'%s' should be refused, got %llu", cases[i].in, (unsigned long long)v);
        } else {
            ck_assert_msg(rc == 0, "'%s' refused", cases[i].in);
            ck_assert_msg(v == (uint64_t)cases[i].out, "'%s' -> %llu, expected %lld", cases[i].in,
                          (unsigned long long)v, cases[i].out);
        }
    }
    ck_assert_int_eq(cli_parse_timespan(NULL, &(uint64_t){0}), -1);
}
END_TEST

/* ---- --stop-timeout -------------------------------------------------------------------- */

START_TEST(stop_timeouts_are_seconds_or_a_whole_timespan)
{
    static const struct {
        const char *in;
        double out; /* -1: an error */
    } cases[] = {
        {"0", 0},
        {"10", 10},
        {"2.5", 2.5},
        {".5", 0.5},
        {"5.", 5},
        {"007", 7},
        {"30s", 30},
        {"1m", 60},
        {"1h30m", 5400},
        {"1m30s", 90},
        {"0s", 0},
        /* Unlike -t, nothing may follow: a typo is not silently a shorter grace. */
        {"10sec", -1},
        {"1h30mfoo", -1},
        {"1m30", -1},
        {"10s5m", -1},
        {"1.5s", -1},
        {"", -1},
        {".", -1},
        {"-1", -1},
        {"+1", -1},
        {" 5", -1},
        {"5 ", -1},
        {"1e3", -1},
        {"inf", -1},
        {"nan", -1},
        {"0x10", -1},
        {"1.2.3", -1},
        {"99999999999999999h", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double v = 12345;
        int rc = cli_parse_seconds(cases[i].in, &v);
        if (cases[i].out < 0) {
            ck_assert_msg(rc == -1, "'%s' should be refused, got %g", cases[i].in, v);
        } else {
            ck_assert_msg(rc == 0, "'%s' refused", cases[i].in);
            ck_assert_msg(v == cases[i].out, "'%s' -> %g, expected %g", cases[i].in, v, cases[i].out);
        }
    }
    ck_assert_int_eq(cli_parse_seconds(NULL, &(double){0}), -1);
}
END_TEST

START_TEST(stop_timeout_0_means_no_grace_and_none_given_the_runners_default)
{
    /* The command line, the runner's options and the 2.x wire give 0 one
     * meaning, no grace; the runner's default applies only when nothing is given. */
    ck_assert_int_eq(PARSE("--no-web"), 0);
    locust_runner_options ro = cli_runner_options(&opts);
    ck_assert(!ro.stop_timeout_set && ro.stop_timeout == 0);
    ck_assert_int_eq(PARSE("--stop-timeout", "0"), 0);
    ro = cli_runner_options(&opts);
    ck_assert(ro.stop_timeout_set && ro.stop_timeout == 0);
    ck_assert_int_eq(PARSE("--stop-timeout=0.25"), 0);
    ck_assert(cli_runner_options(&opts).stop_timeout == 0.25);
    ck_assert_int_eq(PARSE("--stop-timeout", "2m"), 0);
    ck_assert(cli_runner_options(&opts).stop_timeout == 120);
    /* A unique prefix works as for every long option; the last value wins. */
    ck_assert_int_eq(PARSE("--stop=3", "--stop-timeout", "4"), 0);
    ck_assert(opts.stop_timeout == 4 && opts.stop_timeout_set);
}
END_TEST

START_TEST(seed_0_is_a_seed_like_any_other)
{
    /* --seed 0 used to reach the runner as "seed from the clock". */
    ck_assert_int_eq(PARSE("--seed", "0"), 0);
    locust_runner_options ro = cli_runner_options(&opts);
    ck_assert(ro.seed_set && ro.seed == 0);
    ck_assert_int_eq(PARSE("--no-web"), 0);
    ck_assert(!cli_runner_options(&opts).seed_set);
}
END_TEST

START_TEST(a_malformed_host_is_a_usage_error_naming_it)
{
    ASSERT_USAGE_ERROR(
        "option -H/--host: invalid value 'http://[::1': the IPv6 address '[::1' has no closing ']'", "-H",
        "http://[::1");
    ASSERT_USAGE_ERROR("option -H/--host: invalid value 'http://localhost:99999': the port 99999 is not in "
                       "1..65535",
                       "--host", "http://localhost:99999");
    ASSERT_USAGE_ERROR("option -H/--host: invalid value 'localhost:8080': no scheme", "-H", "localhost:8080");
    ASSERT_USAGE_ERROR("option -H/--host: invalid value 'ftp://x': only http:// and https://", "-H",
                       "ftp://x");
    ASSERT_USAGE_ERROR("option -H/--host: invalid value 'http://': no host", "-H", "http://");
    ASSERT_USAGE_ERROR("option -H/--host: invalid value 'http://a b': the host holds the byte 0x20", "-H",
                       "http://a b");
    ASSERT_USAGE_ERROR("option -H/--host: invalid value 'http://h:8o': the port '8o' is not a number", "-H",
                       "http://h:8o");
    const char *good[] = {"http://127.0.0.1:8089",    "https://example.com/api/v1?x=1", "http://[::1]:80/",
                          "HTTP://user:p%40ss@host/", "http://[fe80::1%25eth0]:8080",   "http://host:/"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ck_assert_msg(PARSE("-H", good[i]) == 0, "%s refused: %s", good[i], err);
}
END_TEST

START_TEST(expect_slaves_is_at_least_1)
{
    ASSERT_USAGE_ERROR("option --expect-slaves: invalid value '0' (expected a whole number from 1 to 100000)",
                       "--expect-slaves", "0");
}
END_TEST

/* ---- Python's float repr and json.dumps ---------------------------------------------- */

START_TEST(floats_print_as_pythons_repr)
{
    static const struct {
        double v;
        const char *repr;
    } cases[] = {
        {0.25, "0.25"},
        {1.0, "1.0"},
        {0.1, "0.1"},
        {1.0 / 3, "0.3333333333333333"},
        {2.0 / 3, "0.6666666666666666"},
        {1.0 / 60, "0.016666666666666666"},
        {0.44999999999999996, "0.44999999999999996"},
        {0.1 + 0.2, "0.30000000000000004"},
        {100.0, "100.0"},
        {1e16, "1e+16"},
        {1e15, "1000000000000000.0"},
        {1.5e16, "1.5e+16"},
        {0.0001, "0.0001"},
        {0.00001, "1e-05"},
        {1.25e-7, "1.25e-07"},
        {123456.789, "123456.789"},
        {-2.5, "-2.5"},
        {0.0, "0.0"},
        {-0.0, "-0.0"},
        {5e-324, "5e-324"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
    };
    char buf[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cli_py_float_repr(cases[i].v, buf, sizeof buf);
        ck_assert_str_eq(buf, cases[i].repr);
    }
}
END_TEST

START_TEST(json_is_written_with_pythons_separators_and_escapes)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "n", 0.5);
    cJSON_AddStringToObject(doc, "s", "a\"b\\c\n\x01\x7f\xc3\xa9\xf0\x9f\x98\x80");
    cJSON *arr = cJSON_AddArrayToObject(doc, "a");
    cJSON_AddItemToArray(arr, cJSON_CreateTrue());
    cJSON_AddItemToArray(arr, cJSON_CreateNull());
    cJSON_AddObjectToObject(doc, "o");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_int_eq(cli_py_json_dump(f, doc), 0);
    fclose(f);
    ck_assert_str_eq(
        buf, "{\"n\": 0.5, \"s\": \"a\\\"b\\\\c\\n\\u0001\\u007f\\u00e9\\ud83d\\ude00\", \"a\": [true, "
             "null], \"o\": {}}");
    free(buf);
    cJSON_Delete(doc);
}
END_TEST

/* ---- task ratio ------------------------------------------------------------------------- */

static char *capture_ratio(bool json)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const locust_class *const classes[] = {&ratio_unlikely, &ratio_more_likely};
    int rc = json ? cli_task_ratio_json(f, classes, 2, NULL, err, sizeof err)
                  : cli_task_ratio_print(f, classes, 2, NULL, err, sizeof err);
    ck_assert_int_eq(rc, 0);
    fclose(f);
    return buf;
}

START_TEST(task_ratio_table_is_byte_exact_to_locust_09)
{
    char *out = capture_ratio(false);
    ck_assert_str_eq(out, expected_task_ratio);
    free(out);
}
END_TEST

START_TEST(task_ratio_json_is_byte_exact_to_locust_09)
{
    char *out = capture_ratio(true);
    ck_assert_str_eq(out, expected_task_ratio_json);
    free(out);
}
END_TEST

static void t_fn(locust_ctx *ctx) {}
static void t_other(locust_ctx *ctx) {}

START_TEST(task_ratio_merges_repeated_tasks_and_skips_never_weights)
{
    /* The same function twice counts once with both weights; a task of weight
     * LOCUST_WEIGHT_NEVER is not in the list; a default weight is 1. */
    static const locust_task tasks[] = {{.name = "t_fn", .fn = t_fn, .weight = 2},
                                        {.name = "never", .fn = t_other, .weight = LOCUST_WEIGHT_NEVER},
                                        {.fn = t_other},
                                        {.name = "t_fn", .fn = t_fn, .weight = 1},
                                        LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "TS", .tasks = tasks};
    static const locust_class cls = {.name = "C", .task_set = &ts};
    const locust_class *classes[] = {&cls};
    cJSON *d = cli_task_ratio_dict(classes, 1, NULL, false, err, sizeof err);
    ck_assert_ptr_nonnull(d);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cli_py_json_dump(f, d);
    fclose(f);
    /* The unnamed task is named after its place in the array (the third entry). */
    ck_assert_str_eq(
        buf, "{\"C\": {\"ratio\": 1.0, \"tasks\": {\"t_fn\": {\"ratio\": 0.75}, \"task3\": {\"ratio\": "
             "0.25}}}}");
    free(buf);
    cJSON_Delete(d);
}
END_TEST

extern const locust_taskset loop_ts;
static const locust_task loop_tasks[] = {
    LOCUST_TASK(t_fn), {.taskset = &loop_ts, .weight = 1}, LOCUST_TASKS_END};
const locust_taskset loop_ts = {.name = "Loop", .tasks = loop_tasks};

START_TEST(task_ratio_stops_at_a_task_set_that_contains_itself)
{
    static const locust_class cls = {.name = "C", .task_set = &loop_ts, .weight = 1};
    const locust_class *classes[] = {&cls};
    cJSON *d = cli_task_ratio_dict(classes, 1, NULL, true, err, sizeof err);
    ck_assert_ptr_nonnull(d);
    const cJSON *inner =
        cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "C"), "tasks"), "Loop");
    ck_assert_ptr_nonnull(inner);
    ck_assert_ptr_null(cJSON_GetObjectItem(inner, "tasks"));
    ck_assert(cJSON_GetObjectItem(inner, "ratio")->valuedouble == 0.5);
    cJSON_Delete(d);
}
END_TEST

/* ---- CSV writer --------------------------------------------------------------------------- */

static char tmpdir[256];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s/cli-test-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static char *render(int (*writer)(const locust_stats *, FILE *), const locust_stats *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    writer(s, f);
    fclose(f);
    return buf;
}

START_TEST(csv_files_hold_the_stats_writers_output_and_no_temporary_is_left)
{
    make_tmpdir();
    locust_stats *s;
    ck_assert_int_eq(locust_stats_new(&s), 0);
    locust_stats_log_success(s, "GET", "/", 12, 100);
    locust_stats_log_failure(s, "GET", "/fail", 3, "HTTPError('500')");
    char base[300];
    snprintf(base, sizeof base, "%s/run", tmpdir);
    ck_assert_int_eq(cli_csv_write(s, base, err, sizeof err), 0);
    char path[400];
    snprintf(path, sizeof path, "%s_requests.csv", base);
    char *got = slurp(path), *want = render(locust_stats_write_requests_csv, s);
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, want);
    ck_assert_ptr_nonnull(strstr(got, "\"None\",\"Total\",1,1,"));
    free(got);
    free(want);
    snprintf(path, sizeof path, "%s_distribution.csv", base);
    got = slurp(path);
    want = render(locust_stats_write_distribution_csv, s);
    ck_assert_str_eq(got, want);
    free(got);
    free(want);
    /* Exactly the two files: the temporary files were renamed away. */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "test $(ls '%s' | wc -l) -eq 2", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
    locust_stats_free(s);
    remove_tmpdir();
}
END_TEST

START_TEST(an_unwritable_csv_path_is_an_error_naming_it)
{
    locust_stats *s;
    ck_assert_int_eq(locust_stats_new(&s), 0);
    int rc = cli_csv_write(s, "/nonexistent-dir/x/run", err, sizeof err);
    ck_assert_int_eq(rc, -ENOENT);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent-dir/x/run_requests.csv"));
    locust_stats_free(s);
}
END_TEST

static int log_errors;
static char last_log[512];
static void count_log(locust_log_level level, const char *logger, const char *msg, void *udata)
{
    if (level >= LOCUST_LOG_ERROR) {
        log_errors++;
        snprintf(last_log, sizeof last_log, "%s", msg);
    }
}

START_TEST(an_unwritable_csv_path_is_reported_once_until_it_works_again)
{
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    locust_log_set(count_log, NULL, LOCUST_LOG_DEBUG);
    log_errors = 0;
    make_tmpdir();
    char base[300];
    snprintf(base, sizeof base, "%s/sub/run", tmpdir);
    cli_console c = {.runner = r, .out = stderr, .csv_base = base, .csv_interval = 2};
    for (int i = 0; i < 5; i++)
        cli_console_write_csv(&c);
    ck_assert_int_eq(log_errors, 1);
    ck_assert_ptr_nonnull(strstr(last_log, "sub/run_requests.csv"));
    /* Once the folder exists the files are written, and a later failure is reported again. */
    char subdir[300];
    snprintf(subdir, sizeof subdir, "%s/sub", tmpdir);
    ck_assert_int_eq(mkdir(subdir, 0700), 0);
    cli_console_write_csv(&c);
    ck_assert_int_eq(log_errors, 1);
    ck_assert_int_eq(access(strcat(base, "_distribution.csv"), R_OK), 0);
    remove_tmpdir();
    cli_console_write_csv(&c);
    ck_assert_int_eq(log_errors, 2);
    testutil_quiet_logs();
    locust_runner_free(r);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("options");
    tcase_add_test(tc, defaults_are_locust_09s);
    tcase_add_test(tc, values_are_taken_in_every_optparse_form);
    tcase_add_test(tc, every_option_sets_its_field);
    tcase_add_test(tc, aliases_name_the_same_option);
    tcase_add_test(tc, rate_selects_the_open_model);
    tcase_add_test(tc, class_names_are_positional_and_may_be_mixed_with_options);
    tcase_add_test(tc, bad_command_lines_name_the_option);
    tcase_add_test(tc, processes_sets_the_local_slave_count);
    tcase_add_test(tc, parsing_twice_starts_afresh);
    tcase_add_test(tc, help_text_lists_every_option);
    tcase_add_test(tc, timespans_parse_as_locust_09s_parse_timespan);
    tcase_add_test(tc, stop_timeouts_are_seconds_or_a_whole_timespan);
    tcase_add_test(tc, stop_timeout_0_means_no_grace_and_none_given_the_runners_default);
    tcase_add_test(tc, seed_0_is_a_seed_like_any_other);
    tcase_add_test(tc, a_malformed_host_is_a_usage_error_naming_it);
    tcase_add_test(tc, expect_slaves_is_at_least_1);
    suite_add_tcase(s, tc);
    tc = tcase_create("task_ratio");
    tcase_add_test(tc, floats_print_as_pythons_repr);
    tcase_add_test(tc, json_is_written_with_pythons_separators_and_escapes);
    tcase_add_test(tc, task_ratio_table_is_byte_exact_to_locust_09);
    tcase_add_test(tc, task_ratio_json_is_byte_exact_to_locust_09);
    tcase_add_test(tc, task_ratio_merges_repeated_tasks_and_skips_never_weights);
    tcase_add_test(tc, task_ratio_stops_at_a_task_set_that_contains_itself);
    suite_add_tcase(s, tc);
    tc = tcase_create("csv");
    tcase_add_test(tc, csv_files_hold_the_stats_writers_output_and_no_temporary_is_left);
    tcase_add_test(tc, an_unwritable_csv_path_is_an_error_naming_it);
    tcase_add_test(tc, an_unwritable_csv_path_is_reported_once_until_it_works_again);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
