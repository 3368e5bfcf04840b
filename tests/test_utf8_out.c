/*
 * Every string from the network is written as valid UTF-8, in every
 * output. The sanitizer itself (base/utf8.c) replaces each maximal invalid
 * subpart with U+FFFD, as Python's bytes.decode("utf-8", "replace") does;
 * then a master whose slave has an id and request names that are not
 * UTF-8 must still serve /stats/requests as JSON, and write its CSV files,
 * console tables and log as UTF-8; and so must the report layer's
 * outputs (the 2.x CSV files, the JSON, HTML and JUnit reports, the
 * Prometheus metrics) and the open model's (the web UI's rows, locust-run's
 * console block). Validity is checked with iconv, which shares no
 * code with the sanitizer.
 */
#include "../cli/openmodel.h"
#include "base/base.h"
#include "dist_world.h"
#include "web_client.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <iconv.h>
#include <locust/report.h>
#include <locust/web.h>

/* True when `len` bytes at s are valid UTF-8, as glibc's iconv judges. */
static bool iconv_valid(const char *s, size_t len)
{
    iconv_t cd = iconv_open("UTF-8", "UTF-8");
    ck_assert(cd != (iconv_t)-1);
    char out[4096];
    char *in = (char *)s;
    bool ok = true;
    while (len > 0 && ok) {
        char *o = out;
        size_t room = sizeof out;
        if (iconv(cd, &in, &len, &o, &room) == (size_t)-1 && errno != E2BIG) ok = false;
    }
    iconv_close(cd);
    return ok;
}

/* ---- the sanitizer ------------------------------------------------------------ */

