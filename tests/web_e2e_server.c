/*
 * The server side of the web UI's end-to-end test: a runner with a small
 * website scenario and the web UI on 127.0.0.1, until SIGTERM or SIGINT.
 *
 *   web_e2e_server [--port N] [--port-file FILE] [--target URL]
 *
 * With --target (a locust-demo-target) the users browse it over HTTP, so
 * the page shows real traffic, a failing endpoint and a task exception.
 * Without it they report made-up requests as a custom client would.
 */
#include <ev.h>
#include <getopt.h>
#include <locust/locust.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void browse_index(locust_ctx *ctx)
{
    locust_get(ctx, "/", NULL);
}

static void browse_slow(locust_ctx *ctx)
{
    char url[32];
    snprintf(url, sizeof url, "/delay/%d", (int)locust_random_int(ctx, 5, 60));
    locust_get(ctx, url, &(locust_request_opts){.name = "/delay/[ms]"});
}

static void fetch_json(locust_ctx *ctx)
{
    locust_get(ctx, "/json", NULL);
}

static void broken_link(locust_ctx *ctx)
{
    locust_get(ctx, "/status/500", NULL);
}

static void checkout(locust_ctx *ctx)
{
    locust_post(ctx, "/echo", &(locust_request_opts){.form = (const char *const[]){"item", "42", NULL}});
    if (locust_random_int(ctx, 1, 4) == 1) locust_fail(ctx, "cart was empty after checkout");
}

static const locust_task web_tasks[] = {LOCUST_TASK_W(browse_index, 6), LOCUST_TASK_W(browse_slow, 3),
                                        LOCUST_TASK_W(fetch_json, 2),   LOCUST_TASK_W(checkout, 1),
                                        LOCUST_TASK_W(broken_link, 1),  LOCUST_TASKS_END};
static const locust_taskset web_set = {.name = "WebsiteTasks", .tasks = web_tasks};
static const locust_class web_user = {
    .name = "WebsiteUser", .task_set = &web_set, .min_wait = 100, .max_wait = 400};

/* Without a target: a custom client (manual ch. 8) reporting made-up timings. */
static void custom_call(locust_ctx *ctx)
{
    double ms = 20 + locust_random_double(ctx) * 80;
    locust_runner *r = locust_ctx_runner(ctx);
    if (locust_random_int(ctx, 1, 20) == 1)
        locust_report_failure(r, "rpc", "get_item", ms, "TimeoutError('deadline exceeded')");
    else
        locust_report_success(r, "rpc", locust_random_int(ctx, 0, 1) ? "get_item" : "list_items", ms, 512);
}

static const locust_task custom_tasks[] = {LOCUST_TASK(custom_call), LOCUST_TASKS_END};
static const locust_taskset custom_set = {.name = "RpcTasks", .tasks = custom_tasks};
static const locust_class custom_user = {
    .name = "RpcUser", .task_set = &custom_set, .min_wait = 50, .max_wait = 200};

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)loop;
    (void)revents;
    locust_runner_quit(w->data);
}

int main(int argc, char **argv)
{
    int port = 0;
    const char *port_file = NULL, *target = NULL;
    static const struct option opts[] = {
        {"port", required_argument, NULL, 'p'},
        {"port-file", required_argument, NULL, 'f'},
        {"target", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            port = atoi(optarg);
            break;
        case 'f':
            port_file = optarg;
            break;
        case 't':
            target = optarg;
            break;
        default:
            fprintf(stderr, "usage: web_e2e_server [--port N] [--port-file FILE] [--target URL]\n");
            return 2;
        }
    }
    /* The scenario's task failures are on purpose: only LOCUST_TEST_LOG shows the log. */
    locust_log_set(NULL, NULL, getenv("LOCUST_TEST_LOG") ? LOCUST_LOG_DEBUG : LOCUST_LOG_CRITICAL);
    locust_runner *r;
    locust_runner_options ro = {.host = target};
    int err = locust_runner_new(&r, &ro);
    if (!err) err = locust_runner_add_class(r, target ? &web_user : &custom_user);
    locust_web *w = NULL;
    if (!err) err = locust_web_new(&w, r, &(locust_web_options){.host = "127.0.0.1", .port = port});
    if (err) {
        fprintf(stderr, "web_e2e_server: %s (%s)\n", locust_strerror(err), locust_runner_last_error(r));
        locust_runner_free(r);
        return 1;
    }
    if (port_file) {
        /* Written whole under another name, then renamed: readers never see half a number. */
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%d\n", locust_web_port(w)) < 0 || fclose(f) != 0 ||
            rename(tmp, port_file) != 0) {
            fprintf(stderr, "web_e2e_server: cannot write %s\n", port_file);
            locust_runner_free(r);
            return 1;
        }
    }
    struct ev_loop *loop = locust_runner_loop(r);
    ev_signal sigterm, sigint;
    ev_signal_init(&sigterm, on_signal, SIGTERM);
    ev_signal_init(&sigint, on_signal, SIGINT);
    sigterm.data = sigint.data = r;
    ev_signal_start(loop, &sigterm);
    ev_signal_start(loop, &sigint);
    locust_runner_run(r, 0);
    ev_signal_stop(loop, &sigterm);
    ev_signal_stop(loop, &sigint);
    locust_runner_free(r);
    return 0;
}
