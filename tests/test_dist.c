/*
 * Distributed mode in one process: a master and its slaves, each a runner
 * of its own, on one libev loop, talking over real ZeroMQ sockets on
 * 127.0.0.1. The users' requests are counted as they are made, so the
 * merged statistics can be compared with what really happened.
 */
#include "dist_world.h"
#include "target.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>

static void failing(locust_ctx *ctx)
{
    locust_fail(ctx, "boom %d", 42);
}

static const locust_task fail_tasks[] = {LOCUST_TASK(failing), LOCUST_TASKS_END};
static const locust_taskset fail_ts = {.name = "Failing", .tasks = fail_tasks};
static const locust_class fail_cls = {.name = "Failer", .task_set = &fail_ts, .min_wait = 50, .max_wait = 50};

static bool master_stopped(void *ud)
{
    return locust_runner_state_get(W->master) == LOCUST_STATE_STOPPED && all_ready(ud);
}

static bool everyone_quit(void *ud)
{
    for (size_t i = 0; i < W->nslaves; i++)
        if (!locust_runner_quit_done(W->slave[i])) return false;
    return locust_runner_quit_done(W->master);
}

static uint64_t merged(const char *name, bool failures)
{
    locust_entry_info e;
    locust_stats *s = locust_runner_stats(W->master);
    int rc = name ? locust_stats_find(s, name, "custom", &e) : locust_stats_total(s, &e);
    if (rc) return 0;
    return failures ? e.num_failures : e.num_requests;
}

static long total_made(void)
{
    long n = 0;
    for (size_t i = 0; i < W->nslaves; i++)
        n += W->made[i];
    return n;
}

START_TEST(test_split_merge_stop_quit)
{
    start_master(NULL);
    ck_assert(locust_runner_is_master(W->master));
    for (int i = 0; i < 3; i++)
        add_slave(&worker_cls);
    ck_assert_msg(dist_run_until(W->loop, all_ready, (void *)3, 10), "3 slaves did not become ready");

    /* 7 users over 3 slaves: 3, 2, 2 (docs/compatibility.md §2.4), at 21/3 users/s each. */
    ck_assert_int_eq(locust_runner_start(W->master, 7, 300), 0);
    ck_assert_int_eq(locust_runner_state_get(W->master), LOCUST_STATE_HATCHING);
    ck_assert_msg(dist_run_until(W->loop, master_running, (void *)7, 10), "the master did not reach 7 users");
    unsigned counts[3];
    for (int i = 0; i < 3; i++)
        counts[i] = locust_runner_user_count(W->slave[i]);
    unsigned twos = 0, threes = 0;
    for (int i = 0; i < 3; i++)
        twos += counts[i] == 2, threes += counts[i] == 3;
    ck_assert_msg(twos == 2 && threes == 1, "split %u/%u/%u", counts[0], counts[1], counts[2]);
    ck_assert_int_eq(slaves_in("running"), 3);

    dist_run_for(W->loop, 0.8);
    ck_assert_int_gt(merged(NULL, false), 0); /* periodic reports arrive while running */

    /* Stop: every slave ends its users, reports, and is ready again. */
    ck_assert_int_eq(locust_runner_stop(W->master), 0);
    ck_assert_msg(dist_run_until(W->loop, master_stopped, (void *)3, 10), "the master did not stop");
    ck_assert_int_eq(locust_runner_user_count(W->master), 0);
    /* The final reports before client_stopped carry every request made. */
    dist_run_for(W->loop, 0.1);
    long made = total_made();
    ck_assert_int_gt(made, 20);
    ck_assert_uint_eq(merged("/work", false), (uint64_t)made);
    ck_assert_uint_eq(merged(NULL, false), (uint64_t)made);
    ck_assert_uint_eq(merged("/fail", true), (uint64_t)(W->made[0] / 4 + W->made[1] / 4 + W->made[2] / 4));

    /* A second test on the same slaves starts from clean statistics. */
    for (int i = 0; i < 3; i++)
        W->made[i] = 0;
    ck_assert_int_eq(locust_runner_start(W->master, 3, 300), 0);
    ck_assert_msg(dist_run_until(W->loop, master_running, (void *)3, 10), "second test did not run");
    for (int i = 0; i < 3; i++)
        ck_assert_uint_eq(locust_runner_user_count(W->slave[i]), 1);
    dist_run_for(W->loop, 0.5);

    /* Quit: the slaves send their last report and quit; the master waits for them. */
    ck_assert_int_eq(locust_runner_quit(W->master), 0);
    ck_assert_msg(dist_run_until(W->loop, everyone_quit, NULL, 10), "not everyone quit");
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(locust_slave_status(W->slave[i]), 0);
    ck_assert_uint_eq(merged(NULL, false), (uint64_t)total_made());
    ck_assert_uint_eq(locust_runner_slave_count(W->master), 0);
}
END_TEST

