/*
 * Grouping requests to URLs with dynamic parameters (manual §4.5.4): ten
 * URLs with different ids are recorded in the statistics under one name,
 * given with the request's .name option, instead of ten rows.
 *
 * The manual's example asks for /blog?id=N; the demo target has no blog, so
 * this one asks its /echo route, which answers any query.
 *
 *   locust-run -f examples/dynamic_names.c --host http://127.0.0.1:8080 --no-web -c 2 -t 5s
 */
#include <locust/locust.h>
#include <stdio.h>

static void read_posts(locust_ctx *ctx)
{
    /* Statistics for these requests are grouped under: /echo?id=[id] */
    for (int i = 0; i < 10; i++) {
        char url[64];
        snprintf(url, sizeof url, "/echo?id=%d", i);
        locust_get(ctx, url, &(locust_request_opts){.name = "/echo?id=[id]"});
    }
}

static const locust_task blog_tasks[] = {LOCUST_TASK(read_posts), LOCUST_TASKS_END};
static const locust_taskset blog_ts = {.name = "BlogReader", .tasks = blog_tasks};
static const locust_class blog_user = {
    .name = "BlogUser", .task_set = &blog_ts, .min_wait = 200, .max_wait = 400};

LOCUST_SCENARIO(NULL, &blog_user);
