/*
 * The in-process distributed world of tests/test_dist*.c: a master and its
 * slaves, each a runner of its own, on one libev loop, talking over real
 * ZeroMQ sockets on 127.0.0.1, with users that count what they make.
 */
#ifndef LOCUST_TEST_DIST_WORLD_H
#define LOCUST_TEST_DIST_WORLD_H

#include "stats/stats_wire.h"
#include "test_dist_util.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#define MAX_NODES 4

typedef struct world {
    struct ev_loop *loop;
    int port;
    locust_runner *master;
    locust_runner *slave[MAX_NODES];
    size_t nslaves;
    long made[MAX_NODES];
} world;

static world *W;

static inline long *made_for(locust_runner *r)
{
    for (size_t i = 0; i < W->nslaves; i++)
        if (W->slave[i] == r) return &W->made[i];
    ck_abort_msg("unknown runner");
    return NULL;
}

static inline void work(locust_ctx *ctx)
{
    locust_runner *r = locust_ctx_runner(ctx);
    (*made_for(r))++;
    locust_report_success(r, "custom", "/work", 2.0 + (double)(*made_for(r) % 5), 100);
    if (*made_for(r) % 4 == 0) locust_report_failure(r, "custom", "/fail", 1.0, "planned");
}

static const locust_task work_tasks[] = {LOCUST_TASK(work), LOCUST_TASKS_END};
static const locust_taskset work_ts = {.name = "Work", .tasks = work_tasks};
static const locust_class worker_cls = {
    .name = "Worker", .task_set = &work_ts, .min_wait = 5, .max_wait = 15};

static inline void setup(void)
{
    testutil_quiet_logs();
    locust__dist_timing_reset();
    locust__dist_timing_cfg.report_interval = 0.2;
    locust__dist_timing_cfg.quit_wait = 2.0;
    W = calloc(1, sizeof *W);
    W->loop = ev_loop_new(EVFLAG_AUTO);
}

static inline void teardown(void)
{
    for (size_t i = 0; i < W->nslaves; i++)
        locust_runner_free(W->slave[i]);
    locust_runner_free(W->master);
    ev_loop_destroy(W->loop);
    free(W);
    W = NULL;
}

/* A master on a free port pair (retrying when another test grabbed it). */
static inline void start_master(const locust_master_options *extra)
{
    locust_runner_options ro = {.loop = W->loop};
    for (int tries = 0; tries < 20; tries++) {
        ck_assert_int_eq(locust_runner_new(&W->master, &ro), 0);
        ck_assert_int_eq(locust_runner_add_class(W->master, &worker_cls), 0);
        locust_master_options mo = extra ? *extra : (locust_master_options){0};
        mo.bind_host = "127.0.0.1";
        mo.bind_port = W->port = dist_free_port_pair();
        int err = locust_master_attach(W->master, &mo);
        if (err == 0) return;
        ck_assert_int_eq(err, LOCUST_EBUSY);
        locust_runner_free(W->master);
    }
    ck_abort_msg("no port for the master");
}

static inline locust_runner *add_slave(const locust_class *cls)
{
    locust_runner_options ro = {.loop = W->loop};
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, &ro), 0);
    ck_assert_int_eq(locust_runner_add_class(r, cls), 0);
    locust_slave_options so = {.master_host = "127.0.0.1", .master_port = W->port};
    ck_assert_int_eq(locust_slave_attach(r, &so), 0);
    ck_assert(locust_runner_is_slave(r));
    ck_assert(!locust_runner_is_master(r));
    W->slave[W->nslaves++] = r;
    return r;
}

static inline size_t slaves_in(const char *state)
{
    size_t n = 0;
    for (size_t i = 0; i < locust_runner_slave_count(W->master); i++) {
        locust_slave_info si;
        ck_assert_int_eq(locust_runner_slave(W->master, i, &si), 0);
        n += strcmp(si.state, state) == 0;
    }
    return n;
}

static inline bool all_ready(void *ud)
{
    return slaves_in("ready") == (size_t)(uintptr_t)ud &&
           locust_runner_slave_count(W->master) == (size_t)(uintptr_t)ud;
}

static inline bool master_running(void *ud)
{
    return locust_runner_state_get(W->master) == LOCUST_STATE_RUNNING &&
           locust_runner_user_count(W->master) == (unsigned)(uintptr_t)ud;
}

/* Builds in `o` the 0.9 "stats" message of slave `id`: the report of table `s` (a delta) and user_count. */
static inline void dist_stats_frame(locust__rpc_out *o, const char *id, locust_stats *s, unsigned users)
{
    ck_assert_int_eq(locust__rpc_out_begin(o, "stats"), 0);
    ck_assert_int_eq(msgpack_pack_map(&o->pk, LOCUST__STATS_REPORT_KEYS + 1), 0);
    ck_assert_int_eq(locust__stats_pack_report(s, &o->pk, LOCUST__STATS_PROTO_09), 0);
    ck_assert_int_eq(locust__mp_pack_cstr(&o->pk, "user_count"), 0);
    ck_assert_int_eq(msgpack_pack_unsigned_int(&o->pk, users), 0);
    ck_assert_int_eq(locust__rpc_out_finish(o, id, LOCUST__RPC_STYLE_09), 0);
}

#endif /* LOCUST_TEST_DIST_WORLD_H */
