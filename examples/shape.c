/*
 * A load shape (Locust 2.x's LoadTestShape) and the test events: the shape
 * ramps to 10 users, holds, steps to 20, and ends the test after 30 s;
 * test_start and test_stop log, and a quitting listener sets the exit code
 * to 3 when more than 1% of the requests failed (2.x's
 * environment.process_exit_code).
 *
 *   locust-run -f examples/shape.c --host http://127.0.0.1:8080 --no-web
 *   locust-run -f examples/shape.c --host http://127.0.0.1:8080        (the web UI shows the shape)
 *
 * Without C, --stages describes the same steps on the command line:
 *   locust-run -f examples/basic.c --host http://127.0.0.1:8080 --no-web --stages 10s:10:5,10s:10:5,10s:20:5
 */
#include <locust/locust.h>

static void index_page(locust_ctx *ctx)
{
    locust_get(ctx, "/", NULL);
}
static const locust_task tasks[] = {LOCUST_TASK(index_page), LOCUST_TASKS_END};
static const locust_taskset ts = {.name = "ShapeTasks", .tasks = tasks};
static const locust_class visitor = {.name = "Visitor", .task_set = &ts, .wait_time = LOCUST_BETWEEN(0.5, 1)};

/* Called every second with the seconds since the start; false ends the test. */
static bool steps(locust_runner *r, double run_time, locust_shape_tick *out, void *udata)
{
    (void)r;
    (void)udata;
    if (run_time >= 30) return false;
    out->users = run_time < 20 ? 10 : 20;
    out->spawn_rate = 5;
    return true;
}

static void on_test(const locust_event *ev, void *udata)
{
    (void)udata;
    locust_log(LOCUST_LOG_INFO, "shape", "%s", locust_event_name(ev->type));
}

static void on_quitting(const locust_event *ev, void *udata)
{
    (void)udata;
    locust_entry_info total;
    if (locust_stats_total(locust_runner_stats(ev->runner), &total)) return;
    uint64_t all = total.num_requests + total.num_failures;
    if (all && (double)total.num_failures / (double)all > 0.01) locust_runner_set_exit_code(ev->runner, 3);
}

static int init(locust_runner *r)
{
    int err = locust_runner_set_shape(r, "steps", steps, NULL);
    if (!err) err = locust_on(r, LOCUST_EV_TEST_START, on_test, NULL);
    if (!err) err = locust_on(r, LOCUST_EV_TEST_STOP, on_test, NULL);
    if (!err) err = locust_on(r, LOCUST_EV_QUITTING, on_quitting, NULL);
    return err;
}

LOCUST_SCENARIO(init, &visitor);
