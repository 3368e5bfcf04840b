/*
 * Custom messages between a master and its slaves (Locust 2.x's
 * runner.register_message / send_message): when a test starts, the master
 * hands its slaves the accounts to log in with ("accounts", a JSON list);
 * each slave answers how many it got ("accounts_ack"), which the master
 * logs with the slave's id. The users log in with the accounts in turn.
 *
 *   locust-demo-target --port 8080 &
 *   locust-run -f examples/messages.c --host http://127.0.0.1:8080 --no-web --processes 2 -c 4 -r 4 -t 10s
 *
 * or a --master and any number of --slave processes. The same handlers
 * work for a --master-protocol 2 worker under a Locust 2.x master whose
 * locustfile sends "accounts". In a single process no message is sent and
 * the users log in with a default account.
 */
#include <cjson/cJSON.h>
#include <locust/distributed.h>
#include <locust/locust.h>
#include <stdio.h>
#include <string.h>

#define MAX_ACCOUNTS 16

/* The slave's accounts (handlers and users run on the runner's loop, one at a time). */
static char accounts[MAX_ACCOUNTS][64];
static unsigned n_accounts, next_account;

/* Slave: keeps the master's accounts and says how many arrived. */
static void on_accounts(locust_runner *r, const char *type, const cJSON *data, const char *node_id,
                        void *udata)
{
    n_accounts = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, data)
    {
        if (cJSON_IsString(a) && n_accounts < MAX_ACCOUNTS)
            snprintf(accounts[n_accounts++], sizeof accounts[0], "%s", a->valuestring);
    }
    cJSON *ack = cJSON_CreateObject();
    cJSON_AddNumberToObject(ack, "count", n_accounts);
    locust_send_message(r, "accounts_ack", ack, NULL);
    cJSON_Delete(ack);
}

/* Master: the slaves' answers, with the id of the slave that sent each. */
static void on_ack(locust_runner *r, const char *type, const cJSON *data, const char *node_id, void *udata)
{
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(data, "count");
    locust_log(LOCUST_LOG_INFO, "messages", "slave %s got %d accounts", node_id,
               cJSON_IsNumber(count) ? count->valueint : -1);
}

/* Master: at the start of a test, every slave gets the accounts. */
static void on_test_start(const locust_event *ev, void *udata)
{
    if (!locust_runner_is_master(ev->runner)) return;
    static const char *const names[] = {"ellen_key", "sam_lake", "kim_doe"};
    cJSON *list = cJSON_CreateStringArray(names, 3);
    int err = locust_send_message(ev->runner, "accounts", list, NULL);
    if (err)
        locust_log(LOCUST_LOG_WARNING, "messages", "could not send the accounts: %s", locust_strerror(err));
    cJSON_Delete(list);
}

static void login(locust_ctx *ctx)
{
    const char *name = n_accounts ? accounts[next_account++ % n_accounts] : "default_user";
    const char *const form[] = {"username", name, "password", "education", NULL};
    locust_post(ctx, "/login", &(locust_request_opts){.form = form});
}

static void index_page(locust_ctx *ctx)
{
    locust_get(ctx, "/", NULL);
}

static const locust_task tasks[] = {LOCUST_TASK(index_page), LOCUST_TASKS_END};
static const locust_taskset ts = {.name = "Account", .tasks = tasks, .on_start = login};
static const locust_class member = {.name = "Member", .task_set = &ts, .wait_time = LOCUST_BETWEEN(0.5, 1)};

/* The handlers are registered on every node: each only ever gets the messages meant for its role. */
static int init(locust_runner *r)
{
    int err = locust_register_message(r, "accounts", on_accounts, NULL);
    if (!err) err = locust_register_message(r, "accounts_ack", on_ack, NULL);
    if (!err) err = locust_on(r, LOCUST_EV_TEST_START, on_test_start, NULL);
    return err;
}

LOCUST_SCENARIO(init, &member);
