/*
 * The master's split of the users over its slaves follows the slaves that
 * are really there: a slave that joins and vanishes, before the hatch or
 * during the run, leaves its share to the living ones, so the running
 * total stays what was asked. The vanishing slave is a raw ZeroMQ peer
 * that closes its sockets; the living one is a real liblocust slave.
 */
#include "dist_world.h"

/* A fake slave: a PUSH socket to the master and a PULL socket from it. */
typedef struct fake {
    void *ctx, *push, *pull;
} fake;

static void fake_join(fake *f, const char *id)
{
    f->ctx = zmq_ctx_new();
    f->push = dist_raw_connect(f->ctx, ZMQ_PUSH, W->port);
    f->pull = dist_raw_connect(f->ctx, ZMQ_PULL, W->port + 1);
    dist_raw_msg(f->push, "client_ready", NULL, id);
}

/* The fake slave crashes: its connections close at once. */
static void fake_vanish(fake *f)
{
    zmq_close(f->push);
    zmq_close(f->pull);
    zmq_ctx_term(f->ctx);
    *f = (fake){0};
}

/* The share of a hatch job the fake slave received, or -1 when none came. */
static int64_t fake_hatch(fake *f)
{
    char buf[512];
    int n = zmq_recv(f->pull, buf, sizeof buf, ZMQ_DONTWAIT);
    if (n <= 0) return -1;
    locust__rpc_msg m;
    char err[128];
    ck_assert_int_eq(locust__rpc_decode(buf, (size_t)n, &m, err, sizeof err), 0);
    ck_assert_str_eq(m.type, "hatch");
    int64_t share;
    ck_assert(locust__mp_int(locust__mp_get(m.data, "num_clients"), 0, 100, &share));
    locust__rpc_msg_free(&m);
    return share;
}

static bool slave0_runs(void *ud)
{
    return locust_runner_user_count(W->slave[0]) == (unsigned)(uintptr_t)ud &&
           locust_runner_state_get(W->slave[0]) == LOCUST_STATE_RUNNING;
}

static bool one_slave_missing(void *ud)
{
    return slaves_in("missing") == 1;
}

/* --expect-slaves 2 -c 10: one slave says client_ready and is gone before the hatch. */
START_TEST(a_slave_gone_before_the_hatch_leaves_its_share_to_the_living)
{
    locust_master_options mo = {
        .expect_slaves = 2, .autostart = true, .autostart_users = 10, .autostart_rate = 1000};
    start_master(&mo);
    fake f;
    fake_join(&f, "fake_gone");
    ck_assert_msg(dist_run_until(W->loop, all_ready, (void *)1, 10), "the fake slave did not join");
    /* It crashes; the real slave joins at once, before the master can tell that the fake one is gone. */
    fake_vanish(&f);
    add_slave(&worker_cls);
    ck_assert_msg(dist_run_until(W->loop, master_running, (void *)10, 10),
                  "the master did not reach 10 users (it runs %u, the slave %u)",
                  locust_runner_user_count(W->master), locust_runner_user_count(W->slave[0]));
    ck_assert_uint_eq(locust_runner_user_count(W->slave[0]), 10);
    ck_assert_uint_eq(slaves_in("missing"), 1);
    /* And it stays so: no late job takes users away. */
    dist_run_for(W->loop, 0.5);
    ck_assert_uint_eq(locust_runner_user_count(W->slave[0]), 10);
    ck_assert_uint_eq(locust_runner_user_count(W->master), 10);
}
END_TEST

/* A master with two ready slaves: a scripted one ("fake_crash", to crash at will) and a real one. */
static void master_with_fake_and_slave(fake *f)
{
    start_master(NULL);
    fake_join(f, "fake_crash");
    add_slave(&worker_cls);
    ck_assert_msg(dist_run_until(W->loop, all_ready, (void *)2, 10), "2 slaves did not become ready");
}

/* A slave that hatched its share and crashes during the run: the living slave takes its users. */
START_TEST(a_slave_that_crashes_during_the_run_leaves_its_users_to_the_living)
{
    fake f;
    master_with_fake_and_slave(&f);
    ck_assert_int_eq(locust_runner_start(W->master, 10, 1000), 0);
    int64_t share = -1;
    for (int i = 0; i < 500 && share < 0; i++) {
        dist_run_for(W->loop, 0.01);
        share = fake_hatch(&f);
    }
    ck_assert_int_eq(share, 5);
    dist_raw_msg(f.push, "hatching", NULL, "fake_crash");
    dist_raw_msg(f.push, "hatch_complete", "{\"count\": 5}", "fake_crash");
    ck_assert_msg(dist_run_until(W->loop, master_running, (void *)10, 10),
                  "the master did not reach 10 users");
    ck_assert_uint_eq(locust_runner_user_count(W->slave[0]), 5);

    fake_vanish(&f);
    ck_assert_msg(dist_run_until(W->loop, one_slave_missing, NULL, 5), "the crash went unnoticed");
    ck_assert_msg(dist_run_until(W->loop, slave0_runs, (void *)10, 5),
                  "the living slave did not take the crashed one's users (it runs %u)",
                  locust_runner_user_count(W->slave[0]));
    ck_assert_msg(dist_run_until(W->loop, master_running, (void *)10, 5), "the master counts %u users",
                  locust_runner_user_count(W->master));
    ck_assert_int_eq(locust_runner_state_get(W->master), LOCUST_STATE_RUNNING);
}
END_TEST

