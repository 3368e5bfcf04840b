/*
 * A small program for the distributed-mode tests: runs a liblocust master
 * or slave in its own process (locust-run may not exist yet), so that tests
 * can kill one with SIGKILL and Python masters can drive a C slave.
 *
 *   test_dist_node slave [--protocol 09|2] --port P [--master-host H]
 *                  [--host URL] [--classes A,B] [--count-file F]
 *                  [--report-interval S] [--grace S] [--fail-every N]
 *   test_dist_node master --port P [--expect N --users U --rate R
 *                  --run-time T] [--summary-file F] [--silent-limit S]
 *
 * A slave's users either GET "/" from --host (the demo target) or, without
 * --host, report a custom request each task. At exit it writes the number
 * of requests its users made to --count-file. A master writes its merged
 * totals and slave states to --summary-file. SIGTERM and SIGINT quit.
 * Exit status: 0, or 3 when a slave lost its master, 4 on a setup error.
 */
#include "dist/dist_internal.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long requests_made;
static int fail_every;

static void http_task(locust_ctx *ctx)
{
    requests_made++;
    locust_response *resp = locust_get(ctx, "/", NULL);
    locust_response_free(resp);
}

static void custom_task(locust_ctx *ctx)
{
    requests_made++;
    locust_report_success(locust_ctx_runner(ctx), "custom", "/work", 1.0 + (double)(requests_made % 7), 10);
    if (fail_every && requests_made % fail_every == 0) {
        locust_report_failure(locust_ctx_runner(ctx), "custom", "/work", 0, "planned request failure");
        locust_fail(ctx, "planned task failure %d", fail_every);
    }
}

static const locust_task http_tasks[] = {LOCUST_TASK(http_task), LOCUST_TASKS_END};
static const locust_task custom_tasks[] = {LOCUST_TASK(custom_task), LOCUST_TASKS_END};
static const locust_taskset http_ts = {.name = "HttpTasks", .tasks = http_tasks};
static const locust_taskset custom_ts = {.name = "CustomTasks", .tasks = custom_tasks};

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
    locust_runner_quit(w->data);
}

static const char *arg(int argc, char **argv, const char *name, const char *def)
{
    for (int i = 2; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) return argv[i + 1];
    return def;
}

static int run_slave(locust_runner *r, int argc, char **argv)
{
    const char *host = arg(argc, argv, "--host", NULL);
    const char *classes = arg(argc, argv, "--classes", "Dummy");
    fail_every = atoi(arg(argc, argv, "--fail-every", "0"));
    static locust_class cls[8];
    static char names[8][64];
    size_t n = 0;
    for (const char *p = classes; *p && n < 8;) {
        size_t len = strcspn(p, ",");
        snprintf(names[n], sizeof names[n], "%.*s", (int)len, p);
        cls[n] = (locust_class){.name = names[n],
                                .task_set = host ? &http_ts : &custom_ts,
                                .min_wait = 20,
                                .max_wait = 40,
                                .host = host};
        if (locust_runner_add_class(r, &cls[n]) != 0) return 4;
        n++;
        p += len;
        if (*p == ',') p++;
    }
    locust_slave_options so = {
        .master_host = arg(argc, argv, "--master-host", "127.0.0.1"),
        .master_port = atoi(arg(argc, argv, "--port", "5557")),
        .protocol =
            strcmp(arg(argc, argv, "--protocol", "09"), "2") == 0 ? LOCUST_PROTOCOL_2 : LOCUST_PROTOCOL_09,
    };
    int err = locust_slave_attach(r, &so);
    if (err) {
        fprintf(stderr, "slave: %s\n", locust_runner_last_error(r));
        return 4;
    }
    locust_runner_run(r, 0);
    const char *count_file = arg(argc, argv, "--count-file", NULL);
    if (count_file) {
        FILE *f = fopen(count_file, "w");
        if (f) {
            fprintf(f, "%ld\n", requests_made);
            fclose(f);
        }
    }
    return locust_slave_status(r) == 0 ? 0 : 3;
}

static int run_master(locust_runner *r, int argc, char **argv)
{
    static const locust_class dummy = {.name = "Dummy", .task_set = &custom_ts};
    locust_runner_add_class(r, &dummy);
    locust_master_options mo = {
        .bind_host = "127.0.0.1",
        .bind_port = atoi(arg(argc, argv, "--port", "5557")),
        .expect_slaves = (unsigned)atoi(arg(argc, argv, "--expect", "1")),
        .autostart = arg(argc, argv, "--users", NULL) != NULL,
        .autostart_users = (unsigned)atoi(arg(argc, argv, "--users", "0")),
        .autostart_rate = atof(arg(argc, argv, "--rate", "10")),
        .run_time = atof(arg(argc, argv, "--run-time", "0")),
    };
    int err = locust_master_attach(r, &mo);
    if (err) {
        fprintf(stderr, "master: %s\n", locust_runner_last_error(r));
        return 4;
    }
    locust_runner_run(r, 0);
    const char *summary = arg(argc, argv, "--summary-file", NULL);
    if (summary) {
        FILE *f = fopen(summary, "w");
        locust_entry_info t;
        if (f && locust_stats_total(locust_runner_stats(r), &t) == 0) {
            fprintf(f, "requests %llu\nfailures %llu\n", (unsigned long long)t.num_requests,
                    (unsigned long long)t.num_failures);
            for (size_t i = 0; i < locust_runner_slave_count(r); i++) {
                locust_slave_info si;
                if (locust_runner_slave(r, i, &si) == 0)
                    fprintf(f, "slave %s %s %u\n", si.id, si.state, si.user_count);
            }
        }
        if (f) fclose(f);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "slave") && strcmp(argv[1], "master"))) {
        fprintf(stderr, "usage: %s slave|master [options]\n", argv[0]);
        return 2;
    }
    locust_log_set(NULL, NULL, LOCUST_LOG_INFO);
    const char *v;
    if ((v = arg(argc, argv, "--report-interval", NULL))) locust__dist_timing_cfg.report_interval = atof(v);
    if ((v = arg(argc, argv, "--grace", NULL))) locust__dist_timing_cfg.master_lost_grace = atof(v);
    if ((v = arg(argc, argv, "--silent-limit", NULL))) locust__dist_timing_cfg.slave_silent_limit = atof(v);
    locust_runner *r;
    if (locust_runner_new(&r, NULL) != 0) return 4;
    ev_signal sigterm, sigint;
    ev_signal_init(&sigterm, on_signal, SIGTERM);
    ev_signal_init(&sigint, on_signal, SIGINT);
    sigterm.data = sigint.data = r;
    ev_signal_start(locust_runner_loop(r), &sigterm);
    ev_signal_start(locust_runner_loop(r), &sigint);
    ev_unref(locust_runner_loop(r));
    ev_unref(locust_runner_loop(r));
    int rc = strcmp(argv[1], "slave") == 0 ? run_slave(r, argc, argv) : run_master(r, argc, argv);
    ev_ref(locust_runner_loop(r));
    ev_ref(locust_runner_loop(r));
    ev_signal_stop(locust_runner_loop(r), &sigterm);
    ev_signal_stop(locust_runner_loop(r), &sigint);
    locust_runner_free(r);
    return rc;
}
