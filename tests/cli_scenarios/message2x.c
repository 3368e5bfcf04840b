/*
 * A worker scenario for test_dist_locust2_message.sh: when its test starts
 * it sends ("hello", {"n": 42}) to the master, and logs the master's "welcome_back".
 */
#include <cjson/cJSON.h>
#include <locust/locust.h>

static void nothing(locust_ctx *ctx)
{
    locust_sleep(ctx, 100);
}
static const locust_task tasks[] = {LOCUST_TASK(nothing), LOCUST_TASKS_END};
static const locust_taskset ts = {.name = "DummyTasks", .tasks = tasks};
static const locust_class dummy = {.name = "Dummy", .task_set = &ts};

static void on_ack(locust_runner *r, const char *type, const cJSON *data, const char *node_id, void *udata)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(data, "text");
    locust_log(LOCUST_LOG_INFO, "message", "got %s: %s", type, cJSON_IsString(t) ? t->valuestring : "?");
}

static void on_test_start(const locust_event *ev, void *udata)
{
    cJSON *hello = cJSON_CreateObject();
    cJSON_AddNumberToObject(hello, "n", 42);
    int err = locust_send_message(ev->runner, "hello", hello, NULL);
    locust_log(LOCUST_LOG_INFO, "message", "sent hello: %s", locust_strerror(err));
    cJSON_Delete(hello);
}

static int init(locust_runner *r)
{
    int err = locust_register_message(r, "welcome_back", on_ack, NULL);
    if (!err) err = locust_on(r, LOCUST_EV_TEST_START, on_test_start, NULL);
    return err;
}

LOCUST_SCENARIO(init, &dummy);