/* 0.9.0 left slaves still hatching out of the split but sent them a share anyway. */
START_TEST(test_hatching_slave_counted_in_split)
{
    start_master(NULL);
    add_slave(&worker_cls);
    add_slave(&worker_cls);
    void *ctx = zmq_ctx_new();
    void *push = dist_raw_connect(ctx, ZMQ_PUSH, W->port);
    void *pull = dist_raw_connect(ctx, ZMQ_PULL, W->port + 1);
    int rcvtimeo = 5000;
    zmq_setsockopt(pull, ZMQ_RCVTIMEO, &rcvtimeo, sizeof rcvtimeo);
    dist_raw_msg(push, "client_ready", NULL, "fake_0123");
    ck_assert_msg(dist_run_until(W->loop, all_ready, (void *)3, 10), "3 slaves did not become ready");
    dist_raw_msg(push, "hatching", NULL, "fake_0123");
    dist_run_for(W->loop, 0.2);
    ck_assert_int_eq(slaves_in("hatching"), 1);

    ck_assert_int_eq(locust_runner_start(W->master, 10, 500), 0);
    /* The fake slave receives exactly one of the three hatch jobs. */
    char buf[512];
    int n = -1;
    for (int i = 0; i < 500 && n < 0; i++) {
        dist_run_for(W->loop, 0.01);
        n = zmq_recv(pull, buf, sizeof buf, ZMQ_DONTWAIT);
    }
    ck_assert_int_gt(n, 0);
    locust__rpc_msg m;
    char err[128];
    ck_assert_int_eq(locust__rpc_decode(buf, (size_t)n, &m, err, sizeof err), 0);
    ck_assert_str_eq(m.type, "hatch");
    int64_t fake_share;
    ck_assert(locust__mp_int(locust__mp_get(m.data, "num_clients"), 0, 100, &fake_share));
    double rate;
    ck_assert(locust__mp_num(locust__mp_get(m.data, "hatch_rate"), &rate));
    ck_assert(fabs(rate - 500.0 / 3) < 1e-9);
    ck_assert(!m.has_node_id); /* master -> slave messages carry a nil node id */
    locust__rpc_msg_free(&m);

    dist_raw_msg(push, "hatch_complete", "{\"count\": 0}", "fake_0123");
    bool done = false;
    for (int i = 0; i < 500 && !done; i++) {
        dist_run_for(W->loop, 0.01);
        done = locust_runner_state_get(W->master) == LOCUST_STATE_RUNNING;
    }
    ck_assert(done);
    /* The shares add up to the total (4 + 3 + 3), where 0.9.0 sent 5 + 5 + 5. */
    unsigned real = locust_runner_user_count(W->slave[0]) + locust_runner_user_count(W->slave[1]);
    ck_assert_uint_eq(real + (unsigned)fake_share, 10);
    zmq_close(push);
    zmq_close(pull);
    zmq_ctx_term(ctx);
}
END_TEST

static cJSON *seen_extra;
static char seen_id[300];

