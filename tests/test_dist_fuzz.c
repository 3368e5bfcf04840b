/*
 * Robustness of both ends against hostile peers: thousands of random and
 * mutated frames are sent at a master's PULL socket, at a 0.9 slave and at
 * a 2.x worker. None may crash or hang, and each must still do its job with
 * a well-behaved peer afterwards. The frames come from a fixed seed, so a
 * failure reproduces.
 */
#include "test_dist_util.h"
#include "testutil.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

#define FRAMES 3000

static locust__rng rng;
static struct ev_loop *loop;
static long made;

static void work(locust_ctx *ctx)
{
    made++;
    locust_report_success(locust_ctx_runner(ctx), "custom", "/fuzz", 1.5, 10);
}
static const locust_task tasks[] = {LOCUST_TASK(work), LOCUST_TASKS_END};
static const locust_taskset ts = {.name = "Fuzz", .tasks = tasks};
static const locust_class cls = {.name = "Dummy", .task_set = &ts, .min_wait = 10, .max_wait = 10};

static void setup(void)
{
    testutil_quiet_logs();
    locust__dist_timing_reset();
    locust__dist_timing_cfg.report_interval = 0.2;
    locust__dist_timing_cfg.slave_silent_limit = 0.5;
    locust__rng_seed(&rng, 0x10c057);
    loop = ev_loop_new(EVFLAG_AUTO);
    made = 0;
}

static void teardown(void)
{
    ev_loop_destroy(loop);
}

/* Valid frames of both directions and both protocols, to mutate. */
static const char *const seeds[][3] = {
    {"client_ready", NULL, "fz_1"},
    {"client_ready", "-1", "fz_2"},
    {"hatching", NULL, "fz_1"},
    {"hatch_complete", "{\"count\": 3}", "fz_1"},
    {"client_stopped", NULL, "fz_1"},
    {"quit", NULL, "fz_3"},
    {"exception", "{\"msg\": \"m\", \"traceback\": \"tb\"}", "fz_1"},
    {"stats",
     "{\"stats\": [{\"name\": \"/a\", \"method\": \"GET\", \"last_request_timestamp\": 1700000000, "
     "\"start_time\": "
     "1699999999.5, \"num_requests\": 2, \"num_failures\": 1, \"total_response_time\": 3.5, "
     "\"max_response_time\": 2.5, "
     "\"min_response_time\": 1.0, \"total_content_length\": 20, \"response_times\": {\"1\": 1, \"3\": 1}, "
     "\"num_reqs_per_sec\": {\"1700000000\": 2}}], \"stats_total\": {\"name\": \"Total\", \"method\": null, "
     "\"last_request_timestamp\": 1700000000, \"start_time\": 1699999999.5, \"num_requests\": 2, "
     "\"num_failures\": 1, "
     "\"total_response_time\": 3.5, \"max_response_time\": 2.5, \"min_response_time\": 1.0, "
     "\"total_content_length\": "
     "20, \"response_times\": {}, \"num_reqs_per_sec\": {}}, \"errors\": {\"k\": {\"method\": \"GET\", "
     "\"name\": "
     "\"/a\", \"error\": \"e\", \"occurences\": 1}}, \"user_count\": 3, \"extra\": [1, {\"x\": null}]}",
     "fz_1"},
    {"hatch", "{\"hatch_rate\": 5.0, \"num_clients\": 3, \"host\": null, \"stop_timeout\": null}", NULL},
    {"stop", NULL, NULL},
    {"ack", "{\"index\": 0}", "fz_1"},
    {"spawn",
     "{\"timestamp\": 1700000000.5, \"user_classes_count\": {\"Dummy\": 2, \"Other\": 1}, \"host\": null, "
     "\"stop_timeout\": 1, \"parsed_options\": {\"a\": [true, false, -5, 1.5]}}",
     "fz_1"},
    {"reconnect", NULL, "fz_1"},
    {"heartbeat", "{\"state\": \"ready\", \"current_cpu_usage\": 0.5}", "fz_1"},
};
#define NSEEDS (sizeof seeds / sizeof seeds[0])

static size_t rnd(size_t n)
{
    return n ? (size_t)locust__rng_below(&rng, n) : 0;
}

