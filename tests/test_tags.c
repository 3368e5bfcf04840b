/*
 * Locust 2.x's tags as specifications: --tags keeps tasks with one of the
 * tags, --exclude-tags drops tasks with any of them, a tagged task set tags
 * all it holds, a nested task set left empty is skipped, and a class left
 * with no task is an error naming it.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

static unsigned ran[4], total;
static void count(locust_ctx *ctx, int i)
{
    ran[i]++;
    if (++total == 400) locust_runner_quit(locust_ctx_runner(ctx));
}
static void browse(locust_ctx *ctx)
{
    count(ctx, 0);
}
/* The cart's tasks go back to the shop after each run (interrupt). */
static void checkout(locust_ctx *ctx)
{
    count(ctx, 1);
    locust_interrupt(ctx, true);
}
static void pay(locust_ctx *ctx)
{
    count(ctx, 2);
    locust_interrupt(ctx, true);
}
static void untagged(locust_ctx *ctx)
{
    count(ctx, 3);
}

/* Shop: browse [read], pay [write, slow] inside a task set tagged "cart",
 * and an untagged task. Checkout's entry is tagged "checkout". */
static const locust_task cart_tasks[] = {{.name = "checkout", .fn = checkout},
                                         {.name = "pay", .fn = pay, .tags = "write, slow"},
                                         LOCUST_TASKS_END};
static const locust_taskset cart_ts = {.name = "Cart", .tasks = cart_tasks, .tags = "cart"};
static const locust_task shop_tasks[] = {{.name = "browse", .fn = browse, .tags = "read"},
                                         {.taskset = &cart_ts, .tags = "checkout"},
                                         {.name = "untagged", .fn = untagged},
                                         LOCUST_TASKS_END};
static const locust_taskset shop_ts = {.name = "Shop", .tasks = shop_tasks};
static const locust_class shop = {.name = "Shopper", .task_set = &shop_ts};

static void leave_loop(locust_ctx *ctx)
{
    locust_interrupt(ctx, true);
}

/* A task set that holds itself (and a task tagged "x"). */
static const locust_taskset loop_ts;
static const locust_task loop_tasks[] = {{.name = "again", .taskset = &loop_ts, .tags = "loop"},
                                         {.name = "leave", .fn = leave_loop, .tags = "x"},
                                         LOCUST_TASKS_END};
static const locust_taskset loop_ts = {.name = "Loop", .tasks = loop_tasks};

static locust_runner *runner_with(const char *tags, const char *exclude, int expect)
{
    locust_runner *r;
    locust_runner_options o = {.seed = 3, .tags = tags, .exclude_tags = exclude};
    ck_assert_int_eq(locust_runner_new(&r, &o), 0);
    ck_assert_int_eq(locust_runner_add_class(r, &shop), expect);
    return r;
}

/* Runs one user for 400 tasks and names the tasks that ran at all, in the shop's order. */
static const char *tasks_run(locust_runner *r)
{
    static const char *const names[] = {"browse", "checkout", "pay", "untagged"};
    static char out[64];
    memset(ran, 0, sizeof ran);
    total = 0;
    ck_assert_int_eq(locust_runner_start(r, 1, 10), 0);
    ck_assert_int_eq(locust_runner_run(r, 20.0), 0);
    ck_assert_uint_eq(total, 400);
    out[0] = '\0';
    for (int i = 0; i < 4; i++)
        if (ran[i] > 0)
            snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", *out ? " " : "", names[i]);
    return out;
}

START_TEST(tags_keep_only_tasks_with_one_of_them)
{
    locust_runner *r = runner_with("read slow", NULL, 0);
    /* browse (read) and pay (slow) run; checkout and the untagged task never. */
    ck_assert_str_eq(tasks_run(r), "browse pay");
    locust_runner_free(r);
}
END_TEST

START_TEST(a_tagged_task_set_tags_all_it_holds)
{
    /* "cart" is on the task set's definition, "checkout" on its entry: both reach its tasks. */
    const char *filters[] = {"cart", "checkout"};
    for (int i = 0; i < 2; i++) {
        locust_runner *r = runner_with(filters[i], NULL, 0);
        ck_assert_str_eq(tasks_run(r), "checkout pay");
        locust_runner_free(r);
    }
}
END_TEST