static void add_keys(const locust_event *ev, void *ud)
{
    cJSON_AddNumberToObject(ev->data, "custom_number", 42);
    cJSON *nested = cJSON_AddObjectToObject(ev->data, "nested");
    cJSON *arr = cJSON_AddArrayToObject(nested, "list");
    cJSON_AddItemToArray(arr, cJSON_CreateString("x"));
    cJSON_AddItemToArray(arr, cJSON_CreateNumber(1.5));
    /* Reserved keys cannot be replaced by listeners. */
    cJSON_AddStringToObject(ev->data, "user_count", "not a count");
}

static void keep_extra(const locust_event *ev, void *ud)
{
    if (!cJSON_GetObjectItem(ev->data, "custom_number")) return;
    cJSON_Delete(seen_extra);
    seen_extra = cJSON_Duplicate(ev->data, true);
    snprintf(seen_id, sizeof seen_id, "%s", ev->client_id);
}

static bool got_extra_and_exception(void *ud)
{
    return seen_extra && locust_runner_exception_count(W->master) > 0;
}

START_TEST(test_exceptions_and_extra_report_keys)
{
    start_master(NULL);
    locust_runner *s = add_slave(&fail_cls);
    ck_assert_int_eq(locust_on(s, LOCUST_EV_REPORT_TO_MASTER, add_keys, NULL), 0);
    ck_assert_int_eq(locust_on(W->master, LOCUST_EV_SLAVE_REPORT, keep_extra, NULL), 0);
    ck_assert_msg(dist_run_until(W->loop, all_ready, (void *)1, 10), "the slave did not become ready");
    ck_assert_int_eq(locust_runner_start(W->master, 2, 100), 0);
    ck_assert_msg(dist_run_until(W->loop, got_extra_and_exception, NULL, 10), "no exception or extra keys");

    locust_exception_info ei;
    ck_assert_int_eq(locust_runner_exception(W->master, 0, &ei), 0);
    ck_assert_str_eq(ei.msg, "boom 42");
    ck_assert_str_eq(ei.traceback, "Failer > Failing > failing");
    ck_assert_str_eq(ei.nodes, locust_slave_id(s));
    ck_assert_str_eq(seen_id, locust_slave_id(s));
    ck_assert_int_eq(cJSON_GetObjectItem(seen_extra, "custom_number")->valueint, 42);
    cJSON *list = cJSON_GetObjectItem(cJSON_GetObjectItem(seen_extra, "nested"), "list");
    ck_assert_int_eq(cJSON_GetArraySize(list), 2);
    ck_assert_str_eq(cJSON_GetArrayItem(list, 0)->valuestring, "x");
    ck_assert(cJSON_GetArrayItem(list, 1)->valuedouble == 1.5);
    ck_assert_ptr_null(cJSON_GetObjectItem(seen_extra, "user_count"));
    ck_assert_ptr_null(cJSON_GetObjectItem(seen_extra, "stats"));
    cJSON_Delete(seen_extra);
    seen_extra = NULL;
    ck_assert_msg(dist_run_until(W->loop, master_running, (void *)2, 10), "the master did not reach 2 users");
}
END_TEST

static bool all_quit_done(void *ud)
{
    return everyone_quit(ud);
}

static bool master_hatching(void *ud)
{
    return locust_runner_state_get(W->master) != LOCUST_STATE_READY;
}

/* --no-web: wait for expect_slaves, start, quit after run_time. */
START_TEST(test_autostart_and_run_time)
{
    locust_master_options mo = {
        .expect_slaves = 2, .autostart = true, .autostart_users = 4, .autostart_rate = 400, .run_time = 1.0};
    start_master(&mo);
    add_slave(&worker_cls);
    dist_run_for(W->loop, 0.3);
    ck_assert_int_eq(locust_runner_state_get(W->master), LOCUST_STATE_READY); /* 1 of 2 */
    add_slave(&worker_cls);
    ck_assert_msg(dist_run_until(W->loop, master_hatching, NULL, 10), "no autostart");
    double t0 = locust__mono();
    ck_assert_msg(dist_run_until(W->loop, all_quit_done, NULL, 10), "the run time did not end the run");
    double took = locust__mono() - t0;
    ck_assert_msg(took > 0.8 && took < 4.0, "run took %.2f s", took);
    ck_assert_uint_eq(locust_runner_user_count(W->slave[0]) + locust_runner_user_count(W->slave[1]), 0);
    ck_assert_int_gt(total_made(), 0);
    ck_assert_uint_eq(merged(NULL, false), (uint64_t)total_made());
}
END_TEST

