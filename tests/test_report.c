/*
 * The report layer on tables filled by hand: the thresholds' grammar and
 * verdicts, 2.x's failures CSV, the JSON summary (read back with cJSON),
 * JUnit, Prometheus's text format, and the history sampler on a real
 * runner's loop.
 */
#include <cjson/cJSON.h>
#include <ev.h>
#include <math.h>
#include <string.h>

#include "report/report_internal.h"
#include "stats_testutil.h"
#include "stats_wire_testutil.h"
#include "testutil.h"

#define ASSERT_STR_CONTAINS(hay, needle)                                                                     \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "expected '%s' in:\n%s", (needle), (hay))

static char *memout(void (*fn)(FILE *, void *), void *arg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fn(f, arg);
    fclose(f);
    return buf;
}

/* ---- thresholds ------------------------------------------------------------------ */

START_TEST(threshold_expressions_name_an_entry_a_metric_a_comparison_and_a_limit)
{
    locust_threshold t;
    char err[512];
    ck_assert_int_eq(locust_threshold_parse("p95<300", &t, err, sizeof err), 0);
    ck_assert_int_eq(t.metric, LOCUST_METRIC_PERCENTILE);
    ck_assert_double_eq_tol(t.percentile, 0.95, 1e-12);
    ck_assert_int_eq(t.cmp, LOCUST_CMP_LT);
    ck_assert_double_eq(t.limit, 300);
    ck_assert_str_eq(t.name, "");

    ck_assert_int_eq(locust_threshold_parse("GET /login:p99.9 <= 800", &t, err, sizeof err), 0);
    ck_assert_str_eq(t.method, "GET");
    ck_assert_str_eq(t.name, "/login");
    ck_assert_double_eq_tol(t.percentile, 0.999, 1e-12);
    ck_assert_int_eq(t.cmp, LOCUST_CMP_LE);

    /* A name may hold ':' itself: the metric follows the last one before the comparison. */
    ck_assert_int_eq(locust_threshold_parse("http://x/a:b:avg>=1.5", &t, err, sizeof err), 0);
    ck_assert_str_eq(t.method, "");
    ck_assert_str_eq(t.name, "http://x/a:b");
    ck_assert_int_eq(t.metric, LOCUST_METRIC_AVG);
    ck_assert_int_eq(t.cmp, LOCUST_CMP_GE);

    ck_assert_int_eq(locust_threshold_parse("Total:fail_ratio<0.01", &t, err, sizeof err), 0);
    ck_assert_str_eq(t.name, "");
    ck_assert_int_eq(t.metric, LOCUST_METRIC_FAIL_RATIO);
    ck_assert_int_eq(locust_threshold_parse("num_failures==0", &t, err, sizeof err), 0);
    ck_assert_int_eq(t.cmp, LOCUST_CMP_EQ);
    ck_assert_int_eq(locust_threshold_parse("rps>500", &t, err, sizeof err), 0);
    ck_assert_int_eq(t.metric, LOCUST_METRIC_RPS);
}
END_TEST

START_TEST(a_malformed_threshold_is_refused_with_its_text_and_the_reason)
{
    locust_threshold t;
    char err[512];
    static const char *const bad[] = {"p95",   "p95<",     "p95<abc", "p0<1",    "p101<1",
                                      "p9x<1", "median<3", ":p95<3",  "avg<1 2", "p<5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(locust_threshold_parse(bad[i], &t, err, sizeof err) == LOCUST_EINVAL, "%s accepted",
                      bad[i]);
        ck_assert_msg(strstr(err, bad[i]) != NULL, "'%s' not named in: %s", bad[i], err);
    }
    ck_assert_int_eq(locust_threshold_parse("median<3", &t, err, sizeof err), LOCUST_EINVAL);
    ASSERT_STR_CONTAINS(err, "unknown metric 'median'");
}
END_TEST

