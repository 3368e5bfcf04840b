/*
 * locust-run: liblocust's command-line runner, Locust 0.9.0's `locust`
 * command for compiled scenarios. main() follows 0.9.0's order of
 * operations (docs/compatibility.md §5.1): options, logging, -V, the locustfile, -l, the
 * class selection, the task ratio, the run-time check, then the web UI or
 * the test itself, the periodic output, and the shutdown summary.
 *
 * Exit status: 0 when no request failed and every threshold passed; 3 when
 * a --threshold failed (whether or not requests failed); else 1 (or
 * --exit-code-on-error's value) when a request failed (the error report is
 * not empty); 1 when the scenario cannot be loaded or the test cannot start
 * or a report cannot be written; 2 for a bad command line or configuration
 * (a malformed --host, a --csv path that cannot be written; before anything
 * runs); 128 + the signal number when a second SIGINT or SIGTERM cuts the
 * shutdown short, and the signal itself when a task crashes (see
 * liblocust/core/crash.c).
 */
#include <errno.h>
#include <ev.h>
#include <limits.h>
#include <locust/locust.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "console.h"
#include "fdlimit.h"
#include "options.h"
#include "processes.h"
#include "reports.h"
#include "scenario.h"
#include "taskratio.h"

#define EXIT_USAGE     2
#define EXIT_THRESHOLD 3
#define LOG            "locust.main"

/* Room for a compiler's output in a load error. */
#define ERR_LEN (80 * 1024)

typedef struct app {
    cli_options o;
    cli_scenario sc;
    locust_runner *r;
    locust_web *web;
    FILE *logfile;
    cli_console console;
    ev_signal sigint, sigterm;
    ev_timer watch;          /* local --no-web: notices when every user has ended */
    cli_processes procs;     /* --processes: the local slaves */
    ev_timer procs_watch;    /* ... and a watch on them */
    cli_nofile_watch nofile; /* warns when the users asked for exceed the open-files limit */
    cli_reports reports;     /* history, 2.x CSV files, thresholds, HTML/JSON/JUnit */
    ev_timer autostop;       /* --autostart -t: stops the test, keeping the web UI */
    ev_timer autoquit;       /* --autoquit: quits once the test has stopped */
    bool autoquit_armed;
    int argc;
    char **argv;
    bool shutting_down;
} app;

/* Starts the graceful shutdown: users stop (on_stop runs), then teardowns, then the loop ends. */
static void shutdown_begin(app *a)
{
    if (a->shutting_down) return;
    a->shutting_down = true;
    locust_log(LOCUST_LOG_INFO, LOG, "Cleaning up runner...");
    int rc = locust_runner_quit(a->r);
    if (rc) locust_log(LOCUST_LOG_ERROR, LOG, "Could not stop the runner: %s", locust_strerror(rc));
    locust_log(LOCUST_LOG_INFO, LOG, "Running teardowns...");
}

/*
 * After the first signal, a second SIGINT or SIGTERM must work even if the
 * loop is stuck (in a slow or blocking on_stop or teardown), so it is no
 * longer left to libev: a plain handler ends the process at once.
 */
static void hard_exit(int sig)
{
    static const char int_msg[] = "Got SIGINT again: exiting at once, without the summary.\n";
    static const char term_msg[] = "Got SIGTERM again: exiting at once, without the summary.\n";
    const char *msg = sig == SIGINT ? int_msg : term_msg;
    ssize_t ignored = write(STDERR_FILENO, msg, sig == SIGINT ? sizeof int_msg - 1 : sizeof term_msg - 1);
    (void)ignored;
    _exit(128 + sig);
}

static void signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    app *a = w->data;
    const char *name = w->signum == SIGINT ? "SIGINT" : "SIGTERM";
    ev_signal_stop(loop, &a->sigint);
    ev_signal_stop(loop, &a->sigterm);
    struct sigaction sa = {.sa_handler = hard_exit};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    locust_log(LOCUST_LOG_INFO, LOG, "Got %s signal; stopping (send it again to exit at once)", name);
    shutdown_begin(a);
}

static void abort_test(void *udata)
{
    shutdown_begin(udata);
}