/* The two slaves run 4 and 5 users, in either order. */
static bool spread_4_5(void *ud)
{
    unsigned a = locust_runner_user_count(W->slave[0]), b = locust_runner_user_count(W->slave[1]);
    return a + b == 9 && (a == 4 || a == 5);
}

/* A slave that joins during the run gets a share: the users are spread, the total unchanged. */
START_TEST(a_slave_that_joins_during_the_run_takes_a_share_of_the_same_total)
{
    start_master(NULL);
    add_slave(&worker_cls);
    ck_assert_msg(dist_run_until(W->loop, all_ready, (void *)1, 10), "the slave did not become ready");
    ck_assert_int_eq(locust_runner_start(W->master, 9, 1000), 0);
    ck_assert_msg(dist_run_until(W->loop, master_running, (void *)9, 10), "the master did not reach 9 users");
    add_slave(&worker_cls);
    ck_assert_msg(dist_run_until(W->loop, spread_4_5, NULL, 10), "the slaves run %u and %u users",
                  locust_runner_user_count(W->slave[0]), locust_runner_user_count(W->slave[1]));
    ck_assert_msg(dist_run_until(W->loop, master_running, (void *)9, 10), "the master counts %u users",
                  locust_runner_user_count(W->master));
}
END_TEST

/* Warnings and errors logged, kept to check that a normal end raises no false alarm. */
static char alarms[4096];
static void keep_alarm(locust_log_level level, const char *logger, const char *msg, void *udata)
{
    size_t n = strlen(alarms);
    if (level >= LOCUST_LOG_WARNING && n + 1 < sizeof alarms)
        snprintf(alarms + n, sizeof alarms - n, "%s\n", msg);
}

static bool everyone_quit(void *ud)
{
    for (size_t i = 0; i < W->nslaves; i++)
        if (!locust_runner_quit_done(W->slave[i])) return false;
    return locust_runner_quit_done(W->master);
}

/* Quits the test from the master: everyone quits within 10 s, and nothing is warned about on the way. */
static void quit_without_alarm(void)
{
    alarms[0] = '\0';
    locust_log_set(keep_alarm, NULL, LOCUST_LOG_WARNING);
    ck_assert_int_eq(locust_runner_quit(W->master), 0);
    ck_assert_msg(dist_run_until(W->loop, everyone_quit, NULL, 10), "not everyone quit");
    testutil_quiet_logs();
    ck_assert_msg(alarms[0] == '\0', "the quit logged:\n%s", alarms);
}

/*
 * A slave crashed during the run; the test then ends as usual (the run time,
 * ^C, the web UI's quit). The crash was warned about when it happened; the
 * end is no alarm: the master neither says "No slave is left" when the
 * living slaves quit because it told them to, nor fails to send the quit
 * when only the crashed slave is left in its table.
 */
START_TEST(a_normal_end_after_a_slave_crashed_raises_no_false_alarm)
{
    fake f;
    master_with_fake_and_slave(&f);
    ck_assert_int_eq(locust_runner_start(W->master, 4, 1000), 0);
    ck_assert_msg(dist_run_until(W->loop, slave0_runs, (void *)2, 10), "the living slave did not hatch");
    fake_vanish(&f);
    ck_assert_msg(dist_run_until(W->loop, one_slave_missing, NULL, 5), "the crash went unnoticed");
    ck_assert_msg(dist_run_until(W->loop, slave0_runs, (void *)4, 5),
                  "the living slave did not take 4 users");
    quit_without_alarm();
}
END_TEST

/* The only slave crashed: the master quits without trying to tell anyone. */
START_TEST(a_master_whose_slaves_all_crashed_quits_without_an_error)
{
    start_master(NULL);
    fake f;
    fake_join(&f, "fake_only");
    ck_assert_msg(dist_run_until(W->loop, all_ready, (void *)1, 10), "the fake slave did not join");
    fake_vanish(&f);
    ck_assert_msg(dist_run_until(W->loop, one_slave_missing, NULL, 5), "the crash went unnoticed");
    quit_without_alarm();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dist_split");
    TCase *tc = tcase_create("split");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, a_slave_gone_before_the_hatch_leaves_its_share_to_the_living);
    tcase_add_test(tc, a_slave_that_crashes_during_the_run_leaves_its_users_to_the_living);
    tcase_add_test(tc, a_slave_that_joins_during_the_run_takes_a_share_of_the_same_total);
    tcase_add_test(tc, a_normal_end_after_a_slave_crashed_raises_no_false_alarm);
    tcase_add_test(tc, a_master_whose_slaves_all_crashed_quits_without_an_error);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
