/*
 * requests' options beyond Locust 0.9's, in C: a multipart upload (files=),
 * digest authentication (HTTPDigestAuth), the redirects followed to a
 * response (response.history), the cookies a response set
 * (response.cookies) and raise_for_status(). A proxy would be one more
 * field, .proxy = "http://127.0.0.1:3128", or locust_http_set_proxy() for
 * the whole session.
 *
 *   locust-run -f examples/requests_options.c --host http://127.0.0.1:8080 --no-web -c 2 -t 5s
 */
#include <locust/locust.h>
#include <stdio.h>
#include <string.h>

/* requests.post(url, data={"title": "weekly"}, files={"report": ("report.csv", data, "text/csv")}) */
static void upload(locust_ctx *ctx)
{
    static const char *const form[] = {"title", "weekly", NULL};
    const locust_file_part files[] = {
        {.field = "report",
         .filename = "report.csv",
         .data = "day,visits\nmon,42\n",
         .content_type = "text/csv"},
        {0},
    };
    locust_post(ctx, "/echo", &(locust_request_opts){.name = "/echo [upload]", .form = form, .files = files});
}

/*
 * auth=HTTPDigestAuth(user, "s3cret"): curl answers the server's challenge,
 * then answers at once with the nonce it got; one request in the stats.
 * Each user logs in as its own user (the demo target's nonces are per URL
 * and moment, and a nonce two users share is refused to the second as a
 * replay).
 */
static void digest(locust_ctx *ctx)
{
    char user[32], url[64];
    snprintf(user, sizeof user, "user%llu", (unsigned long long)locust_user_id(ctx));
    snprintf(url, sizeof url, "/digest-auth/%s/s3cret", user);
    locust_get(ctx, url,
               &(locust_request_opts){.name = "/digest-auth/[user]/s3cret",
                                      .auth_user = user,
                                      .auth_password = "s3cret",
                                      .auth_type = LOCUST_AUTH_DIGEST});
}

/* The hops of a redirect chain, and raise_for_status() failing the task as Python's exception would. */
static void redirects(locust_ctx *ctx)
{
    locust_response *r = locust_get(ctx, "/redirect/2", NULL);
    for (int i = 0; i < locust_response_history_count(r); i++) {
        int status;
        const char *url;
        locust_response_history(r, i, &status, &url);
        locust_log(LOCUST_LOG_DEBUG, "example", "hop %d: %d %s", i, status, url);
    }
    const char *text;
    if (locust_response_raise_for_status(r, &text) != 0) locust_fail(ctx, "HTTPError: %s", text);
}

/* response.cookies: what the login set, also kept by the session for the next requests. */
static void login(locust_ctx *ctx)
{
    locust_response *r = locust_get(ctx, "/login?user=alice", NULL);
    if (locust_response_cookie(r, "session") == NULL) locust_fail(ctx, "the login set no session cookie");
    locust_get(ctx, "/profile", NULL);
}

static const locust_task tasks[] = {
    LOCUST_TASK(upload), LOCUST_TASK(digest), LOCUST_TASK(redirects), LOCUST_TASK(login), LOCUST_TASKS_END,
};

static const locust_taskset ts = {.name = "RequestsOptions", .tasks = tasks};
static const locust_class user = {.name = "RequestsUser", .task_set = &ts, .min_wait = 50, .max_wait = 100};

LOCUST_SCENARIO(NULL, &user);