static const struct {
    const char *in, *out;
} CASES[] = {
    /* Expected outputs: Python 3's bytes.decode("utf-8", "replace"). */
    {"plain", "plain"},
    {"caf\xc3\xa9", "caf\xc3\xa9"},
    {"caf\xe9", "caf\xef\xbf\xbd"},
    {"\xff\xfe", "\xef\xbf\xbd\xef\xbf\xbd"},
    {"\xe2\x82", "\xef\xbf\xbd"},
    {"\xe2\x82x", "\xef\xbf\xbdx"},
    {"\xf0\x9f\x98", "\xef\xbf\xbd"},
    {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
    {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},
    {"\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
    {"a\x80"
     "b",
     "a\xef\xbf\xbd"
     "b"},
    {"\xe0\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
    {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
    {"", ""},
};

START_TEST(invalid_bytes_become_one_replacement_character_per_maximal_subpart)
{
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        char *got = locust__utf8_sanitize(CASES[i].in);
        ck_assert_ptr_nonnull(got);
        ck_assert_msg(strcmp(got, CASES[i].out) == 0, "case %zu", i);
        ck_assert(iconv_valid(got, strlen(got)));
        ck_assert(locust__utf8_valid(got));
        ck_assert_int_eq(locust__utf8_valid(CASES[i].in), strcmp(CASES[i].in, CASES[i].out) == 0);
        char *tmp;
        const char *clean = locust__utf8_clean(CASES[i].in, &tmp);
        ck_assert_str_eq(clean, CASES[i].out);
        /* A valid string is used as it is, without a copy. */
        ck_assert(tmp == NULL ? clean == CASES[i].in : clean == tmp);
        free(tmp);
        free(got);
    }
    /* A bounded buffer is filled with whole characters only. */
    char small[6];
    ck_assert_uint_eq(locust__utf8_sanitize_to(small, sizeof small, "ab\xff\xff"), 5);
    ck_assert_str_eq(small, "ab\xef\xbf\xbd");
    ck_assert_uint_eq(locust__utf8_sanitize_to(small, sizeof small, "abcd\xc3\xa9"), 4);
    ck_assert_str_eq(small, "abcd");
    char *tmp = (char *)1;
    ck_assert_ptr_null(locust__utf8_clean(NULL, &tmp));
    ck_assert_ptr_null(tmp);
}
END_TEST

/* ---- a master with a slave that is not UTF-8 ------------------------------------- */

#define BAD_ID   "slave-\xff\xfe-1"
#define BAD_NAME "/caf\xe9?q=\xc3("
#define BAD_ERR  "HTTPError('500 \xe9t\xe9')"

/* A name of 31 bytes whose 32nd and 33rd bytes are one character: after "GET " it straddles byte 36. */
#define LONG_NAME "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9-and-more"

/*
 * Sends, as the slave BAD_ID, a stats report of one success and one failure
 * under BAD_NAME; with `scheduled`, the successes are scheduled runs (which
 * the open model's outputs show): one of a method that is not UTF-8 either,
 * one under LONG_NAME.
 */
static void send_bad_report(void *push, bool scheduled)
{
    locust_stats *s;
    ck_assert_int_eq(locust_stats_new(&s), 0);
    if (scheduled) {
        ck_assert_int_eq(locust_stats_log_success_scheduled(s, "G\xc9T", BAD_NAME, 12, 40, 100), 0);
        ck_assert_int_eq(locust_stats_log_success_scheduled(s, "GET", LONG_NAME, 12, 40, 100), 0);
    } else {
        ck_assert_int_eq(locust_stats_log_success(s, "GET", BAD_NAME, 12, 100), 0);
    }
    ck_assert_int_eq(locust_stats_log_failure(s, "GET", BAD_NAME, 0, BAD_ERR), 0);
    locust__rpc_out o;
    dist_stats_frame(&o, BAD_ID, s, 3);
    dist_raw_send(push, o.frame, o.len);
    locust__rpc_out_free(&o);
    locust_stats_free(s);
}

/* The slave BAD_ID on a PUSH socket of its own: joined, and its report (send_bad_report()) sent. */
typedef struct bad_slave {
    void *ctx, *push;
} bad_slave;

static void bad_slave_join(bad_slave *b, bool scheduled)
{
    b->ctx = zmq_ctx_new();
    b->push = dist_raw_connect(b->ctx, ZMQ_PUSH, W->port);
    dist_raw_msg(b->push, "client_ready", NULL, BAD_ID);
    send_bad_report(b->push, scheduled);
}

static void bad_slave_leave(bad_slave *b)
{
    zmq_close(b->push);
    zmq_ctx_term(b->ctx);
}

static bool merged_bad(void *ud)
{
    locust_entry_info e;
    return locust_stats_total(locust_runner_stats(W->master), &e) == 0 && e.num_failures == 1;
}

/* Log records, each checked as it is written. */
static int log_records, invalid_records;
static void check_record(locust_log_level level, const char *logger, const char *msg, void *udata)
{
    log_records++;
    if (!iconv_valid(msg, strlen(msg))) invalid_records++;
}

/* Writes one of the statistics outputs into memory and checks it. */
typedef int (*stats_out)(const locust_stats *s, FILE *f);
static void assert_output_valid(stats_out fn, const char *what)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_int_eq(fn(locust_runner_stats(W->master), f), 0);
    fclose(f);
    ck_assert_msg(iconv_valid(text, len), "%s is not UTF-8", what);
    ck_assert_msg(strstr(text, "/caf\xef\xbf\xbd?q=\xef\xbf\xbd(") != NULL,
                  "%s lacks the sanitized name:\n%s", what, text);
    free(text);
}

START_TEST(a_slave_that_is_not_utf8_leaves_every_output_valid)
{
    start_master(NULL);
    locust_web *web;
    ck_assert_int_eq(locust_web_new(&web, W->master, &(locust_web_options){.host = "127.0.0.1"}), 0);
    int port = locust_web_port(web);
    log_records = invalid_records = 0;
    locust_log_set(check_record, NULL, LOCUST_LOG_DEBUG);

    bad_slave b;
    bad_slave_join(&b, false);
    ck_assert_msg(dist_run_until(W->loop, merged_bad, NULL, 10), "the report was not merged");

    /* The web UI: /stats/requests is JSON, with the id and name sanitized. */
    web_reply rep;
    ck_assert_int_eq(web_get(W->loop, port, "/stats/requests", &rep), 0);
    ck_assert_int_eq(rep.status, 200);
    ck_assert_msg(iconv_valid(rep.body, rep.len), "/stats/requests is not UTF-8");
    cJSON *doc = cJSON_Parse(rep.body);
    ck_assert_msg(doc != NULL, "/stats/requests is not JSON: %s", rep.body);
    const cJSON *slaves = cJSON_GetObjectItem(doc, "slaves");
    ck_assert_int_eq(cJSON_GetArraySize(slaves), 1);
    ck_assert_str_eq(web_str(cJSON_GetArrayItem(slaves, 0), "id"), "slave-\xef\xbf\xbd\xef\xbf\xbd-1");
    const cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "stats"), 0);
    ck_assert_str_eq(web_str(row, "name"), "/caf\xef\xbf\xbd?q=\xef\xbf\xbd(");
    const cJSON *err = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "errors"), 0);
    ck_assert_str_eq(web_str(err, "error"), "HTTPError('500 \xef\xbf\xbdt\xef\xbf\xbd')");
    cJSON_Delete(doc);
    web_reply_free(&rep);
    /* Its CSV downloads. */
    static const char *const csvs[] = {"/stats/requests/csv", "/stats/distribution/csv"};
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(web_get(W->loop, port, csvs[i], &rep), 0);
        ck_assert_int_eq(rep.status, 200);
        ck_assert_msg(iconv_valid(rep.body, rep.len), "%s is not UTF-8", csvs[i]);
        ck_assert(strstr(rep.body, "/caf\xef\xbf\xbd?q=\xef\xbf\xbd(") != NULL);
        web_reply_free(&rep);
    }

    /* The console tables and the CSV files of locust-run. */
    assert_output_valid(locust_stats_print, "the request table");
    assert_output_valid(locust_stats_print_percentiles, "the percentile table");
    assert_output_valid(locust_stats_print_errors, "the error report");
    assert_output_valid(locust_stats_write_requests_csv, "the requests CSV");
    assert_output_valid(locust_stats_write_distribution_csv, "the distribution CSV");

    /* The log: "Client '...' reported as ready" named the slave. */
    ck_assert_int_gt(log_records, 0);
    ck_assert_int_eq(invalid_records, 0);
    testutil_quiet_logs();
    bad_slave_leave(&b);
    locust_web_free(web);
}
END_TEST

