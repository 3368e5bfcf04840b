/*
 * A master's tag filter reaches its slaves: the slaves run the tasks the
 * master's --tags/--exclude-tags chose (sent with the hatch jobs under
 * "parsed_options", as a Locust 2.x master sends its own), a slave keeps its
 * own filter when the master has none, and a filter a slave cannot apply
 * runs no user there rather than tasks the master excluded.
 */
#include "test_dist_util.h"
#include "testutil.h"

/* The task runs, by task: only slaves run users (the master has none). */
static volatile unsigned reads, writes;

static void read_task(locust_ctx *ctx)
{
    reads++;
    locust_sleep(ctx, 20);
}
static void write_task(locust_ctx *ctx)
{
    writes++;
    locust_sleep(ctx, 20);
}
static const locust_task tasks[] = {{.name = "read", .fn = read_task, .tags = "read"},
                                    {.name = "write", .fn = write_task, .tags = "write"},
                                    LOCUST_TASKS_END};
static const locust_taskset ts = {.name = "Mixed", .tasks = tasks};
static const locust_class mixed = {.name = "Mixed", .task_set = &ts, .wait_time = LOCUST_CONSTANT(0.01)};

/* The same class name on a slave whose tasks are all tagged "write". */
static const locust_task write_only[] = {{.name = "write", .fn = write_task, .tags = "write"},
                                         LOCUST_TASKS_END};
static const locust_taskset write_ts = {.name = "Writes", .tasks = write_only};
static const locust_class writer = {
    .name = "Mixed", .task_set = &write_ts, .wait_time = LOCUST_CONSTANT(0.01)};

static struct ev_loop *loop;
static locust_runner *master, *slaves[2];

static locust_runner *node_of(const locust_class *cls)
{
    locust_runner_options ro = {.loop = loop};
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, &ro), 0);
    ck_assert_int_eq(locust_runner_add_class(r, cls), 0);
    return r;
}

static locust_runner *node(void)
{
    return node_of(&mixed);
}

static bool ready(void *ud)
{
    return locust_runner_slave_count(master) == 2;
}

static bool running(void *ud)
{
    unsigned want = (unsigned)(uintptr_t)ud;
    return locust_runner_state_get(master) == LOCUST_STATE_RUNNING &&
           locust_runner_user_count(master) == want;
}

static bool stopped(void *ud)
{
    return locust_runner_state_get(master) == LOCUST_STATE_STOPPED &&
           locust_runner_user_count(slaves[0]) + locust_runner_user_count(slaves[1]) == 0;
}

/* A master and two slaves on one loop; slave i is made by make[i]. */
static void start_cluster(const locust_class *cls0, const locust_class *cls1)
{
    testutil_quiet_logs();
    locust__dist_timing_reset();
    locust__dist_timing_cfg.report_interval = 0.2;
    loop = ev_loop_new(EVFLAG_AUTO);
    int port = dist_attach_master(node, &master);
    slaves[0] = node_of(cls0);
    slaves[1] = node_of(cls1);
    for (int i = 0; i < 2; i++)
        dist_attach_slave(slaves[i], port);
    ck_assert_msg(dist_run_until(loop, ready, NULL, 10), "the slaves did not connect");
}

static void end_cluster(void)
{
    for (int i = 0; i < 2; i++)
        locust_runner_free(slaves[i]);
    locust_runner_free(master);
    ev_loop_destroy(loop);
}

/* Starts `users` on the master, lets them run a while, stops; the runs are counted afresh. */
static void run_test(unsigned users)
{
    reads = writes = 0;
    ck_assert_int_eq(locust_runner_start(master, users, 1000), 0);
    ck_assert_msg(dist_run_until(loop, running, (void *)(uintptr_t)users, 10), "%u users were not reached",
                  users);
    dist_run_for(loop, 0.3);
    ck_assert_int_eq(locust_runner_stop(master), 0);
    ck_assert_msg(dist_run_until(loop, stopped, NULL, 10), "the test did not stop");
}

START_TEST(the_masters_tags_choose_the_slaves_tasks)
{
    start_cluster(&mixed, &mixed);
    ck_assert_int_eq(locust_runner_set_tags(master, "read", NULL), 0);
    run_test(4);
    ck_assert_uint_gt(reads, 0);
    ck_assert_uint_eq(writes, 0);
    for (int i = 0; i < 2; i++)
        ck_assert_str_eq(locust_runner_tags(slaves[i], false), "read");

    /* --exclude-tags alone, in the next test: the master's filter replaces the last one. */
    ck_assert_int_eq(locust_runner_set_tags(master, NULL, "read"), 0);
    run_test(4);
    ck_assert_uint_eq(reads, 0);
    ck_assert_uint_gt(writes, 0);

    /* Without a filter on the master the slaves run every task again (they had none of their own). */
    ck_assert_int_eq(locust_runner_set_tags(master, NULL, NULL), 0);
    run_test(4);
    ck_assert_uint_gt(reads, 0);
    ck_assert_uint_gt(writes, 0);
    ck_assert_ptr_null(locust_runner_tags(slaves[0], false));
    ck_assert_ptr_null(locust_runner_tags(slaves[0], true));
    end_cluster();
}
END_TEST

