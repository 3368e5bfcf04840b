/*
 * What locust-run prints and writes while a test runs (docs/compatibility.md §4.2-§4.4):
 * the periodic stats table, the CSV files, and the summary at the end.
 */
#ifndef LOCUST_CLI_CONSOLE_H
#define LOCUST_CLI_CONSOLE_H

#include <ev.h>
#include <locust/locust.h>
#include <stdbool.h>
#include <stdio.h>

/* Seconds between two periodic stats tables (0.9.0's CONSOLE_STATS_INTERVAL_SEC). */
#define CLI_CONSOLE_INTERVAL 2.0

typedef struct cli_console {
    locust_runner *runner;
    FILE *out;               /* where tables go (stderr) */
    const char *csv_base;    /* NULL: no CSV files */
    bool csv_error_reported; /* an unwritable path is reported once, until a write works again */
    bool print_periodic;
    double csv_interval;
    ev_timer print_timer, csv_timer;
    /* Called after each successful write of the CSV files (2.x's companions follow them);
     * returns 0 or a negative errno with the reason in `err`. */
    int (*after_csv)(void *udata, char *err, size_t errlen);
    void *after_csv_udata;
} cli_console;

/*
 * Starts the periodic table (when print_periodic) and the CSV writer (when
 * csv_base is set) on the runner's loop; both fire at once, then every
 * interval.
 */
void cli_console_start(cli_console *c);
/* Stops the periodic output. */
void cli_console_stop(cli_console *c);

/*
 * The shutdown summary, in 0.9.0's order: the stats table, the
 * percentiles, the CSV files (when set), then the error report.
 */
void cli_console_summary(cli_console *c);

/*
 * Writes BASE_requests.csv and BASE_distribution.csv, each through a
 * temporary file renamed into place, so that a reader never sees half a
 * file. Returns 0, or a negative errno with the path at fault in `err`.
 */
int cli_csv_write(const locust_stats *s, const char *base, char *err, size_t errlen);

/* Writes the CSV files and reports a failure once (see cli_console). */
void cli_console_write_csv(cli_console *c);

#endif /* LOCUST_CLI_CONSOLE_H */