START_TEST(thresholds_are_judged_on_the_entry_they_name_or_the_total)
{
    fake_clock c = {1000};
    locust_stats *s = stats_on_clock(&c);
    for (int i = 1; i <= 100; i++)
        locust_stats_log_success(s, "GET", "/a", i, 10);
    locust_stats_log_success(s, "POST", "/b", 500, 10);
    locust_stats_log_failure(s, "POST", "/b", 1, "boom");
    c.now = 1010;
    char err[256];
    locust_threshold t;

    ck_assert_int_eq(locust_threshold_parse("GET /a:p95<100", &t, err, sizeof err), 0);
    ck_assert(locust_threshold_eval(&t, s));
    ck_assert(t.has_value);
    /* The precise histogram's nearest-rank p95 (95), at most 1% off; 0.9's rounded rule would say 96. */
    ck_assert_msg(fabs(t.value - 95) <= 0.95, "p95 %g", t.value);
    /* No request of a scheduled run: no corrected time, so a corrected threshold fails for lack of data. */
    ck_assert_int_eq(locust_threshold_parse("GET /a:cp95<100", &t, err, sizeof err), 0);
    ck_assert(!locust_threshold_eval(&t, s));
    ck_assert(!t.has_value);
    ck_assert_int_eq(locust_threshold_parse("max<=100", &t, err, sizeof err), 0);
    ck_assert(!locust_threshold_eval(&t, s)); /* the Total's max is /b's 500 */
    ck_assert_double_eq(t.value, 500);
    ck_assert_int_eq(locust_threshold_parse("/b:num_failures==1", &t, err, sizeof err), 0);
    ck_assert(locust_threshold_eval(&t, s));
    ck_assert_int_eq(locust_threshold_parse("fail_ratio<0.01", &t, err, sizeof err), 0);
    ck_assert(locust_threshold_eval(&t, s)); /* 1 of 102 */
    ck_assert_double_eq_tol(t.value, 1.0 / 102, 1e-12);
    /* An entry that was never requested has no percentile: the threshold fails for lack of data. */
    ck_assert_int_eq(locust_threshold_parse("/none:p50<1000", &t, err, sizeof err), 0);
    ck_assert(!locust_threshold_eval(&t, s));
    ck_assert(!t.has_value);
    /* ... but its failure count is a true 0. */
    ck_assert_int_eq(locust_threshold_parse("/none:num_failures<1", &t, err, sizeof err), 0);
    ck_assert(locust_threshold_eval(&t, s));
    locust_stats_free(s);
}
END_TEST