/* --autostart -t: the test stops at the run time, the web UI stays (as 2.x). */
static void autostop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    app *a = w->data;
    locust_log(LOCUST_LOG_INFO, LOG, "Time limit reached. Stopping Locust.");
    locust_runner_stop(a->r);
}

/* --autoquit N: polls for the end of the test, then quits N seconds later. */
static void autoquit_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    app *a = w->data;
    if (a->autoquit_armed) {
        shutdown_begin(a);
        return;
    }
    if (locust_runner_state_get(a->r) != LOCUST_STATE_STOPPED) return;
    a->autoquit_armed = true;
    locust_log(LOCUST_LOG_INFO, LOG, "The test has stopped: quitting in %d seconds (--autoquit)",
               a->o.autoquit);
    ev_timer_stop(loop, w);
    ev_timer_set(w, a->o.autoquit, 0.);
    ev_timer_start(loop, w);
}

static void watch_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    app *a = w->data;
    /* 0.9.0's --no-web run ends when every user greenlet has ended. */
    if (!a->shutting_down && locust_runner_state_get(a->r) == LOCUST_STATE_RUNNING &&
        locust_runner_user_count(a->r) == 0) {
        locust_log(LOCUST_LOG_INFO, "locust.runners", "All locusts dead");
        shutdown_begin(a);
    }
}

/*
 * --processes: a local slave that ends before the test does leaves the
 * master waiting or short of users. Once the runner quits (a signal, the
 * run time, the last user gone) the slaves are told to end, and do.
 */
static void procs_watch_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    app *a = w->data;
    bool expected = a->shutting_down || locust_runner_quitting(a->r);
    unsigned ended = cli_processes_watch(&a->procs, expected);
    if (!expected && ended == a->procs.n) {
        locust_log(LOCUST_LOG_ERROR, LOG, "Every local slave has ended: stopping");
        shutdown_begin(a);
    }
}

/* --processes N: this process is the master of N local slaves (see processes.h). */
static int prepare_processes(app *a)
{
    int port = cli_processes_port();
    if (port < 0) {
        locust_log(LOCUST_LOG_ERROR, LOG, "--processes: no free pair of loopback ports for the local master");
        return -1;
    }
    a->o.master = true;
    a->o.master_bind_host = "127.0.0.1";
    a->o.master_bind_port = port;
    a->o.expect_slaves = a->o.processes;
    return 0;
}

static int start_processes(app *a)
{
    char err[512];
    if (cli_processes_start(&a->procs, a->o.processes, a->o.master_bind_port, &a->o, a->sc.path, err,
                            sizeof err)) {
        locust_log(LOCUST_LOG_ERROR, LOG, "--processes: %s", err);
        return -1;
    }
    locust_log(LOCUST_LOG_INFO, LOG, "Started %u local slave processes", a->o.processes);
    ev_timer_init(&a->procs_watch, procs_watch_cb, 0.2, 0.2);
    a->procs_watch.data = a;
    ev_timer_start(locust_runner_loop(a->r), &a->procs_watch);
    return 0;
}

static int setup_logging(app *a)
{
    if (a->o.logfile) {
        a->logfile = fopen(a->o.logfile, "a");
        if (!a->logfile) {
            fprintf(stderr, "locust-run: cannot open the log file %s: %s\n", a->o.logfile, strerror(errno));
            return -1;
        }
    }
    locust_log_set(NULL, a->logfile, a->o.loglevel);
    return 0;
}

/* Keeps the classes named on the command line (each once, in file order). */
static int select_classes(app *a, const locust_class **out, size_t *n)
{
    char unknown[4096] = "";
    size_t off = 0;
    for (size_t i = 0; i < a->o.n_class_names; i++) {
        char want[256];
        int count;
        if (cli_class_arg(a->o.class_names[i], want, sizeof want, &count)) {
            locust_log(LOCUST_LOG_ERROR, LOG, "Bad class argument '%s': expected Class or Class=N (N users)",
                       a->o.class_names[i]);
            return -1;
        }
        bool found = false;
        for (size_t k = 0; k < a->sc.n_classes; k++)
            if (a->sc.classes[k]->name && strcmp(a->sc.classes[k]->name, want) == 0) found = true;
        bool repeat = false;
        for (size_t k = 0; k < i; k++)
            if (strcmp(a->o.class_names[k], a->o.class_names[i]) == 0) repeat = true;
        if (!found && !repeat && off < sizeof unknown)
            off += (size_t)snprintf(unknown + off, sizeof unknown - off, "%s%s", off ? ", " : "", want);
    }
    if (off) {
        locust_log(LOCUST_LOG_ERROR, LOG, "Unknown Locust(s): %s (in %s)", unknown, a->sc.path);
        return -1;
    }
    *n = 0;
    for (size_t k = 0; k < a->sc.n_classes; k++) {
        bool keep = a->o.n_class_names == 0;
        for (size_t i = 0; i < a->o.n_class_names && !keep; i++) {
            char name[256];
            int count;
            cli_class_arg(a->o.class_names[i], name, sizeof name, &count);
            keep = a->sc.classes[k]->name && strcmp(a->sc.classes[k]->name, name) == 0;
        }
        if (keep) out[(*n)++] = a->sc.classes[k];
    }
    return 0;
}