START_TEST(a_slave_keeps_its_own_filter_when_the_master_has_none)
{
    start_cluster(&mixed, &mixed);
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(locust_runner_set_tags(slaves[i], NULL, "write"), 0);
    run_test(4);
    ck_assert_uint_gt(reads, 0);
    ck_assert_uint_eq(writes, 0);

    /* The master's filter wins over the slaves' own, exclusions included... */
    ck_assert_int_eq(locust_runner_set_tags(master, "write", NULL), 0);
    run_test(4);
    ck_assert_uint_eq(reads, 0);
    ck_assert_uint_gt(writes, 0);

    /* ...and without it the slaves' own filter is back. */
    ck_assert_int_eq(locust_runner_set_tags(master, NULL, NULL), 0);
    run_test(4);
    ck_assert_uint_gt(reads, 0);
    ck_assert_uint_eq(writes, 0);
    ck_assert_str_eq(locust_runner_tags(slaves[1], true), "write");
    end_cluster();
}
END_TEST

static bool hatched(void *ud)
{
    return locust_runner_state_get(master) == LOCUST_STATE_RUNNING;
}

START_TEST(a_filter_a_slave_cannot_apply_runs_no_user_there)
{
    /* Slave 1's class has only "write" tasks: the master's "read" leaves it with none. */
    start_cluster(&mixed, &writer);
    ck_assert_int_eq(locust_runner_set_tags(master, "read", NULL), 0);
    reads = writes = 0;
    ck_assert_int_eq(locust_runner_start(master, 4, 1000), 0);
    ck_assert_msg(dist_run_until(loop, hatched, NULL, 10), "the hatch did not complete");
    dist_run_for(loop, 0.3);
    ck_assert_uint_eq(locust_runner_user_count(slaves[0]), 2);
    ck_assert_uint_eq(locust_runner_user_count(slaves[1]), 0);
    ck_assert_uint_gt(reads, 0);
    ck_assert_uint_eq(writes, 0);
    ck_assert_int_eq(locust_runner_stop(master), 0);
    ck_assert_msg(dist_run_until(loop, stopped, NULL, 10), "the test did not stop");
    end_cluster();
}
END_TEST

/* ---- on the wire --------------------------------------------------------------------- */

/*
 * Receives one frame of type `type` on a raw socket, driving the loop
 * meanwhile (at most 10 s). The message points into a buffer that the
 * next call reuses.
 */
static void raw_expect(void *sock, const char *type, locust__rpc_msg *m)
{
    static char buf[2048];
    for (int i = 0; i < 1000; i++) {
        dist_run_for(loop, 0.01);
        int n = zmq_recv(sock, buf, sizeof buf, ZMQ_DONTWAIT);
        if (n <= 0) continue;
        char err[128];
        ck_assert_int_eq(locust__rpc_decode(buf, (size_t)n, m, err, sizeof err), 0);
        if (strcmp(m->type, type) == 0) return;
        locust__rpc_msg_free(m);
    }
    ck_abort_msg("no '%s' within 10 s", type);
}

/* The names of a msgpack list, joined by commas. */
static void joined(const msgpack_object *o, char *out, size_t cap)
{
    out[0] = 0;
    ck_assert_int_eq(o->type, MSGPACK_OBJECT_ARRAY);
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        const char *p;
        size_t len;
        ck_assert(locust__mp_bytes(&o->via.array.ptr[i], &p, &len));
        snprintf(out + strlen(out), cap - strlen(out), "%s%.*s", i ? "," : "", (int)len, p);
    }
}

static bool has_slave(void *ud)
{
    return locust_runner_slave_count(master) == 1;
}

static bool master_is_stopped(void *ud)
{
    return locust_runner_state_get(master) == LOCUST_STATE_STOPPED;
}

/*
 * The raw slave completes its hatch and the master stops the test; then the
 * next test starts with a new filter, and *m is the raw slave's hatch job.
 */
static void raw_next_test(void *push, void *pull, const char *tags, const char *exclude, locust__rpc_msg *m)
{
    dist_raw_msg(push, "hatch_complete", "{\"count\": 2}", "raw_0123");
    ck_assert_int_eq(locust_runner_stop(master), 0);
    raw_expect(pull, "stop", m);
    locust__rpc_msg_free(m);
    dist_raw_msg(push, "client_stopped", NULL, "raw_0123");
    dist_raw_msg(push, "client_ready", NULL, "raw_0123");
    ck_assert_msg(dist_run_until(loop, master_is_stopped, NULL, 10), "the test did not stop");
    ck_assert_int_eq(locust_runner_set_tags(master, tags, exclude), 0);
    ck_assert_int_eq(locust_runner_start(master, 2, 10), 0);
    raw_expect(pull, "hatch", m);
}