START_TEST(every_metric_of_a_threshold_is_judged_on_the_total_and_on_an_entry)
{
    /* GET /a: 100 successes of 1..100 ms; POST /b: 2 failures. */
    fake_clock c = {1000};
    locust_stats *s = stats_on_clock(&c);
    for (int i = 1; i <= 100; i++)
        locust_stats_log_success(s, "GET", "/a", i, 10);
    locust_stats_log_failure(s, "POST", "/b", 1, "boom");
    locust_stats_log_failure(s, "POST", "/b", 1, "boom");
    c.now = 1010;
    locust_entry_info tot;
    ck_assert_int_eq(locust_stats_total(s, &tot), 0);
    static const struct {
        const char *metric;
        double want, tol; /* percentiles: nearest rank of 1..100, at most 1% off */
    } m[] = {
        {"p50", 50, 0.5},   {"p66", 66, 0.66},      {"p75", 75, 0.75},
        {"p80", 80, 0.8},   {"p90", 90, 0.9},       {"p95", 95, 0.95},
        {"p98", 98, 0.98},  {"p99", 99, 0.99},      {"p99.9", 100, 1},
        {"p99.99", 100, 1}, {"avg", 50.5, 1e-9},    {"min", 1, 1e-9},
        {"max", 100, 1e-9}, {"num_failures", 2, 0}, {"fail_ratio", 2.0 / 102, 1e-12},
    };
    char expr[64], err[256];
    locust_threshold t;
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        /* On the Total (implicit and named) and on the entry that has the numbers. */
        static const char *const where[] = {"", "Total:", "GET /a:"};
        for (size_t w = 0; w < 3; w++) {
            bool on_b = strcmp(m[i].metric, "num_failures") == 0 || strcmp(m[i].metric, "fail_ratio") == 0;
            snprintf(expr, sizeof expr, "%s%s<1000000", w == 2 && on_b ? "POST /b:" : where[w], m[i].metric);
            ck_assert_msg(locust_threshold_parse(expr, &t, err, sizeof err) == 0, "%s: %s", expr, err);
            ck_assert_msg(locust_threshold_eval(&t, s), "%s failed", expr);
            ck_assert_msg(t.has_value, "%s: no value", expr);
            double want = w == 2 && on_b && m[i].metric[0] == 'f' ? 1.0 : m[i].want; /* /b: 2 of 2 */
            ck_assert_msg(fabs(t.value - want) <= m[i].tol, "%s: %g, not %g", expr, t.value, want);
        }
    }
    /* rps: the Total's requests per second over the run, and /a's (all of them). */
    ck_assert_int_eq(locust_threshold_parse("rps>0", &t, err, sizeof err), 0);
    ck_assert(locust_threshold_eval(&t, s));
    ck_assert_double_eq(t.value, tot.total_rps);
    ck_assert_int_eq(locust_threshold_parse("GET /a:rps>=1", &t, err, sizeof err), 0);
    ck_assert(locust_threshold_eval(&t, s));
    ck_assert_double_eq(t.value, tot.total_rps);
    /* A limit on the wrong side fails, with the same value. */
    ck_assert_int_eq(locust_threshold_parse("GET /a:p99>=100000", &t, err, sizeof err), 0);
    ck_assert(!locust_threshold_eval(&t, s));
    ck_assert(t.has_value);
    locust_stats_free(s);
}
END_TEST

/* Merges the slave's report as a Python Locust slave would send it: 0.9's fields, without the
 * precise histogram (its key renamed; a master ignores keys it does not know). */
static void merge_as_a_python_slave(locust_stats *master, locust_stats *slave)
{
    msgpack_sbuffer sb;
    pack_data(slave, LOCUST__STATS_PROTO_09, &sb);
    for (char *p = sb.data; (p = memmem(p, sb.size - (size_t)(p - sb.data), "liblocust_hdr", 13)) != NULL;)
        memcpy(p, "liblocust_xxx", 13);
    merge_ok(master, &sb, LOCUST__STATS_PROTO_09);
    msgpack_sbuffer_destroy(&sb);
}

START_TEST(a_percentile_threshold_covers_the_requests_of_slaves_that_send_no_precise_histogram)
{
    fake_clock c = {1000};
    locust_stats *master = stats_on_clock(&c), *ours = stats_on_clock(&c), *python = stats_on_clock(&c);
    /* Our slave: 50 fast requests; the Python slave: 50 slow ones. */
    for (int i = 1; i <= 50; i++) {
        locust_stats_log_success(ours, "GET", "/a", 10, 1);
        locust_stats_log_success(python, "GET", "/a", 900, 1);
    }
    msgpack_sbuffer sb;
    pack_data(ours, LOCUST__STATS_PROTO_09, &sb);
    merge_ok(master, &sb, LOCUST__STATS_PROTO_09);
    msgpack_sbuffer_destroy(&sb);
    merge_as_a_python_slave(master, python);
    char err[256];
    locust_threshold t;
    /* Half the requests took 900 ms: p95 is 900, on the entry and on the Total, not our slave's 10. */
    ck_assert_int_eq(locust_threshold_parse("GET /a:p95<300", &t, err, sizeof err), 0);
    ck_assert(!locust_threshold_eval(&t, master));
    ck_assert(t.has_value);
    ck_assert_double_eq(t.value, 900);
    ck_assert_int_eq(locust_threshold_parse("p95<300", &t, err, sizeof err), 0);
    ck_assert(!locust_threshold_eval(&t, master));
    ck_assert_double_eq(t.value, 900);
    ck_assert_int_eq(locust_threshold_parse("p40<300", &t, err, sizeof err), 0);
    ck_assert(locust_threshold_eval(&t, master));
    ck_assert_double_eq(t.value, 10);
    /* A Python slave alone: the same, where the precise histogram has no sample at all. */
    locust_stats *master2 = stats_on_clock(&c);
    for (int i = 1; i <= 50; i++)
        locust_stats_log_success(python, "GET", "/a", 900, 1);
    merge_as_a_python_slave(master2, python);
    ck_assert_int_eq(locust_threshold_parse("p95<1000", &t, err, sizeof err), 0);
    ck_assert(locust_threshold_eval(&t, master2));
    ck_assert(t.has_value);
    ck_assert_double_eq(t.value, 900);
    locust_stats_free(master);
    locust_stats_free(master2);
    locust_stats_free(ours);
    locust_stats_free(python);
}
END_TEST

