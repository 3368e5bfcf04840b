/*
 * The quick-start locustfile of the Locust manual (§3.1), as a liblocust
 * scenario: a WebsiteUser logs in when it starts, then loads the index page
 * twice as often as its profile, and logs out when it stops.
 *
 *   locust-demo-target --port 8080 &
 *   locust-run -f examples/basic.c --host http://127.0.0.1:8080 --no-web -c 50 -r 10 -t 15s
 *
 * The manual waits 5 to 9 s between tasks; this example waits 1 to 2 s so
 * that a short demo run shows more requests.
 */
#include <locust/locust.h>

/* The login form the manual posts; the demo target answers with a session cookie. */
static const char *const credentials[] = {"username", "ellen_key", "password", "education", NULL};

static void login(locust_ctx *ctx)
{
    locust_post(ctx, "/login", &(locust_request_opts){.form = credentials});
}

static void logout(locust_ctx *ctx)
{
    locust_post(ctx, "/logout", &(locust_request_opts){.form = credentials});
}

static void index_page(locust_ctx *ctx)
{
    locust_get(ctx, "/", NULL);
}

/* Needs the session cookie of login(): the demo target answers 401 without it. */
static void profile(locust_ctx *ctx)
{
    locust_get(ctx, "/profile", NULL);
}

/* Python's tasks = {index: 2, profile: 1}. */
static const locust_task user_tasks[] = {
    {.name = "index", .fn = index_page, .weight = 2},
    {.name = "profile", .fn = profile, .weight = 1},
    LOCUST_TASKS_END,
};

static const locust_taskset user_behavior = {
    .name = "UserBehavior",
    .tasks = user_tasks,
    .on_start = login,
    .on_stop = logout,
};

static const locust_class website_user = {
    .name = "WebsiteUser",
    .task_set = &user_behavior,
    .min_wait = 1000,
    .max_wait = 2000,
};

LOCUST_SCENARIO(NULL, &website_user);
