/*
 * The open model over time: task runs start on a schedule (not after a
 * wait), and a shape ramps their rate from 10 to 100 runs per second over
 * 10 s, holds it, and ends the test after 30 s. Each run goes to a free
 * user of a pool of at most 100 (the tick's users); a run that finds every
 * user busy is dropped and counted.
 *
 *   locust-run -f examples/rate_ramp.c --host http://127.0.0.1:8080 --no-web
 *
 * Steps instead of a ramp need no C: --rate turns the open model on and
 * --stages gives each step's rate (DURATION:RATE[:POOL]):
 *   locust-run -f examples/basic.c --host http://127.0.0.1:8080 --no-web -c 100 --rate 1 --stages
 * 10s:10,20s:100
 */
#include <locust/locust.h>

static void index_page(locust_ctx *ctx)
{
    locust_get(ctx, "/", NULL);
}
static const locust_task tasks[] = {LOCUST_TASK(index_page), LOCUST_TASKS_END};
static const locust_taskset ts = {.name = "RampTasks", .tasks = tasks};
static const locust_class visitor = {.name = "Visitor", .task_set = &ts};

/* Called every second with the seconds since the start; false ends the test. */
static bool ramp(locust_runner *r, double run_time, locust_shape_tick *out, void *udata)
{
    (void)r;
    (void)udata;
    if (run_time >= 30) return false;
    int t = run_time < 10 ? (int)run_time : 10; /* whole seconds: a step of 9 runs/s each tick */
    out->rate = 10 + 9 * t;                     /* runs per second */
    out->users = 100;                           /* the pool's maximum */
    return true;
}

static int init(locust_runner *r)
{
    /* Rate mode first: a shape may only give rates to a runner in the open model. */
    int err = locust_runner_set_rate(r, 10);
    if (!err) err = locust_runner_set_shape(r, "ramp", ramp, NULL);
    return err;
}

LOCUST_SCENARIO(init, &visitor);
