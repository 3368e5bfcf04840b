/*
 * One runner per thread: a harness may run several runners at once, each on
 * a thread of its own with its own loop, and they share nothing. Every
 * thread's users switch fibers, make requests over their own sessions and
 * count them into their own runner, exactly, while the others do the same.
 */
#include <pthread.h>
#include <string.h>

#include "target.h"
#include "testutil.h"

#define THREADS  4
#define USERS    50
#define REQUESTS 40

static locust_test_target target;

/* What one thread's runner saw, counted by its own event handlers. */
typedef struct thread_run {
    locust_class cls;
    unsigned successes, failures, finished;
    unsigned wrong_thread; /* handlers or tasks that ran on another thread */
    pthread_t self;
    int rc;
} thread_run;

static void on_request(const locust_event *ev, void *udata)
{
    thread_run *t = udata;
    if (!pthread_equal(pthread_self(), t->self)) t->wrong_thread++;
    if (ev->type == LOCUST_EV_REQUEST_SUCCESS)
        t->successes++;
    else
        t->failures++;
}

/* The run of the thread a task runs on. */
static _Thread_local thread_run *mine;

static void forty_requests(locust_ctx *ctx)
{
    thread_run *t = mine;
    for (int i = 0; i < REQUESTS; i++) {
        locust_response_free(locust_get(ctx, "/", NULL));
        /* A switch to the loop and back between requests, as a wait would do. */
        locust_sleep(ctx, 0);
    }
    /* The user belongs to this thread's runner, not to another's. */
    if (locust_user_class(ctx) != &t->cls) t->wrong_thread++;
    t->finished++;
    locust_stop_user(ctx);
}

static void *thread_main(void *arg)
{
    static const locust_task tasks[] = {LOCUST_TASK(forty_requests), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Forty", .tasks = tasks};
    thread_run *t = arg;
    t->self = pthread_self();
    mine = t;
    t->cls = (locust_class){.name = "ThreadUser", .task_set = &ts, .host = target.host};
    locust_runner *r;
    locust_runner_options o = {.seed = 1};
    if ((t->rc = testutil_runner_new(&r, &o, &t->cls, on_request, t)) != 0) return NULL;
    t->rc = testutil_run_users(r, USERS, 1000, 60);
    locust_runner_free(r);
    return NULL;
}

START_TEST(runners_on_several_threads_at_once_count_exactly_and_share_nothing)
{
    ck_assert_int_eq(locust_test_target_reset_counter(&target), 0);
    static thread_run runs[THREADS];
    pthread_t th[THREADS];
    memset(runs, 0, sizeof runs);
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, thread_main, &runs[i]), 0);
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < THREADS; i++) {
        ck_assert_msg(runs[i].rc == 0, "thread %d: %s", i, locust_strerror(runs[i].rc));
        ck_assert_uint_eq(runs[i].finished, USERS);
        ck_assert_uint_eq(runs[i].successes, USERS * REQUESTS);
        ck_assert_uint_eq(runs[i].failures, 0);
        ck_assert_uint_eq(runs[i].wrong_thread, 0);
    }
    /* Every request counted reached the server, and no more. */
    ck_assert_int_eq(locust_test_target_counter(&target), THREADS * USERS * REQUESTS);
}
END_TEST

static void target_up(void)
{
    ck_assert_int_eq(locust_test_target_start(&target, NULL), 0);
}

static void target_down(void)
{
    locust_test_target_stop(&target);
}

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("threads");
    tcase_add_unchecked_fixture(tc, target_up, target_down);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, runners_on_several_threads_at_once_count_exactly_and_share_nothing);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