/* Applies the "Class=N" arguments as fixed counts. Returns 0, or -1 after logging why not. */
static int apply_class_counts(app *a)
{
    for (size_t i = 0; i < a->o.n_class_names; i++) {
        char name[256];
        int count;
        cli_class_arg(a->o.class_names[i], name, sizeof name, &count);
        if (count >= 0 && locust_runner_set_fixed_count(a->r, name, count)) {
            locust_log(LOCUST_LOG_ERROR, LOG, "%s", locust_runner_last_error(a->r));
            return -1;
        }
    }
    return 0;
}

/*
 * Puts the --stages shape in control (its text was checked when parsing).
 * With --rate the stages give rates (duration:rate[:pool], -c the pool of a
 * stage that gives none).
 */
static int set_stages(app *a)
{
    locust_stage st[LOCUST_MAX_STAGES];
    locust_rate_stage rst[LOCUST_MAX_STAGES];
    size_t n;
    char err[256];
    int rc;
    if (a->o.slave) {
        locust_log(LOCUST_LOG_WARNING, LOG,
                   "--stages is for the master or a single process; a slave ignores it");
        return 0;
    }
    if (a->o.rate > 0) {
        rc = locust_rate_stages_parse(a->o.stages, rst, LOCUST_MAX_STAGES, &n, err, sizeof err);
        if (!rc) rc = locust_runner_set_rate_stages(a->r, rst, n, a->o.clients);
    } else {
        rc = locust_stages_parse(a->o.stages, st, LOCUST_MAX_STAGES, &n, err, sizeof err);
        if (!rc) rc = locust_runner_set_stages(a->r, st, n);
    }
    if (rc) {
        locust_log(LOCUST_LOG_ERROR, LOG, "--stages: %s", rc == LOCUST_EINVAL ? err : locust_strerror(rc));
        return -1;
    }
    return 0;
}

/* Checks -t as 0.9.0 does (after the task ratio). Returns 0, or 1 after logging the error. */
static int check_run_time(app *a, uint64_t *seconds)
{
    *seconds = 0;
    if (!a->o.run_time) return 0;
    if (!a->o.no_web && !a->o.autostart) {
        /* 0.9.0's message, word for word (--headless is --no-web; --autostart is new). */
        locust_log(LOCUST_LOG_ERROR, LOG, "The --run-time argument can only be used together with --no-web");
        return 1;
    }
    if (cli_parse_timespan(a->o.run_time, seconds)) {
        locust_log(LOCUST_LOG_ERROR, LOG,
                   "Valid --run-time formats are: 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc.");
        return 1;
    }
    if (a->o.slave) {
        locust_log(LOCUST_LOG_ERROR, LOG,
                   "--run-time should be specified on the master node, and not on slave nodes");
        return 1;
    }
    return 0;
}

/*
 * --stop-timeout is the grace of this process's own users. A master runs
 * none, and cannot pass the value on to its slaves (the 0.9 protocol's hatch
 * message carries nil for it, and slaves ignore it): there it only sets how
 * long a quit waits for the slaves' final reports. Say so rather than let
 * the option look as if it stopped the slaves' users. The local slaves of
 * --processes are given the option.
 */
static void warn_stop_timeout_unused(const app *a)
{
    if (!a->o.stop_timeout_set) return;
    if (a->o.master && a->o.processes <= 1)
        locust_log(LOCUST_LOG_WARNING, LOG,
                   "--stop-timeout on a master only sets how long it waits for the slaves' final reports "
                   "(%g s + 3 s); give it to each slave as well",
                   a->o.stop_timeout);
}

