/*
 * When and where locust-run writes the reports of liblocust's report layer
 * (locust/report.h); the formats themselves live there.
 */
#include "reports.h"

#include "file_write.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#define LOG "locust.main"

/* Writes a whole file (cli_write_file), logging a failure. */
static int write_file(cli_reports *c, const char *path, int (*write)(void *c, FILE *f))
{
    char err[PATH_MAX + 256];
    int rc = cli_write_file(path, write, c, err, sizeof err);
    if (rc) locust_log(LOCUST_LOG_ERROR, LOG, "%s", err);
    return rc;
}

static int failures_csv(void *udata, FILE *f)
{
    cli_reports *c = udata;
    return locust_csv2_failures(locust_runner_stats(c->runner), f);
}

static int exceptions_csv(void *udata, FILE *f)
{
    cli_reports *c = udata;
    return locust_csv2_exceptions(c->runner, f);
}

int cli_reports_write_csv(void *udata, char *err, size_t errlen)
{
    cli_reports *c = udata;
    if (!c->runner || !c->o->csv_base || c->o->slave) return 0;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s_failures.csv", c->o->csv_base);
    int rc = cli_write_file(path, failures_csv, c, err, errlen);
    if (rc) return rc;
    snprintf(path, sizeof path, "%s_exceptions.csv", c->o->csv_base);
    return cli_write_file(path, exceptions_csv, c, err, errlen);
}

/* Appends one interval's rows to a history file; a file that cannot be written is closed (logged once). */
static void append_rows(cli_reports *c, FILE **f, int (*rows)(locust_runner *, double, bool, FILE *),
                        const char *suffix, double now)
{
    if (!*f || (rows(c->runner, now, c->o->csv_full_history, *f) == 0 && fflush(*f) == 0)) return;
    locust_log(LOCUST_LOG_ERROR, LOG, "cannot write %s%s: %s (no more rows)", c->o->csv_base, suffix,
               strerror(errno));
    fclose(*f);
    *f = NULL;
}

static void on_sample(locust_history *h, const locust_history_sample *smp, void *udata)
{
    cli_reports *c = udata;
    if (!c->o->csv_base) return;
    append_rows(c, &c->history_csv, locust_csv2_history_rows, "_stats_history.csv", smp->time);
    append_rows(c, &c->sched_csv, locust_csv_scheduled_rows, "_scheduled_history.csv", smp->time);
}

static bool paced(const locust_wait_time *wt)
{
    return wt->kind == LOCUST_WAIT_CONSTANT_PACING || wt->kind == LOCUST_WAIT_CONSTANT_THROUGHPUT;
}

/* True when the test starts runs on a schedule: --rate, or a class (or its task set) paced. */
static bool has_scheduled_runs(const cli_options *o, locust_runner *r)
{
    if (o->rate > 0) return true;
    for (size_t i = 0; i < locust_runner_class_count(r); i++) {
        const locust_class *cls = locust_runner_class_at(r, i);
        if (paced(&cls->wait_time) || (cls->task_set && paced(&cls->task_set->wait_time))) return true;
    }
    return false;
}

/* Opens a history file and writes its header; NULL (logged) when it cannot be written. */
static FILE *open_history(const char *base, const char *suffix, int (*header)(FILE *))
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s%s", base, suffix);
    FILE *f = fopen(path, "w");
    if (!f)
        locust_log(LOCUST_LOG_ERROR, LOG, "cannot write %s: %s (the test goes on without it)", path,
                   strerror(errno));
    else if (header(f) || fflush(f) != 0)
        locust_log(LOCUST_LOG_ERROR, LOG, "cannot write %s: %s", path, strerror(errno));
    return f;
}

/* --threshold-abort: a threshold failing (with data) for the grace period stops the test. */
static void threshold_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    cli_reports *c = w->data;
    locust_runner_state st = locust_runner_state_get(c->runner);
    if (c->aborted || (st != LOCUST_STATE_RUNNING && st != LOCUST_STATE_HATCHING)) return;
    double now = ev_now(loop);
    for (size_t i = 0; i < c->o->n_thresholds; i++) {
        locust_threshold *t = &c->o->thresholds[i];
        locust_threshold_eval(t, locust_runner_stats(c->runner));
        if (t->passed || !t->has_value) {
            t->failing_since = 0;
            continue;
        }
        if (t->failing_since == 0) t->failing_since = now;
        if (now - t->failing_since >= c->o->threshold_grace) {
            locust_log(
                LOCUST_LOG_ERROR, LOG,
                "Threshold '%s' has failed for %g s (value %.6g): stopping the test (--threshold-abort)",
                t->expr, c->o->threshold_grace, t->value);
            c->aborted = true;
            if (c->abort_fn) c->abort_fn(c->abort_udata);
            return;
        }
    }
}

/*
 * Appends `sep` and one argument as a POSIX shell reads it back, so that the
 * command line in the reports can be pasted: quoted in '...' when it holds
 * anything but letters, digits and _@%+=:,./- ("GET /login:p99<800").
 * Returns what snprintf() returns.
 */
