/*
 * Custom messages between a liblocust master and its slaves (2.x's
 * register_message / send_message): a slave's message reaches the master's
 * handler with the sender's id and data, and the master's answer reaches
 * every slave.
 */
#include "test_dist_util.h"
#include "testutil.h"

static void idle(locust_ctx *ctx)
{
    locust_sleep(ctx, 20);
}
static const locust_task tasks[] = {LOCUST_TASK(idle), LOCUST_TASKS_END};
static const locust_taskset ts = {.name = "Idle", .tasks = tasks};
static const locust_class visitor = {.name = "Visitor", .task_set = &ts};

static struct ev_loop *loop;
static locust_runner *master, *slaves[2];
static int hellos, acks[2];
static char senders[256];

static void on_hello(locust_runner *r, const char *type, const cJSON *data, const char *node_id, void *udata)
{
    ck_assert_str_eq(type, "hello");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(data, "n");
    ck_assert(cJSON_IsNumber(n) && n->valuedouble == 42);
    strncat(senders, node_id, sizeof senders - strlen(senders) - 2);
    strcat(senders, ";");
    if (++hellos == 2) {
        cJSON *reply = cJSON_CreateObject();
        cJSON_AddStringToObject(reply, "text", "welcome");
        ck_assert_int_eq(locust_send_message(r, "welcome_back", reply, NULL), 0);
        ck_assert_int_eq(locust_send_message(r, "welcome_back", reply, "someone"), LOCUST_ENOTSUP);
        cJSON_Delete(reply);
    }
}

static void on_ack(locust_runner *r, const char *type, const cJSON *data, const char *node_id, void *udata)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(data, "text");
    ck_assert(cJSON_IsString(t) && strcmp(t->valuestring, "welcome") == 0);
    ++*(int *)udata;
}

static bool ready(void *ud)
{
    return locust_runner_slave_count(master) == 2;
}

static bool acked(void *ud)
{
    return acks[0] >= 1 && acks[1] >= 1;
}

static locust_runner *node(void)
{
    locust_runner_options ro = {.loop = loop};
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, &ro), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &visitor), 0);
    return r;
}

START_TEST(messages_go_both_ways)
{
    testutil_quiet_logs();
    locust__dist_timing_reset();
    loop = ev_loop_new(EVFLAG_AUTO);
    int port = dist_attach_master(node, &master);
    ck_assert_int_eq(locust_register_message(master, "hello", on_hello, NULL), 0);
    ck_assert_int_eq(locust_register_message(master, "hello", on_hello, NULL), LOCUST_EEXIST);
    ck_assert_int_eq(locust_register_message(master, "stats", on_hello, NULL), LOCUST_EINVAL);
    ck_assert_str_eq(locust_runner_last_error(master),
                     "'stats' is a message type of the protocol itself; choose another");
    for (int i = 0; i < 2; i++) {
        slaves[i] = node();
        ck_assert_int_eq(locust_send_message(slaves[i], "hello", NULL, NULL), LOCUST_ESTATE);
        /* Registered before attaching, as 2.x's init listeners do. */
        ck_assert_int_eq(locust_register_message(slaves[i], "welcome_back", on_ack, &acks[i]), 0);
        dist_attach_slave(slaves[i], port);
    }
    ck_assert_msg(dist_run_until(loop, ready, NULL, 10), "the slaves did not connect");
    cJSON *hello = cJSON_CreateObject();
    cJSON_AddNumberToObject(hello, "n", 42);
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(locust_send_message(slaves[i], "hello", hello, NULL), 0);
    cJSON_Delete(hello);
    ck_assert_msg(dist_run_until(loop, acked, NULL, 10), "acks: %d, %d (hellos %d)", acks[0], acks[1],
                  hellos);
    ck_assert_int_eq(hellos, 2);
    char want[256];
    snprintf(want, sizeof want, "%s;", locust_slave_id(slaves[0]));
    ck_assert_msg(strstr(senders, want) != NULL, "senders '%s' lack '%s'", senders, want);
    snprintf(want, sizeof want, "%s;", locust_slave_id(slaves[1]));
    ck_assert_msg(strstr(senders, want) != NULL, "senders '%s' lack '%s'", senders, want);

    for (int i = 0; i < 2; i++)
        locust_runner_free(slaves[i]);
    locust_runner_free(master);
    ev_loop_destroy(loop);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dist_message");
    TCase *tc = tcase_create("dist_message");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, messages_go_both_ways);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