START_TEST(exclude_tags_drop_tasks_and_empty_task_sets)
{
    locust_runner *r = runner_with(NULL, "write", 0);
    /* pay (write) never runs; the rest does. */
    ck_assert_str_eq(tasks_run(r), "browse checkout untagged");
    /* Excluding the task set's tag leaves it empty: it is skipped entirely. */
    ck_assert_int_eq(locust_runner_set_tags(r, NULL, "cart"), 0);
    ck_assert(!locust_runner_task_enabled(r, &shop_ts, &shop_tasks[1]));
    ck_assert(locust_runner_task_enabled(r, &shop_ts, &shop_tasks[0]));
    locust_runner_free(r);
}
END_TEST

START_TEST(a_class_left_without_tasks_is_an_error_naming_it)
{
    locust_runner *r = runner_with("nosuchtag", NULL, LOCUST_ECLASS);
    ck_assert_str_eq(locust_runner_last_error(r),
                     "class 'Shopper' has no task left after filtering by tags (--tags nosuchtag, "
                     "--exclude-tags (none))");
    ck_assert_uint_eq(locust_runner_class_count(r), 0);
    locust_runner_free(r);

    /* Through the API: refused, and the previous filter stays in force. */
    r = runner_with("read", NULL, 0);
    ck_assert_int_eq(locust_runner_set_tags(r, "write", "slow"), LOCUST_ECLASS);
    ck_assert(strstr(locust_runner_last_error(r), "class 'Shopper' has no task left") != NULL);
    ck_assert_str_eq(locust_runner_tags(r, false), "read");
    ck_assert_ptr_null(locust_runner_tags(r, true));
    ck_assert_str_eq(tasks_run(r), "browse");
    ck_assert_uint_eq(ran[0], 400);
    locust_runner_free(r);
}
END_TEST

START_TEST(tags_change_only_between_tests)
{
    locust_runner *r = runner_with(NULL, NULL, 0);
    ck_assert_int_eq(locust_runner_start(r, 1, 10), 0);
    ck_assert_int_eq(locust_runner_set_tags(r, "read", NULL), LOCUST_ESTATE);
    ck_assert_int_eq(locust_runner_stop(r), 0);
    ck_assert_int_eq(locust_runner_run(r, 0.5), 0);
    ck_assert_int_eq(locust_runner_set_tags(r, "read", NULL), 0);
    ck_assert_int_eq(locust_runner_set_tags(r, "", ""), 0);
    ck_assert_ptr_null(locust_runner_tags(r, false));
    /* No filter again: every task is back. */
    for (int i = 0; i < 3; i++)
        ck_assert(locust_runner_task_enabled(r, &shop_ts, &shop_tasks[i]));
    locust_runner_free(r);
}
END_TEST

START_TEST(a_task_set_holding_itself_is_filtered)
{
    static const locust_task root_tasks[] = {
        {.taskset = &loop_ts}, {.name = "browse", .fn = browse}, LOCUST_TASKS_END};
    static const locust_taskset root_ts = {.name = "Root", .tasks = root_tasks};
    static const locust_class cls = {.name = "Looper", .task_set = &root_ts};
    locust_runner *r;
    locust_runner_options o = {.exclude_tags = "x"};
    ck_assert_int_eq(locust_runner_new(&r, &o), 0);
    /* Loop holds only itself once "leave" is excluded: it is empty and skipped. */
    ck_assert_int_eq(locust_runner_add_class(r, &cls), 0);
    ck_assert(!locust_runner_task_enabled(r, &root_ts, &root_tasks[0]));
    ck_assert(locust_runner_task_enabled(r, &root_ts, &root_tasks[1]));
    locust_runner_free(r);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("tags");
    TCase *tc = tcase_create("tags");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, tags_keep_only_tasks_with_one_of_them);
    tcase_add_test(tc, a_tagged_task_set_tags_all_it_holds);
    tcase_add_test(tc, exclude_tags_drop_tasks_and_empty_task_sets);
    tcase_add_test(tc, a_class_left_without_tasks_is_an_error_naming_it);
    tcase_add_test(tc, tags_change_only_between_tests);
    tcase_add_test(tc, a_task_set_holding_itself_is_filtered);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
