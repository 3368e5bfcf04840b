/*
 * The web UI's reports over real HTTP: /stats/requests (docs/compatibility.md §6.3), the
 * stats reset, the CSV downloads and the task exceptions, from a runner's
 * statistics filled in directly so that every number is known.
 */
#include <cjson/cJSON.h>
#include <ev.h>
#include <locust/locust.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "web_client.h"

static locust_runner *r;
static locust_web *w;
static struct ev_loop *loop;
static int port;

static void setup(void)
{
    testutil_quiet_logs();
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    ck_assert_int_eq(locust_web_new(&w, r, &(locust_web_options){.host = "127.0.0.1"}), 0);
    port = locust_web_port(w);
    ck_assert_int_gt(port, 0);
    loop = locust_runner_loop(r);
}

static void teardown(void)
{
    /* The runner frees its web UI. */
    locust_runner_free(r);
    r = NULL;
    w = NULL;
}

/* ---- /stats/requests ---------------------------------------------------------------------- */

static const char *const top_keys[] = {"current_response_time_percentile_50",
                                       "current_response_time_percentile_95",
                                       "errors",
                                       "fail_ratio",
                                       "state",
                                       "stats",
                                       "total_rps",
                                       "user_count",
                                       NULL};
static const char *const row_keys[] = {"avg_content_length",
                                       "avg_response_time",
                                       "current_rps",
                                       "max_response_time",
                                       "median_response_time",
                                       "method",
                                       "min_response_time",
                                       "name",
                                       "num_failures",
                                       "num_requests",
                                       NULL};

START_TEST(stats_json_has_the_09_fields)
{
    locust_stats *s = locust_runner_stats(r);
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/b", 100, 1000), 0);
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/b", 300, 3000), 0);
    ck_assert_int_eq(locust_stats_log_success(s, "POST", "/a", 50, 10), 0);
    ck_assert_int_eq(locust_stats_log_failure(s, "GET", "/fail", 5, "HTTPError('500 Server Error')"), 0);
    cJSON *doc = web_get_json(loop, port, "/stats/requests");
    web_assert_keys(doc, top_keys);
    ck_assert_str_eq(web_str(doc, "state"), "ready");
    ck_assert_int_eq((int)web_num(doc, "user_count"), 0);
    ck_assert_double_eq_tol(web_num(doc, "fail_ratio"), 0.25, 1e-12);
    web_num(doc, "total_rps");
    for (int p = 0; p < 2; p++) {
        const cJSON *v = cJSON_GetObjectItem(doc, p ? "current_response_time_percentile_95"
                                                    : "current_response_time_percentile_50");
        ck_assert(cJSON_IsNull(v) || cJSON_IsNumber(v));
    }

    const cJSON *rows = cJSON_GetObjectItem(doc, "stats");
    ck_assert_int_eq(cJSON_GetArraySize(rows), 4);
    /* Sorted by name, then method; Total last with a null method. */
    const char *names[] = {"/a", "/b", "/fail", "Total"};
    for (int i = 0; i < 4; i++) {
        const cJSON *row = cJSON_GetArrayItem(rows, i);
        web_assert_keys(row, row_keys);
        ck_assert_str_eq(web_str(row, "name"), names[i]);
    }
    const cJSON *b = cJSON_GetArrayItem(rows, 1);
    ck_assert_str_eq(web_str(b, "method"), "GET");
    ck_assert_int_eq((int)web_num(b, "num_requests"), 2);
    ck_assert_double_eq(web_num(b, "avg_response_time"), 200);
    ck_assert_double_eq(web_num(b, "min_response_time"), 100);
    ck_assert_double_eq(web_num(b, "max_response_time"), 300);
    ck_assert_double_eq(web_num(b, "median_response_time"), 100);
    ck_assert_double_eq(web_num(b, "avg_content_length"), 2000);
    const cJSON *fail = cJSON_GetArrayItem(rows, 2);
    ck_assert_int_eq((int)web_num(fail, "num_failures"), 1);
    ck_assert_double_eq(web_num(fail, "min_response_time"), 0); /* nil in 0.9 is shown as 0 */
    const cJSON *total = cJSON_GetArrayItem(rows, 3);
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(total, "method")));
    ck_assert_int_eq((int)web_num(total, "num_requests"), 3);
    ck_assert_int_eq((int)web_num(total, "num_failures"), 1);

    const cJSON *errors = cJSON_GetObjectItem(doc, "errors");
    ck_assert_int_eq(cJSON_GetArraySize(errors), 1);
    const cJSON *e = cJSON_GetArrayItem(errors, 0);
    web_assert_keys(e, (const char *const[]){"error", "method", "name", "occurences", NULL});
    ck_assert_str_eq(web_str(e, "error"), "HTTPError('500 Server Error')");
    ck_assert_str_eq(web_str(e, "name"), "/fail");
    ck_assert_int_eq((int)web_num(e, "occurences"), 1);
    cJSON_Delete(doc);
}
END_TEST

