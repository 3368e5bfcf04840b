/*
 * Nested task sets (manual §4.2.3): a user browses the index page or enters
 * the forum, where it reads threads, starts one now and then, and leaves the
 * forum again with locust_interrupt() (Python's self.interrupt()). Without
 * the interrupt the user would never leave the forum.
 *
 *   locust-run -f examples/nested.c --host http://127.0.0.1:8080 --show-task-ratio
 */
#include <locust/locust.h>
#include <stdio.h>

/* Each forum visit counts the threads read in the task set's own data. */
typedef struct forum_visit {
    int threads_read;
} forum_visit;

static void read_thread(locust_ctx *ctx)
{
    forum_visit *v = locust_taskset_data(ctx);
    char url[64];
    snprintf(url, sizeof url, "/echo?thread=%d", (int)locust_random_int(ctx, 1, 500));
    locust_get(ctx, url, &(locust_request_opts){.name = "/forum/thread"});
    v->threads_read++;
}

static void new_thread(locust_ctx *ctx)
{
    static const char *const form[] = {"title", "Hello", "body", "First post", NULL};
    locust_post(ctx, "/echo", &(locust_request_opts){.name = "/forum/new", .form = form});
}

/* Leaves the forum; the parent picks its next task at once (reschedule). */
static void stop(locust_ctx *ctx)
{
    locust_interrupt(ctx, true);
}

static void enter_forum(locust_ctx *ctx)
{
    locust_get(ctx, "/echo?page=forum", &(locust_request_opts){.name = "/forum"});
}

static const locust_task forum_tasks[] = {
    LOCUST_TASK_W(read_thread, 20),
    LOCUST_TASK_W(new_thread, 1),
    LOCUST_TASK_W(stop, 5),
    LOCUST_TASKS_END,
};

static const locust_taskset forum_page = {
    .name = "ForumPage",
    .tasks = forum_tasks,
    .data_size = sizeof(forum_visit),
    .on_start = enter_forum,
};

static void index_page(locust_ctx *ctx)
{
    locust_get(ctx, "/", NULL);
}

/* Python's tasks = {ForumPage: 10} plus an @task index. */
static const locust_task user_tasks[] = {
    LOCUST_SUBTASKS(forum_page, 10),
    LOCUST_TASK(index_page),
    LOCUST_TASKS_END,
};

static const locust_taskset user_behaviour = {.name = "UserBehaviour", .tasks = user_tasks};

static const locust_class forum_user = {
    .name = "ForumUser", .task_set = &user_behaviour, .min_wait = 100, .max_wait = 500};

LOCUST_SCENARIO(NULL, &forum_user);