START_TEST(corrected_thresholds_judge_the_time_from_the_intended_start)
{
    fake_clock c = {1000};
    locust_stats *s = stats_on_clock(&c);
    /* 100 scheduled runs served in 10 ms; the last two started 2 s late (a stall held them back). */
    for (int i = 0; i < 100; i++)
        locust_stats_log_success_scheduled(s, "GET", "/r", 10, i < 98 ? 10 : 2010, 1);
    char err[256];
    locust_threshold t;
    ck_assert_int_eq(locust_threshold_parse("p99<100", &t, err, sizeof err), 0);
    ck_assert(locust_threshold_eval(&t, s));
    ck_assert_int_eq(locust_threshold_parse("GET /r:cp99 < 100", &t, err, sizeof err), 0);
    ck_assert_int_eq(t.metric, LOCUST_METRIC_CORRECTED_PERCENTILE);
    char name[16];
    ck_assert_str_eq(locust_threshold_metric_name(&t, name, sizeof name), "cp99");
    ck_assert(!locust_threshold_eval(&t, s));
    ck_assert_msg(fabs(t.value - 2010) <= 20.1, "cp99 %g", t.value);
    ck_assert_int_eq(locust_threshold_parse("cp98<=10.1", &t, err, sizeof err), 0);
    ck_assert(locust_threshold_eval(&t, s));
    locust_stats_free(s);
}
END_TEST

START_TEST(failures_per_second_use_the_windows_of_the_request_rates)
{
    fake_clock c = {1000};
    locust_stats *s = stats_on_clock(&c);
    /* One failure and two successes a second, for 10 s. */
    for (int t = 0; t < 10; t++) {
        c.now = 1000 + t + 0.5;
        locust_stats_log_failure(s, "GET", "/x", 1, "boom");
        locust_stats_log_success(s, "GET", "/x", 1, 1);
        locust_stats_log_success(s, "GET", "/x", 1, 1);
    }
    double cur, tot;
    ck_assert_int_eq(locust_stats_fail_rates(s, 0, &cur, &tot), 0);
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_entry(s, 0, &e), 0);
    /* The same seconds as current_rps (2/s) and the same span as total_rps (20 over 9.5 s). */
    ck_assert_double_eq_tol(e.current_rps, 2.0, 1e-12);
    ck_assert_double_eq_tol(cur, 1.0, 1e-12);
    ck_assert_double_eq_tol(tot, e.total_rps / 2, 1e-12);
    ck_assert_int_eq(locust_stats_fail_rates(s, 1, &cur, NULL), 0); /* the Total */
    ck_assert_double_eq_tol(cur, 1.0, 1e-12);
    ck_assert_int_eq(locust_stats_fail_rates(s, 2, &cur, NULL), LOCUST_EINVAL);
    locust_stats_free(s);
}
END_TEST

/* ---- 2.x CSV, JSON, JUnit, Prometheus on a runner ----------------------------------- */

