/*
 * Event hooks and web routes (manual ch. 10): the scenario's init function
 * adds listeners to the runner's hooks, counting requests, task failures and
 * hatches, prints a summary when the process quits, and adds two pages to the
 * web UI: /added_page (the manual's example) and /counts (the counters as
 * JSON).
 *
 *   locust-run -f examples/events.c --host http://127.0.0.1:8080 -P 8089
 *   curl http://127.0.0.1:8089/added_page
 */
#include <locust/locust.h>
#include <stdint.h>
#include <stdio.h>

/* The listeners run on the runner's loop, one at a time: no locking needed. */
static struct {
    uint64_t successes, failures, task_errors, bytes;
    unsigned hatched;
} counts;

static void on_success(const locust_event *ev, void *udata)
{
    counts.successes++;
    counts.bytes += ev->response_length > 0 ? (uint64_t)ev->response_length : 0;
}

static void on_failure(const locust_event *ev, void *udata)
{
    counts.failures++;
    locust_log(LOCUST_LOG_WARNING, "events.example", "%s %s failed: %s", ev->request_type, ev->name,
               ev->error);
}

static void on_task_error(const locust_event *ev, void *udata)
{
    counts.task_errors++;
}

static void on_hatch_complete(const locust_event *ev, void *udata)
{
    counts.hatched = ev->user_count;
    locust_log(LOCUST_LOG_INFO, "events.example", "hatch complete: %u users", ev->user_count);
}

static void on_quitting(const locust_event *ev, void *udata)
{
    locust_log(LOCUST_LOG_INFO, "events.example",
               "quitting: %llu successes (%llu bytes), %llu failures, %llu task errors",
               (unsigned long long)counts.successes, (unsigned long long)counts.bytes,
               (unsigned long long)counts.failures, (unsigned long long)counts.task_errors);
}

/* Manual §10.1: @web.app.route("/added_page"). */
static int added_page(const locust_web_request *req, locust_web_response *res, void *udata)
{
    locust_web_response_header(res, "Content-Type", "text/plain; charset=utf-8");
    return locust_web_response_printf(res, "Another page");
}

static int counts_page(const locust_web_request *req, locust_web_response *res, void *udata)
{
    locust_web_response_header(res, "Content-Type", "application/json");
    return locust_web_response_printf(res,
                                      "{\"successes\": %llu, \"failures\": %llu, \"task_errors\": %llu, "
                                      "\"hatched\": %u}",
                                      (unsigned long long)counts.successes,
                                      (unsigned long long)counts.failures,
                                      (unsigned long long)counts.task_errors, counts.hatched);
}

/* Runs once, after the runner is created and before anything starts. */
static int init(locust_runner *r)
{
    int rc = 0;
    if (!rc) rc = locust_on(r, LOCUST_EV_REQUEST_SUCCESS, on_success, NULL);
    if (!rc) rc = locust_on(r, LOCUST_EV_REQUEST_FAILURE, on_failure, NULL);
    if (!rc) rc = locust_on(r, LOCUST_EV_LOCUST_ERROR, on_task_error, NULL);
    if (!rc) rc = locust_on(r, LOCUST_EV_HATCH_COMPLETE, on_hatch_complete, NULL);
    if (!rc) rc = locust_on(r, LOCUST_EV_QUITTING, on_quitting, NULL);
    if (!rc) rc = locust_web_route(r, "GET", "/added_page", added_page, NULL);
    if (!rc) rc = locust_web_route(r, "GET", "/counts", counts_page, NULL);
    return rc;
}

static void index_page(locust_ctx *ctx)
{
    locust_get(ctx, "/", NULL);
}

/* One time in ten the task fails: locust_error fires; the request statistics do not change. */
static void sometimes_fails(locust_ctx *ctx)
{
    locust_get(ctx, "/json", NULL);
    if (locust_random_int(ctx, 1, 10) == 1) locust_fail(ctx, "the JSON was not interesting");
}

static const locust_task tasks[] = {LOCUST_TASK(index_page), LOCUST_TASK(sometimes_fails), LOCUST_TASKS_END};
static const locust_taskset ts = {.name = "Browse", .tasks = tasks};
static const locust_class listener_user = {
    .name = "ListenerUser", .task_set = &ts, .min_wait = 50, .max_wait = 100};

LOCUST_SCENARIO(init, &listener_user);