/* Writes one of the report layer's outputs into memory and checks it for the sanitized name. */
typedef int (*report_out)(locust_runner *r, FILE *f);
static void assert_report_valid(report_out fn, const char *what, const char *want)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_int_eq(fn(W->master, f), 0);
    fclose(f);
    ck_assert_msg(iconv_valid(text, len), "%s is not UTF-8", what);
    ck_assert_msg(strstr(text, want) != NULL, "%s lacks '%s':\n%s", what, want, text);
    free(text);
}

static locust_report_settings bad_settings = {.locustfile = "scen\xe9.c",
                                              .host = "http://127.0.0.1:9",
                                              .users = 3,
                                              .spawn_rate = 1,
                                              .run_time = "1s",
                                              .command_line = "locust-run -f scen\xe9.c"};

static int json_report(locust_runner *r, FILE *f)
{
    return locust_report_json(r, &bad_settings, f);
}
static int html_report(locust_runner *r, FILE *f)
{
    return locust_report_html(r, &bad_settings, f);
}
static int junit_report(locust_runner *r, FILE *f)
{
    return locust_report_junit(r, &bad_settings, f);
}
static int failures_csv(locust_runner *r, FILE *f)
{
    return locust_csv2_failures(locust_runner_stats(r), f);
}
static int exceptions_csv(locust_runner *r, FILE *f)
{
    return locust_csv2_exceptions(r, f);
}
static int history_csv(locust_runner *r, FILE *f)
{
    return locust_csv2_history_rows(r, 1e9, true, f);
}

static bool exception_logged(void *ud)
{
    return locust_runner_exception_count(W->master) == 1;
}