/* Malformed frames and messages from unknown slaves are logged and ignored. */
START_TEST(test_master_survives_bad_messages)
{
    start_master(NULL);
    void *ctx = zmq_ctx_new();
    void *push = dist_raw_connect(ctx, ZMQ_PUSH, W->port);
    const char garbage[] = "\x93\xa5hello";             /* truncated */
    const char four[] = "\x94\xa4stop\xc0\xc0\xc0";     /* envelope of 4 */
    const char extra[] = "\x93\xa4quit\xc0\xc0\xff";    /* trailing byte */
    const char bintype[] = "\x93\xc4\x04quit\xc0\xa1x"; /* bin type: taken as a string */
    dist_raw_send(push, "", 0);
    dist_raw_send(push, garbage, sizeof garbage - 1);
    dist_raw_send(push, four, sizeof four - 1);
    dist_raw_send(push, extra, sizeof extra - 1);
    dist_raw_send(push, bintype, sizeof bintype - 1);
    dist_raw_msg(push, "hatching", NULL, "nobody_1");
    dist_raw_msg(push, "hatch_complete", "{\"count\": 3}", "nobody_1");
    dist_raw_msg(push, "client_stopped", NULL, "nobody_1");
    dist_raw_msg(push, "exception", "{\"msg\": 1}", "nobody_1");
    dist_raw_msg(push, "stats", "{\"stats\": 5}", "nobody_1");
    dist_raw_msg(push, "no_such_type", "[1,2]", "nobody_1");
    dist_raw_msg(push, "client_ready", NULL, NULL);
    dist_raw_msg(push, "client_ready", "{\"a\": 1}", "half_1");
    dist_raw_msg(push, "hatch_complete", "{\"count\": \"x\"}", "half_1");
    dist_raw_msg(push, "stats", "{\"stats\": [], \"stats_total\": {}, \"errors\": {}}", "half_1");
    dist_run_for(W->loop, 0.3);
    ck_assert_uint_eq(locust_runner_slave_count(W->master), 1); /* half_1 only */
    ck_assert_uint_eq(merged(NULL, false), 0);

    /* A real slave still gets its work and its requests are counted. */
    add_slave(&worker_cls);
    ck_assert_msg(dist_run_until(W->loop, all_ready, (void *)2, 10), "the real slave did not become ready");
    dist_raw_msg(push, "quit", NULL, "half_1");
    ck_assert_msg(dist_run_until(W->loop, all_ready, (void *)1, 10), "half_1 did not leave");
    ck_assert_int_eq(locust_runner_start(W->master, 2, 200), 0);
    ck_assert_msg(dist_run_until(W->loop, master_running, (void *)2, 10), "the real slave did not run");
    dist_run_for(W->loop, 0.4);
    ck_assert_int_eq(locust_runner_quit(W->master), 0);
    ck_assert_msg(dist_run_until(W->loop, everyone_quit, NULL, 10), "not everyone quit");
    ck_assert_uint_eq(merged(NULL, false), (uint64_t)total_made());
    zmq_close(push);
    zmq_ctx_term(ctx);
}
END_TEST

/* No slave: a start is refused with 0.9.0's warning and nothing changes. */
START_TEST(test_start_without_slaves)
{
    start_master(NULL);
    ck_assert_int_eq(locust_runner_start(W->master, 5, 1), 0);
    ck_assert_int_eq(locust_runner_state_get(W->master), LOCUST_STATE_READY);
    ck_assert_int_eq(locust_runner_quit(W->master), 0);
    ck_assert(locust_runner_quit_done(W->master));
}
END_TEST