/* One fuzz frame into buf (cap 4096): a seed mutated, random bytes, or a random envelope. */
static size_t make_frame(unsigned char *buf, size_t cap)
{
    size_t kind = rnd(10), len;
    if (kind == 0) {
        len = rnd(64);
        for (size_t i = 0; i < len; i++)
            buf[i] = (unsigned char)rnd(256);
        return len;
    }
    const char *const *s = seeds[rnd(NSEEDS)];
    char id[40];
    const char *node = s[2];
    if (rnd(4) == 0) {
        snprintf(id, sizeof id, "fz_%zu", rnd(50));
        node = id;
    }
    char *f = dist_frame(s[0], s[1], node, &len);
    if (len > cap) len = cap;
    memcpy(buf, f, len);
    free(f);
    size_t mutations = kind < 3 ? 0 : 1 + rnd(4);
    for (size_t m = 0; m < mutations; m++) {
        size_t op = rnd(4), at = rnd(len);
        if (op == 0 && len) {
            buf[at] = (unsigned char)rnd(256); /* replace a byte */
        } else if (op == 1 && len) {
            buf[at] ^= (unsigned char)(1u << rnd(8)); /* flip a bit */
        } else if (op == 2) {
            len = at; /* truncate */
        } else if (len < cap) {
            memmove(buf + at + 1, buf + at, len - at); /* insert a byte */
            buf[at] = (unsigned char)rnd(256);
            len++;
        }
    }
    return len;
}

/*
 * Whether a frame for a slave is safe to send: a master may legitimately ask
 * for many users, so frames asking for more than 50 are left out to keep the
 * test bounded; quit is sent last, on purpose.
 */
static bool bounded_for_slave(const unsigned char *buf, size_t len)
{
    locust__rpc_msg m;
    if (locust__rpc_decode(buf, len, &m, NULL, 0) != 0) return true;
    /* reconnect has a test of its own (test_worker_survives_fuzz's end). */
    bool ok = strcmp(m.type, "quit") != 0 && strcmp(m.type, "reconnect") != 0;
    int64_t n;
    const msgpack_object *c = locust__mp_get(m.data, "num_clients");
    if (c && locust__mp_int(c, 0, INT64_MAX, &n) && n > 50) ok = false;
    const msgpack_object *ucc = locust__mp_get(m.data, "user_classes_count");
    if (ucc && ucc->type == MSGPACK_OBJECT_MAP)
        for (uint32_t i = 0; i < ucc->via.map.size; i++)
            if (locust__mp_int(&ucc->via.map.ptr[i].val, 0, INT64_MAX, &n) && n > 50) ok = false;
    locust__rpc_msg_free(&m);
    return ok;
}

START_TEST(test_master_survives_fuzz)
{
    locust_runner *master = NULL;
    locust_runner_options ro = {.loop = loop};
    int port = 0, err = LOCUST_EBUSY;
    for (int tries = 0; tries < 20 && err == LOCUST_EBUSY; tries++) {
        locust_runner_free(master);
        ck_assert_int_eq(locust_runner_new(&master, &ro), 0);
        ck_assert_int_eq(locust_runner_add_class(master, &cls), 0);
        port = dist_free_port_pair();
        locust_master_options mo = {.bind_host = "127.0.0.1", .bind_port = port};
        err = locust_master_attach(master, &mo);
    }
    ck_assert_int_eq(err, 0);
    void *ctx = zmq_ctx_new();
    void *push = dist_raw_connect(ctx, ZMQ_PUSH, port);
    unsigned char buf[4096];
    for (int i = 0; i < FRAMES; i++) {
        size_t len = make_frame(buf, sizeof buf);
        dist_raw_send(push, buf, len);
        if (i % 100 == 99) dist_run_for(loop, 0.01);
    }
    /* Multi-part and oversized messages too. */
    zmq_send(push, "\x93\xa4quit\xc0\xc0", 7, ZMQ_SNDMORE);
    zmq_send(push, "second part", 11, 0);
    dist_run_for(loop, 0.3);
    /* The fuzz slaves fall silent and go missing (slave_silent_limit 0.5 s). */
    dist_run_for(loop, 1.0);
    for (size_t i = 0; i < locust_runner_slave_count(master); i++) {
        locust_slave_info si;
        ck_assert_int_eq(locust_runner_slave(master, i, &si), 0);
        ck_assert_str_eq(si.state, "missing");
    }

    /* A real slave is served as usual, and counted exactly. */
    locust_runner *slave;
    ck_assert_int_eq(locust_runner_new(&slave, &ro), 0);
    ck_assert_int_eq(locust_runner_add_class(slave, &cls), 0);
    locust_slave_options so = {.master_port = port};
    ck_assert_int_eq(locust_slave_attach(slave, &so), 0);
    const char *id = locust_slave_id(slave);
    bool ready = false;
    for (int i = 0; i < 500 && !ready; i++) {
        dist_run_for(loop, 0.01);
        for (size_t k = 0; k < locust_runner_slave_count(master); k++) {
            locust_slave_info si;
            locust_runner_slave(master, k, &si);
            ready = ready || (strcmp(si.id, id) == 0 && strcmp(si.state, "ready") == 0);
        }
    }
    ck_assert(ready);
    ck_assert_int_eq(locust_runner_start(master, 2, 100), 0);
    for (int i = 0; i < 500 && locust_runner_user_count(master) != 2; i++)
        dist_run_for(loop, 0.01);
    ck_assert_uint_eq(locust_runner_user_count(master), 2);
    dist_run_for(loop, 0.5);
    ck_assert_int_eq(locust_runner_quit(master), 0);
    for (int i = 0; i < 1000 && !(locust_runner_quit_done(master) && locust_runner_quit_done(slave)); i++)
        dist_run_for(loop, 0.01);
    ck_assert(locust_runner_quit_done(master) && locust_runner_quit_done(slave));
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_find(locust_runner_stats(master), "/fuzz", "custom", &e), 0);
    ck_assert_int_gt(made, 0);
    ck_assert_uint_eq(e.num_requests, (uint64_t)made);
    zmq_close(push);
    zmq_ctx_term(ctx);
    locust_runner_free(slave);
    locust_runner_free(master);
}
END_TEST