static locust_runner *runner_with_numbers(void)
{
    locust_runner *r = NULL;
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    locust_stats *s = locust_runner_stats(r);
    locust_stats_log_success(s, "GET", "/a", 4, 100);
    locust_stats_log_success(s, "GET", "/a", 1200, 300);
    locust_stats_log_failure(s, "GET", "/a", 3, "HTTPError('500 Server Error, \"x\"')");
    return r;
}

START_TEST(the_failures_csv_has_2x_columns_quoting_and_line_ends)
{
    locust_runner *r = runner_with_numbers();
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_int_eq(locust_csv2_failures(locust_runner_stats(r), f), 0);
    fclose(f);
    ck_assert_str_eq(buf, "Method,Name,Error,Occurrences\r\n"
                          "GET,/a,\"HTTPError('500 Server Error, \"\"x\"\"')\",1\r\n");
    free(buf);
    locust_runner_free(r);
}
END_TEST

static void py_floats(FILE *f, void *arg)
{
    (void)arg;
    static const double v[] = {0.0, 1.0, 0.1, 2.5, 1234.5678, 1e16, 1.5e-05, 0.0001, 100.0, 1.0 / 3};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        locust__py_float(f, v[i]);
        fputc(' ', f);
    }
}

START_TEST(floats_are_spelled_as_python_repr_spells_them)
{
    char *s = memout(py_floats, NULL);
    ck_assert_str_eq(s, "0.0 1.0 0.1 2.5 1234.5678 1e+16 1.5e-05 0.0001 100.0 0.3333333333333333 ");
    free(s);
}
END_TEST

START_TEST(the_json_summary_holds_settings_entries_failures_and_threshold_results)
{
    locust_runner *r = runner_with_numbers();
    locust_threshold th[2];
    char err[256];
    ck_assert_int_eq(locust_threshold_parse("p50<=1200", &th[0], err, sizeof err), 0);
    ck_assert_int_eq(locust_threshold_parse("GET /a:max<1000", &th[1], err, sizeof err), 0);
    locust_threshold_eval(&th[0], locust_runner_stats(r));
    locust_threshold_eval(&th[1], locust_runner_stats(r));
    locust_report_settings st = {.locustfile = "x.c",
                                 .host = "http://h",
                                 .users = 3,
                                 .spawn_rate = 1.5,
                                 .thresholds = th,
                                 .n_thresholds = 2,
                                 .start_time = 100,
                                 .end_time = 110};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_int_eq(locust_report_json(r, &st, f), 0);
    fclose(f);
    cJSON *j = cJSON_Parse(buf);
    ck_assert_msg(j != NULL, "not JSON: %s", buf);
    ck_assert_int_eq(cJSON_GetObjectItem(j, "version")->valueint, LOCUST_REPORT_JSON_VERSION);
    ck_assert_double_eq(cJSON_GetObjectItem(j, "duration")->valuedouble, 10);
    cJSON *set = cJSON_GetObjectItem(j, "settings");
    ck_assert_str_eq(cJSON_GetObjectItem(set, "host")->valuestring, "http://h");
    ck_assert_int_eq(cJSON_GetObjectItem(set, "users")->valueint, 3);
    cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "entries"), 0);
    ck_assert_str_eq(cJSON_GetObjectItem(e, "name")->valuestring, "/a");
    ck_assert_int_eq(cJSON_GetObjectItem(e, "num_requests")->valueint, 2);
    ck_assert_int_eq(cJSON_GetObjectItem(e, "num_failures")->valueint, 1);
    ck_assert_double_eq(cJSON_GetObjectItem(e, "max_response_time")->valuedouble, 1200);
    ck_assert_double_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(e, "percentiles"), "p100")->valuedouble,
                        1200);
    /* The precise percentiles, labelled: the service time always, the corrected time only for scheduled runs.
     */
    cJSON *svc = cJSON_GetObjectItem(e, "service_time");
    ck_assert_int_eq(cJSON_GetObjectItem(svc, "samples")->valueint, 2);
    ck_assert(fabs(cJSON_GetObjectItem(svc, "p100")->valuedouble - 1200) <= 12);
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(e, "corrected_time")));
    cJSON *om = cJSON_GetObjectItem(j, "open_model");
    ck_assert_double_eq(cJSON_GetObjectItem(om, "rate")->valuedouble, 0);
    ck_assert_int_eq(cJSON_GetObjectItem(om, "dropped_runs")->valueint, 0);
    cJSON *tot = cJSON_GetObjectItem(j, "total");
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(tot, "method")));
    ck_assert_str_eq(cJSON_GetObjectItem(tot, "name")->valuestring, "Total");
    cJSON *fl = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "failures"), 0);
    ck_assert_str_eq(cJSON_GetObjectItem(fl, "error")->valuestring, "HTTPError('500 Server Error, \"x\"')");
    cJSON *t0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "thresholds"), 0);
    ck_assert_str_eq(cJSON_GetObjectItem(t0, "expression")->valuestring, "p50<=1200");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(t0, "passed")));
    cJSON *t1 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "thresholds"), 1);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(t1, "passed")));
    ck_assert_double_eq(cJSON_GetObjectItem(t1, "value")->valuedouble, 1200);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(j, "thresholds_passed")));
    cJSON_Delete(j);
    free(buf);
    locust_runner_free(r);
}
END_TEST