START_TEST(test_attach_errors)
{
    locust_runner_options ro = {.loop = W->loop};
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, &ro), 0);
    W->master = r;
    locust_master_options bad = {.bind_port = 65535};
    ck_assert_int_eq(locust_master_attach(r, &bad), LOCUST_EINVAL);
    ck_assert_ptr_nonnull(strstr(locust_runner_last_error(r), "bind_port"));
    locust_master_options rate = {.bind_port = 20000, .autostart = true};
    ck_assert_int_eq(locust_master_attach(r, &rate), LOCUST_EINVAL);
    ck_assert_ptr_nonnull(strstr(locust_runner_last_error(r), "autostart_rate"));
    locust_slave_options noclass = {.master_port = 20000};
    ck_assert_int_eq(locust_slave_attach(r, &noclass), LOCUST_ECLASS);
    ck_assert_int_eq(locust_runner_add_class(r, &worker_cls), 0);
    locust_slave_options proto = {.master_port = 20000, .protocol = 7};
    ck_assert_int_eq(locust_slave_attach(r, &proto), LOCUST_EINVAL);
    ck_assert_ptr_nonnull(strstr(locust_runner_last_error(r), "protocol"));
    locust_slave_options host = {.master_host = "bad host", .master_port = 20000};
    ck_assert_int_eq(locust_slave_attach(r, &host), LOCUST_EINVAL);
    ck_assert_ptr_nonnull(strstr(locust_runner_last_error(r), "master_host"));
    ck_assert(!locust_runner_is_slave(r));
    ck_assert_int_eq(locust_slave_status(r), LOCUST_EINVAL);

    /* A port in use is LOCUST_EBUSY with the endpoint named. */
    int held_port, fd = dist_bind_port(0, &held_port);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(listen(fd, 1), 0);
    locust_master_options busy = {.bind_host = "127.0.0.1", .bind_port = held_port};
    ck_assert_int_eq(locust_master_attach(r, &busy), LOCUST_EBUSY);
    ck_assert_ptr_nonnull(strstr(locust_runner_last_error(r), "cannot bind"));
    ck_assert(!locust_runner_is_master(r));
    close(fd);

    /* Attaching twice is refused. */
    locust_slave_options ok = {.master_port = dist_free_port_pair()};
    ck_assert_int_eq(locust_slave_attach(r, &ok), 0);
    ck_assert_int_eq(locust_slave_attach(r, &ok), LOCUST_EBUSY);
    ck_assert_int_eq(locust_master_attach(r, NULL), LOCUST_EBUSY);
}
END_TEST

/* Real HTTP: the merged count equals what the demo target served (but for requests cut off by the quit). */
static void http_get(locust_ctx *ctx)
{
    locust_response_free(locust_get(ctx, "/", NULL));
}
static const locust_task http_tasks[] = {LOCUST_TASK(http_get), LOCUST_TASKS_END};
static const locust_taskset http_ts = {.name = "Http", .tasks = http_tasks};

START_TEST(test_http_counts_match_target)
{
    locust_test_target t;
    ck_assert_int_eq(locust_test_target_start(&t, NULL), 0);
    locust_class cls = {.name = "Web", .task_set = &http_ts, .min_wait = 10, .max_wait = 20, .host = t.host};
    start_master(NULL);
    add_slave(&cls);
    add_slave(&cls);
    ck_assert_msg(dist_run_until(W->loop, all_ready, (void *)2, 10), "slaves not ready");
    ck_assert_int_eq(locust_test_target_reset_counter(&t), 0);
    ck_assert_int_eq(locust_runner_start(W->master, 4, 400), 0);
    ck_assert_msg(dist_run_until(W->loop, master_running, (void *)4, 10), "not running");
    dist_run_for(W->loop, 1.0);
    ck_assert_int_eq(locust_runner_quit(W->master), 0);
    ck_assert_msg(dist_run_until(W->loop, everyone_quit, NULL, 10), "not everyone quit");
    long served = locust_test_target_counter(&t);
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_total(locust_runner_stats(W->master), &e), 0);
    ck_assert_int_gt(served, 10);
    /* A request a user had in flight when it was stopped is served but never reported: at most one per user.
     */
    uint64_t counted = e.num_requests + e.num_failures;
    ck_assert_msg(counted <= (uint64_t)served && (uint64_t)served <= counted + 4,
                  "merged %llu, target served %ld", (unsigned long long)counted, served);
    ck_assert_uint_eq(e.num_failures, 0);
    locust_test_target_stop(&t);
}
END_TEST

