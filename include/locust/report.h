/*
 * Reports and verdicts on top of the statistics: pass/fail thresholds, a
 * history of the numbers over the run, Locust 2.x's CSV files, a JSON
 * summary, a JUnit file, a self-contained HTML report and Prometheus's text
 * format. None of them changes Locust 0.9's own outputs (locust/stats.h).
 */
#ifndef LOCUST_REPORT_H
#define LOCUST_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct locust_runner locust_runner;
typedef struct locust_stats locust_stats;

/* ---- thresholds ------------------------------------------------------------ */

/** What a threshold measures. */
typedef enum locust_metric {
    LOCUST_METRIC_PERCENTILE = 1,      /* a response-time percentile, ms */
    LOCUST_METRIC_AVG,                 /* average response time, ms */
    LOCUST_METRIC_MIN,                 /* smallest response time, ms */
    LOCUST_METRIC_MAX,                 /* largest response time, ms */
    LOCUST_METRIC_RPS,                 /* requests per second over the run */
    LOCUST_METRIC_FAIL_RATIO,          /* failures / (requests + failures), 0..1 */
    LOCUST_METRIC_NUM_FAILURES,        /* failed requests */
    LOCUST_METRIC_CORRECTED_PERCENTILE /* a percentile of the corrected time (scheduled runs), ms */
} locust_metric;

/** A comparison of a threshold. */
typedef enum locust_cmp {
    LOCUST_CMP_LT = 1,
    LOCUST_CMP_LE,
    LOCUST_CMP_GT,
    LOCUST_CMP_GE,
    LOCUST_CMP_EQ
} locust_cmp;

/** One threshold ("GET /login:p99<800") and its last result. */
typedef struct locust_threshold {
    char expr[256];  /* the expression as given */
    char method[32]; /* "" = any method */
    char name[224];  /* "" = the Total */
    locust_metric metric;
    double percentile; /* 0..1 for LOCUST_METRIC_PERCENTILE and LOCUST_METRIC_CORRECTED_PERCENTILE */
    locust_cmp cmp;
    double limit;
    /* Filled by locust_threshold_eval(). */
    bool has_value; /* false: no data to judge (no such entry, no requests) */
    double value;
    bool passed;          /* a threshold without data fails */
    double failing_since; /* clock seconds when it started to fail, 0 while it passes */
} locust_threshold;

/**
 * Parses a threshold expression: [ENTRY:]METRIC OP NUMBER where ENTRY is
 * "Total", "NAME" or "METHOD NAME", METRIC is p50..p99.99 (any percentile
 * pN with 0 < N <= 100), avg, min, max, rps, fail_ratio or num_failures and
 * OP is <, <=, >, >= or ==. Returns 0, or LOCUST_EINVAL with the reason in
 * `err`.
 */
int locust_threshold_parse(const char *expr, locust_threshold *out, char *err, size_t errlen);

/** Evaluates a threshold on a statistics table; returns t->passed. */
bool locust_threshold_eval(locust_threshold *t, const locust_stats *s);

/** Writes the metric's short name ("p95", "avg", ...) into buf. */
const char *locust_threshold_metric_name(const locust_threshold *t, char *buf, size_t len);

/** Writes the pass/fail table of `n` evaluated thresholds. */
int locust_thresholds_print(const locust_threshold *t, size_t n, FILE *f);

/* ---- history --------------------------------------------------------------- */

/** One sample of the run (Locust 2.x's stats.history plus the totals). */
typedef struct locust_history_sample {
    double time; /* seconds since the epoch */
    unsigned user_count;
    double current_rps; /* the Total's, as the console shows it */
    double current_fail_per_sec;
    double current_p50, current_p95; /* ms over the last ~10 s, 0 when no data */
    uint64_t num_requests, num_failures;
    /* Scheduled runs (--rate, paced users), so far: the runs dropped and the corrected time's p99 (ms, 0
     * when no run was scheduled). */
    uint64_t dropped_runs;
    double corrected_p99;
} locust_history_sample;

typedef struct locust_history locust_history;
/** Called after each sample, with the runner's statistics at that time. */
typedef void (*locust_history_fn)(locust_history *h, const locust_history_sample *smp, void *udata);