/*
 * 2.x warns that --autostart means nothing without the web UI (--headless)
 * and on a worker; so does locust-run. Its --autoquit goes with it: a
 * headless run ends with its test, as 2.x's does apart from the wait.
 */
static void warn_autostart_unused(const app *a)
{
    if (a->o.autostart && (a->o.no_web || a->o.slave))
        locust_log(LOCUST_LOG_WARNING, LOG,
                   "Option --autostart%s is ignored for headless mode and worker process.",
                   a->o.autoquit >= 0 ? " (and its --autoquit)" : "");
}

/*
 * --csv: the files are written once before any user starts, so that a path
 * that cannot be written (a folder that does not exist, a read-only one)
 * ends the run at once, like any bad option, instead of a test whose
 * results go nowhere. Returns 0, or 1 after logging the path and the reason.
 */
static int check_csv(app *a)
{
    char err[PATH_MAX + 256];
    if (!a->o.csv_base) return 0;
    if (cli_csv_write(locust_runner_stats(a->r), a->o.csv_base, err, sizeof err) == 0) return 0;
    locust_log(LOCUST_LOG_ERROR, LOG, "option --csv: %s", err);
    return 1;
}

static int start_web(app *a)
{
    locust_web_options wo = {.host = a->o.web_host, .port = a->o.web_port, .auth = a->o.web_auth};
    int rc = locust_web_new(&a->web, a->r, &wo);
    if (rc) {
        locust_log(LOCUST_LOG_ERROR, LOG, "Could not start the web UI on %s:%d: %s",
                   *a->o.web_host ? a->o.web_host : "*", a->o.web_port, locust_strerror(rc));
        return -1;
    }
    locust_log(LOCUST_LOG_INFO, LOG, "Starting web monitor at %s:%d", *a->o.web_host ? a->o.web_host : "*",
               locust_web_port(a->web));
    return 0;
}

/* Sets the runner going in the chosen mode. Returns 0, or 1 after logging why not. */
static int start_mode(app *a, uint64_t run_time)
{
    int rc = 0;
    if (a->o.master) {
        locust_master_options mo = {
            .bind_host = a->o.master_bind_host,
            .bind_port = a->o.master_bind_port,
            .expect_slaves = a->o.expect_slaves,
            .autostart = a->o.no_web || a->o.autostart,
            .autostart_users = a->o.clients,
            .autostart_rate = a->o.hatch_rate,
            /* With the web UI kept (--autostart), the run time stops the test below. */
            .run_time = a->o.no_web ? (double)run_time : 0};
        if ((rc = locust_master_attach(a->r, &mo))) {
            locust_log(LOCUST_LOG_ERROR, LOG, "Could not start the master on %s:%d: %s (%s)",
                       a->o.master_bind_host, a->o.master_bind_port, locust_strerror(rc),
                       locust_runner_last_error(a->r));
            return 1;
        }
        /* The master arms the run time (and logs it) when it sends the hatch jobs, as 0.9.0 does. */
    } else if (a->o.slave) {
        locust_slave_options so = {.master_host = a->o.master_host,
                                   .master_port = a->o.master_port,
                                   .protocol =
                                       a->o.master_protocol == 2 ? LOCUST_PROTOCOL_2 : LOCUST_PROTOCOL_09};
        if ((rc = locust_slave_attach(a->r, &so))) {
            locust_log(LOCUST_LOG_ERROR, LOG, "Could not connect to the master at %s:%d: %s (%s)",
                       a->o.master_host, a->o.master_port, locust_strerror(rc),
                       locust_runner_last_error(a->r));
            return 1;
        }
    } else if (a->o.no_web || a->o.autostart) {
        /* The open-files check is the locust_start_hatching listener's (cli_nofile_watch_start). */
        locust_shape_info si;
        locust_runner_shape_info(a->r, &si);
        if (si.configured) {
            /* A shape decides the user count: -c and -r are not used. */
            if ((rc = locust_runner_shape_start(a->r, true))) {
                locust_log(LOCUST_LOG_ERROR, LOG, "Could not start the shape: %s",
                           locust_runner_last_error(a->r));
                return 1;
            }
        } else if ((rc = locust_runner_start(a->r, a->o.clients, a->o.hatch_rate))) {
            locust_log(LOCUST_LOG_ERROR, LOG, "Could not start %u users: %s (%s)", a->o.clients,
                       locust_strerror(rc), locust_runner_last_error(a->r));
            return 1;
        }
        if (run_time)
            locust_log(LOCUST_LOG_INFO, LOG, "Run time limit set to %llu seconds",
                       (unsigned long long)run_time);
        if (a->o.no_web) {
            ev_timer_init(&a->watch, watch_cb, 0.1, 0.1);
            a->watch.data = a;
            ev_timer_start(locust_runner_loop(a->r), &a->watch);
        }
    }
    if (a->o.autostart && !a->o.no_web && !a->o.slave && run_time) {
        ev_timer_init(&a->autostop, autostop_cb, (double)run_time, 0.);
        a->autostop.data = a;
        ev_timer_start(locust_runner_loop(a->r), &a->autostop);
    }
    if (a->o.autostart && !a->o.no_web && a->o.autoquit >= 0 && !a->o.slave) {
        ev_timer_init(&a->autoquit, autoquit_cb, 0.5, 0.5);
        a->autoquit.data = a;
        ev_timer_start(locust_runner_loop(a->r), &a->autoquit);
    }
    return 0;
}