/* ---- the 2.x worker against a scripted ROUTER master --------------------------------- */

typedef struct rmsg {
    char type[LOCUST__RPC_TYPE_MAX + 1];
    char *json; /* the data as JSON text */
} rmsg;

/* The next message from the worker (driving the loop), or false after `seconds`. */
static bool router_next(void *router, rmsg *out, double seconds)
{
    double end = locust__mono() + seconds;
    while (locust__mono() < end) {
        dist_run_for(W->loop, 0.005);
        char id[300], buf[65536];
        if (zmq_recv(router, id, sizeof id, ZMQ_DONTWAIT) < 0) continue;
        int n = zmq_recv(router, buf, sizeof buf, 0);
        ck_assert_int_gt(n, 0);
        locust__rpc_msg m;
        ck_assert_int_eq(locust__rpc_decode(buf, (size_t)n, &m, NULL, 0), 0);
        snprintf(out->type, sizeof out->type, "%s", m.type);
        cJSON *j = locust__mp_to_json(m.data);
        out->json = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
        locust__rpc_msg_free(&m);
        return true;
    }
    return false;
}

/* Skips heartbeats and stats (summing stats_total.num_requests) until `type`; returns its data. */
static char *router_expect(void *router, const char *type, uint64_t *requests)
{
    rmsg m;
    while (router_next(router, &m, 10)) {
        if (strcmp(m.type, type) == 0) return m.json;
        if (strcmp(m.type, "stats") == 0 && requests) {
            cJSON *j = cJSON_Parse(m.json);
            *requests += (uint64_t)cJSON_GetObjectItem(cJSON_GetObjectItem(j, "stats_total"), "num_requests")
                             ->valuedouble;
            cJSON_Delete(j);
        }
        ck_assert_msg(!strcmp(m.type, "stats") || !strcmp(m.type, "heartbeat") ||
                          !strcmp(m.type, "exception"),
                      "expected %s, got %s", type, m.type);
        free(m.json);
    }
    ck_abort_msg("no %s", type);
    return NULL;
}

static void router_send(void *router, const char *id, const char *type, const char *json)
{
    size_t len;
    char *f = dist_frame(type, json, id, &len);
    zmq_send(router, id, strlen(id), ZMQ_SNDMORE);
    zmq_send(router, f, len, 0);
    free(f);
}

