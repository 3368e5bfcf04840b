/*
 * Task semantics as specifications (docs/compatibility.md §7.2-§7.6, manual §4.4): weighted
 * choice, nested task sets and interrupt, sequences, the order of setup /
 * on_start / on_stop / teardown, waits, failures and stopping a user.
 */
#include "core/core.h"
#include "testutil.h"

#include <math.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- a trace of what happened, in order ------------------------------------ */

static char trace[4096];
static void note(const char *s)
{
    if (strlen(trace) + strlen(s) + 2 < sizeof trace) {
        if (trace[0]) strcat(trace, ",");
        strcat(trace, s);
    }
}

static locust_runner *new_runner(uint64_t seed)
{
    locust_runner *r;
    locust_runner_options o = {.seed = seed};
    ck_assert_int_eq(locust_runner_new(&r, &o), 0);
    trace[0] = 0;
    return r;
}

/* Runs `users` users until the runner quits (a task calls quit), with a 20 s guard. */
static void run_until_quit(locust_runner *r, unsigned users, double rate)
{
    ck_assert_int_eq(locust_runner_start(r, users, rate), 0);
    ck_assert_int_eq(locust_runner_run(r, 20.0), 0);
    ck_assert(locust_runner_quit_done(r));
}

/* ---- weighted choice ---------------------------------------------------------- */

static unsigned picks[3], total_picks;
static void count_pick(locust_ctx *ctx, int i)
{
    picks[i]++;
    if (++total_picks == 10000) locust_runner_quit(locust_ctx_runner(ctx));
}
static void pick_a(locust_ctx *ctx)
{
    count_pick(ctx, 0);
}
static void pick_b(locust_ctx *ctx)
{
    count_pick(ctx, 1);
}
static void pick_c(locust_ctx *ctx)
{
    count_pick(ctx, 2);
}

