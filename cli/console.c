/*
 * The periodic stats table, the CSV writer and the shutdown summary. The
 * formats themselves belong to the statistics (locust_stats_print() and
 * friends); this file decides when they are written and where.
 */
#include "console.h"
#include "file_write.h"
#include "openmodel.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void print_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    cli_console *c = w->data;
    locust_stats_print(locust_runner_stats(c->runner), c->out);
    if (cli_open_model_shown(c->runner)) cli_print_open_model(c->runner, c->out);
    fflush(c->out);
}

static void csv_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    cli_console_write_csv(w->data);
}

void cli_console_start(cli_console *c)
{
    struct ev_loop *loop = locust_runner_loop(c->runner);
    if (c->print_periodic) {
        ev_timer_init(&c->print_timer, print_cb, 0., CLI_CONSOLE_INTERVAL);
        c->print_timer.data = c;
        ev_timer_start(loop, &c->print_timer);
    }
    if (c->csv_base) {
        ev_timer_init(&c->csv_timer, csv_cb, 0., c->csv_interval > 0 ? c->csv_interval : 2.0);
        c->csv_timer.data = c;
        ev_timer_start(loop, &c->csv_timer);
    }
}

void cli_console_stop(cli_console *c)
{
    struct ev_loop *loop = locust_runner_loop(c->runner);
    if (ev_is_active(&c->print_timer)) ev_timer_stop(loop, &c->print_timer);
    if (ev_is_active(&c->csv_timer)) ev_timer_stop(loop, &c->csv_timer);
}

static int requests_csv(void *s, FILE *f)
{
    return locust_stats_write_requests_csv(s, f);
}

static int distribution_csv(void *s, FILE *f)
{
    return locust_stats_write_distribution_csv(s, f);
}

int cli_csv_write(const locust_stats *s, const char *base, char *err, size_t errlen)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s_requests.csv", base) >= (int)sizeof path) {
        snprintf(err, errlen, "cannot write %s_requests.csv: the path is too long", base);
        return -ENAMETOOLONG;
    }
    /* The writers take the statistics as they are: the cast only passes them through. */
    int rc = cli_write_file(path, requests_csv, (void *)s, err, errlen);
    if (rc) return rc;
    snprintf(path, sizeof path, "%s_distribution.csv", base);
    return cli_write_file(path, distribution_csv, (void *)s, err, errlen);
}

void cli_console_write_csv(cli_console *c)
{
    char err[PATH_MAX + 256];
    if (!c->csv_base) return;
    int rc = cli_csv_write(locust_runner_stats(c->runner), c->csv_base, err, sizeof err);
    if (rc == 0 && c->after_csv) rc = c->after_csv(c->after_csv_udata, err, sizeof err);
    if (rc == 0) {
        c->csv_error_reported = false;
        return;
    }
    /* Once for all the CSV files, not every interval nor once per file: a folder that goes away
     * between two of them is one problem. The test goes on without its CSV files. */
    if (!c->csv_error_reported)
        locust_log(LOCUST_LOG_ERROR, "locust.main", "%s (the test goes on; CSV files will be retried)", err);
    c->csv_error_reported = true;
}

void cli_console_summary(cli_console *c)
{
    locust_stats *s = locust_runner_stats(c->runner);
    locust_stats_print(s, c->out);
    locust_stats_print_percentiles(s, c->out);
    if (cli_open_model_shown(c->runner)) cli_print_open_model(c->runner, c->out);
    fflush(c->out);
    cli_console_write_csv(c);
    locust_stats_print_errors(s, c->out);
    fflush(c->out);
}
