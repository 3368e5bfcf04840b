/*
 * locust-run's reports beyond 0.9's console and CSV: the history and 2.x's
 * CSV files while the test runs, --threshold-abort, and at the end the
 * threshold table, --html, --json, --json-file and --junit.
 */
#ifndef LOCUST_CLI_REPORTS_H
#define LOCUST_CLI_REPORTS_H

#include <ev.h>
#include <locust/locust.h>
#include <stdio.h>

#include "options.h"

typedef struct cli_reports {
    locust_runner *runner;
    cli_options *o;
    locust_history *history;
    FILE *history_csv; /* BASE_stats_history.csv, appended to at each sample */
    FILE *sched_csv;   /* BASE_scheduled_history.csv (--rate or paced classes), likewise */
    ev_timer threshold_timer;
    void (*abort_fn)(void *udata); /* --threshold-abort: stops the test */
    void *abort_udata;
    bool aborted;
    double start_time;
    char command_line[4096];
} cli_reports;

/*
 * Starts the history (and with --csv, BASE_stats_history.csv and its
 * companions) and the --threshold-abort watch on the runner's loop, and
 * hands the settings to the web UI's /stats/report. A CSV file that cannot
 * be written is logged and the test goes on, as with 0.9's files. Returns
 * 0, or -1 after logging why (out of memory).
 */
int cli_reports_start(cli_reports *c, locust_runner *r, cli_options *o, int argc, char **argv,
                      void (*abort_fn)(void *), void *udata);

/* Stops the timers (the history stays readable for cli_reports_finish()). */
void cli_reports_stop(cli_reports *c);

/*
 * At the end: evaluates the thresholds, prints their table to `out`, and
 * writes the HTML, JSON and JUnit documents and 2.x's CSV files. Returns
 * the number of failed thresholds; *write_failed is set when the HTML, JSON
 * or JUnit file could not be written (logged).
 */
size_t cli_reports_finish(cli_reports *c, FILE *out, bool *write_failed);

/*
 * Rewrites BASE_failures.csv and BASE_exceptions.csv whole, as 2.x does at
 * each interval: called (as the console's after_csv) once 0.9's CSV files
 * have been written. Returns 0, or a negative errno with the reason in `err`:
 * the console reports it with its own, once for all the CSV files until a
 * write works again.
 */
int cli_reports_write_csv(void *udata, char *err, size_t errlen);

/* Frees what cli_reports_start() set up. */
void cli_reports_free(cli_reports *c);

#endif /* LOCUST_CLI_REPORTS_H */