/**
 * Samples the runner's Total every `interval` seconds (default 1 s when 0)
 * on its loop while the state is not "stopped" or "ready", keeping the most
 * recent `cap` samples (default 86400 when 0). `fn` (may be NULL) is called
 * after each sample.
 */
int locust_history_new(locust_history **out, locust_runner *r, double interval, size_t cap,
                       locust_history_fn fn, void *udata);
/** Takes one sample now (whatever the state). */
void locust_history_sample_now(locust_history *h);
/** Returns the number of samples kept. */
size_t locust_history_count(const locust_history *h);
/** Returns sample i (0 = oldest kept). */
const locust_history_sample *locust_history_get(const locust_history *h, size_t i);
/** Returns the history of a runner set with locust_history_attach(), or NULL. */
locust_history *locust_runner_history(locust_runner *r);
/** Makes `h` the runner's history, for its web UI's report (NULL detaches). */
void locust_history_attach(locust_runner *r, locust_history *h);
/** Stops sampling and frees the history (NULL is fine). */
void locust_history_free(locust_history *h);

/* ---- Locust 2.x's CSV files ------------------------------------------------ */

/** Writes the header of 2.x's BASE_stats_history.csv. */
int locust_csv2_history_header(FILE *f);
/**
 * Appends the rows of one interval to BASE_stats_history.csv: the
 * Aggregated row, after one row per entry when `full` is set.
 */
int locust_csv2_history_rows(locust_runner *r, double now, bool full, FILE *f);
/**
 * Writes the header of BASE_scheduled_history.csv (liblocust's own file,
 * next to 2.x's): Timestamp, User Count, Type, Name, Target Rate, Runs
 * Dropped, then the samples and the 50/90/99/99.9/100% precise percentiles
 * of the Service Time and of the Corrected Time (from each scheduled run's
 * intended start).
 */
int locust_csv_scheduled_header(FILE *f);
/**
 * Appends the rows of one interval to BASE_scheduled_history.csv: the
 * Aggregated row (with the rate and the runs dropped so far), after one
 * row per entry when `full` is set. Percentiles are over the test so far.
 */
int locust_csv_scheduled_rows(locust_runner *r, double now, bool full, FILE *f);
/** Writes 2.x's BASE_failures.csv. */
int locust_csv2_failures(const locust_stats *s, FILE *f);
/** Writes 2.x's BASE_exceptions.csv. */
int locust_csv2_exceptions(const locust_runner *r, FILE *f);

/* ---- the summary: JSON, JUnit, HTML ---------------------------------------- */

/** What a report says about the test's settings (every field may be NULL/0). */
typedef struct locust_report_settings {
    const char *locustfile;
    const char *host;
    unsigned users;
    double spawn_rate;
    const char *run_time;
    const char *command_line;
    double start_time, end_time; /* seconds since the epoch; 0 = unknown (end 0: now) */
    const locust_threshold *thresholds;
    size_t n_thresholds;
} locust_report_settings;

/** The version of the JSON summary's schema (its "version" field). */
#define LOCUST_REPORT_JSON_VERSION 1

/** Writes the JSON summary (schema in locust-run(1)) followed by a newline. */
int locust_report_json(locust_runner *r, const locust_report_settings *st, FILE *f);
/** Writes a JUnit XML file: a test case per threshold and one for "no failed requests". */
int locust_report_junit(locust_runner *r, const locust_report_settings *st, FILE *f);
/** Writes the self-contained HTML report (Chart.js inlined). */
int locust_report_html(locust_runner *r, const locust_report_settings *st, FILE *f);
/** Writes the metrics in Prometheus's text exposition format 0.0.4. */
int locust_report_prometheus(locust_runner *r, FILE *f);

/**
 * Sets the settings that the web UI's /stats/report shows (copied; NULL
 * clears them). The thresholds are not copied and must outlive the runner.
 */
int locust_report_set_settings(locust_runner *r, const locust_report_settings *st);

#ifdef __cplusplus
}
#endif

#endif /* LOCUST_REPORT_H */
