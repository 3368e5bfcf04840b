/*
 * Deciding yourself whether a request succeeded (manual §4.5.3, Python's
 * catch_response=True): a 200 answer whose body is not what was expected is
 * recorded as a failure, and a 404 that a test expects is recorded as a
 * success.
 *
 *   locust-run -f examples/catch_response.c --host http://127.0.0.1:8080 --no-web -c 2 -t 5s
 */
#include <locust/locust.h>
#include <string.h>

static void check_content(locust_ctx *ctx)
{
    locust_response *r = locust_get(ctx, "/", &(locust_request_opts){.catch_response = true});
    if (strstr(locust_response_text(r), "locust-demo-target") == NULL)
        locust_response_failure(r, "Got wrong response");
    else
        locust_response_success(r);
}

static void expect_not_found(locust_ctx *ctx)
{
    locust_response *r = locust_get(ctx, "/does_not_exist/", &(locust_request_opts){.catch_response = true});
    if (locust_response_status(r) == 404)
        locust_response_success(r);
    else
        locust_response_failure(r, "expected 404, got %d", locust_response_status(r));
}

/* A 200 with a body that says it failed: marked a failure although the status is fine. */
static void reject_body(locust_ctx *ctx)
{
    locust_response *r = locust_get(ctx, "/echo?result=error",
                                    &(locust_request_opts){.catch_response = true, .name = "/echo?result"});
    if (strstr(locust_response_text(r), "\"result\":\"error\"") != NULL)
        locust_response_failure(r, "the server reported an error in a 200 answer");
    else
        locust_response_success(r);
}

static const locust_task tasks[] = {
    LOCUST_TASK_W(check_content, 2),
    LOCUST_TASK(expect_not_found),
    LOCUST_TASK(reject_body),
    LOCUST_TASKS_END,
};

static const locust_taskset checks = {.name = "Checks", .tasks = tasks};
static const locust_class checking_user = {
    .name = "CheckingUser", .task_set = &checks, .min_wait = 50, .max_wait = 100};

LOCUST_SCENARIO(NULL, &checking_user);
