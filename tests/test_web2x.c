/*
 * The web UI with Locust 2.x's model: the start form's tags and
 * exclude_tags fields set the runner's filter (a filter that leaves a class
 * empty is a 400 naming it), and with a shape set, /swarm starts the shape
 * and /stats/requests shows it with its stage.
 */
#include <cjson/cJSON.h>
#include <ev.h>
#include <locust/locust.h>
#include <string.h>

#include "testutil.h"
#include "web_client.h"

static void idle(locust_ctx *ctx)
{
    locust_sleep(ctx, 20);
}
static const locust_task tasks[] = {{.name = "read", .fn = idle, .tags = "read"},
                                    {.name = "write", .fn = idle, .tags = "write"},
                                    LOCUST_TASKS_END};
static const locust_taskset ts = {.name = "Tasks", .tasks = tasks};
static const locust_class user = {.name = "User", .task_set = &ts};

static locust_runner *r;
static locust_web *w;
static int port;

static void start(void)
{
    testutil_quiet_logs();
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &user), 0);
    locust_web_options o = {.host = "127.0.0.1"};
    ck_assert_int_eq(locust_web_new(&w, r, &o), 0);
    port = locust_web_port(w);
}

static void end(void)
{
    locust_web_free(w);
    locust_runner_free(r);
}

START_TEST(the_start_form_sets_the_tags)
{
    start();
    web_reply rep;
    web_post(locust_runner_loop(r), port, "/swarm", "locust_count=1&hatch_rate=1&tags=nothing", &rep);
    ck_assert_int_eq(rep.status, 400);
    ck_assert_msg(strstr(rep.body, "class 'User' has no task left after filtering by tags") != NULL, "%s",
                  rep.body);
    web_reply_free(&rep);
    web_post(locust_runner_loop(r), port, "/swarm", "locust_count=1&hatch_rate=1&exclude_tags=write", &rep);
    ck_assert_int_eq(rep.status, 200);
    web_reply_free(&rep);
    ck_assert_str_eq(locust_runner_tags(r, true), "write");
    ck_assert(locust_runner_task_enabled(r, &ts, &tasks[0]));
    ck_assert(!locust_runner_task_enabled(r, &ts, &tasks[1]));
    end();
}
END_TEST

START_TEST(a_shape_is_started_and_shown)
{
    start();
    const locust_stage st[] = {{30, 2, 100}, {30, 4, 100}};
    ck_assert_int_eq(locust_runner_set_stages(r, st, 2), 0);
    web_reply rep;
    web_post(locust_runner_loop(r), port, "/swarm", "locust_count=50&hatch_rate=1", &rep);
    ck_assert_int_eq(rep.status, 200);
    ck_assert_msg(strstr(rep.body, "Swarming started using shape class") != NULL, "%s", rep.body);
    web_reply_free(&rep);
    cJSON *doc = web_get_json(locust_runner_loop(r), port, "/stats/requests");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(doc, "shape");
    ck_assert_ptr_nonnull(shape);
    ck_assert_str_eq(web_str(shape, "name"), "stages");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(shape, "running")));
    ck_assert(web_num(shape, "users") == 2);
    ck_assert(web_num(shape, "stage") == 1);
    ck_assert(web_num(shape, "stages") == 2);
    cJSON_Delete(doc);
    end();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("web2x");
    TCase *tc = tcase_create("web2x");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, the_start_form_sets_the_tags);
    tcase_add_test(tc, a_shape_is_started_and_shown);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
