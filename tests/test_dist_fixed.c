/*
 * fixed_count across slaves: the master places the fixed users, so a class
 * with fixed_count = 1 has one user over all slaves (not one per slave),
 * also after the count changes; the other users are shared by weight. And
 * a load shape on the master drives its slaves, with the classes it names.
 * test_start and test_stop fire once per test on the master and on every
 * slave.
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
static const locust_class admin = {.name = "Admin", .task_set = &ts, .fixed_count = 1};

static struct ev_loop *loop;
static locust_runner *master, *slaves[3];

static locust_runner *node(void)
{
    locust_runner_options ro = {.loop = loop};
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, &ro), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &visitor), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &admin), 0);
    return r;
}

static bool ready(void *ud)
{
    return locust_runner_slave_count(master) == 3;
}

/* The slaves' users of class c, added up. */
static unsigned users_of(size_t c)
{
    unsigned n = 0;
    for (int i = 0; i < 3; i++)
        n += locust_runner_class_user_count(slaves[i], c);
    return n;
}

static bool reached(void *ud)
{
    unsigned want = (unsigned)(uintptr_t)ud;
    return locust_runner_state_get(master) == LOCUST_STATE_RUNNING && users_of(0) + users_of(1) == want;
}

/* A master and three slaves on one loop, connected. */
static void start_cluster(void)
{
    testutil_quiet_logs();
    locust__dist_timing_reset();
    locust__dist_timing_cfg.report_interval = 0.2;
    loop = ev_loop_new(EVFLAG_AUTO);
    int port = dist_attach_master(node, &master);
    for (int i = 0; i < 3; i++) {
        slaves[i] = node();
        dist_attach_slave(slaves[i], port);
    }
    ck_assert_msg(dist_run_until(loop, ready, NULL, 10), "the slaves did not connect");
}

static void end_cluster(void)
{
    for (int i = 0; i < 3; i++)
        locust_runner_free(slaves[i]);
    locust_runner_free(master);
    ev_loop_destroy(loop);
}

START_TEST(the_master_places_fixed_users_over_its_slaves)
{
    start_cluster();

    ck_assert_int_eq(locust_runner_start(master, 7, 700), 0);
    ck_assert_msg(dist_run_until(loop, reached, (void *)7, 10), "7 users were not reached");
    ck_assert_uint_eq(users_of(1), 1); /* one Admin in all, not one per slave */
    ck_assert_uint_eq(users_of(0), 6);
    /* Each slave still gets its 0.9 share: 3, 2, 2. */
    unsigned threes = 0;
    for (int i = 0; i < 3; i++)
        threes += locust_runner_user_count(slaves[i]) == 3;
    ck_assert_uint_eq(threes, 1);

    ck_assert_int_eq(locust_runner_start(master, 12, 1200), 0);
    ck_assert_msg(dist_run_until(loop, reached, (void *)12, 10), "12 users were not reached");
    ck_assert_uint_eq(users_of(1), 1);
    ck_assert_uint_eq(users_of(0), 11);

    end_cluster();
}
END_TEST

static bool master_stopped(void *ud)
{
    return locust_runner_state_get(master) == LOCUST_STATE_STOPPED && users_of(0) + users_of(1) == 0;
}

static bool admin_is_back(void *ud)
{
    return users_of(1) == 1 && users_of(0) + users_of(1) == 5;
}

START_TEST(a_shape_on_the_master_drives_the_slaves)
{
    start_cluster();
    const locust_stage st[] = {{1.5, 4, 400}, {1.5, 9, 900}};
    ck_assert_int_eq(locust_runner_set_stages(master, st, 2), 0);
    ck_assert_int_eq(locust_runner_shape_start(master, false), 0);
    ck_assert_msg(dist_run_until(loop, reached, (void *)4, 10), "stage 1's 4 users were not reached");
    ck_assert_uint_eq(users_of(1), 1);
    ck_assert_msg(dist_run_until(loop, reached, (void *)9, 10), "stage 2's 9 users were not reached");
    ck_assert_uint_eq(users_of(1), 1);
    locust_shape_info si;
    locust_runner_shape_info(master, &si);
    ck_assert_uint_eq(si.stage, 2);
    /* After the last stage the shape stops the test on every slave. */
    ck_assert_msg(dist_run_until(loop, master_stopped, NULL, 10), "the shape did not stop the test");

    end_cluster();
}
END_TEST