static size_t quote_arg(char *out, size_t len, const char *sep, const char *arg)
{
    if (*arg && strspn(arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-") ==
                    strlen(arg))
        return (size_t)snprintf(out, len, "%s%s", sep, arg);
    size_t off = (size_t)snprintf(out, len, "%s'", sep);
    for (const char *p = arg; *p && off < len; p++)
        off += (size_t)(*p == '\'' ? snprintf(out + off, len - off, "'\\''")
                                   : snprintf(out + off, len - off, "%c", *p));
    return off < len ? off + (size_t)snprintf(out + off, len - off, "'") : off;
}

static locust_report_settings settings_of(cli_reports *c)
{
    return (locust_report_settings){.locustfile = c->o->locustfile,
                                    .host = c->o->host,
                                    .users = c->o->clients,
                                    .spawn_rate = c->o->hatch_rate,
                                    .run_time = c->o->run_time,
                                    .command_line = c->command_line,
                                    .start_time = c->start_time,
                                    .thresholds = c->o->thresholds,
                                    .n_thresholds = c->o->n_thresholds};
}

int cli_reports_start(cli_reports *c, locust_runner *r, cli_options *o, int argc, char **argv,
                      void (*abort_fn)(void *), void *udata)
{
    c->runner = r;
    c->o = o;
    c->abort_fn = abort_fn;
    c->abort_udata = udata;
    c->start_time = ev_now(locust_runner_loop(r));
    size_t off = 0;
    for (int i = 0; i < argc && off < sizeof c->command_line; i++)
        off += quote_arg(c->command_line + off, sizeof c->command_line - off, i ? " " : "", argv[i]);
    if (o->slave) return 0; /* a slave's numbers are reported by its master */
    locust_report_settings st = settings_of(c);
    locust_report_set_settings(r, &st);
    if (o->csv_base) {
        c->history_csv = open_history(o->csv_base, "_stats_history.csv", locust_csv2_history_header);
        /* The scheduled runs' file is liblocust's own: 2.x's history keeps its columns. */
        if (has_scheduled_runs(o, r))
            c->sched_csv = open_history(o->csv_base, "_scheduled_history.csv", locust_csv_scheduled_header);
    }
    double interval = o->csv_base ? o->csv_interval : 2.0;
    int rc = locust_history_new(&c->history, r, interval, 0, on_sample, c);
    if (rc) {
        locust_log(LOCUST_LOG_ERROR, LOG, "cannot keep the history: %s", locust_strerror(rc));
        return -1;
    }
    locust_history_attach(r, c->history);
    if (o->threshold_abort) {
        ev_timer_init(&c->threshold_timer, threshold_cb, 1.0, 1.0);
        c->threshold_timer.data = c;
        ev_timer_start(locust_runner_loop(r), &c->threshold_timer);
        ev_unref(locust_runner_loop(r));
    }
    return 0;
}

void cli_reports_stop(cli_reports *c)
{
    if (!c->runner) return;
    if (ev_is_active(&c->threshold_timer)) {
        ev_ref(locust_runner_loop(c->runner));
        ev_timer_stop(locust_runner_loop(c->runner), &c->threshold_timer);
    }
}

static int html_file(void *udata, FILE *f)
{
    cli_reports *c = udata;
    locust_report_settings st = settings_of(c);
    st.end_time = ev_now(locust_runner_loop(c->runner));
    return locust_report_html(c->runner, &st, f);
}

static int json_doc(void *udata, FILE *f)
{
    cli_reports *c = udata;
    locust_report_settings st = settings_of(c);
    st.end_time = ev_now(locust_runner_loop(c->runner));
    return locust_report_json(c->runner, &st, f);
}

static int junit_file(void *udata, FILE *f)
{
    cli_reports *c = udata;
    locust_report_settings st = settings_of(c);
    st.end_time = ev_now(locust_runner_loop(c->runner));
    return locust_report_junit(c->runner, &st, f);
}

size_t cli_reports_finish(cli_reports *c, FILE *out, bool *write_failed)
{
    *write_failed = false;
    if (!c->runner || c->o->slave) return 0;
    ev_now_update(locust_runner_loop(c->runner));
    size_t failed = 0;
    for (size_t i = 0; i < c->o->n_thresholds; i++)
        failed += !locust_threshold_eval(&c->o->thresholds[i], locust_runner_stats(c->runner));
    if (c->o->n_thresholds) {
        locust_thresholds_print(c->o->thresholds, c->o->n_thresholds, out);
        fflush(out);
    }
    /* The last interval's row, so that the history ends with the final numbers. */
    if (c->history) locust_history_sample_now(c->history);
    if (c->o->html_file && write_file(c, c->o->html_file, html_file)) *write_failed = true;
    if (c->o->json_file && write_file(c, c->o->json_file, json_doc)) *write_failed = true;
    if (c->o->junit_file && write_file(c, c->o->junit_file, junit_file)) *write_failed = true;
    if (c->o->json_stdout) {
        json_doc(c, stdout);
        fflush(stdout);
    }
    return failed;
}

void cli_reports_free(cli_reports *c)
{
    cli_reports_stop(c);
    locust_history_free(c->history);
    c->history = NULL;
    if (c->history_csv) fclose(c->history_csv);
    c->history_csv = NULL;
    if (c->sched_csv) fclose(c->sched_csv);
    c->sched_csv = NULL;
}
