/*
 * A task sequence (manual §4.3, Python's TaskSequence and @seq_task): the
 * tasks run in their order, first_task, then second_task, then third_task
 * ten times (its weight), and then again from the start.
 *
 *   locust-run -f examples/sequence.c --host http://127.0.0.1:8080 --no-web -c 2 -t 10s
 */
#include <locust/locust.h>

static void first_task(locust_ctx *ctx)
{
    locust_get(ctx, "/echo?step=1", &(locust_request_opts){.name = "first"});
}

static void second_task(locust_ctx *ctx)
{
    locust_get(ctx, "/echo?step=2", &(locust_request_opts){.name = "second"});
}

static void third_task(locust_ctx *ctx)
{
    locust_get(ctx, "/echo?step=3", &(locust_request_opts){.name = "third"});
}

/* Declared out of order on purpose: .order decides, as @seq_task(n) does. */
static const locust_task sequence_tasks[] = {
    {.name = "third_task", .fn = third_task, .order = 3, .weight = 10},
    LOCUST_SEQ_TASK(first_task, 1),
    LOCUST_SEQ_TASK(second_task, 2),
    LOCUST_TASKS_END,
};

static const locust_taskset my_sequence = {
    .name = "MyTaskSequence", .tasks = sequence_tasks, .sequential = true};

static const locust_class sequence_user = {
    .name = "SequenceUser", .task_set = &my_sequence, .min_wait = 50, .max_wait = 100};

LOCUST_SCENARIO(NULL, &sequence_user);