/* test_start and test_stop, counted per node: [0] the master, [1..3] the slaves. */
static unsigned starts[4], stops[4];
static void count_start(const locust_event *ev, void *ud)
{
    starts[(uintptr_t)ud]++;
}
static void count_stop(const locust_event *ev, void *ud)
{
    stops[(uintptr_t)ud]++;
}

static bool all_stopped(void *ud)
{
    unsigned want = (unsigned)(uintptr_t)ud;
    for (int i = 0; i < 4; i++)
        if (stops[i] != want) return false;
    return master_stopped(NULL);
}

START_TEST(test_events_fire_once_per_test_on_the_master_and_every_slave)
{
    start_cluster();
    memset(starts, 0, sizeof starts);
    memset(stops, 0, sizeof stops);
    for (uintptr_t i = 0; i < 4; i++) {
        locust_runner *r = i ? slaves[i - 1] : master;
        ck_assert_int_eq(locust_on(r, LOCUST_EV_TEST_START, count_start, (void *)i), 0);
        ck_assert_int_eq(locust_on(r, LOCUST_EV_TEST_STOP, count_stop, (void *)i), 0);
    }
    for (unsigned test = 1; test <= 2; test++) {
        ck_assert_int_eq(locust_runner_start(master, 6, 600), 0);
        ck_assert_msg(dist_run_until(loop, reached, (void *)6, 10), "6 users were not reached");
        /* A new count during the test is not a new test. */
        ck_assert_int_eq(locust_runner_start(master, 9, 900), 0);
        ck_assert_msg(dist_run_until(loop, reached, (void *)9, 10), "9 users were not reached");
        ck_assert_int_eq(locust_runner_stop(master), 0);
        ck_assert_msg(dist_run_until(loop, all_stopped, (void *)(uintptr_t)test, 10),
                      "test %u did not stop on every node", test);
        for (int i = 0; i < 4; i++)
            ck_assert_msg(starts[i] == test && stops[i] == test,
                          "node %d: %u test_start, %u test_stop after test %u", i, starts[i], stops[i], test);
    }
    end_cluster();
}
END_TEST

/* A shape that names its classes: Visitor only at first, then every class. */
static bool visitors_then_all(locust_runner *r, double run_time, locust_shape_tick *out, void *udata)
{
    static const char *const only_visitors[] = {"Visitor", NULL};
    if (run_time >= 3) return false;
    out->users = 5;
    out->spawn_rate = 500;
    out->classes = run_time < 1.5 ? only_visitors : NULL;
    return true;
}

START_TEST(a_shape_naming_classes_restricts_the_slaves_to_them)
{
    start_cluster();
    ck_assert_int_eq(locust_runner_set_shape(master, "visitors", visitors_then_all, NULL), 0);
    ck_assert_int_eq(locust_runner_shape_start(master, false), 0);
    ck_assert_msg(dist_run_until(loop, reached, (void *)5, 10), "5 users were not reached");
    /* All five are Visitors over the three slaves: the master placed them (2, 2, 1). */
    ck_assert_uint_eq(users_of(0), 5);
    ck_assert_uint_eq(users_of(1), 0);
    for (int i = 0; i < 3; i++)
        ck_assert_uint_ge(locust_runner_user_count(slaves[i]), 1);
    /* Then every class again: the fixed Admin is back among the five. */
    ck_assert_msg(dist_run_until(loop, admin_is_back, NULL, 10), "the Admin did not come back");
    ck_assert_uint_eq(users_of(0), 4);
    ck_assert_msg(dist_run_until(loop, master_stopped, NULL, 10), "the shape did not stop the test");
    end_cluster();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dist_fixed");
    TCase *tc = tcase_create("dist_fixed");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, the_master_places_fixed_users_over_its_slaves);
    tcase_add_test(tc, a_shape_on_the_master_drives_the_slaves);
    tcase_add_test(tc, a_shape_naming_classes_restricts_the_slaves_to_them);
    tcase_add_test(tc, test_events_fire_once_per_test_on_the_master_and_every_slave);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