START_TEST(stats_json_percentiles_are_null_without_requests)
{
    cJSON *doc = web_get_json(loop, port, "/stats/requests");
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(doc, "current_response_time_percentile_50")));
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(doc, "current_response_time_percentile_95")));
    const cJSON *rows = cJSON_GetObjectItem(doc, "stats");
    ck_assert_int_eq(cJSON_GetArraySize(rows), 1);
    ck_assert_str_eq(web_str(cJSON_GetArrayItem(rows, 0), "name"), "Total");
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "errors")), 0);
    cJSON_Delete(doc);
}
END_TEST

START_TEST(stats_json_caps_rows_but_keeps_total)
{
    locust_stats *s = locust_runner_stats(r);
    char name[32], err[32];
    for (int i = 0; i < 600; i++) {
        snprintf(name, sizeof name, "/p%03d", i);
        snprintf(err, sizeof err, "error %03d", i);
        ck_assert_int_eq(locust_stats_log_success(s, "GET", name, 1, 1), 0);
        ck_assert_int_eq(locust_stats_log_failure(s, "GET", name, 1, err), 0);
    }
    cJSON *doc = web_get_json(loop, port, "/stats/requests");
    const cJSON *rows = cJSON_GetObjectItem(doc, "stats");
    ck_assert_int_eq(cJSON_GetArraySize(rows), 500);
    ck_assert_str_eq(web_str(cJSON_GetArrayItem(rows, 498), "name"), "/p498");
    const cJSON *total = cJSON_GetArrayItem(rows, 499);
    ck_assert_str_eq(web_str(total, "name"), "Total");
    ck_assert_int_eq((int)web_num(total, "num_requests"), 600);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "errors")), 500);
    cJSON_Delete(doc);
}
END_TEST

START_TEST(stats_reset_clears_entries_but_keeps_errors)
{
    locust_stats *s = locust_runner_stats(r);
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/x", 10, 1), 0);
    ck_assert_int_eq(locust_stats_log_failure(s, "GET", "/x", 10, "boom"), 0);
    web_reply rep;
    ck_assert_int_eq(web_get(loop, port, "/stats/reset", &rep), 0);
    ck_assert_int_eq(rep.status, 200);
    web_assert_content_type(&rep, "text/html; charset=utf-8");
    ck_assert_str_eq(rep.body, "ok");
    web_reply_free(&rep);
    cJSON *doc = web_get_json(loop, port, "/stats/requests");
    const cJSON *rows = cJSON_GetObjectItem(doc, "stats");
    const cJSON *total = cJSON_GetArrayItem(rows, cJSON_GetArraySize(rows) - 1);
    ck_assert_int_eq((int)web_num(total, "num_requests"), 0);
    ck_assert_int_eq((int)web_num(total, "num_failures"), 0);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "errors")), 1);
    cJSON_Delete(doc);
}
END_TEST

/* ---- CSV downloads -------------------------------------------------------------------------- */