/* --rate: the open model. A master (and --processes) splits the rate over its slaves; a slave takes its share
 * from the master's hatch message. */
static int set_open_model(app *a)
{
    if (a->o.slave && a->o.master_protocol == 2) {
        /* A Locust 2.x master knows no rate: it sends user counts only, so each worker keeps its own. */
        locust_log(
            LOCUST_LOG_WARNING, LOG,
            "--rate under a Locust 2.x master: this worker starts %g task runs/s of its own, from a pool "
            "of the users the master gives it (a 2.x master does not split a rate: N workers make N x "
            "%g runs/s), and the master shows service times only",
            a->o.rate, a->o.rate);
    } else if (a->o.slave) {
        locust_log(LOCUST_LOG_WARNING, LOG,
                   "--rate is ignored on a slave: the master sends each slave its share");
        return 0;
    }
    int rc = locust_runner_set_rate(a->r, a->o.rate);
    if (rc) locust_log(LOCUST_LOG_ERROR, LOG, "--rate: %s", locust_runner_last_error(a->r));
    return rc ? 1 : 0;
}

static void stop_watchers(app *a)
{
    struct ev_loop *loop = locust_runner_loop(a->r);
    if (a->console.runner) cli_console_stop(&a->console);
    if (ev_is_active(&a->watch)) ev_timer_stop(loop, &a->watch);
    if (ev_is_active(&a->procs_watch)) ev_timer_stop(loop, &a->procs_watch);
    if (ev_is_active(&a->autostop)) ev_timer_stop(loop, &a->autostop);
    if (ev_is_active(&a->autoquit)) ev_timer_stop(loop, &a->autoquit);
    cli_reports_stop(&a->reports);
    if (ev_is_active(&a->sigint)) ev_signal_stop(loop, &a->sigint);
    if (ev_is_active(&a->sigterm)) ev_signal_stop(loop, &a->sigterm);
}

