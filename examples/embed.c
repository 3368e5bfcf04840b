/*
 * Embedding liblocust in a program of your own: ten users load the host
 * given on the command line for five seconds, and the program prints the
 * statistics it reads through the API, then exits 0 when every request
 * succeeded.
 *
 *   cc -o embed examples/embed.c $(pkg-config --cflags --libs liblocust)
 *   ./embed http://127.0.0.1:8080 [SECONDS]
 */
#include <locust/locust.h>
#include <stdio.h>
#include <stdlib.h>

static void index_page(locust_ctx *ctx)
{
    locust_get(ctx, "/", NULL);
}

static void json_doc(locust_ctx *ctx)
{
    locust_get(ctx, "/json", NULL);
}

static const locust_task tasks[] = {LOCUST_TASK_W(index_page, 3), LOCUST_TASK(json_doc), LOCUST_TASKS_END};
static const locust_taskset browse = {.name = "Browse", .tasks = tasks};
static const locust_class visitor = {
    .name = "Visitor", .task_set = &browse, .min_wait = 100, .max_wait = 200};

static void print_row(const locust_stats *s, size_t i, const locust_entry_info *e)
{
    double p95 = 0;
    locust_stats_percentile(s, i, 0.95, &p95);
    printf("%-6s %-12s %8llu %8llu %10.2f %8.0f %8.0f %10.2f\n", e->method ? e->method : "", e->name,
           (unsigned long long)e->num_requests, (unsigned long long)e->num_failures, e->avg_response_time,
           e->median_response_time, p95, e->total_rps);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s HOST [SECONDS]   e.g. %s http://127.0.0.1:8080\n", argv[0], argv[0]);
        return 2;
    }
    double seconds = argc == 3 ? atof(argv[2]) : 5;
    if (!(seconds > 0)) {
        fprintf(stderr, "%s: SECONDS must be a number > 0, not '%s'\n", argv[0], argv[2]);
        return 2;
    }
    /* Only warnings and errors from the library. */
    locust_log_set(NULL, NULL, LOCUST_LOG_WARNING);

    locust_runner *r;
    locust_runner_options opts = {.host = argv[1]};
    int rc = locust_runner_new(&r, &opts);
    if (!rc) rc = locust_runner_add_class(r, &visitor);
    if (!rc) rc = locust_runner_start(r, 10, 10);
    if (rc) {
        fprintf(stderr, "%s: %s (%s)\n", argv[0], locust_strerror(rc), r ? locust_runner_last_error(r) : "");
        locust_runner_free(r);
        return 1;
    }
    /* Runs the loop until the time is up; the users' on_stop and the teardowns run before it returns. */
    locust_runner_run(r, seconds);

    const locust_stats *s = locust_runner_stats(r);
    size_t n = locust_stats_entry_count(s);
    printf("%-6s %-12s %8s %8s %10s %8s %8s %10s\n", "Method", "Name", "Requests", "Failures", "Avg (ms)",
           "Median", "95%", "Req/s");
    for (size_t i = 0; i < n; i++) {
        locust_entry_info e;
        if (locust_stats_entry(s, i, &e) == 0) print_row(s, i, &e);
    }
    locust_entry_info total;
    locust_stats_total(s, &total);
    print_row(s, n, &total);
    int ok = total.num_requests > 0 && total.num_failures == 0;
    locust_runner_free(r);
    return ok ? 0 : 1;
}