START_TEST(junit_has_a_case_per_threshold_and_one_for_failed_requests)
{
    locust_runner *r = runner_with_numbers();
    locust_threshold th;
    char err[256];
    ck_assert_int_eq(locust_threshold_parse("p95<5", &th, err, sizeof err), 0);
    locust_threshold_eval(&th, locust_runner_stats(r));
    locust_report_settings st = {.thresholds = &th, .n_thresholds = 1};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_int_eq(locust_report_junit(r, &st, f), 0);
    fclose(f);
    ASSERT_STR_CONTAINS(buf, "tests=\"2\" failures=\"2\"");
    ASSERT_STR_CONTAINS(buf,
                        "name=\"no failed requests\">\n      <failure message=\"1 of 3 requests failed\"");
    ASSERT_STR_CONTAINS(buf, "name=\"p95&lt;5\">\n      <failure message=\"p95&lt;5: measured 1200\"");
    free(buf);
    locust_runner_free(r);
}
END_TEST

START_TEST(prometheus_text_has_counters_and_a_cumulative_histogram)
{
    locust_runner *r = runner_with_numbers();
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_int_eq(locust_report_prometheus(r, f), 0);
    fclose(f);
    ASSERT_STR_CONTAINS(buf, "# TYPE locust_requests_total counter\n");
    ASSERT_STR_CONTAINS(buf, "locust_requests_total{method=\"GET\",name=\"/a\"} 3\n");
    ASSERT_STR_CONTAINS(buf, "locust_request_failures_total{method=\"GET\",name=\"/a\"} 1\n");
    ASSERT_STR_CONTAINS(buf, "locust_requests_total{method=\"\",name=\"Aggregated\"} 3\n");
    ASSERT_STR_CONTAINS(buf,
                        "locust_response_time_seconds_bucket{method=\"GET\",name=\"/a\",le=\"0.005\"} 1\n");
    ASSERT_STR_CONTAINS(buf, "locust_response_time_seconds_bucket{method=\"GET\",name=\"/a\",le=\"1\"} 1\n");
    ASSERT_STR_CONTAINS(buf,
                        "locust_response_time_seconds_bucket{method=\"GET\",name=\"/a\",le=\"2.5\"} 2\n");
    ASSERT_STR_CONTAINS(buf,
                        "locust_response_time_seconds_bucket{method=\"GET\",name=\"/a\",le=\"+Inf\"} 2\n");
    ASSERT_STR_CONTAINS(buf, "locust_response_time_seconds_sum{method=\"GET\",name=\"/a\"} 1.204\n");
    ASSERT_STR_CONTAINS(buf, "locust_response_time_seconds_count{method=\"GET\",name=\"/a\"} 2\n");
    /* The precise percentiles: /a's two successes took 4 ms and 1200 ms; no corrected time, nothing dropped.
     */
    ASSERT_STR_CONTAINS(buf, "# TYPE locust_response_time_quantile_seconds summary\n");
    ASSERT_STR_CONTAINS(buf,
                        "locust_response_time_quantile_seconds{method=\"GET\",name=\"/a\",time=\"service\","
                        "quantile=\"1\"} 1.2");
    ck_assert_ptr_null(strstr(buf, ",time=\"corrected\""));
    ASSERT_STR_CONTAINS(buf, "locust_dropped_runs_total 0\n");
    ASSERT_STR_CONTAINS(buf, "locust_state{state=\"ready\"} 1\n");
    ASSERT_STR_CONTAINS(buf, "locust_users 0\n");
    free(buf);
    locust_runner_free(r);
}
END_TEST