/* Everything after loading: returns the exit status. */
static int run(app *a)
{
    const locust_class *selected[1024];
    size_t n = 0;
    if (a->o.list) {
        printf("Available Locusts:\n");
        for (size_t k = 0; k < a->sc.n_classes; k++)
            printf("    %s\n", a->sc.classes[k]->name ? a->sc.classes[k]->name : "(unnamed)");
        return 0;
    }
    if (a->sc.n_classes == 0) {
        locust_log(LOCUST_LOG_ERROR, LOG, "No Locust class found! (%s declares none in LOCUST_SCENARIO)",
                   a->sc.path);
        return 1;
    }
    if (select_classes(a, selected, &n)) return 1;

    char tags[2048], exclude_tags[2048];
    locust_runner_options ro = cli_runner_options(&a->o);
    ro.tags = cli_options2x_tags(&a->o, false, tags, sizeof tags);
    ro.exclude_tags = cli_options2x_tags(&a->o, true, exclude_tags, sizeof exclude_tags);
    int rc = locust_runner_new(&a->r, &ro);
    if (rc) {
        locust_log(LOCUST_LOG_ERROR, LOG, "Could not create the runner: %s", locust_strerror(rc));
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        if ((rc = locust_runner_add_class(a->r, selected[i]))) {
            locust_log(LOCUST_LOG_ERROR, LOG, "%s: invalid locust class: %s", a->sc.path,
                       locust_runner_last_error(a->r));
            /* A malformed .host is a bad host like a malformed --host (exit 2); the rest of an
             * invalid class is a scenario that cannot be loaded (exit 1). */
            const char *host = selected[i]->host;
            return host && *host && locust_url_check(host, NULL, 0) != 0 ? EXIT_USAGE : 1;
        }
    }
    if (a->o.rate > 0 && set_open_model(a)) return 1;
    if (apply_class_counts(a)) return 1;
    char err[1024];
    if (a->o.show_task_ratio || a->o.show_task_ratio_json) {
        rc = a->o.show_task_ratio ? cli_task_ratio_print(stdout, selected, n, a->r, err, sizeof err)
                                  : cli_task_ratio_json(stdout, selected, n, a->r, err, sizeof err);
        if (rc) locust_log(LOCUST_LOG_ERROR, LOG, "%s: cannot show the task ratio: %s", a->sc.path, err);
        return rc ? 1 : 0;
    }
    uint64_t run_time;
    if (check_run_time(a, &run_time)) return 1;
    if (check_csv(a)) return EXIT_USAGE;
    if (a->sc.scenario->init && (rc = a->sc.scenario->init(a->r))) {
        locust_log(LOCUST_LOG_ERROR, LOG, "%s: the scenario's init function failed: %s", a->sc.path,
                   locust_strerror(rc));
        return 1;
    }
    if (a->o.stages && set_stages(a)) return 1;
    if (!a->o.no_web || a->o.slave) {
        /* The user count is not known yet; still lift the limit for what comes. */
        uint64_t hard;
        cli_raise_nofile(&hard);
    }
    /* Whoever starts a test here (the command line, the web UI, a master) is warned alike. */
    if (!a->o.master && a->o.processes <= 1 && (rc = cli_nofile_watch_start(&a->nofile, a->r))) {
        locust_log(LOCUST_LOG_ERROR, LOG, "Could not watch the open-files limit: %s", locust_strerror(rc));
        return 1;
    }
    if (!a->o.no_web && !a->o.slave && start_web(a)) return 1;
    locust_log(LOCUST_LOG_INFO, LOG, "Starting Locust %s (liblocust, Locust 0.9.0 compatible)",
               locust_version());
    warn_stop_timeout_unused(a);
    warn_autostart_unused(a);
    if (a->o.processes > 1 && prepare_processes(a)) return 1;
    if (cli_reports_start(&a->reports, a->r, &a->o, a->argc, a->argv, abort_test, a)) return 1;
    if (start_mode(a, run_time)) return 1;
    if (a->o.processes > 1 && start_processes(a)) return 1;

    struct ev_loop *loop = locust_runner_loop(a->r);
    a->console.runner = a->r;
    a->console.out = stderr;
    a->console.csv_base = a->o.csv_base;
    a->console.csv_interval = a->o.csv_interval;
    a->console.after_csv = cli_reports_write_csv;
    a->console.after_csv_udata = &a->reports;
    a->console.print_periodic = !a->o.only_summary && (a->o.print_stats || (a->o.no_web && !a->o.slave));
    cli_console_start(&a->console);
    ev_signal_init(&a->sigint, signal_cb, SIGINT);
    ev_signal_init(&a->sigterm, signal_cb, SIGTERM);
    a->sigint.data = a->sigterm.data = a;
    ev_signal_start(loop, &a->sigint);
    ev_signal_start(loop, &a->sigterm);

    bool local_run_time = !a->o.master && !a->o.slave && a->o.no_web;
    if (!a->o.no_web && !a->o.slave && !a->o.autostart && (a->o.n_thresholds || a->o.html_file))
        locust_log(LOCUST_LOG_INFO, LOG,
                   "Thresholds and reports are judged and written when locust-run quits");
    locust_runner_run(a->r, local_run_time ? (double)run_time : 0);
    if (!locust_runner_quit_done(a->r)) {
        /* The loop ran dry without a quit (nothing left to do): finish properly. */
        shutdown_begin(a);
        locust_runner_run(a->r, 0);
    }
    stop_watchers(a);
    /* The master told its local slaves to quit; give them time to. */
    if (a->procs.n) cli_processes_stop(&a->procs, 10.0);
    cli_console_summary(&a->console);
    bool write_failed;
    size_t failed_thresholds = cli_reports_finish(&a->reports, a->console.out, &write_failed);
    /* Order of precedence: a failed threshold (3), then failed requests (1 or --exit-code-on-error). */
    int code = locust_stats_error_count(locust_runner_stats(a->r)) > 0 ? a->o.exit_code_on_error : 0;
    if (failed_thresholds)
        code = EXIT_THRESHOLD;
    else if (write_failed && code == 0)
        code = 1;
    if (a->o.slave && (rc = locust_slave_status(a->r)) != 0) {
        locust_log(LOCUST_LOG_ERROR, LOG, "The connection to the master at %s:%d ended: %s", a->o.master_host,
                   a->o.master_port, locust_strerror(rc));
        code = 1;
    }
    if (locust_runner_exit_code(a->r) >= 0) code = locust_runner_exit_code(a->r); /* a listener's choice */
    locust_log(LOCUST_LOG_INFO, LOG, "Shutting down (exit code %d), bye.", code);
    return code;
}