/* The report layer (locust-run's --csv 2.x files, --json-file, --html, --junit, /metrics). */
START_TEST(a_slave_that_is_not_utf8_leaves_every_report_valid)
{
    start_master(NULL);
    bad_slave b;
    bad_slave_join(&b, false);
    dist_raw_msg(b.push, "exception", "{\"msg\": \"boom \xff\", \"traceback\": \"  File \xfe\\n\"}", BAD_ID);
    ck_assert_msg(dist_run_until(W->loop, merged_bad, NULL, 10), "the report was not merged");
    ck_assert_msg(dist_run_until(W->loop, exception_logged, NULL, 10), "the exception was not logged");

    static const char *const name = "/caf\xef\xbf\xbd?q=\xef\xbf\xbd(";
    assert_report_valid(failures_csv, "the failures CSV", "HTTPError('500 \xef\xbf\xbdt\xef\xbf\xbd')");
    assert_report_valid(exceptions_csv, "the exceptions CSV",
                        "boom \xef\xbf\xbd,\"  File \xef\xbf\xbd\n\",slave-");
    assert_report_valid(history_csv, "the stats history CSV", name);
    assert_report_valid(json_report, "the JSON report", name);
    assert_report_valid(html_report, "the HTML report", name);
    assert_report_valid(junit_report, "the JUnit report", "scen\xef\xbf\xbd.c");
    assert_report_valid(locust_report_prometheus, "the Prometheus metrics", name);
    bad_slave_leave(&b);
}
END_TEST

static const cJSON *open_model_row(const cJSON *rows, const char *method)
{
    const cJSON *row;
    cJSON_ArrayForEach(row, rows)
    {
        const cJSON *m = cJSON_GetObjectItem(row, "method");
        if (cJSON_IsString(m) && strcmp(m->valuestring, method) == 0) return row;
    }
    ck_abort_msg("no open-model row of method %s", method);
    return NULL;
}

/*
 * The open model's outputs (present once a slave reports scheduled runs):
 * the web UI's "open_model" rows and locust-run's console block, whose name
 * column is cut after 36 characters, never inside one.
 */
START_TEST(a_slave_that_is_not_utf8_leaves_the_open_model_outputs_valid)
{
    start_master(NULL);
    locust_web *web;
    ck_assert_int_eq(locust_web_new(&web, W->master, &(locust_web_options){.host = "127.0.0.1"}), 0);
    bad_slave b;
    bad_slave_join(&b, true);
    ck_assert_msg(dist_run_until(W->loop, merged_bad, NULL, 10), "the report was not merged");

    web_reply rep;
    ck_assert_int_eq(web_get(W->loop, locust_web_port(web), "/stats/requests", &rep), 0);
    ck_assert_int_eq(rep.status, 200);
    ck_assert_msg(iconv_valid(rep.body, rep.len), "/stats/requests is not UTF-8");
    cJSON *doc = cJSON_Parse(rep.body);
    ck_assert_msg(doc != NULL, "/stats/requests is not JSON: %s", rep.body);
    const cJSON *rows = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "open_model"), "percentiles");
    ck_assert_str_eq(web_str(open_model_row(rows, "G\xef\xbf\xbdT"), "name"),
                     "/caf\xef\xbf\xbd?q=\xef\xbf\xbd(");
    cJSON_Delete(doc);
    web_reply_free(&rep);

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert(cli_open_model_shown(W->master));
    cli_print_open_model(W->master, f);
    fclose(f);
    ck_assert_msg(iconv_valid(text, len), "the console's open-model block is not UTF-8:\n%s", text);
    ck_assert_msg(strstr(text, " G\xef\xbf\xbdT /caf\xef\xbf\xbd?q=\xef\xbf\xbd(") != NULL, "%s", text);
    /* 36 characters (37 bytes), then the next column. */
    ck_assert_msg(strstr(text, " GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9 service ") != NULL, "%s", text);
    free(text);

    bad_slave_leave(&b);
    locust_web_free(web);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("utf8_out");
    TCase *tc = tcase_create("sanitizer");
    tcase_add_test(tc, invalid_bytes_become_one_replacement_character_per_maximal_subpart);
    suite_add_tcase(s, tc);
    tc = tcase_create("outputs");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, a_slave_that_is_not_utf8_leaves_every_output_valid);
    tcase_add_test(tc, a_slave_that_is_not_utf8_leaves_every_report_valid);
    tcase_add_test(tc, a_slave_that_is_not_utf8_leaves_the_open_model_outputs_valid);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