/* Receives frames on a raw socket until one of `type` (or `seconds`); returns its data as JSON text or NULL.
 */
static char *await_type_for(void *sock, const char *type, bool router, double seconds)
{
    double end = locust__mono() + seconds;
    while (locust__mono() < end) {
        dist_run_for(loop, 0.005);
        char buf[65536];
        if (router) {
            char idbuf[300];
            if (zmq_recv(sock, idbuf, sizeof idbuf, ZMQ_DONTWAIT) < 0) continue;
        }
        int n = zmq_recv(sock, buf, sizeof buf, ZMQ_DONTWAIT);
        if (n < 0) continue;
        locust__rpc_msg m;
        if (locust__rpc_decode(buf, (size_t)n, &m, NULL, 0) != 0) continue;
        if (strcmp(m.type, type) == 0) {
            cJSON *j = locust__mp_to_json(m.data);
            char *text = cJSON_PrintUnformatted(j);
            cJSON_Delete(j);
            locust__rpc_msg_free(&m);
            return text;
        }
        locust__rpc_msg_free(&m);
    }
    return NULL;
}

static char *await_type(void *sock, const char *type, bool router)
{
    return await_type_for(sock, type, router, 10);
}

START_TEST(test_slave_survives_fuzz)
{
    void *ctx = zmq_ctx_new();
    int port = dist_free_port_pair();
    void *pull = zmq_socket(ctx, ZMQ_PULL), *push = zmq_socket(ctx, ZMQ_PUSH);
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    ck_assert_int_eq(zmq_bind(pull, ep), 0);
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port + 1);
    ck_assert_int_eq(zmq_bind(push, ep), 0);
    int t = 1000, zero = 0;
    zmq_setsockopt(push, ZMQ_SNDTIMEO, &t, sizeof t);
    zmq_setsockopt(push, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(pull, ZMQ_LINGER, &zero, sizeof zero);
    locust_runner *slave;
    locust_runner_options ro = {.loop = loop};
    ck_assert_int_eq(locust_runner_new(&slave, &ro), 0);
    ck_assert_int_eq(locust_runner_add_class(slave, &cls), 0);
    locust_slave_options so = {.master_port = port};
    ck_assert_int_eq(locust_slave_attach(slave, &so), 0);
    char *d = await_type(pull, "client_ready", false);
    ck_assert_str_eq(d, "null");
    free(d);
    unsigned char buf[4096];
    for (int i = 0; i < FRAMES; i++) {
        size_t len = make_frame(buf, sizeof buf);
        if (!bounded_for_slave(buf, len)) continue;
        dist_raw_send(push, buf, len);
        if (i % 50 == 49) {
            dist_run_for(loop, 0.01);
            while (zmq_recv(pull, buf, sizeof buf, ZMQ_DONTWAIT) >= 0) {
            }
        }
    }
    dist_run_for(loop, 0.3);
    ck_assert(!locust_runner_quit_done(slave));
    /* The slave still follows a well-formed master. */
    dist_raw_msg(push, "hatch",
                 "{\"hatch_rate\": 100.0, \"num_clients\": 4, \"host\": null, \"stop_timeout\": null}", NULL);
    d = await_type(pull, "hatch_complete", false);
    ck_assert_str_eq(d, "{\"count\":4}");
    free(d);
    ck_assert_uint_eq(locust_runner_user_count(slave), 4);
    dist_raw_msg(push, "quit", NULL, NULL);
    d = await_type(pull, "quit", false);
    ck_assert_ptr_nonnull(d);
    free(d);
    ck_assert(locust_runner_quit_done(slave));
    locust_runner_free(slave);
    zmq_close(pull);
    zmq_close(push);
    zmq_ctx_term(ctx);
}
END_TEST