/*
 * Logs a load error. A log record holds a line or two, so the compiler's
 * output that may follow the first line goes to stderr as it is.
 */
static void log_load_error(const char *err)
{
    size_t first = strcspn(err, "\n");
    locust_log(LOCUST_LOG_ERROR, LOG, "%.*s", (int)first, err);
    if (err[first] && err[first + 1]) {
        fputs(err + first + 1, stderr);
        if (err[strlen(err) - 1] != '\n') fputc('\n', stderr);
    }
}

static int run_program(int argc, char **argv, int all_argc, char **all_argv, char *err);

int main(int argc, char **argv)
{
    static char err[ERR_LEN];
    int all_argc = 0;
    char **all_argv = NULL;
    if (cli_config_argv(argc, argv, &all_argc, &all_argv, err, sizeof err)) {
        fprintf(stderr,
                "Usage: locust-run [options] [LocustClass [LocustClass2 ... ]]\n\nlocust-run: error: %s\n"
                "Try 'locust-run --help' for more information.\n",
                err);
        return EXIT_USAGE;
    }
    /* The options point into all_argv: it lives until the program ends. */
    int code = run_program(argc, argv, all_argc, all_argv, err);
    cli_config_argv_free(all_argc, all_argv, argc);
    return code;
}

static int run_program(int argc, char **argv, int all_argc, char **all_argv, char *err)
{
    static app a;
    if (cli_options_parse(&a.o, all_argc, all_argv, err, ERR_LEN)) {
        cli_config_blame(all_argc, all_argv, err, ERR_LEN);
        fprintf(stderr,
                "Usage: locust-run [options] [LocustClass [LocustClass2 ... ]]\n\nlocust-run: error: %s\n"
                "Try 'locust-run --help' for more information.\n",
                err);
        return EXIT_USAGE;
    }
    a.argc = argc;
    a.argv = argv;
    if (a.o.help) {
        cli_options_help(stdout);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    if (setup_logging(&a)) return 1;
    if (a.o.version) {
        printf("locust-run %s (liblocust %s, Locust 0.9.0 compatible)\n", LOCUST_VERSION_STRING,
               locust_version());
        return 0;
    }
    char *path = cli_find_locustfile(a.o.locustfile, err, ERR_LEN);
    if (!path) {
        log_load_error(err);
        return 1;
    }
    int code = 1;
    if (cli_scenario_load(&a.sc, path, err, ERR_LEN)) {
        log_load_error(err);
    } else {
        code = run(&a);
        if (a.r) stop_watchers(&a);
        if (a.procs.n) cli_processes_stop(&a.procs, 0);
        locust_web_free(a.web);
        cli_reports_free(&a.reports);
        locust_runner_free(a.r);
        cli_scenario_close(&a.sc);
    }
    free(path);
    fflush(stdout);
    if (a.logfile) fclose(a.logfile);
    return code;
}