static int samples_seen;
static void count_sample(locust_history *h, const locust_history_sample *smp, void *udata)
{
    samples_seen++;
    ck_assert_ptr_eq(udata, &samples_seen);
}

static void stop_loop(struct ev_loop *loop, ev_timer *w, int revents)
{
    ev_break(loop, EVBREAK_ALL);
}

START_TEST(the_history_samples_while_a_test_runs_and_keeps_at_most_its_cap)
{
    locust_runner *r = NULL;
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    locust_history *h = NULL;
    samples_seen = 0;
    ck_assert_int_eq(locust_history_new(&h, r, 0.01, 3, count_sample, &samples_seen), 0);
    locust_history_attach(r, h);
    ck_assert_ptr_eq(locust_runner_history(r), h);
    /* Ready: nothing is sampled, as 2.x records nothing while no test runs. */
    ev_timer stop;
    ev_timer_init(&stop, stop_loop, 0.1, 0.);
    ev_timer_start(locust_runner_loop(r), &stop);
    ev_run(locust_runner_loop(r), 0);
    ck_assert_int_eq(samples_seen, 0);
    for (int i = 0; i < 5; i++)
        locust_history_sample_now(h);
    ck_assert_int_eq(samples_seen, 5);
    ck_assert_uint_eq(locust_history_count(h), 3);
    ck_assert(locust_history_get(h, 0)->time <= locust_history_get(h, 2)->time);
    ck_assert_ptr_null(locust_history_get(h, 3));
    locust_history_free(h);
    ck_assert_ptr_null(locust_runner_history(r));
    locust_runner_free(r);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("thresholds");
    tcase_add_test(tc, threshold_expressions_name_an_entry_a_metric_a_comparison_and_a_limit);
    tcase_add_test(tc, a_malformed_threshold_is_refused_with_its_text_and_the_reason);
    tcase_add_test(tc, thresholds_are_judged_on_the_entry_they_name_or_the_total);
    tcase_add_test(tc, every_metric_of_a_threshold_is_judged_on_the_total_and_on_an_entry);
    tcase_add_test(tc, corrected_thresholds_judge_the_time_from_the_intended_start);
    tcase_add_test(tc, a_percentile_threshold_covers_the_requests_of_slaves_that_send_no_precise_histogram);
    tcase_add_test(tc, failures_per_second_use_the_windows_of_the_request_rates);
    suite_add_tcase(s, tc);
    tc = tcase_create("documents");
    tcase_add_test(tc, the_failures_csv_has_2x_columns_quoting_and_line_ends);
    tcase_add_test(tc, floats_are_spelled_as_python_repr_spells_them);
    tcase_add_test(tc, the_json_summary_holds_settings_entries_failures_and_threshold_results);
    tcase_add_test(tc, junit_has_a_case_per_threshold_and_one_for_failed_requests);
    tcase_add_test(tc, prometheus_text_has_counters_and_a_cumulative_histogram);
    tcase_add_test(tc, the_history_samples_while_a_test_runs_and_keeps_at_most_its_cap);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