/* The bytes a stats writer produces, to compare with the download. */
static char *expected_csv(int (*write)(const locust_stats *, FILE *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_int_eq(write(locust_runner_stats(r), f), 0);
    fclose(f);
    return buf;
}

static void check_csv_download(const char *path, const char *prefix, const char *expected)
{
    web_reply rep;
    ck_assert_int_eq(web_get(loop, port, path, &rep), 0);
    ck_assert_int_eq(rep.status, 200);
    web_assert_content_type(&rep, "text/csv");
    char disp[256], pattern[128];
    ck_assert_ptr_nonnull(web_header(&rep, "Content-Disposition", disp, sizeof disp));
    snprintf(pattern, sizeof pattern, "^attachment;filename=%s_[0-9]+\\.[0-9]+\\.csv$", prefix);
    regex_t re;
    ck_assert_int_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
    ck_assert_msg(regexec(&re, disp, 0, NULL, 0) == 0, "Content-Disposition: %s", disp);
    regfree(&re);
    ck_assert_uint_eq(rep.len, strlen(expected));
    ck_assert_str_eq(rep.body, expected);
    web_reply_free(&rep);
}

START_TEST(requests_and_distribution_csv_are_the_stats_writers_output)
{
    locust_stats *s = locust_runner_stats(r);
    ck_assert_int_eq(locust_stats_log_success(s, "GET", "/", 100, 1234), 0);
    ck_assert_int_eq(locust_stats_log_failure(s, "GET", "/fail", 1, "boom"), 0);
    char *req = expected_csv(locust_stats_write_requests_csv);
    char *dist = expected_csv(locust_stats_write_distribution_csv);
    ck_assert_ptr_nonnull(strstr(req, "\"GET\",\"/\",1,0,100,100,100,100,1234,"));
    ck_assert_ptr_nonnull(strstr(dist, "\"/fail\",0,\"N/A\""));
    check_csv_download("/stats/requests/csv", "requests", req);
    check_csv_download("/stats/distribution/csv", "distribution", dist);
    free(req);
    free(dist);
}
END_TEST

/* ---- exceptions ------------------------------------------------------------------------------ */

START_TEST(exceptions_json_lists_task_exceptions)
{
    cJSON *doc = web_get_json(loop, port, "/exceptions");
    web_assert_keys(doc, (const char *const[]){"exceptions", NULL});
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "exceptions")), 0);
    cJSON_Delete(doc);

    ck_assert_int_eq(locust_runner_log_exception(r, NULL, "boom", "User > Tasks > t_request"), 0);
    ck_assert_int_eq(locust_runner_log_exception(r, NULL, "boom", "User > Tasks > t_request"), 0);
    doc = web_get_json(loop, port, "/exceptions");
    const cJSON *rows = cJSON_GetObjectItem(doc, "exceptions");
    ck_assert_int_eq(cJSON_GetArraySize(rows), 1);
    const cJSON *x = cJSON_GetArrayItem(rows, 0);
    web_assert_keys(x, (const char *const[]){"count", "msg", "nodes", "traceback", NULL});
    ck_assert_int_eq((int)web_num(x, "count"), 2);
    ck_assert_str_eq(web_str(x, "msg"), "boom");
    ck_assert_str_eq(web_str(x, "traceback"), "User > Tasks > t_request");
    ck_assert_str_eq(web_str(x, "nodes"), "local");
    cJSON_Delete(doc);
}
END_TEST

START_TEST(exceptions_csv_is_the_excel_dialect)
{
    ck_assert_int_eq(locust_runner_log_exception(r, NULL, "plain message", "User > t"), 0);
    ck_assert_int_eq(locust_runner_log_exception(r, NULL, "a, \"quoted\"\nline", "User > u"), 0);
    ck_assert_int_eq(locust_runner_log_exception(r, NULL, "a, \"quoted\"\nline", "User > u"), 0);
    check_csv_download("/exceptions/csv", "exceptions",
                       "Count,Message,Traceback,Nodes\r\n"
                       "1,plain message,User > t,local\r\n"
                       "2,\"a, \"\"quoted\"\"\nline\",User > u,local\r\n");
}
END_TEST

START_TEST(empty_exceptions_csv_has_the_header)
{
    check_csv_download("/exceptions/csv", "exceptions", "Count,Message,Traceback,Nodes\r\n");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("web_reports");
    TCase *tc = tcase_create("reports");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, stats_json_has_the_09_fields);
    tcase_add_test(tc, stats_json_percentiles_are_null_without_requests);
    tcase_add_test(tc, stats_json_caps_rows_but_keeps_total);
    tcase_add_test(tc, stats_reset_clears_entries_but_keeps_errors);
    tcase_add_test(tc, requests_and_distribution_csv_are_the_stats_writers_output);
    tcase_add_test(tc, exceptions_json_lists_task_exceptions);
    tcase_add_test(tc, exceptions_csv_is_the_excel_dialect);
    tcase_add_test(tc, empty_exceptions_csv_has_the_header);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
