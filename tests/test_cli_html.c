/*
 * The HTML report and the web UI's report routes with locust-run as a
 * process: --autostart runs a test with the web UI on and --web-auth; while
 * it runs, /stats/report and /metrics answer (and refuse a request without
 * the credentials); --autoquit ends it and --html writes the report. Both
 * reports, the live download and the final file, are then opened in headless
 * Chromium (tests/e2e/report.test.mjs): tables filled (the thresholds' pass
 * and FAIL among them), charts drawn, no request leaving the file. Skipped (77) when Chromium or
 * playwright-core cannot be installed (scripts/install-e2e.sh).
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "cli_proc.h"
#include "target.h"
#include "testutil.h"

static locust_test_target target;

typedef struct body {
    char *data;
    size_t len;
} body;

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
    body *b = ud;
    char *d = realloc(b->data, b->len + size * n + 1);
    if (!d) return 0;
    memcpy(d + b->len, p, size * n);
    b->len += size * n;
    d[b->len] = '\0';
    b->data = d;
    return size * n;
}

/*
 * GETs a URL (with basic auth when `auth` is set); returns the status and
 * the body in *out, after the response's headers when `headers` is set.
 */
static long fetch(const char *url, const char *auth, bool headers, body *out)
{
    CURL *c = curl_easy_init();
    out->data = NULL;
    out->len = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HEADER, headers ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    if (auth) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERPWD, auth);
    }
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    return status;
}

/*
 * Runs the browser check of a report file, which holds `thresholds` verdicts; the screenshot goes to the
 * build's artifacts.
 */
static void check_in_browser(const char *html, const char *png_name, int thresholds)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/tests/artifacts' && node '%s/tests/e2e/report.test.mjs' '%s' "
             "'%s/tests/artifacts/%s' %d",
             getenv("LOCUST_BUILDDIR"), getenv("LOCUST_SRCDIR"), html, getenv("LOCUST_BUILDDIR"), png_name,
             thresholds);
    int rc = system(cmd);
    ck_assert_msg(rc == 0, "the report %s failed in Chromium (exit %d)", html, rc);
}

static void setup_all(void)
{
    cli_test_setup();
    ck_assert_int_eq(locust_test_target_start(&target, NULL), 0);
}

static void teardown_all(void)
{
    locust_test_target_stop(&target);
    cli_test_teardown();
}

START_TEST(the_report_is_served_while_the_test_runs_and_written_at_the_end)
{
    cli_proc p;
    char html[600];
    snprintf(html, sizeof html, "%s", cli_tmp_path("final.html"));
    CLI_START(&p, "-f", cli_scenario_path("reports.c"), "--autostart", "-u", "2", "-r", "10", "-t", "4s",
              "--autoquit", "1", "-H", target.host, "--web-host", "127.0.0.1", "-P", "0", "--web-auth",
              "ci:secret", "--html", html, "--exit-code-on-error", "0", "--threshold", "GET /:p99<60000",
              "--threshold", "fail_ratio<0.1", "Web");
    ck_assert_msg(cli_proc_wait_err(&p, "Starting web monitor at 127.0.0.1:", 60), "no web UI:\n%s",
                  cli_tail(p.err));
    char *err = cli_slurp(p.err_path);
    const char *at = strstr(err, "Starting web monitor at 127.0.0.1:");
    int port = atoi(at + strlen("Starting web monitor at 127.0.0.1:"));
    free(err);
    ck_assert_int_gt(port, 0);
    cli_sleep_ms(2500);

    char url[128];
    body b;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/stats/report", port);
    ck_assert_int_eq(fetch(url, NULL, false, &b), 401);
    free(b.data);
    ck_assert_int_eq(fetch(url, "ci:secret", false, &b), 200);
    ck_assert_ptr_nonnull(strstr(b.data, "<title>Locust test report</title>"));
    char live[600];
    snprintf(live, sizeof live, "%s", cli_tmp_path("live.html"));
    FILE *f = fopen(live, "w");
    fwrite(b.data, 1, b.len, f);
    fclose(f);
    free(b.data);

    /* The web UI's download link asks for an attachment. */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/stats/report?download=1", port);
    ck_assert_int_eq(fetch(url, "ci:secret", true, &b), 200);
    ck_assert_msg(strstr(b.data, "Content-Disposition: attachment;filename=report_") != NULL,
                  "no attachment");
    free(b.data);

    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", port);
    ck_assert_int_eq(fetch(url, NULL, false, &b), 401);
    free(b.data);
    ck_assert_int_eq(fetch(url, "ci:secret", false, &b), 200);
    ck_assert_ptr_nonnull(strstr(b.data, "locust_state{state=\"running\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(b.data, "locust_users 2\n"));
    ck_assert_ptr_nonnull(strstr(b.data, "locust_requests_total{method=\"GET\",name=\"/\"} "));
    free(b.data);

    /* -t 4s stops the test, --autoquit 1 quits a second later; half of Web's requests fail, so does
     * the fail_ratio threshold. */
    int rc = cli_proc_wait(&p, 30);
    ck_assert_msg(rc == 3, "exit %d:\n%s", rc, cli_tail(p.err));
    ASSERT_CONTAINS(p.err, "quitting in 1 seconds (--autoquit)");
    cli_proc_free(&p);

    /* Both reports show the two verdicts (the live one those of the test so far). */
    check_in_browser(live, "report-live.png", 2);
    check_in_browser(html, "report-final.png", 2);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "sh '%s/scripts/install-e2e.sh'",
             getenv("LOCUST_SRCDIR") ? getenv("LOCUST_SRCDIR") : "..");
    if (system(cmd) != 0) {
        fprintf(stderr,
                "SKIP: Chromium or playwright-core could not be installed (scripts/install-e2e.sh)\n");
        return 77;
    }
    Suite *s = suite_create("cli_html");
    TCase *tc = tcase_create("html");
    tcase_set_timeout(tc, 200);
    tcase_add_unchecked_fixture(tc, setup_all, teardown_all);
    tcase_add_test(tc, the_report_is_served_while_the_test_runs_and_written_at_the_end);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
