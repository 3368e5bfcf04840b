/* See http_harness.h. */
#include "http_harness.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "testutil.h"

locust_test_target target;
http_run run;

void harness_target_up(void)
{
    if (locust_test_target_start(&target, NULL) != 0) {
        fprintf(stderr, "cannot start the demo target\n");
        exit(EXIT_FAILURE);
    }
}

void harness_target_down(void)
{
    if (locust_test_target_stop(&target) != 0) {
        fprintf(stderr, "the demo target did not exit cleanly\n");
        exit(EXIT_FAILURE);
    }
}

static void on_request(const locust_event *ev, void *udata)
{
    bool ok = ev->type == LOCUST_EV_REQUEST_SUCCESS;
    if (ok)
        run.successes++;
    else
        run.failures++;
    if (run.n_records == HTTP_MAX_RECORDS) return;
    http_record *rec = &run.records[run.n_records++];
    rec->success = ok;
    snprintf(rec->method, sizeof rec->method, "%s", ev->request_type);
    snprintf(rec->name, sizeof rec->name, "%s", ev->name);
    rec->response_time = ev->response_time;
    rec->length = ok ? ev->response_length : 0;
    snprintf(rec->error, sizeof rec->error, "%s", ok || !ev->error ? "" : ev->error);
}

static void on_error(const locust_event *ev, void *udata)
{
    run.task_errors++;
    snprintf(run.task_error, sizeof run.task_error, "%s", ev->message ? ev->message : "");
}

double harness_stop_timeout;

void harness_run(const locust_taskset *ts, const char *host, unsigned users, double rate, double limit)
{
    static locust_class cls;
    memset(&run, 0, sizeof run);
    cls = (locust_class){.name = "HttpUser", .task_set = ts, .weight = 1, .host = host ? host : target.host};
    locust_runner *r;
    locust_runner_options o = {.seed = 7, .stop_timeout = harness_stop_timeout};
    ck_assert_int_eq(testutil_runner_new(&r, &o, &cls, on_request, NULL), 0);
    run.runner = r;
    locust_on(r, LOCUST_EV_LOCUST_ERROR, on_error, NULL);
    double t0 = locust__mono();
    ck_assert_int_eq(testutil_run_users(r, users, rate, limit), 0);
    run.seconds = locust__mono() - t0;
    locust_runner_free(r);
    run.runner = NULL;
}

static locust_task_fn single_fn;
static unsigned single_runs;

static void single_task(locust_ctx *ctx)
{
    /* A task that failed (locust_fail) does not reach its stop: the next run stops. */
    if (single_runs++ > 0) locust_stop_user(ctx);
    single_fn(ctx);
    locust_stop_user(ctx);
}

void harness_run_task(locust_task_fn task)
{
    static const locust_task tasks[] = {{.name = "task", .fn = single_task, .weight = 1}, LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Single", .tasks = tasks};
    single_fn = task;
    single_runs = 0;
    harness_run(&ts, NULL, 1, 100, 30);
}

const http_record *harness_record(unsigned i)
{
    ck_assert_msg(i < run.n_records, "record %u asked for, %u recorded", i, run.n_records);
    return &run.records[i];
}

const char *harness_echo_field(locust_response *r, const char *obj, const char *name)
{
    const cJSON *doc = locust_response_json(r, NULL);
    ck_assert_msg(doc != NULL, "not JSON: %s", locust_response_text(r));
    const cJSON *o = obj ? cJSON_GetObjectItemCaseSensitive(doc, obj) : doc;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : "";
}