START_TEST(task_choice_converges_to_weights)
{
    static const locust_task tasks[] = {LOCUST_TASK_W(pick_a, 1), LOCUST_TASK_W(pick_b, 3),
                                        LOCUST_TASK_W(pick_c, 6), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Weighted", .tasks = tasks};
    static const locust_class cls = {.name = "User", .task_set = &ts};
    locust_runner *r = new_runner(1234);
    memset(picks, 0, sizeof picks);
    total_picks = 0;
    ck_assert_int_eq(locust_runner_add_class(r, &cls), 0);
    run_until_quit(r, 1, 100);
    ck_assert_uint_eq(total_picks, 10000);
    /* Each share within 2 points of its weight's share. */
    ck_assert(fabs(picks[0] / 100.0 - 10) <= 2);
    ck_assert(fabs(picks[1] / 100.0 - 30) <= 2);
    ck_assert(fabs(picks[2] / 100.0 - 60) <= 2);
    locust_runner_free(r);
}
END_TEST

static void never_task(locust_ctx *ctx)
{
    ck_abort_msg("a task with LOCUST_WEIGHT_NEVER ran");
}

START_TEST(list_form_gives_weight_one_and_never_excludes)
{
    /* Entries without .weight are Python's list form: weight 1 each. */
    static const locust_task tasks[] = {{.name = "a", .fn = pick_a},
                                        {.name = "b", .fn = pick_b},
                                        LOCUST_TASK_W(never_task, LOCUST_WEIGHT_NEVER),
                                        LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "List", .tasks = tasks};
    static const locust_class cls = {.name = "User", .task_set = &ts};
    locust_runner *r = new_runner(99);
    memset(picks, 0, sizeof picks);
    total_picks = 0;
    locust_runner_add_class(r, &cls);
    run_until_quit(r, 2, 100);
    ck_assert(fabs(picks[0] / 100.0 - 50) <= 2);
    ck_assert(fabs(picks[1] / 100.0 - 50) <= 2);
    locust_runner_free(r);
}
END_TEST

/* ---- nesting and interrupt ------------------------------------------------------------ */

static int sub_runs, parent_runs;
static void sub_task(locust_ctx *ctx)
{
    note("sub");
    ck_assert_ptr_nonnull(locust_parent(ctx));
    ck_assert_ptr_null(locust_parent(locust_parent(ctx)));
    if (++sub_runs % 2 == 0) locust_interrupt(ctx, true);
}
static void sub_start(locust_ctx *ctx)
{
    note("sub_start");
}
static void sub_stop(locust_ctx *ctx)
{
    note("sub_stop");
}
static const locust_task sub_tasks[] = {LOCUST_TASK(sub_task), LOCUST_TASKS_END};
static const locust_taskset sub_ts = {
    .name = "Sub", .tasks = sub_tasks, .on_start = sub_start, .on_stop = sub_stop};

static void parent_task(locust_ctx *ctx)
{
    note("parent");
    if (++parent_runs == 3) locust_runner_quit(locust_ctx_runner(ctx));
}

START_TEST(interrupt_returns_to_the_parent)
{
    /* A sequence makes the order deterministic: parent task, then the nested set. */
    static const locust_task tasks[] = {{.name = "parent", .fn = parent_task, .order = 1},
                                        {.taskset = &sub_ts, .order = 2},
                                        LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Root", .tasks = tasks, .sequential = true};
    static const locust_class cls = {.name = "User", .task_set = &ts};
    locust_runner *r = new_runner(1);
    sub_runs = parent_runs = 0;
    locust_runner_add_class(r, &cls);
    run_until_quit(r, 1, 10);
    /* The nested set runs until interrupt(), its on_stop runs, and the parent
     * continues; the third parent task quits, so no nested set follows. */
    ck_assert_str_eq(trace, "parent,sub_start,sub,sub,sub_stop,parent,sub_start,sub,sub,sub_stop,parent");
    locust_runner_free(r);
}
END_TEST

static void root_interrupt(locust_ctx *ctx)
{
    note("root");
    if (++parent_runs == 2) locust_runner_quit(locust_ctx_runner(ctx));
    locust_interrupt(ctx, false);
}
static char last_error[256];
static void on_error(const locust_event *ev, void *udata)
{
    snprintf(last_error, sizeof last_error, "%s | %s", ev->traceback, ev->message);
    note("error");
}

START_TEST(interrupt_in_the_root_is_reported)
{
    static const locust_task tasks[] = {LOCUST_TASK(root_interrupt), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Root", .tasks = tasks};
    static const locust_class cls = {.name = "User", .task_set = &ts};
    locust_runner *r = new_runner(1);
    parent_runs = 0;
    locust_runner_add_class(r, &cls);
    locust_on(r, LOCUST_EV_LOCUST_ERROR, on_error, NULL);
    run_until_quit(r, 1, 10);
    ck_assert_str_eq(trace, "root,error,root,error");
    ck_assert_str_eq(last_error,
                     "User > Root > root_interrupt | interrupt() called in the root task set, which "
                     "has no parent to return to");
    locust_runner_free(r);
}
END_TEST

/* ---- sequences ---------------------------------------------------------------------------- */

static int seq_count;
static void seq_first(locust_ctx *ctx)
{
    note("first");
}
static void seq_second(locust_ctx *ctx)
{
    note("second");
}
static void seq_third(locust_ctx *ctx)
{
    note("third");
    if (++seq_count == 2) locust_runner_quit(locust_ctx_runner(ctx));
}
static void seq_unordered(locust_ctx *ctx)
{
    note("unordered");
}

START_TEST(sequences_run_in_order_with_repeats)
{
    /* The spec's example (§7.3): second (order 2, weight 2), first (1),
     * unordered (no order = 1), third (3) run as first, unordered, second,
     * second, third, first, ... */
    static const locust_task tasks[] = {{.name = "second", .fn = seq_second, .order = 2, .weight = 2},
                                        LOCUST_SEQ_TASK(seq_first, 1),
                                        {.name = "unordered", .fn = seq_unordered},
                                        LOCUST_SEQ_TASK(seq_third, 3),
                                        LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Seq", .tasks = tasks, .sequential = true};
    static const locust_class cls = {.name = "User", .task_set = &ts};
    locust_runner *r = new_runner(1);
    seq_count = 0;
    locust_runner_add_class(r, &cls);
    run_until_quit(r, 1, 10);
    ck_assert_str_eq(trace, "first,unordered,second,second,third,first,unordered,second,second,third");
    locust_runner_free(r);
}
END_TEST

/* ---- the order of events (manual §4.4.3) --------------------------------------------------- */

static int order_tasks;
static void o_class_setup(locust_ctx *ctx)
{
    note("Locust setup");
}
static void o_class_teardown(locust_ctx *ctx)
{
    note("Locust teardown");
}
static void o_ts_setup(locust_ctx *ctx)
{
    note("TaskSet setup");
}
static void o_ts_teardown(locust_ctx *ctx)
{
    note("TaskSet teardown");
}
static void o_start(locust_ctx *ctx)
{
    note("on_start");
}
static void o_stop(locust_ctx *ctx)
{
    note("on_stop");
}
static void o_task(locust_ctx *ctx)
{
    note("task");
    if (++order_tasks == 2) locust_runner_quit(locust_ctx_runner(ctx));
}
static void o_quitting(const locust_event *ev, void *udata)
{
    note("quitting");
}

START_TEST(events_run_in_the_documented_order)
{
    static const locust_task tasks[] = {LOCUST_TASK(o_task), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Order",
                                      .tasks = tasks,
                                      .setup = o_ts_setup,
                                      .teardown = o_ts_teardown,
                                      .on_start = o_start,
                                      .on_stop = o_stop};
    static const locust_class cls = {
        .name = "User", .task_set = &ts, .setup = o_class_setup, .teardown = o_class_teardown};
    locust_runner *r = new_runner(1);
    order_tasks = 0;
    locust_runner_add_class(r, &cls);
    locust_on(r, LOCUST_EV_QUITTING, o_quitting, NULL);
    run_until_quit(r, 1, 10);
    ck_assert_str_eq(trace, "Locust setup,TaskSet setup,on_start,task,task,on_stop,TaskSet teardown,"
                            "Locust teardown,quitting");
    locust_runner_free(r);
}
END_TEST

static int setup_calls, users_started;
static void slow_setup(locust_ctx *ctx)
{
    setup_calls++;
    locust_sleep(ctx, 30);
}
static void count_start(locust_ctx *ctx)
{
    /* Every user starts only after the one setup has finished. */
    ck_assert_int_eq(setup_calls, 1);
    if (++users_started == 5) locust_runner_quit(locust_ctx_runner(ctx));
}

START_TEST(setup_runs_once_and_others_wait_for_it)
{
    static const locust_task tasks[] = {LOCUST_TASK(count_start), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Once", .tasks = tasks, .on_start = count_start};
    static const locust_class cls = {
        .name = "User", .task_set = &ts, .setup = slow_setup, .min_wait = 1000, .max_wait = 1000};
    locust_runner *r = new_runner(1);
    setup_calls = users_started = 0;
    locust_runner_add_class(r, &cls);
    run_until_quit(r, 5, 1000);
    ck_assert_int_eq(setup_calls, 1);
    locust_runner_free(r);
}
END_TEST

/* ---- waits ------------------------------------------------------------------------------------- */

static double stamps[8];
static int n_stamps;
static void stamp(locust_ctx *ctx)
{
    stamps[n_stamps++] = locust__mono();
    if (n_stamps == 6) locust_runner_quit(locust_ctx_runner(ctx));
}

START_TEST(wait_times_are_respected)
{
    static const locust_task tasks[] = {LOCUST_TASK(stamp), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Waits", .tasks = tasks};
    static const locust_class cls = {.name = "User", .task_set = &ts, .min_wait = 40, .max_wait = 60};
    locust_runner *r = new_runner(7);
    n_stamps = 0;
    locust_runner_add_class(r, &cls);
    run_until_quit(r, 1, 10);
    for (int i = 1; i < n_stamps; i++) {
        double ms = (stamps[i] - stamps[i - 1]) * 1000;
        ck_assert_msg(ms >= 39.0 && ms <= 75.0, "wait %d was %.2f ms, expected 40..60", i, ms);
    }
    locust_runner_free(r);
}
END_TEST

static void stamp_nested(locust_ctx *ctx)
{
    stamp(ctx);
}
static const locust_task fast_tasks[] = {LOCUST_TASK(stamp_nested), LOCUST_TASKS_END};
/* Unlike 0.9.0, a task set's own min/max wait apply without a wait function. */
static const locust_taskset fast_ts = {.name = "Fast", .tasks = fast_tasks, .min_wait = 10, .max_wait = 10};

START_TEST(task_set_wait_overrides_the_class)
{
    static const locust_task tasks[] = {{.taskset = &fast_ts}, LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Root", .tasks = tasks};
    static const locust_class cls = {.name = "User", .task_set = &ts, .min_wait = 5000, .max_wait = 5000};
    locust_runner *r = new_runner(7);
    n_stamps = 0;
    locust_runner_add_class(r, &cls);
    run_until_quit(r, 1, 10);
    for (int i = 1; i < n_stamps; i++) {
        double ms = (stamps[i] - stamps[i - 1]) * 1000;
        ck_assert_msg(ms >= 9.0 && ms <= 30.0, "wait %d was %.2f ms, expected 10", i, ms);
    }
    locust_runner_free(r);
}
END_TEST

static double fixed_wait(locust_ctx *ctx)
{
    return 20;
}

START_TEST(wait_function_is_used)
{
    static const locust_task tasks[] = {LOCUST_TASK(stamp), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "W", .tasks = tasks};
    static const locust_class cls = {.name = "User", .task_set = &ts, .wait = fixed_wait, .max_wait = 9999};
    locust_runner *r = new_runner(7);
    n_stamps = 0;
    locust_runner_add_class(r, &cls);
    run_until_quit(r, 1, 10);
    for (int i = 1; i < n_stamps; i++) {
        double ms = (stamps[i] - stamps[i - 1]) * 1000;
        ck_assert_msg(ms >= 19.0 && ms <= 40.0, "wait %d was %.2f ms, expected 20", i, ms);
    }
    locust_runner_free(r);
}
END_TEST

/* ---- failures, reschedule, stop ------------------------------------------------------------------ */

static int fail_runs;
static void failing(locust_ctx *ctx)
{
    note("try");
    if (++fail_runs == 3) locust_runner_quit(locust_ctx_runner(ctx));
    locust_fail(ctx, "boom %d", fail_runs);
    ck_abort_msg("locust_fail returned");
}

START_TEST(a_failing_task_fires_locust_error_and_the_user_goes_on)
{
    static const locust_task tasks[] = {LOCUST_TASK(failing), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Failing", .tasks = tasks};
    static const locust_class cls = {.name = "User", .task_set = &ts};
    locust_runner *r = new_runner(1);
    fail_runs = 0;
    locust_runner_add_class(r, &cls);
    locust_on(r, LOCUST_EV_LOCUST_ERROR, on_error, NULL);
    run_until_quit(r, 1, 10);
    ck_assert_str_eq(trace, "try,error,try,error,try,error");
    ck_assert_str_eq(last_error, "User > Failing > failing | boom 3");
    /* Task failures are in the exceptions table, never in the request stats. */
    ck_assert_uint_eq(locust_runner_exception_count(r), 3);
    locust_exception_info e;
    ck_assert_int_eq(locust_runner_exception(r, 0, &e), 0);
    ck_assert_str_eq(e.msg, "boom 1");
    ck_assert_str_eq(e.traceback, "User > Failing > failing");
    ck_assert_str_eq(e.nodes, "local");
    ck_assert_uint_eq(locust_stats_entry_count(locust_runner_stats(r)), 0);
    locust_runner_free(r);
}
END_TEST

static int stop_runs;
static void stopping(locust_ctx *ctx)
{
    note("stopping");
    stop_runs++;
    locust_stop_user(ctx);
}
static void after_stop(const locust_event *ev, void *udata) {}

START_TEST(a_user_can_stop_itself)
{
    static const locust_task tasks[] = {LOCUST_TASK(stopping), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Stopper", .tasks = tasks, .on_stop = o_stop};
    static const locust_class cls = {.name = "User", .task_set = &ts};
    locust_runner *r = new_runner(1);
    stop_runs = 0;
    locust_runner_add_class(r, &cls);
    locust_on(r, LOCUST_EV_QUITTING, after_stop, NULL);
    ck_assert_int_eq(locust_runner_start(r, 3, 1000), 0);
    /* With nothing left to do the loop ends on its own. */
    ck_assert_int_eq(locust_runner_run(r, 0), 0);
    ck_assert_int_eq(stop_runs, 3);
    ck_assert_uint_eq(locust_runner_user_count(r), 0);
    ck_assert_str_eq(trace, "stopping,on_stop,stopping,on_stop,stopping,on_stop");
    locust_runner_free(r);
}
END_TEST

static int resched_runs;
static void resched(locust_ctx *ctx)
{
    stamps[n_stamps++] = locust__mono();
    if (++resched_runs == 4) locust_runner_quit(locust_ctx_runner(ctx));
    locust_reschedule(ctx, true);
}

START_TEST(reschedule_immediately_skips_the_wait)
{
    static const locust_task tasks[] = {LOCUST_TASK(resched), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "R", .tasks = tasks};
    static const locust_class cls = {.name = "User", .task_set = &ts, .min_wait = 3000, .max_wait = 3000};
    locust_runner *r = new_runner(1);
    n_stamps = resched_runs = 0;
    locust_runner_add_class(r, &cls);
    run_until_quit(r, 1, 10);
    ck_assert((stamps[3] - stamps[0]) < 0.5);
    locust_runner_free(r);
}
END_TEST

static void scheduled(locust_ctx *ctx)
{
    note("scheduled");
}
static const locust_task scheduled_task = LOCUST_TASK(scheduled);
static int sched_runs;
static void scheduler(locust_ctx *ctx)
{
    note("scheduler");
    if (++sched_runs == 2) {
        locust_runner_quit(locust_ctx_runner(ctx));
        return;
    }
    ck_assert_int_eq(locust_schedule_task(ctx, &scheduled_task, false), 0);
    ck_assert_int_eq(locust_schedule_task(ctx, &scheduled_task, true), 0);
    locust_task bad = {.name = "bad"};
    ck_assert_int_eq(locust_schedule_task(ctx, &bad, false), LOCUST_EINVAL);
}

START_TEST(scheduled_tasks_run_before_the_next_choice)
{
    static const locust_task tasks[] = {LOCUST_TASK(scheduler), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "S", .tasks = tasks};
    static const locust_class cls = {.name = "User", .task_set = &ts};
    locust_runner *r = new_runner(1);
    sched_runs = 0;
    locust_runner_add_class(r, &cls);
    run_until_quit(r, 1, 10);
    ck_assert_str_eq(trace, "scheduler,scheduled,scheduled,scheduler");
    locust_runner_free(r);
}
END_TEST

typedef struct counter_data {
    int visits;
} counter_data;
static void use_data(locust_ctx *ctx)
{
    counter_data *d = locust_user_data(ctx);
    ck_assert_ptr_nonnull(d);
    if (++d->visits == 3) locust_runner_quit(locust_ctx_runner(ctx));
    ck_assert_ptr_null(locust_taskset_data(ctx));
    ck_assert_str_eq(locust_user_class(ctx)->name, "User");
    ck_assert_str_eq(locust_ctx_taskset(ctx)->name, "D");
    ck_assert_uint_eq(locust_user_id(ctx), 1);
    int64_t x = locust_random_int(ctx, 5, 7);
    ck_assert(x >= 5 && x <= 7);
    ck_assert_str_eq(locust_host(ctx), "http://override");
}

START_TEST(user_data_and_accessors)
{
    static const locust_task tasks[] = {LOCUST_TASK(use_data), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "D", .tasks = tasks};
    static const locust_class cls = {
        .name = "User", .task_set = &ts, .data_size = sizeof(counter_data), .host = "http://class"};
    locust_runner *r;
    locust_runner_options o = {.seed = 1, .host = "http://override"};
    ck_assert_int_eq(locust_runner_new(&r, &o), 0);
    locust_runner_add_class(r, &cls);
    run_until_quit(r, 1, 10);
    locust_runner_free(r);
}
END_TEST

static int sv[2];
static void write_later(struct ev_loop *loop, ev_timer *w, int revents)
{
    ck_assert_int_eq(write(sv[1], "x", 1), 1);
}
static void fd_task(locust_ctx *ctx)
{
    struct ev_loop *loop = locust_runner_loop(locust_ctx_runner(ctx));
    ev_timer t;
    ev_timer_init(&t, write_later, 0.03, 0.);
    ev_timer_start(loop, &t);
    double t0 = locust__mono();
    ck_assert_int_eq(locust_wait_fd(ctx, sv[0], LOCUST_READABLE, 2000), LOCUST_READABLE);
    ck_assert(locust__mono() - t0 >= 0.025);
    char c;
    ck_assert_int_eq(read(sv[0], &c, 1), 1);
    /* Nothing more to read: the timeout ends the wait. */
    t0 = locust__mono();
    ck_assert_int_eq(locust_wait_fd(ctx, sv[0], LOCUST_READABLE, 20), LOCUST_ETIMEDOUT);
    ck_assert(locust__mono() - t0 >= 0.015);
    ck_assert_int_eq(locust_wait_fd(ctx, sv[1], LOCUST_WRITABLE | LOCUST_READABLE, 0), LOCUST_WRITABLE);
    ck_assert_int_eq(locust_wait_fd(ctx, -1, LOCUST_READABLE, 0), LOCUST_EINVAL);
    ck_assert_int_eq(locust_wait_fd(ctx, sv[0], 0, 0), LOCUST_EINVAL);
    note("fd");
    locust_runner_quit(locust_ctx_runner(ctx));
}

START_TEST(wait_fd_yields_until_ready_or_timeout)
{
    static const locust_task tasks[] = {LOCUST_TASK(fd_task), LOCUST_TASKS_END};
    static const locust_taskset ts = {.name = "Fd", .tasks = tasks};
    static const locust_class cls = {.name = "User", .task_set = &ts};
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    locust_runner *r = new_runner(1);
    locust_runner_add_class(r, &cls);
    run_until_quit(r, 1, 10);
    ck_assert_str_eq(trace, "fd");
    close(sv[0]);
    close(sv[1]);
    locust_runner_free(r);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("tasks");
    TCase *tc = tcase_create("tasks");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, task_choice_converges_to_weights);
    tcase_add_test(tc, list_form_gives_weight_one_and_never_excludes);
    tcase_add_test(tc, interrupt_returns_to_the_parent);
    tcase_add_test(tc, interrupt_in_the_root_is_reported);
    tcase_add_test(tc, sequences_run_in_order_with_repeats);
    tcase_add_test(tc, events_run_in_the_documented_order);
    tcase_add_test(tc, setup_runs_once_and_others_wait_for_it);
    tcase_add_test(tc, wait_times_are_respected);
    tcase_add_test(tc, task_set_wait_overrides_the_class);
    tcase_add_test(tc, wait_function_is_used);
    tcase_add_test(tc, a_failing_task_fires_locust_error_and_the_user_goes_on);
    tcase_add_test(tc, a_user_can_stop_itself);
    tcase_add_test(tc, reschedule_immediately_skips_the_wait);
    tcase_add_test(tc, scheduled_tasks_run_before_the_next_choice);
    tcase_add_test(tc, user_data_and_accessors);
    tcase_add_test(tc, wait_fd_yields_until_ready_or_timeout);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