/* The hatch job carries the master's filter as 2.x's spawn message does, and nothing without one. */
START_TEST(the_hatch_job_carries_the_filter_as_2x_parsed_options)
{
    testutil_quiet_logs();
    locust__dist_timing_reset();
    loop = ev_loop_new(EVFLAG_AUTO);
    int port = dist_attach_master(node, &master);
    void *ctx = zmq_ctx_new();
    void *push = dist_raw_connect(ctx, ZMQ_PUSH, port);
    void *pull = dist_raw_connect(ctx, ZMQ_PULL, port + 1);
    dist_raw_msg(push, "client_ready", NULL, "raw_0123");
    ck_assert_msg(dist_run_until(loop, has_slave, NULL, 10), "the raw slave was not seen");

    ck_assert_int_eq(locust_runner_set_tags(master, "read, write", "slow"), 0);
    ck_assert_int_eq(locust_runner_start(master, 2, 10), 0);
    locust__rpc_msg m;
    raw_expect(pull, "hatch", &m);
    const msgpack_object *po = locust__mp_get(m.data, "parsed_options");
    ck_assert_ptr_nonnull(po);
    char names[128];
    joined(locust__mp_get(po, "tags"), names, sizeof names);
    ck_assert_str_eq(names, "read,write");
    joined(locust__mp_get(po, "exclude_tags"), names, sizeof names);
    ck_assert_str_eq(names, "slow");
    locust__rpc_msg_free(&m);

    /* --exclude-tags alone: tags is nil. */
    raw_next_test(push, pull, NULL, "slow", &m);
    po = locust__mp_get(m.data, "parsed_options");
    ck_assert_ptr_nonnull(po);
    ck_assert_int_eq(locust__mp_get(po, "tags")->type, MSGPACK_OBJECT_NIL);
    locust__rpc_msg_free(&m);

    /* No filter: 0.9's hatch message, without the key. */
    raw_next_test(push, pull, NULL, NULL, &m);
    ck_assert_ptr_null(locust__mp_get(m.data, "parsed_options"));
    locust__rpc_msg_free(&m);

    zmq_close(push);
    zmq_close(pull);
    zmq_ctx_term(ctx);
    locust_runner_free(master);
    ev_loop_destroy(loop);
}
END_TEST

/* A master whose tags are not a list of names: the slave says so and runs no user. */
START_TEST(a_malformed_filter_from_the_master_runs_no_user)
{
    testutil_quiet_logs();
    locust__dist_timing_reset();
    loop = ev_loop_new(EVFLAG_AUTO);
    void *ctx = zmq_ctx_new();
    void *pull = zmq_socket(ctx, ZMQ_PULL), *push = zmq_socket(ctx, ZMQ_PUSH);
    int linger = 0, port = 0;
    zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger);
    for (int tries = 0; tries < 20 && !port; tries++) {
        int p = dist_free_port_pair();
        char ep[64];
        snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", p);
        if (zmq_bind(pull, ep) != 0) continue;
        snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", p + 1);
        if (zmq_bind(push, ep) == 0)
            port = p;
        else
            zmq_unbind(pull, ep);
    }
    ck_assert_int_gt(port, 0);
    locust_runner *slave = node();
    dist_attach_slave(slave, port);
    locust__rpc_msg m;
    raw_expect(pull, "client_ready", &m);
    locust__rpc_msg_free(&m);
    dist_raw_msg(push, "hatch",
                 "{\"hatch_rate\": 10.5, \"num_clients\": 3, \"host\": null, \"stop_timeout\": null, "
                 "\"parsed_options\": {\"tags\": 5}}",
                 NULL);
    raw_expect(pull, "hatch_complete", &m);
    int64_t count;
    ck_assert(locust__mp_int(locust__mp_get(m.data, "count"), 0, 10, &count));
    ck_assert_int_eq(count, 0);
    ck_assert_uint_eq(locust_runner_user_count(slave), 0);
    locust__rpc_msg_free(&m);
    locust_runner_free(slave);
    zmq_close(push);
    zmq_close(pull);
    zmq_ctx_term(ctx);
    ev_loop_destroy(loop);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dist_tags");
    TCase *tc = tcase_create("dist_tags");
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, the_masters_tags_choose_the_slaves_tasks);
    tcase_add_test(tc, a_slave_keeps_its_own_filter_when_the_master_has_none);
    tcase_add_test(tc, a_filter_a_slave_cannot_apply_runs_no_user_there);
    tcase_add_test(tc, the_hatch_job_carries_the_filter_as_2x_parsed_options);
    tcase_add_test(tc, a_malformed_filter_from_the_master_runs_no_user);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