START_TEST(test_worker_survives_fuzz)
{
    void *ctx = zmq_ctx_new();
    int port = dist_free_port_pair();
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    ck_assert_int_eq(zmq_bind(router, ep), 0);
    int zero = 0;
    zmq_setsockopt(router, ZMQ_LINGER, &zero, sizeof zero);
    locust_runner *w;
    locust_runner_options ro = {.loop = loop};
    ck_assert_int_eq(locust_runner_new(&w, &ro), 0);
    ck_assert_int_eq(locust_runner_add_class(w, &cls), 0);
    locust_slave_options so = {.master_port = port, .protocol = LOCUST_PROTOCOL_2};
    ck_assert_int_eq(locust_slave_attach(w, &so), 0);
    const char *id = locust_slave_id(w);
    char *d = await_type(router, "client_ready", true);
    ck_assert_str_eq(d, "-1"); /* the version the protocol document recommends */
    free(d);
    unsigned char buf[4096];
    for (int i = 0; i < FRAMES; i++) {
        size_t len = make_frame(buf, sizeof buf);
        if (!bounded_for_slave(buf, len)) continue;
        zmq_send(router, id, strlen(id), ZMQ_SNDMORE);
        zmq_send(router, buf, len, 0);
        if (i % 50 == 49) {
            dist_run_for(loop, 0.01);
            while (zmq_recv(router, buf, sizeof buf, ZMQ_DONTWAIT) >= 0) {
            }
        }
    }
    dist_run_for(loop, 0.3);
    ck_assert(!locust_runner_quit_done(w));
    /* Still a worker: spawn with absolute per-class counts, then quit with a last report. */
    size_t len;
    char *f = dist_frame("ack", "{\"index\": 3}", id, &len);
    zmq_send(router, id, strlen(id), ZMQ_SNDMORE);
    zmq_send(router, f, len, 0);
    free(f);
    f = dist_frame("spawn",
                   "{\"timestamp\": 4000000000.0, \"user_classes_count\": {\"Dummy\": 3}, \"host\": null}",
                   id, &len);
    zmq_send(router, id, strlen(id), ZMQ_SNDMORE);
    zmq_send(router, f, len, 0);
    free(f);
    d = await_type(router, "spawning_complete", true);
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(d, "{\"user_classes_count\":{\"Dummy\":3},\"user_count\":3}");
    free(d);
    /* reconnect: a new connection with the same identity, which the master can reach. */
    f = dist_frame("reconnect", NULL, id, &len);
    zmq_send(router, id, strlen(id), ZMQ_SNDMORE);
    zmq_send(router, f, len, 0);
    free(f);
    dist_run_for(loop, 0.3);
    f = dist_frame("quit", NULL, id, &len);
    d = NULL;
    for (int i = 0; i < 30 && !d; i++) {
        zmq_send(router, id, strlen(id), ZMQ_SNDMORE);
        zmq_send(router, f, len, 0);
        d = await_type_for(router, "quit", true, 0.3);
    }
    free(f);
    ck_assert_ptr_nonnull(d);
    free(d);
    ck_assert(locust_runner_quit_done(w));
    locust_runner_free(w);
    zmq_close(router);
    zmq_ctx_term(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dist_fuzz");
    TCase *tc = tcase_create("fuzz");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_master_survives_fuzz);
    tcase_add_test(tc, test_slave_survives_fuzz);
    tcase_add_test(tc, test_worker_survives_fuzz);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