START_TEST(test_worker2_session)
{
    locust__dist_timing_cfg.heartbeat_interval = 0.1;
    void *ctx = zmq_ctx_new();
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    int port = dist_free_port_pair(), zero = 0;
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    ck_assert_int_eq(zmq_bind(router, ep), 0);
    zmq_setsockopt(router, ZMQ_LINGER, &zero, sizeof zero);
    locust_runner_options ro = {.loop = W->loop};
    locust_runner *w;
    ck_assert_int_eq(locust_runner_new(&w, &ro), 0);
    ck_assert_int_eq(locust_runner_add_class(w, &worker_cls), 0);
    W->slave[W->nslaves++] = w;
    locust_slave_options so = {.master_port = port, .protocol = LOCUST_PROTOCOL_2};
    ck_assert_int_eq(locust_slave_attach(w, &so), 0);
    const char *id = locust_slave_id(w);

    /* Handshake: client_ready with -1, and nothing else before the ack. */
    rmsg m;
    ck_assert(router_next(router, &m, 10));
    ck_assert_str_eq(m.type, "client_ready");
    ck_assert_str_eq(m.json, "-1");
    free(m.json);
    ck_assert(!router_next(router, &m, 0.3));
    router_send(router, id, "ack", "{\"index\": 0}");
    char *d = router_expect(router, "heartbeat", NULL);
    cJSON *hb = cJSON_Parse(d);
    ck_assert_str_eq(cJSON_GetObjectItem(hb, "state")->valuestring, "ready");
    ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(hb, "current_cpu_usage")));
    ck_assert_int_gt(cJSON_GetObjectItem(hb, "current_memory_usage")->valuedouble, 0);
    cJSON_Delete(hb);
    free(d);
    uint64_t reported = 0;
    d = router_expect(router, "stats", NULL);
    ck_assert_ptr_nonnull(strstr(d, "\"user_classes_count\":{\"Worker\":0}"));
    ck_assert_ptr_nonnull(strstr(d, "\"name\":\"Aggregated\""));
    free(d);

    /* spawn: absolute per-class counts; a class the worker lacks is reported as 0. */
    router_send(router, id, "spawn",
                "{\"timestamp\": 1700000000.5, \"user_classes_count\": {\"Unknown\": 2, \"Worker\": 3}, "
                "\"host\": null, \"stop_timeout\": 0.2, \"parsed_options\": {}}");
    free(router_expect(router, "spawning", &reported));
    d = router_expect(router, "spawning_complete", &reported);
    ck_assert_str_eq(d, "{\"user_classes_count\":{\"Unknown\":0,\"Worker\":3},\"user_count\":3}");
    free(d);
    ck_assert_uint_eq(locust_runner_user_count(w), 3);
    /* A stale spawn (older timestamp) is answered with spawning and otherwise ignored. */
    router_send(router, id, "spawn", "{\"timestamp\": 1.0, \"user_classes_count\": {\"Worker\": 1}}");
    free(router_expect(router, "spawning", &reported));
    d = router_expect(router, "heartbeat", &reported);
    ck_assert_ptr_nonnull(strstr(d, "\"state\":\"running\""));
    free(d);
    ck_assert_uint_eq(locust_runner_user_count(w), 3);
    dist_run_for(W->loop, 0.3);

    /* stop: a final report, client_stopped, then client_ready after stop_timeout. */
    router_send(router, id, "stop", NULL);
    free(router_expect(router, "client_stopped", &reported));
    double t0 = locust__mono();
    d = router_expect(router, "client_ready", &reported);
    ck_assert_str_eq(d, "-1");
    free(d);
    ck_assert_msg(locust__mono() - t0 > 0.1,
                  "client_ready came %.3f s after client_stopped, before stop_timeout", locust__mono() - t0);
    ck_assert_uint_eq(locust_runner_user_count(w), 0);
    ck_assert_int_gt(W->made[0], 0);
    ck_assert_uint_eq(reported, (uint64_t)W->made[0] + (uint64_t)W->made[0] / 4);

    /* quit: a report and quit. */
    router_send(router, id, "ack", "{\"index\": 0}");
    router_send(router, id, "quit", NULL);
    free(router_expect(router, "quit", &reported));
    ck_assert(locust_runner_quit_done(w));
    ck_assert_int_eq(locust_slave_status(w), 0);
    zmq_close(router);
    zmq_ctx_term(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dist");
    TCase *tc = tcase_create("in-process");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_split_merge_stop_quit);
    tcase_add_test(tc, test_hatching_slave_counted_in_split);
    tcase_add_test(tc, test_exceptions_and_extra_report_keys);
    tcase_add_test(tc, test_autostart_and_run_time);
    tcase_add_test(tc, test_master_survives_bad_messages);
    tcase_add_test(tc, test_start_without_slaves);
    tcase_add_test(tc, test_attach_errors);
    tcase_add_test(tc, test_http_counts_match_target);
    tcase_add_test(tc, test_worker2_session);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
